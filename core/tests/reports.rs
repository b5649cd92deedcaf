//! Reports: collaborative drafts across devices, inserted blocks, lifecycle, periods, rendering.

mod common;

use common::*;
use fieldreport_core::doc::{FollowupKind, Kind, ReportKind, ReportStatus};
use fieldreport_core::period::Period;
use fieldreport_core::report::{render_markdown, render_text, BlockData, Dialect, Lang, Names};
use fieldreport_core::{Error, Store};

/// Copies every document of `from` into `to` (as saved changes), like a sync would.
fn send(from: &Store, to: &mut Store) {
    for id in from.document_ids().unwrap() {
        let since = to.heads(&id).unwrap_or_default();
        to.merge_changes(&id, &from.changes_since(&id, &since).unwrap()).unwrap();
    }
}

fn device(user: &str, now: &str) -> Store {
    let mut s = Store::open_in_memory().unwrap();
    s.init(user, "team-1", "Asia/Shanghai", "monday").unwrap();
    s.set_now(Some(ms(now)));
    s
}

fn section_text(s: &Store, id: &str, key: &str) -> String {
    s.report(id).unwrap().sections.into_iter().find(|x| x.key == key).unwrap().text
}

#[test]
fn one_draft_edited_offline_on_phone_and_tablet_merges_without_losing_a_word() {
    let mut phone = store("rep-1");
    let c = customer(&mut phone, "华为");
    followup(&mut phone, &c, ms("2026-11-23T09:00:00+08:00"), "拜访张总");
    let r = phone.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    phone.set_report_text(&r, "done", "拜访了华为。演示了方案。客户反馈不错。").unwrap();

    let mut tablet = device("rep-1", "2026-11-23T18:00:00+08:00");
    send(&phone, &mut tablet);

    // Phone: a prefix at the start, and the middle sentence deleted.
    phone.splice_report(&r, "done", 0, 0, "上午：").unwrap();
    let text = section_text(&phone, &r, "done");
    let start = text.find("演示了方案。").unwrap();
    let start_chars = text[..start].chars().count();
    phone.splice_report(&r, "done", start_chars, "演示了方案。".chars().count(), "").unwrap();
    // Tablet: a sentence appended at the end, and a KPI block inserted.
    tablet.set_report_text(&r, "1", "拜访了华为。演示了方案。客户反馈不错。明天继续跟进 🚀。").unwrap();
    tablet.insert_kpis(&r, None, None, &[]).unwrap();

    send(&phone, &mut tablet);
    send(&tablet, &mut phone);
    let expected = "上午：拜访了华为。客户反馈不错。明天继续跟进 🚀。";
    assert_eq!(section_text(&phone, &r, "done"), expected);
    assert_eq!(section_text(&tablet, &r, "done"), expected);
    assert_eq!(phone.report(&r).unwrap().blocks.len(), 1, "the tablet's KPI block survives");
    assert_eq!(phone.document(&r).unwrap().to_json(), tablet.document(&r).unwrap().to_json());
    assert_eq!(phone.report(&r).unwrap(), tablet.report(&r).unwrap());
}

#[test]
fn splice_indices_count_unicode_scalar_values() {
    let mut s = store("rep-1");
    let r = s.new_report(ReportKind::Free, None, Lang::ZhCn).unwrap().header.id;
    s.set_report_text(&r, "content", "你好👋世界").unwrap();
    // 你 好 👋 世 界: the emoji is one index.
    s.splice_report(&r, "1", 3, 0, "，").unwrap();
    assert_eq!(section_text(&s, &r, "content"), "你好👋，世界");
    s.splice_report(&r, "content", 2, 1, "🎉").unwrap();
    assert_eq!(section_text(&s, &r, "content"), "你好🎉，世界");
    let err = s.splice_report(&r, "content", 6, 1, "").unwrap_err();
    assert!(err.is_bad_input(), "{err}");
    assert_eq!(section_text(&s, &r, "content"), "你好🎉，世界", "nothing written");
}

