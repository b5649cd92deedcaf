//! Records and enums that cross the FFI. They mirror the core's types field for field; the
//! conversions live here, next to each type.

use fieldreport_core::{doc, kpi, report, store};

// The records and enums the FFI passes unchanged are the core's own, derived with core's `uniffi`
// feature (component `fieldreport_core`): enums, list rows, identity, sync statistics and
// progress, report sections and comments. The ones below are shaped for callers (flattened
// headers, dates as `YYYY-MM-DD` strings, coordinates as fields) and convert from the core's.
pub use fieldreport_core::doc::{Attachment, Member};
pub use fieldreport_core::doc::{Comment, FollowupKind, Level, ReportKind, ReportStatus, Section, Stage};
pub use fieldreport_core::kpi::KpiStatus;
pub use fieldreport_core::report::SectionDef;
pub use fieldreport_core::report::{Dialect, Lang};
pub use fieldreport_core::store::{AttachmentRow, AttachmentState, CheckinPlace};
pub use fieldreport_core::store::{CustomerRow, DealRow, FollowupRow, Identity, Rejection, ReportRow};
pub use fieldreport_core::sync::WebLoginApproved;
pub use fieldreport_core::sync::{SyncProgress, SyncStats};
pub use fieldreport_core::team::{Alert, AlertFacts, ReadReceipt};

/// A template a report can start from.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Template {
    /// `builtin:weekly:zh-CN`, or the team's own id.
    pub id: String,
    pub kind: ReportKind,
    pub lang: Lang,
    /// Sections in order; a required one must have text before the report is submitted.
    pub sections: Vec<SectionDef>,
    /// Who reports from it are copied to by default (user ids), besides the author's manager.
    pub cc: Vec<String>,
}

impl From<report::Template> for Template {
    fn from(t: report::Template) -> Self {
        Template { id: t.id, kind: t.kind, lang: t.lang, sections: t.sections, cc: t.cc }
    }
}

/// What enrollment established.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Enrolled {
    pub device_id: String,
    pub user_id: String,
    pub team_id: String,
    /// rep, manager or admin.
    pub role: String,
}

/// A new customer.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewCustomer {
    pub name: String,
    #[uniffi(default = None)]
    pub level: Option<Level>,
    #[uniffi(default = None)]
    pub address: Option<String>,
    #[uniffi(default = None)]
    pub latitude: Option<f64>,
    #[uniffi(default = None)]
    pub longitude: Option<f64>,
    #[uniffi(default = [])]
    pub tags: Vec<String>,
}

/// A customer.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Customer {
    pub id: String,
    pub owner: String,
    pub name: String,
    pub level: Option<Level>,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub tags: Vec<String>,
    pub deleted: bool,
    /// UTC milliseconds.
    pub created_at: i64,
}

impl From<doc::Customer> for Customer {
    fn from(c: doc::Customer) -> Self {
        Customer {
            id: c.header.id,
            owner: c.header.owner,
            name: c.name,
            level: c.level,
            address: c.address,
            latitude: c.location.map(|l| l.0),
            longitude: c.location.map(|l| l.1),
            tags: c.tags,
            deleted: c.header.deleted,
            created_at: c.header.created_at,
        }
    }
}

/// Where a visit was checked in.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CheckIn {
    pub latitude: f64,
    pub longitude: f64,
    /// Metres.
    #[uniffi(default = None)]
    pub accuracy: Option<f64>,
    /// UTC milliseconds.
    pub at: i64,
}

/// A new followup (visit, call…).
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewFollowup {
    pub customer_id: String,
    pub kind: FollowupKind,
    /// UTC milliseconds; `None` for now.
    #[uniffi(default = None)]
    pub occurred_at: Option<i64>,
    pub note: String,
    #[uniffi(default = None)]
    pub deal_id: Option<String>,
    #[uniffi(default = "")]
    pub next_step: String,
    /// `YYYY-MM-DD`.
    #[uniffi(default = None)]
    pub next_followup_on: Option<String>,
    #[uniffi(default = None)]
    pub checkin: Option<CheckIn>,
}

/// Changes to a followup; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct FollowupEdit {
    #[uniffi(default = None)]
    pub kind: Option<FollowupKind>,
    #[uniffi(default = None)]
    pub occurred_at: Option<i64>,
    #[uniffi(default = None)]
    pub note: Option<String>,
    #[uniffi(default = None)]
    pub next_step: Option<String>,
    #[uniffi(default = None)]
    pub next_followup_on: Option<String>,
}

/// A followup.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Followup {
    pub id: String,
    pub owner: String,
    pub customer_id: String,
    pub deal_id: Option<String>,
    pub kind: FollowupKind,
    pub occurred_at: i64,
    pub note: String,
    pub next_step: String,
    pub next_followup_on: Option<String>,
    pub checkin: Option<CheckIn>,
    /// Photos and files attached to it (their bytes: `attachment_bytes`, `fetch_attachment`).
    pub attachments: Vec<Attachment>,
    pub deleted: bool,
}

