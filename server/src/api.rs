//! HTTP API: `/healthz`, `POST /v1/enroll` (JSON), `POST /v1/sync` (binary, see
//! docs/sync-protocol.md), and the manager API of [`crate::api_figures`].

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use fieldreport_protocol::api::SYNC_CONTENT_TYPE as CONTENT_TYPE;
use fieldreport_protocol::wire::{PushResult, SyncRequest, SyncResponse};
use serde::Deserialize;

use crate::error::{Result, ServerError};
use crate::model::Enrolled;
use crate::service::{Limits, Service};

/// Shared state of the HTTP handlers.
pub struct AppState {
    pub service: Arc<Service>,
    pub limits: Limits,
}

/// The router over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    let limit = state.limits.max_request_bytes;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/enroll", post(enroll))
        .route("/v1/sync", post(sync))
        .route("/v1/web-login", post(web_login))
        .route("/v1/reads", post(reads))
        .route("/v1/sign-out", post(sign_out))
        .route("/v1/nudges", post(nudge))
        .route("/v1/kpi", get(crate::api_figures::kpi))
        .route("/v1/alerts", get(crate::api_figures::alerts))
        .route("/v1/submissions", get(crate::api_figures::submissions))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(limit))
        .merge(
            Router::new()
                .route("/v1/blobs/missing", post(crate::api_blobs::missing))
                .route("/v1/blobs/{hash}", post(crate::api_blobs::upload))
                .route("/v1/blobs/{hash}/read", post(crate::api_blobs::read))
                .layer(DefaultBodyLimit::max(crate::service::blobs::MAX_PIECE + 64 * 1024)),
        )
        .merge(crate::web::routes())
        .route_layer(axum::middleware::from_fn(measure))
        .fallback(crate::web::not_found)
        .method_not_allowed_fallback(crate::web::wrong_method)
        .with_state(state)
}

/// Counts every request and times it, by its route's pattern (never the raw path: ids would make
/// a series each).
async fn measure(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    let m = crate::metrics::metrics();
    let status = format!("{}xx", resp.status().as_u16() / 100);
    m.requests.with_label_values(&[route.as_str(), status.as_str()]).inc();
    m.latency.with_label_values(&[route.as_str()]).observe(started.elapsed().as_secs_f64());
    resp
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
        s.store().ping()?;
        s.team()
    })
    .await?;
    Ok(Json(serde_json::json!({ "status": "ok", "team": team.map(|t| t.name) })))
}

/// Runs blocking storage work off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| ServerError::Internal(format!("worker failed: {e}")))?
}

#[derive(Deserialize)]
struct EnrollBody {
    code: String,
    actor: String,
    /// What the user calls the device (optional).
    #[serde(default)]
    name: Option<String>,
}

/// The body, or our own error for one over the limit or unreadable.
fn body_of(body: std::result::Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ServerError::TooLarge { limit }
        } else {
            ServerError::BadRequest(format!("the request body cannot be read: {e}"))
        }
    })
}

async fn enroll(
    State(state): State<Arc<AppState>>,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Json<Enrolled>> {
    let body = body_of(body, state.limits.max_request_bytes)?;
    let b: EnrollBody = serde_json::from_slice(&body)
        .map_err(|e| ServerError::BadRequest(format!("expected JSON {{\"code\", \"actor\"}}: {e}")))?;
    let s = state.service.clone();
    let enrolled = blocking(move || s.enroll(&b.code, &b.actor, b.name.as_deref())).await?;
    tracing::info!(device = %enrolled.device_id, user = %enrolled.user_id, "device enrolled");
    Ok(Json(enrolled))
}

#[derive(Deserialize)]
struct WebLoginBody {
    code: String,
}

/// An enrolled device approves the sign-in code a browser shows (扫码登录).
async fn web_login(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Json<serde_json::Value>> {
    let (token, b): (String, WebLoginBody) = device_json(&headers, body, 4096, "{\"code\"}")?;
    let s = state.service.clone();
    let (user, expires) = blocking(move || {
        let caller = s.authenticate(&token)?;
        let expires = s.approve_web_login(&caller, &b.code)?;
        Ok((caller.user.id, expires))
    })
    .await?;
    tracing::info!(user = %user, "browser signed in with a phone");
    Ok(Json(serde_json::json!({"user_id": user, "session_expires_at": expires})))
}

#[derive(Deserialize)]
struct ReadsBody {
    reports: Vec<String>,
}

/// A device tells which reports addressed to its user were read on it (offline, then at the
/// next sync): each becomes a read receipt for the author, as an opening on the dashboard does.
async fn reads(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Json<serde_json::Value>> {
    let (token, b): (String, ReadsBody) = device_json(&headers, body, 64 * 1024, "{\"reports\": [ids]}")?;
    let s = state.service.clone();
    let recorded = blocking(move || {
        let caller = s.authenticate(&token)?;
        s.device_reads(&caller.user, &b.reports)
    })
    .await?;
    Ok(Json(serde_json::json!({ "recorded": recorded })))
}

#[derive(Deserialize)]
struct NudgeBody {
    user: String,
    kind: String,
    period: String,
}

/// A manager's device nudges a member for a report (催交).
async fn nudge(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Json<serde_json::Value>> {
    let (token, b): (String, NudgeBody) = device_json(&headers, body, 4096, "{\"user\", \"kind\", \"period\"}")?;
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

pub(crate) fn bearer(headers: &HeaderMap) -> Result<String> {
    let value = headers.get(header::AUTHORIZATION).ok_or(ServerError::NoToken)?;
    let text = value.to_str().map_err(|_| ServerError::BadToken)?;
    let token = text.strip_prefix("Bearer ").ok_or(ServerError::NoToken)?.trim();
    if token.is_empty() {
        return Err(ServerError::NoToken);
    }
    Ok(token.to_string())
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
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, CONTENT_TYPE)], resp.encode()))
}
