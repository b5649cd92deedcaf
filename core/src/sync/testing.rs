//! A transport for tests and benchmarks that loses the network in the middle of a file upload
//! (feature `testing`); not an API.

use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::AsyncWriteExt;

use super::{HttpRequest, ReqwestTransport, Transport, TransportFuture};
use crate::api::Route;

/// A transport that loses the network halfway through a file: the upload request that crosses
/// `cut_at` bytes of its file gets only its bytes up to there onto the wire (a real, unfinished
/// HTTP request, so the server sees a cut body), and every request after it fails as
/// unreachable.
pub struct CutAt {
    cut_at: u64,
    gone: AtomicBool,
    inner: ReqwestTransport,
}

impl CutAt {
    /// Cuts the upload that crosses byte `cut_at` of its file.
    pub fn new(cut_at: u64) -> CutAt {
        CutAt { cut_at, gone: AtomicBool::new(false), inner: ReqwestTransport::new().expect("an HTTP client") }
    }
}

impl Transport for CutAt {
    fn post(&self, request: HttpRequest) -> TransportFuture<'_> {
        Box::pin(async move {
            if self.gone.load(Ordering::SeqCst) {
                return Err("the network is gone".to_string());
            }
            let offset = request
                .url
                .split_once("offset=")
                .and_then(|(_, rest)| rest.split('&').next())
                .and_then(|o| o.parse::<u64>().ok());
            match offset {
                Some(offset)
                    if request.url.contains(Route::Blob.pattern().trim_end_matches("{hash}"))
                        && offset + request.body.len() as u64 > self.cut_at =>
                {
                    self.gone.store(true, Ordering::SeqCst);
                    send_part(&request, (self.cut_at - offset) as usize).await?;
                    Err("the connection was reset".to_string())
                }
                _ => self.inner.post(request).await,
            }
        })
    }
}

/// Writes `request` with its full length announced but only `keep` bytes of its body, then
/// drops the connection.
async fn send_part(request: &HttpRequest, keep: usize) -> Result<(), String> {
    let rest = request.url.trim_start_matches("http://");
    let (host, path) = rest.split_at(rest.find('/').ok_or("a URL without a path")?);
    let mut conn = tokio::net::TcpStream::connect(host).await.map_err(|e| e.to_string())?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
        request.bearer_token.as_deref().unwrap_or(""),
        request.content_type,
        request.body.len()
    );
    conn.write_all(head.as_bytes()).await.map_err(|e| e.to_string())?;
    conn.write_all(&request.body[..keep]).await.map_err(|e| e.to_string())?;
    conn.flush().await.map_err(|e| e.to_string())?;
    // Give the server the bytes before the connection goes.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    Ok(())
}
