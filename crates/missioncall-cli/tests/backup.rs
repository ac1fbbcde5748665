//! `backup` and `restore` through the real `missioncall` binary, with histories in real SQLite
//! files: calls placed against the simulator and marked are backed up from one data folder,
//! restored into an empty one (where `history --json` shows them as they were), and a second
//! restore adds nothing; an existing file is not replaced without --force; a file that is not a
//! history is refused in plain words and changes nothing.

mod common;

use common::{Cli, TestSim, LONDON};
use serde_json::Value;

const OK: i32 = 0;
const USAGE: i32 = 2;
const INVALID_INPUT: i32 = 3;
const NY: &str = "+12125550123";

fn place(cli: &Cli, number: &str, task: &str) -> String {
    let v = cli
        .run(&["call", number, task, "--yes", "--json"])
        .expect(OK)
        .json();
    v["task_id"].as_str().expect("task_id").to_owned()
}

/// What a call looks like in `history --json`, without its local id.
fn by_task(rows: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.as_object_mut().unwrap().remove("id");
            r.as_object_mut().unwrap().remove("updated_at");
            r
        })
        .collect();
    out.sort_by_key(|r| r["task_id"].as_str().unwrap_or("").to_owned());
    out
}

#[test]
fn a_backup_restores_into_an_empty_data_folder_once() {
    let sim = TestSim::new(0.05);
    let cli = Cli::for_sim(&sim);
    let a = place(&cli, LONDON, "Book a table for 4");
    place(&cli, NY, "Ask if the order shipped");
    cli.run(&[
        "mark",
        &a,
        "--outcome",
        "achieved",
        "--note",
        "By the window",
        "--tag",
        "vip",
    ])
    .expect(OK);
    cli.run(&["contact", "set", LONDON, "Luigi's Trattoria"])
        .expect(OK);
    let file = cli.home.path().join("calls.backup");
    let file_arg = file.to_str().unwrap();

    let v = cli.run(&["backup", file_arg, "--json"]).expect(OK).json();
    assert_eq!(v["calls"], 2);
    assert_eq!(v["path"], file_arg);
    assert_eq!(
        v["bytes"].as_u64().unwrap(),
        std::fs::metadata(&file).unwrap().len()
    );
    // Not replaced without --force; replaced with it (the text says how many calls).
    let refused = cli.run(&["backup", file_arg]).expect(USAGE);
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    let again = cli.run(&["backup", file_arg, "--force"]).expect(OK);
    assert!(
        again.stdout.contains("Backed up 2 calls to"),
        "{}",
        again.stdout
    );
    let before = std::fs::read(&file).unwrap();

    let empty = Cli::bare();
    assert!(empty.history().is_empty());
    let r = empty
        .run(&["restore", file_arg, "--json"])
        .expect(OK)
        .json();
    assert_eq!(
        (
            &r["added"],
            &r["updated"],
            &r["unchanged"],
            &r["contacts_added"]
        ),
        (
            &Value::from(2),
            &Value::from(0),
            &Value::from(0),
            &Value::from(1)
        )
    );
    assert_eq!(r["added_ids"].as_array().unwrap().len(), 2);
    let restored = empty.history();
    assert_eq!(by_task(&restored), by_task(&cli.history()));
    let table = restored
        .iter()
        .find(|c| c["task_id"] == a.as_str())
        .unwrap();
    assert_eq!(table["outcome"], "achieved");
    assert_eq!(table["tags"], serde_json::json!(["vip"]));
    assert_eq!(table["contact"], "Luigi's Trattoria");
    let found = empty
        .run(&["history", "--json", "--search", "window"])
        .expect(OK)
        .json();
    assert_eq!(found.as_array().unwrap().len(), 1);

    let r = empty
        .run(&["restore", file_arg, "--json"])
        .expect(OK)
        .json();
    assert_eq!(
        (&r["added"], &r["updated"]),
        (&Value::from(0), &Value::from(0))
    );
    assert_eq!(empty.history().len(), 2);
    let text = empty.run(&["restore", file_arg]).expect(OK);
    assert!(
        text.stdout
            .contains("0 calls added, 0 updated, 2 already here"),
        "{}",
        text.stdout
    );
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "the backup is never changed"
    );
}

#[test]
fn a_file_that_is_not_a_history_is_refused_in_plain_words() {
    let cli = Cli::bare();
    let file = cli.home.path().join("notes.txt");
    std::fs::write(&file, "not calls\n".repeat(10)).unwrap();
    let run = cli
        .run(&["restore", file.to_str().unwrap()])
        .expect(INVALID_INPUT);
    assert!(
        run.stderr.contains("is not a MissionCall history backup"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
    assert!(cli.history().is_empty());
    let missing = cli.home.path().join("missing.sqlite");
    cli.run(&["restore", missing.to_str().unwrap()])
        .expect(INVALID_INPUT);
}
