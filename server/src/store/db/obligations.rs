//! The server's own record of what was owed: each report a member had not submitted at its
//! deadline plus the grace, and the alerts the robots were already told.

use chrono::NaiveDate;

use super::Db;
use crate::p;
use crate::store::ConnExt;
use crate::store::StoreResult as Result;

/// A report a member owed, as recorded when it fell due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obligation {
    pub user_id: String,
    /// daily, weekly or monthly.
    pub kind: String,
    /// The last day of the report's period.
    pub last: NaiveDate,
    /// The deadline in force when it was recorded (UTC milliseconds).
    pub due_at: i64,
    pub recorded_at: i64,
    /// `missing`, `on_time` or `late`, as it stood when recorded.
    pub status: String,
}

impl Db<'_> {
    /// Records an obligation once; true when it was new.
    pub fn record_obligation(&self, o: &Obligation) -> Result<bool> {
        let last = o.last.to_string();
        Ok(self.exec(
            "INSERT INTO obligations (user_id, kind, last, due_at, recorded_at, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (user_id, kind, last) DO NOTHING",
            p![&o.user_id, &o.kind, &last, o.due_at, o.recorded_at, &o.status],
        )? > 0)
    }

    /// `owners`' recorded obligations whose period ends within `first..=last`.
    pub fn obligations(&self, owners: &[String], first: NaiveDate, last: NaiveDate) -> Result<Vec<Obligation>> {
        let (a, b) = (first.to_string(), last.to_string());
        super::figures::by_owners(
            self,
            owners,
            "SELECT user_id, kind, last, due_at, recorded_at, status FROM obligations
             WHERE {owner} AND last BETWEEN ?1 AND ?2 ORDER BY last, kind",
            "user_id",
            p![&a, &b],
            |r| {
                Ok(Obligation {
                    user_id: r.text(0)?,
                    kind: r.text(1)?,
                    last: r.text(2)?.parse().unwrap_or_default(),
                    due_at: r.int(3)?,
                    recorded_at: r.int(4)?,
                    status: r.text(5)?,
                })
            },
            |o| &o.user_id,
        )
    }

    /// The obligations recorded with a deadline at or after `due_from`, as (user, kind, last
    /// day): what the deadline keeper need not look at again (one query on the deadline index).
    pub fn recorded_since(&self, due_from: i64) -> Result<Vec<(String, String, NaiveDate)>> {
        self.all("SELECT user_id, kind, last FROM obligations WHERE due_at >= ?1", p![due_from], |r| {
            Ok((r.text(0)?, r.text(1)?, r.text(2)?.parse().unwrap_or_default()))
        })
    }

    /// Of `ids`, those the robots were not yet told; then records them all as told at `at`.
    pub fn announce_alerts(&self, ids: &[String], at: i64) -> Result<Vec<String>> {
        let mut fresh = Vec::new();
        for id in ids {
            if self
                .exec("INSERT INTO announced_alerts (id, at) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING", p![id, at])?
                > 0
            {
                fresh.push(id.clone());
            }
        }
        Ok(fresh)
    }
}
