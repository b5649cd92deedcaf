//! Each robot's message format and signature.

use base64::Engine;
use fieldreport_protocol::team::{Robot, RobotKind};
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::{json, Value};
use sha2::Sha256;

/// A message for a chat: a title and Markdown in the robot's dialect, and whom it @mentions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    pub title: String,
    pub markdown: String,
    pub mentions: Vec<Mention>,
}

/// A member a message @mentions: by phone where the chat tool can (DingTalk, WeCom), by name
/// otherwise (Feishu, or a member without a phone in the directory).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mention {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl Message {
    fn phones(&self) -> Vec<&str> {
        self.mentions.iter().filter_map(|m| m.phone.as_deref()).collect()
    }

    /// The line that names the mentioned: `@13800000000` for a phone (which the chat tool
    /// turns into the member), `@张伟` otherwise.
    fn mention_line(&self, by_phone: bool) -> String {
        self.mentions
            .iter()
            .map(|m| match (&m.phone, by_phone) {
                (Some(p), true) => format!("@{p}"),
                _ => format!("@{}", m.name),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn hmac_base64(key: &[u8], message: &[u8]) -> String {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(message);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The URL and JSON body to POST for `msg` to `robot` at `now_ms`.
pub fn request(robot: &Robot, msg: &Message, now_ms: i64) -> (String, Value) {
    match robot.kind {
        RobotKind::Dingtalk => {
            let mut text = msg.markdown.clone();
            if !msg.mentions.is_empty() {
                // DingTalk @mentions a phone in `at` only when the text names it too.
                text = format!("{text}\n\n{}", msg.mention_line(true));
            }
            let body = json!({
                "msgtype": "markdown",
                "markdown": {"title": msg.title, "text": text},
                "at": {"atMobiles": msg.phones(), "isAtAll": false},
            });
            let url = match &robot.secret {
                // 加签: HMAC-SHA256 of "timestamp\nsecret" keyed by the secret, in the URL.
                Some(secret) => {
                    let sign = hmac_base64(secret.as_bytes(), format!("{now_ms}\n{secret}").as_bytes());
                    let sep = if robot.url.contains('?') { '&' } else { '?' };
                    format!(
                        "{}{sep}timestamp={now_ms}&sign={}",
                        robot.url,
                        utf8_percent_encode(&sign, NON_ALPHANUMERIC)
                    )
                }
                None => robot.url.clone(),
            };
            (url, body)
        }
        RobotKind::Feishu => {
            let mut content = msg.markdown.clone();
            if !msg.mentions.is_empty() {
                // A custom bot knows no phones: members are named.
                content = format!("{content}\n\n{}", msg.mention_line(false));
            }
            let mut body = json!({
                "msg_type": "interactive",
                "card": {
                    "header": {"title": {"tag": "plain_text", "content": msg.title}},
                    "elements": [{"tag": "markdown", "content": content}],
                },
            });
            if let Some(secret) = &robot.secret {
                // 签名校验: HMAC-SHA256 keyed by "timestamp\nsecret" over nothing, in the body.
                let ts = now_ms / 1000;
                body["timestamp"] = json!(ts.to_string());
                body["sign"] = json!(hmac_base64(format!("{ts}\n{secret}").as_bytes(), b""));
            }
            (robot.url.clone(), body)
        }
        RobotKind::Wecom if !msg.phones().is_empty() => {
            // WeCom @mentions phones only in text messages.
            let text = format!("{}\n{}\n{}", msg.title, msg.markdown, msg.mention_line(false));
            (
                robot.url.clone(),
                json!({"msgtype": "text", "text": {"content": text, "mentioned_mobile_list": msg.phones()}}),
            )
        }
        RobotKind::Wecom => {
            let mut text = format!("**{}**\n{}", msg.title, msg.markdown);
            if !msg.mentions.is_empty() {
                text = format!("{text}\n{}", msg.mention_line(false));
            }
            (robot.url.clone(), json!({"msgtype": "markdown", "markdown": {"content": text}}))
        }
    }
}

/// Whether a robot's answer means the message was taken: HTTP 2xx and, when the body says,
/// a zero `errcode` (DingTalk, WeCom) or `code` (Feishu).
pub(crate) fn accepted(status: u16, body: &str) -> Result<(), String> {
    if !(200..300).contains(&status) {
        return Err(format!("HTTP {status}: {}", body.chars().take(200).collect::<String>()));
    }
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let code = v.get("errcode").or_else(|| v.get("code")).or_else(|| v.get("StatusCode"));
    match code.and_then(Value::as_i64) {
        None | Some(0) => Ok(()),
        Some(c) => {
            let why = v.get("errmsg").or_else(|| v.get("msg")).and_then(Value::as_str).unwrap_or("");
            Err(format!("the robot refused the message: code {c} {why}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldreport_protocol::team::RobotEvent;

    fn robot(kind: RobotKind, secret: Option<&str>) -> Robot {
        Robot {
            digest: None,
            name: "r".into(),
            kind,
            url: "https://example.invalid/hook?access_token=x".into(),
            secret: secret.map(str::to_string),
            events: vec![RobotEvent::Alert],
            dept: None,
        }
    }

    #[test]
    fn dingtalk_signs_in_the_url_and_feishu_in_the_body() {
        let msg = Message { title: "日报".into(), markdown: "**完成**".into(), mentions: Vec::new() };
        let (url, body) = request(&robot(RobotKind::Dingtalk, Some("SECabc")), &msg, 1_700_000_000_000);
        let expected = hmac_base64(b"SECabc", b"1700000000000\nSECabc");
        let encoded = utf8_percent_encode(&expected, NON_ALPHANUMERIC).to_string();
        assert!(url.ends_with(&format!("&timestamp=1700000000000&sign={encoded}")), "{url}");
        assert_eq!(body["markdown"]["text"], "**完成**");
        let (url, body) = request(&robot(RobotKind::Feishu, Some("s3")), &msg, 1_700_000_000_999);
        assert!(!url.contains("sign"));
        assert_eq!(body["timestamp"], "1700000000");
        assert_eq!(body["sign"], hmac_base64(b"1700000000\ns3", b"").as_str());
        let (_, body) = request(&robot(RobotKind::Wecom, None), &msg, 0);
        assert_eq!(body["markdown"]["content"], "**日报**\n**完成**");
    }

    #[test]
    fn answers_are_judged_by_status_and_code() {
        assert!(accepted(200, r#"{"errcode":0,"errmsg":"ok"}"#).is_ok());
        assert!(accepted(200, r#"{"code":19021,"msg":"sign match fail"}"#).unwrap_err().contains("19021"));
        assert!(accepted(500, "oops").is_err());
        assert!(accepted(200, "").is_ok());
    }
}
