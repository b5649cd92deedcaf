//! The thread that refreshes users' KPI snapshots off the request path: it computes on a reader
//! and publishes through the writer, once per user however many requests asked.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use super::cache::DocCache;
use super::Store;
use super::{config, publish};
use crate::model::User;
use crate::now_ms;

/// Starts the refresher; send it (user, team id) to have that user's snapshot looked at.
pub(super) fn start(
    store: Store,
    cache: Arc<DocCache>,
    shared: config::Shared,
    interval: Arc<AtomicI64>,
) -> std::sync::mpsc::Sender<(User, String)> {
    let (tx, rx) = std::sync::mpsc::channel::<(User, String)>();
    let spawned = std::thread::Builder::new().name("fieldreport-snapshots".into()).spawn(move || {
        while let Ok(first) = rx.recv() {
            let mut due: HashMap<String, (User, String)> = HashMap::new();
            due.insert(first.0.id.clone(), first);
            while let Ok(more) = rx.try_recv() {
                due.insert(more.0.id.clone(), more);
            }
            for (user, team_id) in due.into_values() {
                let active = config::current(&shared);
                let now = now_ms();
                let every = interval.load(Ordering::Relaxed);
                let computed = store.read(|db| {
                    let due = match publish::snapshot_due(db, &active, &user, now, every)? {
                        publish::Due::No => false,
                        publish::Due::Now => true,
                        publish::Due::Soon => publish::covered_changed(db, &user)?,
                    };
                    if due {
                        publish::compute_snapshot(db, &active, &user, now).map(Some)
                    } else {
                        Ok(None)
                    }
                });
                let out = match computed {
                    Ok(Some(c)) => {
                        let (cache, active, user2) = (cache.clone(), active.clone(), user.clone());
                        // A merge for the user: it does not stop other members' merges.
                        store.write_merge(vec![user2.id.clone()], move |db| {
                            publish::publish_snapshot(db, &cache, &active, &team_id, &user2, &c)
                        })
                    }
                    Ok(None) => Ok(()),
                    Err(e) => Err(e),
                };
                if let Err(e) = out {
                    tracing::error!(user = %user.id, error = %e, "refreshing a KPI snapshot failed");
                }
            }
        }
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the snapshot refresher; snapshots refresh on the next day's first sync");
    }
    tx
}
