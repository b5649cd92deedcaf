//! The queries KPI snapshots, alerts and submission statistics are computed from.

use chrono::NaiveDate;
use rusqlite::{params, Connection};

use crate::error::Result;
use crate::storage::{IdleDeal, ReportEntry, Slice, Source, Total, User};

/// Per user and metric over `first..=last` for `slice`: sums of the daily rollups, and for
/// `distinct` metrics the count of distinct keys. Each query walks one index range.
pub(super) fn totals(
    conn: &Connection,
    first: NaiveDate,
    last: NaiveDate,
    slice: Slice,
    distinct: &[String],
) -> Result<Vec<Total>> {
    let (a, b) = (first.to_string(), last.to_string());
    let mut out = Vec::new();
    match slice {
        Slice::Users(users) => {
            let mut st = conn.prepare_cached(
                "SELECT metric, SUM(value), SUM(base) FROM kpi_daily WHERE user_id = ?1 AND day BETWEEN ?2 AND ?3
                 GROUP BY metric",
            )?;
            let mut dst = conn.prepare_cached(
                "SELECT COUNT(DISTINCT key) FROM kpi_facts WHERE metric = ?1 AND day BETWEEN ?2 AND ?3
                 AND user_id = ?4 AND key IS NOT NULL",
            )?;
            for u in users {
                let rows = st.query_map(params![u, a, b], |r| {
                    Ok(Total { user_id: u.clone(), metric: r.get(0)?, value: r.get(1)?, base: r.get(2)? })
                })?;
                for row in rows {
                    let t = row?;
                    if !distinct.contains(&t.metric) {
                        out.push(t);
                    }
                }
                for m in distinct {
                    let n: i64 = dst.query_row(params![m, a, b, u], |r| r.get(0))?;
                    out.push(Total { user_id: u.clone(), metric: m.clone(), value: n as f64, base: 0.0 });
                }
            }
        }
        Slice::Metrics(metrics) => {
            let mut st = conn.prepare_cached(
                "SELECT user_id, SUM(value), SUM(base) FROM kpi_daily WHERE metric = ?1 AND day BETWEEN ?2 AND ?3
                 GROUP BY user_id",
            )?;
            let mut dst = conn.prepare_cached(
                "SELECT user_id, COUNT(DISTINCT key), 0.0 FROM kpi_facts WHERE metric = ?1 AND day BETWEEN ?2 AND ?3
                 AND key IS NOT NULL GROUP BY user_id",
            )?;
            for m in metrics {
                let st = if distinct.contains(m) { &mut dst } else { &mut st };
                let rows = st.query_map(params![m, a, b], |r| {
                    Ok(Total { user_id: r.get(0)?, metric: m.clone(), value: r.get(1)?, base: r.get(2)? })
                })?;
                for row in rows {
                    out.push(row?);
                }
            }
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

/// The figure queries on one connection: a reader's, or the writer's inside its transaction
/// (which sees what the transaction merged so far).
pub struct ConnSource<'a>(pub &'a Connection);

impl Source for ConnSource<'_> {
    fn directory(&self) -> Result<Vec<User>> {
        super::users_of(self.0)
    }

    fn totals(&self, first: NaiveDate, last: NaiveDate, slice: Slice, distinct: &[String]) -> Result<Vec<Total>> {
        totals(self.0, first, last, slice, distinct)
    }

    fn last_seen(&self) -> Result<Vec<(String, Option<i64>)>> {
        last_seen(self.0)
    }

    fn idle_deals(&self, before_ms: i64) -> Result<Vec<IdleDeal>> {
        idle_deals(self.0, before_ms)
    }

    fn reports(&self, first: NaiveDate, last: NaiveDate) -> Result<Vec<ReportEntry>> {
        reports(self.0, first, last)
    }
}
