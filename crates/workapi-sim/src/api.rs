//! The WorkAPI endpoints: create, read and cancel a task under [`crate::BASE_PATH`], with the
//! injected faults applied around the real processing.
//!
//! Handlers are thin: count the request, take its fault, authorise, validate, call the state,
//! answer. They must never panic on any input and never answer anything but the documented
//! shapes, except where a fault says so.

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::rejection::PathRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::conn::Conn;
use crate::error::ApiError;
use crate::faults::{FaultKind, Route};
use crate::state::Shared;
use crate::task::TaskView;
use crate::{validate, BASE_PATH};

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(&format!("{BASE_PATH}/tasks"), post(create))
        .route(&format!("{BASE_PATH}/tasks/{{task_id}}"), get(read))
        .route(
            &format!("{BASE_PATH}/tasks/{{task_id}}/cancel"),
            post(cancel),
        )
}

/// Create answers 201 Created with the new task (status `pending`).
async fn create(
    State(app): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let fault = app.arrive(Route::Create);
    if let Some(r) = short_circuit(&app, fault) {
        return r;
    }
    let answer = async {
        let key = app.authorize(&headers)?;
        let bytes = to_bytes(body, app.max_body_bytes)
            .await
            .map_err(|_| ApiError::too_large(app.max_body_bytes))?;
        let data = validate::create_request(&bytes).map_err(ApiError::validation)?;
        Ok::<_, ApiError>(app.create(&key, data))
    }
    .await;
    finish(
        &app,
        fault,
        &conn,
        respond(&app, StatusCode::CREATED, answer),
    )
    .await
}

async fn read(
    State(app): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let fault = app.arrive(Route::Get);
    if let Some(r) = short_circuit(&app, fault) {
        return r;
    }
    let answer = app.authorize(&headers).and_then(|key| {
        let Path(id) = id.map_err(|_| ApiError::not_found("Task not found"))?;
        app.get(&key, &id)
    });
    finish(&app, fault, &conn, respond(&app, StatusCode::OK, answer)).await
}

async fn cancel(
    State(app): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let fault = app.arrive(Route::Cancel);
    if let Some(r) = short_circuit(&app, fault) {
        return r;
    }
    let answer = app.authorize(&headers).and_then(|key| {
        let Path(id) = id.map_err(|_| ApiError::not_found("Task not found"))?;
        app.cancel(&key, &id)
    });
    finish(&app, fault, &conn, respond(&app, StatusCode::OK, answer)).await
}

fn respond(app: &Shared, ok: StatusCode, answer: Result<TaskView, ApiError>) -> Response {
    match answer {
        Ok(task) => (ok, Json(task)).into_response(),
        Err(e) => e.render(app.error_shape()),
    }
}

/// The answer for faults that replace processing altogether.
fn short_circuit(app: &Shared, fault: Option<FaultKind>) -> Option<Response> {
    let kind = fault.filter(FaultKind::short_circuits)?;
    tracing::debug!(?kind, "injected fault (before processing)");
    Some(match kind {
        FaultKind::RateLimited { retry_after } => {
            ApiError::rate_limited(retry_after.header_value()).render(app.error_shape())
        }
        FaultKind::Unavailable => unavailable_page(),
        _ => ApiError::internal().render(app.error_shape()),
    })
}

/// Applies the faults that act after processing.
async fn finish(app: &Shared, fault: Option<FaultKind>, conn: &Conn, resp: Response) -> Response {
    match fault {
        Some(FaultKind::Hang) => {
            tracing::debug!("injected fault: hanging until shutdown");
            app.shutting_down().await;
            unavailable_page()
        }
        Some(FaultKind::Drop) => {
            tracing::debug!(peer = %conn.peer, "injected fault: dropping the connection");
            conn.kill();
            resp
        }
        Some(FaultKind::Garbage) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "<html><body>upstream sent something odd {\"task_id\": </body>",
        )
            .into_response(),
        _ => resp,
    }
}

fn unavailable_page() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html("<html><head><title>503 Service Unavailable</title></head><body><h1>503 Service Unavailable</h1></body></html>"),
    )
        .into_response()
}

/// Unknown paths: 404 `NOT_FOUND` in the configured shape.
pub(crate) async fn not_found(State(app): State<Arc<Shared>>) -> Response {
    ApiError::not_found("Route not found").render(app.error_shape())
}

/// Known path, wrong method: 405 in the configured shape.
pub(crate) async fn method_not_allowed(State(app): State<Arc<Shared>>) -> Response {
    ApiError::method_not_allowed().render(app.error_shape())
}
