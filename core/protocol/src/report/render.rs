//! Rendering a report to Markdown (GitHub-flavoured with tables, or the DingTalk / Feishu / WeCom
//! robot dialects, which have no tables) and to plain text, with zh-CN or en labels.

use std::fmt::Write;
use std::str::FromStr;

use super::{builtin_template, Block, BlockData, FollowupGroup, KpiRow, Label, Lang, Names, PlanItem, Template};
use crate::doc::{Attachment, FollowupKind, PlanStatus, Report};
use crate::error::Error;
use crate::kpi::{format_target, format_value, Status};
use crate::period::{days_words, Calendar};

/// Which Markdown to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Dialect {
    /// CommonMark with GFM tables: blocks as tables.
    #[default]
    Gfm,
    /// DingTalk custom robot markdown: no tables, so blocks become nested lists.
    DingTalk,
    /// Feishu / Lark bot markdown (lark_md): no tables either.
    Feishu,
    /// WeCom group robot markdown: headings, bold, quotes and lists only.
    WeCom,
}

impl FromStr for Dialect {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "gfm" | "markdown" | "md" => Ok(Dialect::Gfm),
            "dingtalk" => Ok(Dialect::DingTalk),
            "feishu" | "lark" => Ok(Dialect::Feishu),
            "wecom" | "wework" => Ok(Dialect::WeCom),
            _ => Err(Error::BadInput(format!("`{s}` is not a Markdown dialect (gfm, dingtalk, feishu, wecom)"))),
        }
    }
}

struct Labels<'a> {
    lang: Lang,
    names: &'a Names,
    /// The dashboard's address, when links to it are wanted.
    dashboard: Option<&'a str>,
}

impl Labels<'_> {
    fn t<'b>(&self, zh: &'b str, en: &'b str) -> &'b str {
        self.lang.pick(zh, en)
    }
    fn kind(&self, k: &str) -> String {
        match FollowupKind::from_str(k) {
            Ok(k) => k.label(self.lang).to_string(),
            Err(_) => k.to_string(),
        }
    }
    fn colon(&self) -> &'static str {
        self.t("：", ": ")
    }
    /// A file by name, linked to report `report`'s page on the dashboard when its address is
    /// known (Markdown): the page shows the file to a signed-in reader through a link it signs;
    /// a rendering never carries the file's hash, which would grant nothing.
    fn file_link(&self, a: &Attachment, report: &str) -> String {
        let name = inline(&a.name).replace(['[', ']'], "");
        match self.dashboard {
            Some(base) => format!("[{name}]({}/reports/{report})", base.trim_end_matches('/')),
            None => name,
        }
    }
}

/// ` 📷2` after a followup that has photos or files.
fn photo_mark(i: &super::FollowupItem) -> String {
    if i.photos.is_empty() {
        String::new()
    } else {
        format!(" 📷{}", i.photos.len())
    }
}

/// The files of section `key` (and, for the last section, those of sections no longer there).
fn section_files<'r>(r: &'r Report, key: &str) -> Vec<&'r Attachment> {
    let last = r.sections.last().is_some_and(|s| s.key == key);
    r.attachments
        .iter()
        .filter(|a| match a.section.as_deref() {
            Some(k) if k == key => true,
            Some(k) => last && r.sections.iter().all(|s| s.key != k),
            None => last,
        })
        .collect()
}

fn light(s: Option<Status>) -> &'static str {
    match s {
        Some(Status::Green) => "🟢",
        Some(Status::Yellow) => "🟡",
        Some(Status::Red) => "🔴",
        None => "—",
    }
}

fn when(cal: &Calendar, ms: i64, fmt: &str) -> String {
    cal.local_datetime(ms).format(fmt).to_string()
}

fn period(b: &Block) -> String {
    days_words(b.first, b.last)
}

