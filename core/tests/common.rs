//! Shared set-up for the core's integration tests.
#![allow(dead_code)]

use chrono::DateTime;
use fieldreport_core::doc::{FollowupKind, NewCustomer, NewDeal, NewFollowup, Stage};
use fieldreport_core::money::Money;
use fieldreport_core::Store;

pub fn ms(rfc3339: &str) -> i64 {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp_millis()
}

/// A fresh in-memory store for `user` at a fixed "now" (Monday 2026-11-23 10:00 in Shanghai).
pub fn store(user: &str) -> Store {
    let mut s = Store::open_in_memory().unwrap();
    s.init(user, "team-1", "Asia/Shanghai", "monday").unwrap();
    s.set_now(Some(ms("2026-11-23T10:00:00+08:00")));
    s
}

pub fn customer(s: &mut Store, name: &str) -> String {
    s.add_customer(NewCustomer { name: name.into(), ..Default::default() }).unwrap().header.id
}

pub fn deal(s: &mut Store, customer_id: &str, title: &str, amount: &str) -> String {
    s.add_deal(NewDeal {
        customer_id: customer_id.into(),
        title: title.into(),
        amount: Money::parse(amount, "CNY").unwrap(),
        stage: Stage::Lead,
        expected_close: None,
    })
    .unwrap()
    .header
    .id
}

pub fn new_followup(customer_id: &str, at: i64, note: &str) -> NewFollowup {
    NewFollowup::new(customer_id, FollowupKind::Visit, at, note)
}

pub fn followup(s: &mut Store, customer_id: &str, at: i64, note: &str) -> String {
    s.log_followup(new_followup(customer_id, at, note)).unwrap().header.id
}
