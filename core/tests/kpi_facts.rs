//! Each record's daily facts, combined over a period, give exactly what the device's SQL gives:
//! the server's rollups are built from facts, so this is what keeps device and server figures
//! equal.

mod common;

use chrono::NaiveDate;
use common::*;
use fieldreport_core::doc::{FollowupEdit, FollowupKind, Kind, NewContract, NewFollowup, NewPlan, Record, Stage};
use fieldreport_core::kpi::{builtin, combine, facts, Fact};
use fieldreport_core::money::Money;
use fieldreport_core::period::{Calendar, DateRange};
use fieldreport_core::Store;
use proptest::prelude::*;

/// One step of a rep's month.
#[derive(Debug, Clone)]
enum Op {
    Customer,
    Deal(usize, u32),
    Stage(usize, usize, u8),
    Followup(usize, u8, i64, Option<usize>),
    Move(usize, i64),
    Contract(usize, u32, bool, u8),
    Payment(usize, u32, u8),
    Delete(usize, bool),
    /// Plan a visit to a customer on a day; carry out, cancel or move a plan.
    Plan(usize, u8),
    PlanDone(usize, i64),
    PlanCancel(usize),
    PlanMove(usize, u8),
}

/// Milliseconds around November 2026 in Shanghai, so boundaries get crossed.
fn instant() -> impl Strategy<Value = i64> {
    ms("2026-10-29T00:00:00+08:00")..ms("2026-12-03T00:00:00+08:00")
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => Just(Op::Customer),
        2 => (any::<usize>(), 1u32..100_000).prop_map(|(c, a)| Op::Deal(c, a)),
        3 => (any::<usize>(), 0usize..7, 0u8..30).prop_map(|(d, s, day)| Op::Stage(d, s, day)),
        5 => (any::<usize>(), 0u8..5, instant(), proptest::option::of(any::<usize>()))
            .prop_map(|(c, k, at, d)| Op::Followup(c, k, at, d)),
        2 => (any::<usize>(), instant()).prop_map(|(f, at)| Op::Move(f, at)),
        2 => (any::<usize>(), 1u32..1_000_000, any::<bool>(), 0u8..35).prop_map(|(c, a, cny, d)| Op::Contract(c, a, cny, d)),
        2 => (any::<usize>(), 1u32..100_000, 0u8..35).prop_map(|(k, a, d)| Op::Payment(k, a, d)),
        2 => (any::<usize>(), any::<bool>()).prop_map(|(r, restore)| Op::Delete(r, restore)),
        2 => (any::<usize>(), 0u8..35).prop_map(|(c, d)| Op::Plan(c, d)),
        2 => (any::<usize>(), instant()).prop_map(|(p, at)| Op::PlanDone(p, at)),
        1 => any::<usize>().prop_map(Op::PlanCancel),
        1 => (any::<usize>(), 0u8..35).prop_map(|(p, d)| Op::PlanMove(p, d)),
    ]
}

fn pick(ids: &[String], i: usize) -> Option<&String> {
    (!ids.is_empty()).then(|| &ids[i % ids.len()])
}

fn day(offset: u8) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 29).unwrap() + chrono::Days::new(offset as u64)
}

