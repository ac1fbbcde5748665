//! Exports: one call as a plain-text document, for export and copying (plain text only: no
//! markup is produced or interpreted); many calls as CSV, JSON or a Markdown report ([`many`]).

pub mod many;

use crate::history::{CallRecord, StatusEvent};

/// The call, its timeline, summary and transcript as plain text.
pub fn to_text(call: &CallRecord, timeline: &[StatusEvent]) -> String {
    let mut s = String::new();
    s.push_str(&format!("MissionCall — call #{}\n", call.id));
    if call.demo {
        s.push_str("DEMO: made with the simulator; nobody was called.\n");
    }
    s.push_str(&format!("Number: {}\n", call.phone_e164));
    s.push_str(&format!("Status: {}\n", call.status.label()));
    if let Some(id) = &call.task_id {
        s.push_str(&format!("Task id: {id}\n"));
    }
    s.push_str(&format!(
        "Created: {}\n\nTask:\n{}\n",
        call.created_at.to_rfc3339(),
        call.task
    ));
    if !timeline.is_empty() {
        s.push_str("\nTimeline:\n");
        for e in timeline {
            s.push_str(&format!(
                "  {}  {}\n",
                e.seen_at.to_rfc3339(),
                e.status.label()
            ));
        }
    }
    if let Some(note) = &call.error {
        s.push_str(&format!("\nNote:\n{note}\n"));
    }
    if let Some(sum) = &call.summary {
        s.push_str(&format!("\nSummary:\n{sum}\n"));
    }
    if let Some(t) = &call.transcript {
        s.push_str(&format!("\nTranscript:\n{t}\n"));
    }
    s
}

/// A safe file name for exporting a call.
pub fn file_name(call: &CallRecord) -> String {
    let digits: String = call
        .phone_e164
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    format!("missioncall-{}-{}.txt", call.id, digits)
}
