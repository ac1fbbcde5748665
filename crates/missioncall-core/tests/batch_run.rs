//! Batches against the simulator over real loopback HTTP, with the history in a real SQLite
//! file and a pinned clock (no sleeps): a confirmed dry run becomes a batch whose rows the
//! scheduled calls' runner places, each once, at most the batch's concurrency at once; pause,
//! resume and cancel; a batch whose process is gone is paused, never resumed by itself, and
//! resuming it never places a row twice; the results as CSV.
//!
//! The simulator runs its calls a thousand times slower than real time, so a call stays "going" until the test finishes
//! it (`force_status`, then `refresh`); its `stats().creates` witnesses every send.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use missioncall_core::batch::{self, PlanOptions};
use missioncall_core::batch_run;
use missioncall_core::call::BatchState;
use missioncall_core::callee_time::CallingHours;
use missioncall_core::calls::Calls;
use missioncall_core::clock::ManualClock;
use missioncall_core::do_not_call::Source;
use missioncall_core::history::{Batch, History, JobState};
use missioncall_core::identity::CallerIdentity;
use workapi::{ApiKey, Client};
use workapi_sim::{Sim, SimConfig, SimHandle, DEMO_KEY};

/// 12:00 in San Francisco and New York's morning: inside the default hours for every row.
fn noon_in_sf() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 13, 20, 0, 0).unwrap()
}

const FILE: &str = "\u{feff}name;phone;order\n\
Ada;(415) 555-2671;A-1\n\
Ben;'+1 415 555 2672;A-2\n\
\n\
Cy;4.15555E+10;A-3\n\
Dee;415 555 2673;A-4\n\
Eve;(415) 555-2671;A-5\n\
Fay;415 555 2674;A-6\n\
Gus;415 555 2675;A-7\n\
Hal;415 555 2676;A-8\n";

const TEMPLATE: &str = "Ask {{name}} whether order {{order}} arrived";

struct Env {
    sim: SimHandle,
    dir: tempfile::TempDir,
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
        speed: 0.001,
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(noon_in_sf());
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
    fn plan(&self) -> batch::Plan {
        let sheet = batch::read_sheet(FILE.as_bytes()).unwrap();
        let facts = batch_run::facts(&self.history, self.clock.now()).unwrap();
        batch::plan(
            &sheet,
            TEMPLATE,
            &PlanOptions {
                region: Some("US".into()),
                phone_column: None,
                now: self.clock.now(),
                hours: CallingHours::default(),
                apply_hours: true,
                identity: CallerIdentity::default(),
            },
            &facts,
        )
        .unwrap()
    }

    fn start(&self, concurrency: u8) -> Batch {
        let plan = self.plan();
        self.calls
            .start_batch("customers.csv", TEMPLATE, &plan, concurrency)
            .unwrap()
    }

    async fn run(&self) -> usize {
        self.calls
            .run_due(self.clock.now())
            .await
            .unwrap()
            .placed
            .len()
    }

    /// Ends every call of the batch still going, as the service would.
    async fn finish_going(&self, batch: i64) {
        for c in self.history.going_calls(batch).unwrap() {
            assert!(self
                .sim
                .force_status(c.task_id.as_deref().unwrap(), "completed"));
            self.calls.refresh(c.id).await.unwrap();
        }
    }

    fn creates(&self) -> u64 {
        self.sim.stats().creates
    }
}

use missioncall_core::clock::Clock;

#[tokio::test]
async fn each_row_is_placed_once_and_never_more_than_its_concurrency_at_once() {
    let e = env().await;
    // A number on the do-not-call list is kept out of the batch by the dry run.
    e.history
        .add_do_not_call("+14155552676", "asked not to be called", Source::Typed)
        .unwrap();
    let b = e.start(2);
    assert_eq!(b.state, BatchState::Running);
    assert_eq!(
        b.counts.rows, 8,
        "the blank row is skipped and not numbered"
    );
    // Ada, Ben, Dee, Fay, Gus: Cy's number was mangled, Eve repeats Ada, Hal is listed.
    assert_eq!(b.counts.waiting, 5);
    assert_eq!(b.counts.skipped, 3);
    assert_eq!(e.creates(), 0, "starting a batch sends nothing");

    assert_eq!(e.run().await, 2);
    assert_eq!(e.creates(), 2);
    assert_eq!(e.run().await, 0, "two calls going: no third");
    assert_eq!(e.creates(), 2);
    let mut rounds = 0;
    while e.history.batch(b.id).unwrap().state == BatchState::Running {
        e.finish_going(b.id).await;
        e.run().await;
        let going = e.history.batch(b.id).unwrap().counts.going;
        assert!(going <= 2, "{going} calls going at once");
        rounds += 1;
        assert!(rounds < 10, "the batch never ended");
    }
    let done = e.history.batch(b.id).unwrap();
    assert_eq!(done.state, BatchState::Done);
    assert_eq!(done.counts.placed, 5);
    assert_eq!(e.creates(), 5, "each row once");

    // The rows, in file order, with what became of each; the missions as sent.
    let rows = e.history.batch_rows(b.id).unwrap();
    assert_eq!(rows.len(), 8);
    assert_eq!(
        rows[0].call.as_ref().unwrap().task,
        "Ask Ada whether order A-1 arrived"
    );
    assert_eq!(rows[2].verdict, "invalid");
    assert!(rows[2]
        .reason
        .as_deref()
        .unwrap()
        .contains("scientific notation"));
    assert_eq!(rows[4].verdict, "duplicate_in_file");
    assert_eq!(rows[7].verdict, "do_not_call");
    let mut csv = Vec::new();
    assert_eq!(batch_run::write_results(&rows, &mut csv).unwrap(), 8);
    let text = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "\u{feff}row,number,task_id,status,outcome,note");
    assert_eq!(lines.len(), 9);
    assert!(lines[1].starts_with("1,'+14155552671,"), "{}", lines[1]);
    assert!(lines[1].contains(rows[0].call.as_ref().unwrap().task_id.as_deref().unwrap()));
    assert!(
        lines[3].starts_with("3,4.15555E+10,,Not placed,,"),
        "{}",
        lines[3]
    );
}

