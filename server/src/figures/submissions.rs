//! Report submission statistics: for each member and each report due in a period, on time,
//! late, missing or not yet due — judged by the submit time the author's device recorded, so a
//! report written offline on time is on time however late it synced.

use chrono::{Datelike, Days, NaiveDate};
use fieldreport_protocol::codes::SubmissionStatus;
use fieldreport_protocol::period::{month_of, Calendar, Period};
use fieldreport_protocol::team::{Deadline, TeamConfig};
use serde::Serialize;

use super::Scope;
use super::Source;
use crate::error::Result;
use crate::model::ReportEntry;

/// One report that was due (or is coming due).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubmissionItem {
    /// daily, weekly or monthly.
    pub kind: String,
    /// The last day of the report's period.
    pub last: NaiveDate,
    pub status: SubmissionStatus,
    pub due_at: i64,
    pub submitted_at: Option<i64>,
    pub report_id: Option<String>,
}

/// One member's statistics over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Submission {
    pub user_id: String,
    pub name: String,
    pub on_time: u32,
    pub late: u32,
    pub missing: u32,
    pub pending: u32,
    pub items: Vec<SubmissionItem>,
}

/// The periods of each kind whose last day falls within `first..=last`, with their deadlines.
fn due(
    config: &TeamConfig,
    cal: &Calendar,
    first: NaiveDate,
    last: NaiveDate,
) -> Vec<(&'static str, NaiveDate, Deadline)> {
    let d = &config.team.deadlines;
    let daily_on: Vec<chrono::Weekday> = d.daily_on.iter().filter_map(|w| w.parse().ok()).collect();
    let mut out = Vec::new();
    let mut day = first;
    while day <= last {
        let next = day.checked_add_days(Days::new(1));
        if let Some(dl) = d.daily {
            if daily_on.contains(&day.weekday()) {
                out.push(("daily", day, dl));
            }
        }
        if let Some(dl) = d.weekly {
            if cal.week_start_of(day) + Days::new(6) == day {
                out.push(("weekly", day, dl));
            }
        }
        if let Some(dl) = d.monthly {
            if month_of(day).1 == day {
                out.push(("monthly", day, dl));
            }
        }
        match next {
            Some(n) => day = n,
            None => break,
        }
    }
    out
}

/// Submission statistics of `scope` for the reports due in `period`.
pub fn submissions(
    storage: &dyn Source,
    config: &TeamConfig,
    scope: &Scope,
    period: Period,
    now_ms: i64,
) -> Result<Vec<Submission>> {
    let cal = config.calendar()?;
    let range = cal.resolve(period, now_ms);
    let owners: Vec<String> = scope.member_ids();
    let reports = storage.reports(&owners, range.first, range.last)?;
    let recorded = storage.obligations(&owners, range.first, range.last)?;
    let due = due(config, &cal, range.first, range.last);
    let grace = config.team.deadlines.grace_ms();
    let mut out = Vec::new();
    for u in &scope.members {
        let mut s = Submission {
            user_id: u.id.clone(),
            name: u.name.clone(),
            on_time: 0,
            late: 0,
            missing: 0,
            pending: 0,
            items: Vec::new(),
        };
        let membership = u.membership();
        for (kind, last, deadline) in &due {
            // What the server recorded at the deadline stands (a later change of deadlines does
            // not reach back); a period not yet recorded is judged by the deadline in force.
            let ledger = recorded.iter().find(|o| o.user_id == u.id && o.kind == *kind && o.last == *last);
            let due_at = ledger.map_or_else(|| deadline.due_ms(&cal, *last), |o| o.due_at);
            if ledger.is_none() && !membership.owes(&cal, *last, due_at) {
                continue;
            }
            // The earliest submitted report of that kind for that period counts.
            let report: Option<&ReportEntry> = reports
                .iter()
                .filter(|r| r.owner == u.id && r.kind == *kind && r.last == *last)
                .min_by_key(|r| r.submitted_at.unwrap_or(i64::MAX));
            let submitted_at = report.and_then(|r| r.submitted_at);
            let status = judge(submitted_at, due_at, grace, now_ms);
            match status {
                SubmissionStatus::OnTime => s.on_time += 1,
                SubmissionStatus::Late => s.late += 1,
                SubmissionStatus::Missing => s.missing += 1,
                SubmissionStatus::Pending => s.pending += 1,
            }
            s.items.push(SubmissionItem {
                kind: kind.to_string(),
                last: *last,
                status,
                due_at,
                submitted_at,
                report_id: report.map(|r| r.id.clone()),
            });
        }
        out.push(s);
    }
    Ok(out)
}

/// A report's standing at `now`: on time when submitted by its deadline, late after it; missing
/// once the grace after the deadline passed without it, pending until then.
pub fn judge(submitted_at: Option<i64>, due_at: i64, grace_ms: i64, now: i64) -> SubmissionStatus {
    match submitted_at {
        Some(t) if t <= due_at => SubmissionStatus::OnTime,
        Some(_) => SubmissionStatus::Late,
        None if now > due_at + grace_ms => SubmissionStatus::Missing,
        None => SubmissionStatus::Pending,
    }
}

/// The reports owed by `users` whose deadline plus grace fell within `since..=now`, with their
/// deadline, by (user, kind, last day): what the server records at each deadline.
pub fn fallen_due<'u>(
    config: &TeamConfig,
    users: &'u [crate::model::User],
    since: i64,
    now: i64,
) -> Result<Vec<(&'u crate::model::User, &'static str, NaiveDate, i64)>> {
    let cal = config.calendar()?;
    let grace = config.team.deadlines.grace_ms();
    // Deadlines lie up to 27 days either side of a period's last day.
    let first = cal.local_date(since) - Days::new(28);
    let last = cal.local_date(now) + Days::new(28);
    let mut out = Vec::new();
    for (kind, day, deadline) in due(config, &cal, first, last) {
        let due_at = deadline.due_ms(&cal, day);
        if due_at + grace < since || due_at + grace > now {
            continue;
        }
        for u in users.iter().filter(|u| u.role == crate::model::Role::Rep && u.membership().owes(&cal, day, due_at)) {
            out.push((u, kind, day, due_at));
        }
    }
    Ok(out)
}
