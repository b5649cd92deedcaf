//! Records and enums that cross the FFI. They mirror the core's types field for field; the
//! conversions live here, next to each type.

use fieldreport_core::{doc, kpi, report, store, sync};

/// Defines an FFI enum with the same unit variants as a core enum, and conversions both ways.
macro_rules! mirror_enum {
    ($(#[$m:meta])* $name:ident = $core:path { $($v:ident),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
        pub enum $name { $($v),+ }

        impl From<$core> for $name {
            fn from(c: $core) -> Self {
                use $core as C;
                match c { $(C::$v => $name::$v),+ }
            }
        }

        impl From<$name> for $core {
            fn from(f: $name) -> Self {
                use $core as C;
                match f { $($name::$v => C::$v),+ }
            }
        }
    };
}

mirror_enum!(
    /// How the rep was in touch.
    FollowupKind = doc::FollowupKind { Visit, Call, Email, Message, Meeting }
);
mirror_enum!(
    /// A deal's stage in the funnel.
    Stage = doc::Stage { Lead, Contacted, Qualified, Proposal, Negotiation, Won, Lost }
);
mirror_enum!(
    /// A customer's level.
    Level = doc::Level { A, B, C }
);
mirror_enum!(
    /// Daily, weekly, monthly or free report.
    ReportKind = doc::ReportKind { Daily, Weekly, Monthly, Free }
);
mirror_enum!(
    /// Draft or submitted.
    ReportStatus = doc::ReportStatus { Draft, Submitted }
);
mirror_enum!(
    /// Language of built-in labels: zh-CN (the default) or English.
    Lang = report::Lang { ZhCn, En }
);
mirror_enum!(
    /// Markdown flavour: GFM tables, or the list style of DingTalk, Feishu and WeCom robots.
    Dialect = report::Dialect { Gfm, DingTalk, Feishu, WeCom }
);
mirror_enum!(
    /// Red / yellow / green against target.
    KpiStatus = kpi::Status { Green, Yellow, Red }
);

/// The device's identity.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Identity {
    pub user_id: String,
    pub team_id: String,
    /// IANA time zone of the team, e.g. `Asia/Shanghai`.
    pub tz: String,
    /// `monday` … `sunday`.
    pub week_start: String,
    /// Hex of the Automerge actor that authors this device's changes.
    pub actor: String,
}

impl From<store::Identity> for Identity {
    fn from(i: store::Identity) -> Self {
        Identity { user_id: i.user_id, team_id: i.team_id, tz: i.tz, week_start: i.week_start, actor: i.actor }
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
            level: c.level.map(Into::into),
            address: c.address,
            latitude: c.location.map(|l| l.0),
            longitude: c.location.map(|l| l.1),
            tags: c.tags,
            deleted: c.header.deleted,
            created_at: c.header.created_at,
        }
    }
}

/// A customer as lists show it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CustomerRow {
    pub id: String,
    pub owner: String,
    pub name: String,
    pub level: Option<String>,
    pub created_at: i64,
}

