//! Robot events: the messages a merge queues for the team's group-chat robots (a report became
//! submitted, a new alert), rendered in each robot's dialect. Queued inside the merge that
//! raised them, so a message exists exactly when its cause committed; sent by the worker
//! (`crate::robots`), which claims each message before sending it.

use fieldreport_protocol::doc::Report;
use fieldreport_protocol::report::label_of;
use fieldreport_protocol::report::{render_markdown_linked, Dialect, Lang};
use fieldreport_protocol::team::{alert_text, Alert, AlertDelivery, Robot, RobotEvent, RobotKind};
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
/// Markdown for a robot kind, and the members it @mentions.
pub(super) struct Outgoing<'a> {
    pub event: RobotEvent,
    pub subject: &'a str,
    pub title: &'a str,
    pub markdown: &'a dyn Fn(RobotKind) -> String,
    pub mentions: &'a [Mention],
}

/// Queues a message for every robot that takes its event (the digest: robots with a digest
/// time).
pub(super) fn enqueue(db: &Db, active: &Active, m: &Outgoing, now: i64) -> Result<()> {
    let takes = |r: &&Robot| match m.event {
        RobotEvent::Digest => r.digest.is_some(),
        e => r.events.contains(&e),
    };
    for r in active.config.robots.iter().filter(takes) {
        enqueue_to(db, r, m, now)?;
    }
    Ok(())
}

/// Queues the same Markdown `text` for every robot that takes `event` (most messages read alike
/// in every chat tool).
#[allow(clippy::too_many_arguments)]
pub(super) fn enqueue_text(
    db: &Db,
    active: &Active,
    event: RobotEvent,
    subject: &str,
    title: &str,
    text: &str,
    mentions: &[Mention],
    now: i64,
) -> Result<()> {
    let out = Outgoing { event, subject, title, markdown: &|_| text.to_string(), mentions };
    enqueue(db, active, &out, now)
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
    for a in alerts.iter().filter(|a| fresh.contains(&a.id)) {
        let who = names.of(&a.user_id);
        let title = format!("{}：{who}", lang.pick("预警", "Alert"));
        let text = format!("**{}** · {who}\n\n{}", label_of(&a.kind, lang), alert_text(a, lang, &names));
        enqueue_text(db, active, RobotEvent::Alert, &a.id, &title, &text, &[], now)?;
    }
    Ok(())
}