#[test]
fn inserted_followups_are_grouped_by_customer_in_time_order_and_refreshable() {
    let mut s = device("rep-1", "2026-11-23T19:00:00+08:00");
    let hw = customer(&mut s, "华为");
    let acme = customer(&mut s, "Acme");
    followup(&mut s, &hw, ms("2026-11-23T09:00:00+08:00"), "上午拜访");
    followup(&mut s, &acme, ms("2026-11-23T10:00:00+08:00"), "call Acme");
    followup(&mut s, &hw, ms("2026-11-23T15:00:00+08:00"), "下午电话");
    followup(&mut s, &hw, ms("2026-11-22T15:00:00+08:00"), "yesterday: not in today's block");
    let mut other = device("rep-2", "2026-11-23T19:00:00+08:00");
    let oc = customer(&mut other, "Other's customer");
    followup(&mut other, &oc, ms("2026-11-23T11:00:00+08:00"), "not mine");
    send(&other, &mut s);

    let r = s.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    let b = s.insert_followups(&r, None, None).unwrap();
    assert_eq!(
        (b.section.as_str(), b.first, b.last),
        ("done", "2026-11-23".parse().unwrap(), "2026-11-23".parse().unwrap())
    );
    assert_eq!(b.taken_at, ms("2026-11-23T19:00:00+08:00"));
    let BlockData::Followups { groups } = &b.data else { panic!("a followups block") };
    let names: Vec<_> = groups.iter().map(|g| g.customer_name.as_str()).collect();
    assert_eq!(names, ["华为", "Acme"], "one group per customer, ordered by first followup; only mine");
    let notes: Vec<_> = groups[0].items.iter().map(|i| i.note.as_str()).collect();
    assert_eq!(notes, ["上午拜访", "下午电话"]);

    // A later followup appears after a refresh, with the new as-of time.
    s.set_now(Some(ms("2026-11-23T21:00:00+08:00")));
    followup(&mut s, &acme, ms("2026-11-23T20:30:00+08:00"), "evening call");
    let refreshed = s.refresh_report(&r).unwrap();
    let b2 = &refreshed.blocks[0];
    assert_eq!(b2.id, b.id);
    assert_eq!(b2.taken_at, ms("2026-11-23T21:00:00+08:00"));
    let BlockData::Followups { groups } = &b2.data else { panic!() };
    assert_eq!(groups[1].items.len(), 2);

    // Another period, in another section; then removal.
    let y = s.insert_followups(&r, Some("plan"), Some(Period::Yesterday)).unwrap();
    let BlockData::Followups { groups } = &y.data else { panic!() };
    assert_eq!(groups[0].items[0].note, "yesterday: not in today's block");
    let after = s.remove_block(&r, &y.id).unwrap();
    assert_eq!(after.blocks.len(), 1);
    assert!(s.remove_block(&r, &y.id).unwrap_err().is_bad_input());
}

#[test]
fn kpi_blocks_carry_the_figures_of_their_period() {
    let mut s = device("rep-1", "2026-11-23T19:00:00+08:00");
    let c = customer(&mut s, "华为");
    let d = deal(&mut s, &c, "Servers", "50000.00");
    for (kind, at) in
        [(FollowupKind::Visit, "2026-11-23T09:00:00+08:00"), (FollowupKind::Call, "2026-11-24T09:00:00+08:00")]
    {
        let mut f = new_followup(&c, ms(at), "x");
        f.kind = kind;
        s.log_followup(f).unwrap();
    }
    s.add_contract(fieldreport_core::doc::NewContract {
        customer_id: c.clone(),
        deal_id: Some(d.clone()),
        title: None,
        amount: fieldreport_core::money::Money::parse("50000", "CNY").unwrap(),
        signed_on: "2026-11-23".parse().unwrap(),
    })
    .unwrap();
    s.set_deal_stage(&d, fieldreport_core::doc::Stage::Won).unwrap();
    let r = s.new_report(ReportKind::Weekly, None, Lang::En).unwrap().header.id;
    let metrics: Vec<String> =
        ["visits", "calls", "followups", "new_contract_amount", "deals_won", "deals_won_amount", "conversion_lead"]
            .iter()
            .map(|m| m.to_string())
            .collect();
    let b = s.insert_kpis(&r, None, None, &metrics).unwrap();
    assert_eq!(b.section, "summary");
    let BlockData::Kpis { rows, source } = &b.data else { panic!() };
    assert_eq!(*source, fieldreport_core::report::FigureSource::Local);
    let v: Vec<f64> = rows.iter().map(|r| r.value).collect();
    assert_eq!(v, [1.0, 1.0, 2.0, 5_000_000.0, 1.0, 5_000_000.0, 1.0]);
    let unknown = s.insert_kpis(&r, None, None, &["happiness".to_string()]).unwrap_err();
    assert!(unknown.is_bad_input() && unknown.to_string().contains("happiness"));
    assert_eq!(s.report(&r).unwrap().blocks.len(), 1, "nothing written");
}

/// The manager and a colleague, by id.
const MGR: &str = "0190c0de-0000-7000-8000-000000000001";
const MGR2: &str = "0190c0de-0000-7000-8000-000000000002";

