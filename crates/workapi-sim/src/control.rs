//! The control API under `/_sim`: health, stats, fault injection, forcing a task's status,
//! reading any task, and switching the error-body shape. No auth; loopback peers only.
//!
//! It must never be counted in the API stats, never be subject to faults or rate limits, and
//! never be reachable from a non-loopback peer.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::config::ErrorShape;
use crate::conn::Conn;
use crate::error::error_body;
use crate::faults::Fault;
use crate::state::Shared;

/// Prefix of every control route.
pub const CONTROL_PATH: &str = "/_sim";

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_sim/health", get(health))
        .route("/_sim/stats", get(stats))
        .route(
            "/_sim/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_sim/faults/clear", post(clear_faults))
        .route("/_sim/tasks/{task_id}", get(peek))
        .route("/_sim/tasks/{task_id}/status", post(force_status))
        .route("/_sim/error-shape", put(set_error_shape))
        .layer(middleware::from_fn(loopback_only))
}

async fn loopback_only(ConnectInfo(conn): ConnectInfo<Conn>, req: Request, next: Next) -> Response {
    if conn.peer.ip().is_loopback() {
        next.run(req).await
    } else {
        fail(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "control API is loopback only",
        )
    }
}

fn fail(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(error_body(ErrorShape::Nested, code, message))).into_response()
}

/// The JSON body, or the message of the 400 to answer.
fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| e.to_string())
}

fn bad_request(message: String) -> Response {
    fail(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", &message)
}

async fn health(State(app): State<Arc<Shared>>) -> Response {
    Json(json!({"status": "ok", "tasks": app.task_count(), "base_path": crate::BASE_PATH}))
        .into_response()
}

async fn stats(State(app): State<Arc<Shared>>) -> Response {
    Json(app.stats()).into_response()
}

async fn list_faults(State(app): State<Arc<Shared>>) -> Response {
    Json(json!({"faults": app.pending_faults()})).into_response()
}

async fn add_fault(State(app): State<Arc<Shared>>, body: Bytes) -> Response {
    match parse::<Fault>(&body) {
        Ok(f) => {
            app.inject(f);
            Json(json!({"faults": app.pending_faults()})).into_response()
        }
        Err(e) => bad_request(e),
    }
}

async fn clear_faults(State(app): State<Arc<Shared>>) -> Response {
    app.clear_faults();
    Json(json!({"faults": []})).into_response()
}

async fn peek(State(app): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    match app.peek(&id) {
        Some(t) => Json(t).into_response(),
        None => fail(StatusCode::NOT_FOUND, "NOT_FOUND", "Task not found"),
    }
}

#[derive(Deserialize)]
struct ForceStatus {
    status: String,
}

async fn force_status(
    State(app): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let req = match parse::<ForceStatus>(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(e),
    };
    match app.force(&id, &req.status) {
        Some(t) => Json(t).into_response(),
        None => fail(StatusCode::NOT_FOUND, "NOT_FOUND", "Task not found"),
    }
}

#[derive(Deserialize)]
struct SetShape {
    shape: ErrorShape,
}

async fn set_error_shape(State(app): State<Arc<Shared>>, body: Bytes) -> Response {
    match parse::<SetShape>(&body) {
        Ok(r) => {
            app.set_error_shape(r.shape);
            Json(json!({"shape": r.shape})).into_response()
        }
        Err(e) => bad_request(e),
    }
}
