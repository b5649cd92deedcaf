//! The KPI page: per metric a bar chart of members against their targets and the team's weekly
//! trend; the funnel conversions beside the team's average; report submissions; alerts. Every
//! figure, tooltip included, in its unit as people read it (¥ with separators, %).

use fieldreport_protocol::codes::SubmissionStatus;
use fieldreport_protocol::doc::PlanStatus;
use fieldreport_protocol::period::Period;
use fieldreport_protocol::report::{label_of, Label, Lang, Names};
use fieldreport_protocol::team::alert_text;
use maud::{html, Markup};

use super::report::status_class;
use super::scroll;
use crate::figures::{Alert, KpiRow, Snapshot, Submission};
use crate::web::labels::t;

/// Per metric, the team's value per week: (week start, value as people read it, value).
pub(crate) type Trend = Vec<(String, Vec<(chrono::NaiveDate, f64, String)>)>;

/// What the KPI page shows.
pub(crate) struct KpiPage<'a> {
    pub period: Period,
    pub snap: &'a Snapshot,
    pub subs: &'a [Submission],
    pub alerts: &'a [Alert],
    pub trend: &'a Trend,
    pub names: &'a Names,
    /// The phone numbers the viewer may see, by member id (`policy::visibility::may_see_phone`).
    pub phones: &'a std::collections::HashMap<String, String>,
    /// Customers' location changes in the viewer's team (newest first).
    pub moves: &'a [crate::store::db::LocationChange],
    /// The members' plans of the period, and the team's today (a plan before it not done is
    /// missed).
    pub plans: &'a [crate::store::db::PlanEntry],
    pub today: chrono::NaiveDate,
    /// The team's calendar (times in its zone).
    pub cal: &'a fieldreport_protocol::period::Calendar,
    /// The form token, and whether the viewer may nudge (a manager or an admin).
    pub csrf: &'a str,
    pub can_nudge: bool,
    /// The department the page is of (a head's or an admin's), as a scorecard above the rest.
    pub scorecard: Option<&'a super::Scorecard<'a>>,
}

/// Links that download exports of `period` (XLSX and CSV), with the page's access.
pub(crate) fn exports(lang: Lang, period: &str, dept: Option<&str>, what: &[(&str, &str, &str)]) -> Markup {
    let href = |w: &str, f: &str| {
        let mut q = format!("/export?what={w}&period={period}&format={f}");
        if let Some(d) = dept {
            q.push('&');
            q.push_str(&serde_urlencoded::to_string([("dept", d)]).unwrap_or_default());
        }
        if lang == Lang::En {
            q.push_str("&lang=en");
        }
        q
    };
    html! {
        p.exports {
            (t(lang, "导出：", "Export: "))
            @for (w, zh, en) in what {
                (lang.pick(zh, en)) " "
                a href=(href(w, "xlsx")) { "Excel" } " / "
                a href=(href(w, "csv")) { "CSV" } " · "
            }
        }
    }
}

/// 催交 buttons for a member's reports that are missing (overdue, not submitted).
fn nudges(lang: Lang, p: &KpiPage, s: &Submission) -> Markup {
    html! {
        @for item in s.items.iter().filter(|i| i.status == SubmissionStatus::Missing).rev().take(3) {
            form.inline method="post" action={ "/nudges" (crate::web::labels::keep(lang)) } {
                input type="hidden" name="csrf" value=(p.csrf);
                input type="hidden" name="user" value=(s.user_id);
                input type="hidden" name="kind" value=(item.kind);
                input type="hidden" name="period" value=(item.last);
                button type="submit" { (t(lang, "催交", "Nudge")) " " (label_of(&item.kind, lang)) " " (item.last.format("%m-%d")) }
            }
        }
    }
}

/// A horizontal bar per member: value against the pro-rated target (a tick), coloured by status.
/// 320 px wide, drawn at its own size (text 12 px) in a box that scrolls if a phone is narrower.
fn bars(lang: Lang, rows: &[&KpiRow], names: &Names) -> Markup {
    let max = rows.iter().map(|r| r.value.max(r.target.unwrap_or(0.0))).fold(1.0f64, f64::max);
    let h = 22 * rows.len() + 10;
    html! {
        div.chart { svg width="320" height=(h) viewBox={ "0 0 320 " (h) } role="img" aria-label=(t(lang, "完成与目标", "Value against target")) xmlns="http://www.w3.org/2000/svg" {
            @for (i, r) in rows.iter().enumerate() {
                @let y = 5 + 22 * i;
                @let w = (r.value / max * 130.0).round();
                @let color = match r.status { Some(fieldreport_protocol::kpi::Status::Green) => "#1a7f37", Some(fieldreport_protocol::kpi::Status::Yellow) => "#d4a72c", Some(fieldreport_protocol::kpi::Status::Red) => "#cf222e", None => "#1d4e89" };
                @let who = r.user_id.as_deref().map(|u| names.of(u)).unwrap_or_default();
                g {
                    title {
                        (who) "：" (r.display)
                        @if let Some(tg) = &r.target_display { " / " (t(lang, "目标 ", "target ")) (tg) }
                    }
                    text x="0" y=(y + 14) font-size="12" { (who) }
                    rect x="84" y=(y) width=(w) height="16" fill=(color) {}
                    @if let Some(tg) = r.target {
                        line x1=(84.0 + (tg / max * 130.0).round()) x2=(84.0 + (tg / max * 130.0).round()) y1=(y) y2=(y + 16) stroke="#000" stroke-width="2" {}
                    }
                    text x=(89.0 + w) y=(y + 13) font-size="12" { (r.display) }
                }
            }
        } }
    }
}

