//! Robot events: the messages a merge queues for the team's group-chat robots (a report became
//! submitted, a new alert), rendered in each robot's dialect. Queued inside the merge that
//! raised them, so a message exists exactly when its cause committed; sent by the worker
//! (`crate::robots`), which claims each message before sending it.

use fieldreport_protocol::doc::Report;
use fieldreport_protocol::report::label_of;
use fieldreport_protocol::report::{render_markdown_linked, Dialect, Lang};
use std::collections::HashSet;

use fieldreport_protocol::team::{alert_text, Alert, AlertDelivery, DeptTree, Robot, RobotEvent, RobotKind};
use fieldreport_protocol::text::markup_safe;

use super::config::Active;
use crate::error::Result;
use crate::robots::Mention;
use crate::store::db::NewDelivery;
use crate::store::Db;

/// How long a worker holds the messages it claimed before another may send them (a worker that
/// died mid-send leaves them for this long).
pub const LEASE_MS: i64 = 60_000;

/// The robot markdown dialect of `kind`.
pub fn dialect(kind: RobotKind) -> Dialect {
    match kind {
        RobotKind::Dingtalk => Dialect::DingTalk,
        RobotKind::Feishu => Dialect::Feishu,
        RobotKind::Wecom => Dialect::WeCom,
    }
}

/// What a robot message says and to whom: its subject (each is sent once per robot), title,
/// Markdown for a robot kind, the members it @mentions, and the member it is about (a
/// department's robot hears only of its own members).
pub(super) struct Outgoing<'a> {
    pub event: RobotEvent,
    pub subject: &'a str,
    pub title: &'a str,
    pub markdown: &'a dyn Fn(RobotKind) -> String,
    pub mentions: &'a [Mention],
    pub about: &'a str,
}

/// Whose matters a robot hears of: the whole team (`None`), or the members now in its
/// department's subtree (none when its department is gone: a chat never hears of members it
/// was not meant for).
pub(super) type Audience = Option<HashSet<String>>;

/// The robots that take `event` (the digest: robots with a digest time), each with its
/// audience.
pub(super) fn audiences<'a>(db: &Db, active: &'a Active, event: RobotEvent) -> Result<Vec<(&'a Robot, Audience)>> {
    let takes = |r: &&Robot| match event {
        RobotEvent::Digest => r.digest.is_some(),
        e => r.events.contains(&e),
    };
    let robots: Vec<&Robot> = active.config.robots.iter().filter(takes).collect();
    if robots.iter().all(|r| r.dept.is_none()) {
        return Ok(robots.into_iter().map(|r| (r, None)).collect());
    }
    let depts = db.departments()?;
    let tree = DeptTree::new(&depts);
    let users = db.users()?;
    let mut out = Vec::with_capacity(robots.len());
    for r in robots {
        let audience = match &r.dept {
            None => None,
            Some(d) => {
                let subtree: HashSet<&str> = fieldreport_protocol::team::find_dept(&depts, d)
                    .map(|x| tree.subtree(&x.id).into_iter().map(|x| x.id.as_str()).collect())
                    .unwrap_or_default();
                Some(
                    users
                        .iter()
                        .filter(|u| u.dept_id.as_deref().is_some_and(|x| subtree.contains(x)))
                        .map(|u| u.id.clone())
                        .collect(),
                )
            }
        };
        out.push((r, audience));
    }
    Ok(out)
}

/// Whether `audience` hears of member `id`.
pub(super) fn hears_of(audience: &Audience, id: &str) -> bool {
    audience.as_ref().is_none_or(|a| a.contains(id))
}

/// Queues a message about one member for every robot that takes its event and hears of them.
pub(super) fn enqueue(db: &Db, active: &Active, m: &Outgoing, now: i64) -> Result<()> {
    for (r, audience) in audiences(db, active, m.event)? {
        if hears_of(&audience, m.about) {
            enqueue_to(db, r, m, now)?;
        }
    }
    Ok(())
}

/// Queues the same Markdown `text` about member `about` for every robot that takes `event` and
/// hears of them (most messages read alike in every chat tool).
#[allow(clippy::too_many_arguments)]
pub(super) fn enqueue_text(
    db: &Db,
    active: &Active,
    event: RobotEvent,
    subject: &str,
    title: &str,
    text: &str,
    mentions: &[Mention],
    about: &str,
    now: i64,
) -> Result<()> {
    let out = Outgoing { event, subject, title, markdown: &|_| text.to_string(), mentions, about };
    enqueue(db, active, &out, now)
}

/// Writes a message about the members given: its text and whom it @mentions.
pub(super) type Write<'u> = dyn Fn(&[&'u crate::model::User]) -> (String, Vec<Mention>) + 'u;

