//! A report deadline: a local time on, before or after the last day of the report's period.

use std::fmt;
use std::str::FromStr;

use chrono::{Days, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::period::Calendar;

/// `20:00` (the period's last day at 20:00), `-2 18:00` (two days before it), `+1 10:00` (the
/// day after).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Deadline {
    pub day_offset: i8,
    pub time: NaiveTime,
}

impl FromStr for Deadline {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!("`{s}` is not a deadline (expected HH:MM, or -N HH:MM / +N HH:MM days from the period's last day)")
        };
        let (offset, time) = match s.trim().split_once(' ') {
            Some((o, t)) => (o.trim().parse::<i8>().map_err(|_| bad())?, t.trim()),
            None => (0, s.trim()),
        };
        if !(-27..=27).contains(&offset) {
            return Err(bad());
        }
        let time = NaiveTime::parse_from_str(time, "%H:%M").map_err(|_| bad())?;
        Ok(Deadline { day_offset: offset, time })
    }
}

impl TryFrom<String> for Deadline {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<Deadline> for String {
    fn from(d: Deadline) -> String {
        d.to_string()
    }
}

impl fmt::Display for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.day_offset {
            0 => write!(f, "{}", self.time.format("%H:%M")),
            n => write!(f, "{n:+} {}", self.time.format("%H:%M")),
        }
    }
}

impl Deadline {
    /// UTC milliseconds when a report for a period ending on `last` is due.
    pub fn due_ms(&self, cal: &Calendar, last: NaiveDate) -> i64 {
        let day = if self.day_offset >= 0 {
            last.checked_add_days(Days::new(self.day_offset as u64))
        } else {
            last.checked_sub_days(Days::new(self.day_offset.unsigned_abs() as u64))
        }
        .unwrap_or(last);
        cal.local_ms(day, self.time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prints_and_places_deadlines_in_the_team_zone() {
        let cal = Calendar::parse("Asia/Shanghai", "monday").unwrap();
        let d: Deadline = "20:00".parse().unwrap();
        let last = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(
            d.due_ms(&cal, last),
            chrono::DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z").unwrap().timestamp_millis()
        );
        let w: Deadline = "-2 18:30".parse().unwrap();
        assert_eq!(w.to_string(), "-2 18:30");
        assert_eq!("+1 09:00".parse::<Deadline>().unwrap().to_string(), "+1 09:00");
        assert!("25:00".parse::<Deadline>().is_err());
        assert!("tomorrow".parse::<Deadline>().is_err());
    }
}
