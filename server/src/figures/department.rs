//! A department's figures for a period: its own (every member of its subtree, each counted for
//! the days they were in it), each direct sub-department's, and each member's while in it. A
//! member who moved keeps the figures of before the move in the department they were in:
//! department figures add up members' daily rollups over their stints, never their whole period.
//! Counts and money are sums; rates are pooled from their parts, never averaged.

use std::collections::HashMap;

use chrono::NaiveDate;
use fieldreport_protocol::kpi::{achievement, format_target, format_value, ratio, status, Aggregate, KpiDef};
use fieldreport_protocol::period::{Calendar, Period};
use fieldreport_protocol::team::{
    dept_target_within, target_within, Department, DeptRow, DeptTree, Figure, Membership, TeamConfig,
};
use serde::Serialize;

use super::Source;
use crate::error::{Result, ServerError};
use crate::model::{Role, Slice};
use crate::store::db::DeptStint;

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

/// The department a viewer's KPI page opens on: `asked` (an id or a name), which they must be
/// allowed to read; else an admin's the root, a head's the highest they head; else none (a
/// manager heading no department sees their reports).
pub fn home_dept(
    depts: &[Department],
    tree: &DeptTree,
    viewer: &crate::model::User,
    asked: Option<&str>,
) -> Result<Option<Department>> {
    if let Some(a) = asked.map(str::trim).filter(|a| !a.is_empty()) {
        let d = find(depts, a)?;
        may_read(tree, &d, Some(viewer))?;
        return Ok(Some(d));
    }
    if viewer.role == Role::Admin {
        return Ok(tree.root().cloned());
    }
    let headed = tree.headed_by(&viewer.id);
    // The highest: the one fewest levels down (by name among equals).
    Ok(headed.into_iter().min_by_key(|d| (tree.depth(&d.id), d.name.clone())).cloned())
}

/// Per (user, metric): (value, base) of the days in the subtree.
type Parts = HashMap<(String, String), (f64, f64)>;

/// A metric's (value, base) of one stint.
type MetricTotal = (String, f64, f64);

