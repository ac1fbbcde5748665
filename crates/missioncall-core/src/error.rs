//! The core's one error type. Each variant names a situation the user can meet, with a
//! plain-language message that says what happened and what to do. None carries the API key.

use crate::call::Origin;
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

    /// The number is on the do-not-call list: nothing was sent.
    #[error("{}", crate::do_not_call::refusal(phone_e164, added_on, reason.as_deref()))]
    DoNotCall {
        /// The number, E.164.
        phone_e164: String,
        /// The day it was listed, as the user reads it ("3 Dec").
        added_on: String,
        /// The user's reason, if any.
        reason: Option<String>,
    },

    /// The call falls outside the user's calling hours in the callee's local time, and the user
    /// did not choose to call anyway: nothing was sent.
    #[error("{sentence} Nothing was sent. Schedule the call for an allowed time, or confirm that you want to call now anyway.")]
    OutsideCallingHours {
        /// What the confirmation says ([`crate::callee_time::HoursDecision::sentence`]).
        sentence: String,
        /// The next time the hours are open in all the number's zones, when there is one.
        next_allowed: Option<chrono::DateTime<chrono::Utc>>,
    },

    /// A batch file could not be read or planned (see the inner error's message).
    #[error("{0}")]
    BatchFile(#[from] crate::batch::BatchError),

    /// A batch cannot be started or changed as asked: nothing was started or sent.
    #[error("{reason}")]
    InvalidBatch { reason: String },

    /// The calling hours cannot be saved as given.
    #[error("{0}")]
    InvalidCallingHours(#[from] crate::callee_time::InvalidHours),

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

    /// The call lives at another origin than the one in use (the demo simulator, or another
    /// service address): nothing was sent anywhere.
    #[error("{}", other_origin(*call_id, origin, here))]
    OtherOrigin {
        call_id: i64,
        origin: Origin,
        here: Origin,
    },

    /// A demo call after demo mode ended: there is no simulator to ask, and nobody was called.
    #[error("Call #{call_id} was a demo call, and the demo has ended. Nobody was called, so there is nothing to do.")]
    DemoEnded { call_id: i64 },

    /// The call was placed with another service address, and no key is stored for it.
    #[error("Call #{call_id} was placed with the WorkAPI service at {origin}, and no key for that address is stored on this computer. Nothing was sent. To act on it, set the address back in Settings and enter its key.")]
    NoKeyForOrigin { call_id: i64, origin: String },

    /// A call must be confirmed before it is placed (the confirmation expired or was used).
    #[error("This call was not confirmed, or its confirmation expired. Nothing was sent. Review the call and confirm it again.")]
    NotConfirmed,

    /// Only a call whose outcome is unknown can be marked as not placed.
    #[error("This call cannot be marked as not placed: it is {status_words}.")]
    NotUnknownOutcome { status_words: String },

    /// The default country in Settings is not one MissionCall knows.
    #[error(
        "\"{code}\" is not a country MissionCall knows. Pick your default country from the list."
    )]
    InvalidRegion { code: String },

    /// The caller identity in Settings cannot be kept as it is (the reason says why).
    #[error("{reason}")]
    InvalidIdentity { reason: String },
    /// A time for a scheduled call that cannot be used (passed, or too far ahead): nothing
    /// was scheduled.
    #[error("{reason}")]
    ScheduleTime { reason: String },

    /// A scheduled call is for another origin than the one in use (the demo, or another
    /// service address): it is placed only there, never re-routed. Nothing was sent.
    #[error("{}", scheduled_elsewhere(*job_id, origin))]
    ScheduledElsewhere { job_id: i64, origin: Origin },

    /// The local history failed.
    #[error("{0}")]
    History(HistoryError),

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

impl From<HistoryError> for Error {
    /// A refusal of the history's (a listed number) is the core's refusal; anything else is a
    /// history failure.
    fn from(e: HistoryError) -> Self {
        match e {
            HistoryError::DoNotCall {
                phone_e164,
                added_on,
                reason,
            } => Error::DoNotCall {
                phone_e164,
                added_on,
                reason,
            },
            e => Error::History(e),
        }
    }
}

impl Error {
    /// The call in history this error is about, when there is one.
    pub fn call_id(&self) -> Option<i64> {
        match self {
            Error::UnknownOutcome { call_id, .. }
            | Error::OtherOrigin { call_id, .. }
            | Error::DemoEnded { call_id }
            | Error::NoKeyForOrigin { call_id, .. } => Some(*call_id),
            Error::Duplicate { existing_id, .. } => Some(*existing_id),
            _ => None,
        }
    }
}

fn other_origin(call_id: i64, origin: &Origin, here: &Origin) -> String {
    match (origin, here) {
        (Origin::Demo, _) => format!("Call #{call_id} is a demo call; it can only be handled in demo mode. Nobody was called. Nothing was sent."),
        (Origin::Service(_), Origin::Demo) => format!("Call #{call_id} is a real call; leave demo mode to act on it. Nothing was sent."),
        (Origin::Service(u), Origin::Service(_)) => format!("Call #{call_id} was placed with the WorkAPI service at {u}, not the address in use. Nothing was sent."),
    }
}

fn scheduled_elsewhere(job_id: i64, origin: &Origin) -> String {
    match origin {
        Origin::Demo => format!("Scheduled call {job_id} is a demo call; it can only be placed in demo mode. Nothing was sent."),
        Origin::Service(u) => format!("Scheduled call {job_id} is for the WorkAPI service at {u}, not the address in use; it is placed only there, with that address's key. Nothing was sent."),
    }
}

/// "less than a minute ago", "1 minute ago", "7 minutes ago".
fn ago(minutes: i64) -> String {
    match minutes {
        m if m < 1 => "less than a minute ago".to_owned(),
        1 => "1 minute ago".to_owned(),
        m => format!("{m} minutes ago"),
    }
}
