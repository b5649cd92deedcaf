//! What lists show, and how a list is asked for (limit, order, the page to start after).

use std::time::SystemTime;

use fieldreport_core::store;

use super::records::{attachments, Attachment};
use super::{count, day, instant, ChangedKind, FollowupKind, Level, NaiveDate, ReportKind, ReportStatus, Stage};
use crate::error::FieldError;

/// The direction of a list along its sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Order {
    /// Oldest, earliest or A first.
    Ascending,
    /// Newest or latest first.
    Descending,
}

/// One page of a list: at most `limit` rows (all without one), in `order`, after the row whose
/// id is `after` (the last row of the previous page; the first page without one). Pages stay
/// consistent when rows are added meanwhile. Each list says its sort key and default order.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ListOptions {
    #[uniffi(default = None)]
    pub limit: Option<i32>,
    #[uniffi(default = None)]
    pub order: Option<Order>,
    #[uniffi(default = None)]
    pub after: Option<String>,
}

/// The rows of a page when the app gives no `limit`.
pub(crate) const PAGE_ROWS: i32 = 100;
/// The most rows one page (read on the caller's thread) holds.
pub(crate) const MAX_PAGE_ROWS: i32 = 1000;

impl ListOptions {
    /// Options of a page read on the caller's thread: `PAGE_ROWS` without a limit, and a limit
    /// over `MAX_PAGE_ROWS` refused (the async `list_*` reads every row).
    pub(crate) fn bounded(options: Option<ListOptions>) -> Result<Option<ListOptions>, FieldError> {
        let mut o = options.unwrap_or(ListOptions { limit: None, order: None, after: None });
        match o.limit {
            None => o.limit = Some(PAGE_ROWS),
            Some(n) if n > MAX_PAGE_ROWS => {
                return Err(FieldError::InvalidInput {
                    reason: format!(
                        "limit {n}: a page holds at most {MAX_PAGE_ROWS} rows; read the next with its `next` token, or every row with the list call"
                    ),
                })
            }
            Some(_) => {}
        }
        Ok(Some(o))
    }

    /// The core's page, with `default` order when none is given.
    pub(crate) fn page(options: Option<ListOptions>, default: Order) -> Result<store::Page, FieldError> {
        let o = options.unwrap_or(ListOptions { limit: None, order: None, after: None });
        let limit = match o.limit {
            Some(n) if n < 1 => {
                return Err(FieldError::InvalidInput { reason: format!("limit {n}: give at least 1, or none for all") })
            }
            other => other.map(|n| n as usize),
        };
        let order = match o.order.unwrap_or(default) {
            Order::Ascending => store::Order::Ascending,
            Order::Descending => store::Order::Descending,
        };
        Ok(store::Page { limit, order, after: o.after.filter(|a| !a.trim().is_empty()) })
    }
}

/// A customer as lists show it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CustomerRow {
    pub id: String,
    pub owner: String,
    pub name: String,
    pub level: Option<Level>,
    pub created_at: SystemTime,
}

impl From<store::CustomerRow> for CustomerRow {
    fn from(r: store::CustomerRow) -> Self {
        CustomerRow {
            id: r.id,
            owner: r.owner,
            name: r.name,
            level: r.level.and_then(|l| l.parse().ok()),
            created_at: instant(r.created_at),
        }
    }
}

/// A deal as lists show it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DealRow {
    pub id: String,
    pub owner: String,
    pub customer_id: String,
    pub customer_name: String,
    pub title: String,
    pub amount: String,
    pub amount_minor: i64,
    pub currency: String,
    pub stage: Stage,
    /// When it reached its stage.
    pub stage_at: SystemTime,
    pub expected_close: Option<NaiveDate>,
    pub created_at: SystemTime,
}

impl From<store::DealRow> for DealRow {
    fn from(r: store::DealRow) -> Self {
        DealRow {
            amount: fieldreport_core::money::format_minor(r.amount_minor, &r.currency),
            id: r.id,
            owner: r.owner,
            customer_id: r.customer_id,
            customer_name: r.customer_name,
            title: r.title,
            amount_minor: r.amount_minor,
            currency: r.currency,
            stage: r.stage.parse().unwrap_or(Stage::Lead),
            stage_at: instant(r.stage_at),
            expected_close: r.expected_close.as_deref().map(day),
            created_at: instant(r.created_at),
        }
    }
}

/// A followup as lists show it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FollowupRow {
    pub id: String,
    pub owner: String,
    pub customer_id: String,
    pub customer_name: String,
    pub deal_id: Option<String>,
    pub kind: FollowupKind,
    pub occurred_at: SystemTime,
    pub note: String,
    pub next_step: String,
    pub next_followup_on: Option<NaiveDate>,
    /// Where it was checked in, if it was.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// How far the check-in was from the customer's location, in metres (both known).
    pub checkin_distance_m: Option<f64>,
    pub attachments: Vec<Attachment>,
}

impl From<store::FollowupRow> for FollowupRow {
    fn from(r: store::FollowupRow) -> Self {
        FollowupRow {
            id: r.id,
            owner: r.owner,
            customer_id: r.customer_id,
            customer_name: r.customer_name,
            deal_id: r.deal_id,
            kind: r.kind.parse().unwrap_or(FollowupKind::Visit),
            occurred_at: instant(r.occurred_at),
            note: r.note,
            next_step: r.next_step,
            next_followup_on: r.next_followup_on.as_deref().map(day),
            latitude: r.lat,
            longitude: r.lon,
            checkin_distance_m: r.checkin_distance_m,
            attachments: attachments(r.attachments),
        }
    }
}

