//! The manager dashboard, served at `/`: sign-in with the phone (扫码登录) or by an admin's
//! one-time link; a home page of reports addressed to the viewer (unread / read) and of the
//! viewer's own (each recipient's read state, the comment count), with filters; a report page
//! with its blocks as captioned tables and a comment box; and a KPI page. Pages are HTML rendered on the server (maud escapes every
//! value), with no script and nothing fetched from elsewhere. Figures come from the same
//! functions as the API and the devices' snapshots.

mod export;
mod guard;
mod handlers;
mod labels;
mod pages;
mod session;
mod sign_in;

pub(crate) use guard::{not_found, wrong_method};

/// The dashboard's reading of one request's untrusted parts, for the fuzz target
/// (`fuzz/fuzz_targets/web_input.rs`): `data` is split at NUL bytes into a query string, a form
/// body, a cookie header and an origin; nothing may panic, whatever the bytes.
#[doc(hidden)]
pub fn fuzz_input(data: &[u8]) {
    use axum::http::{HeaderMap, HeaderValue, Uri};
    let mut parts = data.split(|b| *b == 0);
    let query = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let form = parts.next().unwrap_or_default();
    let cookie = parts.next().unwrap_or_default();
    let origin = parts.next().unwrap_or_default();
    if let Ok(uri) = format!("/kpi?{query}").parse::<Uri>() {
        let _ = guard::lang_in(&uri);
        let _ = axum::extract::Query::<handlers::LangQuery>::try_from_uri(&uri);
    }
    let _ = serde_urlencoded::from_bytes::<handlers::CommentForm>(form);
    let _ = serde_urlencoded::from_bytes::<sign_in::CsrfForm>(form);
    if let Ok(uri) = format!("/?{}", String::from_utf8_lossy(form)).parse::<Uri>() {
        let _ = axum::extract::Query::<handlers::InboxQuery>::try_from_uri(&uri);
    }
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_bytes(cookie) {
        headers.insert(axum::http::header::COOKIE, v);
    }
    if let Ok(v) = HeaderValue::from_bytes(origin) {
        headers.insert(axum::http::header::ORIGIN, v.clone());
        headers.insert(axum::http::header::HOST, v);
    }
    let _ = session::token(&headers);
    let _ = guard::same_origin(&headers);
}

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::routes::Routes;

/// The dashboard's routes.
pub fn routes() -> Routes {
    Routes::default()
        .add("/", &["GET"], get(handlers::inbox))
        .add("/login", &["GET"], get(sign_in::phone))
        .add("/login/{token}", &["GET", "POST"], get(sign_in::link_page).post(sign_in::link))
        .add("/logout", &["POST"], post(sign_in::logout))
        .add("/reports/{id}", &["GET"], get(handlers::report))
        .add("/reports/{id}/comments", &["POST"], post(handlers::comment))
        .add("/kpi", &["GET"], get(handlers::kpi))
        .add("/nudges", &["POST"], post(handlers::nudge))
        .add("/export", &["GET"], get(export::export))
        .add("/attachments/{hash}", &["GET"], get(handlers::attachment))
        .add("/attachments/{hash}/thumb", &["GET"], get(handlers::thumbnail))
        .map(|r| {
            r.layer(DefaultBodyLimit::max(guard::MAX_FORM_BYTES)).layer(axum::middleware::map_response(guard::headers))
        })
}
