//! `Calls` against the simulator over real loopback HTTP, with the history in a real SQLite file:
//! invalid input sends nothing and writes nothing; a duplicate within the window is refused
//! unless forced; a creation that may have reached the service becomes `unknown_outcome` and is
//! never re-sent; a refusal becomes `not_placed`; cancel works while pending and is refused
//! (`NotCancellable`) once the call is in progress; an unknown outcome can be resolved by linking
//! the task id the user found, never by placing the call again.
//!
//! The simulator's counters (`stats()`, counted when a request arrives) are the witness for
//! "nothing was sent" and "sent once".

use std::sync::Arc;
use std::time::Duration;

use missioncall_core::call::{Origin, Tracking};
use missioncall_core::calls::{
    CallRequest, Calls, CONFIRMATION_TTL, DUPLICATE_WINDOW, MAX_TASK_CHARS,
};
use missioncall_core::clock::Clock;
use missioncall_core::history::{History, HistoryFilter};
use missioncall_core::Error;
use tempfile::TempDir;
use workapi::{ApiKey, Client, RetryPolicy};
use workapi_sim::{Fault, FaultKind, RetryAfter, Route, Sim, SimConfig, SimHandle, DEMO_KEY};

const SF: &str = "+14155552671";
const LONDON: &str = "+442071838750";
const MISSION: &str = "Ask whether my dry cleaning is ready for pickup";

struct Env {
    sim: SimHandle,
    _dir: TempDir,
    history: Arc<History>,
    calls: Calls,
}

