//! Whole records and what creates or edits them.

use std::time::SystemTime;

use fieldreport_core::report::Names;
use fieldreport_core::{doc, report};

use super::{
    count, instant, BlockKind, Contact, FigureSource, FollowupKind, KpiFigure, Lang, Level, NaiveDate, ReportKind,
    ReportStatus, Section, Stage,
};

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
    #[uniffi(default = [])]
    pub contacts: Vec<Contact>,
}

/// Changes to a customer; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct CustomerEdit {
    #[uniffi(default = None)]
    pub name: Option<String>,
    #[uniffi(default = None)]
    pub level: Option<Level>,
    #[uniffi(default = None)]
    pub address: Option<String>,
    /// Both or neither: where check-ins are measured from.
    #[uniffi(default = None)]
    pub latitude: Option<f64>,
    #[uniffi(default = None)]
    pub longitude: Option<f64>,
    #[uniffi(default = None)]
    pub tags: Option<Vec<String>>,
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
    pub contacts: Vec<Contact>,
    pub deleted: bool,
    pub created_at: SystemTime,
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
            contacts: c.contacts.into_iter().collect(),
            deleted: c.header.deleted,
            created_at: instant(c.header.created_at),
        }
    }
}

/// A new deal (商机). `amount` is a decimal string (`"120000.00"`).
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewDeal {
    pub customer_id: String,
    pub title: String,
    pub amount: String,
    /// ISO 4217; CNY when `None`.
    #[uniffi(default = None)]
    pub currency: Option<String>,
    /// `Lead` when `None`.
    #[uniffi(default = None)]
    pub stage: Option<Stage>,
    #[uniffi(default = None)]
    pub expected_close: Option<NaiveDate>,
}

/// Changes to a deal; `None` leaves a field as it is (the stage moves with `set_deal_stage`).
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct DealEdit {
    #[uniffi(default = None)]
    pub title: Option<String>,
    /// A decimal string in the deal's currency (or in `currency`).
    #[uniffi(default = None)]
    pub amount: Option<String>,
    #[uniffi(default = None)]
    pub expected_close: Option<NaiveDate>,
    #[uniffi(default = None)]
    pub lost_reason: Option<String>,
    /// An ISO 4217 code when `amount` is in another currency than the deal's (only with an
    /// amount).
    #[uniffi(default = None)]
    pub currency: Option<String>,
}

/// A stage a deal reached, and when.
#[derive(Debug, Clone, uniffi::Record)]
pub struct StageEntry {
    pub stage: Stage,
    pub at: SystemTime,
}

/// A deal.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Deal {
    pub id: String,
    pub owner: String,
    pub customer_id: String,
    pub title: String,
    /// Decimal string (`"120000.00"`).
    pub amount: String,
    pub amount_minor: i64,
    pub currency: String,
    pub stage: Stage,
    pub stage_history: Vec<StageEntry>,
    pub expected_close: Option<NaiveDate>,
    pub lost_reason: Option<String>,
    pub deleted: bool,
    pub created_at: SystemTime,
}

