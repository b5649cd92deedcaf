//! The app's HTTP client (a foreign trait), and the core's transport over it: the library carries
//! no HTTP or TLS stack of its own.

use std::sync::Arc;

use fieldreport_core::sync::{self as core_sync, CancelToken, Transport, TransportFuture};

use crate::error::FieldError;
use crate::types::{HttpCall, HttpRequest, HttpResponse};

/// The app's HTTP client: OkHttp or `HttpURLConnection` on Android, `URLSession` on iOS,
/// `urllib` in Python (`fieldreport.UrllibHttpClient`). It sends `request` as a POST with its
/// `Content-Type`, `Authorization: Bearer` when a token is given, and the timeout, and returns
/// the response whatever its status (the library reads error statuses itself). When no response
/// came (no network, DNS, TLS, timeout) it throws `FieldError.Unreachable` with the reason; the
/// library retries with backoff. Called on the library's thread; it may block. `request.call`
/// says when the library no longer wants the answer: abort the call then (its `on_cancel`).
#[uniffi::export(with_foreign)]
pub trait HttpClient: Send + Sync {
    fn post(&self, request: HttpRequest) -> std::result::Result<HttpResponse, FieldError>;
}

/// Runs the foreign client's blocking call off the async runtime. With a cancel token, a
/// cancelled run stops waiting for the call at once and the app's client is told to abort it
/// (`HttpCall.on_cancel`; a client that cannot abort lets it end on its own, its answer dropped),
/// so the run ends and the next one starts without waiting behind a dead link.
struct Platform(Arc<dyn HttpClient>, Option<CancelToken>);

/// Cancels the app's call when the library stops waiting for it.
struct AbortOnDrop(Option<Arc<HttpCall>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(call) = self.0.take() {
            call.cancel();
        }
    }
}

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
            let call = Arc::new(HttpCall::default());
            // Dropped before the answer (a cancelled run, a wait for news ended by a write): the
            // app's client is told to abort the call.
            let mut abort = AbortOnDrop(Some(call.clone()));
            let request = HttpRequest::from_core(request, call.clone());
            let pending = tokio::task::spawn_blocking(move || client.post(request));
            let answer = match &self.1 {
                Some(token) => tokio::select! {
                    a = pending => a,
                    () = cancelled(token) => return Err("cancelled".to_string()),
                },
                None => pending.await,
            };
            abort.0 = None;
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
