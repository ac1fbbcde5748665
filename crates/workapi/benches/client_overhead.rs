//! What `workapi::Client` costs over plain reqwest: one create + one get round trip against the
//! simulator on loopback (rate limit off), through the typed client and through a raw
//! `reqwest::Client` configured the same way (rustls, gzip, same timeouts, no redirects, one
//! connection pool reused across iterations), then the ratio of the two means.
//!
//! Run: `cargo bench -p workapi --bench client_overhead -- --warm-up-time 1 --measurement-time 5`.
//! The raw side does the work the typed client must do too (send the key, encode the body,
//! check the status, parse the JSON and pick out the id), so the ratio is the price of the
//! typed layer: the retry loop's bookkeeping, the error mapping and the tolerant decoding.

use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use reqwest::header::AUTHORIZATION;
use serde_json::Value;
use tokio::runtime::Runtime;
use workapi::{ApiKey, Client, NewTask};
use workapi_sim::{Sim, SimConfig, SimHandle, DEMO_KEY};

const PHONE: &str = "+14155552671";
const MISSION: &str = "Ask whether the blue bicycle is still for sale";

struct Setup {
    rt: Runtime,
    _sim: SimHandle,
    base: String,
    typed: Client,
    raw: reqwest::Client,
}

fn setup() -> Setup {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sim = rt
        .block_on(Sim::start(SimConfig {
            rate_limit: None,
            speed: 0.001,
            ..SimConfig::default()
        }))
        .unwrap();
    let base = sim.base_url();
    let typed = Client::builder(ApiKey::new(DEMO_KEY).unwrap())
        .base_url(&base)
        .build()
        .unwrap();
    let raw = reqwest::Client::builder()
        .use_rustls_tls()
        .gzip(true)
        .user_agent("MissionCall-bench")
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Setup {
        rt,
        _sim: sim,
        base,
        typed,
        raw,
    }
}

async fn typed_round_trip(c: &Client) {
    let t = c
        .tasks()
        .create(&NewTask::new(PHONE, MISSION))
        .await
        .unwrap();
    let read = c.tasks().get(&t.id).await.unwrap();
    assert_eq!(read.id, t.id);
}

async fn raw_round_trip(c: &reqwest::Client, base: &str) {
    let auth = format!("Bearer {DEMO_KEY}");
    let resp = c
        .post(format!("{base}/tasks"))
        .header(AUTHORIZATION, &auth)
        .json(&serde_json::json!({"phone_number": PHONE, "task": MISSION}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let created: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    let id = created["task_id"].as_str().unwrap().to_owned();
    let resp = c
        .get(format!("{base}/tasks/{id}"))
        .header(AUTHORIZATION, &auth)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let read: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(read["task_id"].as_str(), Some(id.as_str()));
}

fn round_trips(c: &mut Criterion) {
    let s = setup();
    let mut g = c.benchmark_group("create+get");
    g.bench_function("workapi::Client", |b| {
        b.to_async(&s.rt).iter(|| typed_round_trip(&s.typed))
    });
    g.bench_function("raw reqwest", |b| {
        b.to_async(&s.rt).iter(|| raw_round_trip(&s.raw, &s.base))
    });
    g.finish();
}

/// Interleaved batches of both, so that drift (other load on the machine) hits both alike.
fn ratio() {
    let s = setup();
    const BATCH: u32 = 200;
    const ROUNDS: u32 = 10;
    let (mut typed, mut raw) = (Duration::ZERO, Duration::ZERO);
    s.rt.block_on(async {
        for _ in 0..BATCH {
            typed_round_trip(&s.typed).await;
            raw_round_trip(&s.raw, &s.base).await;
        }
        for _ in 0..ROUNDS {
            let t0 = Instant::now();
            for _ in 0..BATCH {
                typed_round_trip(&s.typed).await;
            }
            typed += t0.elapsed();
            let t0 = Instant::now();
            for _ in 0..BATCH {
                raw_round_trip(&s.raw, &s.base).await;
            }
            raw += t0.elapsed();
        }
    });
    let n = f64::from(BATCH * ROUNDS);
    let (t, r) = (typed.as_secs_f64() / n, raw.as_secs_f64() / n);
    println!(
        "\ncreate+get, {} interleaved round trips each: workapi::Client {:.1} µs, raw reqwest {:.1} µs, ratio {:.3}",
        BATCH * ROUNDS,
        t * 1e6,
        r * 1e6,
        t / r
    );
}

criterion_group!(benches, round_trips);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo test --benches` runs each bench once as a smoke test: skip the long comparison.
    if std::env::args().any(|a| a == "--bench") {
        ratio();
    }
}
