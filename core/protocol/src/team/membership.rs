//! When a member is a member: the span that decides which reports they owe and which days their
//! targets count. Nobody owes a report due before they joined or after they left, nor is measured
//! against a target on a day they were not a member for the whole of.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::period::Calendar;

/// A member's span of membership, in UTC milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// When they joined (were added to the team).
    pub since: i64,
    /// When they were deactivated, if they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<i64>,
}

impl Membership {
    /// A member since `since`, still active.
    pub fn since(since: i64) -> Membership {
        Membership { since, until: None }
    }

    /// The first local day they were a member for the whole of: the day they joined when they
    /// joined at its very start, else the next day.
    pub fn first_full_day(&self, cal: &Calendar) -> NaiveDate {
        let day = cal.local_date(self.since);
        if cal.day_start_ms(day) >= self.since {
            day
        } else {
            day.checked_add_days(Days::new(1)).unwrap_or(day)
        }
    }

    /// The last local day they are measured on: the day before they left (none while active).
    pub fn last_day(&self, cal: &Calendar) -> Option<NaiveDate> {
        self.until.map(|u| {
            let day = cal.local_date(u);
            day.pred_opt().unwrap_or(day)
        })
    }

    /// Whether local day `d` counts for their targets.
    pub fn measures(&self, cal: &Calendar, d: NaiveDate) -> bool {
        d >= self.first_full_day(cal) && self.last_day(cal).is_none_or(|l| d <= l)
    }

    /// Whether they owe a report of the period ending on `last`, due at `due_at`: they were a
    /// member on a whole day of it (or before it) and still were when it fell due.
    pub fn owes(&self, cal: &Calendar, last: NaiveDate, due_at: i64) -> bool {
        last >= self.first_full_day(cal) && self.until.is_none_or(|u| due_at <= u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_member_owes_and_is_measured_only_while_a_member() {
        let cal = Calendar::parse("Asia/Shanghai", "monday").unwrap();
        // Added on Sunday evening: the week ending that Sunday is not theirs; Monday is.
        let m = Membership::since(at("2026-11-29T20:15:00+08:00"));
        assert_eq!(m.first_full_day(&cal), d("2026-11-30"));
        assert!(!m.owes(&cal, d("2026-11-29"), at("2026-11-27T18:00:00+08:00")));
        assert!(!m.owes(&cal, d("2026-11-29"), at("2026-11-30T10:00:00+08:00")));
        assert!(m.owes(&cal, d("2026-11-30"), at("2026-11-30T20:00:00+08:00")));
        assert!(!m.measures(&cal, d("2026-11-29")) && m.measures(&cal, d("2026-11-30")));
        // Added at midnight: that day is a whole day.
        assert_eq!(Membership::since(at("2026-12-01T00:00:00+08:00")).first_full_day(&cal), d("2026-12-01"));
        // Deactivated on Wednesday at noon: Tuesday is their last measured day; nothing due after noon.
        let left = Membership { until: Some(at("2026-12-02T12:00:00+08:00")), ..m };
        assert_eq!(left.last_day(&cal), Some(d("2026-12-01")));
        assert!(left.owes(&cal, d("2026-12-01"), at("2026-12-01T20:00:00+08:00")));
        assert!(!left.owes(&cal, d("2026-12-02"), at("2026-12-02T20:00:00+08:00")));
        assert!(!left.measures(&cal, d("2026-12-02")));
    }
}
