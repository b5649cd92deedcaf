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

/// A 1×1 PNG.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// A JPEG whose EXIF holds an orientation (6), a capture time (2026-11-23 09:30:05) and, past
/// them, the kind of text a GPS block and a phone's serial number leave (`GPS`, `SERIAL`).
pub fn jpeg_with_location(pixels: &[u8]) -> Vec<u8> {
    use fieldreport_core::files::exif::{write, Kept};
    let taken = chrono::NaiveDateTime::parse_from_str("2026:11:23 09:30:05", "%Y:%m:%d %H:%M:%S").unwrap();
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(write(&Kept { orientation: Some(6), taken: Some(taken), offset_secs: None }));
    app1.extend_from_slice(b"GPS 31.2304N 121.4737E SERIAL-123");
    let mut f = vec![0xFF, 0xD8, 0xFF, 0xE1];
    f.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    f.extend(app1);
    f.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x04, 0x01, 0x02]);
    f.extend_from_slice(pixels);
    f.extend_from_slice(&[0xFF, 0xD9]);
    f
}
