//! The rep's day on the device: today's report opens pre-filled, reopening keeps the rep's words,
//! plans fill the next period and give plan completion, submitting freezes the blocks.

mod common;

use chrono::NaiveDate;
use common::*;
use fieldreport_core::doc::{FollowupKind, NewFollowup, NewPlan, PlanStatus, ReportKind, ReportStatus};
use fieldreport_core::period::Period;
use fieldreport_core::report::{BlockData, Lang};
use fieldreport_core::{Error, Store};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn plan(s: &mut Store, customer: &str, on: &str, purpose: &str) -> String {
    s.add_plan(NewPlan { customer_id: customer.into(), on: day(on), at: None, purpose: purpose.into() })
        .unwrap()
        .header
        .id
}

/// Monday: three visits (one planned), a call, and two plans for Tuesday.
fn monday() -> (Store, String) {
    let mut s = store("rep-1");
    let hw = customer(&mut s, "华为");
    let ly = customer(&mut s, "联影");
    let kw = customer(&mut s, "科沃斯");
    let p = plan(&mut s, &hw, "2026-11-23", "产品演示");
    let at = ms("2026-11-23T09:00:00+08:00");
    s.log_planned_visit(&p, NewFollowup::new("", FollowupKind::Visit, at, "")).unwrap();
    followup(&mut s, &ly, ms("2026-11-23T09:30:00+08:00"), "拜访李总");
    followup(&mut s, &kw, ms("2026-11-23T09:40:00+08:00"), "拜访王总");
    let mut call = new_followup(&ly, ms("2026-11-23T09:50:00+08:00"), "电话确认");
    call.kind = FollowupKind::Call;
    s.log_followup(call).unwrap();
    plan(&mut s, &ly, "2026-11-24", "报价");
    plan(&mut s, &kw, "2026-11-24", "签约");
    (s, hw)
}

#[test]
fn todays_daily_opens_filled_once_and_keeps_the_reps_words() {
    let (mut s, _) = monday();
    let r = s.today_report(ReportKind::Daily, None, Lang::ZhCn).unwrap();
    assert_eq!((r.first, r.last), (day("2026-11-23"), day("2026-11-23")));
    assert_eq!(r.summary, "今日拜访 3 家客户（华为、联影、科沃斯），电话 1 次，新增客户 3 家；明日计划拜访 2 家");
    let groups = r.blocks.iter().find_map(|b| match &b.data {
        BlockData::Followups { groups } => Some(groups.clone()),
        _ => None,
    });
    assert_eq!(groups.unwrap().len(), 3, "the day's followups by customer");
    let plan_block = r.blocks.iter().find(|b| b.section == "plan").unwrap();
    assert_eq!((plan_block.first, plan_block.last), (day("2026-11-24"), day("2026-11-24")));
    let BlockData::Plan { items } = &plan_block.data else { panic!("{plan_block:?}") };
    assert_eq!(items.iter().map(|i| i.customer_name.as_str()).collect::<Vec<_>>(), ["联影", "科沃斯"]);
    let kpis = r.blocks.iter().find_map(|b| match &b.data {
        BlockData::Kpis { rows, .. } => Some(rows.clone()),
        _ => None,
    });
    let kpis = kpis.unwrap();
    let value = |m: &str| kpis.iter().find(|k| k.metric == m).map(|k| k.value);
    assert_eq!(value("visits"), Some(3.0));
    assert_eq!(value("plan_completion"), Some(1.0), "the day's one plan was done");
    assert_eq!(value("unplanned_visits"), Some(2.0));

    // The rep writes; a later visit comes; reopening refreshes the blocks, keeps the words and
    // makes no second report.
    s.set_report_text(&r.header.id, "help", "需要报价支持").unwrap();
    s.set_now(Some(ms("2026-11-23T17:00:00+08:00")));
    let c = customer(&mut s, "阿里");
    followup(&mut s, &c, ms("2026-11-23T16:00:00+08:00"), "初次拜访");
    let again = s.today_report(ReportKind::Daily, None, Lang::ZhCn).unwrap();
    assert_eq!(again.header.id, r.header.id);
    assert_eq!(again.blocks.len(), r.blocks.len(), "refreshed, not added again");
    assert!(again.summary.starts_with("今日拜访 4 家客户"), "{}", again.summary);
    assert_eq!(again.sections.iter().find(|x| x.key == "help").unwrap().text, "需要报价支持");

    // The rep's own summary is never overwritten.
    s.set_report_summary(&r.header.id, "今天很充实").unwrap();
    followup(&mut s, &c, ms("2026-11-23T16:30:00+08:00"), "再访");
    let third = s.today_report(ReportKind::Daily, None, Lang::ZhCn).unwrap();
    assert_eq!(third.summary, "今天很充实");
    assert_eq!(s.list_reports(None).unwrap().len(), 1);
}

