//! Configuration of one simulator instance: port, clock speed, keys, rate limit, webhook, the
//! error-body shape and the lifecycle timings.
//!
//! Plain data only. It must never read the environment or files: callers (tests, the CLI, the
//! app's demo mode) decide every value.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::DEMO_KEY;

/// Everything a simulator instance needs to start. `Default` gives a realistic, generous server on
/// an OS-chosen loopback port that accepts only [`DEMO_KEY`].
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Loopback port to bind; 0 lets the OS pick one (see [`crate::SimHandle::addr`]).
    pub port: u16,
    /// Clock speed factor: 1.0 is realistic, 10.0 runs the lifecycle ten times faster.
    /// Non-finite or non-positive values are treated as 1.0.
    pub speed: f64,
    /// API keys that are accepted (`Authorization: Bearer <key>`).
    pub keys: Vec<String>,
    /// API keys that are recognised but refused with 403 `FORBIDDEN`.
    pub forbidden_keys: Vec<String>,
    /// Per-key request limit; `None` turns rate limiting off.
    pub rate_limit: Option<RateLimit>,
    /// Where to POST signed `task.updated` events; `None` sends none.
    pub webhook: Option<WebhookConfig>,
    /// Shape of error bodies (can also be changed at runtime).
    pub error_shape: ErrorShape,
    /// How long each live status lasts at speed 1.0.
    pub timings: Timings,
    /// Largest accepted request body in bytes; larger bodies get 413.
    pub max_body_bytes: usize,
    /// Serve the control API under `/_sim` (fault injection, forced statuses). On for tests and
    /// `missioncall sim`; off for the app's demo, where any local process could drive it.
    pub control_api: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            port: 0,
            speed: 1.0,
            keys: vec![DEMO_KEY.to_owned()],
            forbidden_keys: Vec::new(),
            rate_limit: Some(RateLimit::default()),
            webhook: None,
            error_shape: ErrorShape::default(),
            timings: Timings::default(),
            max_body_bytes: 64 * 1024,
            control_api: true,
        }
    }
}

impl SimConfig {
    /// The speed actually used: `speed` clamped to a sane range, 1.0 when unusable.
    pub fn effective_speed(&self) -> f64 {
        if self.speed.is_finite() && self.speed > 0.0 {
            self.speed.clamp(0.001, 1_000_000.0)
        } else {
            1.0
        }
    }
}

/// At most `requests` API requests per key in each fixed `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub window: Duration,
}

impl Default for RateLimit {
    /// 600 requests a minute: never hit by a well-behaved poller.
    fn default() -> Self {
        Self {
            requests: 600,
            window: Duration::from_secs(60),
        }
    }
}

/// Where signed webhooks go. `Debug` does not print the secret.
#[derive(Clone)]
pub struct WebhookConfig {
    /// Full URL the events are POSTed to.
    pub url: String,
    /// HMAC-SHA256 key for the `X-Webhook-Signature` header.
    pub secret: String,
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// The three error-body shapes a client must understand (see CONTRACT.md).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorShape {
    /// `{"error": {"code": "...", "message": "..."}}`
    #[default]
    Nested,
    /// `{"code": "...", "message": "..."}`
    Flat,
    /// `{"error": "CODE", "message": "..."}`
    ErrorString,
}

/// How long each live status lasts at speed 1.0 (divided by the speed factor at runtime).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timings {
    /// `pending` -> `accepted`.
    pub pending: Duration,
    /// `accepted` -> `in_progress`.
    pub accepted: Duration,
    /// `in_progress` -> `completed`.
    pub in_progress: Duration,
}

impl Default for Timings {
    /// Realistic: 4 s waiting for staff, 3 s before dialling, 25 s on the call.
    fn default() -> Self {
        Self {
            pending: Duration::from_secs(4),
            accepted: Duration::from_secs(3),
            in_progress: Duration::from_secs(25),
        }
    }
}
