//! Sync requests that wait for news (long polls): a device with nothing to push asks to wait up
//! to `wait` seconds, and is answered as soon as something it may see is stored.
//!
//! One thread per process follows the write transactions committed (this process's, and on
//! PostgreSQL every process's through `LISTEN/NOTIFY`: `store::Commits`). After each it reads
//! the feed head and, when it moved, who the new positions concern (`Db::feed_audience`: one
//! query over what was stored, whatever the number waiting), and wakes those members' waiting
//! requests; a woken request reads its page again (a cc'd report a manager may not see wakes it
//! for nothing, and it waits on). A waiting request costs a map entry and a `Notify`: no thread,
//! no connection, no query while it waits.
//!
//! No news is lost between a request's page and its wait: it registers before it reads its page,
//! and the thread wakes it for every position after the head it had read before registering.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::Notify;

use crate::model::Role;
use crate::policy::visibility::SERVER_OWNER;
use crate::service::Store;
use crate::store::Commits;

/// Commits closer together than this are looked at together (one head read and one audience
/// query for all of them): news arrives at most this much later, and a busy writer costs the
/// thread at most this many queries a second.
const GATHER: Duration = Duration::from_millis(20);

/// The feed head is also read this often without a commit being told:
/// other processes on one SQLite data directory tell nothing, and a PostgreSQL listening
/// connection may be down for a moment.
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// Most requests one process keeps waiting; past it a request is answered at once (its device
/// asks again later, as without waiting).
pub const MAX_WAITING: usize = 50_000;

/// Most requests one member keeps waiting in a process (a phone, a tablet, a laptop wait one
/// each): a device holding many cannot take the process's places from the rest of the team.
pub const MAX_WAITING_PER_MEMBER: usize = 16;

/// The requests waiting for news in this process.
pub struct News {
    waiting: Mutex<Waiting>,
    next: AtomicU64,
    closed: AtomicBool,
}

#[derive(Default)]
struct Waiting {
    /// Members' waiting requests by user id.
    by_user: HashMap<String, Vec<(u64, Arc<Notify>)>>,
    /// Admins see everything: every move of the feed wakes them.
    admins: Vec<(u64, Arc<Notify>)>,
    /// Requests waiting, in all and by member.
    count: usize,
    per_member: HashMap<String, usize>,
}

/// One waiting request: woken by news ([`Waiter::news`]); leaves the registry when dropped.
pub struct Waiter {
    id: u64,
    user: String,
    admin: bool,
    notify: Arc<Notify>,
    news: Arc<News>,
}

impl Waiter {
    /// Resolves at news for this request's member (at once when news came since the last call),
    /// or when the server shuts down.
    pub async fn news(&self) {
        self.notify.notified().await
    }

    /// Whether the server is shutting down (answer now).
    pub fn closed(&self) -> bool {
        self.news.closed.load(Ordering::Relaxed)
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        let mut w = self.news.waiting.lock().unwrap_or_else(|p| p.into_inner());
        let list = if self.admin { Some(&mut w.admins) } else { w.by_user.get_mut(&self.user) };
        if let Some(list) = list {
            list.retain(|(id, _)| *id != self.id);
            if list.is_empty() && !self.admin {
                w.by_user.remove(&self.user);
            }
        }
        w.count -= 1;
        if let Some(n) = w.per_member.get_mut(&self.user) {
            *n -= 1;
            if *n == 0 {
                w.per_member.remove(&self.user);
            }
        }
        crate::metrics::metrics().news_waiting.dec();
    }
}

impl News {
    /// Starts following `commits` on a thread of its own, reading what moved through `store`.
    pub(crate) fn start(store: Store, commits: Commits) -> Arc<News> {
        let news =
            Arc::new(News { waiting: Mutex::default(), next: AtomicU64::new(1), closed: AtomicBool::new(false) });
        let weak = Arc::downgrade(&news);
        // Subscribed before the head is read: no commit between the two is missed.
        let rx = commits.subscribe();
        // The head as the first request can have read it: what comes after wakes it.
        let head = store.read(|db| Ok(db.feed_head()?)).ok();
        let spawned =
            std::thread::Builder::new().name("fieldreport-news".into()).spawn(move || follow(&store, rx, head, &weak));
        if let Err(e) = spawned {
            // Without it requests do not wait (see `wait`): news comes at the devices' next sync.
            tracing::error!(error = %e, "cannot start the thread that wakes waiting syncs; they will not wait");
            news.closed.store(true, Ordering::Relaxed);
        }
        news
    }

