//! The batching writer: one thread owns a write connection and runs queued jobs in batches, one
//! transaction per batch, each job inside its own savepoint. A job's caller hears back only after
//! the batch committed, so an answer always describes durable state; a failing job rolls back its
//! savepoint and never affects the others in the batch. Both backends write through it: SQLite
//! allows one writer per database anyway, and on PostgreSQL a batch is one transaction (one
//! fsync for many requests).
//!
//! Bookkeeping nobody waits for ([`Writer::submit`]) runs first in its batch, all of it inside one
//! savepoint: it costs the batch one savepoint however much of it there is, and should it fail it
//! is dropped alone (it is bookkeeping whose loss is harmless).
//!
//! Jobs come in two kinds (docs/concurrency.md, "Locks"): a **merge** ([`Writer::write_merge`])
//! names the members whose data it writes, and serializes only with writes to them; any other job
//! is **serial**: nothing else writes while it runs. A batch runs its merges before its serial
//! jobs (none of its callers has been answered, so any order is one they could have arrived in),
//! and tells the connection which locks it needs before it starts ([`BatchLocks`]).

use std::sync::mpsc;

use super::{Conn, StoreError, StoreResult as Result};

/// What a batch's jobs write, known before it starts: the locks it takes (PostgreSQL; SQLite has
/// one writer per database anyway).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BatchLocks {
    /// A serial job is in the batch: it writes as if alone.
    pub serial: bool,
    /// The members the batch's merges write for (sorted, once each).
    pub members: Vec<String>,
}

/// A connection the writer can run transactions on.
pub trait TxConn: Conn + Send + 'static {
    /// Starts the batch's transaction, taking the locks `locks` says it needs (see
    /// docs/concurrency.md).
    fn begin(&mut self, locks: &BatchLocks) -> Result<()>;
    fn commit(&mut self) -> Result<()>;
    fn rollback(&mut self);
    /// After a failed begin or commit: make the connection usable again (reconnect).
    fn recover(&mut self) {}
    /// Most jobs committed together.
    fn max_batch(&self) -> usize {
        128
    }
}

type Job = super::WriteJob;
/// Where a job's outcome goes: its waiting caller, or nobody (bookkeeping).
type Reply = Option<mpsc::SyncSender<Result<()>>>;

/// What kind of job is queued.
enum Lane {
    /// Nobody waits for it; harmless if lost.
    Bookkeeping,
    /// Writes for these members only (the merge of their documents).
    Merge(Vec<String>),
    /// Writes as if alone.
    Serial,
}

type Queued = (Job, Reply, Lane);

/// Handle to the writer thread (clones queue to the same thread).
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Queued>,
    commits: Commits,
}

/// Counts committed write transactions: a waiter for news ([`Commits::subscribe`]) wakes after
/// each, then looks at what changed (the count says only that something may have). PostgreSQL
/// also counts other processes' commits, told by `NOTIFY` (`postgres/listen.rs`).
#[derive(Clone)]
pub struct Commits(std::sync::Arc<tokio::sync::watch::Sender<u64>>);

impl Default for Commits {
    fn default() -> Self {
        Commits(std::sync::Arc::new(tokio::sync::watch::Sender::new(0)))
    }
}

impl Commits {
    /// One more commit (no waiter: nothing but a counter).
    pub fn bump(&self) {
        self.0.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Wakes at the next commit after now.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.0.subscribe()
    }
}

impl Writer {
    /// Starts the writer thread on `conn`.
    pub fn start(conn: Box<dyn TxConn>, name: &str) -> Result<Writer> {
        Writer::start_with(move || Ok(conn), name)
    }

