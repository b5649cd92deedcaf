//! List queries, answered from the projection tables alone (never by loading documents), and a
//! followup's check-in place.

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Row};
use serde::Serialize;

use super::Store;
use crate::doc::{distance_m, Record, Stage};
use crate::error::{Error, Result};
use crate::period::DateRange;

/// A followup as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FollowupRow {
    pub id: String,
    pub owner: String,
    pub customer_id: String,
    pub customer_name: String,
    pub deal_id: Option<String>,
    pub kind: String,
    /// UTC milliseconds.
    pub occurred_at: i64,
    pub note: String,
    pub next_step: String,
    pub next_followup_on: Option<String>,
    /// Where it was checked in, if it was.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// How far the check-in was from the customer's location, in metres (both known).
    pub checkin_distance_m: Option<f64>,
    /// Photos and files attached to it.
    pub attachments: Vec<crate::doc::Attachment>,
}

/// Which followups to list. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct FollowupFilter {
    /// One followup by id.
    pub id: Option<String>,
    pub owner: Option<String>,
    pub range: Option<DateRange>,
    pub customer_id: Option<String>,
    pub deal_id: Option<String>,
    pub include_deleted: bool,
}

/// A customer as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CustomerRow {
    pub id: String,
    pub owner: String,
    pub name: String,
    pub level: Option<String>,
    pub created_at: i64,
}

/// A deal as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DealRow {
    pub id: String,
    pub owner: String,
    pub customer_id: String,
    pub customer_name: String,
    pub title: String,
    pub amount_minor: i64,
    pub currency: String,
    pub stage: String,
    pub stage_at: i64,
    pub expected_close: Option<String>,
    pub created_at: i64,
}

/// A contract as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContractRow {
    pub id: String,
    pub owner: String,
    pub customer_id: String,
    pub customer_name: String,
    pub deal_id: Option<String>,
    pub title: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub signed_on: String,
}

/// A payment as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaymentRow {
    pub id: String,
    pub owner: String,
    pub contract_id: String,
    pub customer_id: String,
    pub customer_name: String,
    pub amount_minor: i64,
    pub currency: String,
    pub received_on: String,
}

fn followup_row(r: &Row<'_>) -> rusqlite::Result<FollowupRow> {
    Ok(FollowupRow {
        id: r.get(0)?,
        owner: r.get(1)?,
        customer_id: r.get(2)?,
        customer_name: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
        deal_id: r.get(4)?,
        kind: r.get(5)?,
        occurred_at: r.get(6)?,
        note: r.get(7)?,
        next_step: r.get(8)?,
        next_followup_on: r.get(9)?,
        lat: r.get(10)?,
        lon: r.get(11)?,
        checkin_distance_m: match (r.get(10)?, r.get(11)?, r.get(12)?, r.get(13)?) {
            (Some(a), Some(b), Some(c), Some(d)) => Some(distance_m((a, b), (c, d))),
            _ => None,
        },
        attachments: r.get::<_, Option<String>>(14)?.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default(),
    })
}

