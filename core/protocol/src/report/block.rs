//! Inserted blocks: snapshots of followups or KPI figures with their period and as-of time.

use serde::{Deserialize, Serialize};

use crate::kpi::{Status, Unit};

words! {
    /// What a block shows.
    #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
    pub enum BlockKind {
        Followups = "followups",
        Kpis = "kpis",
        /// Planned visits (the next day's or period's).
        Plan = "plan",
    }
}

words! {
    /// Where KPI figures came from.
    #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
    pub enum FigureSource {
        /// The server's snapshot: the whole team's merged data, with targets and status.
        Server = "server",
        /// Computed on the device from its own store.
        Local = "local",
    }
}

/// One followup inside a customer group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowupItem {
    pub id: String,
    /// UTC milliseconds.
    pub occurred_at: i64,
    pub kind: String,
    pub note: String,
    pub next_step: String,
    /// Whether it was checked in on the spot.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub checked_in: bool,
    /// How far the check-in was from the customer's location, in metres (when both are known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkin_distance_m: Option<f64>,
    /// Photos and files of the followup (门头照…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<crate::doc::Attachment>,
}

/// One customer's followups, in time order (rendered like a table whose customer cell spans them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowupGroup {
    pub customer_id: String,
    pub customer_name: String,
    pub items: Vec<FollowupItem>,
}

/// One KPI figure in a block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiRow {
    pub metric: String,
    pub name_zh: String,
    pub name_en: String,
    pub value: f64,
    pub unit: Unit,
    pub target: Option<f64>,
    pub achievement: Option<f64>,
    pub status: Option<Status>,
}

/// One planned visit in a plan block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanItem {
    pub id: String,
    pub customer_id: String,
    pub customer_name: String,
    pub on: chrono::NaiveDate,
    /// `HH:MM`, when planned to the hour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    pub purpose: String,
    pub status: crate::doc::PlanStatus,
}

/// The snapshot a block holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum BlockData {
    Followups { groups: Vec<FollowupGroup> },
    Kpis { rows: Vec<KpiRow>, source: FigureSource },
    Plan { items: Vec<PlanItem> },
}

/// A block inserted into a report section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Block {
    pub id: String,
    pub kind: BlockKind,
    /// Key of the section it sits in.
    pub section: String,
    /// The period the snapshot covers, as local dates.
    pub first: chrono::NaiveDate,
    pub last: chrono::NaiveDate,
    /// UTC milliseconds when the snapshot was taken.
    pub taken_at: i64,
    pub data: BlockData,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kpi_blocks_source_reads_as_stored() {
        for (word, source) in [("server", FigureSource::Server), ("local", FigureSource::Local)] {
            let stored = format!(r#"{{"type":"kpis","rows":[],"source":"{word}"}}"#);
            let data: BlockData = serde_json::from_str(&stored).unwrap();
            assert_eq!(data, BlockData::Kpis { rows: Vec::new(), source });
            assert_eq!(serde_json::to_string(&data).unwrap(), stored, "written as before");
        }
        assert!(serde_json::from_str::<BlockData>(r#"{"type":"kpis","rows":[],"source":"moon"}"#).is_err());
    }
}
