//! The retry policy, in one place: what may be retried, and how long to wait.
//!
//! Reads (`GET`) are safe to repeat: they are retried on connection failures, on 5xx answers and
//! on 429, with capped exponential backoff and full jitter, or as `Retry-After` says. A task
//! creation is a real phone call: it is retried ONLY when the service refused it (429) or when
//! the failure proves nothing was sent (DNS failure, connection refused). A timeout, a connection
//! lost after the request was written, or a 5xx answer to a creation is never retried.

use std::time::{Duration, SystemTime};

/// Which kind of request is being decided for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    /// A read: safe to repeat.
    Read,
    /// A creation or another action with effects: repeat only when nothing was sent.
    Action,
}

/// What one attempt ended with, as far as retrying is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// The connection was never made (DNS failure, refused, connect timeout): nothing was sent.
    NotSent,
    /// The request may have been written, and no complete answer came (timeout, reset).
    NoAnswer,
    /// 429, with the wait the service asked for, if any.
    RateLimited(Option<Duration>),
    /// A 5xx answer.
    ServerError,
    /// Anything else (success or a 4xx): final.
    Final,
}

/// What to do after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// Stop and report the attempt's outcome.
    Stop,
}

/// Bounds of the retry loop. The defaults suit an interactive app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so `max_retries + 1` attempts at most).
    pub max_retries: u32,
    /// First backoff ceiling; doubled at each retry.
    pub base_delay: Duration,
    /// Highest backoff ceiling.
    pub max_delay: Duration,
    /// A `Retry-After` longer than this is not waited for in the loop: the call fails with
    /// `RateLimited { retry_after }` so the caller can schedule it.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

/// The longest `Retry-After` ever honoured, whatever the service says.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(600);

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// Decides what follows attempt number `retries_done` (0 for the first) of a `kind` request.
    pub fn decide(&self, kind: RequestKind, retries_done: u32, attempt: Attempt) -> Decision {
        if retries_done >= self.max_retries {
            return Decision::Stop;
        }
        let backoff = self.backoff(retries_done);
        match (kind, attempt) {
            (_, Attempt::Final) => Decision::Stop,
            (_, Attempt::NotSent) => Decision::RetryAfter(backoff),
            (_, Attempt::RateLimited(Some(wait))) if wait > self.max_retry_after => Decision::Stop,
            (_, Attempt::RateLimited(Some(wait))) => Decision::RetryAfter(wait),
            (_, Attempt::RateLimited(None)) => Decision::RetryAfter(backoff),
            (RequestKind::Read, Attempt::NoAnswer | Attempt::ServerError) => {
                Decision::RetryAfter(backoff)
            }
            (RequestKind::Action, Attempt::NoAnswer | Attempt::ServerError) => Decision::Stop,
        }
    }

    /// Full jitter: a uniform wait in `[0, min(max_delay, base_delay * 2^n)]`.
    pub fn backoff(&self, retries_done: u32) -> Duration {
        let ceiling = self.ceiling(retries_done);
        let ms = ceiling.as_millis().min(u64::MAX as u128) as u64;
        Duration::from_millis(rand::random::<u64>() % (ms + 1))
    }

    /// The backoff ceiling before jitter.
    pub fn ceiling(&self, retries_done: u32) -> Duration {
        let factor = 1u32.checked_shl(retries_done.min(31)).unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

/// Reads a `Retry-After` value: delay-seconds or an HTTP-date (RFC 9110), capped at
/// [`RETRY_AFTER_CAP`]. A date in the past gives zero; an unreadable value gives `None`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let wait = if let Ok(secs) = value.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let when = httpdate::parse_http_date(value).ok()?;
        when.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(RETRY_AFTER_CAP))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creations_are_not_retried_once_they_may_have_been_sent() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(RequestKind::Action, 0, Attempt::NoAnswer),
            Decision::Stop
        );
        assert_eq!(
            p.decide(RequestKind::Action, 0, Attempt::ServerError),
            Decision::Stop
        );
        assert_eq!(
            p.decide(RequestKind::Action, 0, Attempt::Final),
            Decision::Stop
        );
        assert!(matches!(
            p.decide(RequestKind::Action, 0, Attempt::NotSent),
            Decision::RetryAfter(_)
        ));
        assert_eq!(
            p.decide(
                RequestKind::Action,
                0,
                Attempt::RateLimited(Some(Duration::from_secs(2)))
            ),
            Decision::RetryAfter(Duration::from_secs(2))
        );
    }

    #[test]
    fn reads_are_retried_on_transient_failures_and_bounded() {
        let p = RetryPolicy::default();
        for a in [
            Attempt::NotSent,
            Attempt::NoAnswer,
            Attempt::ServerError,
            Attempt::RateLimited(None),
        ] {
            for n in 0..p.max_retries {
                assert!(
                    matches!(p.decide(RequestKind::Read, n, a), Decision::RetryAfter(_)),
                    "{a:?} {n}"
                );
            }
            assert_eq!(
                p.decide(RequestKind::Read, p.max_retries, a),
                Decision::Stop
            );
        }
    }

    #[test]
    fn long_retry_after_is_left_to_the_caller() {
        let p = RetryPolicy::default();
        let long = Attempt::RateLimited(Some(p.max_retry_after + Duration::from_secs(1)));
        assert_eq!(p.decide(RequestKind::Read, 0, long), Decision::Stop);
    }

    #[test]
    fn backoff_is_capped_and_jittered_within_the_ceiling() {
        let p = RetryPolicy::default();
        assert_eq!(p.ceiling(0), Duration::from_millis(250));
        assert_eq!(p.ceiling(2), Duration::from_secs(1));
        assert_eq!(p.ceiling(10), p.max_delay);
        assert_eq!(p.ceiling(u32::MAX), p.max_delay);
        for n in 0..40 {
            assert!(p.backoff(n) <= p.ceiling(n));
        }
        // Full jitter: over many draws, not always the ceiling.
        let draws: Vec<_> = (0..64).map(|_| p.backoff(3)).collect();
        assert!(draws.iter().any(|d| *d < p.ceiling(3)));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 99999 ", now), Some(RETRY_AFTER_CAP));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(42));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(42))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(42));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }
}
