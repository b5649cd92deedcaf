//! Evidence kept as a merge brings it: a check-in is measured against its customer's location
//! the first time both are known, and a customer's location change is written down with who
//! brought it, when, and from where to where. Neither is ever rewritten.

use fieldreport_protocol::doc::{distance_m, Record};

use crate::error::Result;
use crate::store::db::LocationChange;
use crate::store::Db;

/// Notes what a merge of `record` (as it was: `before`), brought by member `by` at `now`,
/// changes of the evidence. Runs after the record's indexes are up to date.
pub(super) fn note(db: &Db, before: Option<&Record>, record: &Record, by: &str, now: i64) -> Result<()> {
    match record {
        Record::Followup(f) => {
            let Some(c) = &f.checkin else { return Ok(()) };
            // A check-in is looked at when it first arrives (an edit of the note leaves it be; one
            // whose customer had no location then is measured when the customer gets one).
            let seen = matches!(before, Some(Record::Followup(b)) if b.checkin.is_some());
            if f.header.deleted || seen {
                return Ok(());
            }
            // Recorded once: a check-in measured before is left as it was.
            if let Some(place) = db.customer_place(&f.customer_id)?.and_then(|(_, lat, lon)| lat.zip(lon)) {
                db.record_checkin_evidence(&f.header.id, distance_m((c.lat, c.lon), place), place, now)?;
            }
        }
        Record::Customer(c) => {
            let was = match before {
                Some(Record::Customer(b)) => b.location,
                _ => None,
            };
            if before.is_some() && was == c.location {
                return Ok(()); // the location did not change: nothing to record or measure
            }
            if before.is_some() {
                db.record_location_change(&LocationChange {
                    customer_id: c.header.id.clone(),
                    customer_name: String::new(),
                    at: now,
                    by: by.to_string(),
                    from: was,
                    to: c.location,
                })?;
            }
            // Check-ins that waited for the customer's location are measured now, once.
            if let Some(place) = c.location {
                for (id, point) in db.unmeasured_checkins(&c.header.id)? {
                    db.record_checkin_evidence(&id, distance_m(point, place), place, now)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// How far back the dashboard lists customers' location changes.
const MOVES_SINCE_MS: i64 = 30 * 86_400_000;
/// Most location changes the dashboard lists.
const MOVES_SHOWN: i64 = 50;

impl super::Service {
    /// The location changes of customers owned by `owners` in the last 30 days, newest first
    /// (at most 50): what a manager checks check-in anomalies against.
    pub fn location_changes(&self, owners: &[String], now: i64) -> Result<Vec<LocationChange>> {
        self.store.read(|db| Ok(db.location_changes(owners, now - MOVES_SINCE_MS, MOVES_SHOWN)?))
    }

    /// The live plans of `owners` from `first` to `last`: what a manager reads each member's
    /// plans and misses from.
    pub fn plans(
        &self,
        owners: &[String],
        first: chrono::NaiveDate,
        last: chrono::NaiveDate,
    ) -> Result<Vec<crate::store::db::PlanEntry>> {
        self.store.read(|db| Ok(db.plans_of(owners, &first.to_string(), &last.to_string())?))
    }
}
