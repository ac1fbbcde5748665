//! Integration tests of signed `task.updated` webhooks: a tiny axum receiver on loopback collects
//! the events, and each one's `X-Webhook-Signature` is checked with an independent HMAC-SHA256.
//!
//! These tests must never send webhooks anywhere but their own loopback receiver, and must stay
//! fast (short timings; bounded waits).

mod common;

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use common::*;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::mpsc;
use workapi_sim::{SimConfig, WebhookConfig};

const SECRET: &str = "whsec_test_secret";

struct Receiver {
    url: String,
    events: mpsc::UnboundedReceiver<(HeaderMap, Bytes)>,
}

async fn receiver() -> Receiver {
    let (tx, events) = mpsc::unbounded_channel();
    let app = Router::new()
        .route(
            "/hook",
            post(
                |State(tx): State<mpsc::UnboundedSender<(HeaderMap, Bytes)>>,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let _ = tx.send((headers, body));
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver { url, events }
}

fn verified(headers: &HeaderMap, body: &[u8]) -> Value {
    let sig = headers["x-webhook-signature"].to_str().unwrap();
    let hex_sig = sig.strip_prefix("sha256=").expect("sha256= prefix");
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    mac.verify_slice(&hex::decode(hex_sig).unwrap())
        .expect("signature matches the raw body");
    assert_eq!(headers["content-type"], "application/json");
    serde_json::from_slice(body).unwrap()
}

async fn next_event(r: &mut Receiver) -> Value {
    let (headers, body) = tokio::time::timeout(Duration::from_secs(5), r.events.recv())
        .await
        .expect("webhook arrives in time")
        .expect("receiver alive");
    verified(&headers, &body)
}

async fn sim_with_webhook(r: &Receiver, step_ms: u64) -> workapi_sim::SimHandle {
    start(SimConfig {
        timings: quick_timings(step_ms),
        webhook: Some(WebhookConfig {
            url: r.url.clone(),
            secret: SECRET.into(),
        }),
        ..SimConfig::default()
    })
    .await
}

#[tokio::test]
async fn signed_event_on_create_and_every_status_change_without_polling() {
    let mut r = receiver().await;
    let sim = sim_with_webhook(&r, 40).await;
    let created = create(&client(), &sim, "Ask if the <em>parcel</em> arrived").await;

    let mut statuses = Vec::new();
    let mut last = Value::Null;
    while statuses.last().map(String::as_str) != Some("completed") {
        let ev = next_event(&mut r).await;
        assert_eq!(ev["event"], "task.updated");
        assert!(chrono::DateTime::parse_from_rfc3339(ev["timestamp"].as_str().unwrap()).is_ok());
        assert_eq!(ev["task_id"], created["task_id"]);
        assert_eq!(ev["task_number"], created["task_number"]);
        assert_eq!(ev["merchant_id"], created["merchant_id"]);
        assert_eq!(ev["task_data"], created["task_data"]);
        statuses.push(ev["status"].as_str().unwrap().to_owned());
        last = ev;
    }
    assert_eq!(
        statuses,
        ["pending", "accepted", "in_progress", "completed"]
    );
    assert!(last["result_data"]["concatenated_transcript"]
        .as_str()
        .unwrap()
        .contains("<em>parcel</em>"));
    assert!(last["result_data"]["summary"].is_string());
    assert_eq!(sim.stats().gets, 0, "the ticker advanced it; nobody polled");
    until("counting the 4th delivery", || {
        sim.stats().webhooks_sent >= 4
    })
    .await;

    // Nothing more about a finished task: a witness created now goes through its whole
    // lifecycle (the ticker runs many times meanwhile), and every event that arrives is the
    // witness's.
    let witness = create(&client(), &sim, "witness").await;
    for _ in 0..4 {
        let ev = next_event(&mut r).await;
        assert_eq!(ev["task_id"], witness["task_id"], "{ev}");
    }
    until("counting the witness's deliveries", || {
        sim.stats().webhooks_sent >= 8
    })
    .await;
    assert_eq!(sim.stats().webhooks_sent, 8);
}

#[tokio::test]
async fn cancel_and_forced_status_send_events() {
    let mut r = receiver().await;
    let sim = sim_with_webhook(&r, 60_000).await;
    let c = client();
    let a = id_of(&create(&c, &sim, "first").await);
    let b = id_of(&create(&c, &sim, "second").await);
    assert_eq!(cancel(&c, &sim, &a).await.status(), 200);
    assert!(sim.force_status(&b, "failed"));

    let got: Vec<(String, String)> = {
        let mut v = Vec::new();
        for _ in 0..4 {
            let ev = next_event(&mut r).await;
            v.push((
                ev["task_id"].as_str().unwrap().to_owned(),
                ev["status"].as_str().unwrap().to_owned(),
            ));
        }
        v
    };
    assert_eq!(
        got,
        [
            (a.clone(), "pending".to_owned()),
            (b.clone(), "pending".to_owned()),
            (a, "cancelled".to_owned()),
            (b, "failed".to_owned()),
        ]
    );
}

#[tokio::test]
async fn unreachable_receiver_never_hurts_the_api() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/hook", probe.local_addr().unwrap());
    drop(probe);
    let sim = start(SimConfig {
        timings: quick_timings(60_000),
        webhook: Some(WebhookConfig {
            url: dead,
            secret: SECRET.into(),
        }),
        ..SimConfig::default()
    })
    .await;
    let c = client();
    let id = id_of(&create(&c, &sim, "x").await);
    assert_eq!(get(&c, &sim, &id).await.status(), 200);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while sim.stats().webhooks_failed == 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(sim.stats().webhooks_failed, 1);
}
