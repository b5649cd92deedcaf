//! What the server published to this device: the team configuration and this user's KPI
//! snapshot; and KPI figures that use the snapshot when it covers the local data.

use rusqlite::OptionalExtension;
use serde::Serialize;

use super::Store;
use crate::error::{Error, Result};
use crate::kpi::KpiDef;
use crate::period::DateRange;
use crate::report::{FigureSource, KpiRow};
use crate::team::{SnapshotBody, TeamConfig};

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

    /// When this device last changed a record itself.
    fn last_local_write(&self) -> Result<Option<i64>> {
        Ok(self.conn.query_row("SELECT at FROM last_local_write WHERE id = 1", [], |r| r.get(0)).optional()?)
    }

    /// This user's figures for `period` (a name such as `this-week`, or a range): see
    /// [`Store::kpi_view_of`].
    pub fn kpi_view(&mut self, period: &str, defs: &[KpiDef]) -> Result<KpiView> {
        let range = self.period_range(period)?;
        let me = self.identity()?.user_id;
        self.kpi_view_of(&me, range, defs)
    }

    /// `owner`'s figures over `range`: the server's snapshot when it is this user's, has the
    /// range and every metric, and was computed after this device's last own change; else
    /// computed locally.
    pub fn kpi_view_of(&mut self, owner: &str, range: DateRange, defs: &[KpiDef]) -> Result<KpiView> {
        if let Some(snap) = self.server_snapshot()?.filter(|s| s.user_id == owner) {
            let covers = self.last_local_write()?.is_none_or(|t| t <= snap.computed_at);
            if let Some(p) = snap.period_covering(range.first, range.last).filter(|_| covers) {
                let rows: Option<Vec<KpiRow>> = defs
                    .iter()
                    .map(|d| {
                        let f = p.rows.iter().find(|f| f.metric == d.id && f.user_id.as_deref() == Some(owner))?;
                        Some(KpiRow {
                            metric: f.metric.clone(),
                            name_zh: f.name_zh.clone(),
                            name_en: f.name_en.clone(),
                            value: f.value,
                            unit: d.unit.clone(),
                            target: f.target,
                            achievement: f.achievement,
                            status: f.status,
                        })
                    })
                    .collect();
                if let Some(rows) = rows {
                    return Ok(KpiView { source: FigureSource::Server, as_of: snap.computed_at, range, rows });
                }
            }
        }
        let rows = self.kpi_figures(owner, &range, defs)?;
        Ok(KpiView { source: FigureSource::Local, as_of: self.now_ms(), range, rows })
    }
}
