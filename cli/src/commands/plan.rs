//! `plan add|list|move|cancel`: visit plans (拜访计划).

use chrono::{Days, NaiveDate, NaiveTime};
use fieldreport_core::doc::{Kind, NewPlan};
use fieldreport_core::period::{parse_date, parse_time};
use fieldreport_core::report::{Label, Lang};
use fieldreport_core::store::PlanRow;

use super::Ctx;
use crate::args::PlanCmd;
use crate::error::CliResult;

/// A day as a rep types it: `YYYY-MM-DD`, `today` or `tomorrow`.
pub fn day(ctx: &mut Ctx, s: &str) -> CliResult<NaiveDate> {
    let today = ctx.calendar()?.local_date(ctx.store.now_ms());
    match s.trim() {
        "today" | "今天" => Ok(today),
        "tomorrow" | "明天" => Ok(today + Days::new(1)),
        other => Ok(parse_date(other)?),
    }
}

fn time(s: Option<String>) -> CliResult<Option<NaiveTime>> {
    Ok(s.as_deref().map(parse_time).transpose()?)
}

/// One plan on a line: id, day, time, customer, purpose, state.
fn line(p: &PlanRow, lang: Lang) -> String {
    let mut l = format!("{}  {} {}  {}", p.id, p.on, p.at.as_deref().unwrap_or("     "), p.customer_name);
    if !p.purpose.is_empty() {
        l.push_str(&format!("  {}", p.purpose));
    }
    l.push_str(&format!("  [{}]", p.status.label(lang)));
    l
}

pub fn run(ctx: &mut Ctx, cmd: PlanCmd) -> CliResult {
    match cmd {
        PlanCmd::Add { customer, on, at, purpose } => {
            let new =
                NewPlan { customer_id: ctx.id(Kind::Customer, &customer)?, on: day(ctx, &on)?, at: time(at)?, purpose };
            let p = ctx.store.add_plan(new)?;
            let row = ctx.store.plan_row(&p.header.id)?;
            ctx.out.print(&row, || vec![p.header.id.clone()])
        }
        PlanCmd::List { on, period, user, all, lang } => {
            let lang: Lang = lang.parse()?;
            let today = day(ctx, "today")?;
            let (first, last) = match (on, period.as_deref()) {
                (Some(d), _) => {
                    let d = day(ctx, &d)?;
                    (d, d)
                }
                (None, Some("tomorrow")) => (today + Days::new(1), today + Days::new(1)),
                (None, Some("next-week")) => {
                    let start = ctx.calendar()?.week_start_of(today) + Days::new(7);
                    (start, start + Days::new(6))
                }
                (None, Some(p)) => {
                    let r = ctx.store.period_range(p)?;
                    (r.first, r.last)
                }
                (None, None) => (today, today + Days::new(7)),
            };
            let owner = match user {
                Some(u) => ctx.store.resolve_member(&u)?.id,
                None => ctx.store.identity()?.user_id,
            };
            let rows = ctx.store.plans_between(&owner, first, last, all)?;
            ctx.out.print(&rows, || {
                if rows.is_empty() {
                    return vec![format!("{} {first} ~ {last}", lang.pick("没有拜访计划", "no visits planned"))];
                }
                rows.iter().map(|p| line(p, lang)).collect()
            })
        }
        PlanCmd::Move { id, on, at } => {
            let id = ctx.id(Kind::Plan, &id)?;
            let on = day(ctx, &on)?;
            ctx.store.move_plan(&id, on, time(at)?)?;
            let row = ctx.store.plan_row(&id)?;
            ctx.out.print(&row, || vec![format!("moved: {}", line(&row, Lang::ZhCn))])
        }
        PlanCmd::Cancel { id } => {
            let id = ctx.id(Kind::Plan, &id)?;
            ctx.store.cancel_plan(&id)?;
            let row = ctx.store.plan_row(&id)?;
            ctx.out.print(&row, || vec![format!("cancelled: {}", line(&row, Lang::ZhCn))])
        }
    }
}
