//! Visit plans (拜访计划) through the FFI: plan, list, move, cancel, and log the visit that
//! carries one out in one call.

use std::sync::Arc;

use std::time::SystemTime;

use chrono::NaiveTime;
use fieldreport_core::doc;

use crate::records::checkin;
use crate::store::{FieldStore, Result};
use crate::types::*;

/// An `HH:MM` time from the app.
fn time(at: Option<String>) -> Result<Option<NaiveTime>> {
    Ok(at.as_deref().map(fieldreport_core::period::parse_time).transpose()?)
}

#[uniffi::export]
impl FieldStore {
    /// Plans a visit to customer `customer_id` on day `on`, at `at` (`HH:MM`) when
    /// given, for `purpose`. Offline; synced like any record, and seen by the rep's manager.
    #[uniffi::method(default(at = None, purpose = ""))]
    pub async fn add_plan(
        self: Arc<Self>,
        customer_id: String,
        on: NaiveDate,
        at: Option<String>,
        purpose: String,
    ) -> Result<Plan> {
        let new = doc::NewPlan { customer_id, on, at: time(at)?, purpose };
        self.call(move |s| {
            let p = s.add_plan(new)?;
            s.plan_row(&p.header.id)
        })
        .await
        .map(Into::into)
    }

    /// The plans of `owner` (this user when `None`; a manager may name a member) from `first` to
    /// `last` (at most a year), by day and hour; cancelled ones only when asked.
    #[uniffi::method(default(owner = None, cancelled = false))]
    pub async fn plans(
        self: Arc<Self>,
        first: NaiveDate,
        last: NaiveDate,
        owner: Option<String>,
        cancelled: bool,
    ) -> Result<Vec<Plan>> {
        self.call(move |s| {
            let owner = match owner {
                Some(o) => o,
                None => s.identity()?.user_id,
            };
            s.plans_between(&owner, first, last, cancelled)
        })
        .await
        .map(|v| v.into_iter().map(Into::into).collect())
    }

    /// Moves plan `id` to `on` (and `at`, when given).
    #[uniffi::method(default(at = None))]
    pub async fn move_plan(self: Arc<Self>, id: String, on: NaiveDate, at: Option<String>) -> Result<Plan> {
        let at = time(at)?;
        self.call(move |s| {
            s.move_plan(&id, on, at)?;
            s.plan_row(&id)
        })
        .await
        .map(Into::into)
    }

    /// Cancels plan `id`: it counts in no plan completion.
    pub async fn cancel_plan(self: Arc<Self>, id: String) -> Result<Plan> {
        self.call(move |s| {
            s.cancel_plan(&id)?;
            s.plan_row(&id)
        })
        .await
        .map(Into::into)
    }

    /// Logs the visit that carries out plan `plan_id` (its customer; its purpose as the note
    /// when `note` is empty), and marks the plan done, in one write.
    #[uniffi::method(default(note = "", occurred_at = None, checkin = None))]
    pub async fn log_planned_visit(
        self: Arc<Self>,
        plan_id: String,
        note: String,
        occurred_at: Option<SystemTime>,
        checkin: Option<CheckIn>,
    ) -> Result<Followup> {
        let occurred_at = occurred_at.map(|t| millis(t, "occurred_at")).transpose()?;
        let checkin = self::checkin(checkin)?;
        self.call(move |s| {
            let mut n = doc::NewFollowup::new("", doc::FollowupKind::Visit, occurred_at.unwrap_or(s.now_ms()), &note);
            n.checkin = checkin;
            s.log_planned_visit(&plan_id, n).map(|(visit, _)| visit)
        })
        .await
        .map(Into::into)
    }
}
