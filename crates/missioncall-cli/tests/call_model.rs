//! The model of a call through the real `missioncall` binary (issue 9): an attempt still being
//! sent is never declared "outcome unknown" by another process, however long its answer takes;
//! a service word equal to one of ours stays the service's; an action on a call goes to the
//! call's own service or is refused; `call --wait` gives up on answers it cannot read.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;
use workapi_sim::{Fault, FaultKind, Route};

const OK: i32 = 0;
const OTHER: i32 = 1;
const INVALID_INPUT: i32 = 3;
const REFUSED: i32 = 4;

/// A service on loopback that reads one task creation and answers it only when told to.
struct LateService {
    addr: std::net::SocketAddr,
    answer: mpsc::Sender<()>,
    got_request: mpsc::Receiver<()>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LateService {
    fn start() -> LateService {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (answer, answer_rx) = mpsc::channel::<()>();
        let (got_tx, got_request) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            read_request(&mut stream);
            got_tx.send(()).unwrap();
            // Hold the answer until the test says so (longer than any age threshold).
            answer_rx.recv().unwrap();
            let body = r#"{"task_id":"65abc123def456789012aaaa","task_number":7,"status":"pending","task_data":{"phone_number":"+442071838750"}}"#;
            let resp = format!(
                "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(resp.as_bytes()).unwrap();
        });
        LateService {
            addr,
            answer,
            got_request,
            thread: Some(thread),
        }
    }

    fn base_url(&self) -> String {
        format!("http://{}/api/v1/late", self.addr)
    }
}

fn read_request(stream: &mut TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).unwrap();
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(head_end) = text.find("\r\n\r\n") {
            let len = text[..head_end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if buf.len() >= head_end + 4 + len {
                return;
            }
        }
        if n == 0 {
            return;
        }
    }
}

/// Case 1: a call still being sent is never declared "outcome unknown" by another process,
/// even when its attempt row is far older than any threshold the old code had (120 s).
#[test]
fn an_attempt_being_sent_is_left_alone_however_old() {
    let late = LateService::start();
    let mut cli = Cli::bare();
    cli.set("WORKAPI_API_KEY", DEMO_KEY);
    cli.set("MISSIONCALL_BASE_URL", &late.base_url());
    let mut cmd = cli.command(&[
        "call",
        LONDON,
        "Ask whether the parcel left",
        "--yes",
        "--json",
        "--timeout",
        "300",
    ]);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    late.got_request
        .recv_timeout(Duration::from_secs(60))
        .expect("the create arrived");

    // The attempt is written and being sent; make it look ten minutes old.
    let db = cli.data_dir().join("history.sqlite3");
    let raw = rusqlite::Connection::open(&db).unwrap();
    let old = chrono::Utc::now().timestamp_millis() - 10 * 60 * 1000;
    assert_eq!(
        raw.execute("UPDATE calls SET created_at = ?1", [old])
            .unwrap(),
        1
    );
    drop(raw);

    // Another process lists the history: the attempt's owner is alive, so it stays "sending".
    let other = cli.run(&["history", "--json"]).expect(OK).json();
    assert_eq!(other[0]["status"], "sending", "{other}");
    assert_eq!(other[0]["status_kind"], "local");

    // The service answers at last: the task id is recorded on that same row.
    late.answer.send(()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(OK),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = cli.history();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["task_id"], "65abc123def456789012aaaa");
    assert_eq!(rows[0]["status"], "pending");
    assert_eq!(rows[0]["status_kind"], "service");
    let mut late = late;
    late.thread.take().unwrap().join().unwrap();
}

/// Case 1, the other side: a killed sender's attempt is recovered at once, with no waiting.
#[test]
fn a_killed_senders_attempt_is_an_unknown_outcome_at_once() {
    let late = LateService::start();
    let mut cli = Cli::bare();
    cli.set("WORKAPI_API_KEY", DEMO_KEY);
    cli.set("MISSIONCALL_BASE_URL", &late.base_url());
    let mut cmd = cli.command(&["call", LONDON, "Ask about the refund", "--yes"]);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    late.got_request
        .recv_timeout(Duration::from_secs(60))
        .expect("the create arrived");
    child.kill().unwrap();
    child.wait().unwrap();
    let rows = cli.run(&["history", "--json"]).expect(OK).json();
    assert_eq!(rows[0]["status"], "unknown_outcome", "{rows}");
    assert_eq!(rows[0]["status_kind"], "local");
    // Nothing is ever re-sent by itself: the same call again needs --force.
    let dup = cli
        .run(&["call", LONDON, "Ask about the refund", "--yes"])
        .expect(INVALID_INPUT);
    assert!(dup.stderr.contains("--force"), "{}", dup.stderr);
}