impl From<store::CustomerRow> for CustomerRow {
    fn from(r: store::CustomerRow) -> Self {
        CustomerRow { id: r.id, owner: r.owner, name: r.name, level: r.level, created_at: r.created_at }
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
    pub deleted: bool,
}

impl From<doc::Followup> for Followup {
    fn from(f: doc::Followup) -> Self {
        Followup {
            id: f.header.id,
            owner: f.header.owner,
            customer_id: f.customer_id,
            deal_id: f.deal_id,
            kind: f.kind.into(),
            occurred_at: f.occurred_at,
            note: f.note,
            next_step: f.next_step,
            next_followup_on: f.next_followup_on.map(|d| d.to_string()),
            checkin: f.checkin.map(|c| CheckIn { latitude: c.lat, longitude: c.lon, accuracy: c.accuracy, at: c.at }),
            deleted: f.header.deleted,
        }
    }
}

/// A followup as lists show it, with its customer's name.
#[derive(Debug, Clone, uniffi::Record)]
pub struct FollowupRow {
    pub id: String,
    pub owner: String,
    pub customer_id: String,
    pub customer_name: String,
    pub deal_id: Option<String>,
    /// visit, call, email, message or meeting.
    pub kind: String,
    pub occurred_at: i64,
    pub note: String,
    pub next_step: String,
    pub next_followup_on: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl From<store::FollowupRow> for FollowupRow {
    fn from(r: store::FollowupRow) -> Self {
        FollowupRow {
            id: r.id,
            owner: r.owner,
            customer_id: r.customer_id,
            customer_name: r.customer_name,
            deal_id: r.deal_id,
            kind: r.kind,
            occurred_at: r.occurred_at,
            note: r.note,
            next_step: r.next_step,
            next_followup_on: r.next_followup_on,
            latitude: r.lat,
            longitude: r.lon,
        }
    }
}

/// A deal as lists show it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct DealRow {
    pub id: String,
    pub owner: String,
    pub customer_id: String,
    pub customer_name: String,
    pub title: String,
    /// Minor units (分 for CNY).
    pub amount_minor: i64,
    pub currency: String,
    pub stage: String,
    pub stage_at: i64,
    pub expected_close: Option<String>,
    pub created_at: i64,
}

impl From<store::DealRow> for DealRow {
    fn from(r: store::DealRow) -> Self {
        DealRow {
            id: r.id,
            owner: r.owner,
            customer_id: r.customer_id,
            customer_name: r.customer_name,
            title: r.title,
            amount_minor: r.amount_minor,
            currency: r.currency,
            stage: r.stage,
            stage_at: r.stage_at,
            expected_close: r.expected_close,
            created_at: r.created_at,
        }
    }
}

/// One section of a report: a collaborative text under a title.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Section {
    pub key: String,
    pub title: String,
    pub text: String,
}

/// A comment (批注) on a report.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Comment {
    pub id: String,
    pub author: String,
    pub at: i64,
    pub text: String,
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
}

impl From<doc::Report> for Report {
    fn from(r: doc::Report) -> Self {
        Report {
            id: r.header.id,
            owner: r.header.owner,
            kind: r.kind.into(),
            status: r.status.into(),
            title: r.title,
            first: r.first.to_string(),
            last: r.last.to_string(),
            lang: r.lang.into(),
            sections: r.sections.into_iter().map(|s| Section { key: s.key, title: s.title, text: s.text }).collect(),
            blocks: r.blocks.into_iter().map(Into::into).collect(),
            to: r.to,
            cc: r.cc,
            submitted_at: r.submitted_at,
            comments: r
                .comments
                .into_iter()
                .map(|c| Comment { id: c.id, author: c.author, at: c.at, text: c.text })
                .collect(),
        }
    }
}

/// A report as lists show it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ReportRow {
    pub id: String,
    pub owner: String,
    pub kind: String,
    pub first: String,
    pub last: String,
    pub title: String,
    pub status: String,
    pub submitted_at: Option<i64>,
}

impl From<store::ReportRow> for ReportRow {
    fn from(r: store::ReportRow) -> Self {
        ReportRow {
            id: r.id,
            owner: r.owner,
            kind: r.kind,
            first: r.first,
            last: r.last,
            title: r.title,
            status: r.status,
            submitted_at: r.submitted_at,
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
            status: r.status.map(Into::into),
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

/// A document the server refused, and why.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Rejection {
    pub id: String,
    pub reason: String,
}

/// What one sync run did.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncStats {
    pub round_trips: u32,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub pushed: u64,
    /// Records received.
    pub pulled: u64,
    /// Documents the server authored received (team configuration, KPI snapshots).
    pub published: u64,
    pub rejected: Vec<Rejection>,
    pub duration_ms: u64,
}

impl From<sync::SyncStats> for SyncStats {
    fn from(s: sync::SyncStats) -> Self {
        SyncStats {
            round_trips: s.round_trips,
            bytes_sent: s.bytes_sent,
            bytes_received: s.bytes_received,
            pushed: s.pushed,
            pulled: s.pulled,
            published: s.published,
            rejected: s.rejected.into_iter().map(|r| Rejection { id: r.id, reason: r.reason }).collect(),
            duration_ms: s.duration_ms,
        }
    }
}

/// Progress of a running sync: documents and bytes done of the (estimated) totals.
#[derive(Debug, Clone, Copy, uniffi::Record)]
pub struct SyncProgress {
    pub docs_done: u64,
    pub docs_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

impl From<sync::Progress> for SyncProgress {
    fn from(p: sync::Progress) -> Self {
        SyncProgress {
            docs_done: p.docs_done,
            docs_total: p.docs_total,
            bytes_done: p.bytes_done,
            bytes_total: p.bytes_total,
        }
    }
}
