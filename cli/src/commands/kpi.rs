//! `kpi`: this device's figures for a period: the server's snapshot when it covers the local
//! data, else computed from the local store.

use fieldreport_core::kpi::{format_target, format_value, Status};
use fieldreport_core::report::{label_of, Label, Lang};
use fieldreport_core::store::FigureSource;
use fieldreport_core::team::alert_text;
use serde_json::json;

use super::Ctx;
use crate::error::{CliError, CliResult};
use crate::time::format_instant;

pub fn run(ctx: &mut Ctx, period: &str, metrics: &[String], lang: &str, user: Option<&str>) -> CliResult {
    let lang: Lang = lang.parse()?;
    let cal = ctx.calendar()?;
    let me = match user {
        Some(u) => ctx.store.resolve_member(u)?.id,
        None => ctx.store.identity()?.user_id,
    };
    let defs = ctx.store.kpi_definitions_for(metrics)?;
    let range = ctx.store.period_range(period)?;
    let view = ctx.store.kpi_view_of(&me, range, &defs)?;
    let who = ctx.store.names()?.of(&me);
    let (range, rows) = (view.range, view.rows);
    let source = view.source.as_str();
    let as_of = format_instant(view.as_of, &cal);
    let json: Vec<_> = rows
        .iter()
        .map(|r| {
            json!({
                "user_id": me,
                "user_name": who,
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
            "{who} {} {} ~ {} ({}, {} {as_of})",
            lang.pick("指标", "KPIs"),
            range.first,
            range.last,
            match view.source {
                FigureSource::Server => lang.pick("服务器汇总", "from the server"),
                FigureSource::Local => lang.pick("本地计算", "computed locally"),
            },
            lang.pick("截至", "as of")
        )];
        lines.extend(rows.iter().map(|r| {
            let name = lang.pick(&r.name_zh, &r.name_en);
            let value = format_value(&r.unit, r.value);
            match r.target {
                // 8 of 10, not just 8: the target of the period so far, achievement and status.
                Some(t) => format!(
                    "  {name:<16} {value} / {} {}（{}{}）",
                    lang.pick("目标", "target"),
                    format_target(&r.unit, t),
                    r.achievement.map(|a| format!("{:.0}%", a * 100.0)).unwrap_or_else(|| "—".into()),
                    r.status.map(|s| format!(" {}", label_of(status_word(s), lang))).unwrap_or_default()
                ),
                None => format!("  {name:<16} {value}"),
            }
        }));
        lines
    })
}

/// `kpi --dept D`: a department's figures from the head's last snapshot (offline): its own
/// rows (`user_id` null), each sub-department's, each member's; JSON rows as the server's
/// `kpi --dept --json` prints them, with names.
pub fn department(ctx: &mut Ctx, dept: &str, period: &str, lang: &str) -> CliResult {
    let lang: Lang = lang.parse()?;
    let Some(f) = ctx.store.department_figures(dept, period)? else {
        return Err(CliError::Usage(format!(
            "no figures of `{}` for {period} on this device: they come with a sync to the heads of a department \
             and of those above it, for this-week, last-week, this-month and this-quarter",
            dept.trim()
        )));
    };
    let names = ctx.store.names()?;
    let depts: std::collections::HashMap<String, String> =
        ctx.store.departments()?.into_iter().map(|d| (d.id, d.name)).collect();
    let who = |r: &fieldreport_core::team::DeptRow| match &r.figure.user_id {
        Some(u) => names.of(u),
        None => format!("[{}]", depts.get(&r.dept_id).cloned().unwrap_or(r.dept_id.clone())),
    };
    let json: Vec<_> = f
        .rows
        .iter()
        .map(|r| {
            let mut v = json!(r);
            v["name"] = lang.pick(&r.figure.name_zh, &r.figure.name_en).into();
            v["who"] = who(r).into();
            v
        })
        .collect();
    ctx.out.print(&json, || {
        let title = depts.get(&f.dept_id).cloned().unwrap_or(f.dept_id.clone());
        let mut lines = vec![format!("{title} {} ~ {}", f.first, f.last)];
        lines.extend(f.rows.iter().map(|r| {
            let x = &r.figure;
            let target = x.target_display.as_deref().map(|t| format!(" / {} {t}", lang.pick("目标", "target")));
            let mark = x.status.map(|s| format!(" {}", label_of(status_word(s), lang))).unwrap_or_default();
            format!(
                "  {:<14} {:<16} {}{}{mark}",
                who(r),
                lang.pick(&x.name_zh, &x.name_en),
                x.display,
                target.unwrap_or_default()
            )
        }));
        lines
    })
}

