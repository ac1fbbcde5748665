//! Scheduled calls against the simulator over real loopback HTTP, with the history in a real
//! SQLite file and the time moved by a `ManualClock` (no test sleeps): a job fires once at its
//! time; a cancelled one is never sent; one found overdue waits for the user, and confirming
//! it sends it once; two runners on one history send one request; an attempt claimed by a
//! process that died becomes an unknown outcome and is never sent again.
//!
//! The simulator's counters (`stats().creates`, counted when a request arrives) are the
//! witness for "never sent" and "sent once".

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use missioncall_core::call::Origin;
use missioncall_core::calls::{CallRequest, Calls};
use missioncall_core::clock::{Clock, ManualClock};
use missioncall_core::history::{History, HistoryError, JobState, ScheduledJob};
use missioncall_core::schedule::GRACE;
use missioncall_core::Error;
use tempfile::TempDir;
use workapi::{ApiKey, Client};
use workapi_sim::{Fault, FaultKind, Route, Sim, SimConfig, SimHandle, DEMO_KEY};

const SF: &str = "+14155552671";
const LONDON: &str = "+442071838750";
const MISSION: &str = "Ask whether my dry cleaning is ready for pickup";

struct Env {
    sim: SimHandle,
    dir: TempDir,
    clock: Arc<ManualClock>,
    history: Arc<History>,
    calls: Calls,
}

fn client(base: &str) -> Client {
    Client::builder(ApiKey::new(DEMO_KEY).unwrap())
        .base_url(base)
        .timeout(Duration::from_millis(600))
        .build()
        .unwrap()
}