#[tokio::test]
async fn pause_stops_new_calls_and_resume_goes_on() {
    let e = env().await;
    let b = e.start(1);
    assert_eq!(e.run().await, 1);
    e.history.pause_batch(b.id).unwrap();
    e.finish_going(b.id).await;
    assert_eq!(e.run().await, 0, "paused: nothing more is placed");
    assert_eq!(e.creates(), 1);
    let paused = e.history.batch(b.id).unwrap();
    assert_eq!(paused.state, BatchState::Paused);
    // Pausing twice is refused in plain words.
    let again = e.history.pause_batch(b.id).unwrap_err().to_string();
    assert!(
        again.contains("is paused, so it cannot be paused"),
        "{again}"
    );

    e.history.resume_batch(b.id).unwrap();
    assert_eq!(e.run().await, 1);
    assert_eq!(e.creates(), 2);
}

#[tokio::test]
async fn cancel_drops_the_rows_not_placed_and_cancels_the_calls_still_waiting() {
    let e = env().await;
    let b = e.start(2);
    assert_eq!(e.run().await, 2);
    let going = e.history.going_calls(b.id).unwrap();
    let cancelled = e.calls.cancel_batch(b.id).await.unwrap();
    assert_eq!(cancelled.state, BatchState::Cancelled);
    assert_eq!(cancelled.counts.waiting, 0);
    assert_eq!(cancelled.counts.not_placed, 4);
    // The calls the service still allowed to cancel were cancelled there.
    for c in going {
        let view = e.sim.task(c.task_id.as_deref().unwrap()).unwrap();
        assert_eq!(view.status, "cancelled", "call {}", c.id);
    }
    assert_eq!(e.run().await, 0);
    assert_eq!(e.creates(), 2);
    let rows = e.history.batch_rows(b.id).unwrap();
    let dropped = rows
        .iter()
        .filter(|r| {
            r.job
                .as_ref()
                .is_some_and(|j| j.state == JobState::Cancelled)
        })
        .count();
    assert_eq!(dropped, 4);
}

#[tokio::test]
async fn a_batch_whose_process_is_gone_is_paused_and_resuming_never_places_a_row_twice() {
    let e = env().await;
    let id = {
        // Another process starts the batch and places one row, then is gone.
        let other =
            Arc::new(History::open_in_dir_with_clock(e.dir.path(), e.clock.clone()).unwrap());
        let other_calls = Calls::real(other.clone(), client(&e.sim.base_url()));
        let plan = e.plan();
        let b = other_calls
            .start_batch("customers.csv", TEMPLATE, &plan, 1)
            .unwrap();
        assert_eq!(
            other_calls
                .run_due(e.clock.now())
                .await
                .unwrap()
                .placed
                .len(),
            1
        );
        // This process does not run another's batch.
        assert_eq!(e.run().await, 0);
        b.id
    };
    // Its handle is dropped: its owner lock is released, as when a process ends.
    let report = e.calls.run_due(e.clock.now()).await.unwrap();
    assert_eq!(report.paused_batches.len(), 1);
    assert!(report.placed.is_empty(), "never resumed by itself");
    let paused = e.history.batch(id).unwrap();
    assert_eq!(paused.state, BatchState::Paused);
    assert_eq!(paused.note, batch_run::ORPHANED_NOTE);
    assert_eq!(e.creates(), 1);

    e.history.resume_batch(id).unwrap();
    let mut rounds = 0;
    while e.history.batch(id).unwrap().state == BatchState::Running {
        e.finish_going(id).await;
        e.run().await;
        rounds += 1;
        assert!(rounds < 10);
    }
    assert_eq!(
        e.creates(),
        6,
        "six rows, each sent once across both processes"
    );
    let numbers: Vec<String> = e
        .history
        .batch_rows(id)
        .unwrap()
        .into_iter()
        .filter_map(|r| r.call.map(|c| c.phone_e164))
        .collect();
    let mut unique = numbers.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(numbers.len(), unique.len());
}

#[tokio::test]
async fn a_second_run_of_the_same_file_the_same_day_places_nothing_again() {
    let e = env().await;
    let b = e.start(3);
    while e.history.batch(b.id).unwrap().state == BatchState::Running {
        e.run().await;
        e.finish_going(b.id).await;
    }
    assert_eq!(e.creates(), 6);
    let plan = e.plan();
    let counts = plan.counts();
    assert_eq!(counts.recent_duplicate, 6, "every number was called today");
    let refused = e
        .calls
        .start_batch("customers.csv", TEMPLATE, &plan, 1)
        .unwrap_err();
    assert!(refused
        .to_string()
        .contains("No row of this file can be called"));
    assert_eq!(e.creates(), 6);
}

#[tokio::test]
async fn a_concurrency_out_of_range_is_refused_and_nothing_is_stored() {
    let e = env().await;
    let plan = e.plan();
    for n in [0, 4] {
        let err = e
            .calls
            .start_batch("customers.csv", TEMPLATE, &plan, n)
            .unwrap_err();
        assert!(err.to_string().contains("1 to 3 calls at once"), "{err}");
    }
    assert!(e.history.batches().unwrap().is_empty());
}