impl From<doc::Followup> for Followup {
    fn from(f: doc::Followup) -> Self {
        Followup {
            id: f.header.id,
            owner: f.header.owner,
            customer_id: f.customer_id,
            deal_id: f.deal_id,
            kind: f.kind,
            occurred_at: f.occurred_at,
            note: f.note,
            next_step: f.next_step,
            next_followup_on: f.next_followup_on.map(|d| d.to_string()),
            checkin: f.checkin.map(|c| CheckIn { latitude: c.lat, longitude: c.lon, accuracy: c.accuracy, at: c.at }),
            attachments: f.attachments,
            deleted: f.header.deleted,
        }
    }
}

/// An inserted snapshot (followups or KPIs) in a report.
#[derive(Debug, Clone, uniffi::Record)]
pub struct BlockInfo {
    pub id: String,
    /// `followups` or `kpis`.
    pub kind: String,
    pub section: String,
    /// The period covered, `YYYY-MM-DD`.
    pub first: String,
    pub last: String,
    /// UTC milliseconds when the snapshot was taken.
    pub taken_at: i64,
}

impl From<report::Block> for BlockInfo {
    fn from(b: report::Block) -> Self {
        BlockInfo {
            id: b.id,
            kind: b.kind.as_str().to_string(),
            section: b.section,
            first: b.first.to_string(),
            last: b.last.to_string(),
            taken_at: b.taken_at,
        }
    }
}

/// A report.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Report {
    pub id: String,
    pub owner: String,
    pub kind: ReportKind,
    pub status: ReportStatus,
    pub title: String,
    /// The period, `YYYY-MM-DD`.
    pub first: String,
    pub last: String,
    pub lang: Lang,
    pub sections: Vec<Section>,
    pub blocks: Vec<BlockInfo>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub submitted_at: Option<i64>,
    pub comments: Vec<Comment>,
    /// Photos and files attached to its sections (each names its `section`).
    pub attachments: Vec<Attachment>,
}

impl From<doc::Report> for Report {
    fn from(r: doc::Report) -> Self {
        Report {
            id: r.header.id,
            owner: r.header.owner,
            kind: r.kind,
            status: r.status,
            title: r.title,
            first: r.first.to_string(),
            last: r.last.to_string(),
            lang: r.lang,
            sections: r.sections,
            blocks: r.blocks.into_iter().map(Into::into).collect(),
            to: r.to,
            cc: r.cc,
            submitted_at: r.submitted_at,
            comments: r.comments,
            attachments: r.attachments,
        }
    }
}

/// One KPI figure.
#[derive(Debug, Clone, uniffi::Record)]
pub struct KpiFigure {
    pub metric: String,
    pub name_zh: String,
    pub name_en: String,
    /// Counts as counts, money in minor units, ratios in 0..=1.
    pub value: f64,
    /// The value formatted for display (e.g. `¥12,300.00`, `37.5%`).
    pub display: String,
    pub target: Option<f64>,
    pub achievement: Option<f64>,
    pub status: Option<KpiStatus>,
}

impl From<report::KpiRow> for KpiFigure {
    fn from(r: report::KpiRow) -> Self {
        KpiFigure {
            display: kpi::format_value(&r.unit, r.value),
            metric: r.metric,
            name_zh: r.name_zh,
            name_en: r.name_en,
            value: r.value,
            target: r.target,
            achievement: r.achievement,
            status: r.status,
        }
    }
}

/// KPI figures and where they came from.
#[derive(Debug, Clone, uniffi::Record)]
pub struct KpiView {
    /// `server` (the team server's snapshot) or `local` (computed on this device).
    pub source: String,
    /// UTC milliseconds when the figures were computed.
    pub as_of: i64,
    /// The period's days, `YYYY-MM-DD`.
    pub first: String,
    pub last: String,
    pub figures: Vec<KpiFigure>,
}

impl From<store::KpiView> for KpiView {
    fn from(v: store::KpiView) -> Self {
        KpiView {
            source: v.source.as_str().to_string(),
            as_of: v.as_of,
            first: v.range.first.to_string(),
            last: v.range.last.to_string(),
            figures: v.rows.into_iter().map(Into::into).collect(),
        }
    }
}

/// What the server's last snapshot says to this user, read offline: alerts and read receipts.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ServerNotes {
    /// UTC milliseconds when the server computed them; `None` before the first sync.
    pub as_of: Option<i64>,
    pub alerts: Vec<Alert>,
    /// Who opened this user's reports on the web dashboard.
    pub reads: Vec<ReadReceipt>,
}
