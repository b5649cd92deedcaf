//! The command line for people: records named by name or id prefix, customers, contacts and
//! deals edited, check-ins shown with their distance, templates listed, help that lists values.

mod support;

use support::{id, Device};

const NOW: &str = "2026-11-23T10:00:00+08:00";

#[test]
fn records_are_named_by_name_or_id_prefix() {
    let d = Device::new("rep-1", NOW);
    let c = id(&d.ok(&["customer", "add", "--name", "上海华为技术有限公司"]));
    d.ok(&["customer", "add", "--name", "华为终端"]);
    d.ok(&["customer", "add", "--name", "阿里巴巴"]);
    // A part found in one name only, the whole name, an id prefix.
    let deal = id(&d.ok(&["deal", "add", "--customer", "上海华为", "--title", "服务器扩容", "--amount", "120000"]));
    assert_eq!(d.ok(&["deal", "show", "服务器"])["customer_id"], c.as_str());
    assert_eq!(d.ok(&["customer", "show", &c[c.len() - 8..]])["id"], c.as_str(), "the end of an id");
    // Ambiguous or unknown: exit 2, naming the candidates.
    let err = d.fails(2, &["visit", "log", "--customer", "华为", "--note", "x"]);
    assert!(err.contains("could be 2 customers") && err.contains("华为终端"), "{err}");
    let err = d.fails(2, &["visit", "log", "--customer", "腾讯", "--note", "x"]);
    assert!(err.contains("腾讯"), "{err}");
    let err = d.fails(2, &["visit", "log", "--customer", "阿里", "--deal", "服务器", "--note", "x"]);
    assert!(err.contains("belongs to another customer"), "{err}");
    let v = d.ok(&["visit", "log", "--customer", "上海华为", "--deal", &deal[deal.len() - 6..], "--note", "x"]);
    assert_eq!(v["deal_id"], deal.as_str());
}

#[test]
fn customers_contacts_and_deals_are_edited() {
    let d = Device::new("rep-1", NOW);
    d.ok(&["customer", "add", "--name", "上海华为", "--level", "B"]);
    let c = d.ok(&[
        "customer",
        "edit",
        "上海华为",
        "--level",
        "A",
        "--address",
        "上海市浦东新区",
        "--lat",
        "31.2304",
        "--lon",
        "121.4737",
    ]);
    assert_eq!(c["level"], "A");
    assert_eq!(c["location"], serde_json::json!([31.2304, 121.4737]));
    let err = d.fails(2, &["customer", "edit", "上海华为"]);
    assert!(err.contains("nothing to change"), "{err}");

    d.ok(&["contact", "add", "上海华为", "--name", "张总", "--title", "采购总监", "--phone", "13800000000"]);
    d.ok(&["contact", "add", "上海华为", "--name", "李工"]);
    let list = d.ok(&["contact", "edit", "上海华为", "张总", "--title", "副总裁", "--phone", ""]);
    assert_eq!(list[0]["title"], "副总裁");
    assert!(list[0]["phone"].is_null(), "an empty value clears the phone");
    let list = d.ok(&["contact", "remove", "上海华为", "1"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["name"], "李工");
    let err = d.fails(2, &["contact", "remove", "上海华为", "5"]);
    assert!(err.contains("no number 5"), "{err}");
    let shown = d.text(&["customer", "show", "上海华为"]);
    assert!(shown.contains("1. 李工") && shown.contains("上海市浦东新区"), "{shown}");

    d.ok(&["deal", "add", "--customer", "上海华为", "--title", "服务器", "--amount", "12000"]);
    let deal = d.ok(&[
        "deal",
        "edit",
        "服务器",
        "--title",
        "服务器扩容",
        "--amount",
        "15000.50",
        "--expected-close",
        "2026-12-31",
    ]);
    assert_eq!(deal["title"], "服务器扩容");
    assert_eq!(deal["amount"]["minor"], 1_500_050);
    assert_eq!(deal["expected_close"], "2026-12-31");
    let listed = d.text(&["deal", "list"]);
    assert!(listed.contains("¥15,000.50") && listed.contains("线索"), "money in yuan, stages in words: {listed}");
}

#[test]
fn a_check_in_shows_how_far_it_was_from_the_customer() {
    let d = Device::new("rep-1", NOW);
    d.ok(&["customer", "add", "--name", "上海华为", "--lat", "31.2304", "--lon", "121.4737"]);
    let v = d.ok(&[
        "visit",
        "log",
        "--customer",
        "上海华为",
        "--note",
        "拜访",
        "--lat",
        "31.2397",
        "--lon",
        "121.4998",
        "--accuracy",
        "15",
    ]);
    let v = id(&v);
    let shown = d.ok(&["visit", "show", &v[v.len() - 8..]]);
    let metres = shown["checkin"]["distance_m"].as_f64().unwrap();
    assert!((2_600.0..2_800.0).contains(&metres), "{shown}");
    let text = d.text(&["visit", "show", &v]);
    assert!(text.contains("签到") && text.contains("距客户 2.7 km"), "{text}");
}

#[test]
fn templates_are_listed_and_used() {
    let d = Device::new("rep-1", NOW);
    let listed = d.ok(&["report", "templates"]);
    let ids: Vec<&str> = listed.as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"builtin:weekly:zh-CN"), "{ids:?}");
    let text = d.text(&["report", "templates", "--lang", "en"]);
    assert!(text.contains("builtin:weekly:en") && text.contains("Key accounts (key_accounts)"), "{text}");
    let r = d.ok(&["report", "new", "--template", "builtin:weekly:zh-CN"]);
    assert_eq!(r["kind"], "weekly");
    let err = d.fails(2, &["report", "new", "--template", "nope"]);
    assert!(err.contains("no template `nope`"), "{err}");
    // Without a directory from a server, a report cannot go to "the manager": say what to do.
    let err = d.fails(2, &["report", "submit", &id(&r), "--to", "李经理"]);
    assert!(err.contains("sync"), "{err}");
    let err = d.fails(2, &["team"]);
    assert!(err.contains("sync"), "{err}");
}

#[test]
fn help_lists_the_accepted_values() {
    let d = Device::new("rep-1", NOW);
    let help = |args: &[&str]| String::from_utf8(d.run(args).stdout).unwrap();
    let log = help(&["visit", "log", "--help"]);
    for kind in ["visit", "call", "email", "message", "meeting"] {
        assert!(log.contains(kind), "visit log --help names {kind}");
    }
    let add = help(&["deal", "add", "--help"]);
    for stage in ["lead", "contacted", "qualified", "proposal", "negotiation", "won", "lost"] {
        assert!(add.contains(stage), "deal add --help names {stage}");
    }
    let submit = help(&["report", "submit", "--help"]);
    assert!(submit.contains("fieldreport team") && submit.contains("manager"), "{submit}");
    let set = help(&["report", "set", "--help"]);
    assert!(set.contains("key_accounts") && set.contains("done"), "{set}");
}
