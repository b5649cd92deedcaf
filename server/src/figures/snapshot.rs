//! KPI snapshots: per member and for the team, value, target pro-rated to the elapsed days,
//! achievement, red / yellow / green, and the change against the previous period.

use std::collections::HashMap;

use chrono::{Days, Months, NaiveDate};
use fieldreport_protocol::kpi::{achievement, format_target, format_value, ratio, status, Aggregate, KpiDef};
use fieldreport_protocol::period::{DateRange, Period};
use fieldreport_protocol::team::{target_for, target_within, Figure, Membership, TeamConfig};
use serde::Serialize;

use super::Scope;
use super::Source;
use crate::error::Result;
use crate::model::{Role, Slice, Total};

/// One figure of a snapshot (the type devices receive).
pub type KpiRow = Figure;

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

/// The period before `range` of the same kind: the month or quarter before, or the same number
/// of days before (the day before a day, the week before a week).
pub(crate) fn previous(period: Period, range: &DateRange) -> (NaiveDate, NaiveDate) {
    let back_months = |m: u32| {
        let first = range.first.checked_sub_months(Months::new(m)).unwrap_or(range.first);
        (first, range.first.pred_opt().unwrap_or(range.first))
    };
    match period {
        Period::ThisMonth | Period::LastMonth => back_months(1),
        Period::ThisQuarter | Period::LastQuarter => back_months(3),
        _ => {
            let days = (range.last - range.first).num_days() as u64 + 1;
            (range.first - Days::new(days), range.last - Days::new(days))
        }
    }
}

/// Per (user, metric): (value, base).
type Values = HashMap<(String, String), (f64, f64)>;

fn distinct_metrics(defs: &[KpiDef]) -> Vec<String> {
    defs.iter().filter(|d| matches!(d.aggregate, Aggregate::CountDistinct { .. })).map(|d| d.id.clone()).collect()
}

/// The totals of `first..=last` for the members (all metrics) and, `with_team` and when the team is larger,
/// for the team's conversions (their pooled average is shown beside each member's).
fn values(
    src: &dyn Source,
    defs: &[KpiDef],
    scope: &Scope,
    first: NaiveDate,
    last: NaiveDate,
    with_team: bool,
) -> Result<Values> {
    let distinct = distinct_metrics(defs);
    let members: Vec<String> = scope.member_ids();
    let mut totals: Vec<Total> = src.totals(first, last, Slice::Users(&members), &distinct)?;
    let conversions: Vec<String> =
        defs.iter().filter(|d| matches!(d.aggregate, Aggregate::Conversion { .. })).map(|d| d.id.clone()).collect();
    // Looked up by hash: a company's scope holds thousands.
    let mine: std::collections::HashSet<&str> = members.iter().map(String::as_str).collect();
    if with_team && !conversions.is_empty() && scope.team.iter().any(|u| !mine.contains(u.id.as_str())) {
        let more = src.totals(first, last, Slice::Metrics(&conversions), &distinct)?;
        totals.extend(more.into_iter().filter(|t| !mine.contains(t.user_id.as_str())));
    }
    Ok(totals.into_iter().map(|t| ((t.user_id, t.metric), (t.value, t.base))).collect())
}

/// A metric's value for `users` together: sums, or the pooled ratio for a conversion.
fn value_of(def: &KpiDef, v: &Values, users: &[&str]) -> f64 {
    let (sum, base) = users.iter().fold((0.0, 0.0), |(s, b), u| {
        let (x, y) = v.get(&(u.to_string(), def.id.clone())).copied().unwrap_or((0.0, 0.0));
        (s + x, b + y)
    });
    if def.aggregate.is_ratio() {
        ratio(sum, base)
    } else {
        sum
    }
}

/// How many entered a conversion's first stage for `users` together (its denominator).
fn base_of(def: &KpiDef, v: &Values, users: &[&str]) -> f64 {
    users.iter().map(|u| v.get(&(u.to_string(), def.id.clone())).map_or(0.0, |x| x.1)).sum()
}

