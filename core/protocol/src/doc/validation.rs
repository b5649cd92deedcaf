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

/// `v` is at most `max` characters and holds no control character but line breaks and tabs (nor
/// a bidirectional override): text a device writes is shown on other devices, terminals and
/// chats ([`crate::text::forbidden_char`]). Every text field passes here.
pub(crate) fn max_len(field: &'static str, v: &str, max: usize) -> Result<(), ValidationError> {
    let len = v.chars().count();
    if len > max {
        return Err(ValidationError::TooLong { field, len, max });
    }
    match crate::text::forbidden_char(v) {
        Some(c) => Err(ValidationError::Invalid {
            field,
            reason: format!("holds the control character U+{:04X}; only text, line breaks and tabs", c as u32),
        }),
        None => Ok(()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_refuse_control_characters_but_keep_lines_and_tabs() {
        assert!(max_len("note", "拜访张总\n下一步：报价\t周五\r\n", MAX_NOTE).is_ok());
        for bad in ["华为\u{1b}[2J", "nul\0", "c1\u{9b}", "photo\u{202E}gpj.exe", "bell\u{7}"] {
            let e = max_len("customer name", bad, MAX_NAME).unwrap_err();
            assert!(matches!(e, ValidationError::Invalid { field: "customer name", .. }), "{bad:?}: {e}");
        }
        assert!(matches!(max_len("x", &"名".repeat(MAX_NAME + 1), MAX_NAME), Err(ValidationError::TooLong { .. })));
    }
}
