//! `missioncall batch` and `missioncall batches` end to end: the real binary against an
//! in-process simulator over loopback HTTP, with a fresh HOME and data dir. The dry run's JSON
//! is checked row by row on a file with what spreadsheets really do to numbers; a real run
//! places each callable row once (the simulator's counter is the witness) and exports its
//! results; every refusal is in plain words, with nothing sent.

mod common;

use common::{Cli, TestSim};
use serde_json::Value;

const OK: i32 = 0;
const USAGE: i32 = 2;
const INVALID_INPUT: i32 = 3;
const TEMPLATE: &str = "Ask {{ Name }} whether order {{order}} arrived";

/// UTF-8 with a BOM, `;` separated, a quoted field holding a newline, blank rows, a leading
/// `'`, scientific notation, a lost `+`, a repeat, a listed number and one called today.
const FILE: &str = "\u{feff}Name;Phone Number;order\n\
Ada;(415) 555-2671;A-1\n\
\n\
\"Ben\nBrown\";'+1 415 555 2672;A-2\n\
Cy;4.15555E+10;A-3\n\
Dee;442079460958;A-4\n\
Eve;415.555.2671;A-5\n\
Fay;415 555 2674;A-6\n\
;;\n\
Gus;415 555 2675;A-7\n\
Hal;(212) 555-0142;\n";

