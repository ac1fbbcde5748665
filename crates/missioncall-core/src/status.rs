//! Statuses in plain words, for people rather than programs. One table, used by the CLI, the
//! notifications and (through the shell) the UI.

/// The plain-language name of a status (the raw value for statuses we do not know).
pub fn describe(status: &str) -> String {
    match status {
        "pending" => "Waiting for an agent".into(),
        "accepted" => "Agent assigned".into(),
        "in_progress" => "On the call".into(),
        "completed" => "Done".into(),
        "cancelled" => "Cancelled".into(),
        "unknown_outcome" => "Outcome unknown".into(),
        "sending" => "Sending".into(),
        "not_placed" => "Not placed".into(),
        other => format!("Status: {other}"),
    }
}

/// True while the service allows a cancel.
pub fn is_cancellable(status: &str) -> bool {
    matches!(status, "pending" | "accepted")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words() {
        assert_eq!(describe("in_progress"), "On the call");
        assert_eq!(describe("failed"), "Status: failed");
        assert!(is_cancellable("accepted"));
        assert!(!is_cancellable("in_progress"));
    }
}
