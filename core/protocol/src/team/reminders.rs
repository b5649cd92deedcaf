//! Reminders before a report is due: when each kind of report is reminded of, written as its
//! deadline is (relative to the last day of the period), and the reminders due in a window —
//! which devices compute offline to schedule local notifications, and the server uses to
//! remind the team's chat of who has not submitted.

use chrono::{Datelike, Days, NaiveDate, Timelike};
use serde::{Deserialize, Serialize};

use super::{Deadline, Deadlines};
use crate::doc::ReportKind;
use crate::period::{parse_weekday, Calendar, Period};
use crate::report::{period_name, Lang};

/// When each kind of report is reminded of. A kind left out is reminded two hours before its
/// deadline; `enabled = false` turns reminders off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Reminders {
    pub enabled: bool,
    pub daily: Option<Deadline>,
    pub weekly: Option<Deadline>,
    pub monthly: Option<Deadline>,
}

impl Default for Reminders {
    fn default() -> Self {
        Reminders { enabled: true, daily: None, weekly: None, monthly: None }
    }
}

/// Two hours before `d` (the day before when `d` is before 02:00).
fn two_hours_before(d: Deadline) -> Deadline {
    let minutes = i64::from(d.day_offset) * 1440 + i64::from(d.time.num_seconds_from_midnight() / 60) - 120;
    let day = minutes.div_euclid(1440);
    let rest = minutes.rem_euclid(1440) as u32;
    Deadline {
        day_offset: i8::try_from(day).unwrap_or(d.day_offset),
        time: chrono::NaiveTime::from_hms_opt(rest / 60, rest % 60, 0).unwrap_or(d.time),
    }
}

/// One reminder: a report of `kind` for `first..=last` is due at `due_at`; remind at `at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reminder {
    /// UTC milliseconds.
    pub at: i64,
    pub kind: ReportKind,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// UTC milliseconds.
    pub due_at: i64,
    /// Its deadline has passed and it is still not submitted.
    #[serde(default)]
    pub overdue: bool,
}

impl Reminder {
    /// The reminder in words, the period named as people name it on the day it is shown
    /// (`本周周报（11-30 ~ 12-06）将于 12-04 20:00 截止，请及时提交`; overdue: `…已于 … 截止，尚未提交`).
    pub fn text(&self, lang: Lang, cal: &Calendar) -> String {
        let due = cal.local_datetime(self.due_at).format("%m-%d %H:%M");
        let period = period_name(self.kind.as_str(), self.last, Some(cal.local_date(self.at)), lang);
        match (lang, self.overdue) {
            (Lang::ZhCn, false) => format!("{period}将于 {due} 截止，请及时提交"),
            (Lang::ZhCn, true) => format!("{period}已于 {due} 截止，尚未提交"),
            (Lang::En, false) => format!("Your {period} is due at {due}: please submit it"),
            (Lang::En, true) => format!("Your {period} was due at {due} and is not submitted"),
        }
    }
}

impl Reminders {
    /// The reminder set for `kind` in the file, if any.
    fn set(&self, kind: ReportKind) -> Option<Deadline> {
        match kind {
            ReportKind::Daily => self.daily,
            ReportKind::Weekly => self.weekly,
            ReportKind::Monthly => self.monthly,
            ReportKind::Free => None,
        }
    }

    /// When `kind` is reminded of: as set, else two hours before its deadline; none when
    /// reminders are off or the kind has no deadline.
    pub fn of(&self, kind: ReportKind, deadlines: &Deadlines) -> Option<Deadline> {
        let due = deadline_of(deadlines, kind)?;
        if !self.enabled {
            return None;
        }
        Some(self.set(kind).unwrap_or_else(|| two_hours_before(due)))
    }

