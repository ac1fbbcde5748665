//! The call history against real SQLite files in temporary folders.

use std::sync::Arc;
use std::time::Duration;

use missioncall_core::call::{CallStatus, Origin, ServiceStatus, Tracking};
use missioncall_core::clock::Clock;
use missioncall_core::clock::ManualClock;
use missioncall_core::history::{
    default_data_dir, owner, schema, CallRecord, History, HistoryError, HistoryFilter, NewAttempt,
    FILE_NAME, INTERRUPTED_NOTE, MAX_PAGE,
};
use rusqlite::Connection;
use tempfile::TempDir;

const ORIGIN: &str =
    "https://api.workapi.ai/api/v1/workapi-ai/let-your-agent-make-a-phone-call-with-a-mission";
const LONDON: &str = "+442079460018";
const SF: &str = "+14155550123";

/// A fresh history whose clock only moves when the test moves it.
fn fresh_clocked() -> (TempDir, History, Arc<ManualClock>) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let h = History::open_in_dir_with_clock(dir.path(), clock.clone()).unwrap();
    (dir, h, clock)
}

fn fresh() -> (TempDir, History) {
    let dir = tempfile::tempdir().unwrap();
    let h = History::open_in_dir(dir.path()).unwrap();
    (dir, h)
}

fn attempt(h: &History, phone: &str, task: &str) -> i64 {
    h.insert_attempt(&NewAttempt {
        phone_e164: phone,
        phone_region: None,
        task,
        origin: &Origin::Service(ORIGIN.into()),
        outside_hours: None,
    })
    .unwrap()
}

fn created(h: &History, phone: &str, task: &str, task_id: &str) -> i64 {
    let id = attempt(h, phone, task);
    h.record_created(id, task_id, None, &svc("pending"))
        .unwrap();
    id
}

fn search(h: &History, text: &str) -> Vec<i64> {
    let f = HistoryFilter {
        search: Some(text.into()),
        ..Default::default()
    };
    h.list(&f).unwrap().into_iter().map(|c| c.id).collect()
}

fn statuses(h: &History, id: i64) -> Vec<String> {
    h.timeline(id)
        .unwrap()
        .into_iter()
        .map(|e| e.status.word().to_owned())
        .collect()
}

fn raw(dir: &TempDir) -> Connection {
    Connection::open(dir.path().join(FILE_NAME)).unwrap()
}

#[test]
fn migrates_an_empty_file_and_again_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a/b");
    let h = History::open_in_dir(&nested).unwrap();
    assert_eq!(h.path(), nested.join(FILE_NAME));
    assert!(nested.join(FILE_NAME).is_file());
    assert_eq!(
        h.settings().unwrap().schema_version,
        schema::SUPPORTED_VERSION
    );
    drop(h);

    let conn = Connection::open(nested.join(FILE_NAME)).unwrap();
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(count("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('calls', 'status_events', 'calls_fts')"), 3);
    // The full-text index's three, and the one that keeps `reached_call` (layout 4).
    assert_eq!(
        count("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'"),
        4
    );
    let app_id: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app_id, schema::APPLICATION_ID);
    let objects = count("SELECT COUNT(*) FROM sqlite_master");
    drop(conn);

    let h = History::open_in_dir(&nested).unwrap();
    assert_eq!(
        h.settings().unwrap().schema_version,
        schema::SUPPORTED_VERSION
    );
    let conn = Connection::open(nested.join(FILE_NAME)).unwrap();
    let again: i64 = conn
        .query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0))
        .unwrap();
    assert_eq!(objects, again);
    assert_eq!(h.integrity_check().unwrap(), "ok");
}

#[test]
fn reopening_keeps_everything() {
    let (dir, h) = fresh();
    let id = attempt(&h, LONDON, "Book a table for two");
    h.record_created(id, "65abc123def456", Some(42), &svc("pending"))
        .unwrap();
    h.record_status(
        "65abc123def456",
        &svc("completed"),
        Some("Agent: hello"),
        Some("Booked"),
    )
    .unwrap();
    let before = h.get(id).unwrap();
    let timeline = h.timeline(id).unwrap();
    drop(h);

    let h = History::open_in_dir(dir.path()).unwrap();
    assert_eq!(h.get(id).unwrap(), before);
    assert_eq!(h.timeline(id).unwrap(), timeline);
    assert_eq!(search(&h, "booked"), [id]);
}

#[test]
fn wal_full_sync_foreign_keys_and_busy_timeout_are_in_effect() {
    let (_dir, h) = fresh();
    let s = h.settings().unwrap();
    assert_eq!(s.journal_mode, "wal");
    assert_eq!(s.synchronous, "full");
    assert!(s.foreign_keys);
    assert_eq!(
        u128::from(s.busy_timeout_ms),
        schema::BUSY_TIMEOUT.as_millis()
    );
}

