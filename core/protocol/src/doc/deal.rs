//! 商机 — a deal: customer, title, amount, funnel stage with its history, expected close.

use std::str::FromStr;

use automerge::ROOT;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::validation::{max_len, required, uuid, MAX_NAME, MAX_SHORT};
use super::{fields, money_field, Doc, Header, Kind, ValidationError};
use crate::error::Error;
use crate::money::Money;

const CUSTOMER: &str = "customer_id";
const TITLE: &str = "title";
const STAGE: &str = "stage";
const HISTORY: &str = "stage_history";
const EXPECTED_CLOSE: &str = "expected_close";
const LOST_REASON: &str = "lost_reason";

/// Funnel stages, in order; a deal ends `Won` or `Lost`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Stage {
    Lead,
    Contacted,
    Qualified,
    Proposal,
    Negotiation,
    Won,
    Lost,
}

impl Stage {
    /// Every stage in funnel order (lost last).
    pub const ALL: [Stage; 7] =
        [Stage::Lead, Stage::Contacted, Stage::Qualified, Stage::Proposal, Stage::Negotiation, Stage::Won, Stage::Lost];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Lead => "lead",
            Stage::Contacted => "contacted",
            Stage::Qualified => "qualified",
            Stage::Proposal => "proposal",
            Stage::Negotiation => "negotiation",
            Stage::Won => "won",
            Stage::Lost => "lost",
        }
    }

    /// The Chinese label used in the product.
    pub fn zh(self) -> &'static str {
        match self {
            Stage::Lead => "线索",
            Stage::Contacted => "初步沟通",
            Stage::Qualified => "需求确认",
            Stage::Proposal => "方案报价",
            Stage::Negotiation => "跟进推进",
            Stage::Won => "成交签约",
            Stage::Lost => "输单",
        }
    }

    /// Whether the deal is still in the funnel.
    pub fn is_open(self) -> bool {
        !matches!(self, Stage::Won | Stage::Lost)
    }
}

impl FromStr for Stage {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let t = s.trim();
        Stage::ALL.into_iter().find(|st| st.as_str().eq_ignore_ascii_case(t) || st.zh() == t).ok_or_else(|| {
            Error::BadInput(format!(
                "`{s}` is not a deal stage (expected lead, contacted, qualified, proposal, negotiation, won or lost)"
            ))
        })
    }
}

/// One entry of a deal's stage history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageEntry {
    pub stage: Stage,
    /// UTC milliseconds when the deal entered the stage.
    pub at: i64,
}

/// What a new deal starts with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewDeal {
    pub customer_id: String,
    pub title: String,
    pub amount: Money,
    pub stage: Stage,
    pub expected_close: Option<NaiveDate>,
}

/// A change to a deal; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DealEdit {
    pub title: Option<String>,
    pub amount: Option<Money>,
    pub expected_close: Option<NaiveDate>,
    pub lost_reason: Option<String>,
}

/// The typed view of a deal document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deal {
    #[serde(flatten)]
    pub header: Header,
    pub customer_id: String,
    pub title: String,
    pub amount: Money,
    pub stage: Stage,
    pub stage_history: Vec<StageEntry>,
    pub expected_close: Option<NaiveDate>,
    pub lost_reason: Option<String>,
}

impl Deal {
    pub fn create(doc: &mut Doc, header: &Header, new: &NewDeal) -> Result<(), automerge::AutomergeError> {
        header.write(doc)?;
        fields::put(doc, &ROOT, CUSTOMER, new.customer_id.as_str())?;
        fields::put(doc, &ROOT, TITLE, new.title.trim())?;
        money_field::write(doc, &ROOT, &new.amount)?;
        fields::put_opt(doc, &ROOT, EXPECTED_CLOSE, new.expected_close.map(|d| d.to_string()))?;
        fields::ensure_list(doc, &ROOT, HISTORY)?;
        Self::set_stage(doc, new.stage, header.created_at)
    }

    /// The view of a deal created from `new`, without reading the document back.
    pub fn view(header: &Header, new: &NewDeal) -> Deal {
        Deal {
            header: header.clone(),
            customer_id: new.customer_id.clone(),
            title: new.title.trim().to_string(),
            amount: new.amount.clone(),
            stage: new.stage,
            stage_history: vec![StageEntry { stage: new.stage, at: header.created_at }],
            expected_close: new.expected_close,
            lost_reason: None,
        }
    }

    /// Moves the deal to `stage` at `at_ms`, recording the move in the stage history.
    /// Moving to the stage it is already in changes nothing.
    pub fn set_stage(doc: &mut Doc, stage: Stage, at_ms: i64) -> Result<(), automerge::AutomergeError> {
        if fields::str(doc, &ROOT, STAGE).as_deref() == Some(stage.as_str()) {
            return Ok(());
        }
        fields::put(doc, &ROOT, STAGE, stage.as_str())?;
        let entry = fields::push_map(doc, &ROOT, HISTORY)?;
        fields::put(doc, &entry, STAGE, stage.as_str())?;
        fields::put(doc, &entry, "at", at_ms)
    }

    pub fn edit(doc: &mut Doc, edit: &DealEdit) -> Result<(), automerge::AutomergeError> {
        if let Some(t) = &edit.title {
            fields::put(doc, &ROOT, TITLE, t.trim())?;
        }
        if let Some(m) = &edit.amount {
            money_field::write(doc, &ROOT, m)?;
        }
        if let Some(d) = edit.expected_close {
            fields::put(doc, &ROOT, EXPECTED_CLOSE, d.to_string())?;
        }
        if let Some(r) = &edit.lost_reason {
            fields::put(doc, &ROOT, LOST_REASON, r.as_str())?;
        }
        Ok(())
    }

    /// Reads the typed view; fails only when the document is not a deal.
    pub fn read(doc: &Doc) -> Result<Deal, ValidationError> {
        let header = Header::read_kind(doc, Kind::Deal)?;
        let stage_history = fields::map_list(doc, &ROOT, HISTORY)
            .iter()
            .filter_map(|m| {
                Some(StageEntry { stage: fields::str(doc, m, STAGE)?.parse().ok()?, at: fields::i64(doc, m, "at")? })
            })
            .collect();
        let stage_name = fields::str(doc, &ROOT, STAGE).unwrap_or_default();
        Ok(Deal {
            header,
            customer_id: fields::str(doc, &ROOT, CUSTOMER).unwrap_or_default(),
            title: fields::str(doc, &ROOT, TITLE).unwrap_or_default(),
            amount: money_field::read(doc, &ROOT),
            stage: stage_name.parse().map_err(|_| ValidationError::Invalid {
                field: STAGE,
                reason: format!("unknown stage `{stage_name}`"),
            })?,
            stage_history,
            expected_close: fields::str(doc, &ROOT, EXPECTED_CLOSE).and_then(|s| s.parse().ok()),
            lost_reason: fields::str(doc, &ROOT, LOST_REASON),
        })
    }

    /// Checks required fields, lengths and the amount.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.header.validate()?;
        uuid(CUSTOMER, &self.customer_id)?;
        required(TITLE, &self.title)?;
        max_len(TITLE, &self.title, MAX_NAME)?;
        money_field::validate(&self.amount)?;
        if let Some(r) = &self.lost_reason {
            max_len(LOST_REASON, r, MAX_SHORT)?;
        }
        Ok(())
    }
}
