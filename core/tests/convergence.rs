//! Replicas converge: concurrent offline edits merged through saved changes end identical, and
//! concurrent text edits both survive.

mod common;

use common::*;
use fieldreport_core::doc::{CustomerEdit, FollowupEdit, FollowupText, Kind, Stage};
use fieldreport_core::store::FollowupFilter;
use fieldreport_core::Store;
use proptest::prelude::*;

/// Sends every document of `from` that `to` lacks changes for, as saved changes.
fn send(from: &Store, to: &mut Store) {
    for id in from.document_ids().unwrap() {
        let since = to.heads(&id).unwrap_or_default();
        let changes = from.changes_since(&id, &since).unwrap();
        to.merge_changes(&id, &changes).unwrap();
    }
}

fn exchange(a: &mut Store, b: &mut Store) {
    send(a, b);
    send(b, a);
}

/// Everything a user can observe: projections (deleted rows included) and document contents.
fn observable(s: &Store) -> (Vec<String>, Vec<String>, Vec<String>, Vec<serde_json::Value>) {
    let all = FollowupFilter { include_deleted: true, ..Default::default() };
    let followups = s.list_followups(&all).unwrap().iter().map(|r| format!("{r:?}")).collect();
    let customers = s.list_customers(None).unwrap().iter().map(|r| format!("{r:?}")).collect();
    let deals = s.list_deals(None).unwrap().iter().map(|r| format!("{r:?}")).collect();
    let docs = s.document_ids().unwrap().iter().map(|id| s.document(id).unwrap().to_json()).collect();
    (followups, customers, deals, docs)
}

#[test]
fn concurrent_edits_to_one_note_both_survive() {
    let mut phone = store("rep-1");
    let c = customer(&mut phone, "Acme");
    let f = followup(&mut phone, &c, 0, "Met Zhang. Budget unclear. Call back Friday.");
    let mut tablet = Store::open_in_memory().unwrap();
    tablet.init("rep-1", "team-1", "Asia/Shanghai", "monday").unwrap();
    send(&phone, &mut tablet);

    // The phone rewrites the start; the tablet the end, each offline, each as a whole new text.
    phone
        .edit_followup(
            &f,
            FollowupEdit {
                note: Some("Met Zhang 张总. Budget unclear. Call back Friday.".into()),
                ..Default::default()
            },
        )
        .unwrap();
    tablet
        .edit_followup(
            &f,
            FollowupEdit {
                note: Some("Met Zhang. Budget unclear. Call back Monday 🙂.".into()), ..Default::default()
            },
        )
        .unwrap();
    exchange(&mut phone, &mut tablet);

    let note = |s: &Store| s.list_followups(&FollowupFilter::default()).unwrap()[0].note.clone();
    assert_eq!(note(&phone), "Met Zhang 张总. Budget unclear. Call back Monday 🙂.");
    assert_eq!(note(&phone), note(&tablet));
    assert_eq!(observable(&phone), observable(&tablet));
}

#[test]
fn exchanging_the_same_changes_twice_is_harmless() {
    let mut a = store("rep-1");
    let c = customer(&mut a, "Acme");
    followup(&mut a, &c, 0, "x");
    let mut b = store("rep-1");
    send(&a, &mut b);
    let once = observable(&b);
    for id in a.document_ids().unwrap() {
        let all = a.changes_since(&id, &[]).unwrap();
        b.merge_changes(&id, &all).unwrap();
    }
    assert_eq!(observable(&b), once);
}

