//! `kpi`: this device's figures for a period, computed from the local store.

use fieldreport_core::kpi::format_value;
use fieldreport_core::report::Lang;
use serde_json::json;

use super::Ctx;
use crate::error::CliResult;
use crate::time::format_instant;

pub fn run(ctx: &mut Ctx, period: &str, metrics: &[String], lang: &str) -> CliResult {
    let lang: Lang = lang.parse()?;
    let cal = ctx.calendar()?;
    let now = ctx.store.now_ms();
    let range = ctx.store.period_range(period)?;
    let me = ctx.store.identity()?.user_id;
    let defs = ctx.store.kpi_definitions_for(metrics)?;
    let rows = ctx.store.kpi_figures(&me, &range, &defs)?;
    let as_of = format_instant(now, &cal);
    let json: Vec<_> = rows
        .iter()
        .map(|r| {
            json!({
                "user_id": me,
                "metric": r.metric,
                "name": lang.pick(&r.name_zh, &r.name_en),
                "value": r.value,
                "display": format_value(&r.unit, r.value),
                "unit": r.unit,
                "target": r.target,
                "achievement": r.achievement,
                "status": r.status,
                "source": "local",
                "as_of": as_of,
                "period": {"first": range.first, "last": range.last},
            })
        })
        .collect();
    ctx.out.print(&json, || {
        let mut lines = vec![format!(
            "{} {} ~ {} ({}, {} {as_of})",
            lang.pick("指标", "KPIs"),
            range.first,
            range.last,
            lang.pick("本地计算", "computed locally"),
            lang.pick("截至", "as of")
        )];
        lines.extend(
            rows.iter()
                .map(|r| format!("  {:<16} {}", lang.pick(&r.name_zh, &r.name_en), format_value(&r.unit, r.value))),
        );
        lines
    })
}
