//! KPI figures, alerts, read receipts and a manager's team view.

use std::time::SystemTime;

use fieldreport_core::{kpi, report, store, team};

use super::{instant, Alert, AlertKind, FigureSource, KpiStatus, NaiveDate};

/// One KPI figure.
#[derive(Debug, Clone, uniffi::Record)]
pub struct KpiFigure {
    pub metric: String,
    pub name_zh: String,
    pub name_en: String,
    /// Counts as counts, money in minor units, ratios in 0..=1 (`quantity` says which).
    pub value: f64,
    /// The value with its unit: a count, money as a decimal with its currency, or a ratio.
    pub quantity: KpiQuantity,
    /// The value formatted for display (e.g. `¥12,300.00`, `37.5%`).
    pub display: String,
    pub target: Option<f64>,
    pub achievement: Option<f64>,
    pub status: Option<KpiStatus>,
}

/// A KPI value with its unit.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum KpiQuantity {
    /// A count (visits, new customers).
    Count { count: i64 },
    /// Money: a decimal in the currency's major unit (`"12300.00"`), its minor units, the
    /// currency.
    Money { amount: String, amount_minor: i64, currency: String },
    /// A ratio in 0..=1 (a conversion rate), shown as a percentage.
    Ratio { ratio: f64 },
}

impl KpiQuantity {
    /// `value` in `unit`.
    pub(crate) fn of(unit: &kpi::Unit, value: f64) -> KpiQuantity {
        match unit {
            kpi::Unit::Count => KpiQuantity::Count { count: value.round() as i64 },
            kpi::Unit::Money { currency } => {
                let minor = value.round() as i64;
                KpiQuantity::Money {
                    amount: fieldreport_core::money::format_minor(minor, currency),
                    amount_minor: minor,
                    currency: currency.clone(),
                }
            }
            kpi::Unit::Ratio => KpiQuantity::Ratio { ratio: value },
        }
    }
}

impl From<report::KpiRow> for KpiFigure {
    fn from(r: report::KpiRow) -> Self {
        KpiFigure {
            display: kpi::format_value(&r.unit, r.value),
            quantity: KpiQuantity::of(&r.unit, r.value),
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

/// The units of the metrics this device knows, by metric id.
pub(crate) type Units = std::collections::HashMap<String, kpi::Unit>;

impl KpiFigure {
    /// A figure of the server's snapshot, in its metric's unit from `units` (a metric this
    /// device's configuration does not define reads as a count).
    pub(crate) fn from_team(f: team::Figure, units: &Units) -> Self {
        let quantity = KpiQuantity::of(units.get(&f.metric).unwrap_or(&kpi::Unit::Count), f.value);
        KpiFigure {
            metric: f.metric,
            name_zh: f.name_zh,
            name_en: f.name_en,
            value: f.value,
            quantity,
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
    pub alerts: Vec<ServerAlert>,
    /// Who opened this user's reports (on the dashboard or a device).
    pub reads: Vec<ReadReceipt>,
}

/// An alert of the server's snapshot, its kind as an enum.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ServerAlert {
    /// What it is about; `None` for a kind this version does not know (a newer server's).
    pub kind: Option<AlertKind>,
    /// The alert as the server sent it (`describe_alert` says it in words).
    pub alert: Alert,
}

impl From<Alert> for ServerAlert {
    fn from(alert: Alert) -> Self {
        ServerAlert { kind: alert.alert_kind(), alert }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(kind: &str) -> Alert {
        Alert {
            id: "a1".into(),
            kind: kind.into(),
            user_id: "u1".into(),
            subject: "visits".into(),
            message: "visits behind target".into(),
            facts: Default::default(),
        }
    }

    #[test]
    fn an_alert_carries_its_kind_as_an_enum_and_a_newer_kind_as_none() {
        assert_eq!(ServerAlert::from(alert("kpi_red")).kind, Some(AlertKind::KpiRed));
        assert_eq!(ServerAlert::from(alert("report_missing")).kind, Some(AlertKind::ReportMissing));
        let newer = ServerAlert::from(alert("something_new"));
        assert_eq!((newer.kind, newer.alert.kind.as_str()), (None, "something_new"));
    }

    #[test]
    fn a_kpi_value_comes_with_its_unit() {
        let money = kpi::Unit::Money { currency: "CNY".into() };
        assert_eq!(
            KpiQuantity::of(&money, 1_230_050.0),
            KpiQuantity::Money { amount: "12300.50".into(), amount_minor: 1_230_050, currency: "CNY".into() }
        );
        assert_eq!(KpiQuantity::of(&kpi::Unit::Count, 3.0), KpiQuantity::Count { count: 3 });
        assert_eq!(KpiQuantity::of(&kpi::Unit::Ratio, 0.375), KpiQuantity::Ratio { ratio: 0.375 });
    }
}