/// The funnel: per stage, the team's average conversion as a bar, and each member's as a tick.
fn funnel(lang: Lang, snap: &Snapshot, metrics: &[&str], names: &Names) -> Markup {
    let stages: Vec<&str> = metrics.iter().copied().filter(|m| m.starts_with("conversion_")).collect();
    let h = 26 * stages.len() + 10;
    html! {
        div.chart { svg width="320" height=(h) viewBox={ "0 0 320 " (h) } role="img" aria-label=(t(lang, "漏斗转化", "Funnel conversion")) xmlns="http://www.w3.org/2000/svg" {
            @for (i, m) in stages.iter().enumerate() {
                @let y = 5 + 26 * i;
                @let team = snap.rows.iter().find(|r| r.metric == *m && r.user_id.is_none());
                text x="0" y=(y + 14) font-size="12" { (team.map(|r| lang.pick(&r.name_zh, &r.name_en)).unwrap_or(m)) }
                @if let Some(r) = team {
                    rect x="120" y=(y) width=((r.value.clamp(0.0, 1.0) * 140.0).round()) height="18" fill="#9ecae1" {
                        title { (t(lang, "团队平均 ", "team average ")) (r.display) }
                    }
                    text x="268" y=(y + 14) font-size="12" { (r.display) }
                }
                @for r in snap.rows.iter().filter(|r| r.metric == *m && r.user_id.is_some()) {
                    @let x = 120.0 + (r.value.clamp(0.0, 1.0) * 140.0).round();
                    line x1=(x) x2=(x) y1=(y) y2=(y + 18) stroke="#1d4e89" stroke-width="2" {
                        title { (r.user_id.as_deref().map(|u| names.of(u)).unwrap_or_default()) "：" (r.display) }
                    }
                }
            }
        } }
    }
}

/// A line of the team's weekly values.
fn trend_chart(lang: Lang, points: &[(chrono::NaiveDate, f64, String)]) -> Markup {
    let max = points.iter().map(|p| p.1).fold(1.0f64, f64::max);
    let (w, h) = (320.0, 80.0);
    let step = if points.len() > 1 { (w - 20.0) / (points.len() - 1) as f64 } else { 0.0 };
    let xy: Vec<(f64, f64)> =
        points.iter().enumerate().map(|(i, p)| (10.0 + step * i as f64, h - 15.0 - p.1 / max * (h - 25.0))).collect();
    let line: Vec<String> = xy.iter().map(|(x, y)| format!("{x:.0},{y:.0}")).collect();
    html! {
        div.chart { svg width=(w) height=(h) viewBox={ "0 0 " (w) " " (h) } role="img" aria-label=(t(lang, "最近几周趋势", "Trend over recent weeks")) xmlns="http://www.w3.org/2000/svg" {
            polyline points=(line.join(" ")) fill="none" stroke="#1d4e89" stroke-width="2" {}
            @for ((x, y), p) in xy.iter().zip(points) {
                circle cx=(format!("{x:.0}")) cy=(format!("{y:.0}")) r="3" fill="#1d4e89" { title { (p.0) "：" (p.2) } }
            }
            @if let (Some(a), Some(b)) = (points.first(), points.last()) {
                text x="10" y=(h - 2.0) font-size="12" { (a.0.format("%m-%d")) }
                text x=(w - 45.0) y=(h - 2.0) font-size="12" { (b.0.format("%m-%d")) }
            }
        } }
    }
}