#[test]
fn full_lifecycle_with_timeline() {
    let (_dir, h, clock) = fresh_clocked();
    let id = h
        .insert_attempt(&NewAttempt {
            phone_e164: LONDON,
            phone_region: Some("GB"),
            task: "Ask whether the pharmacy has my prescription ready",
            origin: &Origin::Service(ORIGIN.into()),
            outside_hours: None,
        })
        .unwrap();
    let c = h.get(id).unwrap();
    assert_eq!(c.status.word(), "sending");
    assert_eq!(
        (c.task_id.as_deref(), c.phone_region.as_deref(), c.demo),
        (None, Some("GB"), false)
    );
    assert_eq!(c.created_at, c.updated_at);
    assert_eq!(h.interrupted_attempts().unwrap(), std::slice::from_ref(&c));

    h.record_created(id, "t-1", Some(7), &svc("pending"))
        .unwrap();
    let c = h.get(id).unwrap();
    assert_eq!(
        (c.task_id.as_deref(), c.task_number, c.status.word()),
        (Some("t-1"), Some(7), "pending")
    );
    assert!(h.interrupted_attempts().unwrap().is_empty());
    assert_eq!(h.get_by_task_id("t-1").unwrap(), Some(c));
    assert_eq!(h.get_by_task_id("t-2").unwrap(), None);

    let accepted = h
        .record_status("t-1", &svc("accepted"), None, None)
        .unwrap()
        .expect("changed");
    assert_eq!(accepted.status.word(), "accepted");
    let first_seen = h.timeline(id).unwrap()[2].clone();
    clock.advance(chrono::Duration::milliseconds(5));
    assert_eq!(
        h.record_status("t-1", &svc("accepted"), None, None)
            .unwrap(),
        None,
        "a repeat changes nothing"
    );
    assert_eq!(
        h.timeline(id).unwrap()[2],
        first_seen,
        "first-seen time kept"
    );
    assert!(h.get(id).unwrap().last_checked_at.unwrap() > first_seen.seen_at);

    h.record_status("t-1", &svc("in_progress"), None, None)
        .unwrap()
        .unwrap();
    let done = h
        .record_status(
            "t-1",
            &svc("completed"),
            Some("Agent: Is it ready?\nPharmacist: Yes."),
            Some("It is ready"),
        )
        .unwrap()
        .unwrap();
    assert_eq!(done.status.word(), "completed");
    assert_eq!(
        done.transcript.as_deref(),
        Some("Agent: Is it ready?\nPharmacist: Yes.")
    );
    assert_eq!(done.summary.as_deref(), Some("It is ready"));
    assert!(done.updated_at >= done.created_at);
    assert_eq!(done.status_changed_at, done.updated_at);
    assert!(done.status.is_final() && !done.status.is_live());

    // A late poll must neither move it back nor erase the result; a later summary is kept.
    assert_eq!(
        h.record_status("t-1", &svc("in_progress"), None, None)
            .unwrap(),
        None
    );
    let fixed = h
        .record_status(
            "t-1",
            &svc("completed"),
            None,
            Some("It is ready for pickup"),
        )
        .unwrap()
        .unwrap();
    assert_eq!(fixed.transcript, done.transcript);
    assert_eq!(fixed.summary.as_deref(), Some("It is ready for pickup"));
    assert_eq!(fixed.status_changed_at, done.status_changed_at);

    let tl = h.timeline(id).unwrap();
    assert_eq!(
        tl.iter().map(|e| e.status.word()).collect::<Vec<_>>(),
        ["sending", "pending", "accepted", "in_progress", "completed"]
    );
    assert!(tl.windows(2).all(|w| w[0].seen_at <= w[1].seen_at));
    assert!(h.live().unwrap().is_empty());
}

#[test]
fn unknown_service_statuses_are_kept_and_followed() {
    let (_dir, h) = fresh();
    let id = created(&h, SF, "Call the garage", "t-9");
    let c = h
        .record_status("t-9", &svc("on_hold_with_supervisor"), None, None)
        .unwrap()
        .unwrap();
    assert_eq!(c.status.word(), "on_hold_with_supervisor");
    assert_eq!(
        h.live().unwrap().iter().map(|c| c.id).collect::<Vec<_>>(),
        [id]
    );
    let c = h
        .record_status("t-9", &svc("failed"), None, Some("Nobody answered"))
        .unwrap()
        .unwrap();
    assert_eq!(c.status.word(), "failed");
    assert_eq!(
        statuses(&h, id),
        ["sending", "pending", "on_hold_with_supervisor", "failed"]
    );
    let f = HistoryFilter {
        status: CallStatus::from_user_words("failed"),
        ..Default::default()
    };
    assert_eq!(h.list(&f).unwrap(), [c]);
}

#[test]
fn unknown_outcome_then_linked_by_the_user() {
    let (_dir, h) = fresh();
    let id = attempt(&h, LONDON, "Confirm my appointment");
    h.mark_unknown_outcome(
        id,
        "The service did not answer in time; the call may have been placed.",
    )
    .unwrap();
    let c = h.get(id).unwrap();
    assert_eq!(c.status.word(), "unknown_outcome");
    assert!(c.error.as_deref().unwrap().contains("may have been placed"));
    assert!(!c.status.is_live() && !c.status.is_final());
    assert!(h.live().unwrap().is_empty());

    h.link_task(id, "found-1", Some(3), &svc("accepted"))
        .unwrap();
    let c = h.get(id).unwrap();
    assert_eq!(
        (c.task_id.as_deref(), c.status.word(), c.error),
        (Some("found-1"), "accepted", None)
    );
    assert_eq!(statuses(&h, id), ["sending", "unknown_outcome", "accepted"]);
    assert_eq!(h.live().unwrap().len(), 1);
}

#[test]
fn not_placed_is_terminal_and_never_followed() {
    let (_dir, h) = fresh();
    let id = attempt(&h, LONDON, "Say hi");
    h.mark_not_placed(id, "The service refused the number.")
        .unwrap();
    let c = h.get(id).unwrap();
    assert_eq!(c.status.word(), "not_placed");
    assert!(c.status.is_final());
    assert!(h.live().unwrap().is_empty());
    assert!(h.interrupted_attempts().unwrap().is_empty());
}

