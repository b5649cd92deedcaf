//! The outbox of messages to group-chat robots: written inside the merge that raised them (so a
//! message is queued exactly when its cause commits), read and updated by the delivery worker.

use fieldreport_core::doc::Report;
use fieldreport_core::report::{render_markdown, Dialect, Lang};
use fieldreport_core::team::{Alert, RobotEvent, RobotKind};
use rusqlite::{params, Connection};

use super::config::Active;
use crate::error::Result;
use crate::robots::{BACKOFF_BASE_MS, MAX_ATTEMPTS};
use crate::storage::Delivery;

/// Queues a message for every robot that takes `event`; `markdown` renders it for a robot kind.
fn enqueue(
    conn: &Connection,
    active: &Active,
    event: RobotEvent,
    subject: &str,
    title: &str,
    markdown: &dyn Fn(RobotKind) -> String,
    now: i64,
) -> Result<()> {
    for r in active.config.robots.iter().filter(|r| r.events.contains(&event)) {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO deliveries (robot, event, subject, title, markdown, next_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        )?
        .execute(params![r.name, event.as_str(), subject, title, markdown(r.kind), now])?;
    }
    Ok(())
}

/// A user's name for a message (the id when the user is unknown).
fn user_name(conn: &Connection, id: &str) -> Result<String> {
    Ok(super::user_by_id(conn, id)?.map(|u| u.name).unwrap_or_else(|| id.to_string()))
}

/// Queues a submitted report for the robots.
pub(super) fn report_submitted(conn: &Connection, active: &Active, r: &Report, now: i64) -> Result<()> {
    if active.config.robots.is_empty() {
        return Ok(());
    }
    let author = user_name(conn, &r.header.owner)?;
    let title = format!("{author}：{}", r.title);
    let render = |kind: RobotKind| {
        let dialect = match kind {
            RobotKind::Dingtalk => Dialect::DingTalk,
            RobotKind::Feishu => Dialect::Feishu,
            RobotKind::Wecom => Dialect::WeCom,
        };
        render_markdown(r, r.lang, dialect, &active.cal)
    };
    enqueue(conn, active, RobotEvent::ReportSubmitted, &r.header.id, &title, &render, now)
}

/// Queues alerts for the robots; an alert already queued (by its id) is not queued again.
pub(super) fn alerts(conn: &Connection, active: &Active, alerts: &[Alert], now: i64) -> Result<()> {
    if active.config.robots.is_empty() {
        return Ok(());
    }
    let lang = Lang::ZhCn;
    for a in alerts {
        let who = user_name(conn, &a.user_id)?;
        let title = format!("{}：{who}", lang.pick("预警", "Alert"));
        let text = format!("**{who}** · {}\n\n{}", a.kind, a.message);
        enqueue(conn, active, RobotEvent::Alert, &a.id, &title, &|_| text.clone(), now)?;
    }
    Ok(())
}

fn delivery_row(r: &rusqlite::Row) -> rusqlite::Result<Delivery> {
    Ok(Delivery {
        id: r.get(0)?,
        robot: r.get(1)?,
        event: r.get(2)?,
        subject: r.get(3)?,
        title: r.get(4)?,
        markdown: r.get(5)?,
        status: r.get(6)?,
        attempts: r.get(7)?,
        next_at: r.get(8)?,
        last_error: r.get(9)?,
        created_at: r.get(10)?,
        sent_at: r.get(11)?,
    })
}

const COLS: &str =
    "id, robot, event, subject, title, markdown, status, attempts, next_at, last_error, created_at, sent_at";

/// Pending messages due at `now`, oldest first. The limit is written into the statement (one
/// cached statement per limit; the worker always asks the same): SQLite plans a statement again
/// each time a bound LIMIT is set, and the worker polls every half second.
pub(super) fn due(conn: &Connection, now: i64, limit: usize) -> Result<Vec<Delivery>> {
    let mut st = conn.prepare_cached(&due_sql(limit))?;
    let rows = st.query_map(params![now], delivery_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn due_sql(limit: usize) -> String {
    format!(
        "SELECT {COLS} FROM deliveries WHERE status = 'pending' AND next_at <= ?1 ORDER BY next_at, id LIMIT {limit}"
    )
}

/// The latest messages, newest first.
pub(super) fn list(conn: &Connection, limit: usize) -> Result<Vec<Delivery>> {
    let mut st = conn.prepare_cached(&format!("SELECT {COLS} FROM deliveries ORDER BY id DESC LIMIT {limit}"))?;
    let rows = st.query_map([], delivery_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Records an attempt: sent, or failed and retried later with a doubling wait, or given up after
/// the last attempt.
pub(super) fn finish(conn: &Connection, id: i64, outcome: &std::result::Result<(), String>, now: i64) -> Result<()> {
    match outcome {
        Ok(()) => {
            conn.prepare_cached(
                "UPDATE deliveries SET status = 'sent', attempts = attempts + 1, sent_at = ?2, last_error = NULL
                 WHERE id = ?1",
            )?
            .execute(params![id, now])?;
        }
        Err(e) => {
            let attempts: i64 =
                conn.prepare_cached("SELECT attempts FROM deliveries WHERE id = ?1")?.query_row([id], |r| r.get(0))?;
            let n = attempts + 1;
            let status = if n >= MAX_ATTEMPTS { "failed" } else { "pending" };
            let wait = BACKOFF_BASE_MS.saturating_mul(1 << (n - 1).min(10)).min(1_800_000);
            conn.prepare_cached(
                "UPDATE deliveries SET status = ?2, attempts = ?3, next_at = ?4, last_error = ?5 WHERE id = ?1",
            )?
            .execute(params![id, status, n, now + wait, e])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::StatementStatus;

    /// The worker's poll must not make SQLite plan its query again each time (see `due`).
    #[test]
    fn the_due_query_is_planned_once() {
        let conn = Connection::open_in_memory().unwrap();
        super::super::create_schema(&conn).unwrap();
        let mut st = conn.prepare(&due_sql(20)).unwrap();
        for now in [0i64, 1_000, 2_000, 3_000] {
            assert_eq!(st.query_map(params![now], |_| Ok(())).unwrap().count(), 0);
        }
        assert_eq!(st.get_status(StatementStatus::RePrepare), 0);
    }
}
