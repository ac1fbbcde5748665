//! Status names stored in the history, and which of them the tracker must still follow.
//!
//! Statuses are plain text so that a status the service invents tomorrow is kept as is. This
//! module only classifies them; it must never rewrite or drop a status it does not know.

/// Local: the attempt is durably written and the POST has not been answered yet.
pub const SENDING: &str = "sending";
/// Local: the POST may or may not have created a task (timeout, lost connection, 5xx).
pub const UNKNOWN_OUTCOME: &str = "unknown_outcome";
/// Local: the service refused the call or nothing was sent; nobody was called.
pub const NOT_PLACED: &str = "not_placed";
/// Service: created, waiting for an agent.
pub const PENDING: &str = "pending";
/// Service: an agent took the task; it can still be cancelled.
pub const ACCEPTED: &str = "accepted";
/// Service: the agent is on it; it can no longer be cancelled.
pub const IN_PROGRESS: &str = "in_progress";
/// Service: done; the result (transcript, summary) may be attached.
pub const COMPLETED: &str = "completed";
/// Service: cancelled before work started.
pub const CANCELLED: &str = "cancelled";

/// Statuses that are never followed: local ones plus the service's terminal ones.
/// Kept in step with the partial index `calls_live_idx` in the schema.
pub(crate) const NOT_FOLLOWED: [&str; 5] =
    [SENDING, UNKNOWN_OUTCOME, NOT_PLACED, COMPLETED, CANCELLED];

/// True if a task in this status must still be followed: `pending`, `accepted`, `in_progress`
/// and any status string the service sends that this version does not know. The local statuses
/// (`sending`, `unknown_outcome`, `not_placed`) and the terminal ones are not live.
pub fn is_live(status: &str) -> bool {
    !NOT_FOLLOWED.contains(&status)
}

/// True if nothing more will happen to this call: `completed`, `cancelled` or `not_placed`.
pub fn is_terminal(status: &str) -> bool {
    matches!(status, COMPLETED | CANCELLED | NOT_PLACED)
}

/// Where a service status sits in the documented lifecycle, to refuse a stale report that
/// would move a task backwards (a late poll answered after a webhook). `None` for statuses
/// outside the documented lifecycle, which are never refused.
pub(crate) fn lifecycle_rank(status: &str) -> Option<u8> {
    match status {
        PENDING => Some(1),
        ACCEPTED => Some(2),
        IN_PROGRESS => Some(3),
        COMPLETED | CANCELLED => Some(4),
        _ => None,
    }
}

/// True if the service reporting `new` for a task now recorded as `current` must change the
/// recorded status. A task never leaves `completed`/`cancelled`, and never moves back to an
/// earlier documented step; everything else (including unknown statuses) is taken as reported.
pub(crate) fn accepts_transition(current: &str, new: &str) -> bool {
    if current == new {
        return false;
    }
    match (lifecycle_rank(current), lifecycle_rank(new)) {
        (Some(4), _) => false,
        (Some(c), Some(n)) => n >= c,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_and_terminal() {
        for s in [PENDING, ACCEPTED, IN_PROGRESS, "failed", "expired", ""] {
            assert!(is_live(s), "{s}");
            assert!(!is_terminal(s), "{s}");
        }
        for s in [SENDING, UNKNOWN_OUTCOME] {
            assert!(!is_live(s), "{s}");
            assert!(!is_terminal(s), "{s}");
        }
        for s in [COMPLETED, CANCELLED, NOT_PLACED] {
            assert!(!is_live(s), "{s}");
            assert!(is_terminal(s), "{s}");
        }
    }

    #[test]
    fn transitions_never_go_back() {
        assert!(accepts_transition(PENDING, ACCEPTED));
        assert!(accepts_transition(PENDING, COMPLETED));
        assert!(accepts_transition(SENDING, IN_PROGRESS));
        assert!(accepts_transition(IN_PROGRESS, "failed"));
        assert!(accepts_transition("failed", PENDING));
        assert!(!accepts_transition(IN_PROGRESS, ACCEPTED));
        assert!(!accepts_transition(COMPLETED, IN_PROGRESS));
        assert!(!accepts_transition(COMPLETED, CANCELLED));
        assert!(!accepts_transition(CANCELLED, "failed"));
        assert!(!accepts_transition(PENDING, PENDING));
    }
}
