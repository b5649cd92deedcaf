//! `visit log|edit|delete|restore|list|show`.

use fieldreport_core::doc::{CheckIn, FollowupEdit, FollowupKind, Kind, NewFollowup};
use fieldreport_core::period::{parse_date, Calendar};
use fieldreport_core::store::{FollowupFilter, FollowupRow};
use serde_json::{json, Value};

use super::customer::deleted;
use super::Ctx;
use crate::args::VisitCmd;
use crate::error::{CliError, CliResult};
use crate::output::snippet;
use crate::time::{format_instant, format_short, parse_instant};

pub fn run(ctx: &mut Ctx, cmd: VisitCmd) -> CliResult {
    match cmd {
        VisitCmd::Log { customer, deal, kind, note, next_step, at, lat, lon, accuracy, next_on } => {
            let cal = ctx.calendar()?;
            let now = ctx.store.now_ms();
            let checkin = match (lat, lon) {
                (Some(lat), Some(lon)) => Some(CheckIn { lat, lon, accuracy, at: now }),
                (None, None) => None,
                _ => return Err(CliError::Usage("--lat and --lon go together: give both or neither".into())),
            };
            let new = NewFollowup {
                customer_id: customer,
                deal_id: deal,
                kind: kind.parse::<FollowupKind>()?,
                occurred_at: at.as_deref().map(|a| parse_instant(a, &cal)).transpose()?.unwrap_or(now),
                note,
                next_step: next_step.unwrap_or_default(),
                next_followup_on: next_on.as_deref().map(parse_date).transpose()?,
                checkin,
                attachments: Vec::new(),
                stage_change: None,
            };
            let f = ctx.store.log_followup(new)?;
            show_one(ctx, &f.header.id, "logged")
        }
        VisitCmd::Edit { id, note, next_step, at, kind } => {
            let cal = ctx.calendar()?;
            let edit = FollowupEdit {
                kind: kind.map(|k| k.parse()).transpose()?,
                occurred_at: at.as_deref().map(|a| parse_instant(a, &cal)).transpose()?,
                note,
                next_step,
                next_followup_on: None,
            };
            let f = ctx.store.edit_followup(&id, edit)?;
            show_one(ctx, &f.header.id, "edited")
        }
        VisitCmd::Delete { id } => deleted(ctx, Kind::Followup, &id, true),
        VisitCmd::Restore { id } => deleted(ctx, Kind::Followup, &id, false),
        VisitCmd::List { period, customer, deal } => {
            let cal = ctx.calendar()?;
            let range = period.as_deref().map(|p| ctx.store.period_range(p)).transpose()?;
            let filter = FollowupFilter {
                range,
                customer_id: customer.as_deref().map(|c| fieldreport_core::ids::parse_id("customer", c)).transpose()?,
                deal_id: deal.as_deref().map(|d| fieldreport_core::ids::parse_id("deal", d)).transpose()?,
                ..Default::default()
            };
            let rows = ctx.store.list_followups(&filter)?;
            let json: Vec<Value> = rows.iter().map(|r| followup_json(r, &cal)).collect();
            ctx.out.print(&json, || rows.iter().map(|r| followup_line(r, &cal)).collect())
        }
        VisitCmd::Show { id } => show_one(ctx, &id, ""),
    }
}

fn show_one(ctx: &mut Ctx, id: &str, verb: &str) -> CliResult {
    let cal = ctx.calendar()?;
    let id = fieldreport_core::ids::parse_id("followup", id)?;
    let filter = FollowupFilter { id: Some(id.clone()), include_deleted: true, ..Default::default() };
    let row = ctx
        .store
        .list_followups(&filter)?
        .into_iter()
        .next()
        .ok_or(fieldreport_core::Error::NotFound { kind: "followup", id })?;
    let json = followup_json(&row, &cal);
    ctx.out.print(&json, || {
        let mut lines = Vec::new();
        if !verb.is_empty() {
            lines.push(format!("{verb} {} {}", row.kind, row.id));
        }
        lines.push(followup_line(&row, &cal));
        if !row.next_step.is_empty() {
            lines.push(format!("  next step: {}", row.next_step));
        }
        lines
    })
}

/// The JSON shape of a followup in every command's output.
pub fn followup_json(r: &FollowupRow, cal: &Calendar) -> Value {
    json!({
        "id": r.id,
        "owner": r.owner,
        "customer_id": r.customer_id,
        "customer_name": r.customer_name,
        "deal_id": r.deal_id,
        "kind": r.kind,
        "note": r.note,
        "next_step": r.next_step,
        "occurred_at": format_instant(r.occurred_at, cal),
        "next_followup_on": r.next_followup_on,
        "lat": r.lat,
        "lon": r.lon,
    })
}

fn followup_line(r: &FollowupRow, cal: &Calendar) -> String {
    format!(
        "{}  {:<7}  {}  {}  [{}]",
        format_short(r.occurred_at, cal),
        r.kind,
        r.customer_name,
        snippet(&r.note, 60),
        r.id
    )
}
