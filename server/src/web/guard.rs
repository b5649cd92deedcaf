//! The dashboard's defences around every request: its extractors answer a refusal as a page in
//! the dashboard's format (never the framework's plain text), a form must come from the
//! dashboard's own pages (Origin or Referer, besides the CSRF token), and every response tells
//! browsers not to frame it, not to cache it and not to guess its type.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fieldreport_protocol::api::{is_api_path, ErrorBody};
use fieldreport_protocol::codes::ErrorCode;
use fieldreport_protocol::report::Lang;
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

/// An error as a page, with the status the API would answer, in the page's language, with a
/// way back.
pub(crate) fn error_page(lang: Lang, e: ServerError) -> Response {
    let (status, _) = e.status_and_code();
    let signed_out = matches!(e, ServerError::NoToken | ServerError::BadToken);
    let text = match e {
        ServerError::NoToken | ServerError::BadToken => t(
            lang,
            "请先登录：用已登记的手机扫码，或用管理员发给你的一次性登录链接。",
            "Sign in first: with your enrolled phone, or with the one-time link an admin gave you.",
        )
        .to_string(),
        e if status.is_server_error() => {
            tracing::error!(error = %e, "dashboard request failed");
            t(lang, "服务器出错，请稍后再试。", "The server failed; try again later.").to_string()
        }
        e => match lang {
            Lang::En => e.to_string(),
            Lang::ZhCn => zh_refusal(status, &e.to_string()),
        },
    };
    let title = if status == StatusCode::NOT_FOUND {
        t(lang, "找不到页面", "Not found")
    } else {
        t(lang, "无法打开", "Cannot open")
    };
    (status, pages::frame(lang, title, None, pages::message(lang, &text, signed_out))).into_response()
}

/// A refusal's reason in Chinese: the known ones word for word, others by their kind with the
/// reason as the server gave it.
fn zh_refusal(status: StatusCode, reason: &str) -> String {
    let known: &[(&str, &str)] = &[
        ("sign-in link was already used", "这个登录链接已经用过了，请向管理员要一个新的。"),
        ("sign-in link has expired", "这个登录链接已过期，请向管理员要一个新的。"),
        ("unknown sign-in link", "登录链接无效，请向管理员要一个新的。"),
        ("CSRF token mismatch", "表单已过期，请刷新页面后重新提交。"),
        ("not sent from a page of this server", "这个表单不是从本站页面提交的，已拒绝。"),
        ("no report", "这份汇报不存在，或不是发给你的。"),
        ("a comment needs text", "批注不能为空，最多 2000 字。"),
        ("nothing at", "这个页面不存在。"),
        ("is not a date", "日期格式有误，应为 YYYY-MM-DD。"),
        ("a custom range needs both dates", "自定义时间段需要填写开始和结束日期。"),
    ];
    if let Some((_, zh)) = known.iter().find(|(en, _)| reason.contains(en)) {
        return zh.to_string();
    }
    let kind = match status {
        StatusCode::NOT_FOUND => "找不到",
        StatusCode::FORBIDDEN => "没有权限",
        StatusCode::CONFLICT => "与现有内容冲突",
        _ => "请求有误",
    };
    format!("{kind}（{reason}）")
}

/// A page answering a refusal with its own status (413, 415…).
fn refusal_page(lang: Lang, status: StatusCode, text: String) -> Response {
    (status, pages::frame(lang, t(lang, "无法打开", "Cannot open"), None, pages::message(lang, &text, false)))
        .into_response()
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
    if is_api_path(uri.path()) {
        e.into_response()
    } else {
        headers(error_page(lang_in(&uri), e)).await
    }
}

/// The answer to a method a route does not take, in the same two formats.
pub(crate) async fn wrong_method(uri: axum::http::Uri, method: axum::http::Method) -> Response {
    let text = format!("{} does not take {method}", uri.path());
    if is_api_path(uri.path()) {
        let body = axum::Json(ErrorBody { code: ErrorCode::MethodNotAllowed, message: text });
        (StatusCode::METHOD_NOT_ALLOWED, body).into_response()
    } else {
        headers(refusal_page(lang_in(&uri), StatusCode::METHOD_NOT_ALLOWED, text)).await
    }
}
