//! Connection set-up and schema migrations on `PRAGMA user_version`.
//!
//! Each migration is a numbered SQL file applied in order inside one immediate transaction, so a
//! crash mid-upgrade leaves the previous version intact. A database from a newer fieldreport is
//! refused rather than silently downgraded.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Error, Result};

/// Migrations in order; entry `i` upgrades version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("sql/001_init.sql"),
    include_str!("sql/002_reports.sql"),
    include_str!("sql/003_kpi_indexes.sql"),
    include_str!("sql/004_sync.sql"),
    include_str!("sql/005_published.sql"),
    include_str!("sql/006_set_aside.sql"),
    include_str!("sql/007_people.sql"),
    include_str!("sql/008_places.sql"),
    include_str!("sql/009_attachments.sql"),
    include_str!("sql/010_blob_data.sql"),
    include_str!("sql/011_app_surface.sql"),
    include_str!("sql/012_membership.sql"),
    include_str!("sql/013_plans.sql"),
    include_str!("sql/014_departments.sql"),
    include_str!("sql/015_sync_status.sql"),
    include_str!("sql/016_pending_enrollment.sql"),
];

/// The schema version this build writes.
pub const LATEST: u32 = MIGRATIONS.len() as u32;

/// Waits for a lock another connection holds (a sync committing a piece of a page): tries again
/// every 0.1 ms, for up to 5 s. SQLite's own timeout sleeps 1, 2, 5, 10… ms between tries, so a
/// write arriving while a sync commits pieces back to back could miss every pause between them;
/// polling this often takes the first one (`sync_state::commit_sync_page` pauses 1 ms).
fn busy(tries: i32) -> bool {
    const POLL: std::time::Duration = std::time::Duration::from_micros(100);
    if tries >= 50_000 {
        return false;
    }
    std::thread::sleep(POLL);
    true
}

/// Pragmas for every connection. `synchronous = FULL` in WAL mode makes every acknowledged commit
/// durable across power loss (the WAL is fsynced at each commit); see BENCHMARKS.md for its cost.
pub(crate) fn prepare(conn: &Connection) -> Result<()> {
    conn.busy_handler(Some(busy))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
        return Err(Error::bad_input(format!("could not switch the database to WAL mode (got {mode})")));
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;",
    )?;
    Ok(())
}

/// The schema version stored in the file.
pub fn version(conn: &Connection) -> Result<u32> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0))?)
}

/// Brings the schema up to [`LATEST`].
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let found = version(conn)?;
    if found > LATEST {
        return Err(Error::SchemaTooNew { found, supported: LATEST });
    }
    if found == LATEST {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Re-read inside the lock: another process may have migrated meanwhile.
    let found = version(&tx)?;
    if found > LATEST {
        return Err(Error::SchemaTooNew { found, supported: LATEST });
    }
    for sql in &MIGRATIONS[found as usize..] {
        tx.execute_batch(sql)?;
    }
    if found < 9 {
        // The followups' new attachments column, and the files records show.
        super::documents::reproject(&tx, crate::doc::Kind::Followup)?;
        super::documents::reproject(&tx, crate::doc::Kind::Report)?;
    }
    if found < 14 {
        // The directory's departments and each member's (version 14).
        super::documents::reproject(&tx, crate::doc::Kind::Directory)?;
    }
    if found < 11 {
        // The customers' location columns (version 8) and search column (version 11).
        super::documents::reproject(&tx, crate::doc::Kind::Customer)?;
    }
    tx.pragma_update(None, "user_version", LATEST)?;
    tx.commit()?;
    Ok(())
}
