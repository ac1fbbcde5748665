//! One simulated task: its record, its status machine driven by the scaled clock, and the JSON
//! view the API answers with (the webhook payload minus `event`/`timestamp`).
//!
//! No I/O and no locking here; the caller holds the lock and sends the webhooks. A forced status
//! must never be advanced by the clock again.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Timings;
use crate::script::call_script;

/// A task status as the service spells it. Anything else (forced through the control API) is
/// kept verbatim in `Other`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Pending,
    Accepted,
    InProgress,
    Completed,
    Cancelled,
    Other(String),
}

impl Status {
    /// Parses the wire spelling; unknown strings become `Other`.
    pub fn parse(s: &str) -> Status {
        match s {
            "pending" => Status::Pending,
            "accepted" => Status::Accepted,
            "in_progress" => Status::InProgress,
            "completed" => Status::Completed,
            "cancelled" => Status::Cancelled,
            other => Status::Other(other.to_owned()),
        }
    }

    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Status::Pending => "pending",
            Status::Accepted => "accepted",
            Status::InProgress => "in_progress",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
            Status::Other(s) => s,
        }
    }

    /// Whether the caller may still cancel.
    pub fn is_cancellable(&self) -> bool {
        matches!(self, Status::Pending | Status::Accepted)
    }

    fn next(&self) -> Option<Status> {
        match self {
            Status::Pending => Some(Status::Accepted),
            Status::Accepted => Some(Status::InProgress),
            Status::InProgress => Some(Status::Completed),
            _ => None,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The lifecycle clock: the timings divided by the speed factor.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    pub timings: Timings,
    pub speed: f64,
}

impl Clock {
    /// How long `status` lasts before the clock moves it on; `None` for statuses it never moves.
    pub fn stage(&self, status: &Status) -> Option<Duration> {
        let base = match status {
            Status::Pending => self.timings.pending,
            Status::Accepted => self.timings.accepted,
            Status::InProgress => self.timings.in_progress,
            _ => return None,
        };
        Some(Duration::try_from_secs_f64(base.as_secs_f64() / self.speed).unwrap_or(Duration::MAX))
    }

    /// The status of an untouched task `elapsed` after creation. Pure; used by tests and docs.
    pub fn status_after(&self, elapsed: Duration) -> Status {
        let mut status = Status::Pending;
        let mut left = elapsed;
        while let Some(d) = self.stage(&status) {
            match (left.checked_sub(d), status.next()) {
                (Some(rest), Some(next)) => {
                    left = rest;
                    status = next;
                }
                _ => break,
            }
        }
        status
    }

    /// The shortest live stage, for sizing the background ticker.
    pub fn shortest_stage(&self) -> Duration {
        [Status::Pending, Status::Accepted, Status::InProgress]
            .iter()
            .filter_map(|s| self.stage(s))
            .min()
            .unwrap_or(Duration::from_secs(1))
    }
}

/// The JSON task object (create/get/cancel answer; webhook payload minus `event`/`timestamp`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskView {
    pub task_id: String,
    pub task_number: u64,
    pub status: String,
    pub task_data: TaskData,
    pub result_data: Option<ResultData>,
    pub merchant_id: String,
    pub created_at: String,
    pub updated_at: String,
}

/// The caller's input, echoed back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskData {
    pub phone_number: String,
    pub task: String,
}

/// What the service returns once the call is done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultData {
    pub concatenated_transcript: String,
    pub summary: String,
}

/// The stored task.
#[derive(Debug)]
pub(crate) struct TaskRec {
    pub id: String,
    pub number: u64,
    pub merchant_id: String,
    pub data: TaskData,
    pub status: Status,
    /// Set when the status was forced: the clock leaves the task alone from then on.
    pub forced: bool,
    /// When the current status began (clock time).
    stage_since: Instant,
    created_instant: Instant,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    pub result: Option<ResultData>,
}

pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

static ID_COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh 24-hex-character id shaped like a MongoDB ObjectId: seconds, 5 random bytes, counter.
pub(crate) fn new_object_id(now: DateTime<Utc>) -> String {
    let secs = u32::try_from(now.timestamp()).unwrap_or(u32::MAX);
    let random: [u8; 5] = rand::random();
    let count = ID_COUNTER.fetch_add(1, Ordering::Relaxed).to_be_bytes();
    let mut bytes = Vec::with_capacity(12);
    bytes.extend_from_slice(&secs.to_be_bytes());
    bytes.extend_from_slice(&random);
    bytes.extend_from_slice(&count[1..]);
    hex::encode(bytes)
}

/// The merchant id a key maps to: stable for the key, 24 hex characters.
pub(crate) fn merchant_id_for(key: &str) -> String {
    let d = Sha256::digest(format!("merchant:{key}").as_bytes());
    hex::encode(&d[..12])
}

