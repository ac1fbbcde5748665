//! Injected faults: what the next N API requests (optionally only one route's) get instead of a
//! normal answer, and the queue that hands them out in order.
//!
//! `500`, `503` and `429` are answered BEFORE the request is processed (nothing is created or
//! cancelled). `hang`, `drop` and `garbage` are applied AFTER it is processed (a create really
//! creates the task), which is exactly the case a client must never blindly retry.
//! Faults only ever touch API routes, never the `/_sim` control routes.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

/// The three API routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// `POST {base}/tasks`
    Create,
    /// `GET {base}/tasks/{id}`
    Get,
    /// `POST {base}/tasks/{id}/cancel`
    Cancel,
}

/// How a fault's `Retry-After` is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryAfter {
    /// `Retry-After: <n>` (delta-seconds).
    Seconds(u64),
    /// `Retry-After: <HTTP-date n seconds from now>`.
    HttpDate(u64),
}

impl Default for RetryAfter {
    fn default() -> Self {
        RetryAfter::Seconds(1)
    }
}

impl RetryAfter {
    /// The header value, computed now.
    pub fn header_value(&self) -> String {
        match *self {
            RetryAfter::Seconds(n) => n.to_string(),
            RetryAfter::HttpDate(n) => {
                let at = SystemTime::now()
                    .checked_add(Duration::from_secs(n))
                    .unwrap_or_else(SystemTime::now);
                httpdate::fmt_http_date(at)
            }
        }
    }
}

/// What a faulted request gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum FaultKind {
    /// 500 with an `INTERNAL_ERROR` JSON error body; the request is not processed.
    #[serde(rename = "500")]
    InternalError,
    /// 503 with an HTML body (no JSON); the request is not processed.
    #[serde(rename = "503")]
    Unavailable,
    /// 429 `RATE_LIMITED` with the given `Retry-After`; the request is not processed.
    #[serde(rename = "429")]
    RateLimited {
        #[serde(default)]
        retry_after: RetryAfter,
    },
    /// Processed, then no answer at all until the simulator shuts down (connection stays open).
    #[serde(rename = "hang")]
    Hang,
    /// Processed, then the connection is closed without a single response byte.
    #[serde(rename = "drop")]
    Drop,
    /// Processed, then 200 with a body that is not JSON (though labelled as JSON).
    #[serde(rename = "garbage")]
    Garbage,
}

impl FaultKind {
    /// Whether the request is answered without being processed.
    pub fn short_circuits(&self) -> bool {
        matches!(
            self,
            FaultKind::InternalError | FaultKind::Unavailable | FaultKind::RateLimited { .. }
        )
    }
}

fn one() -> u32 {
    1
}

/// A fault for the next `count` API requests, all routes or only `route`.
///
/// JSON (control API): `{"kind":"429","retry_after":{"http_date":5},"count":2,"route":"create"}`;
/// `kind` is one of `500`, `503`, `429`, `hang`, `drop`, `garbage`; `count` defaults to 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    #[serde(flatten)]
    pub kind: FaultKind,
    #[serde(default = "one")]
    pub count: u32,
    #[serde(default)]
    pub route: Option<Route>,
}

impl Fault {
    /// The next single request (any route) gets `kind`.
    pub fn new(kind: FaultKind) -> Self {
        Self {
            kind,
            count: 1,
            route: None,
        }
    }

    /// Applies to the next `count` matching requests instead of one.
    pub fn times(mut self, count: u32) -> Self {
        self.count = count;
        self
    }

    /// Applies only to requests to `route`.
    pub fn on(mut self, route: Route) -> Self {
        self.route = Some(route);
        self
    }
}

/// Pending faults, oldest first.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    faults: VecDeque<Fault>,
}

impl FaultQueue {
    pub fn push(&mut self, f: Fault) {
        if f.count > 0 {
            self.faults.push_back(f);
        }
    }

    pub fn clear(&mut self) {
        self.faults.clear();
    }

    pub fn pending(&self) -> Vec<Fault> {
        self.faults.iter().copied().collect()
    }

    /// Consumes one use of the oldest fault matching `route`.
    pub fn take(&mut self, route: Route) -> Option<FaultKind> {
        let i = self
            .faults
            .iter()
            .position(|f| f.route.is_none_or(|r| r == route))?;
        let f = self.faults.get_mut(i)?;
        let kind = f.kind;
        f.count -= 1;
        if f.count == 0 {
            self.faults.remove(i);
        }
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_forms() {
        let f: Fault = serde_json::from_str(
            r#"{"kind":"429","retry_after":{"http_date":5},"count":2,"route":"create"}"#,
        )
        .unwrap();
        assert_eq!(
            f,
            Fault::new(FaultKind::RateLimited {
                retry_after: RetryAfter::HttpDate(5)
            })
            .times(2)
            .on(Route::Create)
        );
        let f: Fault = serde_json::from_str(r#"{"kind":"hang"}"#).unwrap();
        assert_eq!(f, Fault::new(FaultKind::Hang));
        assert!(serde_json::from_str::<Fault>(r#"{"kind":"nope"}"#).is_err());
    }

    #[test]
    fn queue_respects_route_and_count() {
        let mut q = FaultQueue::default();
        q.push(Fault::new(FaultKind::Drop).on(Route::Create));
        q.push(Fault::new(FaultKind::Garbage).times(2));
        assert_eq!(q.take(Route::Get), Some(FaultKind::Garbage));
        assert_eq!(q.take(Route::Create), Some(FaultKind::Drop));
        assert_eq!(q.take(Route::Create), Some(FaultKind::Garbage));
        assert_eq!(q.take(Route::Create), None);
    }

    #[test]
    fn http_date_parses_back() {
        let v = RetryAfter::HttpDate(30).header_value();
        let t = httpdate::parse_http_date(&v).unwrap();
        assert!(t > SystemTime::now());
    }
}
