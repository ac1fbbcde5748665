//! Idle behaviour of the tracker, measured (used by `bench/run.sh`): against the simulator over
//! real loopback HTTP, with the real timing (`TrackerConfig::default()`), it counts
//!
//! - with no live task, over `--idle-secs` (60 by default): the tracker's HTTP requests, its timer
//!   wake-ups, and the GETs the simulator received (all should be 0);
//! - with N = 1, 10 and 100 live tasks, over a fixed `--window-secs` (30 by default): the same
//!   counters, to show that requests grow linearly with N.
//!
//! The simulator's tasks are made to stay live for hours, so every task is followed the whole
//! window. Prints a Markdown table, then one JSON line prefixed `TRACKER_JSON ` for scripts.
//!
//! Run: `cargo run -p missioncall-core --example tracker_load -- [--idle-secs S] [--window-secs S]`

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use missioncall_core::calls::{CallRequest, Calls};
use missioncall_core::history::History;
use missioncall_core::tracker::{Tracker, TrackerConfig};
use workapi::{ApiKey, Client};
use workapi_sim::{Sim, SimConfig, SimHandle, Timings, DEMO_KEY};

struct Row {
    live: usize,
    secs: u64,
    requests: u64,
    wakeups: u64,
    sim_gets: u64,
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One measurement: a fresh history with `live` tasks placed, then a tracker for `secs`.
async fn measure(sim: &SimHandle, live: usize, secs: u64) -> Row {
    let dir = tempfile::tempdir().expect("temp dir");
    let history = Arc::new(History::open_in_dir(dir.path()).expect("history"));
    let client = Client::builder(ApiKey::new(DEMO_KEY).expect("key"))
        .base_url(sim.base_url())
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let calls = Calls::real(history, client);
    for i in 0..live {
        let task = format!("Ask whether table {i} is free on Friday at 7pm");
        calls
            .place(&CallRequest {
                number: "+14155552671",
                region: None,
                task: &task,
                force: true,
            })
            .await
            .expect("placing a call on the simulator");
    }
    let gets_before = sim.stats().gets;
    let tracker = Tracker::start(calls, TrackerConfig::default());
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let stats = tracker.stats();
    let row = Row {
        live,
        secs,
        requests: stats.requests.load(Ordering::Relaxed),
        wakeups: stats.wakeups.load(Ordering::Relaxed),
        sim_gets: sim.stats().gets - gets_before,
    };
    tracker.shutdown().await;
    row
}

#[tokio::main]
async fn main() {
    let idle_secs = arg("--idle-secs", 60);
    let window_secs = arg("--window-secs", 30);
    let hours = Duration::from_secs(6 * 3600);
    let sim = Sim::start(SimConfig {
        rate_limit: None,
        timings: Timings {
            pending: hours,
            accepted: hours,
            in_progress: hours,
        },
        ..SimConfig::default()
    })
    .await
    .expect("starting the simulator");

    let mut rows = vec![measure(&sim, 0, idle_secs).await];
    for n in [1, 10, 100] {
        rows.push(measure(&sim, n, window_secs).await);
    }

    println!("| live tasks | window (s) | tracker requests | timer wake-ups | GETs seen by the simulator | requests per task |");
    println!("| ---: | ---: | ---: | ---: | ---: | ---: |");
    for r in &rows {
        let per = if r.live == 0 {
            "-".to_owned()
        } else {
            format!("{:.1}", r.requests as f64 / r.live as f64)
        };
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            r.live, r.secs, r.requests, r.wakeups, r.sim_gets, per
        );
    }
    let json: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{{\"live\":{},\"secs\":{},\"requests\":{},\"wakeups\":{},\"sim_gets\":{}}}",
                r.live, r.secs, r.requests, r.wakeups, r.sim_gets
            )
        })
        .collect();
    println!("TRACKER_JSON [{}]", json.join(","));
    sim.shutdown().await;
}
