//! The client's one error type. Every variant has a plain-language message that says what
//! happened and what to do; none of them ever contains the API key.

use std::time::Duration;

/// Result of every client call.
pub type Result<T> = std::result::Result<T, Error>;

/// What went wrong talking to the service.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 400 `VALIDATION_ERROR`: the service refused the request's fields.
    #[error("The service refused the request: {message}")]
    Validation { message: String },

    /// 401 `UNAUTHORIZED`: no key, or the key was rejected.
    #[error("The WorkAPI key was rejected. Check it in your WorkAPI account and set it again (in Settings, or with `missioncall key set`).")]
    Unauthorized,

    /// 403 `FORBIDDEN`: the key is valid but may not use this service.
    #[error("This WorkAPI key is not allowed to use the phone-call service. Enable the service for the key in your WorkAPI account, or use another key.")]
    Forbidden,

    /// 404 `NOT_FOUND`: no such task on the service.
    #[error("The service has no task with this id. Check the id; a task created with another key or on another service address is not visible.")]
    NotFound,

    /// 409 `INVALID_STATUS`: the action is not allowed in the task's current status.
    #[error("Not allowed in the task's current status: {message}")]
    InvalidStatus { message: String },

    /// 429 `RATE_LIMITED`, still refused after the allowed retries.
    #[error("The service is receiving too many requests from this key{}. Wait a moment and try again.", retry_after.map(|d| format!(" (it asked to wait {} s)", d.as_secs().max(1))).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration> },

    /// Any other answer the service gave with an error status.
    #[error("The service answered with an error (HTTP {status}). Try again later.")]
    Server { status: u16, body: String },

    /// The service answered, but not in the shape the contract describes.
    #[error("The service sent an answer MissionCall could not read ({source}).")]
    Decode {
        #[source]
        source: serde_json::Error,
        body: String,
    },

    /// The service could not be reached, and nothing was sent: safe to try again.
    #[error("Could not reach the service, and nothing was sent ({message}). Check your internet connection and try again.")]
    Connect { message: String },

    /// A read (GET) failed after the request was sent, even after retries: safe to try again.
    #[error("The connection to the service failed while waiting for an answer ({message}). Nothing was changed; try again.")]
    Network { message: String },

    /// The request was sent but no answer came: the service may have acted on it.
    #[error("The request was sent but no answer came back ({message}), so it may or may not have been carried out. It was not sent again.")]
    UnknownOutcome { message: String },

    /// The base URL is not https (plain http is only allowed for loopback addresses).
    #[error("The service address must start with https:// (plain http is only allowed for this computer, e.g. http://127.0.0.1): {url}")]
    InsecureBaseUrl { url: String },

    /// The base URL could not be parsed.
    #[error("The service address is not a valid URL: {url}")]
    InvalidBaseUrl { url: String },

    /// The API key is empty or contains characters that cannot be sent.
    #[error("This API key cannot be used: it is empty or contains spaces or control characters. Copy it again from your WorkAPI account.")]
    InvalidApiKey,

    /// A task id that cannot name a task (empty, or with spaces or slashes).
    #[error("This is not a valid task id: {id:?}")]
    InvalidTaskId { id: String },

    /// The HTTP client could not be built (a TLS backend problem on this machine).
    #[error("Could not start the network client: {message}")]
    Build { message: String },
}

impl Error {
    /// True when the request is known not to have reached the service (safe to retry).
    pub fn nothing_was_sent(&self) -> bool {
        matches!(self, Error::Connect { .. })
    }

    /// True when a task creation may have been carried out although no usable answer came.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, Error::UnknownOutcome { .. })
    }
}
