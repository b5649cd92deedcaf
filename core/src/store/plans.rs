//! Visit plans (拜访计划) on the device: plan a visit, list a day's or a period's, move one,
//! cancel one, and log the visit that carries one out (the followup and the plan's new state in
//! one transaction).

use chrono::{NaiveDate, NaiveTime};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::writes::save_new;
use super::{documents, projection, Store};
use crate::doc::{Followup, FollowupKind, Kind, NewFollowup, NewPlan, Plan, PlanStatus, Record};
use crate::error::{Error, Result};
use crate::ids::parse_id;
use crate::report::PlanItem;

/// A plan as lists show it, with its customer's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanRow {
    pub id: String,
    pub owner: String,
    pub customer_id: String,
    pub customer_name: String,
    pub on: NaiveDate,
    /// `HH:MM`, when planned to the hour.
    pub at: Option<String>,
    pub purpose: String,
    pub status: PlanStatus,
    /// The visit that carried it out.
    pub followup_id: Option<String>,
}

impl PlanRow {
    /// The plan as a report's plan block lists it.
    pub fn item(&self) -> PlanItem {
        PlanItem {
            id: self.id.clone(),
            customer_id: self.customer_id.clone(),
            customer_name: self.customer_name.clone(),
            on: self.on,
            at: self.at.clone(),
            purpose: self.purpose.clone(),
            status: self.status,
        }
    }
}

/// One member's plans of a period, not counting cancelled ones: how many, done, missed (still
/// planned when their day was over) and still ahead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanCounts {
    pub user_id: String,
    pub planned: u32,
    pub done: u32,
    pub missed: u32,
    pub ahead: u32,
}

/// The columns of a [`PlanRow`], with its customer's name.
const PLAN_ROW: &str = "SELECT p.id, p.owner, p.customer_id, COALESCE(c.name, ''), p.planned_on, p.planned_at,
        p.purpose, p.status, p.followup_id
     FROM plans p LEFT JOIN customers c ON c.id = p.customer_id";

fn plan_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PlanRow> {
    Ok(PlanRow {
        id: r.get(0)?,
        owner: r.get(1)?,
        customer_id: r.get(2)?,
        customer_name: r.get(3)?,
        on: r.get::<_, String>(4)?.parse().unwrap_or_default(),
        at: r.get(5)?,
        purpose: r.get(6)?,
        status: PlanStatus::parse(&r.get::<_, String>(7)?).unwrap_or(PlanStatus::Planned),
        followup_id: r.get(8)?,
    })
}

/// Longest a plan list looks ahead or back, in days: a period is at most a quarter.
const MAX_DAYS: i64 = 366;

impl Store {
    /// Plans a visit to customer `customer_id` on `on` (at `at`, local time) for `purpose`.
    pub fn add_plan(&mut self, mut new: NewPlan) -> Result<Plan> {
        new.customer_id = self.require_live("customers", "customer", &new.customer_id)?;
        new.purpose = new.purpose.trim().to_string();
        typed!(self.create(Kind::Plan, |h| Record::Plan(Plan::view(h, &new)), |d, h| Plan::create(d, h, &new))?, Plan)
    }

    /// The plan `id`.
    pub fn plan(&self, id: &str) -> Result<Plan> {
        let id = parse_id("plan", id)?;
        match self.record(&id) {
            Ok(Record::Plan(p)) => Ok(p),
            Ok(_) | Err(Error::NotFound { .. }) => Err(Error::NotFound { kind: "plan", id }),
            Err(e) => Err(e),
        }
    }

