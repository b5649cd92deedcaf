//! 回款 — a payment received against a contract. Feeds the payments-received KPI.

use automerge::ROOT;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::validation::uuid;
use super::{fields, money_field, Doc, Header, Kind, ValidationError};
use crate::money::Money;

const CONTRACT: &str = "contract_id";
const CUSTOMER: &str = "customer_id";
const RECEIVED_ON: &str = "received_on";

/// What a new payment starts with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPayment {
    pub contract_id: String,
    /// The contract's customer, kept on the payment so lists need no join through contracts.
    pub customer_id: String,
    pub amount: Money,
    /// Local date in the team's time zone.
    pub received_on: NaiveDate,
}

/// The typed view of a payment document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    #[serde(flatten)]
    pub header: Header,
    pub contract_id: String,
    pub customer_id: String,
    pub amount: Money,
    pub received_on: Option<NaiveDate>,
}

impl Payment {
    pub fn create(doc: &mut Doc, header: &Header, new: &NewPayment) -> Result<(), automerge::AutomergeError> {
        header.write(doc)?;
        fields::put(doc, &ROOT, CONTRACT, new.contract_id.as_str())?;
        fields::put(doc, &ROOT, CUSTOMER, new.customer_id.as_str())?;
        money_field::write(doc, &ROOT, &new.amount)?;
        fields::put(doc, &ROOT, RECEIVED_ON, new.received_on.to_string())
    }

    /// The view of a payment created from `new`, without reading the document back.
    pub fn view(header: &Header, new: &NewPayment) -> Payment {
        Payment {
            header: header.clone(),
            contract_id: new.contract_id.clone(),
            customer_id: new.customer_id.clone(),
            amount: new.amount.clone(),
            received_on: Some(new.received_on),
        }
    }

    /// Reads the typed view; fails only when the document is not a payment.
    pub fn read(doc: &Doc) -> Result<Payment, ValidationError> {
        Ok(Payment {
            header: Header::read_kind(doc, Kind::Payment)?,
            contract_id: fields::str(doc, &ROOT, CONTRACT).unwrap_or_default(),
            customer_id: fields::str(doc, &ROOT, CUSTOMER).unwrap_or_default(),
            amount: money_field::read(doc, &ROOT),
            received_on: fields::str(doc, &ROOT, RECEIVED_ON).and_then(|s| s.parse().ok()),
        })
    }

    /// Checks references, the amount and the date.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.header.validate()?;
        uuid(CONTRACT, &self.contract_id)?;
        uuid(CUSTOMER, &self.customer_id)?;
        money_field::validate(&self.amount)?;
        if self.received_on.is_none() {
            return Err(ValidationError::Required { field: RECEIVED_ON });
        }
        Ok(())
    }
}
