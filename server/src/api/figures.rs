//! The manager API (JSON, scoped by the caller's device token): `GET /v1/kpi`, `/v1/alerts`,
//! `/v1/submissions`. A manager or a department's head sees everyone below them, a rep only
//! themself, an admin all; `GET /v1/kpi?dept=D` is a department's figures, and
//! `/v1/alerts?dept=D`, `/v1/submissions?dept=D` its subtree's members', for its heads (and those
//! of the departments above it) and admins.
//!
//! Every answer is bounded: periods span at most 366 days, and lists come in pages — `limit`
//! members (or alerts) per page, the next page named by a `Link: <…>; rel="next"` header (the
//! body keeps its shape), `after` the last member id (or alert id) of the page before.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use fieldreport_protocol::api::Route;
use fieldreport_protocol::period::Period;
use serde::{Deserialize, Serialize};

use crate::error::{Result, ServerError};
use crate::figures::{self, Scope, Source};
use crate::model::Caller;
use crate::now_ms;
use crate::state::{blocking, AppState};

/// `?period=…&user=…&limit=…&after=…`.
#[derive(Debug, Deserialize)]
pub(crate) struct FigureQuery {
    period: Option<String>,
    user: Option<String>,
    /// A department (name or id): its figures instead of the caller's scope.
    dept: Option<String>,
    limit: Option<usize>,
    after: Option<String>,
}

/// Members per page of `/v1/kpi` (each has a row per metric).
const KPI_PAGE: usize = 200;
/// Members per page of `/v1/submissions`, and the most items a page holds (a member's items of
/// a year: about 430).
const SUBMISSIONS_PAGE: usize = 50;
const SUBMISSION_ITEMS: usize = 20_000;
/// Alerts per page of `/v1/alerts`.
const ALERTS_PAGE: usize = 500;

/// The query, or the extractor's refusal in the API's format.
pub(crate) fn query(q: std::result::Result<Query<FigureQuery>, QueryRejection>) -> Result<FigureQuery> {
    q.map(|Query(q)| q)
        .map_err(|e| ServerError::BadRequest(format!("the query string cannot be read: {}", e.body_text())))
}

fn period(p: Option<&str>, default: Period) -> Result<Period> {
    match p {
        Some(p) => Ok(p.parse::<Period>().map_err(|e| ServerError::BadRequest(e.to_string()))?),
        None => Ok(default),
    }
}

/// The page size asked for, at least 1 and at most `max`.
fn limit(asked: Option<usize>, max: usize) -> usize {
    asked.unwrap_or(max).clamp(1, max)
}

/// The members of one page: those after `after` (by position in the scope), at most `limit`;
/// and whether more follow.
fn page_of(scope: &Scope, after: Option<&str>, limit: usize) -> Result<(Scope, bool)> {
    let start = match after {
        Some(id) => scope.members.iter().position(|u| u.id == id).map(|i| i + 1).ok_or_else(|| {
            ServerError::BadRequest(format!("`after={id}` is not a member of this list; start from the first page"))
        })?,
        None => 0,
    };
    let members: Vec<_> = scope.members.iter().skip(start).take(limit).cloned().collect();
    let more = start + members.len() < scope.members.len();
    Ok((Scope { members, team: scope.team.clone() }, more))
}

/// A JSON answer with a `Link` to the next page when there is one.
fn paged<T: Serialize>(body: T, path: &str, q: &FigureQuery, limit: usize, next_after: Option<String>) -> Response {
    let mut resp = Json(body).into_response();
    if let Some(after) = next_after {
        let mut url = format!("{path}?limit={limit}&after={}", enc(&after));
        if let Some(p) = &q.period {
            url.push_str(&format!("&period={}", enc(p)));
        }
        if let Some(u) = &q.user {
            url.push_str(&format!("&user={}", enc(u)));
        }
        if let Some(d) = &q.dept {
            url.push_str(&format!("&dept={}", enc(d)));
        }
        if let Ok(v) = HeaderValue::from_str(&format!("<{url}>; rel=\"next\"")) {
            resp.headers_mut().insert(header::LINK, v);
        }
    }
    resp
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Runs `f` with the team configuration and the caller's scope, off the async workers.
async fn scoped<T: Send + 'static>(
    state: Arc<AppState>,
    caller: Caller,
    q: &FigureQuery,
    f: impl FnOnce(&dyn Source, &fieldreport_protocol::team::TeamConfig, &Scope) -> Result<T> + Send + 'static,
) -> Result<T> {
    let (user, dept) = (q.user.clone(), q.dept.clone());
    blocking(move || {
        let s = &*state.service;
        let scope = match (user, dept) {
            (Some(_), Some(_)) => return Err(ServerError::BadRequest("give `user` or `dept`, not both".into())),
            // A department's members (its subtree's), for its heads, those above and admins.
            (None, Some(d)) => Scope::of_dept_for(s, Some(&caller.user), &d)?,
            (user, None) => Scope::of(s, Some(&caller.user), user.as_deref())?,
        };
        f(s, &s.config()?, &scope)
    })
    .await
}