    /// Each reminder set comes before its report's deadline, and only for a kind that has one.
    pub fn validate(&self, deadlines: &Deadlines) -> Result<(), String> {
        for (name, kind, due) in [
            ("daily", ReportKind::Daily, deadlines.daily),
            ("weekly", ReportKind::Weekly, deadlines.weekly),
            ("monthly", ReportKind::Monthly, deadlines.monthly),
        ] {
            let Some(r) = self.set(kind) else { continue };
            let Some(due) = due else {
                return Err(format!("reminders.{name}: {name} reports have no deadline (team.deadlines.{name})"));
            };
            if (r.day_offset, r.time) >= (due.day_offset, due.time) {
                return Err(format!("reminders.{name}: `{r}` is not before the deadline `{due}`"));
            }
        }
        Ok(())
    }

    /// The reminders whose time falls in `from..until` (UTC milliseconds), earliest first.
    pub fn due_between(&self, deadlines: &Deadlines, cal: &Calendar, from: i64, until: i64) -> Vec<Reminder> {
        self.between(deadlines, cal, from, until, false)
    }

    /// The reminders of the reports whose deadline falls in `from..until`, earliest reminder
    /// first: what is due soon (its reminder time may have passed) and, from a `from` in the
    /// past, what is overdue.
    pub fn deadlines_between(&self, deadlines: &Deadlines, cal: &Calendar, from: i64, until: i64) -> Vec<Reminder> {
        self.between(deadlines, cal, from, until, true)
    }

    fn between(&self, deadlines: &Deadlines, cal: &Calendar, from: i64, until: i64, by_due: bool) -> Vec<Reminder> {
        let mut out = Vec::new();
        let daily_on: Vec<chrono::Weekday> = deadlines.daily_on.iter().filter_map(|d| parse_weekday(d).ok()).collect();
        // Periods ending from a day before `from` (a deadline a day after its period) to a
        // month after `until` (a reminder a few days before its period ends).
        let first_day = cal.local_date(from).checked_sub_days(Days::new(31)).unwrap_or(cal.local_date(from));
        let last_day = cal.local_date(until).checked_add_days(Days::new(31)).unwrap_or(cal.local_date(until));
        for kind in [ReportKind::Daily, ReportKind::Weekly, ReportKind::Monthly] {
            let (Some(remind), Some(due)) = (self.of(kind, deadlines), deadline_of(deadlines, kind)) else { continue };
            let mut day = first_day;
            while day <= last_day {
                let period = match kind {
                    ReportKind::Daily if daily_on.contains(&day.weekday()) => Some((day, day)),
                    ReportKind::Weekly => {
                        let start = cal.week_start_of(day);
                        let end = start + Days::new(6);
                        (day == end).then_some((start, end))
                    }
                    ReportKind::Monthly => {
                        let r = cal.resolve(Period::ThisMonth, cal.day_start_ms(day));
                        (day == r.last).then_some((r.first, r.last))
                    }
                    _ => None,
                };
                if let Some((first, last)) = period {
                    let at = remind.due_ms(cal, last);
                    let due_at = due.due_ms(cal, last);
                    let key = if by_due { due_at } else { at };
                    if (from..until).contains(&key) {
                        out.push(Reminder { at, kind, first, last, due_at, overdue: false });
                    }
                }
                day = match day.succ_opt() {
                    Some(d) => d,
                    None => break,
                };
            }
        }
        out.sort_by_key(|r| (r.at, r.kind.as_str()));
        out
    }
}

