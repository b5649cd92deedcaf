//! The dashboard's defences around every request: its extractors answer a refusal as a page in
//! the dashboard's format (never the framework's plain text), a form must come from the
//! dashboard's own pages (Origin or Referer, besides the CSRF token), and every response tells
//! browsers not to frame it, not to cache it and not to guess its type.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fieldreport_core::report::Lang;
use serde::de::DeserializeOwned;

use super::labels::{lang_of, t};
use super::pages;
use crate::error::ServerError;

/// The largest form the dashboard takes (a comment is at most 2,000 characters).
pub(crate) const MAX_FORM_BYTES: usize = 64 * 1024;

/// The page language a request asks for, read leniently from its raw query string (for refusals,
/// before the query itself is read).
pub(crate) fn lang_in(uri: &axum::http::Uri) -> Lang {
    let asked = uri.query().unwrap_or("").split('&').find_map(|kv| kv.strip_prefix("lang="));
    lang_of(asked)
}

/// An error as a page, with the status the API would answer.
pub(crate) fn error_page(lang: Lang, e: ServerError) -> Response {
    let (status, _) = e.status_and_code();
    let text = match e {
        ServerError::NoToken | ServerError::BadToken => {
            t(lang, "请用管理员发给你的一次性登录链接登录。", "Sign in with the one-time link an admin gave you.")
                .to_string()
        }
        e if status.is_server_error() => {
            tracing::error!(error = %e, "dashboard request failed");
            t(lang, "服务器出错，请稍后再试。", "The server failed; try again later.").to_string()
        }
        e => e.to_string(),
    };
    (status, pages::frame(lang, t(lang, "无法打开", "Cannot open"), None, pages::message(&text))).into_response()
}

/// A page answering a refusal with its own status (413, 415…).
fn refusal_page(lang: Lang, status: StatusCode, text: String) -> Response {
    (status, pages::frame(lang, t(lang, "无法打开", "Cannot open"), None, pages::message(&text))).into_response()
}

/// `Query<T>` whose refusal is a dashboard page.
pub(crate) struct WebQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for WebQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(q) => Ok(WebQuery(q.0)),
            Err(e) => Err(refusal_page(
                lang_in(&parts.uri),
                StatusCode::BAD_REQUEST,
                format!(
                    "{} ({})",
                    t(lang_in(&parts.uri), "链接的参数有误。", "The link's parameters are wrong."),
                    e.body_text()
                ),
            )),
        }
    }
}

/// `Form<T>` from the dashboard's own pages, whose refusal is a dashboard page.
pub(crate) struct WebForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for WebForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let lang = lang_in(req.uri());
        if let Err(e) = same_origin(req.headers()) {
            return Err(error_page(lang, e));
        }
        match axum::extract::Form::<T>::from_request(req, state).await {
            Ok(f) => Ok(WebForm(f.0)),
            Err(e) => {
                let status = match e.status() {
                    StatusCode::PAYLOAD_TOO_LARGE => StatusCode::PAYLOAD_TOO_LARGE,
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    _ => StatusCode::BAD_REQUEST,
                };
                let why = match status {
                    StatusCode::PAYLOAD_TOO_LARGE => t(lang, "提交的内容太大。", "What was sent is too large."),
                    _ => t(lang, "表单有误，请返回后重新提交。", "The form is incomplete; go back and send it again."),
                };
                Err(refusal_page(lang, status, why.to_string()))
            }
        }
    }
}

/// A form post must come from a page of this server: its `Origin` (or, without one, its
/// `Referer`) names the host the request was sent to. A cross-site post (login CSRF, a forged
/// comment) is refused before anything else is read.
pub(crate) fn same_origin(headers: &HeaderMap) -> Result<(), ServerError> {
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .map(|h| h.split(',').next().unwrap_or("").trim().to_ascii_lowercase());
    let from =
        headers.get(header::ORIGIN).or_else(|| headers.get(header::REFERER)).and_then(|v| v.to_str().ok()).and_then(
            |u| u.split_once("://").map(|(_, rest)| rest.split('/').next().unwrap_or("").to_ascii_lowercase()),
        );
    match (host, from) {
        (Some(h), Some(f)) if !h.is_empty() && h == f => Ok(()),
        _ => Err(ServerError::Forbidden(
            "this form was not sent from a page of this server (Origin or Referer missing or foreign)".into(),
        )),
    }
}

/// Headers every dashboard response carries.
pub(crate) async fn headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    let set = |h: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(h, header::CACHE_CONTROL, "no-store");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "same-origin");
    resp
}

/// The answer to a path no route has: JSON under `/v1`, a page elsewhere.
pub(crate) async fn not_found(uri: axum::http::Uri) -> Response {
    let e = ServerError::NotFound(format!("nothing at {}", uri.path()));
    if uri.path().starts_with("/v1/") || uri.path() == "/v1" || uri.path() == "/healthz" {
        e.into_response()
    } else {
        headers(error_page(lang_in(&uri), e)).await
    }
}

/// The answer to a method a route does not take, in the same two formats.
pub(crate) async fn wrong_method(uri: axum::http::Uri, method: axum::http::Method) -> Response {
    let text = format!("{} does not take {method}", uri.path());
    if uri.path().starts_with("/v1/") || uri.path() == "/healthz" {
        let body = axum::Json(serde_json::json!({"code": "method_not_allowed", "message": text}));
        (StatusCode::METHOD_NOT_ALLOWED, body).into_response()
    } else {
        headers(refusal_page(lang_in(&uri), StatusCode::METHOD_NOT_ALLOWED, text)).await
    }
}
