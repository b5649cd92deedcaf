//! Targets per user or team, per week / month / quarter, and their pro-rating to any range.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::kpi::Unit;
use crate::money::Money;
use crate::period::{month_of, quarter_of, DateRange};

/// The period a target's value is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetPeriod {
    Week,
    Month,
    Quarter,
}

/// A target for `metric` per week, month or quarter, for one user or (without a user) for the
/// team as a whole, in force from `from` until `until` (both included; open-ended without
/// `until`). Money targets are written in yuan (major units) as `amount`; counts and ratios as
/// `value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub metric: String,
    #[serde(default)]
    pub user: Option<String>,
    /// A department's target (its name or id; 按部门设置目标), for its own figures: not with
    /// `user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dept: Option<String>,
    pub per: TargetPeriod,
    /// Counts as counts, ratios in 0..=1 (not for money: see `amount`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// A money target in the metric's currency, major units: `"500000"`, `"500,000.00"` or the
    /// number 500000.00 (read as written, never as 分).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "amount_text")]
    pub amount: Option<String>,
    pub from: NaiveDate,
    #[serde(default)]
    pub until: Option<NaiveDate>,
}

/// An amount written as a string or as a number (`500000`, `500000.5`), kept as its text.
fn amount_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Int(u64),
        Float(f64),
    }
    Ok(match Option::<Either>::deserialize(d)? {
        None => None,
        Some(Either::Text(s)) => Some(s),
        Some(Either::Int(n)) => Some(n.to_string()),
        // A float reads back as its shortest decimal form (500000.5, not 500000.49999…).
        Some(Either::Float(f)) => Some(f.to_string()),
    })
}

impl Target {
    /// The target in the metric's own unit: counts, ratios, or money in minor units.
    pub fn number(&self, unit: &Unit) -> Result<f64, String> {
        match (unit, &self.amount, self.value) {
            (Unit::Money { currency }, Some(a), None) => Money::parse(a, currency)
                .map(|m| m.minor as f64)
                .map_err(|e| format!("amount: {e} (write yuan, e.g. amount = \"500000.00\")")),
            (Unit::Money { currency }, None, Some(v)) => Err(format!(
                "a money target is written in yuan as amount (e.g. amount = \"{}\"); value = {v} would be 分, as \
                 earlier versions read it",
                crate::money::format_minor(v as i64, currency)
            )),
            (Unit::Money { .. }, _, _) => {
                Err("a money target needs amount, in yuan (e.g. amount = \"500000.00\")".into())
            }
            (_, Some(_), _) => Err("amount is for money targets; counts and ratios are written as value".into()),
            (_, None, Some(v)) if v.is_finite() && v >= 0.0 => Ok(v),
            (_, None, Some(v)) => Err(format!("value: {v} is not a non-negative number")),
            (_, None, None) => Err("needs value (a count, or a ratio between 0 and 1)".into()),
        }
    }

    /// A target an earlier version stored, its money `value` in minor units, rewritten with its
    /// `amount` in yuan. Only for stored configurations: a file's `value` is never guessed at.
    pub(crate) fn upgrade_stored(&mut self, unit: &Unit) {
        if let (Unit::Money { currency }, None, Some(v)) = (unit, &self.amount, self.value) {
            if v.is_finite() && v >= 0.0 {
                self.amount = Some(crate::money::format_minor(v.round() as i64, currency));
                self.value = None;
            }
        }
    }

