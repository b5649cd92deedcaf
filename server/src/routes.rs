//! The list of what the server serves, made as routes are added: the device API ([`crate::api`])
//! and the dashboard ([`crate::web`]) add theirs here, and [`crate::router`] joins them.

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

    pub(crate) fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.served.extend(other.served);
        self
    }

    /// What these routes serve, in the order they were added.
    pub fn served(&self) -> &[Served] {
        &self.served
    }

    pub(crate) fn into_router(self) -> Router<Arc<AppState>> {
        self.router
    }
}
