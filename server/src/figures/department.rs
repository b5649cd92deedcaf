//! A department's figures for a period: its own (every member of its subtree, each counted for
//! the days they were in it), each direct sub-department's, and each member's while in it. A
//! member who moved keeps the figures of before the move in the department they were in:
//! department figures add up members' daily rollups over their stints, never their whole period.
//! Counts and money are sums; rates are pooled from their parts, never averaged.

use std::collections::HashMap;

use chrono::NaiveDate;
use fieldreport_protocol::kpi::{achievement, format_target, format_value, ratio, status, Aggregate, KpiDef};
use fieldreport_protocol::period::{Calendar, Period};
use fieldreport_protocol::team::{dept_target_within, Department, DeptTree, Figure, TeamConfig};
use serde::Serialize;

use super::Source;
use crate::error::{Result, ServerError};
use crate::model::{Role, Slice};
use crate::store::db::DeptStint;

/// One row of a department's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeptRow {
    /// The department the row is of (a member's row: the department viewed).
    pub dept_id: String,
    #[serde(flatten)]
    pub figure: Figure,
}

/// A department's figures of one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeptFigures {
    pub dept: Department,
    pub period: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// The department's own rows (`user_id` null), then each direct sub-department's (null
    /// `user_id`, their `dept_id`), then each member's while in the subtree.
    pub rows: Vec<DeptRow>,
}

/// The days of `first..=last` a stint covers: from the day of `since` (the first stint of a
/// member reaches back to the beginning: what they did before joining the tree counts where
/// they started) to the day before the day of `until` (the day of a move counts in the new
/// department).
fn days_of(
    stint: &DeptStint,
    first_of_member: bool,
    cal: &Calendar,
    first: NaiveDate,
    last: NaiveDate,
) -> Option<(NaiveDate, NaiveDate)> {
    let from = if first_of_member { first } else { cal.local_date(stint.since).max(first) };
    let to = match stint.until {
        Some(u) => cal.local_date(u).pred_opt()?.min(last),
        None => last,
    };
    (from <= to).then_some((from, to))
}

/// Whether `viewer` may read department `d`'s figures: an admin, or a head of it or of a
/// department above it (`None`: the server's own administration).
pub fn may_read(tree: &DeptTree, d: &Department, viewer: Option<&crate::model::User>) -> Result<()> {
    if let Some(v) = viewer {
        let heads_above = tree.up(&d.id).iter().any(|x| x.heads.contains(&v.id));
        if v.role != Role::Admin && !heads_above {
            return Err(ServerError::Forbidden(format!("you do not head `{}` or a department above it", d.name)));
        }
    }
    Ok(())
}

/// Per (user, metric): (value, base) of the days in the subtree.
type Parts = HashMap<(String, String), (f64, f64)>;

/// The figures of department `dept` (an id or a name) for `period` at `now_ms`, from the viewer's
/// scope: an admin any department; a head theirs and below.
pub fn department(
    src: &dyn Source,
    config: &TeamConfig,
    dept: &str,
    viewer: Option<&crate::model::User>,
    period: Period,
    now_ms: i64,
) -> Result<DeptFigures> {
    let depts = src.departments()?;
    let tree = DeptTree::new(&depts);
    let d = depts
        .iter()
        .find(|x| x.id == dept.trim() || x.name == dept.trim())
        .cloned()
        .ok_or_else(|| ServerError::NotFound(format!("no department `{}` (see `dept list`)", dept.trim())))?;
    may_read(&tree, &d, viewer)?;
    let cal = config.calendar()?;
    let range = cal.resolve(period, now_ms);
    let defs = config.definitions_for_role(Role::Rep);
    let distinct: Vec<String> =
        defs.iter().filter(|x| matches!(x.aggregate, Aggregate::CountDistinct { .. })).map(|x| x.id.clone()).collect();
    let history = src.dept_history()?;
    let subtree: Vec<&str> = tree.subtree(&d.id).iter().map(|x| x.id.as_str()).collect();
    // Each member's stints in the subtree, as days of the period, with the department of each.
    let mut spans: Vec<(String, String, NaiveDate, NaiveDate)> = Vec::new();
    let mut first_seen: Vec<&str> = Vec::new();
    for s in &history {
        let first_of_member = !first_seen.contains(&s.user_id.as_str());
        first_seen.push(&s.user_id);
        if !subtree.contains(&s.dept_id.as_str()) {
            continue;
        }
        if let Some((a, b)) = days_of(s, first_of_member, &cal, range.first, range.last) {
            spans.push((s.user_id.clone(), s.dept_id.clone(), a, b));
        }
    }
    // Per span, its totals; each span belongs to its department and to every ancestor of it up
    // to the viewed one.
    let mut by_member: Parts = HashMap::new();
    let mut by_dept: HashMap<String, Parts> = HashMap::new();
    for (user, dept_id, a, b) in &spans {
        let totals = src.totals(*a, *b, Slice::Users(std::slice::from_ref(user)), &distinct)?;
        let child = tree
            .up(dept_id)
            .iter()
            .map(|x| x.id.clone())
            .take_while(|x| *x != d.id)
            .last()
            .unwrap_or_else(|| d.id.clone());
        for t in totals {
            let key = (user.clone(), t.metric.clone());
            for parts in [&mut by_member, by_dept.entry(child.clone()).or_default()] {
                let e = parts.entry(key.clone()).or_default();
                e.0 += t.value;
                e.1 += t.base;
            }
        }
    }
    let today = cal.local_date(now_ms);
    // A department's target (按部门设置目标) for its own rows; members' rows carry none here.
    let figure = |user: Option<&str>, holder: Option<&Department>, def: &KpiDef, parts: &Parts| {
        let (v, b) = parts
            .iter()
            .filter(|((u, m), _)| *m == def.id && user.is_none_or(|x| x == u))
            .fold((0.0, 0.0), |(v, b), (_, (x, y))| (v + x, b + y));
        let value = if def.aggregate.is_ratio() { ratio(v, b) } else { v };
        let target = holder
            .and_then(|h| dept_target_within(&config.targets, &def.id, &def.unit, (&h.id, &h.name), &range, today));
        let achieved = target.and_then(|t| achievement(value, t));
        Figure {
            user_id: user.map(str::to_string),
            metric: def.id.clone(),
            value,
            target,
            achievement: achieved,
            status: achieved.map(|a| status(a, config.thresholds)),
            name_zh: def.name_zh.clone(),
            name_en: def.name_en.clone(),
            display: format_value(&def.unit, value),
            target_display: target.map(|t| format_target(&def.unit, t)),
            base: def.aggregate.is_ratio().then_some(b),
            previous: None,
            change: None,
        }
    };
    let row = |dept_id: &str, f: Figure| DeptRow { dept_id: dept_id.to_string(), figure: f };
    let mut rows = Vec::new();
    rows.extend(defs.iter().map(|def| row(&d.id, figure(None, Some(&d), def, &by_member))));
    for child in tree.children(&d.id) {
        let parts = by_dept.remove(&child.id).unwrap_or_default();
        rows.extend(defs.iter().map(|def| row(&child.id, figure(None, Some(child), def, &parts))));
    }
    let mut members: Vec<&String> = spans.iter().map(|s| &s.0).collect();
    members.sort();
    members.dedup();
    for m in members {
        rows.extend(defs.iter().map(|def| row(&d.id, figure(Some(m), None, def, &by_member))));
    }
    Ok(DeptFigures { dept: d, period: period.to_string(), first: range.first, last: range.last, rows })
}