impl TaskRec {
    pub fn new(number: u64, merchant_id: String, data: TaskData, now: Instant) -> Self {
        let wall = Utc::now();
        Self {
            id: new_object_id(wall),
            number,
            merchant_id,
            data,
            status: Status::Pending,
            forced: false,
            stage_since: now,
            created_instant: now,
            created_at: wall,
            updated_at: wall,
            result: None,
        }
    }

    pub fn view(&self) -> TaskView {
        TaskView {
            task_id: self.id.clone(),
            task_number: self.number,
            status: self.status.as_str().to_owned(),
            task_data: self.data.clone(),
            result_data: self.result.clone(),
            merchant_id: self.merchant_id.clone(),
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
        }
    }

    fn wall_at(&self, t: Instant) -> DateTime<Utc> {
        let since = t.saturating_duration_since(self.created_instant);
        chrono::Duration::from_std(since)
            .ok()
            .and_then(|d| self.created_at.checked_add_signed(d))
            .unwrap_or(self.created_at)
    }

    fn set_status(&mut self, status: Status, at: Instant) {
        if status == Status::Completed && self.result.is_none() {
            let s = call_script(&self.data.phone_number, &self.data.task);
            self.result = Some(ResultData {
                concatenated_transcript: s.concatenated_transcript,
                summary: s.summary,
            });
        }
        self.status = status;
        self.stage_since = at;
        self.updated_at = self.wall_at(at).max(self.updated_at);
    }

    /// Moves the task along the clock up to `now`; returns a snapshot after each change, in order.
    pub fn advance(&mut self, now: Instant, clock: &Clock) -> Vec<TaskView> {
        let mut changes = Vec::new();
        while !self.forced {
            let (Some(d), Some(next)) = (clock.stage(&self.status), self.status.next()) else {
                break;
            };
            let Some(due) = self.stage_since.checked_add(d) else {
                break;
            };
            if due > now {
                break;
            }
            self.set_status(next, due);
            changes.push(self.view());
        }
        changes
    }

    /// The caller's cancel; the caller checked [`Status::is_cancellable`].
    pub fn cancel(&mut self, now: Instant) -> TaskView {
        self.set_status(Status::Cancelled, now);
        self.view()
    }

    /// Forces `status` and pins it: the clock never moves this task again.
    pub fn force(&mut self, status: Status, now: Instant) -> TaskView {
        self.forced = true;
        self.set_status(status, now);
        self.view()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(speed: f64) -> Clock {
        Clock {
            timings: Timings::default(),
            speed,
        }
    }

    #[test]
    fn realistic_timeline_at_speed_one() {
        let c = clock(1.0);
        let at = |s: f64| c.status_after(Duration::from_secs_f64(s)).to_string();
        assert_eq!(at(0.0), "pending");
        assert_eq!(at(3.9), "pending");
        assert_eq!(at(4.1), "accepted");
        assert_eq!(at(7.1), "in_progress");
        assert_eq!(at(31.9), "in_progress");
        assert_eq!(at(32.1), "completed");
        assert_eq!(at(10_000.0), "completed");
    }

    #[test]
    fn speed_divides_every_stage() {
        let c = clock(10.0);
        assert_eq!(c.status_after(Duration::from_millis(390)), Status::Pending);
        assert_eq!(c.status_after(Duration::from_millis(410)), Status::Accepted);
        assert_eq!(
            c.status_after(Duration::from_millis(3_210)),
            Status::Completed
        );
    }

    #[test]
    fn advance_reports_each_step_and_fills_result_once() {
        let c = clock(100.0);
        let t0 = Instant::now();
        let data = TaskData {
            phone_number: "+14151234567".into(),
            task: "Ask for opening hours".into(),
        };
        let mut t = TaskRec::new(1, merchant_id_for("k"), data, t0);
        let steps = t.advance(t0 + Duration::from_secs(5), &c);
        let names: Vec<_> = steps.iter().map(|v| v.status.as_str()).collect();
        assert_eq!(names, ["accepted", "in_progress", "completed"]);
        assert!(steps[2].result_data.is_some());
        assert!(steps[1].result_data.is_none());
        assert!(t.advance(t0 + Duration::from_secs(50), &c).is_empty());
    }

    #[test]
    fn forced_status_sticks() {
        let c = clock(100.0);
        let t0 = Instant::now();
        let data = TaskData {
            phone_number: "+14151234567".into(),
            task: "x".into(),
        };
        let mut t = TaskRec::new(1, merchant_id_for("k"), data, t0);
        t.force(Status::parse("failed"), t0);
        assert!(t.advance(t0 + Duration::from_secs(60), &c).is_empty());
        assert_eq!(t.status.as_str(), "failed");
    }

    #[test]
    fn ids_look_like_object_ids() {
        let a = new_object_id(Utc::now());
        let b = new_object_id(Utc::now());
        assert_eq!(a.len(), 24);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert_eq!(merchant_id_for("k").len(), 24);
    }
}
