//! KPI rollups, the record indexes, and what figures, alerts, statistics and exports read.

use fieldreport_protocol::doc::{PlanStatus, Stage};

use super::records::{customer, day, deal, plan, report, visit};
use super::{fresh, put, user, Harness};
use crate::model::{Device, Role, Slice};
use crate::store::db::{NewDoc, RollupDelta, RollupTable};

/// Rollup rows add up, cancel out and disappear; distinct keys count once.
pub fn rollups_add_up(h: &dyn Harness) {
    let (s, _) = fresh(h);
    let day = |d: &str| d.parse::<chrono::NaiveDate>().unwrap();
    s.write(move |db| {
        for (v, n) in [(2.0, 1), (3.0, 1), (-2.0, -1)] {
            for (table, key) in [(RollupTable::Daily, "2026-11-20"), (RollupTable::Monthly, "2026-11")] {
                db.apply_rollup(&RollupDelta {
                    table,
                    user: "r",
                    metric: "visits",
                    key,
                    value: v,
                    base: 0.0,
                    facts: n,
                })?;
            }
        }
        db.insert_key("deal-1", "deals_won", "2026-11-20", "r", "deal-1")?;
        db.insert_key("deal-1b", "deals_won", "2026-11-21", "r", "deal-1")?;
        db.set_facts("doc-a", Some("[]"))?;
        assert_eq!(db.facts("doc-a")?.as_deref(), Some("[]"));
        db.set_facts("doc-a", None)?;
        assert_eq!(db.facts("doc-a")?, None);
        // A record's keys go with it.
        db.insert_key("deal-2", "deals_won", "2026-11-22", "r", "deal-2")?;
        db.delete_keys("deal-2")?;
        Ok(())
    })
    .unwrap();
    let users = vec!["r".to_string()];
    let distinct = vec!["deals_won".to_string()];
    let totals = s.read(|db| db.totals(day("2026-11-01"), day("2026-11-30"), Slice::Users(&users), &distinct)).unwrap();
    let of = |m: &str| totals.iter().find(|t| t.metric == m).map(|t| t.value);
    assert_eq!(of("visits"), Some(3.0));
    assert_eq!(of("deals_won"), Some(1.0));
    let partial = s.read(|db| db.totals(day("2026-11-20"), day("2026-11-20"), Slice::Users(&users), &[])).unwrap();
    assert_eq!(partial.iter().find(|t| t.metric == "visits").map(|t| t.value), Some(3.0));
    s.write(move |db| {
        for table in [RollupTable::Daily, RollupTable::Monthly] {
            let key = if table == RollupTable::Daily { "2026-11-20" } else { "2026-11" };
            db.apply_rollup(&RollupDelta {
                table,
                user: "r",
                metric: "visits",
                key,
                value: -3.0,
                base: 0.0,
                facts: -1,
            })?;
        }
        assert_eq!(db.daily_rollups()?, 0, "a row left with no fact is removed");
        Ok(())
    })
    .unwrap();
}

