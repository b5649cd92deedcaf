//! `report new|templates|set|splice|insert-followups|insert-kpis|refresh|remove-block|comment|
//! submit|add-recipients|show|list|delete|restore`.

use fieldreport_core::doc::{Kind, Report, ReportKind};
use fieldreport_core::period::{parse_date, Period};
use fieldreport_core::report::{
    label_of, render_markdown_linked, render_text, Block, Dialect, Label, Lang, Names, Template,
};
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
    // Every command but `new`, `templates` and `list` names one report: by title, id or prefix.
    let cmd = match cmd {
        ReportCmd::New { .. } | ReportCmd::Templates { .. } | ReportCmd::List { .. } => cmd,
        mut other => {
            if let Some(id) = report_arg(&mut other) {
                *id = ctx.id(Kind::Report, id)?;
            }
            other
        }
    };
    match cmd {
        ReportCmd::New { kind, template, date, lang } => new(ctx, kind, template, date, &lang),
        ReportCmd::Templates { lang } => {
            let lang: Lang = lang.parse()?;
            let templates = ctx.store.templates(lang)?;
            let names = ctx.store.names()?;
            ctx.out.print(&templates, || templates.iter().map(|t| template_line(t, lang, &names)).collect())
        }
        ReportCmd::Summary { id, text } => {
            let r = ctx.store.set_report_summary(&id, &text)?;
            ctx.out.print(&summary(&r), || vec![format!("updated the summary of {}", r.header.id)])
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
        ReportCmd::Comment { id, text, reply_to } => {
            let r = ctx.store.reply_report(&id, &text, reply_to.as_deref())?;
            let c = r.comments.last().cloned();
            ctx.out.print(&json!({"id": r.header.id, "comment": c}), || vec![format!("commented on {}", r.header.id)])
        }
        ReportCmd::Submit { id, to, cc } => {
            let r = ctx.store.submit_report(&id, &to, &cc)?;
            submitted(ctx, &r)
        }
        ReportCmd::AddRecipients { id, to, cc } => {
            if to.is_empty() && cc.is_empty() {
                return Err(CliError::Usage("name someone to add: --to NAME or --cc NAME".into()));
            }
            let r = ctx.store.add_report_recipients(&id, &to, &cc)?;
            let names = ctx.store.names()?;
            ctx.out.print(&summary(&r), || vec![recipients_line("recipients of", &r, &names)])
        }
        ReportCmd::Show { id, format, dialect, lang } => show(ctx, &id, &format, &dialect, lang.as_deref()),
        ReportCmd::List { period: p, lang } => list(ctx, p, &lang),
        ReportCmd::Attach { id, section, files } => {
            super::attachment::attach(ctx, Kind::Report, &id, &files, section.as_deref())
        }
        ReportCmd::Detach { id, hash } => super::attachment::detach(ctx, Kind::Report, &id, &hash),
        ReportCmd::Delete { id } => deleted(ctx, Kind::Report, &id, true),
        ReportCmd::Restore { id } => deleted(ctx, Kind::Report, &id, false),
    }
}

/// `report new`: a report of a kind, or from a template.
fn new(ctx: &mut Ctx, kind: Option<String>, template: Option<String>, date: Option<String>, lang: &str) -> CliResult {
    let lang: Lang = lang.parse()?;
    let date = date.as_deref().map(parse_date).transpose()?;
    let r = match (template, kind) {
        (Some(t), _) => ctx.store.new_report_from(&t, date)?,
        (None, Some(kind)) => ctx.store.new_report(kind.parse::<ReportKind>()?, date, lang)?,
        (None, None) => {
            return Err(CliError::Usage("give a kind (daily, weekly, monthly, free) or --template ID".into()))
        }
    };
    ctx.out.print(&summary(&r), || vec![r.header.id.clone()])
}

