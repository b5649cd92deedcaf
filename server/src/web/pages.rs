//! HTML pages (maud: every interpolated value is escaped).

use fieldreport_core::doc::Report;
use fieldreport_core::kpi::{format_value, Status};
use fieldreport_core::period::Calendar;
use fieldreport_core::report::{BlockData, Lang};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::labels::{keep, t};
use crate::figures::{Alert, KpiRow, Snapshot, Submission};
use crate::model::{InboxItem, User};

const STYLE: &str = "body{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;margin:0;color:#222}
header{background:#1d4e89;color:#fff;padding:.6em 1em;display:flex;gap:1.2em;align-items:center}
header a{color:#fff}main{padding:1em;max-width:70em}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}.unread{font-weight:bold}
.green{color:#1a7f37}.yellow{color:#9a6700}.red{color:#cf222e}textarea{width:100%;min-height:5em}
.comment{border-left:3px solid #1d4e89;padding-left:.6em;margin:.6em 0}pre{white-space:pre-wrap;font-family:inherit}";

fn time(cal: &Calendar, ms: i64) -> String {
    cal.local_datetime(ms).format("%Y-%m-%d %H:%M").to_string()
}

/// The page frame: title, navigation, language switch, sign-out form.
pub(crate) fn frame(lang: Lang, title: &str, user: Option<(&User, &str)>, body: Markup) -> Markup {
    let other = match lang {
        Lang::ZhCn => ("?lang=en", "English"),
        Lang::En => ("?", "中文"),
    };
    html! {
        (DOCTYPE)
        html lang=(lang.as_str()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · fieldreport" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    strong { "fieldreport" }
                    @if let Some((u, csrf)) = user {
                        a href={ "/" (keep(lang)) } { (t(lang, "收件箱", "Inbox")) }
                        a href={ "/kpi" (keep(lang)) } { (t(lang, "指标", "KPIs")) }
                        span { (u.name) }
                        form method="post" action={ "/logout" (keep(lang)) } {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" { (t(lang, "退出", "Sign out")) }
                        }
                    }
                    a href=(other.0) { (other.1) }
                }
                main { h1 { (title) } (body) }
            }
        }
    }
}

/// The sign-in page of a one-time link.
pub(crate) fn login(lang: Lang, token: &str, query: &str) -> Markup {
    html! {
        p { (t(lang, "这个链接只能用一次，15 分钟内有效。", "This link works once, within 15 minutes.")) }
        form method="post" action={ "/login/" (token) (query) } {
            button type="submit" id="sign-in" { (t(lang, "登录 fieldreport", "Sign in to fieldreport")) }
        }
    }
}

/// An error page body.
pub(crate) fn message(text: &str) -> Markup {
    html! { p { (text) } }
}

pub(crate) fn inbox(lang: Lang, cal: &Calendar, items: &[InboxItem]) -> Markup {
    html! {
        @if items.is_empty() {
            p { (t(lang, "还没有发给你的汇报。", "No reports addressed to you yet.")) }
        } @else {
            table {
                tr {
                    th { (t(lang, "状态", "State")) } th { (t(lang, "作者", "Author")) }
                    th { (t(lang, "类型", "Kind")) } th { (t(lang, "期间", "Period")) } th { (t(lang, "提交时间", "Submitted")) }
                }
                @for i in items {
                    tr class=[i.read_at.is_none().then_some("unread")] {
                        td { @if i.read_at.is_some() { (t(lang, "已读", "read")) } @else { (t(lang, "未读", "unread")) } }
                        td { (i.owner_name) }
                        td { (i.kind) }
                        td { a href={ "/reports/" (i.id) (keep(lang)) } { (i.first) " ~ " (i.last) } }
                        td { (i.submitted_at.map(|t| time(cal, t)).unwrap_or_default()) }
                    }
                }
            }
        }
    }
}

fn status_class(s: Option<Status>) -> Option<&'static str> {
    s.map(|s| match s {
        Status::Green => "green",
        Status::Yellow => "yellow",
        Status::Red => "red",
    })
}

/// A report: sections as text, blocks as tables, comments, and the comment form.
pub(crate) fn report(lang: Lang, cal: &Calendar, r: &Report, names: &dyn Fn(&str) -> String, csrf: &str) -> Markup {
    html! {
        p { (names(&r.header.owner)) " · " (r.first) " ~ " (r.last) " · " (r.status.as_str()) }
        @for s in &r.sections {
            h2 { (s.title) }
            pre { (s.text) }
            @for b in r.blocks.iter().filter(|b| b.section == s.key) {
                @match &b.data {
                    BlockData::Followups { groups } => {
                        table {
                            tr { th { (t(lang, "客户", "Customer")) } th { (t(lang, "时间", "When")) } th { (t(lang, "方式", "Kind")) } th { (t(lang, "内容", "Note")) } th { (t(lang, "下一步", "Next step")) } }
                            @for g in groups { @for i in &g.items {
                                tr { td { (g.customer_name) } td { (time(cal, i.occurred_at)) } td { (i.kind) } td { (i.note) } td { (i.next_step) } }
                            } }
                        }
                    }
                    BlockData::Kpis { rows, .. } => {
                        table {
                            tr { th { (t(lang, "指标", "Metric")) } th { (t(lang, "数值", "Value")) } th { (t(lang, "目标", "Target")) } th { (t(lang, "达成", "Achievement")) } }
                            @for k in rows {
                                tr class=[status_class(k.status)] {
                                    td { (lang.pick(&k.name_zh, &k.name_en)) } td { (format_value(&k.unit, k.value)) }
                                    td { (k.target.map(|v| format_value(&k.unit, v)).unwrap_or_default()) }
                                    td { (k.achievement.map(|a| format!("{:.0}%", a * 100.0)).unwrap_or_default()) }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (t(lang, "批注", "Comments")) }
        @for c in &r.comments {
            div.comment { strong { (names(&c.author)) } " · " (time(cal, c.at)) pre { (c.text) } }
        }
        form method="post" action={ "/reports/" (r.header.id) "/comments" (keep(lang)) } {
            input type="hidden" name="csrf" value=(csrf);
            textarea name="text" required maxlength="2000" {}
            button type="submit" { (t(lang, "发表批注", "Post comment")) }
        }
    }
}

/// A horizontal bar per member: value against the pro-rated target, coloured by status.
fn bars(lang: Lang, rows: &[&KpiRow], names: &dyn Fn(&str) -> String) -> Markup {
    let max = rows.iter().map(|r| r.value.max(r.target.unwrap_or(0.0))).fold(1.0f64, f64::max);
    let h = 22 * rows.len() + 10;
    html! {
        svg width="640" height=(h) role="img" aria-label=(t(lang, "完成与目标", "Value against target")) xmlns="http://www.w3.org/2000/svg" {
            @for (i, r) in rows.iter().enumerate() {
                @let y = 5 + 22 * i;
                @let w = (r.value / max * 400.0).round();
                @let color = match r.status { Some(Status::Green) => "#1a7f37", Some(Status::Yellow) => "#d4a72c", Some(Status::Red) => "#cf222e", None => "#1d4e89" };
                text x="0" y=(y + 14) font-size="12" { (r.user_id.as_deref().map(names).unwrap_or_default()) }
                rect x="130" y=(y) width=(w) height="16" fill=(color) {}
                @if let Some(tg) = r.target {
                    line x1=(130.0 + (tg / max * 400.0).round()) x2=(130.0 + (tg / max * 400.0).round()) y1=(y) y2=(y + 16) stroke="#000" stroke-width="2" {}
                }
                text x=(140.0 + w) y=(y + 13) font-size="12" { (r.display) }
            }
        }
    }
}

/// The funnel: per stage, the team's average conversion as a bar, and each member's as a tick.
fn funnel(lang: Lang, snap: &Snapshot, metrics: &[&str]) -> Markup {
    let stages: Vec<&str> = metrics.iter().copied().filter(|m| m.starts_with("conversion_")).collect();
    let h = 26 * stages.len() + 10;
    html! {
        svg width="640" height=(h) role="img" aria-label=(t(lang, "漏斗转化", "Funnel conversion")) xmlns="http://www.w3.org/2000/svg" {
            @for (i, m) in stages.iter().enumerate() {
                @let y = 5 + 26 * i;
                @let team = snap.rows.iter().find(|r| r.metric == *m && r.user_id.is_none());
                text x="0" y=(y + 14) font-size="12" { (team.map(|r| lang.pick(&r.name_zh, &r.name_en)).unwrap_or(m)) }
                @if let Some(r) = team {
                    rect x="150" y=(y) width=((r.value.clamp(0.0, 1.0) * 400.0).round()) height="18" fill="#9ecae1" {}
                    text x="560" y=(y + 14) font-size="12" { (r.display) }
                }
                @for r in snap.rows.iter().filter(|r| r.metric == *m && r.user_id.is_some()) {
                    @let x = 150.0 + (r.value.clamp(0.0, 1.0) * 400.0).round();
                    line x1=(x) x2=(x) y1=(y) y2=(y + 18) stroke="#1d4e89" stroke-width="2" {}
                }
            }
        }
    }
}

/// Per metric, the team's value per week (week start, value), oldest first.
pub(crate) type Trend = Vec<(String, Vec<(chrono::NaiveDate, f64)>)>;

/// A line of the team's weekly values.
fn trend_chart(lang: Lang, points: &[(chrono::NaiveDate, f64)]) -> Markup {
    let max = points.iter().map(|p| p.1).fold(1.0f64, f64::max);
    let (w, h) = (320.0, 80.0);
    let step = if points.len() > 1 { (w - 20.0) / (points.len() - 1) as f64 } else { 0.0 };
    let xy: Vec<(f64, f64)> =
        points.iter().enumerate().map(|(i, p)| (10.0 + step * i as f64, h - 15.0 - p.1 / max * (h - 25.0))).collect();
    let line: Vec<String> = xy.iter().map(|(x, y)| format!("{x:.0},{y:.0}")).collect();
    html! {
        svg width=(w) height=(h) role="img" aria-label=(t(lang, "最近几周趋势", "Trend over recent weeks")) xmlns="http://www.w3.org/2000/svg" {
            polyline points=(line.join(" ")) fill="none" stroke="#1d4e89" stroke-width="2" {}
            @for ((x, y), p) in xy.iter().zip(points) {
                circle cx=(format!("{x:.0}")) cy=(format!("{y:.0}")) r="3" fill="#1d4e89" { title { (p.0) ": " (p.1) } }
            }
            @if let (Some(a), Some(b)) = (points.first(), points.last()) {
                text x="10" y=(h - 2.0) font-size="10" { (a.0.format("%m-%d")) }
                text x=(w - 45.0) y=(h - 2.0) font-size="10" { (b.0.format("%m-%d")) }
            }
        }
    }
}

/// The KPI page: per metric a bar chart of members against targets and the team's weekly trend,
/// the funnel conversions beside the team's average, submission statistics and alerts.
pub(crate) fn kpi(
    lang: Lang,
    snap: &Snapshot,
    subs: &[Submission],
    alerts: &[Alert],
    trend: &Trend,
    names: &dyn Fn(&str) -> String,
) -> Markup {
    let mut metrics: Vec<&str> = Vec::new();
    for r in &snap.rows {
        if !metrics.contains(&r.metric.as_str()) {
            metrics.push(&r.metric);
        }
    }
    html! {
        p {
            (snap.first) " ~ " (snap.last) " · "
            @for (p, zh, en) in [("this-week", "本周", "This week"), ("this-month", "本月", "This month"), ("last-month", "上月", "Last month"), ("this-quarter", "本季度", "This quarter")] {
                a href={ "/kpi?period=" (p) @if lang == Lang::En { "&lang=en" } } { (t(lang, zh, en)) } " "
            }
        }
        @for m in metrics.iter().filter(|m| !m.starts_with("conversion_")) {
            @let rows: Vec<&KpiRow> = snap.rows.iter().filter(|r| r.metric == *m && r.user_id.is_some()).collect();
            @if let Some(first) = rows.first() {
                h2 { (lang.pick(&first.name_zh, &first.name_en)) }
                (bars(lang, &rows, names))
                @if let Some((_, points)) = trend.iter().find(|(tm, _)| tm == m) {
                    div { small { (t(lang, "团队近 8 周", "Team, last 8 weeks")) } br; (trend_chart(lang, points)) }
                }
            }
        }
        h2 { (t(lang, "漏斗转化（团队平均）", "Funnel conversion (team average)")) }
        (funnel(lang, snap, &metrics))
        table {
            tr { th { (t(lang, "阶段", "Stage")) } th { (t(lang, "团队", "Team")) }
                @for u in snap.completeness.iter() { th { (u.name) } } }
            @for m in metrics.iter().filter(|m| m.starts_with("conversion_")) {
                tr {
                    @let team = snap.rows.iter().find(|r| r.metric == *m && r.user_id.is_none());
                    td { (team.map(|r| lang.pick(&r.name_zh, &r.name_en)).unwrap_or(m)) }
                    td { (team.map(|r| r.display.as_str()).unwrap_or("")) }
                    @for u in snap.completeness.iter() {
                        td { (snap.rows.iter().find(|r| r.metric == *m && r.user_id.as_deref() == Some(u.user_id.as_str())).map(|r| r.display.as_str()).unwrap_or("")) }
                    }
                }
            }
        }
        h2 { (t(lang, "汇报提交", "Report submissions")) }
        table {
            tr { th { (t(lang, "成员", "Member")) } th { (t(lang, "按时", "On time")) } th { (t(lang, "迟交", "Late")) } th { (t(lang, "未交", "Missing")) } th { (t(lang, "未到期", "Pending")) } }
            @for s in subs { tr { td { (s.name) } td { (s.on_time) } td { (s.late) } td { (s.missing) } td { (s.pending) } } }
        }
        h2 { (t(lang, "预警", "Alerts")) }
        @if alerts.is_empty() { p { (t(lang, "没有预警。", "No alerts.")) } }
        ul { @for a in alerts { li { strong { (names(&a.user_id)) } " · " (a.kind) " · " (a.message) } } }
    }
}
