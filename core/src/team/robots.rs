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
}

impl RobotEvent {
    /// The event's name, as in the configuration file.
    pub fn as_str(self) -> &'static str {
        match self {
            RobotEvent::ReportSubmitted => "report_submitted",
            RobotEvent::Alert => "alert",
        }
    }
}

fn all_events() -> Vec<RobotEvent> {
    vec![RobotEvent::ReportSubmitted, RobotEvent::Alert]
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
    /// What it receives (default: both).
    #[serde(default = "all_events")]
    pub events: Vec<RobotEvent>,
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
        Ok(())
    }
}
