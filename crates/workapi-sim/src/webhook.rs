//! Signed `task.updated` webhooks: the payload, its HMAC-SHA256 signature, and the delivery worker
//! that POSTs events one at a time, in order, each with a short timeout.
//!
//! Best-effort: a failed or slow delivery is logged and counted, never retried, and must never
//! block or slow down the API handlers (they only push onto a bounded queue).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use tokio::sync::{mpsc, watch};

use crate::config::WebhookConfig;
use crate::task::{rfc3339, TaskView};

/// The signature header's name.
pub const SIGNATURE_HEADER: &str = "X-Webhook-Signature";

const DELIVERY_TIMEOUT: Duration = Duration::from_secs(3);
const QUEUE: usize = 1024;

/// `sha256=<hex HMAC-SHA256 of body keyed with secret>`, the value of [`SIGNATURE_HEADER`].
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(body);
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        }
        // HMAC accepts keys of any length; kept total rather than unwrapped.
        Err(_) => String::new(),
    }
}

#[derive(Serialize)]
struct Event<'a> {
    event: &'static str,
    timestamp: String,
    #[serde(flatten)]
    task: &'a TaskView,
}

/// The raw JSON body of one `task.updated` event.
pub(crate) fn payload(task: &TaskView) -> Vec<u8> {
    serde_json::to_vec(&Event {
        event: "task.updated",
        timestamp: rfc3339(Utc::now()),
        task,
    })
    .unwrap_or_default()
}

/// Delivery counters shared with [`crate::Stats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub sent: AtomicU64,
    pub failed: AtomicU64,
}

/// The handlers' end of the queue.
#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    tx: mpsc::Sender<Vec<u8>>,
}

impl Outbox {
    /// Queues one event; drops it (with a warning) if the queue is full.
    pub fn send(&self, task: &TaskView) {
        if self.tx.try_send(payload(task)).is_err() {
            tracing::warn!(task_id = %task.task_id, "webhook queue full or closed; event dropped");
        }
    }
}

/// Starts the delivery worker; it stops when `shutdown` turns true.
pub(crate) fn start(
    cfg: WebhookConfig,
    counters: Arc<Counters>,
    mut shutdown: watch::Receiver<bool>,
) -> Outbox {
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(QUEUE);
    tokio::spawn(async move {
        let client = match reqwest::Client::builder()
            .timeout(DELIVERY_TIMEOUT)
            .no_proxy()
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "cannot build the webhook client; webhooks disabled");
                return;
            }
        };
        loop {
            let body = tokio::select! {
                body = rx.recv() => match body { Some(b) => b, None => break },
                _ = shutdown.wait_for(|s| *s) => break,
            };
            let sig = sign(cfg.secret.as_bytes(), &body);
            let res = client
                .post(&cfg.url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(SIGNATURE_HEADER, sig)
                .body(body)
                .send()
                .await;
            match res {
                Ok(r) if r.status().is_success() => {
                    counters.sent.fetch_add(1, Ordering::Relaxed);
                }
                Ok(r) => {
                    counters.failed.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(status = %r.status(), "webhook receiver refused the event");
                }
                Err(e) => {
                    counters.failed.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(error = %e, "webhook delivery failed");
                }
            }
        }
    });
    Outbox { tx }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