/// The indexes of customers, deals, visits and reports answer the figure queries (idle deals,
/// check-ins at placed customers, reports due, last syncs) and the exports' pages; a rebuild
/// starts from nothing and reads records from views or bytes.
pub fn indexes_answer_figures_and_exports(h: &dyn Harness) {
    let (s, _) = fresh(h);
    s.write(|db| {
        db.insert_user(&user("m", Role::Manager, None))?;
        db.insert_user(&user("r", Role::Rep, Some("m")))?;
        let device = Device {
            id: "d1".into(),
            user_id: "r".into(),
            actor: "ab".into(),
            name: None,
            created_at: 1,
            last_seen_at: None,
            revoked_at: None,
        };
        db.insert_device(&device, "token-hash")?;
        db.touch_device("d1", 100_000)?;
        db.index_customer(&customer("c1", "r", "华为", Some((31.2, 121.5))))?;
        db.index_customer(&customer("c2", "r", "联影", None))?;
        db.index_deal(&deal("d-open", "r", "c1", Stage::Proposal, 1_000))?;
        db.index_deal(&deal("d-idle", "r", "c1", Stage::Qualified, 2_000))?;
        db.index_deal(&deal("d-won", "r", "c1", Stage::Won, 500))?;
        let mut gone = visit("v3", "r", "c1", None, 7_000, None);
        gone.header.deleted = true;
        for v in [
            visit("v1", "r", "c1", Some("d-open"), 5_000, Some((31.21, 121.51))),
            visit("v2", "r", "c2", None, 6_000, Some((1.0, 1.0))),
            gone,
        ] {
            put_view(db, &v.header.id, "followup", "{\"visit\":1}")?;
            db.index_followup(&v)?;
        }
        for r in [report("rep-1", "r", "2026-11-20", Some(9_000), 0), report("rep-2", "r", "2026-11-25", None, 0)] {
            put_view(db, &r.header.id, "report", "{\"report\":1}")?;
            db.index_report(&r)?;
        }
        for (id, on, status, deleted) in [
            ("p1", "2026-11-24", PlanStatus::Done, false),
            ("p2", "2026-11-24", PlanStatus::Planned, false),
            ("p3", "2026-11-25", PlanStatus::Planned, true),
            ("p4", "2026-12-01", PlanStatus::Planned, false),
        ] {
            let mut p = plan(id, "r", "c1", on, status);
            p.header.deleted = deleted;
            p.at = (id == "p2").then(|| chrono::NaiveTime::from_hms_opt(9, 30, 0).unwrap());
            p.followup_id = (status == PlanStatus::Done).then(|| "v1".into());
            db.index_plan(&p)?;
        }
        Ok(())
    })
    .unwrap();
    let r = vec!["r".to_string()];
    s.read(move |db| {
        let ids = |v: Vec<crate::model::IdleDeal>| v.into_iter().map(|d| d.id).collect::<Vec<_>>();
        assert_eq!(ids(db.idle_deals(&r, 4_000)?), ["d-idle"], "open, and nothing since before 4000");
        assert_eq!(ids(db.idle_deals(&r, 6_000)?), ["d-idle", "d-open"], "oldest activity first");
        let placed = db.placed_checkins(&r, 0)?;
        assert_eq!(placed.len(), 1, "a check-in at a customer without a location cannot be placed");
        let now_apart = fieldreport_protocol::doc::distance_m((31.21, 121.51), (31.2, 121.5));
        assert_eq!((placed[0].followup_id.as_str(), placed[0].metres), ("v1", now_apart), "not measured yet: now");
        assert!(db.placed_checkins(&r, 5_001)?.is_empty());
        let due: Vec<String> =
            db.reports(&r, day("2026-11-01"), day("2026-11-22"))?.into_iter().map(|e| e.id).collect();
        assert_eq!(due, ["rep-1"]);
        let mut seen = db.last_seen()?;
        seen.sort();
        assert_eq!(seen, [("m".to_string(), None), ("r".to_string(), Some(100_000))]);
        assert_eq!(db.customer_place("c1")?, Some(("华为".to_string(), Some(31.2), Some(121.5))));
        assert_eq!(db.customer_place("c2")?, Some(("联影".to_string(), None, None)));
        let plans = db.plans_of(&r, "2026-11-24", "2026-11-30")?;
        let got: Vec<_> = plans
            .iter()
            .map(|p| (p.id.as_str(), p.status.as_str(), p.customer_name.as_str(), p.at.as_deref()))
            .collect();
        assert_eq!(got, [("p2", "planned", "华为", Some("09:30")), ("p1", "done", "华为", None)], "live, in range");
        assert_eq!(plans[1].followup_id.as_deref(), Some("v1"));
        // Evidence: a check-in measured once keeps its distance; v2's customer has no location, but
        // a measured check-in is placed all the same.
        assert_eq!(db.checkin_metres("v1")?, None, "not measured yet");
        assert_eq!(db.unmeasured_checkins("c1")?, [("v1".to_string(), (31.21, 121.51))]);
        Ok(())
    })
    .unwrap();
    s.write(|db| {
        db.record_checkin_evidence("v1", 11_000.0, (31.3, 121.6), 8_000)?;
        db.record_checkin_evidence("v1", 22.0, (31.21, 121.51), 9_000)?;
        db.record_checkin_evidence("v2", 5_000.0, (1.1, 1.1), 8_000)?;
        db.record_location_change(&crate::store::db::LocationChange {
            customer_id: "c1".into(),
            customer_name: String::new(),
            at: 9_000,
            by: "r".into(),
            from: Some((31.3, 121.6)),
            to: Some((31.21, 121.51)),
        })?;
        Ok(())
    })
    .unwrap();
    let r = vec!["r".to_string()];
    s.read(move |db| {
        let placed = db.placed_checkins(&r, 0)?;
        let metres: Vec<(&str, f64)> = placed.iter().map(|p| (p.followup_id.as_str(), p.metres)).collect();
        assert_eq!(metres, [("v1", 11_000.0), ("v2", 5_000.0)], "the first measure stands");
        assert_eq!(db.checkin_metres("v1")?, Some(11_000.0));
        assert!(db.unmeasured_checkins("c1")?.is_empty());
        let moves = db.location_changes(&r, 0, 10)?;
        assert_eq!(moves.len(), 1);
        assert_eq!(
            (moves[0].customer_name.as_str(), moves[0].by.as_str(), moves[0].from, moves[0].to),
            ("华为", "r", Some((31.3, 121.6)), Some((31.21, 121.51)))
        );
        assert!(db.location_changes(&r, 9_001, 10)?.is_empty());
        let first = db.visits_page("r", 0, 10_000, None, 1)?;
        assert_eq!(
            (first[0].id.as_str(), first[0].at, first[0].view.as_deref()),
            ("v1", Some(5_000), Some("{\"visit\":1}"))
        );
        let rest = db.visits_page("r", 0, 10_000, Some((5_000, "v1")), 10)?;
        assert_eq!(rest.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(), ["v2"], "a removed visit is left out");
        let reports = db.reports_page("r", "2026-11-01", "2026-11-30", None, 10)?;
        assert_eq!(
            reports.iter().map(|v| (v.id.as_str(), v.key.as_str())).collect::<Vec<_>>(),
            [("rep-1", "2026-11-20"), ("rep-2", "2026-11-25")]
        );
        assert_eq!(reports[0].at, Some(9_000));
        assert_eq!(db.reports_page("r", "2026-11-01", "2026-11-30", Some(("2026-11-20", "rep-1")), 10)?.len(), 1);
        Ok(())
    })
    .unwrap();
    // The server's own record of deadlines, and of alerts told: each once.
    s.write(|db| {
        let o = crate::store::db::Obligation {
            user_id: "r".into(),
            kind: "weekly".into(),
            last: day("2026-11-29"),
            due_at: 1_000,
            recorded_at: 2_000,
            status: "missing".into(),
        };
        assert!(db.record_obligation(&o)?);
        assert!(!db.record_obligation(&crate::store::db::Obligation { due_at: 5, ..o.clone() })?, "recorded once");
        assert_eq!(db.obligations(&["r".into()], day("2026-11-23"), day("2026-11-30"))?, [o]);
        assert!(db.obligations(&["r".into()], day("2026-11-30"), day("2026-12-06"))?.is_empty());
        assert_eq!(db.recorded_since(1_000)?, [("r".to_string(), "weekly".to_string(), day("2026-11-29"))]);
        assert!(db.recorded_since(1_001)?.is_empty());
        assert_eq!(db.announce_alerts(&["a".into(), "b".into()], 1)?, ["a", "b"]);
        assert_eq!(db.announce_alerts(&["b".into(), "c".into()], 2)?, ["c"], "none is told twice");
        Ok(())
    })
    .unwrap();
    // Rows by owner are the same whether each owner is looked up or, for a director's
    // thousands, everyone is read at once: only the owners asked, in their order.
    s.write(|db| {
        let users: Vec<String> = (0..250).map(|i| format!("u{i:03}")).collect();
        for (i, u) in users.iter().enumerate() {
            for (kind, last) in [("daily", "2026-12-01"), ("weekly", "2026-11-29"), ("daily", "2026-11-20")] {
                let o = crate::store::db::Obligation {
                    user_id: u.clone(),
                    kind: kind.into(),
                    last: day(last),
                    due_at: i as i64,
                    recorded_at: 0,
                    status: "missing".into(),
                };
                db.record_obligation(&o)?;
            }
        }
        let (a, b) = (day("2026-11-25"), day("2026-12-31"));
        let many: Vec<String> = users.iter().rev().take(200).cloned().collect();
        let got = db.obligations(&many, a, b)?;
        let mut each = Vec::new();
        for u in &many {
            each.extend(db.obligations(std::slice::from_ref(u), a, b)?);
        }
        assert_eq!(got.len(), 400, "two of each owner's three fall in the range");
        assert_eq!(got, each);
        let few = [users[7].clone(), users[3].clone(), users[240].clone()];
        let got: Vec<(String, String)> = db.obligations(&few, a, b)?.into_iter().map(|o| (o.user_id, o.kind)).collect();
        let want: Vec<(String, String)> =
            few.iter().flat_map(|u| [(u.clone(), "weekly".to_string()), (u.clone(), "daily".to_string())]).collect();
        assert_eq!(got, want);
        Ok(())
    })
    .unwrap();
    s.write(|db| {
        put(db, "cfg", "config", "server", b"h")?;
        let everything = db.rebuild_batch(0, false, 1, 100)?;
        assert_eq!(everything.1.len(), 5, "every record but the configuration");
        assert!(
            everything.1.iter().all(|i| i.bytes.is_some() && i.view.is_none()),
            "bytes when views are not asked for"
        );
        let (last, views) = db.rebuild_batch(0, true, 1, 2)?;
        assert_eq!(views.len(), 2, "the limit holds");
        assert!(views.iter().all(|i| i.view.is_some() && i.bytes.is_none()), "a current view instead of the bytes");
        let (_, rest) = db.rebuild_batch(last, true, 2, 100)?;
        assert_eq!(rest.len(), 3, "after the last position of the batch before");
        assert!(rest.iter().all(|i| i.view.is_none() && i.bytes.is_some()), "a view of another format is not current");
        db.clear_rollups()?;
        assert_eq!(db.customer_place("c1")?, None, "the indexes are cleared");
        assert!(db.idle_deals(&["r".to_string()], i64::MAX)?.is_empty());
        Ok(())
    })
    .unwrap();
    let left =
        s.read(|db| db.totals(day("2026-11-01"), day("2026-11-30"), Slice::Users(&["r".to_string()]), &[])).unwrap();
    assert!(left.is_empty());
}

/// Stores a document with a current view (format 1) at the next position.
fn put_view(db: &crate::store::Db, id: &str, kind: &str, view: &str) -> crate::store::StoreResult<()> {
    let seq = db.next_seq()?;
    db.put_doc(&NewDoc {
        id,
        kind,
        owner: "r",
        bytes: b"bytes",
        heads: b"h",
        seq,
        now: 1,
        view: Some(view),
        view_format: Some(1),
    })
}
