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
    /// Order, size and start (default: all, oldest first).
    pub page: Page,
}

/// The direction of a list along its sort key (a followup's time, a customer's name, a deal's
/// creation, a contract's signing, a payment's day, a report's period).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    #[default]
    Ascending,
    Descending,
}

/// One page of a list: at most `limit` rows (all without), in `order`, after the row whose id is
/// `after` (the last row of the previous page), or after a [`Cursor`] token. Pages hold when rows
/// are added meanwhile; with a token, also when the last row shown changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    pub limit: Option<usize>,
    pub order: Order,
    pub after: Option<String>,
}

/// Where the next page starts: the last row's sort key and id, as a list showed them (see
/// [`Cursor::text`] and [`Cursor::number`]); written into [`Page::after`] as one token.
pub struct Cursor {
    key: Value,
    id: String,
}

/// Separates a cursor's parts (never in an id).
const CURSOR_SEP: char = '\u{1f}';

impl Cursor {
    /// The token after a row whose text key (a customer's name) is `key`.
    pub fn text(key: &str, id: &str) -> String {
        format!("t{key}{CURSOR_SEP}{id}")
    }

    /// The token after a row whose numeric key (a followup's time) is `key`.
    pub fn number(key: i64, id: &str) -> String {
        format!("n{key}{CURSOR_SEP}{id}")
    }

    /// A token's key and id; `None` for a plain id.
    fn parse(token: &str) -> Result<Option<Cursor>> {
        let Some((key, id)) = token.rsplit_once(CURSOR_SEP) else { return Ok(None) };
        let bad = || Error::bad_input("this page token is damaged: list again from the start");
        let key = match key.split_at_checked(1) {
            Some(("t", text)) => Value::Text(text.to_string()),
            Some(("n", n)) => Value::Integer(n.parse().map_err(|_| bad())?),
            _ => return Err(bad()),
        };
        Ok(Some(Cursor { key, id: id.to_string() }))
    }
}

impl Page {
    /// The first `limit` rows in `order`.
    pub fn first(limit: usize, order: Order) -> Page {
        Page { limit: Some(limit), order, after: None }
    }
}

/// A customer as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerRow {
    pub id: String,
    pub owner: String,
    pub name: String,
    pub level: Option<String>,
    pub created_at: i64,
}

/// A deal as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
        // As recorded when the rep checked in; a followup from before that was recorded is
        // measured against where the customer is now.
        checkin_distance_m: match (r.get::<_, Option<f64>>(15)?, r.get(10)?, r.get(11)?, r.get(12)?, r.get(13)?) {
            (Some(m), ..) => Some(m),
            (None, Some(a), Some(b), Some(c), Some(d)) => Some(distance_m((a, b), (c, d))),
            _ => None,
        },
        attachments: r.get::<_, Option<String>>(14)?.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default(),
    })
}

