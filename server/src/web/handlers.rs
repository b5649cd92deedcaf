//! Dashboard pages: each checks the session, reads through the service and the figures module
//! (the same as the API), and answers a page; refusals are pages too.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use fieldreport_protocol::doc::ReportKind;
use fieldreport_protocol::kpi::format_value;
use fieldreport_protocol::period::{Calendar, Period};
use fieldreport_protocol::report::{Lang, Names};
use maud::Markup;
use serde::Deserialize;

use super::guard::{error_page, WebForm, WebQuery};
use super::labels::{keep, lang_of, t};
use super::{pages, session};
use crate::error::ServerError;
use crate::figures::{self, Scope};
use crate::model::{InboxFilter, Role, WebSession};
use crate::now_ms;
use crate::service::Service;
use crate::state::{blocking, AppState};

#[derive(Debug, Deserialize)]
pub(crate) struct LangQuery {
    lang: Option<String>,
    period: Option<String>,
    /// The KPI page's department (an id or a name; else the viewer's own).
    dept: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct InboxQuery {
    lang: Option<String>,
    member: Option<String>,
    kind: Option<String>,
    unread: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CommentForm {
    csrf: String,
    text: String,
    /// The comment this one answers.
    #[serde(default)]
    reply_to: Option<String>,
}

fn page(lang: Lang, title: &str, s: &WebSession, body: Markup) -> Response {
    pages::frame(lang, title, Some((&s.user, &s.csrf)), body).into_response()
}

/// Runs `f` with the service and the session, off the async workers.
pub(super) async fn with_session<T: Send + 'static>(
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
    Ok(storage.config()?.calendar()?)
}

fn names(storage: &Service) -> crate::Result<Names> {
    Ok(storage.users()?.into_iter().map(|u| (u.id, u.name)).collect())
}

/// A date from a form (`YYYY-MM-DD`), or nothing for an empty field.
fn date(v: Option<String>, field: &str) -> crate::Result<Option<String>> {
    match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(d) => d
            .parse::<NaiveDate>()
            .map(|d| Some(d.to_string()))
            .map_err(|_| ServerError::BadRequest(format!("{field}: `{d}` is not a date (YYYY-MM-DD)"))),
    }
}

fn nonempty(v: Option<String>) -> Option<String> {
    v.filter(|v| !v.trim().is_empty())
}

/// The home page: reports to the viewer and the viewer's own, filtered.
pub(crate) async fn inbox(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    WebQuery(q): WebQuery<InboxQuery>,
) -> Response {
    let lang = lang_of(q.lang.as_deref());
    let filter = (|| -> crate::Result<InboxFilter> {
        let kind = nonempty(q.kind).map(|k| k.parse::<ReportKind>().map(|k| k.as_str().to_string())).transpose()?;
        Ok(InboxFilter {
            member: nonempty(q.member),
            kind,
            unread: q.unread.is_some_and(|u| u == "1" || u == "on"),
            from: date(q.from, t(lang, "开始日期", "from"))?,
            to: date(q.to, t(lang, "结束日期", "to"))?,
            own: None,
        })
    })();
    let filter = match filter {
        Ok(f) => f,
        Err(e) => return error_page(lang, e),
    };
    let out = with_session(&state, &headers, move |storage, s| {
        let items = storage.inbox(&s.user, &filter)?;
        // Authors the viewer receives reports from: their team (for a manager) or everyone
        // who sent them one, and themselves.
        let users = storage.users()?;
        let below = crate::figures::Source::seen_by(storage, &s.user.id)?;
        let members: Vec<(String, String)> = users
            .iter()
            .filter(|u| {
                u.id == s.user.id
                    || s.user.role == Role::Admin
                    || below.contains(&u.id)
                    || items.iter().any(|i| i.owner == u.id)
            })
            .map(|u| (u.id.clone(), u.name.clone()))
            .collect();
        Ok((items, members, calendar(storage)?, filter))
    })
    .await;
    match out {
        Ok((s, (items, members, cal, filter))) => {
            let p =
                pages::InboxPage { cal: &cal, viewer: &s.user.id, items: &items, members: &members, filter: &filter };
            page(lang, t(lang, "收件箱", "Inbox"), &s, pages::inbox(lang, &p))
        }
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
        let (r, reads) = storage.open_report(&s.user, &id)?;
        let files = pages::files_of(&r);
        let stored = storage.stored_files(&files)?;
        let links = files
            .iter()
            .map(|h| Ok((h.clone(), storage.sign_file_link(h, &r.header.id)?)))
            .collect::<crate::Result<HashMap<String, String>>>()?;
        Ok(((r, reads), calendar(storage)?, names(storage)?, (stored, links)))
    })
    .await;
    match out {
        Ok((s, ((r, reads), cal, names, (stored, links)))) => {
            let reads: HashMap<String, i64> = reads.into_iter().collect();
            let title = r.title.clone();
            let view = pages::ReportPage {
                cal: &cal,
                names: &names,
                reads: &reads,
                stored: &stored,
                links: &links,
                csrf: &s.csrf,
            };
            page(lang, &title, &s, pages::report(lang, &r, &view))
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
        storage.web_comment(&s.user, &rid, &f.text, f.reply_to.as_deref())
    })
    .await;
    match out {
        Ok(_) => Redirect::to(&format!("/reports/{id}{}", keep(lang))).into_response(),
        Err(e) => error_page(lang, e),
    }
}

