//! What managers steer by, computed from the rollups and indexes the merges keep: KPI snapshots
//! per period, user and team; alerts; report submission statistics. The CLI, the HTTP API and
//! the snapshots delivered to devices all come from here, so a figure is computed one way.

mod alerts;
mod scope;
mod snapshot;
mod submissions;

pub use alerts::{alerts, alerts_with};
pub use fieldreport_core::team::Alert;
pub use scope::Scope;
pub use snapshot::{snapshot, team_values, Completeness, KpiRow, Snapshot};
pub use submissions::{submissions, Submission, SubmissionItem};