#[test]
fn submit_needs_a_recipient_and_locks_the_text_but_not_comments() {
    let mut s = store("rep-1");
    let r = s.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    s.set_report_text(&r, "done", "今天完成了两次拜访").unwrap();
    assert!(s.submit_report(&r, &[], &[]).unwrap_err().is_bad_input());
    assert!(s.submit_report(&r, &["  ".into()], &[]).unwrap_err().is_bad_input());
    assert_eq!(s.report(&r).unwrap().status, ReportStatus::Draft);

    // Without the team directory (no server yet) a name cannot be looked up; an id is taken.
    let err = s.submit_report(&r, &["李经理".into()], &[]).unwrap_err();
    assert!(err.is_bad_input() && err.to_string().contains("sync once"), "{err}");
    let sub = s.submit_report(&r, &[MGR.into()], &[MGR2.into(), MGR2.into()]).unwrap();
    assert_eq!(sub.status, ReportStatus::Submitted);
    assert_eq!(sub.submitted_at, Some(ms("2026-11-23T10:00:00+08:00")));
    assert_eq!(sub.cc, [MGR2]);
    for err in [
        s.set_report_text(&r, "done", "改了").unwrap_err(),
        s.splice_report(&r, "done", 0, 0, "x").unwrap_err(),
        s.insert_followups(&r, None, None).unwrap_err(),
        s.refresh_report(&r).unwrap_err(),
        s.submit_report(&r, &[MGR.into()], &[]).unwrap_err(),
    ] {
        assert!(matches!(err, Error::Submitted { .. }), "{err}");
    }
    assert_eq!(section_text(&s, &r, "done"), "今天完成了两次拜访");
    let commented = s.comment_report(&r, "补充一下客户名").unwrap();
    assert_eq!(commented.comments.len(), 1);

    // The manager's device receives the report and may comment; a stranger may not.
    let mut mgr = device(MGR, "2026-11-23T21:00:00+08:00");
    send(&s, &mut mgr);
    let c = mgr.comment_report(&r, "写得很清楚 👍").unwrap();
    assert_eq!(c.comments.last().unwrap().author, MGR);
    assert!(matches!(mgr.set_report_text(&r, "done", "manager rewrite").unwrap_err(), Error::Forbidden(_)));
    let mut stranger = device("rep-9", "2026-11-23T21:00:00+08:00");
    send(&s, &mut stranger);
    assert!(matches!(stranger.comment_report(&r, "hi").unwrap_err(), Error::Forbidden(_)));
    send(&mgr, &mut s);
    assert_eq!(s.report(&r).unwrap().comments.len(), 2, "the author sees the manager's comment");
}

#[test]
fn unknown_reports_and_sections_are_bad_input() {
    let mut s = store("rep-1");
    let r = s.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    assert!(matches!(
        s.report("01900000-0000-7000-8000-000000000000").unwrap_err(),
        Error::NotFound { kind: "report", .. }
    ));
    let c = customer(&mut s, "x");
    assert!(matches!(s.report(&c).unwrap_err(), Error::NotFound { .. }), "a customer is not a report");
    for section in ["nope", "0", "5"] {
        let e = s.set_report_text(&r, section, "x").unwrap_err();
        assert!(e.is_bad_input() && e.to_string().contains("sections"), "{e}");
    }
    assert!(s.insert_followups(&r, Some("nope"), None).unwrap_err().is_bad_input());
    assert!("2026-11-30..2026-11-01".parse::<Period>().is_err(), "an empty custom period is refused");
}

#[test]
fn a_weekly_report_on_sunday_night_in_shanghai_covers_the_week_ending_that_night() {
    // Sunday 23:30 in Shanghai is still Sunday 15:30 in UTC.
    let mut s = device("rep-1", "2026-11-29T23:30:00+08:00");
    let c = customer(&mut s, "华为");
    followup(&mut s, &c, ms("2026-11-23T00:00:00+08:00"), "Monday 00:00 — first instant of the week");
    followup(&mut s, &c, ms("2026-11-29T23:10:00+08:00"), "Sunday night");
    followup(&mut s, &c, ms("2026-11-22T23:59:59+08:00"), "previous Sunday — not this week");
    let r = s.new_report(ReportKind::Weekly, None, Lang::ZhCn).unwrap();
    assert_eq!((r.first.to_string(), r.last.to_string()), ("2026-11-23".into(), "2026-11-29".into()));
    assert_eq!(r.title, "周报 2026-11-23 ~ 2026-11-29");
    let b = s.insert_followups(&r.header.id, None, None).unwrap();
    let BlockData::Followups { groups } = &b.data else { panic!() };
    assert_eq!(groups[0].items.len(), 2);

    // Ten minutes later, Monday in Shanghai (Sunday in UTC): a new week.
    s.set_now(Some(ms("2026-11-30T00:10:00+08:00")));
    let next = s.new_report(ReportKind::Weekly, None, Lang::ZhCn).unwrap();
    assert_eq!(next.first.to_string(), "2026-11-30");
}

