//! 合同 — a signed contract: customer, optional deal, amount, signing date. Feeds the money KPIs.

use automerge::ROOT;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::validation::{max_len, uuid, MAX_NAME};
use super::{fields, money_field, Doc, Header, Kind, ValidationError};
use crate::money::Money;

const CUSTOMER: &str = "customer_id";
const DEAL: &str = "deal_id";
const TITLE: &str = "title";
const SIGNED_ON: &str = "signed_on";

/// What a new contract starts with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewContract {
    pub customer_id: String,
    pub deal_id: Option<String>,
    pub title: Option<String>,
    pub amount: Money,
    /// Local date in the team's time zone.
    pub signed_on: NaiveDate,
}

/// The typed view of a contract document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contract {
    #[serde(flatten)]
    pub header: Header,
    pub customer_id: String,
    pub deal_id: Option<String>,
    pub title: Option<String>,
    pub amount: Money,
    pub signed_on: Option<NaiveDate>,
}

impl Contract {
    pub fn create(doc: &mut Doc, header: &Header, new: &NewContract) -> Result<(), automerge::AutomergeError> {
        header.write(doc)?;
        fields::put(doc, &ROOT, CUSTOMER, new.customer_id.as_str())?;
        fields::put_opt(doc, &ROOT, DEAL, new.deal_id.as_deref())?;
        fields::put_opt(doc, &ROOT, TITLE, new.title.as_deref())?;
        money_field::write(doc, &ROOT, &new.amount)?;
        fields::put(doc, &ROOT, SIGNED_ON, new.signed_on.to_string())
    }

    /// The view of a contract created from `new`, without reading the document back.
    pub fn view(header: &Header, new: &NewContract) -> Contract {
        Contract {
            header: header.clone(),
            customer_id: new.customer_id.clone(),
            deal_id: new.deal_id.clone(),
            title: new.title.clone(),
            amount: new.amount.clone(),
            signed_on: Some(new.signed_on),
        }
    }

    /// Reads the typed view; fails only when the document is not a contract.
    pub fn read(doc: &Doc) -> Result<Contract, ValidationError> {
        Ok(Contract {
            header: Header::read_kind(doc, Kind::Contract)?,
            customer_id: fields::str(doc, &ROOT, CUSTOMER).unwrap_or_default(),
            deal_id: fields::str(doc, &ROOT, DEAL),
            title: fields::str(doc, &ROOT, TITLE),
            amount: money_field::read(doc, &ROOT),
            signed_on: fields::str(doc, &ROOT, SIGNED_ON).and_then(|s| s.parse().ok()),
        })
    }

    /// Checks references, the amount and the date.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.header.validate()?;
        uuid(CUSTOMER, &self.customer_id)?;
        if let Some(d) = &self.deal_id {
            uuid(DEAL, d)?;
        }
        if let Some(t) = &self.title {
            max_len(TITLE, t, MAX_NAME)?;
        }
        money_field::validate(&self.amount)?;
        if self.signed_on.is_none() {
            return Err(ValidationError::Required { field: SIGNED_ON });
        }
        Ok(())
    }
}