/// Case 2: a service status equal to one of our local words stays the service's word.
#[test]
fn a_service_word_equal_to_ours_stays_the_services() {
    let sim = TestSim::new(0.01);
    let cli = Cli::for_sim(&sim);
    let placed = cli
        .run(&[
            "call",
            LONDON,
            "Ask for the opening hours",
            "--yes",
            "--json",
        ])
        .expect(OK)
        .json();
    let id = placed["task_id"].as_str().unwrap().to_owned();

    sim.force_status(&id, "not_placed");
    let v = cli.run(&["status", &id, "--json"]).expect(OK).json();
    assert_eq!(v["status"], "not_placed");
    assert_eq!(v["status_kind"], "service");
    let rows = cli.history();
    assert_eq!(
        (rows[0]["status"].as_str(), rows[0]["status_kind"].as_str()),
        (Some("not_placed"), Some("service"))
    );
    assert_eq!(rows[0]["status_text"], "Status: not_placed");
    // A real task exists: the duplicate guard still holds, and nothing more is sent.
    cli.run(&["call", LONDON, "Ask for the opening hours", "--yes"])
        .expect(INVALID_INPUT);
    assert_eq!(sim.stats().creates, 1);

    // The service saying one of our other words breaks nothing.
    sim.force_status(&id, "sending");
    cli.run(&["status", &id]).expect(OK);
    let rows = cli.run(&["history", "--json"]).expect(OK).json();
    assert_eq!(rows[0]["status"], "sending");
    assert_eq!(rows[0]["status_kind"], "service");
    let local_filter = cli
        .run(&["history", "--json", "--status", "sending"])
        .expect(OK)
        .json();
    assert_eq!(local_filter.as_array().unwrap().len(), 0, "{local_filter}");
    let service_filter = cli
        .run(&["history", "--json", "--status", "service:sending"])
        .expect(OK)
        .json();
    assert_eq!(service_filter.as_array().unwrap().len(), 1);
}

/// Case 3: `cancel` of a call recorded for another address goes to the recorded one, or
/// says why not; it is never sent to the address of the moment.
#[test]
fn cancel_goes_to_the_calls_own_service_or_says_why_not() {
    let a = TestSim::new(0.01);
    let b = TestSim::new(0.01);
    let cli_a = Cli::for_sim(&a);
    let placed = cli_a
        .run(&["call", LONDON, "Ask about Friday", "--yes", "--json"])
        .expect(OK)
        .json();
    let id = placed["task_id"].as_str().unwrap().to_owned();

    // The same history, now pointed at B: the call lives at A, and no key is stored for A
    // (the environment's key is for the address in use).
    let mut cli_b = Cli::for_sim(&b);
    let dir = cli_a.data_dir().display().to_string();
    cli_b.set("MISSIONCALL_DATA_DIR", &dir);
    let run = cli_b.run(&["cancel", &id]).expect(REFUSED);
    assert!(run.stderr.contains(&a.base_url()), "{}", run.stderr);
    assert!(run.stderr.contains("Nothing was sent"), "{}", run.stderr);
    assert_eq!(b.stats().cancels, 0, "nothing went to B");
    assert_eq!(a.stats().cancels, 0);
    assert_eq!(a.status_of(&id), "pending");

    // With --base-url naming A again, it goes to A.
    let run = cli_b
        .run(&["cancel", &id, "--base-url", &a.base_url(), "--json"])
        .expect(OK);
    assert_eq!(run.json()["status"], "cancelled");
    assert_eq!(a.status_of(&id), "cancelled");
    assert_eq!(b.stats().cancels, 0);
}

/// Case 4: `call --wait` ends with exit code 1 and a plain message when the service's answers
/// about the call cannot be read, and never reports the network as down for it.
#[test]
fn call_wait_gives_up_on_unreadable_answers() {
    let sim = TestSim::new(0.01);
    let mut cli = Cli::for_sim(&sim);
    cli.set("MISSIONCALL_POLL_SPEED", "200");
    sim.inject(Fault::new(FaultKind::Garbage).on(Route::Get).times(1000));
    let run = cli
        .run(&["call", LONDON, "Ask about the invoice", "--yes", "--wait"])
        .expect(OTHER);
    assert!(run.stderr.contains("could not be read"), "{}", run.stderr);
    assert!(!run.stderr.contains("Offline"), "{}", run.stderr);
    let gets = sim.stats().gets;
    assert!(gets >= 10, "gave up after {gets} reads");
    let rows = cli.history();
    assert_eq!(rows[0]["tracking"], "unreadable");
    assert_eq!(rows[0]["status"], "pending");
}