/// A contract as lists show it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ContractRow {
    pub id: String,
    pub owner: String,
    pub customer_id: String,
    pub customer_name: String,
    pub deal_id: Option<String>,
    pub title: Option<String>,
    pub amount: String,
    pub amount_minor: i64,
    pub currency: String,
    pub signed_on: NaiveDate,
}

impl From<store::ContractRow> for ContractRow {
    fn from(r: store::ContractRow) -> Self {
        ContractRow {
            amount: fieldreport_core::money::format_minor(r.amount_minor, &r.currency),
            id: r.id,
            owner: r.owner,
            customer_id: r.customer_id,
            customer_name: r.customer_name,
            deal_id: r.deal_id,
            title: r.title,
            amount_minor: r.amount_minor,
            currency: r.currency,
            signed_on: day(&r.signed_on),
        }
    }
}

/// A payment as lists show it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PaymentRow {
    pub id: String,
    pub owner: String,
    pub contract_id: String,
    pub customer_id: String,
    pub customer_name: String,
    pub amount: String,
    pub amount_minor: i64,
    pub currency: String,
    pub received_on: NaiveDate,
}

impl From<store::PaymentRow> for PaymentRow {
    fn from(r: store::PaymentRow) -> Self {
        PaymentRow {
            amount: fieldreport_core::money::format_minor(r.amount_minor, &r.currency),
            id: r.id,
            owner: r.owner,
            contract_id: r.contract_id,
            customer_id: r.customer_id,
            customer_name: r.customer_name,
            amount_minor: r.amount_minor,
            currency: r.currency,
            received_on: day(&r.received_on),
        }
    }
}

/// A report as lists show it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReportRow {
    pub id: String,
    pub owner: String,
    pub kind: ReportKind,
    /// The period's first and last days.
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub title: String,
    pub status: ReportStatus,
    pub submitted_at: Option<SystemTime>,
    /// When this device's user marked it read (reports addressed to them).
    pub read_at: Option<SystemTime>,
}

impl From<store::ReportRow> for ReportRow {
    fn from(r: store::ReportRow) -> Self {
        ReportRow {
            id: r.id,
            owner: r.owner,
            kind: r.kind,
            first: day(&r.first),
            last: day(&r.last),
            title: r.title,
            status: r.status,
            submitted_at: r.submitted_at.map(instant),
            read_at: r.read_at.map(instant),
        }
    }
}

/// Which reports to list; every field is optional.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct ReportQuery {
    /// Reports whose period overlaps it (`this-week`, `2026-11-01..2026-11-30`…).
    #[uniffi(default = None)]
    pub period: Option<String>,
    #[uniffi(default = None)]
    pub kind: Option<ReportKind>,
    /// One author's (a user id).
    #[uniffi(default = None)]
    pub author: Option<String>,
    /// Only those addressed (to or cc) to this device's user.
    #[uniffi(default = false)]
    pub addressed_to_me: bool,
    /// With `addressed_to_me`: only submitted ones not marked read yet.
    #[uniffi(default = false)]
    pub unread: bool,
}

/// Where an attached file stands on this device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum AttachmentState {
    /// Attached here; `uploaded` once the server has it.
    Own { uploaded: bool },
    /// Downloaded from the server.
    Downloaded,
    /// A download in progress: `present` of `size` bytes.
    Partial { present: i64, size: i64 },
    /// Not on this device: `fetch_attachment` brings it (show "uploading" while the server
    /// does not have it either).
    Missing,
}

impl From<store::AttachmentState> for AttachmentState {
    fn from(s: store::AttachmentState) -> Self {
        match s {
            store::AttachmentState::Own { uploaded } => AttachmentState::Own { uploaded },
            store::AttachmentState::Downloaded => AttachmentState::Downloaded,
            store::AttachmentState::Partial { present, size } => {
                AttachmentState::Partial { present: count(present), size: count(size) }
            }
            store::AttachmentState::Missing => AttachmentState::Missing,
        }
    }
}

/// A file a record on this device shows, and where it stands.
#[derive(Debug, Clone, uniffi::Record)]
pub struct AttachmentRow {
    pub hash: String,
    pub name: String,
    pub mime: String,
    pub size: i64,
    /// The followup or report that shows it.
    pub record_id: String,
    pub record_kind: ChangedKind,
    pub state: AttachmentState,
}

impl From<store::AttachmentRow> for AttachmentRow {
    fn from(r: store::AttachmentRow) -> Self {
        AttachmentRow {
            hash: r.hash,
            name: r.name,
            mime: r.mime,
            size: count(r.size),
            record_id: r.record_id,
            record_kind: r.record_kind,
            state: r.state.into(),
        }
    }
}

/// Where a followup was checked in, and how far that was from its customer.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CheckinPlace {
    pub latitude: f64,
    pub longitude: f64,
    /// Horizontal accuracy in metres, when the device reported one.
    pub accuracy: Option<f64>,
    pub at: SystemTime,
    /// Metres from the customer's location, when the customer has one.
    pub distance_m: Option<f64>,
}

impl From<store::CheckinPlace> for CheckinPlace {
    fn from(c: store::CheckinPlace) -> Self {
        CheckinPlace {
            latitude: c.lat,
            longitude: c.lon,
            accuracy: c.accuracy,
            at: instant(c.at),
            distance_m: c.distance_m,
        }
    }
}
