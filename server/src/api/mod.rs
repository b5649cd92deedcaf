//! The device API: `/healthz`, `/metrics`, `POST /v1/enroll` (JSON), `POST /v1/sync` (binary,
//! see docs/sync-protocol.md), sign-in approval, read receipts, sign-out and nudges; the files of
//! [`blobs`] and the manager figures of [`figures`]. Paths and bodies are the protocol's
//! ([`fieldreport_protocol::api`]).

mod admit;
mod blobs;
mod figures;
mod news;

#[doc(hidden)]
pub use blobs::fuzz_input as fuzz_blob_input;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Extension;
use axum::Json;
use fieldreport_protocol::api::{
    EnrollRequest, NudgeRequest, ReadsRequest, Route, WebLoginApproved, WebLoginRequest, SYNC_CONTENT_TYPE,
};
use fieldreport_protocol::wire::{PushResult, SyncRequest, SyncResponse, MAX_PUSHES, MAX_WANTED};

use crate::error::{Result, ServerError};
use crate::model::{Caller, Enrolled};
use crate::routes::Routes;
use crate::state::{blocking, body_of, AppState};

/// Largest body of the small JSON requests (sign-in approval, nudges, enrollment).
const SMALL_JSON: usize = 4096;
/// Largest body of read receipts (a device's list of reports read offline).
const READS_JSON: usize = 64 * 1024;

