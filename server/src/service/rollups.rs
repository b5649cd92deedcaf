//! KPI rollups and the record indexes, kept up to date inside the transaction that merges each
//! document: a document's old facts are subtracted from the daily and monthly rollups and its
//! new ones added (as net changes, [`deltas`], a pure function), so an edit that moves a
//! followup to another day, changes an amount or a stage, or deletes or restores a record is
//! reflected exactly. [`rebuild`] recomputes everything from the stored records.

use std::collections::BTreeMap;

use rayon::prelude::*;

use fieldreport_protocol::doc::{Doc, Kind, Record};
use fieldreport_protocol::kpi::{facts, Fact, KpiDef};
use fieldreport_protocol::period::Calendar;

use super::views;
use crate::error::{Result, ServerError};
use crate::store::db::{RebuildInput, RollupDelta, RollupTable};
use crate::store::{Db, StoreResult};

/// Net changes to the rollups: (user, metric, day) → (value, base, facts), and the same per month.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Deltas {
    pub daily: BTreeMap<(String, String, String), (f64, f64, i64)>,
    pub monthly: BTreeMap<(String, String, String), (f64, f64, i64)>,
}

impl Deltas {
    /// Adds `facts` with `sign` (1 to add, -1 to subtract).
    pub fn add(&mut self, facts: &[Fact], sign: f64) {
        for f in facts {
            let day = f.day.to_string();
            let month = day[..7].to_string();
            for (map, key) in [(&mut self.daily, day), (&mut self.monthly, month)] {
                let e = map.entry((f.user.clone(), f.metric.clone(), key)).or_insert((0.0, 0.0, 0));
                e.0 += sign * f.value;
                e.1 += sign * f.base;
                e.2 += sign as i64;
            }
        }
    }

    /// The changes that do not cancel out, as rows to apply.
    pub fn rows(&self) -> Vec<RollupDelta<'_>> {
        let mut out = Vec::new();
        for (table, map) in [(RollupTable::Daily, &self.daily), (RollupTable::Monthly, &self.monthly)] {
            for ((user, metric, key), (value, base, n)) in map {
                if *n == 0 && *value == 0.0 && *base == 0.0 {
                    continue;
                }
                out.push(RollupDelta { table, user, metric, key, value: *value, base: *base, facts: *n });
            }
        }
        out
    }

    /// Writes the changes.
    pub fn apply(&self, db: &Db) -> Result<()> {
        for d in self.rows() {
            db.apply_rollup(&d)?;
        }
        Ok(())
    }
}

/// What replacing a document's `old` facts with `new` ones changes in the rollups.
pub fn deltas(old: &[Fact], new: &[Fact]) -> Deltas {
    let mut d = Deltas::default();
    d.add(old, -1.0);
    d.add(new, 1.0);
    d
}

/// Brings the rollups and indexes of `record` up to date, reading what it contributed before
/// from the stored facts.
pub fn index(db: &Db, defs: &[KpiDef], cal: &Calendar, record: &Record) -> Result<()> {
    let old = stored_facts(db, &record.header().id)?;
    update(db, defs, cal, old, record)
}

/// As [`index`], for a merge that knows the record as it was (`None`: a new document): its old
/// facts follow from it (the stored ones were computed from it with the same definitions, which
/// a change of configuration rebuilds), and an edit that changes no figure writes nothing.
pub fn index_change(db: &Db, defs: &[KpiDef], cal: &Calendar, before: Option<&Record>, record: &Record) -> Result<()> {
    let old = before.map(|b| facts(b, defs, cal)).unwrap_or_default();
    update(db, defs, cal, old, record)
}

fn update(db: &Db, defs: &[KpiDef], cal: &Calendar, old: Vec<Fact>, record: &Record) -> Result<()> {
    let id = &record.header().id;
    let new = facts(record, defs, cal);
    if old != new {
        deltas(&old, &new).apply(db)?;
        store_facts(db, id, &old, &new)?;
    }
    Ok(index_record(db, record)?)
}

/// The facts stored for document `id` (as last indexed).
fn stored_facts(db: &Db, id: &str) -> Result<Vec<Fact>> {
    match db.facts(id)? {
        Some(j) => serde_json::from_str(&j)
            .map_err(|e| ServerError::Internal(format!("the stored facts of {id} cannot be read: {e}"))),
        None => Ok(Vec::new()),
    }
}