fn deadline_of(d: &Deadlines, kind: ReportKind) -> Option<Deadline> {
    match kind {
        ReportKind::Daily => d.daily,
        ReportKind::Weekly => d.weekly,
        ReportKind::Monthly => d.monthly,
        ReportKind::Free => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    #[test]
    fn a_week_of_reminders_across_a_week_boundary() {
        let cal = Calendar::parse("Asia/Shanghai", "monday").unwrap();
        let r = Reminders::default();
        // From Thursday 2026-11-26 00:00 to the next Wednesday.
        let got = r.due_between(
            &Deadlines::default(),
            &cal,
            ms("2026-11-26T00:00:00+08:00"),
            ms("2026-12-03T00:00:00+08:00"),
        );
        let daily: Vec<String> =
            got.iter().filter(|x| x.kind == ReportKind::Daily).map(|x| x.first.to_string()).collect();
        assert_eq!(daily, ["2026-11-26", "2026-11-27", "2026-11-30", "2026-12-01", "2026-12-02"], "weekdays only");
        let weekly: Vec<&Reminder> = got.iter().filter(|x| x.kind == ReportKind::Weekly).collect();
        assert_eq!(weekly.len(), 1);
        assert_eq!(weekly[0].at, ms("2026-11-27T18:00:00+08:00"), "Friday 18:00 for the week ending Sunday");
        assert_eq!(weekly[0].due_at, ms("2026-11-27T20:00:00+08:00"));
        let monthly: Vec<&Reminder> = got.iter().filter(|x| x.kind == ReportKind::Monthly).collect();
        assert_eq!(monthly[0].at, ms("2026-12-01T10:00:00+08:00"), "November's, the day after it ends");
        // Set in the file: as set; a deadline at 01:00 is reminded of the evening before.
        let set = Reminders { weekly: "-2 16:00".parse().ok(), ..Reminders::default() };
        assert_eq!(set.of(ReportKind::Weekly, &Deadlines::default()).unwrap().to_string(), "-2 16:00");
        let early = Deadlines { daily: "01:00".parse().ok(), ..Deadlines::default() };
        assert_eq!(Reminders::default().of(ReportKind::Daily, &early).unwrap().to_string(), "-1 23:00");
        let off = Reminders { enabled: false, ..Reminders::default() };
        assert!(off.due_between(&Deadlines::default(), &cal, 0, i64::MAX / 2).is_empty());
        assert_eq!(monthly[0].first.to_string(), "2026-11-01");
        assert!(got.windows(2).all(|w| w[0].at <= w[1].at));
        assert_eq!(got[0].text(Lang::ZhCn, &cal), "11-26 日报将于 11-26 20:00 截止，请及时提交");
        assert_eq!(weekly[0].text(Lang::ZhCn, &cal), "本周周报（11-23 ~ 11-29）将于 11-27 20:00 截止，请及时提交");
        let overdue = Reminder { overdue: true, ..got[0].clone() };
        assert_eq!(overdue.text(Lang::ZhCn, &cal), "11-26 日报已于 11-26 20:00 截止，尚未提交");
        // By deadline: what falls due in the window, whatever its reminder time.
        let by_due = r.deadlines_between(
            &Deadlines::default(),
            &cal,
            ms("2026-11-26T19:30:00+08:00"),
            ms("2026-11-26T23:00:00+08:00"),
        );
        assert_eq!(by_due.iter().map(|x| x.first.to_string()).collect::<Vec<_>>(), ["2026-11-26"]);
    }

    #[test]
    fn a_reminder_after_its_deadline_is_refused() {
        let late = Reminders { daily: "21:00".parse().ok(), ..Reminders::default() };
        // Left out, a reminder follows its deadline wherever it is.
        let early = Deadlines { daily: "00:00".parse().ok(), ..Deadlines::default() };
        assert!(Reminders::default().validate(&early).is_ok());
        let err = late.validate(&Deadlines::default()).unwrap_err();
        assert!(err.contains("reminders.daily") && err.contains("before the deadline"), "{err}");
        let none = Deadlines { monthly: None, ..Deadlines::default() };
        let monthly = Reminders { monthly: "+1 09:00".parse().ok(), ..Reminders::default() };
        assert!(monthly.validate(&none).unwrap_err().contains("monthly reports have no deadline"));
        assert!(Reminders::default().validate(&Deadlines::default()).is_ok());
    }

    #[test]
    fn reminders_keep_their_local_time_across_a_daylight_saving_change() {
        let cal = Calendar::parse("Europe/Berlin", "monday").unwrap();
        let r = Reminders::default();
        let daily = Deadlines { weekly: None, monthly: None, ..Deadlines::default() };
        let got = r.due_between(&daily, &cal, ms("2026-10-23T00:00:00+02:00"), ms("2026-10-28T00:00:00+01:00"));
        let at: Vec<i64> = got.iter().map(|x| x.at).collect();
        assert_eq!(
            at,
            [ms("2026-10-23T18:00:00+02:00"), ms("2026-10-26T18:00:00+01:00"), ms("2026-10-27T18:00:00+01:00")]
        );
    }
}
