//! A report: who wrote it and for whom (with each recipient's read state), its sections, its
//! blocks as captioned tables, its comments and the comment form.

use std::collections::{HashMap, HashSet};

use fieldreport_protocol::doc::{display_distance, Attachment, PlanStatus, Report, ReportStatus};
use fieldreport_protocol::kpi::{format_target, format_value, Status};
use fieldreport_protocol::period::{days_words, Calendar};
use fieldreport_protocol::report::{
    label_of, Block, BlockData, FigureSource, FollowupGroup, KpiRow, Label, Lang, Names, PlanItem,
};
use maud::{html, Markup};

use super::{scroll, time};
use crate::web::labels::{keep, t};

/// What the report page needs beside the report.
pub(crate) struct ReportPage<'a> {
    pub cal: &'a Calendar,
    pub names: &'a Names,
    /// Who read it, when.
    pub reads: &'a HashMap<String, i64>,
    /// The files the server holds whole (the others are still on their way).
    pub stored: &'a HashSet<String>,
    /// Each file's signed link query (`doc=…&exp=…&sig=…`): a bare hash opens nothing.
    pub links: &'a HashMap<String, String>,
    pub csrf: &'a str,
}

/// Every file the report shows: its own and its followups' photos.
pub(crate) fn files_of(r: &Report) -> Vec<String> {
    let mut out: Vec<String> = r.attachments.iter().map(|a| a.hash.clone()).collect();
    for b in &r.blocks {
        if let BlockData::Followups { groups } = &b.data {
            out.extend(
                groups.iter().flat_map(|g| g.items.iter().flat_map(|i| i.photos.iter().map(|p| p.hash.clone()))),
            );
        }
    }
    out
}

/// Thumbnails of `files` linking to the whole file; a file not uploaded yet says so.
fn photos(lang: Lang, files: &[&Attachment], stored: &HashSet<String>, links: &HashMap<String, String>) -> Markup {
    html! {
        div.photos {
            @for a in files {
                @let link = links.get(&a.hash);
                @if !stored.contains(&a.hash) || link.is_none() {
                    span.uploading title=(a.name) { (t(lang, "上传中…", "uploading…")) }
                } @else if a.is_image() && a.mime != "image/heic" && a.mime != "image/heif" {
                    a href={ "/attachments/" (a.hash) "?" (link.map_or("", |l| l.as_str())) } {
                        img src={ "/attachments/" (a.hash) "/thumb?" (link.map_or("", |l| l.as_str())) } alt=(a.name) loading="lazy";
                    }
                } @else {
                    a href={ "/attachments/" (a.hash) "?" (link.map_or("", |l| l.as_str())) } { (a.name) }
                }
            }
        }
    }
}

pub(crate) fn status_class(s: Option<Status>) -> Option<&'static str> {
    s.map(|s| match s {
        Status::Green => "green",
        Status::Yellow => "yellow",
        Status::Red => "red",
    })
}

/// What a block shows, over which days, as of when.
fn caption(lang: Lang, cal: &Calendar, b: &Block) -> String {
    let what = match &b.data {
        BlockData::Followups { .. } => t(lang, "跟进记录", "Followups").to_string(),
        BlockData::Plan { .. } => t(lang, "拜访计划", "Planned visits").to_string(),
        BlockData::Kpis { source, .. } => format!(
            "{}（{}）",
            t(lang, "关键指标", "Key figures"),
            if *source == FigureSource::Server {
                t(lang, "服务器汇总", "from the server")
            } else {
                t(lang, "设备计算", "computed on the device")
            }
        ),
    };
    format!("{what} · {} · {} {}", days_words(b.first, b.last), t(lang, "截至", "as of"), time(cal, b.taken_at))
}

fn followups(lang: Lang, cal: &Calendar, groups: &[FollowupGroup], v: &ReportPage) -> Markup {
    scroll(html! { table {
        tr {
            th { (t(lang, "客户", "Customer")) } th { (t(lang, "时间", "When")) } th { (t(lang, "方式", "Kind")) }
            th { (t(lang, "内容", "Note")) } th { (t(lang, "下一步", "Next step")) } th { (t(lang, "签到", "Check-in")) }
        }
        @for g in groups {
            @for (n, i) in g.items.iter().enumerate() {
                tr {
                    // The customer's cell spans its followups, as a visit log reads.
                    @if n == 0 { td rowspan=(g.items.len()) { (g.customer_name) } }
                    td { (time(cal, i.occurred_at)) }
                    td { (label_of(&i.kind, lang)) }
                    td { (i.note) }
                    td { (i.next_step) }
                    td {
                        @match (i.checked_in, i.checkin_distance_m) {
                            (true, Some(d)) => { (t(lang, "距客户 ", "")) (display_distance(d)) (t(lang, "", " from the customer")) },
                            (true, None) => (t(lang, "已签到", "checked in")),
                            (false, _) => "—",
                        }
                        @if !i.photos.is_empty() {
                            (photos(lang, &i.photos.iter().collect::<Vec<_>>(), v.stored, v.links))
                        }
                    }
                }
            }
        }
    } })
}

fn kpis(lang: Lang, rows: &[KpiRow]) -> Markup {
    scroll(html! { table {
        tr {
            th { (t(lang, "指标", "Metric")) } th { (t(lang, "数值", "Value")) } th { (t(lang, "目标", "Target")) }
            th { (t(lang, "达成", "Achievement")) } th { (t(lang, "状态", "Status")) }
        }
        @for k in rows {
            tr {
                td { (lang.pick(&k.name_zh, &k.name_en)) }
                td { (format_value(&k.unit, k.value)) }
                td { (k.target.map(|v| format_target(&k.unit, v)).unwrap_or_default()) }
                td { (k.achievement.map(|a| format!("{:.0}%", a * 100.0)).unwrap_or_default()) }
                td class=[status_class(k.status)] { (k.status.map(|s| s.label(lang)).unwrap_or("—")) }
            }
        }
    } })
}

