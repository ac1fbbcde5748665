//! The `missioncall` binary end to end: each test runs the real binary against an in-process
//! simulator over loopback HTTP, with a fresh HOME and a temp data dir, and checks what it prints,
//! its exit code, what reached the simulator, and what the history holds afterwards.

mod common;

use common::{refused_base_url, Cli, TestSim, DEMO_KEY, LONDON};
use serde_json::Value;
use workapi_sim::{Fault, FaultKind, RetryAfter, Route};

const OK: i32 = 0;
const USAGE: i32 = 2;
const INVALID_INPUT: i32 = 3;
const REFUSED: i32 = 4;
const RATE_LIMITED: i32 = 5;
const NETWORK: i32 = 6;
const UNKNOWN_OUTCOME: i32 = 7;

/// Places a call with `--yes --json` and returns its task id.
fn place(cli: &Cli, number: &str, task: &str) -> String {
    let run = cli
        .run(&["call", number, task, "--yes", "--json"])
        .expect(OK);
    run.json()["task_id"]
        .as_str()
        .expect("task_id is a string")
        .to_owned()
}

const LIFECYCLE: [&str; 4] = ["pending", "accepted", "in_progress", "completed"];

fn lifecycle_rank(status: &str) -> usize {
    LIFECYCLE
        .iter()
        .position(|s| *s == status)
        .unwrap_or_else(|| panic!("unexpected status {status}"))
}

#[test]
fn help_documents_every_exit_code() {
    let run = Cli::bare().run(&["--help"]).expect(OK);
    assert!(run.stdout.contains("Exit codes:"), "{}", run.stdout);
    for (code, words) in [
        (0, "ok"),
        (1, "other error"),
        (2, "usage error"),
        (3, "invalid input"),
        (4, "refused"),
        (5, "rate-limited"),
        (6, "network failure"),
        (7, "outcome unknown"),
    ] {
        let line = run
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{code}  ")))
            .unwrap_or_else(|| panic!("no line for exit code {code}:\n{}", run.stdout));
        assert!(line.contains(words), "exit code {code}: {line}");
    }
    // The short help (-h) shows them too.
    let short = Cli::bare().run(&["-h"]).expect(OK);
    assert!(
        short.stdout.contains("7  outcome unknown"),
        "{}",
        short.stdout
    );
}

#[test]
fn call_yes_json_prints_the_created_task_as_pending() {
    let sim = TestSim::new(1.0);
    let cli = Cli::for_sim(&sim);
    let run = cli
        .run(&["call", LONDON, "Ask for opening hours", "--yes", "--json"])
        .expect(OK);
    let v = run.json();
    let task_id = v["task_id"].as_str().expect("task_id");
    assert!(!task_id.is_empty());
    assert_eq!(v["status"], "pending");
    assert_eq!(v["phone_number"], LONDON);
    assert_eq!(v["task"], "Ask for opening hours");
    assert_eq!(sim.stats().creates, 1);
    assert_eq!(sim.stats().tasks_created, 1);
    assert_eq!(sim.status_of(task_id), "pending");
    let history = cli.history();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["task_id"], task_id);
}

#[test]
fn call_human_output_names_the_call_and_task() {
    let sim = TestSim::new(1.0);
    let cli = Cli::for_sim(&sim);
    let run = cli
        .run(&[
            "call",
            "020 7183 8750",
            "Book a table",
            "--region",
            "GB",
            "-y",
        ])
        .expect(OK);
    let task_id = cli.history()[0]["task_id"].as_str().unwrap().to_owned();
    assert!(run.stdout.contains("Call #1 placed"), "{}", run.stdout);
    assert!(run.stdout.contains(&task_id), "{}", run.stdout);
    assert!(
        run.stdout.contains("Waiting for an agent"),
        "{}",
        run.stdout
    );
    assert_eq!(cli.history()[0]["phone_number"], LONDON);
}

