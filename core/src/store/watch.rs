//! Who watches which records: a front end subscribes a listener to kinds of records (or to some
//! records by id) and, after each of its writes and each page a sync commits, asks which of them
//! changed ([`Watchers::collect`]), then tells each listener outside its own locks. Nothing is
//! read while nobody watches.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::Store;
use crate::doc::Kind;
use crate::error::Result;

/// Records of one kind that changed, each once, in the order they first changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindChanges {
    pub kind: Kind,
    pub ids: Vec<String>,
}

struct Watch<L> {
    id: u64,
    /// Empty: every kind.
    kinds: HashSet<Kind>,
    /// Empty: every record of those kinds.
    ids: HashSet<String>,
    listener: L,
}

/// The watches on one store, and how far into the store's sequence of changes they have been
/// told. `L` is whatever a front end tells (a callback, a channel).
pub struct Watchers<L> {
    /// One lock for both, so that a watch added while changes are collected never waits on it in
    /// the other order.
    state: Mutex<State<L>>,
    next: AtomicU64,
}

struct State<L> {
    watches: Vec<Watch<L>>,
    /// The last change number told.
    seen: i64,
}

impl<L> Default for Watchers<L> {
    fn default() -> Self {
        Watchers { state: Mutex::new(State { watches: Vec::new(), seen: 0 }), next: AtomicU64::new(0) }
    }
}

/// Listeners to tell, each with what changed of what it watches.
pub type Deliveries<L> = Vec<(L, Vec<KindChanges>)>;

impl<L: Clone> Watchers<L> {
    fn lock(&self) -> MutexGuard<'_, State<L>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Watches records of `kinds` (all when empty), and of those only `ids` (all when empty),
    /// from `store`'s latest change on; returns the watch's number, for [`Watchers::unwatch`].
    pub fn watch(&self, store: &Store, kinds: Vec<Kind>, ids: Vec<String>, listener: L) -> Result<u64> {
        let seq = store.change_seq()?;
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let mut state = self.lock();
        if state.watches.is_empty() {
            // Nobody was told anything meanwhile: start from now.
            state.seen = seq;
        }
        state.watches.push(Watch { id, kinds: kinds.into_iter().collect(), ids: ids.into_iter().collect(), listener });
        Ok(id)
    }

    /// Ends watch `id` (again: nothing).
    pub fn unwatch(&self, id: u64) {
        self.lock().watches.retain(|w| w.id != id);
    }

    /// The changes since the last look, for each watch that wants some of them.
    pub fn collect(&self, store: &Store) -> Result<Deliveries<L>> {
        let mut state = self.lock();
        if state.watches.is_empty() {
            return Ok(Vec::new());
        }
        let (changed, now) = store.changes_after(state.seen)?;
        state.seen = now;
        let mut out = Vec::new();
        for w in &state.watches {
            let mut by_kind: BTreeMap<u8, KindChanges> = BTreeMap::new();
            for c in &changed {
                if (!w.kinds.is_empty() && !w.kinds.contains(&c.kind)) || (!w.ids.is_empty() && !w.ids.contains(&c.id))
                {
                    continue;
                }
                let entry =
                    by_kind.entry(c.kind.code()).or_insert_with(|| KindChanges { kind: c.kind, ids: Vec::new() });
                if !entry.ids.contains(&c.id) {
                    entry.ids.push(c.id.clone());
                }
            }
            if !by_kind.is_empty() {
                out.push((w.listener.clone(), by_kind.into_values().collect()));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{CustomerEdit, FollowupKind, NewCustomer, NewFollowup};

    #[test]
    fn each_watch_hears_what_it_watches_once() {
        let mut s = Store::open_in_memory().unwrap();
        s.init("rep-1", "team-1", "Asia/Shanghai", "monday").unwrap();
        let before = s.add_customer(NewCustomer { name: "早".into(), ..Default::default() }).unwrap();
        let w: Watchers<&str> = Watchers::default();
        assert!(w.collect(&s).unwrap().is_empty(), "nobody watches");
        w.watch(&s, vec![], vec![], "all").unwrap();
        let customers = w.watch(&s, vec![Kind::Customer], vec![], "customers").unwrap();
        let c = s.add_customer(NewCustomer { name: "华为".into(), ..Default::default() }).unwrap().header.id;
        s.edit_customer(&c, CustomerEdit { name: Some("华为技术".into()), ..Default::default() }).unwrap();
        let v = s.log_followup(NewFollowup::new(&c, FollowupKind::Visit, 1, "拜访")).unwrap().header.id;
        let told = w.collect(&s).unwrap();
        assert_eq!(told.len(), 2);
        assert_eq!(
            told[0].1,
            [
                KindChanges { kind: Kind::Customer, ids: vec![c.clone()] },
                KindChanges { kind: Kind::Followup, ids: vec![v] },
            ],
            "each changed record once, nothing from before the watch ({})",
            before.header.id
        );
        assert_eq!(told[1], ("customers", vec![KindChanges { kind: Kind::Customer, ids: vec![c.clone()] }]));
        assert!(w.collect(&s).unwrap().is_empty(), "told once");
        w.unwatch(customers);
        let one = w.watch(&s, vec![], vec![c.clone()], "one").unwrap();
        s.edit_customer(&c, CustomerEdit { name: Some("华为".into()), ..Default::default() }).unwrap();
        s.add_customer(NewCustomer { name: "联影".into(), ..Default::default() }).unwrap();
        let told = w.collect(&s).unwrap();
        assert_eq!(told.iter().map(|t| t.0).collect::<Vec<_>>(), ["all", "one"]);
        assert_eq!(told[1].1, [KindChanges { kind: Kind::Customer, ids: vec![c] }]);
        w.unwatch(one);
        w.unwatch(one);
    }
}
