//! `customer add|list|show|delete|restore`.

use fieldreport_core::doc::{Kind, NewCustomer, Record};

use super::Ctx;
use crate::args::CustomerCmd;
use crate::error::CliResult;

pub fn run(ctx: &mut Ctx, cmd: CustomerCmd) -> CliResult {
    match cmd {
        CustomerCmd::Add { name, level, address, tags } => {
            let level = level.map(|l| l.parse()).transpose()?;
            let c = ctx.store.add_customer(NewCustomer { name, level, address, tags, ..Default::default() })?;
            ctx.out.print(&c, || vec![format!("added customer {} ({})", c.name, c.header.id)])
        }
        CustomerCmd::List { search } => {
            let rows = ctx.store.list_customers(search.as_deref())?;
            ctx.out.print(&rows, || {
                rows.iter().map(|c| format!("{}  {:<1}  {}", c.id, c.level.as_deref().unwrap_or("-"), c.name)).collect()
            })
        }
        CustomerCmd::Show { id } => {
            let c = super::fetch(ctx, Kind::Customer, &id)?;
            ctx.out.print(&c, || vec![format!("{c:#?}")])
        }
        CustomerCmd::Delete { id } => deleted(ctx, Kind::Customer, &id, true),
        CustomerCmd::Restore { id } => deleted(ctx, Kind::Customer, &id, false),
    }
}

/// Deletes or restores a record of any kind and reports it.
pub fn deleted(ctx: &mut Ctx, kind: Kind, id: &str, delete: bool) -> CliResult {
    let r: Record = if delete { ctx.store.delete(kind, id)? } else { ctx.store.restore(kind, id)? };
    let h = r.header().clone();
    let verb = if delete { "deleted" } else { "restored" };
    ctx.out.print(&serde_json::json!({"id": h.id, "kind": h.kind, "deleted": h.deleted}), || {
        vec![format!("{verb} {kind} {}", h.id)]
    })
}