#[derive(Deserialize)]
pub(crate) struct NudgeForm {
    csrf: String,
    user: String,
    kind: String,
    period: String,
}

/// 催交 from the submissions table: then back to the KPI page.
pub(crate) async fn nudge(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    WebQuery(q): WebQuery<LangQuery>,
    WebForm(f): WebForm<NudgeForm>,
) -> Response {
    let lang = lang_of(q.lang.as_deref());
    let out = with_session(&state, &headers, move |storage, s| {
        session::check_csrf(s, &f.csrf)?;
        storage.nudge(&s.user, &f.user, &f.kind, &f.period)
    })
    .await;
    match out {
        Ok(_) => Redirect::to(&format!("/kpi{}", keep(lang))).into_response(),
        Err(e) => error_page(lang, e),
    }
}

/// The period a KPI page asks for: `from`/`to` (a custom range), else `period`, else this month.
fn kpi_period(q: &LangQuery) -> crate::Result<Period> {
    match (nonempty(q.from.clone()), nonempty(q.to.clone())) {
        (Some(a), Some(b)) => Ok(format!("{}..{}", a.trim(), b.trim()).parse::<Period>()?),
        (None, None) => Ok(q.period.as_deref().unwrap_or("this-month").parse::<Period>()?),
        _ => Err(ServerError::BadRequest("a custom range needs both dates (from and to)".into())),
    }
}

pub(crate) async fn kpi(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    WebQuery(q): WebQuery<LangQuery>,
) -> Response {
    let lang = lang_of(q.lang.as_deref());
    let period = match kpi_period(&q) {
        Ok(p) => p,
        Err(e) => return error_page(lang, e),
    };
    let out = with_session(&state, &headers, move |storage, s| {
        let src: &dyn crate::figures::Source = storage;
        let config = storage.config()?;
        let now = now_ms();
        let depts = src.departments()?;
        let tree = fieldreport_protocol::team::DeptTree::new(&depts);
        // A head or an admin opens on their department's scorecard; the sections below it are
        // of the department's own members (a sub-department's: drill down), the trend of its
        // whole subtree. A manager heading none sees their reports, as before departments.
        let card = match figures::home_dept(&depts, &tree, &s.user, q.dept.as_deref())? {
            Some(d) => Some(figures::department(src, &config, &d.id, Some(&s.user), period, now)?),
            None => None,
        };
        let (scope, whole) = match &card {
            Some(c) => {
                let whole = Scope::of_dept_for(src, Some(&s.user), &c.dept.id)?;
                let mut own = whole.clone();
                own.members.retain(|u| u.dept_id.as_deref() == Some(c.dept.id.as_str()));
                (own, whole)
            }
            None => {
                let scope = Scope::of(src, Some(&s.user), None)?;
                (scope.clone(), scope)
            }
        };
        let snap = figures::snapshot(src, &config, &scope, period, now)?;
        // Every box follows the period chosen, 催交 included.
        let subs = figures::submissions(src, &config, &scope, period, now)?;
        // The alerts need this week and this month; the page's own period is often one of them.
        let of =
            |p: Period| if p == period { Ok(snap.clone()) } else { figures::snapshot(src, &config, &scope, p, now) };
        let alerts = figures::alerts_with(src, &config, &scope, now, &of(Period::ThisWeek)?, &of(Period::ThisMonth)?)?;
        let trend = trend(src, &config, &whole, now)?;
        let to_managers = config.team.phones_to_managers;
        let phones: std::collections::HashMap<String, String> = scope
            .members
            .iter()
            .filter(|u| crate::policy::visibility::may_see_phone(&s.user, u, to_managers))
            .filter_map(|u| u.phone.clone().map(|p| (u.id.clone(), p)))
            .collect();
        let moves = storage.location_changes(&scope.member_ids(), now)?;
        let cal = config.calendar()?;
        let plans = storage.plans(&scope.member_ids(), snap.first, snap.last)?;
        let today = cal.local_date(now);
        let readable: Vec<String> =
            depts.iter().filter(|d| figures::may_read(&tree, d, Some(&s.user)).is_ok()).map(|d| d.id.clone()).collect();
        Ok((snap, subs, alerts, trend, names(storage)?, phones, (moves, cal, plans, today), (card, tree, readable)))
    })
    .await;
    match out {
        Ok((s, (snap, subs, alerts, trend, names, phones, (moves, cal, plans, today), (card, tree, readable)))) => {
            let can_nudge = s.user.role != crate::model::Role::Rep;
            let period_text = period.to_string();
            let may = |id: &str| readable.iter().any(|x| x == id);
            let scorecard = card.as_ref().map(|figures| pages::Scorecard {
                figures,
                tree: &tree,
                names: &names,
                readable: &may,
                period: &period_text,
            });
            let p = pages::KpiPage {
                period,
                snap: &snap,
                subs: &subs,
                alerts: &alerts,
                trend: &trend,
                names: &names,
                phones: &phones,
                moves: &moves,
                plans: &plans,
                today,
                cal: &cal,
                csrf: &s.csrf,
                can_nudge,
                scorecard: scorecard.as_ref(),
            };
            page(lang, t(lang, "指标", "KPIs"), &s, pages::kpi(lang, &p))
        }
        Err(e) => error_page(lang, e),
    }
}

