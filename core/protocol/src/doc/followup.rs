//! 跟进记录 / 拜访 — a followup: a visit, call, email, message or meeting with a customer, its note
//! and next step as collaborative text, and an optional check-in location.

use std::str::FromStr;

use automerge::ROOT;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::attachment::{self, Attachment};
use super::geo::{read_point, validate_point, write_point};
use super::validation::{max_len, uuid, MAX_NOTE};
use super::{fields, Doc, Header, Kind, Stage, ValidationError};
use crate::error::Error;

const CUSTOMER: &str = "customer_id";
const DEAL: &str = "deal_id";
const KIND: &str = "followup_kind";
const OCCURRED_AT: &str = "occurred_at";
const NOTE: &str = "note";
const NEXT_STEP: &str = "next_step";
const NEXT_ON: &str = "next_followup_on";
const CHECKIN: &str = "checkin";
const CHECKIN_METRES: &str = "checkin_m";
const ATTACHMENTS: &str = "attachments";
const STAGE_CHANGE: &str = "stage_change";
const PLAN: &str = "plan_id";

/// How the rep was in touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum FollowupKind {
    Visit,
    Call,
    Email,
    Message,
    Meeting,
}

impl FollowupKind {
    /// Every kind.
    pub const ALL: [FollowupKind; 5] =
        [FollowupKind::Visit, FollowupKind::Call, FollowupKind::Email, FollowupKind::Message, FollowupKind::Meeting];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            FollowupKind::Visit => "visit",
            FollowupKind::Call => "call",
            FollowupKind::Email => "email",
            FollowupKind::Message => "message",
            FollowupKind::Meeting => "meeting",
        }
    }

    /// The Chinese label.
    pub fn zh(self) -> &'static str {
        match self {
            FollowupKind::Visit => "拜访",
            FollowupKind::Call => "电话",
            FollowupKind::Email => "邮件",
            FollowupKind::Message => "消息",
            FollowupKind::Meeting => "会议",
        }
    }
}

impl FromStr for FollowupKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let t = s.trim();
        FollowupKind::ALL.into_iter().find(|k| k.as_str().eq_ignore_ascii_case(t) || k.zh() == t).ok_or_else(|| {
            Error::BadInput(format!("`{s}` is not a followup kind (expected visit, call, email, message or meeting)"))
        })
    }
}

/// The collaborative text fields of a followup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowupText {
    Note,
    NextStep,
}

impl FollowupText {
    fn key(self) -> &'static str {
        match self {
            FollowupText::Note => NOTE,
            FollowupText::NextStep => NEXT_STEP,
        }
    }
}

/// Where and when the rep checked in at the customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckIn {
    pub lat: f64,
    pub lon: f64,
    /// Horizontal accuracy in metres, when the device reported one.
    pub accuracy: Option<f64>,
    /// UTC milliseconds of the fix.
    pub at: i64,
}

/// A stage move recorded together with a followup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageChange {
    pub from: Stage,
    pub to: Stage,
}

/// What a new followup starts with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewFollowup {
    pub customer_id: String,
    pub deal_id: Option<String>,
    pub kind: FollowupKind,
    /// UTC milliseconds.
    pub occurred_at: i64,
    pub note: String,
    pub next_step: String,
    pub next_followup_on: Option<NaiveDate>,
    pub checkin: Option<CheckIn>,
    pub stage_change: Option<StageChange>,
    /// The plan this visit carries out (拜访计划), when it was planned.
    pub plan_id: Option<String>,
}

impl NewFollowup {
    /// A followup of `kind` with `customer_id` at `occurred_at` (UTC ms) with `note`; everything
    /// else empty.
    pub fn new(customer_id: &str, kind: FollowupKind, occurred_at: i64, note: &str) -> NewFollowup {
        NewFollowup {
            customer_id: customer_id.to_string(),
            deal_id: None,
            kind,
            occurred_at,
            note: note.to_string(),
            next_step: String::new(),
            next_followup_on: None,
            checkin: None,
            stage_change: None,
            plan_id: None,
        }
    }
}

