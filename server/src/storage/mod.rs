//! Server storage behind a trait, so that a PostgreSQL backend can sit beside the embedded SQLite
//! default. Methods block; the HTTP layer calls them on the blocking pool.

mod sqlite;
mod writer;

use fieldreport_core::sync::wire::{SyncRequest, SyncResponse};
use serde::Serialize;

pub use sqlite::SqliteStorage;

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
}
