//! A KPI's value for one user and period, and how people read it.

use serde::Serialize;

use super::Unit;
use crate::money::display_minor;

/// A KPI's value for one user and period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiValue {
    pub metric: String,
    /// Count, minor units of money, or a fraction in 0..=1 for ratios.
    pub value: f64,
    pub unit: Unit,
}

impl KpiValue {
    /// The value as people read it: `12`, `12000.00`, `35.0%`.
    pub fn display(&self) -> String {
        format_value(&self.unit, self.value)
    }
}

/// Formats a value of `unit` for people: counts as counts, money in its currency with its
/// symbol and thousands separators (`¥12,300.00`), ratios as percentages.
pub fn format_value(unit: &Unit, value: f64) -> String {
    match unit {
        Unit::Count => format!("{}", value.round() as i64),
        Unit::Money { currency } => display_minor(value.round() as i64, currency),
        Unit::Ratio => format!("{:.1}%", value * 100.0),
    }
}

/// A target (or an expected share of one) as people read it: as [`format_value`], but a count
/// keeps one decimal when it has one (a pro-rated 1.43 reads 1.4, never 1).
pub fn format_target(unit: &Unit, value: f64) -> String {
    match unit {
        Unit::Count => {
            let tenths = (value * 10.0).round() / 10.0;
            if tenths.fract() == 0.0 {
                format!("{}", tenths as i64)
            } else {
                format!("{tenths:.1}")
            }
        }
        _ => format_value(unit, value),
    }
}

/// The number [`format_target`] prints, to compare with: what people read is what is judged.
pub fn as_printed(unit: &Unit, value: f64) -> f64 {
    match unit {
        Unit::Count => (value * 10.0).round() / 10.0,
        Unit::Money { .. } => value.round(),
        Unit::Ratio => (value * 1000.0).round() / 1000.0,
    }
}
