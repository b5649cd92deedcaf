//! A manager's team on the device, offline: each direct report's KPI figures and report
//! submissions, from the server's snapshot of the manager (which covers the team); figures of a
//! range the snapshot lacks are computed here from the records the device holds.

use std::collections::BTreeMap;

use super::Store;
use crate::error::Result;
use crate::kpi::{format_value, KpiDef};
use crate::period::{DateRange, Period};
use crate::report::FigureSource;
use crate::team::{Figure, SubmissionCounts};

/// One member's figures (`user_id` `None`: the team as a whole).
#[derive(Debug, Clone, PartialEq)]
pub struct MemberFigures {
    pub user_id: Option<String>,
    pub rows: Vec<Figure>,
}

/// A period's figures for everyone this user sees.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamView {
    pub source: FigureSource,
    /// UTC milliseconds when they were computed.
    pub as_of: i64,
    pub range: DateRange,
    pub members: Vec<MemberFigures>,
    /// Reports on time, late, missing and pending per member (for this week, last week and
    /// this month; empty for other periods and before the first sync).
    pub submissions: Vec<SubmissionCounts>,
    /// Each member's plans of the period (拜访计划): planned, done, missed, still ahead — from
    /// the plans this device holds (a manager's device holds their reports').
    pub plans: Vec<super::PlanCounts>,
}

impl Store {
    /// The figures of everyone this user sees — a manager's direct reports and the team, a rep
    /// themself — for `period` (`this-week`, a range…).
    pub fn team_view(&mut self, period: &str, defs: &[KpiDef]) -> Result<TeamView> {
        let range = self.period_range(period)?;
        let label = period.parse::<Period>().ok().map(|p| p.to_string());
        if let Some(snap) = self.server_snapshot()? {
            if let Some(p) = snap.period_covering(range.first, range.last) {
                let mut by_user: BTreeMap<Option<String>, Vec<Figure>> = BTreeMap::new();
                for f in p.rows.iter().filter(|f| defs.iter().any(|d| d.id == f.metric)) {
                    by_user.entry(f.user_id.clone()).or_default().push(f.clone());
                }
                let submissions =
                    snap.submissions.iter().filter(|s| label.as_deref() == Some(s.period.as_str())).cloned().collect();
                let members: Vec<MemberFigures> =
                    by_user.into_iter().map(|(user_id, rows)| MemberFigures { user_id, rows }).collect();
                let plans = self.plans_of_members(&members, &range)?;
                return Ok(TeamView {
                    source: FigureSource::Server,
                    as_of: snap.computed_at,
                    range,
                    members,
                    submissions,
                    plans,
                });
            }
        }
        // Not in the snapshot: this user and everyone below them, from the device's records.
        let me = self.identity()?.user_id;
        let mut users = vec![me.clone()];
        let mut below: Vec<String> = self.members_below(&me)?.into_iter().collect();
        below.sort();
        users.extend(below);
        let mut members = Vec::new();
        for u in users {
            let rows = self
                .kpi_figures(&u, &range, defs)?
                .into_iter()
                .map(|r| Figure {
                    user_id: Some(u.clone()),
                    display: format_value(&r.unit, r.value),
                    metric: r.metric,
                    value: r.value,
                    target: r.target,
                    achievement: r.achievement,
                    status: r.status,
                    name_zh: r.name_zh,
                    name_en: r.name_en,
                    target_display: r.target.map(|t| crate::kpi::format_target(&r.unit, t)),
                    base: None,
                    previous: None,
                    change: None,
                })
                .collect();
            members.push(MemberFigures { user_id: Some(u), rows });
        }
        let plans = self.plans_of_members(&members, &range)?;
        Ok(TeamView {
            source: FigureSource::Local,
            as_of: self.now_ms(),
            range,
            members,
            submissions: Vec::new(),
            plans,
        })
    }

    /// Everyone below `viewer` by the directory (`team::org`: their chain of reports and the
    /// members of the departments they head, down the tree).
    pub fn members_below(&self, viewer: &str) -> Result<std::collections::HashSet<String>> {
        let members = self.members()?;
        let tree = crate::team::DeptTree::new(&self.departments()?);
        let people: Vec<crate::team::Person> = members
            .iter()
            .map(|m| crate::team::Person {
                id: &m.id,
                manager_id: m.manager_id.as_deref(),
                dept_id: m.dept_id.as_deref(),
            })
            .collect();
        Ok(crate::team::below(viewer, &people, &tree))
    }

    /// The plan counts of each member (not the team as a whole) over `range`.
    fn plans_of_members(&mut self, members: &[MemberFigures], range: &DateRange) -> Result<Vec<super::PlanCounts>> {
        let today = self.calendar()?.local_date(self.now_ms());
        members
            .iter()
            .filter_map(|m| m.user_id.as_deref())
            .map(|u| self.plan_counts(u, range.first, range.last, today))
            .collect()
    }
}
