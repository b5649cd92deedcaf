//! The local store: writes, projections, queries, soft delete, validation, damage.

mod common;

use common::*;

const NOW: i64 = 1_795_399_200_000; // 2026-11-23T10:00:00+08:00
use fieldreport_core::doc::{CheckIn, CustomerEdit, FollowupEdit, FollowupText, Kind, Record, Stage, ValidationError};
use fieldreport_core::period::Period;
use fieldreport_core::store::{DealChange, FollowupFilter};
use fieldreport_core::{Error, Store};

fn count_docs(s: &Store) -> usize {
    s.document_ids().unwrap().len()
}

#[test]
fn a_logged_followup_is_listed_by_period_customer_and_deal() {
    let mut s = store("rep-1");
    let acme = customer(&mut s, "Acme");
    let hw = customer(&mut s, "华为技术");
    let d = deal(&mut s, &acme, "Servers", "12000.00");
    let mut with_deal = new_followup(&acme, ms("2026-11-23T09:00:00+08:00"), "met the CTO");
    with_deal.deal_id = Some(d.clone());
    let f1 = s.log_followup(with_deal).unwrap().header.id;
    let f2 = followup(&mut s, &hw, ms("2026-11-22T23:59:00+08:00"), "call"); // Sunday: last week
    let f3 = followup(&mut s, &acme, ms("2026-11-24T00:00:00+08:00"), "tomorrow"); // still this week

    let cal = s.calendar().unwrap();
    let now = s.now_ms();
    let today = FollowupFilter { range: Some(cal.resolve(Period::Today, now)), ..Default::default() };
    assert_eq!(ids(&s, &today), vec![f1.clone()]);
    let week = FollowupFilter { range: Some(cal.resolve(Period::ThisWeek, now)), ..Default::default() };
    assert_eq!(ids(&s, &week), vec![f1.clone(), f3.clone()]);
    let last_week = FollowupFilter { range: Some(cal.resolve(Period::LastWeek, now)), ..Default::default() };
    assert_eq!(ids(&s, &last_week), vec![f2.clone()]);
    let by_customer = FollowupFilter { customer_id: Some(acme.clone()), ..Default::default() };
    assert_eq!(ids(&s, &by_customer), vec![f1.clone(), f3]);
    let by_deal = FollowupFilter { deal_id: Some(d), ..Default::default() };
    let rows = s.list_followups(&by_deal).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, f1);
    assert_eq!(rows[0].customer_name, "Acme");
    assert_eq!(rows[0].note, "met the CTO");
}

fn ids(s: &Store, f: &FollowupFilter) -> Vec<String> {
    s.list_followups(f).unwrap().into_iter().map(|r| r.id).collect()
}

#[test]
fn customer_search_finds_chinese_and_ascii_substrings() {
    let mut s = store("rep-1");
    customer(&mut s, "上海华为技术有限公司");
    customer(&mut s, "北京字节跳动");
    customer(&mut s, "Acme 100% Corp");
    let names = |q: &str| -> Vec<String> { s.list_customers(Some(q)).unwrap().into_iter().map(|c| c.name).collect() };
    assert_eq!(names("华为"), vec!["上海华为技术有限公司"]);
    assert_eq!(names("acme"), vec!["Acme 100% Corp"]);
    assert_eq!(names("100%"), vec!["Acme 100% Corp"]);
    assert!(names("%").len() == 1, "% is matched literally");
    assert_eq!(s.list_customers(None).unwrap().len(), 3);
}

#[test]
fn deals_are_listed_by_stage_and_keep_their_stage_history() {
    let mut s = store("rep-1");
    let c = customer(&mut s, "Acme");
    let a = deal(&mut s, &c, "A", "1.00");
    let b = deal(&mut s, &c, "B", "2.00");
    s.set_now(Some(ms("2026-11-24T10:00:00+08:00")));
    s.set_deal_stage(&a, Stage::Qualified).unwrap();
    let d = s.set_deal_stage(&a, Stage::Qualified).unwrap(); // no-op: same stage
    assert_eq!(d.stage_history.iter().map(|e| e.stage).collect::<Vec<_>>(), vec![Stage::Lead, Stage::Qualified]);
    let lead: Vec<_> = s.list_deals(Some(Stage::Lead)).unwrap().into_iter().map(|d| d.id).collect();
    assert_eq!(lead, vec![b]);
    let q = s.list_deals(Some(Stage::Qualified)).unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].stage_at, ms("2026-11-24T10:00:00+08:00"));
}