/// Text folded onto one line.
fn inline(s: &str) -> String {
    s.split(['\n', '\r']).map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

/// One line, safe inside a Markdown table cell.
fn cell(s: &str) -> String {
    inline(s).replace('|', "\\|")
}

/// A section's title in `lang`: built-in templates are translated by section key; titles of
/// admin-defined templates are shown as written.
fn section_title(r: &Report, key: &str, stored: &str, lang: Lang) -> String {
    if Template::is_builtin(&r.template) {
        if let Some(s) = builtin_template(r.kind, lang).sections.into_iter().find(|s| s.key == key) {
            return s.title;
        }
    }
    stored.to_string()
}

fn block_title(l: &Labels, b: &Block, cal: &Calendar) -> String {
    let name = match b.data {
        BlockData::Followups { .. } => l.t("跟进记录", "Followups"),
        BlockData::Kpis { .. } => l.t("关键指标", "Key figures"),
        BlockData::Plan { .. } => l.t("拜访计划", "Planned visits"),
    };
    let asof = when(cal, b.taken_at, "%m-%d %H:%M");
    let (open, sep, close) = (l.t("（", " ("), l.t("，", ", "), l.t("）", ")"));
    format!("{name}{open}{}{sep}{} {asof}{close}", period(b), l.t("截至", "as of"))
}

fn kpi_name(l: &Labels, r: &KpiRow) -> String {
    l.t(&r.name_zh, &r.name_en).to_string()
}

/// One KPI as a line: `name：value`, and `/ target T（achievement status）` when a target is known.
/// `strong` bolds the value (Markdown).
fn kpi_line(l: &Labels, r: &KpiRow, strong: bool) -> String {
    let value = format_value(&r.unit, r.value);
    let mut line = if strong {
        format!("{}{}**{value}**", kpi_name(l, r), l.colon())
    } else {
        format!("{}{}{value}", kpi_name(l, r), l.colon())
    };
    if let Some(t) = r.target {
        let (open, close) = (l.t("（", " ("), l.t("）", ")"));
        line.push_str(&format!(
            " / {} {}{open}{} {}{close}",
            l.t("目标", "target"),
            format_target(&r.unit, t),
            pct(r.achievement),
            light(r.status)
        ));
    }
    line
}

/// A target as people read it (a pro-rated count keeps one decimal), or a dash.
fn opt(unit: &crate::kpi::Unit, v: Option<f64>) -> String {
    v.map(|v| format_target(unit, v)).unwrap_or_else(|| "—".into())
}

fn pct(v: Option<f64>) -> String {
    v.map(|a| format!("{:.0}%", a * 100.0)).unwrap_or_else(|| "—".into())
}

fn markdown_block(out: &mut String, l: &Labels, b: &Block, cal: &Calendar, dialect: Dialect) {
    let _ = writeln!(out, "**{}**\n", block_title(l, b, cal));
    match &b.data {
        BlockData::Followups { groups } if groups.is_empty() => {
            let _ = writeln!(out, "{}\n", l.t("（本期无跟进记录）", "(no followups in this period)"));
        }
        BlockData::Followups { groups } if dialect == Dialect::Gfm => followup_table(out, l, groups, cal),
        BlockData::Followups { groups } => {
            for g in groups {
                let _ = writeln!(out, "- **{}**", inline(&g.customer_name));
                for i in &g.items {
                    let _ = write!(
                        out,
                        "  - {} {}{}{}{}",
                        when(cal, i.occurred_at, "%m-%d %H:%M"),
                        l.kind(&i.kind),
                        l.colon(),
                        inline(&i.note),
                        photo_mark(i)
                    );
                    if !i.next_step.trim().is_empty() {
                        let _ = write!(
                            out,
                            "{}{}{}{}",
                            l.t("；", "; "),
                            l.t("下一步", "next"),
                            l.colon(),
                            inline(&i.next_step)
                        );
                    }
                    out.push('\n');
                }
            }
            out.push('\n');
        }
        BlockData::Kpis { rows, .. } if dialect == Dialect::Gfm => {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |\n| --- | ---: | ---: | ---: | :---: |",
                l.t("指标", "Metric"),
                l.t("数值", "Value"),
                l.t("目标", "Target"),
                l.t("达成率", "Achieved"),
                l.t("状态", "Status")
            );
            for r in rows {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    cell(&kpi_name(l, r)),
                    format_value(&r.unit, r.value),
                    opt(&r.unit, r.target),
                    pct(r.achievement),
                    light(r.status)
                );
            }
            out.push('\n');
        }
        BlockData::Kpis { rows, .. } => {
            for r in rows {
                let _ = writeln!(out, "- {}", kpi_line(l, r, true));
            }
            out.push('\n');
        }
        BlockData::Plan { items } => {
            plan_list(out, l, items, "", "- ");
            out.push('\n');
        }
    }
}

/// A planned visit on one line: `12-08 10:00 华为：产品演示`, and its state when not still planned.
fn plan_line(l: &Labels, i: &PlanItem) -> String {
    let mut line = i.on.format("%m-%d").to_string();
    if let Some(at) = &i.at {
        line.push(' ');
        line.push_str(at);
    }
    line.push(' ');
    line.push_str(&inline(&i.customer_name));
    if !i.purpose.trim().is_empty() {
        line.push_str(l.colon());
        line.push_str(&inline(&i.purpose));
    }
    let (open, close) = (l.t("（", " ("), l.t("）", ")"));
    if i.status != PlanStatus::Planned {
        line.push_str(&format!("{open}{}{close}", i.status.label(l.lang)));
    }
    line
}

