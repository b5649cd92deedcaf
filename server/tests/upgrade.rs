//! Data directories written by earlier servers open with this one: the schema is upgraded in
//! place, and the rollups and typed views are computed from the documents.

use chrono::NaiveDate;
use fieldreport_core::doc::{CheckIn, FollowupKind, NewCustomer, NewFollowup};
use fieldreport_core::Store;
use fieldreport_server::figures::Source;
use fieldreport_server::model::Slice;
use fieldreport_server::service::RebuildFrom;
use fieldreport_server::Service;
use rusqlite::{params, Connection};

/// A data directory at schema `version` (built from `schema_files`) holding a customer and a
/// followup visit on 2026-11-20, as the server of that version stored them (no views, no rollups).
fn old_data_directory(version: i64, schema_files: &[&str]) -> tempfile::TempDir {
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-20T10:00:00+08:00").unwrap().timestamp_millis();
    old_data_directory_with(version, schema_files, at, None)
}

/// [`old_data_directory`] with the visit at `at`, checked in at `checkin` (lat, lon) with the
/// customer at 上海人民广场.
fn old_data_directory_with(
    version: i64,
    schema_files: &[&str],
    at: i64,
    checkin: Option<(f64, f64)>,
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open_in_memory().unwrap();
    s.init("rep-1", "team-1", "Asia/Shanghai", "monday").unwrap();
    let location = checkin.map(|_| (31.2304, 121.4737));
    let c = s.add_customer(NewCustomer { name: "华为".into(), location, ..Default::default() }).unwrap().header.id;
    let mut visit = NewFollowup::new(&c, FollowupKind::Visit, at, "拜访");
    visit.checkin = checkin.map(|(lat, lon)| CheckIn { lat, lon, accuracy: Some(20.0), at });
    let f = s.log_followup(visit).unwrap().header.id;
    let conn = Connection::open(dir.path().join("fieldreport-server.db")).unwrap();
    for file in schema_files {
        let sql = std::fs::read_to_string(format!("{}/src/store/sqlite/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        conn.execute_batch(&sql).unwrap();
    }
    conn.execute(
        "INSERT INTO team (id, team_id, name, tz, week_start, created_at) VALUES (1, 'team-1', '华东', 'Asia/Shanghai', 'monday', 0)",
        [],
    )
    .unwrap();
    conn.execute("INSERT INTO users (id, name, role, created_at) VALUES ('rep-1', '张三', 'rep', 0)", []).unwrap();
    for (seq, (id, kind)) in [(c.as_str(), "customer"), (f.as_str(), "followup")].into_iter().enumerate() {
        let bytes = s.document(id).unwrap().save();
        conn.execute(
            "INSERT INTO docs (id, kind, owner, bytes, heads, size, seq, updated_at) VALUES (?1, ?2, 'rep-1', ?3, x'', ?4, ?5, 0)",
            params![id, kind, bytes, bytes.len() as i64, seq as i64 + 1],
        )
        .unwrap();
    }
    conn.pragma_update(None, "user_version", version).unwrap();
    dir
}

#[test]
fn a_schema_1_data_directory_is_upgraded_and_its_documents_counted() {
    // A device's followup, as the first server stored it.
    let dir = old_data_directory(1, &["schema_v1.sql"]);
    let storage = Service::open_dir(dir.path()).unwrap();
    let day: NaiveDate = "2026-11-20".parse().unwrap();
    let users = ["rep-1".to_string()];
    let totals = storage.totals(day, day, Slice::Users(&users), &[]).unwrap();
    let visits = totals.iter().find(|t| t.metric == "visits").map(|t| t.value);
    assert_eq!(visits, Some(1.0), "{totals:?}");
    let version: i64 = Connection::open(dir.path().join("fieldreport-server.db"))
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, fieldreport_server::store::sqlite::SCHEMA_VERSION);
    assert_eq!(storage.config().unwrap().team.name, "华东", "the configuration starts from the team's settings");
    // The upgrade's rebuild read the documents and stored their views: the next one reads those.
    let again = storage.rebuild_kpis(RebuildFrom::Views, Box::new(|_| {})).unwrap();
    assert_eq!((again.documents, again.decoded), (2, 0));
    let totals = storage.totals(day, day, Slice::Users(&users), &[]).unwrap();
    assert_eq!(totals.iter().find(|t| t.metric == "visits").map(|t| t.value), Some(1.0));
}

/// A schema 3 data directory (documents without stored views) gets the view columns; the upgrade
/// through schema 6 (which indexes check-ins) rebuilds at open, reading the documents and
/// storing their views: later rebuilds read only views.
#[test]
fn a_schema_3_data_directory_gets_views_at_its_first_rebuild() {
    let dir = old_data_directory(3, &["schema_v1.sql", "schema_v2.sql", "schema_v3.sql"]);
    let storage = Service::open_dir(dir.path()).unwrap();
    let first = storage.rebuild_kpis(RebuildFrom::Views, Box::new(|_| {})).unwrap();
    assert_eq!((first.documents, first.decoded), (2, 0), "the upgrade's rebuild stored the views");
    let second = storage.rebuild_kpis(RebuildFrom::Views, Box::new(|_| {})).unwrap();
    assert_eq!((second.documents, second.decoded, second.facts), (2, 0, first.facts));
    let forced = storage.rebuild_kpis(RebuildFrom::Documents, Box::new(|_| {})).unwrap();
    assert_eq!((forced.documents, forced.decoded, forced.facts), (2, 2, first.facts));
    let day: NaiveDate = "2026-11-20".parse().unwrap();
    let users = ["rep-1".to_string()];
    let totals = storage.totals(day, day, Slice::Users(&users), &[]).unwrap();
    assert_eq!(totals.iter().find(|t| t.metric == "visits").map(|t| t.value), Some(1.0));
}

/// A schema 5 data directory's check-ins are indexed by the upgrade: a visit checked in 2.7 km
/// from its customer, stored before check-ins were indexed, raises 外勤签到异常 at once.
#[test]
fn a_schema_5_data_directory_checks_its_check_ins() {
    let files = ["schema_v1.sql", "schema_v2.sql", "schema_v3.sql", "schema_v4.sql", "schema_v5.sql"];
    let yesterday = fieldreport_server::now_ms() - 86_400_000;
    let dir = old_data_directory_with(5, &files, yesterday, Some((31.2397, 121.4998)));
    let storage = Service::open_dir(dir.path()).unwrap();
    let config = storage.config().unwrap();
    let scope = fieldreport_server::figures::Scope::of(&storage, None, None).unwrap();
    let alerts = fieldreport_server::figures::alerts(&storage, &config, &scope, fieldreport_server::now_ms()).unwrap();
    let far: Vec<_> = alerts.iter().filter(|a| a.kind == "checkin_far").collect();
    assert_eq!(far.len(), 1, "{alerts:?}");
    assert_eq!(far[0].facts.title.as_deref(), Some("华为"));
    assert_eq!(far[0].facts.value.as_deref(), Some("2.7 km"));
    assert_eq!(far[0].facts.reference.as_deref(), Some("1.0 km"));
}

/// A schema 8 data directory's files stay readable: whoever uploaded a file held its bytes, so
/// the upgrade counts them as its holders.
#[test]
fn a_schema_8_data_directory_keeps_its_files_readable() {
    let files: Vec<String> = (1..=8).map(|v| format!("schema_v{v}.sql")).collect();
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let dir = old_data_directory(8, &files);
    {
        let conn = Connection::open(dir.path().join("fieldreport-server.db")).unwrap();
        conn.execute(
            "INSERT INTO blobs (hash, size, mime, uploader, stored_at) VALUES ('aa', 3, 'image/png', 'rep-1', 5)",
            [],
        )
        .unwrap();
    }
    let storage = Service::open_dir(dir.path()).unwrap();
    let held = storage.store().read(|db| Ok(db.is_blob_holder("aa", "rep-1")?)).unwrap();
    assert!(held, "the uploader holds the file");
}

/// A schema 11 data directory (a team without departments) becomes one root department — the
/// team itself — holding everyone, managed as before; its visits, counted before plans existed,
/// count as unplanned after the upgrade's rebuild.
#[test]
fn a_schema_11_data_directory_is_one_department_holding_everyone() {
    let files: Vec<String> = (1..=11).map(|v| format!("schema_v{v}.sql")).collect();
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let dir = old_data_directory(11, &files);
    {
        let conn = Connection::open(dir.path().join("fieldreport-server.db")).unwrap();
        conn.execute("INSERT INTO flags (name, set_at) VALUES ('rebuild_rollups', 0)", []).unwrap();
    }
    let storage = Service::open_dir(dir.path()).unwrap();
    let depts = storage.departments().unwrap();
    assert_eq!(depts.len(), 1);
    assert_eq!((depts[0].id.as_str(), depts[0].name.as_str(), depts[0].parent_id.as_deref()), ("team-1", "华东", None));
    let users = storage.users().unwrap();
    assert!(users.iter().all(|u| u.dept_id.as_deref() == Some("team-1")), "{users:?}");
    let day: NaiveDate = "2026-11-20".parse().unwrap();
    let totals = storage.totals(day, day, Slice::Users(&["rep-1".to_string()]), &[]).unwrap();
    assert_eq!(totals.iter().find(|t| t.metric == "unplanned_visits").map(|t| t.value), Some(1.0), "{totals:?}");
}