impl From<doc::Deal> for Deal {
    fn from(d: doc::Deal) -> Self {
        Deal {
            id: d.header.id,
            owner: d.header.owner,
            customer_id: d.customer_id,
            title: d.title,
            amount: d.amount.to_decimal_string(),
            amount_minor: d.amount.minor,
            currency: d.amount.currency,
            stage: d.stage,
            stage_history: d
                .stage_history
                .into_iter()
                .map(|e| StageEntry { stage: e.stage, at: instant(e.at) })
                .collect(),
            expected_close: d.expected_close,
            lost_reason: d.lost_reason,
            deleted: d.header.deleted,
            created_at: instant(d.header.created_at),
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
    /// When the position was fixed.
    pub at: SystemTime,
}

/// A new followup (visit, call…).
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewFollowup {
    pub customer_id: String,
    pub kind: FollowupKind,
    pub note: String,
    /// When it happened; now when `None`.
    #[uniffi(default = None)]
    pub occurred_at: Option<SystemTime>,
    #[uniffi(default = None)]
    pub deal_id: Option<String>,
    #[uniffi(default = "")]
    pub next_step: String,
    #[uniffi(default = None)]
    pub next_followup_on: Option<NaiveDate>,
    #[uniffi(default = None)]
    pub checkin: Option<CheckIn>,
}

/// Changes to a followup; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct FollowupEdit {
    #[uniffi(default = None)]
    pub kind: Option<FollowupKind>,
    #[uniffi(default = None)]
    pub occurred_at: Option<SystemTime>,
    #[uniffi(default = None)]
    pub note: Option<String>,
    #[uniffi(default = None)]
    pub next_step: Option<String>,
    #[uniffi(default = None)]
    pub next_followup_on: Option<NaiveDate>,
}

/// A photo or file attached to a followup or report.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Attachment {
    /// SHA-256 of the bytes (64 hex digits): what `attachment_bytes` and `fetch_attachment` take.
    pub hash: String,
    pub name: String,
    /// As the bytes say: `image/jpeg`, `image/png`, `image/webp`, `image/heic`, `application/pdf`…
    pub mime: String,
    pub size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// When the photo was taken, from its metadata.
    pub taken_at: Option<SystemTime>,
    /// A report's section that shows it (`None` on a followup).
    pub section: Option<String>,
}

impl From<doc::Attachment> for Attachment {
    fn from(a: doc::Attachment) -> Self {
        Attachment {
            hash: a.hash,
            name: a.name,
            mime: a.mime,
            size: count(a.size),
            width: a.width.map(|w| w as i32),
            height: a.height.map(|h| h as i32),
            taken_at: a.taken_at.map(instant),
            section: a.section,
        }
    }
}

pub(crate) fn attachments(v: Vec<doc::Attachment>) -> Vec<Attachment> {
    v.into_iter().map(Into::into).collect()
}

/// A followup.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Followup {
    pub id: String,
    pub owner: String,
    pub customer_id: String,
    pub deal_id: Option<String>,
    pub kind: FollowupKind,
    pub occurred_at: SystemTime,
    pub note: String,
    pub next_step: String,
    pub next_followup_on: Option<NaiveDate>,
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
            occurred_at: instant(f.occurred_at),
            note: f.note,
            next_step: f.next_step,
            next_followup_on: f.next_followup_on,
            checkin: f.checkin.map(|c| CheckIn {
                latitude: c.lat,
                longitude: c.lon,
                accuracy: c.accuracy,
                at: instant(c.at),
            }),
            attachments: attachments(f.attachments),
            deleted: f.header.deleted,
        }
    }
}

/// A signed contract.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Contract {
    pub id: String,
    pub owner: String,
    pub customer_id: String,
    pub deal_id: Option<String>,
    pub title: Option<String>,
    pub amount: String,
    pub amount_minor: i64,
    pub currency: String,
    pub signed_on: Option<NaiveDate>,
    pub deleted: bool,
}

impl From<doc::Contract> for Contract {
    fn from(c: doc::Contract) -> Self {
        Contract {
            id: c.header.id,
            owner: c.header.owner,
            customer_id: c.customer_id,
            deal_id: c.deal_id,
            title: c.title,
            amount: c.amount.to_decimal_string(),
            amount_minor: c.amount.minor,
            currency: c.amount.currency,
            signed_on: c.signed_on,
            deleted: c.header.deleted,
        }
    }
}

/// A payment received against a contract (回款).
#[derive(Debug, Clone, uniffi::Record)]
pub struct Payment {
    pub id: String,
    pub owner: String,
    pub contract_id: String,
    pub customer_id: String,
    pub amount: String,
    pub amount_minor: i64,
    pub currency: String,
    pub received_on: Option<NaiveDate>,
    pub deleted: bool,
}

