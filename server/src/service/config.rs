//! The team configuration in force, its versions, and applying a new one.

use std::sync::{Arc, RwLock};

use fieldreport_protocol::kpi::KpiDef;
use fieldreport_protocol::period::Calendar;
use fieldreport_protocol::team::TeamConfig;

use super::rollups;
use crate::error::{Result, ServerError};
use crate::now_ms;
use crate::store::Db;

/// The configuration in force, with what merges need from it ready to use.
#[derive(Debug, Clone)]
pub(crate) struct Active {
    pub config: TeamConfig,
    pub cal: Calendar,
    pub defs: Vec<KpiDef>,
}

impl Active {
    pub(crate) fn of(config: TeamConfig) -> Result<Active> {
        let cal = config.calendar()?;
        let defs = config.definitions();
        Ok(Active { config, cal, defs })
    }
}

/// Shared, swappable configuration in force. A cache of the stored versions: every writer job
/// and every read that depends on it checks the stored version first ([`fresh`]), so another
/// process's `config apply` is picked up.
pub(crate) type Shared = Arc<RwLock<Arc<Active>>>;

/// The current configuration in `db`: the latest applied version, or the defaults with the
/// team's own settings.
pub(crate) fn load(db: &Db) -> Result<Active> {
    let config = match db.latest_config()? {
        Some(b) => {
            let mut c: TeamConfig = serde_json::from_str(&b)
                .map_err(|e| ServerError::Internal(format!("the stored configuration cannot be read: {e}")))?;
            c.upgrade_stored();
            c
        }
        None => {
            let mut c = TeamConfig::default();
            if let Some(t) = db.team()? {
                c.team.name = t.name;
                c.team.tz = t.tz;
                c.team.week_start = t.week_start;
            }
            c
        }
    };
    Active::of(config)
}

pub(crate) fn current(shared: &Shared) -> Arc<Active> {
    shared.read().unwrap_or_else(|p| p.into_inner()).clone()
}

/// The configuration in force as `db` sees it.
pub(crate) fn fresh(db: &Db, shared: &Shared) -> Result<Arc<Active>> {
    fresh_at(db, shared, db.config_version()?)
}

/// [`fresh`], the stored version being `version` (read by the caller).
pub(crate) fn fresh_at(db: &Db, shared: &Shared, version: i64) -> Result<Arc<Active>> {
    let cur = current(shared);
    if version as u64 == cur.config.version {
        return Ok(cur);
    }
    let active = load(db)?;
    set(shared, active);
    Ok(current(shared))
}

pub(crate) fn set(shared: &Shared, active: Active) {
    *shared.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(active);
}

/// Validates and stores `config` as the next version; rebuilds the rollups when what they depend
/// on (time zone, week start, definitions) changed. Returns the stored configuration.
pub(crate) fn apply(db: &Db, before: &Active, mut config: TeamConfig) -> Result<Active> {
    let team = db.team()?.ok_or_else(|| ServerError::BadRequest("no team yet: run `init` first".into()))?;
    let users: Vec<String> = db.users()?.into_iter().map(|u| u.id).collect();
    if config.team.name.trim().is_empty() {
        config.team.name = team.name;
    }
    config.validate(&users).map_err(|e| ServerError::BadRequest(format!("the configuration is refused: {e}")))?;
    let depts = db.departments()?;
    for (i, t) in config.targets.iter().enumerate() {
        if let Some(d) = &t.dept {
            if fieldreport_protocol::team::find_dept(&depts, d).is_none() {
                return Err(ServerError::BadRequest(format!(
                    "the configuration is refused: targets[{i}].dept: `{d}` is not a department (see `dept list`)"
                )));
            }
        }
    }
    for r in &config.robots {
        if let Some(d) = &r.dept {
            if fieldreport_protocol::team::find_dept(&depts, d).is_none() {
                return Err(ServerError::BadRequest(format!(
                    "the configuration is refused: robot `{}`: dept `{d}` is not a department (see `dept list`)",
                    r.name
                )));
            }
        }
    }
    let version = db.config_version()? + 1;
    config.version = version as u64;
    let mut active = Active::of(config)?;
    // Store the zone's canonical name, as `init` does.
    active.config.team.tz = active.cal.tz.name().to_string();
    active.config.team.week_start = active.config.team.week_start.trim().to_ascii_lowercase();
    let body = serde_json::to_string(&active.config).map_err(|e| ServerError::Internal(e.to_string()))?;
    db.insert_config(version, &body, now_ms())?;
    let t = &active.config.team;
    db.update_team(&t.name, &t.tz, &t.week_start)?;
    if before.cal != active.cal || before.defs != active.defs {
        rollups::rebuild(db, &active.defs, &active.cal, rollups::RebuildFrom::Views, &|_| {})?;
    }
    Ok(active)
}
