//! Pages that say whether more follow and hold their place, and live queries: an app watches a
//! list (customers, followups, reports, deals, contracts, payments; `lists.rs`) and receives its first page, then after every change that touches
//! it the page again with what changed in it (rows removed, inserted, updated, by position), ready
//! for a `RecyclerView`/`UITableView` diff. A watch lives until its handle's `cancel`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use fieldreport_core::doc::Kind;
use fieldreport_core::Store;

use crate::error::FieldError;
use crate::hub::ChangeListener;
use crate::observe::Subscription;
use crate::store::{FieldStore, Result};
use crate::types::ListOptions;

/// What changed in a watched list since the app was last told, by position: apply `removed`
/// (positions in the old list, highest first), then `inserted` (positions in the new list,
/// lowest first); `updated` rows stayed in place with new contents (positions in the new list).
/// A row that moved is removed and inserted. The first delivery inserts every row.
#[derive(Debug, Clone, PartialEq, Eq, Default, uniffi::Record)]
pub struct ListDiff {
    pub removed: Vec<i64>,
    pub inserted: Vec<i64>,
    pub updated: Vec<i64>,
}

/// A row that has an id (what diffs match rows by).
pub(super) trait Keyed: PartialEq + Clone {
    fn key(&self) -> &str;
}

/// What turns `old` into `new`: rows whose id left are removed; new ids inserted; rows that stayed
/// in order and changed are updated; rows that stayed but moved (out of the longest run kept in
/// order) are removed and inserted.
fn diff<T: Keyed>(old: &[T], new: &[T]) -> ListDiff {
    let at_old: HashMap<&str, usize> = old.iter().enumerate().map(|(i, r)| (r.key(), i)).collect();
    // The kept rows, in new order, with their old positions.
    let kept: Vec<(usize, usize)> =
        new.iter().enumerate().filter_map(|(j, r)| at_old.get(r.key()).map(|&i| (i, j))).collect();
    let stay = longest_increasing(&kept.iter().map(|&(i, _)| i).collect::<Vec<_>>());
    let staying: std::collections::HashSet<usize> = stay.iter().map(|&k| kept[k].0).collect();
    let mut d = ListDiff::default();
    for (i, r) in old.iter().enumerate() {
        let gone = !new.iter().any(|n| n.key() == r.key());
        if gone || !staying.contains(&i) {
            d.removed.push(i as i64);
        }
    }
    d.removed.reverse();
    for (j, r) in new.iter().enumerate() {
        match at_old.get(r.key()) {
            Some(&i) if staying.contains(&i) => {
                if old[i] != *r {
                    d.updated.push(j as i64);
                }
            }
            _ => d.inserted.push(j as i64),
        }
    }
    d
}

/// Indices (into `xs`) of one longest strictly increasing subsequence.
fn longest_increasing(xs: &[usize]) -> Vec<usize> {
    let mut tails: Vec<usize> = Vec::new(); // index into xs of the smallest tail of each length
    let mut prev: Vec<Option<usize>> = vec![None; xs.len()];
    for (k, &x) in xs.iter().enumerate() {
        let len = tails.partition_point(|&t| xs[t] < x);
        prev[k] = len.checked_sub(1).map(|l| tails[l]);
        if len == tails.len() {
            tails.push(k);
        } else {
            tails[len] = k;
        }
    }
    let mut out = Vec::with_capacity(tails.len());
    let mut at = tails.last().copied();
    while let Some(k) = at {
        out.push(k);
        at = prev[k];
    }
    out.reverse();
    out
}

/// A page of the rows `fetch` reads for `options` (in `order` when they say none): it asks for
/// one row more than the limit to tell whether more follow, and `token` makes the next page's
/// token from the last row.
pub(super) fn paged<C, T: From<C>>(
    options: &Option<ListOptions>,
    order: crate::types::Order,
    fetch: impl FnOnce(fieldreport_core::store::Page) -> fieldreport_core::Result<Vec<C>>,
    token: impl Fn(&T) -> String,
) -> Result<(Vec<T>, bool, Option<String>)> {
    let mut page = ListOptions::page(options.clone(), order)?;
    let limit = page.limit;
    page.limit = limit.map(|l| l + 1);
    let mut rows: Vec<T> = fetch(page)?.into_iter().map(T::from).collect();
    let more = limit.is_some_and(|l| rows.len() > l);
    if let Some(l) = limit {
        rows.truncate(l);
    }
    let next = if more { rows.last().map(token) } else { None };
    Ok((rows, more, next))
}

