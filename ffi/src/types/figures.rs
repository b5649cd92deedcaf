//! KPI figures, alerts, read receipts and a manager's team view.

use std::time::SystemTime;

use fieldreport_core::{kpi, report, store, team};

use super::{instant, Alert, FigureSource, KpiStatus, NaiveDate};

/// One KPI figure.
#[derive(Debug, Clone, uniffi::Record)]
pub struct KpiFigure {
    pub metric: String,
    pub name_zh: String,
    pub name_en: String,
    /// Counts as counts, money in minor units, ratios in 0..=1.
    pub value: f64,
    /// The value formatted for display (e.g. `¥12,300.00`, `37.5%`).
    pub display: String,
    pub target: Option<f64>,
    pub achievement: Option<f64>,
    pub status: Option<KpiStatus>,
}

impl From<report::KpiRow> for KpiFigure {
    fn from(r: report::KpiRow) -> Self {
        KpiFigure {
            display: kpi::format_value(&r.unit, r.value),
            metric: r.metric,
            name_zh: r.name_zh,
            name_en: r.name_en,
            value: r.value,
            target: r.target,
            achievement: r.achievement,
            status: r.status,
        }
    }
}

impl From<team::Figure> for KpiFigure {
    fn from(f: team::Figure) -> Self {
        KpiFigure {
            metric: f.metric,
            name_zh: f.name_zh,
            name_en: f.name_en,
            value: f.value,
            display: f.display,
            target: f.target,
            achievement: f.achievement,
            status: f.status,
        }
    }
}

/// KPI figures and where they came from.
#[derive(Debug, Clone, uniffi::Record)]
pub struct KpiView {
    pub source: FigureSource,
    /// When the figures were computed.
    pub as_of: SystemTime,
    /// The period's first and last days.
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub figures: Vec<KpiFigure>,
}

impl From<store::KpiView> for KpiView {
    fn from(v: store::KpiView) -> Self {
        KpiView {
            source: v.source,
            as_of: instant(v.as_of),
            first: v.range.first,
            last: v.range.last,
            figures: v.rows.into_iter().map(Into::into).collect(),
        }
    }
}

/// A recipient opened one of this user's reports.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ReadReceipt {
    pub report_id: String,
    pub reader: String,
    pub at: SystemTime,
}

impl From<team::ReadReceipt> for ReadReceipt {
    fn from(r: team::ReadReceipt) -> Self {
        ReadReceipt { report_id: r.report_id, reader: r.reader, at: instant(r.at) }
    }
}

/// What the server's last snapshot says to this user, read offline: alerts and read receipts.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ServerNotes {
    /// When the server computed them; `None` before the first sync.
    pub as_of: Option<SystemTime>,
    pub alerts: Vec<Alert>,
    /// Who opened this user's reports (on the dashboard or a device).
    pub reads: Vec<ReadReceipt>,
}

/// One member's figures in a team view.
#[derive(Debug, Clone, uniffi::Record)]
pub struct MemberFigures {
    /// `None`: the team as a whole.
    pub user_id: Option<String>,
    /// The member's name from the directory (`None` for the team row or before the first sync).
    pub name: Option<String>,
    pub figures: Vec<KpiFigure>,
}

/// A department's figures of one period, from the head's last snapshot (offline): its own, each
/// direct sub-department's, each member's.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DeptFigures {
    pub dept_id: String,
    pub dept_name: String,
    /// The period's first and last days.
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// The department's own figures.
    pub total: Vec<KpiFigure>,
    /// Each direct sub-department's.
    pub sub_departments: Vec<DeptLine>,
    /// Each member's while in the department or below it.
    pub members: Vec<DeptLine>,
}

/// One line of a department's figures: a sub-department or a member.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DeptLine {
    /// A sub-department's id, or a member's user id.
    pub id: String,
    pub name: String,
    /// A member's department (where they were last in the period); `None` for a sub-department.
    pub member_of: Option<String>,
    pub figures: Vec<KpiFigure>,
}

/// One member's reports over the period: on time, late, missing, not due yet.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SubmissionCounts {
    pub user_id: String,
    pub name: Option<String>,
    pub on_time: i32,
    pub late: i32,
    pub missing: i32,
    pub pending: i32,
}

/// A period's figures for everyone this user sees (a manager: each direct report and the team),
/// offline.
#[derive(Debug, Clone, uniffi::Record)]
pub struct TeamView {
    pub source: FigureSource,
    pub as_of: SystemTime,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub members: Vec<MemberFigures>,
    /// For this week, last week and this month (from the server's snapshot); else empty.
    pub submissions: Vec<SubmissionCounts>,
    /// Each member's plans of the period (拜访计划).
    pub plans: Vec<PlanCounts>,
}

/// One member's plans of a period, cancelled ones aside: planned, done, missed (their day is
/// over), still ahead.
#[derive(Debug, Clone, uniffi::Record)]
pub struct PlanCounts {
    pub user_id: String,
    pub name: Option<String>,
    pub planned: i32,
    pub done: i32,
    pub missed: i32,
    pub ahead: i32,
}
