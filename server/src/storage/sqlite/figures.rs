//! The queries KPI snapshots, alerts and submission statistics are computed from.

use chrono::NaiveDate;
use rusqlite::{params, Connection};

use crate::error::Result;
use crate::storage::{IdleDeal, ReportEntry, Total};

/// Per user and metric over `first..=last`: sums of the daily rollups, and for `distinct`
/// metrics the count of distinct keys.
pub(super) fn totals(conn: &Connection, first: NaiveDate, last: NaiveDate, distinct: &[String]) -> Result<Vec<Total>> {
    let (a, b) = (first.to_string(), last.to_string());
    let mut out = Vec::new();
    let mut st = conn.prepare_cached(
        "SELECT user_id, metric, SUM(value), SUM(base) FROM kpi_daily WHERE day BETWEEN ?1 AND ?2
         GROUP BY user_id, metric",
    )?;
    let rows = st.query_map(params![a, b], |r| {
        Ok(Total { user_id: r.get(0)?, metric: r.get(1)?, value: r.get(2)?, base: r.get(3)? })
    })?;
    for row in rows {
        let t = row?;
        if !distinct.contains(&t.metric) {
            out.push(t);
        }
    }
    let mut st = conn.prepare_cached(
        "SELECT user_id, COUNT(DISTINCT key) FROM kpi_facts WHERE metric = ?1 AND day BETWEEN ?2 AND ?3
         AND key IS NOT NULL GROUP BY user_id",
    )?;
    for metric in distinct {
        let rows = st.query_map(params![metric, a, b], |r| {
            Ok(Total { user_id: r.get(0)?, metric: metric.clone(), value: r.get::<_, i64>(1)? as f64, base: 0.0 })
        })?;
        for row in rows {
            out.push(row?);
        }
    }
    Ok(out)
}

/// When each user's devices last synced (`None`: never).
pub(super) fn last_seen(conn: &Connection) -> Result<Vec<(String, Option<i64>)>> {
    let mut st = conn.prepare_cached(
        "SELECT u.id, MAX(d.last_seen_at) FROM users u LEFT JOIN devices d ON d.user_id = u.id GROUP BY u.id",
    )?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Open deals whose latest followup (or, without any, whose creation) is before `before_ms`.
pub(super) fn idle_deals(conn: &Connection, before_ms: i64) -> Result<Vec<IdleDeal>> {
    let mut st = conn.prepare_cached(
        "SELECT d.id, d.owner, d.customer_id, d.title, d.stage, d.created_at,
                (SELECT MAX(f.occurred_at) FROM followup_index f WHERE f.deal_id = d.id AND f.live = 1) AS last
         FROM deal_index d
         WHERE d.live = 1 AND d.stage NOT IN ('won', 'lost') AND COALESCE(last, d.created_at) < ?1
         ORDER BY d.owner, COALESCE(last, d.created_at)",
    )?;
    let rows = st
        .query_map([before_ms], |r| {
            Ok(IdleDeal {
                id: r.get(0)?,
                owner: r.get(1)?,
                customer_id: r.get(2)?,
                title: r.get(3)?,
                stage: r.get(4)?,
                created_at: r.get(5)?,
                last_followup_at: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Live reports whose period ends within `first..=last`.
pub(super) fn reports(conn: &Connection, first: NaiveDate, last: NaiveDate) -> Result<Vec<ReportEntry>> {
    let mut st = conn.prepare_cached(
        "SELECT id, owner, kind, first, last, submitted_at FROM report_index
         WHERE live = 1 AND last BETWEEN ?1 AND ?2 ORDER BY owner, last",
    )?;
    let rows = st
        .query_map(params![first.to_string(), last.to_string()], |r| {
            let (f, l): (String, String) = (r.get(3)?, r.get(4)?);
            Ok(ReportEntry {
                id: r.get(0)?,
                owner: r.get(1)?,
                kind: r.get(2)?,
                first: f.parse().unwrap_or_default(),
                last: l.parse().unwrap_or_default(),
                submitted_at: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