/// A message about several members, as each robot should read it: `write` gets the members of
/// `who` the robot hears of (never none) and gives the text and whom to @mention.
pub(super) struct AboutMany<'a, 'u> {
    pub event: RobotEvent,
    pub subject: &'a str,
    pub title: &'a str,
    pub who: &'a [&'u crate::model::User],
    pub write: &'a Write<'u>,
}

/// Queues `m` for every robot that takes its event: the team's robots about everyone in it, a
/// department's robot about its own members only (nothing when none of them is). Returns how
/// many robots it was queued for.
pub(super) fn enqueue_many(db: &Db, active: &Active, m: &AboutMany, now: i64) -> Result<usize> {
    let mut n = 0;
    for (r, audience) in audiences(db, active, m.event)? {
        let who: Vec<&crate::model::User> = m.who.iter().copied().filter(|u| hears_of(&audience, &u.id)).collect();
        if who.is_empty() {
            continue;
        }
        let (text, mentions) = (m.write)(&who);
        let out = Outgoing {
            event: m.event,
            subject: m.subject,
            title: m.title,
            markdown: &|_| text.clone(),
            mentions: &mentions,
            about: "",
        };
        enqueue_to(db, r, &out, now)?;
        n += 1;
    }
    Ok(n)
}

/// The member to @mention for `u` (by phone where the directory has one).
pub(super) fn mention(u: &crate::model::User) -> Mention {
    Mention { name: u.name.clone(), phone: u.phone.clone() }
}

/// Queues a message for robot `r`. Every message passes here: the text devices wrote in it
/// (names, notes, comments) can carry no control characters or chat tags (`<at id=all>`).
pub(super) fn enqueue_to(db: &Db, r: &Robot, m: &Outgoing, now: i64) -> Result<()> {
    let mentions = if m.mentions.is_empty() { None } else { serde_json::to_string(m.mentions).ok() };
    let text = markup_safe(&(m.markdown)(r.kind));
    let title = markup_safe(m.title);
    Ok(db.enqueue(&NewDelivery {
        robot: &r.name,
        event: m.event.as_str(),
        subject: m.subject,
        title: &title,
        markdown: &text,
        mentions: mentions.as_deref(),
        now,
    })?)
}

/// A user's name for a message (the id when the user is unknown).
fn user_name(db: &Db, id: &str) -> Result<String> {
    Ok(db.user(id)?.map(|u| u.name).unwrap_or_else(|| id.to_string()))
}

/// Queues a submitted report for the robots.
pub(super) fn report_submitted(db: &Db, active: &Active, r: &Report, now: i64) -> Result<()> {
    if active.config.robots.is_empty() {
        return Ok(());
    }
    let author = user_name(db, &r.header.owner)?;
    let title = format!("{author}：{}", r.title);
    let names = super::names(db)?;
    let base = active.config.team.dashboard_url.as_deref();
    let render = |kind: RobotKind| render_markdown_linked(r, r.lang, dialect(kind), &active.cal, &names, base);
    let out = Outgoing {
        event: RobotEvent::ReportSubmitted,
        subject: &r.header.id,
        title: &title,
        markdown: &render,
        mentions: &[],
        about: &r.header.owner,
    };
    enqueue(db, active, &out, now)
}

/// Queues each new alert for the robots as it is raised, when the team chose that delivery
/// (`alerts.delivery = "each"`; by default they are gathered into a daily message per manager:
/// `deadlines::daily_alerts`). An alert already told is not told again.
pub(super) fn alerts(db: &Db, active: &Active, alerts: &[Alert], now: i64) -> Result<()> {
    if active.config.robots.is_empty() || active.config.alerts.delivery != AlertDelivery::Each {
        return Ok(());
    }
    let lang = Lang::ZhCn;
    let names = super::names(db)?;
    let ids: Vec<String> = alerts.iter().map(|a| a.id.clone()).collect();
    let fresh = db.announce_alerts(&ids, now)?;
    if fresh.is_empty() {
        return Ok(());
    }
    // Who each robot hears of is read once for the batch (this runs in the writer's
    // transaction), not once per alert.
    let audiences = audiences(db, active, RobotEvent::Alert)?;
    for a in alerts.iter().filter(|a| fresh.contains(&a.id)) {
        let who = names.of(&a.user_id);
        let title = format!("{}：{who}", lang.pick("预警", "Alert"));
        let text = format!("**{}** · {who}\n\n{}", label_of(&a.kind, lang), alert_text(a, lang, &names));
        let out = Outgoing {
            event: RobotEvent::Alert,
            subject: &a.id,
            title: &title,
            markdown: &|_| text.clone(),
            mentions: &[],
            about: &a.user_id,
        };
        for (r, _) in audiences.iter().filter(|(_, x)| hears_of(x, &a.user_id)) {
            enqueue_to(db, r, &out, now)?;
        }
    }
    Ok(())
}