    /// `owner`'s live plans from `first` to `last` (at most a year), by day and hour; cancelled
    /// ones only when `cancelled`.
    pub fn plans_between(
        &self,
        owner: &str,
        first: NaiveDate,
        last: NaiveDate,
        cancelled: bool,
    ) -> Result<Vec<PlanRow>> {
        if (last - first).num_days() > MAX_DAYS {
            return Err(Error::bad_input(format!("plans are listed for at most {MAX_DAYS} days at a time")));
        }
        let mut st = self.conn.prepare_cached(&format!(
            "{PLAN_ROW}
             WHERE p.owner = ?1 AND p.planned_on >= ?2 AND p.planned_on <= ?3 AND p.deleted = 0
               AND (?4 OR p.status <> 'cancelled')
             ORDER BY p.planned_on, p.planned_at IS NULL, p.planned_at, p.created_at"
        ))?;
        let rows = st
            .query_map(params![owner, first.to_string(), last.to_string(), cancelled], plan_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Live plan `id` as lists show it (from the projection).
    pub fn plan_row(&self, id: &str) -> Result<PlanRow> {
        let id = parse_id("plan", id)?;
        self.conn
            .prepare_cached(&format!("{PLAN_ROW} WHERE p.id = ?1 AND p.deleted = 0"))?
            .query_row([&id], plan_row)
            .optional()?
            .ok_or(Error::NotFound { kind: "plan", id })
    }

    /// `owner`'s plans from `first` to `last` counted, `today` the team's day now.
    pub fn plan_counts(&self, owner: &str, first: NaiveDate, last: NaiveDate, today: NaiveDate) -> Result<PlanCounts> {
        let (planned, done, missed) = self
            .conn
            .prepare_cached(
                "SELECT COUNT(*), COALESCE(SUM(status = 'done'), 0),
                        COALESCE(SUM(status = 'planned' AND planned_on < ?4), 0)
                 FROM plans WHERE owner = ?1 AND planned_on >= ?2 AND planned_on <= ?3 AND deleted = 0
                   AND status <> 'cancelled'",
            )?
            .query_row(params![owner, first.to_string(), last.to_string(), today.to_string()], |r| {
                Ok((r.get::<_, u32>(0)?, r.get::<_, u32>(1)?, r.get::<_, u32>(2)?))
            })?;
        Ok(PlanCounts {
            user_id: owner.to_string(),
            planned,
            done,
            missed,
            ahead: planned.saturating_sub(done + missed),
        })
    }

    /// Moves plan `id` to `on` (and `at`, when given). A plan already done or cancelled stays.
    pub fn move_plan(&mut self, id: &str, on: NaiveDate, at: Option<NaiveTime>) -> Result<Plan> {
        let me = self.identity()?.user_id;
        let record = self.update(Kind::Plan, id, |doc| {
            let p = Plan::read(doc)?;
            open_plan(&me, &p)?;
            Ok(Plan::reschedule(doc, on, at)?)
        })?;
        typed!(record, Plan)
    }

    /// Cancels plan `id` (it counts in no plan completion).
    pub fn cancel_plan(&mut self, id: &str) -> Result<Plan> {
        let me = self.identity()?.user_id;
        let record = self.update(Kind::Plan, id, |doc| {
            let p = Plan::read(doc)?;
            open_plan(&me, &p)?;
            Ok(Plan::set_status(doc, PlanStatus::Cancelled, None)?)
        })?;
        typed!(record, Plan)
    }

    /// Logs the visit that carries out plan `plan_id`: `new`'s customer is the plan's, its note
    /// the plan's purpose when it has none, and the plan is marked done by it — both written in
    /// one transaction, so a visit is never counted planned without its plan done.
    pub fn log_planned_visit(&mut self, plan_id: &str, mut new: NewFollowup) -> Result<(Followup, Plan)> {
        let me = self.identity()?.user_id;
        // Checked first on the projection; again on the document inside the write.
        let plan = self.plan_row(plan_id)?;
        open(&me, &plan.id, &plan.owner, plan.status, plan.followup_id.as_deref())?;
        new.customer_id = plan.customer_id.clone();
        new.kind = FollowupKind::Visit;
        new.plan_id = Some(plan.id.clone());
        if new.note.trim().is_empty() {
            new.note = plan.purpose.clone();
        }
        let (mut doc, record) = self.prepare_followup(new)?;
        let visit = typed!(record.clone(), Followup)?;
        let now = self.now_ms();
        let actor = self.identity()?.actor_id()?;
        let tx = self.write_tx()?;
        let mut pdoc = documents::load(&tx, &plan.id, Some(Kind::Plan))?;
        pdoc.set_actor(&actor);
        // Read again inside the transaction: another call may have changed it meanwhile.
        open_plan(&me, &Plan::read(&pdoc)?)?;
        Plan::set_status(&mut pdoc, PlanStatus::Done, Some(&visit.header.id))?;
        pdoc.commit(now);
        let done = Plan::read(&pdoc).map_err(|e| Error::Corrupt { id: plan.id.clone(), reason: e.to_string() })?;
        let done_record = Record::Plan(done.clone());
        done_record.validate()?;
        save_new(&tx, &mut doc, &record, now)?;
        documents::save(&tx, &plan.id, Kind::Plan, &mut pdoc, true, now)?;
        projection::upsert(&tx, &done_record)?;
        tx.commit()?;
        Ok((visit, done))
    }
}

/// Only the plan's owner changes it, only while it is live and still planned.
fn open_plan(me: &str, p: &Plan) -> Result<()> {
    if p.header.deleted {
        return Err(Error::NotFound { kind: "plan", id: p.header.id.clone() });
    }
    open(me, &p.header.id, &p.header.owner, p.status, p.followup_id.as_deref())
}

/// Plan `id` of `owner`, in `status` (done by visit `done_by`), may be changed by `me`.
fn open(me: &str, id: &str, owner: &str, status: PlanStatus, done_by: Option<&str>) -> Result<()> {
    if owner != me {
        return Err(Error::Forbidden(format!("plan {id} is {owner}'s; only its owner changes it")));
    }
    match status {
        PlanStatus::Planned => Ok(()),
        PlanStatus::Done => {
            Err(Error::bad_input(format!("plan {id} is done already (by visit {})", done_by.unwrap_or("?"))))
        }
        PlanStatus::Cancelled => {
            Err(Error::bad_input(format!("plan {id} was cancelled; plan the visit again with `plan add`")))
        }
    }
}
