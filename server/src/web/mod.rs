//! The manager dashboard, served at `/`: sign-in by one-time link, an inbox of reports addressed
//! to the viewer (unread / read, with read receipts), a report page with its blocks as tables and
//! a comment box, and a KPI page. Pages are HTML rendered on the server (maud escapes every
//! value), with no script and nothing fetched from elsewhere. Figures come from the same
//! functions as the API and the devices' snapshots.

mod handlers;
mod labels;
mod pages;
mod session;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

use crate::api::AppState;

/// The dashboard's routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(handlers::inbox))
        .route("/login/{token}", get(handlers::login_page).post(handlers::login))
        .route("/logout", post(handlers::logout))
        .route("/reports/{id}", get(handlers::report))
        .route("/reports/{id}/comments", post(handlers::comment))
        .route("/kpi", get(handlers::kpi))
}