async fn env() -> Env {
    let sim = Sim::start(SimConfig {
        speed: 0.01,
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let history = Arc::new(History::open_in_dir_with_clock(dir.path(), clock.clone()).unwrap());
    let calls = Calls::real(history.clone(), client(&sim.base_url()));
    Env {
        sim,
        dir,
        clock,
        history,
        calls,
    }
}

impl Env {
    /// Another process on the same history file: its own handle (its own attempt owner),
    /// the same clock and service.
    fn second_runner(&self) -> (Arc<History>, Calls) {
        let h =
            Arc::new(History::open_in_dir_with_clock(self.dir.path(), self.clock.clone()).unwrap());
        let calls = Calls::real(h.clone(), client(&self.sim.base_url()));
        (h, calls)
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn schedule(&self, number: &str, task: &str, in_: chrono::Duration) -> ScheduledJob {
        self.calls
            .schedule(&req(number, task), self.now() + in_)
            .unwrap()
    }

    fn creates(&self) -> u64 {
        self.sim.stats().creates
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

fn mins(m: i64) -> chrono::Duration {
    chrono::Duration::minutes(m)
}

fn secs(s: i64) -> chrono::Duration {
    chrono::Duration::seconds(s)
}

#[tokio::test]
async fn a_job_fires_once_at_its_time() {
    let e = env().await;
    let job = e.schedule(SF, MISSION, mins(10));
    assert_eq!(job.state, JobState::Waiting);
    assert_eq!(job.origin.as_str(), e.sim.base_url());
    assert_eq!(job.task, MISSION);
    assert_eq!(e.history.next_due().unwrap(), Some(job.due_at));

    // Not before its time.
    assert!(e.calls.run_due(e.now()).await.unwrap().is_empty());
    e.clock
        .advance(mins(10) - chrono::Duration::milliseconds(1));
    assert!(e.calls.run_due(e.now()).await.unwrap().is_empty());
    assert_eq!(e.creates(), 0);

    // At its time: one request, recorded, linked both ways.
    e.clock.advance(chrono::Duration::milliseconds(1));
    let report = e.calls.run_due(e.now()).await.unwrap();
    assert_eq!(report.placed.len(), 1, "{report:?}");
    let (placed, call) = &report.placed[0];
    assert_eq!(placed.state, JobState::Placed);
    assert_eq!(placed.attempt_id, Some(call.id));
    assert_eq!(call.phone_e164, SF);
    assert_eq!(call.task, MISSION);
    let task_id = call.task_id.clone().expect("task id recorded");
    assert_eq!(e.sim.task_ids(), vec![task_id]);
    assert_eq!(e.history.job_of_call(call.id).unwrap().unwrap().id, job.id);
    assert_eq!(e.creates(), 1);
    assert_eq!(e.history.next_due().unwrap(), None);

    // Never again, however often the runner looks.
    for _ in 0..3 {
        e.clock.advance(mins(1));
        assert!(e.calls.run_due(e.now()).await.unwrap().is_empty());
    }
    assert_eq!(e.creates(), 1);
    assert!(e
        .history
        .jobs(&[JobState::Waiting, JobState::Overdue])
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_job_cancelled_before_its_time_is_never_sent() {
    let e = env().await;
    let job = e.schedule(SF, MISSION, mins(5));
    let other = e.schedule(LONDON, MISSION, mins(5));
    let cancelled = e.history.cancel_job(job.id).unwrap();
    assert_eq!(cancelled.state, JobState::Cancelled);
    // Cancelling twice is refused and says why.
    match e.history.cancel_job(job.id) {
        Err(HistoryError::JobState { id, state }) => {
            assert_eq!((id, state), (job.id, JobState::Cancelled))
        }
        other => panic!("{other:?}"),
    }
    e.clock.advance(mins(6));
    let report = e.calls.run_due(e.now()).await.unwrap();
    assert_eq!(report.placed.len(), 1);
    assert_eq!(report.placed[0].0.id, other.id);
    e.clock.advance(mins(60));
    assert!(e.calls.run_due(e.now()).await.unwrap().is_empty());
    assert_eq!(e.creates(), 1);
    assert_eq!(e.history.job(job.id).unwrap().state, JobState::Cancelled);
    // A placed job cannot be cancelled (its call can be, at the service).
    assert!(matches!(
        e.history.cancel_job(other.id),
        Err(HistoryError::JobState {
            state: JobState::Placed,
            ..
        })
    ));
}

#[tokio::test]
async fn an_overdue_job_waits_for_the_user_and_confirming_sends_it_once() {
    let e = env().await;
    let late = e.schedule(SF, MISSION, mins(1));
    let dropped = e.schedule(LONDON, MISSION, mins(1));
    // Nothing ran while their time passed.
    e.clock.advance(mins(60));
    let report = e.calls.run_due(e.now()).await.unwrap();
    assert!(report.placed.is_empty(), "{report:?}");
    let ids: Vec<_> = report.overdue.iter().map(|j| j.id).collect();
    assert_eq!(ids, [late.id, dropped.id]);
    assert!(report.overdue.iter().all(|j| j.state == JobState::Overdue));
    assert_eq!(e.creates(), 0);
    // Still not placed by a runner, however long it runs.
    for _ in 0..3 {
        e.clock.advance(mins(30));
        assert!(e.calls.run_due(e.now()).await.unwrap().is_empty());
    }
    assert_eq!(e.creates(), 0);
    assert_eq!(e.history.jobs(&[JobState::Overdue]).unwrap().len(), 2);

    // The user confirms one: sent once.
    let call = e.calls.confirm_overdue(late.id).await.unwrap();
    assert!(call.task_id.is_some());
    assert_eq!(e.creates(), 1);
    assert!(matches!(
        e.calls.confirm_overdue(late.id).await,
        Err(Error::History(HistoryError::JobState {
            state: JobState::Placed,
            ..
        }))
    ));
    // ... and drops the other: never sent, and it cannot be confirmed any more.
    assert_eq!(
        e.history.drop_job(dropped.id).unwrap().state,
        JobState::Dropped
    );
    assert!(e.calls.confirm_overdue(dropped.id).await.is_err());
    e.clock.advance(mins(30));
    assert!(e.calls.run_due(e.now()).await.unwrap().is_empty());
    assert_eq!(e.creates(), 1);

    // Only an overdue job is confirmed or dropped: a waiting one waits for its time.
    let waiting = e.schedule(SF, "Another mission", mins(10));
    assert!(e.calls.confirm_overdue(waiting.id).await.is_err());
    assert!(e.history.drop_job(waiting.id).is_err());
    assert_eq!(e.creates(), 1);
}

#[tokio::test]
async fn a_runner_starting_within_the_grace_period_places_the_job_later_it_asks() {
    let e = env().await;
    let grace = chrono::Duration::from_std(GRACE).unwrap();
    let just_late = e.schedule(SF, MISSION, mins(1));
    let too_late = e.schedule(LONDON, MISSION, mins(1) - secs(1));
    // A restart (after a crash) a moment less than GRACE after the first job's time, a
    // moment more than GRACE after the second's.
    e.clock
        .advance(mins(1) + grace - chrono::Duration::milliseconds(500));
    let report = e.calls.run_due(e.now()).await.unwrap();
    assert_eq!(report.placed.len(), 1, "{report:?}");
    assert_eq!(report.placed[0].0.id, just_late.id);
    assert_eq!(report.overdue.len(), 1);
    assert_eq!(report.overdue[0].id, too_late.id);
    assert_eq!(e.creates(), 1);
}

#[tokio::test]
async fn two_runners_that_read_the_same_due_job_send_one_request() {
    let e = env().await;
    let (h2, calls2) = e.second_runner();
    let job = e.schedule(SF, MISSION, mins(1));
    e.clock.advance(mins(1));
    // Both runners read the job as due and waiting...
    let seen1 = e.history.due_jobs(e.now()).unwrap();
    let seen2 = h2.due_jobs(e.now()).unwrap();
    assert_eq!((seen1.len(), seen2.len()), (1, 1));
    // ... the first places it; the second sends nothing (its duplicate check sees the first's
    // attempt; were that check passed, the claim would find the job taken: see the next test).
    e.calls.place_scheduled(&seen1[0]).await.unwrap();
    match calls2.place_scheduled(&seen2[0]).await {
        Err(Error::History(HistoryError::JobState { id, state })) => {
            assert_eq!((id, state), (job.id, JobState::Placed))
        }
        Err(Error::Duplicate { .. }) => {}
        other => panic!("the second runner placed it too: {other:?}"),
    }
    assert_eq!(e.creates(), 1);
    assert_eq!(e.sim.task_ids().len(), 1);
    // The losing claim left no attempt row behind.
    assert_eq!(
        e.history
            .count(&missioncall_core::history::HistoryFilter::default())
            .unwrap(),
        1
    );
    // Same for a stale read of a job the user cancelled meanwhile.
    let cancelled = e.schedule(LONDON, MISSION, mins(1));
    e.clock.advance(mins(1));
    let stale = h2.due_jobs(e.now()).unwrap();
    e.history.cancel_job(cancelled.id).unwrap();
    assert!(calls2.place_scheduled(&stale[0]).await.is_err());
    assert_eq!(e.creates(), 1);
}

#[tokio::test]
async fn of_two_claims_on_one_job_only_the_first_writes_an_attempt() {
    let e = env().await;
    let (h2, _) = e.second_runner();
    let job = e.schedule(SF, MISSION, mins(1));
    let overdue = e.schedule(LONDON, MISSION, mins(1));
    e.clock.advance(mins(1));
    // Both processes read the job as waiting and passed every check; both claim it.
    let first = e.history.claim_job(job.id, JobState::Waiting).unwrap();
    match h2.claim_job(job.id, JobState::Waiting) {
        Err(HistoryError::JobState { id, state }) => {
            assert_eq!((id, state), (job.id, JobState::Placed))
        }
        other => panic!("a second claim won: {other:?}"),
    }
    let placed = e.history.job(job.id).unwrap();
    assert_eq!(
        (placed.state, placed.attempt_id),
        (JobState::Placed, Some(first))
    );
    // The losing claim's attempt row was rolled back with its transaction.
    assert_eq!(
        e.history
            .count(&missioncall_core::history::HistoryFilter::default())
            .unwrap(),
        1
    );
    // An overdue job: the user confirms in the app while a runner drops it (or confirms it
    // in a terminal): one wins.
    e.clock.advance(mins(10));
    e.history.mark_overdue(e.now(), "late").unwrap();
    assert!(h2.claim_job(overdue.id, JobState::Waiting).is_err());
    let confirmed = h2.claim_job(overdue.id, JobState::Overdue).unwrap();
    assert!(e.history.claim_job(overdue.id, JobState::Overdue).is_err());
    assert!(e.history.drop_job(overdue.id).is_err());
    assert_eq!(
        e.history.job(overdue.id).unwrap().attempt_id,
        Some(confirmed)
    );
    assert_eq!(e.creates(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runners_at_once_place_every_job_exactly_once() {
    let e = env().await;
    let (_h2, calls2) = e.second_runner();
    const JOBS: usize = 12;
    for i in 0..JOBS {
        e.schedule(SF, &format!("Mission {i}"), mins(1));
    }
    e.clock.advance(mins(1));
    let now = e.now();
    let a = {
        let c = e.calls.clone();
        tokio::spawn(async move { c.run_due(now).await.unwrap() })
    };
    let b = tokio::spawn(async move { calls2.run_due(now).await.unwrap() });
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert_eq!(a.placed.len() + b.placed.len(), JOBS, "{a:?}\n{b:?}");
    assert_eq!(e.creates(), JOBS as u64);
    let placed = e.history.jobs(&[JobState::Placed]).unwrap();
    assert_eq!(placed.len(), JOBS);
    let mut attempts: Vec<_> = placed.iter().map(|j| j.attempt_id.unwrap()).collect();
    attempts.sort();
    attempts.dedup();
    assert_eq!(attempts.len(), JOBS);
}

#[tokio::test]
async fn a_runner_killed_after_its_claim_leaves_an_unknown_outcome_never_sent_again() {
    let e = env().await;
    let job = e.schedule(SF, MISSION, mins(1));
    e.clock.advance(mins(1));
    // A process claims the job, then dies before its request goes out.
    let (h2, _) = e.second_runner();
    let attempt = h2.claim_job(job.id, JobState::Waiting).unwrap();
    assert_eq!(h2.get(attempt).unwrap().status.word(), "sending");
    drop(h2);
    // Its owner is gone: the attempt is an unknown outcome at once.
    let marked = e.history.recover_interrupted().unwrap();
    assert_eq!(marked.len(), 1);
    assert_eq!(marked[0].id, attempt);
    assert_eq!(marked[0].status.word(), "unknown_outcome");
    // The job stays placed (linked to its attempt): no runner sends it again.
    for _ in 0..3 {
        assert!(e.calls.run_due(e.now()).await.unwrap().is_empty());
        e.clock.advance(mins(1));
    }
    let job = e.history.job(job.id).unwrap();
    assert_eq!(
        (job.state, job.attempt_id),
        (JobState::Placed, Some(attempt))
    );
    assert_eq!(e.creates(), 0);
}

#[tokio::test]
async fn a_lost_answer_is_an_unknown_outcome_and_the_job_is_not_sent_again() {
    let e = env().await;
    let job = e.schedule(SF, MISSION, mins(1));
    e.clock.advance(mins(1));
    e.sim.inject(Fault::new(FaultKind::Hang).on(Route::Create));
    let report = e.calls.run_due(e.now()).await.unwrap();
    assert_eq!(report.placed.len(), 1, "{report:?}");
    assert_eq!(report.placed[0].1.status.word(), "unknown_outcome");
    e.sim.clear_faults();
    e.clock.advance(mins(1));
    assert!(e.calls.run_due(e.now()).await.unwrap().is_empty());
    assert_eq!(e.creates(), 1);
    assert_eq!(e.history.job(job.id).unwrap().state, JobState::Placed);
}

#[tokio::test]
async fn a_job_repeating_a_call_just_placed_by_hand_is_refused_when_due() {
    let e = env().await;
    let job = e.schedule(SF, MISSION, mins(1));
    e.clock.advance(secs(50));
    e.calls.place(&req(SF, MISSION)).await.unwrap();
    e.clock.advance(secs(10));
    let report = e.calls.run_due(e.now()).await.unwrap();
    assert!(report.placed.is_empty(), "{report:?}");
    assert_eq!(report.refused.len(), 1);
    let refused = e.history.job(job.id).unwrap();
    assert_eq!(refused.state, JobState::NotPlaced);
    assert!(refused.note.contains("same call"), "{}", refused.note);
    assert_eq!(e.creates(), 1);
}

#[tokio::test]
async fn times_are_checked_and_a_job_goes_only_to_its_own_origin() {
    let e = env().await;
    for when in [
        e.now() - secs(1),
        e.now(),
        e.now() + chrono::Duration::days(400),
    ] {
        assert!(matches!(
            e.calls.schedule(&req(SF, MISSION), when),
            Err(Error::ScheduleTime { .. })
        ));
    }
    assert!(matches!(
        e.calls.schedule(&req("12", MISSION), e.now() + mins(1)),
        Err(Error::InvalidPhone(_))
    ));
    assert!(e.history.jobs(&JobState::ALL).unwrap().is_empty());

    // A job for another service address: this runner leaves it alone; it waits for its own
    // (and, found late, becomes overdue), and it is never confirmed here.
    let other = Calls::new(
        e.history.clone(),
        client(&e.sim.base_url()),
        Origin::Service("https://api.example.invalid/v1".into()),
    );
    let job = other
        .schedule(&req(SF, MISSION), e.now() + mins(1))
        .unwrap();
    e.clock.advance(mins(1));
    assert!(e.calls.run_due(e.now()).await.unwrap().is_empty());
    assert_eq!(e.history.job(job.id).unwrap().state, JobState::Waiting);
    e.clock.advance(mins(10));
    assert_eq!(e.calls.run_due(e.now()).await.unwrap().overdue.len(), 1);
    assert!(matches!(
        e.calls.confirm_overdue(job.id).await,
        Err(Error::ScheduledElsewhere { .. })
    ));
    assert_eq!(e.creates(), 0);
}

#[tokio::test]
async fn a_confirmed_call_can_be_scheduled_once() {
    let e = env().await;
    let c = e.calls.confirm(&req(SF, MISSION)).unwrap();
    let job = e
        .calls
        .schedule_confirmed(&c.token, e.now() + mins(5))
        .unwrap();
    assert_eq!((job.phone_e164.as_str(), job.task.as_str()), (SF, MISSION));
    assert!(matches!(
        e.calls.schedule_confirmed(&c.token, e.now() + mins(5)),
        Err(Error::NotConfirmed)
    ));
    assert_eq!(e.history.jobs(&JobState::ALL).unwrap().len(), 1);
}

#[tokio::test]
async fn a_job_whose_number_goes_on_the_do_not_call_list_is_never_sent() {
    let e = env().await;
    let job = e.schedule(SF, MISSION, mins(5));
    // Listed by another process after the job was scheduled.
    let (other, _) = e.second_runner();
    other
        .add_do_not_call(
            SF,
            "asked not to be called",
            missioncall_core::do_not_call::Source::Typed,
        )
        .unwrap();
    e.clock.advance(mins(5));
    let report = e.calls.run_due(e.now()).await.unwrap();
    assert!(report.placed.is_empty(), "{report:?}");
    assert_eq!(report.refused.len(), 1, "{report:?}");
    let refused = e.history.job(job.id).unwrap();
    assert_eq!(refused.state, JobState::NotPlaced);
    assert!(
        refused.note.contains("asked not to be called"),
        "{}",
        refused.note
    );
    // A listed number cannot be scheduled either.
    let again = e.calls.schedule(&req(SF, MISSION), e.now() + mins(5));
    assert!(
        matches!(again, Err(missioncall_core::Error::DoNotCall { .. })),
        "{again:?}"
    );
    e.clock.advance(mins(60));
    e.calls.run_due(e.now()).await.unwrap();
    assert_eq!(e.creates(), 0, "nothing reached the service");
    assert!(
        e.history.list(&Default::default()).unwrap().is_empty(),
        "no attempt row"
    );
}