/// Replaces the stored facts of `id`, and its distinct-count keys when they changed.
fn store_facts(db: &Db, id: &str, old: &[Fact], new: &[Fact]) -> Result<()> {
    if new.is_empty() {
        db.set_facts(id, None)?;
    } else {
        let json = serde_json::to_string(new).map_err(|e| ServerError::Internal(e.to_string()))?;
        db.set_facts(id, Some(&json))?;
    }
    let keyed = |fs: &[Fact]| fs.iter().filter(|f| f.key.is_some()).cloned().collect::<Vec<_>>();
    let (old_keys, new_keys) = (keyed(old), keyed(new));
    if old_keys != new_keys {
        if !old_keys.is_empty() {
            db.delete_keys(id)?;
        }
        for f in &new_keys {
            if let Some(k) = &f.key {
                db.insert_key(id, &f.metric, &f.day.to_string(), &f.user, k)?;
            }
        }
    }
    Ok(())
}

/// The deal, followup and report indexes of `record`, and the files it references.
fn index_record(db: &Db, record: &Record) -> StoreResult<()> {
    let files = |h: &fieldreport_protocol::doc::Header, list: Vec<&fieldreport_protocol::doc::Attachment>| {
        let hashes: Vec<String> = if h.deleted { Vec::new() } else { list.iter().map(|a| a.hash.clone()).collect() };
        db.set_blob_refs(&h.id, &hashes)
    };
    match record {
        Record::Deal(d) => db.index_deal(d),
        Record::Followup(f) => {
            files(&f.header, f.attachments.iter().collect())?;
            db.index_followup(f)
        }
        Record::Report(r) => {
            files(&r.header, r.files())?;
            db.index_report(r)
        }
        Record::Customer(c) => db.index_customer(c),
        Record::Plan(p) => db.index_plan(p),
        Record::Contract(_) | Record::Payment(_) | Record::Published(_) | Record::Directory(_) => Ok(()),
    }
}

/// What a rebuild went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Rebuilt {
    pub documents: u64,
    pub facts: u64,
    pub rollups: u64,
    /// Documents read from their Automerge encoding (the others from their stored views).
    pub decoded: u64,
}

/// Where a rebuild reads each record from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebuildFrom {
    /// The typed view stored beside each document when it is current (see views.rs), else the
    /// document itself. A few microseconds per record instead of a load in Automerge.
    Views,
    /// Every document, loaded and read again (its view is stored afresh): for when the reading
    /// of documents itself is in doubt.
    Documents,
}

/// Documents read per batch of a rebuild.
const REBUILD_BATCH: i64 = 2048;

/// A record read for the rebuild, with its facts.
struct Read {
    id: String,
    record: Record,
    facts: Vec<Fact>,
    /// Read from the document rather than a stored view.
    from_document: bool,
}

/// Reads `input`'s record from its view, or else from its document; gives `input` back (without
/// its view) when its view did not read back and the document must be fetched. `None`: the
/// document itself cannot be read (it is skipped and reported).
fn read_input(input: RebuildInput, defs: &[KpiDef], cal: &Calendar) -> std::result::Result<Option<Read>, RebuildInput> {
    let RebuildInput { id, kind, view, bytes } = input;
    let Some(parsed) = Kind::parse(&kind) else { return Ok(None) };
    let (record, from_document) = match (view, bytes) {
        (Some(json), _) => match views::decode(parsed, &json) {
            Some(record) => (record, false),
            None => return Err(RebuildInput { id, kind, view: None, bytes: None }),
        },
        (None, Some(bytes)) => {
            let read = Doc::load_trusted(&bytes).ok().and_then(|doc| Record::read(&doc).ok());
            match read {
                Some(record) => (record, true),
                None => return Ok(None),
            }
        }
        (None, None) => return Err(RebuildInput { id, kind, view: None, bytes: None }),
    };
    let facts = facts(&record, defs, cal);
    Ok(Some(Read { id, record, facts, from_document }))
}

