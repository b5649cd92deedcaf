//! KPI rollups and the record indexes, kept up to date inside the transaction that merges each
//! document: a document's old facts are subtracted from the daily rollups and its new ones added,
//! so an edit that moves a followup to another day, changes an amount or a stage, or deletes or
//! restores a record is reflected exactly. [`rebuild`] recomputes everything from the documents.

use fieldreport_core::doc::{Doc, Record};
use fieldreport_core::kpi::{facts, Fact};
use rusqlite::{params, Connection};

use super::config::Active;
use crate::error::{Result, ServerError};

/// Brings the rollups and indexes of `record` up to date.
pub(super) fn index(conn: &Connection, active: &Active, record: &Record) -> Result<()> {
    let id = &record.header().id;
    let new = facts(record, &active.defs, &active.cal);
    let old = stored_facts(conn, id)?;
    if old != new {
        for f in &old {
            add(conn, f, -1.0)?;
        }
        conn.prepare_cached("DELETE FROM kpi_facts WHERE doc_id = ?1")?.execute([id])?;
        for f in &new {
            conn.prepare_cached(
                "INSERT INTO kpi_facts (doc_id, metric, user_id, day, value, base, key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![id, f.metric, f.user, f.day.to_string(), f.value, f.base, f.key])?;
            add(conn, f, 1.0)?;
        }
    }
    index_record(conn, record)
}

fn stored_facts(conn: &Connection, id: &str) -> Result<Vec<Fact>> {
    let mut st = conn.prepare_cached(
        "SELECT metric, user_id, day, value, base, key FROM kpi_facts WHERE doc_id = ?1 ORDER BY rowid",
    )?;
    let rows = st.query_map([id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (metric, user, day, value, base, key) = row?;
        let day = day.parse().map_err(|_| ServerError::Internal(format!("stored fact of {id} has day `{day}`")))?;
        out.push(Fact { metric, user, day, value, base, key });
    }
    Ok(out)
}

/// Adds `sign` × the fact to its daily rollup, dropping rollups left with no facts.
fn add(conn: &Connection, f: &Fact, sign: f64) -> Result<()> {
    let day = f.day.to_string();
    conn.prepare_cached(
        "INSERT INTO kpi_daily (user_id, metric, day, value, base, facts) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(user_id, metric, day) DO UPDATE SET value = value + excluded.value,
             base = base + excluded.base, facts = facts + excluded.facts",
    )?
    .execute(params![f.user, f.metric, day, sign * f.value, sign * f.base, sign as i64])?;
    if sign < 0.0 {
        conn.prepare_cached("DELETE FROM kpi_daily WHERE user_id = ?1 AND metric = ?2 AND day = ?3 AND facts <= 0")?
            .execute(params![f.user, f.metric, day])?;
    }
    Ok(())
}

/// The deal, followup and report indexes of `record`.
fn index_record(conn: &Connection, record: &Record) -> Result<()> {
    match record {
        Record::Deal(d) => {
            let h = &d.header;
            conn.prepare_cached(
                "INSERT OR REPLACE INTO deal_index (id, owner, customer_id, title, stage, created_at, live)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                h.id,
                h.owner,
                d.customer_id,
                d.title,
                d.stage.as_str(),
                h.created_at,
                !h.deleted
            ])?;
        }
        Record::Followup(f) => {
            let h = &f.header;
            conn.prepare_cached(
                "INSERT OR REPLACE INTO followup_index (id, owner, deal_id, occurred_at, live) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![h.id, h.owner, f.deal_id, f.occurred_at, !h.deleted])?;
        }
        Record::Report(r) => {
            let h = &r.header;
            conn.prepare_cached(
                "INSERT OR REPLACE INTO report_index (id, owner, kind, first, last, submitted_at, live)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                h.id,
                h.owner,
                r.kind.as_str(),
                r.first.to_string(),
                r.last.to_string(),
                r.submitted_at,
                !h.deleted
            ])?;
        }
        Record::Customer(_) | Record::Contract(_) | Record::Payment(_) => {}
    }
    Ok(())
}

/// What a rebuild went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Rebuilt {
    pub documents: u64,
    pub facts: u64,
    pub rollups: u64,
}

/// Recomputes every fact, rollup and index from the stored documents, reporting progress
/// (documents done) every few thousand documents.
pub(super) fn rebuild(conn: &Connection, active: &Active, progress: &dyn Fn(u64)) -> Result<Rebuilt> {
    conn.execute_batch(
        "DELETE FROM kpi_facts; DELETE FROM kpi_daily; DELETE FROM deal_index;
         DELETE FROM followup_index; DELETE FROM report_index;",
    )?;
    let mut st = conn.prepare("SELECT id, bytes FROM docs WHERE kind NOT IN ('config', 'snapshot') ORDER BY seq")?;
    let mut rows = st.query([])?;
    let mut documents = 0u64;
    while let Some(row) = rows.next()? {
        let (id, bytes): (String, Vec<u8>) = (row.get(0)?, row.get(1)?);
        let doc =
            Doc::load(&bytes).map_err(|e| ServerError::Internal(format!("stored document {id} is damaged: {e}")))?;
        let record = Record::read(&doc).map_err(|e| ServerError::Internal(format!("stored document {id}: {e}")))?;
        for f in facts(&record, &active.defs, &active.cal) {
            conn.prepare_cached(
                "INSERT INTO kpi_facts (doc_id, metric, user_id, day, value, base, key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![id, f.metric, f.user, f.day.to_string(), f.value, f.base, f.key])?;
        }
        index_record(conn, &record)?;
        documents += 1;
        if documents.is_multiple_of(5000) {
            progress(documents);
        }
    }
    conn.execute_batch(
        "INSERT INTO kpi_daily (user_id, metric, day, value, base, facts)
         SELECT user_id, metric, day, SUM(value), SUM(base), COUNT(*) FROM kpi_facts GROUP BY user_id, metric, day",
    )?;
    let facts: i64 = conn.query_row("SELECT COUNT(*) FROM kpi_facts", [], |r| r.get(0))?;
    let rollups: i64 = conn.query_row("SELECT COUNT(*) FROM kpi_daily", [], |r| r.get(0))?;
    progress(documents);
    Ok(Rebuilt { documents, facts: facts as u64, rollups: rollups as u64 })
}