/// The periods the page links to, and a form for any range.
fn periods(lang: Lang, current: Period, snap: &Snapshot, dept: Option<&str>) -> Markup {
    let custom = matches!(current, Period::Custom { .. });
    let href = |p: &str| match dept {
        Some(d) => super::scorecard::dept_href(lang, d, p),
        None => format!("/kpi?period={p}{}", if lang == Lang::En { "&lang=en" } else { "" }),
    };
    html! {
        p {
            (snap.first) " ~ " (snap.last) " · "
            @for (p, zh, en) in [("this-week", "本周", "This week"), ("last-week", "上周", "Last week"), ("this-month", "本月", "This month"), ("last-month", "上月", "Last month"), ("this-quarter", "本季度", "This quarter")] {
                @if current.to_string() == p { strong { (t(lang, zh, en)) } " " }
                @else { a href=(href(p)) { (t(lang, zh, en)) } " " }
            }
        }
        form.filters method="get" action="/kpi" {
            @if lang == Lang::En { input type="hidden" name="lang" value="en"; }
            @if let Some(d) = dept { input type="hidden" name="dept" value=(d); }
            label { (t(lang, "从", "From")) input type="date" name="from" required value=[custom.then(|| snap.first.to_string())]; }
            label { (t(lang, "到", "To")) input type="date" name="to" required value=[custom.then(|| snap.last.to_string())]; }
            button type="submit" { (t(lang, "查看这段时间", "Show this range")) }
        }
    }
}

pub(crate) fn kpi(lang: Lang, p: &KpiPage) -> Markup {
    let snap = p.snap;
    let mut metrics: Vec<&str> = Vec::new();
    for r in &snap.rows {
        if !metrics.contains(&r.metric.as_str()) {
            metrics.push(&r.metric);
        }
    }
    let dept = p.scorecard.map(|c| c.figures.dept.id.as_str());
    html! {
        (periods(lang, p.period, snap, dept))
        @if let Some(c) = p.scorecard { (super::scorecard::scorecard(lang, c)) }
        (exports(lang, &p.period.to_string(), dept, &[("submissions", "提交统计", "Submissions"), ("kpi", "指标", "KPIs"), ("visits", "拜访", "Visits"), ("reports", "汇报", "Reports")]))
        @for m in metrics.iter().filter(|m| !m.starts_with("conversion_")) {
            @let rows: Vec<&KpiRow> = snap.rows.iter().filter(|r| r.metric == *m && r.user_id.is_some()).collect();
            @if let Some(first) = snap.rows.iter().find(|r| r.metric == *m) {
                h2 { (lang.pick(&first.name_zh, &first.name_en)) }
                @if !rows.is_empty() {
                    @if let Some(c) = p.scorecard { small.muted { (c.figures.dept.name) " · " (t(lang, "本部门成员", "the department's own members")) } }
                    (bars(lang, &rows, p.names))
                }
                @if let Some((_, points)) = p.trend.iter().find(|(tm, _)| tm == m) {
                    div {
                        small {
                            @if let Some(c) = p.scorecard { (c.figures.dept.name) (t(lang, "（含下级部门）近 8 周", " (with its sub-departments), last 8 weeks")) }
                            @else { (t(lang, "团队近 8 周", "Team, last 8 weeks")) }
                        }
                        br; (trend_chart(lang, points))
                    }
                }
            }
        }
        h2 { (t(lang, "漏斗转化（团队平均）", "Funnel conversion (team average)")) }
        (funnel(lang, snap, &metrics, p.names))
        (scroll(html! { table {
            tr { th { (t(lang, "阶段", "Stage")) } th { (t(lang, "团队", "Team")) }
                @for u in snap.completeness.iter() { th { (u.name) } } }
            @for m in metrics.iter().filter(|m| m.starts_with("conversion_")) {
                tr {
                    @let team = snap.rows.iter().find(|r| r.metric == *m && r.user_id.is_none());
                    td { (team.map(|r| lang.pick(&r.name_zh, &r.name_en)).unwrap_or(m)) }
                    td { (team.map(|r| r.display.as_str()).unwrap_or("")) }
                    @for u in snap.completeness.iter() {
                        @let row = snap.rows.iter().find(|r| r.metric == *m && r.user_id.as_deref() == Some(u.user_id.as_str()));
                        td class=[row.and_then(|r| status_class(r.status))] { (row.map(|r| r.display.as_str()).unwrap_or("")) }
                    }
                }
            }
        } }))
        (plans(lang, p))
        h2 { (t(lang, "汇报提交", "Report submissions")) " " small { (snap.first) " ~ " (snap.last) } }
        (scroll(html! { table {
            tr {
                th { (t(lang, "成员", "Member")) } th { (t(lang, "按时", "On time")) } th { (t(lang, "迟交", "Late")) } th { (t(lang, "未交", "Missing")) } th { (t(lang, "未到期", "Pending")) }
                @if p.can_nudge { th { (t(lang, "催交", "Nudge")) } }
            }
            @for s in p.subs {
                tr {
                    td {
                        (s.name)
                        @if let Some(phone) = p.phones.get(&s.user_id) { " " a.phone href={ "tel:" (phone) } { (phone) } }
                    }
                    td { (s.on_time) } td { (s.late) } td { (s.missing) } td { (s.pending) }
                    @if p.can_nudge { td { (nudges(lang, p, s)) } }
                }
            }
        } }))
        h2 { (t(lang, "预警", "Alerts")) }
        @if p.alerts.is_empty() { p { (t(lang, "没有预警。", "No alerts.")) } }
        ul { @for a in p.alerts { li { (alert_text(a, lang, p.names)) } } }
        @if !p.moves.is_empty() {
            h2 { (t(lang, "客户位置变更（近 30 天）", "Customer location changes (last 30 days)")) }
            ul { @for m in p.moves { li { (move_text(lang, m, p.names, p.cal)) } } }
        }
    }
}

