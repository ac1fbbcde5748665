//! The tracker against the simulator over real loopback HTTP, with the history in a real SQLite
//! file: it follows a task to `completed` publishing one `Updated` event per change, in
//! lifecycle order, with the transcript and summary stored; it honours `Retry-After`; with
//! nothing live it makes no request and no timer wakes it; it resumes the live tasks after a
//! restart (a new `History` handle and a new tracker on the same file); it reports going offline
//! after repeated network failures, once, and coming back.
//!
//! The simulator's counters are the witness for "no request"; the tracker's own counters for
//! "no wakeup".

use std::sync::Arc;
use std::time::Duration;

use missioncall_core::call::{ServiceStatus, Tracking};
use missioncall_core::calls::{CallRequest, Calls};
use missioncall_core::history::{CallRecord, History, NewAttempt};
use missioncall_core::tracker::{Tracker, TrackerConfig, TrackerEvent};
use tempfile::TempDir;
use tokio::sync::broadcast;
use tokio::time::{timeout, Instant};
use workapi::{ApiKey, Client, RetryPolicy};
use workapi_sim::{Fault, FaultKind, RetryAfter, Route, Sim, SimConfig, SimHandle, DEMO_KEY};

const SF: &str = "+14155552671";
const MISSION: &str = "Ask whether the garage can fit a tyre change on Friday";

/// The tracker a hundred times faster than real time: first polls every ~20 ms.
fn fast() -> TrackerConfig {
    TrackerConfig::scaled(100.0)
}

