//! The whole HTTP surface: the device API ([`crate::api`]) and the dashboard ([`crate::web`]) on
//! one router, every request counted and timed by its route, and one answer for paths and
//! methods no route takes.

use std::sync::Arc;

use axum::Router;

pub use crate::routes::{Routes, Served};
use crate::state::AppState;

fn all(state: &Arc<AppState>) -> Routes {
    crate::api::routes(state).merge(crate::web::routes())
}

/// The router over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    all(&state)
        .into_router()
        .route_layer(axum::middleware::from_fn(measure))
        .fallback(crate::web::not_found)
        .method_not_allowed_fallback(crate::web::wrong_method)
        .with_state(state)
}

/// Every route [`router`] serves, as it registered them.
pub fn served(state: &Arc<AppState>) -> Vec<Served> {
    all(state).served().to_vec()
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
