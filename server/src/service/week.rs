//! The manager's week on the server: 催交 (a manager asks a member for a report), @mentions in
//! comments (the named member learns of it at their next sync), reminders to the team's chat
//! of who has not submitted a report before it is due, and each robot's weekly digest.

use chrono::{Datelike, NaiveDate};
use fieldreport_protocol::doc::{Report, ReportKind};
use fieldreport_protocol::period::{days_words, Period};
use fieldreport_protocol::report::{label_of, period_name, Lang};
use fieldreport_protocol::team::{Mentioned, Nudge, RobotEvent, RobotKind};

use super::config::{self, Active};
use super::outbox::{enqueue_many, enqueue_text, enqueue_to, mention, AboutMany, Outgoing};
use super::Service;
use crate::error::{Result, ServerError};
use crate::figures::{self, Scope};
use crate::model::{Role, User};
use crate::now_ms;
use crate::store::db::NudgeRow;
use crate::store::Db;

/// At most one nudge per member, report and this long.
pub const NUDGE_EVERY_MS: i64 = 3_600_000;
/// Most nudges a member receives in a day, for all their reports together.
pub const NUDGES_PER_DAY: usize = 10;
/// How far back the inbox reaches.
const INBOX_DAYS_MS: i64 = 30 * 86_400_000;

/// The report kind stored as `kind` in Chinese (the team's chat reads Chinese).
fn kind_zh(kind: &str) -> String {
    label_of(kind, Lang::ZhCn)
}

/// The period of a `kind` report that holds the day `period` names (`today`, `this-week`,
/// `2026-11-30`, a range: its first day).
fn report_period(active: &Active, kind: ReportKind, period: &str, now: i64) -> Result<(NaiveDate, NaiveDate)> {
    let cal = &active.cal;
    let day = match fieldreport_protocol::period::parse_date(period.trim()) {
        Ok(d) => d,
        Err(_) => cal.resolve(period.parse::<Period>()?, now).first,
    };
    Ok(match kind {
        ReportKind::Daily => (day, day),
        ReportKind::Weekly => {
            let s = cal.week_start_of(day);
            (s, s + chrono::Days::new(6))
        }
        ReportKind::Monthly => {
            let r = cal.resolve(Period::ThisMonth, cal.day_start_ms(day));
            (r.first, r.last)
        }
        ReportKind::Free => {
            return Err(ServerError::BadRequest(
                "free-form reports are not due: nudge for a daily, weekly or monthly one".into(),
            ))
        }
    })
}

/// Records the members the new comments of `after` name (each once) and marks their snapshots
/// stale, so that their next sync brings the mention.
pub(super) fn note_mentions(db: &Db, before: Option<&Report>, after: &Report) -> Result<()> {
    let old: &[fieldreport_protocol::doc::Comment] = before.map(|b| b.comments.as_slice()).unwrap_or(&[]);
    for c in after.comments.iter().filter(|c| !old.iter().any(|o| o.id == c.id)) {
        for user in &c.mentions {
            if db.insert_mention(&after.header.id, &c.id, user, &c.author, c.at)? {
                db.mark_snapshot_stale(user)?;
            }
        }
    }
    Ok(())
}

/// What a user's snapshot says of nudges not yet answered and of mentions.
pub(super) fn inbox_of(db: &Db, user: &str, now: i64) -> Result<(Vec<Nudge>, Vec<Mentioned>)> {
    let since = now - INBOX_DAYS_MS;
    let mut nudges = Vec::new();
    for n in db.nudges_of(user, since)? {
        // The member's submission answers it.
        if db.submitted(user, &n.kind, &n.first)? {
            continue;
        }
        let (Ok(first), Ok(last)) = (n.first.parse(), n.last.parse()) else { continue };
        if !nudges.iter().any(|x: &Nudge| x.kind == n.kind && x.first == first) {
            nudges.push(Nudge { id: n.id, by: n.by_id, kind: n.kind, first, last, at: n.at });
        }
    }
    let mentions = db
        .mentions_of(user, since)?
        .into_iter()
        .map(|(report_id, comment_id, by, at)| Mentioned { report_id, comment_id, by, at })
        .collect();
    Ok((nudges, mentions))
}

