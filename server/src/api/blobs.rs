//! The attachments API, for enrolled devices (`Authorization: Bearer TOKEN`), all POST so that
//! an app's HTTP client needs one method:
//! - `POST /v1/blobs/missing` `{"hashes": [...]}` (or, as `application/octet-stream`, the hashes'
//!   32 bytes each back to back) → `{"missing": [{"hash", "offset"}]}`: which of the device's
//!   files the server lacks, and how much of each it has from a cut upload;
//! - `POST /v1/blobs/{hash}?offset=N&size=S` with a piece of the file (at most 4 MiB) as the
//!   body → `{"received", "complete"}`; a piece that does not follow what was received is 409
//!   with where to resume; the bytes of a request cut off midway count (ask `missing` again);
//! - `POST /v1/blobs/{hash}/read?offset=N&len=L` → the bytes (at most 4 MiB), for a reader of a
//!   document that references the file; to anyone else, 404 as for a file that does not exist.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use futures_util::StreamExt;
use serde::Deserialize;

use crate::error::{Result, ServerError};
use crate::model::{Caller, User};
use crate::service::blobs::{Missing, Received, MAX_ASKED, MAX_PIECE};
use crate::state::{blocking, body_of, AppState};

#[derive(Deserialize)]
pub(crate) struct Asked {
    hashes: Vec<String>,
}

#[derive(Deserialize)]
pub(crate) struct Piece {
    offset: u64,
    size: u64,
}

#[derive(Deserialize)]
pub(crate) struct Range {
    #[serde(default)]
    offset: u64,
    #[serde(default = "whole_piece")]
    len: u64,
}

fn whole_piece() -> u64 {
    MAX_PIECE as u64
}

fn body(b: std::result::Result<Bytes, BytesRejection>) -> Result<Bytes> {
    body_of(b, MAX_PIECE)
}

pub(crate) async fn missing(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    b: std::result::Result<Bytes, BytesRejection>,
) -> Result<Json<serde_json::Value>> {
    let b = body(b)?;
    let binary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/octet-stream"));
    let hashes = asked(&b, binary)?;
    let s = state.service.clone();
    let missing: Vec<Missing> = blocking(move || s.missing_files(&caller.user, &hashes)).await?;
    Ok(Json(serde_json::json!({ "missing": missing })))
}

/// The hashes a "which are missing" question names: JSON `{"hashes": [...]}`, or (`binary`) the
/// hashes' 32 bytes each back to back (a device with a thousand files asks in 32 KB).
pub(crate) fn asked(b: &[u8], binary: bool) -> Result<Vec<String>> {
    if binary {
        if !b.len().is_multiple_of(32) || b.len() > MAX_ASKED * 32 {
            return Err(ServerError::BadRequest(format!(
                "expected SHA-256 hashes of 32 bytes each, at most {MAX_ASKED}; got {} bytes",
                b.len()
            )));
        }
        return Ok(b.chunks(32).map(hex::encode).collect());
    }
    let asked: Asked = serde_json::from_slice(b).map_err(|e| {
        ServerError::BadRequest(format!("expected JSON {{\"hashes\": [...]}} (at most {MAX_ASKED}): {e}"))
    })?;
    Ok(asked.hashes)
}

/// The fuzz target's reading of a file request's untrusted parts (`fuzz/fuzz_targets/blob_input.rs`):
/// `data` split at NUL into an upload's query, a read's query, a path's hash and a "missing"
/// body (binary when its first byte is odd). Nothing may panic; what parses is within bounds.
#[doc(hidden)]
pub fn fuzz_input(data: &[u8]) {
    let mut parts = data.split(|b| *b == 0);
    let (up, read, hash, missing) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let _ = serde_urlencoded::from_bytes::<Piece>(up);
    if let Ok(r) = serde_urlencoded::from_bytes::<Range>(read) {
        let _ = r.len.min(MAX_PIECE as u64);
    }
    let hash = String::from_utf8_lossy(hash);
    if let Ok(slot) = crate::blobs::Slot::new("member", &hash) {
        assert!(fieldreport_protocol::doc::Attachment::valid_hash(&hash), "only a hash names an upload: {slot:?}");
    }
    let binary = missing.first().is_some_and(|b| b % 2 == 1);
    if let Ok(hashes) = asked(missing.get(1..).unwrap_or_default(), binary) {
        assert!(!binary || hashes.len() <= MAX_ASKED);
    }
}

