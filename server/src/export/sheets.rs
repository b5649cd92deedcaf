//! The four exports' rows: columns, and the rows read a page at a time.

use std::collections::HashMap;

use fieldreport_protocol::doc::{distance_m, Doc, Followup, Kind, Record, Report};
use fieldreport_protocol::kpi::{KpiDef, Unit};
use fieldreport_protocol::money::decimals;
use fieldreport_protocol::period::Calendar;
use fieldreport_protocol::report::{label_of, Label, Lang};

use super::{Cell, Request, Sink, What};
use crate::error::Result;
use crate::figures::{self, Scope};
use crate::model::User;
use crate::now_ms;
use crate::policy::visibility::may_read_report;
use crate::service::views::{decode, VIEW_FORMAT};
use crate::service::Service;
use crate::store::db::{CustomerPlace, ExportRow};
use crate::store::Db;

/// Rows read per query: pages keep memory flat however many rows there are.
const PAGE: usize = 2_000;

pub(super) fn write(s: &Service, viewer: Option<&User>, req: &Request, sink: &mut dyn Sink) -> Result<usize> {
    let config = s.config()?;
    let cal = config.calendar()?;
    let scope = match &req.dept {
        Some(d) => Scope::of_dept_for(s, viewer, d)?,
        None => Scope::of(s, viewer, req.user.as_deref())?,
    };
    let now = now_ms();
    let l = req.lang;
    match req.what {
        What::Submissions => submissions(s, &config, &scope, req, now, sink),
        What::Kpi => kpi(s, &config, &scope, req, now, sink),
        What::Visits => {
            sink.header(&[
                l.pick("成员", "Member"),
                l.pick("客户", "Customer"),
                l.pick("时间", "Time"),
                l.pick("方式", "Kind"),
                l.pick("跟进记录", "Note"),
                l.pick("下一步", "Next step"),
                l.pick("签到距离（米）", "Check-in distance (m)"),
                l.pick("照片", "Photos"),
            ])?;
            let range = cal.resolve(req.period, now);
            let (from, until) = (range.start_ms, range.end_ms);
            let mut n = 0;
            for u in &scope.members {
                n += s.read_export(|db| visits(db, &cal, u, from, until, l, sink))?;
            }
            Ok(n)
        }
        What::Reports => {
            sink.header(&[
                l.pick("作者", "Author"),
                l.pick("类型", "Kind"),
                l.pick("周期开始", "From"),
                l.pick("周期结束", "To"),
                l.pick("状态", "Status"),
                l.pick("提交时间", "Submitted"),
                l.pick("内容", "Content"),
            ])?;
            let range = cal.resolve(req.period, now);
            let (first, last) = (range.first.to_string(), range.last.to_string());
            let mut n = 0;
            for u in &scope.members {
                n += s.read_export(|db| reports(db, &cal, viewer, u, &first, &last, l, sink))?;
            }
            Ok(n)
        }
    }
}

/// A record from its stored view (of the current format), else from its document.
fn record(db: &Db, kind: Kind, row: &ExportRow) -> Option<Record> {
    if let (Some(view), Some(VIEW_FORMAT)) = (&row.view, row.view_format) {
        if let Some(r) = decode(kind, view) {
            return Some(r);
        }
    }
    let stored = db.doc(&row.id).ok()??;
    Record::read(&Doc::load_trusted(&stored.bytes).ok()?).ok()
}

fn local(cal: &Calendar, ms: i64) -> Cell {
    Cell::Time(cal.local_datetime(ms))
}

fn visits(db: &Db, cal: &Calendar, u: &User, from: i64, until: i64, l: Lang, sink: &mut dyn Sink) -> Result<usize> {
    let mut n = 0;
    let mut after: Option<(i64, String)> = None;
    let mut places: HashMap<String, CustomerPlace> = HashMap::new();
    loop {
        let page = db.visits_page(&u.id, from, until, after.as_ref().map(|(a, i)| (*a, i.as_str())), PAGE)?;
        let Some(last) = page.last() else { break };
        after = Some((last.at.unwrap_or_default(), last.id.clone()));
        for row in &page {
            let Some(Record::Followup(f)) = record(db, Kind::Followup, row) else { continue };
            if !places.contains_key(&f.customer_id) {
                let place = db.customer_place(&f.customer_id)?.unwrap_or_default();
                if places.len() > 10_000 {
                    places.clear(); // a bounded cache
                }
                places.insert(f.customer_id.clone(), place);
            }
            let (name, lat, lon) = &places[&f.customer_id];
            // The distance measured when the check-in first met its customer's location.
            let measured = if f.checkin.is_some() { db.checkin_metres(&f.header.id)? } else { None };
            sink.row(&visit_cells(cal, u, &f, name, measured, lat.zip(*lon), l))?;
            n += 1;
        }
        if page.len() < PAGE {
            break;
        }
    }
    Ok(n)
}

fn visit_cells(
    cal: &Calendar,
    u: &User,
    f: &Followup,
    customer: &str,
    measured: Option<f64>,
    place: Option<(f64, f64)>,
    l: Lang,
) -> Vec<Cell> {
    let distance = match (&f.checkin, measured, place) {
        (Some(_), Some(m), _) => Cell::Number(m.round()),
        (Some(c), None, Some(p)) => Cell::Number(distance_m((c.lat, c.lon), p).round()),
        _ => Cell::Empty,
    };
    let photos = f.attachments.iter().filter(|a| a.mime.starts_with("image/")).count();
    vec![
        Cell::Text(u.name.clone()),
        Cell::Text(customer.to_string()),
        local(cal, f.occurred_at),
        Cell::Text(match l {
            Lang::ZhCn => f.kind.zh().to_string(),
            Lang::En => f.kind.as_str().to_string(),
        }),
        Cell::Text(f.note.clone()),
        Cell::Text(f.next_step.clone()),
        distance,
        if photos > 0 { Cell::Number(photos as f64) } else { Cell::Empty },
    ]
}

