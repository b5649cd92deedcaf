//! The whole HTTP surface: the device API ([`crate::api`]) and the dashboard ([`crate::web`]) on
//! one router, every request counted and timed by its route, and one answer for paths and
//! methods no route takes.

use std::sync::Arc;

use axum::routing::MethodRouter;
use axum::Router;

use crate::state::AppState;

/// A route the server serves: a method and a path pattern (`/reports/{id}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Served {
    pub method: &'static str,
    pub pattern: &'static str,
}

/// Routes as they are added, and the list of what they serve: the list is made by the same
/// calls that make the router, so a test that walks it (the permission matrix) sees every route.
#[derive(Default)]
pub struct Routes {
    router: Router<Arc<AppState>>,
    served: Vec<Served>,
}

impl Routes {
    /// Serves `pattern` with `methods` (the methods `route` takes, as written there).
    pub(crate) fn add(
        mut self,
        pattern: &'static str,
        methods: &[&'static str],
        route: MethodRouter<Arc<AppState>>,
    ) -> Self {
        self.router = self.router.route(pattern, route);
        self.served.extend(methods.iter().map(|&method| Served { method, pattern }));
        self
    }

    /// Applies `f` (layers) to the routes so far.
    pub(crate) fn map(mut self, f: impl FnOnce(Router<Arc<AppState>>) -> Router<Arc<AppState>>) -> Self {
        self.router = f(self.router);
        self
    }

    fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.served.extend(other.served);
        self
    }
}

fn all(state: &Arc<AppState>) -> Routes {
    crate::api::routes(state).merge(crate::web::routes())
}

/// The router over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    all(&state)
        .router
        .route_layer(axum::middleware::from_fn(measure))
        .fallback(crate::web::not_found)
        .method_not_allowed_fallback(crate::web::wrong_method)
        .with_state(state)
}

/// Every route [`router`] serves, as it registered them.
pub fn served(state: &Arc<AppState>) -> Vec<Served> {
    all(state).served
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