fn plan_list(out: &mut String, l: &Labels, items: &[PlanItem], indent: &str, bullet: &str) {
    if items.is_empty() {
        let _ = writeln!(out, "{indent}{}", l.t("（暂无拜访计划）", "(no visits planned)"));
    }
    for i in items {
        let _ = writeln!(out, "{indent}{bullet}{}", plan_line(l, i));
    }
}

fn followup_table(out: &mut String, l: &Labels, groups: &[FollowupGroup], cal: &Calendar) {
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} |\n| --- | --- | --- | --- | --- |",
        l.t("客户", "Customer"),
        l.t("时间", "Time"),
        l.t("方式", "Kind"),
        l.t("内容", "Note"),
        l.t("下一步", "Next step")
    );
    for g in groups {
        for (n, i) in g.items.iter().enumerate() {
            // The customer cell "spans" its rows: named once, blank below.
            let customer = if n == 0 { cell(&g.customer_name) } else { String::new() };
            let _ = writeln!(
                out,
                "| {customer} | {} | {} | {}{} | {} |",
                when(cal, i.occurred_at, "%m-%d %H:%M"),
                l.kind(&i.kind),
                cell(&i.note),
                photo_mark(i),
                cell(&i.next_step)
            );
        }
    }
    out.push('\n');
}

fn meta(l: &Labels, r: &Report, cal: &Calendar) -> Vec<String> {
    let c = l.colon();
    let mut m = vec![
        format!("{}{c}{}", l.t("周期", "Period"), days_words(r.first, r.last)),
        format!("{}{c}{}", l.t("作者", "Author"), l.names.of(&r.header.owner)),
        format!("{}{c}{}", l.t("状态", "Status"), r.status.label(l.lang)),
    ];
    if let Some(at) = r.submitted_at {
        m.push(format!("{}{c}{}", l.t("提交时间", "Submitted"), when(cal, at, "%Y-%m-%d %H:%M")));
    }
    if !r.to.is_empty() {
        m.push(format!("{}{c}{}", l.t("发送给", "To"), l.names.join(&r.to, l.t("、", ", "))));
    }
    if !r.cc.is_empty() {
        m.push(format!("{}{c}{}", l.t("抄送", "Cc"), l.names.join(&r.cc, l.t("、", ", "))));
    }
    m
}

/// Renders `r` as Markdown in `dialect` with `lang` labels and people by `names`; times in the
/// calendar's zone. Files are listed by name.
pub fn render_markdown(r: &Report, lang: Lang, dialect: Dialect, cal: &Calendar, names: &Names) -> String {
    render_markdown_linked(r, lang, dialect, cal, names, None)
}

/// [`render_markdown`], with files and the report linked to the dashboard at `dashboard` (the
/// team's `dashboard_url`) when given, and a closing line with the number of files and the
/// report's address there.
pub fn render_markdown_linked(
    r: &Report,
    lang: Lang,
    dialect: Dialect,
    cal: &Calendar,
    names: &Names,
    dashboard: Option<&str>,
) -> String {
    let l = Labels { lang, names, dashboard };
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", inline(&r.title));
    // The summary first: a chat's preview shows the opening lines of a robot's message.
    if !r.summary.trim().is_empty() {
        let _ = writeln!(out, "**{}**{}{}\n", l.t("摘要", "Summary"), l.colon(), r.summary.trim_end());
    }
    let _ = writeln!(out, "{}\n", meta(&l, r, cal).join(" · "));
    for s in &r.sections {
        let _ = writeln!(out, "## {}\n", inline(&section_title(r, &s.key, &s.title, lang)));
        if !s.text.trim().is_empty() {
            let _ = writeln!(out, "{}\n", s.text.trim_end());
        }
        let files = section_files(r, &s.key);
        if !files.is_empty() {
            for a in files {
                let _ = writeln!(out, "- 📎 {}", l.file_link(a, &r.header.id));
            }
            out.push('\n');
        }
        for b in r.blocks.iter().filter(|b| b.section == s.key) {
            markdown_block(&mut out, &l, b, cal, dialect);
        }
    }
    if !r.comments.is_empty() {
        let _ = writeln!(out, "## {}\n", l.t("批注", "Comments"));
        for (depth, c) in r.comment_threads() {
            // An answer is quoted one level deeper than what it answers.
            let _ = writeln!(
                out,
                "{} **{}** {}{}{}\n",
                ">".repeat(depth + 1),
                inline(&names.of(&c.author)),
                when(cal, c.at, "%m-%d %H:%M"),
                l.colon(),
                inline(&c.text)
            );
        }
    }
    let files = r.files().len();
    let mut footer = Vec::new();
    if files > 0 {
        footer.push(format!("📷 {files} {}", l.t("个附件", if files == 1 { "file" } else { "files" })));
    }
    if let Some(base) = dashboard {
        footer.push(format!(
            "[{}]({}/reports/{})",
            l.t("在看板查看", "Open on the dashboard"),
            base.trim_end_matches('/'),
            r.header.id
        ));
    }
    if !footer.is_empty() {
        let _ = writeln!(out, "{}\n", footer.join(" · "));
    }
    // Pasted into a chat or sent by a robot: what devices wrote drives no chat tag or terminal.
    crate::text::markup_safe(out.trim_end()) + "\n"
}