/// Recomputes every fact, rollup and index from the stored records, reporting progress
/// (documents done) every batch. Records are read on every core. A document that cannot be read
/// is skipped (it is quarantined: `fieldreport-server doctor` lists it).
pub fn rebuild(db: &Db, defs: &[KpiDef], cal: &Calendar, from: RebuildFrom, progress: &dyn Fn(u64)) -> Result<Rebuilt> {
    db.clear_rollups()?;
    let (mut documents, mut facts_seen, mut decoded) = (0u64, 0u64, 0u64);
    let mut totals = Deltas::default();
    let mut after = 0;
    loop {
        let (last, inputs) = db.rebuild_batch(after, from == RebuildFrom::Views, views::VIEW_FORMAT, REBUILD_BATCH)?;
        if inputs.is_empty() {
            break;
        }
        after = last;
        let read: Vec<std::result::Result<Option<Read>, RebuildInput>> =
            inputs.into_par_iter().map(|i| read_input(i, defs, cal)).collect();
        for got in read {
            let r = match got {
                Ok(r) => r,
                Err(mut input) => {
                    // Its view did not read back: read the document instead.
                    input.bytes = db.doc_bytes(&input.id)?;
                    read_input(input, defs, cal).ok().flatten()
                }
            };
            let Some(Read { id, record, facts: fs, from_document }) = r else {
                continue;
            };
            if from_document {
                decoded += 1;
                // Stored afresh, so the next rebuild reads the view.
                let view = views::encode(&record);
                let format = view.as_ref().map(|_| views::VIEW_FORMAT);
                db.set_view(&id, view.as_deref(), format)?;
            }
            facts_seen += fs.len() as u64;
            totals.add(&fs, 1.0);
            store_facts(db, &id, &[], &fs)?;
            index_record(db, &record)?;
            documents += 1;
        }
        progress(documents);
    }
    totals.apply(db)?;
    let rollups = db.daily_rollups()?;
    Ok(Rebuilt { documents, facts: facts_seen, rollups: rollups as u64, decoded })
}

#[cfg(test)]
mod tests {
    use fieldreport_core::Store;
    use fieldreport_protocol::doc::{
        FollowupEdit, FollowupKind, Kind, NewContract, NewCustomer, NewDeal, NewFollowup, Stage,
    };
    use fieldreport_protocol::money::Money;
    use std::collections::HashMap;

    use proptest::prelude::*;
    use rusqlite::Connection;

    use super::*;
    use crate::service::config::Active;

    const DAY: i64 = 86_400_000;
    /// 2026-11-01 00:00 in Shanghai.
    const BASE: i64 = 1_793_462_400_000;

    #[derive(Debug, Clone)]
    enum Op {
        Followup(u8, i64),
        Move(usize, i64),
        Kind(usize, u8),
        Deal(u32),
        Stage(usize, usize),
        Amount(usize, u32),
        Contract(u32, u8),
        Delete(usize),
        Restore(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        let at = || (0i64..45).prop_map(|d| BASE - 5 * DAY + d * DAY + 3_600_000 * (d % 24));
        prop_oneof![
            4 => (0u8..5, at()).prop_map(|(k, t)| Op::Followup(k, t)),
            3 => (any::<usize>(), at()).prop_map(|(f, t)| Op::Move(f, t)),
            1 => (any::<usize>(), 0u8..5).prop_map(|(f, k)| Op::Kind(f, k)),
            2 => (1u32..100_000).prop_map(Op::Deal),
            3 => (any::<usize>(), 0usize..7).prop_map(|(d, s)| Op::Stage(d, s)),
            1 => (any::<usize>(), 1u32..100_000).prop_map(|(d, a)| Op::Amount(d, a)),
            2 => (1u32..100_000, 0u8..40).prop_map(|(a, d)| Op::Contract(a, d)),
            2 => any::<usize>().prop_map(Op::Delete),
            2 => any::<usize>().prop_map(Op::Restore),
        ]
    }

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        crate::store::sqlite::create_schema(&conn).unwrap();
        conn
    }

    /// Stores the document as a merge would and indexes it incrementally: every other time from
    /// the record as it was (as merges do), else from the stored facts.
    fn merge(conn: &Db, active: &Active, store: &Store, id: &str, seq: &mut i64, seen: &mut HashMap<String, Record>) {
        let mut doc = store.document(id).unwrap();
        let record = Record::read(&doc).unwrap();
        let before = seen.insert(id.to_string(), record.clone());
        *seq += 1;
        let (heads, bytes) = (doc.heads(), doc.save_uncompressed());
        let view = views::encode(&record);
        let merged = crate::service::merge::Merged {
            doc,
            bytes,
            record: record.clone(),
            heads,
            view,
            before: None,
            changed: true,
        };
        crate::service::publish::write(conn, &merged, *seq, 0).unwrap();
        if *seq % 2 == 0 {
            index_change(conn, &active.defs, &active.cal, before.as_ref(), &record).unwrap();
        } else {
            index(conn, &active.defs, &active.cal, &record).unwrap();
        }
    }

