//! How the sync engine reaches the server: one HTTP POST at a time through a [`Transport`].
//! Servers, the CLI and tests use [`ReqwestTransport`] (feature `reqwest`); a phone app passes
//! its platform's HTTP client instead (OkHttp, URLSession), which keeps TLS and proxies in the
//! operating system's hands and a second HTTP stack out of the app.

use std::future::Future;
use std::pin::Pin;

/// One request of the sync protocol (always a POST).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub url: String,
    /// The `Content-Type` header.
    pub content_type: String,
    /// Sent as `Authorization: Bearer <token>` when present.
    pub bearer_token: Option<String>,
    pub body: Vec<u8>,
    /// Give up on the whole exchange after this many milliseconds.
    pub timeout_ms: u64,
}

/// The server's answer, whatever its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

/// The future a [`Transport`] returns: the response, or why no response came (no network, DNS,
/// TLS, timeout), in words for people. The engine retries such failures with backoff.
pub type TransportFuture<'a> = Pin<Box<dyn Future<Output = Result<HttpResponse, String>> + Send + 'a>>;

/// Sends the sync engine's requests.
pub trait Transport: Send + Sync {
    fn post(&self, request: HttpRequest) -> TransportFuture<'_>;
}

#[cfg(feature = "reqwest")]
pub use self::reqwest_transport::{http_client, ReqwestTransport};

#[cfg(feature = "reqwest")]
mod reqwest_transport {
    use std::time::Duration;

    use super::{HttpRequest, HttpResponse, Transport, TransportFuture};
    use crate::error::{Error, Result};

    /// A new reqwest client. Building one loads the system's root certificates (milliseconds),
    /// so long-lived callers build it once and reuse it.
    pub fn http_client() -> Result<reqwest::Client> {
        // reqwest is built without a bundled crypto provider: use ring's (smaller than
        // aws-lc-rs). A provider already installed by the process stays.
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Unreachable { url: String::new(), reason: e.to_string() })
    }

    /// [`Transport`] over reqwest with rustls. Use it only on the tokio runtime that created
    /// its connections.
    #[derive(Clone)]
    pub struct ReqwestTransport {
        client: reqwest::Client,
    }

    impl ReqwestTransport {
        /// A transport with a new client.
        pub fn new() -> Result<ReqwestTransport> {
            Ok(ReqwestTransport { client: http_client()? })
        }

        /// A transport over an existing client (keeps its connections alive across syncs).
        pub fn with_client(client: reqwest::Client) -> ReqwestTransport {
            ReqwestTransport { client }
        }
    }

    impl Transport for ReqwestTransport {
        fn post(&self, request: HttpRequest) -> TransportFuture<'_> {
            Box::pin(async move {
                let mut req = self
                    .client
                    .post(&request.url)
                    .timeout(Duration::from_millis(request.timeout_ms))
                    .header("content-type", request.content_type)
                    .body(request.body);
                if let Some(t) = request.bearer_token {
                    req = req.bearer_auth(t);
                }
                let resp = req.send().await.map_err(|e| e.without_url().to_string())?;
                let status = resp.status().as_u16();
                let body = resp.bytes().await.map_err(|e| e.without_url().to_string())?;
                Ok(HttpResponse { status, body: body.to_vec() })
            })
        }
    }
}
