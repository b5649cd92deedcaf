//! What one record contributes to each KPI, day by day.
//!
//! The device evaluates a KPI as one SQL aggregate over its projection tables ([`super::eval`]);
//! the server cannot afford that over a whole team, so it keeps daily rollups updated at each
//! merge. Both must give the same numbers: a record's facts here follow the same rows, filters,
//! dates and aggregates as the SQL, and a test holds the two to each other.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Aggregate, Entity, KpiDef};
use crate::doc::{Record, Stage};
use crate::period::{parse_date, Calendar};

/// One record's contribution to one metric on one local day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    pub metric: String,
    /// The record's owner.
    pub user: String,
    pub day: NaiveDate,
    /// Counts count 1, sums add the field; for a conversion, 1 when the deal moved on.
    pub value: f64,
    /// For a conversion, 1 (the deal entered the stage that day); 0 otherwise.
    pub base: f64,
    /// For a distinct count, what is counted once however many rows name it.
    pub key: Option<String>,
}

/// A column's value in a projection row, as SQLite would hold it.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Int(i64),
    Text(String),
}

impl Cell {
    fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    fn opt_text(s: Option<impl ToString>) -> Cell {
        s.map(|s| Cell::Text(s.to_string())).unwrap_or(Cell::Null)
    }

    /// SQL `cell IN (values)`: an integer column compares numerically, text as text, NULL never.
    fn is_in(&self, values: &[String]) -> bool {
        match self {
            Cell::Null => false,
            Cell::Int(i) => values.iter().any(|v| v.trim().parse::<i64>() == Ok(*i)),
            Cell::Text(t) => values.iter().any(|v| v == t),
        }
    }

    /// SQL `SUM` of the cell: NULL adds nothing, text adds its leading number (SQLite's rule)
    /// or nothing.
    fn number(&self) -> f64 {
        match self {
            Cell::Null => 0.0,
            Cell::Int(i) => *i as f64,
            Cell::Text(t) => t.trim().parse::<f64>().unwrap_or(0.0),
        }
    }

    fn key(&self) -> Option<String> {
        match self {
            Cell::Null => None,
            Cell::Int(i) => Some(i.to_string()),
            Cell::Text(t) => Some(t.clone()),
        }
    }
}

