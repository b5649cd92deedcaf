//! Observable data: an app subscribes to kinds of records (or to some records by id) and is told
//! which ones changed — after its own writes, and after each page a sync commits — instead of
//! querying every list again after every sync. A subscription lasts until its handle is
//! cancelled or dropped (matrix-rust-sdk's pattern: the handle is the subscription).

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use fieldreport_core::Store;

use crate::error::FieldError;
use crate::store::FieldStore;
use crate::types::{ChangedKind, Changes};

/// Hears which records changed. Called on the thread that made the change — the app's own
/// thread after its write, the library's sync thread after a page — after the change is
/// committed and with no lock held, so it may read the store; it should return quickly (post to
/// the UI thread to redraw). A listener that throws is logged and keeps its subscription.
#[uniffi::export(with_foreign)]
pub trait ChangeListener: Send + Sync {
    fn on_change(&self, changes: Vec<Changes>) -> Result<(), FieldError>;
}

struct Sub {
    id: u64,
    /// Empty: every kind.
    kinds: HashSet<ChangedKind>,
    /// Empty: every record of those kinds.
    ids: HashSet<String>,
    listener: Arc<dyn ChangeListener>,
}

/// The subscriptions of one store, and how far into the store's sequence of changes they have
/// been told.
#[derive(Default)]
pub(crate) struct Hub {
    subs: Mutex<Vec<Sub>>,
    /// The last change number told.
    seen: Mutex<i64>,
    next: AtomicU64,
}

/// Listeners to call, each with its changes (made under the store's lock, called outside it).
pub(crate) type Deliveries = Vec<(Arc<dyn ChangeListener>, Vec<Changes>)>;

impl Hub {
    fn lock_subs(&self) -> std::sync::MutexGuard<'_, Vec<Sub>> {
        self.subs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The changes since the last look, for each subscription that wants some of them. Nothing
    /// is read while nobody subscribes.
    pub(crate) fn collect(&self, store: &Store) -> Deliveries {
        if self.lock_subs().is_empty() {
            return Vec::new();
        }
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let (changed, now) = match store.changes_after(*seen) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "could not read which records changed");
                return Vec::new();
            }
        };
        *seen = now;
        if changed.is_empty() {
            return Vec::new();
        }
        let subs = self.lock_subs();
        let mut out = Vec::new();
        for sub in subs.iter() {
            let mut by_kind: BTreeMap<u8, (ChangedKind, Vec<String>)> = BTreeMap::new();
            for c in &changed {
                let kind = c.kind;
                if (!sub.kinds.is_empty() && !sub.kinds.contains(&kind))
                    || (!sub.ids.is_empty() && !sub.ids.contains(&c.id))
                {
                    continue;
                }
                let entry = by_kind.entry(kind as u8).or_insert_with(|| (kind, Vec::new()));
                if !entry.1.contains(&c.id) {
                    entry.1.push(c.id.clone());
                }
            }
            if !by_kind.is_empty() {
                let changes = by_kind.into_values().map(|(kind, ids)| Changes { kind, ids }).collect();
                out.push((sub.listener.clone(), changes));
            }
        }
        out
    }

    /// Calls the listeners (outside every lock).
    pub(crate) fn deliver(deliveries: Deliveries) {
        for (listener, changes) in deliveries {
            if let Err(e) = listener.on_change(changes) {
                tracing::warn!(error = %e, "a change listener failed");
            }
        }
    }

    fn add(&self, sub: Sub, seq: i64) {
        let mut subs = self.lock_subs();
        if subs.is_empty() {
            // Nobody was told anything meanwhile: start from now.
            *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = seq;
        }
        subs.push(sub);
    }

    fn remove(&self, id: u64) {
        self.lock_subs().retain(|s| s.id != id);
    }
}

/// A subscription's handle: notifications last until `cancel` or until the handle is dropped
/// (Kotlin `close()`, Swift deinit, Python garbage collection).
#[derive(uniffi::Object)]
pub struct Subscription {
    id: u64,
    hub: Weak<Hub>,
}

#[uniffi::export]
impl Subscription {
    /// Stops the notifications (again: nothing).
    pub fn cancel(&self) {
        if let Some(hub) = self.hub.upgrade() {
            hub.remove(self.id);
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.cancel();
    }
}

#[uniffi::export]
impl FieldStore {
    /// Tells `listener` which records change from now on: of `kinds` (all when empty), and of
    /// those only the records in `ids` (all when empty; e.g. one report an editor shows).
    /// Changes come after this device's own writes and after each page a sync commits. Keep the
    /// returned handle: dropping it ends the subscription.
    #[uniffi::method(default(kinds = [], ids = []))]
    pub fn subscribe(
        &self,
        listener: Arc<dyn ChangeListener>,
        kinds: Vec<ChangedKind>,
        ids: Vec<String>,
    ) -> Result<Arc<Subscription>, FieldError> {
        let seq = self.with(|s| s.change_seq())?;
        let id = self.hub.next.fetch_add(1, Ordering::Relaxed);
        self.hub.add(Sub { id, kinds: kinds.into_iter().collect(), ids: ids.into_iter().collect(), listener }, seq);
        Ok(Arc::new(Subscription { id, hub: Arc::downgrade(&self.hub) }))
    }
}
