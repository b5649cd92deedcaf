//! `contract add|list` and `payment add|list`: the money that feeds the KPIs.

use fieldreport_core::doc::{Kind, NewContract};
use fieldreport_core::money::{display_minor, Money};
use fieldreport_core::period::parse_date;

use super::{with_amount, Ctx};
use crate::args::{ContractCmd, PaymentCmd};
use crate::error::CliResult;

/// The team-local date today.
fn today(ctx: &mut Ctx) -> CliResult<chrono::NaiveDate> {
    let cal = ctx.calendar()?;
    Ok(cal.local_date(ctx.store.now_ms()))
}

pub fn contract(ctx: &mut Ctx, cmd: ContractCmd) -> CliResult {
    match cmd {
        ContractCmd::Add { customer, amount, currency, signed_on, deal, title } => {
            let signed_on = match signed_on {
                Some(d) => parse_date(&d)?,
                None => today(ctx)?,
            };
            let new = NewContract {
                customer_id: ctx.id(Kind::Customer, &customer)?,
                deal_id: deal.map(|d| ctx.id(Kind::Deal, &d)).transpose()?,
                title,
                amount: Money::parse(&amount, &currency)?,
                signed_on,
            };
            let c = ctx.store.add_contract(new)?;
            ctx.out.print(&c, || {
                vec![format!(
                    "added contract {} ({}, signed {})",
                    c.header.id,
                    display_minor(c.amount.minor, &c.amount.currency),
                    signed_on
                )]
            })
        }
        ContractCmd::List => {
            let rows = ctx.store.list_contracts()?;
            let json = rows.iter().map(with_amount).collect::<CliResult<Vec<_>>>()?;
            ctx.out.print(&json, || {
                rows.iter()
                    .map(|c| {
                        format!(
                            "{}  {}  {:>16}  {}",
                            c.id,
                            c.signed_on,
                            display_minor(c.amount_minor, &c.currency),
                            c.customer_name
                        )
                    })
                    .collect()
            })
        }
    }
}

pub fn payment(ctx: &mut Ctx, cmd: PaymentCmd) -> CliResult {
    match cmd {
        PaymentCmd::Add { contract, amount, currency, received_on } => {
            let received_on = match received_on {
                Some(d) => parse_date(&d)?,
                None => today(ctx)?,
            };
            let contract = ctx.id(Kind::Contract, &contract)?;
            let p = ctx.store.add_payment(&contract, &amount, currency.as_deref(), received_on)?;
            ctx.out.print(&p, || {
                vec![format!(
                    "recorded payment {} ({}, received {})",
                    p.header.id,
                    display_minor(p.amount.minor, &p.amount.currency),
                    received_on
                )]
            })
        }
        PaymentCmd::List => {
            let rows = ctx.store.list_payments()?;
            let json = rows.iter().map(with_amount).collect::<CliResult<Vec<_>>>()?;
            ctx.out.print(&json, || {
                rows.iter()
                    .map(|p| {
                        format!(
                            "{}  {}  {:>16}  {}",
                            p.id,
                            p.received_on,
                            display_minor(p.amount_minor, &p.currency),
                            p.customer_name
                        )
                    })
                    .collect()
            })
        }
    }
}
