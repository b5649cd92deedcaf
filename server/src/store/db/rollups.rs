//! KPI rollups and the record indexes alerts and submission statistics read: each document's
//! stored facts, the distinct-count keys, the daily and monthly sums, and the deal, followup
//! and report indexes. What changes is computed by `service::rollups`; this stores it.

use super::Db;
use crate::p;
use crate::store::ConnExt;
use crate::store::StoreResult as Result;

/// The daily or the monthly rollup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollupTable {
    Daily,
    Monthly,
}

impl RollupTable {
    fn sql(self) -> (&'static str, &'static str) {
        match self {
            RollupTable::Daily => ("kpi_daily", "day"),
            RollupTable::Monthly => ("kpi_monthly", "month"),
        }
    }
}

/// A net change to one rollup row: (user, metric, day or month) gains `value`, `base` and
/// `facts` (negative to subtract).
#[derive(Debug, Clone, PartialEq)]
pub struct RollupDelta<'a> {
    pub table: RollupTable,
    pub user: &'a str,
    pub metric: &'a str,
    pub key: &'a str,
    pub value: f64,
    pub base: f64,
    pub facts: i64,
}

/// One stored record to rebuild from: its id and kind, and its current view or its encoding.
#[derive(Debug, Clone)]
pub struct RebuildInput {
    pub id: String,
    pub kind: String,
    pub view: Option<String>,
    pub bytes: Option<Vec<u8>>,
}

