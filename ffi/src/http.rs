//! The app's HTTP client (a foreign trait), and the core's transport over it: the library carries
//! no HTTP or TLS stack of its own.

use std::sync::Arc;

use fieldreport_core::sync::{self as core_sync, Transport, TransportFuture};

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

/// Runs the foreign client's blocking call off the async runtime.
struct Platform(Arc<dyn HttpClient>);

impl Transport for Platform {
    fn post(&self, request: core_sync::HttpRequest) -> TransportFuture<'_> {
        let client = self.0.clone();
        Box::pin(async move {
            match tokio::task::spawn_blocking(move || client.post(request.into())).await {
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

/// The core's transport over the app's client.
pub(crate) fn transport(client: Arc<dyn HttpClient>) -> Arc<dyn Transport> {
    Arc::new(Platform(client))
}
