//! Attached files between a device and the server, apart from documents: one question for
//! which of the device's files the server lacks (any number of them), then each missing file in
//! pieces from where the server's copy stops (an upload cut off resumes, it does not restart);
//! downloads on demand, in pieces, resumed the same way and checked against their hash.

use serde::Deserialize;

use super::engine::SyncStats;
use super::http::{post, CancelToken, ProgressListener, SyncOptions};
use crate::api::Route;
use crate::error::{Error, Result};
use crate::store::AttachmentState;
use crate::Store;

/// The largest piece of a file in one request.
pub const PIECE: usize = 1024 * 1024;

#[derive(Deserialize)]
struct MissingAnswer {
    missing: Vec<Missing>,
}

#[derive(Deserialize)]
struct Missing {
    hash: String,
    offset: u64,
}

#[derive(Deserialize)]
struct Received {
    received: u64,
    complete: bool,
}

fn unreadable(what: &str, e: serde_json::Error) -> Error {
    Error::bad_response(200, format!("the {what} answer could not be read: {e}"))
}

/// Asks the server which of `hashes` it lacks.
async fn missing(
    url: &str,
    token: &str,
    hashes: &[String],
    opts: &SyncOptions,
    stats: &mut SyncStats,
) -> Result<Vec<Missing>> {
    // The hashes as their 32 bytes each: half the size of hex in JSON.
    let mut body = Vec::with_capacity(hashes.len() * 32);
    for h in hashes {
        body.extend(hex::decode(h).map_err(|e| Error::bad_input(format!("`{h}` is not a hash: {e}")))?);
    }
    stats.round_trips += 1;
    stats.bytes_sent += body.len() as u64;
    let answer = post(opts, &Route::BlobsMissing.at(url), Some(token), "application/octet-stream", body).await?;
    stats.bytes_received += answer.len() as u64;
    Ok(serde_json::from_slice::<MissingAnswer>(&answer).map_err(|e| unreadable("missing-files", e))?.missing)
}

/// Sends this device's files the server lacks, counting into `stats`: one question for which
/// (per 5,000 files), then each missing file in pieces from where the server's copy stops. A
/// file whose document the server refused (it answers 404) waits for a later run.
pub async fn upload_files(
    store: &mut Store,
    opts: &SyncOptions,
    progress: Option<&dyn ProgressListener>,
    cancel: &CancelToken,
    stats: &mut SyncStats,
) -> Result<()> {
    let unsent = store.unsent_attachments()?;
    if unsent.is_empty() {
        return Ok(());
    }
    let state = store.sync_state()?;
    let (url, token) = (state.server_url.as_str(), state.token.as_str());
    let hashes: Vec<String> = unsent.iter().map(|u| u.hash.clone()).collect();
    let mut lacking = Vec::new();
    for chunk in hashes.chunks(5_000) {
        lacking.extend(missing(url, token, chunk, opts, stats).await?);
    }
    let lacking: std::collections::HashMap<String, u64> = lacking.into_iter().map(|m| (m.hash, m.offset)).collect();
    for u in &unsent {
        if !lacking.contains_key(&u.hash) {
            store.mark_uploaded(&u.hash)?;
        }
    }
    let todo: Vec<_> = unsent.iter().filter_map(|u| lacking.get(&u.hash).map(|o| (u, *o))).collect();
    let total: u64 = todo.iter().map(|(u, o)| u.size.saturating_sub(*o)).sum();
    let mut done_bytes = 0u64;
    for (n, (u, from)) in todo.iter().enumerate() {
        let mut offset = *from;
        loop {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let piece = store.read_attachment_chunk(&u.hash, offset, PIECE)?;
            let len = piece.len() as u64;
            let at = format!("{}?offset={offset}&size={}", Route::Blob.url(url, &u.hash), u.size);
            stats.round_trips += 1;
            stats.bytes_sent += len;
            stats.file_bytes_sent += len;
            let answer = match post(opts, &at, Some(token), "application/octet-stream", piece).await {
                Ok(a) => a,
                Err(Error::Server { status: 409, .. }) => {
                    // Bytes landed meanwhile (a cut request's, or another device of the user's):
                    // resume where the server says.
                    offset = missing(url, token, std::slice::from_ref(&u.hash), opts, stats)
                        .await?
                        .first()
                        .map_or(u.size, |m| m.offset);
                    if offset >= u.size {
                        store.mark_uploaded(&u.hash)?;
                        break;
                    }
                    continue;
                }
                Err(Error::Server { status: 404, .. }) => break,
                Err(e) => return Err(e),
            };
            stats.bytes_received += answer.len() as u64;
            let r: Received = serde_json::from_slice(&answer).map_err(|e| unreadable("upload", e))?;
            done_bytes += len;
            if let Some(l) = progress {
                l.on_progress(super::SyncProgress {
                    docs_done: n as u64,
                    docs_total: todo.len() as u64,
                    bytes_done: done_bytes,
                    bytes_total: total,
                });
            }
            if r.complete {
                store.mark_uploaded(&u.hash)?;
                stats.files_uploaded += 1;
                break;
            }
            if r.received <= offset {
                return Err(Error::bad_response(200, format!("the server took no bytes of {} at {offset}", u.hash)));
            }
            offset = r.received;
        }
    }
    Ok(())
}

/// Downloads file `hash` (a file a record on this device references) unless the device has it;
/// a download cut off resumes where it stopped; the bytes are checked against the hash.
pub async fn fetch_file(
    store: &mut Store,
    hash: &str,
    opts: &SyncOptions,
    progress: Option<&dyn ProgressListener>,
    cancel: &CancelToken,
) -> Result<()> {
    if matches!(store.attachment_state(hash)?, AttachmentState::Own { .. } | AttachmentState::Downloaded) {
        return Ok(());
    }
    let (size, mime) = store
        .referenced_attachment(hash)?
        .ok_or_else(|| Error::NotFound { kind: "attachment", id: hash.to_string() })?;
    let state = store.sync_state()?;
    let mut offset = store.begin_download(hash, size, &mime)?;
    while offset < size {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let at = format!("{}?offset={offset}&len={PIECE}", Route::BlobRead.url(&state.server_url, hash));
        let piece = match post(opts, &at, Some(&state.token), "application/octet-stream", Vec::new()).await {
            Ok(p) => p,
            // Not uploaded by its author yet, or not this user's to read: the server does not
            // say which.
            Err(Error::Server { status: 404, .. }) => {
                return Err(Error::NotFound { kind: "attachment on the server", id: hash.to_string() })
            }
            Err(e) => return Err(e),
        };
        if piece.is_empty() {
            return Err(Error::bad_response(200, format!("the server sent nothing of {hash} at {offset} of {size}")));
        }
        offset = store.write_download_chunk(hash, offset, &piece)?;
        if let Some(l) = progress {
            l.on_progress(super::SyncProgress { docs_done: 0, docs_total: 1, bytes_done: offset, bytes_total: size });
        }
    }
    store.finish_download(hash)
}
