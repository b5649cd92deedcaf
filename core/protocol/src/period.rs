//! Reporting periods (today, this week, last month, a custom range…) resolved in the team's
//! IANA time zone with a configurable first day of the week.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
pub use crate::zone::Zone;

/// A named or custom period, relative to "now" until resolved by a [`Calendar`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Period {
    Today,
    Yesterday,
    ThisWeek,
    LastWeek,
    ThisMonth,
    LastMonth,
    ThisQuarter,
    LastQuarter,
    /// From `first` to `last`, both days included.
    Custom {
        first: NaiveDate,
        last: NaiveDate,
    },
}

impl FromStr for Period {
    type Err = Error;

    /// Accepts `today`, `yesterday`, `this-week`, `last-week`, `this-month`, `last-month`,
    /// `this-quarter`, `last-quarter`, `YYYY-MM-DD..YYYY-MM-DD` and a single `YYYY-MM-DD`.
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        Ok(match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "today" => Period::Today,
            "yesterday" => Period::Yesterday,
            "this-week" => Period::ThisWeek,
            "last-week" => Period::LastWeek,
            "this-month" => Period::ThisMonth,
            "last-month" => Period::LastMonth,
            "this-quarter" => Period::ThisQuarter,
            "last-quarter" => Period::LastQuarter,
            _ => {
                let (a, b) = s.split_once("..").unwrap_or((s, s));
                let first = parse_date(a).map_err(|_| bad_period(s))?;
                let last = parse_date(b).map_err(|_| bad_period(s))?;
                Period::custom(first, last)?
            }
        })
    }
}

fn bad_period(s: &str) -> Error {
    Error::bad_input(format!(
        "`{s}` is not a period: use today, yesterday, this-week, last-week, this-month, \
         last-month, this-quarter, last-quarter or YYYY-MM-DD..YYYY-MM-DD"
    ))
}

/// The longest custom period, in days: a year (a leap year's). Lists, figures and exports of a
/// period are bounded by it.
pub const MAX_PERIOD_DAYS: i64 = 366;

impl Period {
    /// A custom period; refuses one whose last day is before its first, or one longer than
    /// [`MAX_PERIOD_DAYS`].
    pub fn custom(first: NaiveDate, last: NaiveDate) -> Result<Period> {
        if last < first {
            return Err(Error::bad_input(format!("the period {first}..{last} is empty: its end is before its start")));
        }
        let days = (last - first).num_days() + 1;
        if days > MAX_PERIOD_DAYS {
            return Err(Error::bad_input(format!(
                "the period {first}..{last} is {days} days long; a period spans at most {MAX_PERIOD_DAYS} days"
            )));
        }
        Ok(Period::Custom { first, last })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Today => f.write_str("today"),
            Period::Yesterday => f.write_str("yesterday"),
            Period::ThisWeek => f.write_str("this-week"),
            Period::LastWeek => f.write_str("last-week"),
            Period::ThisMonth => f.write_str("this-month"),
            Period::LastMonth => f.write_str("last-month"),
            Period::ThisQuarter => f.write_str("this-quarter"),
            Period::LastQuarter => f.write_str("last-quarter"),
            Period::Custom { first, last } => write!(f, "{first}..{last}"),
        }
    }
}

/// Parses a `YYYY-MM-DD` date with a message that says what was expected.
pub fn parse_date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| Error::bad_input(format!("`{s}` is not a date (expected YYYY-MM-DD)")))
}

/// Parses a local time of day, `HH:MM` (a planned visit's hour).
pub fn parse_time(s: &str) -> Result<chrono::NaiveTime> {
    chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| Error::bad_input(format!("`{s}` is not a time of day (HH:MM, e.g. 14:30)")))
}

/// Parses a week start day such as `monday` or `sun`.
pub fn parse_weekday(s: &str) -> Result<Weekday> {
    s.trim()
        .parse::<Weekday>()
        .map_err(|_| Error::bad_input(format!("`{s}` is not a day of the week (expected e.g. monday)")))
}