fn write_file(cli: &Cli, name: &str, text: &str) -> String {
    let path = cli.data_dir().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn rows(run: &common::Run) -> Vec<Value> {
    run.json().as_array().expect("an array of rows").clone()
}

#[test]
fn the_dry_run_says_what_happens_to_every_row_and_sends_nothing() {
    let sim = TestSim::new(1.0);
    let mut cli = Cli::for_sim(&sim);
    cli.set("MISSIONCALL_CALLING_HOURS", "on");
    cli.run(&[
        "dnc",
        "add",
        "+14155552674",
        "--reason",
        "asked not to be called",
    ])
    .expect(OK);
    // Gus was called an hour ago (any origin counts).
    cli.set("MISSIONCALL_CALLING_HOURS", "off");
    cli.run(&[
        "call",
        "+14155552675",
        "Ask about the opening hours",
        "--yes",
    ])
    .expect(OK);
    cli.set("MISSIONCALL_CALLING_HOURS", "on");
    let creates = sim.stats().creates;
    let file = write_file(&cli, "customers.csv", FILE);

    // 20:00 UTC: 12:00 in San Francisco, 15:00 in New York.
    let now = chrono::Utc::now();
    let as_of = now.format("%Y-%m-%dT20:00:00Z").to_string();
    let run = cli
        .run(&[
            "batch",
            &file,
            "--template",
            TEMPLATE,
            "--region",
            "US",
            "--dry-run",
            "--json",
            "--as-of",
            &as_of,
        ])
        .expect(OK);
    let rows = rows(&run);
    assert_eq!(rows.len(), 8, "blank rows are skipped and not numbered");
    let verdicts: Vec<&str> = rows
        .iter()
        .map(|r| r["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(
        verdicts,
        [
            "ok",
            "ok",
            "invalid",
            "invalid",
            "duplicate_in_file",
            "do_not_call",
            "recent_duplicate",
            "template_error",
        ]
    );
    let numbered: Vec<u64> = rows.iter().map(|r| r["row"].as_u64().unwrap()).collect();
    assert_eq!(numbered, [1, 2, 3, 4, 5, 6, 7, 8]);
    let ada = &rows[0];
    assert_eq!(ada["row"], 1);
    assert_eq!(ada["input"], "(415) 555-2671");
    assert_eq!(ada["e164"], "+14155552671");
    assert_eq!(ada["reason"], Value::Null);
    assert_eq!(ada["task"], "Ask Ada whether order A-1 arrived");
    assert!(
        ada["local_time"]
            .as_str()
            .unwrap()
            .ends_with("T12:00:00-08:00")
            || ada["local_time"]
                .as_str()
                .unwrap()
                .ends_with("T13:00:00-07:00"),
        "{}",
        ada["local_time"]
    );
    assert_eq!(ada["next_allowed"], Value::Null);
    let ben = &rows[1];
    assert_eq!(ben["row"], 2, "the blank line is not numbered");
    assert_eq!(
        ben["e164"], "+14155552672",
        "the leading ' is a spreadsheet's text marker"
    );
    assert_eq!(ben["task"], "Ask Ben\nBrown whether order A-2 arrived");
    assert!(rows[2]["reason"]
        .as_str()
        .unwrap()
        .contains("scientific notation"));
    assert_eq!(rows[2]["e164"], Value::Null);
    assert!(
        rows[3]["reason"].as_str().unwrap().contains("+"),
        "a number that lost its +: {}",
        rows[3]["reason"]
    );
    assert!(rows[4]["reason"].as_str().unwrap().contains("row 1"));
    assert_eq!(rows[5]["e164"], "+14155552674");
    assert_eq!(rows[6]["e164"], "+14155552675");
    // Hal's order cell is empty: his mission cannot be written.
    assert_eq!(rows[7]["verdict"], "template_error");
    assert!(rows[7]["reason"].as_str().unwrap().contains("order"));
    assert_eq!(sim.stats().creates, creates, "a dry run sends nothing");
    assert!(
        cli.run(&["batches", "list", "--json"])
            .expect(OK)
            .json()
            .as_array()
            .unwrap()
            .is_empty(),
        "and stores nothing"
    );

    // At 06:00 UTC it is 22:00 in San Francisco: outside the hours, with the next allowed time.
    let late = now.format("%Y-%m-%dT06:00:00Z").to_string();
    let run = cli
        .run(&[
            "batch",
            &file,
            "--template",
            TEMPLATE,
            "--region",
            "US",
            "--dry-run",
            "--json",
            "--as-of",
            &late,
        ])
        .expect(OK);
    let ada = &rows_of(&run)[0];
    assert_eq!(ada["verdict"], "outside_hours");
    assert!(ada["reason"]
        .as_str()
        .unwrap()
        .contains("outside your calling hours"));
    let next = ada["next_allowed"].as_str().unwrap();
    assert!(
        next.ends_with("T16:00:00Z") || next.ends_with("T15:00:00Z"),
        "{next}"
    );
}

fn rows_of(run: &common::Run) -> Vec<Value> {
    rows(run)
}

#[test]
fn a_batch_places_each_callable_row_once_and_exports_its_results() {
    let sim = TestSim::new(200.0);
    let cli = Cli::for_sim(&sim); // calling hours lifted: this test runs at any hour
    let file = write_file(
        &cli,
        "list.csv",
        "phone,name,order\n+14155552671,Ada,A-1\n+14155552672,Ben,A-2\n+14155552671,Ada again,A-3\n12,Bad,A-4\n+442079460958,Fay,A-5\n",
    );
    let run = cli
        .run(&[
            "batch",
            &file,
            "--template",
            "Ask {{name}} about {{order}}",
            "--yes",
            "--concurrency",
            "2",
        ])
        .expect(OK);
    assert!(
        run.stdout
            .contains("Batch #1 started: 3 calls to place, at most 2 at once"),
        "{}",
        run.stdout
    );
    assert_eq!(sim.stats().creates, 3, "each callable row once");
    let list = cli.run(&["batches", "list", "--json"]).expect(OK).json();
    let b = &list[0];
    assert_eq!(b["state"], "done");
    assert_eq!(b["placed"], 3);
    assert_eq!(b["skipped"], 2);
    assert_eq!(b["rows"], 5);

    let out = cli.data_dir().join("results.csv");
    let out_s = out.display().to_string();
    cli.run(&["batches", "export", "1", "--out", &out_s])
        .expect(OK);
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "\u{feff}row,number,task_id,status,outcome,note");
    assert_eq!(lines.len(), 6);
    assert!(lines[1].starts_with("1,'+14155552671,"), "{}", lines[1]);
    assert!(
        lines[3].starts_with("3,'+14155552671,,Not placed,,"),
        "{}",
        lines[3]
    );
    // Refused without --force: the file exists.
    let again = cli
        .run(&["batches", "export", "1", "--out", &out_s])
        .expect(INVALID_INPUT);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    // Every call of the batch is in the history, with its mission as sent.
    let history = cli.history();
    assert_eq!(history.len(), 3);
    assert!(history.iter().any(|c| c["task"] == "Ask Ben about A-2"));
}

#[test]
fn refusals_are_plain_and_nothing_is_sent() {
    let sim = TestSim::new(1.0);
    let cli = Cli::for_sim(&sim);
    let file = write_file(&cli, "one.csv", "phone\n+14155552671\n");
    let args = |extra: &[&str]| {
        let mut a = vec![
            "batch",
            file.as_str(),
            "--template",
            "Ask about the opening hours",
        ];
        a.extend_from_slice(extra);
        a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let run = |extra: &[&str]| {
        let a = args(extra);
        cli.run(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let no_terminal = run(&[]).expect(USAGE);
    assert!(
        no_terminal.stderr.contains("Add --yes"),
        "{}",
        no_terminal.stderr
    );
    let too_many = run(&["--concurrency", "4", "--yes"]).expect(INVALID_INPUT);
    assert!(
        too_many.stderr.contains("1 to 3 calls at once"),
        "{}",
        too_many.stderr
    );
    let as_of_alone = run(&["--as-of", "2026-01-13T20:00:00Z", "--yes"]).expect(USAGE);
    assert!(
        as_of_alone.stderr.contains("--dry-run"),
        "{}",
        as_of_alone.stderr
    );
    let bad_time = run(&["--dry-run", "--as-of", "tomorrow"]).expect(USAGE);
    assert!(
        bad_time.stderr.contains("--as-of needs a time"),
        "{}",
        bad_time.stderr
    );
    let unknown = cli
        .run(&[
            "batch",
            &file,
            "--template",
            "Ask {{nmae}} about it",
            "--dry-run",
        ])
        .expect(OK);
    assert!(
        unknown
            .stdout
            .contains("The mission names columns the file does not have"),
        "{}",
        unknown.stdout
    );
    let missing = cli
        .run(&[
            "batch",
            "/nonexistent/x.csv",
            "--template",
            "Hi",
            "--dry-run",
        ])
        .expect(INVALID_INPUT);
    assert!(
        missing.stderr.contains("Could not read /nonexistent/x.csv"),
        "{}",
        missing.stderr
    );

    // 10,000 rows: refused at once, with the count.
    let mut big = String::from("phone\n");
    for i in 0..10_000 {
        big.push_str(&format!("+1415555{:04}\n", i % 10_000));
    }
    let big_file = write_file(&cli, "big.csv", &big);
    let refused = cli
        .run(&["batch", &big_file, "--template", "Hi", "--dry-run"])
        .expect(INVALID_INPUT);
    assert!(refused.stderr.contains("10000 rows"), "{}", refused.stderr);
    assert_eq!(sim.stats().creates, 0);
}
