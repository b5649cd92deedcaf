//! The writer's transactions on PostgreSQL: which locks a batch takes, and the feed positions its
//! documents receive at commit (docs/concurrency.md, "Locks").
//!
//! - A batch with a serial job takes the team's lock exclusively and the feed head's row lock at
//!   once: it writes as if alone, as every batch did before merges ran side by side.
//! - A batch of merges takes the team's lock shared, then one lock per member its merges write
//!   for, in one order for every process (so two batches never wait on each other in a circle).
//!   Its documents are stored at placeholder positions (negative, unique to the transaction) and
//!   receive their positions in its last statement, under the feed head's row lock, just before
//!   the commit: positions still commit in the order they were given, and the feed's lock is
//!   held for the batch's final statements only.

use crate::store::BatchLocks;

/// The team's lock (a bigint advisory key; members' locks use the two-key form, another space).
const TEAM_LOCK: i64 = 7_283_602;
/// The first key of a member's lock.
const MEMBER_LOCK: i32 = 7_283_603;
/// Most member locks one batch takes; a batch writing for more writes alone.
const MAX_MEMBER_LOCKS: usize = 256;

/// The channel a commit that may have moved the feed notifies; every server process listens to
/// it (`listen.rs`).
pub(super) const CHANNEL: &str = "fieldreport_feed";

/// The feed head's row lock, held to the commit.
pub(super) const LOCK_FEED: &str = "SELECT seq FROM feed_head WHERE id = 1 FOR UPDATE";

/// Gives the transaction's placeholders (`lo..=hi`) the next feed positions, in the order they
/// were handed out (placeholders descend, positions ascend), and moves the head past the whole
/// range: a placeholder no document kept (a job rolled back, a document stored twice) leaves a
/// position unused, which readers pass over like any other. The scan is the transaction's own
/// range: never other transactions' placeholders, nor the dead index entries earlier batches'
/// placeholders left behind (scanning every negative position slowed each commit as they piled
/// up: measured, batches grew and stayed large).
fn give_positions(lo: i64, hi: i64) -> String {
    format!(
        "UPDATE docs SET seq = h.seq + ({hi} - docs.seq) + 1 FROM feed_head h WHERE h.id = 1 AND docs.seq BETWEEN {lo} AND {hi};
         UPDATE feed_head SET seq = seq + {} WHERE id = 1",
        hi - lo + 1
    )
}

/// What the writer's current transaction holds.
#[derive(Debug, Default)]
pub(crate) struct TxState {
    /// The feed head's row lock is held.
    pub feed_locked: bool,
    /// The first placeholder handed out in this transaction (0: none).
    first: i64,
    /// The next placeholder position.
    next: i64,
}

impl TxState {
    /// `n` placeholders; returns the first (the others follow it downwards).
    /// A transaction starts holding the feed's lock or not.
    pub fn starting(feed_locked: bool) -> TxState {
        TxState { feed_locked, first: 0, next: 0 }
    }

    /// The placeholders handed out, lowest and highest, if any.
    pub fn placed(&self) -> Option<(i64, i64)> {
        (self.first != 0).then_some((self.next + 1, self.first))
    }

    pub fn placeholders(&mut self, n: usize) -> i64 {
        if self.next == 0 {
            // Unique to this transaction among every process's: a random start far below zero,
            // so that two transactions never insert the same placeholder (the unique index on
            // positions would make the second wait for the first).
            let mut bytes = [0u8; 8];
            let random = getrandom::fill(&mut bytes).map(|()| u64::from_le_bytes(bytes)).unwrap_or_else(|_| {
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
            });
            self.next = -((1i64 << 40) + (random % (1u64 << 61)) as i64);
            self.first = self.next;
        }
        let first = self.next;
        self.next -= n as i64;
        first
    }
}

/// A member's lock key: a stable 32-bit hash of the id (FNV-1a). Two members sharing a key only
/// wait on each other.
fn member_key(member: &str) -> i32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in member.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h as i32
}