/// Planned visits: day, hour, customer, purpose and state.
fn plans(lang: Lang, items: &[PlanItem]) -> Markup {
    html! {
        @if items.is_empty() {
            p.muted { (t(lang, "暂无拜访计划", "No visits planned")) }
        } @else {
            (scroll(html! { table.lines {
                tr {
                    th { (t(lang, "日期", "Day")) } th { (t(lang, "时间", "Time")) } th { (t(lang, "客户", "Customer")) }
                    th { (t(lang, "目的", "Purpose")) } th { (t(lang, "状态", "State")) }
                }
                @for i in items {
                    tr {
                        td { (i.on.format("%m-%d")) }
                        td { (i.at.as_deref().unwrap_or("—")) }
                        td { (i.customer_name) }
                        td { (i.purpose) }
                        td class=[(i.status == PlanStatus::Done).then_some("green")] { (i.status.label(lang)) }
                    }
                }
            } }))
        }
    }
}

/// The names of `ids`, each with when they read the report (`reads`), or that they have not.
fn recipients(lang: Lang, cal: &Calendar, ids: &[String], names: &Names, reads: &HashMap<String, i64>) -> Markup {
    html! {
        @for (n, id) in ids.iter().enumerate() {
            @if n > 0 { "，" }
            (names.of(id))
            @match reads.get(id) {
                Some(at) => span.green { "（" (t(lang, "已读 ", "read ")) (time(cal, *at)) "）" },
                None => span.muted { "（" (t(lang, "未读", "not read yet")) "）" },
            }
        }
    }
}

/// The report page.
pub(crate) fn report(lang: Lang, r: &Report, v: &ReportPage) -> Markup {
    let (cal, names, reads, csrf) = (v.cal, v.names, v.reads, v.csrf);
    html! {
        p {
            (names.of(&r.header.owner)) " · " (r.kind.label(lang)) " · " (days_words(r.first, r.last)) " · "
            span class=[(r.status == ReportStatus::Submitted).then_some("green")] { (r.status.label(lang)) }
            @if let Some(at) = r.submitted_at { " · " (t(lang, "提交于 ", "submitted ")) (time(cal, at)) }
        }
        @if !r.to.is_empty() {
            p { strong { (t(lang, "发送给：", "To: ")) } (recipients(lang, cal, &r.to, names, reads)) }
        }
        @if !r.cc.is_empty() {
            p { strong { (t(lang, "抄送：", "Cc: ")) } (recipients(lang, cal, &r.cc, names, reads)) }
        }
        @if !r.summary.trim().is_empty() {
            p.summary { strong { (t(lang, "摘要：", "Summary: ")) } (r.summary) }
        }
        @for s in &r.sections {
            h2 { (s.title) }
            @if !s.text.is_empty() { pre { (s.text) } }
            @let here: Vec<&Attachment> = r.attachments.iter().filter(|a| a.section.as_deref() == Some(s.key.as_str())).collect();
            @if !here.is_empty() { (photos(lang, &here, v.stored, v.links)) }
            @for b in r.blocks.iter().filter(|b| b.section == s.key) {
                p.caption { (caption(lang, cal, b)) }
                @match &b.data {
                    BlockData::Followups { groups } => (followups(lang, cal, groups, v)),
                    BlockData::Kpis { rows, .. } => (kpis(lang, rows)),
                    BlockData::Plan { items } => (plans(lang, items)),
                }
            }
        }
        h2 { (t(lang, "批注", "Comments")) " (" (r.comments.len()) ")" }
        @for (depth, c) in r.comment_threads() {
            div.comment.reply[depth > 0] {
                strong { (names.of(&c.author)) } " · " span.muted { (time(cal, c.at)) }
                pre { (c.text) }
                details {
                    summary { (t(lang, "回复", "Reply")) }
                    form method="post" action={ "/reports/" (r.header.id) "/comments" (keep(lang)) } {
                        input type="hidden" name="csrf" value=(csrf);
                        input type="hidden" name="reply_to" value=(c.id);
                        textarea name="text" required maxlength="2000" {}
                        button type="submit" { (t(lang, "回复", "Reply")) }
                    }
                }
            }
        }
        form method="post" action={ "/reports/" (r.header.id) "/comments" (keep(lang)) } {
            input type="hidden" name="csrf" value=(csrf);
            textarea name="text" required maxlength="2000" {}
            button type="submit" { (t(lang, "发表批注", "Post comment")) }
        }
    }
}

#[cfg(test)]
mod tests {
    use fieldreport_protocol::report::BlockKind;

    use super::*;

    #[test]
    fn a_kpi_blocks_caption_says_where_its_figures_come_from() {
        let cal = Calendar::parse("Asia/Shanghai", "monday").unwrap();
        let day: chrono::NaiveDate = "2026-12-07".parse().unwrap();
        let block = |source| Block {
            id: "b".into(),
            kind: BlockKind::Kpis,
            section: "done".into(),
            first: day,
            last: day,
            taken_at: 1_796_600_000_000,
            data: BlockData::Kpis { rows: Vec::new(), source },
        };
        assert!(caption(Lang::ZhCn, &cal, &block(FigureSource::Server)).contains("服务器汇总"));
        assert!(caption(Lang::ZhCn, &cal, &block(FigureSource::Local)).contains("设备计算"));
        assert!(caption(Lang::En, &cal, &block(FigureSource::Server)).contains("from the server"));
    }
}
