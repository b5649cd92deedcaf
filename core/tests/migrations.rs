//! Schema upgrades: a database of every earlier version, built from its kept SQL, upgrades to the
//! same schema a fresh database gets, keeping its data.

use fieldreport_core::store::schema::{version, LATEST};
use fieldreport_core::Store;
use rusqlite::Connection;

fn schema_of(path: &std::path::Path) -> Vec<(String, String)> {
    let conn = Connection::open(path).unwrap();
    let mut st = conn.prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name").unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

#[test]
fn a_version_1_database_upgrades_to_the_latest_schema_keeping_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("v1.db");
    {
        let conn = Connection::open(&old).unwrap();
        conn.execute_batch(include_str!("../src/store/sql/001_init.sql")).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO device (id, user_id, team_id, tz, week_start, actor, created_at)
             VALUES (1, 'rep-1', 'team-1', 'Asia/Shanghai', 'monday', x'0102030405060708', 0)",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO customers (id, team, owner, name, level, created_at) VALUES ('c1', 'team-1', 'rep-1', '老客户', 'A', 0)",
            [],
        )
        .unwrap();
    }
    let mut s = Store::open(&old).unwrap();
    assert_eq!(s.identity().unwrap().user_id, "rep-1");
    assert_eq!(s.list_customers(None).unwrap()[0].name, "老客户");
    drop(s);

    let fresh = dir.path().join("fresh.db");
    Store::open(&fresh).unwrap();
    assert_eq!(schema_of(&old), schema_of(&fresh));
    assert_eq!(version(&Connection::open(&old).unwrap()).unwrap(), LATEST);
}

#[test]
fn files_stored_by_version_9_keep_their_bytes_in_their_own_table() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("v9.db");
    let bytes: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    {
        let conn = Connection::open(&old).unwrap();
        for sql in [
            include_str!("../src/store/sql/001_init.sql"),
            include_str!("../src/store/sql/002_reports.sql"),
            include_str!("../src/store/sql/003_kpi_indexes.sql"),
            include_str!("../src/store/sql/004_sync.sql"),
            include_str!("../src/store/sql/005_published.sql"),
            include_str!("../src/store/sql/006_set_aside.sql"),
            include_str!("../src/store/sql/007_people.sql"),
            include_str!("../src/store/sql/008_places.sql"),
            include_str!("../src/store/sql/009_attachments.sql"),
        ] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 9).unwrap();
        conn.execute(
            "INSERT INTO device (id, user_id, team_id, tz, week_start, actor, created_at)
             VALUES (1, 'rep-1', 'team-1', 'Asia/Shanghai', 'monday', x'0102030405060708', 0)",
            [],
        )
        .unwrap();
        for (hash, origin) in [("a".repeat(64), "own"), ("b".repeat(64), "download")] {
            conn.execute(
                "INSERT INTO blobs (hash, size, mime, origin, present, uploaded, last_used, data)
                 VALUES (?1, ?2, 'image/png', ?3, ?2, 0, 0, ?4)",
                rusqlite::params![hash, bytes.len() as i64, origin, bytes],
            )
            .unwrap();
        }
    }
    let mut s = Store::open(&old).unwrap();
    assert_eq!(s.attachment_bytes(&"a".repeat(64)).unwrap().as_deref(), Some(&bytes[..]));
    assert_eq!(s.read_attachment_chunk(&"a".repeat(64), 69_990, 100).unwrap(), bytes[69_990..].to_vec());
    // Evicting the download (a cache of nothing) takes its bytes with it; the own file stays.
    s.set_attachment_cache(0).unwrap();
    drop(s);
    let conn = Connection::open(&old).unwrap();
    let left: i64 = conn.query_row("SELECT COUNT(*) FROM blob_data", [], |r| r.get(0)).unwrap();
    assert_eq!(left, 1);
}
