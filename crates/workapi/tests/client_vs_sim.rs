//! The client against the simulator over real loopback HTTP: every answer the contract names
//! (happy paths, each error code, the three error-body shapes, `Retry-After` in seconds and as
//! an HTTP-date) and every failure the retry policy must tell apart (a GET retried through 5xx,
//! hangs and drops; a creation NEVER re-sent once it may have reached the service; a creation
//! retried only after a 429 or when nothing was sent).
//!
//! Request counts come from the simulator's own counters (`stats()`, counted on arrival), so
//! "not retried" is checked where it matters: at the server. Timing is measured only where a
//! wait is the behaviour under test, and then only as a lower bound.

use std::net::{Ipv4Addr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use workapi::{ApiKey, Client, Error, NewTask, RetryPolicy, TaskId, TaskStatus};
use workapi_sim::{
    ErrorShape, Fault, FaultKind, RateLimit, RetryAfter, Route, Sim, SimConfig, SimHandle, DEMO_KEY,
};

const PHONE: &str = "+14155552671";
const MISSION: &str = "Ask whether the blue bicycle is still for sale";

/// A simulator that never rate-limits on its own (faults decide), with the lifecycle slowed
/// down so that a task stays `pending` for the whole test unless a test moves it.
async fn sim() -> SimHandle {
    sim_with(SimConfig::default()).await
}

async fn sim_with(cfg: SimConfig) -> SimHandle {
    Sim::start(SimConfig {
        rate_limit: None,
        speed: 0.01,
        ..cfg
    })
    .await
    .expect("simulator starts")
}

/// Fast retries, so the tests that go through several retries stay quick.
fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        ..RetryPolicy::default()
    }
}

fn client_for(base: &str, key: &str) -> Client {
    Client::builder(ApiKey::new(key).unwrap())
        .base_url(base)
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}

fn client(sim: &SimHandle) -> Client {
    client_for(&sim.base_url(), DEMO_KEY)
}

fn new_task() -> NewTask {
    NewTask::new(PHONE, MISSION)
}

/// The message a user would see is prose, not a dump of the wire.
fn assert_plain(e: &Error) {
    let shown = e.to_string();
    assert!(!shown.is_empty());
    for raw in ["{", "}", "\"code\"", "\"error\"", "<html"] {
        assert!(
            !shown.contains(raw),
            "message shows raw wire text {raw:?}: {shown}"
        );
    }
}

/// A port on loopback with nothing listening (bound, then closed).
fn closed_port() -> u16 {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    port
}

fn base_on_port(port: u16) -> String {
    format!("http://127.0.0.1:{port}{}", workapi_sim::BASE_PATH)
}

// ---------------------------------------------------------------- happy paths

#[tokio::test]
async fn create_get_cancel_round_trip() {
    let sim = sim().await;
    let c = client(&sim);

    let created = c.tasks().create(&new_task()).await.unwrap();
    assert_eq!(created.status, TaskStatus::Pending);
    assert_eq!(created.number, Some(1));
    assert!(created.result.is_none());
    let data = created.data.as_ref().expect("task_data echoed");
    assert_eq!(data["phone_number"], PHONE);
    assert_eq!(data["task"], MISSION);

    let read = c.tasks().get(&created.id).await.unwrap();
    assert_eq!(read.id, created.id);
    assert_eq!(read.status, TaskStatus::Pending);

    let cancelled = c.tasks().cancel(&created.id).await.unwrap();
    assert_eq!(cancelled.id, created.id);
    assert_eq!(cancelled.status, TaskStatus::Cancelled);

    let s = sim.stats();
    assert_eq!(
        (s.creates, s.gets, s.cancels, s.tasks_created),
        (1, 1, 1, 1)
    );
}