#[test]
fn a_monthly_report_at_month_end_covers_exactly_that_month() {
    let mut s = device("rep-1", "2026-11-30T23:59:00+08:00");
    let c = customer(&mut s, "华为");
    followup(&mut s, &c, ms("2026-11-01T00:00:00+08:00"), "first instant");
    followup(&mut s, &c, ms("2026-11-30T23:59:59+08:00"), "last instant");
    followup(&mut s, &c, ms("2026-12-01T00:00:00+08:00"), "December");
    followup(&mut s, &c, ms("2026-10-31T23:59:59+08:00"), "October");
    let r = s.new_report(ReportKind::Monthly, None, Lang::En).unwrap();
    assert_eq!((r.first.to_string(), r.last.to_string()), ("2026-11-01".into(), "2026-11-30".into()));
    assert_eq!(r.title, "Monthly report 2026-11");
    let b = s.insert_followups(&r.header.id, None, None).unwrap();
    let BlockData::Followups { groups } = &b.data else { panic!() };
    let notes: Vec<_> = groups[0].items.iter().map(|i| i.note.as_str()).collect();
    assert_eq!(notes, ["first instant", "last instant"]);
    let dec = s.new_report(ReportKind::Monthly, Some("2026-12-31".parse().unwrap()), Lang::En).unwrap();
    assert_eq!(dec.last.to_string(), "2026-12-31");
}

#[test]
fn markdown_shows_blocks_as_tables_with_a_spanning_customer_cell() {
    let mut s = device("rep-1", "2026-11-23T19:00:00+08:00");
    let hw = customer(&mut s, "华为 | 上海");
    followup(&mut s, &hw, ms("2026-11-23T09:00:00+08:00"), "上午\n拜访");
    followup(&mut s, &hw, ms("2026-11-23T15:00:00+08:00"), "下午电话");
    let r = s.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    s.set_report_text(&r, "done", "完成两次跟进。").unwrap();
    s.insert_followups(&r, None, None).unwrap();
    s.insert_kpis(&r, None, None, &["visits".into()]).unwrap();
    s.comment_report(&r, "补充：下周回访").unwrap();
    let cal = s.calendar().unwrap();
    let report = s.report(&r).unwrap();
    let names: Names = [("rep-1".to_string(), "张伟".to_string())].into_iter().collect();
    let md = render_markdown(&report, Lang::ZhCn, Dialect::Gfm, &cal, &names);
    assert!(md.starts_with("# 日报 2026-11-23\n"), "{md}");
    assert!(md.contains("作者：张伟") && md.contains("> **张伟**"), "people by name, not id: {md}");
    assert!(!md.contains("rep-1"), "no id where a person is meant: {md}");
    assert!(md.contains("## 今日完成工作\n\n完成两次跟进。"), "{md}");
    assert!(md.contains("| 客户 | 时间 | 方式 | 内容 | 下一步 |"), "{md}");
    assert!(md.contains("| 华为 \\| 上海 | 11-23 09:00 | 拜访 | 上午 拜访 |  |"), "{md}");
    assert!(md.contains("|  | 11-23 15:00 | 拜访 | 下午电话 |  |"), "the customer cell spans its rows: {md}");
    assert!(md.contains("| 拜访量 | 2 | — | — | — |"), "{md}");

    let en = render_markdown(&report, Lang::En, Dialect::DingTalk, &cal, &names);
    assert!(en.contains("## Done today"), "{en}");
    assert!(en.contains("- **华为 | 上海**\n  - 11-23 09:00 visit: 上午 拜访"), "{en}");
    assert!(!en.contains("| --- |"), "robot dialects get no tables: {en}");
    assert!(en.contains("- Visits: **2**"), "{en}");

    let text = render_text(&report, Lang::ZhCn, &cal, &names);
    assert!(text.contains("【今日完成工作】\n完成两次跟进。"), "{text}");
    assert!(text.contains("    11-23 15:00 拜访 下午电话"), "{text}");
}

#[test]
fn reports_are_listed_by_period_and_soft_deleted() {
    let mut s = device("rep-1", "2026-11-23T19:00:00+08:00");
    let d = s.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    let w = s.new_report(ReportKind::Weekly, Some("2026-11-10".parse().unwrap()), Lang::ZhCn).unwrap().header.id;
    let cal = s.calendar().unwrap();
    let today = cal.resolve(Period::Today, s.now_ms());
    let ids: Vec<_> = s.list_reports(Some(&today)).unwrap().into_iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![d]);
    assert_eq!(s.list_reports(None).unwrap().len(), 2);
    s.delete(Kind::Report, &w).unwrap();
    assert_eq!(s.list_reports(None).unwrap().len(), 1);
}
