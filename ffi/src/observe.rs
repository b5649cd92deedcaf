//! Observable data: an app subscribes to kinds of records (or to some records by id) and is told
//! which ones changed — after its own writes, and after each page a sync commits — instead of
//! querying every list again after every sync. A subscription lives until its handle's `cancel`
//! (or the store's close): dropping the handle, or a garbage collector freeing it, does not end it,
//! so a listener never goes quiet because the app kept no reference.

use std::sync::{Arc, Mutex, Weak};

use crate::error::FieldError;
use crate::hub::{ChangeListener, Hub, StatusHub};
use crate::store::FieldStore;
use crate::types::ChangedKind;

type End = Box<dyn FnOnce() + Send>;

/// A subscription's handle: notifications go on until `cancel`.
#[derive(uniffi::Object)]
pub struct Subscription {
    end: Mutex<Option<End>>,
}

impl Subscription {
    /// A handle whose `cancel` removes listener `id` from `hub`'s watches.
    pub(crate) fn watch(id: u64, hub: Weak<Hub>) -> Subscription {
        Subscription::ending(move || {
            if let Some(hub) = hub.upgrade() {
                hub.watchers.unwatch(id);
            }
        })
    }

    /// A handle whose `cancel` removes status listener `id`.
    pub(crate) fn status(id: u64, hub: Weak<StatusHub>) -> Subscription {
        Subscription::ending(move || {
            if let Some(hub) = hub.upgrade() {
                hub.remove(id);
            }
        })
    }

    fn ending(end: impl FnOnce() + Send + 'static) -> Subscription {
        Subscription { end: Mutex::new(Some(Box::new(end))) }
    }
}

#[uniffi::export]
impl Subscription {
    /// Stops the notifications (again: nothing).
    pub fn cancel(&self) {
        let end = self.end.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(end) = end {
            end();
        }
    }
}

#[uniffi::export]
impl FieldStore {
    /// Tells `listener` which records change from now on: of `kinds` (all when empty), and of
    /// those only the records in `ids` (all when empty; e.g. one report an editor shows).
    /// Changes come after this device's own writes and after each page a sync commits, until
    /// the returned handle's `cancel` (dropping the handle does not end it).
    #[uniffi::method(default(kinds = [], ids = []))]
    pub fn subscribe(
        &self,
        listener: Arc<dyn ChangeListener>,
        kinds: Vec<ChangedKind>,
        ids: Vec<String>,
    ) -> Result<Arc<Subscription>, FieldError> {
        let id = self.read(|s| self.hub.watchers.watch(s, kinds, ids, listener))?;
        Ok(Arc::new(Subscription::watch(id, Arc::downgrade(&self.hub))))
    }
}
