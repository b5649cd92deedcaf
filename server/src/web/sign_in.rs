//! Signing in and out: an admin's one-time link, or the phone (扫码登录): the page shows a
//! code and its QR code and reloads itself; an enrolled device of the user approves the code;
//! at its next reload the browser that showed it (and only it: the secret in its cookie) is
//! signed in.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::guard::{error_page, same_origin, WebForm, WebQuery};
use super::labels::{keep, lang_of, t};
use super::{pages, session};
use crate::service::web::WebLoginState;
use crate::state::{blocking, AppState};

#[derive(Debug, Deserialize)]
pub(crate) struct LangOnly {
    lang: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    pub(crate) csrf: String,
}

/// The cookie holding a browser's pending sign-in: its secret and the code it shows.
const PENDING: &str = "fr_signin";

fn pending(headers: &HeaderMap) -> Option<(String, String)> {
    let v = session::cookie(headers, PENDING)?;
    let (secret, code) = v.split_once('.')?;
    Some((secret.to_string(), code.to_string()))
}

/// Phone sign-ins this process starts, at most: a burst of [`STARTS_BURST`], then
/// [`STARTS_PER_SECOND`]. Each start is a write; a flood of `GET /login` must not queue the
/// writer ahead of devices' syncs. A team signs in far slower than this.
const STARTS_PER_SECOND: f64 = 10.0;
const STARTS_BURST: f64 = 50.0;

/// Takes one start from the bucket; false when it is empty.
fn may_start() -> bool {
    static BUCKET: std::sync::Mutex<Option<(f64, std::time::Instant)>> = std::sync::Mutex::new(None);
    let mut b = BUCKET.lock().unwrap_or_else(|p| p.into_inner());
    let now = std::time::Instant::now();
    let (tokens, at) = b.unwrap_or((STARTS_BURST, now));
    let tokens = (tokens + now.duration_since(at).as_secs_f64() * STARTS_PER_SECOND).min(STARTS_BURST);
    let (left, ok) = if tokens >= 1.0 { (tokens - 1.0, true) } else { (tokens, false) };
    *b = Some((left, now));
    ok
}

/// The phone sign-in page (`GET /login`).
pub(crate) async fn phone(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    WebQuery(q): WebQuery<LangOnly>,
) -> Response {
    let lang = lang_of(q.lang.as_deref());
    let storage = state.service.clone();
    let held = pending(&headers);
    let out = blocking(move || {
        let cal = storage.config()?.calendar()?;
        if let Some((secret, code)) = &held {
            if let Some(s) = storage.poll_web_login(secret, code)? {
                return Ok((cal, s, None));
            }
        }
        if !may_start() {
            crate::metrics::metrics().shed.with_label_values(&["/login", "busy"]).inc();
            return Err(crate::ServerError::TooMany(
                "too many sign-ins are starting right now: reload this page in a few seconds".into(),
            ));
        }
        let (code, secret, expires_at) = storage.start_web_login()?;
        Ok((cal, WebLoginState::Waiting { code: code.clone(), expires_at }, Some(format!("{secret}.{code}"))))
    })
    .await;
    match out {
        Ok((_, WebLoginState::SignedIn { session: token, .. }, _)) => (
            // Two cookies: appended, since a plain array of headers keeps only the last.
            AppendHeaders([
                (header::SET_COOKIE, session::set_cookie(&token, &headers)),
                (header::SET_COOKIE, session::clear(PENDING)),
            ]),
            Redirect::to(&format!("/{}", keep(lang))),
        )
            .into_response(),
        Ok((cal, WebLoginState::Waiting { code, expires_at }, new_cookie)) => {
            let page = pages::frame_with(
                lang,
                t(lang, "扫码登录", "Sign in with your phone"),
                None,
                pages::phone_sign_in(lang, &cal, &code, expires_at),
                Some(3),
            );
            match new_cookie {
                Some(c) => {
                    ([(header::SET_COOKIE, session::pending_cookie(PENDING, &c, &headers))], page).into_response()
                }
                None => page.into_response(),
            }
        }
        Err(e) => error_page(lang, e),
    }
}

/// The page a sign-in link opens: a button that signs in. Opening the link changes nothing, so
/// a chat app that fetches it to show a preview does not use it up.
pub(crate) async fn link_page(Path(token): Path<String>, WebQuery(q): WebQuery<LangOnly>) -> Response {
    let lang = lang_of(q.lang.as_deref());
    pages::frame(lang, t(lang, "登录", "Sign in"), None, pages::link_sign_in(lang, &token, keep(lang))).into_response()
}

/// Signs in with a one-time link (the form of [`link_page`]).
pub(crate) async fn link(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(token): Path<String>,
    WebQuery(q): WebQuery<LangOnly>,
) -> Response {
    let lang = lang_of(q.lang.as_deref());
    // Login CSRF: a foreign page must not sign a browser in (to an account of its choosing).
    if let Err(e) = same_origin(&headers) {
        return error_page(lang, e);
    }
    let storage = state.service.clone();
    match blocking(move || storage.open_session(&token)).await {
        Ok((session, _)) => {
            ([(header::SET_COOKIE, session::set_cookie(&session, &headers))], Redirect::to(&format!("/{}", keep(lang))))
                .into_response()
        }
        Err(e) => error_page(lang, e),
    }
}

pub(crate) async fn logout(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    WebQuery(q): WebQuery<LangOnly>,
    WebForm(f): WebForm<CsrfForm>,
) -> Response {
    let lang = lang_of(q.lang.as_deref());
    let token = session::token(&headers).unwrap_or_default();
    let (storage, h) = (state.service.clone(), headers.clone());
    let out = blocking(move || {
        let s = session::current(&storage, &h)?;
        session::check_csrf(&s, &f.csrf)?;
        storage.end_session(&token)
    })
    .await;
    match out {
        Ok(_) => {
            ([(header::SET_COOKIE, session::clear(session::COOKIE))], Redirect::to(&format!("/login{}", keep(lang))))
                .into_response()
        }
        Err(e) => error_page(lang, e),
    }
}