/// A change to a followup; `None` leaves a field as it is. Text fields are diffed into splices.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FollowupEdit {
    pub kind: Option<FollowupKind>,
    pub occurred_at: Option<i64>,
    pub note: Option<String>,
    pub next_step: Option<String>,
    pub next_followup_on: Option<NaiveDate>,
}

/// The typed view of a followup document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Followup {
    #[serde(flatten)]
    pub header: Header,
    pub customer_id: String,
    pub deal_id: Option<String>,
    /// Serialized as `followup_kind`: the flattened header already has a `kind` (`followup`).
    #[serde(rename = "followup_kind")]
    pub kind: FollowupKind,
    pub occurred_at: i64,
    pub note: String,
    pub next_step: String,
    pub next_followup_on: Option<NaiveDate>,
    pub checkin: Option<CheckIn>,
    /// The check-in's distance from its customer's location as the device had it when the rep
    /// checked in, in metres (none without a check-in or a located customer). Evidence: written
    /// once, so moving the customer later does not change it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkin_metres: Option<f64>,
    /// Photos and files (门头照, a business card…), added with `Store::attach`.
    pub attachments: Vec<Attachment>,
    pub stage_change: Option<StageChange>,
    /// The plan this visit carried out (none for an unplanned one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
}

impl Followup {
    pub fn create(doc: &mut Doc, header: &Header, new: &NewFollowup) -> Result<(), automerge::AutomergeError> {
        header.write(doc)?;
        fields::put(doc, &ROOT, CUSTOMER, new.customer_id.as_str())?;
        fields::put_opt(doc, &ROOT, DEAL, new.deal_id.as_deref())?;
        fields::put(doc, &ROOT, KIND, new.kind.as_str())?;
        fields::put(doc, &ROOT, OCCURRED_AT, new.occurred_at)?;
        fields::set_text(doc, &ROOT, NOTE, &new.note)?;
        fields::set_text(doc, &ROOT, NEXT_STEP, &new.next_step)?;
        fields::put_opt(doc, &ROOT, NEXT_ON, new.next_followup_on.map(|d| d.to_string()))?;
        if let Some(c) = &new.checkin {
            let m = write_point(doc, &ROOT, CHECKIN, c.lat, c.lon)?;
            fields::put_opt(doc, &m, "accuracy", c.accuracy)?;
            fields::put(doc, &m, "at", c.at)?;
        }
        attachment::ensure_list(doc, ATTACHMENTS)?;
        if let Some(sc) = &new.stage_change {
            let m = fields::put_map(doc, &ROOT, STAGE_CHANGE)?;
            fields::put(doc, &m, "from", sc.from.as_str())?;
            fields::put(doc, &m, "to", sc.to.as_str())?;
        }
        fields::put_opt(doc, &ROOT, PLAN, new.plan_id.as_deref())
    }

    /// The view of a followup created from `new`, without reading the document back.
    pub fn view(header: &Header, new: &NewFollowup) -> Followup {
        Followup {
            header: header.clone(),
            customer_id: new.customer_id.clone(),
            deal_id: new.deal_id.clone(),
            kind: new.kind,
            occurred_at: new.occurred_at,
            note: new.note.clone(),
            next_step: new.next_step.clone(),
            next_followup_on: new.next_followup_on,
            checkin: new.checkin.clone(),
            checkin_metres: None,
            attachments: Vec::new(),
            stage_change: new.stage_change.clone(),
            plan_id: new.plan_id.clone(),
        }
    }

    /// Records the check-in's distance from its customer, measured when it was made.
    pub fn record_checkin_metres(doc: &mut Doc, metres: f64) -> Result<(), automerge::AutomergeError> {
        fields::put(doc, &ROOT, CHECKIN_METRES, metres)
    }

    pub fn edit(doc: &mut Doc, edit: &FollowupEdit) -> Result<(), automerge::AutomergeError> {
        if let Some(k) = edit.kind {
            fields::put(doc, &ROOT, KIND, k.as_str())?;
        }
        if let Some(t) = edit.occurred_at {
            fields::put(doc, &ROOT, OCCURRED_AT, t)?;
        }
        if let Some(n) = &edit.note {
            fields::set_text(doc, &ROOT, NOTE, n)?;
        }
        if let Some(n) = &edit.next_step {
            fields::set_text(doc, &ROOT, NEXT_STEP, n)?;
        }
        if let Some(d) = edit.next_followup_on {
            fields::put(doc, &ROOT, NEXT_ON, d.to_string())?;
        }
        Ok(())
    }

