//! A hostile environment, through the real `missioncall` binary (issue 10): a proxy in the
//! environment never sees a request to a service on this computer (it would carry the key in
//! plain text), while a remote https service is still reached through it.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A "proxy" on loopback that records the first line of whatever it is sent, answers 502 and
/// closes.
fn capturing_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let s2 = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            stream
                .set_read_timeout(Some(Duration::from_secs(2)))
                .unwrap();
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            s2.lock()
                .unwrap()
                .push(text.lines().next().unwrap_or("").to_owned());
            let _ = stream.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
        }
    });
    (format!("http://{addr}"), seen)
}

#[test]
fn a_service_on_this_computer_is_never_reached_through_a_proxy() {
    let sim = TestSim::new(1.0);
    let (proxy, seen) = capturing_proxy();
    let mut cli = Cli::for_sim(&sim);
    for var in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        cli.set(var, &proxy);
    }
    cli.run(&[
        "call",
        LONDON,
        "Ask for the opening hours",
        "--yes",
        "--json",
    ])
    .expect(0);
    let task_id = cli.history()[0]["task_id"].as_str().unwrap().to_owned();
    cli.run(&["status", &task_id]).expect(0);
    assert_eq!(sim.stats().creates, 1);
    assert!(sim.stats().gets >= 1);
    assert!(
        seen.lock().unwrap().is_empty(),
        "the proxy saw: {:?}",
        seen.lock().unwrap()
    );
}

#[test]
fn a_remote_service_is_still_reached_through_the_systems_proxy() {
    let (proxy, seen) = capturing_proxy();
    let mut cli = Cli::bare();
    cli.set("WORKAPI_API_KEY", DEMO_KEY);
    cli.set("MISSIONCALL_BASE_URL", "https://api.workapi.test/api/v1");
    cli.set("HTTPS_PROXY", &proxy);
    // The proxy refuses the tunnel: nothing reached any service, and the CLI says so.
    let run = cli.run(&["status", "65abc123def456789012aaaa", "--timeout", "5"]);
    assert_ne!(run.code, 0);
    let lines = seen.lock().unwrap().clone();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("CONNECT api.workapi.test:443")),
        "the proxy saw: {lines:?}"
    );
}

/// Modes of the data folder and everything in it, relative to it.
#[cfg(unix)]
fn modes(dir: &std::path::Path) -> Vec<(String, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = vec![(
        ".".to_owned(),
        std::fs::metadata(dir).unwrap().permissions().mode() & 0o777,
    )];
    for p in files_under(dir) {
        let m = std::fs::symlink_metadata(&p).unwrap().permissions().mode() & 0o777;
        out.push((p.strip_prefix(dir).unwrap().display().to_string(), m));
    }
    for e in walk_dirs(dir) {
        let m = std::fs::metadata(&e).unwrap().permissions().mode() & 0o777;
        out.push((e.strip_prefix(dir).unwrap().display().to_string() + "/", m));
    }
    out
}

#[cfg(unix)]
fn walk_dirs(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.push(e.path());
            out.extend(walk_dirs(&e.path()));
        }
    }
    out
}

/// Under umask 022 the history (numbers, transcripts), its WAL and SHM, and every other file
/// in the data folder are readable by their owner only, and the folder is 0700.
#[cfg(unix)]
#[test]
fn the_data_folder_is_private_whatever_the_umask() {
    let sim = TestSim::new(1.0);
    let cli = Cli::for_sim(&sim);
    let data = cli.data_dir().join("fresh");
    let run_022 = |args: &[&str]| {
        let mut cmd = std::process::Command::new("sh");
        cmd.arg("-c")
            .arg("umask 022; exec \"$0\" \"$@\"")
            .arg(BIN)
            .args(args)
            .env_clear()
            .envs(cli.envs())
            .env("MISSIONCALL_DATA_DIR", &data);
        run_command(cmd, None)
    };
    run_022(&["call", LONDON, "Ask for the opening hours", "--yes"]).expect(0);
    // Keep a reader open so the WAL and SHM files stay, then write again.
    let reader = rusqlite::Connection::open(data.join("history.sqlite3")).unwrap();
    let n: i64 = reader
        .query_row("SELECT COUNT(*) FROM calls", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    run_022(&["call", LONDON, "Ask for the closing hours", "--yes"]).expect(0);
    run_022(&["history"]).expect(0);
    let seen = modes(&data);
    let names: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
    for must in [
        "history.sqlite3",
        "history.sqlite3-wal",
        "history.sqlite3-shm",
        "owners/",
    ] {
        assert!(names.contains(&must), "{must} missing: {names:?}");
    }
    for (name, mode) in &seen {
        let want = if name == "." || name.ends_with('/') {
            0o700
        } else {
            0o600
        };
        assert_eq!(*mode, want, "{name} is {mode:o}: {seen:?}");
    }
    drop(reader);
}

/// `validate -` answers each line on its own: a line that is not UTF-8 is invalid with a
/// reason, the others are checked, and no control byte reaches the terminal.
#[test]
fn validate_answers_each_line_and_echoes_nothing_raw() {
    let cli = Cli::bare();
    let mut input = Vec::new();
    input.extend_from_slice(b"+442071838750\n");
    input.extend_from_slice(b"+44 20 \xff\xfe 7183 8750\n");
    input.extend_from_slice(b"\x1b[31m+14155552671\x00\x07\n");
    input.extend_from_slice(b"GB\t020 7183 8750\r\n");
    let run = run_command(
        {
            let mut c = cli.command(&["validate", "-", "--json"]);
            c.stdin(std::process::Stdio::piped());
            c
        },
        Some(&input),
    );
    assert_eq!(run.code, 3, "one line is invalid: {}", run.stderr);
    let lines: Vec<serde_json::Value> = run.json_lines();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    assert_eq!(lines[0]["valid"], true);
    assert_eq!(lines[1]["valid"], false);
    assert!(lines[1]["reason"].as_str().unwrap().contains("UTF-8"));
    assert_eq!(lines[2]["valid"], false);
    assert_eq!(lines[3]["valid"], true);
    assert_eq!(lines[3]["e164"], "+442071838750");
    // Plain output too: no raw escape, NUL or bell byte anywhere.
    let plain = run_command(
        {
            let mut c = cli.command(&["validate", "-"]);
            c.stdin(std::process::Stdio::piped());
            c
        },
        Some(&input),
    );
    for bad in ['\u{1b}', '\u{0}', '\u{7}'] {
        assert!(!plain.stdout.contains(bad), "{:?}", plain.stdout);
        assert!(!run.stdout.contains(bad));
    }
    assert_eq!(plain.stdout.lines().count(), 4, "{}", plain.stdout);
}

/// Text after a number is never dropped to place the call.
#[test]
fn a_number_with_text_after_it_is_refused_and_nothing_is_sent() {
    let sim = TestSim::new(1.0);
    let cli = Cli::for_sim(&sim);
    for bad in [
        "+14155550100; rm -rf /",
        "+14155550100;ext=1 2",
        "+14155550100 then more",
    ] {
        let run = cli
            .run(&["call", bad, "Ask about the parcel", "--yes"])
            .expect(3);
        if bad.contains(';') {
            assert!(
                run.stderr.contains("doesn't look like a phone number"),
                "{bad}: {}",
                run.stderr
            );
        }
    }
    assert_eq!(sim.stats().creates, 0);
    assert!(cli.history().is_empty());
}
