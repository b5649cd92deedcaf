//! `deal add|edit|stage|list|show|delete|restore`.

use fieldreport_core::doc::{Deal, Kind, NewDeal, Record, Stage};
use fieldreport_core::money::{display_minor, Money};
use fieldreport_core::period::parse_date;
use fieldreport_core::report::{Label, Lang};
use fieldreport_core::store::DealChange;

use super::customer::deleted;
use super::{with_amount, Ctx};
use crate::args::DealCmd;
use crate::error::{CliError, CliResult};
use crate::time::format_short;

pub fn run(ctx: &mut Ctx, cmd: DealCmd) -> CliResult {
    match cmd {
        DealCmd::Add { customer, title, amount, currency, stage, expected_close } => {
            let new = NewDeal {
                customer_id: ctx.id(Kind::Customer, &customer)?,
                title,
                amount: Money::parse(&amount, &currency)?,
                stage: stage.parse::<Stage>()?,
                expected_close: expected_close.as_deref().map(parse_date).transpose()?,
            };
            let d = ctx.store.add_deal(new)?;
            ctx.out.print(&d, || {
                vec![format!(
                    "added deal {} ({}, {}, {})",
                    d.title,
                    display_minor(d.amount.minor, &d.amount.currency),
                    d.stage.zh(),
                    d.header.id
                )]
            })
        }
        DealCmd::Edit { deal, title, amount, currency, expected_close } => {
            let id = ctx.id(Kind::Deal, &deal)?;
            let change = DealChange {
                title,
                amount,
                currency,
                expected_close: expected_close.as_deref().map(parse_date).transpose()?,
                lost_reason: None,
            };
            if change == DealChange::default() {
                return Err(CliError::Usage("nothing to change: give --title, --amount or --expected-close".into()));
            }
            let d = ctx.store.change_deal(&id, change)?;
            ctx.out.print(&d, || {
                vec![format!(
                    "edited deal {} ({}, {})",
                    d.title,
                    display_minor(d.amount.minor, &d.amount.currency),
                    d.header.id
                )]
            })
        }
        DealCmd::Stage { deal, stage } => {
            let stage: Stage = stage.parse()?;
            let id = ctx.id(Kind::Deal, &deal)?;
            let d = ctx.store.set_deal_stage(&id, stage)?;
            ctx.out.print(&d, || vec![format!("deal {} is now {} ({})", d.title, d.stage.as_str(), d.stage.zh())])
        }
        DealCmd::List { stage, lang } => {
            let lang: Lang = lang.parse()?;
            let stage = stage.map(|s| s.parse::<Stage>()).transpose()?;
            let rows = ctx.store.list_deals(stage)?;
            let json = rows.iter().map(with_amount).collect::<CliResult<Vec<_>>>()?;
            ctx.out.print(&json, || {
                rows.iter()
                    .map(|d| {
                        let stage = Stage::ALL.into_iter().find(|s| s.as_str() == d.stage);
                        format!(
                            "{}  {:<6}  {:>16}  {}  ({})",
                            d.id,
                            stage.map(|s| s.label(lang)).unwrap_or(&d.stage),
                            display_minor(d.amount_minor, &d.currency),
                            d.title,
                            d.customer_name
                        )
                    })
                    .collect()
            })
        }
        DealCmd::Show { deal } => {
            let d = deal_record(ctx, &deal)?;
            let cal = ctx.calendar()?;
            ctx.out.print(&Record::Deal(d.clone()), || {
                let mut lines = vec![format!(
                    "{}  {}  {}  {}",
                    d.header.id,
                    d.title,
                    display_minor(d.amount.minor, &d.amount.currency),
                    d.stage.zh()
                )];
                if let Some(on) = d.expected_close {
                    lines.push(format!("  expected close: {on}"));
                }
                lines.extend(
                    d.stage_history.iter().map(|e| format!("  {}  {}", format_short(e.at, &cal), e.stage.zh())),
                );
                lines
            })
        }
        DealCmd::Delete { deal } => deleted(ctx, Kind::Deal, &deal, true),
        DealCmd::Restore { deal } => deleted(ctx, Kind::Deal, &deal, false),
    }
}

fn deal_record(ctx: &mut Ctx, query: &str) -> CliResult<Deal> {
    let id = ctx.id(Kind::Deal, query)?;
    match ctx.store.record(&id)? {
        Record::Deal(d) => Ok(d),
        _ => Err(fieldreport_core::Error::NotFound { kind: "deal", id }.into()),
    }
}