impl Service {
    /// `by` asks `member` for the `kind` report of the period holding `period` (催交): refused
    /// for a rep, for a member outside `by`'s team, for a report already submitted, and more
    /// than once an hour per member and report. The member's devices learn of it at their next
    /// sync; the team's robots @mention the member.
    pub fn nudge(&self, by: &User, member: &str, kind: &str, period: &str) -> Result<NudgeRow> {
        let kind: ReportKind = kind.parse()?;
        let (by, member, period) = (by.clone(), member.trim().to_string(), period.to_string());
        let shared = self.active.clone();
        self.store.write(move |db| {
            let active = config::fresh(db, &shared)?;
            let now = now_ms();
            let target = db.user(&member)?.ok_or_else(|| ServerError::NotFound(format!("no user with id {member}")))?;
            match by.role {
                Role::Rep => return Err(ServerError::Forbidden("only a manager or an admin can nudge (催交)".into())),
                Role::Manager if !db.sees(&by.id, &target.id)? => {
                    return Err(ServerError::Forbidden(format!("{} is not in your team", target.name)))
                }
                _ => {}
            }
            if !target.active {
                return Err(ServerError::BadRequest(format!("{} is deactivated", target.name)));
            }
            let (first, last) = report_period(&active, kind, &period, now)?;
            // Only for a period that has begun and in which the member was already a member.
            let today = active.cal.local_date(now);
            let joined = target.membership().first_full_day(&active.cal);
            if first > today {
                return Err(ServerError::BadRequest(format!(
                    "the {} of {} is not due yet: nudge for a period that has begun",
                    kind_zh(kind.as_str()),
                    days_words(first, last)
                )));
            }
            if last < joined {
                return Err(ServerError::BadRequest(format!(
                    "{} joined on {joined}, after {}: nothing was due from them then",
                    target.name,
                    days_words(first, last)
                )));
            }
            if db.nudges_of(&target.id, now - 86_400_000)?.len() >= NUDGES_PER_DAY {
                return Err(ServerError::TooMany(format!(
                    "{} was nudged {NUDGES_PER_DAY} times in the last day; that is the most",
                    target.name
                )));
            }
            let k = kind.as_str();
            if db.submitted(&target.id, k, &first.to_string())? {
                return Err(ServerError::Conflict(format!(
                    "{} has already submitted the {} of {}",
                    target.name,
                    kind_zh(k),
                    days_words(first, last)
                )));
            }
            let before = db.last_nudge(&target.id, k, &first.to_string())?;
            if let Some(at) = before {
                if now - at < NUDGE_EVERY_MS {
                    let minutes = (NUDGE_EVERY_MS - (now - at)).div_euclid(60_000) + 1;
                    return Err(ServerError::TooMany(format!(
                        "{} was nudged for this report less than an hour ago; again in {minutes} minutes",
                        target.name
                    )));
                }
            }
            let row = NudgeRow {
                id: uuid::Uuid::now_v7().to_string(),
                user_id: target.id.clone(),
                by_id: by.id.clone(),
                kind: k.to_string(),
                first: first.to_string(),
                last: last.to_string(),
                at: now,
            };
            db.insert_nudge(&row)?;
            db.mark_snapshot_stale(&target.id)?;
            let title = format!("催交：{}", kind_zh(k));
            let text =
                format!("**{}** 请 **{}** 尽快提交{}。", by.name, target.name, period_name(k, last, None, Lang::ZhCn));
            // The chat @mentions a member once per report; later nudges name them.
            let mentions = if before.is_none() { vec![mention(&target)] } else { Vec::new() };
            enqueue_text(db, &active, RobotEvent::Nudge, &row.id, &title, &text, &mentions, &target.id, now)?;
            Ok(row)
        })
    }

    /// Does what is due at `now`: records the reports that fell due (deadline plus grace) and
    /// tells the robots who missed them; queues each reminder whose time has come (before its
    /// deadline) with the members who have not submitted, each robot's weekly digest in the day
    /// after its time, and each manager's daily alert message. Every server process may run it:
    /// each message is queued once. Returns how many messages were queued.
    pub fn run_schedule(&self, now: i64) -> Result<usize> {
        let shared = self.active.clone();
        let through = self.deadlines_through.load(std::sync::atomic::Ordering::Relaxed);
        let out = self.store.write(move |db| {
            let active = config::fresh(db, &shared)?;
            // Deadlines are recorded with or without robots to tell.
            let told = super::deadlines::keep(db, &active, through, now)?;
            if active.config.robots.is_empty() {
                return Ok(told);
            }
            Ok(told
                + reminders(db, &active, now)?
                + digests(db, &active, now)?
                + super::deadlines::daily_alerts(db, &active, now)?)
        })?;
        self.deadlines_through.fetch_max(now, std::sync::atomic::Ordering::Relaxed);
        Ok(out)
    }
}

/// Queues the reminders due at `now`.
fn reminders(db: &Db, active: &Active, now: i64) -> Result<usize> {
    let c = &active.config;
    let robots: Vec<&str> =
        c.robots.iter().filter(|r| r.events.contains(&RobotEvent::Reminder)).map(|r| r.name.as_str()).collect();
    if robots.is_empty() {
        return Ok(0);
    }
    let mut due = c.reminders.due_between(&c.team.deadlines, &active.cal, now - 86_400_000, now + 1);
    due.retain(|r| r.due_at > now);
    if due.is_empty() {
        return Ok(0);
    }
    let reps: Vec<User> = db.users()?.into_iter().filter(|u| u.active && u.role == Role::Rep).collect();
    let mut n = 0;
    for r in due {
        let k = r.kind.as_str();
        let subject = format!("{k}:{}", r.first);
        // Sent (or going) to every robot: who is missing is not looked up again at each tick.
        if queued_to_all(db, &robots, RobotEvent::Reminder, &subject)? {
            continue;
        }
        let mut missing = Vec::new();
        for u in reps.iter().filter(|u| u.membership().owes(&active.cal, r.last, r.due_at)) {
            if !db.submitted(&u.id, k, &r.first.to_string())? {
                missing.push(u);
            }
        }
        if missing.is_empty() {
            continue;
        }
        n += 1;
        let due_at = active.cal.local_datetime(r.due_at).format("%m-%d %H:%M");
        let title = format!("{}提醒", kind_zh(k));
        let write = |who: &[&User]| {
            let names: Vec<String> = who.iter().map(|u| format!("- {}", u.name)).collect();
            let text = format!(
                "{}将于 {due_at} 截止，以下同事尚未提交：\n\n{}",
                period_name(k, r.last, None, Lang::ZhCn),
                names.join("\n")
            );
            (text, who.iter().map(|u| mention(u)).collect())
        };
        let m =
            AboutMany { event: RobotEvent::Reminder, subject: &subject, title: &title, who: &missing, write: &write };
        // Queued to go at once (`now` decides what is due: the clock's time, but in tests).
        enqueue_many(db, active, &m, now_ms().min(now))?;
    }
    Ok(n)
}