    /// The distinct-count keys, in order.
    fn keys(conn: &Connection) -> Vec<(String, String, String, String, String)> {
        let mut st =
            conn.prepare("SELECT doc_id, metric, day, user_id, key FROM kpi_keys ORDER BY 1, 2, 3, 4, 5").unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// The rows of a rollup table, in order.
    fn daily(conn: &Connection, table: &str, col: &str) -> Vec<(String, String, String, i64, i64, i64)> {
        let sql = format!(
            "SELECT user_id, metric, {col}, CAST(value AS INTEGER), CAST(base AS INTEGER), facts FROM {table} ORDER BY 1, 2, 3"
        );
        let mut st = conn.prepare(&sql).unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

        /// After any sequence of creates, moves, stage and amount changes, deletes and restores,
        /// the incrementally kept rollups equal a rebuild from the documents.
        #[test]
        fn incremental_rollups_equal_a_rebuild(ops in proptest::collection::vec(op(), 1..50)) {
            let raw = db();
            let conn = Db(&raw);
            let active = Active::of(Default::default()).unwrap();
            let mut s = Store::open_in_memory().unwrap();
            s.init("rep-1", "team-1", "Asia/Shanghai", "monday").unwrap();
            s.set_now(Some(BASE + 10 * DAY));
            let mut seq = 0;
            let mut seen = HashMap::new();
            let c = s.add_customer(NewCustomer { name: "Acme".into(), ..Default::default() }).unwrap().header.id;
            merge(&conn, &active, &s, &c, &mut seq, &mut seen);
            let (mut followups, mut deals, mut all): (Vec<String>, Vec<String>, Vec<(Kind, String)>) = Default::default();
            let pick = |v: &[String], i: usize| (!v.is_empty()).then(|| v[i % v.len()].clone());
            for op in ops {
                let touched = match op {
                    Op::Followup(k, at) => {
                        let id = s.log_followup(NewFollowup::new(&c, FollowupKind::ALL[k as usize], at, "n")).unwrap().header.id;
                        followups.push(id.clone());
                        all.push((Kind::Followup, id.clone()));
                        Some(id)
                    }
                    Op::Move(f, at) => pick(&followups, f).filter(|id| {
                        s.edit_followup(id, FollowupEdit { occurred_at: Some(at), ..Default::default() }).is_ok()
                    }),
                    Op::Kind(f, k) => pick(&followups, f).filter(|id| {
                        let edit = FollowupEdit { kind: Some(FollowupKind::ALL[k as usize]), ..Default::default() };
                        s.edit_followup(id, edit).is_ok()
                    }),
                    Op::Deal(a) => {
                        let new = NewDeal { customer_id: c.clone(), title: "d".into(), amount: Money::parse(&a.to_string(), "CNY").unwrap(), stage: Stage::Lead, expected_close: None };
                        let id = s.add_deal(new).unwrap().header.id;
                        deals.push(id.clone());
                        all.push((Kind::Deal, id.clone()));
                        Some(id)
                    }
                    Op::Stage(d, st) => pick(&deals, d).filter(|id| s.set_deal_stage(id, Stage::ALL[st]).is_ok()),
                    Op::Amount(d, a) => pick(&deals, d).filter(|id| {
                        let edit = fieldreport_protocol::doc::DealEdit { amount: Some(Money::parse(&a.to_string(), "CNY").unwrap()), ..Default::default() };
                        s.edit_deal(id, edit).is_ok()
                    }),
                    Op::Contract(a, d) => {
                        let new = NewContract { customer_id: c.clone(), deal_id: None, title: None, amount: Money::parse(&a.to_string(), "CNY").unwrap(), signed_on: chrono::NaiveDate::from_ymd_opt(2026, 10, 28).unwrap() + chrono::Days::new(d as u64) };
                        let id = s.add_contract(new).unwrap().header.id;
                        all.push((Kind::Contract, id.clone()));
                        Some(id)
                    }
                    Op::Delete(i) | Op::Restore(i) if !all.is_empty() => {
                        let (kind, id) = all[i % all.len()].clone();
                        let r = if matches!(op, Op::Delete(_)) { s.delete(kind, &id) } else { s.restore(kind, &id) };
                        r.ok().map(|_| id)
                    }
                    _ => None,
                };
                if let Some(id) = touched {
                    merge(&conn, &active, &s, &id, &mut seq, &mut seen);
                }
            }
            let state = |conn: &Connection| (daily(conn, "kpi_daily", "day"), daily(conn, "kpi_monthly", "month"), keys(conn));
            let incremental = state(&raw);
            // From the views the merges stored, then from the documents themselves.
            let r = rebuild(&conn, &active.defs, &active.cal, RebuildFrom::Views, &|_| {}).unwrap();
            prop_assert_eq!(r.decoded, 0);
            prop_assert_eq!(&incremental, &state(&raw));
            let r = rebuild(&conn, &active.defs, &active.cal, RebuildFrom::Documents, &|_| {}).unwrap();
            prop_assert_eq!(r.decoded, r.documents);
            prop_assert_eq!(incremental, state(&raw));
        }
    }
}
