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
    let due = due(config, &cal, range.first, range.last);
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
        // Nothing was due before the member joined.
        let joined = cal.local_date(u.created_at);
        for (kind, last, deadline) in due.iter().filter(|(_, last, _)| *last >= joined) {
            let due_at = deadline.due_ms(&cal, *last);
            // The earliest submitted report of that kind for that period counts.
            let report: Option<&ReportEntry> = reports
                .iter()
                .filter(|r| r.owner == u.id && r.kind == *kind && r.last == *last)
                .min_by_key(|r| r.submitted_at.unwrap_or(i64::MAX));
            let submitted_at = report.and_then(|r| r.submitted_at);
            let status = match submitted_at {
                Some(t) if t <= due_at => {
                    s.on_time += 1;
                    SubmissionStatus::OnTime
                }
                Some(_) => {
                    s.late += 1;
                    SubmissionStatus::Late
                }
                None if now_ms > due_at => {
                    s.missing += 1;
                    SubmissionStatus::Missing
                }
                None => {
                    s.pending += 1;
                    SubmissionStatus::Pending
                }
            };
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
