//! What phone apps rely on in the store: lists a page at a time that hold while rows are added,
//! customer search by pinyin, the sequence of changes observers read, one report per period,
//! and refused records taken back to the server's copy.

mod common;

use common::*;
use fieldreport_core::doc::{Kind, ReportKind};
use fieldreport_core::report::Lang;
use fieldreport_core::store::{FollowupFilter, Order, Page};

#[test]
fn pages_follow_their_cursor_even_when_rows_are_added_meanwhile() {
    let mut s = store("rep-1");
    let c = customer(&mut s, "华为");
    for i in 0..7 {
        followup(&mut s, &c, ms("2026-11-20T09:00:00+08:00") + i * 3_600_000, &format!("n{i}"));
    }
    let page = |s: &mut fieldreport_core::Store, after: Option<String>| {
        let filter =
            FollowupFilter { page: Page { limit: Some(3), order: Order::Descending, after }, ..Default::default() };
        s.list_followups(&filter).unwrap().into_iter().map(|r| (r.id, r.note)).collect::<Vec<_>>()
    };
    let first = page(&mut s, None);
    assert_eq!(first.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(), ["n6", "n5", "n4"]);
    // A newer visit arrives (a sync page, another tab): the next page starts where this one ended.
    followup(&mut s, &c, ms("2026-11-22T09:00:00+08:00"), "newest");
    let second = page(&mut s, Some(first[2].0.clone()));
    assert_eq!(second.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(), ["n3", "n2", "n1"]);
    let third = page(&mut s, Some(second[2].0.clone()));
    assert_eq!(third.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(), ["n0"]);
    // Same timestamps are ordered by id, so no row is skipped or repeated across pages.
    let mut s = store("rep-1");
    let c = customer(&mut s, "小米");
    let at = ms("2026-11-21T09:00:00+08:00");
    let ids: Vec<String> = (0..5).map(|i| followup(&mut s, &c, at, &format!("same{i}"))).collect();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let filter =
            FollowupFilter { page: Page { limit: Some(2), order: Order::Ascending, after }, ..Default::default() };
        let rows = s.list_followups(&filter).unwrap();
        if rows.is_empty() {
            break;
        }
        after = rows.last().map(|r| r.id.clone());
        seen.extend(rows.into_iter().map(|r| r.id));
    }
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
}

#[test]
fn customers_are_found_by_pinyin_initials_address_and_tags() {
    let mut s = store("rep-1");
    customer(&mut s, "上海华为技术有限公司");
    customer(&mut s, "北京小米科技");
    let names = |s: &fieldreport_core::Store, q: &str| {
        s.list_customers(Some(q)).unwrap().into_iter().map(|c| c.name).collect::<Vec<_>>()
    };
    assert_eq!(names(&s, "hw"), ["上海华为技术有限公司"]);
    assert_eq!(names(&s, "XiaoMi"), ["北京小米科技"]);
    assert_eq!(names(&s, "bjxm"), ["北京小米科技"]);
    assert_eq!(names(&s, "科技").len(), 1);
    assert_eq!(s.list_customers(None).unwrap().len(), 2);
    assert!(names(&s, "%").is_empty(), "LIKE wildcards are literal");
}

#[test]
fn observers_read_each_saved_record_once_in_order() {
    let mut s = store("rep-1");
    let start = s.change_seq().unwrap();
    let c = customer(&mut s, "华为");
    let v = followup(&mut s, &c, ms("2026-11-23T09:00:00+08:00"), "拜访");
    s.edit_customer(&c, fieldreport_core::doc::CustomerEdit { name: Some("华为技术".into()), ..Default::default() })
        .unwrap();
    let (changed, at) = s.changes_after(start).unwrap();
    let seen: Vec<(Kind, &str)> = changed.iter().map(|c| (c.kind, c.id.as_str())).collect();
    // The customer's first save is superseded by its edit: each record once, at its last change.
    assert_eq!(seen, [(Kind::Followup, v.as_str()), (Kind::Customer, c.as_str())]);
    assert_eq!(s.changes_after(at).unwrap().0, []);
}

#[test]
fn one_report_per_period_and_duplicates_merge() {
    let mut s = store("rep-1");
    let a = s.open_report(ReportKind::Weekly, None, Lang::ZhCn, None).unwrap();
    let again = s.open_report(ReportKind::Weekly, Some(a.last), Lang::En, None).unwrap();
    assert_eq!(again.header.id, a.header.id, "any day of the week opens the week's report");
    let free1 = s.open_report(ReportKind::Free, None, Lang::ZhCn, None).unwrap();
    let free2 = s.open_report(ReportKind::Free, None, Lang::ZhCn, None).unwrap();
    assert_ne!(free1.header.id, free2.header.id, "free-form reports are never shared");
    let b = s.new_report(ReportKind::Weekly, None, Lang::ZhCn).unwrap();
    assert_eq!(s.duplicate_reports().unwrap(), vec![vec![a.header.id.clone(), b.header.id.clone()]]);
    s.set_report_text(&b.header.id, "summary", "本周签约两家。").unwrap();
    let merged = s.merge_reports(&a.header.id, &b.header.id).unwrap();
    assert_eq!(merged.find_section("summary").unwrap().text, "本周签约两家。");
    assert!(s.duplicate_reports().unwrap().is_empty());
    assert!(s.merge_reports(&a.header.id, &free1.header.id).is_err(), "another kind is no duplicate");
}

#[test]
fn only_a_refused_record_is_taken_back_to_the_servers_copy() {
    let mut s = store("rep-1");
    let c = customer(&mut s, "华为");
    let err = s.discard_local_changes(&c).unwrap_err();
    assert!(err.to_string().contains("has not refused"), "{err}");
    assert_eq!(s.list_customers(None).unwrap().len(), 1, "unsent work stays");
}
