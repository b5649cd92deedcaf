//! `visit log|edit|delete|restore|list|show` (`attach|detach`: see `attachment`).

use fieldreport_core::doc::{display_distance, CheckIn, FollowupEdit, FollowupKind, Kind, NewFollowup};
use fieldreport_core::period::{parse_date, Calendar};
use fieldreport_core::report::{label_of, Lang, Names};
use fieldreport_core::store::{CheckinPlace, FollowupFilter, FollowupRow};
use serde_json::{json, Value};

use super::customer::deleted;
use super::Ctx;
use crate::args::VisitCmd;
use crate::error::CliResult;
use crate::output::snippet;
use crate::time::{format_instant, format_short, parse_instant};

pub fn run(ctx: &mut Ctx, cmd: VisitCmd) -> CliResult {
    match cmd {
        VisitCmd::Log { customer, plan, deal, kind, note, next_step, at, lat, lon, accuracy, next_on } => {
            let cal = ctx.calendar()?;
            let now = ctx.store.now_ms();
            let checkin = fieldreport_core::doc::point(lat, lon)
                .map_err(fieldreport_core::Error::from)?
                .map(|(lat, lon)| CheckIn { lat, lon, accuracy, at: now });
            let new = NewFollowup {
                customer_id: customer.map(|c| ctx.id(Kind::Customer, &c)).transpose()?.unwrap_or_default(),
                deal_id: deal.map(|d| ctx.id(Kind::Deal, &d)).transpose()?,
                kind: kind.as_deref().unwrap_or("visit").parse::<FollowupKind>()?,
                occurred_at: at.as_deref().map(|a| parse_instant(a, &cal)).transpose()?.unwrap_or(now),
                note: note.unwrap_or_default(),
                next_step: next_step.unwrap_or_default(),
                next_followup_on: next_on.as_deref().map(parse_date).transpose()?,
                checkin,
                stage_change: None,
                plan_id: None,
            };
            let f = match plan {
                Some(p) => {
                    let id = ctx.id(Kind::Plan, &p)?;
                    ctx.store.log_planned_visit(&id, new)?.0
                }
                None => ctx.store.log_followup(new)?,
            };
            show_one(ctx, &f.header.id, "logged", Lang::ZhCn)
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
            let id = ctx.id(Kind::Followup, &id)?;
            let f = ctx.store.edit_followup(&id, edit)?;
            show_one(ctx, &f.header.id, "edited", Lang::ZhCn)
        }
        VisitCmd::Delete { id } => deleted(ctx, Kind::Followup, &id, true),
        VisitCmd::Restore { id } => deleted(ctx, Kind::Followup, &id, false),
        VisitCmd::List { period, customer, deal, lang } => {
            let lang: Lang = lang.parse()?;
            let cal = ctx.calendar()?;
            let range = period.as_deref().map(|p| ctx.store.period_range(p)).transpose()?;
            let filter = FollowupFilter {
                range,
                customer_id: customer.map(|c| ctx.id(Kind::Customer, &c)).transpose()?,
                deal_id: deal.map(|d| ctx.id(Kind::Deal, &d)).transpose()?,
                ..Default::default()
            };
            let rows = ctx.store.list_followups(&filter)?;
            let names = ctx.store.names()?;
            let me = ctx.store.identity()?.user_id;
            // A manager's device holds the team's followups: say whose each is.
            let owners = rows.iter().any(|r| r.owner != me);
            let json: Vec<Value> = rows.iter().map(|r| followup_json(r, &cal, &names)).collect();
            ctx.out
                .print(&json, || rows.iter().map(|r| followup_line(r, &cal, lang, owners.then_some(&names))).collect())
        }
        VisitCmd::Show { id, lang } => {
            let lang: Lang = lang.parse()?;
            let id = ctx.id(Kind::Followup, &id)?;
            show_one(ctx, &id, "", lang)
        }
        VisitCmd::Attach { id, files } => {
            let id = ctx.id(Kind::Followup, &id)?;
            super::attachment::attach(ctx, Kind::Followup, &id, &files, None)
        }
        VisitCmd::Detach { id, hash } => {
            let id = ctx.id(Kind::Followup, &id)?;
            super::attachment::detach(ctx, Kind::Followup, &id, &hash)
        }
    }
}

