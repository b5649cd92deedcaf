//! `customer add|edit|list|show|delete|restore` and `contact add|edit|remove|list`.

use fieldreport_core::doc::{Contact, ContactChange, Customer, CustomerEdit, Kind, NewCustomer, Record};

use super::Ctx;
use crate::args::{ContactCmd, CustomerCmd, Place};
use crate::error::{CliError, CliResult};

pub fn run(ctx: &mut Ctx, cmd: CustomerCmd) -> CliResult {
    match cmd {
        CustomerCmd::Add { name, level, address, tags, place } => {
            let level = level.map(|l| l.parse()).transpose()?;
            let location = point(&place)?;
            let c =
                ctx.store.add_customer(NewCustomer { name, level, address, tags, location, ..Default::default() })?;
            ctx.out.print(&c, || vec![format!("added customer {} ({})", c.name, c.header.id)])
        }
        CustomerCmd::Edit { customer, name, level, address, tags, place } => {
            let id = ctx.id(Kind::Customer, &customer)?;
            let edit = CustomerEdit {
                name,
                level: level.map(|l| l.parse()).transpose()?,
                address,
                location: point(&place)?,
                tags: tags.map(|t| t.into_iter().filter(|t| !t.trim().is_empty()).collect()),
            };
            if edit == CustomerEdit::default() {
                return Err(CliError::Usage(
                    "nothing to change: give --name, --level, --address, --lat/--lon or --tag".into(),
                ));
            }
            let c = ctx.store.edit_customer(&id, edit)?;
            ctx.out.print(&c, || vec![format!("edited customer {} ({})", c.name, c.header.id)])
        }
        CustomerCmd::List { search } => {
            let rows = ctx.store.list_customers(search.as_deref())?;
            ctx.out.print(&rows, || {
                rows.iter().map(|c| format!("{}  {:<1}  {}", c.id, c.level.as_deref().unwrap_or("-"), c.name)).collect()
            })
        }
        CustomerCmd::Show { customer } => {
            let c = customer_record(ctx, &customer)?;
            ctx.out.print(&c, || customer_lines(&c))
        }
        CustomerCmd::Delete { customer } => deleted(ctx, Kind::Customer, &customer, true),
        CustomerCmd::Restore { customer } => deleted(ctx, Kind::Customer, &customer, false),
    }
}

pub fn contact(ctx: &mut Ctx, cmd: ContactCmd) -> CliResult {
    let (customer, change) = match cmd {
        ContactCmd::List { customer } => {
            let c = customer_record(ctx, &customer)?;
            return ctx.out.print(&c.contacts, || contact_lines(&c));
        }
        ContactCmd::Add { customer, name, title, phone } => {
            (customer, ContactChange::Add(Contact { name, title: nonempty(title), phone: nonempty(phone) }))
        }
        ContactCmd::Edit { customer, contact, name, title, phone } => {
            if name.is_none() && title.is_none() && phone.is_none() {
                return Err(CliError::Usage("nothing to change: give --name, --title or --phone".into()));
            }
            let c = customer_record(ctx, &customer)?;
            let index = contact_index(&c, &contact)?;
            (customer, ContactChange::Edit { index, name, title, phone })
        }
        ContactCmd::Remove { customer, contact } => {
            let c = customer_record(ctx, &customer)?;
            let index = contact_index(&c, &contact)?;
            (customer, ContactChange::Remove { index })
        }
    };
    let id = ctx.id(Kind::Customer, &customer)?;
    let c = ctx.store.change_contact(&id, change)?;
    ctx.out.print(&c.contacts, || {
        let mut lines = vec![format!("contacts of {}:", c.name)];
        lines.extend(contact_lines(&c));
        lines
    })
}

/// The customer `query` names.
fn customer_record(ctx: &mut Ctx, query: &str) -> CliResult<Customer> {
    let id = ctx.id(Kind::Customer, query)?;
    match ctx.store.record(&id)? {
        Record::Customer(c) => Ok(c),
        _ => Err(fieldreport_core::Error::NotFound { kind: "customer", id }.into()),
    }
}

/// Which contact `query` means: a number from `contact list`, or a name.
fn contact_index(c: &Customer, query: &str) -> CliResult<usize> {
    let q = query.trim();
    if let Ok(n) = q.parse::<usize>() {
        if (1..=c.contacts.len()).contains(&n) {
            return Ok(n - 1);
        }
        return Err(CliError::Usage(format!("{} has {} contact(s); there is no number {n}", c.name, c.contacts.len())));
    }
    let hits: Vec<usize> = c.contacts.iter().enumerate().filter(|(_, x)| x.name == q).map(|(i, _)| i).collect();
    match hits.as_slice() {
        [one] => Ok(*one),
        [] => Err(CliError::Usage(format!(
            "{} has no contact named `{q}` (contacts: {})",
            c.name,
            c.contacts.iter().map(|x| x.name.as_str()).collect::<Vec<_>>().join(", ")
        ))),
        _ => Err(CliError::Usage(format!("{} has several contacts named `{q}`: give their number", c.name))),
    }
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

/// `--lat`/`--lon` as a point (the core's rule: both, in range, or neither).
fn point(p: &Place) -> CliResult<Option<(f64, f64)>> {
    Ok(fieldreport_core::doc::point(p.lat, p.lon).map_err(fieldreport_core::Error::from)?)
}

fn customer_lines(c: &Customer) -> Vec<String> {
    let mut lines = vec![format!("{}  {}", c.header.id, c.name)];
    if let Some(l) = c.level {
        lines.push(format!("  level: {}", l.as_str()));
    }
    if let Some(a) = &c.address {
        lines.push(format!("  address: {a}"));
    }
    if let Some((lat, lon)) = c.location {
        lines.push(format!("  location: {lat:.6}, {lon:.6}"));
    }
    if !c.tags.is_empty() {
        lines.push(format!("  tags: {}", c.tags.join(", ")));
    }
    lines.extend(contact_lines(c));
    lines
}

fn contact_lines(c: &Customer) -> Vec<String> {
    if c.contacts.is_empty() {
        return vec!["  no contacts".into()];
    }
    c.contacts
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let mut line = format!("  {}. {}", i + 1, x.name);
            if let Some(t) = &x.title {
                line.push_str(&format!("  {t}"));
            }
            if let Some(p) = &x.phone {
                line.push_str(&format!("  {p}"));
            }
            line
        })
        .collect()
}

/// Deletes or restores the record of `kind` that `query` names, and reports it.
pub fn deleted(ctx: &mut Ctx, kind: Kind, query: &str, delete: bool) -> CliResult {
    let id = ctx.id(kind, query)?;
    let r: Record = if delete { ctx.store.delete(kind, &id)? } else { ctx.store.restore(kind, &id)? };
    let h = r.header().clone();
    let verb = if delete { "deleted" } else { "restored" };
    ctx.out.print(&serde_json::json!({"id": h.id, "kind": h.kind, "deleted": h.deleted}), || {
        vec![format!("{verb} {kind} {}", h.id)]
    })
}
