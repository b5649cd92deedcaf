//! `contract add|list` and `payment add|list`: the money that feeds the KPIs.

use fieldreport_core::doc::NewContract;
use fieldreport_core::money::{format_minor, Money};
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
                customer_id: customer,
                deal_id: deal,
                title,
                amount: Money::parse(&amount, &currency)?,
                signed_on,
            };
            let c = ctx.store.add_contract(new)?;
            ctx.out.print(&c, || vec![format!("added contract {} ({}, signed {})", c.header.id, c.amount, signed_on)])
        }
        ContractCmd::List => {
            let rows = ctx.store.list_contracts()?;
            let json = rows.iter().map(with_amount).collect::<CliResult<Vec<_>>>()?;
            ctx.out.print(&json, || {
                rows.iter()
                    .map(|c| {
                        format!(
                            "{}  {}  {:>14} {}  {}",
                            c.id,
                            c.signed_on,
                            format_minor(c.amount_minor, &c.currency),
                            c.currency,
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
            let p = ctx.store.add_payment(&contract, &amount, currency.as_deref(), received_on)?;
            ctx.out.print(&p, || {
                vec![format!("recorded payment {} ({}, received {})", p.header.id, p.amount, received_on)]
            })
        }
        PaymentCmd::List => {
            let rows = ctx.store.list_payments()?;
            let json = rows.iter().map(with_amount).collect::<CliResult<Vec<_>>>()?;
            ctx.out.print(&json, || {
                rows.iter()
                    .map(|p| {
                        format!(
                            "{}  {}  {:>14} {}  {}",
                            p.id,
                            p.received_on,
                            format_minor(p.amount_minor, &p.currency),
                            p.currency,
                            p.customer_name
                        )
                    })
                    .collect()
            })
        }
    }
}
