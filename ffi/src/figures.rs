//! KPI figures through the FFI: this user's, and a manager's team (each direct report's
//! figures and report submissions), offline from the server's last snapshot.

use std::sync::Arc;

use crate::store::{FieldStore, Result};
use crate::types::*;

#[uniffi::export]
impl FieldStore {
    /// This user's KPI figures for a period (`metrics` empty for all): the server's snapshot
    /// when it covers the local data, else computed locally; see [`FieldStore::kpi_view`].
    #[uniffi::method(default(metrics = []))]
    pub async fn kpis(self: Arc<Self>, period: String, metrics: Vec<String>) -> Result<Vec<KpiFigure>> {
        self.kpi_view(period, metrics).await.map(|v| v.figures)
    }

    /// This user's KPI figures for a period, with where they came from (the server's snapshot
    /// after a sync, with targets and status; or computed locally when the device changed
    /// something since) and when they were computed.
    #[uniffi::method(default(metrics = []))]
    pub async fn kpi_view(self: Arc<Self>, period: String, metrics: Vec<String>) -> Result<KpiView> {
        self.call(move |s| {
            let defs = s.kpi_definitions_for(&metrics)?;
            s.kpi_view(&period, &defs)
        })
        .await
        .map(Into::into)
    }

    /// A department's figures for `period` (`this-week`, `last-week`, `this-month` or
    /// `this-quarter`), offline from the last snapshot of one of its heads (or of a head above
    /// it): the department's own, each sub-department's, each member's. `dept` is a name or an
    /// id; `None` when this device holds none (not synced yet, another period, not a head).
    pub async fn department_figures(self: Arc<Self>, dept: String, period: String) -> Result<Option<DeptFigures>> {
        self.call(move |s| {
            let Some(f) = s.department_figures(&dept, &period)? else { return Ok(None) };
            let names = s.names()?;
            let units: Units = s.kpi_definitions().into_iter().map(|d| (d.id, d.unit)).collect();
            let figure = |f| KpiFigure::from_team(f, &units);
            let depts: std::collections::HashMap<String, String> =
                s.departments()?.into_iter().map(|d| (d.id, d.name)).collect();
            let dept_name = |id: &str| depts.get(id).cloned().unwrap_or_else(|| id.to_string());
            let mut out = DeptFigures {
                dept_name: dept_name(&f.dept_id),
                dept_id: f.dept_id.clone(),
                first: f.first,
                last: f.last,
                total: Vec::new(),
                sub_departments: Vec::new(),
                members: Vec::new(),
            };
            for r in f.rows {
                let (id, list, name) = match (&r.figure.user_id, r.dept_id == f.dept_id) {
                    (None, true) => {
                        out.total.push(figure(r.figure));
                        continue;
                    }
                    (None, false) => (r.dept_id.clone(), &mut out.sub_departments, dept_name(&r.dept_id)),
                    (Some(u), _) => (u.clone(), &mut out.members, names.of(u)),
                };
                match list.iter_mut().find(|l| l.id == id) {
                    Some(l) => l.figures.push(figure(r.figure)),
                    None => list.push(DeptLine { id, name, member_of: r.member_of, figures: vec![figure(r.figure)] }),
                }
            }
            Ok(Some(out))
        })
        .await
    }

    /// The figures of everyone this user sees for `period` — a manager's direct reports and the
    /// team as a whole, a rep themself — and, for this week, last week and this month, each
    /// member's reports on time, late and missing. From the server's snapshot (offline); a
    /// period it lacks is computed from the records on this device (without submissions).
    #[uniffi::method(default(metrics = []))]
    pub async fn team_view(self: Arc<Self>, period: String, metrics: Vec<String>) -> Result<TeamView> {
        self.call(move |s| {
            let defs = s.kpi_definitions_for(&metrics)?;
            let units: Units = defs.iter().map(|d| (d.id.clone(), d.unit.clone())).collect();
            let v = s.team_view(&period, &defs)?;
            let names = s.names()?;
            let name = |id: &str| names.get(id).map(str::to_string);
            Ok(TeamView {
                source: v.source,
                as_of: instant(v.as_of),
                first: v.range.first,
                last: v.range.last,
                members: v
                    .members
                    .into_iter()
                    .map(|m| MemberFigures {
                        name: m.user_id.as_deref().and_then(name),
                        user_id: m.user_id,
                        figures: m.rows.into_iter().map(|f| KpiFigure::from_team(f, &units)).collect(),
                    })
                    .collect(),
                submissions: v
                    .submissions
                    .into_iter()
                    .map(|c| SubmissionCounts {
                        name: name(&c.user_id),
                        user_id: c.user_id,
                        on_time: c.on_time as i32,
                        late: c.late as i32,
                        missing: c.missing as i32,
                        pending: c.pending as i32,
                    })
                    .collect(),
                plans: v
                    .plans
                    .into_iter()
                    .map(|c| PlanCounts {
                        name: name(&c.user_id),
                        user_id: c.user_id,
                        planned: c.planned as i32,
                        done: c.done as i32,
                        missed: c.missed as i32,
                        ahead: c.ahead as i32,
                    })
                    .collect(),
            })
        })
        .await
    }

    /// The alerts and read receipts of the server's last snapshot for this user (offline).
    pub async fn server_notes(self: Arc<Self>) -> Result<ServerNotes> {
        self.call(|s| s.server_snapshot()).await.map(|snap| match snap {
            Some(b) => ServerNotes {
                as_of: Some(instant(b.computed_at)),
                alerts: b.alerts.into_iter().map(Into::into).collect(),
                reads: b.reads.into_iter().map(Into::into).collect(),
            },
            None => ServerNotes { as_of: None, alerts: Vec::new(), reads: Vec::new() },
        })
    }
}
