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

/// The short form of an id people can tell apart: its last eight characters. (The start of a
/// UUIDv7 is its creation time, the same for records made in the same minute.)
pub fn short(id: &str) -> &str {
    let at = id.len().saturating_sub(8);
    id.get(at..).unwrap_or(id)
}

/// Whether `q` (lower-case, four characters or more) is the start or the end of `id`: what a
/// person typed from a list or from a short form.
pub fn abbreviates(id: &str, q: &str) -> bool {
    q.len() >= 4 && (id.starts_with(q) || id.ends_with(q))
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_ids_are_the_distinct_end() {
        let id = "01a232b4-f926-733a-9a9d-e93ce187b80f";
        assert_eq!(super::short(id), "e187b80f");
        assert!(super::abbreviates(id, "01a2") && super::abbreviates(id, "b80f"));
        assert!(!super::abbreviates(id, "b8") && !super::abbreviates(id, "9a9d"));
    }
}
