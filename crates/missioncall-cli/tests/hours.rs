//! `missioncall hours` and the calling hours on `call`, end to end: the real binary against an
//! in-process simulator over loopback HTTP, with a fresh HOME and data dir and the hours on
//! (the other CLI tests lift them, as they run at any hour). The window is set around the
//! real clock so that now is outside it in London; the simulator's counter witnesses that a
//! refused call sent nothing.

mod common;

use chrono::Timelike;
use common::{Cli, TestSim};

const OK: i32 = 0;
const USAGE: i32 = 2;
const INVALID_INPUT: i32 = 3;
const LONDON: &str = "+442079460958";
const MISSION: &str = "Ask whether the private room is free on Friday";

/// A one-hour window that does not hold the present hour in London (and will not for the
/// next hour, far longer than this test).
fn window_excluding_now_in_london() -> (String, String) {
    let tz: chrono_tz::Tz = "Europe/London".parse().unwrap();
    let h = chrono::Utc::now().with_timezone(&tz).hour();
    let start = if h <= 20 { h + 2 } else { 1 };
    (format!("{start:02}:00"), format!("{:02}:00", start + 1))
}

#[test]
fn hours_are_shown_set_and_refused_in_plain_words() {
    let sim = TestSim::new(1.0);
    let cli = Cli::for_sim(&sim);
    let shown = cli.run(&["hours", "show"]).expect(OK);
    assert_eq!(
        shown.stdout.trim(),
        "Calling hours: 08:00–21:00, every day, in the callee's local time."
    );
    let set = cli
        .run(&[
            "hours", "set", "--days", "weekdays", "--from", "09:00", "--to", "17:30", "--json",
        ])
        .expect(OK)
        .json();
    assert_eq!(set["start"], "09:00");
    assert_eq!(set["end"], "17:30");
    assert_eq!(
        set["days"],
        serde_json::json!([true, true, true, true, true, false, false])
    );
    // Another process reads them back.
    let shown = cli.run(&["hours", "show"]).expect(OK);
    assert!(
        shown.stdout.contains("09:00–17:30, Monday to Friday"),
        "{}",
        shown.stdout
    );

    let backwards = cli
        .run(&["hours", "set", "--from", "21:00", "--to", "08:00"])
        .expect(INVALID_INPUT);
    assert!(
        backwards.stderr.contains("must start before they end"),
        "{}",
        backwards.stderr
    );
    let not_a_time = cli
        .run(&["hours", "set", "--from", "8am", "--to", "17:00"])
        .expect(USAGE);
    assert!(not_a_time.stderr.contains("HH:MM"), "{}", not_a_time.stderr);
    let not_a_day = cli
        .run(&[
            "hours", "set", "--days", "funday", "--from", "08:00", "--to", "17:00",
        ])
        .expect(USAGE);
    assert!(
        not_a_day.stderr.contains("\"funday\" is not a day"),
        "{}",
        not_a_day.stderr
    );
    // Nothing changed by the refusals.
    let shown = cli.run(&["hours", "show"]).expect(OK);
    assert!(shown.stdout.contains("09:00–17:30, Monday to Friday"));
}

#[test]
fn a_call_outside_the_hours_is_refused_until_anyway_which_the_call_records() {
    let sim = TestSim::new(1.0);
    let mut cli = Cli::for_sim(&sim);
    cli.set("MISSIONCALL_CALLING_HOURS", "on");
    let (from, to) = window_excluding_now_in_london();
    cli.run(&["hours", "set", "--from", &from, "--to", &to])
        .expect(OK);

    let refused = cli
        .run(&["call", LONDON, MISSION, "--yes"])
        .expect(INVALID_INPUT);
    assert!(
        refused
            .stderr
            .contains("for them (Europe/London), outside your calling hours"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("Nothing was sent."));
    assert!(refused.stderr.contains("--anyway"));
    assert_eq!(sim.stats().creates, 0, "a refused call sent nothing");
    assert!(cli.history().is_empty(), "and wrote nothing");

    let placed = cli
        .run(&["call", LONDON, MISSION, "--yes", "--anyway", "--json"])
        .expect(OK)
        .json();
    assert_eq!(sim.stats().creates, 1);
    let note = placed["outside_hours"]
        .as_str()
        .expect("the choice is recorded");
    assert!(note.contains("outside your calling hours"), "{note}");
    let history = cli.history();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["outside_hours"], placed["outside_hours"]);
}

#[test]
fn lifted_by_the_environment_for_scripts_that_run_at_any_hour() {
    let sim = TestSim::new(1.0);
    let cli = Cli::for_sim(&sim); // MISSIONCALL_CALLING_HOURS=off
    let (from, to) = window_excluding_now_in_london();
    cli.run(&["hours", "set", "--from", &from, "--to", &to])
        .expect(OK);
    let placed = cli
        .run(&["call", LONDON, MISSION, "--yes", "--json"])
        .expect(OK)
        .json();
    assert!(placed["outside_hours"].is_null());
    assert_eq!(sim.stats().creates, 1);
}
