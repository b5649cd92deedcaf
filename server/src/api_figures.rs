//! The manager API (JSON, scoped by the caller's device token): `GET /v1/kpi`, `/v1/alerts`,
//! `/v1/submissions`. A manager sees their direct reports, a rep only themself, an admin all.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::Json;
use fieldreport_core::period::Period;
use serde::Deserialize;

use crate::api::{bearer, blocking, AppState};
use crate::error::{Result, ServerError};
use crate::figures::Source;
use crate::figures::{self, Alert, Scope, Snapshot, Submission};
use crate::now_ms;

/// `?period=…&user=…`.
#[derive(Debug, Deserialize)]
pub(crate) struct FigureQuery {
    period: Option<String>,
    user: Option<String>,
}

fn period(p: Option<&str>, default: Period) -> Result<Period> {
    match p {
        Some(p) => Ok(p.parse::<Period>().map_err(|e| ServerError::BadRequest(e.to_string()))?),
        None => Ok(default),
    }
}

/// Runs `f` with the team configuration and the caller's scope, off the async workers.
async fn scoped<T: Send + 'static>(
    state: Arc<AppState>,
    headers: &HeaderMap,
    user: Option<String>,
    f: impl FnOnce(&dyn Source, &fieldreport_core::team::TeamConfig, &Scope) -> Result<T> + Send + 'static,
) -> Result<T> {
    let token = bearer(headers)?;
    blocking(move || {
        let s = &*state.service;
        let caller = s.authenticate(&token)?;
        let scope = Scope::of(s, Some(&caller.user), user.as_deref())?;
        f(s, &s.config()?, &scope)
    })
    .await
}

pub(crate) async fn kpi(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<FigureQuery>,
) -> Result<Json<Snapshot>> {
    let p = period(q.period.as_deref(), Period::ThisMonth)?;
    let only = q.user.clone();
    let mut snap =
        scoped(state, &headers, q.user, move |s, c, scope| figures::snapshot(s, c, scope, p, now_ms())).await?;
    if let Some(u) = only {
        snap.rows.retain(|r| r.user_id.as_deref() == Some(u.trim()));
    }
    Ok(Json(snap))
}

pub(crate) async fn alerts(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<FigureQuery>,
) -> Result<Json<Vec<Alert>>> {
    Ok(Json(scoped(state, &headers, q.user, |s, c, scope| figures::alerts(s, c, scope, now_ms())).await?))
}

pub(crate) async fn submissions(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<FigureQuery>,
) -> Result<Json<Vec<Submission>>> {
    let p = period(q.period.as_deref(), Period::ThisWeek)?;
    Ok(Json(scoped(state, &headers, q.user, move |s, c, scope| figures::submissions(s, c, scope, p, now_ms())).await?))
}
