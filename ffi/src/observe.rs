//! Observable data: an app subscribes to kinds of records (or to some records by id) and is told
//! which ones changed — after its own writes, and after each page a sync commits — instead of
//! querying every list again after every sync. A subscription lasts until its handle is
//! cancelled or dropped (matrix-rust-sdk's pattern: the handle is the subscription).

use std::sync::{Arc, Weak};

use fieldreport_core::store::Watchers;
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

/// The subscriptions of one store: the core's watches, each telling an app's listener.
#[derive(Default)]
pub(crate) struct Hub {
    watchers: Watchers<Arc<dyn ChangeListener>>,
}

/// Listeners to call, each with its changes (made under the store's lock, called outside it).
pub(crate) type Deliveries = fieldreport_core::store::Deliveries<Arc<dyn ChangeListener>>;

impl Hub {
    /// The changes since the last look, for each subscription that wants some of them.
    pub(crate) fn collect(&self, store: &Store) -> Deliveries {
        self.watchers.collect(store).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not read which records changed");
            Vec::new()
        })
    }

    /// Calls the listeners (outside every lock).
    pub(crate) fn deliver(deliveries: Deliveries) {
        for (listener, changes) in deliveries {
            let changes = changes.into_iter().map(|c| Changes { kind: c.kind, ids: c.ids }).collect();
            if let Err(e) = listener.on_change(changes) {
                tracing::warn!(error = %e, "a change listener failed");
            }
        }
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
            hub.watchers.unwatch(self.id);
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
        let id = self.with(|s| self.hub.watchers.watch(s, kinds, ids, listener))?;
        Ok(Arc::new(Subscription { id, hub: Arc::downgrade(&self.hub) }))
    }
}
