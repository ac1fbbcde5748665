//! Integration tests of the simulated WorkAPI endpoints over real loopback HTTP: auth, validation,
//! the lifecycle on the scaled clock, results, cancel, 404, rate limiting and error shapes.
//!
//! These tests must never reach anything but a simulator they started, and must stay fast
//! (short timings or high speeds; no sleeps longer than a fraction of a second).

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use workapi_sim::{
    call_script, ErrorShape, Outcome, RateLimit, SimConfig, Timings, DEMO_KEY, MAX_TASK_CHARS,
};

#[tokio::test]
async fn missing_or_wrong_key_is_401_on_every_route() {
    let sim = start_frozen().await;
    let c = client();
    let url = format!("{}/tasks", sim.base_url());
    let body = json!({"phone_number": PHONE, "task": "x"});

    let r = c.post(&url).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(error_code(r).await, "UNAUTHORIZED");

    let r = create_raw(&c, &sim, "sk_live_wrong", &body).await;
    assert_eq!(r.status(), 401);

    let r = c
        .post(&url)
        .header("Authorization", format!("Basic {DEMO_KEY}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let id = "65abc123def4567890abcdef";
    for r in [
        c.get(format!("{url}/{id}")).send().await.unwrap(),
        c.post(format!("{url}/{id}/cancel"))
            .bearer_auth("nope")
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(r.status(), 401);
        assert_eq!(error_code(r).await, "UNAUTHORIZED");
    }
    assert_eq!(sim.task_count(), 0);
    let s = sim.stats();
    assert_eq!(
        (s.creates, s.gets, s.cancels),
        (3, 1, 1),
        "counted on arrival, even when refused"
    );
}

#[tokio::test]
async fn forbidden_key_is_403() {
    let sim = start(SimConfig {
        forbidden_keys: vec!["sk_live_no_access".into()],
        ..SimConfig::default()
    })
    .await;
    let r = create_raw(
        &client(),
        &sim,
        "sk_live_no_access",
        &json!({"phone_number": PHONE, "task": "x"}),
    )
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(error_code(r).await, "FORBIDDEN");
    assert_eq!(sim.task_count(), 0);
}

#[tokio::test]
async fn every_validation_error_is_400_naming_the_field() {
    let sim = start_frozen().await;
    let c = client();
    let cases: Vec<Value> =
        serde_json::from_str(include_str!("fixtures/invalid_create_bodies.json")).unwrap();
    let too_long = "a".repeat(MAX_TASK_CHARS + 1);
    let mut all: Vec<(String, String, String)> = cases
        .iter()
        .map(|case| {
            let raw = match (&case["raw"], &case["body"]) {
                (Value::String(raw), _) => raw.clone(),
                (_, body) => body.to_string(),
            };
            (
                case["name"].as_str().unwrap().to_owned(),
                raw,
                case["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    all.push((
        "task too long".into(),
        json!({"phone_number": PHONE, "task": too_long}).to_string(),
        "task".into(),
    ));
    for (name, raw, field) in all {
        let r = c
            .post(format!("{}/tasks", sim.base_url()))
            .bearer_auth(DEMO_KEY)
            .header("Content-Type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{name}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "VALIDATION_ERROR", "{name}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains(&field), "{name}: {msg:?} should name {field}");
    }
    assert_eq!(sim.task_count(), 0);

    let at_limit = "é".repeat(MAX_TASK_CHARS);
    let r = create_raw(
        &c,
        &sim,
        DEMO_KEY,
        &json!({"phone_number": PHONE, "task": at_limit}),
    )
    .await;
    assert_eq!(r.status(), 201, "exactly MAX_TASK_CHARS characters is fine");
}

#[tokio::test]
async fn oversized_body_is_413_with_error_body() {
    let sim = start_frozen().await;
    let huge = json!({"phone_number": PHONE, "task": "x".repeat(100 * 1024)});
    let r = create_raw(&client(), &sim, DEMO_KEY, &huge).await;
    assert_eq!(r.status(), 413);
    assert_eq!(error_code(r).await, "VALIDATION_ERROR");
    assert_eq!(sim.task_count(), 0);
}

#[tokio::test]
async fn create_answers_201_pending_task_object() {
    let sim = start_frozen().await;
    let c = client();
    let a = create(&c, &sim, "Ask whether they are open on Sunday").await;
    let b = create(&c, &sim, "Second errand").await;

    let id = id_of(&a);
    assert_eq!(id.len(), 24);
    assert!(id.chars().all(|ch| ch.is_ascii_hexdigit()));
    assert_eq!(a["status"], "pending");
    assert_eq!(
        a["task_data"],
        json!({"phone_number": PHONE, "task": "Ask whether they are open on Sunday"})
    );
    assert_eq!(a["result_data"], Value::Null);
    assert_eq!(a["merchant_id"].as_str().unwrap().len(), 24);
    assert!(b["task_number"].as_u64().unwrap() > a["task_number"].as_u64().unwrap());
    for field in ["created_at", "updated_at"] {
        chrono::DateTime::parse_from_rfc3339(a[field].as_str().unwrap()).expect(field);
    }

    let got: Value = get(&c, &sim, &id).await.json().await.unwrap();
    assert_eq!(got, a, "a frozen task reads back exactly as created");
    assert_eq!(sim.stats().tasks_created, 2);
}

#[tokio::test]
async fn lifecycle_walks_pending_accepted_in_progress_completed() {
    let sim = start(SimConfig {
        timings: quick_timings(250),
        ..SimConfig::default()
    })
    .await;
    let c = client();
    let id = id_of(&create(&c, &sim, "Confirm my dentist appointment").await);
    let mut seen: Vec<String> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    let last = loop {
        let v: Value = get(&c, &sim, &id).await.json().await.unwrap();
        let status = v["status"].as_str().unwrap().to_owned();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if status == "completed" || Instant::now() > deadline {
            break v;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(seen, ["pending", "accepted", "in_progress", "completed"]);
    assert_ne!(last["updated_at"], last["created_at"]);
    let transcript = last["result_data"]["concatenated_transcript"]
        .as_str()
        .unwrap();
    assert!(transcript.starts_with("assistant: ") || transcript.starts_with("user: "));
    assert!(!last["result_data"]["summary"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn speed_factor_scales_the_realistic_timings() {
    // 32 s of lifecycle at speed 1000 is 32 ms.
    let sim = start(SimConfig {
        speed: 1000.0,
        ..SimConfig::default()
    })
    .await;
    let c = client();
    let started = Instant::now();
    let id = id_of(&create(&c, &sim, "Ask for a quote").await);
    // Realistically 32 s: done within the patience of a test shows the factor applied.
    until_status(&sim, &id, "completed").await;
    assert!(started.elapsed() < PATIENCE);
    let v: Value = get(&c, &sim, &id).await.json().await.unwrap();
    assert_eq!(v["status"], "completed");
}

#[tokio::test]
async fn results_are_deterministic_and_quote_the_task() {
    let sim = start(SimConfig {
        timings: quick_timings(1),
        ..SimConfig::default()
    })
    .await;
    let c = client();
    let task = "Ask for <b>Mr. O'Brien</b> & \"confirm\" <script>alert(1)</script>";
    let a = id_of(&create(&c, &sim, task).await);
    let b = id_of(&create(&c, &sim, task).await);
    until_status(&sim, &a, "completed").await;
    until_status(&sim, &b, "completed").await;
    let ra: Value = get(&c, &sim, &a).await.json().await.unwrap();
    let rb: Value = get(&c, &sim, &b).await.json().await.unwrap();
    assert_eq!(ra["status"], "completed");
    assert_eq!(ra["result_data"], rb["result_data"]);
    let expected = call_script(PHONE, task);
    assert_eq!(
        ra["result_data"]["concatenated_transcript"],
        expected.concatenated_transcript.as_str()
    );
    assert_eq!(ra["result_data"]["summary"], expected.summary.as_str());
    assert!(
        expected.concatenated_transcript.contains(task),
        "markup quoted verbatim"
    );
}

#[tokio::test]
async fn outcomes_shape_the_transcript() {
    for outcome in Outcome::ALL {
        let s = call_script(
            PHONE,
            &format!("Cancel my gym membership {}", outcome.marker()),
        );
        let user_turns = s
            .concatenated_transcript
            .lines()
            .filter(|l| l.starts_with("user:"))
            .count();
        match outcome {
            Outcome::NoAnswer => assert_eq!(user_turns, 0),
            Outcome::Voicemail => assert_eq!(user_turns, 1),
            Outcome::GoalMet | Outcome::Refused => assert!(user_turns >= 2),
        }
    }
}

#[tokio::test]
async fn cancel_while_pending_then_409() {
    let sim = start_frozen().await;
    let c = client();
    let id = id_of(&create(&c, &sim, "Reschedule delivery").await);
    let r = cancel(&c, &sim, &id).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "cancelled");
    assert_eq!(v["task_id"], id.as_str());

    let r = cancel(&c, &sim, &id).await;
    assert_eq!(r.status(), 409);
    assert_eq!(error_code(r).await, "INVALID_STATUS");
    let v: Value = get(&c, &sim, &id).await.json().await.unwrap();
    assert_eq!(v["status"], "cancelled");
}

#[tokio::test]
async fn cancel_while_accepted_ok_but_409_once_in_progress_or_completed() {
    let sim = start(SimConfig {
        timings: Timings {
            pending: Duration::from_millis(1),
            accepted: Duration::from_secs(60),
            in_progress: Duration::from_secs(60),
        },
        ..SimConfig::default()
    })
    .await;
    let c = client();
    let id = id_of(&create(&c, &sim, "Book a haircut").await);
    until_status(&sim, &id, "accepted").await;
    assert_eq!(cancel(&c, &sim, &id).await.status(), 200);

    let sim = start(SimConfig {
        timings: Timings {
            pending: Duration::from_millis(1),
            accepted: Duration::from_millis(1),
            in_progress: Duration::from_secs(60),
        },
        ..SimConfig::default()
    })
    .await;
    let id = id_of(&create(&c, &sim, "Book a haircut").await);
    until_status(&sim, &id, "in_progress").await;
    let r = cancel(&c, &sim, &id).await;
    assert_eq!(r.status(), 409);
    assert_eq!(error_code(r).await, "INVALID_STATUS");
    assert_eq!(sim.task(&id).unwrap().status, "in_progress");

    sim.force_status(&id, "completed");
    assert_eq!(cancel(&c, &sim, &id).await.status(), 409);
}

#[tokio::test]
async fn unknown_or_foreign_task_is_404() {
    let sim = start(SimConfig {
        keys: vec![DEMO_KEY.into(), "sk_live_other".into()],
        ..SimConfig::default()
    })
    .await;
    let c = client();
    for id in ["65abc123def4567890abcdef", "not-an-id", "%ZZ"] {
        let r = get(&c, &sim, id).await;
        assert_eq!(r.status(), 404, "{id}");
        assert_eq!(error_code(r).await, "NOT_FOUND");
        assert_eq!(cancel(&c, &sim, id).await.status(), 404);
    }
    let id = id_of(&create(&c, &sim, "Mine").await);
    let r = c
        .get(format!("{}/tasks/{id}", sim.base_url()))
        .bearer_auth("sk_live_other")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "another merchant's task is not visible");

    let r = c
        .get(format!("{}/nope", sim.base_url()))
        .bearer_auth(DEMO_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(error_code(r).await, "NOT_FOUND");
}

#[tokio::test]
async fn rate_limit_is_429_with_retry_after_seconds() {
    let sim = start(SimConfig {
        rate_limit: Some(RateLimit {
            requests: 3,
            window: Duration::from_secs(30),
        }),
        ..SimConfig::default()
    })
    .await;
    let c = client();
    let id = id_of(&create(&c, &sim, "x").await);
    assert_eq!(get(&c, &sim, &id).await.status(), 200);
    assert_eq!(get(&c, &sim, &id).await.status(), 200);
    let r = get(&c, &sim, &id).await;
    assert_eq!(r.status(), 429);
    let secs: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&secs), "{secs}");
    assert_eq!(error_code(r).await, "RATE_LIMITED");

    let unlimited = start(SimConfig {
        rate_limit: None,
        ..SimConfig::default()
    })
    .await;
    for _ in 0..20 {
        assert_eq!(get(&c, &unlimited, &id).await.status(), 404);
    }
}

#[tokio::test]
async fn error_shape_is_configurable() {
    let sim = start(SimConfig {
        error_shape: ErrorShape::Flat,
        ..SimConfig::default()
    })
    .await;
    let c = client();
    let v: Value = get(&c, &sim, "65abc123def4567890abcdef")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["code"], "NOT_FOUND");
    assert!(v["message"].is_string());

    sim.set_error_shape(ErrorShape::ErrorString);
    let v: Value = get(&c, &sim, "65abc123def4567890abcdef")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["error"], "NOT_FOUND");
    assert!(v["message"].is_string());
}

#[tokio::test]
async fn configured_port_is_used_and_shutdown_frees_it() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let sim = start(SimConfig {
        port,
        ..SimConfig::default()
    })
    .await;
    assert_eq!(sim.addr().port(), port);
    assert!(sim.addr().ip().is_loopback());
    assert!(sim
        .base_url()
        .starts_with(&format!("http://127.0.0.1:{port}/api/v1/")));
    sim.shutdown().await;
    let again = start(SimConfig {
        port,
        ..SimConfig::default()
    })
    .await;
    assert_eq!(again.addr().port(), port);
}
