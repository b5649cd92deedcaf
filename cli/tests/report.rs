//! The `report` and `kpi` commands: contract, output and exit codes.

mod support;

use support::{id, Device};

/// Members this device knows only by id (without a server there is no directory, and an id is
/// taken as it is).
const MGR1: &str = "0190c0de-0000-7000-8000-000000000001";
const MGR2: &str = "0190c0de-0000-7000-8000-000000000002";
const NOW: &str = "2026-11-23T19:00:00+08:00";

#[test]
fn a_daily_report_writes_itself_from_the_days_work() {
    let d = Device::new("rep-1", NOW);
    let c = id(&d.ok(&["customer", "add", "--name", "华为"]));
    d.ok(&[
        "visit",
        "log",
        "--customer",
        &c,
        "--note",
        "上午拜访张总",
        "--next-step",
        "报价",
        "--at",
        "2026-11-23T09:00",
    ]);
    d.ok(&["visit", "log", "--customer", &c, "--kind", "call", "--note", "下午电话", "--at", "2026-11-23T15:00"]);

    // `report new` prints the id alone without --json.
    let r = d.text(&["report", "new", "daily"]).trim().to_string();
    assert_eq!(r.len(), 36, "a UUID: {r}");
    d.ok(&["report", "set", &r, "1", "完成两次跟进。"]);
    d.ok(&["report", "set", &r, "plan", "明天报价。"]);
    let b = d.ok(&["report", "insert-followups", &r]);
    assert_eq!(b["section"], "done");
    assert_eq!(b["data"]["groups"][0]["items"].as_array().unwrap().len(), 2);
    let k = d.ok(&["report", "insert-kpis", &r, "--period", "this-month", "--metric", "visits", "--metric", "calls"]);
    assert_eq!(k["data"]["rows"][1]["value"], 1.0);
    let md = d.text(&["report", "show", &r]);
    assert!(md.contains("| 华为 | 11-23 09:00 | 拜访 | 上午拜访张总 | 报价 |"), "{md}");
    assert!(md.contains("| 电话量 | 1 |"), "{md}");
    let text = d.text(&["report", "show", &r, "--format", "text", "--lang", "en"]);
    assert!(text.contains("【Done today】\n完成两次跟进。"), "{text}");
    assert!(text.contains("09:00 visit 上午拜访张总 (next: 报价)"), "{text}");
    let json = d.ok(&["report", "show", &r, "--format", "json"]);
    assert_eq!(json["sections"][2]["text"], "明天报价。");

    d.ok(&["report", "refresh", &r]);
    let sub = d.ok(&["report", "submit", &r, "--to", MGR1, "--cc", MGR2]);
    assert_eq!(sub["status"], "submitted");
    assert_eq!(sub["to"][0], MGR1);
    let c = d.ok(&["report", "comment", &r, "补充客户名称"]);
    assert_eq!(c["comment"]["text"], "补充客户名称");
    let list = d.ok(&["report", "list", "--period", "today"]);
    assert_eq!(list[0]["id"], r.as_str());
    assert_eq!(list[0]["status"], "submitted");
}

#[test]
fn report_bad_input_exits_2_and_writes_nothing() {
    let d = Device::new("rep-1", NOW);
    let r = id(&d.ok(&["report", "new", "daily"]));
    d.ok(&["report", "set", &r, "done", "原文"]);
    let unknown = "01900000-0000-7000-8000-000000000000";
    for args in [
        vec!["report", "new", "yearly"],
        vec!["report", "new", "daily", "--date", "2026-02-30"],
        vec!["report", "new", "daily", "--lang", "fr"],
        vec!["report", "set", unknown, "1", "x"],
        vec!["report", "set", &r, "nope", "x"],
        vec!["report", "set", &r, "9", "x"],
        vec!["report", "splice", &r, "1", "3", "0", "x"],
        vec!["report", "insert-kpis", &r, "--metric", "happiness"],
        vec!["report", "insert-followups", &r, "--period", "2026-11-30..2026-11-01"],
        vec!["report", "submit", &r],
        vec!["report", "show", &r, "--format", "pdf"],
    ] {
        assert_eq!(d.exit(&args), 2, "{args:?}");
    }
    let after = d.ok(&["report", "show", &r, "--format", "json"]);
    assert_eq!(after["sections"][0]["text"], "原文");
    assert_eq!(after["blocks"].as_array().unwrap().len(), 0);
    assert_eq!(after["status"], "draft");

    d.ok(&["report", "submit", &r, "--to", MGR1]);
    assert_eq!(d.exit(&["report", "set", &r, "1", "after submit"]), 2);
    assert_eq!(d.exit(&["report", "insert-followups", &r]), 2);
    assert_eq!(d.ok(&["report", "show", &r, "--format", "json"])["sections"][0]["text"], "原文");
}

#[test]
fn kpi_prints_local_figures_with_their_source() {
    let d = Device::new("rep-1", NOW);
    let c = id(&d.ok(&["customer", "add", "--name", "华为"]));
    d.ok(&["visit", "log", "--customer", &c, "--note", "x", "--at", "2026-11-23T09:00"]);
    let rows = d.ok(&["kpi", "--period", "today"]);
    let visits = rows.as_array().unwrap().iter().find(|r| r["metric"] == "visits").unwrap();
    for key in ["user_id", "metric", "value", "target", "achievement", "status", "source", "as_of"] {
        assert!(visits.get(key).is_some(), "kpi row has {key}");
    }
    assert_eq!(visits["value"], 1.0);
    assert_eq!(visits["user_id"], "rep-1");
    assert_eq!(visits["source"], "local");
    assert_eq!(d.exit(&["kpi", "--period", "someday"]), 2);
    assert_eq!(d.exit(&["kpi", "--metric", "nope"]), 2);
}