impl Db<'_> {
    /// The facts stored for document `id` (JSON, as last indexed).
    pub fn facts(&self, id: &str) -> Result<Option<String>> {
        self.opt("SELECT facts FROM doc_facts WHERE doc_id = ?1", p![id], |r| r.text(0))
    }

    /// Replaces (or, `None`, removes) the facts stored for `id`.
    pub fn set_facts(&self, id: &str, json: Option<&str>) -> Result<()> {
        match json {
            None => self.exec("DELETE FROM doc_facts WHERE doc_id = ?1", p![id])?,
            Some(j) => self.exec(
                "INSERT INTO doc_facts (doc_id, facts) VALUES (?1, ?2)
                 ON CONFLICT(doc_id) DO UPDATE SET facts = excluded.facts",
                p![id, j],
            )?,
        };
        Ok(())
    }

    pub fn delete_keys(&self, id: &str) -> Result<()> {
        self.exec_later("DELETE FROM kpi_keys WHERE doc_id = ?1", p![id])?;
        Ok(())
    }

    pub fn insert_key(&self, id: &str, metric: &str, day: &str, user: &str, key: &str) -> Result<()> {
        self.exec_later(
            "INSERT INTO kpi_keys (doc_id, metric, day, user_id, key) VALUES (?1, ?2, ?3, ?4, ?5)",
            p![id, metric, day, user, key],
        )?;
        Ok(())
    }

    /// Adds `d` to its rollup row, dropping the row when no fact is left in it.
    pub fn apply_rollup(&self, d: &RollupDelta) -> Result<()> {
        let (table, col) = d.table.sql();
        let left = self.one(
            &format!(
                "INSERT INTO {table} (user_id, metric, {col}, value, base, facts) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (user_id, {col}, metric) DO UPDATE SET value = {table}.value + excluded.value,
                     base = {table}.base + excluded.base, facts = {table}.facts + excluded.facts
                 RETURNING facts"
            ),
            p![d.user, d.metric, d.key, d.value, d.base, d.facts],
            |r| r.int(0),
        )?;
        if left <= 0 {
            self.exec_later(
                &format!("DELETE FROM {table} WHERE user_id = ?1 AND metric = ?2 AND {col} = ?3"),
                p![d.user, d.metric, d.key],
            )?;
        }
        Ok(())
    }

    pub fn index_deal(&self, d: &fieldreport_protocol::doc::Deal) -> Result<()> {
        let h = &d.header;
        self.exec_later(
            "INSERT INTO deal_index (id, owner, customer_id, title, stage, created_at, live)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(id) DO UPDATE SET owner = excluded.owner, customer_id = excluded.customer_id,
                 title = excluded.title, stage = excluded.stage, created_at = excluded.created_at, live = excluded.live",
            p![&h.id, &h.owner, &d.customer_id, &d.title, d.stage.as_str(), h.created_at, !h.deleted],
        )?;
        Ok(())
    }

    pub fn index_followup(&self, f: &fieldreport_protocol::doc::Followup) -> Result<()> {
        let h = &f.header;
        let c = f.checkin.as_ref();
        self.exec_later(
            "INSERT INTO followup_index (id, owner, deal_id, occurred_at, live, customer_id, checkin_lat, checkin_lon, checkin_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT(id) DO UPDATE SET owner = excluded.owner, deal_id = excluded.deal_id,
                 occurred_at = excluded.occurred_at, live = excluded.live, customer_id = excluded.customer_id,
                 checkin_lat = excluded.checkin_lat, checkin_lon = excluded.checkin_lon, checkin_at = excluded.checkin_at",
            p![
                &h.id,
                &h.owner,
                &f.deal_id,
                f.occurred_at,
                !h.deleted,
                &f.customer_id,
                c.map(|c| c.lat),
                c.map(|c| c.lon),
                c.map(|c| c.at)
            ],
        )?;
        Ok(())
    }

    pub fn index_customer(&self, c: &fieldreport_protocol::doc::Customer) -> Result<()> {
        let h = &c.header;
        self.exec_later(
            "INSERT INTO customer_index (id, owner, name, lat, lon, live) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(id) DO UPDATE SET owner = excluded.owner, name = excluded.name, lat = excluded.lat,
                 lon = excluded.lon, live = excluded.live",
            p![&h.id, &h.owner, &c.name, c.location.map(|l| l.0), c.location.map(|l| l.1), !h.deleted],
        )?;
        Ok(())
    }

    pub fn index_plan(&self, p: &fieldreport_protocol::doc::Plan) -> Result<()> {
        let h = &p.header;
        let (on, at) = (p.on.map(|d| d.to_string()).unwrap_or_default(), p.at.map(|t| t.format("%H:%M").to_string()));
        self.exec_later(
            "INSERT INTO plan_index (id, owner, customer_id, planned_on, planned_at, purpose, status, followup_id, live)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT(id) DO UPDATE SET owner = excluded.owner, customer_id = excluded.customer_id,
                 planned_on = excluded.planned_on, planned_at = excluded.planned_at, purpose = excluded.purpose,
                 status = excluded.status, followup_id = excluded.followup_id, live = excluded.live",
            p![
                &h.id,
                &h.owner,
                &p.customer_id,
                &on,
                at.as_deref(),
                &p.purpose,
                p.status.as_str(),
                p.followup_id.as_deref(),
                !h.deleted
            ],
        )?;
        Ok(())
    }

    pub fn index_report(&self, r: &fieldreport_protocol::doc::Report) -> Result<()> {
        let h = &r.header;
        let (first, last) = (r.first.to_string(), r.last.to_string());
        self.exec_later(
            "INSERT INTO report_index (id, owner, kind, first, last, submitted_at, live, comments)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT(id) DO UPDATE SET owner = excluded.owner, kind = excluded.kind, first = excluded.first,
                 last = excluded.last, submitted_at = excluded.submitted_at, live = excluded.live,
                 comments = excluded.comments",
            p![&h.id, &h.owner, r.kind.as_str(), &first, &last, r.submitted_at, !h.deleted, r.comments.len() as i64],
        )?;
        Ok(())
    }

    /// Forgets every fact, rollup and index (before a rebuild).
    pub fn clear_rollups(&self) -> Result<()> {
        for t in [
            "doc_facts",
            "kpi_keys",
            "kpi_daily",
            "kpi_monthly",
            "deal_index",
            "followup_index",
            "report_index",
            "customer_index",
            "plan_index",
        ] {
            self.exec_later(&format!("DELETE FROM {t}"), p![])?;
        }
        Ok(())
    }

    /// The next records to rebuild from after feed position `after`, as (last position, inputs):
    /// a record's current view (of `view_format`) when `views` and it has one, else its bytes.
    pub fn rebuild_batch(
        &self,
        after: i64,
        views: bool,
        view_format: i64,
        limit: i64,
    ) -> Result<(i64, Vec<RebuildInput>)> {
        // A current view is read instead of the document, whose bytes are then not read at all.
        let sql = format!(
            "SELECT id, kind, seq,
                 CASE WHEN ?2 = 1 AND view_format = ?3 THEN view END,
                 CASE WHEN ?2 = 1 AND view_format = ?3 AND view IS NOT NULL THEN NULL ELSE bytes END
             FROM docs WHERE seq > ?1 AND kind NOT IN ('config', 'snapshot') ORDER BY seq LIMIT {limit}"
        );
        let mut last = after;
        let rows = self.all(&sql, p![after, views, view_format], |r| {
            Ok((
                r.int(2)?,
                RebuildInput { id: r.text(0)?, kind: r.text(1)?, view: r.opt_text(3)?, bytes: r.opt_blob(4)? },
            ))
        })?;
        let inputs = rows
            .into_iter()
            .map(|(seq, i)| {
                last = seq;
                i
            })
            .collect();
        Ok((last, inputs))
    }

    /// How many daily rollup rows there are.
    pub fn daily_rollups(&self) -> Result<i64> {
        self.one("SELECT COUNT(*) FROM kpi_daily", p![], |r| r.int(0))
    }
}
