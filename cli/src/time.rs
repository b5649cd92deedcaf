//! Instants on the command line: RFC 3339, or a local date-time in the team's zone.

use chrono::{DateTime, NaiveDateTime};
use fieldreport_core::period::Calendar;

use crate::error::{CliError, CliResult};

/// Parses `--now`: RFC 3339 only, since no team zone is known yet.
pub fn parse_rfc3339(s: &str) -> CliResult<i64> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|_| CliError::Usage(format!("`{s}` is not an RFC 3339 time (e.g. 2026-11-23T09:30:00+08:00)")))
}

/// Parses `--at`: RFC 3339, or `YYYY-MM-DDTHH:MM[:SS]` / `YYYY-MM-DD HH:MM` in the team's zone.
pub fn parse_instant(s: &str, cal: &Calendar) -> CliResult<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s.trim()) {
        return Ok(t.timestamp_millis());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s.trim(), fmt) {
            if let Some(t) = cal.tz.earliest_ms(naive) {
                return Ok(t);
            }
        }
    }
    Err(CliError::Usage(format!(
        "`{s}` is not a time: use RFC 3339 (2026-11-23T09:30:00+08:00) or YYYY-MM-DDTHH:MM in the team's zone"
    )))
}

/// Formats UTC milliseconds as RFC 3339 in the team's zone.
pub fn format_instant(ms: i64, cal: &Calendar) -> String {
    cal.tz.datetime(ms).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).unwrap_or_else(|| ms.to_string())
}

/// Formats UTC milliseconds as `YYYY-MM-DD HH:MM` in the team's zone, for people.
pub fn format_short(ms: i64, cal: &Calendar) -> String {
    cal.local_datetime(ms).format("%Y-%m-%d %H:%M").to_string()
}
