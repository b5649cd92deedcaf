//! Evidence that later edits cannot rewrite: each check-in's distance from its customer as first
//! measured, and the history of customers' locations.

use super::Db;
use crate::p;
use crate::store::ConnExt;
use crate::store::StoreResult as Result;

/// One change of a customer's location.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LocationChange {
    pub customer_id: String,
    /// The customer's name now (empty when recording).
    #[serde(default)]
    pub customer_name: String,
    /// UTC milliseconds when the server merged it.
    pub at: i64,
    /// The member whose sync brought it.
    pub by: String,
    pub from: Option<(f64, f64)>,
    pub to: Option<(f64, f64)>,
}

fn pair(a: Option<f64>, b: Option<f64>) -> Option<(f64, f64)> {
    a.zip(b)
}

impl Db<'_> {
    /// The distance of `followup_id`'s check-in from its customer, as measured.
    pub fn checkin_metres(&self, followup_id: &str) -> Result<Option<f64>> {
        self.opt("SELECT metres FROM checkin_evidence WHERE followup_id = ?1", p![followup_id], |r| r.real(0))
    }

    /// Records a check-in's distance from its customer at `customer`, once (a later call for the
    /// same check-in changes nothing).
    pub fn record_checkin_evidence(&self, followup_id: &str, metres: f64, customer: (f64, f64), at: i64) -> Result<()> {
        self.exec_later(
            "INSERT INTO checkin_evidence (followup_id, metres, customer_lat, customer_lon, measured_at)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (followup_id) DO NOTHING",
            p![followup_id, metres, customer.0, customer.1, at],
        )?;
        Ok(())
    }

    /// Check-ins at customer `id` not yet measured: (followup id, check-in point).
    pub fn unmeasured_checkins(&self, customer_id: &str) -> Result<Vec<(String, (f64, f64))>> {
        self.all(
            "SELECT f.id, f.checkin_lat, f.checkin_lon FROM followup_index f
             WHERE f.customer_id = ?1 AND f.checkin_lat IS NOT NULL AND f.checkin_lon IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM checkin_evidence e WHERE e.followup_id = f.id)",
            p![customer_id],
            |r| Ok((r.text(0)?, (r.real(1)?, r.real(2)?))),
        )
    }

    /// Records a change of customer `c.customer_id`'s location.
    pub fn record_location_change(&self, c: &LocationChange) -> Result<()> {
        let (fa, fo) = (c.from.map(|p| p.0), c.from.map(|p| p.1));
        let (ta, to) = (c.to.map(|p| p.0), c.to.map(|p| p.1));
        self.exec_later(
            "INSERT INTO location_changes (customer_id, at, by_user, from_lat, from_lon, to_lat, to_lon)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            p![&c.customer_id, c.at, &c.by, fa, fo, ta, to],
        )?;
        Ok(())
    }

    /// The location changes of customers owned by `owners` since `since` (newest first, at
    /// most `limit`). One query over the period's changes (they are few: a customer is moved
    /// now and then), filtered to the owners here, however many owners a viewer has.
    pub fn location_changes(&self, owners: &[String], since: i64, limit: i64) -> Result<Vec<LocationChange>> {
        let owners: std::collections::HashSet<&str> = owners.iter().map(String::as_str).collect();
        let rows = self.all(
            "SELECT l.customer_id, l.at, l.by_user, l.from_lat, l.from_lon, l.to_lat, l.to_lon, c.name, c.owner
             FROM location_changes l JOIN customer_index c ON c.id = l.customer_id
             WHERE l.at >= ?1 ORDER BY l.at DESC",
            p![since],
            |r| {
                Ok((
                    r.text(8)?,
                    LocationChange {
                        customer_id: r.text(0)?,
                        at: r.int(1)?,
                        by: r.text(2)?,
                        from: pair(r.opt_real(3)?, r.opt_real(4)?),
                        to: pair(r.opt_real(5)?, r.opt_real(6)?),
                        customer_name: r.text(7)?,
                    },
                ))
            },
        )?;
        Ok(rows
            .into_iter()
            .filter(|(owner, _)| owners.contains(owner.as_str()))
            .map(|(_, c)| c)
            .take(limit.max(0) as usize)
            .collect())
    }
}
