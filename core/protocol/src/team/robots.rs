//! Group-chat robots that receive submitted reports and new alerts: DingTalk custom robots,
//! Feishu / Lark custom bots and WeCom group robots. Their webhook URLs and secrets are
//! credentials: they stay on the server and are never published to devices.

use serde::{Deserialize, Serialize};

/// The kind of robot, which decides the message format and the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RobotKind {
    /// DingTalk custom robot (钉钉自定义机器人); signed with `secret` when one is set.
    Dingtalk,
    /// Feishu / Lark custom bot (飞书自定义机器人); signed with `secret` when one is set.
    Feishu,
    /// WeCom group robot (企业微信群机器人); its key is part of the URL.
    Wecom,
}

/// What a robot is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RobotEvent {
    /// A report was submitted.
    ReportSubmitted,
    /// A new alert was raised.
    Alert,
    /// A report is due soon: who has not submitted it, each @mentioned.
    Reminder,
    /// A manager asked a member for a report (催交): the member is @mentioned.
    Nudge,
    /// The weekly digest, at the robot's `digest` time.
    Digest,
}

impl RobotEvent {
    /// The event's name, as in the configuration file.
    pub fn as_str(self) -> &'static str {
        match self {
            RobotEvent::ReportSubmitted => "report_submitted",
            RobotEvent::Alert => "alert",
            RobotEvent::Reminder => "reminder",
            RobotEvent::Nudge => "nudge",
            RobotEvent::Digest => "digest",
        }
    }
}

fn all_events() -> Vec<RobotEvent> {
    // The digest goes to robots with a `digest` time, whatever their events.
    vec![RobotEvent::ReportSubmitted, RobotEvent::Alert, RobotEvent::Reminder, RobotEvent::Nudge]
}

/// One configured robot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Robot {
    /// A name for the delivery log, unique in the team.
    pub name: String,
    pub kind: RobotKind,
    /// The webhook URL the chat tool gave.
    pub url: String,
    /// The signing secret (DingTalk "加签", Feishu "签名校验"), when the robot has one.
    #[serde(default)]
    pub secret: Option<String>,
    /// What it receives (default: submitted reports, alerts, reminders and nudges).
    #[serde(default = "all_events")]
    pub events: Vec<RobotEvent>,
    /// When it receives the weekly digest (last week's figures against targets, report
    /// submissions and open alerts, a line per member): `monday 09:00`, in the team's zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// A department's chat (its name or id): the robot receives only what concerns the members
    /// of that department and of those below it — their reports, alerts, reminders and nudges —
    /// and a digest of their figures. Without one, the team's robot: everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dept: Option<String>,
}

impl Robot {
    /// Checks the name and URL.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("name: required".into());
        }
        if !(self.url.starts_with("https://") || self.url.starts_with("http://")) {
            return Err(format!("url: `{}` is not an http(s) URL", self.url));
        }
        if self.kind == RobotKind::Wecom && self.secret.is_some() {
            return Err("secret: WeCom group robots are not signed (their key is in the URL)".into());
        }
        if self.digest.is_some() {
            self.digest_at()?;
        }
        Ok(())
    }

    /// The weekday and local time of its weekly digest, when it has one.
    pub fn digest_at(&self) -> Result<Option<(chrono::Weekday, chrono::NaiveTime)>, String> {
        let Some(d) = &self.digest else { return Ok(None) };
        let bad = || format!("digest: `{d}` is not a weekday and a time (e.g. `monday 09:00`)");
        let (day, time) = d.trim().split_once(' ').ok_or_else(bad)?;
        let day = crate::period::parse_weekday(day.trim()).map_err(|_| bad())?;
        let time = chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M").map_err(|_| bad())?;
        Ok(Some((day, time)))
    }
}
