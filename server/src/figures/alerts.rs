//! Alerts: a stage converting below a share of the team average; an open deal with no followup
//! for N days; a report not submitted by its deadline; a member behind the pace of a target.

use fieldreport_protocol::codes::{AlertKind, SubmissionStatus};
use fieldreport_protocol::doc::display_distance;
use fieldreport_protocol::kpi::{achievement, as_printed, format_target, status, Aggregate, Status};
use fieldreport_protocol::period::Period;
use fieldreport_protocol::team::{target_within, Alert, AlertFacts, TeamConfig};

use super::Source;
use super::{snapshot, submissions, Scope, Snapshot};
use crate::error::Result;

const DAY_MS: i64 = 86_400_000;

/// The alerts of `scope` at `now_ms`.
pub fn alerts(storage: &dyn Source, config: &TeamConfig, scope: &Scope, now_ms: i64) -> Result<Vec<Alert>> {
    let week = snapshot(storage, config, scope, Period::ThisWeek, now_ms)?;
    let month = snapshot(storage, config, scope, Period::ThisMonth, now_ms)?;
    alerts_with(storage, config, scope, now_ms, &week, &month)
}

/// The alerts of `scope` at `now_ms`, given this week's and this month's snapshots of it.
pub fn alerts_with(
    storage: &dyn Source,
    config: &TeamConfig,
    scope: &Scope,
    now_ms: i64,
    week: &Snapshot,
    month: &Snapshot,
) -> Result<Vec<Alert>> {
    let members: Vec<String> = scope.member_ids();
    let mut out = conversion_below_team(config, month);
    out.extend(stale_deals(storage, config, &members, now_ms)?);
    out.extend(far_checkins(storage, config, &members, now_ms)?);
    out.extend(late_and_missing_reports(storage, config, scope, now_ms)?);
    out.extend(behind_pace(config, scope, now_ms, &[week, month])?);
    // Alerts for a week can repeat across the two weeks looked at; keep each id once.
    let mut seen = std::collections::HashSet::new();
    out.retain(|a| seen.insert(a.id.clone()));
    Ok(out)
}

/// Members whose stage conversion this month is below a share of the team's average.
fn conversion_below_team(config: &TeamConfig, month: &Snapshot) -> Vec<Alert> {
    let mut out = Vec::new();
    // The team's rows, looked up once (a company's snapshot holds tens of thousands of rows).
    let team: std::collections::HashMap<&str, f64> =
        month.rows.iter().filter(|r| r.user_id.is_none()).map(|r| (r.metric.as_str(), r.value)).collect();
    let team_avg = |metric: &str| team.get(metric).copied();
    let share = config.alerts.conversion_share;
    for r in month.rows.iter().filter(|r| r.metric.starts_with("conversion_")) {
        let (Some(user), Some(avg)) = (&r.user_id, team_avg(&r.metric)) else { continue };
        // No deal entered the stage: there is no rate to judge (0 of 0 is not 0%).
        if r.base.is_none_or(|b| b <= 0.0) {
            continue;
        }
        if avg > 0.0 && r.value < share * avg {
            out.push(Alert {
                id: format!("conversion_below_team:{user}:{}:{}", r.metric, month.first),
                kind: AlertKind::ConversionBelowTeam.to_string(),
                user_id: user.clone(),
                subject: r.metric.clone(),
                message: format!(
                    "{} {:.1}% this month, below {:.0}% of the team average {:.1}%",
                    r.name_en,
                    r.value * 100.0,
                    share * 100.0,
                    avg * 100.0
                ),
                facts: AlertFacts {
                    metric_zh: Some(r.name_zh.clone()),
                    metric_en: Some(r.name_en.clone()),
                    value: Some(r.display.clone()),
                    reference: Some(format!("{:.1}%", avg * 100.0)),
                    share: Some(format!("{:.0}%", share * 100.0)),
                    period: Some(month.period.clone()),
                    ..Default::default()
                },
            });
        }
    }
    out
}

/// Open deals of `members` with no followup for the configured number of days.
fn stale_deals(storage: &dyn Source, config: &TeamConfig, members: &[String], now_ms: i64) -> Result<Vec<Alert>> {
    let days = config.alerts.stale_deal_days as i64;
    let idle = storage.idle_deals(members, now_ms - days * DAY_MS)?;
    Ok(idle
        .into_iter()
        .map(|d| {
            let since = d.last_followup_at.unwrap_or(d.created_at);
            Alert {
                id: format!("stale_deal:{}", d.id),
                kind: AlertKind::StaleDeal.to_string(),
                user_id: d.owner.clone(),
                subject: d.id.clone(),
                message: format!(
                    "deal “{}” ({}) has had no followup for {} days",
                    d.title,
                    d.stage,
                    (now_ms - since) / DAY_MS
                ),
                facts: AlertFacts {
                    title: Some(d.title.clone()),
                    stage: Some(d.stage.clone()),
                    days: Some((now_ms - since) / DAY_MS),
                    ..Default::default()
                },
            }
        })
        .collect())
}