#[tokio::test]
async fn a_completed_task_carries_transcript_and_summary() {
    let sim = Sim::start(SimConfig {
        rate_limit: None,
        speed: 1000.0,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let c = client(&sim);
    let created = c.tasks().create(&new_task()).await.unwrap();
    // At speed 1000 the whole lifecycle takes milliseconds: ask until it is done.
    let deadline = Instant::now() + Duration::from_secs(5);
    let done = loop {
        let t = c.tasks().get(&created.id).await.unwrap();
        if t.status == TaskStatus::Completed || Instant::now() > deadline {
            break t;
        }
        tokio::task::yield_now().await;
    };
    assert_eq!(done.status, TaskStatus::Completed);
    let r = done.result.expect("result_data once completed");
    assert!(r.transcript.is_some_and(|t| !t.trim().is_empty()));
    assert!(r.summary.is_some_and(|s| !s.trim().is_empty()));
}

// ---------------------------------------------------------------- error codes

#[tokio::test]
async fn each_validation_error_is_a_validation_error_naming_the_field() {
    let sim = sim().await;
    let c = client(&sim);
    let long = "x".repeat(workapi_sim::MAX_TASK_CHARS + 1);
    let cases: &[(&str, &str, &str)] = &[
        ("4155552671", MISSION, "phone_number"),
        ("+1415555", MISSION, "phone_number"),
        ("+1 415 555 2671", MISSION, "phone_number"),
        ("+04155552671", MISSION, "phone_number"),
        ("", MISSION, "phone_number"),
        (PHONE, "", "task"),
        (PHONE, "   \n\t", "task"),
        (PHONE, &long, "task"),
    ];
    for (phone, task, field) in cases {
        let e = c
            .tasks()
            .create(&NewTask::new(*phone, *task))
            .await
            .unwrap_err();
        match &e {
            Error::Validation { message } => {
                assert!(message.contains(field), "{phone:?}: {message}")
            }
            other => panic!("{phone:?}/{} chars: {other:?}", task.len()),
        }
        assert!(!e.outcome_unknown() && !e.nothing_was_sent());
        assert_plain(&e);
    }
    let s = sim.stats();
    assert_eq!(s.creates, cases.len() as u64, "a 400 is final: not retried");
    assert_eq!(s.tasks_created, 0);
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_server_error_with_its_status() {
    let sim = sim_with(SimConfig {
        max_body_bytes: 1024,
        ..SimConfig::default()
    })
    .await;
    let e = client(&sim)
        .tasks()
        .create(&NewTask::new(PHONE, "y".repeat(2000)))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Server { status: 413, .. }), "{e:?}");
    assert_plain(&e);
    assert_eq!(sim.stats().creates, 1);
}

#[tokio::test]
async fn a_rejected_key_is_unauthorized() {
    let sim = sim().await;
    let c = client_for(&sim.base_url(), "sk_live_not_a_key_the_sim_knows");
    let e = c.tasks().create(&new_task()).await.unwrap_err();
    assert!(matches!(e, Error::Unauthorized), "{e:?}");
    assert_plain(&e);
    let id = TaskId::parse("65abc123def4567890abcdef").unwrap();
    let e = c.tasks().get(&id).await.unwrap_err();
    assert!(matches!(e, Error::Unauthorized), "{e:?}");
    let s = sim.stats();
    assert_eq!(
        (s.creates, s.gets, s.tasks_created),
        (1, 1, 0),
        "401 is final"
    );
}

#[tokio::test]
async fn a_key_without_the_service_is_forbidden() {
    let sim = sim_with(SimConfig {
        forbidden_keys: vec!["sk_live_forbidden_0001".into()],
        ..SimConfig::default()
    })
    .await;
    let e = client_for(&sim.base_url(), "sk_live_forbidden_0001")
        .tasks()
        .create(&new_task())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden), "{e:?}");
    assert_plain(&e);
    assert_eq!(sim.stats().creates, 1);
    assert_eq!(sim.stats().tasks_created, 0);
}

#[tokio::test]
async fn an_unknown_task_is_not_found() {
    let sim = sim().await;
    let c = client(&sim);
    let id = TaskId::parse("65abc123def4567890abcdef").unwrap();
    let e = c.tasks().get(&id).await.unwrap_err();
    assert!(matches!(e, Error::NotFound), "{e:?}");
    assert_plain(&e);
    let e = c.tasks().cancel(&id).await.unwrap_err();
    assert!(matches!(e, Error::NotFound), "{e:?}");
    let s = sim.stats();
    assert_eq!((s.gets, s.cancels), (1, 1), "404 is final");

    // A task of another key is just as invisible.
    let other = sim_with(SimConfig {
        keys: vec![DEMO_KEY.into(), "sk_live_other_merchant".into()],
        ..SimConfig::default()
    })
    .await;
    let mine = client(&other).tasks().create(&new_task()).await.unwrap();
    let e = client_for(&other.base_url(), "sk_live_other_merchant")
        .tasks()
        .get(&mine.id)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound), "{e:?}");
}

