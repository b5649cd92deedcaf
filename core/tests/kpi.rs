//! KPI evaluation over the projection tables: periods, owners, deletes, money, conversions.

mod common;

use common::*;
use fieldreport_core::doc::{Kind, NewContract, Stage};
use fieldreport_core::kpi::{Aggregate, Entity, KpiDef, Unit};
use fieldreport_core::money::Money;
use fieldreport_core::period::{Calendar, DateRange};
use fieldreport_core::Store;

fn november() -> DateRange {
    let cal = Calendar::parse("Asia/Shanghai", "monday").unwrap();
    cal.days("2026-11-01".parse().unwrap(), "2026-11-30".parse().unwrap())
}

fn value(s: &Store, owner: &str, metric: &str, range: &DateRange) -> f64 {
    let defs = s.kpi_definitions_for(&[metric.to_string()]).unwrap();
    s.kpi_figures(owner, range, &defs).unwrap()[0].value
}

fn contract(s: &mut Store, c: &str, amount: &str, currency: &str, on: &str) -> String {
    s.add_contract(NewContract {
        customer_id: c.into(),
        deal_id: None,
        title: None,
        amount: Money::parse(amount, currency).unwrap(),
        signed_on: on.parse().unwrap(),
    })
    .unwrap()
    .header
    .id
}

#[test]
fn money_kpis_sum_minor_units_by_local_date_and_skip_other_currencies() {
    let mut s = store("rep-1");
    let c = customer(&mut s, "Acme");
    let k1 = contract(&mut s, &c, "1000.10", "CNY", "2026-11-01");
    contract(&mut s, &c, "2000.00", "CNY", "2026-11-30");
    contract(&mut s, &c, "9999.00", "CNY", "2026-12-01");
    contract(&mut s, &c, "500.00", "USD", "2026-11-15");
    assert_eq!(value(&s, "rep-1", "new_contract_amount", &november()), 300_010.0);
    s.add_payment(&k1, "400", None, "2026-11-20".parse().unwrap()).unwrap();
    s.add_payment(&k1, "100", None, "2026-10-31".parse().unwrap()).unwrap();
    assert_eq!(value(&s, "rep-1", "payments_received", &november()), 40_000.0);
    s.delete(Kind::Contract, &k1).unwrap();
    assert_eq!(value(&s, "rep-1", "new_contract_amount", &november()), 200_000.0, "deleted records do not count");
}

#[test]
fn activity_kpis_count_only_the_users_own_followups_in_the_period() {
    let mut s = store("rep-1");
    let c = customer(&mut s, "Acme");
    followup(&mut s, &c, ms("2026-11-01T00:00:00+08:00"), "in");
    followup(&mut s, &c, ms("2026-10-31T23:59:59+08:00"), "out");
    let f = followup(&mut s, &c, ms("2026-11-10T10:00:00+08:00"), "deleted");
    s.delete(Kind::Followup, &f).unwrap();
    assert_eq!(value(&s, "rep-1", "visits", &november()), 1.0);
    assert_eq!(value(&s, "rep-1", "followups", &november()), 1.0);
    assert_eq!(value(&s, "rep-2", "visits", &november()), 0.0, "another user's figures are their own");
    assert_eq!(value(&s, "rep-1", "new_customers", &november()), 1.0);
}

#[test]
fn won_deals_and_stage_conversion_follow_the_stage_history() {
    let mut s = store("rep-1");
    let c = customer(&mut s, "Acme");
    let a = deal(&mut s, &c, "A", "100");
    let b = deal(&mut s, &c, "B", "200");
    let lost = deal(&mut s, &c, "C", "300");
    deal(&mut s, &c, "D", "400");
    s.set_now(Some(ms("2026-11-20T10:00:00+08:00")));
    s.set_deal_stage(&a, Stage::Contacted).unwrap();
    s.set_deal_stage(&a, Stage::Won).unwrap();
    s.set_deal_stage(&b, Stage::Qualified).unwrap();
    s.set_deal_stage(&lost, Stage::Lost).unwrap();
    let nov = november();
    assert_eq!(value(&s, "rep-1", "deals_won", &nov), 1.0);
    assert_eq!(value(&s, "rep-1", "deals_won_amount", &nov), 10_000.0);
    // Four deals entered lead in November; two moved on (lost does not count).
    assert_eq!(value(&s, "rep-1", "conversion_lead", &nov), 0.5);
    assert_eq!(value(&s, "rep-1", "conversion_contacted", &nov), 1.0);
    assert_eq!(value(&s, "rep-1", "conversion_proposal", &nov), 0.0, "no deal entered proposal");
}

#[test]
fn definitions_are_data_and_refuse_unknown_fields() {
    let s = store("rep-1");
    let def = KpiDef {
        id: "a_level_customers".into(),
        name_zh: "A类客户".into(),
        name_en: "A customers".into(),
        entity: Entity::Customers,
        aggregate: Aggregate::Count,
        date_field: "created_at".into(),
        filters: vec![fieldreport_core::kpi::Filter { field: "level".into(), values: vec!["A".into()] }],
        unit: Unit::Count,
    };
    assert_eq!(s.kpi_figures("rep-1", &november(), std::slice::from_ref(&def)).unwrap()[0].value, 0.0);
    let bad = KpiDef { date_field: "created_at; DROP TABLE customers".into(), ..def.clone() };
    assert!(bad.validate().is_err());
    assert!(s.kpi_figures("rep-1", &november(), &[bad]).is_err());
    let bad_sum = KpiDef { aggregate: Aggregate::Sum { field: "name".into() }, ..def };
    assert!(bad_sum.validate().unwrap_err().to_string().contains("name"));
}

#[test]
fn definitions_by_id_keep_the_order_given_refuse_unknown_ids_and_mean_all_when_empty() {
    let s = Store::open_in_memory().unwrap();
    let ids: Vec<String> = vec!["calls".into(), "visits".into()];
    let picked: Vec<String> = s.kpi_definitions_for(&ids).unwrap().into_iter().map(|d| d.id).collect();
    assert_eq!(picked, ids);
    assert_eq!(s.kpi_definitions_for(&[]).unwrap(), s.kpi_definitions());
    let err = s.kpi_definitions_for(&["no_such_metric".to_string()]).unwrap_err();
    assert!(err.is_bad_input(), "{err}");
}
