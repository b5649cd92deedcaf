//! The server's plain data: the team, its members and their devices, and the rows figures,
//! the dashboard and the robot outbox read. No behaviour beyond parsing and naming.

use chrono::NaiveDate;
use serde::Serialize;

/// The team this server serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub tz: String,
    pub week_start: String,
}

/// What a member may do, and where a robot message stands (the protocol's vocabulary).
pub use fieldreport_protocol::codes::{DeliveryStatus, Role};

/// A team member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub manager_id: Option<String>,
    pub created_at: i64,
    /// For robots' @mentions (DingTalk, WeCom).
    pub phone: Option<String>,
    /// A deactivated member keeps their name but signs in and receives reports no more.
    pub active: bool,
    /// When they were deactivated (UTC milliseconds): their obligations end then.
    pub deactivated_at: Option<i64>,
    /// Their department (none only before the team's root department exists).
    pub dept_id: Option<String>,
}

impl User {
    /// When they were a member: reports are owed and targets count only within it.
    pub fn membership(&self) -> fieldreport_protocol::team::Membership {
        fieldreport_protocol::team::Membership { since: self.created_at, until: self.deactivated_at }
    }
}

/// An enrolled device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Device {
    pub id: String,
    pub user_id: String,
    /// The name its user gave it at enrollment (`张伟的手机`), if any.
    pub name: Option<String>,
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
pub use fieldreport_protocol::api::Enrollment as Enrolled;

/// One user's total of one metric over a range of days: the sum of its daily values (or its
/// count of distinct keys) and, for conversions, of its bases.
#[derive(Debug, Clone, PartialEq)]
pub struct Total {
    pub user_id: String,
    pub metric: String,
    pub value: f64,
    pub base: f64,
}

/// A check-in with the location of the customer it was for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlacedCheckin {
    pub followup_id: String,
    pub owner: String,
    pub customer_name: String,
    /// UTC milliseconds of the fix.
    pub at: i64,
    pub checkin: (f64, f64),
    /// Its distance from the customer, as measured when the server first could (evidence: a
    /// later move of the customer does not change it).
    pub metres: f64,
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

/// Which totals to read: some users' (all metrics), or some metrics' (all users).
#[derive(Debug, Clone, Copy)]
pub enum Slice<'a> {
    Users(&'a [String]),
    Metrics(&'a [String]),
}

/// A signed-in web session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    pub user: User,
    /// The token every form must carry.
    pub csrf: String,
}

/// A dashboard session as an admin lists it (never its token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionInfo {
    /// Public id, for `session revoke`.
    pub id: String,
    pub user_id: String,
    /// How it began: `link` (an admin's sign-in link) or `phone` (扫码登录).
    pub via: String,
    pub created_at: i64,
    pub expires_at: i64,
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
    pub comments: i64,
    /// Its recipients and when each read it (filled for the viewer's own reports).
    pub recipients: Vec<RecipientRead>,
}

/// A report's recipient and when they read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecipientRead {
    pub user_id: String,
    pub name: String,
    pub read_at: Option<i64>,
}

/// Which reports an inbox lists. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxFilter {
    /// Only this author's.
    pub member: Option<String>,
    /// Only this kind (`daily`, `weekly`…).
    pub kind: Option<String>,
    /// Only those the viewer has not read.
    pub unread: bool,
    /// Only those whose period overlaps `from..=to` (YYYY-MM-DD).
    pub from: Option<String>,
    pub to: Option<String>,
    /// Only the viewer's own (`Some(true)`), only others' (`Some(false)`).
    pub own: Option<bool>,
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
    pub status: DeliveryStatus,
    pub attempts: i64,
    /// When the next attempt is due (UTC milliseconds).
    pub next_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    /// Whom it @mentions (JSON `[{"name", "phone"}]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mentions: Option<String>,
}