/// Plays `ops` on a fresh store; a step that names nothing yet is skipped.
fn play(ops: &[Op]) -> Store {
    let mut s = store("rep-1");
    let (mut customers, mut deals, mut followups, mut contracts) = (vec![], vec![], vec![], vec![]);
    let mut plans: Vec<String> = vec![];
    let mut all: Vec<(Kind, String)> = vec![];
    customers.push(customer(&mut s, "Acme"));
    for op in ops {
        match op.clone() {
            Op::Customer => customers.push(customer(&mut s, "客户")),
            Op::Deal(c, amount) => {
                let id = deal(&mut s, pick(&customers, c).unwrap(), "deal", &amount.to_string());
                all.push((Kind::Deal, id.clone()));
                deals.push(id);
            }
            Op::Stage(d, stage, offset) => {
                if let Some(id) = pick(&deals, d) {
                    s.set_now(Some(s_ms(day(offset))));
                    let _ = s.set_deal_stage(id, Stage::ALL[stage]);
                }
            }
            Op::Followup(c, kind, at, d) => {
                let mut new = new_followup(pick(&customers, c).unwrap(), at, "note");
                new.kind = FollowupKind::ALL[kind as usize];
                if let Some(deal) = d.and_then(|d| pick(&deals, d)) {
                    // A followup's deal must be its customer's.
                    let Record::Deal(deal) = s.record(deal).unwrap() else { unreachable!() };
                    new.customer_id = deal.customer_id;
                    new.deal_id = Some(deal.header.id);
                }
                // A deleted deal takes no followups.
                if let Ok(f) = s.log_followup(new) {
                    all.push((Kind::Followup, f.header.id.clone()));
                    followups.push(f.header.id);
                }
            }
            Op::Move(f, at) => {
                if let Some(id) = pick(&followups, f) {
                    let _ = s.edit_followup(id, FollowupEdit { occurred_at: Some(at), ..Default::default() });
                }
            }
            Op::Contract(c, amount, cny, offset) => {
                let new = NewContract {
                    customer_id: pick(&customers, c).unwrap().clone(),
                    deal_id: None,
                    title: None,
                    amount: Money::parse(&amount.to_string(), if cny { "CNY" } else { "USD" }).unwrap(),
                    signed_on: day(offset),
                };
                let id = s.add_contract(new).unwrap().header.id;
                all.push((Kind::Contract, id.clone()));
                contracts.push(id);
            }
            Op::Payment(k, amount, offset) => {
                if let Some(id) = pick(&contracts, k) {
                    if let Ok(p) = s.add_payment(id, &amount.to_string(), None, day(offset)) {
                        all.push((Kind::Payment, p.header.id));
                    }
                }
            }
            Op::Plan(c, offset) => {
                let new = NewPlan {
                    customer_id: pick(&customers, c).unwrap().clone(),
                    on: day(offset),
                    at: None,
                    purpose: "p".into(),
                };
                if let Ok(p) = s.add_plan(new) {
                    all.push((Kind::Plan, p.header.id.clone()));
                    plans.push(p.header.id);
                }
            }
            Op::PlanDone(p, at) => {
                if let Some(id) = pick(&plans, p) {
                    if let Ok((f, _)) = s.log_planned_visit(id, NewFollowup::new("", FollowupKind::Visit, at, "")) {
                        all.push((Kind::Followup, f.header.id.clone()));
                        followups.push(f.header.id);
                    }
                }
            }
            Op::PlanCancel(p) => {
                if let Some(id) = pick(&plans, p) {
                    let _ = s.cancel_plan(id);
                }
            }
            Op::PlanMove(p, offset) => {
                if let Some(id) = pick(&plans, p) {
                    let _ = s.move_plan(id, day(offset), None);
                }
            }
            Op::Delete(r, restore) => {
                if let Some((kind, id)) = (!all.is_empty()).then(|| &all[r % all.len()]) {
                    let _ = if restore { s.restore(*kind, id) } else { s.delete(*kind, id) };
                }
            }
        }
    }
    s
}

fn s_ms(d: NaiveDate) -> i64 {
    ms(&format!("{d}T15:00:00+08:00"))
}

fn all_facts(s: &Store, cal: &Calendar) -> Vec<Fact> {
    let defs = builtin();
    s.document_ids().unwrap().iter().flat_map(|id| facts(&s.record(id).unwrap(), &defs, cal)).collect()
}

fn assert_same(s: &Store, cal: &Calendar, range: &DateRange) {
    let facts = all_facts(s, cal);
    for def in builtin() {
        let sql = s.kpi_figures("rep-1", range, std::slice::from_ref(&def)).unwrap()[0].value;
        let mine = facts.iter().filter(|f| f.metric == def.id && range.contains_date(f.day));
        let combined = combine(&def.aggregate, mine);
        assert!(
            (sql - combined).abs() < 1e-9,
            "{} over {}..{}: SQL {sql}, facts {combined}",
            def.id,
            range.first,
            range.last
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn facts_combined_over_a_period_equal_the_sql_aggregate(ops in proptest::collection::vec(op(), 1..40)) {
        let s = play(&ops);
        let cal = Calendar::parse("Asia/Shanghai", "monday").unwrap();
        for (first, last) in [("2026-11-01", "2026-11-30"), ("2026-11-16", "2026-11-22"), ("2026-11-23", "2026-11-23"), ("2026-10-29", "2026-12-02")] {
            assert_same(&s, &cal, &cal.days(first.parse().unwrap(), last.parse().unwrap()));
        }
    }
}

#[test]
fn a_followup_just_after_midnight_in_shanghai_counts_on_the_new_local_day() {
    let mut s = store("rep-1");
    let c = customer(&mut s, "Acme");
    // 2026-11-22 16:30 UTC is Monday 2026-11-23 00:30 in Shanghai.
    let f = followup(&mut s, &c, ms("2026-11-22T16:30:00Z"), "early");
    let cal = Calendar::parse("Asia/Shanghai", "monday").unwrap();
    let visits: Vec<Fact> =
        facts(&s.record(&f).unwrap(), &builtin(), &cal).into_iter().filter(|f| f.metric == "visits").collect();
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].day, "2026-11-23".parse::<NaiveDate>().unwrap());
    assert_eq!(visits[0].user, "rep-1");
}
