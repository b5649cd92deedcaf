//! Every device request is admitted here before any of its body is read: its declared length
//! against its route's limit (413 at once), then its token (401 at once). Only then does the
//! handler read the body — still bounded by the route's limit when no length was declared — so
//! a stranger's request costs a header check and a token lookup, never a buffered body.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;

use crate::error::ServerError;
use crate::model::Caller;
use crate::state::{bearer, blocking, AppState};

/// `route` for enrolled devices: bodies of at most `limit` bytes, the caller authenticated
/// first and handed to the handler as `Extension<Caller>`.
pub(crate) fn device(
    state: &Arc<AppState>,
    limit: usize,
    route: MethodRouter<Arc<AppState>>,
) -> MethodRouter<Arc<AppState>> {
    route
        .layer::<_, Infallible>(axum::middleware::from_fn_with_state(state.clone(), move |st, req, next| {
            admit(st, limit, req, next)
        }))
        .layer(DefaultBodyLimit::max(limit))
}

/// `route` without a token (enrollment): bodies of at most `limit` bytes, refused by their
/// declared length before they are read.
pub(crate) fn open(limit: usize, route: MethodRouter<Arc<AppState>>) -> MethodRouter<Arc<AppState>> {
    route
        .layer::<_, Infallible>(axum::middleware::from_fn(move |req: Request, next: Next| async move {
            match declared_over(&req, limit) {
                Some(refused) => refused,
                None => next.run(req).await,
            }
        }))
        .layer(DefaultBodyLimit::max(limit))
}

/// A refusal when `req` declares a body over `limit`.
fn declared_over(req: &Request, limit: usize) -> Option<Response> {
    let declared = req.headers().get(header::CONTENT_LENGTH)?.to_str().ok()?.parse::<u64>().ok()?;
    (declared > limit as u64).then(|| {
        shed(req, "too_large");
        ServerError::TooLarge { limit }.into_response()
    })
}

fn shed(req: &Request, why: &str) {
    let route = req.extensions().get::<axum::extract::MatchedPath>().map(|p| p.as_str()).unwrap_or("unmatched");
    crate::metrics::metrics().shed.with_label_values(&[route, why]).inc();
}

async fn admit(State(state): State<Arc<AppState>>, limit: usize, mut req: Request, next: Next) -> Response {
    if let Some(refused) = declared_over(&req, limit) {
        return refused;
    }
    let token = match bearer(req.headers()) {
        Ok(t) => t,
        Err(e) => {
            shed(&req, "no_token");
            return e.into_response();
        }
    };
    let s = state.service.clone();
    match blocking(move || s.authenticate(&token)).await {
        Ok(caller) => {
            req.extensions_mut().insert::<Caller>(caller);
            next.run(req).await
        }
        Err(e) => {
            shed(&req, e.code().as_str());
            e.into_response()
        }
    }
}
