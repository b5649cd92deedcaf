//! Downloads of exports from the dashboard (statistics, KPI and inbox pages link them), with
//! the same access as the pages: a manager their team, a rep their own.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use fieldreport_protocol::period::Period;
use serde::Deserialize;

use super::guard::{error_page, WebQuery};
use super::handlers::with_session;
use super::labels::lang_of;
use crate::error::ServerError;
use crate::export::{file_name, CsvSink, FileFormat, Request, What, XlsxSink};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub(crate) struct ExportQuery {
    what: String,
    period: Option<String>,
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
    lang: Option<String>,
    user: Option<String>,
    dept: Option<String>,
}

/// The period asked for: `from`/`to`, else `period`, else last week.
fn period(q: &ExportQuery) -> crate::Result<Period> {
    let set = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    match (set(&q.from), set(&q.to)) {
        (Some(a), Some(b)) => Ok(format!("{a}..{b}").parse()?),
        (None, None) => Ok(set(&q.period).unwrap_or_else(|| "last-week".into()).parse()?),
        _ => Err(ServerError::BadRequest("a custom range needs both dates (from and to)".into())),
    }
}

pub(crate) async fn export(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    WebQuery(q): WebQuery<ExportQuery>,
) -> Response {
    let lang = lang_of(q.lang.as_deref());
    let out = with_session(&state, &headers, move |storage, s| {
        let what: What = q.what.parse()?;
        let format: FileFormat = q.format.as_deref().unwrap_or("xlsx").parse()?;
        let period = period(&q)?;
        let set = |v: &Option<String>| v.clone().filter(|u| !u.trim().is_empty());
        let req = Request { what, period, user: set(&q.user), dept: set(&q.dept), lang };
        let range = storage.config()?.calendar()?.resolve(period, crate::now_ms());
        let bytes = match format {
            FileFormat::Xlsx => {
                let mut sink = XlsxSink::new(what.as_str())?;
                storage.export(Some(&s.user), &req, &mut sink)?;
                sink.into_bytes()?
            }
            FileFormat::Csv => {
                let mut buf = Vec::new();
                let mut sink = CsvSink::new(&mut buf)?;
                storage.export(Some(&s.user), &req, &mut sink)?;
                sink.finish()?;
                buf
            }
        };
        Ok((format, file_name(what, range.first, range.last, format), bytes))
    })
    .await;
    match out {
        Ok((_, (format, name, bytes))) => (
            [
                (header::CONTENT_TYPE, format.mime().to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => error_page(lang, e),
    }
}
