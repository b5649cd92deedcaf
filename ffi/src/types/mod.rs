//! Records and enums that cross the FFI, shaped for app code: the same enums in rows and records,
//! instants as the platform's time type (`SystemTime`: Python `datetime`, Kotlin `Instant`,
//! Swift `Date`), days as the platform's date type (`NaiveDate`, see below), signed integers. Each type converts from the core's
//! next to its definition.
//!
//! The protocol's enums and plain records cross unchanged (component `fieldreport_core`, derived
//! by the protocol crate's `uniffi` feature): the record kinds (`ChangedKind` is the protocol's
//! `Kind`), roles, refusal codes, templates, contacts, alerts. A type is mirrored here only when
//! apps need another shape (instants as the platform's time, signed counts, money as text) or
//! when it is the device's own (rows, attachment states: the device crate has no
//! component of its own, so that apps import two modules, not three).

mod figures;
mod records;
mod rows;
mod sync;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use fieldreport_core::codes::{AlertKind, RefusalCode, RefusalReason, Role};
pub use fieldreport_core::doc::Kind as ChangedKind;
pub use fieldreport_core::doc::{Contact, Member, RecordKind};
pub use fieldreport_core::doc::{FollowupKind, Level, PlanStatus, ReportKind, ReportStatus, Section, Stage};
pub use fieldreport_core::kpi::KpiStatus;
pub use fieldreport_core::report::{BlockKind, Dialect, FigureSource, Lang, SectionDef, Template};
pub use fieldreport_core::store::Identity;
pub use fieldreport_core::team::{Alert, AlertFacts, Department};
pub use figures::*;
pub use records::*;
pub use rows::*;
pub use sync::*;

use crate::error::FieldError;

pub use chrono::NaiveDate;

// A calendar day crosses as `YYYY-MM-DD` and is the platform's date type on the other side:
// Kotlin `java.time.LocalDate`, Python `datetime.date` (uniffi.toml); Swift has no date-only
// type and sees the text.
uniffi::custom_type!(NaiveDate, String, {
    remote,
    lower: |d| d.format("%Y-%m-%d").to_string(),
    try_lift: |s| Ok(fieldreport_core::period::parse_date(&s)?),
});

/// An instant from UTC milliseconds (another device's data may hold any value: one the
/// platform cannot represent reads as the epoch rather than failing).
pub(crate) fn instant(ms: i64) -> SystemTime {
    let d = Duration::from_millis(ms.unsigned_abs());
    let t = if ms >= 0 { UNIX_EPOCH.checked_add(d) } else { UNIX_EPOCH.checked_sub(d) };
    t.unwrap_or(UNIX_EPOCH)
}

/// UTC milliseconds of an instant an app passed as `what`, which must fall between 2000 and 2100
/// (anything else is a unit or clock mistake: a time in seconds, an unset date).
pub(crate) fn millis(t: SystemTime, what: &str) -> Result<i64, FieldError> {
    let ms = signed_millis(t);
    const Y2000: i64 = 946_684_800_000;
    const Y2100: i64 = 4_102_444_800_000;
    if !(Y2000..Y2100).contains(&ms) {
        let shown = chrono::DateTime::from_timestamp_millis(ms)
            .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_else(|| format!("{ms} ms"));
        return Err(FieldError::InvalidInput {
            reason: format!("{what} is {shown}: expected a moment between 2000 and 2100"),
        });
    }
    Ok(ms)
}

/// UTC milliseconds of an instant the library made (any value: no range check).
pub(crate) fn signed_millis(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// A day a list's row holds as text (written by the library, so `YYYY-MM-DD`); one that does not
/// read (damaged data) reads as 1970-01-01 rather than failing the whole list.
pub(crate) fn day(s: &str) -> NaiveDate {
    fieldreport_core::period::parse_date(s).unwrap_or_default()
}

/// A count for the platform: signed, saturating.
pub(crate) fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_round_trip_and_implausible_ones_are_refused() {
        let t = instant(1_764_000_000_123);
        assert_eq!(millis(t, "at").unwrap(), 1_764_000_000_123);
        // Seconds passed where milliseconds were meant: 1970.
        let err = millis(instant(1_764_000_000), "occurred_at").unwrap_err().to_string();
        assert!(err.contains("occurred_at is 1970-01-21"), "{err}");
        // Whatever a stored record holds converts without a panic.
        for extreme in [i64::MIN, i64::MAX, -1] {
            let _ = millis(instant(extreme), "at");
        }
    }
}
