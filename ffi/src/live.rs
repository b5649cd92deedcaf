//! Pages that say whether more follow and hold their place, and live queries: an app watches a
//! list (customers, followups, reports) and receives its first page, then after every change that touches
//! it the page again with what changed in it (rows removed, inserted, updated, by position), ready
//! for a `RecyclerView`/`UITableView` diff. A watch lives until its handle's `cancel`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use fieldreport_core::doc::Kind;
use fieldreport_core::store::{Cursor, FollowupFilter, ReportFilter};
use fieldreport_core::Store;

use crate::error::FieldError;
use crate::hub::ChangeListener;
use crate::observe::Subscription;
use crate::store::{FieldStore, Result};
use crate::types::{Changes, CustomerRow, FollowupRow, ListOptions, ReportQuery, ReportRow};

/// One page of customers.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CustomerPage {
    pub rows: Vec<CustomerRow>,
    /// Whether rows follow this page.
    pub has_more: bool,
    /// The token of the next page (`ListOptions.after`), when rows follow: it holds its place
    /// even when the last row shown is renamed or removed meanwhile.
    pub next: Option<String>,
}

/// One page of followups.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FollowupPage {
    pub rows: Vec<FollowupRow>,
    pub has_more: bool,
    pub next: Option<String>,
}

/// One page of reports.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReportPage {
    pub rows: Vec<ReportRow>,
    pub has_more: bool,
    pub next: Option<String>,
}

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

/// Hears a watched customer list: its page now, and what changed.
#[uniffi::export(with_foreign)]
pub trait CustomerListListener: Send + Sync {
    fn on_list(&self, page: CustomerPage, diff: ListDiff) -> std::result::Result<(), FieldError>;
}

/// Hears a watched followup list.
#[uniffi::export(with_foreign)]
pub trait FollowupListListener: Send + Sync {
    fn on_list(&self, page: FollowupPage, diff: ListDiff) -> std::result::Result<(), FieldError>;
}

/// Hears a watched report list.
#[uniffi::export(with_foreign)]
pub trait ReportListListener: Send + Sync {
    fn on_list(&self, page: ReportPage, diff: ListDiff) -> std::result::Result<(), FieldError>;
}

/// A row that has an id (what diffs match rows by).
trait Keyed: PartialEq + Clone {
    fn key(&self) -> &str;
}

impl Keyed for CustomerRow {
    fn key(&self) -> &str {
        &self.id
    }
}

impl Keyed for ReportRow {
    fn key(&self) -> &str {
        &self.id
    }
}

impl Keyed for FollowupRow {
    fn key(&self) -> &str {
        &self.id
    }
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
fn paged<C, T: From<C>>(
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

fn millis(t: std::time::SystemTime) -> i64 {
    crate::types::signed_millis(t)
}

/// The query of a customer list.
#[derive(Clone)]
struct CustomerQuery {
    search: Option<String>,
    options: Option<ListOptions>,
}

impl CustomerQuery {
    fn run(&self, s: &mut Store) -> Result<CustomerPage> {
        let (rows, has_more, next) = paged(
            &self.options,
            crate::types::Order::Ascending,
            |page| s.list_customers_page(self.search.as_deref(), &page),
            |r: &CustomerRow| Cursor::text(&r.name, &r.id),
        )?;
        Ok(CustomerPage { rows, has_more, next })
    }
}

/// The query of a followup list.
#[derive(Clone)]
struct FollowupQuery {
    period: Option<String>,
    customer_id: Option<String>,
    options: Option<ListOptions>,
}

impl FollowupQuery {
    fn run(&self, s: &mut Store) -> Result<FollowupPage> {
        let range = match &self.period {
            Some(p) => Some(s.period_range(p).map_err(FieldError::from)?),
            None => None,
        };
        let (rows, has_more, next) = paged(
            &self.options,
            crate::types::Order::Descending,
            |page| {
                s.list_followups(&FollowupFilter {
                    range,
                    customer_id: self.customer_id.clone(),
                    page,
                    ..Default::default()
                })
            },
            |r: &FollowupRow| Cursor::number(millis(r.occurred_at), &r.id),
        )?;
        Ok(FollowupPage { rows, has_more, next })
    }
}

/// The query of a report list.
#[derive(Clone)]
struct ReportsQuery {
    query: ReportQuery,
    options: Option<ListOptions>,
}

impl ReportsQuery {
    fn run(&self, s: &mut Store) -> Result<ReportPage> {
        let q = &self.query;
        let range = match &q.period {
            Some(p) => Some(s.period_range(p).map_err(FieldError::from)?),
            None => None,
        };
        let addressed_to = if q.addressed_to_me { Some(s.identity().map_err(FieldError::from)?.user_id) } else { None };
        let (rows, has_more, next) = paged(
            &self.options,
            crate::types::Order::Descending,
            |page| {
                let (kind, owner, unread) = (q.kind, q.author.clone(), q.unread);
                s.list_reports_filtered(&ReportFilter { range, kind, owner, addressed_to, unread, page })
            },
            |r: &ReportRow| Cursor::text(&r.first.to_string(), &r.id),
        )?;
        Ok(ReportPage { rows, has_more, next })
    }
}

impl FieldStore {
    /// Runs `f` on the open store with the FFI's errors (a query whose errors are already ours).
    fn query<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut out = None;
        self.read(|s| {
            out = Some(f(s));
            Ok(())
        })?;
        out.unwrap_or_else(|| Err(FieldError::closed()))
    }
}

/// A watch's query, its listener, and the rows the listener was last told.
struct Watch<Q, P, L: ?Sized> {
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
                let page = store.query(|s| self.query.run(s))?;
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

watch_impl!(CustomerQuery, CustomerPage, dyn CustomerListListener);
watch_impl!(FollowupQuery, FollowupPage, dyn FollowupListListener);
watch_impl!(ReportsQuery, ReportPage, dyn ReportListListener);

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

impl FieldStore {
    /// The rows of `list_customers` (every row without a limit).
    pub(crate) fn customer_rows(
        &self,
        search: Option<String>,
        options: Option<ListOptions>,
    ) -> Result<Vec<CustomerRow>> {
        let q = CustomerQuery { search, options };
        self.query(|s| q.run(s)).map(|p| p.rows)
    }