    /// Adds a reference to an attached file (once per file).
    pub fn attach(doc: &mut Doc, a: &Attachment) -> Result<bool, automerge::AutomergeError> {
        attachment::add(doc, ATTACHMENTS, a)
    }

    /// Removes the references to file `hash`; returns how many there were.
    pub fn detach(doc: &mut Doc, hash: &str) -> Result<usize, automerge::AutomergeError> {
        attachment::remove(doc, ATTACHMENTS, hash)
    }

    /// Splices the note or next step at `index` (Unicode scalar values).
    pub fn splice(
        doc: &mut Doc,
        field: FollowupText,
        index: usize,
        delete: usize,
        insert: &str,
    ) -> Result<(), automerge::AutomergeError> {
        fields::splice_text(doc, &ROOT, field.key(), index, delete, insert)
    }

    /// Reads the typed view; fails only when the document is not a followup.
    pub fn read(doc: &Doc) -> Result<Followup, ValidationError> {
        let header = Header::read_kind(doc, Kind::Followup)?;
        let kind_name = fields::str(doc, &ROOT, KIND).unwrap_or_default();
        let checkin = fields::obj(doc, &ROOT, CHECKIN).and_then(|(m, _)| {
            let (lat, lon) = read_point(doc, &ROOT, CHECKIN)?;
            Some(CheckIn { lat, lon, accuracy: fields::f64(doc, &m, "accuracy"), at: fields::i64(doc, &m, "at")? })
        });
        let stage_change = fields::obj(doc, &ROOT, STAGE_CHANGE).and_then(|(m, _)| {
            Some(StageChange {
                from: fields::str(doc, &m, "from")?.parse().ok()?,
                to: fields::str(doc, &m, "to")?.parse().ok()?,
            })
        });
        Ok(Followup {
            header,
            customer_id: fields::str(doc, &ROOT, CUSTOMER).unwrap_or_default(),
            deal_id: fields::str(doc, &ROOT, DEAL),
            kind: kind_name.parse().map_err(|_| ValidationError::Invalid {
                field: KIND,
                reason: format!("unknown followup kind `{kind_name}`"),
            })?,
            occurred_at: fields::i64(doc, &ROOT, OCCURRED_AT).unwrap_or_default(),
            note: fields::text(doc, &ROOT, NOTE),
            next_step: fields::text(doc, &ROOT, NEXT_STEP),
            next_followup_on: fields::str(doc, &ROOT, NEXT_ON).and_then(|s| s.parse().ok()),
            checkin,
            checkin_metres: fields::f64(doc, &ROOT, CHECKIN_METRES),
            attachments: attachment::read_list(doc, ATTACHMENTS),
            stage_change,
            plan_id: fields::str(doc, &ROOT, PLAN),
        })
    }

    /// Checks references, lengths and coordinates. An empty note is allowed (a quick call).
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.header.validate()?;
        uuid(CUSTOMER, &self.customer_id)?;
        if let Some(d) = &self.deal_id {
            uuid(DEAL, d)?;
        }
        if let Some(p) = &self.plan_id {
            uuid(PLAN, p)?;
        }
        max_len(NOTE, &self.note, MAX_NOTE)?;
        max_len(NEXT_STEP, &self.next_step, MAX_NOTE)?;
        if let Some(m) = self.checkin_metres {
            if !(m.is_finite() && m >= 0.0) {
                return Err(ValidationError::Invalid {
                    field: CHECKIN_METRES,
                    reason: format!("{m} is not a distance"),
                });
            }
        }
        if let Some(c) = &self.checkin {
            validate_point(c.lat, c.lon)?;
            if let Some(a) = c.accuracy {
                if !(a.is_finite() && a >= 0.0) {
                    return Err(ValidationError::Negative { field: "accuracy" });
                }
            }
        }
        attachment::validate_all(&self.attachments)
    }
}