/// Where a followup was checked in, and how far that was from its customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// Ends a list's SQL (whose table `table` has alias `alias`) with `page`: rows after the
    /// cursor row by (`key`, id), the order, the limit. An unknown cursor is refused.
    pub(super) fn paginate(
        &self,
        sql: &mut String,
        args: &mut Vec<Value>,
        table: &str,
        alias: &str,
        key: &str,
        page: &Page,
    ) -> Result<()> {
        let (cmp, dir) = match page.order {
            Order::Ascending => (">", "ASC"),
            Order::Descending => ("<", "DESC"),
        };
        if let Some(after) = page.after.as_deref() {
            match Cursor::parse(after)? {
                // The key as the previous page showed it: the page holds its place even when
                // that row changed since (renamed, moved, deleted).
                Some(Cursor { key: at, id }) => {
                    args.push(at);
                    args.push(id.into());
                    let n = args.len();
                    sql.push_str(&format!(" AND ({alias}.{key}, {alias}.id) {cmp} (?{}, ?{n})", n - 1));
                }
                None => {
                    let known =
                        self.conn.prepare_cached(&format!("SELECT 1 FROM {table} WHERE id = ?1"))?.exists([after])?;
                    if !known {
                        return Err(Error::bad_input(format!(
                            "`{after}` is not a row of this list: pass the id of the last row of the previous page"
                        )));
                    }
                    args.push(after.to_string().into());
                    let n = args.len();
                    sql.push_str(&format!(
                        " AND ({alias}.{key}, {alias}.id) {cmp} (SELECT {key}, id FROM {table} WHERE id = ?{n})"
                    ));
                }
            }
        }
        sql.push_str(&format!(" ORDER BY {alias}.{key} {dir}, {alias}.id {dir}"));
        if let Some(limit) = page.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        Ok(())
    }

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
            distance_m: f.checkin_metres.or_else(|| place.map(|p| distance_m((c.lat, c.lon), p))),
        }))
    }

    /// Followups matching `filter`, in its page's order by time (oldest first by default).
    pub fn list_followups(&self, filter: &FollowupFilter) -> Result<Vec<FollowupRow>> {
        let mut sql = String::from(
            "SELECT f.id, f.owner, f.customer_id, c.name, f.deal_id, f.kind, f.occurred_at, f.note, f.next_step,
                    f.next_followup_on, f.lat, f.lon, c.lat, c.lon, f.attachments, f.checkin_m
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
        self.paginate(&mut sql, &mut args, "followups", "f", "occurred_at", &filter.page)?;
        let mut st = self.conn.prepare_cached(&sql)?;
        let rows = st.query_map(params_from_iter(args), followup_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Live customers whose name contains `search` (any script; case-insensitive for ASCII),
    /// or all of them, by name.
    pub fn list_customers(&self, search: Option<&str>) -> Result<Vec<CustomerRow>> {
        self.list_customers_page(search, &Page::default())
    }

    /// Live customers matching `search` — in the name, the address, a tag, or the name's pinyin
    /// whole or by initials (`hw` finds 华为) — or all of them, one page by name.
    pub fn list_customers_page(&self, search: Option<&str>, page: &Page) -> Result<Vec<CustomerRow>> {
        let needle = search.unwrap_or("").trim();
        let mut sql =
            String::from("SELECT c.id, c.owner, c.name, c.level, c.created_at FROM customers c WHERE c.deleted = 0");
        let mut args: Vec<Value> = Vec::new();
        if !needle.is_empty() {
            args.push(format!("%{}%", like_escape(needle)).into());
            sql.push_str(" AND (c.name LIKE ?1 ESCAPE '\\' OR c.search LIKE ?1 ESCAPE '\\')");
        }
        self.paginate(&mut sql, &mut args, "customers", "c", "name", page)?;
        let mut st = self.conn.prepare_cached(&sql)?;
        let rows = st
            .query_map(params_from_iter(args), |r| {
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
        self.list_deals_page(stage, &Page { order: Order::Descending, ..Page::default() })
    }

    /// Live deals, optionally only those in `stage`, one page by creation.
    pub fn list_deals_page(&self, stage: Option<Stage>, page: &Page) -> Result<Vec<DealRow>> {
        let mut sql = String::from(
            "SELECT d.id, d.owner, d.customer_id, c.name, d.title, d.amount_minor, d.currency, d.stage, d.stage_at,
                    d.expected_close, d.created_at
             FROM deals d LEFT JOIN customers c ON c.id = d.customer_id
             WHERE d.deleted = 0 AND (?1 IS NULL OR d.stage = ?1)",
        );
        let mut args: Vec<Value> = vec![stage.map(|s| s.as_str().to_string()).into()];
        self.paginate(&mut sql, &mut args, "deals", "d", "created_at", page)?;
        let mut st = self.conn.prepare_cached(&sql)?;
        let rows = st
            .query_map(params_from_iter(args), |r| {
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
        self.list_contracts_page(None, &Page { order: Order::Descending, ..Page::default() })
    }

    /// Live contracts, optionally of one customer, one page by signing day.
    pub fn list_contracts_page(&self, customer_id: Option<&str>, page: &Page) -> Result<Vec<ContractRow>> {
        let mut sql = String::from(
            "SELECT k.id, k.owner, k.customer_id, c.name, k.deal_id, k.title, k.amount_minor, k.currency, k.signed_on
             FROM contracts k LEFT JOIN customers c ON c.id = k.customer_id
             WHERE k.deleted = 0 AND (?1 IS NULL OR k.customer_id = ?1)",
        );
        let mut args: Vec<Value> = vec![customer_id.map(str::to_string).into()];
        self.paginate(&mut sql, &mut args, "contracts", "k", "signed_on", page)?;
        let mut st = self.conn.prepare_cached(&sql)?;
        let rows = st
            .query_map(params_from_iter(args), |r| {
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
        self.list_payments_page(None, &Page { order: Order::Descending, ..Page::default() })
    }

    /// Live payments, optionally against one contract, one page by the day received.
    pub fn list_payments_page(&self, contract_id: Option<&str>, page: &Page) -> Result<Vec<PaymentRow>> {
        let mut sql = String::from(
            "SELECT p.id, p.owner, p.contract_id, p.customer_id, c.name, p.amount_minor, p.currency, p.received_on
             FROM payments p LEFT JOIN customers c ON c.id = p.customer_id
             WHERE p.deleted = 0 AND (?1 IS NULL OR p.contract_id = ?1)",
        );
        let mut args: Vec<Value> = vec![contract_id.map(str::to_string).into()];
        self.paginate(&mut sql, &mut args, "payments", "p", "received_on", page)?;
        let mut st = self.conn.prepare_cached(&sql)?;
        let rows = st
            .query_map(params_from_iter(args), |r| {
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