#[test]
fn call_wait_follows_the_call_to_completed() {
    let sim = TestSim::new(50.0);
    let cli = Cli::for_sim(&sim);
    let run = cli
        .run(&["call", LONDON, "Ask for opening hours", "--yes", "--wait"])
        .expect(OK);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("Call #1 placed"), "{}", run.stdout);
    let task_id = cli.history()[0]["task_id"].as_str().unwrap().to_owned();
    let changes: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with(&format!("{task_id} — ")))
        .copied()
        .collect();
    assert!(
        changes.last().is_some_and(|l| l.ends_with("Done")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Summary:"), "{}", run.stdout);
    assert!(run.stdout.contains("Transcript:"), "{}", run.stdout);
    assert_eq!(cli.history()[0]["status"], "completed");
    assert_eq!(sim.stats().creates, 1);
}

#[test]
fn call_wait_json_prints_each_change_in_order() {
    let sim = TestSim::new(50.0);
    let cli = Cli::for_sim(&sim);
    let run = cli
        .run(&[
            "call",
            LONDON,
            "Ask for opening hours",
            "-y",
            "--wait",
            "--json",
        ])
        .expect(OK);
    let events = run.json_lines();
    assert!(events.len() >= 2, "{}", run.stdout);
    assert_eq!(events[0]["status"], "pending");
    let last = events.last().unwrap();
    assert_eq!(last["status"], "completed");
    assert!(last["summary"].is_string(), "{last}");
    assert!(last["transcript"].is_string(), "{last}");
    let ranks: Vec<usize> = events
        .iter()
        .map(|e| lifecycle_rank(e["status"].as_str().unwrap()))
        .collect();
    assert!(
        ranks.windows(2).all(|w| w[0] < w[1]),
        "each change once, in order: {ranks:?}"
    );
    let ids: Vec<&Value> = events.iter().map(|e| &e["task_id"]).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
}

#[test]
fn call_without_yes_and_without_a_terminal_exits_2_and_sends_nothing() {
    let sim = TestSim::new(1.0);
    let cli = Cli::for_sim(&sim);
    let run = cli
        .run(&["call", LONDON, "Ask for opening hours"])
        .expect(USAGE);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    // It still shows what would have been dialled.
    assert!(run.stderr.contains(LONDON), "{}", run.stderr);
    // Piped input is not a confirmation either.
    cli.run_stdin(&["call", LONDON, "Ask for opening hours"], "y\n")
        .expect(USAGE);
    assert_eq!(sim.stats().creates, 0);
    assert!(cli.history().is_empty());
}

#[test]
fn invalid_input_exits_3_and_sends_nothing() {
    let sim = TestSim::new(1.0);
    let mut cli = Cli::for_sim(&sim);
    let run = cli
        .run(&["call", "12345", "Ask for opening hours", "--yes"])
        .expect(INVALID_INPUT);
    assert!(!run.stderr.trim().is_empty());
    cli.run(&["call", "+44 20 7183", "Ask", "--yes"])
        .expect(INVALID_INPUT);
    cli.run(&["call", "020 7183 8750", "Ask", "--yes", "--region", "ZZ"])
        .expect(INVALID_INPUT);
    cli.run(&["call", LONDON, "   ", "--yes"])
        .expect(INVALID_INPUT);
    let long = "x".repeat(4001);
    cli.run(&["call", LONDON, &long, "--yes"])
        .expect(INVALID_INPUT);
    // Validation comes before the key: no key is needed to learn the number is wrong.
    cli.unset("WORKAPI_API_KEY");
    cli.run(&["call", "12345", "Ask", "--yes"])
        .expect(INVALID_INPUT);
    assert_eq!(sim.stats().creates, 0);
    assert!(cli.history().is_empty());
}

#[test]
fn a_duplicate_exits_3_and_force_places_it_again() {
    let sim = TestSim::new(1.0);
    let cli = Cli::for_sim(&sim);
    let first = place(&cli, LONDON, "Ask for opening hours");
    let run = cli
        .run(&[
            "call",
            "+44 20 7183 8750",
            " Ask for opening hours ",
            "--yes",
        ])
        .expect(INVALID_INPUT);
    assert!(run.stderr.contains("#1"), "{}", run.stderr);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(sim.stats().creates, 1);
    let run = cli
        .run(&[
            "call",
            LONDON,
            "Ask for opening hours",
            "--yes",
            "--force",
            "--json",
        ])
        .expect(OK);
    let second = run.json()["task_id"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    assert_eq!(sim.stats().creates, 2);
    assert_eq!(cli.history().len(), 2);
    // Another task to the same number is not a duplicate.
    place(&cli, LONDON, "Ask about parking");
    assert_eq!(sim.stats().creates, 3);
}

#[test]
fn status_shows_a_task_from_history_and_from_elsewhere() {
    let sim = TestSim::new(1.0);
    let cli = Cli::for_sim(&sim);
    let id = place(&cli, LONDON, "Ask for opening hours");
    let run = cli.run(&["status", &id]).expect(OK);
    assert!(run.stdout.contains(&id), "{}", run.stdout);
    assert!(
        run.stdout.contains("Waiting for an agent"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Ask for opening hours"),
        "{}",
        run.stdout
    );

    sim.force_status(&id, "completed");
    let v = cli.run(&["status", &id, "--json"]).expect(OK).json();
    assert_eq!(v["task_id"], id.as_str());
    assert_eq!(v["status"], "completed");
    assert_eq!(v["status_text"], "Done");
    assert_eq!(v["call"]["status"], "completed", "history was updated");
    assert_eq!(cli.history()[0]["status"], "completed");

    // A task this computer never placed is shown too, without a history row.
    let other = Cli::for_sim(&sim);
    let run = other.run(&["status", &id]).expect(OK);
    assert!(
        run.stdout.contains("not in this computer's history"),
        "{}",
        run.stdout
    );
    let v = other.run(&["status", &id, "--json"]).expect(OK).json();
    assert!(v["call"].is_null());
    assert!(other.history().is_empty());
}

#[test]
fn status_of_an_unknown_or_malformed_id() {
    let sim = TestSim::new(1.0);
    let cli = Cli::for_sim(&sim);
    let run = cli
        .run(&["status", "0123456789abcdef01234567"])
        .expect(REFUSED);
    assert!(
        run.stderr.contains("no task with this id"),
        "{}",
        run.stderr
    );
    cli.run(&["status", "not/an id"]).expect(INVALID_INPUT);
}

#[test]
fn cancel_while_pending_works_and_after_the_call_began_exits_4() {
    let sim = TestSim::new(1.0);
    let cli = Cli::for_sim(&sim);

    let pending = place(&cli, LONDON, "Ask for opening hours");
    let v = cli.run(&["cancel", &pending, "--json"]).expect(OK).json();
    assert_eq!(v["task_id"], pending.as_str());
    assert_eq!(v["status"], "cancelled");
    assert_eq!(sim.status_of(&pending), "cancelled");

    let begun = place(&cli, LONDON, "Ask about parking");
    sim.force_status(&begun, "in_progress");
    let run = cli.run(&["cancel", &begun]).expect(REFUSED);
    assert!(
        run.stderr.contains("can no longer be cancelled"),
        "{}",
        run.stderr
    );
    assert_eq!(sim.status_of(&begun), "in_progress");

    let history = cli.history();
    let status_of = |id: &str| {
        history
            .iter()
            .find(|r| r["task_id"] == id)
            .map(|r| r["status"].clone())
            .unwrap()
    };
    assert_eq!(status_of(&pending), "cancelled");
    assert_eq!(status_of(&begun), "in_progress");

    // The same from a computer that does not have the tasks in its history.
    let other = Cli::for_sim(&sim);
    let fresh = place(&cli, LONDON, "Ask about delivery");
    let run = other.run(&["cancel", &fresh]).expect(OK);
    assert!(run.stdout.contains("Cancelled"), "{}", run.stdout);
    other.run(&["cancel", &begun]).expect(REFUSED);
}

#[test]
fn history_json_lists_calls_and_filters_work() {
    let sim = TestSim::new(1.0);
    let cli = Cli::for_sim(&sim);
    let a = place(&cli, LONDON, "Ask for opening hours");
    let b = place(&cli, "+12125550123", "Book a table for two");
    let c = place(&cli, "+33142685300", "Confirm the delivery date");
    cli.run(&["cancel", &b]).expect(OK);

    let all = cli.history();
    assert_eq!(all.len(), 3);
    // Newest first.
    let ids: Vec<&str> = all.iter().map(|r| r["task_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [c.as_str(), b.as_str(), a.as_str()]);
    for row in &all {
        let phone = row["phone_number"].as_str().unwrap();
        assert!(
            phone.starts_with('+') && phone[1..].chars().all(|ch| ch.is_ascii_digit()),
            "E.164: {phone}"
        );
        assert!(row["task"].is_string());
        assert!(row["status"].is_string());
    }
    assert_eq!(all[1]["phone_number"], "+12125550123");
    assert_eq!(all[1]["task"], "Book a table for two");

    let run = cli
        .run(&["history", "--json", "--status", "cancelled"])
        .expect(OK);
    let rows = run.json();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows[0]["task_id"], b.as_str());

    let rows = cli
        .run(&["history", "--json", "--search", "delivery"])
        .expect(OK)
        .json();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows[0]["task_id"], c.as_str());

    let rows = cli
        .run(&["history", "--json", "--limit", "2"])
        .expect(OK)
        .json();
    let ids: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["task_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [c.as_str(), b.as_str()]);

    let rows = cli
        .run(&["history", "--json", "--status", "completed"])
        .expect(OK)
        .json();
    assert_eq!(rows, Value::Array(vec![]));

    // For people: one line per call, and a plain message when nothing matches.
    let run = cli.run(&["history"]).expect(OK);
    assert_eq!(run.stdout.lines().count(), 3, "{}", run.stdout);
    assert!(run.stdout.contains("Cancelled"), "{}", run.stdout);
    let run = cli.run(&["history", "--search", "zebra"]).expect(OK);
    assert!(run.stdout.contains("No calls found."), "{}", run.stdout);
}

#[test]
fn an_unanswered_create_exits_7_and_is_kept_as_unknown_outcome() {
    let sim = TestSim::new(1.0);
    let cli = Cli::for_sim(&sim);
    sim.inject(Fault::new(FaultKind::Hang).on(Route::Create));
    let run = cli
        .run(&[
            "call",
            LONDON,
            "Ask for opening hours",
            "--yes",
            "--timeout",
            "1",
        ])
        .expect(UNKNOWN_OUTCOME);
    assert!(run.stderr.contains("NOT sent again"), "{}", run.stderr);
    // Sent once, never retried (the simulator did create it).
    assert_eq!(sim.stats().creates, 1);
    assert_eq!(sim.stats().tasks_created, 1);
    let history = cli.history();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["status"], "unknown_outcome");
    assert!(history[0]["task_id"].is_null(), "{}", history[0]);
    assert_eq!(history[0]["phone_number"], LONDON);
    let rows = cli
        .run(&["history", "--json", "--status", "unknown_outcome"])
        .expect(OK)
        .json();
    assert_eq!(rows.as_array().unwrap().len(), 1);
}

#[test]
fn a_rejected_key_exits_4_and_says_how_to_set_it() {
    let sim = TestSim::new(1.0);
    let mut cli = Cli::for_sim(&sim);
    cli.set("WORKAPI_API_KEY", "sk_live_not_the_right_key");
    let run = cli
        .run(&["call", LONDON, "Ask for opening hours", "--yes"])
        .expect(REFUSED);
    assert!(run.stderr.contains("key was rejected"), "{}", run.stderr);
    assert!(run.stderr.contains("missioncall key set"), "{}", run.stderr);
    // The key in use came from the environment, which overrides the keychain: say so.
    assert!(run.stderr.contains("WORKAPI_API_KEY"), "{}", run.stderr);
    assert_eq!(sim.stats().tasks_created, 0);
    assert_eq!(cli.history()[0]["status"], "not_placed");

    cli.run(&["status", "0123456789abcdef01234567"])
        .expect(REFUSED);
    cli.run(&["cancel", "0123456789abcdef01234567"])
        .expect(REFUSED);
}

#[test]
fn a_forbidden_key_exits_4() {
    let sim = TestSim::with(workapi_sim::SimConfig {
        forbidden_keys: vec!["sk_live_forbidden_key".into()],
        ..workapi_sim::SimConfig::default()
    });
    let mut cli = Cli::for_sim(&sim);
    cli.set("WORKAPI_API_KEY", "sk_live_forbidden_key");
    let run = cli.run(&["call", LONDON, "Ask", "--yes"]).expect(REFUSED);
    assert!(run.stderr.contains("not allowed"), "{}", run.stderr);
}

#[test]
fn connection_refused_exits_6_and_nothing_was_sent() {
    let mut cli = Cli::bare();
    cli.set("WORKAPI_API_KEY", DEMO_KEY);
    cli.set("MISSIONCALL_BASE_URL", &refused_base_url());
    let run = cli
        .run(&["call", LONDON, "Ask for opening hours", "--yes"])
        .expect(NETWORK);
    assert!(run.stderr.contains("nothing was sent"), "{}", run.stderr);
    assert_eq!(cli.history()[0]["status"], "not_placed");
    cli.run(&["status", "0123456789abcdef01234567"])
        .expect(NETWORK);
    cli.run(&["cancel", "0123456789abcdef01234567"])
        .expect(NETWORK);
}

#[test]
fn still_rate_limited_after_the_retries_exits_5() {
    let sim = TestSim::new(1.0);
    let cli = Cli::for_sim(&sim);
    // One first attempt plus three retries, all refused.
    sim.inject(
        Fault::new(FaultKind::RateLimited {
            retry_after: RetryAfter::Seconds(0),
        })
        .times(4)
        .on(Route::Create),
    );
    let run = cli
        .run(&["call", LONDON, "Ask for opening hours", "--yes"])
        .expect(RATE_LIMITED);
    assert!(run.stderr.contains("too many requests"), "{}", run.stderr);
    assert_eq!(sim.stats().creates, 4);
    assert_eq!(sim.stats().tasks_created, 0);
    assert_eq!(cli.history()[0]["status"], "not_placed");

    // A Retry-After too long to wait for in the loop is reported at once.
    sim.inject(
        Fault::new(FaultKind::RateLimited {
            retry_after: RetryAfter::Seconds(120),
        })
        .on(Route::Get),
    );
    let run = cli
        .run(&["status", "0123456789abcdef01234567"])
        .expect(RATE_LIMITED);
    assert!(run.stderr.contains("120 s"), "{}", run.stderr);

    // Fewer refusals than retries: it gets through.
    sim.inject(
        Fault::new(FaultKind::RateLimited {
            retry_after: RetryAfter::Seconds(0),
        })
        .times(2)
        .on(Route::Create),
    );
    place(&cli, LONDON, "Ask about parking");
    assert_eq!(sim.stats().tasks_created, 1);
}

#[test]
fn global_flags_work_before_and_after_the_subcommand() {
    let sim = TestSim::new(1.0);
    let mut cli = Cli::bare();
    cli.unset("MISSIONCALL_DATA_DIR");
    cli.set("WORKAPI_API_KEY", DEMO_KEY);
    let url = sim.base_url();
    let dir = cli.data_dir().display().to_string();
    let flags = [
        "--base-url",
        url.as_str(),
        "--data-dir",
        dir.as_str(),
        "--timeout",
        "5",
        "--json",
    ];
    let with = |before: bool, cmd: &[&str]| -> Vec<String> {
        let mut args: Vec<&str> = Vec::new();
        if before {
            args.extend(flags);
            args.extend(cmd);
        } else {
            args.extend(cmd);
            args.extend(flags);
        }
        args.into_iter().map(str::to_owned).collect()
    };
    let run = |args: Vec<String>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        cli.run(&refs)
    };

    let a = run(with(true, &["call", LONDON, "Ask for opening hours", "-y"]))
        .expect(OK)
        .json();
    let b = run(with(false, &["call", LONDON, "Ask about parking", "-y"]))
        .expect(OK)
        .json();
    for v in [&a, &b] {
        assert_eq!(v["status"], "pending");
    }
    let id = a["task_id"].as_str().unwrap();
    for before in [true, false] {
        let v = run(with(before, &["status", id])).expect(OK).json();
        assert_eq!(v["task_id"], id);
        let rows = run(with(before, &["history"])).expect(OK).json();
        assert_eq!(rows.as_array().unwrap().len(), 2);
        let v = run(with(before, &["validate", LONDON])).expect(OK).json();
        assert_eq!(v["e164"], LONDON);
    }
    // Mixed: some before, some after.
    let rows = cli
        .run(&["--data-dir", &dir, "history", "--json", "--limit", "1"])
        .expect(OK)
        .json();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    // The history really lives in --data-dir, and nothing went to HOME.
    assert!(cli.data_dir().join("history.sqlite3").exists());
    assert!(common::files_under(cli.home.path()).is_empty());
    // A nonsensical timeout is a usage error.
    cli.run(&[
        "--timeout",
        "0",
        "--base-url",
        &url,
        "--data-dir",
        &dir,
        "status",
        id,
    ])
    .expect(USAGE);
    cli.run(&["status", id, "--timeout", "abc"]).expect(USAGE);
}

#[test]
fn validate_checks_arguments() {
    let cli = Cli::bare();
    let run = cli.run(&["validate", LONDON, "+1 212 555 0123"]).expect(OK);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(lines[0].starts_with("ok") && lines[0].contains(LONDON));
    assert!(lines[1].contains("+12125550123"));

    let run = cli
        .run(&["validate", LONDON, "12345"])
        .expect(INVALID_INPUT);
    assert!(run.stdout.lines().nth(1).unwrap().starts_with("error"));

    let run = cli
        .run(&["validate", "020 7183 8750", "--region", "GB", "--json"])
        .expect(OK);
    assert_eq!(run.json()["e164"], LONDON);
    cli.run(&["validate"]).expect(USAGE);
}

const VALIDATE_KEYS: [&str; 8] = [
    "input",
    "valid",
    "e164",
    "region",
    "kind",
    "national",
    "international",
    "reason",
];

fn assert_validate_shape(v: &Value) {
    let obj = v.as_object().expect("an object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut want = VALIDATE_KEYS.to_vec();
    want.sort_unstable();
    assert_eq!(keys, want, "{v}");
}

#[test]
fn validate_reads_lines_from_stdin() {
    let cli = Cli::bare();
    let input = format!(
        "{LONDON}\nGB\t020 7183 8750\n\t+1 212 555 0123\nUS\t(212) 555-0123\r\nnot a number\nFR\t01 42 68 53 00\n"
    );
    let run = cli
        .run_stdin(&["validate", "-", "--json"], &input)
        .expect(INVALID_INPUT);
    let out = run.json_lines();
    assert_eq!(out.len(), 6, "one object per input line:\n{}", run.stdout);
    for v in &out {
        assert_validate_shape(v);
    }
    let inputs: Vec<&str> = out.iter().map(|v| v["input"].as_str().unwrap()).collect();
    assert_eq!(
        inputs,
        [
            LONDON,
            "020 7183 8750",
            "+1 212 555 0123",
            "(212) 555-0123",
            "not a number",
            "01 42 68 53 00"
        ]
    );
    let e164: Vec<&Value> = out.iter().map(|v| &v["e164"]).collect();
    assert_eq!(e164[0], LONDON);
    assert_eq!(e164[1], LONDON);
    assert_eq!(e164[2], "+12125550123");
    assert_eq!(e164[3], "+12125550123");
    assert!(e164[4].is_null());
    assert_eq!(e164[5], "+33142685300");
    assert_eq!(out[1]["region"], "GB");
    assert_eq!(out[1]["valid"], true);
    assert_eq!(out[4]["valid"], false);
    assert!(out[4]["reason"].is_string());
    assert!(out[0]["reason"].is_null());

    // --region applies to lines without one; a line's own region wins.
    let run = cli
        .run_stdin(
            &["validate", "-", "--region", "GB", "--json"],
            "020 7183 8750\nUS\t(212) 555-0123\n",
        )
        .expect(OK);
    let out = run.json_lines();
    assert_eq!(out[0]["e164"], LONDON);
    assert_eq!(out[1]["e164"], "+12125550123");

    // Plain output, all valid.
    let run = cli
        .run_stdin(&["validate", "-"], "GB\t020 7183 8750\n")
        .expect(OK);
    assert!(run.stdout.starts_with("ok"), "{}", run.stdout);
}

#[test]
fn validate_arguments_json_has_exactly_the_documented_keys() {
    let cli = Cli::bare();
    let run = cli
        .run(&["validate", "--json", LONDON, "nope"])
        .expect(INVALID_INPUT);
    let out = run.json_lines();
    assert_eq!(out.len(), 2);
    for v in &out {
        assert_validate_shape(v);
    }
    assert_eq!(out[0]["kind"], "fixed_line");
    assert_eq!(out[0]["national"], "020 7183 8750");
    assert_eq!(out[0]["international"], "+44 20 7183 8750");
}

#[test]
fn without_any_key_nothing_is_sent_and_the_message_says_how_to_give_one() {
    let sim = TestSim::new(1.0);
    let mut cli = Cli::for_sim(&sim);
    cli.unset("WORKAPI_API_KEY");
    // No session bus in this environment: the keychain is unavailable.
    let run = cli.run(&["call", LONDON, "Ask", "--yes"]);
    assert_ne!(run.code, OK);
    assert!(run.stderr.contains("WORKAPI_API_KEY"), "{}", run.stderr);
    let run = cli.run(&["key", "status"]);
    assert_ne!(run.code, OK);
    assert!(run.stderr.contains("keychain"), "{}", run.stderr);
    assert_eq!(sim.stats().creates, 0);
    assert!(cli.history().is_empty());
}

#[test]
fn key_status_from_the_environment_shows_only_the_last_four() {
    let mut cli = Cli::bare();
    cli.set("WORKAPI_API_KEY", "sk_live_abcdefghijklWXYZ");
    let run = cli.run(&["key", "status"]).expect(OK);
    assert!(run.stdout.contains("WXYZ"), "{}", run.stdout);
    assert!(run.stdout.contains("WORKAPI_API_KEY"), "{}", run.stdout);
    assert!(!run.stdout.contains("ijklWXYZ"), "{}", run.stdout);
    let v = cli.run(&["key", "status", "--json"]).expect(OK).json();
    assert_eq!(v["set"], true);
    assert_eq!(v["last4"], "WXYZ");
    assert_eq!(v["source"], "env");
}

#[test]
fn usage_errors_exit_2() {
    let cli = Cli::bare();
    cli.run(&[]).expect(USAGE);
    cli.run(&["frobnicate"]).expect(USAGE);
    cli.run(&["call", LONDON]).expect(USAGE);
    cli.run(&["history", "--limit", "many"]).expect(USAGE);
    cli.run(&["sim", "--speed", "0"]).expect(USAGE);
    // The key is never taken from the command line.
    cli.run(&["key", "set", "sk_live_abcdefgh1234"])
        .expect(USAGE);
    cli.run(&["--version"]).expect(OK);
}

#[test]
fn sim_prints_its_base_url_first_and_serves_calls() {
    use std::io::{BufRead, BufReader};
    let cli = Cli::bare();
    let mut child = cli
        .command(&["sim", "--port", "0", "--speed", "50"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn the simulator");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a first line").expect("readable");
    let second = lines.next().expect("a second line").expect("readable");
    let url = first
        .split_whitespace()
        .last()
        .unwrap_or_default()
        .to_owned();
    let mut user = Cli::bare();
    user.set("WORKAPI_API_KEY", DEMO_KEY);
    user.set("MISSIONCALL_BASE_URL", &url);
    user.set("MISSIONCALL_POLL_SPEED", "50");
    let placed = user.run(&[
        "call",
        LONDON,
        "Ask for opening hours",
        "-y",
        "--wait",
        "--json",
    ]);
    let _ = child.kill();
    let _ = child.wait();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    assert!(url.ends_with(workapi_sim::BASE_PATH), "{first}");
    assert!(second.contains(DEMO_KEY), "{second}");
    let placed = placed.expect(OK);
    assert_eq!(placed.json_lines().last().unwrap()["status"], "completed");
}