/// The stored word of a status (its label reads 正常 / 预警 / 落后 or green / yellow / red).
fn status_word(s: Status) -> &'static str {
    match s {
        Status::Green => "green",
        Status::Yellow => "yellow",
        Status::Red => "red",
    }
}

/// `alerts`: what the server's last snapshot says needs attention, and who read this user's
/// reports, as of that snapshot; in `lang`, with names.
pub fn alerts(ctx: &mut Ctx, lang: &str) -> CliResult {
    let lang: Lang = lang.parse()?;
    let cal = ctx.calendar()?;
    let snap = ctx.store.server_snapshot()?;
    let names = ctx.store.names()?;
    // Report titles for the read receipts, where this device has the report.
    let titles: std::collections::HashMap<String, String> =
        ctx.store.list_reports(None)?.into_iter().map(|r| (r.id, r.title)).collect();
    let title = |id: &str| titles.get(id).cloned().unwrap_or_else(|| id.to_string());
    let json = match &snap {
        Some(s) => json!({
            "as_of": format_instant(s.computed_at, &cal),
            "alerts": s.alerts.iter().map(|a| {
                let mut v = serde_json::to_value(a).unwrap_or_default();
                v["text"] = alert_text(a, lang, &names).into();
                v["user_name"] = names.of(&a.user_id).into();
                v
            }).collect::<Vec<_>>(),
            "reads": s.reads.iter().map(|r| json!({
                "report_id": r.report_id, "report_title": title(&r.report_id),
                "reader": r.reader, "reader_name": names.of(&r.reader), "at": format_instant(r.at, &cal)
            })).collect::<Vec<_>>(),
        }),
        None => json!({"as_of": null, "alerts": [], "reads": []}),
    };
    ctx.out.print(&json, || match &snap {
        None => {
            vec![lang.pick("服务器还没有发来指标：先运行 `sync`", "no figures from the server yet: run `sync`").into()]
        }
        Some(s) => {
            let mut lines = vec![format!("{} {}", lang.pick("截至", "as of"), format_instant(s.computed_at, &cal))];
            if s.alerts.is_empty() {
                lines.push(lang.pick("没有预警", "no alerts").into());
            }
            lines.extend(
                s.alerts.iter().map(|a| format!("  [{}] {}", label_of(&a.kind, lang), alert_text(a, lang, &names))),
            );
            lines.extend(s.reads.iter().map(|r| {
                let (who, at, what) = (names.of(&r.reader), format_instant(r.at, &cal), title(&r.report_id));
                match lang {
                    Lang::ZhCn => format!("  {who} 已读「{what}」（{at}）"),
                    Lang::En => format!("  {who} read “{what}” at {at}"),
                }
            }));
            lines
        }
    })
}

/// `team`: the members as the directory the server published says, managers named.
pub fn team(ctx: &mut Ctx, lang: &str) -> CliResult {
    let lang: Lang = lang.parse()?;
    let members = ctx.store.members()?;
    if members.is_empty() && !ctx.store.has_directory()? {
        return Err(CliError::Usage(
            "the team directory has not reached this device yet: enroll, then run `sync`".into(),
        ));
    }
    let names = ctx.store.names()?;
    let tree = fieldreport_core::team::DeptTree::new(&ctx.store.departments()?);
    ctx.out.print(&members, || {
        let header = match lang {
            Lang::ZhCn => ["姓名", "角色", "部门", "上级", "状态", "ID"],
            Lang::En => ["NAME", "ROLE", "DEPARTMENT", "MANAGER", "STATUS", "ID"],
        };
        let rows: Vec<[String; 6]> = members
            .iter()
            .map(|m| {
                [
                    m.name.clone(),
                    m.role.label(lang).to_string(),
                    m.dept_id.as_deref().map(|d| tree.path(d)).filter(|p| !p.is_empty()).unwrap_or_else(|| "-".into()),
                    m.manager_id.as_deref().map(|id| names.of(id)).unwrap_or_else(|| "-".into()),
                    if m.active { lang.pick("在职", "active") } else { lang.pick("停用", "inactive") }.into(),
                    m.id.clone(),
                ]
            })
            .collect();
        fieldreport_core::text::table(&header.map(String::from), &rows)
    })
}