/// `report show`: a report as Markdown, text or JSON.
fn show(ctx: &mut Ctx, id: &str, format: &str, dialect: &str, lang: Option<&str>) -> CliResult {
    let r = ctx.store.report(id)?;
    let lang = match lang {
        Some(l) => l.parse::<Lang>()?,
        None => r.lang,
    };
    let cal = ctx.calendar()?;
    let names = ctx.store.names()?;
    let text = match format {
        "markdown" | "md" => {
            let base = ctx.store.dashboard_url()?;
            render_markdown_linked(&r, lang, dialect.parse::<Dialect>()?, &cal, &names, base.as_deref())
        }
        "text" | "txt" => render_text(&r, lang, &cal, &names),
        "json" => serde_json::to_string_pretty(&r)? + "\n",
        other => return Err(CliError::Usage(format!("`{other}` is not a report format (markdown, text or json)"))),
    };
    if ctx.out.json && format != "json" {
        ctx.out.print(&json!({"id": r.header.id, "format": format, "content": text}), Vec::new)
    } else {
        crate::output::text(&text)
    }
}

/// `report list`: this device's reports, of a period or all.
fn list(ctx: &mut Ctx, p: Option<String>, lang: &str) -> CliResult {
    let lang: Lang = lang.parse()?;
    let range = match period(p)? {
        Some(p) => Some(ctx.calendar()?.resolve(p, ctx.store.now_ms())),
        None => None,
    };
    let rows = ctx.store.list_reports(range.as_ref())?;
    let names = ctx.store.names()?;
    let me = ctx.store.identity()?.user_id;
    let owners = rows.iter().any(|r| r.owner != me);
    ctx.out.print(&rows, || {
        rows.iter()
            .map(|r| {
                let who = if owners { format!("{}  ", names.of(&r.owner)) } else { String::new() };
                format!("{}  {who}{}  {}  {}", r.id, r.kind.label(lang), r.status.label(lang), r.title)
            })
            .collect()
    })
}

/// The report argument of a command that names one.
fn report_arg(cmd: &mut ReportCmd) -> Option<&mut String> {
    match cmd {
        ReportCmd::Set { id, .. }
        | ReportCmd::Summary { id, .. }
        | ReportCmd::Splice { id, .. }
        | ReportCmd::InsertFollowups { id, .. }
        | ReportCmd::InsertKpis { id, .. }
        | ReportCmd::Refresh { id }
        | ReportCmd::RemoveBlock { id, .. }
        | ReportCmd::Comment { id, .. }
        | ReportCmd::Submit { id, .. }
        | ReportCmd::AddRecipients { id, .. }
        | ReportCmd::Show { id, .. }
        | ReportCmd::Attach { id, .. }
        | ReportCmd::Detach { id, .. }
        | ReportCmd::Delete { id }
        | ReportCmd::Restore { id } => Some(id),
        ReportCmd::New { .. } | ReportCmd::Templates { .. } | ReportCmd::List { .. } => None,
    }
}

/// After a submit: syncs at once (offline, says it goes at the next sync) and prints the report
/// with `sent` (and why not).
pub(super) fn submitted(ctx: &mut Ctx, r: &Report) -> CliResult {
    let sent = super::sync::send_now(ctx);
    let names = ctx.store.names()?;
    let mut json = summary(r);
    json["summary"] = json!(r.summary);
    json["sent"] = json!(sent.is_ok());
    json["reason"] = json!(sent.as_ref().err());
    json["sync"] = json!(sent.as_ref().ok());
    ctx.out.print(&json, || {
        let mut lines = vec![recipients_line("submitted", r, &names)];
        lines.push(match &sent {
            Ok(_) => "sent to the server".into(),
            Err(why) => format!("not sent yet ({why}): it goes at the next sync"),
        });
        lines
    })
}

/// `submitted R to 李经理, cc 王总`.
fn recipients_line(verb: &str, r: &Report, names: &Names) -> String {
    let mut line = format!("{verb} {} to {}", r.title, names.join(&r.to, ", "));
    if !r.cc.is_empty() {
        line.push_str(&format!(", cc {}", names.join(&r.cc, ", ")));
    }
    line
}

/// A template on one line: id, kind, sections (required ones marked *), default copies.
fn template_line(t: &Template, lang: Lang, names: &Names) -> String {
    let sections: Vec<String> =
        t.sections.iter().map(|s| format!("{}{} ({})", if s.required { "*" } else { "" }, s.title, s.key)).collect();
    let mut line = format!("{}  {}  {}", t.id, label_of(t.kind.as_str(), lang), sections.join(", "));
    if !t.cc.is_empty() {
        line.push_str(&format!("  cc {}", names.join(&t.cc, ", ")));
    }
    line
}

/// What commands that change a report print with `--json`.
pub(super) fn summary(r: &Report) -> serde_json::Value {
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