impl From<doc::Payment> for Payment {
    fn from(p: doc::Payment) -> Self {
        Payment {
            id: p.header.id,
            owner: p.header.owner,
            contract_id: p.contract_id,
            customer_id: p.customer_id,
            amount: p.amount.to_decimal_string(),
            amount_minor: p.amount.minor,
            currency: p.amount.currency,
            received_on: p.received_on,
            deleted: p.header.deleted,
        }
    }
}

/// A comment (批注) on a report.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Comment {
    pub id: String,
    /// The commenting user's id.
    pub author: String,
    /// Their name (their id when the directory does not know them yet).
    pub author_name: String,
    pub at: SystemTime,
    pub text: String,
    /// The comment this one answers, in a thread.
    pub reply_to: Option<String>,
    /// The members `@name` in the text named (user ids).
    pub mentions: Vec<String>,
}

impl Comment {
    fn named(c: doc::Comment, name: &dyn Fn(&str) -> String) -> Self {
        Comment {
            author_name: name(&c.author),
            id: c.id,
            author: c.author,
            at: instant(c.at),
            text: c.text,
            reply_to: c.reply_to,
            mentions: c.mentions,
        }
    }
}

/// One followup inside a block's customer group, as the snapshot took it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct BlockFollowup {
    pub id: String,
    pub occurred_at: SystemTime,
    /// `FollowupKind`'s name when it is one this version knows.
    pub kind: Option<FollowupKind>,
    pub note: String,
    pub next_step: String,
    pub checked_in: bool,
    /// Metres from the customer's location, when both are known.
    pub checkin_distance_m: Option<f64>,
    pub photos: Vec<Attachment>,
}

/// One customer's followups in a block, in time order.
#[derive(Debug, Clone, uniffi::Record)]
pub struct BlockCustomer {
    pub customer_id: String,
    pub customer_name: String,
    pub followups: Vec<BlockFollowup>,
}

/// An inserted snapshot (followups or KPIs) in a report, with its content for native rendering.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Block {
    pub id: String,
    pub kind: BlockKind,
    /// The key of the section it sits in.
    pub section: String,
    /// The period covered.
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// When the snapshot was taken.
    pub taken_at: SystemTime,
    /// A followups block's rows, grouped by customer (empty for a KPI block).
    pub customers: Vec<BlockCustomer>,
    /// A KPI block's figures (empty for a followups block).
    pub figures: Vec<KpiFigure>,
    /// Where a KPI block's figures came from (`None` for the other blocks).
    pub source: Option<FigureSource>,
    /// A plan block's planned visits (empty for the others).
    pub plans: Vec<BlockPlan>,
}

/// One planned visit in a report's plan block, as the snapshot took it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct BlockPlan {
    pub id: String,
    pub customer_id: String,
    pub customer_name: String,
    pub on: NaiveDate,
    /// `HH:MM`, when planned to the hour.
    pub at: Option<String>,
    pub purpose: String,
    pub status: doc::PlanStatus,
}

/// A planned visit (拜访计划).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Plan {
    pub id: String,
    pub owner: String,
    pub customer_id: String,
    /// The customer's name (empty when this device does not hold the customer).
    pub customer_name: String,
    /// The team's local day.
    pub on: NaiveDate,
    /// `HH:MM`, when planned to the hour.
    pub at: Option<String>,
    pub purpose: String,
    pub status: doc::PlanStatus,
    /// The visit that carried it out.
    pub followup_id: Option<String>,
}

impl From<fieldreport_core::store::PlanRow> for Plan {
    fn from(p: fieldreport_core::store::PlanRow) -> Self {
        Plan {
            id: p.id,
            owner: p.owner,
            customer_id: p.customer_id,
            customer_name: p.customer_name,
            on: p.on,
            at: p.at,
            purpose: p.purpose,
            status: p.status,
            followup_id: p.followup_id,
        }
    }
}

