//! A KPI definition is data: which entity, which aggregate, which date field, which filters.
//!
//! Field names are checked against a fixed list per entity (they become SQL column names), so a
//! definition from a configuration file can never inject SQL.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What a KPI counts or sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Customers,
    Deals,
    /// Every stage a deal entered, with when (for won deals and conversions).
    DealStages,
    Followups,
    Contracts,
    Payments,
    /// Planned visits (拜访计划).
    Plans,
}

impl Entity {
    pub(crate) fn table(self) -> &'static str {
        match self {
            Entity::Customers => "customers",
            Entity::Deals => "deals",
            Entity::DealStages => "deal_stages",
            Entity::Followups => "followups",
            Entity::Contracts => "contracts",
            Entity::Payments => "payments",
            Entity::Plans => "plans",
        }
    }

    /// Columns a definition may name for this entity.
    pub(crate) fn columns(self) -> &'static [&'static str] {
        match self {
            Entity::Customers => &["id", "level", "created_at"],
            Entity::Deals => &["id", "customer_id", "stage", "amount_minor", "currency", "created_at", "stage_at"],
            Entity::DealStages => &["deal_id", "stage", "at", "amount_minor", "currency"],
            // `planned`: 1 when the followup carried out a plan, else 0.
            Entity::Followups => &["id", "customer_id", "deal_id", "kind", "planned", "occurred_at", "created_at"],
            Entity::Contracts => {
                &["id", "customer_id", "deal_id", "amount_minor", "currency", "signed_on", "created_at"]
            }
            Entity::Payments => {
                &["id", "customer_id", "contract_id", "amount_minor", "currency", "received_on", "created_at"]
            }
            // `done`: 1 when a visit carried the plan out, else 0.
            Entity::Plans => &["id", "customer_id", "status", "done", "planned_on", "created_at"],
        }
    }

    /// Whether `column` holds a local date (`YYYY-MM-DD`) rather than UTC milliseconds.
    pub fn is_date_column(column: &str) -> bool {
        matches!(column, "signed_on" | "received_on" | "planned_on")
    }
}

/// How the matching rows become one number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Aggregate {
    Count,
    Sum {
        field: String,
    },
    CountDistinct {
        field: String,
    },
    /// Of the deals that entered `from` during the period, the share that have since entered a
    /// later open-or-won stage.
    Conversion {
        from: crate::doc::Stage,
    },
    /// The share of the matching rows whose `field` is not 0 (of the period's plans, the share
    /// done).
    Share {
        field: String,
    },
}

impl Aggregate {
    /// Whether the value is a rate of a denominator (a conversion, a share): rates are pooled
    /// from their parts, never summed or pro-rated.
    pub fn is_ratio(&self) -> bool {
        matches!(self, Aggregate::Conversion { .. } | Aggregate::Share { .. })
    }
}

/// A filter `field = value` (or `field IN values`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    pub field: String,
    pub values: Vec<String>,
}

/// How a value is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Unit {
    Count,
    /// Minor units of the currency.
    Money {
        currency: String,
    },
    /// A fraction in 0..=1, shown as a percentage.
    Ratio,
}

/// One KPI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiDef {
    /// Stable id used in configuration and on the command line, e.g. `visits`.
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub entity: Entity,
    pub aggregate: Aggregate,
    /// The column whose value places a row in a period.
    pub date_field: String,
    #[serde(default)]
    pub filters: Vec<Filter>,
    pub unit: Unit,
}

impl KpiDef {
    /// The name in `lang`.
    pub fn name(&self, lang: crate::report::Lang) -> &str {
        match lang {
            crate::report::Lang::ZhCn => &self.name_zh,
            crate::report::Lang::En => &self.name_en,
        }
    }

    /// Checks every named field against the entity's columns.
    pub fn validate(&self) -> Result<()> {
        let cols = self.entity.columns();
        let check = |f: &str, what: &str| {
            if cols.contains(&f) {
                Ok(())
            } else {
                Err(Error::bad_input(format!(
                    "KPI `{}`: {what} `{f}` is not a field of {} (known: {})",
                    self.id,
                    self.entity.table(),
                    cols.join(", ")
                )))
            }
        };
        if self.id.trim().is_empty() {
            return Err(Error::bad_input("a KPI definition has an empty id"));
        }
        check(&self.date_field, "date field")?;
        match &self.aggregate {
            Aggregate::Count => {}
            Aggregate::Sum { field } | Aggregate::CountDistinct { field } | Aggregate::Share { field } => {
                check(field, "aggregate field")?
            }
            Aggregate::Conversion { .. } => {
                if self.entity != Entity::DealStages {
                    return Err(Error::bad_input(format!("KPI `{}`: conversion needs entity deal_stages", self.id)));
                }
            }
        }
        for f in &self.filters {
            check(&f.field, "filter field")?;
            if f.values.is_empty() {
                return Err(Error::bad_input(format!("KPI `{}`: filter on `{}` has no values", self.id, f.field)));
            }
        }
        Ok(())
    }
}
