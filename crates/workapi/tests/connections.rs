//! How the client uses connections, seen from a real listener on loopback: a task creation
//! (a phone call) always goes on a fresh connection, never on a kept-alive one that the server
//! may have closed meanwhile; reads may reuse one.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use workapi::{ApiKey, Client, NewTask, TaskId};

/// Per accepted connection, the request lines it carried.
type Log = Arc<Mutex<Vec<Vec<String>>>>;

/// A keep-alive HTTP/1.1 server that answers every request with a task.
fn server() -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let log: Log = Arc::default();
    let l2 = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let idx = {
                let mut g = l2.lock().unwrap();
                g.push(Vec::new());
                g.len() - 1
            };
            let log = l2.clone();
            std::thread::spawn(move || serve(stream, idx, log));
        }
    });
    (format!("http://{addr}/api"), log)
}

fn serve(mut s: TcpStream, idx: usize, log: Log) {
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        // One request: head, then content-length bytes.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            match s.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let len = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse::<usize>().unwrap())
            })
            .unwrap_or(0);
        while buf.len() < head_end + 4 + len {
            match s.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..head_end + 4 + len);
        log.lock().unwrap()[idx].push(head.lines().next().unwrap_or("").to_owned());
        let body = r#"{"task_id":"65abc123def456789012aaaa","status":"pending"}"#;
        let resp = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        if s.write_all(resp.as_bytes()).is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn every_creation_goes_on_a_fresh_connection() {
    let (base, log) = server();
    let client = Client::builder(ApiKey::new("sk_live_conn_test_0001").unwrap())
        .base_url(&base)
        .build()
        .unwrap();
    let id = TaskId::parse("65abc123def456789012aaaa").unwrap();
    client.tasks().get(&id).await.unwrap();
    client.tasks().get(&id).await.unwrap();
    for _ in 0..3 {
        client
            .tasks()
            .create(&NewTask::new("+14155552671", "Ask about the parcel"))
            .await
            .unwrap();
    }
    client.tasks().get(&id).await.unwrap();
    let conns = log.lock().unwrap().clone();
    let posts: Vec<&Vec<String>> = conns
        .iter()
        .filter(|c| c.iter().any(|r| r.starts_with("POST")))
        .collect();
    assert_eq!(
        posts.len(),
        3,
        "three creations, three connections: {conns:?}"
    );
    for c in posts {
        assert_eq!(c.len(), 1, "a creation shared its connection: {conns:?}");
    }
    // Reads still reuse a kept-alive connection.
    assert!(
        conns
            .iter()
            .any(|c| c.iter().filter(|r| r.starts_with("GET")).count() >= 2),
        "{conns:?}"
    );
}
