//! The wire contract, in one place: paths, field names, status strings, error bodies.
//!
//! Everything the service's public page leaves open is decided here (see
//! `shared/workapi/CONTRACT.md`, "the reading we take"), so that a correction is a one-line
//! change. Decoding is tolerant: unknown fields are ignored, the id may be `task_id`, `id` or
//! `_id`, result fields are optional, and unknown statuses are kept, never rejected.
//! This module must never panic on any input.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// The service's base URL, as published.
pub const DEFAULT_BASE_URL: &str =
    "https://api.workapi.ai/api/v1/workapi-ai/let-your-agent-make-a-phone-call-with-a-mission";

/// Path of the task collection, under the base URL.
pub const TASKS_PATH: &str = "tasks";
/// Path segment of the cancel action, under a task (`POST tasks/{id}/cancel`; our reading).
pub const CANCEL_SEGMENT: &str = "cancel";

/// Body of `POST /tasks`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewTask {
    /// E.164, e.g. `+14151234567`.
    pub phone_number: String,
    /// What the voice agent must get done on the call.
    pub task: String,
}

impl NewTask {
    /// A task for `phone_number` (E.164) with the mission `task`.
    pub fn new(phone_number: impl Into<String>, task: impl Into<String>) -> Self {
        NewTask {
            phone_number: phone_number.into(),
            task: task.into(),
        }
    }
}

/// A task id as the service issued it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskId(String);

impl TaskId {
    /// Checks that `id` can name a task: non-empty, at most 200 characters, no whitespace,
    /// slashes, `?`, `#` or control characters.
    pub fn parse(id: &str) -> crate::Result<TaskId> {
        let ok = !id.is_empty()
            && id.len() <= 200
            && !id.chars().any(|c| {
                c.is_whitespace() || c.is_control() || matches!(c, '/' | '?' | '#' | '\\')
            });
        if ok {
            Ok(TaskId(id.to_owned()))
        } else {
            Err(crate::Error::InvalidTaskId {
                id: id.chars().take(200).collect(),
            })
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a task is in its lifecycle. Statuses the contract does not name are kept as
/// [`TaskStatus::Unknown`] with the raw value, never rejected.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TaskStatus {
    /// Created, waiting for staff to accept it.
    Pending,
    /// Accepted; the caller can still cancel.
    Accepted,
    /// Work has begun; it can no longer be cancelled.
    InProgress,
    /// Done.
    Completed,
    /// Cancelled before work started.
    Cancelled,
    /// Any other value the service sends (e.g. `failed`, `expired`).
    Unknown(String),
}

impl TaskStatus {
    /// The status from its wire value (tolerant of case, dashes and spaces).
    pub fn from_wire(raw: &str) -> TaskStatus {
        let norm: String = raw
            .trim()
            .chars()
            .map(|c| match c {
                '-' | ' ' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        match norm.as_str() {
            "pending" => TaskStatus::Pending,
            "accepted" => TaskStatus::Accepted,
            "in_progress" => TaskStatus::InProgress,
            "completed" => TaskStatus::Completed,
            "cancelled" | "canceled" => TaskStatus::Cancelled,
            _ => TaskStatus::Unknown(raw.to_owned()),
        }
    }

    /// The wire value (`in_progress`, ...; the raw value for unknown statuses).
    pub fn as_str(&self) -> &str {
        match self {
            TaskStatus::Unknown(s) => s,
            known => known.documented_word().unwrap_or_default(),
        }
    }

    /// The wire value of a documented status; `None` for [`TaskStatus::Unknown`].
    pub fn documented_word(&self) -> Option<&'static str> {
        Some(match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Accepted => "accepted",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Completed => "completed",
            TaskStatus::Cancelled => "cancelled",
            TaskStatus::Unknown(_) => return None,
        })
    }

    /// True for `completed` and `cancelled`: the task will not change any more.
    pub fn is_terminal(&self) -> bool {
        matches!(self, TaskStatus::Completed | TaskStatus::Cancelled)
    }

    /// True while the caller may still cancel (`pending`, `accepted`).
    pub fn is_cancellable(&self) -> bool {
        matches!(self, TaskStatus::Pending | TaskStatus::Accepted)
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TaskStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TaskStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Ok(TaskStatus::from_wire(&raw))
    }
}

/// What a completed task produced (`result_data`); both fields are optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TaskResult {
    /// `concatenated_transcript`: the whole conversation, usually `speaker: text` lines.
    pub transcript: Option<String>,
    /// `summary`: a short account of the conversation.
    pub summary: Option<String>,
}

/// A task as the service reports it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Task {
    /// The task's id (`task_id`, `id` or `_id` on the wire).
    pub id: TaskId,
    /// `task_number`, when sent.
    pub number: Option<i64>,
    /// `status`.
    pub status: TaskStatus,
    /// `task_data`: the input as the service holds it (kept as sent).
    pub data: Option<Value>,
    /// `result_data`, when present and not null.
    pub result: Option<TaskResult>,
}

/// The tolerant shape a task is read through.
#[derive(Deserialize)]
struct RawTask {
    task_id: Option<Value>,
    id: Option<Value>,
    _id: Option<Value>,
    task_number: Option<Value>,
    status: Option<String>,
    task_data: Option<Value>,
    result_data: Option<Value>,
}

fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        // MongoDB extended JSON: {"$oid": "..."}
        Value::Object(m) => m.get("$oid").and_then(id_text),
        _ => None,
    }
}

fn text_field(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Decodes a task object from a response body.
pub fn decode_task(body: &[u8]) -> Result<Task, serde_json::Error> {
    let raw: RawTask = serde_json::from_slice(body)?;
    let id = [&raw.task_id, &raw.id, &raw._id]
        .into_iter()
        .flatten()
        .find_map(id_text)
        .ok_or_else(|| serde::de::Error::custom("no task id (task_id, id or _id)"))?;
    let id =
        TaskId::parse(&id).map_err(|_| serde::de::Error::custom("the task id is not usable"))?;
    let status = raw
        .status
        .as_deref()
        .map(TaskStatus::from_wire)
        .ok_or_else(|| serde::de::Error::custom("no status"))?;
    let number = match raw.task_number {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    let result = match raw.result_data {
        Some(Value::Object(m)) => Some(TaskResult {
            transcript: text_field(m.get("concatenated_transcript")),
            summary: text_field(m.get("summary")),
        }),
        _ => None,
    };
    Ok(Task {
        id,
        number,
        status,
        data: raw.task_data.filter(|v| !v.is_null()),
        result,
    })
}

/// An error body, read in any of the three shapes the contract accepts:
/// `{"error":{"code","message"}}`, `{"code","message"}`, `{"error":"CODE","message"}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorBody {
    /// `VALIDATION_ERROR`, `UNAUTHORIZED`, ... when readable.
    pub code: Option<String>,
    /// The service's message, when readable.
    pub message: Option<String>,
}

/// Reads an error body; an unreadable body gives an empty [`ErrorBody`] (the caller falls back
/// to the HTTP status).
pub fn decode_error_body(body: &[u8]) -> ErrorBody {
    let Ok(Value::Object(top)) = serde_json::from_slice::<Value>(body) else {
        return ErrorBody::default();
    };
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    match top.get("error") {
        Some(Value::Object(inner)) => ErrorBody {
            code: s(inner.get("code")),
            message: s(inner.get("message")).or_else(|| s(top.get("message"))),
        },
        Some(Value::String(code)) => ErrorBody {
            code: Some(code.clone()),
            message: s(top.get("message")),
        },
        _ => ErrorBody {
            code: s(top.get("code")),
            message: s(top.get("message")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_id_field() {
        for body in [
            r#"{"task_id":"65abc","status":"pending"}"#,
            r#"{"id":"65abc","status":"pending"}"#,
            r#"{"_id":"65abc","status":"pending"}"#,
            r#"{"_id":{"$oid":"65abc"},"status":"pending"}"#,
        ] {
            assert_eq!(
                decode_task(body.as_bytes()).unwrap().id.as_str(),
                "65abc",
                "{body}"
            );
        }
        assert!(decode_task(br#"{"status":"pending"}"#).is_err());
    }

    #[test]
    fn keeps_unknown_status_and_ignores_unknown_fields() {
        let t =
            decode_task(br#"{"task_id":"a1","status":"failed","extra":[1,2],"result_data":null}"#)
                .unwrap();
        assert_eq!(t.status, TaskStatus::Unknown("failed".into()));
        assert_eq!(t.status.as_str(), "failed");
        assert!(t.result.is_none());
    }

    #[test]
    fn reads_result_fields_when_present() {
        let t = decode_task(
            br#"{"task_id":"a1","task_number":"42","status":"COMPLETED","result_data":{"summary":"ok"}}"#,
        )
        .unwrap();
        assert_eq!(t.status, TaskStatus::Completed);
        assert_eq!(t.number, Some(42));
        let r = t.result.unwrap();
        assert_eq!(r.summary.as_deref(), Some("ok"));
        assert_eq!(r.transcript, None);
    }

    #[test]
    fn reads_three_error_shapes() {
        let want = ErrorBody {
            code: Some("INVALID_STATUS".into()),
            message: Some("nope".into()),
        };
        for body in [
            r#"{"error":{"code":"INVALID_STATUS","message":"nope"}}"#,
            r#"{"code":"INVALID_STATUS","message":"nope"}"#,
            r#"{"error":"INVALID_STATUS","message":"nope"}"#,
        ] {
            assert_eq!(decode_error_body(body.as_bytes()), want, "{body}");
        }
        assert_eq!(decode_error_body(b"<html>"), ErrorBody::default());
        assert_eq!(decode_error_body(b"[1]"), ErrorBody::default());
    }

    #[test]
    fn task_ids_are_checked() {
        assert!(TaskId::parse("65abc123def456").is_ok());
        for bad in ["", "a/b", "a b", "a?b", "a#b", "a\nb"] {
            assert!(TaskId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            "pending",
            "accepted",
            "in_progress",
            "completed",
            "cancelled",
            "expired",
        ] {
            assert_eq!(TaskStatus::from_wire(s).as_str(), s);
        }
        assert_eq!(TaskStatus::from_wire("in-progress"), TaskStatus::InProgress);
    }
}
