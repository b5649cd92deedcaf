//! Observable data: an app subscribes to kinds of records (or to some records by id) and is told
//! which ones changed — after its own writes, and after each page a sync commits — instead of
//! querying every list again after every sync. A subscription lasts until its handle is
//! cancelled or dropped (matrix-rust-sdk's pattern: the handle is the subscription).

use std::sync::{Arc, Weak};

use crate::error::FieldError;
use crate::hub::{ChangeListener, Hub};
use crate::store::FieldStore;
use crate::types::ChangedKind;

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