#[derive(Debug, Clone)]
enum Op {
    SetNote { f: usize, text: String },
    Splice { f: usize, pos: usize, del: usize, text: String },
    Stage { d: usize, stage: Stage },
    Delete { f: usize },
    Restore { f: usize },
    Rename { c: usize, name: String },
    Log { c: usize, note: String, at: i64 },
    Move { f: usize, at: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    let text = "[a-z 张王客户拜访🙂]{0,12}";
    prop_oneof![
        (0..4usize, text).prop_map(|(f, text)| Op::SetNote { f, text }),
        (0..4usize, 0..20usize, 0..4usize, text).prop_map(|(f, pos, del, text)| Op::Splice { f, pos, del, text }),
        (0..2usize, prop::sample::select(Stage::ALL.to_vec())).prop_map(|(d, stage)| Op::Stage { d, stage }),
        (0..4usize).prop_map(|f| Op::Delete { f }),
        (0..4usize).prop_map(|f| Op::Restore { f }),
        (0..2usize, "[A-Za-z客户]{1,8}").prop_map(|(c, name)| Op::Rename { c, name }),
        (0..2usize, text, 0..1_000_000i64).prop_map(|(c, note, at)| Op::Log { c, note, at }),
        (0..4usize, 0..10_000_000i64).prop_map(|(f, at)| Op::Move { f, at }),
    ]
}

fn apply(s: &mut Store, op: &Op, customers: &[String], deals: &[String]) {
    let followups: Vec<String> = {
        let all = FollowupFilter { include_deleted: true, ..Default::default() };
        let mut ids: Vec<String> = s.list_followups(&all).unwrap().into_iter().map(|r| r.id).collect();
        ids.sort();
        ids
    };
    let pick = |i: usize| followups[i % followups.len()].clone();
    match op {
        Op::SetNote { f, text } => {
            s.edit_followup(&pick(*f), FollowupEdit { note: Some(text.clone()), ..Default::default() }).unwrap();
        }
        Op::Splice { f, pos, del, text } => {
            let id = pick(*f);
            let len = s.document(&id).unwrap().text_len("note");
            let pos = (*pos).min(len);
            let del = (*del).min(len - pos);
            s.splice_followup(&id, FollowupText::Note, pos, del, text).unwrap();
        }
        Op::Stage { d, stage } => {
            s.set_deal_stage(&deals[*d % deals.len()], *stage).unwrap();
        }
        Op::Delete { f } => {
            s.delete(Kind::Followup, &pick(*f)).unwrap();
        }
        Op::Restore { f } => {
            s.restore(Kind::Followup, &pick(*f)).unwrap();
        }
        Op::Rename { c, name } => {
            s.edit_customer(
                &customers[*c % customers.len()],
                CustomerEdit { name: Some(name.clone()), ..Default::default() },
            )
            .unwrap();
        }
        Op::Log { c, note, at } => {
            followup(s, &customers[*c % customers.len()], *at, note);
        }
        Op::Move { f, at } => {
            s.edit_followup(&pick(*f), FollowupEdit { occurred_at: Some(*at), ..Default::default() }).unwrap();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Two stores start from the same documents, are edited independently, exchange changes,
    /// and end with identical projections and identical document contents.
    #[test]
    fn replicas_converge_after_exchanging_changes(
        ops_a in prop::collection::vec(op(), 0..12),
        ops_b in prop::collection::vec(op(), 0..12),
    ) {
        let mut a = store("rep-1");
        let customers = vec![customer(&mut a, "Acme"), customer(&mut a, "华为")];
        let deals = vec![deal(&mut a, &customers[0], "A", "100"), deal(&mut a, &customers[1], "B", "200")];
        for (i, n) in ["one", "two 拜访", "three", "four 🙂"].iter().enumerate() {
            followup(&mut a, &customers[i % 2], i as i64 * 1000, n);
        }
        let mut b = Store::open_in_memory().unwrap();
        b.init("rep-1", "team-1", "Asia/Shanghai", "monday").unwrap();
        b.set_now(Some(ms("2026-11-23T10:00:00+08:00")));
        send(&a, &mut b);
        prop_assert_eq!(observable(&a), observable(&b));

        for op in &ops_a { apply(&mut a, op, &customers, &deals); }
        for op in &ops_b { apply(&mut b, op, &customers, &deals); }
        exchange(&mut a, &mut b);
        prop_assert_eq!(observable(&a), observable(&b));
    }
}
