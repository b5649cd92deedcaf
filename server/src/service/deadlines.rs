//! Deadlines kept by the server, and alerts gathered: at each report's deadline plus the grace
//! the server records who had not submitted and tells the group, whatever any device does; once
//! a day, each manager's group hears the new alerts of their members in one message. No alert
//! is told twice (`announced_alerts`).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use fieldreport_protocol::codes::{AlertKind, SubmissionStatus};
use fieldreport_protocol::report::{label_of, period_name, Lang};
use fieldreport_protocol::team::{alert_text, AlertDelivery, DeptTree, RobotEvent};

use super::config::Active;
use super::outbox::{enqueue_many, mention, AboutMany};
use crate::error::Result;
use crate::figures::{self, fallen_due, judge, Scope};
use crate::model::{Role, User};
use crate::store::db::Obligation;
use crate::store::Db;

const DAY_MS: i64 = 86_400_000;
/// How far back deadlines are recorded (a server that was down catches up on them); only
/// those of the last day are told to the group.
const RECORD_BACK_MS: i64 = 35 * DAY_MS;
/// How far before its last look a process looks again.
const OVERLAP_MS: i64 = 3_600_000;

/// Whose group a member's alerts go to: their manager's, or else their department's head's (the
/// nearest department up the tree with a head other than the member); `None`: the team's.
fn boss_of(u: &User, tree: &DeptTree) -> Option<String> {
    if u.manager_id.is_some() {
        return u.manager_id.clone();
    }
    let up = u.dept_id.as_deref().map(|d| tree.up(d)).unwrap_or_default();
    up.iter().find_map(|d| d.heads.iter().find(|h| **h != u.id).cloned())
}

/// The id of the alert a missing report raises (as `figures::alerts` names it).
fn missing_alert_id(user: &str, kind: &str, last: NaiveDate) -> String {
    format!("{}:{user}:{kind}:{last}", AlertKind::ReportMissing)
}

