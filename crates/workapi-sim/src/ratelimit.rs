//! The per-key rate limiter: a fixed window per API key.
//!
//! Counts only requests that passed authentication. Never blocks; it only answers "allowed" or
//! "retry after n seconds".

use std::collections::HashMap;
use std::time::Instant;

use crate::config::RateLimit;

#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: RateLimit,
    windows: HashMap<String, (Instant, u32)>,
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            windows: HashMap::new(),
        }
    }

    /// `Ok` if `key` may make a request now (and counts it), else the whole seconds to wait (>= 1).
    pub fn check(&mut self, key: &str, now: Instant) -> Result<(), u64> {
        let window = self.limit.window;
        let entry = self.windows.entry(key.to_owned()).or_insert((now, 0));
        if now.saturating_duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 < self.limit.requests {
            entry.1 += 1;
            return Ok(());
        }
        let left = window.saturating_sub(now.saturating_duration_since(entry.0));
        Err((left.as_secs_f64().ceil() as u64).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn fixed_window() {
        let mut rl = RateLimiter::new(RateLimit {
            requests: 2,
            window: Duration::from_secs(10),
        });
        let t = Instant::now();
        assert!(rl.check("a", t).is_ok());
        assert!(rl.check("a", t).is_ok());
        assert_eq!(rl.check("a", t + Duration::from_millis(500)), Err(10));
        assert!(rl.check("b", t).is_ok());
        assert!(rl.check("a", t + Duration::from_secs(10)).is_ok());
    }
}