/// Most plans listed one by one (the counts per member cover all of them).
const PLANS_LISTED: usize = 200;

/// The period's plans: per member how many were planned, done, missed (their day is over) and
/// still ahead, then each plan with its state.
fn plans(lang: Lang, p: &KpiPage) -> Markup {
    let missed = |e: &crate::store::db::PlanEntry| e.status == "planned" && e.on < p.today.to_string();
    let state = |e: &crate::store::db::PlanEntry| match PlanStatus::parse(&e.status) {
        _ if missed(e) => t(lang, "未完成", "missed"),
        Some(s) => s.label(lang),
        None => t(lang, "待拜访", "ahead"),
    };
    let mut owners: Vec<&str> = Vec::new();
    for e in p.plans {
        if !owners.contains(&e.owner.as_str()) {
            owners.push(&e.owner);
        }
    }
    html! {
        h2 #plans { (t(lang, "拜访计划", "Visit plans")) " " small { (p.snap.first) " ~ " (p.snap.last) } }
        @if p.plans.is_empty() {
            p.muted { (t(lang, "本期没有拜访计划。", "No visits were planned in this period.")) }
        } @else {
            (scroll(html! { table {
                tr {
                    th { (t(lang, "成员", "Member")) } th { (t(lang, "计划", "Planned")) } th { (t(lang, "已完成", "Done")) }
                    th { (t(lang, "未完成", "Missed")) } th { (t(lang, "待拜访", "Ahead")) }
                }
                @for o in &owners {
                    @let mine: Vec<_> = p.plans.iter().filter(|e| e.owner == *o && e.status != "cancelled").collect();
                    @let missed_n = mine.iter().filter(|e| missed(e)).count();
                    tr {
                        td { (p.names.of(o)) }
                        td { (mine.len()) }
                        td { (mine.iter().filter(|e| e.status == "done").count()) }
                        td class=[(missed_n > 0).then_some("red")] { (missed_n) }
                        td { (mine.iter().filter(|e| e.status == "planned" && !missed(e)).count()) }
                    }
                }
            } }))
            (scroll(html! { table.lines {
                tr {
                    th { (t(lang, "成员", "Member")) } th { (t(lang, "日期", "Day")) } th { (t(lang, "客户", "Customer")) }
                    th { (t(lang, "目的", "Purpose")) } th { (t(lang, "状态", "State")) }
                }
                @for e in p.plans.iter().take(PLANS_LISTED) {
                    tr {
                        td { (p.names.of(&e.owner)) }
                        td { (e.on) @if let Some(at) = &e.at { " " (at) } }
                        td { (e.customer_name) }
                        td { (e.purpose) }
                        td class=[missed(e).then_some("red")] { (state(e)) }
                    }
                }
            } }))
            @if p.plans.len() > PLANS_LISTED {
                p.muted { (t(lang, "仅列出前 200 条。", "The first 200 are listed.")) }
            }
        }
    }
}

/// One location change in words: who moved which customer, when, from where to where.
fn move_text(
    lang: Lang,
    m: &crate::store::db::LocationChange,
    names: &Names,
    cal: &fieldreport_protocol::period::Calendar,
) -> String {
    let place =
        |p: Option<(f64, f64)>| p.map_or_else(|| t(lang, "无", "none").to_string(), |(a, b)| format!("{a:.5}, {b:.5}"));
    let moved = match (m.from, m.to) {
        (Some(a), Some(b)) => {
            format!(" ({})", fieldreport_protocol::doc::display_distance(fieldreport_protocol::doc::distance_m(a, b)))
        }
        _ => String::new(),
    };
    let at = cal.local_datetime(m.at).format("%m-%d %H:%M");
    match lang {
        Lang::ZhCn => format!(
            "{} {at} 把「{}」的位置从 {} 改为 {}{moved}",
            names.of(&m.by),
            m.customer_name,
            place(m.from),
            place(m.to)
        ),
        Lang::En => format!(
            "{} moved “{}” on {at} from {} to {}{moved}",
            names.of(&m.by),
            m.customer_name,
            place(m.from),
            place(m.to)
        ),
    }
}
