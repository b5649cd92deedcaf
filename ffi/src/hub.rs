//! The subscriptions of one store: the core's watches, each telling an app's listener which
//! records changed (see `observe.rs` for subscribing), and the listeners of its sync status
//! (`auto_sync.rs`).

use std::sync::{Arc, Mutex};

use fieldreport_core::store::Watchers;
use fieldreport_core::Store;

use crate::error::FieldError;
use crate::types::{Changes, SyncStatus};

/// Hears which records changed. Called on the thread that made the change — the store's own
/// thread after the app's write, the library's sync thread after a page — after the change is
/// committed and with no lock held, so it may read the store; it should return quickly (post to
/// the UI thread to redraw) and never block waiting for an async call of the same store (that
/// call would queue behind this one). A listener that throws is logged and keeps its subscription.
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

/// Hears the sync status whenever it changes (what sync does, a count of what waits to go, the
/// last error). Called on a library thread or the thread that wrote; return quickly (post to the
/// UI thread). A listener that throws is logged and keeps its subscription.
#[uniffi::export(with_foreign)]
pub trait SyncStatusListener: Send + Sync {
    fn on_status(&self, status: SyncStatus) -> std::result::Result<(), FieldError>;
}

/// The status listeners of one store, and what they were last told.
#[derive(Default)]
pub(crate) struct StatusHub {
    next: std::sync::atomic::AtomicU64,
    listeners: Mutex<Vec<(u64, Arc<dyn SyncStatusListener>)>>,
    last: Mutex<Option<SyncStatus>>,
}

impl StatusHub {
    /// Adds `listener`; returns its id (for `remove`).
    pub(crate) fn add(&self, listener: Arc<dyn SyncStatusListener>) -> u64 {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.listeners.lock().unwrap_or_else(|p| p.into_inner()).push((id, listener));
        id
    }

    pub(crate) fn remove(&self, id: u64) {
        self.listeners.lock().unwrap_or_else(|p| p.into_inner()).retain(|(i, _)| *i != id);
    }

    pub(crate) fn any(&self) -> bool {
        !self.listeners.lock().unwrap_or_else(|p| p.into_inner()).is_empty()
    }

    /// Tells every listener `status` if it differs from what they were told last.
    pub(crate) fn tell(&self, status: SyncStatus) {
        {
            let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
            if last.as_ref() == Some(&status) {
                return;
            }
            *last = Some(status.clone());
        }
        let listeners = self.listeners.lock().unwrap_or_else(|p| p.into_inner()).clone();
        for (_, l) in listeners {
            if let Err(e) = l.on_status(status.clone()) {
                tracing::warn!(error = %e, "a sync status listener failed");
            }
        }
    }
}
