//! `missioncall dnc` and `missioncall identity` end to end: the real binary against an
//! in-process simulator over loopback HTTP, with a fresh HOME and data dir. The simulator's
//! counters witness that a refused call sent nothing.

mod common;

use common::{Cli, TestSim};
use serde_json::Value;
use std::path::PathBuf;

const OK: i32 = 0;
const USAGE: i32 = 2;
const INVALID_INPUT: i32 = 3;
const NUMBER: &str = "+442079460958";
const MISSION: &str = "Ask whether the private room is free on Friday";
const SENTENCE: &str =
    "Introduce yourself as an AI assistant calling on behalf of Ada Okafor from Luigi's Trattoria.";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../missioncall-core/tests/fixtures")
        .join(name)
}

fn listed(cli: &Cli) -> Vec<Value> {
    cli.run(&["dnc", "list", "--json"])
        .expect(OK)
        .json()
        .as_array()
        .expect("the list is an array")
        .clone()
}

#[test]
fn a_listed_number_is_refused_by_call_with_exit_3_and_nothing_is_sent() {
    let sim = TestSim::new(1.0);
    let cli = Cli::for_sim(&sim);
    let added = cli
        .run(&[
            "dnc",
            "add",
            "020 7946 0958",
            "--region",
            "GB",
            "--reason",
            "asked not to be called",
            "--json",
        ])
        .expect(OK)
        .json();
    assert_eq!(added["already_listed"], false);
    assert_eq!(added["listing"]["phone_e164"], NUMBER);
    assert_eq!(added["listing"]["source"], "typed");

    for args in [
        vec!["call", NUMBER, MISSION, "--yes"],
        vec![
            "call",
            "020 7946 0958",
            MISSION,
            "--region",
            "GB",
            "--yes",
            "--force",
        ],
        // Refused before any confirmation is asked for.
        vec!["call", NUMBER, MISSION],
    ] {
        let run = cli.run(&args).expect(INVALID_INPUT);
        assert!(
            run.stderr.contains("You asked MissionCall never to call +44 20 7946 0958 (added ")
                && run.stderr.contains(": \"asked not to be called\"). Remove it from the do-not-call list to call it."),
            "{}",
            run.stderr
        );
    }
    // Without any key, the list still answers first.
    let mut keyless = Cli::bare();
    keyless.set(
        "MISSIONCALL_DATA_DIR",
        &cli.data_dir().display().to_string(),
    );
    let run = keyless
        .run(&["call", NUMBER, MISSION, "--yes"])
        .expect(INVALID_INPUT);
    assert!(run.stderr.contains("never to call"), "{}", run.stderr);

    assert_eq!(
        sim.stats().creates,
        0,
        "the simulator received no create request"
    );
    assert!(cli.history().is_empty(), "no attempt was written");

    let removed = cli
        .run(&["dnc", "remove", NUMBER, "--json"])
        .expect(OK)
        .json();
    assert_eq!(removed["removed"], true);
    cli.run(&["call", NUMBER, MISSION, "--yes", "--json"])
        .expect(OK);
    assert_eq!(sim.stats().creates, 1);
}

#[test]
fn dnc_list_add_again_remove_and_bad_numbers() {
    let cli = Cli::bare();
    let run = cli.run(&["dnc", "list"]).expect(OK);
    assert!(run.stdout.contains("empty"), "{}", run.stdout);
    cli.run(&["dnc", "add", NUMBER]).expect(OK);
    let again = cli.run(&["dnc", "add", NUMBER]).expect(OK);
    assert!(again.stdout.contains("already"), "{}", again.stdout);
    let all = listed(&cli);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["phone_e164"], NUMBER);
    assert_eq!(all[0]["reason"], Value::Null);
    let text = cli.run(&["dnc", "list"]).expect(OK);
    assert!(text.stdout.contains("+44 20 7946 0958"), "{}", text.stdout);
    cli.run(&["dnc", "add", "12"]).expect(INVALID_INPUT);
    let gone = cli.run(&["dnc", "remove", "+14155552671"]).expect(OK);
    assert!(gone.stdout.contains("was not on"), "{}", gone.stdout);
}

