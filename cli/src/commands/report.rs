//! `report new|set|splice|insert-followups|insert-kpis|refresh|remove-block|comment|submit|show|list`.

use fieldreport_core::doc::{Kind, Report, ReportKind};
use fieldreport_core::period::{parse_date, Period};
use fieldreport_core::report::{render_markdown, render_text, Block, Dialect, Lang};
use serde_json::json;

use super::customer::deleted;
use super::Ctx;
use crate::args::ReportCmd;
use crate::error::{CliError, CliResult};
use crate::output::Output;

fn period(p: Option<String>) -> CliResult<Option<Period>> {
    Ok(p.map(|p| p.parse::<Period>()).transpose()?)
}

pub fn run(ctx: &mut Ctx, cmd: ReportCmd) -> CliResult {
    match cmd {
        ReportCmd::New { kind, date, lang } => {
            let kind: ReportKind = kind.parse()?;
            let lang: Lang = lang.parse()?;
            let date = date.as_deref().map(parse_date).transpose()?;
            let r = ctx.store.new_report(kind, date, lang)?;
            ctx.out.print(&summary(&r), || vec![r.header.id.clone()])
        }
        ReportCmd::Set { id, section, text } => {
            let r = ctx.store.set_report_text(&id, &section, &text)?;
            ctx.out.print(&summary(&r), || vec![format!("updated section {section} of {}", r.header.id)])
        }
        ReportCmd::Splice { id, section, index, delete, text } => {
            let r = ctx.store.splice_report(&id, &section, index, delete, &text)?;
            ctx.out.print(&summary(&r), || vec![format!("spliced section {section} of {}", r.header.id)])
        }
        ReportCmd::InsertFollowups { id, section, period: p } => {
            let b = ctx.store.insert_followups(&id, section.as_deref(), period(p)?)?;
            print_block(&ctx.out, &b)
        }
        ReportCmd::InsertKpis { id, section, period: p, metrics } => {
            let b = ctx.store.insert_kpis(&id, section.as_deref(), period(p)?, &metrics)?;
            print_block(&ctx.out, &b)
        }
        ReportCmd::Refresh { id } => {
            let r = ctx.store.refresh_report(&id)?;
            ctx.out.print(&summary(&r), || vec![format!("refreshed {} block(s) of {}", r.blocks.len(), r.header.id)])
        }
        ReportCmd::RemoveBlock { id, block } => {
            let r = ctx.store.remove_block(&id, &block)?;
            ctx.out.print(&summary(&r), || vec![format!("removed block {block} from {}", r.header.id)])
        }
        ReportCmd::Comment { id, text } => {
            let r = ctx.store.comment_report(&id, &text)?;
            let c = r.comments.last().cloned();
            ctx.out.print(&json!({"id": r.header.id, "comment": c}), || vec![format!("commented on {}", r.header.id)])
        }
        ReportCmd::Submit { id, to, cc } => {
            let r = ctx.store.submit_report(&id, &to, &cc)?;
            ctx.out.print(&summary(&r), || vec![format!("submitted {} to {}", r.header.id, r.to.join(", "))])
        }
        ReportCmd::Show { id, format, dialect, lang } => {
            let r = ctx.store.report(&id)?;
            let lang = match lang {
                Some(l) => l.parse::<Lang>()?,
                None => r.lang,
            };
            let cal = ctx.calendar()?;
            let names = ctx.store.names()?;
            let text = match format.as_str() {
                "markdown" | "md" => render_markdown(&r, lang, dialect.parse::<Dialect>()?, &cal, &names),
                "text" | "txt" => render_text(&r, lang, &cal, &names),
                "json" => serde_json::to_string_pretty(&r)? + "\n",
                other => {
                    return Err(CliError::Usage(format!("`{other}` is not a report format (markdown, text or json)")))
                }
            };
            if ctx.out.json && format != "json" {
                ctx.out.print(&json!({"id": r.header.id, "format": format, "content": text}), Vec::new)
            } else {
                crate::output::text(&text)
            }
        }
        ReportCmd::List { period: p } => {
            let range = match period(p)? {
                Some(p) => Some(ctx.calendar()?.resolve(p, ctx.store.now_ms())),
                None => None,
            };
            let rows = ctx.store.list_reports(range.as_ref())?;
            ctx.out.print(&rows, || {
                rows.iter().map(|r| format!("{}  {:<9} {:<9} {}", r.id, r.kind, r.status, r.title)).collect()
            })
        }
        ReportCmd::Delete { id } => deleted(ctx, Kind::Report, &id, true),
        ReportCmd::Restore { id } => deleted(ctx, Kind::Report, &id, false),
    }
}

/// What commands that change a report print with `--json`.
fn summary(r: &Report) -> serde_json::Value {
    json!({
        "id": r.header.id,
        "kind": r.kind,
        "first": r.first,
        "last": r.last,
        "title": r.title,
        "status": r.status,
        "sections": r.sections.iter().map(|s| json!({"key": s.key, "title": s.title})).collect::<Vec<_>>(),
        "blocks": r.blocks.iter().map(|b| json!({"id": b.id, "kind": b.kind, "section": b.section})).collect::<Vec<_>>(),
        "to": r.to,
        "cc": r.cc,
        "submitted_at": r.submitted_at,
    })
}

fn print_block(out: &Output, b: &Block) -> CliResult {
    out.print(b, || {
        vec![format!(
            "inserted {} block {} into section {} ({} ~ {})",
            b.kind.as_str(),
            b.id,
            b.section,
            b.first,
            b.last
        )]
    })
}
