//! The cost of checking and merging one pushed change on the server, and of its parts.
//! Run: `cargo bench -p fieldreport-server --bench merge`

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use fieldreport_core::doc::{CustomerEdit, Doc, NewCustomer, Record};
use fieldreport_core::sync::wire::Push;
use fieldreport_core::Store;
use fieldreport_server::service::merge::{self, Author, Limits, Stored};

/// A customer edited a few times, the server's copy before the last edit, and that edit's push.
fn fixture() -> (Vec<u8>, Push, Author) {
    let mut s = Store::open_in_memory().unwrap();
    let me = s.init("rep", "team-1", "Asia/Shanghai", "monday").unwrap();
    let id =
        s.add_customer(NewCustomer { name: "上海某某贸易有限公司".into(), ..Default::default() }).unwrap().header.id;
    for i in 0..5 {
        s.edit_customer(&id, CustomerEdit { name: Some(format!("客户 {i}")), ..Default::default() }).unwrap();
    }
    let server_copy = s.document(&id).unwrap().save();
    let before = s.heads(&id).unwrap();
    s.edit_customer(&id, CustomerEdit { name: Some("客户 改名".into()), ..Default::default() }).unwrap();
    let push = Push {
        id: id.clone(),
        kind: fieldreport_core::doc::Kind::Customer,
        heads: s.heads(&id).unwrap(),
        changes: s.changes_since(&id, &before).unwrap(),
    };
    let author = Author { user_id: me.user_id.clone(), team_id: me.team_id.clone(), actor: me.actor.clone() };
    (server_copy, push, author)
}

fn bench(c: &mut Criterion) {
    let (bytes, push, author) = fixture();
    let limits = Limits::default();
    let stored = || {
        let doc = Doc::load(&bytes).unwrap();
        Stored::read(doc).unwrap()
    };
    c.bench_function("merge check of one change (document in memory)", |b| {
        b.iter_batched(stored, |s| merge::check(Some(s), &push, &author, &limits).unwrap(), BatchSize::SmallInput)
    });
    c.bench_function("part: load stored document", |b| b.iter(|| Doc::load(&bytes).unwrap()));
    c.bench_function("part: load stored document, trusted (no hash verification)", |b| {
        b.iter(|| Doc::load_trusted(&bytes).unwrap())
    });
    c.bench_function("part: apply the change", |b| {
        b.iter_batched(
            || Doc::load(&bytes).unwrap(),
            |mut d| d.apply_changes(&push.changes).unwrap(),
            BatchSize::SmallInput,
        )
    });
    let mut merged = Doc::load(&bytes).unwrap();
    merged.apply_changes(&push.changes).unwrap();
    let merged_bytes = merged.save();
    c.bench_function("part: Record::read (freshly loaded document)", |b| {
        b.iter_batched(|| Doc::load(&merged_bytes).unwrap(), |d| Record::read(&d).unwrap(), BatchSize::SmallInput)
    });
    c.bench_function("part: has_heads", |b| b.iter(|| merged.has_heads(&push.heads)));
    let before = Doc::load(&bytes).unwrap().heads();
    c.bench_function("part: actors_since", |b| b.iter(|| merged.actors_since(&before)));
    c.bench_function("part: save uncompressed (as the server stores)", |b| b.iter(|| merged.save_uncompressed()));
    let record = Record::read(&merged).unwrap();
    c.bench_function("part: encode the typed view stored beside the document", |b| {
        b.iter(|| fieldreport_server::service::views::encode(&record))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
