//! The core's one error type. Each variant names a situation the user can meet, with a
//! plain-language message that says what happened and what to do. None carries the API key.

use crate::history::HistoryError;
use crate::phone::InvalidPhone;
use crate::secrets::SecretsError;

/// Result of the core's operations.
pub type Result<T> = std::result::Result<T, Error>;

/// What went wrong, by kind.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The phone number is not valid: nothing was sent.
    #[error("{0}")]
    InvalidPhone(#[from] InvalidPhone),

    /// The task text is empty or too long: nothing was sent.
    #[error("{reason}")]
    InvalidTask { reason: String },

    /// The same number and task were sent a short while ago: nothing was sent this time.
    #[error("You asked for this same call {} (call #{existing_id}). Nothing was sent. To place it again anyway, confirm that you want a second call.", ago(*minutes))]
    Duplicate { existing_id: i64, minutes: i64 },

    /// No API key is set.
    #[error("No WorkAPI key is set. Enter your key in Settings (or run `missioncall key set`), or try the demo.")]
    NoKey,

    /// The service or the network refused or failed (see the inner error's message).
    #[error("{0}")]
    Api(#[from] workapi::Error),

    /// The call may or may not have been placed; it is kept in history as "outcome unknown".
    #[error("The request to place call #{call_id} was sent, but no answer came back ({detail}). The call may or may not have been placed, so it was NOT sent again. It is kept in your history as \"Outcome unknown\".")]
    UnknownOutcome { call_id: i64, detail: String },

    /// The task can no longer be cancelled.
    #[error("This call can no longer be cancelled: {status_words}.")]
    NotCancellable { status_words: String },

    /// The call has no task at the service (it was never placed, or its outcome is unknown).
    #[error("This call has no task at the service yet, so there is nothing to {action}.")]
    NoTask { action: &'static str },

    /// A task id entered to resolve an unknown outcome belongs to another call.
    #[error("Task {task_id} is for another number ({found}), not this call's ({expected}). It was not linked.")]
    TaskMismatch {
        task_id: String,
        found: String,
        expected: String,
    },

    /// The task id is already recorded for another call in history.
    #[error("Task {task_id} is already in your history as call #{other_id}.")]
    TaskAlreadyKnown { task_id: String, other_id: i64 },

    /// The local history failed.
    #[error("{0}")]
    History(#[from] HistoryError),

    /// The keychain failed.
    #[error("{0}")]
    Secrets(#[from] SecretsError),

    /// The settings file could not be read or written.
    #[error(
        "Settings could not be saved or read ({detail}). Check that the data folder is writable."
    )]
    Settings { detail: String },

    /// The simulator (demo mode) could not start.
    #[error("The demo simulator could not start ({detail}).")]
    Demo { detail: String },
}

/// "less than a minute ago", "1 minute ago", "7 minutes ago".
fn ago(minutes: i64) -> String {
    match minutes {
        m if m < 1 => "less than a minute ago".to_owned(),
        1 => "1 minute ago".to_owned(),
        m => format!("{m} minutes ago"),
    }
}