pub(super) fn millis(t: std::time::SystemTime) -> i64 {
    crate::types::signed_millis(t)
}

/// Which connection a list is read on.
#[derive(Clone, Copy)]
pub(super) enum On {
    /// The read connection: a page, read on the caller's thread.
    Reader,
    /// The store's own connection: a list of every row, read on the store's thread, which must
    /// not hold the read connection the caller's pages use for that long.
    Store,
}

impl FieldStore {
    /// Runs `f` on connection `on` with the FFI's errors (a query whose errors are already ours).
    fn query<T>(&self, on: On, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut out = None;
        let run = |s: &mut Store| {
            out = Some(f(s));
            Ok(())
        };
        match on {
            On::Reader => self.read(run)?,
            On::Store => self.with(run)?,
        }
        out.unwrap_or_else(|| Err(FieldError::closed()))
    }
}

/// A watch's query, its listener, and the rows the listener was last told.
pub(super) struct Watch<Q, P, L: ?Sized> {
    store: Weak<FieldStore>,
    query: Q,
    last: Mutex<Option<P>>,
    listener: Arc<L>,
}

/// Reads the list again and tells what changed (nothing when nothing did).
macro_rules! watch_impl {
    ($query:ty, $page:ty, $listener:ty) => {
        impl ChangeListener for Watch<$query, $page, $listener> {
            fn on_change(&self, _changes: Vec<Changes>) -> std::result::Result<(), FieldError> {
                let Some(store) = self.store.upgrade() else { return Ok(()) };
                // Read under the lock: a page read before another's never replaces the newer.
                let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
                let page = store.query(On::Reader, |s| self.query.run(s))?;
                let old = last.as_ref().map(|p| p.rows.as_slice()).unwrap_or(&[]);
                let d = diff(old, &page.rows);
                let same = last.as_ref().is_some_and(|p| p.has_more == page.has_more && p.next == page.next);
                if d == ListDiff::default() && same {
                    return Ok(());
                }
                *last = Some(page.clone());
                drop(last);
                self.listener.on_list(page, d)
            }
        }
    };
}

mod lists;
pub use lists::*;

impl FieldStore {
    /// Registers `watch` for changes of `kinds` and tells it the first page now.
    fn start_watch(&self, watch: Arc<dyn ChangeListener>, kinds: Vec<Kind>) -> Result<Arc<Subscription>> {
        let id = self.read(|s| self.hub.watchers.watch(s, kinds, Vec::new(), watch.clone()))?;
        let subscription = Arc::new(Subscription::watch(id, Arc::downgrade(&self.hub)));
        if let Err(e) = watch.on_change(Vec::new()) {
            subscription.cancel();
            return Err(e);
        }
        Ok(subscription)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct R(&'static str, u32);
    impl Keyed for R {
        fn key(&self) -> &str {
            self.0
        }
    }

    /// Applies `d` to `old` with `new`'s rows, as a list view would.
    fn apply(old: &[R], new: &[R], d: &ListDiff) -> Vec<R> {
        let mut v = old.to_vec();
        for &i in &d.removed {
            v.remove(i as usize);
        }
        for &j in &d.inserted {
            v.insert(j as usize, new[j as usize].clone());
        }
        for &j in &d.updated {
            v[j as usize] = new[j as usize].clone();
        }
        v
    }

    #[test]
    fn a_diff_turns_the_old_list_into_the_new() {
        let a = [R("a", 0), R("b", 0), R("c", 0), R("d", 0)];
        let cases: Vec<Vec<R>> = vec![
            vec![],
            vec![R("a", 0), R("b", 0), R("c", 0), R("d", 0)],
            vec![R("a", 0), R("b", 1), R("c", 0), R("d", 0)],
            vec![R("x", 0), R("a", 0), R("c", 0), R("d", 0), R("y", 0)],
            vec![R("d", 0), R("a", 0), R("b", 0), R("c", 1)],
            vec![R("c", 0), R("b", 0), R("a", 0)],
        ];
        for new in cases {
            let d = diff(&a, &new);
            assert_eq!(apply(&a, &new, &d), new, "{d:?}");
        }
        let d = diff(&a, &[R("a", 0), R("b", 1), R("c", 0), R("d", 0)]);
        assert_eq!(d, ListDiff { removed: vec![], inserted: vec![], updated: vec![1] });
        let first = diff(&[], &a);
        assert_eq!(first.inserted, vec![0, 1, 2, 3]);
    }
}