    /// Starts the writer thread on the connection `open` makes on that thread (a connection
    /// bound to its thread).
    pub fn start_with(open: impl FnOnce() -> Result<Box<dyn TxConn>> + Send + 'static, name: &str) -> Result<Writer> {
        let (tx, rx) = mpsc::channel::<Queued>();
        let commits = Commits::default();
        let counted = commits.clone();
        let (ready_tx, ready_rx) = mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || match open() {
                Ok(conn) => {
                    let _ = ready_tx.send(Ok(()));
                    run(conn, rx, &counted)
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                }
            })
            .map_err(|e| StoreError::Internal(format!("cannot start the writer thread: {e}")))?;
        ready_rx.recv().map_err(|_| StoreError::Internal("the writer thread stopped".into()))??;
        Ok(Writer { jobs: tx, commits })
    }

    /// The count of this writer's commits (see [`Commits`]).
    pub fn commits(&self) -> &Commits {
        &self.commits
    }

    /// Runs `job` in the next batch, as if alone, and waits until that batch committed.
    pub fn write(&self, job: Job) -> Result<()> {
        self.queue(job, Lane::Serial)
    }

    /// Runs `job`, which writes only what belongs to `members` (their documents, rollups and
    /// devices), in the next batch, and waits until that batch committed. On PostgreSQL it runs
    /// beside other processes' merges for other members.
    pub fn write_merge(&self, members: Vec<String>, job: Job) -> Result<()> {
        self.queue(job, Lane::Merge(members))
    }

    fn queue(&self, job: Job, lane: Lane) -> Result<()> {
        let (tx, rx) = mpsc::sync_channel(1);
        let queue = &crate::metrics::metrics().writer_queue;
        queue.inc();
        let sent =
            self.jobs.send((job, Some(tx), lane)).map_err(|_| StoreError::Internal("the writer has stopped".into()));
        let out = sent.and_then(|()| rx.recv().map_err(|_| StoreError::Internal("the writer dropped a job".into())));
        queue.dec();
        out?
    }

    /// Queues `job` for the next batch without waiting for it: for bookkeeping nobody waits on
    /// (its failure is the job's to log). Jobs run in the order they were queued, so a later
    /// [`Writer::write`] of this process runs after it.
    pub fn submit(&self, job: Job) {
        if self.jobs.send((job, None, Lane::Bookkeeping)).is_err() {
            tracing::warn!("the writer has stopped: a queued write was dropped");
        }
    }
}

/// Runs `job` inside a savepoint. Statements a job sends without waiting (`exec_later`) are
/// answered before it is judged, so a job whose statement failed is rolled back alone; the
/// savepoint's own statements travel with the job's.
fn savepoint(conn: &dyn Conn, job: Job) -> Result<()> {
    conn.exec_later("SAVEPOINT job", &[])?;
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(conn)))
        .unwrap_or_else(|_| Err(StoreError::Internal("a request handler panicked".into())));
    let flushed = conn.flush();
    let out = match (out, flushed) {
        (Ok(()), Err(e)) => Err(e),
        (out, _) => out,
    };
    if out.is_ok() {
        conn.exec_later("RELEASE job", &[])?;
    } else {
        conn.script("ROLLBACK TO job; RELEASE job")?;
    }
    out
}

/// Runs the batch's bookkeeping in one savepoint; a failure drops it all (logged).
fn bookkeeping(conn: &dyn Conn, jobs: Vec<Job>) -> Result<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    let all: Job = Box::new(move |conn| jobs.into_iter().try_for_each(|job| job(conn)));
    if let Err(e) = savepoint(conn, all) {
        if !matches!(e, StoreError::Aborted) {
            tracing::warn!(error = %e, "bookkeeping was dropped");
        }
    }
    Ok(())
}

fn run(mut conn: Box<dyn TxConn>, rx: mpsc::Receiver<Queued>, commits: &Commits) {
    let max = conn.max_batch();
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < max {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        // Bookkeeping first (a device's next request, queued after it, finds it written), then
        // merges, then serial jobs.
        let mut locks = BatchLocks::default();
        let (mut books, mut merges, mut serials) = (Vec::new(), Vec::new(), Vec::new());
        for (job, reply, lane) in batch {
            match (lane, reply) {
                (Lane::Merge(members), Some(reply)) => {
                    locks.members.extend(members);
                    merges.push((job, reply));
                }
                (Lane::Serial, Some(reply)) => {
                    locks.serial = true;
                    serials.push((job, reply));
                }
                (_, _) => books.push(job),
            }
        }
        locks.members.sort();
        locks.members.dedup();
        let waited: Vec<_> = merges.into_iter().chain(serials).collect();
        if let Err(e) = conn.begin(&locks) {
            tracing::error!(error = %e, "cannot begin a write transaction");
            conn.rollback();
            conn.recover();
            for (_, reply) in waited {
                let _ = reply.send(Err(e.clone()));
            }
            continue;
        }
        let _ = bookkeeping(&*conn, books);
        let mut outcomes = Vec::with_capacity(waited.len());
        for (job, reply) in waited {
            let out = savepoint(&*conn, job);
            outcomes.push((out, reply));
        }
        let commit = conn.commit();
        if let Err(e) = &commit {
            tracing::error!(error = %e, "a write transaction failed to commit");
            conn.rollback();
            conn.recover();
        } else {
            commits.bump();
            let m = crate::metrics::metrics();
            m.writer_batches.inc();
            m.writer_jobs.inc_by(outcomes.len() as u64);
        }
        for (out, reply) in outcomes {
            let answer = match &commit {
                Ok(()) => out,
                Err(e) => Err(StoreError::Internal(format!("commit failed: {e}"))),
            };
            let _ = reply.send(answer);
        }
    }
}