    /// Registers a request of `user` waiting for news; `None` when it should not wait (the
    /// server is shutting down, [`MAX_WAITING`] requests already wait, or
    /// [`MAX_WAITING_PER_MEMBER`] of this member's).
    pub fn wait(self: &Arc<Self>, user: &str, role: Role) -> Option<Waiter> {
        if self.closed.load(Ordering::Relaxed) {
            return None;
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let notify = Arc::new(Notify::new());
        let admin = role == Role::Admin;
        {
            let mut w = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
            let mine = w.per_member.get(user).copied().unwrap_or(0);
            if w.count >= MAX_WAITING || mine >= MAX_WAITING_PER_MEMBER {
                return None;
            }
            w.count += 1;
            *w.per_member.entry(user.to_string()).or_default() += 1;
            let entry = (id, notify.clone());
            if admin {
                w.admins.push(entry);
            } else {
                w.by_user.entry(user.to_string()).or_default().push(entry);
            }
        }
        crate::metrics::metrics().news_waiting.inc();
        Some(Waiter { id, user: user.to_string(), admin, notify, news: self.clone() })
    }

    /// How many requests wait.
    pub fn waiting(&self) -> usize {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner()).count
    }

    /// Answers every waiting request now and lets no other wait (the server is shutting down).
    pub fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        let w = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        for (_, n) in w.by_user.values().flatten().chain(&w.admins) {
            n.notify_one();
        }
    }

    /// Wakes the requests of the members in `audience` (every one when the team's own
    /// documents moved), and admins'.
    fn wake(&self, audience: &[String]) {
        let w = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        let mut woken = 0u64;
        let mut tell = |list: &[(u64, Arc<Notify>)]| {
            for (_, n) in list {
                n.notify_one();
                woken += 1;
            }
        };
        if audience.iter().any(|u| u == SERVER_OWNER) {
            w.by_user.values().for_each(|l| tell(l));
        } else {
            for u in audience {
                if let Some(l) = w.by_user.get(u) {
                    tell(l);
                }
            }
        }
        tell(&w.admins);
        crate::metrics::metrics().news_woken.inc_by(woken);
    }
}

/// The thread: after each commit (gathered), what moved and whom it concerns.
fn follow(store: &Store, mut rx: tokio::sync::watch::Receiver<u64>, mut last: Option<i64>, news: &Weak<News>) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_time().build() else {
        tracing::error!("cannot start the runtime that wakes waiting syncs; they wait for their timeout");
        return;
    };
    // Said once when reading starts failing (a database down), not every second.
    let mut failing = false;
    loop {
        let told = rt.block_on(async { tokio::time::timeout(LOOK_EVERY, rx.changed()).await.unwrap_or(Ok(())) });
        if told.is_err() {
            return; // the writer is gone
        }
        std::thread::sleep(GATHER);
        rx.borrow_and_update();
        let Some(news) = news.upgrade() else { return };
        if news.closed.load(Ordering::Relaxed) {
            return;
        }
        let head = match store.read(|db| Ok(db.feed_head()?)) {
            Ok(h) => {
                failing = false;
                h
            }
            Err(e) => {
                failed(&mut failing, "the feed head", &e);
                continue;
            }
        };
        let Some(after) = last else {
            last = Some(head);
            continue;
        };
        if head <= after {
            continue;
        }
        if news.waiting() == 0 {
            last = Some(head);
            continue;
        }
        match store.read(|db| Ok(db.feed_audience(after, head)?)) {
            Ok(audience) => {
                news.wake(&audience);
                last = Some(head);
            }
            Err(e) => failed(&mut failing, "whom new documents concern", &e),
        }
    }
}

/// Logs that reading failed, once until a read succeeds again.
fn failed(failing: &mut bool, what: &str, e: &crate::error::ServerError) {
    if !std::mem::replace(failing, true) {
        tracing::warn!(error = %e, "cannot read {what} to wake waiting syncs; trying again every second");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn news() -> Arc<News> {
        Arc::new(News { waiting: Mutex::default(), next: AtomicU64::new(1), closed: AtomicBool::new(false) })
    }

    #[test]
    fn a_member_cannot_take_every_place_and_places_come_back() {
        let n = news();
        let mine: Vec<Waiter> = (0..MAX_WAITING_PER_MEMBER).map(|_| n.wait("u1", Role::Rep).unwrap()).collect();
        assert!(n.wait("u1", Role::Rep).is_none(), "one member's places are bounded");
        assert!(n.wait("u2", Role::Rep).is_some(), "others still wait");
        drop(mine);
        assert!(n.wait("u1", Role::Rep).is_some(), "a request that ended gives its place back");
        assert_eq!(n.waiting(), 0);
    }

    #[test]
    fn news_wakes_the_members_it_concerns_and_admins() {
        let n = news();
        let (a, b, admin) =
            (n.wait("a", Role::Rep).unwrap(), n.wait("b", Role::Rep).unwrap(), n.wait("x", Role::Admin).unwrap());
        n.wake(&["a".to_string()]);
        let woke = |w: &Waiter| {
            futures_executor::block_on(async { futures_util::FutureExt::now_or_never(w.news()).is_some() })
        };
        assert!(woke(&a) && woke(&admin) && !woke(&b));
        n.wake(&[SERVER_OWNER.to_string()]);
        assert!(woke(&b), "the team's own documents concern everyone");
        n.close();
        assert!(n.wait("c", Role::Rep).is_none(), "closing: nobody waits");
    }
}
