//! Exit codes: one table, documented in `--help` and the README.

use missioncall_core::Error as CoreError;
use workapi::Error as ApiError;

pub const OK: i32 = 0;
pub const OTHER: i32 = 1;
pub const USAGE: i32 = 2;
pub const INVALID_INPUT: i32 = 3;
pub const REFUSED: i32 = 4;
pub const RATE_LIMITED: i32 = 5;
pub const NETWORK: i32 = 6;
pub const UNKNOWN_OUTCOME: i32 = 7;

/// A failure to report: a message for stderr and an exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub message: String,
}

impl Failure {
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }
}

fn api_code(e: &ApiError) -> i32 {
    match e {
        ApiError::Validation { .. }
        | ApiError::Unauthorized
        | ApiError::Forbidden
        | ApiError::NotFound
        | ApiError::InvalidStatus { .. } => REFUSED,
        ApiError::RateLimited { .. } => RATE_LIMITED,
        ApiError::Connect { .. } | ApiError::Network { .. } => NETWORK,
        ApiError::UnknownOutcome { .. } => UNKNOWN_OUTCOME,
        ApiError::InsecureBaseUrl { .. } | ApiError::InvalidBaseUrl { .. } => USAGE,
        ApiError::InvalidApiKey | ApiError::InvalidTaskId { .. } => INVALID_INPUT,
        ApiError::Server { .. } | ApiError::Decode { .. } | ApiError::Build { .. } => OTHER,
    }
}

impl From<CoreError> for Failure {
    fn from(e: CoreError) -> Self {
        let code = match &e {
            CoreError::InvalidPhone(_)
            | CoreError::InvalidTask { .. }
            | CoreError::Duplicate { .. }
            | CoreError::DoNotCall { .. }
            | CoreError::OutsideCallingHours { .. }
            | CoreError::InvalidCallingHours(_)
            | CoreError::BatchFile(_)
            | CoreError::InvalidBatch { .. }
            | CoreError::InvalidIdentity { .. }
            | CoreError::NoKey
            | CoreError::NoTask { .. }
            | CoreError::TaskMismatch { .. }
            | CoreError::TaskAlreadyKnown { .. }
            | CoreError::NotConfirmed
            | CoreError::NotUnknownOutcome { .. }
            | CoreError::InvalidRegion { .. } => INVALID_INPUT,
            // The call lives elsewhere: nothing was sent; the message says where and why.
            CoreError::OtherOrigin { .. }
            | CoreError::DemoEnded { .. }
            | CoreError::NoKeyForOrigin { .. } => REFUSED,
            CoreError::Api(api) => api_code(api),
            CoreError::UnknownOutcome { .. } => UNKNOWN_OUTCOME,
            CoreError::NotCancellable { .. } => REFUSED,
            CoreError::ScheduleTime { .. } => INVALID_INPUT,
            CoreError::ScheduledElsewhere { .. } => REFUSED,
            CoreError::History(
                missioncall_core::history::HistoryError::JobNotFound(_)
                | missioncall_core::history::HistoryError::JobState { .. }
                | missioncall_core::history::HistoryError::BatchNotFound(_)
                | missioncall_core::history::HistoryError::BatchState { .. },
            ) => INVALID_INPUT,
            CoreError::History(_)
            | CoreError::Secrets(_)
            | CoreError::Settings { .. }
            | CoreError::Demo { .. } => OTHER,
        };
        let message = match &e {
            CoreError::Api(api) => api_message(api),
            // The core's wording is the app's ("confirm"); here the way is a flag.
            CoreError::Duplicate { .. } => format!("{e} Add --force to place it again."),
            CoreError::OutsideCallingHours { sentence, .. } => format!(
                "{sentence} Nothing was sent. Add --at TIME to schedule it for an allowed time, \
                 or --anyway to call now all the same (the call records it)."
            ),
            _ => e.to_string(),
        };
        Failure::new(code, message)
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure::new(api_code(&e), api_message(&e))
    }
}

/// The error's message; a rejected key also says where the key in use came from, because
/// `WORKAPI_API_KEY` overrides the keychain and `missioncall key set` alone would not help.
fn api_message(e: &ApiError) -> String {
    let env_key = std::env::var(missioncall_core::secrets::ENV_KEY)
        .is_ok_and(|v| workapi::ApiKey::new(v).is_ok());
    match e {
        ApiError::Unauthorized if env_key => format!(
            "{e} The key in use comes from the WORKAPI_API_KEY environment variable, which takes precedence over the keychain: correct it or unset it."
        ),
        _ => e.to_string(),
    }
}

impl From<missioncall_core::history::HistoryError> for Failure {
    fn from(e: missioncall_core::history::HistoryError) -> Self {
        use missioncall_core::history::HistoryError as H;
        let code = match e {
            H::InvalidInput(_)
            | H::DoNotCall { .. }
            | H::TagNotFound(_)
            | H::NotFound(_)
            | H::NotAHistory { .. }
            | H::BackupTooNew { .. }
            | H::BackupRead { .. }
            | H::BackupOntoHistory { .. }
            | H::JobNotFound(_)
            | H::JobState { .. }
            | H::BatchNotFound(_)
            | H::BatchState { .. } => INVALID_INPUT,
            _ => OTHER,
        };
        Failure::new(code, e.to_string())
    }
}

impl From<missioncall_core::secrets::SecretsError> for Failure {
    fn from(e: missioncall_core::secrets::SecretsError) -> Self {
        Failure::new(OTHER, e.to_string())
    }
}