/// The members' value together of each metric but conversions, from `first` to `last`: the
/// team rows of a snapshot of that range, without the members' rows, the previous period or
/// targets (the dashboard's weekly trend asks this for eight weeks at each view).
pub fn team_values(
    src: &dyn Source,
    config: &TeamConfig,
    scope: &Scope,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<(String, f64)>> {
    let defs: Vec<KpiDef> = config
        .definitions_for_role(Role::Rep)
        .into_iter()
        .filter(|d| !matches!(d.aggregate, Aggregate::Conversion { .. }))
        .collect();
    let v = values(src, &defs, scope, first, last, false)?;
    // One pass over the values (a company's scope: thousands of members), per metric summed.
    let members: std::collections::HashSet<&str> = scope.members.iter().map(|u| u.id.as_str()).collect();
    let mut sums: HashMap<&str, (f64, f64)> = HashMap::new();
    for ((user, metric), (x, y)) in &v {
        if members.contains(user.as_str()) {
            let e = sums.entry(metric.as_str()).or_default();
            e.0 += x;
            e.1 += y;
        }
    }
    Ok(defs
        .iter()
        .map(|d| {
            let (sum, base) = sums.get(d.id.as_str()).copied().unwrap_or_default();
            (d.id.clone(), if d.aggregate.is_ratio() { ratio(sum, base) } else { sum })
        })
        .collect())
}

/// The snapshot of `period` for `scope`, at `now_ms`: a row per member and metric, then the
/// team's rows (`user_id` null: the members together; conversions: the whole team's average).
pub fn snapshot(src: &dyn Source, config: &TeamConfig, scope: &Scope, period: Period, now_ms: i64) -> Result<Snapshot> {
    let cal = config.calendar()?;
    let range = cal.resolve(period, now_ms);
    let today = cal.local_date(now_ms);
    let defs = config.definitions_for_role(Role::Rep);
    let now = values(src, &defs, scope, range.first, range.last, true)?;
    let (pf, pl) = previous(period, &range);
    // The previous period only for the members: the team's conversion average is not compared.
    let before = values(src, &defs, scope, pf, pl, false)?;
    let team_wider = scope.team.len() > scope.members.len();
    let members: Vec<&str> = scope.members.iter().map(|u| u.id.as_str()).collect();
    let team: Vec<&str> = scope.team.iter().map(|u| u.id.as_str()).collect();
    let membership: HashMap<&str, Membership> =
        scope.members.iter().chain(&scope.team).map(|u| (u.id.as_str(), u.membership())).collect();
    // A member's target counts only the days they were a member (none before they joined).
    let targets_of = super::targets_by_member(&config.targets, &membership);
    let own_target = |def: &KpiDef, user: &str| {
        let m = membership.get(user).copied();
        let counts = |d: NaiveDate| m.is_none_or(|m| m.measures(&cal, d));
        target_within(targets_of.get(user)?, &def.id, &def.unit, Some(user), &range, today, &counts)
    };
    let target = |def: &KpiDef, user: Option<&str>, users: &[&str]| {
        if let Some(u) = user {
            return own_target(def, u);
        }
        let own = target_for(&config.targets, &def.id, &def.unit, None, &range, today);
        if own.is_some() || def.aggregate.is_ratio() {
            return own;
        }
        // Without a team target, the team's is the sum of its members' targets.
        let per: Vec<f64> = users.iter().filter_map(|u| own_target(def, u)).collect();
        (!per.is_empty()).then(|| per.iter().sum())
    };
    let row = |user: Option<&str>, def: &KpiDef, users: &[&str]| {
        let value = value_of(def, &now, users);
        let is_ratio = def.aggregate.is_ratio();
        let team_conversion = user.is_none() && team_wider && matches!(def.aggregate, Aggregate::Conversion { .. });
        let previous = (!team_conversion).then(|| value_of(def, &before, users));
        let target = target(def, user, users);
        let achievement = target.and_then(|t| achievement(value, t));
        Figure {
            user_id: user.map(str::to_string),
            metric: def.id.clone(),
            value,
            target,
            achievement,
            status: achievement.map(|a| status(a, config.thresholds)),
            name_zh: def.name_zh.clone(),
            name_en: def.name_en.clone(),
            display: format_value(&def.unit, value),
            target_display: target.map(|t| format_target(&def.unit, t)),
            base: is_ratio.then(|| base_of(def, &now, users)),
            previous,
            change: previous.filter(|p| *p > 0.0).map(|p| (value - p) / p),
        }
    };
    let mut rows = Vec::new();
    for m in &members {
        rows.extend(defs.iter().map(|def| row(Some(m), def, &[m])));
    }
    for def in &defs {
        let users = if matches!(def.aggregate, Aggregate::Conversion { .. }) { &team } else { &members };
        rows.push(row(None, def, users));
    }
    let seen: HashMap<String, Option<i64>> = src.last_seen()?.into_iter().collect();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{IdleDeal, ReportEntry, Role, User};

    /// Rollup totals that differ per user, metric and range, for three reps.
    struct Fake;

    fn rep(id: &str) -> User {
        User {
            id: id.into(),
            name: id.into(),
            role: Role::Rep,
            manager_id: None,
            created_at: 0,
            phone: None,
            active: true,
            deactivated_at: None,
            dept_id: None,
        }
    }

    impl Source for Fake {
        fn directory(&self) -> Result<Vec<User>> {
            Ok(vec![rep("a"), rep("b"), rep("c")])
        }
        fn seen_by(&self, _: &str) -> Result<Vec<String>> {
            Ok(Vec::new())
        }
        fn departments(&self) -> Result<Vec<fieldreport_protocol::team::Department>> {
            Ok(Vec::new())
        }
        fn dept_history(&self, _: Option<&[String]>) -> Result<Vec<crate::store::db::DeptStint>> {
            Ok(Vec::new())
        }
        fn users_of(&self, ids: &[&str]) -> Result<Vec<User>> {
            Ok(self.directory()?.into_iter().filter(|u| ids.contains(&u.id.as_str())).collect())
        }
        fn totals(&self, first: NaiveDate, last: NaiveDate, slice: Slice, _: &[String]) -> Result<Vec<Total>> {
            let users: Vec<String> = match slice {
                Slice::Users(u) => u.to_vec(),
                Slice::Metrics(_) => vec!["a".into(), "b".into(), "c".into()],
            };
            let defs = TeamConfig::default().definitions();
            let days = (last - first).num_days() as f64 + 1.0;
            let seed = first.format("%j").to_string().parse::<f64>().unwrap();
            Ok(users
                .iter()
                .enumerate()
                .flat_map(|(i, u)| {
                    defs.iter().enumerate().map(move |(j, d)| Total {
                        user_id: u.clone(),
                        metric: d.id.clone(),
                        value: seed + days * (i + 1) as f64 + j as f64,
                        base: 2.0 * (seed + days),
                    })
                })
                .collect())
        }
        fn last_seen(&self) -> Result<Vec<(String, Option<i64>)>> {
            Ok(Vec::new())
        }
        fn idle_deals(&self, _: &[String], _: i64) -> Result<Vec<IdleDeal>> {
            Ok(Vec::new())
        }
        fn placed_checkins(&self, _: &[String], _: i64) -> Result<Vec<crate::model::PlacedCheckin>> {
            Ok(Vec::new())
        }
        fn reports(&self, _: &[String], _: NaiveDate, _: NaiveDate) -> Result<Vec<ReportEntry>> {
            Ok(Vec::new())
        }
        fn obligations(&self, _: &[String], _: NaiveDate, _: NaiveDate) -> Result<Vec<crate::store::db::Obligation>> {
            Ok(Vec::new())
        }
    }

    /// The dashboard's trend points are the team rows a snapshot of the same week shows.
    #[test]
    fn team_values_are_the_team_rows_of_a_snapshot() {
        let config = TeamConfig::default();
        let scope = Scope { members: vec![rep("a"), rep("b")], team: Fake.directory().unwrap() };
        let first = NaiveDate::from_ymd_opt(2026, 11, 16).unwrap();
        for week in 0..3u64 {
            let first = first + Days::new(7 * week);
            let last = first + Days::new(6);
            let snap =
                snapshot(&Fake, &config, &scope, Period::custom(first, last).unwrap(), 1_795_000_000_000).unwrap();
            let rows: Vec<(String, f64)> = snap
                .rows
                .iter()
                .filter(|r| r.user_id.is_none())
                .filter(|r| {
                    config
                        .definitions()
                        .iter()
                        .any(|d| d.id == r.metric && !matches!(d.aggregate, Aggregate::Conversion { .. }))
                })
                .map(|r| (r.metric.clone(), r.value))
                .collect();
            assert!(!rows.is_empty());
            assert_eq!(team_values(&Fake, &config, &scope, first, last).unwrap(), rows);
        }
    }
}
