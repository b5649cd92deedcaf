//! The team's configuration (authored on the server, read-only on devices): settings, report
//! deadlines, KPI definitions per role, targets, thresholds, alerts and templates.

mod config;
mod deadline;
mod target;

pub use config::{AlertSettings, Deadlines, TeamConfig, TeamSettings};
pub use deadline::Deadline;
pub use target::{target_for, Target, TargetPeriod};