/// Check-ins of the last seven days farther from their customer than the configured distance
/// (a manager sees last week's on Monday morning).
fn far_checkins(storage: &dyn Source, config: &TeamConfig, members: &[String], now_ms: i64) -> Result<Vec<Alert>> {
    let far = config.alerts.checkin_far_metres;
    if far == 0 {
        return Ok(Vec::new());
    }
    let cal = config.calendar()?;
    let mut out = Vec::new();
    for c in storage.placed_checkins(members, now_ms - 7 * DAY_MS)? {
        let metres = c.metres;
        if metres <= far as f64 {
            continue;
        }
        let day = cal.local_date(c.at);
        out.push(Alert {
            id: format!("checkin_far:{}", c.followup_id),
            kind: AlertKind::CheckinFar.to_string(),
            user_id: c.owner.clone(),
            subject: c.followup_id.clone(),
            message: format!(
                "check-in at “{}” on {day} was {} from the customer's location (more than {})",
                c.customer_name,
                display_distance(metres),
                display_distance(far as f64)
            ),
            facts: AlertFacts {
                title: Some(c.customer_name.clone()),
                value: Some(display_distance(metres)),
                reference: Some(display_distance(far as f64)),
                date: Some(day.to_string()),
                ..Default::default()
            },
        });
    }
    Ok(out)
}

/// Reports of this week and last week that came in late or not at all.
fn late_and_missing_reports(
    storage: &dyn Source,
    config: &TeamConfig,
    scope: &Scope,
    now_ms: i64,
) -> Result<Vec<Alert>> {
    let mut out = Vec::new();
    for p in [Period::ThisWeek, Period::LastWeek] {
        for s in submissions(storage, config, scope, p, now_ms)? {
            for i in &s.items {
                let kind = match i.status {
                    SubmissionStatus::Missing => AlertKind::ReportMissing,
                    SubmissionStatus::Late => AlertKind::ReportLate,
                    SubmissionStatus::OnTime | SubmissionStatus::Pending => continue,
                };
                out.push(Alert {
                    id: format!("{kind}:{}:{}:{}", s.user_id, i.kind, i.last),
                    kind: kind.to_string(),
                    user_id: s.user_id.clone(),
                    subject: i.kind.clone(),
                    message: format!(
                        "{} report for {} {}",
                        i.kind,
                        i.last,
                        if kind == AlertKind::ReportLate { "submitted late" } else { "not submitted" }
                    ),
                    facts: AlertFacts {
                        report_kind: Some(i.kind.clone()),
                        date: Some(i.last.to_string()),
                        ..Default::default()
                    },
                });
            }
        }
    }
    Ok(out)
}

/// Members behind the pace of their targets in `snapshots`: the value against the target's
/// share of the days of the period already over (today is not over), counting only the days
/// each was a member; nothing on a period's first day, and a rate only with a denominator. The
/// expected figure is compared as it is printed.
fn behind_pace(config: &TeamConfig, scope: &Scope, now_ms: i64, snapshots: &[&Snapshot]) -> Result<Vec<Alert>> {
    let cal = config.calendar()?;
    let today = cal.local_date(now_ms);
    let Some(yesterday) = today.pred_opt() else { return Ok(Vec::new()) };
    let defs = config.definitions_for_role(crate::model::Role::Rep);
    let mut out = Vec::new();
    let members: std::collections::HashMap<&str, &crate::model::User> =
        scope.members.iter().map(|u| (u.id.as_str(), u)).collect();
    for snap in snapshots {
        if today <= snap.first {
            continue;
        }
        let range = cal.days(snap.first, snap.last);
        for r in snap.rows.iter().filter(|r| r.target.is_some()) {
            let Some(user) = &r.user_id else { continue };
            let Some(def) = defs.iter().find(|d| d.id == r.metric) else { continue };
            let Some(member) = members.get(user.as_str()).copied() else { continue };
            // A share of plans is not a pace: the period's later plans are not due yet.
            if matches!(def.aggregate, Aggregate::Share { .. }) {
                continue;
            }
            let ratio = def.aggregate.is_ratio();
            if ratio && r.base.is_none_or(|b| b <= 0.0) {
                continue;
            }
            let m = member.membership();
            let counts = |d: chrono::NaiveDate| m.measures(&cal, d);
            let Some(expected) =
                target_within(&config.targets, &def.id, &def.unit, Some(user), &range, yesterday, &counts)
            else {
                continue;
            };
            let expected = as_printed(&def.unit, expected);
            let Some(a) = achievement(as_printed(&def.unit, r.value), expected) else { continue };
            if status(a, config.thresholds) != Status::Red {
                continue;
            }
            let reference = format_target(&def.unit, expected);
            out.push(Alert {
                id: format!("kpi_red:{user}:{}:{}", r.metric, snap.first),
                kind: AlertKind::KpiRed.to_string(),
                user_id: user.clone(),
                subject: r.metric.clone(),
                message: format!("{} {} behind the pace of {reference} ({})", r.name_en, r.display, snap.period),
                facts: AlertFacts {
                    metric_zh: Some(r.name_zh.clone()),
                    metric_en: Some(r.name_en.clone()),
                    value: Some(r.display.clone()),
                    reference: Some(reference),
                    period: Some(snap.period.clone()),
                    ..Default::default()
                },
            });
        }
    }
    Ok(out)
}
