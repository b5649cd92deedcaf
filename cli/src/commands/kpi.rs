//! `kpi`: this device's figures for a period: the server's snapshot when it covers the local
//! data, else computed from the local store.

use fieldreport_core::kpi::format_value;
use fieldreport_core::report::Lang;
use fieldreport_core::store::FigureSource;
use serde_json::json;

use super::Ctx;
use crate::error::CliResult;
use crate::time::format_instant;

pub fn run(ctx: &mut Ctx, period: &str, metrics: &[String], lang: &str) -> CliResult {
    let lang: Lang = lang.parse()?;
    let cal = ctx.calendar()?;
    let me = ctx.store.identity()?.user_id;
    let defs = ctx.store.kpi_definitions_for(metrics)?;
    let view = ctx.store.kpi_view(period, &defs)?;
    let (range, rows) = (view.range, view.rows);
    let source = view.source.as_str();
    let as_of = format_instant(view.as_of, &cal);
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
                "source": source,
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
            match view.source {
                FigureSource::Server => lang.pick("服务器汇总", "from the server"),
                FigureSource::Local => lang.pick("本地计算", "computed locally"),
            },
            lang.pick("截至", "as of")
        )];
        lines.extend(
            rows.iter()
                .map(|r| format!("  {:<16} {}", lang.pick(&r.name_zh, &r.name_en), format_value(&r.unit, r.value))),
        );
        lines
    })
}

/// `alerts`: what the server's last snapshot says needs attention, and who read this user's
/// reports, as of that snapshot.
pub fn alerts(ctx: &mut Ctx) -> CliResult {
    let cal = ctx.calendar()?;
    let snap = ctx.store.server_snapshot()?;
    let json = match &snap {
        Some(s) => json!({
            "as_of": format_instant(s.computed_at, &cal),
            "alerts": s.alerts,
            "reads": s.reads.iter().map(|r| json!({
                "report_id": r.report_id, "reader": r.reader, "at": format_instant(r.at, &cal)
            })).collect::<Vec<_>>(),
        }),
        None => json!({"as_of": null, "alerts": [], "reads": []}),
    };
    ctx.out.print(&json, || match &snap {
        None => vec!["no figures from the server yet: run `sync`".to_string()],
        Some(s) => {
            let mut lines = vec![format!("as of {}", format_instant(s.computed_at, &cal))];
            if s.alerts.is_empty() {
                lines.push("no alerts".into());
            }
            lines.extend(s.alerts.iter().map(|a| format!("  {:<22} {}", a.kind, a.message)));
            lines.extend(
                s.reads.iter().map(|r| {
                    format!("  report {} read by {} at {}", r.report_id, r.reader, format_instant(r.at, &cal))
                }),
            );
            lines
        }
    })
}
