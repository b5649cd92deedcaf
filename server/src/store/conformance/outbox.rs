//! The robots' outbox, claimed once across processes; nudges (催交) and @mentions.

use super::records::report;
use super::{fresh, open, Harness};
use crate::model::DeliveryStatus;
use crate::store::db::{NewDelivery, NudgeRow};

/// A robot message is claimed by one process; another gets it only once the lease ran out,
/// and a sent message is never claimed again.
pub fn outbox_claims_once(h: &dyn Harness) {
    let (a, url) = fresh(h);
    let b = open(&url);
    a.write(|db| {
        for subject in ["r1", "r2", "r1"] {
            let d = NewDelivery {
                robot: "群",
                event: "alert",
                subject,
                title: "t",
                markdown: "m",
                mentions: None,
                now: 10,
            };
            db.enqueue(&d)?;
        }
        assert!(db.queued("群", "alert", "r1")?);
        assert!(!db.queued("群", "alert", "r3")?);
        assert!(!db.queued("群", "digest", "r1")?);
        assert_eq!(db.pending_deliveries()?, 2, "one message per robot, event and subject");
        Ok(())
    })
    .unwrap();
    let got_a = a.write(|db| db.claim_due("A", 20, 100, 10)).unwrap();
    assert_eq!(got_a.len(), 2, "two messages (one per subject)");
    let got_b = b.write(|db| db.claim_due("B", 30, 110, 10)).unwrap();
    assert!(got_b.is_empty(), "claimed messages are not claimed again during the lease");
    let first = got_a[0].id;
    a.write(move |db| db.delivered(first, 40)).unwrap();
    let later = b.write(|db| db.claim_due("B", 101, 200, 10)).unwrap();
    assert_eq!(
        later.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![got_a[1].id],
        "only the unsent one, after the lease"
    );
    let list = a.read(|db| db.deliveries(10)).unwrap();
    assert_eq!(list.iter().filter(|d| d.status == DeliveryStatus::Sent).count(), 1);
    let second = got_a[1].id;
    b.write(move |db| {
        let n = db.attempts(second)?.unwrap_or(0) + 1;
        db.delivery_failed(second, DeliveryStatus::Pending, n, 300, "HTTP 500")
    })
    .unwrap();
    assert!(a.write(|db| db.claim_due("A", 250, 400, 10)).unwrap().is_empty(), "not before its next attempt");
    assert_eq!(a.write(|db| db.claim_due("A", 300, 400, 10)).unwrap().len(), 1);
    b.write(move |db| db.delivery_failed(second, DeliveryStatus::Failed, 9, 500, "HTTP 404")).unwrap();
    assert!(a.write(|db| db.claim_due("A", 1_000, 1_100, 10)).unwrap().is_empty(), "a failed message is given up");
    let last = a.read(|db| Ok((db.pending_deliveries()?, db.deliveries(1)?))).unwrap();
    assert_eq!(last.0, 0);
    assert_eq!((last.1[0].status, last.1[0].attempts), (DeliveryStatus::Failed, 9));
}

/// Nudges read back per member and report, newest first; a submitted report is known; a
/// mention is recorded once.
pub fn nudges_and_mentions(h: &dyn Harness) {
    let (s, _) = fresh(h);
    let nudge = |id: &str, kind: &str, first: &str, at: i64| NudgeRow {
        id: id.into(),
        user_id: "r".into(),
        by_id: "m".into(),
        kind: kind.into(),
        first: first.into(),
        last: first.into(),
        at,
    };
    s.write(move |db| {
        db.insert_nudge(&nudge("n1", "daily", "2026-11-20", 100))?;
        db.insert_nudge(&nudge("n2", "daily", "2026-11-20", 200))?;
        db.insert_nudge(&nudge("n3", "weekly", "2026-11-16", 150))?;
        db.index_report(&report("rep-1", "r", "2026-11-20", Some(300), 0))?;
        db.index_report(&report("rep-2", "r", "2026-11-21", None, 0))?;
        assert!(db.insert_mention("rep-1", "c1", "x", "m", 400)?);
        assert!(!db.insert_mention("rep-1", "c1", "x", "m", 401)?, "once per comment and member");
        assert!(db.insert_mention("rep-1", "c2", "x", "r", 500)?);
        Ok(())
    })
    .unwrap();
    s.read(|db| {
        assert_eq!(db.last_nudge("r", "daily", "2026-11-20")?, Some(200));
        assert_eq!(db.last_nudge("r", "monthly", "2026-11-01")?, None);
        let ids: Vec<String> = db.nudges_of("r", 150)?.into_iter().map(|n| n.id).collect();
        assert_eq!(ids, ["n2", "n3"], "since 150, newest first");
        assert_eq!(db.nudges_of("r", 0)?[2], nudge("n1", "daily", "2026-11-20", 100), "every field reads back");
        assert!(db.nudges_of("m", 0)?.is_empty());
        assert!(db.submitted("r", "daily", "2026-11-20")?);
        assert!(!db.submitted("r", "daily", "2026-11-21")?, "a draft is not submitted");
        assert!(!db.submitted("r", "weekly", "2026-11-20")?);
        let named = db.mentions_of("x", 450)?;
        assert_eq!(named, [("rep-1".to_string(), "c2".to_string(), "r".to_string(), 500)]);
        assert_eq!(db.mentions_of("x", 0)?.len(), 2);
        Ok(())
    })
    .unwrap();
}
