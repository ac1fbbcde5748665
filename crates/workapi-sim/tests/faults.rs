//! Integration tests of fault injection and the `/_sim` control API over real loopback HTTP:
//! 500/503/429, hang, drop, garbage, route filters and counts, forced statuses, stats.
//!
//! These tests must never reach anything but a simulator they started, and must stay fast: a
//! hanging request is always bounded by a short client timeout.

mod common;

use std::time::{Duration, Instant, SystemTime};

use common::*;
use serde_json::{json, Value};
use workapi_sim::{Fault, FaultKind, RetryAfter, Route, DEMO_KEY};

fn body() -> Value {
    json!({"phone_number": PHONE, "task": "Ask about the refund"})
}

#[tokio::test]
async fn fault_500_is_answered_before_processing() {
    let sim = start_frozen().await;
    sim.inject(Fault::new(FaultKind::InternalError).on(Route::Create));
    let c = client();
    let r = create_raw(&c, &sim, DEMO_KEY, &body()).await;
    assert_eq!(r.status(), 500);
    assert_eq!(error_code(r).await, "INTERNAL_ERROR");
    let s = sim.stats();
    assert_eq!((s.creates, s.tasks_created), (1, 0));
    assert_eq!(
        create_raw(&c, &sim, DEMO_KEY, &body()).await.status(),
        201,
        "one use only"
    );
}

#[tokio::test]
async fn fault_503_has_a_non_json_body() {
    let sim = start_frozen().await;
    sim.inject(Fault::new(FaultKind::Unavailable));
    let r = get(&client(), &sim, "65abc123def4567890abcdef").await;
    assert_eq!(r.status(), 503);
    let text = r.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());
}

#[tokio::test]
async fn fault_429_in_seconds_and_http_date_forms() {
    let sim = start_frozen().await;
    let c = client();
    sim.inject(Fault::new(FaultKind::RateLimited {
        retry_after: RetryAfter::Seconds(7),
    }));
    sim.inject(Fault::new(FaultKind::RateLimited {
        retry_after: RetryAfter::HttpDate(30),
    }));
    let r = create_raw(&c, &sim, DEMO_KEY, &body()).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
    assert_eq!(error_code(r).await, "RATE_LIMITED");

    let r = create_raw(&c, &sim, DEMO_KEY, &body()).await;
    assert_eq!(r.status(), 429);
    let date = httpdate::parse_http_date(r.headers()["retry-after"].to_str().unwrap()).unwrap();
    let ahead = date.duration_since(SystemTime::now()).unwrap();
    assert!(
        ahead > Duration::from_secs(20) && ahead <= Duration::from_secs(31),
        "{ahead:?}"
    );
    assert_eq!(sim.stats().tasks_created, 0);
}

#[tokio::test]
async fn hang_processes_the_request_then_never_answers() {
    let sim = start_frozen().await;
    sim.inject(Fault::new(FaultKind::Hang).on(Route::Create));
    let c = client();
    let err = c
        .post(format!("{}/tasks", sim.base_url()))
        .bearer_auth(DEMO_KEY)
        .json(&body())
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .expect_err("no answer");
    assert!(err.is_timeout(), "{err:?}");
    let s = sim.stats();
    assert_eq!(
        (s.creates, s.tasks_created),
        (1, 1),
        "exactly one POST, and it created the task"
    );

    // A second request still on hold must not keep shutdown waiting.
    sim.inject(Fault::new(FaultKind::Hang));
    let pending = tokio::spawn({
        let c = c.clone();
        let url = format!("{}/tasks/65abc123def4567890abcdef", sim.base_url());
        async move { c.get(url).bearer_auth(DEMO_KEY).send().await }
    });
    // On hold: the simulator has it, and the fault is used up.
    until("holding the GET", || {
        sim.stats().gets == 1 && sim.pending_faults().is_empty()
    })
    .await;
    let t = Instant::now();
    sim.shutdown().await;
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "shutdown took {:?}",
        t.elapsed()
    );
    let _ = pending.await;
}

#[tokio::test]
async fn drop_processes_the_request_then_closes_without_answer() {
    let sim = start_frozen().await;
    sim.inject(Fault::new(FaultKind::Drop).on(Route::Create));
    let c = client();
    let t = Instant::now();
    let err = c
        .post(format!("{}/tasks", sim.base_url()))
        .bearer_auth(DEMO_KEY)
        .json(&body())
        .send()
        .await
        .expect_err("connection dropped");
    assert!(!err.is_timeout(), "{err:?}");
    assert!(err.status().is_none());
    assert!(t.elapsed() < Duration::from_secs(5));
    assert_eq!(sim.stats().tasks_created, 1);
    assert_eq!(sim.task_count(), 1);

    // The server is fine afterwards.
    assert_eq!(create_raw(&c, &sim, DEMO_KEY, &body()).await.status(), 201);
}

