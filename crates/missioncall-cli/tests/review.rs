//! Reviewing calls through the real `missioncall` binary against the simulator, with the
//! history in a real SQLite file: `mark` (outcome, note, tags, follow-up, by history id or task
//! id), `contact`, `tag`, and the history filters `--outcome`, `--tag`, `--contact`, `--since`,
//! `--until`, combined with each other and with the search; bad input changes nothing.

mod common;

use common::{Cli, TestSim, LONDON};
use serde_json::Value;

const OK: i32 = 0;
const USAGE: i32 = 2;
const INVALID_INPUT: i32 = 3;
const NY: &str = "+12125550123";

fn place(cli: &Cli, number: &str, task: &str) -> (i64, String) {
    let v = cli
        .run(&["call", number, task, "--yes", "--json"])
        .expect(OK)
        .json();
    (
        v["id"].as_i64().expect("id"),
        v["task_id"].as_str().expect("task_id").to_owned(),
    )
}

fn ids(rows: &Value) -> Vec<i64> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

fn history(cli: &Cli, args: &[&str]) -> Vec<i64> {
    let mut all = vec!["history", "--json"];
    all.extend_from_slice(args);
    ids(&cli.run(&all).expect(OK).json())
}

#[test]
fn mark_sets_what_the_user_says_and_history_filters_on_it() {
    let sim = TestSim::new(0.05);
    let cli = Cli::for_sim(&sim);
    let (a, _) = place(&cli, LONDON, "Book a table for 4");
    let (b, b_task) = place(&cli, NY, "Ask if the order shipped");
    let (c, _) = place(&cli, LONDON, "Move the booking to Friday");

    let v = cli
        .run(&[
            "mark",
            &a.to_string(),
            "--outcome",
            "achieved",
            "--note",
            "Table by the window, \"quiet\" corner;\nask for Luigi",
            "--tag",
            "Bookings",
            "--tag",
            "vip",
            "--follow-up",
            "2026-12-24 09:30",
            "--json",
        ])
        .expect(OK)
        .json();
    assert_eq!(v["outcome"], "achieved");
    assert_eq!(
        v["note"],
        "Table by the window, \"quiet\" corner;\nask for Luigi"
    );
    assert_eq!(v["tags"], serde_json::json!(["Bookings", "vip"]));
    assert_eq!(v["follow_up"], "2026-12-24 09:30");
    // By task id.
    cli.run(&[
        "mark",
        &b_task,
        "--outcome",
        "no-answer",
        "--tag",
        "bookings",
    ])
    .expect(OK);
    cli.run(&["mark", &c.to_string(), "--tag", "VIP"])
        .expect(OK);

    assert_eq!(history(&cli, &["--outcome", "achieved"]), [a]);
    assert_eq!(history(&cli, &["--outcome", "none"]), [c]);
    assert_eq!(history(&cli, &["--tag", "bookings"]), [b, a]);
    assert_eq!(
        history(&cli, &["--tag", "VIP", "--outcome", "achieved"]),
        [a]
    );
    assert_eq!(
        history(&cli, &["--search", "luigi"]),
        [a],
        "the note is searched"
    );
    assert_eq!(
        history(&cli, &["--search", "vip"]),
        [c, a],
        "tags are searched"
    );

    // Contacts: the name is on every call to the number, found by search and by --contact.
    let run = cli
        .run(&[
            "contact",
            "set",
            "020 7183 8750",
            "Luigi's Trattoria",
            "--region",
            "GB",
        ])
        .expect(OK);
    assert!(run.stdout.contains("Luigi's Trattoria"), "{}", run.stdout);
    assert_eq!(history(&cli, &["--contact", "luigi's trattoria"]), [c, a]);
    assert_eq!(history(&cli, &["--contact", NY]), [b], "a number works too");
    assert_eq!(history(&cli, &["--search", "trattoria friday"]), [c]);
    let rows = cli.run(&["history", "--json"]).expect(OK).json();
    assert_eq!(rows[0]["contact"], "Luigi's Trattoria");
    assert_eq!(rows[1]["contact"], Value::Null);
    let text = cli.run(&["history"]).expect(OK).stdout;
    assert!(text.contains("Luigi's Trattoria"), "{text}");
    assert!(text.contains("[Achieved]"), "{text}");
    let list = cli.run(&["contact", "list", "--json"]).expect(OK).json();
    assert_eq!(list[0]["name"], "Luigi's Trattoria");
    assert_eq!(list[0]["calls"], 2);

    // Dates: every call was made today (local time).
    let today = chrono::Local::now().date_naive();
    let (yesterday, tomorrow) = (today.pred_opt().unwrap(), today.succ_opt().unwrap());
    let d = |x: chrono::NaiveDate| x.format("%Y-%m-%d").to_string();
    assert_eq!(
        history(&cli, &["--since", &d(today), "--until", &d(today)]),
        [c, b, a]
    );
    assert!(history(&cli, &["--since", &d(tomorrow)]).is_empty());
    assert!(history(&cli, &["--until", &d(yesterday)]).is_empty());

    // Tags renamed and deleted everywhere.
    cli.run(&["tag", "rename", "bookings", "Reservations"])
        .expect(OK);
    assert_eq!(history(&cli, &["--tag", "reservations"]), [b, a]);
    let tags = cli.run(&["tag", "list", "--json"]).expect(OK).json();
    assert_eq!(tags[0]["name"], "Reservations");
    cli.run(&["tag", "delete", "vip"]).expect(OK);
    assert!(history(&cli, &["--tag", "vip"]).is_empty());

    // Clearing.
    cli.run(&[
        "mark",
        &a.to_string(),
        "--outcome",
        "none",
        "--follow-up",
        "none",
        "--note",
        "",
    ])
    .expect(OK);
    let v = cli
        .run(&["mark", &a.to_string(), "--untag", "reservations", "--json"])
        .expect(OK)
        .json();
    assert_eq!(v["outcome"], Value::Null);
    assert_eq!(v["follow_up"], Value::Null);
    assert_eq!(v["note"], "");
    assert_eq!(v["tags"], serde_json::json!([]));
    cli.run(&["contact", "remove", LONDON]).expect(OK);
    assert!(history(&cli, &["--search", "trattoria"]).is_empty());
}