/// One row of an entity's projection table: column names and cells, plus, for deal stages, the
/// position in the history and whether the deal later moved on.
struct Row {
    cells: Vec<(&'static str, Cell)>,
    /// For deal stages: whether a later entry of the history is a later open stage or won.
    moved_on: bool,
}

impl Row {
    fn get(&self, column: &str) -> &Cell {
        self.cells.iter().find(|(c, _)| *c == column).map(|(_, v)| v).unwrap_or(&Cell::Null)
    }
}

/// The projection rows of `record` for `entity` (none when the record is of another entity or
/// deleted, as the SQL's `deleted = 0`).
fn rows(record: &Record, entity: Entity) -> Vec<Row> {
    if record.header().deleted {
        return Vec::new();
    }
    let row = |cells: Vec<(&'static str, Cell)>| Row { cells, moved_on: false };
    match (record, entity) {
        (Record::Customer(c), Entity::Customers) => vec![row(vec![
            ("id", Cell::text(&c.header.id)),
            ("level", Cell::opt_text(c.level.map(|l| l.as_str()))),
            ("created_at", Cell::Int(c.header.created_at)),
        ])],
        (Record::Deal(d), Entity::Deals) => vec![row(vec![
            ("id", Cell::text(&d.header.id)),
            ("customer_id", Cell::text(&d.customer_id)),
            ("stage", Cell::text(d.stage.as_str())),
            ("amount_minor", Cell::Int(d.amount.minor)),
            ("currency", Cell::text(&d.amount.currency)),
            ("created_at", Cell::Int(d.header.created_at)),
            ("stage_at", Cell::Int(d.stage_history.last().map(|e| e.at).unwrap_or(d.header.created_at))),
        ])],
        (Record::Deal(d), Entity::DealStages) => d
            .stage_history
            .iter()
            .enumerate()
            .map(|(seq, e)| Row {
                cells: vec![
                    ("deal_id", Cell::text(&d.header.id)),
                    ("stage", Cell::text(e.stage.as_str())),
                    ("at", Cell::Int(e.at)),
                    ("amount_minor", Cell::Int(d.amount.minor)),
                    ("currency", Cell::text(&d.amount.currency)),
                ],
                moved_on: d.stage_history[seq + 1..].iter().any(|l| l.stage > e.stage && l.stage != Stage::Lost),
            })
            .collect(),
        (Record::Followup(f), Entity::Followups) => vec![row(vec![
            ("id", Cell::text(&f.header.id)),
            ("customer_id", Cell::text(&f.customer_id)),
            ("deal_id", Cell::opt_text(f.deal_id.as_ref())),
            ("kind", Cell::text(f.kind.as_str())),
            ("planned", Cell::Int(f.plan_id.is_some() as i64)),
            ("occurred_at", Cell::Int(f.occurred_at)),
            ("created_at", Cell::Int(f.header.created_at)),
        ])],
        (Record::Contract(c), Entity::Contracts) => vec![row(vec![
            ("id", Cell::text(&c.header.id)),
            ("customer_id", Cell::text(&c.customer_id)),
            ("deal_id", Cell::opt_text(c.deal_id.as_ref())),
            ("amount_minor", Cell::Int(c.amount.minor)),
            ("currency", Cell::text(&c.amount.currency)),
            ("signed_on", Cell::text(c.signed_on.map(|d| d.to_string()).unwrap_or_default())),
            ("created_at", Cell::Int(c.header.created_at)),
        ])],
        (Record::Payment(p), Entity::Payments) => vec![row(vec![
            ("id", Cell::text(&p.header.id)),
            ("customer_id", Cell::text(&p.customer_id)),
            ("contract_id", Cell::text(&p.contract_id)),
            ("amount_minor", Cell::Int(p.amount.minor)),
            ("currency", Cell::text(&p.amount.currency)),
            ("received_on", Cell::text(p.received_on.map(|d| d.to_string()).unwrap_or_default())),
            ("created_at", Cell::Int(p.header.created_at)),
        ])],
        (Record::Plan(p), Entity::Plans) => vec![row(vec![
            ("id", Cell::text(&p.header.id)),
            ("customer_id", Cell::text(&p.customer_id)),
            ("status", Cell::text(p.status.as_str())),
            ("done", Cell::Int((p.status == crate::doc::PlanStatus::Done) as i64)),
            ("planned_on", Cell::text(p.on.map(|d| d.to_string()).unwrap_or_default())),
            ("created_at", Cell::Int(p.header.created_at)),
        ])],
        _ => Vec::new(),
    }
}

/// The local day a row falls on for `def`, if any (an empty date places it nowhere).
fn day(row: &Row, def: &KpiDef, cal: &Calendar) -> Option<NaiveDate> {
    match row.get(&def.date_field) {
        Cell::Int(ms) => Some(cal.local_date(*ms)),
        Cell::Text(t) if Entity::is_date_column(&def.date_field) => parse_date(t).ok(),
        _ => None,
    }
}

/// Every fact `record` contributes to `defs`, with days in `cal`'s time zone. Definitions that
/// do not validate contribute nothing (the device refuses to evaluate them).
pub fn facts(record: &Record, defs: &[KpiDef], cal: &Calendar) -> Vec<Fact> {
    let user = &record.header().owner;
    let mut out = Vec::new();
    for def in defs {
        // Rows first: most definitions count another kind of record, and a merge computes the
        // facts of every changed document twice (before and after).
        let rows = rows(record, def.entity);
        if rows.is_empty() || def.validate().is_err() {
            continue;
        }
        for row in rows {
            if !def.filters.iter().all(|f| row.get(&f.field).is_in(&f.values)) {
                continue;
            }
            let Some(day) = day(&row, def, cal) else { continue };
            let (value, base, key) = match &def.aggregate {
                Aggregate::Count => (1.0, 0.0, None),
                Aggregate::Sum { field } => (row.get(field).number(), 0.0, None),
                Aggregate::CountDistinct { field } => match row.get(field).key() {
                    Some(k) => (1.0, 0.0, Some(k)),
                    None => continue,
                },
                Aggregate::Conversion { from } => {
                    if row.get("stage") != &Cell::text(from.as_str()) {
                        continue;
                    }
                    (if row.moved_on { 1.0 } else { 0.0 }, 1.0, None)
                }
                Aggregate::Share { field } => (if row.get(field).number() != 0.0 { 1.0 } else { 0.0 }, 1.0, None),
            };
            out.push(Fact { metric: def.id.clone(), user: user.clone(), day, value, base, key });
        }
    }
    out
}

/// Combines facts of one metric over a period into its value, as the SQL aggregate would:
/// a sum, a count of distinct keys, or moved-on over entered for a conversion.
pub fn combine<'a>(aggregate: &Aggregate, facts: impl IntoIterator<Item = &'a Fact>) -> f64 {
    match aggregate {
        Aggregate::Count | Aggregate::Sum { .. } => facts.into_iter().map(|f| f.value).sum(),
        Aggregate::CountDistinct { .. } => {
            let keys: std::collections::HashSet<&str> = facts.into_iter().filter_map(|f| f.key.as_deref()).collect();
            keys.len() as f64
        }
        Aggregate::Conversion { .. } | Aggregate::Share { .. } => {
            let (moved, entered) = facts.into_iter().fold((0.0, 0.0), |(m, e), f| (m + f.value, e + f.base));
            ratio(moved, entered)
        }
    }
}

/// `moved / entered`, 0 when nothing entered.
pub fn ratio(moved: f64, entered: f64) -> f64 {
    if entered > 0.0 {
        moved / entered
    } else {
        0.0
    }
}
