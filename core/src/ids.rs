//! Record ids: UUIDv7 made on the device, so ids sort by creation time and never collide.

use crate::error::{Error, Result};

/// A new UUIDv7 record id, as its canonical hyphenated lowercase string.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Checks that `s` is a UUID and returns its canonical form.
pub fn parse_id(kind: &str, s: &str) -> Result<String> {
    uuid::Uuid::parse_str(s.trim())
        .map(|u| u.to_string())
        .map_err(|_| Error::bad_input(format!("`{s}` is not a valid {kind} id (expected a UUID)")))
}