/// What `submit_and_sync` did: the submitted report, and whether it reached the server now.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Submitted {
    pub report: Report,
    /// Whether the sync after submitting succeeded (the report is on the server).
    pub sent: bool,
    /// When not sent: why, in words (it goes at the next sync).
    pub reason: Option<String>,
}

impl From<report::Block> for Block {
    fn from(b: report::Block) -> Self {
        let mut plans = Vec::new();
        let (customers, figures, source) = match b.data {
            report::BlockData::Followups { groups } => (
                groups
                    .into_iter()
                    .map(|g| BlockCustomer {
                        customer_id: g.customer_id,
                        customer_name: g.customer_name,
                        followups: g
                            .items
                            .into_iter()
                            .map(|i| BlockFollowup {
                                id: i.id,
                                occurred_at: instant(i.occurred_at),
                                kind: i.kind.parse().ok(),
                                note: i.note,
                                next_step: i.next_step,
                                checked_in: i.checked_in,
                                checkin_distance_m: i.checkin_distance_m,
                                photos: attachments(i.photos),
                            })
                            .collect(),
                    })
                    .collect(),
                Vec::new(),
                None,
            ),
            report::BlockData::Kpis { rows, source } => {
                (Vec::new(), rows.into_iter().map(Into::into).collect(), Some(source))
            }
            report::BlockData::Plan { items } => {
                plans = items
                    .into_iter()
                    .map(|i| BlockPlan {
                        id: i.id,
                        customer_id: i.customer_id,
                        customer_name: i.customer_name,
                        on: i.on,
                        at: i.at,
                        purpose: i.purpose,
                        status: i.status,
                    })
                    .collect();
                (Vec::new(), Vec::new(), None)
            }
        };
        Block {
            id: b.id,
            kind: b.kind,
            section: b.section,
            first: b.first,
            last: b.last,
            taken_at: instant(b.taken_at),
            customers,
            figures,
            source,
            plans,
        }
    }
}

/// A report.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Report {
    pub id: String,
    pub owner: String,
    /// The author's name (their id when the directory does not know them yet).
    pub owner_name: String,
    pub kind: ReportKind,
    pub status: ReportStatus,
    pub title: String,
    /// One paragraph at the top, drafted by `today_report` (the rep's words once edited).
    pub summary: String,
    /// The period's first and last days.
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub lang: Lang,
    /// The template it was started from.
    pub template: String,
    pub sections: Vec<Section>,
    pub blocks: Vec<Block>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// The names of `to` and `cc`, in their order.
    pub to_names: Vec<String>,
    pub cc_names: Vec<String>,
    pub submitted_at: Option<SystemTime>,
    pub comments: Vec<Comment>,
    /// Photos and files attached to its sections (each names its `section`).
    pub attachments: Vec<Attachment>,
    pub deleted: bool,
}

impl Report {
    /// The app's report, the people it references named from `names` (the device's directory).
    pub(crate) fn named(r: doc::Report, names: &Names) -> Report {
        let name = |id: &str| names.get(id).unwrap_or(id).to_string();
        Report {
            owner_name: name(&r.header.owner),
            to_names: r.to.iter().map(|u| name(u)).collect(),
            cc_names: r.cc.iter().map(|u| name(u)).collect(),
            comments: r.comments.into_iter().map(|c| Comment::named(c, &name)).collect(),
            id: r.header.id,
            owner: r.header.owner,
            kind: r.kind,
            status: r.status,
            title: r.title,
            summary: r.summary,
            first: r.first,
            last: r.last,
            lang: r.lang,
            template: r.template,
            sections: r.sections,
            blocks: r.blocks.into_iter().map(Into::into).collect(),
            to: r.to,
            cc: r.cc,
            submitted_at: r.submitted_at.map(instant),
            attachments: attachments(r.attachments),
            deleted: r.header.deleted,
        }
    }
}
