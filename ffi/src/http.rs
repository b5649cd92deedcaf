//! The app's HTTP client (a foreign trait), and the core's transport over it: the library carries
//! no HTTP or TLS stack of its own.

use std::sync::Arc;

use fieldreport_core::sync::{self as core_sync, CancelToken, Transport, TransportFuture};

use crate::error::FieldError;
use crate::types::{HttpRequest, HttpResponse};

/// The app's HTTP client: OkHttp or `HttpURLConnection` on Android, `URLSession` on iOS,
/// `urllib` in Python (`fieldreport.UrllibHttpClient`). It sends `request` as a POST with its
/// `Content-Type`, `Authorization: Bearer` when a token is given, and the timeout, and returns
/// the response whatever its status (the library reads error statuses itself). When no response
/// came (no network, DNS, TLS, timeout) it throws `FieldError.Unreachable` with the reason; the
/// library retries with backoff. Called on the library's thread; it may block.
#[uniffi::export(with_foreign)]
pub trait HttpClient: Send + Sync {
    fn post(&self, request: HttpRequest) -> std::result::Result<HttpResponse, FieldError>;
}

/// Runs the foreign client's blocking call off the async runtime. With a cancel token, a
/// cancelled run stops waiting for the call at once (the call itself goes on in the app's client
/// until it answers or times out; its answer is dropped), so the run ends and the next one
/// starts without waiting behind a dead link.
struct Platform(Arc<dyn HttpClient>, Option<CancelToken>);

/// How often a waiting call looks whether its run was cancelled.
const LOOK: std::time::Duration = std::time::Duration::from_millis(50);

/// Resolves once `token` is cancelled.
async fn cancelled(token: &CancelToken) {
    while !token.is_cancelled() {
        tokio::time::sleep(LOOK).await;
    }
}

impl Transport for Platform {
    fn post(&self, request: core_sync::HttpRequest) -> TransportFuture<'_> {
        let client = self.0.clone();
        Box::pin(async move {
            let call = tokio::task::spawn_blocking(move || client.post(request.into()));
            let answer = match &self.1 {
                Some(token) => tokio::select! {
                    a = call => a,
                    () = cancelled(token) => return Err("cancelled".to_string()),
                },
                None => call.await,
            };
            match answer {
                Ok(Ok(resp)) => match u16::try_from(resp.status) {
                    Ok(status) => Ok(core_sync::HttpResponse { status, body: resp.body }),
                    Err(_) => Err(format!("the app's HTTP client returned status {}", resp.status)),
                },
                Ok(Err(e)) => Err(e.to_string()),
                Err(e) => Err(format!("the app's HTTP client failed: {e}")),
            }
        })
    }
}

/// The core's transport over the app's client; a run with `cancel` stops waiting for a call
/// once cancelled.
pub(crate) fn transport(client: Arc<dyn HttpClient>, cancel: Option<CancelToken>) -> Arc<dyn Transport> {
    Arc::new(Platform(client, cancel))
}
