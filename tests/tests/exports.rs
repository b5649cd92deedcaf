//! Exports read back: the XLSX a manager downloads holds the same figures as the JSON API, with
//! numbers as numbers, money in yuan and times as dates; CSV opens in Excel (a byte-order mark);
//! a rep's download holds only their own rows; headers follow the language.

mod support;

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use fieldreport_core::doc::{CheckIn, FollowupKind, NewContract, NewFollowup};
use fieldreport_core::money::Money;
use fieldreport_core::period::Period;
use fieldreport_core::report::Lang;
use fieldreport_server::export::{CsvSink, Request, What, XlsxSink};
use fieldreport_server::figures::{self, Scope};
use support::*;

fn sheet(bytes: Vec<u8>) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[0].clone();
    book.worksheet_range(&name).unwrap().rows().map(|r| r.to_vec()).collect()
}

fn xlsx(server: &Server, what: What, period: &str, lang: Lang) -> Vec<Vec<Data>> {
    let req = Request { what, period: period.parse().unwrap(), user: None, dept: None, lang };
    let mut sink = XlsxSink::new(what.as_str()).unwrap();
    server.admin.export(None, &req, &mut sink).unwrap();
    sheet(sink.into_bytes().unwrap())
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[tokio::test]
async fn exports_hold_the_apis_figures_and_open_as_spreadsheets() {
    let server = Server::start().await;
    let (mgr, mgr_code) = server.user("王经理", "manager", None);
    let (_, a_code) = server.user("张三", "rep", Some(&mgr));
    let (_, b_code) = server.user("李四", "rep", Some(&mgr));
    let mut a = Device::enroll(&server.url, &a_code).await;
    let mut b = Device::enroll(&server.url, &b_code).await;
    let mut boss = Device::enroll(&server.url, &mgr_code).await;

    let huawei = a.store.add_customer(fieldreport_core::doc::NewCustomer {
        name: "上海华为".into(),
        location: Some((31.2304, 121.4737)),
        ..Default::default()
    });
    let huawei = huawei.unwrap().header.id;
    let now = a.store.now_ms();
    let mut visit = NewFollowup::new(&huawei, FollowupKind::Visit, now, "拜访张总，演示方案");
    visit.next_step = "周五发报价".into();
    visit.checkin = Some(CheckIn { lat: 31.2394, lon: 121.4737, accuracy: Some(10.0), at: now });
    a.store.log_followup(visit).unwrap();
    a.visit(&huawei, "电话回访");
    let c = b.customer("小米");
    b.visit(&c, "首次拜访");
    let today = a.store.calendar().unwrap().local_date(now);
    a.store
        .add_contract(NewContract {
            customer_id: huawei.clone(),
            deal_id: None,
            title: None,
            amount: Money::parse("120000", "CNY").unwrap(),
            signed_on: today,
        })
        .unwrap();
    a.sync().await;
    b.sync().await;
    boss.sync().await;

    // Visits: one row each, times as dates, the check-in's distance in metres.
    let rows = xlsx(&server, What::Visits, "this-week", Lang::ZhCn);
    assert_eq!(rows[0].iter().map(text).collect::<Vec<_>>()[..4], ["成员", "客户", "时间", "方式"]);
    assert_eq!(rows.len(), 1 + 3, "a header and three visits");
    let shown = rows.iter().find(|r| text(&r[4]) == "拜访张总，演示方案").expect("the visit");
    assert_eq!(
        (text(&shown[0]), text(&shown[1]), text(&shown[5])),
        ("张三".into(), "上海华为".into(), "周五发报价".into())
    );
    assert!(matches!(shown[2], Data::DateTime(_)), "a time is a date: {:?}", shown[2]);
    assert!(matches!(shown[6], Data::Float(d) if (990.0..1010.0).contains(&d)), "about 1 km: {:?}", shown[6]);

    // KPIs: the same figures as the JSON API's, money in yuan.
    let rows = xlsx(&server, What::Kpi, "this-week", Lang::ZhCn);
    let scope = Scope::of(&server.admin, None, None).unwrap();
    let config = server.admin.config().unwrap();
    let snap =
        figures::snapshot(&server.admin, &config, &scope, Period::ThisWeek, fieldreport_server::now_ms()).unwrap();
    assert_eq!(rows.len(), 1 + snap.rows.len());
    let cell = |who: &str, metric: &str| {
        rows.iter().find(|r| text(&r[0]) == who && text(&r[1]) == metric).map(|r| r[2].clone()).unwrap()
    };
    assert_eq!(cell("张三", "拜访量"), Data::Float(2.0));
    assert_eq!(cell("李四", "拜访量"), Data::Float(1.0));
    assert_eq!(cell("张三", "新增合同金额"), Data::Float(120000.0), "money in yuan, not 分");
    let visits_api = snap.rows.iter().find(|r| r.metric == "visits" && r.user_id.is_none()).unwrap().value;
    assert_eq!(cell("团队", "拜访量"), Data::Float(visits_api));

    // Submissions: a row per report due, as the statistics count them.
    let subs =
        figures::submissions(&server.admin, &config, &scope, Period::ThisWeek, fieldreport_server::now_ms()).unwrap();
    let due: usize = subs.iter().map(|s| s.items.len()).sum();
    assert_eq!(xlsx(&server, What::Submissions, "this-week", Lang::En).len(), 1 + due);

    // Reports: the author, the period as dates, each section's text.
    let r = a.store.open_report(fieldreport_core::doc::ReportKind::Daily, None, Lang::ZhCn, None).unwrap().header.id;
    a.store.set_report_text(&r, "done", "拜访上海华为。").unwrap();
    a.store.submit_report(&r, std::slice::from_ref(&mgr), &[]).unwrap();
    a.sync().await;
    let rows = xlsx(&server, What::Reports, "this-week", Lang::ZhCn);
    assert_eq!(rows.len(), 2, "a header and the report");
    assert_eq!(
        (text(&rows[1][0]), text(&rows[1][1]), text(&rows[1][4])),
        ("张三".into(), "日报".into(), "已提交".into())
    );
    assert!(matches!(rows[1][2], Data::DateTime(_)) && matches!(rows[1][5], Data::DateTime(_)));
    assert!(text(&rows[1][6]).contains("【今日完成工作】拜访上海华为。"), "{:?}", rows[1][6]);

    // CSV: a byte-order mark, then English headers with --lang en.
    let mut csv = Vec::new();
    let req = Request { what: What::Visits, period: Period::ThisWeek, user: None, dept: None, lang: Lang::En };
    let mut sink = CsvSink::new(&mut csv).unwrap();
    assert_eq!(server.admin.export(None, &req, &mut sink).unwrap(), 3);
    sink.finish().unwrap();
    assert!(csv.starts_with("\u{feff}Member,Customer,Time,Kind".as_bytes()), "{}", String::from_utf8_lossy(&csv[..60]));

    // The dashboard: the manager downloads the team's visits, a rep only their own.
    let manager = Browser::sign_in(&server.url, &server, &mgr).await;
    let (status, kind, bytes) = manager.get_bytes("/export?what=visits&period=this-week&format=xlsx").await;
    assert_eq!(status, 200);
    assert!(kind.contains("spreadsheetml"), "{kind}");
    assert_eq!(sheet(bytes).len(), 1 + 3);
    let rep = Browser::sign_in(&server.url, &server, &a.user).await;
    let (_, _, bytes) = rep.get_bytes("/export?what=visits&period=this-week&format=xlsx").await;
    let mine = sheet(bytes);
    assert_eq!(mine.len(), 1 + 2);
    assert!(mine[1..].iter().all(|r| text(&r[0]) == "张三"));
    let (status, _, _) = rep.get_bytes("/export?what=visits&period=2020-01-01..2026-12-31&format=xlsx").await;
    assert_eq!(status, 400, "a period over 366 days is refused");
    let (_, page) = manager.get("/kpi").await;
    assert!(page.contains("/export?what=visits"), "the KPI page links the downloads");
}

/// An export is read by the dashboard's rule: a manager's reports export holds what their reps
/// addressed to them, never a rep's draft or a report sent to someone else (which the report's
/// page answers with 404 as well).
#[tokio::test]
async fn a_reports_export_holds_only_reports_its_reader_may_open() {
    let server = Server::start().await;
    let (mgr, _) = server.user("王经理", "manager", None);
    let (other, _) = server.user("赵经理", "manager", None);
    let (_, code) = server.user("张三", "rep", Some(&mgr));
    let mut rep = Device::enroll(&server.url, &code).await;
    let open = |rep: &mut Device, kind, day: &str| {
        let day = day.parse().ok();
        rep.store.open_report(kind, day, Lang::ZhCn, None).unwrap().header.id
    };
    use fieldreport_core::doc::ReportKind::Daily;
    let today = rep.store.calendar().unwrap().local_date(rep.store.now_ms());
    let yesterday = (today - chrono::Duration::days(1)).to_string();
    let before = (today - chrono::Duration::days(2)).to_string();
    let to_me = open(&mut rep, Daily, &today.to_string());
    rep.store.set_report_text(&to_me, "done", "给经理").unwrap();
    rep.store.submit_report(&to_me, std::slice::from_ref(&mgr), &[]).unwrap();
    let elsewhere = open(&mut rep, Daily, &yesterday);
    rep.store.set_report_text(&elsewhere, "done", "给别人").unwrap();
    rep.store.submit_report(&elsewhere, std::slice::from_ref(&other), &[]).unwrap();
    let draft = open(&mut rep, Daily, &before);
    rep.store.set_report_text(&draft, "done", "草稿").unwrap();
    rep.sync().await;

    let manager = Browser::sign_in(&server.url, &server, &mgr).await;
    let range = format!("/export?what=reports&from={before}&to={today}&format=");
    let (status, _, bytes) = manager.get_bytes(&format!("{range}xlsx")).await;
    assert_eq!(status, 200);
    let rows = sheet(bytes);
    assert_eq!(rows.len(), 2, "a header and the one report addressed to the manager: {rows:?}");
    assert!(text(&rows[1][6]).contains("给经理"));
    let (_, _, csv) = manager.get_bytes(&format!("{range}csv")).await;
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("给经理") && !csv.contains("给别人") && !csv.contains("草稿"), "{csv}");
    for id in [&elsewhere, &draft] {
        assert_eq!(manager.get(&format!("/reports/{id}")).await.0, 404, "the page refuses it too");
    }
    // The author's own export holds all three.
    let author = Browser::sign_in(&server.url, &server, &rep.user).await;
    let (_, _, bytes) = author.get_bytes(&format!("{range}xlsx")).await;
    assert_eq!(sheet(bytes).len(), 1 + 3);
}
