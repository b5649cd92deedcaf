//! KPI snapshots: per member and for the team, value, target pro-rated to the elapsed days,
//! achievement, red / yellow / green, and the change against the previous period.

use std::collections::HashMap;

use chrono::{Days, Months, NaiveDate};
use fieldreport_core::kpi::{achievement, format_value, ratio, status, Aggregate, KpiDef, Status};
use fieldreport_core::period::{DateRange, Period};
use fieldreport_core::team::{target_for, TeamConfig};
use serde::Serialize;

use super::Scope;
use crate::error::Result;
use crate::storage::{Storage, Total};

/// One figure: `user_id` is `None` for the team (the members in scope together; conversions
/// are the pooled team average).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiRow {
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

/// The figures of one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    pub period: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// UTC milliseconds when computed.
    pub computed_at: i64,
    pub rows: Vec<KpiRow>,
    /// Members and when they last synced (`None`: never): figures cover what reached the server.
    pub completeness: Vec<Completeness>,
}

/// When a member's data last reached the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Completeness {
    pub user_id: String,
    pub name: String,
    pub last_synced_at: Option<i64>,
}

/// The period before `range` of the same kind: the day, week, month or quarter before, or for
/// a custom range the same number of days before it.
pub(crate) fn previous(period: Period, range: &DateRange) -> (NaiveDate, NaiveDate) {
    let shift_months = |m: u32| {
        let first = range.first.checked_sub_months(Months::new(m)).unwrap_or(range.first);
        let last = range.first.pred_opt().unwrap_or(range.first);
        (first, last)
    };
    match period {
        Period::ThisMonth | Period::LastMonth => shift_months(1),
        Period::ThisQuarter | Period::LastQuarter => shift_months(3),
        _ => {
            let days = (range.last - range.first).num_days() as u64 + 1;
            (range.first - Days::new(days), range.last - Days::new(days))
        }
    }
}

/// Per user, per metric.
type Values = HashMap<(String, String), (f64, f64)>;

fn values(totals: Vec<Total>) -> Values {
    totals.into_iter().map(|t| ((t.user_id, t.metric), (t.value, t.base))).collect()
}

fn distinct_metrics(defs: &[KpiDef]) -> Vec<String> {
    defs.iter().filter(|d| matches!(d.aggregate, Aggregate::CountDistinct { .. })).map(|d| d.id.clone()).collect()
}

/// A metric's value for `users` together: sums, or the pooled ratio for a conversion.
fn value_of(def: &KpiDef, v: &Values, users: &[&str]) -> f64 {
    let (sum, base) = users.iter().fold((0.0, 0.0), |(s, b), u| {
        let (x, y) = v.get(&(u.to_string(), def.id.clone())).copied().unwrap_or((0.0, 0.0));
        (s + x, b + y)
    });
    match def.aggregate {
        Aggregate::Conversion { .. } => ratio(sum, base),
        _ => sum,
    }
}

/// The snapshot of `period` for `scope`, at `now_ms`.
pub fn snapshot(
    storage: &dyn Storage,
    config: &TeamConfig,
    scope: &Scope,
    period: Period,
    now_ms: i64,
) -> Result<Snapshot> {
    let cal = fieldreport_core::period::Calendar::parse(&config.team.tz, &config.team.week_start)?;
    let range = cal.resolve(period, now_ms);
    let today = cal.local_date(now_ms);
    let defs = config.definitions_for_role("rep");
    let distinct = distinct_metrics(&defs);
    let now = values(storage.totals(range.first, range.last, &distinct)?);
    let (pf, pl) = previous(period, &range);
    let before = values(storage.totals(pf, pl, &distinct)?);
    let th = config.thresholds;
    let mut rows = Vec::new();
    let members = scope.member_ids();
    let team: Vec<&str> = scope.team.iter().map(|u| u.id.as_str()).collect();
    let mut row = |user: Option<&str>, def: &KpiDef, users: &[&str]| {
        let value = value_of(def, &now, users);
        let previous = value_of(def, &before, users);
        let target = match user {
            Some(u) => target_for(&config.targets, &def.id, Some(u), &range, today),
            None => target_for(&config.targets, &def.id, None, &range, today).or_else(|| {
                let per: Vec<f64> =
                    users.iter().filter_map(|u| target_for(&config.targets, &def.id, Some(u), &range, today)).collect();
                (!per.is_empty() && !matches!(def.aggregate, Aggregate::Conversion { .. })).then(|| per.iter().sum())
            }),
        };
        let achievement = target.and_then(|t| achievement(value, t));
        rows.push(KpiRow {
            user_id: user.map(str::to_string),
            metric: def.id.clone(),
            value,
            target,
            achievement,
            status: achievement.map(|a| status(a, th)),
            name_zh: def.name_zh.clone(),
            name_en: def.name_en.clone(),
            display: format_value(&def.unit, value),
            previous: Some(previous),
            change: (previous > 0.0).then(|| (value - previous) / previous),
        });
    };
    for m in &members {
        for def in &defs {
            row(Some(m), def, &[m]);
        }
    }
    // The team row: the members in scope together, except conversions, which are the average of
    // the whole team so that a rep's funnel can be read against it.
    for def in &defs {
        let users = if matches!(def.aggregate, Aggregate::Conversion { .. }) { &team } else { &members };
        row(None, def, users);
    }
    let seen: HashMap<String, Option<i64>> = storage.last_seen()?.into_iter().collect();
    let completeness = scope
        .members
        .iter()
        .map(|u| Completeness {
            user_id: u.id.clone(),
            name: u.name.clone(),
            last_synced_at: seen.get(&u.id).copied().flatten(),
        })
        .collect();
    Ok(Snapshot {
        period: period.to_string(),
        first: range.first,
        last: range.last,
        computed_at: now_ms,
        rows,
        completeness,
    })
}