/// A member's stint in the subtree, as days of the period: (member, department, first, last).
type Span = (String, String, NaiveDate, NaiveDate);

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
    let d = find(&depts, dept)?;
    may_read(&tree, &d, viewer)?;
    let cal = config.calendar()?;
    let range = cal.resolve(period, now_ms);
    let defs = config.definitions_for_role(Role::Rep);
    let distinct: Vec<String> =
        defs.iter().filter(|x| matches!(x.aggregate, Aggregate::CountDistinct { .. })).map(|x| x.id.clone()).collect();
    let spans = spans(src, &tree, &d, &cal, range.first, range.last)?;
    // The sub-department of `d` each department of the subtree rolls up into (`d` itself for
    // its own members).
    let child_of = |dept_id: &str| {
        tree.up(dept_id).iter().map(|x| x.id.clone()).take_while(|x| *x != d.id).last().unwrap_or_else(|| d.id.clone())
    };
    // Members whose stints cover the same days are read together: one read for a period
    // nobody moved in, whatever the subtree's size.
    let mut by_days: HashMap<(NaiveDate, NaiveDate), Vec<String>> = HashMap::new();
    for (user, _, a, b) in &spans {
        by_days.entry((*a, *b)).or_default().push(user.clone());
    }
    let mut per_span: HashMap<(String, NaiveDate), Vec<MetricTotal>> = HashMap::new();
    for ((a, b), users) in &by_days {
        for t in src.totals(*a, *b, Slice::Users(users), &distinct)? {
            per_span.entry((t.user_id, *a)).or_default().push((t.metric, t.value, t.base));
        }
    }
    // Each department of the subtree rolls up into one child of `d` (or `d` itself): looked up
    // once per department, not per span.
    let child: HashMap<&str, String> = tree.subtree(&d.id).iter().map(|x| (x.id.as_str(), child_of(&x.id))).collect();
    let mut by_member: Parts = HashMap::new();
    // Per department (`d` and each child) and metric: (value, base).
    let mut by_dept: HashMap<String, HashMap<String, (f64, f64)>> = HashMap::new();
    let mut days_of_member: HashMap<&str, Vec<(NaiveDate, NaiveDate)>> = HashMap::new();
    let mut members_in: HashMap<String, std::collections::BTreeSet<&str>> = HashMap::new();
    for (user, dept_id, a, b) in &spans {
        let c = child.get(dept_id.as_str()).cloned().unwrap_or_else(|| d.id.clone());
        days_of_member.entry(user).or_default().push((*a, *b));
        for group in [&c, &d.id] {
            members_in.entry(group.clone()).or_default().insert(user);
        }
        for (metric, value, base) in per_span.get(&(user.clone(), *a)).into_iter().flatten() {
            let e = by_member.entry((user.clone(), metric.clone())).or_default();
            e.0 += value;
            e.1 += base;
            let groups: &[&String] = if c == d.id { &[&d.id] } else { &[&c, &d.id] };
            for g in groups {
                let e = by_dept.entry((*g).clone()).or_default().entry(metric.clone()).or_default();
                e.0 += value;
                e.1 += base;
            }
        }
    }
    let today = cal.local_date(now_ms);
    // Whether any target is set for members at all (most teams set a few): without, no member's
    // target is looked for, nor the directory read.
    let member_targets = config.targets.iter().any(|t| t.user.is_some());
    let subtree_members: Vec<&str> = members_in.get(&d.id).into_iter().flatten().copied().collect();
    let membership: HashMap<String, Membership> = match member_targets {
        true => src.users_of(&subtree_members)?.into_iter().map(|u| (u.id.clone(), u.membership())).collect(),
        false => HashMap::new(),
    };
    let members_ref: HashMap<&str, ()> = membership.keys().map(|k| (k.as_str(), ())).collect();
    let targets_of = super::targets_by_member(&config.targets, &members_ref);
    // A member's own target counts the days they were in the subtree and a member.
    let member_target = |def: &KpiDef, user: &str| {
        let theirs = targets_of.get(user)?;
        let m = membership.get(user).copied();
        let days = days_of_member.get(user).map(Vec::as_slice).unwrap_or_default();
        let counts = |day: NaiveDate| {
            days.iter().any(|(a, b)| (*a..=*b).contains(&day)) && m.is_none_or(|m| m.measures(&cal, day))
        };
        target_within(theirs, &def.id, &def.unit, Some(user), &range, today, &counts)
    };
    // A department's target (按部门设置目标); without one, the sum of its members' targets
    // (counts and money: a rate's target is never summed).
    let dept_target = |def: &KpiDef, holder: &Department, users: &[&str]| {
        let own = dept_target_within(&config.targets, &def.id, &def.unit, (&holder.id, &holder.name), &range, today);
        if own.is_some() || def.aggregate.is_ratio() || !member_targets {
            return own;
        }
        let per: Vec<f64> = users.iter().filter_map(|u| member_target(def, u)).collect();
        (!per.is_empty()).then(|| per.iter().sum())
    };
    let figure = |user: Option<&str>, target: Option<f64>, def: &KpiDef, (v, b): (f64, f64)| {
        let value = if def.aggregate.is_ratio() { ratio(v, b) } else { v };
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
    let row = |dept_id: &str, member_of: Option<String>, figure: Figure| DeptRow {
        dept_id: dept_id.to_string(),
        member_of,
        figure,
    };
    let total = |dept: &str, metric: &str| by_dept.get(dept).and_then(|m| m.get(metric)).copied().unwrap_or_default();
    let members_of = |dept: &str| -> Vec<&str> { members_in.get(dept).into_iter().flatten().copied().collect() };
    let mut rows = Vec::new();
    let everyone = members_of(&d.id);
    rows.extend(defs.iter().map(|def| {
        let target = dept_target(def, &d, &everyone);
        row(&d.id, None, figure(None, target, def, total(&d.id, &def.id)))
    }));
    for c in tree.children(&d.id) {
        let users = members_of(&c.id);
        rows.extend(defs.iter().map(|def| {
            let target = dept_target(def, c, &users);
            row(&c.id, None, figure(None, target, def, total(&c.id, &def.id)))
        }));
    }
    // The department of the subtree each member was last in during the period.
    let mut last_in: HashMap<&str, (NaiveDate, &str)> = HashMap::new();
    for (user, dept_id, _, b) in &spans {
        let e = last_in.entry(user).or_insert((*b, dept_id));
        if *b >= e.0 {
            *e = (*b, dept_id);
        }
    }
    for m in everyone {
        let member_of = last_in.get(m).map(|x| x.1.to_string());
        rows.extend(defs.iter().map(|def| {
            let target = if member_targets { member_target(def, m) } else { None };
            let parts = by_member.get(&(m.to_string(), def.id.clone())).copied().unwrap_or_default();
            row(&d.id, member_of.clone(), figure(Some(m), target, def, parts))
        }));
    }
    Ok(DeptFigures { dept: d, period: period.to_string(), first: range.first, last: range.last, rows })
}

/// Department `dept`, by id or name.
pub(crate) fn find(depts: &[Department], dept: &str) -> Result<Department> {
    fieldreport_protocol::team::find_dept(depts, dept)
        .cloned()
        .ok_or_else(|| ServerError::NotFound(format!("no department `{}` (see `dept list`)", dept.trim())))
}

/// Each member's stints in `d`'s subtree, as days of `first..=last`.
fn spans(
    src: &dyn Source,
    tree: &DeptTree,
    d: &Department,
    cal: &Calendar,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<Span>> {
    let ids: Vec<String> = tree.subtree(&d.id).iter().map(|x| x.id.clone()).collect();
    // The root's subtree is everyone: read the whole history rather than name every department.
    let history = src.dept_history((d.parent_id.is_some()).then_some(ids.as_slice()))?;
    let subtree: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut out = Vec::new();
    for s in &history {
        let first_of_member = seen.insert(&s.user_id);
        if !subtree.contains(s.dept_id.as_str()) {
            continue;
        }
        if let Some((a, b)) = days_of(s, first_of_member, cal, first, last) {
            out.push((s.user_id.clone(), s.dept_id.clone(), a, b));
        }
    }
    Ok(out)
}
