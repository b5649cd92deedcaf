//! The team's configuration (authored on the server, read-only on devices): settings, report
//! deadlines, KPI definitions per role, targets, thresholds, alerts and templates; and the KPI
//! snapshots it publishes to devices.

mod alert_text;
mod config;
mod deadline;
mod department;
mod membership;
mod org;
mod reminders;
mod robots;
mod snapshot;
mod target;

pub use alert_text::alert_text;
pub use config::{AlertDelivery, AlertSettings, AttachmentSettings, Deadlines, TeamConfig, TeamSettings};
pub use deadline::Deadline;
pub use department::{find_dept, Department, DeptTree, MAX_DEPTH, MAX_DEPT_NAME};
pub use membership::Membership;
pub use org::{below, below_pairs, Person};
pub use reminders::{Reminder, Reminders};
pub use robots::{Robot, RobotEvent, RobotKind};
pub use snapshot::{
    Alert, AlertFacts, DeptPeriodFigures, DeptRow, Figure, Mentioned, Nudge, PeriodFigures, ReadReceipt, SnapshotBody,
    SubmissionCounts, DEPT_PERIODS,
};
pub use target::{dept_target_within, target_for, target_within, Target, TargetPeriod};
