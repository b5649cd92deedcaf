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