fn client(base: &str, key: &str, timeout: Duration) -> Client {
    Client::builder(ApiKey::new(key).unwrap())
        .base_url(base)
        .timeout(timeout)
        .retry_policy(RetryPolicy {
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(40),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

/// A slow simulator (tasks stay `pending` unless a test moves them) and a fresh history.
async fn env() -> Env {
    env_with_key(DEMO_KEY).await
}

async fn env_with_key(key: &str) -> Env {
    let sim = Sim::start(SimConfig {
        speed: 0.01,
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let history = Arc::new(History::open_in_dir(dir.path()).unwrap());
    let calls = Calls::real(
        history.clone(),
        client(&sim.base_url(), key, Duration::from_millis(600)),
    );
    Env {
        sim,
        _dir: dir,
        history,
        calls,
    }
}

fn req<'a>(number: &'a str, task: &'a str) -> CallRequest<'a> {
    CallRequest {
        number,
        region: None,
        task,
        force: false,
    }
}

fn rows(h: &History) -> u64 {
    h.count(&HistoryFilter::default()).unwrap()
}

#[tokio::test]
async fn a_call_is_placed_once_and_recorded() {
    let e = env().await;
    let rec = e.calls.place(&req(SF, MISSION)).await.unwrap();
    let task_id = rec.task_id.clone().expect("task id recorded");
    assert_eq!(rec.status.word(), "pending");
    assert_eq!(rec.phone_e164, SF);
    assert_eq!(rec.task, MISSION);
    assert_eq!(rec.task_number, Some(1));
    assert_eq!(rec.origin.as_str(), e.sim.base_url());
    assert!(!rec.demo);
    assert_eq!(e.sim.task_ids(), vec![task_id.clone()]);
    assert_eq!(
        e.history.get_by_task_id(&task_id).unwrap().unwrap().id,
        rec.id
    );
    let seen: Vec<_> = e
        .history
        .timeline(rec.id)
        .unwrap()
        .into_iter()
        .map(|t| t.status.word().to_owned())
        .collect();
    assert_eq!(seen, ["sending", "pending"]);
    assert_eq!(e.sim.stats().creates, 1);
}

#[tokio::test]
async fn a_national_number_with_its_region_is_sent_in_e164() {
    let e = env().await;
    let rec = e
        .calls
        .place(&CallRequest {
            number: "020 7183 8750",
            region: Some("GB"),
            task: "  Book a table for two at 8pm  ",
            force: false,
        })
        .await
        .unwrap();
    assert_eq!(rec.phone_e164, LONDON);
    assert_eq!(rec.phone_region.as_deref(), Some("GB"));
    assert_eq!(rec.task, "Book a table for two at 8pm", "sent trimmed");
    let sent = e.sim.task(rec.task_id.as_deref().unwrap()).unwrap();
    assert_eq!(sent.task_data.phone_number, LONDON);
    assert_eq!(sent.task_data.task, "Book a table for two at 8pm");
}

#[tokio::test]
async fn invalid_input_sends_nothing_and_writes_nothing() {
    let e = env().await;
    let too_long = "a".repeat(4001);
    for (number, region, task) in [
        ("", None, MISSION),
        ("12345", None, MISSION),
        ("020 7183 8750", None, MISSION),
        ("+1 415", None, MISSION),
        ("+999 123456789", None, MISSION),
        ("not a number", Some("US"), MISSION),
        (SF, None, ""),
        (SF, None, " \n\t "),
        (SF, None, too_long.as_str()),
    ] {
        let r = e
            .calls
            .place(&CallRequest {
                number,
                region,
                task,
                force: true,
            })
            .await;
        match r {
            Err(Error::InvalidPhone(_)) | Err(Error::InvalidTask { .. }) => {}
            other => panic!("{number:?}/{} chars: {other:?}", task.len()),
        }
    }
    let s = e.sim.stats();
    assert_eq!(
        (s.creates, s.gets, s.cancels),
        (0, 0, 0),
        "nothing was sent"
    );
    assert_eq!(rows(&e.history), 0, "nothing was written");
}

#[tokio::test]
async fn a_task_of_exactly_the_limit_is_placed() {
    let e = env().await;
    let longest = "a".repeat(MAX_TASK_CHARS);
    let rec = e.calls.place(&req(SF, &longest)).await.unwrap();
    assert_eq!(rec.task.chars().count(), MAX_TASK_CHARS);
    let sent = e.sim.task(rec.task_id.as_deref().unwrap()).unwrap();
    assert_eq!(sent.task_data.task, longest, "sent whole");
    assert_eq!(e.sim.stats().creates, 1);
}

#[tokio::test]
async fn calls_to_the_simulator_are_demo_calls_and_calls_to_a_service_are_not() {
    let e = env().await;
    assert!(!e.calls.demo());
    assert_eq!(e.calls.origin().as_str(), e.sim.base_url());
    let demo = Calls::new(e.history.clone(), e.calls.client().clone(), Origin::Demo);
    assert!(demo.demo());
    // And the calls it places are recorded as demo calls.
    let rec = demo.place(&req(SF, MISSION)).await.unwrap();
    assert!(rec.demo);
    assert_eq!(rec.origin, Origin::Demo);
}

#[tokio::test]
async fn a_duplicate_within_the_window_is_refused_unless_forced() {
    assert_eq!(DUPLICATE_WINDOW, Duration::from_secs(600));
    let e = env().await;
    let first = e.calls.place(&req(SF, MISSION)).await.unwrap();

    // The same number typed differently, the same task with other blanks: still a duplicate.
    for (number, task) in [
        (SF, MISSION),
        ("+1 (415) 555-2671", MISSION),
        (SF, &format!("  {MISSION}\n") as &str),
    ] {
        match e.calls.place(&req(number, task)).await {
            Err(Error::Duplicate {
                existing_id,
                minutes,
            }) => {
                assert_eq!(existing_id, first.id);
                assert_eq!(minutes, 0);
            }
            other => panic!("{number:?}: {other:?}"),
        }
    }
    assert_eq!(
        e.sim.stats().creates,
        1,
        "a refused duplicate sends nothing"
    );
    assert_eq!(rows(&e.history), 1, "and writes nothing");

    // Another task or another number is not a duplicate.
    e.calls
        .place(&req(SF, "Ask about Sunday opening hours"))
        .await
        .unwrap();
    e.calls.place(&req(LONDON, MISSION)).await.unwrap();
    assert_eq!(e.sim.stats().creates, 3);

    // Forced: a second real call, recorded as its own row with its own task.
    let second = e
        .calls
        .place(&CallRequest {
            force: true,
            ..req(SF, MISSION)
        })
        .await
        .unwrap();
    assert_ne!(second.id, first.id);
    assert_ne!(second.task_id, first.task_id);
    assert_eq!(e.sim.stats().creates, 4);
    assert_eq!(e.sim.task_count(), 4);
}

#[tokio::test]
async fn a_create_that_hangs_is_an_unknown_outcome_and_is_not_sent_again() {
    let e = env().await;
    e.sim.inject(Fault::new(FaultKind::Hang).on(Route::Create));
    let call_id = match e.calls.place(&req(SF, MISSION)).await {
        Err(Error::UnknownOutcome { call_id, detail }) => {
            assert!(detail.contains("timed out"), "{detail}");
            call_id
        }
        other => panic!("{other:?}"),
    };
    let row = e.history.get(call_id).unwrap();
    assert_eq!(row.status.word(), "unknown_outcome");
    assert_eq!(row.task_id, None);
    assert!(row.error.is_some_and(|m| m.contains("not sent again")));
    // Retries happen inside place(), which has returned: the count is final.
    let s = e.sim.stats();
    assert_eq!(
        (s.creates, s.tasks_created),
        (1, 1),
        "sent once; the service did create it"
    );

    // Asking again is a duplicate (the first may have been placed): still nothing sent.
    assert!(matches!(
        e.calls.place(&req(SF, MISSION)).await,
        Err(Error::Duplicate { existing_id, .. }) if existing_id == call_id
    ));
    assert_eq!(e.sim.stats().creates, 1);
    // It is not followed, and it cannot be cancelled or checked: there is no task id.
    assert!(e.history.live().unwrap().is_empty());
    assert!(matches!(
        e.calls.cancel(call_id).await,
        Err(Error::NoTask { .. })
    ));
    assert!(matches!(
        e.calls.refresh(call_id).await,
        Err(Error::NoTask { .. })
    ));
}

#[tokio::test]
async fn every_answer_that_may_hide_a_created_task_is_an_unknown_outcome() {
    for kind in [
        FaultKind::InternalError,
        FaultKind::Unavailable,
        FaultKind::Drop,
        FaultKind::Garbage,
    ] {
        let e = env().await;
        e.sim.inject(Fault::new(kind).on(Route::Create));
        let call_id = match e.calls.place(&req(SF, MISSION)).await {
            Err(Error::UnknownOutcome { call_id, .. }) => call_id,
            other => panic!("{kind:?}: {other:?}"),
        };
        assert_eq!(
            e.history.get(call_id).unwrap().status.word(),
            "unknown_outcome"
        );
        assert_eq!(e.sim.stats().creates, 1, "{kind:?}");
    }
}

#[tokio::test]
async fn an_unknown_outcome_is_resolved_by_linking_the_task_the_user_found() {
    let e = env().await;
    e.sim.inject(Fault::new(FaultKind::Drop).on(Route::Create));
    let call_id = match e.calls.place(&req(SF, MISSION)).await {
        Err(Error::UnknownOutcome { call_id, .. }) => call_id,
        other => panic!("{other:?}"),
    };
    let found = e.sim.task_ids();
    assert_eq!(found.len(), 1, "the service did create it");

    // A task for another number is refused.
    let other = e.calls.place(&req(LONDON, MISSION)).await.unwrap();
    let other_task = other.task_id.clone().unwrap();
    assert!(matches!(
        e.calls.check_unknown_outcome(call_id, &other_task).await,
        Err(Error::TaskAlreadyKnown { other_id, .. }) if other_id == other.id
    ));

    let linked = e
        .calls
        .check_unknown_outcome(call_id, &found[0])
        .await
        .unwrap();
    assert_eq!(linked.task_id.as_deref(), Some(found[0].as_str()));
    assert_eq!(linked.status.word(), "pending");
    assert_eq!(linked.error, None);
    assert_eq!(e.history.live().unwrap().len(), 2);
    assert_eq!(e.sim.stats().creates, 2, "linking never places a call");
}

#[tokio::test]
async fn only_an_unknown_outcome_can_be_dismissed_as_not_placed() {
    let e = env().await;
    e.sim.inject(Fault::new(FaultKind::Drop).on(Route::Create));
    let unknown = match e.calls.place(&req(SF, MISSION)).await {
        Err(Error::UnknownOutcome { call_id, .. }) => call_id,
        other => panic!("{other:?}"),
    };
    let placed = e.calls.place(&req(LONDON, MISSION)).await.unwrap();

    // A placed call cannot be declared "no call was made", and is left as it was.
    let err = e.calls.dismiss_unknown_outcome(placed.id).unwrap_err();
    assert!(
        matches!(err, Error::NotUnknownOutcome { ref status_words } if status_words == "waiting for an agent"),
        "{err:?}"
    );
    assert_eq!(e.history.get(placed.id).unwrap(), placed);

    // The unknown outcome can, once; then it is no longer an unknown outcome.
    let dismissed = e.calls.dismiss_unknown_outcome(unknown).unwrap();
    assert_eq!(dismissed.status.word(), "not_placed");
    assert_eq!(dismissed.task_id, None);
    let err = e.calls.dismiss_unknown_outcome(unknown).unwrap_err();
    assert!(matches!(err, Error::NotUnknownOutcome { .. }), "{err:?}");
    assert_eq!(e.sim.stats().creates, 2, "dismissing sends nothing");
}

#[tokio::test]
async fn a_rejected_key_is_not_placed() {
    let e = env_with_key("sk_live_a_key_the_service_rejects").await;
    let err = e.calls.place(&req(SF, MISSION)).await.unwrap_err();
    assert!(
        matches!(err, Error::Api(workapi::Error::Unauthorized)),
        "{err:?}"
    );
    let rows = e.history.list(&HistoryFilter::default()).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status.word(), "not_placed");
    assert_eq!(rows[0].task_id, None);
    assert!(rows[0]
        .error
        .as_deref()
        .is_some_and(|m| m.contains("key was rejected")));
    assert_eq!(e.sim.stats().tasks_created, 0);

    // Not placed is no duplicate: the same call may be asked for again at once.
    let again = e.calls.place(&req(SF, MISSION)).await.unwrap_err();
    assert!(matches!(again, Error::Api(workapi::Error::Unauthorized)));
    assert_eq!(e.sim.stats().creates, 2);
}

#[tokio::test]
async fn refusals_and_unreachable_services_are_not_placed() {
    let e = env().await;
    // Still rate-limited after the client's own waiting: the service refused it.
    e.sim.inject(
        Fault::new(FaultKind::RateLimited {
            retry_after: RetryAfter::Seconds(3600),
        })
        .on(Route::Create),
    );
    let err = e.calls.place(&req(SF, MISSION)).await.unwrap_err();
    assert!(
        matches!(err, Error::Api(workapi::Error::RateLimited { .. })),
        "{err:?}"
    );

    // Nothing listening: nothing was sent.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    let base = format!("http://127.0.0.1:{port}{}", workapi_sim::BASE_PATH);
    let nowhere = Calls::real(
        e.history.clone(),
        client(&base, DEMO_KEY, Duration::from_secs(2)),
    );
    let err = nowhere.place(&req(LONDON, MISSION)).await.unwrap_err();
    assert!(
        matches!(err, Error::Api(workapi::Error::Connect { .. })),
        "{err:?}"
    );

    let statuses: Vec<_> = e
        .history
        .list(&HistoryFilter::default())
        .unwrap()
        .into_iter()
        .map(|r| (r.status.word().to_owned(), r.task_id))
        .collect();
    assert_eq!(
        statuses,
        [
            ("not_placed".to_owned(), None),
            ("not_placed".to_owned(), None)
        ]
    );
    assert_eq!(e.sim.stats().tasks_created, 0);
}

#[tokio::test]
async fn cancel_while_pending_works_and_is_refused_once_in_progress() {
    let e = env().await;
    let rec = e.calls.place(&req(SF, MISSION)).await.unwrap();
    let cancelled = e.calls.cancel(rec.id).await.unwrap();
    assert_eq!(cancelled.status.word(), "cancelled");
    assert_eq!(
        e.sim.task(rec.task_id.as_deref().unwrap()).unwrap().status,
        "cancelled"
    );
    assert!(e.history.live().unwrap().is_empty());

    let rec = e.calls.place(&req(LONDON, MISSION)).await.unwrap();
    let task_id = rec.task_id.clone().unwrap();
    assert!(e.sim.force_status(&task_id, "accepted"));
    assert_eq!(
        e.calls.cancel(rec.id).await.unwrap().status.word(),
        "cancelled"
    );

    let rec = e
        .calls
        .place(&req(SF, "Ask when the pharmacy closes"))
        .await
        .unwrap();
    let task_id = rec.task_id.clone().unwrap();
    assert!(e.sim.force_status(&task_id, "in_progress"));
    match e.calls.cancel(rec.id).await {
        Err(Error::NotCancellable { status_words }) => {
            assert_eq!(status_words, "on the call")
        }
        other => panic!("{other:?}"),
    }
    // The refusal taught the history the current status; the service still has the task.
    assert_eq!(e.history.get(rec.id).unwrap().status.word(), "in_progress");
    assert_eq!(e.sim.task(&task_id).unwrap().status.as_str(), "in_progress");
}

#[tokio::test]
async fn refresh_records_what_the_service_says() {
    let e = env().await;
    let rec = e.calls.place(&req(SF, MISSION)).await.unwrap();
    let task_id = rec.task_id.clone().unwrap();
    assert!(e.sim.force_status(&task_id, "completed"));
    let now = e.calls.refresh(rec.id).await.unwrap();
    assert_eq!(now.status.word(), "completed");
    assert!(now.transcript.is_some_and(|t| !t.is_empty()));
    assert!(now.summary.is_some_and(|s| !s.is_empty()));

    let (task, known) = e.calls.status_by_task_id(&task_id).await.unwrap();
    assert_eq!(task.status.as_str(), "completed");
    assert_eq!(known.map(|k| k.id), Some(rec.id));
    assert!(e.calls.status_by_task_id("no such id").await.is_err());
}

#[tokio::test]
async fn refreshing_a_call_no_longer_followed_follows_it_again() {
    let e = env().await;
    let rec = e.calls.place(&req(SF, MISSION)).await.unwrap();
    e.history
        .set_tracking(rec.id, Tracking::GivenUp, Some("no longer checked"))
        .unwrap();
    assert!(e.history.live().unwrap().is_empty());

    let now = e.calls.refresh(rec.id).await.unwrap();
    assert_eq!(now.tracking, Tracking::Following);
    assert_eq!(now.error, None, "the reason it was dropped is gone");
    let live: Vec<i64> = e.history.live().unwrap().iter().map(|r| r.id).collect();
    assert_eq!(live, [rec.id], "the tracker will pick it up again");

    // A call still followed keeps what it shows.
    e.history.set_error(rec.id, Some("a note")).unwrap();
    let again = e.calls.refresh(rec.id).await.unwrap();
    assert_eq!(again.tracking, Tracking::Following);
    assert_eq!(again.error.as_deref(), Some("a note"));
    assert_eq!(e.sim.stats().gets, 2);
}

/// A call is placed only with a confirmation the backend issued: once, before it expires, for
/// the origin that issued it. Anything else sends nothing and writes nothing.
#[tokio::test]
async fn placing_needs_a_fresh_one_use_confirmation_of_this_origin() {
    let sim = Sim::start(SimConfig {
        speed: 0.01,
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = missioncall_core::clock::ManualClock::fixed();
    let history = Arc::new(History::open_in_dir_with_clock(dir.path(), clock.clone()).unwrap());
    let calls = Calls::real(
        history.clone(),
        client(&sim.base_url(), DEMO_KEY, Duration::from_secs(2)),
    );

    // Never issued.
    let err = calls.place_confirmed("0123456789abcdef").await.unwrap_err();
    assert!(matches!(err, Error::NotConfirmed), "{err:?}");

    // Issued: it shows exactly what will be sent, and works once.
    let c = calls.confirm(&req("020 7183 8750", MISSION)).unwrap_err();
    assert!(
        matches!(c, Error::InvalidPhone(_)),
        "a national number needs its region"
    );
    let c = calls
        .confirm(&CallRequest {
            number: "020 7183 8750",
            region: Some("GB"),
            task: &format!("  {MISSION}  "),
            force: false,
        })
        .unwrap();
    assert_eq!((c.phone.e164.as_str(), c.task.as_str()), (LONDON, MISSION));
    assert_eq!(rows(&history), 0, "confirming writes nothing");
    assert_eq!(sim.stats().creates, 0, "confirming sends nothing");
    let rec = calls.place_confirmed(&c.token).await.unwrap();
    assert_eq!(rec.phone_e164, LONDON);
    let again = calls.place_confirmed(&c.token).await.unwrap_err();
    assert!(matches!(again, Error::NotConfirmed), "{again:?}");
    assert_eq!(sim.stats().creates, 1);

    // A duplicate needs its own confirmation with force.
    let dup = calls.confirm(&req(LONDON, MISSION)).unwrap_err();
    assert!(matches!(dup, Error::Duplicate { .. }), "{dup:?}");
    let forced = calls
        .confirm(&CallRequest {
            force: true,
            ..req(LONDON, MISSION)
        })
        .unwrap();
    assert!(forced.force);

    // Another origin's calls do not know this origin's tokens.
    let other = Calls::new(
        history.clone(),
        client(&sim.base_url(), DEMO_KEY, Duration::from_secs(2)),
        Origin::Demo,
    );
    let err = other.place_confirmed(&forced.token).await.unwrap_err();
    assert!(matches!(err, Error::NotConfirmed), "{err:?}");
    assert_eq!(sim.stats().creates, 1, "nothing more was sent");
    assert_eq!(rows(&history), 1);

    // The forced one still works where it was issued.
    calls.place_confirmed(&forced.token).await.unwrap();
    assert_eq!(sim.stats().creates, 2);

    // Expired: five minutes is the limit.
    let late = calls.confirm(&req(SF, MISSION)).unwrap();
    clock.advance(chrono::Duration::minutes(5));
    let err = calls.place_confirmed(&late.token).await.unwrap_err();
    assert!(matches!(err, Error::NotConfirmed), "{err:?}");

    assert_eq!(sim.stats().creates, 2, "nothing sent after expiry");
}

/// A confirmation lasts five minutes by the history's clock: a second before, it still places
/// the call (whatever was confirmed meanwhile); at five minutes, it no longer does.
#[tokio::test]
async fn a_confirmation_works_for_five_minutes_and_not_longer() {
    let sim = Sim::start(SimConfig {
        speed: 0.01,
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = missioncall_core::clock::ManualClock::fixed();
    let history = Arc::new(History::open_in_dir_with_clock(dir.path(), clock.clone()).unwrap());
    let calls = Calls::real(
        history.clone(),
        client(&sim.base_url(), DEMO_KEY, Duration::from_secs(2)),
    );
    assert_eq!(CONFIRMATION_TTL, Duration::from_secs(300));

    let c = calls.confirm(&req(SF, MISSION)).unwrap();
    assert_eq!(c.expires_at, clock.now() + chrono::Duration::minutes(5));
    clock.advance(chrono::Duration::seconds(299));
    // Another confirmation meanwhile (a second window, say) leaves the first one standing.
    let other = calls
        .confirm(&req(SF, "Ask about the opening hours"))
        .unwrap();
    let rec = calls.place_confirmed(&c.token).await.unwrap();
    assert_eq!(rec.task, MISSION);
    calls.place_confirmed(&other.token).await.unwrap();
    assert_eq!(sim.stats().creates, 2);

    let c = calls.confirm(&req(LONDON, MISSION)).unwrap();
    clock.advance(chrono::Duration::seconds(300));
    let err = calls.place_confirmed(&c.token).await.unwrap_err();
    assert!(matches!(err, Error::NotConfirmed), "{err:?}");
    assert_eq!(sim.stats().creates, 2, "nothing sent once expired");
    assert_eq!(rows(&history), 2);
}