/// The statements that start a batch holding `locks`.
/// And whether it writes alone (holding the feed's lock from its start).
pub(super) fn begin_sql(locks: &BatchLocks) -> (String, bool) {
    let mut keys: Vec<i32> = locks.members.iter().map(|m| member_key(m)).collect();
    keys.sort_unstable();
    keys.dedup();
    // Each lock takes a slot of PostgreSQL's shared lock table (64 per connection by default,
    // shared by all): a batch writing for more members (a director commenting on a whole
    // company's records) writes alone instead, which needs no member's lock.
    if locks.serial || keys.len() > MAX_MEMBER_LOCKS {
        return (format!("BEGIN; SELECT pg_advisory_xact_lock({TEAM_LOCK}); {LOCK_FEED}"), true);
    }
    let mut sql = format!("BEGIN; SELECT pg_advisory_xact_lock_shared({TEAM_LOCK})");
    // One statement per 100 locks, taken left to right in key order.
    for chunk in keys.chunks(100) {
        let calls: Vec<String> = chunk.iter().map(|k| format!("pg_advisory_xact_lock({MEMBER_LOCK}, {k})")).collect();
        sql.push_str("; SELECT ");
        sql.push_str(&calls.join(", "));
    }
    (sql, false)
}

/// What ends the transaction: the positions first when placeholders were handed out; and when
/// the feed may have moved (positions given, or its lock held), a notification that every
/// server process listening receives if the transaction commits (`listen.rs`).
pub(super) fn commit_sql(placed: Option<(i64, i64)>, feed_locked: bool) -> String {
    let notify = format!("NOTIFY {CHANNEL}");
    match placed {
        Some((lo, hi)) => format!("{LOCK_FEED}; {}; {notify}; COMMIT", give_positions(lo, hi)),
        None if feed_locked => format!("{notify}; COMMIT"),
        None => "COMMIT".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_takes_its_locks_in_one_order_whatever_the_order_of_its_jobs() {
        let a = BatchLocks { serial: false, members: vec!["u1".into(), "u2".into(), "u3".into()] };
        let b = BatchLocks { serial: false, members: vec!["u3".into(), "u1".into(), "u2".into()] };
        assert_eq!(begin_sql(&a), begin_sql(&b));
        let (merges, alone) = begin_sql(&a);
        assert!(merges.contains("pg_advisory_xact_lock_shared") && !alone);
        assert!(!merges.contains("FOR UPDATE"), "merges take the feed's lock at the end only");
        let (serial, alone) = begin_sql(&BatchLocks { serial: true, members: vec!["u1".into()] });
        assert!(serial.contains("FOR UPDATE") && !serial.contains("_shared") && alone);
    }

    #[test]
    fn a_batch_for_very_many_members_writes_alone_instead_of_filling_the_lock_table() {
        let many = BatchLocks { serial: false, members: (0..5_000).map(|i| format!("member-{i}")).collect() };
        let (sql, alone) = begin_sql(&many);
        assert!(alone && sql.contains("FOR UPDATE"));
        assert!(!sql.contains(&format!("{MEMBER_LOCK}")), "no member's lock is taken");
        let some = BatchLocks { serial: false, members: (0..200).map(|i| format!("member-{i}")).collect() };
        let (sql, alone) = begin_sql(&some);
        assert!(!alone && sql.matches("pg_advisory_xact_lock(").count() >= 190);
    }

    #[test]
    fn placeholders_descend_below_zero_and_never_repeat_in_a_transaction() {
        let mut t = TxState::default();
        let a = t.placeholders(3);
        let b = t.placeholders(2);
        assert!(a < -(1i64 << 39));
        assert_eq!(b, a - 3);
        assert_ne!(TxState::default().placeholders(1), a, "another transaction starts elsewhere");
        assert_eq!(t.placed(), Some((a - 4, a)), "the range its commit gives positions to");
        assert_eq!(TxState::default().placed(), None);
    }
}
