//! What the CLI prints: JSON shapes for `--json`, and plain text for people.

use missioncall_core::history::CallRecord;
use serde::Serialize;

/// A call as `--json` prints it. `task_id` is null until the service answered; `status` is
/// the status's word and `status_kind` whose word it is (`local`: ours, e.g. `unknown_outcome`;
/// `service`: the service's, e.g. `completed`); `status_text` is its plain words, and
/// `tracking` says whether it is still followed.
#[derive(Serialize)]
pub struct CallJson<'a> {
    pub id: i64,
    pub task_id: Option<&'a str>,
    pub task_number: Option<i64>,
    pub phone_number: &'a str,
    pub task: &'a str,
    pub status: &'a str,
    pub status_kind: &'static str,
    pub status_text: String,
    pub tracking: missioncall_core::call::Tracking,
    pub origin: &'a str,
    pub created_at: String,
    pub updated_at: String,
    pub summary: Option<&'a str>,
    pub transcript: Option<&'a str>,
    pub error: Option<&'a str>,
    pub demo: bool,
    /// The user's judgement: `achieved`, `not_achieved`, `no_answer`, `follow_up`, or null.
    pub outcome: Option<&'static str>,
    pub note: &'a str,
    pub tags: &'a [String],
    /// `YYYY-MM-DD` or `YYYY-MM-DD HH:MM` (local), or null.
    pub follow_up: Option<String>,
    /// The name given to the number, or null.
    pub contact: Option<&'a str>,
    /// When the user chose to call outside their calling hours: the sentence they saw; else
    /// null.
    pub outside_hours: Option<&'a str>,
}

impl<'a> From<&'a CallRecord> for CallJson<'a> {
    fn from(r: &'a CallRecord) -> Self {
        CallJson {
            id: r.id,
            task_id: r.task_id.as_deref(),
            task_number: r.task_number,
            phone_number: &r.phone_e164,
            task: &r.task,
            status: r.status.word(),
            status_kind: r.status.kind_name(),
            status_text: r.status.label(),
            tracking: r.tracking,
            origin: r.origin.as_str(),
            created_at: r.created_at.to_rfc3339(),
            updated_at: r.updated_at.to_rfc3339(),
            summary: r.summary.as_deref(),
            transcript: r.transcript.as_deref(),
            error: r.error.as_deref(),
            demo: r.demo,
            outcome: r.outcome.map(|o| o.key()),
            note: &r.note,
            tags: &r.tags,
            follow_up: r.follow_up.map(|f| f.key()),
            contact: r.contact_name.as_deref(),
            outside_hours: r.outside_hours.as_deref(),
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
    let who = r.contact_name.as_deref().unwrap_or(&r.phone_e164);
    let who: String = who.chars().take(24).collect();
    let outcome = r
        .outcome
        .map(|o| format!("  [{}]", o.label()))
        .unwrap_or_default();
    format!(
        "#{:<5} {when}  {:<24} {:<20} {task}{more}{outcome}{demo}",
        r.id,
        who,
        r.status.label()
    )
}

/// A full account of a call, for people.
pub fn call_detail(r: &CallRecord) -> String {
    let mut out = String::new();
    match &r.contact_name {
        Some(name) => out.push_str(&format!("Call #{} to {name} ({})\n", r.id, r.phone_e164)),
        None => out.push_str(&format!("Call #{} to {}\n", r.id, r.phone_e164)),
    }
    out.push_str(&format!("  Status:  {}\n", r.status.label()));
    if let Some(o) = r.outcome {
        out.push_str(&format!("  Outcome: {}\n", o.label()));
    }
    if let Some(f) = r.follow_up {
        out.push_str(&format!("  Follow up: {f}\n"));
    }
    if !r.tags.is_empty() {
        out.push_str(&format!("  Tags:    {}\n", r.tags.join(", ")));
    }
    if !r.note.is_empty() {
        out.push_str("  Your note:\n");
        for line in r.note.lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    if let Some(t) = r.tracking.label() {
        out.push_str(&format!("  Checks:  {t}\n"));
    }
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
