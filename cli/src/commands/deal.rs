//! `deal add|stage|list|show|delete|restore`.

use fieldreport_core::doc::{Kind, NewDeal, Record, Stage};
use fieldreport_core::money::{format_minor, Money};
use fieldreport_core::period::parse_date;

use super::customer::deleted;
use super::{fetch, with_amount, Ctx};
use crate::args::DealCmd;
use crate::error::CliResult;
use crate::time::format_short;

pub fn run(ctx: &mut Ctx, cmd: DealCmd) -> CliResult {
    match cmd {
        DealCmd::Add { customer, title, amount, currency, stage, expected_close } => {
            let new = NewDeal {
                customer_id: customer,
                title,
                amount: Money::parse(&amount, &currency)?,
                stage: stage.parse::<Stage>()?,
                expected_close: expected_close.as_deref().map(parse_date).transpose()?,
            };
            let d = ctx.store.add_deal(new)?;
            ctx.out.print(&d, || {
                vec![format!("added deal {} ({}, {}, {})", d.title, d.amount, d.stage.as_str(), d.header.id)]
            })
        }
        DealCmd::Stage { id, stage } => {
            let stage: Stage = stage.parse()?;
            let d = ctx.store.set_deal_stage(&id, stage)?;
            ctx.out.print(&d, || vec![format!("deal {} is now {} ({})", d.header.id, d.stage.as_str(), d.stage.zh())])
        }
        DealCmd::List { stage } => {
            let stage = stage.map(|s| s.parse::<Stage>()).transpose()?;
            let rows = ctx.store.list_deals(stage)?;
            let json = rows.iter().map(with_amount).collect::<CliResult<Vec<_>>>()?;
            ctx.out.print(&json, || {
                rows.iter()
                    .map(|d| {
                        format!(
                            "{}  {:<11}  {:>14} {}  {}  ({})",
                            d.id,
                            d.stage,
                            format_minor(d.amount_minor, &d.currency),
                            d.currency,
                            d.title,
                            d.customer_name
                        )
                    })
                    .collect()
            })
        }
        DealCmd::Show { id } => {
            let r = fetch(ctx, Kind::Deal, &id)?;
            let cal = ctx.calendar()?;
            let Record::Deal(d) = &r else {
                return Err(fieldreport_core::Error::NotFound { kind: "deal", id }.into());
            };
            ctx.out.print(&r, || {
                let mut lines = vec![format!("{}  {}  {}  stage {}", d.header.id, d.title, d.amount, d.stage.as_str())];
                lines.extend(
                    d.stage_history.iter().map(|e| format!("  {}  {}", format_short(e.at, &cal), e.stage.as_str())),
                );
                lines
            })
        }
        DealCmd::Delete { id } => deleted(ctx, Kind::Deal, &id, true),
        DealCmd::Restore { id } => deleted(ctx, Kind::Deal, &id, false),
    }
}