#[tokio::test]
async fn cancel_once_in_progress_is_invalid_status() {
    let sim = sim().await;
    let c = client(&sim);
    let t = c.tasks().create(&new_task()).await.unwrap();
    assert!(sim.force_status(t.id.as_str(), "in_progress"));
    let e = c.tasks().cancel(&t.id).await.unwrap_err();
    match &e {
        Error::InvalidStatus { message } => assert!(message.contains("in_progress"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert_plain(&e);
    assert_eq!(sim.stats().cancels, 1, "a 409 is final");
    assert_eq!(sim.task(t.id.as_str()).unwrap().status, "in_progress");

    // Accepted can still be cancelled; a cancelled task cannot be cancelled again.
    let t = c.tasks().create(&new_task()).await.unwrap();
    assert!(sim.force_status(t.id.as_str(), "accepted"));
    assert_eq!(
        c.tasks().cancel(&t.id).await.unwrap().status,
        TaskStatus::Cancelled
    );
    let e = c.tasks().cancel(&t.id).await.unwrap_err();
    assert!(matches!(e, Error::InvalidStatus { .. }), "{e:?}");
}

#[tokio::test]
async fn rate_limited_with_a_long_wait_is_left_to_the_caller() {
    // The sim's own limiter: 2 requests a minute, so the third is told to wait up to 60 s,
    // longer than the client waits by itself (30 s): it reports instead of sleeping.
    let sim = Sim::start(SimConfig {
        speed: 0.01,
        rate_limit: Some(RateLimit {
            requests: 2,
            window: Duration::from_secs(60),
        }),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let c = client(&sim);
    c.tasks().create(&new_task()).await.unwrap();
    c.tasks().create(&new_task()).await.unwrap();
    let started = Instant::now();
    let e = c.tasks().create(&new_task()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "did not sleep");
    match &e {
        Error::RateLimited {
            retry_after: Some(wait),
        } => assert!(
            *wait > Duration::from_secs(30) && *wait <= Duration::from_secs(60),
            "{wait:?}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("it asked to wait"), "{e}");
    assert_plain(&e);
    let s = sim.stats();
    assert_eq!((s.creates, s.tasks_created), (3, 2));
}

#[tokio::test]
async fn rate_limited_still_after_every_retry() {
    let sim = sim().await;
    let c = Client::builder(ApiKey::new(DEMO_KEY).unwrap())
        .base_url(sim.base_url())
        .retry_policy(RetryPolicy {
            max_retries: 1,
            ..fast_retries()
        })
        .build()
        .unwrap();
    sim.inject(
        Fault::new(FaultKind::RateLimited {
            retry_after: RetryAfter::Seconds(0),
        })
        .on(Route::Get)
        .times(5),
    );
    let id = TaskId::parse("65abc123def4567890abcdef").unwrap();
    let e = c.tasks().get(&id).await.unwrap_err();
    assert!(
        matches!(e, Error::RateLimited { retry_after: Some(d) } if d == Duration::ZERO),
        "{e:?}"
    );
    assert_eq!(sim.stats().gets, 2, "one try and one retry");
}

// ---------------------------------------------------------------- error-body shapes

#[tokio::test]
async fn all_three_error_body_shapes_give_the_same_errors() {
    let sim = sim().await;
    let c = client(&sim);
    for shape in [
        ErrorShape::Nested,
        ErrorShape::Flat,
        ErrorShape::ErrorString,
    ] {
        sim.set_error_shape(shape);

        let e = c
            .tasks()
            .create(&NewTask::new("0000", MISSION))
            .await
            .unwrap_err();
        match &e {
            Error::Validation { message } => assert!(
                message.contains("phone_number must be a valid phone number"),
                "{shape:?}: {message}"
            ),
            other => panic!("{shape:?}: {other:?}"),
        }
        assert_plain(&e);

        let t = c.tasks().create(&new_task()).await.unwrap();
        sim.force_status(t.id.as_str(), "completed");
        let e = c.tasks().cancel(&t.id).await.unwrap_err();
        match &e {
            Error::InvalidStatus { message } => {
                assert!(
                    message.contains("cannot be cancelled"),
                    "{shape:?}: {message}"
                )
            }
            other => panic!("{shape:?}: {other:?}"),
        }
        assert_plain(&e);

        let e = client_for(&sim.base_url(), "sk_live_wrong_key_1234")
            .tasks()
            .get(&t.id)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Unauthorized), "{shape:?}: {e:?}");
    }
}

#[tokio::test]
async fn an_unreadable_error_body_falls_back_to_the_status() {
    // 503 is an HTML page: no JSON at all. A GET retries it, then reports the status.
    let sim = sim().await;
    sim.inject(Fault::new(FaultKind::Unavailable).on(Route::Get).times(10));
    let id = TaskId::parse("65abc123def4567890abcdef").unwrap();
    let e = client(&sim).tasks().get(&id).await.unwrap_err();
    match &e {
        Error::Server { status, body } => {
            assert_eq!(*status, 503);
            assert!(body.contains("Service Unavailable"), "body kept: {body}");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("HTTP 503"), "{e}");
    assert_plain(&e);
    assert_eq!(sim.stats().gets, 1 + fast_retries().max_retries as u64);
}

// ---------------------------------------------------------------- Retry-After

async fn get_after_one_429(retry_after: RetryAfter) -> Duration {
    let sim = sim().await;
    let c = client(&sim);
    let t = c.tasks().create(&new_task()).await.unwrap();
    sim.inject(Fault::new(FaultKind::RateLimited { retry_after }).on(Route::Get));
    let started = Instant::now();
    let read = c.tasks().get(&t.id).await.expect("succeeds after the wait");
    let waited = started.elapsed();
    assert_eq!(read.id, t.id);
    assert_eq!(sim.stats().gets, 2, "the 429 and the retry");
    waited
}

#[tokio::test]
async fn retry_after_in_seconds_is_honoured() {
    let waited = get_after_one_429(RetryAfter::Seconds(1)).await;
    assert!(waited >= Duration::from_millis(950), "{waited:?}");
    assert!(waited < Duration::from_secs(4), "{waited:?}");
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    // An HTTP-date has whole seconds: "2 s from now" is 1 to 2 s away once truncated.
    let waited = get_after_one_429(RetryAfter::HttpDate(2)).await;
    assert!(waited >= Duration::from_millis(900), "{waited:?}");
    assert!(waited < Duration::from_secs(4), "{waited:?}");
}

#[tokio::test]
async fn a_429_on_create_is_retried_and_creates_exactly_one_task() {
    let sim = sim().await;
    sim.inject(
        Fault::new(FaultKind::RateLimited {
            retry_after: RetryAfter::Seconds(1),
        })
        .on(Route::Create),
    );
    let started = Instant::now();
    let t = client(&sim).tasks().create(&new_task()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(950));
    let s = sim.stats();
    assert_eq!((s.creates, s.tasks_created), (2, 1));
    assert_eq!(sim.task_ids(), vec![t.id.to_string()]);
}

#[tokio::test]
async fn a_retry_after_equal_to_the_longest_wait_is_still_waited_for() {
    // The limit is inclusive: a Retry-After of exactly `max_retry_after` is waited for inside
    // the request. With a limit of zero, "Retry-After: 0" is that boundary, and needs no wall
    // time.
    let sim = sim().await;
    let c = Client::builder(ApiKey::new(DEMO_KEY).unwrap())
        .base_url(sim.base_url())
        .retry_policy(RetryPolicy {
            max_retry_after: Duration::ZERO,
            ..fast_retries()
        })
        .build()
        .unwrap();
    let t = c.tasks().create(&new_task()).await.unwrap();
    sim.inject(
        Fault::new(FaultKind::RateLimited {
            retry_after: RetryAfter::Seconds(0),
        })
        .on(Route::Get),
    );
    let read = c.tasks().get(&t.id).await.expect("retried after the 429");
    assert_eq!(read.id, t.id);
    assert_eq!(sim.stats().gets, 2, "the 429 and the retry");
}

// ---------------------------------------------------------------- GET retries

#[tokio::test]
async fn a_get_is_retried_through_500_and_503() {
    let sim = sim().await;
    let c = client(&sim);
    let t = c.tasks().create(&new_task()).await.unwrap();
    sim.inject(Fault::new(FaultKind::InternalError).on(Route::Get));
    sim.inject(Fault::new(FaultKind::Unavailable).on(Route::Get));
    let read = c.tasks().get(&t.id).await.unwrap();
    assert_eq!(read.id, t.id);
    assert_eq!(sim.stats().gets, 3);
}

#[tokio::test]
async fn a_get_that_keeps_failing_stops_after_the_retries() {
    let sim = sim().await;
    sim.inject(
        Fault::new(FaultKind::InternalError)
            .on(Route::Get)
            .times(100),
    );
    let id = TaskId::parse("65abc123def4567890abcdef").unwrap();
    let e = client(&sim).tasks().get(&id).await.unwrap_err();
    assert!(matches!(e, Error::Server { status: 500, .. }), "{e:?}");
    assert_eq!(sim.stats().gets, 4);
}

#[tokio::test]
async fn a_get_is_retried_after_a_dropped_connection_and_a_hang() {
    let sim = sim().await;
    let c = Client::builder(ApiKey::new(DEMO_KEY).unwrap())
        .base_url(sim.base_url())
        .timeout(Duration::from_millis(400))
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let t = c.tasks().create(&new_task()).await.unwrap();
    sim.inject(Fault::new(FaultKind::Drop).on(Route::Get));
    sim.inject(Fault::new(FaultKind::Hang).on(Route::Get));
    let read = c.tasks().get(&t.id).await.unwrap();
    assert_eq!(read.id, t.id);
    assert_eq!(sim.stats().gets, 3);

    // With every try lost, a read reports a network failure (nothing changed), not "unknown".
    sim.inject(Fault::new(FaultKind::Drop).on(Route::Get).times(100));
    let e = c.tasks().get(&t.id).await.unwrap_err();
    assert!(matches!(e, Error::Network { .. }), "{e:?}");
    assert!(!e.outcome_unknown());
    assert_plain(&e);
}

#[tokio::test]
async fn a_zero_backoff_retries_at_once() {
    // A policy may ask for no wait between tries: the jittered wait is then zero, not a panic.
    let sim = sim().await;
    let c = Client::builder(ApiKey::new(DEMO_KEY).unwrap())
        .base_url(sim.base_url())
        .retry_policy(RetryPolicy {
            base_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
            ..fast_retries()
        })
        .build()
        .unwrap();
    let t = c.tasks().create(&new_task()).await.unwrap();
    sim.inject(Fault::new(FaultKind::InternalError).on(Route::Get).times(2));
    let read = c
        .tasks()
        .get(&t.id)
        .await
        .expect("the third try is answered");
    assert_eq!(read.id, t.id);
    assert_eq!(sim.stats().gets, 3);
}

#[tokio::test]
async fn a_client_without_retries_asks_once_whatever_happens() {
    // `RetryPolicy::none()` is what the tracker uses: it handles failures and rate limits
    // itself, so one request must be exactly one try.
    let sim = sim().await;
    let c = Client::builder(ApiKey::new(DEMO_KEY).unwrap())
        .base_url(sim.base_url())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let t = c.tasks().create(&new_task()).await.unwrap();
    sim.inject(
        Fault::new(FaultKind::InternalError)
            .on(Route::Get)
            .times(10),
    );
    let e = c.tasks().get(&t.id).await.unwrap_err();
    assert!(matches!(e, Error::Server { status: 500, .. }), "{e:?}");
    assert_eq!(sim.stats().gets, 1, "a 500 is not retried");
    sim.clear_faults();
    sim.inject(
        Fault::new(FaultKind::RateLimited {
            retry_after: RetryAfter::Seconds(0),
        })
        .on(Route::Get)
        .times(10),
    );
    let e = c.tasks().get(&t.id).await.unwrap_err();
    assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
    assert_eq!(sim.stats().gets, 2, "nor is a 429, however short its wait");
    sim.clear_faults();
    assert_eq!(c.tasks().get(&t.id).await.unwrap().id, t.id);
    assert_eq!(sim.stats().gets, 3);
}

// ---------------------------------------------------------------- POST never re-sent

#[tokio::test]
async fn a_create_that_hangs_past_the_timeout_is_an_unknown_outcome_sent_once() {
    let sim = sim().await;
    let c = Client::builder(ApiKey::new(DEMO_KEY).unwrap())
        .base_url(sim.base_url())
        .timeout(Duration::from_millis(500))
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    sim.inject(Fault::new(FaultKind::Hang).on(Route::Create));
    let started = Instant::now();
    let e = c.tasks().create(&new_task()).await.unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(450));
    match &e {
        Error::UnknownOutcome { message } => assert_eq!(message, "timed out"),
        other => panic!("{other:?}"),
    }
    assert!(e.outcome_unknown() && !e.nothing_was_sent());
    assert!(e.to_string().contains("not sent again"), "{e}");
    assert_plain(&e);
    // Retries happen inside create(), which has returned: the count is final.
    let s = sim.stats();
    assert_eq!(
        s.creates, 1,
        "a creation that may have arrived is never re-sent"
    );
    assert_eq!(s.tasks_created, 1, "and the service did create it");
}

#[tokio::test]
async fn a_create_answered_with_5xx_is_an_unknown_outcome_sent_once() {
    for kind in [FaultKind::InternalError, FaultKind::Unavailable] {
        let sim = sim().await;
        sim.inject(Fault::new(kind).on(Route::Create));
        let e = client(&sim).tasks().create(&new_task()).await.unwrap_err();
        match &e {
            Error::UnknownOutcome { message } => assert!(message.contains("HTTP 5"), "{message}"),
            other => panic!("{kind:?}: {other:?}"),
        }
        assert_plain(&e);
        assert_eq!(sim.stats().creates, 1, "{kind:?}");
    }
}

#[tokio::test]
async fn a_create_whose_connection_drops_is_an_unknown_outcome_sent_once() {
    let sim = sim().await;
    sim.inject(Fault::new(FaultKind::Drop).on(Route::Create));
    let e = client(&sim).tasks().create(&new_task()).await.unwrap_err();
    assert!(matches!(e, Error::UnknownOutcome { .. }), "{e:?}");
    assert_plain(&e);
    let s = sim.stats();
    assert_eq!((s.creates, s.tasks_created), (1, 1));
}

#[tokio::test]
async fn a_cancel_is_an_action_and_is_not_re_sent_either() {
    let sim = sim().await;
    let c = client(&sim);
    let t = c.tasks().create(&new_task()).await.unwrap();
    sim.inject(Fault::new(FaultKind::Drop).on(Route::Cancel));
    let e = c.tasks().cancel(&t.id).await.unwrap_err();
    assert!(matches!(e, Error::UnknownOutcome { .. }), "{e:?}");
    assert_eq!(sim.stats().cancels, 1);
    assert_eq!(sim.task(t.id.as_str()).unwrap().status, "cancelled");
}

// ---------------------------------------------------------------- nothing sent: retried

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported_as_nothing_sent() {
    let base = base_on_port(closed_port());
    let c = client_for(&base, DEMO_KEY);
    let e = c.tasks().create(&new_task()).await.unwrap_err();
    match &e {
        // The deepest cause, in the system's words.
        Error::Connect { message } => assert!(
            message.to_lowercase().contains("connection refused"),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(e.nothing_was_sent() && !e.outcome_unknown());
    assert!(e.to_string().contains("nothing was sent"), "{e}");
    assert_plain(&e);
    let id = TaskId::parse("65abc123def4567890abcdef").unwrap();
    let e = c.tasks().get(&id).await.unwrap_err();
    assert!(matches!(e, Error::Connect { .. }), "{e:?}");
}

/// Counts the client's retries as it logs them (one "retrying" debug event before each wait of
/// its retry loop), and wakes a waiter at each: the witness that a refusal was really met and
/// retried, with no wall time assumed.
#[derive(Clone, Default)]
struct RetryWitness {
    retries: Arc<AtomicUsize>,
    retried: Arc<Notify>,
}

impl tracing::Subscriber for RetryWitness {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.is_event()
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct IsRetrying(bool);
        impl tracing::field::Visit for IsRetrying {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" && format!("{value:?}") == "retrying" {
                    self.0 = true;
                }
            }
        }
        let mut v = IsRetrying(false);
        event.record(&mut v);
        if v.0 && event.metadata().target().starts_with("workapi") {
            self.retries.fetch_add(1, Ordering::SeqCst);
            self.retried.notify_one();
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

// One thread: the client, the service that comes up and the witness (a thread-local tracing
// subscriber) all live on it.
#[tokio::test(flavor = "current_thread")]
async fn a_refused_create_is_retried_until_the_service_is_up_and_creates_one_task() {
    let witness = RetryWitness::default();
    let _seen = tracing::subscriber::set_default(witness.clone());
    let port = closed_port();
    let c = Client::builder(ApiKey::new(DEMO_KEY).unwrap())
        .base_url(base_on_port(port))
        .timeout(Duration::from_secs(5))
        // Up to ~20 s of refused tries: a deadline for the service to come up on a busy
        // machine (60 tries, 1.2 s, ran out once in a cold CI run), not a wait.
        .retry_policy(RetryPolicy {
            max_retries: 1000,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(20),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    // The service comes up only once the client has been refused and is waiting to retry: a
    // condition, not a guess of how long the first try takes.
    let w = witness.clone();
    let starter = tokio::spawn(async move {
        w.retried.notified().await;
        Sim::start(SimConfig {
            port,
            rate_limit: None,
            ..SimConfig::default()
        })
        .await
        .expect("the port is free again")
    });
    let t = c
        .tasks()
        .create(&new_task())
        .await
        .expect("created once up");
    assert!(
        witness.retries.load(Ordering::SeqCst) >= 1,
        "the first try was refused, then retried"
    );
    let sim = starter.await.unwrap();
    let s = sim.stats();
    assert_eq!((s.creates, s.tasks_created), (1, 1));
    assert_eq!(sim.task_ids(), vec![t.id.to_string()]);
}

// ---------------------------------------------------------------- odd answers

#[tokio::test]
async fn a_garbage_body_is_a_decode_error_and_is_not_retried() {
    let sim = sim().await;
    let c = client(&sim);
    let t = c.tasks().create(&new_task()).await.unwrap();

    // GET: a 200 with a body that is not a task is final. Retrying would not make the body
    // readable, so the client reports it at once (Attempt::Final in the retry policy).
    sim.inject(Fault::new(FaultKind::Garbage).on(Route::Get));
    let e = c.tasks().get(&t.id).await.unwrap_err();
    match &e {
        Error::Decode { body, .. } => assert!(body.contains("upstream sent something odd")),
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.stats().gets, 1, "not retried");
    assert!(e.to_string().contains("could not read"), "{e}");

    // POST: the service created the task and then answered garbage: reported, never re-sent.
    sim.inject(Fault::new(FaultKind::Garbage).on(Route::Create));
    let e = c.tasks().create(&new_task()).await.unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    let s = sim.stats();
    assert_eq!((s.creates, s.tasks_created), (2, 2));
}

#[tokio::test]
async fn unknown_statuses_are_kept_not_rejected() {
    let sim = sim().await;
    let c = client(&sim);
    for raw in ["failed", "expired", "on_hold"] {
        let t = c.tasks().create(&new_task()).await.unwrap();
        assert!(sim.force_status(t.id.as_str(), raw));
        let read = c.tasks().get(&t.id).await.unwrap();
        assert_eq!(read.status, TaskStatus::Unknown(raw.to_owned()));
        assert_eq!(read.status.as_str(), raw);
        assert!(!read.status.is_terminal() && !read.status.is_cancellable());
    }
}

// ---------------------------------------------------------------- the key stays secret

#[test]
fn a_key_is_shown_only_as_its_last_four_characters_and_only_when_long() {
    let long = ApiKey::new("sk_live_canary_1234567890WXYZ").unwrap();
    assert_eq!(long.masked(), "•••• WXYZ");
    assert_eq!(format!("{long:?}"), "ApiKey([redacted])");
    assert_eq!(format!("{long}"), "[redacted]");
    // Nine characters: four of them may be shown. Eight or fewer: none.
    let nine = ApiKey::new("sk_123456").unwrap();
    assert_eq!(nine.last4().as_deref(), Some("3456"));
    assert_eq!(nine.masked(), "•••• 3456");
    for short in ["sk_12345", "k"] {
        let k = ApiKey::new(short).unwrap();
        assert_eq!(k.last4(), None, "{short}");
        assert_eq!(k.masked(), "••••", "{short}");
    }
}

#[test]
fn an_address_with_credentials_in_it_is_refused() {
    // Credentials in the address would travel (and be logged) with every request.
    for bad in [
        "https://user@api.workapi.example/x",
        "https://:secret@api.workapi.example/x",
        "https://user:secret@api.workapi.example/x",
    ] {
        let e = Client::builder(ApiKey::new(DEMO_KEY).unwrap())
            .base_url(bad)
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::InvalidBaseUrl { .. }), "{bad}: {e:?}");
    }
}

#[test]
fn the_client_tells_the_address_it_talks_to_without_a_trailing_slash() {
    let c = Client::builder(ApiKey::new(DEMO_KEY).unwrap())
        .base_url(" https://api.workapi.example/api/v1/svc/?q=1#f ")
        .build()
        .unwrap();
    assert_eq!(c.base_url(), "https://api.workapi.example/api/v1/svc");
    let loopback = base_on_port(closed_port());
    assert_eq!(client_for(&loopback, DEMO_KEY).base_url(), loopback);
}

#[tokio::test]
async fn the_key_never_appears_in_any_error() {
    const CANARY: &str = "sk_live_CANARY7Qz9x2mW4p";
    let sim = sim_with(SimConfig {
        keys: vec![CANARY.into()],
        ..SimConfig::default()
    })
    .await;
    let c = Client::builder(ApiKey::new(CANARY).unwrap())
        .base_url(sim.base_url())
        .timeout(Duration::from_millis(400))
        .retry_policy(RetryPolicy {
            max_retries: 1,
            ..fast_retries()
        })
        .build()
        .unwrap();
    let t = c.tasks().create(&new_task()).await.unwrap();
    let unknown = TaskId::parse("65abc123def4567890abcdef").unwrap();
    let mut errors = Vec::new();

    errors.push(c.tasks().create(&NewTask::new("12", "")).await.unwrap_err());
    errors.push(c.tasks().get(&unknown).await.unwrap_err());
    sim.force_status(t.id.as_str(), "in_progress");
    errors.push(c.tasks().cancel(&t.id).await.unwrap_err());
    for kind in [
        FaultKind::InternalError,
        FaultKind::Unavailable,
        FaultKind::Hang,
        FaultKind::Drop,
        FaultKind::Garbage,
        FaultKind::RateLimited {
            retry_after: RetryAfter::Seconds(3600),
        },
    ] {
        sim.inject(Fault::new(kind).on(Route::Create));
        errors.push(c.tasks().create(&new_task()).await.unwrap_err());
        sim.inject(Fault::new(kind).on(Route::Get).times(2));
        errors.push(c.tasks().get(&t.id).await.unwrap_err());
        // A final answer leaves the second GET fault unused: do not let it leak on.
        sim.clear_faults();
    }
    // A near-miss key (the canary with its last character changed) is rejected: 401.
    let near = format!("{}X", &CANARY[..CANARY.len() - 1]);
    errors.push(
        client_for(&sim.base_url(), &near)
            .tasks()
            .get(&t.id)
            .await
            .unwrap_err(),
    );
    errors.push(
        client_for(&base_on_port(closed_port()), CANARY)
            .tasks()
            .create(&new_task())
            .await
            .unwrap_err(),
    );
    errors.push(
        Client::builder(ApiKey::new(CANARY).unwrap())
            .base_url("http://api.workapi.example/x")
            .build()
            .unwrap_err(),
    );

    let secret_part = &CANARY["sk_live_".len()..];
    for e in &errors {
        let mut texts = vec![e.to_string(), format!("{e:?}"), format!("{e:#?}")];
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            texts.push(s.to_string());
            texts.push(format!("{s:?}"));
            src = s.source();
        }
        for text in texts {
            assert!(!text.contains(secret_part), "key shown in: {text}");
        }
    }
    assert!(format!("{c:?}").contains("redacted"));
    assert!(!format!("{c:?}").contains(secret_part));
    // Every kind of error above was produced (a test that produced none would prove nothing).
    assert!(errors.iter().any(|e| matches!(e, Error::Validation { .. })));
    assert!(errors.iter().any(|e| matches!(e, Error::NotFound)));
    assert!(errors
        .iter()
        .any(|e| matches!(e, Error::InvalidStatus { .. })));
    assert!(errors.iter().any(|e| matches!(e, Error::Unauthorized)));
    assert!(errors
        .iter()
        .any(|e| matches!(e, Error::UnknownOutcome { .. })));
    assert!(errors.iter().any(|e| matches!(e, Error::Network { .. })));
    assert!(errors.iter().any(|e| matches!(e, Error::Server { .. })));
    assert!(errors.iter().any(|e| matches!(e, Error::Decode { .. })));
    assert!(errors
        .iter()
        .any(|e| matches!(e, Error::RateLimited { .. })));
    assert!(errors.iter().any(|e| matches!(e, Error::Connect { .. })));
    assert!(errors
        .iter()
        .any(|e| matches!(e, Error::InsecureBaseUrl { .. })));
}
