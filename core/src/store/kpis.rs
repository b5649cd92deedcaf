//! KPI figures of one user over one period, from the projection tables.

use super::kpi_sql::evaluate_all;
use super::Store;
use crate::codes::Role;
use crate::error::{Error, Result};
use crate::kpi::{builtin, KpiDef};
use crate::period::DateRange;
use crate::report::KpiRow;

impl Store {
    /// The KPI definitions this device uses: its role's in the team configuration the server
    /// published, or the built-in set before the first sync.
    pub fn kpi_definitions(&self) -> Vec<KpiDef> {
        match self.team_config() {
            Ok(Some(c)) => {
                let role = self.sync_state().map(|s| s.role).unwrap_or(Role::Rep);
                c.definitions_for_role(role)
            }
            _ => builtin(),
        }
    }

    /// Looks up definitions by id, in the order given (all of them for no ids); an unknown id is
    /// bad input.
    pub fn kpi_definitions_for(&self, ids: &[String]) -> Result<Vec<KpiDef>> {
        let all = self.kpi_definitions();
        if ids.is_empty() {
            return Ok(all);
        }
        ids.iter()
            .map(|id| {
                all.iter().find(|d| d.id == id.trim()).cloned().ok_or_else(|| {
                    let known: Vec<_> = all.iter().map(|d| d.id.as_str()).collect();
                    Error::bad_input(format!("unknown metric `{id}` (known: {})", known.join(", ")))
                })
            })
            .collect()
    }

    /// Evaluates `defs` for `owner` over `range`. Targets come with the team configuration from a
    /// server; without one, rows carry no target, achievement or status.
    pub fn kpi_figures(&self, owner: &str, range: &DateRange, defs: &[KpiDef]) -> Result<Vec<KpiRow>> {
        let values = evaluate_all(&self.conn, defs, owner, range)?;
        Ok(defs
            .iter()
            .zip(values)
            .map(|(d, v)| KpiRow {
                metric: d.id.clone(),
                name_zh: d.name_zh.clone(),
                name_en: d.name_en.clone(),
                value: v.value,
                unit: v.unit,
                target: None,
                achievement: None,
                status: None,
            })
            .collect())
    }
}
