//! Achievement against a target and its red / yellow / green status.

use serde::{Deserialize, Serialize};

/// Traffic-light status of a KPI against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum KpiStatus {
    Green,
    Yellow,
    Red,
}

/// Achievement levels: green at or above `green`, yellow at or above `yellow`, red below.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub green: f64,
    pub yellow: f64,
}

/// The status's short name in the core's own code.
pub type Status = KpiStatus;

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { green: 1.0, yellow: 0.8 }
    }
}

/// `value / target`, or `None` without a positive target.
pub fn achievement(value: f64, target: f64) -> Option<f64> {
    (target > 0.0 && target.is_finite() && value.is_finite()).then(|| value / target)
}

/// The status of an achievement.
pub fn status(achievement: f64, t: Thresholds) -> Status {
    if achievement >= t.green {
        Status::Green
    } else if achievement >= t.yellow {
        Status::Yellow
    } else {
        Status::Red
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_the_thresholds() {
        let t = Thresholds::default();
        assert_eq!(status(1.0, t), Status::Green);
        assert_eq!(status(0.8, t), Status::Yellow);
        assert_eq!(status(0.79, t), Status::Red);
        assert_eq!(achievement(5.0, 0.0), None);
        assert_eq!(achievement(5.0, 10.0), Some(0.5));
    }
}