pub(crate) async fn kpi(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    q: std::result::Result<Query<FigureQuery>, QueryRejection>,
) -> Result<Response> {
    let q = query(q)?;
    let p = period(q.period.as_deref(), Period::ThisMonth)?;
    if let Some(d) = q.dept.clone() {
        return dept_kpi(state, caller, d, p, q).await;
    }
    let (only, after, n) = (q.user.clone(), q.after.clone(), limit(q.limit, KPI_PAGE));
    let (mut snap, next) = scoped(state, caller, &q, move |s, c, scope| {
        let snap = figures::snapshot(s, c, scope, p, now_ms())?;
        let (page, more) = page_of(scope, after.as_deref(), n)?;
        let next = more.then(|| page.members.last().map(|u| u.id.clone())).flatten();
        let keep: std::collections::HashSet<String> = page.members.iter().map(|u| u.id.clone()).collect();
        let mut snap = snap;
        // The team's rows on every page; the members' rows of this page.
        snap.rows.retain(|r| r.user_id.as_ref().is_none_or(|u| keep.contains(u)));
        snap.completeness.retain(|c| keep.contains(&c.user_id));
        Ok((snap, next))
    })
    .await?;
    if let Some(u) = only {
        snap.rows.retain(|r| r.user_id.as_deref() == Some(u.trim()));
    }
    Ok(paged(snap, Route::Kpi.pattern(), &q, n, next))
}

/// `GET /v1/kpi?dept=D`: the department's figures (`figures::department`), its own and its
/// sub-departments' rows on every page, its members' rows `limit` members a page.
async fn dept_kpi(state: Arc<AppState>, caller: Caller, dept: String, p: Period, q: FigureQuery) -> Result<Response> {
    let (after, n) = (q.after.clone(), limit(q.limit, KPI_PAGE));
    let (f, next) = blocking(move || {
        let s = &*state.service;
        let mut f = figures::department(s, &s.config()?, &dept, Some(&caller.user), p, now_ms())?;
        let mut members: Vec<String> = f.rows.iter().filter_map(|r| r.figure.user_id.clone()).collect();
        members.dedup();
        let start = match &after {
            Some(id) => members.iter().position(|m| m == id).map(|i| i + 1).ok_or_else(|| {
                ServerError::BadRequest(format!("`after={id}` is not a member of this list; start from the first page"))
            })?,
            None => 0,
        };
        let keep: Vec<String> = members.iter().skip(start).take(n).cloned().collect();
        let next = (start + keep.len() < members.len()).then(|| keep.last().cloned()).flatten();
        f.rows.retain(|r| r.figure.user_id.as_ref().is_none_or(|u| keep.contains(u)));
        Ok((f, next))
    })
    .await?;
    Ok(paged(f, Route::Kpi.pattern(), &q, n, next))
}

pub(crate) async fn alerts(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    q: std::result::Result<Query<FigureQuery>, QueryRejection>,
) -> Result<Response> {
    let q = query(q)?;
    let (after, n) = (q.after.clone(), limit(q.limit, ALERTS_PAGE));
    let (page, next) = scoped(state, caller, &q, move |s, c, scope| {
        let all = figures::alerts(s, c, scope, now_ms())?;
        let start = match &after {
            Some(id) => all.iter().position(|a| &a.id == id).map(|i| i + 1).ok_or_else(|| {
                ServerError::BadRequest(format!("`after={id}` is not an alert of this list; start from the first page"))
            })?,
            None => 0,
        };
        let page: Vec<_> = all.iter().skip(start).take(n).cloned().collect();
        let next = (start + page.len() < all.len()).then(|| page.last().map(|a| a.id.clone())).flatten();
        Ok((page, next))
    })
    .await?;
    Ok(paged(page, Route::Alerts.pattern(), &q, n, next))
}

pub(crate) async fn submissions(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    q: std::result::Result<Query<FigureQuery>, QueryRejection>,
) -> Result<Response> {
    let q = query(q)?;
    let p = period(q.period.as_deref(), Period::ThisWeek)?;
    let (after, n) = (q.after.clone(), limit(q.limit, SUBMISSIONS_PAGE));
    let (list, next) = scoped(state, caller, &q, move |s, c, scope| {
        let (page, _) = page_of(scope, after.as_deref(), scope.members.len().max(1))?;
        // Members in order until the page is full (a member's items are never split).
        let mut out = Vec::new();
        let mut items = 0;
        for m in &page.members {
            if out.len() == n || (!out.is_empty() && items >= SUBMISSION_ITEMS) {
                break;
            }
            let one = Scope { members: vec![m.clone()], team: page.team.clone() };
            let stats = figures::submissions(s, c, &one, p, now_ms())?;
            items += stats.iter().map(|x| x.items.len()).sum::<usize>();
            out.extend(stats);
        }
        let more = out.len() < page.members.len();
        let next = more.then(|| out.last().map(|x: &figures::Submission| x.user_id.clone())).flatten();
        Ok((out, next))
    })
    .await?;
    Ok(paged(list, Route::Submissions.pattern(), &q, n, next))
}