/// Parses an IANA time zone name such as `Asia/Shanghai`.
pub fn parse_tz(s: &str) -> Result<Zone> {
    Zone::parse(s)
}

/// A resolved period: local days `first..=last` and the UTC instants `[start_ms, end_ms)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// UTC milliseconds of the first day's local midnight.
    pub start_ms: i64,
    /// UTC milliseconds of the local midnight after the last day (exclusive).
    pub end_ms: i64,
}

impl DateRange {
    /// Whether `ms` (UTC milliseconds) falls within the range.
    pub fn contains_ms(&self, ms: i64) -> bool {
        self.start_ms <= ms && ms < self.end_ms
    }

    /// Whether the local date `d` falls within the range.
    pub fn contains_date(&self, d: NaiveDate) -> bool {
        self.first <= d && d <= self.last
    }
}

/// The team's calendar: its time zone and the first day of its week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    pub tz: Zone,
    pub week_start: Weekday,
}

impl Calendar {
    /// A calendar from a zone name and a week start name (`monday`…).
    pub fn parse(tz: &str, week_start: &str) -> Result<Calendar> {
        Ok(Calendar { tz: parse_tz(tz)?, week_start: parse_weekday(week_start)? })
    }

    /// The local date at UTC milliseconds `ms`.
    pub fn local_date(&self, ms: i64) -> NaiveDate {
        self.tz.local_datetime(ms).date()
    }

    /// The local date and time at UTC milliseconds `ms`.
    pub fn local_datetime(&self, ms: i64) -> NaiveDateTime {
        self.tz.local_datetime(ms)
    }

    /// UTC milliseconds of the start of local day `d`: its midnight, or, where a daylight-saving
    /// jump skips midnight, the first instant that exists that day.
    pub fn day_start_ms(&self, d: NaiveDate) -> i64 {
        // Gaps are at most a few hours; local_ms steps through them in 15-minute increments.
        self.local_ms(d, NaiveTime::MIN)
    }

    /// UTC milliseconds of local time `t` on day `d` (the earlier instant when clocks fall back,
    /// the first one after a gap when they spring forward).
    pub fn local_ms(&self, d: NaiveDate, t: NaiveTime) -> i64 {
        let mut at = d.and_time(t);
        for _ in 0..(24 * 4) {
            if let Some(ms) = self.tz.earliest_ms(at) {
                return ms;
            }
            at += chrono::Duration::minutes(15);
        }
        Utc.from_utc_datetime(&d.and_time(t)).timestamp_millis()
    }

    /// The range covering local days `first..=last`.
    pub fn days(&self, first: NaiveDate, last: NaiveDate) -> DateRange {
        let after = last.checked_add_days(Days::new(1)).unwrap_or(last);
        DateRange { first, last, start_ms: self.day_start_ms(first), end_ms: self.day_start_ms(after) }
    }

    /// The first day of the week that contains `d`.
    pub fn week_start_of(&self, d: NaiveDate) -> NaiveDate {
        let back = (d.weekday().num_days_from_monday() + 7 - self.week_start.num_days_from_monday()) % 7;
        d - Days::new(back as u64)
    }

    /// Resolves `period` relative to the instant `now_ms`.
    pub fn resolve(&self, period: Period, now_ms: i64) -> DateRange {
        let today = self.local_date(now_ms);
        let (first, last) = match period {
            Period::Today => (today, today),
            Period::Yesterday => {
                let y = today.pred_opt().unwrap_or(today);
                (y, y)
            }
            Period::ThisWeek => {
                let s = self.week_start_of(today);
                (s, s + Days::new(6))
            }
            Period::LastWeek => {
                let s = self.week_start_of(today) - Days::new(7);
                (s, s + Days::new(6))
            }
            Period::ThisMonth => month_of(today),
            Period::LastMonth => {
                let prev = today.with_day(1).unwrap_or(today) - Days::new(1);
                month_of(prev)
            }
            Period::ThisQuarter => quarter_of(today),
            Period::LastQuarter => quarter_of(quarter_of(today).0 - Days::new(1)),
            Period::Custom { first, last } => (first, last),
        };
        self.days(first, last)
    }
}

