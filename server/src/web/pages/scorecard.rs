//! A department's scorecard, read at a glance: where it sits in the tree (each level above a
//! link when the viewer may open it), then a table whose rows are the department, each
//! sub-department (a link: drill down) and each of its own members, and whose columns are the
//! role's KPIs: the value, the target under it, and a red/yellow/green mark.

use fieldreport_protocol::kpi::Status;
use fieldreport_protocol::report::{Lang, Names};
use fieldreport_protocol::team::{DeptTree, Figure};
use maud::{html, Markup};

use super::scroll;
use crate::figures::DeptFigures;
use crate::web::labels::t;

/// What the scorecard shows.
pub(crate) struct Scorecard<'a> {
    pub figures: &'a DeptFigures,
    pub tree: &'a DeptTree,
    pub names: &'a Names,
    /// The departments whose pages the viewer may open (theirs and below, or all for an admin).
    pub readable: &'a dyn Fn(&str) -> bool,
    /// The page's period, kept by the links.
    pub period: &'a str,
}

/// `/kpi?dept=ID&period=P` (and the language).
pub(crate) fn dept_href(lang: Lang, dept: &str, period: &str) -> String {
    let mut q: Vec<(&str, &str)> = vec![("dept", dept), ("period", period)];
    if lang == Lang::En {
        q.push(("lang", "en"));
    }
    format!("/kpi?{}", serde_urlencoded::to_string(q).unwrap_or_default())
}

fn mark(status: Option<Status>, lang: Lang) -> Markup {
    let (class, zh, en) = match status {
        Some(Status::Green) => ("green", "达标", "on track"),
        Some(Status::Yellow) => ("yellow", "接近", "close"),
        Some(Status::Red) => ("red", "落后", "behind"),
        None => return html! {},
    };
    html! { span.mark.(class) title=(t(lang, zh, en)) aria-label=(t(lang, zh, en)) { "●" } }
}

fn cell(f: &Figure, lang: Lang) -> Markup {
    html! {
        td.num {
            @if f.base == Some(0.0) { span.muted title=(t(lang, "没有可计算的基数", "nothing to compute it from")) { "—" } }
            @else { (mark(f.status, lang)) " " (f.display) }
            @if let Some(tg) = &f.target_display { br; small.muted { (t(lang, "目标 ", "target ")) (tg) } }
        }
    }
}

/// The scorecard of one department.
pub(crate) fn scorecard(lang: Lang, c: &Scorecard) -> Markup {
    let f = c.figures;
    let d = &f.dept;
    let metrics: Vec<&Figure> = f
        .rows
        .iter()
        .filter(|r| r.dept_id == d.id && r.figure.user_id.is_none() && !r.figure.metric.starts_with("conversion_"))
        .map(|r| &r.figure)
        .collect();
    let row_of = |dept: &str, user: Option<&str>| -> Vec<&Figure> {
        metrics
            .iter()
            .filter_map(|m| {
                f.rows
                    .iter()
                    .find(|r| r.dept_id == dept && r.figure.user_id.as_deref() == user && r.figure.metric == m.metric)
                    .map(|r| &r.figure)
            })
            .collect()
    };
    let mut path = c.tree.up(&d.id);
    path.reverse();
    let children = c.tree.children(&d.id);
    let mut own: Vec<&str> = f
        .rows
        .iter()
        .filter(|r| r.member_of.as_deref() == Some(d.id.as_str()))
        .filter_map(|r| r.figure.user_id.as_deref())
        .collect();
    own.dedup();
    html! {
        nav.crumbs aria-label=(t(lang, "部门层级", "Department path")) {
            @for (i, x) in path.iter().enumerate() {
                @if i > 0 { " / " }
                @if x.id == d.id { strong { (x.name) } }
                @else if (c.readable)(&x.id) { a href=(dept_href(lang, &x.id, c.period)) { (x.name) } }
                @else { (x.name) }
            }
        }
        h2 id="scorecard" { (t(lang, "部门记分卡", "Department scorecard")) " " small.muted { (f.first) " ~ " (f.last) } }
        (scroll(html! { table.scorecard {
            tr {
                th { (t(lang, "部门 / 成员", "Department / member")) }
                @for m in &metrics { th { (lang.pick(&m.name_zh, &m.name_en)) } }
            }
            tr.total {
                th { (d.name) " " small.muted { (t(lang, "合计", "total")) } }
                @for x in row_of(&d.id, None) { (cell(x, lang)) }
            }
            @for child in &children {
                tr {
                    th { a href=(dept_href(lang, &child.id, c.period)) { (child.name) } }
                    @for x in row_of(&child.id, None) { (cell(x, lang)) }
                }
            }
            @for u in &own {
                tr {
                    th.member { (c.names.of(u)) }
                    @for x in row_of(&d.id, Some(u)) { (cell(x, lang)) }
                }
            }
        } }))
        @if children.is_empty() && own.is_empty() { p.muted { (t(lang, "这个部门还没有成员。", "This department has no members yet.")) } }
    }
}