#[test]
fn dnc_import_dry_run_import_and_export_round_trip() {
    let cli = Cli::bare();
    let file = fixture("dnc-semicolon-bom.csv");
    let file = file.to_str().unwrap();
    let dry = cli
        .run(&[
            "dnc",
            "import",
            file,
            "--region",
            "GB",
            "--dry-run",
            "--json",
        ])
        .expect(OK)
        .json();
    let rows = dry["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[0]["e164"], NUMBER);
    assert_eq!(rows[0]["reason"], "asked not to be called");
    assert_eq!(rows[2]["e164"], Value::Null);
    assert!(rows[2]["problem"].as_str().unwrap().contains("scientific"));
    assert_eq!(dry["applied"], Value::Null);
    assert!(listed(&cli).is_empty(), "a dry run changes nothing");

    let text = cli
        .run(&["dnc", "import", file, "--region", "GB"])
        .expect(OK);
    assert!(
        text.stdout.contains("3 added, 0 already listed, 3 skipped"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("skipped row 3"), "{}", text.stdout);
    let before = listed(&cli);
    assert_eq!(before.len(), 3);

    let out = cli.data_dir().join("out.csv");
    let out_s = out.to_str().unwrap();
    let exported = cli
        .run(&["dnc", "export", "--out", out_s, "--json"])
        .expect(OK)
        .json();
    assert_eq!(exported["numbers"], 3);
    cli.run(&["dnc", "export", "--out", out_s]).expect(USAGE);
    cli.run(&["dnc", "export", "--out", out_s, "--force"])
        .expect(OK);

    let fresh = Cli::bare();
    fresh.run(&["dnc", "import", out_s]).expect(OK);
    let after = listed(&fresh);
    // The export keeps whole seconds.
    let key = |v: &Value| {
        let at = chrono::DateTime::parse_from_rfc3339(v["added_at"].as_str().unwrap()).unwrap();
        (
            v["phone_e164"].to_string(),
            v["reason"].to_string(),
            at.timestamp(),
        )
    };
    let mut a: Vec<_> = before.iter().map(key).collect();
    let mut b: Vec<_> = after.iter().map(key).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);

    let none = cli.data_dir().join("none.csv");
    std::fs::write(&none, "Name,Company\nAda,Acme\n").unwrap();
    cli.run(&["dnc", "import", none.to_str().unwrap()])
        .expect(INVALID_INPUT);
}

#[test]
fn the_identity_sentence_is_shown_sent_and_kept() {
    let sim = TestSim::new(1.0);
    let cli = Cli::for_sim(&sim);
    let shown = cli
        .run(&[
            "identity",
            "set",
            "--name",
            "Ada Okafor",
            "--business",
            "Luigi's Trattoria",
            "--json",
        ])
        .expect(OK)
        .json();
    assert_eq!(shown["sentence"], SENTENCE);
    assert_eq!(shown["disclose_ai"], true);

    let placed = cli
        .run(&["call", NUMBER, MISSION, "--yes", "--json"])
        .expect(OK)
        .json();
    let sent = format!("{MISSION}\n\n{SENTENCE}");
    assert_eq!(placed["task"], sent.as_str());
    assert_eq!(sim.sent_task(placed["task_id"].as_str().unwrap()), sent);
    assert_eq!(cli.history()[0]["task"], sent.as_str());
    // The same mission again is still a duplicate.
    cli.run(&["call", NUMBER, MISSION, "--yes"])
        .expect(INVALID_INPUT);
    assert_eq!(sim.stats().creates, 1);

    // Too long with the sentence: refused, nothing sent.
    let long = "a".repeat(3990);
    let run = cli
        .run(&["call", NUMBER, &long, "--yes"])
        .expect(INVALID_INPUT);
    assert!(run.stderr.contains("Shorten the task by"), "{}", run.stderr);
    assert_eq!(sim.stats().creates, 1);

    let off = cli
        .run(&[
            "identity",
            "set",
            "--name",
            "Ada Okafor",
            "--no-ai-disclosure",
            "--json",
        ])
        .expect(OK)
        .json();
    assert_eq!(
        off["sentence"],
        "Say that you are calling on behalf of Ada Okafor."
    );
    cli.run(&["identity", "set"]).expect(USAGE);
    let cleared = cli.run(&["identity", "clear", "--json"]).expect(OK).json();
    assert_eq!(cleared["sentence"], Value::Null);
    let placed = cli
        .run(&["call", NUMBER, "Ask about parking", "--yes", "--json"])
        .expect(OK)
        .json();
    assert_eq!(placed["task"], "Ask about parking");
}

#[test]
fn an_older_settings_file_loads_and_calls_go_out_unchanged() {
    let sim = TestSim::new(1.0);
    let cli = Cli::for_sim(&sim);
    std::fs::write(
        cli.data_dir().join("settings.json"),
        r#"{"base_url":"https://api.workapi.ai/v1","default_region":"GB","notifications":"results","theme":"dark","demo":false}"#,
    )
    .unwrap();
    let shown = cli.run(&["identity", "show", "--json"]).expect(OK).json();
    assert_eq!(shown["name"], Value::Null);
    assert_eq!(shown["disclose_ai"], true);
    assert_eq!(shown["sentence"], Value::Null);
    assert!(!cli.data_dir().join("settings.json.bad").exists());
    let placed = cli
        .run(&["call", NUMBER, MISSION, "--yes", "--json"])
        .expect(OK)
        .json();
    assert_eq!(placed["task"], MISSION);
    assert_eq!(placed["phone_number"], NUMBER);
}
