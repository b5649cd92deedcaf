//! Evaluation of a KPI definition for one user and one period, as one SQL aggregate over the
//! projection tables (never by loading documents).

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};

use crate::doc::Stage;
use crate::error::Result;
use crate::kpi::{Aggregate, Entity, KpiDef, KpiValue};
use crate::period::DateRange;

/// The SQL expression of `column` for `entity` (deal stages read amounts from their deal).
fn column(entity: Entity, column: &str) -> String {
    match (entity, column) {
        (Entity::DealStages, "amount_minor" | "currency") => format!("d.{column}"),
        _ => format!("t.{column}"),
    }
}

fn from_clause(entity: Entity) -> &'static str {
    match entity {
        Entity::DealStages => "deal_stages t JOIN deals d ON d.id = t.deal_id",
        Entity::Customers => "customers t",
        Entity::Deals => "deals t",
        Entity::Followups => "followups t",
        Entity::Contracts => "contracts t",
        Entity::Payments => "payments t",
    }
}

fn deleted_column(entity: Entity) -> &'static str {
    match entity {
        Entity::DealStages => "d.deleted",
        _ => "t.deleted",
    }
}

/// Stages that count as "moved on" from `from`: every later open stage and won.
fn later_stages(from: Stage) -> Vec<&'static str> {
    Stage::ALL.into_iter().filter(|s| *s > from && *s != Stage::Lost).map(Stage::as_str).collect()
}

/// Evaluates `def` over the rows owned by `owner` in `range`.
pub(super) fn evaluate(conn: &Connection, def: &KpiDef, owner: &str, range: &DateRange) -> Result<KpiValue> {
    def.validate()?;
    let e = def.entity;
    let mut args: Vec<Value> = vec![owner.to_string().into()];
    let mut wh = format!("{} = 0 AND t.owner = ?1", deleted_column(e));
    let date = column(e, &def.date_field);
    if Entity::is_date_column(&def.date_field) {
        args.push(range.first.to_string().into());
        args.push(range.last.to_string().into());
    } else {
        args.push(range.start_ms.into());
        args.push(range.end_ms.into());
    }
    let (lo, hi) = (args.len() - 1, args.len());
    if Entity::is_date_column(&def.date_field) {
        wh.push_str(&format!(" AND {date} >= ?{lo} AND {date} <= ?{hi}"));
    } else {
        wh.push_str(&format!(" AND {date} >= ?{lo} AND {date} < ?{hi}"));
    }
    for f in &def.filters {
        let mut marks = Vec::new();
        for v in &f.values {
            args.push(v.clone().into());
            marks.push(format!("?{}", args.len()));
        }
        wh.push_str(&format!(" AND {} IN ({})", column(e, &f.field), marks.join(", ")));
    }
    let from = from_clause(e);
    let value = match &def.aggregate {
        Aggregate::Count => query_f64(conn, &format!("SELECT COUNT(*) FROM {from} WHERE {wh}"), &args)?,
        Aggregate::Sum { field } => {
            // TOTAL: a float sum that cannot overflow, where SUM of integers fails with "integer overflow".
            query_f64(conn, &format!("SELECT TOTAL({}) FROM {from} WHERE {wh}", column(e, field)), &args)?
        }
        Aggregate::CountDistinct { field } => {
            query_f64(conn, &format!("SELECT COUNT(DISTINCT {}) FROM {from} WHERE {wh}", column(e, field)), &args)?
        }
        Aggregate::Conversion { from: stage } => {
            args.push(stage.as_str().to_string().into());
            let stage_arg = args.len();
            let later: Vec<String> = later_stages(*stage).into_iter().map(|s| format!("'{s}'")).collect();
            let sql = format!(
                "SELECT COUNT(*), COALESCE(SUM(EXISTS (SELECT 1 FROM deal_stages l WHERE l.deal_id = t.deal_id
                     AND l.seq > t.seq AND l.stage IN ({}))), 0)
                 FROM {from} WHERE {wh} AND t.stage = ?{stage_arg}",
                later.join(", ")
            );
            let (entered, moved): (i64, i64) =
                conn.prepare_cached(&sql)?.query_row(params_from_iter(args.iter()), |r| Ok((r.get(0)?, r.get(1)?)))?;
            if entered == 0 {
                0.0
            } else {
                moved as f64 / entered as f64
            }
        }
    };
    Ok(KpiValue { metric: def.id.clone(), value, unit: def.unit.clone() })
}

fn query_f64(conn: &Connection, sql: &str, args: &[Value]) -> Result<f64> {
    let v: f64 = conn.prepare_cached(sql)?.query_row(params_from_iter(args.iter()), |r| r.get::<_, f64>(0))?;
    Ok(v)
}