#[test]
fn submitting_freezes_the_blocks_and_a_required_empty_section_is_refused_first() {
    let (mut s, _) = monday();
    // Without a directory there is no manager to send to: say so, before anything is written.
    let err = s.submit_today(ReportKind::Daily, None, Lang::ZhCn).unwrap_err();
    assert!(err.to_string().contains("name a recipient"), "{err}");
    let r = s.today_report(ReportKind::Daily, None, Lang::ZhCn).unwrap();
    assert_eq!(r.status, ReportStatus::Draft);
    s.set_now(Some(ms("2026-11-23T18:00:00+08:00")));
    let sent = s.submit_report(&r.header.id, &["0190c0de-0000-7000-8000-000000000001".into()], &[]).unwrap();
    assert_eq!(sent.status, ReportStatus::Submitted);
    assert!(sent.blocks.iter().all(|b| b.taken_at == ms("2026-11-23T18:00:00+08:00")), "frozen as of submitting");
    // Submitted: opening it again returns it as it is.
    s.set_now(Some(ms("2026-11-23T19:00:00+08:00")));
    let same = s.today_report(ReportKind::Daily, None, Lang::ZhCn).unwrap();
    assert_eq!(same, sent);
    assert!(matches!(s.submit_today(ReportKind::Daily, None, Lang::ZhCn), Err(Error::Submitted { .. })));
}

#[test]
fn plans_move_cancel_and_are_done_once() {
    let (mut s, hw) = monday();
    let p = plan(&mut s, &hw, "2026-11-25", "回访");
    let moved = s.move_plan(&p, day("2026-11-26"), None).unwrap();
    assert_eq!(moved.on, Some(day("2026-11-26")));
    let (visit, done) =
        s.log_planned_visit(&p, NewFollowup::new("", FollowupKind::Call, ms("2026-11-26T10:00:00+08:00"), "")).unwrap();
    assert_eq!(visit.kind, FollowupKind::Visit, "a plan is carried out by a visit");
    assert_eq!(visit.customer_id, hw);
    assert_eq!(visit.note, "回访", "the purpose becomes the note");
    assert_eq!((done.status, done.followup_id.as_deref()), (PlanStatus::Done, Some(visit.header.id.as_str())));
    let again = s.log_planned_visit(&p, NewFollowup::new("", FollowupKind::Visit, 0, "")).unwrap_err();
    assert!(again.to_string().contains("done already"), "{again}");
    assert!(s.cancel_plan(&p).is_err(), "a done plan is not cancelled");

    // Of the week's four plans (Mon done, two Tue, Wed→Thu done), one cancelled: 2 of 3 done.
    let tue = s.plans_between("rep-1", day("2026-11-24"), day("2026-11-24"), false).unwrap();
    s.cancel_plan(&tue[0].id).unwrap();
    let defs = s.kpi_definitions_for(&["plan_completion".into(), "unplanned_visits".into()]).unwrap();
    let week = s.calendar().unwrap().resolve(Period::ThisWeek, s.now_ms());
    let rows = s.kpi_figures("rep-1", &week, &defs).unwrap();
    assert!((rows[0].value - 2.0 / 3.0).abs() < 1e-9, "{rows:?}");
    assert_eq!(rows[1].value, 2.0);
    assert_eq!(s.plans_between("rep-1", day("2026-11-24"), day("2026-11-24"), true).unwrap().len(), 2);
    // The team view counts them: of the week's plans left, two done and Tuesday's one missed
    // (it is Thursday evening).
    s.set_now(Some(ms("2026-11-26T18:00:00+08:00")));
    let view = s.team_view("this-week", &defs).unwrap();
    let mine = view.plans.iter().find(|c| c.user_id == "rep-1").unwrap();
    assert_eq!((mine.planned, mine.done, mine.missed, mine.ahead), (3, 2, 1, 0));
    let bad =
        s.add_plan(NewPlan { customer_id: "nobody".into(), on: day("2026-11-24"), at: None, purpose: String::new() });
    assert!(bad.is_err());
}

#[test]
fn a_weekly_lists_key_accounts_first_and_the_deals_that_moved() {
    let (mut s, hw) = monday();
    followup(&mut s, &hw, ms("2026-11-23T11:00:00+08:00"), "再访华为");
    followup(&mut s, &hw, ms("2026-11-23T12:00:00+08:00"), "三访华为");
    let d = deal(&mut s, &hw, "华为扩容", "100000");
    s.set_deal_stage(&d, fieldreport_core::doc::Stage::Proposal).unwrap();
    let w = s.today_report(ReportKind::Weekly, None, Lang::ZhCn).unwrap();
    let groups = w.blocks.iter().find_map(|b| match &b.data {
        BlockData::Followups { groups } => Some(groups.clone()),
        _ => None,
    });
    assert_eq!(groups.unwrap()[0].customer_name, "华为", "the busiest customer first");
    assert!(w.summary.contains("重点客户：华为（3 次）"), "{}", w.summary);
    assert!(w.summary.contains("推进商机 1 个（华为扩容 线索→方案报价）"), "{}", w.summary);
    let plan_block = w.blocks.iter().find(|b| b.section == "plan").unwrap();
    assert_eq!((plan_block.first, plan_block.last), (day("2026-11-30"), day("2026-12-06")), "next week's plans");
}

#[test]
fn a_fridays_daily_plans_the_next_working_day() {
    let mut s = store("rep-1");
    let hw = customer(&mut s, "华为");
    plan(&mut s, &hw, "2026-11-28", "周六加班");
    plan(&mut s, &hw, "2026-11-30", "周一拜访");
    s.set_now(Some(ms("2026-11-27T17:00:00+08:00")));
    let r = s.today_report(ReportKind::Daily, None, Lang::ZhCn).unwrap();
    let block = r.blocks.iter().find(|b| b.section == "plan").unwrap();
    assert_eq!(block.first, day("2026-11-30"), "Monday, not Saturday (dailies are due Monday to Friday)");
    assert!(r.summary.ends_with("周一计划拜访 1 家"), "{}", r.summary);
}
