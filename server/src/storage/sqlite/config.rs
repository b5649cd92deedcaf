//! The team configuration in force, its versions, and applying a new one.

use std::sync::{Arc, RwLock};

use fieldreport_core::kpi::KpiDef;
use fieldreport_core::period::Calendar;
use fieldreport_core::team::TeamConfig;
use rusqlite::{params, Connection, OptionalExtension};

use super::{now_ms, rollups, team_of};
use crate::error::{Result, ServerError};

/// The configuration in force, with what merges need from it ready to use.
#[derive(Debug, Clone)]
pub(crate) struct Active {
    pub config: TeamConfig,
    pub cal: Calendar,
    pub defs: Vec<KpiDef>,
}

impl Active {
    pub(super) fn of(config: TeamConfig) -> Result<Active> {
        let cal = config.calendar()?;
        let defs = config.definitions();
        Ok(Active { config, cal, defs })
    }
}

/// Shared, swappable configuration in force.
pub(crate) type Shared = Arc<RwLock<Arc<Active>>>;

/// The current configuration on `conn`: the latest applied version, or the defaults with the
/// team's own settings.
pub(super) fn load(conn: &Connection) -> Result<Active> {
    let body: Option<String> = conn
        .query_row("SELECT body FROM config_versions ORDER BY version DESC LIMIT 1", [], |r| r.get(0))
        .optional()?;
    let config = match body {
        Some(b) => serde_json::from_str(&b)
            .map_err(|e| ServerError::Internal(format!("the stored configuration cannot be read: {e}")))?,
        None => {
            let mut c = TeamConfig::default();
            if let Some(t) = team_of(conn)? {
                c.team.name = t.name;
                c.team.tz = t.tz;
                c.team.week_start = t.week_start;
            }
            c
        }
    };
    Active::of(config)
}

pub(super) fn current(shared: &Shared) -> Arc<Active> {
    shared.read().unwrap_or_else(|p| p.into_inner()).clone()
}

/// The configuration in force as `conn` sees it: `fieldreport-server config apply` may have
/// stored a newer version from another process while this one serves.
pub(super) fn fresh(conn: &Connection, shared: &Shared) -> Result<Arc<Active>> {
    let cur = current(shared);
    let latest: i64 =
        conn.prepare_cached("SELECT COALESCE(MAX(version), 0) FROM config_versions")?.query_row([], |r| r.get(0))?;
    if latest as u64 == cur.config.version {
        return Ok(cur);
    }
    let active = load(conn)?;
    set(shared, active);
    Ok(current(shared))
}

pub(super) fn set(shared: &Shared, active: Active) {
    *shared.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(active);
}

/// Validates and stores `config` as the next version; rebuilds the rollups when what they depend
/// on (time zone, week start, definitions) changed. Returns the stored configuration.
pub(super) fn apply(conn: &Connection, before: &Active, mut config: TeamConfig) -> Result<Active> {
    let team = team_of(conn)?.ok_or_else(|| ServerError::BadRequest("no team yet: run `init` first".into()))?;
    let users: Vec<String> =
        conn.prepare("SELECT id FROM users")?.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    if config.team.name.trim().is_empty() {
        config.team.name = team.name;
    }
    config.validate(&users).map_err(|e| ServerError::BadRequest(format!("the configuration is refused: {e}")))?;
    let version: u64 =
        conn.query_row("SELECT COALESCE(MAX(version), 0) + 1 FROM config_versions", [], |r| r.get::<_, i64>(0))? as u64;
    config.version = version;
    let mut active = Active::of(config)?;
    // Store the zone's canonical name, as `init` does.
    active.config.team.tz = active.cal.tz.name().to_string();
    active.config.team.week_start = active.config.team.week_start.trim().to_ascii_lowercase();
    let body = serde_json::to_string(&active.config).map_err(|e| ServerError::Internal(e.to_string()))?;
    conn.execute(
        "INSERT INTO config_versions (version, body, applied_at) VALUES (?1, ?2, ?3)",
        params![version as i64, body, now_ms()],
    )?;
    let t = &active.config.team;
    conn.execute(
        "UPDATE team SET name = ?1, tz = ?2, week_start = ?3 WHERE id = 1",
        params![t.name, t.tz, t.week_start],
    )?;
    if before.cal != active.cal || before.defs != active.defs {
        rollups::rebuild(conn, &active.defs, &active.cal, rollups::RebuildFrom::Views, &|_| {})?;
    }
    Ok(active)
}
