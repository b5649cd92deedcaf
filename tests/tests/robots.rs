//! Group-chat delivery against a local receiver that checks each robot's payload and signature
//! the way DingTalk, Feishu and WeCom do; a failing robot is retried and never blocks a sync.

mod support;

use fieldreport_core::codes::DeliveryStatus;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use fieldreport_core::doc::ReportKind;
use fieldreport_core::report::Lang;
use fieldreport_core::team::{Robot, RobotEvent, RobotKind};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use support::*;

const DING_SECRET: &str = "SEC-ding-秘密";
const FEISHU_SECRET: &str = "feishu-secret";

type Seen = Arc<Mutex<Vec<(String, Value)>>>;

fn sign(key: &[u8], msg: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(msg);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

async fn dingtalk(
    State(seen): State<Seen>,
    Query(q): Query<HashMap<String, String>>,
    Json(body): Json<Value>,
) -> Json<Value> {
    // DingTalk: sign = base64(HMAC-SHA256(secret, "timestamp\nsecret")), in the query.
    let ts = q.get("timestamp").cloned().unwrap_or_default();
    let ok = q.get("sign") == Some(&sign(DING_SECRET.as_bytes(), format!("{ts}\n{DING_SECRET}").as_bytes()))
        && q.get("access_token").map(String::as_str) == Some("ding-token")
        && body["msgtype"] == "markdown"
        && body["markdown"]["title"].is_string()
        && body["markdown"]["text"].is_string();
    if !ok {
        return Json(json!({"errcode": 310000, "errmsg": "sign not match"}));
    }
    seen.lock().unwrap().push(("dingtalk".into(), body));
    Json(json!({"errcode": 0, "errmsg": "ok"}))
}

async fn feishu(State(seen): State<Seen>, Json(body): Json<Value>) -> Json<Value> {
    // Feishu: sign = base64(HMAC-SHA256(key = "timestamp\nsecret", message = "")), in the body.
    let ts = body["timestamp"].as_str().unwrap_or_default().to_string();
    let ok = body["sign"] == sign(format!("{ts}\n{FEISHU_SECRET}").as_bytes(), b"").as_str()
        && body["msg_type"] == "interactive"
        && body["card"]["elements"][0]["tag"] == "markdown";
    if !ok {
        return Json(
            json!({"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}),
        );
    }
    seen.lock().unwrap().push(("feishu".into(), body));
    Json(json!({"code": 0, "msg": "success"}))
}

async fn wecom(
    State(seen): State<Seen>,
    Query(q): Query<HashMap<String, String>>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let ok = q.get("key").map(String::as_str) == Some("wecom-key") && body["msgtype"] == "markdown";
    if !ok {
        return Json(json!({"errcode": 93000, "errmsg": "invalid webhook url"}));
    }
    seen.lock().unwrap().push(("wecom".into(), body));
    Json(json!({"errcode": 0, "errmsg": "ok"}))
}

async fn failing() -> (axum::http::StatusCode, &'static str) {
    (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "down for maintenance")
}

async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new()
        .route("/dingtalk", post(dingtalk))
        .route("/feishu", post(feishu))
        .route("/wecom", post(wecom))
        .route("/fail", post(failing))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

fn robot(name: &str, kind: RobotKind, url: String, secret: Option<&str>) -> Robot {
    Robot {
        name: name.into(),
        kind,
        url,
        secret: secret.map(str::to_string),
        events: vec![RobotEvent::ReportSubmitted],
        digest: None,
        dept: None,
    }
}

#[tokio::test]
async fn a_submitted_report_reaches_every_robot_signed_and_a_failing_robot_is_retried() {
    let (hook, seen) = receiver().await;
    let server = Server::start().await;
    let (mgr, _) = server.user("李经理", "manager", None);
    let (rep_id, code) = server.user("张三", "rep", Some(&mgr));
    let mut cfg = server.admin.config().unwrap();
    // A target the rep cannot meet: the visits KPI is red, an alert.
    cfg.targets.push(weekly_target("visits", rep_id, 1000.0));
    cfg.robots = vec![
        robot("钉钉群", RobotKind::Dingtalk, format!("{hook}/dingtalk?access_token=ding-token"), Some(DING_SECRET)),
        robot("飞书群", RobotKind::Feishu, format!("{hook}/feishu"), Some(FEISHU_SECRET)),
        robot("企微群", RobotKind::Wecom, format!("{hook}/wecom?key=wecom-key"), None),
        robot("坏机器人", RobotKind::Wecom, format!("{hook}/fail"), None),
        Robot {
            events: vec![RobotEvent::Alert],
            ..robot("预警群", RobotKind::Wecom, format!("{hook}/wecom?key=wecom-key"), None)
        },
    ];
    // Each alert as it is raised (the default gathers them into one message a day).
    cfg.alerts.delivery = fieldreport_core::team::AlertDelivery::Each;
    server.admin.apply_config(cfg).unwrap();
    let mut rep = Device::enroll(&server.url, &code).await;

    let r = rep.store.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    rep.store.set_report_text(&r, "done", "拜访华为，<b>演示</b>方案。").unwrap();
    rep.store.submit_report(&r, std::slice::from_ref(&mgr), &[]).unwrap();
    let stats = rep.sync().await;
    assert!(stats.rejected.is_empty(), "the sync is not held up by robots: {stats:?}");
    assert!(
        rep.store.team_config().unwrap().is_some_and(|c| c.robots.is_empty()),
        "devices never receive robot URLs or secrets"
    );

    // Wait for the worker: three robots take the message, the fourth keeps failing.
    let mut last = Vec::new();
    for _ in 0..100 {
        last = server.admin.deliveries(20).unwrap();
        let sent = last.iter().filter(|d| d.status == DeliveryStatus::Sent && d.event == "report_submitted").count();
        let retried = last.iter().any(|d| d.robot == "坏机器人" && d.attempts >= 2);
        let alerted = last.iter().any(|d| d.robot == "预警群" && d.status == DeliveryStatus::Sent);
        if sent == 3 && retried && alerted {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let by = |name: &str| last.iter().find(|d| d.robot == name).unwrap_or_else(|| panic!("{name}: {last:#?}"));
    for name in ["钉钉群", "飞书群", "企微群"] {
        let d = by(name);
        assert_eq!(
            (d.status.as_str(), d.event.as_str(), d.subject.as_str()),
            ("sent", "report_submitted", r.as_str()),
            "{d:?}"
        );
    }
    let alert = by("预警群");
    assert_eq!((alert.event.as_str(), alert.status.as_str()), ("alert", "sent"), "{alert:?}");
    // Behind the pace of the target (or, on a period's first day, last week's missing reports).
    assert!(
        (alert.subject.starts_with("kpi_red:") && alert.markdown.contains("指标落后"))
            || (alert.subject.starts_with("report_missing:") && alert.markdown.contains("汇报未交")),
        "{alert:?}"
    );
    let kind = alert.subject.split(':').next().unwrap_or("");
    assert!(alert.markdown.contains("张三") && !alert.markdown.contains(kind), "in words, with names: {alert:?}");
    let bad = by("坏机器人");
    assert_eq!(bad.status, DeliveryStatus::Pending, "retried later, not given up yet: {bad:?}");
    assert!(bad.attempts >= 2 && bad.last_error.as_deref().unwrap_or("").contains("HTTP 500"), "{bad:?}");
    assert!(bad.next_at > bad.created_at, "backoff");

    let seen = seen.lock().unwrap().clone();
    let kinds: Vec<&str> = seen.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "dingtalk").count(), 1, "{kinds:?}");
    let ding = &seen.iter().find(|(k, _)| k == "dingtalk").unwrap().1;
    assert!(ding["markdown"]["text"].as_str().unwrap().contains("拜访华为"), "{ding}");
    assert!(ding["markdown"]["title"].as_str().unwrap().starts_with("张三"), "{ding}");
    let wecom = &seen.iter().find(|(k, _)| k == "wecom").unwrap().1;
    assert!(wecom["markdown"]["content"].as_str().unwrap().contains("拜访华为"));

    // A resend of the same report does not queue it again.
    rep.sync().await;
    let again = server.admin.deliveries(50).unwrap();
    assert_eq!(again.iter().filter(|d| d.robot == "钉钉群").count(), 1);
}