#[test]
fn a_task_id_is_never_replaced_or_lost() {
    let (_dir, h) = fresh();
    let a = created(&h, LONDON, "A", "t-a");
    let b = attempt(&h, LONDON, "B");

    // The same answer twice is fine and does not move the task back.
    h.record_status("t-a", &svc("in_progress"), None, None)
        .unwrap();
    h.record_created(a, "t-a", Some(1), &svc("pending"))
        .unwrap();
    let c = h.get(a).unwrap();
    assert_eq!((c.status.word(), c.task_number), ("in_progress", Some(1)));

    match h.link_task(a, "t-other", None, &svc("pending")) {
        Err(HistoryError::TaskIdConflict {
            id,
            existing,
            given,
        }) => {
            assert_eq!(
                (id, existing.as_str(), given.as_str()),
                (a, "t-a", "t-other")
            )
        }
        other => panic!("{other:?}"),
    }
    match h.record_created(b, "t-a", None, &svc("pending")) {
        Err(HistoryError::TaskIdTaken { task_id, other_id }) => {
            assert_eq!((task_id.as_str(), other_id), ("t-a", a))
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        h.mark_unknown_outcome(a, "x"),
        Err(HistoryError::AlreadyCreated { .. })
    ));
    assert!(matches!(
        h.mark_not_placed(a, "x"),
        Err(HistoryError::AlreadyCreated { .. })
    ));
    assert_eq!(h.get(a).unwrap().task_id.as_deref(), Some("t-a"));
    assert_eq!(h.get(b).unwrap().status.word(), "sending");
}

#[test]
fn only_an_unfinished_demo_call_is_closed_as_demo_ended() {
    let (_dir, h, clock) = fresh_clocked();
    let demo = |task: &str| {
        h.insert_attempt(&NewAttempt {
            phone_e164: SF,
            phone_region: None,
            task,
            origin: &Origin::Demo,
            outside_hours: None,
        })
        .unwrap()
    };
    let live_demo = demo("a demo call under way");
    h.record_created(live_demo, "d-1", None, &svc("in_progress"))
        .unwrap();
    let done_demo = demo("a demo call that finished");
    h.record_created(done_demo, "d-2", None, &svc("completed"))
        .unwrap();
    let real = created(&h, SF, "a real call under way", "t-1");
    let done_before = h.get(done_demo).unwrap();
    let real_before = h.get(real).unwrap();
    clock.advance(chrono::Duration::seconds(3));

    let ended = h
        .mark_demo_ended(live_demo, "The demo stopped.")
        .unwrap()
        .expect("an unfinished demo call is closed");
    assert_eq!(ended.status.word(), "demo_ended");
    assert_eq!(ended.error.as_deref(), Some("The demo stopped."));
    assert_eq!(ended.status_changed_at, clock.now());
    assert_eq!(ended, h.get(live_demo).unwrap());
    assert_eq!(
        statuses(&h, live_demo),
        ["sending", "in_progress", "demo_ended"]
    );
    assert!(h.live().unwrap().iter().all(|c| c.id != live_demo));

    // A finished demo call and a real call are left exactly as they were.
    assert_eq!(h.mark_demo_ended(done_demo, "x").unwrap(), None);
    assert_eq!(h.get(done_demo).unwrap(), done_before);
    assert_eq!(h.mark_demo_ended(real, "x").unwrap(), None);
    assert_eq!(h.get(real).unwrap(), real_before);
    assert_eq!(statuses(&h, real), ["sending", "pending"]);
}

#[test]
fn tracking_is_set_with_its_reason_and_decides_what_is_followed() {
    let (_dir, h) = fresh();
    let id = created(&h, SF, "a call the service forgot", "t-1");
    let other = created(&h, SF, "another call", "t-2");
    let given_up = h
        .set_tracking(
            id,
            Tracking::GivenUp,
            Some("The service no longer knows it."),
        )
        .unwrap();
    assert_eq!(given_up.tracking, Tracking::GivenUp);
    assert_eq!(
        given_up.error.as_deref(),
        Some("The service no longer knows it.")
    );
    assert_eq!(given_up, h.get(id).unwrap());
    assert_eq!(given_up.status.word(), "pending", "the status is kept");
    let live: Vec<i64> = h.live().unwrap().iter().map(|c| c.id).collect();
    assert_eq!(live, [other]);

    let back = h.set_tracking(id, Tracking::Following, None).unwrap();
    assert_eq!((back.tracking, back.error), (Tracking::Following, None));
    let live: Vec<i64> = h.live().unwrap().iter().map(|c| c.id).collect();
    assert_eq!(live, [id, other]);
    assert!(matches!(
        h.set_tracking(99, Tracking::GivenUp, None),
        Err(HistoryError::NotFound(99))
    ));
}

#[test]
fn marking_an_attempt_again_keeps_when_its_status_changed() {
    let (_dir, h, clock) = fresh_clocked();
    let id = attempt(&h, SF, "a call whose answer was lost");
    let sent_at = h.get(id).unwrap().status_changed_at;
    clock.advance(chrono::Duration::seconds(1));
    h.mark_unknown_outcome(id, "timed out").unwrap();
    let first = h.get(id).unwrap();
    assert_eq!(
        first.status_changed_at,
        sent_at + chrono::Duration::seconds(1)
    );
    clock.advance(chrono::Duration::seconds(1));
    h.mark_unknown_outcome(id, "still no answer").unwrap();
    let again = h.get(id).unwrap();
    assert_eq!(again.status_changed_at, first.status_changed_at);
    assert_eq!(
        again.updated_at,
        first.updated_at + chrono::Duration::seconds(1)
    );
    assert_eq!(again.error.as_deref(), Some("still no answer"));
    assert_eq!(statuses(&h, id), ["sending", "unknown_outcome"]);
}

