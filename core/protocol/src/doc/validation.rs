//! Typed validation errors and the limits they enforce.

/// Longest customer name, deal title and similar one-line fields, in characters.
pub const MAX_NAME: usize = 200;
/// Longest short free-text field (lost reason, address, contact fields), in characters.
pub const MAX_SHORT: usize = 2_000;
/// Longest note or next step, in characters.
pub const MAX_NOTE: usize = 20_000;

/// What is wrong with a record. Nothing is written when validation fails.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValidationError {
    #[error("{field} is required")]
    Required { field: &'static str },
    #[error("{field} is too long: {len} characters, at most {max} allowed")]
    TooLong { field: &'static str, len: usize, max: usize },
    #[error("{field} cannot be negative")]
    Negative { field: &'static str },
    #[error("{field} must be between {min} and {max}, got {value}")]
    OutOfRange { field: &'static str, value: f64, min: f64, max: f64 },
    #[error("{field} is invalid: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("expected a {expected} document, found {found}")]
    WrongKind { expected: &'static str, found: String },
}

pub(crate) fn required(field: &'static str, v: &str) -> Result<(), ValidationError> {
    if v.trim().is_empty() {
        Err(ValidationError::Required { field })
    } else {
        Ok(())
    }
}

pub(crate) fn max_len(field: &'static str, v: &str, max: usize) -> Result<(), ValidationError> {
    let len = v.chars().count();
    if len > max {
        Err(ValidationError::TooLong { field, len, max })
    } else {
        Ok(())
    }
}

pub(crate) fn in_range(field: &'static str, v: f64, min: f64, max: f64) -> Result<(), ValidationError> {
    if v.is_finite() && (min..=max).contains(&v) {
        Ok(())
    } else {
        Err(ValidationError::OutOfRange { field, value: v, min, max })
    }
}

pub(crate) fn uuid(field: &'static str, v: &str) -> Result<(), ValidationError> {
    required(field, v)?;
    uuid::Uuid::parse_str(v)
        .map(|_| ())
        .map_err(|_| ValidationError::Invalid { field, reason: format!("`{v}` is not a UUID") })
}
