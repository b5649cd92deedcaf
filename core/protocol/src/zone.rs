//! IANA time zones, looked up in the platform's time zone database (`/usr/share/zoneinfo`, or
//! Android's concatenated `tzdata`), which the operating system keeps current; builds with the
//! `bundled-tz` feature also carry a copy for machines that have none.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use jiff::tz::{AmbiguousOffset, TimeZone};

use crate::error::{Error, Result};

/// A named IANA time zone such as `Asia/Shanghai`. Cheap to clone.
#[derive(Clone)]
pub struct Zone {
    name: Arc<str>,
    tz: TimeZone,
}

impl Zone {
    /// Looks `name` up in the time zone database.
    pub fn parse(name: &str) -> Result<Zone> {
        let name = name.trim();
        let not_a_zone =
            || Error::bad_input(format!("`{name}` is not an IANA time zone (expected e.g. Asia/Shanghai)"));
        // Fixed offsets and POSIX strings are not team zones; only database names are.
        if name.is_empty() || name.starts_with(['+', '-']) {
            return Err(not_a_zone());
        }
        let tz = jiff::tz::db().get(name).map_err(|_| not_a_zone())?;
        // The database's own spelling (lookups ignore case).
        let canonical = tz.iana_name().unwrap_or(name);
        Ok(Zone { name: Arc::from(canonical), tz })
    }

    /// The zone's IANA name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The offset from UTC, in seconds, in force at UTC milliseconds `ms`.
    pub fn offset_seconds(&self, ms: i64) -> i32 {
        match jiff::Timestamp::from_millisecond(ms) {
            Ok(ts) => self.tz.to_offset(ts).seconds(),
            Err(_) => 0,
        }
    }

    /// The local date and time at UTC milliseconds `ms` (UTC beyond the supported range).
    pub fn local_datetime(&self, ms: i64) -> NaiveDateTime {
        let local = ms.saturating_add(i64::from(self.offset_seconds(ms)) * 1000);
        DateTime::<Utc>::from_timestamp_millis(local).unwrap_or_default().naive_utc()
    }

    /// The instant at UTC milliseconds `ms` with the zone's offset then (for RFC 3339 output).
    pub fn datetime(&self, ms: i64) -> Option<DateTime<FixedOffset>> {
        let offset = FixedOffset::east_opt(self.offset_seconds(ms))?;
        DateTime::<Utc>::from_timestamp_millis(ms).map(|t| t.with_timezone(&offset))
    }

    /// UTC milliseconds of local `at`: the earlier instant when clocks fall back, `None` when the
    /// local time does not exist (clocks sprang forward over it).
    pub fn earliest_ms(&self, at: NaiveDateTime) -> Option<i64> {
        let dt = to_civil(at)?;
        let offset = match self.tz.to_ambiguous_timestamp(dt).offset() {
            AmbiguousOffset::Unambiguous { offset } => offset,
            AmbiguousOffset::Fold { before, .. } => before,
            AmbiguousOffset::Gap { .. } => return None,
        };
        Some(at.and_utc().timestamp_millis() - i64::from(offset.seconds()) * 1000)
    }
}

fn to_civil(at: NaiveDateTime) -> Option<jiff::civil::DateTime> {
    use chrono::{Datelike, Timelike};
    let d: NaiveDate = at.date();
    let t: NaiveTime = at.time();
    jiff::civil::DateTime::new(
        i16::try_from(d.year()).ok()?,
        d.month() as i8,
        d.day() as i8,
        t.hour() as i8,
        t.minute() as i8,
        t.second() as i8,
        0,
    )
    .ok()
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name == other.name
    }
}

impl Eq for Zone {}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Zone({})", self.name)
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(rfc3339: &str) -> i64 {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp_millis()
    }

    #[test]
    fn shanghai_is_eight_hours_ahead_all_year() {
        let z = Zone::parse("Asia/Shanghai").unwrap();
        assert_eq!(z.offset_seconds(ms("2026-01-15T00:00:00Z")), 8 * 3600);
        assert_eq!(z.offset_seconds(ms("2026-07-15T00:00:00Z")), 8 * 3600);
        assert_eq!(z.local_datetime(ms("2026-11-23T17:30:00Z")).to_string(), "2026-11-24 01:30:00");
        assert_eq!(z.datetime(ms("2026-11-23T17:30:00Z")).unwrap().to_rfc3339(), "2026-11-24T01:30:00+08:00");
    }

    #[test]
    fn gaps_and_folds_are_told_apart() {
        let ny = Zone::parse("America/New_York").unwrap();
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(ny.earliest_ms(at("2026-03-08 02:30")), None, "skipped by the spring change");
        assert_eq!(ny.earliest_ms(at("2026-11-01 01:30")), Some(ms("2026-11-01T01:30:00-04:00")), "the earlier of two");
        assert_eq!(ny.earliest_ms(at("2026-06-01 12:00")), Some(ms("2026-06-01T12:00:00-04:00")));
    }

    #[test]
    fn names_are_the_database_spelling_and_offsets_are_refused() {
        assert_eq!(Zone::parse(" asia/shanghai ").unwrap().name(), "Asia/Shanghai");
        assert!(Zone::parse("Mars/Olympus").is_err());
        assert!(Zone::parse("+08:00").is_err());
        assert!(Zone::parse("").is_err());
    }
}
