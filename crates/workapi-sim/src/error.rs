//! The API's error answers: status, documented code, message, optional `Retry-After`, rendered in
//! whichever of the three body shapes is configured.
//!
//! Codes are the service's documented ones (plus `INTERNAL_ERROR` for injected 500s and
//! `METHOD_NOT_ALLOWED`). Rendering must never fail or panic.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::config::ErrorShape;

/// An error answer, before it is given a body shape.
#[derive(Clone, Debug)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after: Option<String>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
    }

    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "VALIDATION_ERROR",
            format!("request body is larger than {limit} bytes or could not be read"),
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "Missing or invalid API key",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "API key does not have access to this service",
        )
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", message)
    }

    pub fn invalid_status(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "INVALID_STATUS", message)
    }

    pub fn rate_limited(retry_after: String) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                "Too many requests. Check Retry-After header",
            )
        }
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "Internal server error",
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "Method not allowed on this path",
        )
    }

    /// The response with the body in `shape`.
    pub fn render(self, shape: ErrorShape) -> Response {
        let mut resp = (
            self.status,
            Json(error_body(shape, self.code, &self.message)),
        )
            .into_response();
        if let Some(v) = self
            .retry_after
            .and_then(|s| HeaderValue::from_str(&s).ok())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

/// An error body in the given shape.
pub fn error_body(shape: ErrorShape, code: &str, message: &str) -> Value {
    match shape {
        ErrorShape::Nested => json!({"error": {"code": code, "message": message}}),
        ErrorShape::Flat => json!({"code": code, "message": message}),
        ErrorShape::ErrorString => json!({"error": code, "message": message}),
    }
}
