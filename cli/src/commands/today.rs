//! `today [daily|weekly|monthly] [--submit]`: the rep's report in two actions.

use fieldreport_core::doc::ReportKind;
use fieldreport_core::period::parse_date;
use fieldreport_core::report::{render_text, Lang};

use super::Ctx;
use crate::args::TodayArgs;
use crate::error::{CliError, CliResult};

pub fn run(ctx: &mut Ctx, a: TodayArgs) -> CliResult {
    let kind: ReportKind = a.kind.parse()?;
    if kind == ReportKind::Free {
        return Err(CliError::Usage(
            "`today` opens a daily, weekly or monthly report (free ones: `report new free`)".into(),
        ));
    }
    let lang: Lang = a.lang.parse()?;
    let date = a.date.as_deref().map(parse_date).transpose()?;
    if a.submit {
        let r = if a.to.is_empty() && a.cc.is_empty() {
            ctx.store.submit_today(kind, date, lang)?
        } else {
            let open = ctx.store.today_report(kind, date, lang)?;
            ctx.store.submit_report(&open.header.id, &a.to, &a.cc)?
        };
        return super::report::submitted(ctx, &r);
    }
    let r = ctx.store.today_report(kind, date, lang)?;
    if ctx.out.json {
        return ctx.out.print(&r, Vec::new);
    }
    let cal = ctx.calendar()?;
    let names = ctx.store.names()?;
    let mut text = render_text(&r, r.lang, &cal, &names);
    text.push_str(&format!(
        "\n{}  {}\n",
        r.header.id,
        match r.status {
            fieldreport_core::doc::ReportStatus::Draft => r.lang.pick(
                "草稿：用 `report set`/`report summary` 修改，`today --submit` 提交",
                "draft: edit with `report set` / `report summary`, submit with `today --submit`",
            ),
            fieldreport_core::doc::ReportStatus::Submitted => r.lang.pick("已提交", "submitted"),
        }
    ));
    crate::output::text(&text)
}
