//! The shell's error, as the UI sees it: `{ kind, message }`. The kind lets the UI react
//! (a rejected key leads to Settings, offline shows a banner); the message is plain language,
//! shown as is. It never contains the API key.

use missioncall_core::Error as CoreError;
use serde::Serialize;
use workapi::Error as ApiError;

/// What kind of problem, for the UI to react to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum AppErrorKind {
    InvalidPhone,
    InvalidTask,
    Duplicate,
    NoKey,
    Unauthorized,
    Forbidden,
    NotFound,
    NotCancellable,
    RateLimited,
    Offline,
    UnknownOutcome,
    InvalidKey,
    Keychain,
    InsecureUrl,
    Server,
    Storage,
    /// The call lives elsewhere (the demo, another address): nothing was sent.
    OtherOrigin,
    /// The call was not confirmed (or the confirmation expired): nothing was sent.
    NotConfirmed,
    /// A setting is not valid.
    InvalidSettings,
    /// What the user typed cannot be kept as it is (a tag, a note, a date, a name): the message
    /// says why; nothing changed.
    InvalidInput,
    /// A long task (an export) was stopped by the user: nothing was written.
    StoppedByUser,
    /// The number is on the do-not-call list: nothing was sent.
    DoNotCall,
    /// Outside the user's calling hours in the callee's local time, and the user did not choose
    /// to call anyway: nothing was sent (the confirmation still works, to schedule it or to
    /// call anyway).
    OutsideCallingHours,
    Other,
}

/// An error for the UI.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppError {
    pub kind: AppErrorKind,
    pub message: String,
    /// The call this error is about, when there is one (the row kept for an unknown outcome,
    /// the earlier call of a duplicate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_id: Option<i64>,
}

impl AppError {
    /// `message` is shown as a sentence: the core's messages start in lower case (they are
    /// also used inside other messages), so a first plain word gets its capital here.
    pub fn new(kind: AppErrorKind, message: impl Into<String>) -> Self {
        AppError {
            kind,
            message: as_sentence(message.into()),
            call_id: None,
        }
    }
}

/// Capitalises the first word when it is a plain lower-case word (never a path, a name with
/// digits or an identifier, which must stay as they are).
fn as_sentence(mut message: String) -> String {
    let start = message.len() - message.trim_start().len();
    let first = message[start..].split_whitespace().next().unwrap_or("");
    let word = first.trim_end_matches([',', ':', ';', '.']);
    if !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase()) {
        message[start..=start].make_ascii_uppercase();
    }
    message
}

fn api_kind(e: &ApiError) -> AppErrorKind {
    match e {
        ApiError::Validation { .. } => AppErrorKind::InvalidTask,
        ApiError::Unauthorized => AppErrorKind::Unauthorized,
        ApiError::Forbidden => AppErrorKind::Forbidden,
        ApiError::NotFound => AppErrorKind::NotFound,
        ApiError::InvalidStatus { .. } => AppErrorKind::NotCancellable,
        ApiError::RateLimited { .. } => AppErrorKind::RateLimited,
        ApiError::Connect { .. } | ApiError::Network { .. } => AppErrorKind::Offline,
        ApiError::UnknownOutcome { .. } => AppErrorKind::UnknownOutcome,
        ApiError::InsecureBaseUrl { .. } | ApiError::InvalidBaseUrl { .. } => {
            AppErrorKind::InsecureUrl
        }
        ApiError::InvalidApiKey => AppErrorKind::Unauthorized,
        ApiError::InvalidTaskId { .. } => AppErrorKind::NotFound,
        ApiError::Server { .. } | ApiError::Decode { .. } => AppErrorKind::Server,
        ApiError::Build { .. } => AppErrorKind::Other,
    }
}