/// Whether a message about `subject` is queued (or sent) to every robot of `robots`.
fn queued_to_all(db: &Db, robots: &[&str], event: RobotEvent, subject: &str) -> Result<bool> {
    for robot in robots {
        if !db.queued(robot, event.as_str(), subject)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Queues each robot's weekly digest when its time has come this week (within a day).
fn digests(db: &Db, active: &Active, now: i64) -> Result<usize> {
    let cal = &active.cal;
    let today = cal.local_date(now);
    let week = cal.week_start_of(today);
    let mut n = 0;
    for robot in &active.config.robots {
        let Ok(Some((day, time))) = robot.digest_at() else { continue };
        let offset = (day.num_days_from_monday() + 7 - week.weekday().num_days_from_monday()) % 7;
        let at = cal.local_ms(week + chrono::Days::new(offset.into()), time);
        if !(at..at + 86_400_000).contains(&now) {
            continue;
        }
        let subject = format!("digest:{week}");
        if db.queued(&robot.name, RobotEvent::Digest.as_str(), &subject)? {
            continue; // sent (or going): the figures are not computed again
        }
        // A department's robot reads of its subtree's members only.
        let scope = match &robot.dept {
            Some(d) => Scope::of_dept(db, d)?,
            None => Scope::of(db, None, None)?,
        };
        let (text, first, last) = digest_text(db, active, &scope, now)?;
        let title = format!("上周速览（{} ~ {}）", first.format("%m-%d"), last.format("%m-%d"));
        let out = Outgoing {
            event: RobotEvent::Digest,
            subject: &subject,
            title: &title,
            markdown: &|_: RobotKind| text.clone(),
            mentions: &[],
            about: "",
        };
        enqueue_to(db, robot, &out, now_ms().min(now))?;
        n += 1;
    }
    Ok(n)
}

/// Last week in lines: per member who was one then, every figure of the role against its target
/// and the reports on time; the team's submission rate and the alerts open now. With the week
/// it covers.
fn digest_text(db: &Db, active: &Active, scope: &Scope, now: i64) -> Result<(String, NaiveDate, NaiveDate)> {
    let lang = Lang::ZhCn;
    let snap = figures::snapshot(db, &active.config, scope, Period::LastWeek, now)?;
    let subs = figures::submissions(db, &active.config, scope, Period::LastWeek, now)?;
    let alerts = figures::alerts(db, &active.config, scope, now)?;
    let mut lines = vec![format!("**上周（{} ~ {}）**", snap.first, snap.last), String::new()];
    let cal = &active.cal;
    let was_member = |u: &User| {
        let m = u.membership();
        m.first_full_day(cal) <= snap.last && m.last_day(cal).is_none_or(|l| l >= snap.first)
    };
    for u in scope.members.iter().filter(|u| was_member(u)) {
        let mut parts: Vec<String> = snap
            .rows
            .iter()
            .filter(|f| f.user_id.as_deref() == Some(u.id.as_str()))
            .map(|f| match &f.target_display {
                Some(t) => format!("{} {} / {t}", lang.pick(&f.name_zh, &f.name_en), f.display),
                None => format!("{} {}", lang.pick(&f.name_zh, &f.name_en), f.display),
            })
            .collect();
        if let Some(s) = subs.iter().find(|s| s.user_id == u.id) {
            let due = s.on_time + s.late + s.missing;
            parts.push(format!("按时提交 {}/{due}", s.on_time));
        }
        lines.push(format!("- **{}**：{}", u.name, parts.join("，")));
    }
    let (on_time, due) = subs.iter().fold((0, 0), |(a, b), s| (a + s.on_time, b + s.on_time + s.late + s.missing));
    let rate =
        if due == 0 { "—".to_string() } else { format!("{:.0}%", f64::from(on_time) * 100.0 / f64::from(due)) };
    lines.push(String::new());
    lines.push(format!("按时提交率 {rate}；未处理预警 {} 条", alerts.len()));
    Ok((lines.join("\n"), snap.first, snap.last))
}
