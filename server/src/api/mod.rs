//! The device API: `/healthz`, `/metrics`, `POST /v1/enroll` (JSON), `POST /v1/sync` (binary,
//! see docs/sync-protocol.md), sign-in approval, read receipts, sign-out and nudges; the files of
//! [`blobs`] and the manager figures of [`figures`]. Paths and bodies are the protocol's
//! ([`fieldreport_protocol::api`]).

mod blobs;
mod figures;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use fieldreport_protocol::api::{
    EnrollRequest, NudgeRequest, ReadsRequest, Route, WebLoginApproved, WebLoginRequest, SYNC_CONTENT_TYPE,
};
use fieldreport_protocol::wire::{PushResult, SyncRequest, SyncResponse};

use crate::error::{Result, ServerError};
use crate::model::Enrolled;
use crate::service::Limits;
use crate::state::{bearer, blocking, body_of, AppState};

/// The device API's routes (the dashboard's are [`crate::web::routes`]).
pub fn routes(limits: &Limits) -> Router<Arc<AppState>> {
    Router::new()
        .route(Route::Healthz.pattern(), get(healthz))
        .route(Route::Enroll.pattern(), post(enroll))
        .route(Route::Sync.pattern(), post(sync))
        .route(Route::WebLogin.pattern(), post(web_login))
        .route(Route::Reads.pattern(), post(reads))
        .route(Route::SignOut.pattern(), post(sign_out))
        .route(Route::Nudges.pattern(), post(nudge))
        .route(Route::Kpi.pattern(), get(figures::kpi))
        .route(Route::Alerts.pattern(), get(figures::alerts))
        .route(Route::Submissions.pattern(), get(figures::submissions))
        .route(Route::Metrics.pattern(), get(metrics))
        .layer(DefaultBodyLimit::max(limits.max_request_bytes))
        .merge(
            Router::new()
                .route(Route::BlobsMissing.pattern(), post(blobs::missing))
                .route(Route::Blob.pattern(), post(blobs::upload))
                .route(Route::BlobRead.pattern(), post(blobs::read))
                .layer(DefaultBodyLimit::max(crate::service::blobs::MAX_PIECE + 64 * 1024)),
        )
}

/// `GET /metrics`: the Prometheus text format (the outbox backlog read now).
async fn metrics(State(state): State<Arc<AppState>>) -> Result<impl IntoResponse> {
    let s = state.service.clone();
    let backlog = blocking(move || s.outbox_backlog()).await?;
    let m = crate::metrics::metrics();
    m.outbox_backlog.set(backlog);
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], m.render()))
}

async fn healthz(State(state): State<Arc<AppState>>) -> Result<Json<serde_json::Value>> {
    let s = state.service.clone();
    let team = blocking(move || {
        s.health()?;
        s.team()
    })
    .await?;
    Ok(Json(serde_json::json!({ "status": "ok", "team": team.map(|t| t.name) })))
}

async fn enroll(
    State(state): State<Arc<AppState>>,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Json<Enrolled>> {
    let body = body_of(body, state.limits.max_request_bytes)?;
    let b: EnrollRequest = serde_json::from_slice(&body)
        .map_err(|e| ServerError::BadRequest(format!("expected JSON {{\"code\", \"actor\"}}: {e}")))?;
    let s = state.service.clone();
    let enrolled = blocking(move || s.enroll(&b.code, &b.actor, b.name.as_deref())).await?;
    tracing::info!(device = %enrolled.device_id, user = %enrolled.user_id, "device enrolled");
    Ok(Json(enrolled))
}

/// An enrolled device approves the sign-in code a browser shows (扫码登录).
async fn web_login(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Json<WebLoginApproved>> {
    let (token, b): (String, WebLoginRequest) = device_json(&headers, body, 4096, "{\"code\"}")?;
    let s = state.service.clone();
    let (user, expires) = blocking(move || {
        let caller = s.authenticate(&token)?;
        let expires = s.approve_web_login(&caller, &b.code)?;
        Ok((caller.user.id, expires))
    })
    .await?;
    tracing::info!(user = %user, "browser signed in with a phone");
    Ok(Json(WebLoginApproved { user_id: user, session_expires_at: expires }))
}

/// A device tells which reports addressed to its user were read on it (offline, then at the
/// next sync): each becomes a read receipt for the author, as an opening on the dashboard does.
async fn reads(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Json<serde_json::Value>> {
    let (token, b): (String, ReadsRequest) = device_json(&headers, body, 64 * 1024, "{\"reports\": [ids]}")?;
    let s = state.service.clone();
    let recorded = blocking(move || {
        let caller = s.authenticate(&token)?;
        s.device_reads(&caller.user, &b.reports)
    })
    .await?;
    Ok(Json(serde_json::json!({ "recorded": recorded })))
}

/// A manager's device nudges a member for a report (催交).
async fn nudge(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Json<serde_json::Value>> {
    let (token, b): (String, NudgeRequest) = device_json(&headers, body, 4096, "{\"user\", \"kind\", \"period\"}")?;
    let s = state.service.clone();
    let n = blocking(move || {
        let caller = s.authenticate(&token)?;
        s.nudge(&caller.user, &b.user, &b.kind, &b.period)
    })
    .await?;
    Ok(Json(serde_json::to_value(n).map_err(|e| ServerError::Internal(e.to_string()))?))
}

/// A device signs out: its token stops working at once (as when an admin revokes it).
async fn sign_out(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Result<Json<serde_json::Value>> {
    let token = bearer(&headers)?;
    let s = state.service.clone();
    let device = blocking(move || {
        let caller = s.authenticate(&token)?;
        s.revoke_device(&caller.device.id)
    })
    .await?;
    tracing::info!(device = %device.id, "a device signed out");
    Ok(Json(serde_json::json!({ "signed_out": device.id })))
}

/// A device's JSON request: its token, and its body (at most `limit` bytes) read as `T`;
/// `expected` says the shape in the error.
fn device_json<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
    limit: usize,
    expected: &str,
) -> Result<(String, T)> {
    let token = bearer(headers)?;
    let body = body_of(body, limit)?;
    let b =
        serde_json::from_slice(&body).map_err(|e| ServerError::BadRequest(format!("expected JSON {expected}: {e}")))?;
    Ok((token, b))
}

async fn sync(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse> {
    let token = bearer(&headers)?;
    let body = body_of(body, state.limits.max_request_bytes)?;
    let s = state.service.clone();
    let caller = blocking(move || s.authenticate(&token)).await?;
    let req = SyncRequest::decode(&body).map_err(|e| ServerError::BadRequest(e.to_string()))?;
    let (pushes, cursor) = (req.pushes.len(), req.cursor);
    let s = state.service.clone();
    let limits = state.limits;
    let c = caller.clone();
    let started = std::time::Instant::now();
    let resp: SyncResponse = blocking(move || s.sync(&c, req, &limits)).await?;
    let m = crate::metrics::metrics();
    m.sync_seconds.observe(started.elapsed().as_secs_f64());
    m.feed_pages.inc();
    m.feed_documents.inc_by(resp.docs.len() as u64);
    for r in &resp.results {
        match r {
            PushResult::Accepted { .. } => m.merged.inc(),
            PushResult::Rejected { reason, .. } => m.rejected.with_label_values(&[reason.code.as_str()]).inc(),
        }
    }
    tracing::debug!(
        device = %caller.device.id, user = %caller.user.id, pushes, cursor, new_cursor = resp.cursor,
        docs = resp.docs.len(), "sync"
    );
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, SYNC_CONTENT_TYPE)], resp.encode()))
}
