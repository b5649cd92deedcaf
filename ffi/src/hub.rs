//! The subscriptions of one store: the core's watches, each telling an app's listener which
//! records changed (see `observe.rs` for subscribing).

use std::sync::Arc;

use fieldreport_core::store::Watchers;
use fieldreport_core::Store;

use crate::error::FieldError;
use crate::types::Changes;

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
    pub(crate) watchers: Watchers<Arc<dyn ChangeListener>>,
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
