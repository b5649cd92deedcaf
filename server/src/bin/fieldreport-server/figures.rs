//! The `config`, `kpi`, `alerts`, `submissions` and `deliveries` commands.

use std::io::IsTerminal;

use fieldreport_protocol::period::Period;
use fieldreport_protocol::report::{label_of, Lang, Names};
use fieldreport_protocol::team::alert_text;
use fieldreport_server::figures::{self, Scope};
use fieldreport_server::service::RebuildFrom;
use fieldreport_server::Service;
use fieldreport_server::{config_file, ServerError};
use serde_json::json;

use crate::{print, ConfigCmd, KpiArgs, KpiCmd};
use fieldreport_server::now_ms;

type R = Result<(), ServerError>;

fn period(p: &str) -> Result<Period, ServerError> {
    Ok(p.parse::<Period>()?)
}

pub fn config(s: &Service, c: ConfigCmd, j: bool) -> R {
    match c {
        ConfigCmd::Show => {
            let cfg = s.config()?;
            if j {
                print(true, json!(cfg), vec![]);
            } else {
                crate::out(&config_file::to_toml(&cfg)?);
            }
        }
        ConfigCmd::Apply { file } => {
            let cfg = s.apply_config(config_file::read(&file)?)?;
            print(
                j,
                json!({"version": cfg.version, "config": cfg}),
                vec![format!("applied configuration version {} from {}", cfg.version, file.display())],
            );
        }
    }
    Ok(())
}

pub fn kpi(s: &Service, a: KpiArgs, j: bool) -> R {
    if let Some(KpiCmd::Rebuild { from_documents }) = a.command {
        let from = if from_documents { RebuildFrom::Documents } else { RebuildFrom::Views };
        let tty = std::io::stderr().is_terminal() && !j;
        let started = std::time::Instant::now();
        let done = s.rebuild_kpis(
            from,
            Box::new(move |n| {
                if tty {
                    use std::io::Write;
                    let _ = write!(std::io::stderr().lock(), "\rrebuilding: {n} documents");
                }
            }),
        )?;
        if tty {
            crate::note("");
        }
        let secs = started.elapsed().as_secs_f64();
        print(
            j,
            json!({
                "documents": done.documents,
                "facts": done.facts,
                "rollups": done.rollups,
                "decoded": done.decoded,
                "seconds": secs
            }),
            vec![format!(
                "rebuilt {} daily rollups from {} facts of {} documents ({} read from their Automerge encoding, the others from stored views) in {secs:.2} s",
                done.rollups, done.facts, done.documents, done.decoded
            )],
        );
        return Ok(());
    }
    let cfg = s.config()?;
    if let Some(d) = &a.dept {
        return dept_kpi(s, &cfg, d, &a.period, j);
    }
    let scope = Scope::of(s, None, a.user.as_deref())?;
    let snap = figures::snapshot(s, &cfg, &scope, period(&a.period)?, now_ms())?;
    let rows: Vec<_> = match &a.user {
        Some(u) => snap.rows.iter().filter(|r| r.user_id.as_deref() == Some(u.trim())).collect(),
        None => snap.rows.iter().collect(),
    };
    let names: std::collections::HashMap<String, String> = s.users()?.into_iter().map(|u| (u.id, u.name)).collect();
    let mut lines = vec![format!("{} ({} .. {})", snap.period, snap.first, snap.last)];
    for r in &rows {
        let who = r.user_id.as_ref().map(|u| names.get(u).cloned().unwrap_or(u.clone())).unwrap_or("团队 team".into());
        let target = r.target.map(|t| format!("{t:.0}")).unwrap_or("-".into());
        let status = r.status.map(|s| format!("{s:?}").to_lowercase()).unwrap_or("-".into());
        lines.push(format!("{who:<16} {:<22} {:>14}  target {target:>8}  {status}", r.name_zh, r.display));
    }
    print(j, json!(rows), lines);
    Ok(())
}

/// `kpi --dept D`: the department's own rows (`user_id` null), each sub-department's (null
/// `user_id`, its `dept_id`), then each member's while in it; rows as `kpi --json` prints them,
/// with `dept_id`.
fn dept_kpi(s: &Service, cfg: &fieldreport_protocol::team::TeamConfig, dept: &str, p: &str, j: bool) -> R {
    let f = figures::department(s, cfg, dept, None, period(p)?, now_ms())?;
    let names: std::collections::HashMap<String, String> = s.users()?.into_iter().map(|u| (u.id, u.name)).collect();
    let depts: std::collections::HashMap<String, String> =
        s.departments()?.into_iter().map(|d| (d.id, d.name)).collect();
    let mut lines = vec![format!("{} {} ({} .. {})", f.dept.name, f.period, f.first, f.last)];
    for r in &f.rows {
        let who = match &r.figure.user_id {
            Some(u) => names.get(u).cloned().unwrap_or(u.clone()),
            None => format!("[{}]", depts.get(&r.dept_id).cloned().unwrap_or(r.dept_id.clone())),
        };
        lines.push(format!("{who:<16} {:<22} {:>14}", r.figure.name_zh, r.figure.display));
    }
    print(j, json!(f.rows), lines);
    Ok(())
}

pub fn alerts(s: &Service, user: Option<&str>, dept: Option<&str>, lang: &str, j: bool) -> R {
    let lang: Lang = lang.parse()?;
    let cfg = s.config()?;
    let scope = match dept {
        Some(d) => Scope::of_dept(s, d)?,
        None => Scope::of(s, None, user)?,
    };
    let list = figures::alerts(s, &cfg, &scope, now_ms())?;
    let names: Names = s.users()?.into_iter().map(|u| (u.id, u.name)).collect();
    let lines = if list.is_empty() {
        vec![lang.pick("没有预警", "no alerts").to_string()]
    } else {
        list.iter().map(|a| format!("[{}] {}", label_of(&a.kind, lang), alert_text(a, lang, &names))).collect()
    };
    let rows: Vec<_> = list
        .iter()
        .map(|a| {
            let mut v = json!(a);
            v["text"] = alert_text(a, lang, &names).into();
            v["user_name"] = names.of(&a.user_id).into();
            v
        })
        .collect();
    print(j, json!(rows), lines);
    Ok(())
}

pub fn submissions(s: &Service, p: &str, user: Option<&str>, dept: Option<&str>, j: bool) -> R {
    let cfg = s.config()?;
    let scope = match dept {
        Some(d) => Scope::of_dept(s, d)?,
        None => Scope::of(s, None, user)?,
    };
    let stats = figures::submissions(s, &cfg, &scope, period(p)?, now_ms())?;
    let lines = stats
        .iter()
        .map(|m| {
            format!(
                "{:<16} on time {}  late {}  missing {}  pending {}",
                m.name, m.on_time, m.late, m.missing, m.pending
            )
        })
        .collect();
    print(j, json!(stats), lines);
    Ok(())
}

pub fn deliveries(s: &Service, limit: usize, j: bool) -> R {
    let list = s.deliveries(limit.max(1))?;
    let lines = if list.is_empty() {
        vec!["no robot messages yet (configure robots in the team configuration)".to_string()]
    } else {
        list.iter()
            .map(|d| {
                let why = d.last_error.as_deref().map(|e| format!("  ({e})")).unwrap_or_default();
                format!("{:<8} {:<10} {:<17} attempts {}  {}{why}", d.status, d.robot, d.event, d.attempts, d.title)
            })
            .collect()
    };
    print(j, json!(list), lines);
    Ok(())
}