/// Bytes gathered from the request before they are appended (bounds the memory of an upload).
const APPEND_EVERY: usize = 256 * 1024;
/// Longest wait for the next bytes of an upload before it counts as cut.
const IDLE: std::time::Duration = std::time::Duration::from_secs(30);

/// An upload streams into the file's staging copy as it arrives, so that bytes received before a
/// cut count and the device resumes from the last of them. No thread waits on the network: only
/// the checks and each append run on a blocking thread.
pub(crate) async fn upload(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(hash): Path<String>,
    q: std::result::Result<Query<Piece>, axum::extract::rejection::QueryRejection>,
    body: axum::body::Body,
) -> Result<Json<Received>> {
    let Query(q) = q.map_err(|e| ServerError::BadRequest(format!("expected ?offset=N&size=S: {}", e.body_text())))?;
    let declared_len = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    let s = state.service.clone();
    let h = hash.clone();
    let user = caller.user;
    let u = user.clone();
    let done = blocking(move || s.begin_upload(&u, &h, q.offset, q.size, declared_len)).await?;
    if let Some(done) = done {
        return Ok(Json(done));
    }
    let end = q.size.min(q.offset.saturating_add(MAX_PIECE as u64));
    let mut at = q.offset;
    let mut buf: Vec<u8> = Vec::with_capacity(APPEND_EVERY);
    let mut stream = body.into_data_stream();
    // The bytes appended are counted against the day once, whatever ends the request (a cut, a
    // refusal, the end): one write per request, not one per append.
    let received = async {
        let mut cut = false;
        loop {
            let next = match tokio::time::timeout(IDLE, stream.next()).await {
                Ok(Some(Ok(chunk))) => chunk,
                Ok(None) => break,
                Ok(Some(Err(_))) | Err(_) => {
                    cut = true;
                    break;
                }
            };
            if at + (buf.len() + next.len()) as u64 > end {
                return Err(ServerError::BadRequest(format!(
                    "a piece at {} runs past the end of file {hash} or is over {MAX_PIECE} bytes",
                    q.offset
                )));
            }
            buf.extend_from_slice(&next);
            if buf.len() >= APPEND_EVERY {
                at = append(&state, &user, &hash, at, std::mem::take(&mut buf)).await?;
            }
        }
        if !buf.is_empty() {
            at = append(&state, &user, &hash, at, std::mem::take(&mut buf)).await?;
        }
        Ok(cut)
    }
    .await;
    if at > q.offset {
        let (s, u, n) = (state.service.clone(), user.clone(), at - q.offset);
        blocking(move || s.count_upload(&u, n)).await?;
    }
    if received? {
        tracing::info!(hash = %hash, received = at, "an upload was cut; it resumes from what arrived");
        return Err(ServerError::BadRequest(format!("the upload of {hash} was cut at {at}; resume from there")));
    }
    let s = state.service.clone();
    let size = q.size;
    Ok(Json(blocking(move || s.finish_upload(&user, &hash, size)).await?))
}

async fn append(state: &Arc<AppState>, user: &User, hash: &str, at: u64, bytes: Vec<u8>) -> Result<u64> {
    let (s, u, h) = (state.service.clone(), user.clone(), hash.to_string());
    blocking(move || s.append_upload(&u, &h, at, &bytes)).await
}

pub(crate) async fn read(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(hash): Path<String>,
    q: std::result::Result<Query<Range>, axum::extract::rejection::QueryRejection>,
) -> Result<impl IntoResponse> {
    let Query(q) = q.map_err(|e| ServerError::BadRequest(format!("expected ?offset=N&len=L: {}", e.body_text())))?;
    let s = state.service.clone();
    let (row, bytes) = blocking(move || s.read_file(&caller.user, &hash, None, q.offset, q.len)).await?;
    crate::metrics::metrics().attachment_bytes_sent.inc_by(bytes.len() as u64);
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_LENGTH, bytes.len().to_string()),
        ],
        [(axum::http::HeaderName::from_static("x-fieldreport-size"), row.size.to_string())],
        bytes,
    ))
}
