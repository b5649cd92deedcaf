//! Typed views stored beside each document: the record a merge read from the merged document,
//! as JSON, so that a KPI rebuild (after `kpi rebuild` or a configuration that changes the KPI
//! definitions or the calendar) recomputes facts and indexes without loading every document in
//! Automerge, which is most of a rebuild's cost. A view is a cache of `Record::read` of the stored
//! document: written in the same statement as the document, tagged with [`VIEW_FORMAT`], and
//! ignored (the document is read instead) when missing, of another format, or unreadable.

use fieldreport_protocol::doc::{Kind, Record};

/// The format of stored views. Bump it whenever a typed view's fields or how a document is read
/// into one change: views of another format are not used, and the next rebuild reads those
/// documents again and stores fresh views. (`views_keep_their_shape` fails when the fields change.)
pub const VIEW_FORMAT: i64 = 5;

/// The view to store for `record`; `None` for documents a rebuild does not read (the published
/// configuration and snapshots) or a record JSON cannot hold.
pub fn encode(record: &Record) -> Option<String> {
    if record.header().kind.is_published() {
        return None;
    }
    serde_json::to_string(record).ok()
}

/// The record a stored view of a document of `kind` holds; `None` when it does not read back
/// (the caller then reads the document itself).
pub fn decode(kind: Kind, json: &str) -> Option<Record> {
    let record = match kind {
        Kind::Customer => Record::Customer(serde_json::from_str(json).ok()?),
        Kind::Deal => Record::Deal(serde_json::from_str(json).ok()?),
        Kind::Followup => Record::Followup(serde_json::from_str(json).ok()?),
        Kind::Contract => Record::Contract(serde_json::from_str(json).ok()?),
        Kind::Payment => Record::Payment(serde_json::from_str(json).ok()?),
        Kind::Report => Record::Report(Box::new(serde_json::from_str(json).ok()?)),
        Kind::Plan => Record::Plan(serde_json::from_str(json).ok()?),
        Kind::Config | Kind::Snapshot | Kind::Directory => return None,
    };
    // A view under the wrong kind (never written so, but cheap to refuse).
    (record.header().kind == kind).then_some(record)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use fieldreport_core::Store;
    use fieldreport_protocol::doc::ReportKind;
    use fieldreport_protocol::doc::{
        CheckIn, Contact, NewContract, NewCustomer, NewDeal, NewFollowup, Stage, StageChange,
    };
    use fieldreport_protocol::doc::{FollowupKind, Record};
    use fieldreport_protocol::money::Money;
    use fieldreport_protocol::report::Lang;

    use super::*;

    /// One record of every kind the rebuild reads, with every optional and nested field filled.
    fn records() -> Vec<Record> {
        let mut s = Store::open_in_memory().unwrap();
        s.init("rep-1", "team-1", "Asia/Shanghai", "monday").unwrap();
        s.set_now(Some(1_793_500_000_000));
        let c = s
            .add_customer(NewCustomer {
                name: "上海某某贸易有限公司".into(),
                level: Some(fieldreport_protocol::doc::Level::A),
                contacts: vec![Contact {
                    name: "王经理".into(),
                    title: Some("采购".into()),
                    phone: Some("138".into()),
                }],
                address: Some("上海市".into()),
                location: Some((31.230416, 121.473701)),
                tags: vec!["重点".into()],
            })
            .unwrap();
        let deal = NewDeal {
            customer_id: c.header.id.clone(),
            title: "二期".into(),
            amount: Money::parse("120000.50", "CNY").unwrap(),
            stage: Stage::Lead,
            expected_close: NaiveDate::from_ymd_opt(2026, 12, 31),
        };
        let d = s.add_deal(deal).unwrap();
        let d = s.set_deal_stage(&d.header.id, Stage::Qualified).unwrap();
        let mut f = NewFollowup::new(&c.header.id, FollowupKind::Visit, 1_793_490_000_000, "拜访，沟通报价 0.1 + 0.2");
        f.deal_id = Some(d.header.id.clone());
        f.next_step = "回访".into();
        f.next_followup_on = NaiveDate::from_ymd_opt(2026, 11, 30);
        f.checkin = Some(CheckIn { lat: 31.1 + 0.2, lon: 121.3, accuracy: Some(12.5), at: 1_793_490_000_000 });
        f.stage_change = Some(StageChange { from: Stage::Lead, to: Stage::Qualified });
        let f = s.log_followup(f).unwrap();
        let photo = super::super::thumbs::tests::png(4, 3);
        s.attach_bytes(Kind::Followup, &f.header.id, &photo, "门头.png", None).unwrap();
        let f = match s.record(&f.header.id).unwrap() {
            Record::Followup(f) => f,
            other => panic!("{other:?}"),
        };
        let contract = NewContract {
            customer_id: c.header.id.clone(),
            deal_id: Some(d.header.id.clone()),
            title: Some("合同".into()),
            amount: Money::parse("100000", "CNY").unwrap(),
            signed_on: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        };
        let k = s.add_contract(contract).unwrap();
        let p = s.add_payment(&k.header.id, "5000", None, NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()).unwrap();
        let r = s.new_report(ReportKind::Daily, NaiveDate::from_ymd_opt(2026, 11, 20), Lang::ZhCn).unwrap();
        s.insert_followups(&r.header.id, None, None).unwrap();
        s.comment_report(&r.header.id, "好").unwrap();
        s.attach_bytes(Kind::Report, &r.header.id, &photo, "白板.png", Some("done")).unwrap();
        let r = s
            .submit_report(
                &r.header.id,
                &["0190c0de-0000-7000-8000-000000000001".into()],
                &["0190c0de-0000-7000-8000-000000000002".into()],
            )
            .unwrap();
        let plan = s
            .add_plan(fieldreport_protocol::doc::NewPlan {
                customer_id: c.header.id.clone(),
                on: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
                at: chrono::NaiveTime::from_hms_opt(9, 30, 0),
                purpose: "演示".into(),
            })
            .unwrap();
        let (planned, done) = s
            .log_planned_visit(&plan.header.id, NewFollowup::new("", FollowupKind::Visit, 1_793_500_000_000, ""))
            .unwrap();
        let today = s.today_report(ReportKind::Weekly, NaiveDate::from_ymd_opt(2026, 11, 20), Lang::ZhCn).unwrap();
        vec![
            Record::Customer(c),
            Record::Deal(d),
            Record::Followup(f),
            Record::Contract(k),
            Record::Payment(p),
            Record::Report(Box::new(r)),
            Record::Plan(done),
            Record::Followup(planned),
            Record::Report(Box::new(today)),
        ]
    }

    /// Every object key of `v`, as dotted paths, sorted (array elements under `[]`).
    fn shape(v: &serde_json::Value, at: &str, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    let path = format!("{at}.{k}");
                    out.push(path.clone());
                    shape(v, &path, out);
                }
            }
            serde_json::Value::Array(a) => {
                for v in a {
                    shape(v, &format!("{at}[]"), out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn every_kind_reads_back_from_its_view() {
        for r in records() {
            let kind = r.header().kind;
            let json = encode(&r).unwrap();
            assert_eq!(decode(kind, &json).as_ref(), Some(&r), "{kind}");
        }
    }

    #[test]
    fn a_view_that_does_not_read_back_is_not_used() {
        let r = &records()[2];
        let json = encode(r).unwrap();
        assert!(decode(Kind::Deal, &json).is_none(), "a followup's view read as a deal");
        assert!(decode(Kind::Followup, &json[..json.len() / 2]).is_none());
        assert!(decode(Kind::Config, "{}").is_none());
    }

    /// Changing a view's fields changes what stored views hold: bump VIEW_FORMAT, then update
    /// the pinned shapes here.
    #[test]
    fn views_keep_their_shape() {
        let mut got = Vec::new();
        for r in records() {
            let v: serde_json::Value = serde_json::from_str(&encode(&r).unwrap()).unwrap();
            let mut paths = Vec::new();
            shape(&v, r.header().kind.as_str(), &mut paths);
            paths.sort();
            paths.dedup();
            got.extend(paths);
        }
        if std::env::var_os("UPDATE_VIEWS_SHAPE").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/service/views_shape.txt");
            std::fs::write(path, got.join("\n") + "\n").unwrap();
            return;
        }
        let pinned: Vec<&str> = include_str!("views_shape.txt").lines().collect();
        assert_eq!(
            got, pinned,
            "the typed views changed: bump VIEW_FORMAT (views.rs), then rerun this test with UPDATE_VIEWS_SHAPE=1"
        );
    }
}