    /// The rows of `list_followups`.
    pub(crate) fn followup_rows(
        &self,
        period: Option<String>,
        customer_id: Option<String>,
        options: Option<ListOptions>,
    ) -> Result<Vec<FollowupRow>> {
        let q = FollowupQuery { period, customer_id, options };
        self.query(|s| q.run(s)).map(|p| p.rows)
    }

    /// The rows of `list_reports`.
    pub(crate) fn report_rows(
        &self,
        query: Option<ReportQuery>,
        options: Option<ListOptions>,
    ) -> Result<Vec<ReportRow>> {
        let q = ReportsQuery { query: query.unwrap_or_default(), options };
        self.query(|s| q.run(s)).map(|p| p.rows)
    }
}

/// Pages are read on the caller's thread: bounded (100 rows unless `limit` says, at most 1,000),
/// they take a millisecond or two. A list of every row is an async `list_*`.
#[uniffi::export]
impl FieldStore {
    /// One page of `list_customers`, with whether more follow and the token of the next page.
    #[uniffi::method(default(search = None, options = None))]
    pub fn customers_page(&self, search: Option<String>, options: Option<ListOptions>) -> Result<CustomerPage> {
        let q = CustomerQuery { search, options: ListOptions::bounded(options)? };
        self.query(|s| q.run(s))
    }

    /// One page of `list_followups`, with whether more follow and the token of the next page.
    #[uniffi::method(default(period = None, customer_id = None, options = None))]
    pub fn followups_page(
        &self,
        period: Option<String>,
        customer_id: Option<String>,
        options: Option<ListOptions>,
    ) -> Result<FollowupPage> {
        let q = FollowupQuery { period, customer_id, options: ListOptions::bounded(options)? };
        self.query(|s| q.run(s))
    }

    /// One page of `list_reports`, with whether more follow and the token of the next page.
    #[uniffi::method(default(query = None, options = None))]
    pub fn reports_page(&self, query: Option<ReportQuery>, options: Option<ListOptions>) -> Result<ReportPage> {
        let q = ReportsQuery { query: query.unwrap_or_default(), options: ListOptions::bounded(options)? };
        self.query(|s| q.run(s))
    }

    /// Watches a page of `list_reports` as `watch_customers` does (a report written here, pulled
    /// by a sync, or commented on changes it).
    #[uniffi::method(default(query = None, options = None))]
    pub fn watch_reports(
        self: Arc<Self>,
        listener: Arc<dyn ReportListListener>,
        query: Option<ReportQuery>,
        options: Option<ListOptions>,
    ) -> Result<Arc<Subscription>> {
        let query = ReportsQuery { query: query.unwrap_or_default(), options: ListOptions::bounded(options)? };
        self.query(|s| query.run(s))?;
        let watch = Arc::new(Watch { store: Arc::downgrade(&self), query, last: Mutex::new(None), listener });
        self.start_watch(watch, vec![Kind::Report])
    }

    /// Watches a page of `list_customers`: `listener` hears the page now (every row inserted),
    /// then, after each write or synced page that changes it, the page again with what changed.
    /// Called on the thread that made the change (post to the UI's dispatcher or queue); lives
    /// until the returned handle's `cancel`. Bad options fail here, before any call.
    #[uniffi::method(default(search = None, options = None))]
    pub fn watch_customers(
        self: Arc<Self>,
        listener: Arc<dyn CustomerListListener>,
        search: Option<String>,
        options: Option<ListOptions>,
    ) -> Result<Arc<Subscription>> {
        let query = CustomerQuery { search, options: ListOptions::bounded(options)? };
        self.query(|s| query.run(s))?;
        let watch = Arc::new(Watch { store: Arc::downgrade(&self), query, last: Mutex::new(None), listener });
        self.start_watch(watch, vec![Kind::Customer])
    }

    /// Watches a page of `list_followups` as `watch_customers` does (its rows name their
    /// customers: a renamed customer updates them).
    #[uniffi::method(default(period = None, customer_id = None, options = None))]
    pub fn watch_followups(
        self: Arc<Self>,
        listener: Arc<dyn FollowupListListener>,
        period: Option<String>,
        customer_id: Option<String>,
        options: Option<ListOptions>,
    ) -> Result<Arc<Subscription>> {
        let query = FollowupQuery { period, customer_id, options: ListOptions::bounded(options)? };
        self.query(|s| query.run(s))?;
        let watch = Arc::new(Watch { store: Arc::downgrade(&self), query, last: Mutex::new(None), listener });
        self.start_watch(watch, vec![Kind::Followup, Kind::Customer])
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