/// The one rule every front end edits deals by: an amount is read in the deal's currency unless
/// another is given with it; a currency alone changes nothing and is refused.
#[test]
fn a_deals_amount_is_read_in_its_currency_unless_another_comes_with_it() {
    let mut s = store("rep-1");
    let c = customer(&mut s, "Acme");
    let d = deal(&mut s, &c, "A", "1.00");
    let change = |amount: Option<&str>, currency: Option<&str>| DealChange {
        amount: amount.map(String::from),
        currency: currency.map(String::from),
        ..Default::default()
    };
    let cny = s.change_deal(&d, change(Some("1,500.50"), None)).unwrap();
    assert_eq!((cny.amount.minor, cny.amount.currency.as_str()), (150_050, "CNY"));
    let usd = s.change_deal(&d, change(Some("20"), Some("USD"))).unwrap();
    assert_eq!((usd.amount.minor, usd.amount.currency.as_str()), (2_000, "USD"));
    let kept = s.change_deal(&d, change(Some("30"), None)).unwrap();
    assert_eq!((kept.amount.minor, kept.amount.currency.as_str()), (3_000, "USD"), "the deal's currency now");
    let alone = s.change_deal(&d, change(None, Some("EUR"))).unwrap_err();
    assert!(alone.is_bad_input() && alone.to_string().contains("goes with an amount"), "{alone}");
    assert_eq!(s.deal(&d).unwrap().amount.currency, "USD", "nothing written");
    // Another record's id, or none's, is no deal.
    for other in [c.as_str(), "01a24cbc-0000-7000-8000-000000000000"] {
        let e = s.change_deal(other, change(Some("5"), None)).unwrap_err();
        assert!(matches!(e, fieldreport_core::Error::NotFound { kind: "deal", .. }), "{e}");
    }
}

#[test]
fn soft_delete_hides_a_record_and_restore_brings_it_back() {
    let mut s = store("rep-1");
    let c = customer(&mut s, "Acme");
    let f = followup(&mut s, &c, NOW, "note");
    s.delete(Kind::Followup, &f).unwrap();
    assert!(s.list_followups(&FollowupFilter::default()).unwrap().is_empty());
    let all = FollowupFilter { include_deleted: true, ..Default::default() };
    assert_eq!(s.list_followups(&all).unwrap().len(), 1, "the document is kept");
    s.restore(Kind::Followup, &f).unwrap();
    assert_eq!(ids(&s, &FollowupFilter::default()), vec![f]);

    s.delete(Kind::Customer, &c).unwrap();
    assert!(s.list_customers(None).unwrap().is_empty());
    let err = s.log_followup(new_followup(&c, 0, "x")).unwrap_err();
    assert!(matches!(err, Error::NotFound { kind: "customer", .. }), "{err}");
}

#[test]
fn edits_update_the_projection_and_text_fields() {
    let mut s = store("rep-1");
    let c = customer(&mut s, "Acme");
    let f = followup(&mut s, &c, NOW, "first draft");
    let later = ms("2026-11-25T15:00:00+08:00");
    s.edit_followup(
        &f,
        FollowupEdit { note: Some("final note".into()), occurred_at: Some(later), ..Default::default() },
    )
    .unwrap();
    s.splice_followup(&f, FollowupText::NextStep, 0, 0, "发报价 📄").unwrap();
    s.splice_followup(&f, FollowupText::NextStep, 5, 0, "给张总").unwrap();
    let row = &s.list_followups(&FollowupFilter::default()).unwrap()[0];
    assert_eq!(row.note, "final note");
    assert_eq!(row.next_step, "发报价 📄给张总");
    assert_eq!(row.occurred_at, later);
    let err = s.splice_followup(&f, FollowupText::Note, 11, 1, "").unwrap_err();
    assert!(err.is_bad_input());

    s.edit_customer(&c, CustomerEdit { name: Some("Acme Holdings".into()), ..Default::default() }).unwrap();
    assert_eq!(s.list_followups(&FollowupFilter::default()).unwrap()[0].customer_name, "Acme Holdings");
}