#[tokio::test]
async fn drop_sends_not_a_single_response_byte() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let sim = start_frozen().await;
    sim.inject(Fault::new(FaultKind::Drop));
    let payload = body().to_string();
    let request = format!(
        "POST {}/tasks HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {DEMO_KEY}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{payload}",
        workapi_sim::BASE_PATH,
        sim.addr(),
        payload.len()
    );
    let mut tcp = tokio::net::TcpStream::connect(sim.addr()).await.unwrap();
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut got))
        .await
        .expect("the server closes the connection");
    assert!(got.is_empty(), "got {:?}", String::from_utf8_lossy(&got));
    let _ = read; // EOF or reset: both mean "closed without an answer"
    assert_eq!(sim.stats().tasks_created, 1);
}

#[tokio::test]
async fn garbage_is_200_with_a_non_json_body() {
    let sim = start_frozen().await;
    sim.inject(Fault::new(FaultKind::Garbage).on(Route::Create));
    let r = create_raw(&client(), &sim, DEMO_KEY, &body()).await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    assert_eq!(
        sim.stats().tasks_created,
        1,
        "processed before the body was mangled"
    );
}

#[tokio::test]
async fn faults_respect_route_and_count_and_can_be_cleared() {
    let sim = start_frozen().await;
    let c = client();
    let id = id_of(&create(&c, &sim, "x").await);
    sim.inject(
        Fault::new(FaultKind::InternalError)
            .on(Route::Cancel)
            .times(2),
    );
    assert_eq!(
        get(&c, &sim, &id).await.status(),
        200,
        "gets are not affected"
    );
    assert_eq!(cancel(&c, &sim, &id).await.status(), 500);
    assert_eq!(sim.pending_faults().len(), 1);
    assert_eq!(sim.pending_faults()[0].count, 1);
    sim.clear_faults();
    assert!(sim.pending_faults().is_empty());
    assert_eq!(cancel(&c, &sim, &id).await.status(), 200);
    let s = sim.stats();
    assert_eq!((s.creates, s.gets, s.cancels), (1, 1, 2));
}

#[tokio::test]
async fn forced_unknown_status_sticks() {
    let sim = start(workapi_sim::SimConfig {
        timings: quick_timings(5),
        ..Default::default()
    })
    .await;
    let c = client();
    let id = id_of(&create(&c, &sim, "x").await);
    // A witness created with it: once the clock has walked the witness through its whole
    // lifecycle, it had every chance to move the forced task too.
    let witness = id_of(&create(&c, &sim, "witness").await);
    assert!(sim.force_status(&id, "failed"));
    assert!(!sim.force_status("65abc123def4567890abcdef", "failed"));
    until_status(&sim, &witness, "completed").await;
    let v: Value = get(&c, &sim, &id).await.json().await.unwrap();
    assert_eq!(v["status"], "failed");
    assert_eq!(v["result_data"], Value::Null);
    assert_eq!(cancel(&c, &sim, &id).await.status(), 409);
}

#[tokio::test]
async fn control_api_over_http() {
    let sim = start_frozen().await;
    let c = client();
    let ctl = sim.control_url();

    let v: Value = c
        .get(format!("{ctl}/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "ok");

    let id = id_of(&create(&c, &sim, "Ask for the manager").await);

    let r = c
        .post(format!("{ctl}/faults"))
        .json(&json!({"kind": "429", "retry_after": {"seconds": 3}, "count": 2, "route": "get"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let listed: Value = c
        .get(format!("{ctl}/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["faults"][0]["kind"], "429");
    assert_eq!(listed["faults"][0]["count"], 2);
    let r = get(&c, &sim, &id).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "3");
    assert_eq!(
        c.delete(format!("{ctl}/faults"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(get(&c, &sim, &id).await.status(), 200);

    let r = c
        .post(format!("{ctl}/faults"))
        .json(&json!({"kind": "explode"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    let r = c
        .post(format!("{ctl}/tasks/{id}/status"))
        .json(&json!({"status": "expired"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "expired");
    let v: Value = c
        .get(format!("{ctl}/tasks/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "expired");
    let r = c
        .post(format!("{ctl}/tasks/65abc123def4567890abcdef/status"))
        .json(&json!({"status": "failed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    let r = c
        .put(format!("{ctl}/error-shape"))
        .json(&json!({"shape": "error_string"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = get(&c, &sim, "65abc123def4567890abcdef")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["error"], "NOT_FOUND");

    let stats: Value = c
        .get(format!("{ctl}/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["creates"], 1);
    assert_eq!(stats["gets"], 3, "control calls are not counted");
    assert_eq!(stats["tasks_created"], 1);
}

#[tokio::test]
async fn forcing_completed_fills_the_result() {
    let sim = start_frozen().await;
    let c = client();
    let id = id_of(&create(&c, &sim, "Ask for the manager").await);
    assert!(sim.force_status(&id, "completed"));
    let t = sim.task(&id).unwrap();
    assert_eq!(t.status, "completed");
    assert!(t.result_data.is_some());
}
