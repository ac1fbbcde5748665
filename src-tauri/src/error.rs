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
    pub fn new(kind: AppErrorKind, message: impl Into<String>) -> Self {
        AppError {
            kind,
            message: message.into(),
            call_id: None,
        }
    }
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
            CoreError::History(_) => AppErrorKind::Storage,
            CoreError::Secrets(missioncall_core::secrets::SecretsError::InvalidKey) => {
                AppErrorKind::InvalidKey
            }
            CoreError::Secrets(_) => AppErrorKind::Keychain,
            CoreError::Settings { .. } => AppErrorKind::Storage,
            CoreError::Demo { .. } => AppErrorKind::Other,
        };
        let call_id = match &e {
            CoreError::UnknownOutcome { call_id, .. } => Some(*call_id),
            CoreError::Duplicate { existing_id, .. } => Some(*existing_id),
            _ => None,
        };
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
        AppError::new(AppErrorKind::Storage, e.to_string())
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
