//! Shared helpers for the simulator's integration tests: start a simulator, a proxy-free client,
//! and small request helpers.
//!
//! Helpers only; must never assert behaviour themselves (each test says what it checks) and never
//! talk to anything but the loopback simulator.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use workapi_sim::{Sim, SimConfig, SimHandle, Timings, DEMO_KEY};

pub const PHONE: &str = "+14151234567";

/// Timings short enough for tests yet long enough to observe each status by polling.
pub fn quick_timings(ms: u64) -> Timings {
    Timings {
        pending: Duration::from_millis(ms),
        accepted: Duration::from_millis(ms),
        in_progress: Duration::from_millis(ms),
    }
}

pub async fn start(cfg: SimConfig) -> SimHandle {
    Sim::start(cfg).await.expect("simulator starts")
}

/// A simulator whose tasks stay `pending` for a minute (so nothing moves during a test).
pub async fn start_frozen() -> SimHandle {
    start(SimConfig {
        timings: Timings {
            pending: Duration::from_secs(60),
            ..Timings::default()
        },
        ..SimConfig::default()
    })
    .await
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client builds")
}

pub async fn create_raw(
    c: &reqwest::Client,
    sim: &SimHandle,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    c.post(format!("{}/tasks", sim.base_url()))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .expect("create request answered")
}

/// Creates a task with the demo key; returns the task JSON.
pub async fn create(c: &reqwest::Client, sim: &SimHandle, task: &str) -> Value {
    let r = create_raw(
        c,
        sim,
        DEMO_KEY,
        &json!({"phone_number": PHONE, "task": task}),
    )
    .await;
    assert_eq!(r.status(), 201);
    r.json().await.expect("task JSON")
}

pub async fn get(c: &reqwest::Client, sim: &SimHandle, id: &str) -> reqwest::Response {
    c.get(format!("{}/tasks/{id}", sim.base_url()))
        .bearer_auth(DEMO_KEY)
        .send()
        .await
        .expect("get answered")
}

pub async fn cancel(c: &reqwest::Client, sim: &SimHandle, id: &str) -> reqwest::Response {
    c.post(format!("{}/tasks/{id}/cancel", sim.base_url()))
        .bearer_auth(DEMO_KEY)
        .send()
        .await
        .expect("cancel answered")
}

pub fn id_of(task: &Value) -> String {
    task["task_id"].as_str().expect("task_id").to_owned()
}

/// The nested-shape error code of a response.
pub async fn error_code(r: reqwest::Response) -> String {
    let v: Value = r.json().await.expect("error JSON");
    v["error"]["code"].as_str().unwrap_or_default().to_owned()
}

/// How long a test waits for something that should happen in a few milliseconds before it
/// fails; a wait stops as soon as the thing has happened.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// Waits until `done()` is true, checking every 2 ms; panics with `what` after [`PATIENCE`].
pub async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "still not {what} after {PATIENCE:?}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Waits until the simulator's clock has moved task `id` to `status` (read without counting a
/// request).
pub async fn until_status(sim: &SimHandle, id: &str, status: &str) {
    until(&format!("at {status}"), || {
        sim.task(id).is_some_and(|t| t.status == status)
    })
    .await;
}