/// Records every report that fell due (deadline plus grace) since this process last looked
/// (`through`, with a day's overlap; the last 35 days on its first look) and was not yet
/// recorded, as it then stood; tells the robots, one message per report period, who had not
/// submitted the reports that fell due in the last day. Returns the messages queued.
pub(super) fn keep(db: &Db, active: &Active, through: i64, now: i64) -> Result<usize> {
    let users = db.users()?;
    let grace = active.config.team.deadlines.grace_ms();
    let mut missing: BTreeMap<(&'static str, NaiveDate, i64), Vec<&User>> = BTreeMap::new();
    // Every 30 seconds on every server process: only what fell due since the last look (with an
    // hour's overlap, for another process's clock), and what is recorded already is skipped by
    // one query on the deadline index.
    let since = if through == 0 { now - RECORD_BACK_MS } else { (through - OVERLAP_MS).max(now - RECORD_BACK_MS) };
    let recorded: std::collections::HashSet<(String, String, NaiveDate)> =
        db.recorded_since(since - grace)?.into_iter().collect();
    for (u, kind, last, due_at) in fallen_due(&active.config, &users, since, now)? {
        if recorded.contains(&(u.id.clone(), kind.to_string(), last)) {
            continue;
        }
        let submitted_at = db
            .reports(std::slice::from_ref(&u.id), last, last)?
            .into_iter()
            .filter(|r| r.kind == kind)
            .filter_map(|r| r.submitted_at)
            .min();
        let status = judge(submitted_at, due_at, grace, now);
        let o = Obligation {
            user_id: u.id.clone(),
            kind: kind.to_string(),
            last,
            due_at,
            recorded_at: now,
            status: status.to_string(),
        };
        if db.record_obligation(&o)? && status == SubmissionStatus::Missing && due_at + grace >= now - DAY_MS {
            missing.entry((kind, last, due_at)).or_default().push(u);
        }
    }
    if active.config.robots.is_empty() {
        return Ok(0);
    }
    let mut n = 0;
    for ((kind, last, due_at), who) in missing {
        let ids: Vec<String> = who.iter().map(|u| missing_alert_id(&u.id, kind, last)).collect();
        // Told once: the daily message and a per-alert delivery leave them out.
        db.announce_alerts(&ids, now)?;
        let period = period_name(kind, last, None, Lang::ZhCn);
        let due = active.cal.local_datetime(due_at).format("%m-%d %H:%M");
        let title = format!("{}未交", label_of(kind, Lang::ZhCn));
        let write = |who: &[&User]| {
            let names: Vec<String> = who.iter().map(|u| format!("- {}", u.name)).collect();
            let text = format!("{period}已于 {due} 截止，以下同事未提交：\n\n{}", names.join("\n"));
            (text, who.iter().map(|u| mention(u)).collect())
        };
        let subject = format!("missing:{kind}:{last}");
        let m = AboutMany { event: RobotEvent::Alert, subject: &subject, title: &title, who: &who, write: &write };
        enqueue_many(db, active, &m, now)?;
        n += 1;
    }
    Ok(n)
}

/// Once a day at the configured time, for each manager (and once for members without one), the
/// alerts of their members not told before, in one message that @mentions the manager.
pub(super) fn daily_alerts(db: &Db, active: &Active, now: i64) -> Result<usize> {
    let settings = &active.config.alerts;
    if settings.delivery != AlertDelivery::Daily
        || !active.config.robots.iter().any(|r| r.events.contains(&RobotEvent::Alert))
    {
        return Ok(0);
    }
    let Ok(time) = settings.daily_time() else { return Ok(0) };
    let today = active.cal.local_date(now);
    let at = active.cal.local_ms(today, time);
    if !(at..at + DAY_MS).contains(&now) {
        return Ok(0);
    }
    let users = db.users()?;
    let team: Vec<User> = users.iter().filter(|u| u.role == Role::Rep).cloned().collect();
    let depts = db.departments()?;
    let tree = DeptTree::new(&depts);
    let mut groups: BTreeMap<Option<String>, Vec<User>> = BTreeMap::new();
    for u in team.iter().filter(|u| u.active) {
        groups.entry(boss_of(u, &tree)).or_default().push(u.clone());
    }
    let names = super::names(db)?;
    let mut n = 0;
    for (manager, members) in groups {
        // Each group's day is looked at once, by whichever server process comes first.
        let day = format!("day:{}:{today}", manager.as_deref().unwrap_or("team"));
        if db.announce_alerts(std::slice::from_ref(&day), now)?.is_empty() {
            continue;
        }
        let scope = Scope { members, team: team.clone() };
        let open = figures::alerts(db, &active.config, &scope, now)?;
        let ids: Vec<String> = open.iter().map(|a| a.id.clone()).collect();
        let fresh = db.announce_alerts(&ids, now)?;
        let new: Vec<_> = open.iter().filter(|a| fresh.contains(&a.id)).collect();
        if new.is_empty() {
            continue;
        }
        let lang = Lang::ZhCn;
        let boss = manager.as_deref().and_then(|m| users.iter().find(|u| u.id == m));
        let about: Vec<&User> = scope.members.iter().filter(|u| new.iter().any(|a| a.user_id == u.id)).collect();
        // A department's chat reads its own members' alerts only.
        let write = |who: &[&User]| {
            let theirs: Vec<_> = new.iter().filter(|a| who.iter().any(|u| u.id == a.user_id)).collect();
            let mut lines = vec![match boss {
                Some(b) => format!("**{}** 的团队今日预警（{} 条）：", b.name, theirs.len()),
                None => format!("团队今日预警（{} 条）：", theirs.len()),
            }];
            lines.push(String::new());
            lines.extend(
                theirs.iter().map(|a| format!("- [{}] {}", label_of(&a.kind, lang), alert_text(a, lang, &names))),
            );
            (lines.join("\n"), boss.map(mention).into_iter().collect())
        };
        let title = format!("今日预警（{} 条）", new.len());
        let subject = format!("alerts:{}:{today}", manager.as_deref().unwrap_or("team"));
        let m = AboutMany { event: RobotEvent::Alert, subject: &subject, title: &title, who: &about, write: &write };
        if enqueue_many(db, active, &m, now)? > 0 {
            n += 1;
        }
    }
    Ok(n)
}
