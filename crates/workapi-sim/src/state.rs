//! The simulator's shared state and the operations on it: authentication and rate limiting,
//! creating, reading, cancelling and forcing tasks, the fault queue and the counters.
//!
//! Locks are std mutexes held only for short, non-async sections; a poisoned lock is recovered,
//! never unwrapped. Every state change that a client could observe queues a webhook, in order.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::http::{header, HeaderMap};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::config::{ErrorShape, SimConfig};
use crate::error::ApiError;
use crate::faults::{Fault, FaultKind, FaultQueue, Route};
use crate::ratelimit::RateLimiter;
use crate::task::{merchant_id_for, Clock, Status, TaskData, TaskRec, TaskView};
use crate::webhook::{self, Outbox};

/// Request and delivery counters. API requests are counted per route when they arrive, before
/// authentication and before any injected fault.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// `POST {base}/tasks` requests received.
    pub creates: u64,
    /// `GET {base}/tasks/{id}` requests received.
    pub gets: u64,
    /// `POST {base}/tasks/{id}/cancel` requests received.
    pub cancels: u64,
    /// Tasks actually created.
    pub tasks_created: u64,
    /// Webhook events the receiver accepted (2xx).
    pub webhooks_sent: u64,
    /// Webhook events that failed (error, timeout or non-2xx).
    pub webhooks_failed: u64,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Debug, Default)]
struct Tasks {
    map: HashMap<String, TaskRec>,
    next_number: u64,
}

#[derive(Debug, Default)]
struct Counters {
    creates: AtomicU64,
    gets: AtomicU64,
    cancels: AtomicU64,
    tasks_created: AtomicU64,
}

pub(crate) struct Shared {
    keys: Vec<String>,
    forbidden_keys: Vec<String>,
    pub clock: Clock,
    pub max_body_bytes: usize,
    error_shape: Mutex<ErrorShape>,
    tasks: Mutex<Tasks>,
    faults: Mutex<FaultQueue>,
    limiter: Option<Mutex<RateLimiter>>,
    outbox: Option<Outbox>,
    counters: Counters,
    webhook_counters: Arc<webhook::Counters>,
    shutdown: watch::Receiver<bool>,
}

impl Shared {
    /// Builds the state; starts the webhook worker if one is configured (needs a runtime).
    pub fn new(cfg: &SimConfig, shutdown: watch::Receiver<bool>) -> Self {
        let webhook_counters = Arc::new(webhook::Counters::default());
        let outbox = cfg
            .webhook
            .clone()
            .map(|w| webhook::start(w, webhook_counters.clone(), shutdown.clone()));
        Self {
            keys: cfg.keys.clone(),
            forbidden_keys: cfg.forbidden_keys.clone(),
            clock: Clock {
                timings: cfg.timings,
                speed: cfg.effective_speed(),
            },
            max_body_bytes: cfg.max_body_bytes,
            error_shape: Mutex::new(cfg.error_shape),
            tasks: Mutex::new(Tasks {
                map: HashMap::new(),
                next_number: 1,
            }),
            faults: Mutex::new(FaultQueue::default()),
            limiter: cfg.rate_limit.map(|r| Mutex::new(RateLimiter::new(r))),
            outbox,
            counters: Counters::default(),
            webhook_counters,
            shutdown,
        }
    }

    pub fn has_webhook(&self) -> bool {
        self.outbox.is_some()
    }

    pub fn error_shape(&self) -> ErrorShape {
        *lock(&self.error_shape)
    }

    pub fn set_error_shape(&self, shape: ErrorShape) {
        *lock(&self.error_shape) = shape;
    }

    /// Resolves once the simulator is shutting down.
    pub async fn shutting_down(&self) {
        let mut rx = self.shutdown.clone();
        let _ = rx.wait_for(|s| *s).await;
    }

    /// Counts an arriving API request and takes the fault (if any) that applies to it.
    pub fn arrive(&self, route: Route) -> Option<FaultKind> {
        let c = match route {
            Route::Create => &self.counters.creates,
            Route::Get => &self.counters.gets,
            Route::Cancel => &self.counters.cancels,
        };
        c.fetch_add(1, Ordering::Relaxed);
        lock(&self.faults).take(route)
    }

    pub fn inject(&self, f: Fault) {
        lock(&self.faults).push(f);
    }

    pub fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    pub fn pending_faults(&self) -> Vec<Fault> {
        lock(&self.faults).pending()
    }

    pub fn stats(&self) -> Stats {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Stats {
            creates: get(&self.counters.creates),
            gets: get(&self.counters.gets),
            cancels: get(&self.counters.cancels),
            tasks_created: get(&self.counters.tasks_created),
            webhooks_sent: get(&self.webhook_counters.sent),
            webhooks_failed: get(&self.webhook_counters.failed),
        }
    }

