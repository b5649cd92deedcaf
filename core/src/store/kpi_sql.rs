//! Evaluation of KPI definitions for one user and one period as SQL aggregates over the
//! projection tables (never by loading documents). Definitions that read the same table by the
//! same date share one scan: a member's figures are recomputed after every sync, and a month of
//! a busy rep's followups is thousands of index entries, read once for visits, calls and
//! followups together.

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};

use crate::error::Result;
use crate::kpi::{ratio, Aggregate, Entity, KpiDef, KpiValue};
use crate::period::DateRange;

/// The SQL expression of `column` for `entity` (deal stages read amounts from their deal).
fn column(entity: Entity, column: &str) -> String {
    match (entity, column) {
        (Entity::DealStages, "amount_minor" | "currency") => format!("d.{column}"),
        _ => format!("t.{column}"),
    }
}

/// Whether `def` reads a column of the deal behind a stage row.
fn reads_deal(def: &KpiDef) -> bool {
    let of_deal = |c: &str| matches!(column(def.entity, c).as_str(), "d.amount_minor" | "d.currency");
    def.filters.iter().any(|f| of_deal(&f.field))
        || match &def.aggregate {
            Aggregate::Sum { field } | Aggregate::CountDistinct { field } | Aggregate::Share { field } => {
                of_deal(field)
            }
            Aggregate::Count | Aggregate::Conversion { .. } => false,
        }
}

fn table(entity: Entity) -> &'static str {
    match entity {
        Entity::DealStages => "deal_stages",
        Entity::Customers => "customers",
        Entity::Deals => "deals",
        Entity::Followups => "followups",
        Entity::Contracts => "contracts",
        Entity::Payments => "payments",
        Entity::Plans => "plans",
    }
}

/// A statement under construction: its text's parts and its bound values.
struct Sql {
    args: Vec<Value>,
}

impl Sql {
    fn bind(&mut self, v: impl Into<Value>) -> String {
        self.args.push(v.into());
        format!("?{}", self.args.len())
    }

    /// `def`'s filters as one condition (`1` for none).
    fn filters(&mut self, def: &KpiDef) -> String {
        let mut parts = Vec::new();
        for f in &def.filters {
            let marks: Vec<String> = f.values.iter().map(|v| self.bind(v.clone())).collect();
            parts.push(format!("{} IN ({})", column(def.entity, &f.field), marks.join(", ")));
        }
        if parts.is_empty() {
            "1".into()
        } else {
            parts.join(" AND ")
        }
    }
}

/// Evaluates `defs` over the rows owned by `owner` in `range`, in the order given.
pub(super) fn evaluate_all(
    conn: &Connection,
    defs: &[KpiDef],
    owner: &str,
    range: &DateRange,
) -> Result<Vec<KpiValue>> {
    let mut values: Vec<Option<f64>> = vec![None; defs.len()];
    let mut done = vec![false; defs.len()];
    for i in 0..defs.len() {
        if done[i] {
            continue;
        }
        defs[i].validate()?;
        let (entity, date_field) = (defs[i].entity, defs[i].date_field.as_str());
        // Stage rows that need their deal's columns are read apart: the others stay on the index.
        let joined = entity == Entity::DealStages && reads_deal(&defs[i]);
        let group: Vec<usize> = (i..defs.len())
            .filter(|&j| !done[j] && defs[j].entity == entity && defs[j].date_field == date_field)
            .filter(|&j| entity != Entity::DealStages || reads_deal(&defs[j]) == joined)
            .collect();
        for &j in &group {
            defs[j].validate()?;
            done[j] = true;
        }
        let from = match (entity, joined) {
            (Entity::DealStages, true) => "deal_stages t JOIN deals d ON d.id = t.deal_id".to_string(),
            _ => format!("{} t", table(entity)),
        };
        let mut sql = Sql { args: vec![owner.to_string().into()] };
        let date = column(entity, date_field);
        let range_cond = if Entity::is_date_column(date_field) {
            let (lo, hi) = (sql.bind(range.first.to_string()), sql.bind(range.last.to_string()));
            format!("{date} >= {lo} AND {date} <= {hi}")
        } else {
            let (lo, hi) = (sql.bind(range.start_ms), sql.bind(range.end_ms));
            format!("{date} >= {lo} AND {date} < {hi}")
        };
        // Two result columns per definition: its number, and a conversion's denominator.
        let mut exprs = Vec::new();
        for &j in &group {
            let d = &defs[j];
            let cond = sql.filters(d);
            let (num, den) = match &d.aggregate {
                Aggregate::Count => (format!("COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0)"), "0".into()),
                // TOTAL: a float sum that cannot overflow, where SUM of integers fails.
                Aggregate::Sum { field } => {
                    (format!("TOTAL(CASE WHEN {cond} THEN {} END)", column(entity, field)), "0".into())
                }
                Aggregate::CountDistinct { field } => {
                    (format!("COUNT(DISTINCT CASE WHEN {cond} THEN {} END)", column(entity, field)), "0".into())
                }
                Aggregate::Conversion { from } => {
                    let stage = sql.bind(from.as_str().to_string());
                    let entered = format!("t.stage = {stage} AND {cond}");
                    (
                        format!("COALESCE(SUM(CASE WHEN {entered} THEN t.moved_on ELSE 0 END), 0)"),
                        format!("COALESCE(SUM(CASE WHEN {entered} THEN 1 ELSE 0 END), 0)"),
                    )
                }
                Aggregate::Share { field } => (
                    format!("COALESCE(SUM(CASE WHEN {cond} THEN {} <> 0 ELSE 0 END), 0)", column(entity, field)),
                    format!("COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0)"),
                ),
            };
            exprs.push(num);
            exprs.push(den);
        }
        let text =
            format!("SELECT {} FROM {from} WHERE t.deleted = 0 AND t.owner = ?1 AND {range_cond}", exprs.join(", "));
        let row: Vec<f64> = conn.prepare_cached(&text)?.query_row(params_from_iter(sql.args.iter()), |r| {
            (0..exprs.len()).map(|k| r.get::<_, f64>(k)).collect::<rusqlite::Result<Vec<f64>>>()
        })?;
        for (k, &j) in group.iter().enumerate() {
            let (num, den) = (row[2 * k], row[2 * k + 1]);
            values[j] = Some(if defs[j].aggregate.is_ratio() { ratio(num, den) } else { num });
        }
    }
    Ok(defs
        .iter()
        .zip(values)
        .map(|(d, v)| KpiValue { metric: d.id.clone(), value: v.unwrap_or(0.0), unit: d.unit.clone() })
        .collect())
}
