//! What managers steer by, computed from the rollups and indexes the merges keep: KPI snapshots
//! per period, user and team; alerts; report submission statistics. The CLI, the HTTP API and
//! the snapshots delivered to devices all come from here, so a figure is computed one way.

mod alerts;
mod department;
mod scope;
mod snapshot;
mod submissions;

pub use alerts::{alerts, alerts_with};
pub use department::{department, home_dept, may_read, DeptFigures};
pub use fieldreport_protocol::team::Alert;
pub use fieldreport_protocol::team::DeptRow;
pub use scope::Scope;
pub use snapshot::{snapshot, team_values, Completeness, KpiRow, Snapshot};
pub use submissions::{fallen_due, judge, submissions, Submission, SubmissionItem};

use chrono::NaiveDate;

use crate::error::Result;
use crate::model::{IdleDeal, PlacedCheckin, ReportEntry, Slice, Total, User};
use crate::store::db::Obligation;

/// What KPI snapshots, alerts and submission statistics read: the rollups and indexes the
/// merges keep, committed (the service) or inside the writer's own transaction (a `Db`).
pub trait Source {
    /// Every user, with role and manager (the team's directory).
    fn directory(&self) -> Result<Vec<User>>;
    /// Everyone below `viewer` (`team::org`: their chain of reports, and the members of the
    /// departments they head, down the tree).
    fn seen_by(&self, viewer: &str) -> Result<Vec<String>>;
    /// The departments, with their heads.
    fn departments(&self) -> Result<Vec<fieldreport_protocol::team::Department>>;
    /// Every stint of the members who were ever in one of `depts` (`None`: every member), by
    /// member and time.
    fn dept_history(&self, depts: Option<&[String]>) -> Result<Vec<crate::store::db::DeptStint>>;
    /// The users of `ids` (a few looked up one by one; many read with the directory).
    fn users_of(&self, ids: &[&str]) -> Result<Vec<User>>;
    /// Per user and metric over `first..=last`, for `slice` (`distinct`: metrics counted by
    /// distinct key).
    fn totals(&self, first: NaiveDate, last: NaiveDate, slice: Slice, distinct: &[String]) -> Result<Vec<Total>>;
    /// When each user last synced.
    fn last_seen(&self) -> Result<Vec<(String, Option<i64>)>>;
    /// `owners`' open deals with no followup since `before_ms`.
    fn idle_deals(&self, owners: &[String], before_ms: i64) -> Result<Vec<IdleDeal>>;
    /// `owners`' check-ins since `since_ms` at customers that have a location.
    fn placed_checkins(&self, owners: &[String], since_ms: i64) -> Result<Vec<PlacedCheckin>>;
    /// `owners`' reports whose period ends within `first..=last`.
    fn reports(&self, owners: &[String], first: NaiveDate, last: NaiveDate) -> Result<Vec<ReportEntry>>;
    /// `owners`' obligations the server recorded at their deadlines, for periods ending within
    /// `first..=last`.
    fn obligations(&self, owners: &[String], first: NaiveDate, last: NaiveDate) -> Result<Vec<Obligation>>;
}

/// Members' own targets by member, for those of `members` (a company sets one per rep, and a
/// row looks up its own, not the whole list).
pub(crate) fn targets_by_member<'a, V>(
    targets: &[fieldreport_protocol::team::Target],
    members: &std::collections::HashMap<&'a str, V>,
) -> std::collections::HashMap<&'a str, Vec<fieldreport_protocol::team::Target>> {
    let mut out: std::collections::HashMap<&'a str, Vec<fieldreport_protocol::team::Target>> =
        std::collections::HashMap::new();
    for t in targets.iter().filter(|t| t.dept.is_none()) {
        if let Some((u, _)) = t.user.as_deref().and_then(|u| members.get_key_value(u)) {
            out.entry(*u).or_default().push(t.clone());
        }
    }
    out
}
