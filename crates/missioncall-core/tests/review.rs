//! What the user says of a call (outcome, note, tags, follow-up, contacts), in a real SQLite
//! file: kept apart from what the service says, so the tracker's writes never overwrite it
//! (through the real tracker against the simulator over loopback HTTP, and through every write
//! of the history that takes a service report); found by the full-text search; combined
//! filters; tags renamed, merged and deleted everywhere; contacts named on every call to the
//! number. Time is a `ManualClock`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use missioncall_core::call::{Outcome, ServiceStatus};
use missioncall_core::calls::{CallRequest, Calls};
use missioncall_core::clock::{Clock, ManualClock};
use missioncall_core::history::{
    CallRecord, History, HistoryError, HistoryFilter, NewAttempt, OutcomeFilter,
};
use missioncall_core::review::FollowUp;
use missioncall_core::tracker::{Tracker, TrackerConfig, TrackerEvent};
use tokio::time::{timeout, Instant};
use workapi::{ApiKey, Client, RetryPolicy};
use workapi_sim::{Sim, SimConfig, DEMO_KEY};

const SF: &str = "+14155552671";
const NY: &str = "+12125550123";

fn clock() -> Arc<ManualClock> {
    ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap())
}

fn attempt(h: &History, phone: &str, task: &str) -> i64 {
    let origin = missioncall_core::call::Origin::Demo;
    h.insert_attempt(&NewAttempt {
        phone_e164: phone,
        phone_region: None,
        task,
        origin: &origin,
        outside_hours: None,
    })
    .unwrap()
}

/// A call that reached the service (task id `t-<id>`, pending).
fn placed(h: &History, phone: &str, task: &str) -> i64 {
    let id = attempt(h, phone, task);
    h.record_created(id, &format!("t-{id}"), Some(id), &ServiceStatus::Pending)
        .unwrap();
    id
}

fn ids(rows: &[CallRecord]) -> Vec<i64> {
    rows.iter().map(|r| r.id).collect()
}

fn search(h: &History, words: &str) -> Vec<i64> {
    ids(&h
        .list(&HistoryFilter {
            search: Some(words.into()),
            ..HistoryFilter::default()
        })
        .unwrap())
}

/// What the user said of a call, to compare before and after the service's writes.
fn said(
    r: &CallRecord,
) -> (
    Option<Outcome>,
    String,
    Option<FollowUp>,
    Vec<String>,
    Option<String>,
) {
    (
        r.outcome,
        r.note.clone(),
        r.follow_up,
        r.tags.clone(),
        r.contact_name.clone(),
    )
}

fn annotate(h: &History, id: i64, phone: &str) {
    h.set_outcome(id, Some(Outcome::FollowUp)).unwrap();
    h.set_note(id, "Ask for Maria, she knows the order")
        .unwrap();
    h.add_tag(id, "VIP").unwrap();
    h.add_tag(id, "orders").unwrap();
    h.set_follow_up(id, Some(FollowUp::parse("2026-12-02 10:00").unwrap()))
        .unwrap();
    h.set_contact(phone, "Luigi's Trattoria").unwrap();
}

#[test]
fn annotations_are_kept_on_disk_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let c = clock();
    let id = {
        let h = History::open_in_dir_with_clock(dir.path(), c.clone()).unwrap();
        let id = placed(&h, SF, "Book a table for 4");
        c.advance(chrono::Duration::seconds(60));
        annotate(&h, id, SF);
        id
    };
    let h = History::open_in_dir_with_clock(dir.path(), c.clone()).unwrap();
    let r = h.get(id).unwrap();
    assert_eq!(r.outcome, Some(Outcome::FollowUp));
    assert_eq!(r.note, "Ask for Maria, she knows the order");
    assert_eq!(r.tags, ["orders", "VIP"], "sorted, any case");
    assert_eq!(r.follow_up.unwrap().key(), "2026-12-02 10:00");
    assert_eq!(r.contact_name.as_deref(), Some("Luigi's Trattoria"));
    assert_eq!(r.annotated_at, Some(c.now()));
    // Clearing.
    h.set_outcome(id, None).unwrap();
    h.set_note(id, "  ").unwrap();
    h.set_follow_up(id, None).unwrap();
    h.remove_tag(id, "vip").unwrap();
    assert!(h.remove_contact(SF).unwrap());
    let r = h.get(id).unwrap();
    assert_eq!(
        said(&r),
        (None, String::new(), None, vec!["orders".into()], None)
    );
    assert_eq!(h.integrity_check().unwrap(), "ok");
}