#[test]
fn bad_review_input_gets_a_plain_reason_and_changes_nothing() {
    let sim = TestSim::new(0.05);
    let cli = Cli::for_sim(&sim);
    let (a, _) = place(&cli, LONDON, "Book a table for 4");
    cli.run(&["mark", &a.to_string(), "--tag", "kept"])
        .expect(OK);
    let before = cli.run(&["history", "--json"]).expect(OK).json();

    let cases: &[(&[&str], i32, &str)] = &[
        (&["mark", "1"], USAGE, "Nothing to change"),
        (
            &["mark", "1", "--outcome", "great", "--tag", "new"],
            USAGE,
            "not an outcome",
        ),
        (
            &["mark", "1", "--follow-up", "24/12/2026", "--tag", "new"],
            USAGE,
            "year-month-day",
        ),
        (
            &["mark", "1", "--tag", "   "],
            INVALID_INPUT,
            "letter or digit",
        ),
        (
            &["mark", "999", "--outcome", "achieved"],
            INVALID_INPUT,
            "No call 999",
        ),
        (
            &["mark", "no-such-task", "--outcome", "achieved"],
            INVALID_INPUT,
            "task id",
        ),
        (&["history", "--outcome", "maybe"], USAGE, "not an outcome"),
        (
            &["history", "--since", "yesterday"],
            USAGE,
            "year-month-day",
        ),
        (
            &["history", "--since", "2026-12-02", "--until", "2026-12-01"],
            USAGE,
            "after --until",
        ),
        (
            &["history", "--contact", "Nobody Known"],
            INVALID_INPUT,
            "no contact has this name",
        ),
        (&["contact", "set", "12", "Short"], INVALID_INPUT, "number"),
        (&["contact", "set", LONDON, "  "], INVALID_INPUT, "name"),
        (
            &["tag", "rename", "missing", "x"],
            INVALID_INPUT,
            "no tag called",
        ),
        (
            &["tag", "delete", "missing"],
            INVALID_INPUT,
            "no tag called",
        ),
    ];
    for (args, code, words) in cases {
        let run = cli.run(args).expect(*code);
        assert!(
            run.stderr.to_lowercase().contains(&words.to_lowercase()),
            "{args:?}: {}",
            run.stderr
        );
    }
    assert_eq!(
        cli.run(&["history", "--json"]).expect(OK).json(),
        before,
        "nothing changed"
    );
}

#[test]
fn contacts_are_imported_from_a_vcard_and_a_csv_file() {
    let sim = TestSim::new(1.0);
    let cli = Cli::for_sim(&sim);
    let (id, _) = place(&cli, LONDON, "Book a table for four");
    let vcf = cli.data_dir().join("people.vcf");
    std::fs::write(
        &vcf,
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Luigi's Trattoria\r\nTEL;TYPE=WORK:+44 20 7183 8750\r\nEND:VCARD\r\n\
         BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Nobody\r\nTEL:12\r\nEND:VCARD\r\n",
    )
    .unwrap();
    // A dry run lists, and changes nothing.
    let dry = cli
        .run(&[
            "contact",
            "import",
            vcf.to_str().unwrap(),
            "--dry-run",
            "--json",
        ])
        .expect(OK)
        .json();
    assert_eq!(dry["entries"].as_array().unwrap().len(), 2);
    assert!(dry["applied"].is_null());
    assert!(dry["entries"][1]["problem"].is_string());
    assert_eq!(
        cli.run(&["contact", "list", "--json"]).expect(OK).json(),
        serde_json::json!([])
    );

    let done = cli
        .run(&["contact", "import", vcf.to_str().unwrap(), "--json"])
        .expect(OK)
        .json();
    assert_eq!(done["applied"]["added"], 1);
    assert_eq!(done["applied"]["skipped"], 1);
    assert_eq!(history(&cli, &["--contact", "Luigi's Trattoria"]), [id]);

    // A CSV renames it; importing again changes nothing.
    let csv = cli.data_dir().join("people.csv");
    std::fs::write(&csv, "Name;Phone\n\"Luigi's, Soho\";'020 7183 8750\n").unwrap();
    let run = |path: &std::path::Path| {
        cli.run(&[
            "contact",
            "import",
            path.to_str().unwrap(),
            "--region",
            "GB",
        ])
        .expect(OK)
        .stdout
    };
    assert!(run(&csv).contains("0 added, 1 renamed"), "{}", run(&csv));
    assert!(run(&csv).contains("1 unchanged"));
    let list = cli.run(&["contact", "list", "--json"]).expect(OK).json();
    assert_eq!(list[0]["name"], "Luigi's, Soho");

    // A file that is not contacts: a plain reason, exit 3.
    let bad = cli.data_dir().join("bad.csv");
    std::fs::write(&bad, "Company,Notes\nAcme,hi\n").unwrap();
    let r = cli
        .run(&["contact", "import", bad.to_str().unwrap()])
        .expect(INVALID_INPUT);
    assert!(r.stderr.contains("no column"), "{}", r.stderr);
}