    pub fn task_count(&self) -> usize {
        lock(&self.tasks).map.len()
    }

    /// Ids of every task held, in creation order.
    pub fn task_ids(&self) -> Vec<String> {
        let tasks = lock(&self.tasks);
        let mut ids: Vec<(u64, String)> = tasks
            .map
            .values()
            .map(|r| (r.number, r.id.clone()))
            .collect();
        ids.sort_unstable();
        ids.into_iter().map(|(_, id)| id).collect()
    }

    /// The caller's key if it is accepted and within its rate limit.
    pub fn authorize(&self, headers: &HeaderMap) -> Result<String, ApiError> {
        let key = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, rest) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .filter(|k| !k.is_empty())
            .ok_or_else(ApiError::unauthorized)?;
        if self.forbidden_keys.iter().any(|k| k == key) {
            return Err(ApiError::forbidden());
        }
        if !self.keys.iter().any(|k| k == key) {
            return Err(ApiError::unauthorized());
        }
        if let Some(limiter) = &self.limiter {
            lock(limiter)
                .check(key, Instant::now())
                .map_err(|secs| ApiError::rate_limited(secs.to_string()))?;
        }
        Ok(key.to_owned())
    }

    fn notify(&self, views: &[TaskView]) {
        if let Some(outbox) = &self.outbox {
            for v in views {
                outbox.send(v);
            }
        }
    }

    pub fn create(&self, key: &str, data: TaskData) -> TaskView {
        let mut tasks = lock(&self.tasks);
        let number = tasks.next_number;
        tasks.next_number += 1;
        let rec = TaskRec::new(number, merchant_id_for(key), data, Instant::now());
        let view = rec.view();
        tasks.map.insert(rec.id.clone(), rec);
        self.counters.tasks_created.fetch_add(1, Ordering::Relaxed);
        self.notify(std::slice::from_ref(&view));
        tracing::debug!(task_id = %view.task_id, number, "task created");
        view
    }

    /// Runs `f` on the task (advanced to now) if it exists and, when `key` is given, belongs to
    /// that key's merchant.
    fn with_task<T>(
        &self,
        id: &str,
        key: Option<&str>,
        f: impl FnOnce(&mut TaskRec, Instant) -> T,
    ) -> Option<T> {
        let mut tasks = lock(&self.tasks);
        let rec = tasks.map.get_mut(id)?;
        if key.is_some_and(|k| merchant_id_for(k) != rec.merchant_id) {
            return None;
        }
        let now = Instant::now();
        let changes = rec.advance(now, &self.clock);
        self.notify(&changes);
        let out = f(rec, now);
        Some(out)
    }

    pub fn get(&self, key: &str, id: &str) -> Result<TaskView, ApiError> {
        self.with_task(id, Some(key), |rec, _| rec.view())
            .ok_or_else(|| not_found(id))
    }

    pub fn cancel(&self, key: &str, id: &str) -> Result<TaskView, ApiError> {
        self.with_task(id, Some(key), |rec, now| {
            if rec.status.is_cancellable() {
                let v = rec.cancel(now);
                self.notify(std::slice::from_ref(&v));
                Ok(v)
            } else {
                Err(ApiError::invalid_status(format!(
                    "Task cannot be cancelled in status {}",
                    rec.status
                )))
            }
        })
        .ok_or_else(|| not_found(id))?
    }

    /// Any task, without an owner check (control API and handle).
    pub fn peek(&self, id: &str) -> Option<TaskView> {
        self.with_task(id, None, |rec, _| rec.view())
    }

    pub fn force(&self, id: &str, status: &str) -> Option<TaskView> {
        self.with_task(id, None, |rec, now| {
            let v = rec.force(Status::parse(status), now);
            self.notify(std::slice::from_ref(&v));
            v
        })
    }

    /// Advances every live task to now (the webhook ticker).
    pub fn tick(&self) {
        let now = Instant::now();
        let mut tasks = lock(&self.tasks);
        for rec in tasks.map.values_mut() {
            let changes = rec.advance(now, &self.clock);
            self.notify(&changes);
        }
    }
}

fn not_found(id: &str) -> ApiError {
    let shown: String = id.chars().take(64).collect();
    ApiError::not_found(format!("Task {shown} not found"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_ids_lists_every_created_task_in_order() {
        let (_tx, rx) = watch::channel(false);
        let s = Shared::new(&SimConfig::default(), rx);
        assert!(s.task_ids().is_empty());
        let data = |n: u32| TaskData {
            phone_number: format!("+1415555{n:04}"),
            task: "x".into(),
        };
        let made: Vec<String> = (0..12).map(|n| s.create("k", data(n)).task_id).collect();
        assert_eq!(s.task_ids(), made);
    }
}