/// Renders `r` as plain text with `lang` labels and people by `names`.
pub fn render_text(r: &Report, lang: Lang, cal: &Calendar, names: &Names) -> String {
    let l = Labels { lang, names, dashboard: None };
    let mut out = String::new();
    let _ = writeln!(out, "{}", r.title);
    for m in meta(&l, r, cal) {
        let _ = writeln!(out, "{m}");
    }
    if !r.summary.trim().is_empty() {
        let _ = writeln!(out, "\n{}{}{}", l.t("摘要", "Summary"), l.colon(), r.summary.trim_end());
    }
    for s in &r.sections {
        let _ = writeln!(out, "\n【{}】", section_title(r, &s.key, &s.title, lang));
        if !s.text.trim().is_empty() {
            let _ = writeln!(out, "{}", s.text.trim_end());
        }
        for a in section_files(r, &s.key) {
            let _ = writeln!(out, "  📎 {}", inline(&a.name));
        }
        for b in r.blocks.iter().filter(|b| b.section == s.key) {
            let _ = writeln!(out, "\n  {}", block_title(&l, b, cal));
            match &b.data {
                BlockData::Followups { groups } => {
                    for g in groups {
                        let _ = writeln!(out, "  {}", g.customer_name);
                        for i in &g.items {
                            let _ = write!(
                                out,
                                "    {} {} {}{}",
                                when(cal, i.occurred_at, "%m-%d %H:%M"),
                                l.kind(&i.kind),
                                inline(&i.note),
                                photo_mark(i)
                            );
                            if !i.next_step.trim().is_empty() {
                                let (open, close) = (l.t("（", " ("), l.t("）", ")"));
                                let _ = write!(
                                    out,
                                    "{open}{}{}{}{close}",
                                    l.t("下一步", "next"),
                                    l.colon(),
                                    inline(&i.next_step)
                                );
                            }
                            out.push('\n');
                        }
                    }
                }
                BlockData::Kpis { rows, .. } => {
                    for r in rows {
                        let _ = writeln!(out, "    {}", kpi_line(&l, r, false));
                    }
                }
                BlockData::Plan { items } => plan_list(&mut out, &l, items, "    ", ""),
            }
        }
    }
    if !r.comments.is_empty() {
        let _ = writeln!(out, "\n【{}】", l.t("批注", "Comments"));
        for (depth, c) in r.comment_threads() {
            let indent = "  ".repeat(depth + 1);
            let arrow = if depth > 0 { "↳ " } else { "" };
            let _ = writeln!(
                out,
                "{indent}{arrow}{} {}{}{}",
                names.of(&c.author),
                when(cal, c.at, "%m-%d %H:%M"),
                l.colon(),
                c.text
            );
        }
    }
    crate::text::neutral(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::{Status, Unit};

    fn row(target: Option<f64>) -> KpiRow {
        KpiRow {
            metric: "new_contract_amount".into(),
            name_zh: "新增合同金额".into(),
            name_en: "New contract amount".into(),
            value: 1_200_000.0,
            unit: Unit::Money { currency: "CNY".into() },
            target: target.map(|t| t * 100.0),
            achievement: target.map(|t| 12_000.0 / t),
            status: target.map(|_| Status::Yellow),
        }
    }

    #[test]
    fn kpi_lines_show_target_achievement_and_status_when_known() {
        let names = Names::default();
        let zh = Labels { lang: Lang::ZhCn, names: &names, dashboard: None };
        assert_eq!(kpi_line(&zh, &row(None), true), "新增合同金额：**¥12,000.00**");
        assert_eq!(kpi_line(&zh, &row(Some(15_000.0)), false), "新增合同金额：¥12,000.00 / 目标 ¥15,000.00（80% 🟡）");
        let en = Labels { lang: Lang::En, names: &names, dashboard: None };
        assert_eq!(
            kpi_line(&en, &row(Some(15_000.0)), true),
            "New contract amount: **¥12,000.00** / target ¥15,000.00 (80% 🟡)"
        );
    }
}