/// The device API's routes (the dashboard's are [`crate::web::routes`]), each with its body
/// limit applied — and, for devices, its token checked — before any of the body is read.
pub fn routes(state: &Arc<AppState>) -> Routes {
    use admit::{device, open};
    let piece = crate::service::blobs::MAX_PIECE + 64 * 1024;
    let asked = crate::service::blobs::MAX_ASKED * 72 + 64;
    let p = |r: Route| r.pattern();
    Routes::default()
        .add(p(Route::Healthz), &["GET"], get(healthz))
        .add(p(Route::Metrics), &["GET"], get(metrics))
        .add(p(Route::Enroll), &["POST"], open(SMALL_JSON, post(enroll)))
        .add(p(Route::Sync), &["POST"], device(state, state.limits.max_request_bytes, post(sync)))
        .add(p(Route::WebLogin), &["POST"], device(state, SMALL_JSON, post(web_login)))
        .add(p(Route::Reads), &["POST"], device(state, READS_JSON, post(reads)))
        .add(p(Route::SignOut), &["POST"], device(state, SMALL_JSON, post(sign_out)))
        .add(p(Route::Nudges), &["POST"], device(state, SMALL_JSON, post(nudge)))
        .add(p(Route::Kpi), &["GET"], device(state, 0, get(figures::kpi)))
        .add(p(Route::Alerts), &["GET"], device(state, 0, get(figures::alerts)))
        .add(p(Route::Submissions), &["GET"], device(state, 0, get(figures::submissions)))
        .add(p(Route::BlobsMissing), &["POST"], device(state, asked, post(blobs::missing)))
        .add(p(Route::Blob), &["POST"], device(state, piece, post(blobs::upload)))
        .add(p(Route::BlobRead), &["POST"], device(state, SMALL_JSON, post(blobs::read)))
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
    let body = body_of(body, SMALL_JSON)?;
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
    Extension(caller): Extension<Caller>,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Json<WebLoginApproved>> {
    let b: WebLoginRequest = json_body(body, SMALL_JSON, "{\"code\"}")?;
    let s = state.service.clone();
    let (user, expires) = blocking(move || {
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
    Extension(caller): Extension<Caller>,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Json<serde_json::Value>> {
    let b: ReadsRequest = json_body(body, READS_JSON, "{\"reports\": [ids]}")?;
    let s = state.service.clone();
    let recorded = blocking(move || s.device_reads(&caller.user, &b.reports)).await?;
    Ok(Json(serde_json::json!({ "recorded": recorded })))
}

/// A manager's device nudges a member for a report (催交).
async fn nudge(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Json<serde_json::Value>> {
    let b: NudgeRequest = json_body(body, SMALL_JSON, "{\"user\", \"kind\", \"period\"}")?;
    let s = state.service.clone();
    let n = blocking(move || s.nudge(&caller.user, &b.user, &b.kind, &b.period)).await?;
    Ok(Json(serde_json::to_value(n).map_err(|e| ServerError::Internal(e.to_string()))?))
}

/// A device signs out: its token stops working at once (as when an admin revokes it).
async fn sign_out(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<serde_json::Value>> {
    let s = state.service.clone();
    let device = blocking(move || s.revoke_device(&caller.device.id)).await?;
    tracing::info!(device = %device.id, "a device signed out");
    Ok(Json(serde_json::json!({ "signed_out": device.id })))
}

/// The fuzz target's reading of the device API's JSON bodies (`fuzz/fuzz_targets/json_bodies.rs`):
/// the first byte picks the body (enrollment, sign-in approval, read receipts, a nudge), the
/// rest is read as it; a nudge's kind and period are read as the service reads them. Nothing may
/// panic.
#[doc(hidden)]
pub fn fuzz_json(data: &[u8]) {
    let Some((&which, body)) = data.split_first() else { return };
    let read = |limit: usize| -> Option<Bytes> { (body.len() <= limit).then(|| Bytes::copy_from_slice(body)) };
    match which % 4 {
        0 => {
            let _ = read(SMALL_JSON).map(|b| json_body::<EnrollRequest>(Ok(b), SMALL_JSON, "{}"));
        }
        1 => {
            let _ = read(SMALL_JSON).map(|b| json_body::<WebLoginRequest>(Ok(b), SMALL_JSON, "{}"));
        }
        2 => {
            let _ = read(READS_JSON).map(|b| json_body::<ReadsRequest>(Ok(b), READS_JSON, "{}"));
        }
        _ => {
            if let Some(Ok(n)) = read(SMALL_JSON).map(|b| json_body::<NudgeRequest>(Ok(b), SMALL_JSON, "{}")) {
                let _ = n.kind.parse::<fieldreport_protocol::doc::ReportKind>();
                let _ = n.period.parse::<fieldreport_protocol::period::Period>();
                let _ = fieldreport_protocol::period::parse_date(n.period.trim());
            }
        }
    }
}

/// A JSON body (at most `limit` bytes) read as `T`; `expected` says the shape in the error.
fn json_body<T: serde::de::DeserializeOwned>(
    body: std::result::Result<Bytes, BytesRejection>,
    limit: usize,
    expected: &str,
) -> Result<T> {
    let body = body_of(body, limit)?;
    serde_json::from_slice(&body).map_err(|e| ServerError::BadRequest(format!("expected JSON {expected}: {e}")))
}

async fn sync(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    query: std::result::Result<Query<news::SyncQuery>, QueryRejection>,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse> {
    let Query(query) = query.map_err(|e| ServerError::BadRequest(format!("{e} (expected ?wait=SECONDS)")))?;
    let body = body_of(body, state.limits.max_request_bytes)?;
    // Counted from the header before any push is decoded: a request of 800,000 tiny pushes
    // allocates nothing for them.
    let count = SyncRequest::push_count(&body).map_err(|e| ServerError::BadRequest(e.to_string()))?;
    let too_many = |pushes: usize, wanted: usize| {
        ServerError::Oversized(format!(
            "a sync request pushes at most {MAX_PUSHES} documents and asks for at most {MAX_WANTED} (this one: {pushes} and {wanted}); sync in smaller batches"
        ))
    };
    if count > MAX_PUSHES {
        return Err(too_many(count, 0));
    }
    let req = SyncRequest::decode(&body).map_err(|e| ServerError::BadRequest(e.to_string()))?;
    if req.want.len() > MAX_WANTED {
        return Err(too_many(req.pushes.len(), req.want.len()));
    }
    let (pushes, cursor, max_bytes) = (req.pushes.len(), req.cursor, req.max_bytes);
    // Registered before the page is read, so that nothing stored after it is missed.
    let waiter = match query.wait() {
        Some(wait) if req.pushes.is_empty() && req.want.is_empty() => {
            state.service.news().wait(&caller.user.id, caller.user.role).map(|w| (w, wait))
        }
        _ => None,
    };
    let s = state.service.clone();
    let limits = state.limits;
    let c = caller.clone();
    let started = std::time::Instant::now();
    let resp: SyncResponse = blocking(move || s.sync(&c, req, &limits)).await?;
    let m = crate::metrics::metrics();
    // The sync's own time, not the time it waited for news.
    m.sync_seconds.observe(started.elapsed().as_secs_f64());
    let resp = match waiter {
        Some((waiter, wait)) if news::is_empty(&resp) => {
            news::wait_for_news(&state, &caller, waiter, resp, max_bytes, wait).await?
        }
        _ => resp,
    };
    m.feed_pages.inc();
    m.feed_documents.inc_by(resp.docs.len() as u64);
    let mut refused: std::collections::BTreeMap<&str, usize> = Default::default();
    for r in &resp.results {
        match r {
            PushResult::Accepted { .. } => m.merged.inc(),
            PushResult::Rejected { reason, .. } => {
                m.rejected.with_label_values(&[reason.code.as_str()]).inc();
                *refused.entry(reason.code.as_str()).or_default() += 1;
            }
        }
    }
    if !refused.is_empty() {
        tracing::warn!(device = %caller.device.id, user = %caller.user.id, pushes, refused = ?refused, "pushes refused");
    }
    tracing::debug!(
        device = %caller.device.id, user = %caller.user.id, pushes, cursor, new_cursor = resp.cursor,
        docs = resp.docs.len(), "sync"
    );
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, SYNC_CONTENT_TYPE)], resp.encode()))
}
