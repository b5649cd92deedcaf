//! The manager's week on a device: reminders before reports are due, 催交 (nudges) and the
//! inbox.

use fieldreport_core::report::Lang;
use serde_json::json;

use super::Ctx;
use crate::error::CliResult;
use crate::time::format_instant;

/// `reminders`: this user's reminders of reports due in the next `days` days and overdue in the
/// last seven (JSON: `[{at, report_kind, period, text, due_at, overdue}]`), offline; a submitted
/// report has none.
pub fn reminders(ctx: &mut Ctx, days: u32, lang: &str) -> CliResult {
    let lang: Lang = lang.parse()?;
    let cal = ctx.calendar()?;
    let list = ctx.store.reminders(days)?;
    let rows: Vec<serde_json::Value> = list
        .iter()
        .map(|r| {
            json!({
                "at": format_instant(r.at, &cal),
                "report_kind": r.kind.as_str(),
                "period": format!("{}..{}", r.first, r.last),
                "text": r.text(lang, &cal),
                "due_at": format_instant(r.due_at, &cal),
                "overdue": r.overdue,
            })
        })
        .collect();
    ctx.out.print(&rows, || {
        if list.is_empty() {
            return vec![lang.pick("没有待提醒的汇报", "no reminders").to_string()];
        }
        list.iter().map(|r| format!("{}  {}", crate::time::format_short(r.at, &cal), r.text(lang, &cal))).collect()
    })
}

/// `nudge USER`: asks a member for a report (online). JSON: the nudge `{id, user_id, kind,
/// first, last, at}`.
pub fn nudge(ctx: &mut Ctx, user: &str, kind: &str, period: &str) -> CliResult {
    let member = ctx.store.resolve_member(user)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::error::CliError::Usage(format!("cannot start the network runtime: {e}")))?;
    let opts = fieldreport_core::sync::SyncOptions::default();
    let n = rt.block_on(fieldreport_core::sync::nudge(&ctx.store, &opts, &member.id, kind, period))?;
    ctx.out.print(&n, || vec![format!("asked {} for the {} report of {}..{}", member.name, n.kind, n.first, n.last)])
}

/// `inbox`: what needs this user's attention (JSON: `[{kind, at, by, by_name, report_id,
/// report_kind, period, text}]`, newest first).
pub fn inbox(ctx: &mut Ctx, lang: &str) -> CliResult {
    let lang: Lang = lang.parse()?;
    let cal = ctx.calendar()?;
    let items = ctx.store.inbox()?;
    let names = ctx.store.names()?;
    let ctx_now = ctx.store.now_ms();
    let rows: Vec<serde_json::Value> = items
        .iter()
        .map(|i| {
            json!({
                "kind": i.kind.as_str(), "at": format_instant(i.at, &cal), "by": i.by, "by_name": names.of(&i.by),
                "report_id": i.report_id, "report_kind": i.report_kind, "period": i.period, "text": i.text,
            })
        })
        .collect();
    ctx.out.print(&rows, || {
        if items.is_empty() {
            return vec![lang.pick("收件箱是空的", "nothing in the inbox").to_string()];
        }
        items
            .iter()
            .map(|i| {
                let who = names.of(&i.by);
                let what = match i.kind {
                    fieldreport_core::store::InboxKind::Nudge => {
                        // The report named as people name it, in the language asked for.
                        let last = i.period.as_deref().and_then(|p| p.split("..").nth(1)).and_then(|d| d.parse().ok());
                        let named = match (i.report_kind.as_deref(), last) {
                            (Some(k), Some(last)) => {
                                let today = cal.local_date(ctx_now);
                                fieldreport_core::report::period_name(k, last, Some(today), lang)
                            }
                            _ => i.period.clone().unwrap_or_default(),
                        };
                        format!("{who} {} {named}", lang.pick("催交", "asks for"))
                    }
                    fieldreport_core::store::InboxKind::Mention => {
                        format!("{who} {}：{}", lang.pick("提到了你", "named you"), i.text.as_deref().unwrap_or(""))
                    }
                    fieldreport_core::store::InboxKind::Comment => {
                        format!("{who} {}：{}", lang.pick("评论", "commented"), i.text.as_deref().unwrap_or(""))
                    }
                    fieldreport_core::store::InboxKind::Read => {
                        format!("{who} {}", lang.pick("已读你的汇报", "read your report"))
                    }
                };
                format!("{}  {what}", crate::time::format_short(i.at, &cal))
            })
            .collect()
    })
}
