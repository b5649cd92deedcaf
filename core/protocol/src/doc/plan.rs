//! 拜访计划 — a planned visit: which customer, on which day (and hour), for what; then whether it
//! was done (by which visit), moved or cancelled. Tomorrow's plans fill the daily's plan section,
//! and the plans of a period give 计划完成率 (plan completion).

use automerge::ROOT;
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use super::validation::{max_len, uuid, MAX_SHORT};
use super::{fields, Doc, Header, Kind, ValidationError};

const CUSTOMER: &str = "customer_id";
const ON: &str = "planned_on";
const AT: &str = "planned_at";
const PURPOSE: &str = "purpose";
const STATUS: &str = "status";
const FOLLOWUP: &str = "followup_id";

words! {
    /// Where a plan stands.
    #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
    pub enum PlanStatus {
        /// Still to do.
        Planned = "planned",
        /// A visit was logged for it.
        Done = "done",
        /// Called off: it counts nowhere.
        Cancelled = "cancelled",
    }
}

/// What a new plan starts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPlan {
    pub customer_id: String,
    /// The local day of the visit, in the team's zone.
    pub on: NaiveDate,
    /// The local time, when planned to the hour.
    pub at: Option<NaiveTime>,
    pub purpose: String,
}

/// The typed view of a plan document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    #[serde(flatten)]
    pub header: Header,
    pub customer_id: String,
    pub on: Option<NaiveDate>,
    pub at: Option<NaiveTime>,
    pub purpose: String,
    pub status: PlanStatus,
    /// The visit that did it (when done).
    pub followup_id: Option<String>,
}

impl Plan {
    pub fn create(doc: &mut Doc, header: &Header, new: &NewPlan) -> Result<(), automerge::AutomergeError> {
        header.write(doc)?;
        fields::put(doc, &ROOT, CUSTOMER, new.customer_id.as_str())?;
        fields::put(doc, &ROOT, ON, new.on.to_string())?;
        fields::put_opt(doc, &ROOT, AT, new.at.map(|t| t.format("%H:%M").to_string()))?;
        fields::set_text(doc, &ROOT, PURPOSE, &new.purpose)?;
        fields::put(doc, &ROOT, STATUS, PlanStatus::Planned.as_str())
    }

    /// The view of a plan created from `new`, without reading the document back.
    pub fn view(header: &Header, new: &NewPlan) -> Plan {
        Plan {
            header: header.clone(),
            customer_id: new.customer_id.clone(),
            on: Some(new.on),
            at: new.at,
            purpose: new.purpose.clone(),
            status: PlanStatus::Planned,
            followup_id: None,
        }
    }

    /// Moves the plan to another day (and hour, when given).
    pub fn reschedule(doc: &mut Doc, on: NaiveDate, at: Option<NaiveTime>) -> Result<(), automerge::AutomergeError> {
        fields::put(doc, &ROOT, ON, on.to_string())?;
        if let Some(t) = at {
            fields::put(doc, &ROOT, AT, t.format("%H:%M").to_string())?;
        }
        Ok(())
    }

    /// Sets the status; `followup` names the visit that did it.
    pub fn set_status(
        doc: &mut Doc,
        status: PlanStatus,
        followup: Option<&str>,
    ) -> Result<(), automerge::AutomergeError> {
        fields::put(doc, &ROOT, STATUS, status.as_str())?;
        fields::put_opt(doc, &ROOT, FOLLOWUP, followup)
    }

    /// Reads the typed view; fails only when the document is not a plan.
    pub fn read(doc: &Doc) -> Result<Plan, ValidationError> {
        Ok(Plan {
            header: Header::read_kind(doc, Kind::Plan)?,
            customer_id: fields::str(doc, &ROOT, CUSTOMER).unwrap_or_default(),
            on: fields::str(doc, &ROOT, ON).and_then(|s| s.parse().ok()),
            at: fields::str(doc, &ROOT, AT).and_then(|s| NaiveTime::parse_from_str(&s, "%H:%M").ok()),
            purpose: fields::text(doc, &ROOT, PURPOSE),
            // A status this version does not know reads as still planned.
            status: fields::str(doc, &ROOT, STATUS).and_then(|s| PlanStatus::parse(&s)).unwrap_or(PlanStatus::Planned),
            followup_id: fields::str(doc, &ROOT, FOLLOWUP),
        })
    }

    /// Checks the customer, the day, the purpose and the visit that did it.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.header.validate()?;
        uuid(CUSTOMER, &self.customer_id)?;
        if self.on.is_none() {
            return Err(ValidationError::Required { field: ON });
        }
        max_len(PURPOSE, &self.purpose, MAX_SHORT)?;
        if let Some(f) = &self.followup_id {
            uuid(FOLLOWUP, f)?;
        }
        Ok(())
    }
}
