//! The team, its members, enrollment codes and devices, the directory's version, and the
//! one-time flags an upgrade leaves.

use super::{fresh, team, user, Harness, StoreError};
use crate::model::{Device, Role, User};

/// The team, its members, codes and devices read back as written.
pub fn team_users_and_devices(h: &dyn Harness) {
    let (s, _) = fresh(h);
    s.write(|db| {
        assert_eq!(db.team()?, None);
        db.insert_team(&team(), 5)?;
        db.insert_user(&user("m", Role::Manager, None))?;
        db.insert_user(&user("r", Role::Rep, Some("m")))?;
        db.insert_code("hash-1", "r", 100)?;
        // The health probe's write, twice: one row, rewritten.
        db.probe_write(5)?;
        db.probe_write(6)?;
        // The link key: the first one made stays.
        assert_eq!(db.link_key("k1", 5)?, "k1");
        assert_eq!(db.link_key("k2", 6)?, "k1");
        Ok(())
    })
    .unwrap();
    s.read(|db| {
        assert_eq!(db.team()?, Some(team()));
        assert_eq!(db.users()?.len(), 2);
        assert_eq!(db.user("r")?, Some(user("r", Role::Rep, Some("m"))));
        assert_eq!(db.user("nobody")?, None);
        assert_eq!(db.code("hash-1")?, Some(("r".to_string(), 100, None)));
        Ok(())
    })
    .unwrap();
    let device = Device {
        id: "d1".into(),
        user_id: "r".into(),
        actor: "ab".into(),
        name: Some("张伟的手机".into()),
        created_at: 7,
        last_seen_at: None,
        revoked_at: None,
    };
    let d = device.clone();
    s.write(move |db| {
        db.use_code("hash-1", 9)?;
        db.insert_device(&d, "token-hash")?;
        db.touch_device("d1", 100_000)?;
        Ok(())
    })
    .unwrap();
    s.read(|db| {
        assert_eq!(db.code("hash-1")?.and_then(|c| c.2), Some(9));
        assert!(db.actor_taken("ab")?);
        // What every request asks, in one query: the device, its member, the team.
        let (got, u, t) = db.caller_by_token("token-hash")?.expect("the caller");
        assert_eq!((got.id.as_str(), got.last_seen_at), ("d1", Some(100_000)));
        assert_eq!((Some(u), Some(t)), (db.user("r")?, db.team()?));
        assert!(db.caller_by_token("another-hash")?.is_none());
        assert_eq!(db.devices(Some("r"))?.len(), 1);
        assert_eq!(db.devices(Some("m"))?.len(), 0);
        // A device retrying its enrollment is found by its actor, member and moment only.
        assert_eq!(db.enrolled_with("ab", "r", 7)?.map(|d| d.id), Some("d1".to_string()));
        assert!(db.enrolled_with("ab", "r", 8)?.is_none());
        assert!(db.enrolled_with("ab", "m", 7)?.is_none());
        assert!(db.enrolled_with("cd", "r", 7)?.is_none());
        Ok(())
    })
    .unwrap();
    s.write(|db| db.set_device_token("d1", "new-hash")).unwrap();
    s.read(|db| {
        assert!(db.caller_by_token("token-hash")?.is_none(), "the old token stops working");
        assert_eq!(db.caller_by_token("new-hash")?.map(|c| c.0.id), Some("d1".to_string()));
        Ok(())
    })
    .unwrap();
    assert!(s.write(|db| db.revoke_device("d1", 200)).unwrap());
    assert!(!s.write(|db| db.revoke_device("nope", 200)).unwrap());
    s.read(|db| {
        assert_eq!(db.device("d1")?.and_then(|d| d.revoked_at), Some(200));
        assert!(!db.actor_taken("ab")?, "a revoked device frees its actor");
        assert!(db.enrolled_with("ab", "r", 7)?.is_none(), "nor does it enroll again");
        Ok(())
    })
    .unwrap();
}

/// Edits of the team and its members move the directory's version; what was published is
/// remembered; a one-time flag is read and cleared.
pub fn members_and_the_directory(h: &dyn Harness) {
    let (s, _) = fresh(h);
    let v0 = s
        .write(|db| {
            db.insert_team(&team(), 5)?;
            let v0 = db.published_state("r")?.directory_version;
            db.insert_user(&user("m", Role::Manager, None))?;
            db.insert_user(&user("r", Role::Rep, None))?;
            Ok(v0)
        })
        .unwrap();
    s.write(move |db| {
        let added = db.published_state("r")?.directory_version;
        assert_eq!(added, v0 + 2, "each new member changes the directory");
        let mut r = db.user("r")?.expect("the rep");
        r.name = "张伟".into();
        r.manager_id = Some("m".into());
        r.phone = Some("13800000000".into());
        r.active = false;
        r.deactivated_at = Some(77_000);
        db.update_user(&r)?;
        assert_eq!(db.user("r")?, Some(r.clone()), "every field reads back");
        assert_eq!(db.published_state("r")?.directory_version, added + 1);
        db.update_user_since("r", 5)?;
        assert_eq!(db.user("r")?.map(|u| (u.created_at, u.deactivated_at)), Some((5, Some(77_000))));
        assert_eq!(db.published_state("r")?.directory_version, added + 2, "when a member joined is in the directory");
        db.update_team("华南销售", "Asia/Hong_Kong", "sunday")?;
        let t = db.team()?.expect("the team");
        assert_eq!((t.name.as_str(), t.tz.as_str(), t.week_start.as_str()), ("华南销售", "Asia/Hong_Kong", "sunday"));
        assert_eq!(db.published_state("r")?.published_directory, None);
        db.set_published_directory("dir-1", 3)?;
        db.set_published_directory("dir-1", 4)?;
        assert_eq!(db.published_state("r")?.published_directory, Some(("dir-1".into(), 4)));
        Ok(())
    })
    .unwrap();
    s.write(|db| {
        assert!(!db.flag("rebuild_rollups")?, "a new database owes no rebuild");
        db.exec("INSERT INTO flags (name, set_at) VALUES ('rebuild_rollups', 0)", &[])?;
        assert!(db.flag("rebuild_rollups")?);
        db.clear_flag("rebuild_rollups")?;
        assert!(!db.flag("rebuild_rollups")?);
        Ok(())
    })
    .unwrap();
}

