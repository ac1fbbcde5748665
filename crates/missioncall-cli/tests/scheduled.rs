//! Scheduled calls through the real binary: `call --at`, `scheduled list|cancel|confirm|drop`
//! and `run-scheduled`, against an in-process simulator over loopback HTTP. The CLI runs on
//! the system clock, so jobs are scheduled a few seconds ahead and each test waits for what
//! it expects with a deadline loop (never a fixed sleep); "not sent again" is shown by a later
//! job being placed while the runner kept passing over the earlier one.

mod common;

use common::{Cli, TestSim, LONDON};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const OK: i32 = 0;
const INVALID_INPUT: i32 = 3;
const SF: &str = "+14155552671";
/// How long a test waits for something it expects before it fails.
const DEADLINE: Duration = Duration::from_secs(60);
/// How far ahead the tests schedule: enough for a debug binary on a busy machine to start.
const AHEAD: chrono::Duration = chrono::Duration::seconds(15);

fn at(when: chrono::DateTime<chrono::Utc>) -> String {
    when.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Schedules a call with `--at` (RFC 3339) and returns the job's id.
fn schedule(cli: &Cli, number: &str, task: &str, when: chrono::DateTime<chrono::Utc>) -> i64 {
    assert!(
        when > chrono::Utc::now(),
        "the machine is too slow for this test's margin"
    );
    let run = cli
        .run(&["call", number, task, "--at", &at(when), "--yes", "--json"])
        .expect(OK);
    let job = run.json();
    assert_eq!(job["state"], "waiting", "{job}");
    job["id"].as_i64().expect("job id")
}

fn jobs(cli: &Cli) -> Vec<Value> {
    cli.run(&["scheduled", "list", "--all", "--json"])
        .expect(OK)
        .json()
        .as_array()
        .expect("an array")
        .clone()
}

fn job(cli: &Cli, id: i64) -> Value {
    jobs(cli)
        .into_iter()
        .find(|j| j["id"] == id)
        .unwrap_or_else(|| panic!("no job {id}"))
}

/// A `run-scheduled` process whose stdout lines are collected as they come.
struct Runner {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Runner {
    fn start(cli: &Cli) -> Runner {
        let mut child = cli
            .command(&["run-scheduled", "--json"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the runner starts");
        let out = child.stdout.take().expect("stdout piped");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Runner { child, lines }
    }

    /// The JSON events printed so far.
    fn events(&self) -> Vec<Value> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    fn interrupt(mut self) -> i32 {
        let pid = self.child.id().to_string();
        let sent = std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill -INT");
        assert!(sent.success());
        let t0 = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code().unwrap_or(-1);
            }
            assert!(t0.elapsed() < DEADLINE, "the runner ignored Ctrl-C");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `cond` holds, failing after [`DEADLINE`].
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !cond() {
        assert!(t0.elapsed() < DEADLINE, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// True once a job was placed AND its call's request was answered (a job is `placed` as
/// soon as its attempt is written, just before the request goes out).
fn answered(cli: &Cli, id: i64) -> bool {
    let conn = rusqlite::Connection::open_with_flags(
        cli.data_dir().join("history.sqlite3"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM scheduled_calls j JOIN calls c ON c.id = j.attempt_id \
         WHERE j.id = ?1 AND j.state = 'placed' AND c.local_state IS NOT 'sending')",
        [id],
        |r| r.get(0),
    )
    .unwrap()
}

/// A job's state, read from the history file (polling through the binary would load a busy
/// machine further; `scheduled list --json` is checked at the end of each test).
fn state(cli: &Cli, id: i64) -> String {
    let conn = rusqlite::Connection::open_with_flags(
        cli.data_dir().join("history.sqlite3"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.query_row(
        "SELECT state FROM scheduled_calls WHERE id = ?1",
        [id],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn a_time_that_passed_or_cannot_be_read_is_refused_and_nothing_is_stored() {
    let sim = TestSim::new(0.01);
    let mut cli = Cli::for_sim(&sim);
    cli.set("TZ", "UTC");
    let in_a_month = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let past = at(chrono::Utc::now() - chrono::Duration::minutes(5));
    let run = cli
        .run(&[
            "call",
            LONDON,
            "Ask about the order",
            "--at",
            &past,
            "--yes",
        ])
        .expect(INVALID_INPUT);
    assert!(run.stderr.contains("has already passed"), "{}", run.stderr);
    let run = cli
        .run(&["call", LONDON, "Ask", "--at", "2020-01-01 10:00", "--yes"])
        .expect(INVALID_INPUT);
    assert!(run.stderr.contains("has already passed"), "{}", run.stderr);
    let run = cli
        .run(&["call", LONDON, "Ask", "--at", "tomorrow-ish", "--yes"])
        .expect(INVALID_INPUT);
    assert!(run.stderr.contains("YYYY-MM-DD HH:MM"), "{}", run.stderr);
    // --at does not mix with placing now.
    cli.run(&["call", LONDON, "Ask", "--at", &in_a_month, "--wait"])
        .expect(2);
    let run = cli
        .run(&["call", LONDON, "Ask", "--at", "2099-01-01 10:00", "--yes"])
        .expect(INVALID_INPUT);
    assert!(
        run.stderr.contains("more than a year away"),
        "{}",
        run.stderr
    );
    assert!(jobs(&cli).is_empty());
    assert_eq!(sim.stats().creates, 0);
    // A local time in the future is accepted, and listed.
    let run = cli
        .run(&["call", LONDON, "Ask", "--at", &in_a_month, "--yes"])
        .expect(OK);
    assert!(run.stdout.contains("Scheduled call #1"), "{}", run.stdout);
    let run = cli.run(&["scheduled", "list"]).expect(OK);
    assert!(run.stdout.contains(&in_a_month), "{}", run.stdout);
}

#[test]
fn a_scheduled_call_is_placed_once_at_its_time_and_a_cancelled_one_never() {
    let sim = TestSim::new(0.01);
    let cli = Cli::for_sim(&sim);
    let soon = || chrono::Utc::now() + AHEAD;
    let first = schedule(&cli, LONDON, "Ask whether the parcel left", soon());
    let cancelled = schedule(&cli, SF, "Ask about the refund", soon());
    let later = schedule(
        &cli,
        SF,
        "Ask about the invoice",
        soon() + chrono::Duration::seconds(2),
    );
    let run = cli
        .run(&["scheduled", "cancel", &cancelled.to_string()])
        .expect(OK);
    assert!(run.stdout.contains("cancelled"), "{}", run.stdout);
    cli.run(&["scheduled", "cancel", &cancelled.to_string()])
        .expect(INVALID_INPUT);

    let runner = Runner::start(&cli);
    // Not before its time.
    assert_eq!(sim.stats().creates, 0);
    wait_for("the first job", || answered(&cli, first));
    wait_for("the later job", || answered(&cli, later));
    wait_for("two announcements", || runner.events().len() >= 2);
    // The runner passed over the first job many times meanwhile: it was sent once.
    assert_eq!(sim.stats().creates, 2);
    assert_eq!(job(&cli, cancelled)["state"], "cancelled");
    let events = runner.events();
    let placed: Vec<_> = events
        .iter()
        .filter(|e| e["event"] == "placed")
        .map(|e| e["job"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(placed, [first, later]);
    // Not before its time: each call was written at or after its job's time.
    for e in events.iter().filter(|e| e["event"] == "placed") {
        let due = chrono::DateTime::parse_from_rfc3339(e["job"]["due_at"].as_str().unwrap());
        let made = chrono::DateTime::parse_from_rfc3339(e["call"]["created_at"].as_str().unwrap());
        assert!(made.unwrap() >= due.unwrap(), "{e}");
    }
    // Each became one call with a task id, in the history.
    let history = cli.history();
    assert_eq!(history.len(), 2);
    assert!(history.iter().all(|c| c["task_id"].is_string()));
    assert_eq!(runner.interrupt(), OK);
}

#[test]
fn an_overdue_call_is_not_placed_until_confirmed_then_once() {
    let sim = TestSim::new(0.01);
    let cli = Cli::for_sim(&sim);
    let far = chrono::Utc::now() + chrono::Duration::hours(1);
    let late = schedule(&cli, LONDON, "Ask whether the parcel left", far);
    let dropped = schedule(&cli, SF, "Ask about the refund", far);
    // Their time passed while nothing ran.
    let conn = rusqlite::Connection::open(cli.data_dir().join("history.sqlite3")).unwrap();
    let ten_min_ago = (chrono::Utc::now() - chrono::Duration::minutes(10)).timestamp_millis();
    conn.execute("UPDATE scheduled_calls SET due_at = ?1", [ten_min_ago])
        .unwrap();
    drop(conn);
    let marker = schedule(
        &cli,
        SF,
        "Ask about the invoice",
        chrono::Utc::now() + AHEAD,
    );

    let runner = Runner::start(&cli);
    wait_for("the overdue announcement", || {
        runner
            .events()
            .iter()
            .filter(|e| e["event"] == "overdue")
            .count()
            == 2
    });
    assert_eq!(state(&cli, late), "overdue");
    assert_eq!(sim.stats().creates, 0);
    // The user places one and drops the other.
    let run = cli
        .run(&["scheduled", "confirm", &late.to_string(), "--json"])
        .expect(OK);
    assert!(run.json()["task_id"].is_string(), "{}", run.stdout);
    cli.run(&["scheduled", "confirm", &late.to_string()])
        .expect(INVALID_INPUT);
    cli.run(&["scheduled", "drop", &dropped.to_string()])
        .expect(OK);
    cli.run(&["scheduled", "confirm", &dropped.to_string()])
        .expect(INVALID_INPUT);
    assert_eq!(sim.stats().creates, 1);
    // The runner goes on; by the time it placed the next job it had passed over both.
    wait_for("the next job", || answered(&cli, marker));
    assert_eq!(sim.stats().creates, 2);
    assert_eq!(job(&cli, late)["state"], "placed");
    assert_eq!(job(&cli, dropped)["state"], "dropped");
    assert!(runner
        .events()
        .iter()
        .all(|e| e["event"] != "placed" || e["job"]["id"] == marker));
    assert_eq!(runner.interrupt(), OK);
}

#[test]
fn two_runners_on_one_history_place_each_call_once() {
    let sim = TestSim::new(0.01);
    let cli = Cli::for_sim(&sim);
    let ids: Vec<i64> = (0..4)
        .map(|i| {
            let t = chrono::Utc::now() + AHEAD;
            schedule(&cli, SF, &format!("Ask about order {i}"), t)
        })
        .collect();
    let a = Runner::start(&cli);
    let b = Runner::start(&cli);
    wait_for("every job", || ids.iter().all(|id| answered(&cli, *id)));
    let marker = schedule(
        &cli,
        LONDON,
        "Ask whether the parcel left",
        chrono::Utc::now() + AHEAD,
    );
    wait_for("the marker job", || answered(&cli, marker));
    assert_eq!(sim.stats().creates, 5);
    let placed_by = |r: &Runner| r.events().iter().filter(|e| e["event"] == "placed").count();
    // (A runner prints just after it records: wait for the lines.)
    wait_for("five announcements", || placed_by(&a) + placed_by(&b) >= 5);
    assert_eq!(placed_by(&a) + placed_by(&b), 5);
    assert_eq!(cli.history().len(), 5);
    assert!(jobs(&cli).iter().all(|j| j["state"] == "placed"));
}

#[test]
fn a_pause_holds_a_due_call_in_a_running_runner_until_resume_then_it_is_placed_once() {
    let sim = TestSim::new(0.01);
    let cli = Cli::for_sim(&sim);
    let due = chrono::Utc::now() + AHEAD;
    let id = schedule(&cli, SF, "Ask whether the dry cleaning is ready", due);
    let run = cli.run(&["scheduled", "pause"]).expect(OK);
    assert!(run.stdout.starts_with("Paused:"), "{}", run.stdout);
    assert!(
        run.stdout.contains("Waiting: 1 scheduled call."),
        "{}",
        run.stdout
    );
    let listed = cli.run(&["scheduled", "list"]).expect(OK);
    assert!(listed.stdout.starts_with("Paused:"), "{}", listed.stdout);
    // The runner started after the pause, and the pause is in the settings it shares.
    let runner = Runner::start(&cli);
    // Three of the runner's one-second rounds after the call's time: still waiting.
    wait_for("the call's time and three rounds", || {
        chrono::Utc::now() > due + chrono::Duration::seconds(3)
    });
    assert_eq!(state(&cli, id), "waiting");
    assert_eq!(sim.stats().creates, 0, "nothing is sent while paused");
    // Resumed from another process: the runner places it (still within the grace), once.
    let run = cli.run(&["scheduled", "resume", "--json"]).expect(OK);
    assert_eq!(run.json()["paused"], false, "{}", run.stdout);
    wait_for("the call after the resume", || answered(&cli, id));
    wait_for("its announcement", || !runner.events().is_empty());
    assert_eq!(sim.stats().creates, 1);
    assert_eq!(cli.history().len(), 1);
    assert_eq!(runner.interrupt(), OK);
    let listed = cli.run(&["scheduled", "list"]).expect(OK);
    assert!(!listed.stdout.contains("Paused"), "{}", listed.stdout);
}