#[test]
fn an_edit_that_changes_nothing_writes_nothing() {
    let mut s = store("rep-1");
    let c = customer(&mut s, "Acme");
    let f = followup(&mut s, &c, NOW, "same");
    let before = s.heads(&f).unwrap();
    s.edit_followup(&f, FollowupEdit { note: Some("same".into()), ..Default::default() }).unwrap();
    assert_eq!(s.heads(&f).unwrap(), before);
}

#[test]
fn invalid_input_is_a_typed_error_and_writes_nothing() {
    let mut s = store("rep-1");
    let c = customer(&mut s, "Acme");
    let before = count_docs(&s);

    let long = "字".repeat(20_001);
    let err = s.log_followup(new_followup(&c, 0, &long)).unwrap_err();
    assert!(
        matches!(err, Error::Invalid(ValidationError::TooLong { field: "note", len: 20_001, max: 20_000 })),
        "{err}"
    );
    assert!(s.log_followup(new_followup(&c, 0, &"字".repeat(20_000))).is_ok(), "the limit itself is allowed");
    let before = before + 1;

    let mut bad_geo = new_followup(&c, 0, "x");
    bad_geo.checkin = Some(CheckIn { lat: 31.0, lon: 181.0, accuracy: None, at: 0 });
    assert!(matches!(
        s.log_followup(bad_geo).unwrap_err(),
        Error::Invalid(ValidationError::OutOfRange { field: "lon", .. })
    ));
    let mut nan_geo = new_followup(&c, 0, "x");
    nan_geo.checkin = Some(CheckIn { lat: f64::NAN, lon: 0.0, accuracy: None, at: 0 });
    assert!(s.log_followup(nan_geo).is_err());

    let empty = s.add_customer(fieldreport_core::doc::NewCustomer { name: "  ".into(), ..Default::default() });
    assert!(matches!(empty.unwrap_err(), Error::Invalid(ValidationError::Required { field: "name" })));

    let unknown = "01900000-0000-7000-8000-000000000000";
    assert!(matches!(s.log_followup(new_followup(unknown, 0, "x")).unwrap_err(), Error::NotFound { .. }));
    assert!(s.edit_followup("not-a-uuid", FollowupEdit::default()).unwrap_err().is_bad_input());
    assert!(
        matches!(s.edit_followup(&c, FollowupEdit::default()).unwrap_err(), Error::NotFound { kind: "followup", .. }),
        "a customer id is not a followup id"
    );
    let huge = s.edit_followup(
        &s.list_followups(&FollowupFilter::default()).unwrap()[0].id.clone(),
        FollowupEdit { note: Some(long.clone()), ..Default::default() },
    );
    assert!(huge.is_err());
    assert_eq!(count_docs(&s), before);
    assert!(s.list_followups(&FollowupFilter::default()).unwrap().iter().all(|r| r.note.chars().count() <= 20_000));
}

#[test]
fn a_deal_of_another_customer_is_refused_on_a_followup() {
    let mut s = store("rep-1");
    let a = customer(&mut s, "A");
    let b = customer(&mut s, "B");
    let d = deal(&mut s, &a, "deal of A", "1");
    let mut f = new_followup(&b, 0, "x");
    f.deal_id = Some(d);
    assert!(s.log_followup(f).unwrap_err().is_bad_input());
}