/// `u`'s reports of the period that `viewer` may read (`None`: the server's administration, all):
/// the dashboard's rule, so an export never holds a report its page would refuse.
#[allow(clippy::too_many_arguments)]
fn reports(
    db: &Db,
    cal: &Calendar,
    viewer: Option<&User>,
    u: &User,
    first: &str,
    last: &str,
    l: Lang,
    sink: &mut dyn Sink,
) -> Result<usize> {
    let mut n = 0;
    let mut after: Option<(String, String)> = None;
    loop {
        let page =
            db.reports_page(u.id.as_str(), first, last, after.as_ref().map(|(k, i)| (k.as_str(), i.as_str())), PAGE)?;
        let Some(end) = page.last() else { break };
        after = Some((end.key.clone(), end.id.clone()));
        for row in &page {
            let Some(Record::Report(r)) = record(db, Kind::Report, row) else { continue };
            if viewer.is_some_and(|v| !may_read_report(v, &r.header.owner, &r.recipients())) {
                continue;
            }
            sink.row(&report_cells(cal, u, &r, l))?;
            n += 1;
        }
        if page.len() < PAGE {
            break;
        }
    }
    Ok(n)
}

fn report_cells(cal: &Calendar, u: &User, r: &Report, l: Lang) -> Vec<Cell> {
    let text: Vec<String> = r
        .sections
        .iter()
        .filter(|s| !s.text.trim().is_empty())
        .map(|s| format!("【{}】{}", s.title, s.text.trim()))
        .collect();
    vec![
        Cell::Text(u.name.clone()),
        Cell::Text(label_of(r.kind.as_str(), l)),
        Cell::Date(r.first),
        Cell::Date(r.last),
        Cell::Text(r.status.label(l).to_string()),
        r.submitted_at.map_or(Cell::Empty, |t| local(cal, t)),
        Cell::Text(text.join("\n")),
    ]
}

fn submissions(
    s: &Service,
    config: &fieldreport_protocol::team::TeamConfig,
    scope: &Scope,
    req: &Request,
    now: i64,
    sink: &mut dyn Sink,
) -> Result<usize> {
    let l = req.lang;
    let cal = config.calendar()?;
    sink.header(&[
        l.pick("成员", "Member"),
        l.pick("汇报", "Report"),
        l.pick("周期结束", "Period end"),
        l.pick("截止时间", "Due"),
        l.pick("提交时间", "Submitted"),
        l.pick("状态", "Status"),
    ])?;
    let mut n = 0;
    for m in figures::submissions(s, config, scope, req.period, now)? {
        for i in &m.items {
            sink.row(&[
                Cell::Text(m.name.clone()),
                Cell::Text(label_of(&i.kind, l)),
                Cell::Date(i.last),
                local(&cal, i.due_at),
                i.submitted_at.map_or(Cell::Empty, |t| local(&cal, t)),
                Cell::Text(i.status.label(l).to_string()),
            ])?;
            n += 1;
        }
    }
    Ok(n)
}

/// A figure in its unit: counts as numbers, money in yuan, ratios as percentages.
fn figure(unit: Option<&Unit>, v: f64) -> Cell {
    match unit {
        Some(Unit::Money { currency }) => Cell::Money((v.round()) / 10f64.powi(decimals(currency) as i32)),
        Some(Unit::Ratio) => Cell::Percent(v),
        // A pro-rated target of a count reads with one decimal, as everywhere else (1.4, not
        // 1.4285714285714286).
        _ => Cell::Number((v * 10.0).round() / 10.0),
    }
}

fn kpi(
    s: &Service,
    config: &fieldreport_protocol::team::TeamConfig,
    scope: &Scope,
    req: &Request,
    now: i64,
    sink: &mut dyn Sink,
) -> Result<usize> {
    let l = req.lang;
    sink.header(&[
        l.pick("成员", "Member"),
        l.pick("指标", "Metric"),
        l.pick("数值", "Value"),
        l.pick("目标", "Target"),
        l.pick("完成率", "Achievement"),
        l.pick("状态", "Status"),
    ])?;
    let defs: Vec<KpiDef> = config.definitions();
    let unit = |metric: &str| defs.iter().find(|d| d.id == metric).map(|d| &d.unit);
    let names: HashMap<&str, &str> = scope.members.iter().map(|u| (u.id.as_str(), u.name.as_str())).collect();
    let snap = figures::snapshot(s, config, scope, req.period, now)?;
    let mut n = 0;
    for f in &snap.rows {
        let who = match &f.user_id {
            Some(id) => names.get(id.as_str()).copied().unwrap_or(id).to_string(),
            None => l.pick("团队", "Team").to_string(),
        };
        let status = f.status.map(|st| {
            let (zh, en) = match st {
                fieldreport_protocol::kpi::Status::Green => ("绿", "green"),
                fieldreport_protocol::kpi::Status::Yellow => ("黄", "yellow"),
                fieldreport_protocol::kpi::Status::Red => ("红", "red"),
            };
            l.pick(zh, en).to_string()
        });
        sink.row(&[
            Cell::Text(who),
            Cell::Text(l.pick(&f.name_zh, &f.name_en).to_string()),
            figure(unit(&f.metric), f.value),
            f.target.map_or(Cell::Empty, |t| figure(unit(&f.metric), t)),
            f.achievement.map_or(Cell::Empty, Cell::Percent),
            status.map_or(Cell::Empty, Cell::Text),
        ])?;
        n += 1;
    }
    Ok(n)
}
