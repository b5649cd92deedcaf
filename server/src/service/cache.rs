//! Recently merged documents kept in memory, so that a document changed again is neither loaded
//! nor read again.

use std::num::NonZeroUsize;
use std::sync::Mutex;

use super::merge::Stored;

/// Most merged documents kept in memory.
const CACHE_DOCS: usize = 4_096;

/// Least recently used documents are evicted first. A document is taken out while a push is
/// checked against it and put back by the writer after the merge; whenever a writer job fails
/// the cache is cleared, so it never keeps state that was not committed. The cache is a hint:
/// another server process may have changed a document since, so an entry is used only when its
/// heads are the stored heads ([`DocCache::take_at`]).
pub(super) struct DocCache {
    docs: Mutex<lru::LruCache<String, Stored>>,
}

fn empty() -> lru::LruCache<String, Stored> {
    lru::LruCache::new(NonZeroUsize::new(CACHE_DOCS).unwrap_or(NonZeroUsize::MIN))
}

impl Default for DocCache {
    fn default() -> Self {
        DocCache { docs: Mutex::new(empty()) }
    }
}

impl DocCache {
    fn docs(&self) -> std::sync::MutexGuard<'_, lru::LruCache<String, Stored>> {
        // A panic while holding the lock cannot leave a half-updated entry: recover the guard.
        self.docs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Removes and returns the document `id`.
    pub(super) fn take(&self, id: &str) -> Option<Stored> {
        self.docs().pop(id)
    }

    /// Removes and returns the document `id` when it is at `heads` (encoded, as stored): an
    /// entry at other heads is stale (another process wrote the document) and is dropped.
    pub(super) fn take_at(&self, id: &str, heads: &[u8]) -> Option<Stored> {
        let found = self.take(id).filter(|s| s.heads == heads);
        let m = crate::metrics::metrics();
        if found.is_some() {
            m.cache_hits.inc();
        } else {
            m.cache_misses.inc();
        }
        found
    }

    /// Keeps `s` as the current merged state of `id`.
    pub(super) fn put(&self, id: String, s: Stored) {
        // The evicted document is returned and dropped here, after the lock is released.
        let evicted = self.docs().push(id, s);
        drop(evicted);
    }

    /// Forgets everything.
    pub(super) fn clear(&self) {
        // Swapped out and dropped after the lock is released: dropping thousands of documents
        // takes a while.
        let old = std::mem::replace(&mut *self.docs(), empty());
        drop(old);
    }
}
