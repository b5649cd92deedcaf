//! Money inside a document: `<prefix>_minor` (integer) and `currency` fields.

use automerge::ObjId;

use super::{fields, Doc, ValidationError};
use crate::money::{format_minor, Money, MAX_MINOR};

pub(crate) const AMOUNT: &str = "amount_minor";
pub(crate) const CURRENCY: &str = "currency";

pub(crate) fn read(doc: &Doc, obj: &ObjId) -> Money {
    Money {
        minor: fields::i64(doc, obj, AMOUNT).unwrap_or_default(),
        currency: fields::str(doc, obj, CURRENCY).unwrap_or_default(),
    }
}

pub(crate) fn write(doc: &mut Doc, obj: &ObjId, m: &Money) -> Result<(), automerge::AutomergeError> {
    fields::put(doc, obj, AMOUNT, m.minor)?;
    fields::put(doc, obj, CURRENCY, m.currency.as_str())
}

pub(crate) fn validate(m: &Money) -> Result<(), ValidationError> {
    if m.minor < 0 {
        return Err(ValidationError::Negative { field: "amount" });
    }
    if m.minor > MAX_MINOR {
        return Err(ValidationError::Invalid {
            field: "amount",
            reason: format!(
                "{} is over the largest amount, {}",
                format_minor(m.minor, &m.currency),
                format_minor(MAX_MINOR, &m.currency)
            ),
        });
    }
    if m.currency.len() != 3 || !m.currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(ValidationError::Invalid {
            field: CURRENCY,
            reason: format!("`{}` is not a three-letter currency code", m.currency),
        });
    }
    Ok(())
}