/// The owner of `id`'s attempt, as written in the file.
fn owner_of(dir: &TempDir, id: i64) -> String {
    raw(dir)
        .query_row("SELECT attempt_owner FROM calls WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap()
}

#[test]
fn only_attempts_whose_sender_is_gone_are_recovered_as_unknown_outcomes() {
    let dir = tempfile::tempdir().unwrap();
    let open = || History::open_in_dir(dir.path()).unwrap();
    let (gone, alive, me) = (open(), open(), open());
    let by_gone = attempt(&gone, SF, "sent by a process that crashed");
    let by_alive = attempt(&alive, SF, "sent by a process still waiting");
    let mine = attempt(&me, SF, "sent by this process");
    drop(gone);

    let marked: Vec<i64> = me
        .recover_interrupted()
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(marked, [by_gone]);
    let c = me.get(by_gone).unwrap();
    assert_eq!(c.status.word(), "unknown_outcome");
    assert_eq!(c.error.as_deref(), Some(INTERRUPTED_NOTE));
    for id in [by_alive, mine] {
        assert_eq!(me.get(id).unwrap().status.word(), "sending", "{id}");
    }

    // A handle's own attempts are being sent by definition, whatever became of its lock file.
    let own_lock = dir
        .path()
        .join(owner::OWNERS_DIR)
        .join(format!("{}.lock", owner_of(&dir, mine)));
    std::fs::remove_file(&own_lock).unwrap();
    assert!(me.recover_interrupted().unwrap().is_empty());
    assert_eq!(me.get(mine).unwrap().status.word(), "sending");

    // Once the other sender stops, its attempt is recovered too.
    drop(alive);
    let marked: Vec<i64> = me
        .recover_interrupted()
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(marked, [by_alive]);
}

#[test]
fn missing_rows_are_reported() {
    let (_dir, h) = fresh();
    assert!(matches!(h.get(99), Err(HistoryError::NotFound(99))));
    assert!(matches!(h.timeline(99), Err(HistoryError::NotFound(99))));
    assert!(matches!(
        h.touch_checked(99),
        Err(HistoryError::NotFound(99))
    ));
    assert!(matches!(
        h.set_error(99, None),
        Err(HistoryError::NotFound(99))
    ));
    assert!(matches!(
        h.record_created(99, "t", None, &svc("pending")),
        Err(HistoryError::NotFound(99))
    ));
    assert!(matches!(
        h.mark_unknown_outcome(99, "r"),
        Err(HistoryError::NotFound(99))
    ));
    assert!(
        matches!(h.record_status("nope", &svc("pending"), None, None), Err(HistoryError::TaskNotFound(t)) if t == "nope")
    );
    let msg = HistoryError::NotFound(99).to_string();
    assert!(msg.contains("no call number 99"), "{msg}");
}

#[test]
fn touch_checked_and_set_error() {
    let (_dir, h) = fresh();
    let id = created(&h, SF, "t", "t-1");
    assert_eq!(h.get(id).unwrap().last_checked_at, None);
    h.touch_checked(id).unwrap();
    assert!(h.get(id).unwrap().last_checked_at.is_some());
    h.set_error(id, Some("Still waiting after 24 hours"))
        .unwrap();
    assert_eq!(
        h.get(id).unwrap().error.as_deref(),
        Some("Still waiting after 24 hours")
    );
    h.set_error(id, None).unwrap();
    assert_eq!(h.get(id).unwrap().error, None);
}

#[test]
fn filters_by_status_and_demo() {
    let (_dir, h) = fresh();
    let a = created(&h, LONDON, "one", "t-1");
    let b = created(&h, LONDON, "two", "t-2");
    let c = attempt(&h, LONDON, "three");
    let d = h
        .insert_attempt(&NewAttempt {
            phone_e164: SF,
            phone_region: Some("US"),
            task: "demo",
            origin: &Origin::Demo,
            outside_hours: None,
        })
        .unwrap();
    h.record_status("t-2", &svc("completed"), None, None)
        .unwrap();
    let ids = |f: HistoryFilter| {
        h.list(&f)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(HistoryFilter::default()), [d, c, b, a]);
    assert_eq!(
        ids(HistoryFilter {
            status: CallStatus::from_user_words("pending"),
            ..Default::default()
        }),
        [a]
    );
    assert_eq!(
        ids(HistoryFilter {
            status: CallStatus::from_user_words("completed"),
            ..Default::default()
        }),
        [b]
    );
    assert_eq!(
        ids(HistoryFilter {
            status: CallStatus::from_user_words("sending"),
            ..Default::default()
        }),
        [d, c]
    );
    assert_eq!(
        ids(HistoryFilter {
            status: CallStatus::from_user_words(""),
            ..Default::default()
        })
        .len(),
        4
    );
    assert_eq!(
        ids(HistoryFilter {
            demo: Some(true),
            ..Default::default()
        }),
        [d]
    );
    assert_eq!(
        ids(HistoryFilter {
            demo: Some(false),
            ..Default::default()
        }),
        [c, b, a]
    );
    assert!(h.get(d).unwrap().demo);
    assert_eq!(
        h.count(&HistoryFilter {
            status: CallStatus::from_user_words("sending"),
            demo: Some(false),
            ..Default::default()
        })
        .unwrap(),
        1
    );
    assert_eq!(
        h.count(&HistoryFilter {
            status: CallStatus::from_user_words("nope"),
            ..Default::default()
        })
        .unwrap(),
        0
    );
}

#[test]
fn search_covers_task_transcript_summary_and_phone_digits() {
    let (_dir, h) = fresh();
    let a = created(&h, LONDON, "Book a table at Café Rouge for Friday", "t-a");
    let b = created(&h, SF, "Ask the dentist to move my appointment", "t-b");
    h.record_status(
        "t-b",
        &svc("completed"),
        Some("Receptionist: We can do Tuesday at 3."),
        Some("Moved to Tuesday"),
    )
    .unwrap();

    assert_eq!(search(&h, "table"), [a]);
    assert_eq!(search(&h, "TABLE"), [a], "case-insensitive");
    assert_eq!(search(&h, "tab"), [a], "words are prefixes");
    assert_eq!(search(&h, "cafe"), [a], "diacritics folded");
    assert_eq!(search(&h, "café rouge"), [a]);
    assert_eq!(search(&h, "receptionist"), [b], "transcript");
    assert_eq!(search(&h, "moved"), [b], "summary");
    assert_eq!(search(&h, "tuesday"), [b]);
    assert!(
        search(&h, "table dentist").is_empty(),
        "all words must match"
    );

    assert_eq!(search(&h, "7946"), [a], "digits inside the number");
    assert_eq!(search(&h, "0018"), [a], "digits at the end");
    assert_eq!(search(&h, "+44"), [a]);
    assert_eq!(search(&h, "+44 20 7946 0018"), [a], "international format");
    assert_eq!(
        search(&h, "020 7946 0018"),
        [a],
        "national format with trunk zero"
    );
    assert_eq!(search(&h, "(415) 555-0123"), [b]);
    assert_eq!(search(&h, "442079460018"), [a]);
    assert!(search(&h, "79460019").is_empty());

    for empty in ["", "   ", "\"\"", "*"] {
        assert_eq!(search(&h, empty), [b, a], "{empty:?} is no filter");
    }
    let f = HistoryFilter {
        search: Some("tuesday".into()),
        status: CallStatus::from_user_words("pending"),
        ..Default::default()
    };
    assert!(h.list(&f).unwrap().is_empty(), "search and status combine");
    assert_eq!(
        h.count(&HistoryFilter {
            search: Some("7946".into()),
            ..Default::default()
        })
        .unwrap(),
        1
    );
}

#[test]
fn search_index_follows_updates() {
    let (dir, h) = fresh();
    let id = created(&h, LONDON, "Call about the boiler", "t-1");
    h.record_status("t-1", &svc("completed"), Some("first draft"), None)
        .unwrap();
    assert_eq!(search(&h, "draft"), [id]);
    h.record_status("t-1", &svc("completed"), Some("final words"), None)
        .unwrap();
    assert!(
        search(&h, "draft").is_empty(),
        "old transcript left the index"
    );
    assert_eq!(search(&h, "final"), [id]);
    assert_eq!(h.integrity_check().unwrap(), "ok");

    // Deleting (by hand; the app never does) cascades to the timeline and the index.
    let conn = raw(&dir);
    conn.pragma_update(None, "foreign_keys", true).unwrap();
    conn.execute("DELETE FROM calls WHERE id = ?1", [id])
        .unwrap();
    let events: i64 = conn
        .query_row("SELECT COUNT(*) FROM status_events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(events, 0);
    drop(conn);
    assert!(search(&h, "final").is_empty());
    assert_eq!(h.integrity_check().unwrap(), "ok");
}

#[test]
fn hostile_search_strings_never_error() {
    let (_dir, h) = fresh();
    let id = created(
        &h,
        LONDON,
        "Ask about \"special\" offers: 50% off (today) -- AND more*",
        "t-1",
    );
    let hostile = [
        "\"",
        "\"\"\"",
        "'",
        "*",
        "**",
        "a*b",
        "NEAR(",
        "NEAR(a b, 3)",
        "(",
        ")",
        "(()",
        ":",
        "task:",
        "transcript : x",
        "-",
        "-x",
        "^",
        "^start",
        "+",
        "AND",
        "OR",
        "NOT",
        "a AND",
        "OR b",
        "NOT NOT",
        "{task}: x",
        "a:b:c",
        "[x]",
        "\\",
        "\\\"",
        "%",
        "_",
        "; DROP TABLE calls; --",
        "' OR 1=1 --",
        "\0",
        "\u{0301}",
        "é",
        "ﬁ",
        "日本語",
        "🙂",
        "🏳️‍🌈",
        "ا",
        "\u{200b}",
        "\u{feff}",
        "\r\n\t",
        "0",
        "00",
        "+0",
        "\u{10ffff}",
    ];
    for q in hostile {
        let f = HistoryFilter {
            search: Some(q.into()),
            ..Default::default()
        };
        h.list(&f).unwrap_or_else(|e| panic!("{q:?}: {e}"));
        h.count(&f).unwrap_or_else(|e| panic!("{q:?}: {e}"));
    }
    let huge = "\"*(NEAR: ".repeat(10_240 / 9) + &"x".repeat(10_240);
    assert!(huge.len() >= 10_240);
    h.list(&HistoryFilter {
        search: Some(huge),
        ..Default::default()
    })
    .unwrap();
    let words = "special ".repeat(2_000);
    assert_eq!(search(&h, &words), [id]);
    assert_eq!(search(&h, "\"special\""), [id]);
    assert_eq!(search(&h, "more*"), [id]);
    assert_eq!(search(&h, "AND"), [id], "operators are searched as words");
    assert!(h.get(id).is_ok(), "still there");
}

#[test]
fn paging_and_limits() {
    let (_dir, h) = fresh();
    let ids: Vec<i64> = (0..120)
        .map(|i| attempt(&h, SF, &format!("call {i}")))
        .collect();
    let newest_first: Vec<i64> = ids.iter().rev().copied().collect();
    let page = |limit, offset| {
        h.list(&HistoryFilter {
            limit,
            offset,
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect::<Vec<_>>()
    };
    assert_eq!(page(0, 0), newest_first[..50], "default page");
    assert_eq!(page(10, 0), newest_first[..10]);
    assert_eq!(page(10, 10), newest_first[10..20]);
    assert_eq!(page(50, 100), newest_first[100..]);
    assert!(page(10, 500).is_empty());
    assert_eq!(page(u32::MAX, 0).len(), 120);
    assert_eq!(
        h.count(&HistoryFilter {
            limit: 1,
            offset: 5,
            ..Default::default()
        })
        .unwrap(),
        120
    );
    let all: Vec<CallRecord> = h
        .list(&HistoryFilter {
            limit: MAX_PAGE,
            ..Default::default()
        })
        .unwrap();
    assert!(all
        .windows(2)
        .all(|w| (w[0].created_at, w[0].id) > (w[1].created_at, w[1].id)));
}

#[test]
fn page_size_is_capped() {
    let (dir, h) = fresh();
    let conn = raw(&dir);
    conn.execute_batch(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
         INSERT INTO calls (phone_e164, task, created_at, updated_at, service_status, origin, status_changed_at)
         SELECT '+14155550123', 'bulk ' || i, i, i, 'completed', 'x', i FROM n;",
    )
    .unwrap();
    drop(conn);
    assert_eq!(
        h.list(&HistoryFilter {
            limit: 10_000,
            ..Default::default()
        })
        .unwrap()
        .len(),
        MAX_PAGE as usize
    );
    assert_eq!(h.count(&HistoryFilter::default()).unwrap(), 600);
    assert_eq!(search(&h, "bulk").len(), 50);
}

#[test]
fn duplicates_within_the_window() {
    let (_dir, h, clock) = fresh_clocked();
    let hour = Duration::from_secs(3600);
    assert_eq!(
        h.find_recent_duplicate(
            LONDON,
            "Book a table",
            hour,
            &Origin::Service(ORIGIN.into())
        )
        .unwrap(),
        None
    );
    let a = attempt(&h, LONDON, "Book a table");
    let found = h
        .find_recent_duplicate(
            LONDON,
            "  Book a table \n",
            hour,
            &Origin::Service(ORIGIN.into()),
        )
        .unwrap()
        .unwrap();
    assert_eq!(found.id, a);
    assert_eq!(
        h.find_recent_duplicate(
            LONDON,
            "Book a table for three",
            hour,
            &Origin::Service(ORIGIN.into())
        )
        .unwrap(),
        None
    );
    assert_eq!(
        h.find_recent_duplicate(SF, "Book a table", hour, &Origin::Service(ORIGIN.into()))
            .unwrap(),
        None
    );
    assert_eq!(
        h.find_recent_duplicate(LONDON, "Book a table", hour, &Origin::Demo)
            .unwrap(),
        None,
        "other service"
    );

    let b = attempt(&h, LONDON, "Book a table");
    h.mark_unknown_outcome(b, "timeout").unwrap();
    assert_eq!(
        h.find_recent_duplicate(
            LONDON,
            "Book a table",
            hour,
            &Origin::Service(ORIGIN.into())
        )
        .unwrap()
        .unwrap()
        .id,
        b,
        "newest"
    );
    h.link_task(b, "t-b", None, &svc("completed")).unwrap();
    assert_eq!(
        h.find_recent_duplicate(
            LONDON,
            "Book a table",
            hour,
            &Origin::Service(ORIGIN.into())
        )
        .unwrap()
        .unwrap()
        .id,
        b
    );

    let c = attempt(&h, SF, "Refused");
    h.mark_not_placed(c, "invalid number").unwrap();
    assert_eq!(
        h.find_recent_duplicate(SF, "Refused", hour, &Origin::Service(ORIGIN.into()))
            .unwrap(),
        None,
        "not_placed is no duplicate"
    );

    clock.advance(chrono::Duration::milliseconds(30));
    assert_eq!(
        h.find_recent_duplicate(
            LONDON,
            "Book a table",
            Duration::from_millis(10),
            &Origin::Service(ORIGIN.into())
        )
        .unwrap(),
        None
    );
    assert!(h
        .find_recent_duplicate(
            LONDON,
            "Book a table",
            Duration::MAX,
            &Origin::Service(ORIGIN.into())
        )
        .unwrap()
        .is_some());
}

#[test]
fn two_handles_on_one_file_see_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let cli = History::open_in_dir(dir.path()).unwrap();
    let app = History::open_in_dir(dir.path()).unwrap();
    let id = attempt(&cli, LONDON, "From the CLI");
    assert_eq!(app.get(id).unwrap().task, "From the CLI");
    assert_eq!(app.interrupted_attempts().unwrap().len(), 1);
    app.record_created(id, "t-1", None, &svc("pending"))
        .unwrap();
    assert_eq!(cli.get(id).unwrap().task_id.as_deref(), Some("t-1"));
    assert_eq!(cli.live().unwrap().len(), 1);
    cli.record_status("t-1", &svc("completed"), Some("done"), None)
        .unwrap();
    assert_eq!(search(&app, "done"), [id]);
}

#[test]
fn concurrent_writers_from_threads_and_handles() {
    let dir = tempfile::tempdir().unwrap();
    let shared = Arc::new(History::open_in_dir(dir.path()).unwrap());
    let other = Arc::new(History::open_in_dir(dir.path()).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let h = if t % 2 == 0 {
                Arc::clone(&shared)
            } else {
                Arc::clone(&other)
            };
            std::thread::spawn(move || {
                for i in 0..25 {
                    let id = attempt(&h, SF, &format!("thread {t} call {i}"));
                    h.record_created(id, &format!("t{t}-{i}"), Some(i), &svc("pending"))
                        .unwrap();
                    h.record_status(&format!("t{t}-{i}"), &svc("accepted"), None, None)
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(shared.count(&HistoryFilter::default()).unwrap(), 100);
    assert_eq!(other.live().unwrap().len(), 100);
    assert_eq!(shared.integrity_check().unwrap(), "ok");
}

#[test]
fn live_and_interrupted() {
    let (_dir, h) = fresh();
    let sending = attempt(&h, SF, "crashed before the answer");
    let pending = created(&h, SF, "p", "t-p");
    let accepted = created(&h, SF, "a", "t-a");
    h.record_status("t-a", &svc("accepted"), None, None)
        .unwrap();
    let running = created(&h, SF, "r", "t-r");
    h.record_status("t-r", &svc("in_progress"), None, None)
        .unwrap();
    let done = created(&h, SF, "d", "t-d");
    h.record_status("t-d", &svc("completed"), None, None)
        .unwrap();
    let cancelled = created(&h, SF, "c", "t-c");
    h.record_status("t-c", &svc("cancelled"), None, None)
        .unwrap();
    let unknown = attempt(&h, SF, "u");
    h.mark_unknown_outcome(unknown, "timeout").unwrap();

    let live: Vec<i64> = h.live().unwrap().into_iter().map(|c| c.id).collect();
    assert_eq!(live, [pending, accepted, running]);
    assert!(!live.contains(&done) && !live.contains(&cancelled));
    let interrupted: Vec<i64> = h
        .interrupted_attempts()
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(interrupted, [sending]);
}

#[test]
fn live_uses_its_partial_index() {
    // The plan of the query `live()` really runs: a drift between its condition and the
    // index's (built from the same words in `call::sql`) would show as a table scan.
    let (_dir, h) = fresh();
    let plan = h.live_query_plan().unwrap();
    assert!(plan.contains("calls_live_idx"), "{plan}");
    let plan = h.sending_query_plan().unwrap();
    assert!(plan.contains("calls_state_idx"), "{plan}");
}

#[test]
fn a_newer_file_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    let newer = schema::SUPPORTED_VERSION + 1;
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE calls (id INTEGER PRIMARY KEY, future TEXT); INSERT INTO calls VALUES (1, 'x');")
            .unwrap();
        conn.pragma_update(None, "user_version", newer).unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    match History::open(&path) {
        Err(e @ HistoryError::NewerSchema { .. }) => {
            let HistoryError::NewerSchema { found, supported } = e else {
                unreachable!()
            };
            assert_eq!((found, supported), (newer, schema::SUPPORTED_VERSION));
            let msg = e.to_string();
            assert!(
                msg.contains("newer version of MissionCall") && msg.contains("update"),
                "{msg}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), before, "file untouched");
    assert!(!dir.path().join(format!("{FILE_NAME}-wal")).exists());
}

#[test]
fn foreign_and_broken_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("other.db");
    {
        let conn = Connection::open(&foreign).unwrap();
        conn.pragma_update(None, "application_id", 0x1234_5678)
            .unwrap();
    }
    assert!(matches!(
        History::open(&foreign),
        Err(HistoryError::ForeignDatabase { .. })
    ));

    let garbage = dir.path().join("garbage.sqlite3");
    std::fs::write(&garbage, vec![0x5a; 8192]).unwrap();
    match History::open(&garbage) {
        Err(HistoryError::Open { path, .. }) => assert_eq!(path, garbage),
        other => panic!("{other:?}"),
    }

    let file = dir.path().join("a-file");
    std::fs::write(&file, b"").unwrap();
    assert!(matches!(
        History::open_in_dir(&file.join("sub")),
        Err(HistoryError::CreateDir { .. })
    ));
}

#[test]
fn data_dir_can_be_overridden() {
    // The only test touching this variable.
    std::env::set_var("MISSIONCALL_DATA_DIR", "/tmp/missioncall-test-data");
    assert_eq!(
        default_data_dir().unwrap(),
        std::path::Path::new("/tmp/missioncall-test-data")
    );
    std::env::set_var("MISSIONCALL_DATA_DIR", "");
    let default = default_data_dir();
    std::env::remove_var("MISSIONCALL_DATA_DIR");
    assert_eq!(default, default_data_dir());
    if let Some(d) = default {
        assert!(
            d.to_string_lossy().to_lowercase().contains("missioncall"),
            "{d:?}"
        );
    }
}

#[test]
fn records_serialize_for_the_ui() {
    let (_dir, h) = fresh();
    let id = created(&h, LONDON, "Say hi", "t-1");
    let json = serde_json::to_value(h.get(id).unwrap()).unwrap();
    assert_eq!(json["task_id"], "t-1");
    assert_eq!(
        json["status"],
        serde_json::json!({"kind": "service", "state": "pending"})
    );
    assert!(json["created_at"].as_str().unwrap().ends_with('Z'));
    let json = serde_json::to_value(h.timeline(id).unwrap()).unwrap();
    assert_eq!(
        json[0]["status"],
        serde_json::json!({"kind": "local", "state": "sending"})
    );
}

/// The service status `word`.
fn svc(word: &str) -> ServiceStatus {
    ServiceStatus::from_wire(word)
}

/// A history written by version 1 of the layout (one `status` column for our words and the
/// service's) is carried over with no row, task id, result or timeline entry lost, and a
/// service word equal to one of ours becomes the service's.
#[test]
fn a_version_1_history_is_migrated_with_nothing_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../src/history/migrations/v1.sql"))
            .unwrap();
        conn.execute_batch(include_str!("fixtures/history-v1.sql"))
            .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.pragma_update(None, "application_id", schema::APPLICATION_ID)
            .unwrap();
    }
    let before: Vec<(i64, Option<String>, String, Option<String>)> = {
        let conn = Connection::open(&path).unwrap();
        let mut stmt = conn
            .prepare("SELECT id, task_id, task, summary FROM calls ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(before.len(), 8);

    let h = History::open(&path).unwrap();
    assert_eq!(
        h.settings().unwrap().schema_version,
        schema::SUPPORTED_VERSION
    );
    assert_eq!(h.integrity_check().unwrap(), "ok");
    let all = h
        .list(&HistoryFilter {
            limit: MAX_PAGE,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.len(), before.len(), "no row lost");
    for (id, task_id, task, summary) in &before {
        let c = h.get(*id).unwrap();
        assert_eq!((&c.task_id, &c.task, &c.summary), (task_id, task, summary));
    }
    let kind = |id: i64| {
        let s = h.get(id).unwrap().status;
        (s.kind_name(), s.word().to_owned())
    };
    assert_eq!(kind(1), ("service", "completed".into()));
    assert_eq!(kind(2), ("service", "in_progress".into()));
    assert_eq!(kind(3), ("local", "unknown_outcome".into()));
    assert_eq!(kind(4), ("local", "not_placed".into()));
    assert_eq!(kind(5), ("local", "sending".into()));
    assert_eq!(
        kind(6),
        ("service", "not_placed".into()),
        "the collision is the service's"
    );
    assert_eq!(kind(7), ("service", "cancelled".into()));
    assert_eq!(kind(8), ("service", "failed".into()));
    assert!(h.get(7).unwrap().origin.is_demo());
    // The live calls are the service's live ones (the collision included: a word we do not
    // know is followed for a while), and the interrupted attempt is found again.
    let live: Vec<i64> = h.live().unwrap().iter().map(|c| c.id).collect();
    assert_eq!(live, [2, 6, 8]);
    let sending: Vec<i64> = h
        .interrupted_attempts()
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(sending, [5]);
    // The old attempt has no owner: it is recovered as an unknown outcome.
    let recovered: Vec<i64> = h
        .recover_interrupted()
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(recovered, [5]);
    // Timelines keep every entry, each on its side.
    assert_eq!(
        statuses(&h, 1),
        ["sending", "pending", "accepted", "in_progress", "completed"]
    );
    let tl6: Vec<(&str, String)> = h
        .timeline(6)
        .unwrap()
        .iter()
        .map(|e| (e.status.kind_name(), e.status.word().to_owned()))
        .collect();
    assert_eq!(
        tl6,
        [
            ("local", "sending".to_owned()),
            ("service", "pending".to_owned()),
            ("service", "not_placed".to_owned())
        ]
    );
    assert_eq!(h.timeline(3).unwrap()[1].status.kind_name(), "local");
    // Search still finds by words, accents folded, and by digits.
    assert_eq!(search(&h, "cafe"), [8]);
    assert_eq!(search(&h, "2079460018"), [1]);
    // The duplicate guard sees the collision as a placed call.
    assert!(h
        .find_recent_duplicate(
            "+14155550127",
            "Collision one",
            Duration::MAX,
            &Origin::Service(ORIGIN.into())
        )
        .unwrap()
        .is_some());
    drop(h);
    // Opening again changes nothing.
    let again = History::open(&path).unwrap();
    assert_eq!(
        again
            .list(&HistoryFilter {
                limit: MAX_PAGE,
                ..Default::default()
            })
            .unwrap()
            .len(),
        8
    );
}

/// The search box cuts words as the index does: a symbol the index drops (`Ⓐ`, emoji) never
/// hides every call, and quotes, `*`, `NEAR` and very long input keep working.
#[test]
fn one_odd_word_never_hides_every_call() {
    let (_dir, h) = fresh();
    let id = attempt(
        &h,
        LONDON,
        "Ask the dentist about x² and the café NEAR the station",
    );
    for q in [
        "dentist Ⓐ",
        "dentist 🦷",
        "Ⓐdentist",
        "\"dentist\" NEAR(station",
        "dent* cafe\u{301}",
        "x²",
    ] {
        assert_eq!(search(&h, q), [id], "{q:?}");
    }
    assert!(search(&h, "dentist plumber").is_empty());
    let long = format!("dentist {}", "Ⓐ".repeat(5_000));
    assert_eq!(search(&h, &long), [id]);
}