/// Weeks the trend charts show.
const TREND_WEEKS: u64 = 8;

/// The team's value of each metric (conversions aside) over the last weeks, oldest first.
fn trend(
    src: &dyn crate::figures::Source,
    config: &fieldreport_protocol::team::TeamConfig,
    scope: &Scope,
    now: i64,
) -> crate::Result<pages::Trend> {
    let cal = config.calendar()?;
    let defs = config.definitions();
    let this_week = cal.resolve(Period::ThisWeek, now).first;
    let mut out: pages::Trend = Vec::new();
    for back in (0..TREND_WEEKS).rev() {
        let first = this_week - chrono::Days::new(7 * back);
        let last = first + chrono::Days::new(6);
        for (metric, value) in figures::team_values(src, config, scope, first, last)? {
            let shown = match defs.iter().find(|d| d.id == metric) {
                Some(d) => format_value(&d.unit, value),
                None => format!("{value}"),
            };
            match out.iter_mut().find(|(m, _)| *m == metric) {
                Some((_, points)) => points.push((first, value, shown)),
                None => out.push((metric, vec![(first, value, shown)])),
            }
        }
    }
    Ok(out)
}

/// A file link's query: the signed proof (`doc`, `exp`, `sig`) and the page's language.
#[derive(Debug, Deserialize)]
pub(crate) struct FileQuery {
    lang: Option<String>,
    doc: Option<String>,
    exp: Option<i64>,
    sig: Option<String>,
}

impl FileQuery {
    /// The link's proof, when it has all of one.
    fn proof(&self) -> Option<crate::service::LinkProof> {
        Some(crate::service::LinkProof { doc: self.doc.clone()?, exp: self.exp?, sig: self.sig.clone()? })
    }
}

/// A signed-in reader's view of an attached file, whole (`/attachments/{hash}`), or its thumbnail
/// (`/attachments/{hash}/thumb`), through a link a page signed (the record it is read through,
/// for a day); a bare hash, an expired or altered link, or a viewer who may not read the record
/// gets the page of a file that does not exist.
pub(crate) async fn attachment(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(hash): Path<String>,
    WebQuery(q): WebQuery<FileQuery>,
) -> Response {
    let lang = lang_of(q.lang.as_deref());
    let out = with_session(&state, &headers, move |storage, s| {
        let doc = storage.check_file_link(&hash, q.proof().as_ref())?;
        let (row, whole) = storage.read_whole_file(&s.user, &hash, Some(&doc))?;
        Ok((row.mime, whole))
    })
    .await;
    match out {
        Ok((_, (mime, bytes))) => files_response(mime, bytes),
        Err(e) => error_page(lang, e),
    }
}

pub(crate) async fn thumbnail(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(hash): Path<String>,
    WebQuery(q): WebQuery<FileQuery>,
) -> Response {
    let lang = lang_of(q.lang.as_deref());
    let out = with_session(&state, &headers, move |storage, s| {
        let doc = storage.check_file_link(&hash, q.proof().as_ref())?;
        storage.thumbnail(&s.user, &hash, Some(&doc))
    })
    .await;
    match out {
        Ok((_, bytes)) => files_response("image/jpeg".into(), bytes),
        Err(e) => error_page(lang, e),
    }
}

/// A file as the browser gets it: its type, never sniffed into something else, and inline (a
/// PDF opens in the browser).
fn files_response(mime: String, bytes: Vec<u8>) -> Response {
    use axum::http::header;
    ([(header::CONTENT_TYPE, mime), (header::CONTENT_DISPOSITION, "inline".to_string())], bytes).into_response()
}
