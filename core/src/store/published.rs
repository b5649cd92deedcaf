//! What the server published to this device: the team configuration and this user's KPI
//! snapshot; and KPI figures that use the snapshot when it covers the local data.

use rusqlite::OptionalExtension;
use serde::Serialize;

use super::Store;
use crate::error::{Error, Result};
use crate::kpi::{achievement, status, KpiDef};
use crate::period::DateRange;
use crate::report::{FigureSource, KpiRow};
use crate::team::{target_within, DeptPeriodFigures, SnapshotBody, TeamConfig};

/// KPI figures of a period, and where they came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiView {
    pub source: FigureSource,
    /// UTC milliseconds: when the server computed the snapshot, or now for local figures.
    pub as_of: i64,
    pub range: DateRange,
    pub rows: Vec<KpiRow>,
}

impl Store {
    fn published_body(&self, kind: &str, owner: Option<&str>) -> Result<Option<String>> {
        // Cached: every period the device resolves reads the configuration (its calendar).
        Ok(self
            .conn
            .prepare_cached(
                "SELECT body FROM published WHERE kind = ?1 AND (?2 IS NULL OR owner = ?2) ORDER BY as_of DESC LIMIT 1",
            )?
            .query_row(rusqlite::params![kind, owner], |r| r.get(0))
            .optional()?)
    }

    /// The team configuration the server published, once synced.
    pub fn team_config(&self) -> Result<Option<TeamConfig>> {
        self.published_body("config", None)?
            .map(|b| {
                serde_json::from_str(&b).map_err(|e| Error::Corrupt { id: "config".into(), reason: e.to_string() })
            })
            .transpose()
    }

    /// The team dashboard's address, when the team configured one (renderings link to it).
    pub fn dashboard_url(&self) -> Result<Option<String>> {
        Ok(self.team_config()?.and_then(|c| c.team.dashboard_url))
    }

    /// The zone and week start of the published team configuration, read without building the
    /// whole configuration (every period the device resolves asks for them).
    pub(crate) fn published_calendar(&self) -> Result<Option<crate::period::Calendar>> {
        #[derive(serde::Deserialize)]
        struct Team {
            tz: String,
            week_start: String,
        }
        #[derive(serde::Deserialize)]
        struct Config {
            team: Team,
        }
        let Some(body) = self.published_body("config", None)? else { return Ok(None) };
        let c: Config =
            serde_json::from_str(&body).map_err(|e| Error::Corrupt { id: "config".into(), reason: e.to_string() })?;
        Ok(crate::period::Calendar::parse(&c.team.tz, &c.team.week_start).ok())
    }

    /// This user's latest KPI snapshot from the server, once synced.
    pub fn server_snapshot(&mut self) -> Result<Option<SnapshotBody>> {
        let me = self.identity()?.user_id;
        self.published_body("snapshot", Some(&me))?
            .map(|b| {
                serde_json::from_str(&b).map_err(|e| Error::Corrupt { id: "snapshot".into(), reason: e.to_string() })
            })
            .transpose()
    }

