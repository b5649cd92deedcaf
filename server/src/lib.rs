//! fieldreport-server: the team server. Devices enroll, then sync through one binary endpoint;
//! every pushed document is checked (actor, permission, validity, size) before it is merged.
//!
//! Layers, top down: `router` → `api` (the devices') and `web` (the dashboard), which share
//! `state` → `service` (the application logic) → `policy` (who may do what, pure) and `store`
//! (persistence primitives over SQLite or PostgreSQL).

pub mod api;
pub mod blobs;
pub mod clock;
pub mod config_file;
pub mod error;
pub mod export;
pub mod figures;
pub mod health;
mod housekeeping;
mod io_runtime;
pub mod metrics;
pub mod model;
pub mod policy;
pub mod robots;
pub mod router;
pub mod routes;
pub mod secrets;
pub mod service;
pub mod state;
pub mod store;
mod web;

#[cfg(any(test, feature = "testing"))]
#[doc(hidden)]
pub mod testing;

/// Entry points of the fuzz targets (`tests/src/fuzz.rs`), not an API.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::api::fuzz_blob_input as blob_input;
    pub use crate::api::fuzz_json as json_bodies;
    pub use crate::service::fuzz_image as image_header;
    pub use crate::web::fuzz_input as web_input;
}

use std::net::SocketAddr;
use std::sync::Arc;

pub use error::{Result, ServerError};
pub use service::{Limits, Service};
pub use store::Location;

/// Every process built on this crate (the server binary, its benchmarks and tests) allocates with
/// jemalloc: merging is allocation-heavy (Automerge's columns, typed views), and with glibc's
/// allocator the merge benchmark spent a sixth of its CPU in malloc and free; in interleaved runs
/// of `SYNC_BENCH=throughput cargo bench -p fieldreport-server --bench sync` jemalloc was faster
/// in 9 of 10 pairs (one even), by a quarter on average (see BENCHMARKS.md). Build with `--no-default-features` to use the system's.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The current time, in UTC milliseconds, on the process's clock (the system's unless a trial
/// set it: see [`clock`]).
pub fn now_ms() -> i64 {
    clock::now_ms()
}

/// A server running on a tokio runtime; dropping the handle does not stop it, `shutdown` does.
pub struct Running {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting connections and waits for in-flight requests.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = self.task.await;
    }
}

/// Opens the data directory `data` and serves on `listen` (port 0 picks a free port).
pub async fn start(data: &std::path::Path, listen: &str, limits: Limits) -> Result<Running> {
    let service = Arc::new(Service::open_dir(data)?);
    start_with(service, listen, limits).await
}

/// Serves `service` on `listen`.
pub async fn start_with(service: Arc<Service>, listen: &str, limits: Limits) -> Result<Running> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| ServerError::Setup(format!("cannot listen on {listen}: {e}")))?;
    let addr = listener.local_addr().map_err(|e| ServerError::Internal(e.to_string()))?;
    let robots = robots::spawn(service.clone());
    let housekeeping = housekeeping::spawn(service.clone());
    let schedule = housekeeping::spawn_schedule(service.clone());
    let news = service.news().clone();
    let app = router::router(Arc::new(state::AppState { service, limits }));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = rx.await;
            // Requests waiting for news answer now, so that shutting down does not wait for them.
            news.close();
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "server stopped");
        }
        robots.abort();
        housekeeping.abort();
        schedule.abort();
    });
    Ok(Running { addr, shutdown: Some(tx), task })
}
