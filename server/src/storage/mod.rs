//! Server storage behind a trait, so that a PostgreSQL backend can sit beside the embedded SQLite
//! default. Methods block; the HTTP layer calls them on the blocking pool.

mod sqlite;
mod writer;

use chrono::NaiveDate;
use fieldreport_core::sync::wire::{SyncRequest, SyncResponse};
use fieldreport_core::team::TeamConfig;
use serde::Serialize;

pub use sqlite::{create_schema, rollups, views, ConnSource, RebuildFrom, Rebuilt, SqliteStorage};

use crate::error::Result;
use crate::merge::Limits;

/// The team this server serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub tz: String,
    pub week_start: String,
}

/// A team member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: String,
    pub name: String,
    /// rep, manager or admin.
    pub role: String,
    pub manager_id: Option<String>,
    pub created_at: i64,
}

/// An enrolled device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Device {
    pub id: String,
    pub user_id: String,
    /// Hex of the device's Automerge actor id.
    pub actor: String,
    pub created_at: i64,
    pub last_seen_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// The authenticated caller of a sync request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub device: Device,
    pub user: User,
    pub team: Team,
}

/// What enrollment hands back to the device: the core's type, so both sides share one shape.
pub use fieldreport_core::store::Enrollment as Enrolled;

/// One user's total of one metric over a range of days: the sum of its daily values (or its
/// count of distinct keys) and, for conversions, of its bases.
#[derive(Debug, Clone, PartialEq)]
pub struct Total {
    pub user_id: String,
    pub metric: String,
    pub value: f64,
    pub base: f64,
}

/// An open deal without a recent followup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdleDeal {
    pub id: String,
    pub owner: String,
    pub customer_id: String,
    pub title: String,
    pub stage: String,
    pub created_at: i64,
    pub last_followup_at: Option<i64>,
}

/// A report as submission statistics need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportEntry {
    pub id: String,
    pub owner: String,
    pub kind: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// When the author submitted it (authored on the device, so offline work counts on time).
    pub submitted_at: Option<i64>,
}

/// The roles a user can have.
pub const ROLES: [&str; 3] = ["rep", "manager", "admin"];

/// Storage of a team server.
pub trait Storage: Send + Sync + 'static {
    /// The team, once set up.
    fn team(&self) -> Result<Option<Team>>;
    /// First-run setup: the team and its admin; returns the admin and an enrollment code.
    fn init_team(&self, name: &str, tz: &str, week_start: &str, admin_name: &str) -> Result<(Team, User, String)>;
    /// Adds a user; returns it and a one-time enrollment code.
    fn add_user(&self, name: &str, role: &str, manager_id: Option<&str>) -> Result<(User, String)>;
    fn users(&self) -> Result<Vec<User>>;
    /// A new one-time code for `user_id`.
    fn enrollment_code(&self, user_id: &str) -> Result<String>;
    /// Redeems a code for a device with `actor`.
    fn enroll(&self, code: &str, actor: &str) -> Result<Enrolled>;
    /// The caller behind a device token.
    fn authenticate(&self, token: &str) -> Result<Caller>;
    fn devices(&self, user_id: Option<&str>) -> Result<Vec<Device>>;
    fn revoke_device(&self, device_id: &str) -> Result<Device>;
    /// One sync round trip: checks and merges the pushes, returns a page of the change feed.
    fn sync(&self, caller: &Caller, req: SyncRequest, limits: &Limits) -> Result<SyncResponse>;

    /// The team configuration in force.
    fn config(&self) -> Result<TeamConfig>;
    /// Validates `config` and makes it the next version; a refused one changes nothing.
    fn apply_config(&self, config: TeamConfig) -> Result<TeamConfig>;
    /// Recomputes every KPI rollup from the stored records (their current typed views, else the
    /// documents; `from` says), reporting documents done.
    fn rebuild_kpis(&self, from: RebuildFrom, progress: Box<dyn Fn(u64) + Send>) -> Result<Rebuilt>;
    /// The committed rollups and indexes that figures are computed from.
    fn source(&self) -> &dyn Source;
    /// Robot messages due at `now`, oldest first.
    fn due_deliveries(&self, now: i64, limit: usize) -> Result<Vec<Delivery>>;
    /// Records one attempt at delivering message `id`.
    fn finish_delivery(&self, id: i64, outcome: std::result::Result<(), String>, now: i64) -> Result<()>;
    /// The latest robot messages, newest first.
    fn deliveries(&self, limit: usize) -> Result<Vec<Delivery>>;

    /// A one-time sign-in link token for `user_id` (valid 15 minutes).
    fn login_link(&self, user_id: &str) -> Result<String>;
    /// Redeems a sign-in link: (session token, CSRF token).
    fn open_session(&self, link: &str) -> Result<(String, String)>;
    /// The session behind a session token.
    fn session(&self, token: &str) -> Result<WebSession>;
    /// Signs a session out.
    fn end_session(&self, token: &str) -> Result<()>;
    /// The reports addressed to `user` (and their own), newest first.
    fn inbox(&self, user: &User) -> Result<Vec<InboxItem>>;
    /// Report `id` if `user` may read it; records the read receipt of a recipient.
    fn open_report(&self, user: &User, id: &str) -> Result<fieldreport_core::doc::Report>;
    /// Adds `user`'s comment to report `id`, merged into its document.
    fn web_comment(&self, user: &User, id: &str, text: &str) -> Result<fieldreport_core::doc::Report>;
}

/// A signed-in web session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    pub user: User,
    /// The token every form must carry.
    pub csrf: String,
}

/// A report in a web inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboxItem {
    pub id: String,
    pub owner: String,
    pub owner_name: String,
    pub kind: String,
    pub first: String,
    pub last: String,
    pub submitted_at: Option<i64>,
    /// When this viewer opened it (`None`: unread).
    pub read_at: Option<i64>,
}

/// A message to a group-chat robot and where its delivery stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub id: i64,
    /// The robot's name in the team configuration.
    pub robot: String,
    /// report_submitted or alert.
    pub event: String,
    /// The report or alert id.
    pub subject: String,
    pub title: String,
    pub markdown: String,
    /// pending, sent or failed.
    pub status: String,
    pub attempts: i64,
    /// When the next attempt is due (UTC milliseconds).
    pub next_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// Which totals to read: some users' (all metrics), or some metrics' (all users).
#[derive(Debug, Clone, Copy)]
pub enum Slice<'a> {
    Users(&'a [String]),
    Metrics(&'a [String]),
}

/// What KPI snapshots, alerts and submission statistics read: the rollups and indexes the
/// merges keep, committed (from storage) or inside the writer's own transaction.
pub trait Source {
    /// Every user, with role and manager (the team's directory).
    fn directory(&self) -> Result<Vec<User>>;
    /// Per user and metric over `first..=last`, for `slice` (`distinct`: metrics counted by
    /// distinct key).
    fn totals(&self, first: NaiveDate, last: NaiveDate, slice: Slice, distinct: &[String]) -> Result<Vec<Total>>;
    /// When each user last synced.
    fn last_seen(&self) -> Result<Vec<(String, Option<i64>)>>;
    /// `owners`' open deals with no followup since `before_ms`.
    fn idle_deals(&self, owners: &[String], before_ms: i64) -> Result<Vec<IdleDeal>>;
    /// `owners`' reports whose period ends within `first..=last`.
    fn reports(&self, owners: &[String], first: NaiveDate, last: NaiveDate) -> Result<Vec<ReportEntry>>;
}