    /// A department's figures of `period` (a name such as `this-month`) from this head's last
    /// snapshot, offline: the departments they head and each one's direct sub-departments (a
    /// sub-department: its total and its members). `dept` is a name or an id. `None` when the
    /// snapshot does not carry it (not synced yet, a period it lacks, or not theirs to read).
    pub fn department_figures(&mut self, dept: &str, period: &str) -> Result<Option<DeptPeriodFigures>> {
        let depts = self.departments()?;
        let Some(d) = crate::team::find_dept(&depts, dept) else {
            return Err(Error::NotFound { kind: "department", id: dept.trim().to_string() });
        };
        let range = self.period_range(period)?;
        let Some(snap) = self.server_snapshot()? else { return Ok(None) };
        let tree = crate::team::DeptTree::new(&depts);
        let covers = |f: &&DeptPeriodFigures| f.first == range.first && f.last == range.last;
        if let Some(f) = snap.departments.iter().filter(covers).find(|f| f.dept_id == d.id) {
            return Ok(Some(f.clone()));
        }
        // A direct sub-department of one carried: its total, and its subtree's members.
        let Some(parent) = snap.departments.iter().filter(covers).find(|f| d.parent_id.as_deref() == Some(&f.dept_id))
        else {
            return Ok(None);
        };
        let within = |x: &str| tree.contains(&d.id, x);
        let rows = parent
            .rows
            .iter()
            .filter(|r| match (&r.figure.user_id, &r.member_of) {
                (None, _) => r.dept_id == d.id,
                (Some(_), Some(m)) => within(m),
                (Some(_), None) => false,
            })
            .map(|r| crate::team::DeptRow { dept_id: d.id.clone(), ..r.clone() })
            .collect();
        Ok(Some(DeptPeriodFigures { dept_id: d.id.clone(), rows, ..parent.clone() }))
    }

    /// This user's figures for `period` (a name such as `this-week`, or a range): see
    /// [`Store::kpi_view_of`].
    pub fn kpi_view(&mut self, period: &str, defs: &[KpiDef]) -> Result<KpiView> {
        let range = self.period_range(period)?;
        let me = self.identity()?.user_id;
        self.kpi_view_of(&me, range, defs)
    }

    /// `owner`'s figures over `range`, with targets. The values are this device's own
    /// recomputation from its records whenever it holds every change the server's snapshot
    /// held (its feed position is at or past the snapshot's: by change, never by clock), and so
    /// with its own unsynced work too: after syncs in any order device and server agree, and a
    /// device never shows less than it recorded. A snapshot holding changes this device has not
    /// pulled yet (or from a server that does not say which) gives its sums where they are
    /// larger. Targets are the snapshot's for its periods, else the configuration's, counted
    /// over the days `owner` was a member.
    pub fn kpi_view_of(&mut self, owner: &str, range: DateRange, defs: &[KpiDef]) -> Result<KpiView> {
        let local = self.kpi_figures(owner, &range, defs)?;
        let snap = self.server_snapshot()?.filter(|s| s.user_id == owner);
        let cursor = self.sync_state().map(|s| s.cursor as i64).unwrap_or(0);
        let holds_all = snap.as_ref().and_then(|s| s.data_seq).is_some_and(|seq| cursor >= seq);
        let period = snap.as_ref().and_then(|s| s.period_covering(range.first, range.last));
        let config = self.team_config()?;
        let thresholds = config.as_ref().map(|c| c.thresholds).unwrap_or_default();
        let membership = self.member(owner)?.and_then(|m| m.membership());
        let cal = self.calendar()?;
        let today = cal.local_date(self.now_ms());
        let mut from_server = false;
        let mut rows = Vec::with_capacity(local.len());
        for (def, mut row) in defs.iter().zip(local) {
            let figure =
                period.and_then(|p| p.rows.iter().find(|f| f.metric == def.id && f.user_id.as_deref() == Some(owner)));
            if let Some(f) = figure {
                let additive = !def.aggregate.is_ratio();
                if !holds_all && (f.value > row.value || !additive) {
                    row.value = f.value;
                    from_server = true;
                }
                row.target = f.target;
            } else if let Some(c) = &config {
                let counts = |d: chrono::NaiveDate| membership.is_none_or(|m| m.measures(&cal, d));
                row.target = target_within(&c.targets, &def.id, &def.unit, Some(owner), &range, today, &counts);
            }
            row.achievement = row.target.and_then(|t| achievement(row.value, t));
            row.status = row.achievement.map(|a| status(a, thresholds));
            rows.push(row);
        }
        Ok(match (from_server, &snap) {
            (true, Some(s)) => KpiView { source: FigureSource::Server, as_of: s.computed_at, range, rows },
            _ => KpiView { source: FigureSource::Local, as_of: self.now_ms(), range, rows },
        })
    }
}