/// Where a followup was checked in, and how far that was from its customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CheckinPlace {
    pub lat: f64,
    pub lon: f64,
    /// Horizontal accuracy in metres, when the device reported one.
    pub accuracy: Option<f64>,
    /// UTC milliseconds of the fix.
    pub at: i64,
    /// Metres from the customer's location, when the customer has one.
    pub distance_m: Option<f64>,
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Store {
    /// The check-in of followup `id` (none when it was logged without one), with its distance
    /// from the customer's location.
    pub fn checkin_of(&self, id: &str) -> Result<Option<CheckinPlace>> {
        let Record::Followup(f) = self.record(id)? else {
            return Err(Error::NotFound { kind: "followup", id: id.to_string() });
        };
        let Some(c) = f.checkin else { return Ok(None) };
        let place = match self.record(&f.customer_id) {
            Ok(Record::Customer(customer)) => customer.location,
            _ => None,
        };
        Ok(Some(CheckinPlace {
            lat: c.lat,
            lon: c.lon,
            accuracy: c.accuracy,
            at: c.at,
            distance_m: place.map(|p| distance_m((c.lat, c.lon), p)),
        }))
    }

    /// Followups matching `filter`, oldest first.
    pub fn list_followups(&self, filter: &FollowupFilter) -> Result<Vec<FollowupRow>> {
        let mut sql = String::from(
            "SELECT f.id, f.owner, f.customer_id, c.name, f.deal_id, f.kind, f.occurred_at, f.note, f.next_step,
                    f.next_followup_on, f.lat, f.lon, c.lat, c.lon, f.attachments
             FROM followups f LEFT JOIN customers c ON c.id = f.customer_id WHERE 1 = 1",
        );
        let mut args: Vec<Value> = Vec::new();
        if !filter.include_deleted {
            sql.push_str(" AND f.deleted = 0");
        }
        if let Some(id) = &filter.id {
            args.push(id.clone().into());
            sql.push_str(&format!(" AND f.id = ?{}", args.len()));
        }
        if let Some(o) = &filter.owner {
            args.push(o.clone().into());
            sql.push_str(&format!(" AND f.owner = ?{}", args.len()));
        }
        if let Some(r) = &filter.range {
            args.push(r.start_ms.into());
            sql.push_str(&format!(" AND f.occurred_at >= ?{}", args.len()));
            args.push(r.end_ms.into());
            sql.push_str(&format!(" AND f.occurred_at < ?{}", args.len()));
        }
        if let Some(c) = &filter.customer_id {
            args.push(c.clone().into());
            sql.push_str(&format!(" AND f.customer_id = ?{}", args.len()));
        }
        if let Some(d) = &filter.deal_id {
            args.push(d.clone().into());
            sql.push_str(&format!(" AND f.deal_id = ?{}", args.len()));
        }
        sql.push_str(" ORDER BY f.occurred_at, f.id");
        let mut st = self.conn.prepare_cached(&sql)?;
        let rows = st.query_map(params_from_iter(args), followup_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Live customers whose name contains `search` (any script; case-insensitive for ASCII),
    /// or all of them, by name.
    pub fn list_customers(&self, search: Option<&str>) -> Result<Vec<CustomerRow>> {
        let pattern = format!("%{}%", like_escape(search.unwrap_or("").trim()));
        let mut st = self.conn.prepare_cached(
            "SELECT id, owner, name, level, created_at FROM customers
             WHERE deleted = 0 AND name LIKE ?1 ESCAPE '\\' ORDER BY name, id",
        )?;
        let rows = st
            .query_map([pattern], |r| {
                Ok(CustomerRow {
                    id: r.get(0)?,
                    owner: r.get(1)?,
                    name: r.get(2)?,
                    level: r.get(3)?,
                    created_at: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Live deals, optionally only those in `stage`, newest first.
    pub fn list_deals(&self, stage: Option<Stage>) -> Result<Vec<DealRow>> {
        let mut st = self.conn.prepare_cached(
            "SELECT d.id, d.owner, d.customer_id, c.name, d.title, d.amount_minor, d.currency, d.stage, d.stage_at,
                    d.expected_close, d.created_at
             FROM deals d LEFT JOIN customers c ON c.id = d.customer_id
             WHERE d.deleted = 0 AND (?1 IS NULL OR d.stage = ?1)
             ORDER BY d.created_at DESC, d.id",
        )?;
        let rows = st
            .query_map([stage.map(Stage::as_str)], |r| {
                Ok(DealRow {
                    id: r.get(0)?,
                    owner: r.get(1)?,
                    customer_id: r.get(2)?,
                    customer_name: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    title: r.get(4)?,
                    amount_minor: r.get(5)?,
                    currency: r.get(6)?,
                    stage: r.get(7)?,
                    stage_at: r.get(8)?,
                    expected_close: r.get(9)?,
                    created_at: r.get(10)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Live contracts, newest signing first.
    pub fn list_contracts(&self) -> Result<Vec<ContractRow>> {
        let mut st = self.conn.prepare_cached(
            "SELECT k.id, k.owner, k.customer_id, c.name, k.deal_id, k.title, k.amount_minor, k.currency, k.signed_on
             FROM contracts k LEFT JOIN customers c ON c.id = k.customer_id
             WHERE k.deleted = 0 ORDER BY k.signed_on DESC, k.id",
        )?;
        let rows = st
            .query_map([], |r| {
                Ok(ContractRow {
                    id: r.get(0)?,
                    owner: r.get(1)?,
                    customer_id: r.get(2)?,
                    customer_name: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    deal_id: r.get(4)?,
                    title: r.get(5)?,
                    amount_minor: r.get(6)?,
                    currency: r.get(7)?,
                    signed_on: r.get(8)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Live payments, newest first.
    pub fn list_payments(&self) -> Result<Vec<PaymentRow>> {
        let mut st = self.conn.prepare_cached(
            "SELECT p.id, p.owner, p.contract_id, p.customer_id, c.name, p.amount_minor, p.currency, p.received_on
             FROM payments p LEFT JOIN customers c ON c.id = p.customer_id
             WHERE p.deleted = 0 ORDER BY p.received_on DESC, p.id",
        )?;
        let rows = st
            .query_map([], |r| {
                Ok(PaymentRow {
                    id: r.get(0)?,
                    owner: r.get(1)?,
                    contract_id: r.get(2)?,
                    customer_id: r.get(3)?,
                    customer_name: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                    amount_minor: r.get(5)?,
                    currency: r.get(6)?,
                    received_on: r.get(7)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