async fn sim(speed: f64) -> SimHandle {
    Sim::start(SimConfig {
        speed,
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn calls_on(sim: &SimHandle, history: Arc<History>, retry: RetryPolicy) -> Calls {
    let client = Client::builder(ApiKey::new(DEMO_KEY).unwrap())
        .base_url(sim.base_url())
        .timeout(Duration::from_secs(2))
        .retry_policy(retry)
        .build()
        .unwrap();
    Calls::real(history, client)
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

fn open(dir: &TempDir) -> Arc<History> {
    Arc::new(History::open_in_dir(dir.path()).unwrap())
}

async fn place(calls: &Calls, task: &str) -> CallRecord {
    calls
        .place(&CallRequest {
            number: SF,
            region: None,
            task,
            force: true,
        })
        .await
        .unwrap()
}

/// The next `Updated` event (skipping others), or a panic after `within`.
async fn next_update(rx: &mut broadcast::Receiver<TrackerEvent>, within: Duration) -> CallRecord {
    let deadline = Instant::now() + within;
    loop {
        match timeout(deadline - Instant::now(), rx.recv()).await {
            Ok(Ok(TrackerEvent::Updated(rec))) => return *rec,
            Ok(Ok(_)) => continue,
            Ok(Err(e)) => panic!("event channel: {e}"),
            Err(_) => panic!("no update within {within:?}"),
        }
    }
}

/// Lets the tracker settle, then moves a paused clock one minute ahead (no wall time passes)
/// and lets any timer that came due run. Only for moments with no request in flight.
async fn idle_minute() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    tokio::time::pause();
    tokio::time::advance(Duration::from_secs(60)).await;
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    tokio::time::resume();
}

/// Waits until `cond` holds, polling every 10 ms, or panics after `within`.
async fn until(what: &str, within: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn rank(status: &str) -> u8 {
    match status {
        "pending" => 1,
        "accepted" => 2,
        "in_progress" => 3,
        "completed" => 4,
        other => panic!("unexpected status {other}"),
    }
}

#[tokio::test]
async fn follows_a_task_to_completed_publishing_each_change_in_order() {
    // The lifecycle at speed 20: 200 ms pending, 150 ms accepted, 1.25 s on the call.
    let sim = sim(20.0).await;
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let calls = calls_on(&sim, history.clone(), quick_retries());
    let tracker = Tracker::start(calls.clone(), fast());
    let mut rx = tracker.subscribe();
    let rec = place(&calls, MISSION).await;
    let task_id = rec.task_id.clone().unwrap();
    tracker.follow(&task_id);

    let mut seen = vec![rec.status.word().to_owned()];
    loop {
        let up = next_update(&mut rx, Duration::from_secs(10)).await;
        assert_eq!(up.id, rec.id);
        assert_eq!(up.task_id.as_deref(), Some(task_id.as_str()));
        assert!(
            rank(up.status.word()) > rank(seen.last().unwrap()),
            "{seen:?} then {:?}",
            up.status
        );
        seen.push(up.status.word().to_owned());
        if up.status.is_completed() {
            assert!(up.transcript.as_deref().is_some_and(|t| !t.is_empty()));
            assert!(up.summary.as_deref().is_some_and(|s| !s.is_empty()));
            break;
        }
        assert!(up.transcript.is_none());
    }
    // The poll interval (~20 ms) is far shorter than each stage: every step was seen.
    assert_eq!(seen, ["pending", "accepted", "in_progress", "completed"]);

    let stored = history.get(rec.id).unwrap();
    assert_eq!(stored.status.word(), "completed");
    let script = workapi_sim::call_script(SF, MISSION);
    assert_eq!(
        stored.transcript.as_deref(),
        Some(script.concatenated_transcript.as_str())
    );
    assert_eq!(stored.summary.as_deref(), Some(script.summary.as_str()));
    let timeline: Vec<_> = history
        .timeline(rec.id)
        .unwrap()
        .into_iter()
        .map(|e| e.status.word().to_owned())
        .collect();
    assert_eq!(
        timeline,
        ["sending", "pending", "accepted", "in_progress", "completed"]
    );

    // Done: the tracker lets go of it and goes quiet.
    until("the tracker to let go", Duration::from_secs(2), || {
        tracker.following() == 0
    })
    .await;
    let gets = sim.stats().gets;
    let wakeups = tracker
        .stats()
        .wakeups
        .load(std::sync::atomic::Ordering::Relaxed);
    // A minute passes on a paused clock: nothing wakes, nothing is asked.
    idle_minute().await;
    assert_eq!(sim.stats().gets, gets);
    assert_eq!(
        tracker
            .stats()
            .wakeups
            .load(std::sync::atomic::Ordering::Relaxed),
        wakeups
    );
    assert!(rx.try_recv().is_err(), "no event after the end");
    tracker.shutdown().await;
}

#[tokio::test]
async fn with_nothing_live_it_makes_no_request_and_never_wakes() {
    let sim = sim(1.0).await;
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let calls = calls_on(&sim, history.clone(), quick_retries());
    // Rows that are not live: a finished call, a cancelled one, an unknown outcome.
    let done = place(&calls, "one that finished").await;
    sim.force_status(done.task_id.as_deref().unwrap(), "completed");
    calls.refresh(done.id).await.unwrap();
    let cancelled = place(&calls, "one that was cancelled").await;
    calls.cancel(cancelled.id).await.unwrap();
    sim.inject(Fault::new(FaultKind::Garbage).on(Route::Create));
    place_unknown(&calls).await;
    let before = sim.stats();

    let tracker = Tracker::start(calls.clone(), fast());
    idle_minute().await;
    let s = tracker.stats();
    assert_eq!(s.requests.load(std::sync::atomic::Ordering::Relaxed), 0);
    assert_eq!(s.wakeups.load(std::sync::atomic::Ordering::Relaxed), 0);
    assert_eq!(tracker.following(), 0);
    assert_eq!(sim.stats(), before, "not one request reached the service");
    tracker.shutdown().await;
}

async fn place_unknown(calls: &Calls) {
    let r = calls
        .place(&CallRequest {
            number: SF,
            region: None,
            task: "one whose answer was lost",
            force: true,
        })
        .await;
    assert!(
        matches!(r, Err(missioncall_core::Error::UnknownOutcome { .. })),
        "{r:?}"
    );
}

#[tokio::test]
async fn honours_retry_after() {
    let sim = sim(0.01).await;
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    // No retries inside the client: the 429 reaches the tracker, which must wait as told.
    let calls = calls_on(&sim, history.clone(), RetryPolicy::none());
    let rec = place(&calls, MISSION).await;
    let tracker = Tracker::start(calls.clone(), fast());
    until("a first poll", Duration::from_secs(2), || {
        sim.stats().gets >= 1
    })
    .await;
    sim.inject(
        Fault::new(FaultKind::RateLimited {
            retry_after: RetryAfter::Seconds(2),
        })
        .on(Route::Get),
    );
    until("the 429 to be served", Duration::from_secs(2), || {
        sim.pending_faults().is_empty()
    })
    .await;
    let after_429 = sim.stats().gets;
    let served_at = Instant::now();
    // Polling every ~20 ms, it would ask again at once; it waits the 2 s it was told.
    until("polling to resume", Duration::from_secs(5), || {
        sim.stats().gets > after_429
    })
    .await;
    assert!(
        served_at.elapsed() >= Duration::from_millis(1900),
        "asked again after {:?}, before Retry-After",
        served_at.elapsed()
    );
    assert_eq!(tracker.following(), 1);
    assert_eq!(history.get(rec.id).unwrap().status.word(), "pending");
    tracker.shutdown().await;
}

#[tokio::test]
async fn resumes_live_tasks_after_a_restart() {
    let sim = sim(20.0).await;
    let dir = tempfile::tempdir().unwrap();
    let first_id;
    let second_id;
    {
        let history = open(&dir);
        let calls = calls_on(&sim, history.clone(), quick_retries());
        first_id = place(&calls, MISSION).await.id;
        second_id = place(&calls, "Ask for a quote on a new boiler").await.id;
        // The "app" stops before following anything: tracker and history handle dropped.
        let tracker = Tracker::start(calls, TrackerConfig::default());
        drop(tracker);
        drop(history);
    }
    let history = open(&dir);
    let calls = calls_on(&sim, history.clone(), quick_retries());
    let tracker = Tracker::start(calls, fast());
    let mut rx = tracker.subscribe();
    until(
        "both live tasks to be followed",
        Duration::from_secs(2),
        || tracker.following() == 2,
    )
    .await;
    let mut done = std::collections::HashSet::new();
    while done.len() < 2 {
        let up = next_update(&mut rx, Duration::from_secs(10)).await;
        assert!(up.id == first_id || up.id == second_id, "{up:?}");
        if up.status.is_completed() {
            done.insert(up.id);
        }
    }
    for id in [first_id, second_id] {
        let r = history.get(id).unwrap();
        assert_eq!(r.status.word(), "completed");
        assert!(r.transcript.is_some());
    }
    assert!(history.live().unwrap().is_empty());
    tracker.shutdown().await;
}

#[tokio::test]
async fn it_only_follows_its_own_service_after_a_restart() {
    let other = sim(0.01).await;
    let sim = sim(0.01).await;
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let here = calls_on(&sim, history.clone(), quick_retries());
    let there = calls_on(&other, history.clone(), quick_retries());
    place(&here, MISSION).await;
    place(&there, MISSION).await;
    let tracker = Tracker::start(here, fast());
    // Its own call polled several times is the witness that the other one had every chance.
    until("its own call to be polled", Duration::from_secs(5), || {
        sim.stats().gets >= 5
    })
    .await;
    assert_eq!(tracker.following(), 1);
    assert_eq!(other.stats().gets, 0);
    assert!(sim.stats().gets >= 1);
    tracker.shutdown().await;
}

#[tokio::test]
async fn goes_offline_after_repeated_network_failures_and_back_online() {
    let sim = sim(0.01).await;
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let calls = calls_on(&sim, history.clone(), quick_retries());
    let rec = place(&calls, MISSION).await;
    let cfg = fast();
    let offline_after = cfg.offline_after;
    let tracker = Tracker::start(calls.clone(), cfg);
    let mut rx = tracker.subscribe();
    until("a first poll", Duration::from_secs(2), || {
        sim.stats().gets >= 1
    })
    .await;

    // Every try of the next `offline_after` polls loses its connection (the client retries a
    // GET 3 times, so each failed poll is 4 lost requests).
    let per_poll = 1 + quick_retries().max_retries;
    sim.inject(
        Fault::new(FaultKind::Drop)
            .on(Route::Get)
            .times(per_poll * offline_after),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut network = Vec::new();
    while network.len() < 2 {
        let left = deadline.saturating_duration_since(Instant::now());
        match timeout(left, rx.recv()).await {
            Ok(Ok(TrackerEvent::Network { online, message })) => network.push((online, message)),
            Ok(Ok(TrackerEvent::Updated(_))) => {}
            Ok(Ok(other)) => panic!("{other:?}"),
            Ok(Err(e)) => panic!("{e}"),
            Err(_) => panic!("network events so far: {network:?}"),
        }
    }
    assert!(!network[0].0, "offline first: {network:?}");
    let msg = network[0].1.clone().expect("a reason when offline");
    assert!(msg.contains("connection"), "{msg}");
    assert!(network[1].0, "then online: {network:?}");
    assert_eq!(network[1].1, None);
    assert!(sim.pending_faults().is_empty());
    // Reported once each way: no further network event while things work (ten more polls).
    let gets = sim.stats().gets;
    until("ten more polls", Duration::from_secs(5), || {
        sim.stats().gets >= gets + 10
    })
    .await;
    while let Ok(ev) = rx.try_recv() {
        assert!(!matches!(ev, TrackerEvent::Network { .. }), "{ev:?}");
    }
    assert_eq!(tracker.following(), 1);
    assert_eq!(history.get(rec.id).unwrap().status.word(), "pending");
    tracker.shutdown().await;
}

#[tokio::test]
async fn a_rejected_key_pauses_following_with_a_service_problem() {
    let sim = sim(0.01).await;
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let calls = calls_on(&sim, history.clone(), quick_retries());
    place(&calls, MISSION).await;
    let bad = Calls::real(
        history.clone(),
        Client::builder(ApiKey::new("sk_live_revoked_key_000").unwrap())
            .base_url(sim.base_url())
            .build()
            .unwrap(),
    );
    let tracker = Tracker::start(bad, fast());
    let mut rx = tracker.subscribe();
    match timeout(Duration::from_secs(3), rx.recv()).await {
        Ok(Ok(TrackerEvent::ServiceProblem { message })) => {
            assert!(message.contains("key was rejected"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    let gets = sim.stats().gets;
    // Paused (300 s scaled to 3 s): no hammering with a rejected key, on a paused clock.
    tokio::time::pause();
    tokio::time::advance(Duration::from_millis(2_900)).await;
    tokio::task::yield_now().await;
    assert_eq!(sim.stats().gets, gets);
    tokio::time::resume();
    tracker.shutdown().await;
}

/// Places a live call and makes a second call whose task the service does not know (every
/// read of it is a 404).
async fn one_live_and_one_unknown_to_the_service(
    calls: &Calls,
    history: &History,
) -> (CallRecord, i64) {
    let live = place(calls, MISSION).await;
    let ghost = history
        .insert_attempt(&NewAttempt {
            phone_e164: SF,
            phone_region: None,
            task: "a task the service forgot",
            origin: calls.origin(),
            outside_hours: None,
        })
        .unwrap();
    history
        .record_created(ghost, "65abc0000000000000000000", None, &svc("pending"))
        .unwrap();
    (live, ghost)
}

#[tokio::test]
async fn a_task_given_up_stays_given_up_across_rescans_and_restarts() {
    let sim = sim(0.01).await;
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let calls = calls_on(&sim, history.clone(), quick_retries());
    let (live, ghost) = one_live_and_one_unknown_to_the_service(&calls, &history).await;
    let tracker = Tracker::start(calls.clone(), fast());
    let mut rx = tracker.subscribe();
    let up = next_update(&mut rx, Duration::from_secs(10)).await;
    assert_eq!(up.id, ghost);
    assert_eq!(up.tracking, Tracking::GivenUp);
    assert!(up.error.as_deref().unwrap().contains("no longer knows"));
    assert_eq!(history.get(ghost).unwrap().tracking, Tracking::GivenUp);
    let followed: Vec<i64> = history.live().unwrap().iter().map(|r| r.id).collect();
    assert_eq!(followed, [live.id]);

    // Rescans (the app asks for one each time its window gets the focus) do not revive it:
    // the live call, polled every ~20 ms, is the witness that the loop went round many times.
    for _ in 0..5 {
        tracker.rescan();
    }
    let gets = sim.stats().gets;
    until(
        "the live call to be polled 10 more times",
        Duration::from_secs(5),
        || sim.stats().gets >= gets + 10,
    )
    .await;
    assert_eq!(tracker.following(), 1, "only the live call");
    tracker.shutdown().await;

    // Nor does a restart.
    let history = open(&dir);
    let calls = calls_on(&sim, history.clone(), quick_retries());
    let tracker = Tracker::start(calls, fast());
    until(
        "the restarted tracker to follow",
        Duration::from_secs(2),
        || tracker.following() == 1,
    )
    .await;
    assert_eq!(history.get(ghost).unwrap().tracking, Tracking::GivenUp);
    tracker.shutdown().await;
}

#[tokio::test]
async fn a_429_pauses_every_task_until_retry_after() {
    let sim = sim(0.01).await;
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let calls = calls_on(&sim, history.clone(), quick_retries());
    place(&calls, MISSION).await;
    place(&calls, "Ask whether the shop has size 42").await;
    let tracker = Tracker::start(calls.clone(), fast());
    until("both calls to be polled", Duration::from_secs(2), || {
        sim.stats().gets >= 4
    })
    .await;
    sim.inject(
        Fault::new(FaultKind::RateLimited {
            retry_after: RetryAfter::Seconds(2),
        })
        .on(Route::Get),
    );
    until("the 429 to be served", Duration::from_secs(2), || {
        sim.pending_faults().is_empty()
    })
    .await;
    let after_429 = sim.stats().gets;
    let asked_at = Instant::now();
    until("polling to resume", Duration::from_secs(5), || {
        sim.stats().gets > after_429 + 1
    })
    .await;
    // The limit is per key: neither call was asked about before Retry-After had passed (a
    // request already on its way when the 429 came may land just after it).
    assert!(
        asked_at.elapsed() >= Duration::from_millis(1900),
        "asked again after {:?}",
        asked_at.elapsed()
    );
    assert_eq!(tracker.following(), 2);
    tracker.shutdown().await;
}

#[tokio::test]
async fn unreadable_answers_stop_that_task_without_touching_the_network_state() {
    let sim = sim(0.01).await;
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let calls = calls_on(&sim, history.clone(), quick_retries());
    let rec = place(&calls, MISSION).await;
    sim.inject(Fault::new(FaultKind::Garbage).on(Route::Get).times(1000));
    let cfg = fast();
    let limit = cfg.unreadable_limit;
    let tracker = Tracker::start(calls.clone(), cfg);
    let mut rx = tracker.subscribe();
    // The first event must be this task's update: no network event comes before it.
    let up = match timeout(Duration::from_secs(20), rx.recv()).await {
        Ok(Ok(TrackerEvent::Updated(up))) => *up,
        Ok(Ok(other)) => panic!("only this task's update is expected, got {other:?}"),
        Ok(Err(e)) => panic!("{e}"),
        Err(_) => panic!("never gave up"),
    };
    assert_eq!(up.id, rec.id);
    assert_eq!(up.tracking, Tracking::Unreadable);
    assert!(up.error.as_deref().unwrap().contains("could not be read"));
    assert_eq!(
        up.status.word(),
        "pending",
        "the last status the service gave is kept"
    );
    assert_eq!(
        sim.stats().gets,
        u64::from(limit),
        "one read per poll, {limit} in all"
    );
    assert_eq!(tracker.following(), 0);
    assert!(history.live().unwrap().is_empty());
    tracker.shutdown().await;
}

/// The service status `word`.
fn svc(word: &str) -> ServiceStatus {
    ServiceStatus::from_wire(word)
}

#[tokio::test]
async fn a_status_the_contract_does_not_name_is_followed_for_its_limit_then_given_up() {
    let sim = sim(0.01).await;
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let calls = calls_on(&sim, history.clone(), quick_retries());
    let rec = place(&calls, MISSION).await;
    assert!(sim.force_status(rec.task_id.as_deref().unwrap(), "on_hold"));
    // An hour scaled a hundred times faster is 36 s: give it 20 s instead (200 ms).
    let cfg = TrackerConfig {
        unknown_status_limit: Duration::from_secs(20),
        ..fast()
    };
    let tracker = Tracker::start(calls.clone(), cfg);
    let mut rx = tracker.subscribe();
    let up = next_update(&mut rx, Duration::from_secs(10)).await;
    assert_eq!(
        (up.status.word(), up.tracking),
        ("on_hold", Tracking::Following)
    );
    let seen_at_gets = sim.stats().gets;
    let up = next_update(&mut rx, Duration::from_secs(10)).await;
    assert_eq!(up.id, rec.id);
    assert_eq!(up.tracking, Tracking::GivenUp);
    assert!(up.error.as_deref().unwrap().contains("does not know"));
    assert_eq!(up.status.word(), "on_hold", "the service's word is kept");
    // Polled every ~20 ms for the 200 ms limit: asked again several times before giving up.
    assert!(
        sim.stats().gets >= seen_at_gets + 3,
        "gave up after {} more reads",
        sim.stats().gets - seen_at_gets
    );
    assert_eq!(tracker.following(), 0);
    tracker.shutdown().await;
}

#[tokio::test]
async fn a_task_the_service_does_not_know_is_asked_about_its_limit_of_times() {
    let sim = sim(0.01).await;
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let calls = calls_on(&sim, history.clone(), quick_retries());
    let ghost = history
        .insert_attempt(&NewAttempt {
            phone_e164: SF,
            phone_region: None,
            task: "a task the service forgot",
            origin: calls.origin(),
            outside_hours: None,
        })
        .unwrap();
    history
        .record_created(ghost, "65abc0000000000000000000", None, &svc("pending"))
        .unwrap();
    let cfg = fast();
    let limit = cfg.not_found_limit;
    let tracker = Tracker::start(calls, cfg);
    let mut rx = tracker.subscribe();
    let up = next_update(&mut rx, Duration::from_secs(10)).await;
    assert_eq!((up.id, up.tracking), (ghost, Tracking::GivenUp));
    assert_eq!(
        sim.stats().gets,
        u64::from(limit),
        "one \"not found\" is not enough to give up"
    );
    tracker.shutdown().await;
}

#[tokio::test]
async fn a_live_task_is_asked_about_no_faster_than_its_interval() {
    let sim = sim(0.01).await;
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let calls = calls_on(&sim, history.clone(), quick_retries());
    place(&calls, MISSION).await;
    let tracker = Tracker::start(calls, fast());
    until("a first poll", Duration::from_secs(5), || {
        sim.stats().gets >= 1
    })
    .await;
    let from = Instant::now();
    let gets = sim.stats().gets;
    until("twenty more polls", Duration::from_secs(20), || {
        sim.stats().gets >= gets + 20
    })
    .await;
    // Each poll is scheduled at least 80% of the first interval (20 ms) after the previous
    // answer, so the polls after the one seen at `from` are spread over at least this long (a
    // lower bound only: a busy machine makes it longer, never shorter).
    let polls = u32::try_from(sim.stats().gets - gets).unwrap();
    let floor = Duration::from_millis(16) * (polls - 1);
    assert!(
        from.elapsed() >= floor,
        "{polls} polls in {:?}",
        from.elapsed()
    );
    tracker.shutdown().await;
}

/// A real listener on loopback that answers every request with `status_line` and no body,
/// like a proxy in front of the service might.
async fn answering_every_request_with(status_line: &'static str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut chunk = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&chunk[..n]),
                    }
                }
                let answer = format!(
                    "HTTP/1.1 {status_line}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
                let _ = s.write_all(answer.as_bytes()).await;
                let _ = s.shutdown().await;
            });
        }
    });
    format!("http://{addr}/api")
}

#[tokio::test]
async fn an_odd_4xx_about_one_task_is_that_tasks_problem_not_the_networks() {
    let base = answering_every_request_with("410 Gone").await;
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let client = Client::builder(ApiKey::new(DEMO_KEY).unwrap())
        .base_url(&base)
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let calls = Calls::real(history.clone(), client);
    let id = history
        .insert_attempt(&NewAttempt {
            phone_e164: SF,
            phone_region: None,
            task: MISSION,
            origin: calls.origin(),
            outside_hours: None,
        })
        .unwrap();
    history
        .record_created(id, "65abc0000000000000000001", None, &svc("pending"))
        .unwrap();
    let tracker = Tracker::start(calls, fast());
    let mut rx = tracker.subscribe();
    // The first event must be this task's: a 4xx (other than those with a meaning of their
    // own) is no network failure, and never reports the service offline.
    let up = match timeout(Duration::from_secs(20), rx.recv()).await {
        Ok(Ok(TrackerEvent::Updated(up))) => *up,
        other => panic!("only this task's update is expected, got {other:?}"),
    };
    assert_eq!((up.id, up.tracking), (id, Tracking::Unreadable));
    assert!(up.error.as_deref().unwrap().contains("HTTP 410"), "{up:?}");
    assert_eq!(tracker.following(), 0);
    tracker.shutdown().await;
}

#[tokio::test]
async fn a_5xx_is_a_network_failure_not_one_tasks_problem() {
    let base = answering_every_request_with("503 Service Unavailable").await;
    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let client = Client::builder(ApiKey::new(DEMO_KEY).unwrap())
        .base_url(&base)
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let calls = Calls::real(history.clone(), client);
    let id = history
        .insert_attempt(&NewAttempt {
            phone_e164: SF,
            phone_region: None,
            task: MISSION,
            origin: calls.origin(),
            outside_hours: None,
        })
        .unwrap();
    history
        .record_created(id, "65abc0000000000000000004", None, &svc("pending"))
        .unwrap();
    let tracker = Tracker::start(calls, fast());
    let mut rx = tracker.subscribe();
    match timeout(Duration::from_secs(20), rx.recv()).await {
        Ok(Ok(TrackerEvent::Network { online, message })) => {
            assert!(!online);
            assert!(message.unwrap().contains("HTTP 503"));
        }
        other => panic!("the service reported offline first, got {other:?}"),
    }
    assert_eq!(history.get(id).unwrap().tracking, Tracking::Following);
    assert_eq!(tracker.following(), 1, "still followed");
    tracker.shutdown().await;
}

/// What the service in front of [`a_late_answer_after_a_429_does_not_end_the_pause`] saw.
#[derive(Default)]
struct RateLimitScene {
    limited_at: Option<Instant>,
    other_asked_at: Vec<Instant>,
}

#[tokio::test]
async fn a_late_answer_after_a_429_does_not_end_the_pause() {
    use std::sync::Mutex;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    const LIMITED: &str = "65abc0000000000000000002";
    const OTHER: &str = "65abc0000000000000000003";
    // A service that answers the first read of LIMITED with a 429 (wait 2 s), and the first read
    // of OTHER only once that 429 is on its way: OTHER's answer comes back after the 429, in the
    // same round of polls, and schedules its next poll as usual. Every later read is answered
    // at once.
    let scene = Arc::new(Mutex::new(RateLimitScene::default()));
    let limited = Arc::new(tokio::sync::Notify::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api", listener.local_addr().unwrap());
    let (sc, lim) = (scene.clone(), limited.clone());
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let (scene, limited) = (sc.clone(), lim.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut chunk = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let id = if head.contains(LIMITED) {
                    LIMITED
                } else {
                    OTHER
                };
                let first_429 = id == LIMITED && scene.lock().unwrap().limited_at.is_none();
                let first_other = id == OTHER && {
                    let mut sc = scene.lock().unwrap();
                    sc.other_asked_at.push(Instant::now());
                    sc.other_asked_at.len() == 1
                };
                if first_other {
                    limited.notified().await;
                }
                let answer = if first_429 {
                    "HTTP/1.1 429 Too Many Requests\r\nretry-after: 2\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned()
                } else {
                    let body = format!("{{\"task_id\":\"{id}\",\"status\":\"pending\"}}");
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                let _ = s.write_all(answer.as_bytes()).await;
                let _ = s.shutdown().await;
                if first_429 {
                    scene.lock().unwrap().limited_at = Some(Instant::now());
                    limited.notify_one();
                }
            });
        }
    });

    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let client = Client::builder(ApiKey::new(DEMO_KEY).unwrap())
        .base_url(&base)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let calls = Calls::real(history.clone(), client);
    for task_id in [LIMITED, OTHER] {
        let id = history
            .insert_attempt(&NewAttempt {
                phone_e164: SF,
                phone_region: None,
                task: task_id,
                origin: calls.origin(),
                outside_hours: None,
            })
            .unwrap();
        history
            .record_created(id, task_id, None, &svc("pending"))
            .unwrap();
    }
    // No jitter: both come due together, so both reads go out in the same round.
    let tracker = Tracker::start(
        calls,
        TrackerConfig {
            jitter: 0.0,
            ..fast()
        },
    );
    until("OTHER to be asked again", Duration::from_secs(10), || {
        scene.lock().unwrap().other_asked_at.len() >= 2
    })
    .await;
    let (limited_at, asked_again_at) = {
        let sc = scene.lock().unwrap();
        (
            sc.limited_at.expect("the 429 was served"),
            sc.other_asked_at[1],
        )
    };
    let again = asked_again_at.duration_since(limited_at);
    // The limit is per key: OTHER, answered after the 429, still waits out the 2 s.
    assert!(
        again >= Duration::from_millis(1900),
        "asked again after {again:?}"
    );
    tracker.shutdown().await;
}

#[tokio::test]
async fn a_429_in_one_batch_of_polls_holds_the_next_batch() {
    use std::sync::Mutex;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // Seventeen tasks due at once are asked in two batches (16, then 1). A service that answers
    // the very first read with a 429 (wait 2 s) and every other at once: the task of the second
    // batch must not be asked before the 2 s are over.
    type Asked = Arc<Mutex<(Option<Instant>, Vec<(String, Instant)>)>>;
    let asked: Asked = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api", listener.local_addr().unwrap());
    let a = asked.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let asked = a.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut chunk = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let id = head
                    .split_whitespace()
                    .nth(1)
                    .and_then(|path| path.rsplit('/').next())
                    .unwrap_or_default()
                    .to_owned();
                let first = {
                    let mut g = asked.lock().unwrap();
                    g.1.push((id.clone(), Instant::now()));
                    g.1.len() == 1
                };
                let answer = if first {
                    "HTTP/1.1 429 Too Many Requests\r\nretry-after: 2\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned()
                } else {
                    let body = format!("{{\"task_id\":\"{id}\",\"status\":\"pending\"}}");
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                let _ = s.write_all(answer.as_bytes()).await;
                let _ = s.shutdown().await;
                if first {
                    asked.lock().unwrap().0 = Some(Instant::now());
                }
            });
        }
    });

    let dir = tempfile::tempdir().unwrap();
    let history = open(&dir);
    let client = Client::builder(ApiKey::new(DEMO_KEY).unwrap())
        .base_url(&base)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let calls = Calls::real(history.clone(), client);
    let ids: Vec<String> = (0..17)
        .map(|n| format!("65abc00000000000000001{n:02}"))
        .collect();
    for task_id in &ids {
        let id = history
            .insert_attempt(&NewAttempt {
                phone_e164: SF,
                phone_region: None,
                task: task_id,
                origin: calls.origin(),
                outside_hours: None,
            })
            .unwrap();
        history
            .record_created(id, task_id, None, &svc("pending"))
            .unwrap();
    }
    // No jitter: all seventeen come due together.
    let tracker = Tracker::start(
        calls,
        TrackerConfig {
            jitter: 0.0,
            ..fast()
        },
    );
    until("every task to be asked", Duration::from_secs(10), || {
        let g = asked.lock().unwrap();
        ids.iter().all(|id| g.1.iter().any(|(a, _)| a == id))
    })
    .await;
    let (limited_at, first_asks) = {
        let g = asked.lock().unwrap();
        let limited_at = g.0.expect("the 429 was served");
        let first_asks: Vec<Instant> = ids
            .iter()
            .map(|id| g.1.iter().find(|(a, _)| a == id).unwrap().1)
            .collect();
        (limited_at, first_asks)
    };
    // Only the first batch (16, the 429 among them, some still on their way when it came) was
    // asked before the 2 s were over.
    let end_of_pause = limited_at + Duration::from_millis(1900);
    let during = first_asks.iter().filter(|t| **t < end_of_pause).count();
    assert!(during <= 16, "{during} tasks asked before the pause ended");
    tracker.shutdown().await;
}