    pub(crate) fn validate(&self, unit: &Unit) -> Result<(), String> {
        self.number(unit)?;
        if self.user.is_some() && self.dept.is_some() {
            return Err("a target is a member's (user) or a department's (dept), not both".into());
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
            && self.dept == o.dept
            && self.until.is_none_or(|u| o.from <= u)
            && o.until.is_none_or(|u| self.from <= u)
    }

    pub(crate) fn window(&self) -> String {
        match self.until {
            Some(u) => format!("{}..{u}", self.from),
            None => format!("{}..", self.from),
        }
    }

    /// The target's share of day `d`: `value` spread evenly over the days of its period.
    fn daily(value: f64, per: TargetPeriod, d: NaiveDate) -> f64 {
        let days = match per {
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
        value / days as f64
    }
}

/// The target of `metric` (in `unit`) for `user` (`None`: the team) over `range`, pro-rated to
/// the days up to and including `today`; `None` when no target is in force on any of those days.
pub fn target_for(
    targets: &[Target],
    metric: &str,
    unit: &Unit,
    user: Option<&str>,
    range: &DateRange,
    today: NaiveDate,
) -> Option<f64> {
    target_within(targets, metric, unit, user, range, today, &|_| true)
}

/// As [`target_for`], counting only the days `counts` accepts (a member is measured only on the
/// days they were a member: [`crate::team::Membership::measures`]). A period's pace is its target
/// through yesterday: `through` = the day before today.
pub fn target_within(
    targets: &[Target],
    metric: &str,
    unit: &Unit,
    user: Option<&str>,
    range: &DateRange,
    through: NaiveDate,
    counts: &dyn Fn(NaiveDate) -> bool,
) -> Option<f64> {
    let mine: Vec<&Target> =
        targets.iter().filter(|t| t.metric == metric && t.user.as_deref() == user && t.dept.is_none()).collect();
    spread(&mine, unit, range, through, counts)
}

/// The target of `metric` for department `dept` (whose id and name are given: a file names it
/// by either) over `range` through `through`, as [`target_within`] for every day.
pub fn dept_target_within(
    targets: &[Target],
    metric: &str,
    unit: &Unit,
    dept: (&str, &str),
    range: &DateRange,
    through: NaiveDate,
) -> Option<f64> {
    let mine: Vec<&Target> = targets
        .iter()
        .filter(|t| t.metric == metric && t.dept.as_deref().is_some_and(|d| d == dept.0 || d == dept.1))
        .collect();
    spread(&mine, unit, range, through, &|_| true)
}

/// `targets` (of one metric and holder) summed over the days of `range` through `through` that
/// `counts` accepts; a rate is the one in force on the last day counted.
fn spread(
    targets: &[&Target],
    unit: &Unit,
    range: &DateRange,
    through: NaiveDate,
    counts: &dyn Fn(NaiveDate) -> bool,
) -> Option<f64> {
    // A configuration in force was validated: every number reads.
    let mine: Vec<(&Target, f64)> = targets.iter().filter_map(|t| Some((*t, t.number(unit).ok()?))).collect();
    if mine.is_empty() {
        return None;
    }
    let ratio = matches!(unit, Unit::Ratio);
    let mut total = None;
    let mut d = range.first;
    while d <= range.last && d <= through {
        if counts(d) {
            if let Some((t, value)) = mine.iter().find(|(t, _)| t.covers(d)) {
                if ratio {
                    // A rate is not spread over days: the one in force on the last day counted.
                    total = Some(*value);
                } else {
                    *total.get_or_insert(0.0) += Target::daily(*value, t.per, d);
                }
            }
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
            dept: None,
            per: TargetPeriod::Month,
            value: Some(30.0),
            amount: None,
            from: d("2026-01-01"),
            until: None,
        };
        let nov = cal.days(d("2026-11-01"), d("2026-11-30"));
        assert_eq!(
            target_for(std::slice::from_ref(&t), "visits", &Unit::Count, Some("u"), &nov, d("2026-11-10")),
            Some(10.0)
        );
        assert_eq!(
            target_for(std::slice::from_ref(&t), "visits", &Unit::Count, Some("u"), &nov, d("2026-12-05")),
            Some(30.0)
        );
        let week = cal.days(d("2026-11-23"), d("2026-11-29"));
        assert_eq!(
            target_for(std::slice::from_ref(&t), "visits", &Unit::Count, Some("u"), &week, d("2026-12-01")),
            Some(7.0)
        );
        assert_eq!(
            target_for(std::slice::from_ref(&t), "visits", &Unit::Count, None, &week, d("2026-12-01")),
            None,
            "the team has no target"
        );
        assert_eq!(target_for(&[t], "calls", &Unit::Count, Some("u"), &week, d("2026-12-01")), None);
    }

    #[test]
    fn a_members_target_counts_only_their_days_and_a_rate_is_not_spread() {
        let cal = crate::period::Calendar::parse("Asia/Shanghai", "monday").unwrap();
        let t = |metric: &str, v: f64| Target {
            metric: metric.into(),
            user: Some("u".into()),
            dept: None,
            per: TargetPeriod::Month,
            value: Some(v),
            amount: None,
            from: d("2026-01-01"),
            until: None,
        };
        let nov = cal.days(d("2026-11-01"), d("2026-11-30"));
        let joined = |x: NaiveDate| x >= d("2026-11-21");
        let v = target_within(&[t("visits", 30.0)], "visits", &Unit::Count, Some("u"), &nov, d("2026-12-01"), &joined);
        assert_eq!(v, Some(10.0), "ten days of thirty");
        let none = |_: NaiveDate| false;
        assert_eq!(
            target_within(&[t("visits", 30.0)], "visits", &Unit::Count, Some("u"), &nov, d("2026-12-01"), &none),
            None
        );
        let rate = target_for(&[t("conv", 0.3)], "conv", &Unit::Ratio, Some("u"), &nov, d("2026-11-10"));
        assert_eq!(rate, Some(0.3));
    }

    #[test]
    fn windows_overlap_when_they_share_a_day() {
        let a = Target {
            metric: "visits".into(),
            user: None,
            dept: None,
            per: TargetPeriod::Week,
            value: Some(1.0),
            amount: None,
            from: d("2026-01-01"),
            until: Some(d("2026-06-30")),
        };
        let b = Target { from: d("2026-06-30"), until: None, ..a.clone() };
        let c = Target { from: d("2026-07-01"), ..b.clone() };
        assert!(a.overlaps(&b));
        assert!(!a.overlaps(&c));
        assert!(!a.overlaps(&Target { user: Some("u".into()), ..b }));
    }

    #[test]
    fn money_targets_are_written_in_yuan() {
        let cny = Unit::Money { currency: "CNY".into() };
        let parse = |toml_text: &str| -> Target { toml::from_str(toml_text).unwrap() };
        let base = "metric = \"contract_value\"\nper = \"month\"\nfrom = \"2026-01-01\"\n";
        for (written, minor) in [
            ("amount = \"500000\"", 50_000_000.0),
            ("amount = \"500,000.00\"", 50_000_000.0),
            ("amount = 500000", 50_000_000.0),
            ("amount = 350000.5", 35_000_050.0),
        ] {
            let t = parse(&format!("{base}{written}"));
            assert_eq!(t.number(&cny), Ok(minor), "{written}");
        }
        let legacy = parse(&format!("{base}value = 35000000"));
        let err = legacy.number(&cny).unwrap_err();
        assert!(err.contains("amount = \"350000.00\""), "{err}");
        let mut stored = legacy.clone();
        stored.upgrade_stored(&cny);
        assert_eq!(stored.amount.as_deref(), Some("350000.00"));
        assert_eq!(stored.number(&cny), Ok(35_000_000.0), "a stored value in 分 keeps its meaning");
        assert!(parse(&format!("{base}amount = \"12.345\"")).number(&cny).is_err());
        assert!(parse(&format!("{base}amount = \"5\"")).number(&Unit::Count).is_err());
    }
}
