//! What the server publishes to each device: its user's KPI figures for the standard periods and
//! their alerts, computed from everyone's merged records (read-only on the device).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::codes::AlertKind;

use crate::kpi::Status;
use crate::period::Period;

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
    /// The target as people read it, in the metric's unit (`¥350,000.00`, not 分).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_display: Option<String>,
    /// A conversion's denominator: how many entered its first stage (none: not a conversion).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<f64>,
    /// The same metric over the previous period (周环比 / 月环比).
    pub previous: Option<f64>,
    /// `(value - previous) / previous`, when the previous value is positive.
    pub change: Option<f64>,
}

/// Something the server found worth a manager's attention (in words: `alert_text`). `id` is
/// stable while the condition lasts, so a delivery can tell new ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Alert {
    pub id: String,
    /// What it is about, as text: an [`AlertKind`]'s word (read it with [`Alert::alert_kind`]).
    pub kind: String,
    pub user_id: String,
    /// What it is about: a metric, a deal id, a report kind, a followup id.
    pub subject: String,
    /// One line in English with ids, for logs and old devices; people read
    /// [`crate::team::alert_text`], which renders `facts` in their language with names.
    pub message: String,
    /// What the alert says, for rendering in any language (absent from alerts of older servers).
    #[serde(default)]
    pub facts: AlertFacts,
}

impl Alert {
    /// What the alert is about; `None` for a kind this build does not know (a newer server's).
    pub fn alert_kind(&self) -> Option<AlertKind> {
        AlertKind::parse(&self.kind)
    }
}

/// The particulars of an alert; which are set depends on its kind. Figures are already
/// formatted (`37.5%`, `¥1,200.00`), since they read the same in every language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(default)]
pub struct AlertFacts {
    /// The metric's name in Chinese and in English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_zh: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_en: Option<String>,
    /// The figure that raised the alert.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// What it is measured against: the team average, the target, the distance allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The share of the team average below which conversion alerts (`50%`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<String>,
    /// A deal's title or a customer's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A deal's stage (stored value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// Days without a followup.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<i64>,
    /// A report kind (stored value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_kind: Option<String>,
    /// A date (YYYY-MM-DD): the last day of a missing report's period, a check-in's day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The period a figure is of (`this-week`, `this-month`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
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

/// One row of a department's figures: the department's own (`user_id` null, `dept_id` the
/// department), a sub-department's (`user_id` null, its `dept_id`), or a member's while in the
/// subtree (`dept_id` the department viewed, `member_of` where the member was).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeptRow {
    pub dept_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_of: Option<String>,
    #[serde(flatten)]
    pub figure: Figure,
}

/// A department's figures of one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeptPeriodFigures {
    pub dept_id: String,
    /// `this-week`, `this-month`… as [`crate::period::Period`] prints it.
    pub period: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub rows: Vec<DeptRow>,
}

/// The body of a user's snapshot document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotBody {
    pub user_id: String,
    /// UTC milliseconds when the server computed it.
    pub computed_at: i64,
    /// The feed position through which the records it counts were merged: a device whose feed
    /// position is at or past it holds every change these figures hold (absent from older
    /// servers' snapshots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_seq: Option<i64>,
    pub periods: Vec<PeriodFigures>,
    pub alerts: Vec<Alert>,
    /// Who read this user's reports on the web dashboard, and when.
    #[serde(default)]
    pub reads: Vec<ReadReceipt>,
    /// Reports on time, late, missing and pending per member this user sees (a manager: each
    /// direct report; a rep: themself), for this week, last week and this month.
    #[serde(default)]
    pub submissions: Vec<SubmissionCounts>,
    /// 催交: reports this user was asked for and has not submitted yet (the last 30 days).
    #[serde(default)]
    pub nudges: Vec<Nudge>,
    /// Comments that name this user (`@`), the last 30 days.
    #[serde(default)]
    pub mentions: Vec<Mentioned>,
    /// For a department's head: the figures of the highest departments they head (the
    /// department, each sub-department, each member), for [`DEPT_PERIODS`], read offline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub departments: Vec<DeptPeriodFigures>,
}

/// The periods of the department figures a head's snapshot carries.
pub const DEPT_PERIODS: [Period; 4] = [Period::ThisWeek, Period::LastWeek, Period::ThisMonth, Period::ThisQuarter];

/// A manager asked this user for a report (催交).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nudge {
    pub id: String,
    /// Who asked (a user id).
    pub by: String,
    /// daily, weekly or monthly.
    pub kind: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// UTC milliseconds.
    pub at: i64,
}

/// A comment named this user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mentioned {
    pub report_id: String,
    pub comment_id: String,
    /// Who wrote the comment.
    pub by: String,
    /// UTC milliseconds.
    pub at: i64,
}

/// One member's reports over one period: how many came on time, late, not at all, or are not
/// due yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionCounts {
    /// `this-week`, `last-week` or `this-month`.
    pub period: String,
    pub user_id: String,
    pub on_time: u32,
    pub late: u32,
    pub missing: u32,
    pub pending: u32,
}

/// A recipient opened a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
