//! What the server publishes to each device: its user's KPI figures for the standard periods and
//! their alerts, computed from everyone's merged records (read-only on the device).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::kpi::Status;

/// One figure: `user_id` is `None` for the team (conversions: the pooled team average).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub user_id: Option<String>,
    pub metric: String,
    pub value: f64,
    /// Pro-rated to the days of the period up to today.
    pub target: Option<f64>,
    pub achievement: Option<f64>,
    pub status: Option<Status>,
    pub name_zh: String,
    pub name_en: String,
    /// The value as people read it (`¥1,200.00`, `37.5%`).
    pub display: String,
    /// The same metric over the previous period (周环比 / 月环比).
    pub previous: Option<f64>,
    /// `(value - previous) / previous`, when the previous value is positive.
    pub change: Option<f64>,
}

/// An alert. `id` is stable while the condition lasts, so a delivery can tell new ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Alert {
    pub id: String,
    /// conversion_below_team, stale_deal, report_missing, report_late or kpi_red.
    pub kind: String,
    pub user_id: String,
    /// What it is about: a metric, a deal id, a report kind.
    pub subject: String,
    /// One line for people.
    pub message: String,
}

/// The figures of one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodFigures {
    /// `today`, `this-week`… as [`crate::period::Period`] prints it.
    pub period: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub rows: Vec<Figure>,
}

/// The body of a user's snapshot document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotBody {
    pub user_id: String,
    /// UTC milliseconds when the server computed it.
    pub computed_at: i64,
    pub periods: Vec<PeriodFigures>,
    pub alerts: Vec<Alert>,
    /// Who read this user's reports on the web dashboard, and when.
    #[serde(default)]
    pub reads: Vec<ReadReceipt>,
}

/// A recipient opened a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ReadReceipt {
    pub report_id: String,
    pub reader: String,
    /// UTC milliseconds.
    pub at: i64,
}

impl SnapshotBody {
    /// The figures of the local days `first..=last`, when the snapshot has that period.
    pub fn period_covering(&self, first: NaiveDate, last: NaiveDate) -> Option<&PeriodFigures> {
        self.periods.iter().find(|p| p.first == first && p.last == last)
    }
}
