//! The outbox of messages to group-chat robots. A worker claims due messages with a lease before
//! sending them, so that with several server processes each message is sent once; a lease that
//! runs out (its worker died) makes the message due again.

use super::Db;
use crate::model::{Delivery, DeliveryStatus};
use crate::p;
use crate::store::StoreResult as Result;
use crate::store::{ConnExt, Dialect, Row, StoreError};

/// A message to queue.
#[derive(Debug, Clone, Copy)]
pub struct NewDelivery<'a> {
    pub robot: &'a str,
    pub event: &'a str,
    pub subject: &'a str,
    pub title: &'a str,
    pub markdown: &'a str,
    /// Whom the message @mentions (JSON `[{"name", "phone"}]`; `None`: nobody).
    pub mentions: Option<&'a str>,
    pub now: i64,
}

fn delivery_row(r: &dyn Row) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        id: r.int(0)?,
        robot: r.text(1)?,
        event: r.text(2)?,
        subject: r.text(3)?,
        title: r.text(4)?,
        markdown: r.text(5)?,
        status: {
            let s = r.text(6)?;
            DeliveryStatus::parse(&s).ok_or_else(|| StoreError::Data(format!("unknown delivery status `{s}`")))?
        },
        attempts: r.int(7)?,
        next_at: r.int(8)?,
        last_error: r.opt_text(9)?,
        created_at: r.int(10)?,
        sent_at: r.opt_int(11)?,
        mentions: r.opt_text(12)?,
    })
}

const COLS: &str =
    "id, robot, event, subject, title, markdown, status, attempts, next_at, last_error, created_at, sent_at, mentions";

impl Db<'_> {
    /// Queues a message unless one for the same robot, event and subject exists.
    pub fn enqueue(&self, d: &NewDelivery) -> Result<()> {
        self.exec_later(
            "INSERT INTO deliveries (robot, event, subject, title, markdown, next_at, created_at, mentions)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7) ON CONFLICT DO NOTHING",
            p![d.robot, d.event, d.subject, d.title, d.markdown, d.now, d.mentions],
        )?;
        Ok(())
    }

    /// Whether a message for `robot`, `event` and `subject` was ever queued.
    pub fn queued(&self, robot: &str, event: &str, subject: &str) -> Result<bool> {
        Ok(self
            .opt(
                "SELECT 1 FROM deliveries WHERE robot = ?1 AND event = ?2 AND subject = ?3",
                p![robot, event, subject],
                |_| Ok(()),
            )?
            .is_some())
    }

    /// Claims up to `limit` pending messages (`'pending'` is written into the statement, as in
    /// the partial index `deliveries_due`, which a bound value would not use) due at `now` for `worker` until `until`, oldest
    /// first, and returns them. The limit is written into the statement (the worker always asks
    /// the same): SQLite plans a statement again each time a bound LIMIT is set.
    pub fn claim_due(&self, worker: &str, now: i64, until: i64, limit: usize) -> Result<Vec<Delivery>> {
        let lock = match self.dialect() {
            Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
            Dialect::Sqlite => "",
        };
        let sql = format!(
            "UPDATE deliveries SET claimed_by = ?1, claimed_until = ?3 WHERE id IN (
                 SELECT id FROM deliveries WHERE status = 'pending' AND next_at <= ?2
                     AND (claimed_until IS NULL OR claimed_until < ?2)
                 ORDER BY next_at, id LIMIT {limit} {lock})
             RETURNING {COLS}"
        );
        let mut rows = self.all(&sql, p![worker, now, until], delivery_row)?;
        rows.sort_by_key(|d| (d.next_at, d.id));
        Ok(rows)
    }

    /// How many messages wait to be sent.
    pub fn pending_deliveries(&self) -> Result<i64> {
        self.one("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'", p![], |r| r.int(0))
    }

    /// The latest messages, newest first.
    pub fn deliveries(&self, limit: usize) -> Result<Vec<Delivery>> {
        self.all(&format!("SELECT {COLS} FROM deliveries ORDER BY id DESC LIMIT {limit}"), p![], delivery_row)
    }

    /// How many attempts message `id` has had, if it exists.
    pub fn attempts(&self, id: i64) -> Result<Option<i64>> {
        self.opt("SELECT attempts FROM deliveries WHERE id = ?1", p![id], |r| r.int(0))
    }

    /// Records a sent message and releases its claim.
    pub fn delivered(&self, id: i64, now: i64) -> Result<()> {
        self.exec_later(
            "UPDATE deliveries SET status = ?3, attempts = attempts + 1, sent_at = ?2, last_error = NULL,
                 claimed_by = NULL, claimed_until = NULL
             WHERE id = ?1",
            p![id, now, DeliveryStatus::Sent.as_str()],
        )?;
        Ok(())
    }

    /// Records a failed attempt: `status` (pending, or failed for good), the attempts so far, the
    /// next attempt's time and the error; releases the claim.
    pub fn delivery_failed(
        &self,
        id: i64,
        status: DeliveryStatus,
        attempts: i64,
        next_at: i64,
        error: &str,
    ) -> Result<()> {
        self.exec_later(
            "UPDATE deliveries SET status = ?2, attempts = ?3, next_at = ?4, last_error = ?5,
                 claimed_by = NULL, claimed_until = NULL
             WHERE id = ?1",
            p![id, status.as_str(), attempts, next_at, error],
        )?;
        Ok(())
    }
}
