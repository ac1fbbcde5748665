//! What the CLI prints: JSON shapes for `--json`, and plain text for people.

use missioncall_core::history::CallRecord;
use missioncall_core::status::describe;
use serde::Serialize;

/// A call as `--json` prints it. `task_id` is null until the service answered;
/// `status` is `unknown_outcome` when the request may or may not have placed the call.
#[derive(Serialize)]
pub struct CallJson<'a> {
    pub id: i64,
    pub task_id: Option<&'a str>,
    pub task_number: Option<i64>,
    pub phone_number: &'a str,
    pub task: &'a str,
    pub status: &'a str,
    pub status_text: String,
    pub created_at: String,
    pub updated_at: String,
    pub summary: Option<&'a str>,
    pub transcript: Option<&'a str>,
    pub error: Option<&'a str>,
    pub demo: bool,
}

impl<'a> From<&'a CallRecord> for CallJson<'a> {
    fn from(r: &'a CallRecord) -> Self {
        CallJson {
            id: r.id,
            task_id: r.task_id.as_deref(),
            task_number: r.task_number,
            phone_number: &r.phone_e164,
            task: &r.task,
            status: &r.status,
            status_text: describe(&r.status),
            created_at: r.created_at.to_rfc3339(),
            updated_at: r.updated_at.to_rfc3339(),
            summary: r.summary.as_deref(),
            transcript: r.transcript.as_deref(),
            error: r.error.as_deref(),
            demo: r.demo,
        }
    }
}

/// Prints a value as one line of JSON.
pub fn json_line<T: Serialize>(v: &T) {
    match serde_json::to_string(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("missioncall: could not write JSON: {e}"),
    }
}

/// One line about a call, for people.
pub fn call_line(r: &CallRecord) -> String {
    let when = r
        .created_at
        .with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M");
    let task: String = r.task.chars().take(60).collect();
    let more = if r.task.chars().count() > 60 {
        "…"
    } else {
        ""
    };
    let demo = if r.demo { " [demo]" } else { "" };
    format!(
        "#{:<5} {when}  {:<16} {:<20} {task}{more}{demo}",
        r.id,
        r.phone_e164,
        describe(&r.status)
    )
}

/// A full account of a call, for people.
pub fn call_detail(r: &CallRecord) -> String {
    let mut out = String::new();
    out.push_str(&format!("Call #{} to {}\n", r.id, r.phone_e164));
    out.push_str(&format!("  Status:  {}\n", describe(&r.status)));
    if let Some(id) = &r.task_id {
        out.push_str(&format!("  Task id: {id}\n"));
    }
    out.push_str(&format!("  Task:    {}\n", r.task));
    if let Some(e) = &r.error {
        out.push_str(&format!("  Note:    {e}\n"));
    }
    if let Some(s) = &r.summary {
        out.push_str(&format!("  Summary: {s}\n"));
    }
    if let Some(t) = &r.transcript {
        out.push_str("  Transcript:\n");
        for line in t.lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    out
}