impl From<CoreError> for AppError {
    fn from(e: CoreError) -> Self {
        let kind = match &e {
            CoreError::InvalidPhone(_) => AppErrorKind::InvalidPhone,
            CoreError::InvalidTask { .. } => AppErrorKind::InvalidTask,
            CoreError::Duplicate { .. } => AppErrorKind::Duplicate,
            CoreError::NoKey => AppErrorKind::NoKey,
            CoreError::Api(api) => api_kind(api),
            CoreError::UnknownOutcome { .. } => AppErrorKind::UnknownOutcome,
            CoreError::NotCancellable { .. } => AppErrorKind::NotCancellable,
            CoreError::NoTask { .. } => AppErrorKind::NotFound,
            CoreError::TaskMismatch { .. } | CoreError::TaskAlreadyKnown { .. } => {
                AppErrorKind::InvalidTask
            }
            CoreError::History(missioncall_core::history::HistoryError::NotFound(_)) => {
                AppErrorKind::NotFound
            }
            CoreError::History(
                missioncall_core::history::HistoryError::BatchState { .. }
                | missioncall_core::history::HistoryError::BatchNotFound(_),
            ) => AppErrorKind::InvalidInput,
            CoreError::History(_) => AppErrorKind::Storage,
            CoreError::Secrets(missioncall_core::secrets::SecretsError::InvalidKey) => {
                AppErrorKind::InvalidKey
            }
            CoreError::Secrets(_) => AppErrorKind::Keychain,
            CoreError::Settings { .. } => AppErrorKind::Storage,
            CoreError::Demo { .. } => AppErrorKind::Other,
            CoreError::OtherOrigin { .. }
            | CoreError::DemoEnded { .. }
            | CoreError::NoKeyForOrigin { .. } => AppErrorKind::OtherOrigin,
            CoreError::NotConfirmed => AppErrorKind::NotConfirmed,
            CoreError::NotUnknownOutcome { .. } => AppErrorKind::Other,
            CoreError::InvalidRegion { .. } | CoreError::InvalidIdentity { .. } => {
                AppErrorKind::InvalidSettings
            }
            // A number on the do-not-call list: nothing was sent; the message says how to lift it.
            CoreError::DoNotCall { .. } => AppErrorKind::DoNotCall,
            CoreError::OutsideCallingHours { .. } => AppErrorKind::OutsideCallingHours,
            CoreError::InvalidCallingHours(_) => AppErrorKind::InvalidSettings,
            CoreError::BatchFile(_) | CoreError::InvalidBatch { .. } => AppErrorKind::InvalidInput,
            CoreError::ScheduleTime { .. } => AppErrorKind::InvalidInput,
            CoreError::ScheduledElsewhere { .. } => AppErrorKind::OtherOrigin,
        };
        let call_id = e.call_id();
        AppError {
            call_id,
            ..AppError::new(kind, e.to_string())
        }
    }
}

impl From<ApiError> for AppError {
    fn from(e: ApiError) -> Self {
        AppError::new(api_kind(&e), e.to_string())
    }
}

impl From<missioncall_core::history::HistoryError> for AppError {
    fn from(e: missioncall_core::history::HistoryError) -> Self {
        use missioncall_core::history::HistoryError as H;
        let kind = match &e {
            H::InvalidInput(_)
            | H::TagNotFound(_)
            | H::NotAHistory { .. }
            | H::BackupTooNew { .. }
            | H::BatchState { .. }
            | H::BatchNotFound(_) => AppErrorKind::InvalidInput,
            H::NotFound(_) => AppErrorKind::NotFound,
            _ => AppErrorKind::Storage,
        };
        AppError::new(kind, e.to_string())
    }
}

impl From<missioncall_core::secrets::SecretsError> for AppError {
    fn from(e: missioncall_core::secrets::SecretsError) -> Self {
        let kind = match e {
            missioncall_core::secrets::SecretsError::InvalidKey => AppErrorKind::InvalidKey,
            _ => AppErrorKind::Keychain,
        };
        AppError::new(kind, e.to_string())
    }
}

/// Result of every command.
pub type CmdResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_sentences_without_touching_paths_or_names() {
        let msg = |m: &str| AppError::new(AppErrorKind::Storage, m).message;
        assert_eq!(
            msg("could not create the folder /tmp/x for the call history"),
            "Could not create the folder /tmp/x for the call history"
        );
        assert_eq!(
            msg("the call history could not be read"),
            "The call history could not be read"
        );
        assert_eq!(msg("Already a sentence."), "Already a sentence.");
        assert_eq!(
            msg("data/calls.db is not a history"),
            "data/calls.db is not a history"
        );
        assert_eq!(msg("sk_live is not a key"), "sk_live is not a key");
        assert_eq!(msg("x2 failed"), "x2 failed");
        assert_eq!(msg("  leading space"), "  Leading space");
        assert_eq!(msg(""), "");
        assert_eq!(msg("é accent"), "é accent");
    }
}