#[test]
fn payments_take_the_contract_customer_and_currency() {
    let mut s = store("rep-1");
    let c = customer(&mut s, "Acme");
    let k = s
        .add_contract(fieldreport_core::doc::NewContract {
            customer_id: c.clone(),
            deal_id: None,
            title: None,
            amount: fieldreport_core::money::Money::parse("50000", "USD").unwrap(),
            signed_on: "2026-11-20".parse().unwrap(),
        })
        .unwrap();
    let p = s.add_payment(&k.header.id, "1000.50", None, "2026-11-23".parse().unwrap()).unwrap();
    assert_eq!(p.customer_id, c);
    assert_eq!(p.amount.minor, 100_050);
    assert_eq!(p.amount.currency, "USD");
    assert!(s.add_payment(&k.header.id, "-1", None, "2026-11-23".parse().unwrap()).unwrap_err().is_bad_input());
    let rows = s.list_payments().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].customer_name, "Acme");
}

#[test]
fn every_document_carries_its_header() {
    let mut s = store("rep-1");
    let c = customer(&mut s, "Acme");
    let Record::Customer(rec) = s.record(&c).unwrap() else { panic!("not a customer") };
    let h = rec.header;
    assert_eq!((h.kind, h.team.as_str(), h.owner.as_str(), h.schema), (Kind::Customer, "team-1", "rep-1", 1));
    assert_eq!(h.created_at, ms("2026-11-23T10:00:00+08:00"));
    assert_eq!(uuid::Uuid::parse_str(&h.id).unwrap().get_version_num(), 7);
}

#[test]
fn writes_survive_reopening_and_the_actor_is_persisted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    let (c, actor) = {
        let mut s = Store::open(&path).unwrap();
        s.init("rep-1", "team-1", "Asia/Shanghai", "monday").unwrap();
        let c = customer(&mut s, "Acme");
        (c, s.identity().unwrap().actor)
    };
    let mut s = Store::open(&path).unwrap();
    assert_eq!(s.identity().unwrap().actor, actor);
    assert_eq!(s.list_customers(None).unwrap()[0].id, c);
    assert!(matches!(s.init("x", "y", "UTC", "monday").unwrap_err(), Error::AlreadyInitialized { .. }));
}

#[test]
fn a_damaged_document_is_named_and_every_other_record_stays_readable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    let mut s = Store::open(&path).unwrap();
    s.init("rep-1", "team-1", "Asia/Shanghai", "monday").unwrap();
    let c = customer(&mut s, "Acme");
    let good = followup(&mut s, &c, 0, "fine");
    let bad = followup(&mut s, &c, 1, "will be damaged");
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute("UPDATE documents SET bytes = x'856f4a83deadbeef' WHERE id = ?1", [&bad]).unwrap();
    drop(raw);

    let err = s.edit_followup(&bad, FollowupEdit { note: Some("x".into()), ..Default::default() }).unwrap_err();
    assert!(matches!(&err, Error::Corrupt { id, .. } if id == &bad), "{err}");
    assert!(err.to_string().contains(&bad));
    assert!(s.record(&good).is_ok());
    assert_eq!(s.list_followups(&FollowupFilter::default()).unwrap().len(), 2, "lists come from projections");
    let damaged = s.verify().unwrap();
    assert_eq!(damaged.len(), 1);
    assert_eq!(damaged[0].0, bad);
}

#[test]
fn a_database_from_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    Store::open(&path).unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.pragma_update(None, "user_version", 99).unwrap();
    drop(raw);
    let err = Store::open(&path).err().expect("a newer schema must be refused");
    assert!(matches!(err, Error::SchemaTooNew { found: 99, .. }), "{err}");
    let raw = rusqlite::Connection::open(&path).unwrap();
    let v: u32 = raw.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v, 99, "never silently downgraded");
}

#[test]
fn local_writes_are_pending_until_acknowledged() {
    let mut s = store("rep-1");
    let c = customer(&mut s, "Acme");
    let pending = s.pending_documents().unwrap();
    assert_eq!(pending.len(), 1);
    let heads = pending[0].heads.clone();
    s.acknowledge(&c, &heads).unwrap();
    assert!(s.pending_documents().unwrap().is_empty());
    s.edit_customer(&c, CustomerEdit { name: Some("Acme 2".into()), ..Default::default() }).unwrap();
    let again = s.pending_documents().unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].acked_heads, heads);
    // An acknowledgement of old heads does not clear newer local changes.
    s.acknowledge(&c, &heads).unwrap();
    assert_eq!(s.pending_documents().unwrap().len(), 1);
}