#[test]
fn no_write_that_carries_a_service_report_touches_what_the_user_said() {
    let dir = tempfile::tempdir().unwrap();
    let h = History::open_in_dir_with_clock(dir.path(), clock()).unwrap();
    let id = placed(&h, SF, "Ask if the order shipped");
    annotate(&h, id, SF);
    let before = said(&h.get(id).unwrap());
    let task = format!("t-{id}");
    h.record_status(&task, &ServiceStatus::InProgress, None, None)
        .unwrap();
    h.record_status(
        &task,
        &ServiceStatus::Completed,
        Some("assistant: hello"),
        Some("It shipped on Monday."),
    )
    .unwrap();
    h.link_task(id, &task, Some(id), &ServiceStatus::Completed)
        .unwrap();
    h.touch_checked(id).unwrap();
    h.set_error(id, Some("a problem")).unwrap();
    h.set_tracking(id, missioncall_core::call::Tracking::GivenUp, Some("why"))
        .unwrap();
    let after = h.get(id).unwrap();
    assert_eq!(said(&after), before);
    assert_eq!(after.summary.as_deref(), Some("It shipped on Monday."));
    // And the other way: what the user says leaves the service's columns alone.
    let r = h.set_outcome(id, Some(Outcome::Achieved)).unwrap();
    assert_eq!(r.status, after.status);
    assert_eq!(r.summary, after.summary);
    assert_eq!(r.transcript, after.transcript);
    assert_eq!(r.task_id, after.task_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tracker_following_a_call_to_its_end_leaves_what_the_user_said() {
    let sim = Sim::start(SimConfig {
        speed: 20.0,
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let h = Arc::new(History::open_in_dir(dir.path()).unwrap());
    let client = Client::builder(ApiKey::new(DEMO_KEY).unwrap())
        .base_url(sim.base_url())
        .timeout(Duration::from_secs(2))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let calls = Calls::real(h.clone(), client);
    let tracker = Tracker::start(calls.clone(), TrackerConfig::scaled(100.0));
    let mut rx = tracker.subscribe();
    let rec = calls
        .place(&CallRequest {
            number: SF,
            region: None,
            task: "Ask whether the garage is open on Saturday [sim:goal_met]",
            force: true,
        })
        .await
        .unwrap();
    // The user judges the call while it is still pending; the tracker then writes each status,
    // the transcript and the summary.
    annotate(&h, rec.id, SF);
    let before = said(&h.get(rec.id).unwrap());
    tracker.follow(rec.task_id.as_deref().unwrap());
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut updates = 0;
    loop {
        match timeout(deadline - Instant::now(), rx.recv()).await {
            Ok(Ok(TrackerEvent::Updated(up))) => {
                updates += 1;
                assert_eq!(said(&up), before, "an update carried other annotations");
                if up.status.is_completed() {
                    break;
                }
            }
            Ok(Ok(_)) => {}
            other => panic!("the call never completed: {other:?}"),
        }
    }
    assert!(
        updates >= 2,
        "the tracker wrote several updates ({updates})"
    );
    let done = h.get(rec.id).unwrap();
    assert!(done.summary.is_some());
    assert_eq!(said(&done), before);
    tracker.shutdown().await;
}

#[test]
fn search_finds_notes_tags_and_contact_names_and_follows_their_changes() {
    let dir = tempfile::tempdir().unwrap();
    let h = History::open_in_dir_with_clock(dir.path(), clock()).unwrap();
    let a = placed(&h, SF, "Book a table");
    let b = placed(&h, NY, "Ask about opening hours");
    let c = placed(&h, SF, "Move the booking to Friday");
    h.set_note(a, "Manager said: call back après Noël").unwrap();
    h.add_tag(b, "Wholesale").unwrap();
    h.set_contact(SF, "Luigi's Trattoria").unwrap();

    assert_eq!(
        search(&h, "noel"),
        [a],
        "notes are searched, accents folded"
    );
    assert_eq!(search(&h, "wholesale"), [b]);
    assert_eq!(search(&h, "trattoria"), [c, a], "every call to the number");
    assert_eq!(
        search(&h, "luigi booking"),
        [c],
        "words from several fields"
    );
    // A call made after the contact was named carries it at once.
    let d = placed(&h, SF, "Confirm the booking");
    assert_eq!(search(&h, "trattoria"), [d, c, a]);

    h.rename_tag("wholesale", "Trade").unwrap();
    assert_eq!(search(&h, "wholesale"), Vec::<i64>::new());
    assert_eq!(search(&h, "trade"), [b]);
    h.set_contact(SF, "Chez Marie").unwrap();
    assert!(search(&h, "trattoria").is_empty());
    assert_eq!(search(&h, "marie"), [d, c, a]);
    h.remove_contact(SF).unwrap();
    assert!(search(&h, "marie").is_empty());
    h.set_note(a, "").unwrap();
    assert!(search(&h, "noel").is_empty());
    assert_eq!(h.integrity_check().unwrap(), "ok");
}

#[test]
fn filters_combine() {
    let dir = tempfile::tempdir().unwrap();
    let c = clock();
    let h = History::open_in_dir_with_clock(dir.path(), c.clone()).unwrap();
    let day1 = c.now();
    let a = placed(&h, SF, "Book a table");
    c.advance(chrono::Duration::seconds(86_400));
    let day2 = c.now();
    let b = placed(&h, SF, "Book a room");
    let n = placed(&h, NY, "Book a car");
    c.advance(chrono::Duration::seconds(86_400));
    let d = attempt(&h, SF, "Book a bike");
    for id in [a, b, n] {
        h.add_tag(id, "bookings").unwrap();
    }
    h.set_outcome(a, Some(Outcome::Achieved)).unwrap();
    h.set_outcome(b, Some(Outcome::NoAnswer)).unwrap();
    h.set_outcome(n, Some(Outcome::Achieved)).unwrap();
    h.set_contact(SF, "Luigi").unwrap();
    let sf = h.numbers_named("LUIGI").unwrap();
    assert_eq!(sf, [SF]);

    let list = |f: HistoryFilter| ids(&h.list(&f).unwrap());
    assert_eq!(
        list(HistoryFilter {
            outcome: Some(OutcomeFilter::Is(Outcome::Achieved)),
            ..Default::default()
        }),
        [n, a]
    );
    assert_eq!(
        list(HistoryFilter {
            outcome: Some(OutcomeFilter::Is(Outcome::Achieved)),
            phones: Some(sf.clone()),
            ..Default::default()
        }),
        [a]
    );
    assert_eq!(
        list(HistoryFilter {
            outcome: Some(OutcomeFilter::NotSet),
            ..Default::default()
        }),
        [d]
    );
    assert_eq!(
        list(HistoryFilter {
            tag: Some("BOOKINGS".into()),
            phones: Some(sf.clone()),
            since: Some(day2),
            ..Default::default()
        }),
        [b]
    );
    assert_eq!(
        list(HistoryFilter {
            tag: Some("bookings".into()),
            until: Some(day2),
            ..Default::default()
        }),
        [a]
    );
    assert_eq!(
        list(HistoryFilter {
            phones: Some(sf.clone()),
            since: Some(day1),
            search: Some("room".into()),
            status: Some(missioncall_core::call::CallStatus::Service(
                ServiceStatus::Pending
            )),
            ..Default::default()
        }),
        [b]
    );
    assert!(list(HistoryFilter {
        phones: Some(vec![]),
        ..Default::default()
    })
    .is_empty());
    let f = HistoryFilter {
        tag: Some("bookings".into()),
        outcome: Some(OutcomeFilter::Is(Outcome::Achieved)),
        ..Default::default()
    };
    assert_eq!(h.count(&f).unwrap(), 2);
}

#[test]
fn tags_are_renamed_merged_and_deleted_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let c = clock();
    let h = History::open_in_dir_with_clock(dir.path(), c.clone()).unwrap();
    let a = placed(&h, SF, "one");
    let b = placed(&h, NY, "two");
    h.add_tag(a, "urgent").unwrap();
    h.add_tag(a, "URGENT").unwrap();
    h.add_tag(b, "Urgent ").unwrap();
    h.add_tag(b, "later").unwrap();
    assert_eq!(
        h.get(a).unwrap().tags,
        ["urgent"],
        "one tag whatever its case"
    );
    let tags = h.tags().unwrap();
    assert_eq!(
        tags.iter()
            .map(|t| (t.name.as_str(), t.calls))
            .collect::<Vec<_>>(),
        [("later", 1), ("urgent", 2)]
    );
    c.advance(chrono::Duration::seconds(5));
    assert_eq!(h.rename_tag("urgent", "Priority").unwrap(), 2);
    assert_eq!(h.get(a).unwrap().tags, ["Priority"]);
    assert_eq!(h.get(b).unwrap().annotated_at, Some(c.now()));
    // Onto an existing tag: the two become one, on every call, once.
    assert_eq!(h.rename_tag("later", "priority").unwrap(), 2);
    assert_eq!(h.get(b).unwrap().tags, ["Priority"]);
    assert_eq!(h.tags().unwrap().len(), 1);
    assert_eq!(h.delete_tag("PRIORITY").unwrap(), 2);
    assert!(h.get(a).unwrap().tags.is_empty() && h.get(b).unwrap().tags.is_empty());
    assert!(matches!(
        h.rename_tag("nothing", "x"),
        Err(HistoryError::TagNotFound(_))
    ));
    assert!(matches!(
        h.delete_tag("nothing"),
        Err(HistoryError::TagNotFound(_))
    ));
    assert_eq!(h.integrity_check().unwrap(), "ok");
}

#[test]
fn bad_input_is_refused_in_plain_words_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let h = History::open_in_dir_with_clock(dir.path(), clock()).unwrap();
    let a = placed(&h, SF, "one");
    h.add_tag(a, "kept").unwrap();
    let before = h.get(a).unwrap();
    for e in [
        h.add_tag(a, "   ").unwrap_err(),
        h.add_tag(a, &"x".repeat(41)).unwrap_err(),
        h.set_note(a, &"n".repeat(20_001)).unwrap_err(),
        h.set_contact("not a number", "Name").unwrap_err(),
        h.set_contact(SF, "").unwrap_err(),
    ] {
        assert!(matches!(e, HistoryError::InvalidInput(_)), "{e:?}");
        let text = e.to_string();
        assert!(text.len() > 20 && !text.contains("rusqlite"), "{text}");
    }
    assert!(matches!(
        h.set_outcome(999, None),
        Err(HistoryError::NotFound(999))
    ));
    for i in 0..19 {
        h.add_tag(a, &format!("t{i}")).unwrap();
    }
    assert!(matches!(
        h.add_tag(a, "one too many"),
        Err(HistoryError::InvalidInput(_))
    ));
    assert_eq!(h.get(a).unwrap().tags.len(), 20);
    assert_eq!(before.note, h.get(a).unwrap().note);
}

#[test]
fn contacts_list_their_calls_and_follow_ups_come_soonest_first() {
    let dir = tempfile::tempdir().unwrap();
    let h = History::open_in_dir_with_clock(dir.path(), clock()).unwrap();
    let a = placed(&h, SF, "one");
    let b = placed(&h, SF, "two");
    let n = placed(&h, NY, "three");
    h.set_contact("+1 415 555 2671", "Luigi").unwrap();
    h.set_contact(NY, "Ada").unwrap();
    let contacts = h.contacts().unwrap();
    assert_eq!(
        contacts
            .iter()
            .map(|c| (c.name.as_str(), c.phone_e164.as_str(), c.calls))
            .collect::<Vec<_>>(),
        [("Ada", NY, 1), ("Luigi", SF, 2)]
    );
    assert_eq!(h.contact(SF).unwrap().unwrap().name, "Luigi");
    h.set_follow_up(b, Some(FollowUp::parse("2026-12-03").unwrap()))
        .unwrap();
    h.set_follow_up(n, Some(FollowUp::parse("2026-12-01 16:00").unwrap()))
        .unwrap();
    h.set_follow_up(a, Some(FollowUp::parse("2026-12-01").unwrap()))
        .unwrap();
    assert_eq!(ids(&h.follow_ups().unwrap()), [a, n, b]);
}