/// Days `first..=last` as people read them: one day alone, or `2026-11-30 ~ 2026-12-06`.
pub fn days_words<T: fmt::Display + PartialEq>(first: T, last: T) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first} ~ {last}")
    }
}

/// First and last day of the month containing `d`.
pub fn month_of(d: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = d.with_day(1).unwrap_or(d);
    let last = first.checked_add_months(Months::new(1)).map(|n| n - Days::new(1)).unwrap_or(first);
    (first, last)
}

/// First and last day of the calendar quarter containing `d`.
pub fn quarter_of(d: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first_month = (d.month0() / 3) * 3 + 1;
    let first = NaiveDate::from_ymd_opt(d.year(), first_month, 1).unwrap_or(d);
    let last = first.checked_add_months(Months::new(3)).map(|n| n - Days::new(1)).unwrap_or(first);
    (first, last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn ms(rfc3339: &str) -> i64 {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp_millis()
    }
    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }
    fn shanghai() -> Calendar {
        Calendar::parse("Asia/Shanghai", "monday").unwrap()
    }

    #[test]
    fn parses_every_period_name_and_custom_ranges() {
        assert_eq!("today".parse::<Period>().unwrap(), Period::Today);
        assert_eq!("last-month".parse::<Period>().unwrap(), Period::LastMonth);
        assert_eq!(
            "2026-01-30..2026-02-02".parse::<Period>().unwrap(),
            Period::Custom { first: d("2026-01-30"), last: d("2026-02-02") }
        );
        assert_eq!(
            "2026-03-01".parse::<Period>().unwrap(),
            Period::Custom { first: d("2026-03-01"), last: d("2026-03-01") }
        );
        assert!("2026-02-02..2026-01-30".parse::<Period>().is_err(), "end before start");
        assert!("2024-01-01..2024-12-31".parse::<Period>().is_ok(), "a leap year is 366 days");
        let long = "0001-01-01..9999-12-31".parse::<Period>().unwrap_err().to_string();
        assert!(long.contains("at most 366 days"), "{long}");
        assert!("fortnight".parse::<Period>().is_err());
        assert!("2026-02-30".parse::<Period>().is_err());
    }

    #[test]
    fn today_and_yesterday_follow_the_team_zone_not_utc() {
        // 2026-11-23 17:30 UTC is already 2026-11-24 01:30 in Shanghai.
        let now = ms("2026-11-23T17:30:00Z");
        let r = shanghai().resolve(Period::Today, now);
        assert_eq!(r.first, d("2026-11-24"));
        assert_eq!(r.start_ms, ms("2026-11-23T16:00:00Z"));
        assert_eq!(r.end_ms, ms("2026-11-24T16:00:00Z"));
        let y = shanghai().resolve(Period::Yesterday, now);
        assert_eq!((y.first, y.last), (d("2026-11-23"), d("2026-11-23")));
    }

    #[test]
    fn weeks_start_on_the_configured_day() {
        // Sunday 2026-11-29 late evening in Shanghai.
        let now = ms("2026-11-29T23:30:00+08:00");
        let mon = shanghai().resolve(Period::ThisWeek, now);
        assert_eq!((mon.first, mon.last), (d("2026-11-23"), d("2026-11-29")));
        let last = shanghai().resolve(Period::LastWeek, now);
        assert_eq!((last.first, last.last), (d("2026-11-16"), d("2026-11-22")));
        let sun = Calendar::parse("Asia/Shanghai", "sunday").unwrap().resolve(Period::ThisWeek, now);
        assert_eq!((sun.first, sun.last), (d("2026-11-29"), d("2026-12-05")));
    }

    #[test]
    fn weeks_and_months_cross_year_ends() {
        let now = ms("2027-01-01T09:00:00+08:00"); // a Friday
        let w = shanghai().resolve(Period::ThisWeek, now);
        assert_eq!((w.first, w.last), (d("2026-12-28"), d("2027-01-03")));
        let lm = shanghai().resolve(Period::LastMonth, now);
        assert_eq!((lm.first, lm.last), (d("2026-12-01"), d("2026-12-31")));
        let y = shanghai().resolve(Period::Yesterday, now);
        assert_eq!(y.first, d("2026-12-31"));
    }

    #[test]
    fn quarters_are_calendar_quarters() {
        let now = ms("2026-11-23T10:00:00+08:00");
        let q = shanghai().resolve(Period::ThisQuarter, now);
        assert_eq!((q.first, q.last), (d("2026-10-01"), d("2026-12-31")));
        let lq = shanghai().resolve(Period::LastQuarter, ms("2027-01-01T00:30:00+08:00"));
        assert_eq!((lq.first, lq.last), (d("2026-10-01"), d("2026-12-31")));
        assert_eq!("last-quarter".parse::<Period>().unwrap(), Period::LastQuarter);
    }

    #[test]
    fn months_have_their_own_lengths() {
        let leap = shanghai().resolve(Period::ThisMonth, ms("2028-02-10T12:00:00+08:00"));
        assert_eq!(leap.last, d("2028-02-29"));
        let march = shanghai().resolve(Period::LastMonth, ms("2027-03-31T12:00:00+08:00"));
        assert_eq!((march.first, march.last), (d("2027-02-01"), d("2027-02-28")));
        assert_eq!(march.end_ms - march.start_ms, 28 * 86_400_000);
    }

    #[test]
    fn daylight_saving_days_are_23_and_25_hours_long() {
        let ny = Calendar::parse("America/New_York", "monday").unwrap();
        let spring = ny.resolve(Period::Today, ms("2026-03-08T12:00:00-04:00"));
        assert_eq!(spring.end_ms - spring.start_ms, 23 * 3_600_000);
        let fall = ny.resolve(Period::Today, ms("2026-11-01T12:00:00-05:00"));
        assert_eq!(fall.end_ms - fall.start_ms, 25 * 3_600_000);
        // A week containing the spring change is 7 days minus an hour.
        let week = ny.resolve(Period::ThisWeek, ms("2026-03-08T12:00:00-04:00"));
        assert_eq!(week.end_ms - week.start_ms, 7 * 86_400_000 - 3_600_000);
    }

    #[test]
    fn a_day_whose_midnight_does_not_exist_starts_at_its_first_instant() {
        // Chile moved clocks from 00:00 to 01:00 on 2022-09-11.
        let scl = Calendar::parse("America/Santiago", "monday").unwrap();
        let start = scl.day_start_ms(d("2022-09-11"));
        assert_eq!(start, ms("2022-09-11T01:00:00-03:00"));
        assert_eq!(scl.local_date(start), d("2022-09-11"));
    }

    #[test]
    fn range_membership_is_half_open() {
        let r = shanghai().days(d("2026-11-23"), d("2026-11-23"));
        assert!(r.contains_ms(ms("2026-11-23T00:00:00+08:00")));
        assert!(r.contains_ms(ms("2026-11-23T23:59:59.999+08:00")));
        assert!(!r.contains_ms(ms("2026-11-24T00:00:00+08:00")));
    }

    #[test]
    fn refuses_unknown_zones_and_weekdays() {
        assert!(Calendar::parse("Mars/Olympus", "monday").is_err());
        assert!(Calendar::parse("Asia/Shanghai", "someday").is_err());
    }
}
