//! Dashboard requests: each checks the session, reads through storage and the figures module
//! (the same as the API), and answers a page; refusals are pages too.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use fieldreport_core::period::{Calendar, Period};
use fieldreport_core::report::Lang;
use maud::Markup;
use serde::Deserialize;

use super::guard::{error_page, same_origin, WebForm, WebQuery};
use super::labels::{keep, lang_of, t};
use super::{pages, session};
use crate::api::{blocking, AppState};
use crate::figures::{self, Scope};
use crate::model::WebSession;
use crate::now_ms;
use crate::service::Service;

#[derive(Debug, Deserialize)]
pub(crate) struct LangQuery {
    lang: Option<String>,
    period: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CommentForm {
    csrf: String,
    text: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

fn page(lang: Lang, title: &str, s: &WebSession, body: Markup) -> Response {
    pages::frame(lang, title, Some((&s.user, &s.csrf)), body).into_response()
}

/// Runs `f` with storage and the session, off the async workers.
async fn with_session<T: Send + 'static>(
    state: &Arc<AppState>,
    headers: &HeaderMap,
    f: impl FnOnce(&Service, &WebSession) -> crate::Result<T> + Send + 'static,
) -> crate::Result<(WebSession, T)> {
    let (storage, headers) = (state.service.clone(), headers.clone());
    blocking(move || {
        let s = session::current(&storage, &headers)?;
        let out = f(&storage, &s)?;
        Ok((s, out))
    })
    .await
}

fn calendar(storage: &Service) -> crate::Result<Calendar> {
    let c = storage.config()?;
    Ok(c.calendar()?)
}

fn names(storage: &Service) -> crate::Result<HashMap<String, String>> {
    Ok(storage.users()?.into_iter().map(|u| (u.id, u.name)).collect())
}

/// The page a sign-in link opens: a button that signs in. Opening the link changes nothing, so
/// a chat app that fetches it to show a preview does not use it up.
pub(crate) async fn login_page(Path(token): Path<String>, WebQuery(q): WebQuery<LangQuery>) -> Response {
    let lang = lang_of(q.lang.as_deref());
    pages::frame(lang, t(lang, "登录", "Sign in"), None, pages::login(lang, &token, keep(lang))).into_response()
}

/// Signs in with a one-time link (the form of [`login_page`]).
pub(crate) async fn login(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(token): Path<String>,
    WebQuery(q): WebQuery<LangQuery>,
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
    WebQuery(q): WebQuery<LangQuery>,
    WebForm(f): WebForm<CsrfForm>,
) -> Response {
    let lang = lang_of(q.lang.as_deref());
    let token = session::token(&headers).unwrap_or_default();
    let out = with_session(&state, &headers, move |storage, s| {
        session::check_csrf(s, &f.csrf)?;
        storage.end_session(&token)
    })
    .await;
    match out {
        Ok(_) => {
            ([(header::SET_COOKIE, session::clear_cookie())], Redirect::to(&format!("/{}", keep(lang)))).into_response()
        }
        Err(e) => error_page(lang, e),
    }
}

pub(crate) async fn inbox(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    WebQuery(q): WebQuery<LangQuery>,
) -> Response {
    let lang = lang_of(q.lang.as_deref());
    let out = with_session(&state, &headers, |storage, s| Ok((storage.inbox(&s.user)?, calendar(storage)?))).await;
    match out {
        Ok((s, (items, cal))) => page(lang, t(lang, "收件箱", "Inbox"), &s, pages::inbox(lang, &cal, &items)),
        Err(e) => error_page(lang, e),
    }
}

pub(crate) async fn report(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    WebQuery(q): WebQuery<LangQuery>,
) -> Response {
    let lang = lang_of(q.lang.as_deref());
    let out = with_session(&state, &headers, move |storage, s| {
        Ok((storage.open_report(&s.user, &id)?, calendar(storage)?, names(storage)?))
    })
    .await;
    match out {
        Ok((s, (r, cal, names))) => {
            let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
            let title = r.title.clone();
            page(lang, &title, &s, pages::report(lang, &cal, &r, &name, &s.csrf))
        }
        Err(e) => error_page(lang, e),
    }
}

pub(crate) async fn comment(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    WebQuery(q): WebQuery<LangQuery>,
    WebForm(f): WebForm<CommentForm>,
) -> Response {
    let lang = lang_of(q.lang.as_deref());
    let rid = id.clone();
    let out = with_session(&state, &headers, move |storage, s| {
        session::check_csrf(s, &f.csrf)?;
        storage.web_comment(&s.user, &rid, &f.text)
    })
    .await;
    match out {
        Ok(_) => Redirect::to(&format!("/reports/{id}{}", keep(lang))).into_response(),
        Err(e) => error_page(lang, e),
    }
}

pub(crate) async fn kpi(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    WebQuery(q): WebQuery<LangQuery>,
) -> Response {
    let lang = lang_of(q.lang.as_deref());
    let period = match q.period.as_deref().unwrap_or("this-month").parse::<Period>() {
        Ok(p) => p,
        Err(e) => return error_page(lang, e.into()),
    };
    let out = with_session(&state, &headers, move |storage, s| {
        let src: &dyn crate::figures::Source = storage;
        let config = storage.config()?;
        let scope = Scope::of(src, Some(&s.user), None)?;
        let now = now_ms();
        let snap = figures::snapshot(src, &config, &scope, period, now)?;
        let subs = figures::submissions(src, &config, &scope, Period::ThisWeek, now)?;
        // The alerts need this week and this month; the page's own period is often one of them.
        let of =
            |p: Period| if p == period { Ok(snap.clone()) } else { figures::snapshot(src, &config, &scope, p, now) };
        let alerts = figures::alerts_with(src, &config, &scope, now, &of(Period::ThisWeek)?, &of(Period::ThisMonth)?)?;
        let trend = trend(src, &config, &scope, now)?;
        Ok((snap, subs, alerts, trend, names(storage)?))
    })
    .await;
    match out {
        Ok((s, (snap, subs, alerts, trend, names))) => {
            let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
            page(lang, t(lang, "指标", "KPIs"), &s, pages::kpi(lang, &snap, &subs, &alerts, &trend, &name))
        }
        Err(e) => error_page(lang, e),
    }
}

/// Weeks the trend charts show.
const TREND_WEEKS: u64 = 8;

/// The team's value of each metric (conversions aside) over the last weeks, oldest first.
fn trend(
    src: &dyn crate::figures::Source,
    config: &fieldreport_core::team::TeamConfig,
    scope: &Scope,
    now: i64,
) -> crate::Result<pages::Trend> {
    let cal = config.calendar()?;
    let this_week = cal.resolve(Period::ThisWeek, now).first;
    let mut out: pages::Trend = Vec::new();
    for back in (0..TREND_WEEKS).rev() {
        let first = this_week - chrono::Days::new(7 * back);
        let last = first + chrono::Days::new(6);
        for (metric, value) in figures::team_values(src, config, scope, first, last)? {
            match out.iter_mut().find(|(m, _)| *m == metric) {
                Some((_, points)) => points.push((first, value)),
                None => out.push((metric, vec![(first, value)])),
            }
        }
    }
    Ok(out)
}
