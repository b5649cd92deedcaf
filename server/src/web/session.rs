//! The session cookie and the CSRF check of every form.

use axum::http::{header, HeaderMap};

use crate::error::{Result, ServerError};
use crate::model::WebSession;
use crate::service::web::SESSION_TTL_MS;
use crate::service::Service;

/// The session cookie's name.
pub(crate) const COOKIE: &str = "fr_session";

/// The value of cookie `name` in the request.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name && !v.is_empty()).then(|| v.to_string())
    })
}

/// The session token in the request's cookies.
pub(crate) fn token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, COOKIE)
}

/// `; Secure` when the request came over HTTPS through a proxy (`X-Forwarded-Proto: https`).
fn secure(headers: &HeaderMap) -> &'static str {
    let https =
        headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"));
    if https {
        "; Secure"
    } else {
        ""
    }
}

/// The `Set-Cookie` value for a new session: HttpOnly, SameSite=Lax, for as long as the session
/// lasts (30 days).
pub(crate) fn set_cookie(token: &str, headers: &HeaderMap) -> String {
    format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}", SESSION_TTL_MS / 1000, secure(headers))
}

/// The `Set-Cookie` value of a pending phone sign-in (five minutes).
pub(crate) fn pending_cookie(name: &str, value: &str, headers: &HeaderMap) -> String {
    format!("{name}={value}; Path=/login; HttpOnly; SameSite=Lax; Max-Age=300{}", secure(headers))
}

/// The `Set-Cookie` value that removes cookie `name`.
pub(crate) fn clear(name: &str) -> String {
    let path = if name == COOKIE { "/" } else { "/login" };
    format!("{name}=; Path={path}; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// The signed-in session, or `BadToken`.
pub(crate) fn current(storage: &Service, headers: &HeaderMap) -> Result<WebSession> {
    let token = token(headers).ok_or(ServerError::NoToken)?;
    storage.session(&token)
}

/// Refuses a form whose CSRF token is not the session's (compared in constant time).
pub(crate) fn check_csrf(session: &WebSession, sent: &str) -> Result<()> {
    let (a, b) = (session.csrf.as_bytes(), sent.as_bytes());
    let same = a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
    if same {
        Ok(())
    } else {
        Err(ServerError::Forbidden("the form is stale or forged (CSRF token mismatch); reload the page".into()))
    }
}