fn show_one(ctx: &mut Ctx, id: &str, verb: &str, lang: Lang) -> CliResult {
    let cal = ctx.calendar()?;
    let id = id.to_string();
    let filter = FollowupFilter { id: Some(id.clone()), include_deleted: true, ..Default::default() };
    let row = ctx
        .store
        .list_followups(&filter)?
        .into_iter()
        .next()
        .ok_or_else(|| fieldreport_core::Error::NotFound { kind: "followup", id: id.clone() })?;
    let names = ctx.store.names()?;
    let checkin = ctx.store.checkin_of(&id)?;
    let mut json = followup_json(&row, &cal, &names);
    json["checkin"] = checkin_json(checkin.as_ref(), &cal);
    json["attachments"] = super::attachment::files_json(ctx, &row.attachments)?;
    let file_lines =
        row.attachments.iter().map(|a| super::attachment::file_line(ctx, a)).collect::<CliResult<Vec<_>>>()?;
    ctx.out.print(&json, || {
        let mut lines = Vec::new();
        if !verb.is_empty() {
            lines.push(format!("{verb} {} {}", row.kind, row.id));
        }
        lines.push(followup_line(&row, &cal, lang, Some(&names)));
        if !row.next_step.is_empty() {
            lines.push(format!("  {}: {}", lang.pick("下一步", "next step"), row.next_step));
        }
        if let Some(c) = &checkin {
            lines.push(format!("  {}: {}", lang.pick("签到", "check-in"), checkin_text(c, &cal, lang)));
        }
        lines.extend(file_lines);
        lines
    })
}

/// A check-in as people read it: when, where, and how far from the customer.
pub fn checkin_text(c: &CheckinPlace, cal: &Calendar, lang: Lang) -> String {
    let mut s = format!("{}  {:.6}, {:.6}", format_short(c.at, cal), c.lat, c.lon);
    if let Some(a) = c.accuracy {
        s.push_str(&format!(" (±{})", display_distance(a)));
    }
    match c.distance_m {
        Some(d) => s.push_str(&format!("  {} {}", lang.pick("距客户", "from the customer:"), display_distance(d))),
        None => s.push_str(lang.pick("  （客户未设位置）", "  (the customer has no location)")),
    }
    s
}

fn checkin_json(c: Option<&CheckinPlace>, cal: &Calendar) -> Value {
    match c {
        None => Value::Null,
        Some(c) => json!({
            "lat": c.lat,
            "lon": c.lon,
            "accuracy_m": c.accuracy,
            "at": format_instant(c.at, cal),
            "distance_m": c.distance_m.map(|d| d.round()),
        }),
    }
}

/// The JSON shape of a followup in every command's output.
pub fn followup_json(r: &FollowupRow, cal: &Calendar, names: &Names) -> Value {
    json!({
        "id": r.id,
        "owner": r.owner,
        "owner_name": names.of(&r.owner),
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
        "attachments": r.attachments.iter().map(|a| json!({"hash": a.hash, "name": a.name, "mime": a.mime, "size": a.size})).collect::<Vec<_>>(),
    })
}

/// One followup on a line; with `owners`, whose it is comes first.
fn followup_line(r: &FollowupRow, cal: &Calendar, lang: Lang, owners: Option<&Names>) -> String {
    let who = owners.map(|n| format!("{}  ", n.of(&r.owner))).unwrap_or_default();
    format!(
        "{}  {who}{}  {}  {}  [{}]",
        format_short(r.occurred_at, cal),
        label_of(&r.kind, lang),
        r.customer_name,
        snippet(&r.note, 60),
        r.id
    )
}