/// Departments with their heads; a member placed in one, then moved: their stints end and begin
/// at the move, and every change of the tree or of a member's department changes the directory.
pub fn departments_and_where_members_were(h: &dyn Harness) {
    use fieldreport_protocol::team::Department;
    let (s, _) = fresh(h);
    let dept = |id: &str, name: &str, parent: Option<&str>, heads: &[&str]| Department {
        id: id.into(),
        name: name.into(),
        parent_id: parent.map(String::from),
        heads: heads.iter().map(|h| h.to_string()).collect(),
    };
    s.write(move |db| {
        db.insert_team(&team(), 1)?;
        db.insert_department(&dept("root", "华东销售", None, &[]), 1)?;
        db.insert_department(&dept("sh", "上海区", Some("root"), &["m", "d"]), 2)?;
        db.insert_user(&user("m", Role::Manager, None))?;
        let v0 = db.published_state("r")?.directory_version;
        let mut r = user("r", Role::Rep, Some("m"));
        r.dept_id = Some("root".into());
        r.created_at = 10;
        db.insert_user(&r)?;
        db.set_user_dept("r", "sh", 100)?;
        let sh = dept("sh", "上海大区", Some("root"), &["m"]);
        db.update_department(&sh)?;
        assert!(db.published_state("r")?.directory_version >= v0 + 3, "every change publishes the directory again");
        let depts = db.departments()?;
        assert_eq!(depts.len(), 2);
        assert_eq!(depts.iter().find(|d| d.id == "sh"), Some(&sh), "renamed, one head left");
        assert_eq!(db.user("r")?.and_then(|u| u.dept_id).as_deref(), Some("sh"));
        let stints: Vec<(String, i64, Option<i64>)> =
            db.dept_history()?.into_iter().map(|x| (x.dept_id, x.since, x.until)).collect();
        assert_eq!(stints, [("root".to_string(), 10, Some(100)), ("sh".to_string(), 100, None)]);
        // A placement dated back replaces the stints that began after it.
        db.set_user_dept("r", "sh", 50)?;
        let stints: Vec<(String, i64, Option<i64>)> =
            db.dept_history()?.into_iter().map(|x| (x.dept_id, x.since, x.until)).collect();
        assert_eq!(stints, [("root".to_string(), 10, Some(50)), ("sh".to_string(), 50, None)]);
        // A department's members' history: every stint of whoever was ever in it.
        let of = |depts: &[&str]| -> crate::store::StoreResult<Vec<(String, String)>> {
            let depts: Vec<String> = depts.iter().map(|d| d.to_string()).collect();
            Ok(db.dept_history_of(&depts)?.into_iter().map(|x| (x.user_id, x.dept_id)).collect())
        };
        let both = vec![("r".to_string(), "root".to_string()), ("r".to_string(), "sh".to_string())];
        assert_eq!(of(&["sh"])?, both);
        assert_eq!(of(&["root", "sh"])?, both, "each stint once");
        assert!(of(&["elsewhere"])?.is_empty());
        // Who sees whom changes by what differs: a pair dropped, one kept, one added.
        let pair = |v: &str, o: &str| (v.to_string(), o.to_string());
        db.replace_sees(&[pair("m", "r"), pair("d", "r")])?;
        db.replace_sees(&[pair("m", "r"), pair("m", "d")])?;
        assert_eq!(db.seen_by("m")?, ["d", "r"]);
        assert!(db.seen_by("d")?.is_empty() && db.sees("m", "r")? && !db.sees("d", "r")?);
        Ok(())
    })
    .unwrap();
}

/// Text no backend holds alike (NUL) is refused alike, looked up or stored, and a failed job
/// leaves nothing; everything else — a megabyte name, escape sequences, CJK, emoji — is stored
/// and read back as given.
pub fn hostile_text_gets_one_answer(h: &dyn Harness) {
    let (s, _) = fresh(h);
    let refused = |e: StoreError| assert!(matches!(e, StoreError::BadInput(_)), "{e}");
    refused(s.read(|db| db.user("rep\0x").map(|_| ())).unwrap_err());
    refused(
        s.write(|db| {
            db.insert_user(&user("fine", Role::Rep, None))?;
            db.insert_user(&user("nul\0", Role::Rep, None))
        })
        .unwrap_err(),
    );
    assert_eq!(s.read(|db| db.user("fine")).unwrap(), None, "the failed job left nothing");
    let odd: Vec<String> =
        vec!["\u{1b}[2J\u{7}".into(), "\u{202E}gpj.exe".into(), "👩‍💼 张伟".into(), "名".repeat(1 << 20)];
    let names = odd.clone();
    s.write(move |db| {
        for (i, name) in names.iter().enumerate() {
            db.insert_user(&User { name: name.clone(), ..user(&format!("u{i}"), Role::Rep, None) })?;
        }
        Ok(())
    })
    .unwrap();
    for (i, name) in odd.iter().enumerate() {
        let back = s.read(|db| db.user(&format!("u{i}"))).unwrap().unwrap();
        assert_eq!(back.name, *name);
    }
}
