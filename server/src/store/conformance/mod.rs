//! The conformance suite: what every storage backend must do, as functions over a [`Harness`]
//! that hands out URLs of fresh databases. Each case opens its database by URL, as an operator's
//! `--database` names it ([`Location::url`]), and opens it again for "another server process".
//! [`conformance_tests!`](crate::conformance_tests) expands to one `#[test]` per case for a
//! harness; `server/tests/conformance.rs` runs it against SQLite, PostgreSQL, and PostgreSQL
//! through a password-protected role. A new backend passes all of it before it is used.
//!
//! Besides the primitives' plain behaviour, the suite holds the backends to the contracts the
//! service relies on: the feed answers exactly the visibility rule of `policy::visibility`;
//! feed positions become visible in the order they were given, so a reader never skips one,
//! even with several processes writing; a robot message claimed by one process is not claimed
//! by another until its lease runs out; a failing write job leaves nothing behind. Every
//! primitive of [`super::Db`] is called by some case: a test below fails when one is added
//! without one.

mod documents;
mod feed;
mod figures;
mod files;
mod members;
mod outbox;
mod records;
mod web;

pub use documents::{
    a_failing_write_leaves_nothing, a_statement_failing_late_fails_its_job_alone,
    batched_documents_and_device_bookkeeping, device_bookkeeping, documents_and_positions,
    merges_for_one_member_are_serial_across_processes, quarantine,
};
pub use feed::{feed_follows_the_visibility_rule, readers_never_skip_a_position};
pub use figures::{indexes_answer_figures_and_exports, rollups_add_up};
pub use files::files_and_their_references;
pub use members::{
    departments_and_where_members_were, hostile_text_gets_one_answer, members_and_the_directory, team_users_and_devices,
};
pub use outbox::{nudges_and_mentions, outbox_claims_once};
pub use web::{configuration_and_publishing, inbox_and_read_receipts, web_sign_in_and_reads};

use super::{Db, Location, StoreError, StoreResult};
use crate::model::{Role, Team, User};

/// Hands out databases for the suite.
pub trait Harness: Sync {
    /// The URL of a new, empty database (`sqlite://DIR`, `postgres://user:password@host/db`).
    fn fresh_url(&self) -> String;
}

/// The store the suite works through: its jobs fail with storage errors.
pub type Store = super::Store<StoreError>;

/// Opens the database at `url` as a server process does.
pub fn open(url: &str) -> Store {
    let location = Location::url(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    Store::open(&location).unwrap_or_else(|e| panic!("{url} opens: {e}"))
}

/// A fresh database, opened.
fn fresh(h: &dyn Harness) -> (Store, String) {
    let url = h.fresh_url();
    (open(&url), url)
}

/// One `#[test]` per case of the suite, each with the harness `$harness` (an expression).
#[macro_export]
macro_rules! conformance_tests {
    ($harness:expr) => {
        $crate::conformance_tests!(@cases $harness;
            team_users_and_devices,
            members_and_the_directory,
            departments_and_where_members_were,
            documents_and_positions,
            batched_documents_and_device_bookkeeping,
            device_bookkeeping,
            quarantine,
            a_failing_write_leaves_nothing,
            a_statement_failing_late_fails_its_job_alone,
            merges_for_one_member_are_serial_across_processes,
            feed_follows_the_visibility_rule,
            readers_never_skip_a_position,
            rollups_add_up,
            indexes_answer_figures_and_exports,
            files_and_their_references,
            configuration_and_publishing,
            web_sign_in_and_reads,
            inbox_and_read_receipts,
            outbox_claims_once,
            nudges_and_mentions,
            hostile_text_gets_one_answer
        );
    };
    (@cases $harness:expr; $($case:ident),+) => {
        $(
            #[test]
            fn $case() {
                $crate::store::conformance::$case(&$harness);
            }
        )+
    };
}

/// A small deterministic generator (the suite must replay the same data).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn user(id: &str, role: Role, manager: Option<&str>) -> User {
    User {
        id: id.into(),
        name: format!("名字 {id}"),
        role,
        manager_id: manager.map(String::from),
        created_at: 1,
        phone: None,
        active: true,
        deactivated_at: None,
        dept_id: None,
    }
}

fn team() -> Team {
    Team { id: "team-1".into(), name: "华东销售".into(), tz: "Asia/Shanghai".into(), week_start: "monday".into() }
}

/// Stores a document at the next position; returns the position.
/// Stores `bytes` as document `id` the way a merge does (at the next position, given by the
/// backend: see `Db::put_docs`).
fn put_merged(db: &Db, id: &str, owner: &str, bytes: &[u8]) -> StoreResult<()> {
    db.put_docs(&[super::db::NewDoc {
        id,
        kind: "customer",
        owner,
        bytes,
        heads: b"h",
        seq: 0,
        now: 1,
        view: None,
        view_format: None,
    }])
}

fn put(db: &Db, id: &str, kind: &str, owner: &str, heads: &[u8]) -> StoreResult<i64> {
    let seq = db.next_seq()?;
    db.put_doc(&super::db::NewDoc {
        id,
        kind,
        owner,
        bytes: b"bytes",
        heads,
        seq,
        now: 1,
        view: None,
        view_format: None,
    })?;
    Ok(seq)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    /// The `.rs` files of a folder of this crate, as text.
    fn sources(folder: &str) -> Vec<(String, String)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") {
                out.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
            }
        }
        out
    }

    /// The names `pub fn NAME` declares at the indentation of an `impl` block's methods.
    fn methods(text: &str) -> BTreeSet<String> {
        text.lines()
            .filter_map(|l| l.strip_prefix("    pub fn ").or_else(|| l.strip_prefix("    pub(crate) fn ")))
            .filter_map(|rest| rest.split(['(', '<']).next())
            .map(str::to_string)
            .collect()
    }

    /// Every primitive the service can call is called by some case of the suite (as `db.NAME(`),
    /// so that both backends are held to it.
    #[test]
    fn every_primitive_has_a_case() {
        let mut primitives = BTreeSet::new();
        for (_, text) in sources("src/store/db") {
            for block in text.split("\nimpl Db<'_> {").skip(1) {
                let body = block.split("\n}\n").next().unwrap_or("");
                primitives.extend(methods(body));
            }
        }
        assert!(primitives.len() > 100, "the primitives were not found: {primitives:?}");
        let suite: String = sources("src/store/conformance").into_iter().map(|(_, t)| t).collect();
        let missing: Vec<&String> = primitives.iter().filter(|p| !suite.contains(&format!("db.{p}("))).collect();
        assert!(missing.is_empty(), "primitives no conformance case calls: {missing:?}");
    }

    /// Every case is in the list the test macro expands.
    #[test]
    fn every_case_runs() {
        let here = include_str!("mod.rs");
        let list = here.split("@cases $harness;").nth(1).unwrap_or("").split(");").next().unwrap_or("");
        let listed: BTreeSet<String> =
            list.split(',').map(str::trim).filter(|n| !n.is_empty()).map(String::from).collect();
        let mut written = BTreeSet::new();
        for (_, text) in sources("src/store/conformance") {
            for line in text.lines() {
                let Some(rest) = line.strip_prefix("pub fn ") else { continue };
                if rest.contains("h: &dyn Harness") {
                    written.insert(rest.split('(').next().unwrap_or("").to_string());
                }
            }
        }
        assert!(written.len() >= 17, "the cases were not found: {written:?}");
        assert_eq!(listed, written, "conformance_tests! lists every case written, and only those");
    }
}
