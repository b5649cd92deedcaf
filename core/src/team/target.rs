//! Targets per user or team, per week / month / quarter, and their pro-rating to any range.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::period::{month_of, quarter_of, DateRange};

/// The period a target's value is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetPeriod {
    Week,
    Month,
    Quarter,
}

/// A target: `value` of `metric` per week, month or quarter, for one user or (without a user)
/// for the team as a whole, in force from `from` until `until` (both included; open-ended
/// without `until`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub metric: String,
    #[serde(default)]
    pub user: Option<String>,
    pub per: TargetPeriod,
    /// Counts as counts, money in minor units, ratios in 0..=1.
    pub value: f64,
    pub from: NaiveDate,
    #[serde(default)]
    pub until: Option<NaiveDate>,
}

impl Target {
    pub(crate) fn validate(&self) -> Result<(), String> {
        if !self.value.is_finite() || self.value < 0.0 {
            return Err(format!("value: {} is not a non-negative number", self.value));
        }
        if let Some(u) = self.until {
            if u < self.from {
                return Err(format!("until: {u} is before from {}", self.from));
            }
        }
        Ok(())
    }

    fn covers(&self, d: NaiveDate) -> bool {
        self.from <= d && self.until.is_none_or(|u| d <= u)
    }

    /// Whether two targets of the same metric and user share a day.
    pub(crate) fn overlaps(&self, o: &Target) -> bool {
        self.metric == o.metric
            && self.user == o.user
            && self.until.is_none_or(|u| o.from <= u)
            && o.until.is_none_or(|u| self.from <= u)
    }

    pub(crate) fn window(&self) -> String {
        match self.until {
            Some(u) => format!("{}..{u}", self.from),
            None => format!("{}..", self.from),
        }
    }

    /// The target's share of day `d`: its value spread evenly over the days of its period.
    fn daily(&self, d: NaiveDate) -> f64 {
        let days = match self.per {
            TargetPeriod::Week => 7,
            TargetPeriod::Month => {
                let (f, l) = month_of(d);
                (l - f).num_days() + 1
            }
            TargetPeriod::Quarter => {
                let (f, l) = quarter_of(d);
                (l - f).num_days() + 1
            }
        };
        self.value / days as f64
    }
}

/// The target of `metric` for `user` (`None`: the team) over `range`, pro-rated to the days up
/// to and including `today`; `None` when no target is in force on any of those days.
pub fn target_for(
    targets: &[Target],
    metric: &str,
    user: Option<&str>,
    range: &DateRange,
    today: NaiveDate,
) -> Option<f64> {
    let mine: Vec<&Target> = targets.iter().filter(|t| t.metric == metric && t.user.as_deref() == user).collect();
    if mine.is_empty() {
        return None;
    }
    let mut total = None;
    let mut d = range.first;
    while d <= range.last && d <= today {
        if let Some(t) = mine.iter().find(|t| t.covers(d)) {
            *total.get_or_insert(0.0) += t.daily(d);
        }
        d = match d.checked_add_days(Days::new(1)) {
            Some(n) => n,
            None => break,
        };
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_monthly_target_is_pro_rated_to_the_elapsed_days() {
        let cal = crate::period::Calendar::parse("Asia/Shanghai", "monday").unwrap();
        let t = Target {
            metric: "visits".into(),
            user: Some("u".into()),
            per: TargetPeriod::Month,
            value: 30.0,
            from: d("2026-01-01"),
            until: None,
        };
        let nov = cal.days(d("2026-11-01"), d("2026-11-30"));
        assert_eq!(target_for(std::slice::from_ref(&t), "visits", Some("u"), &nov, d("2026-11-10")), Some(10.0));
        assert_eq!(target_for(std::slice::from_ref(&t), "visits", Some("u"), &nov, d("2026-12-05")), Some(30.0));
        let week = cal.days(d("2026-11-23"), d("2026-11-29"));
        assert_eq!(target_for(std::slice::from_ref(&t), "visits", Some("u"), &week, d("2026-12-01")), Some(7.0));
        assert_eq!(
            target_for(std::slice::from_ref(&t), "visits", None, &week, d("2026-12-01")),
            None,
            "the team has no target"
        );
        assert_eq!(target_for(&[t], "calls", Some("u"), &week, d("2026-12-01")), None);
    }

    #[test]
    fn windows_overlap_when_they_share_a_day() {
        let a = Target {
            metric: "visits".into(),
            user: None,
            per: TargetPeriod::Week,
            value: 1.0,
            from: d("2026-01-01"),
            until: Some(d("2026-06-30")),
        };
        let b = Target { from: d("2026-06-30"), until: None, ..a.clone() };
        let c = Target { from: d("2026-07-01"), ..b.clone() };
        assert!(a.overlaps(&b));
        assert!(!a.overlaps(&c));
        assert!(!a.overlaps(&Target { user: Some("u".into()), ..b }));
    }
}
