//! The configuration's versions and what was published, web sign-in, sessions, the inbox and
//! read receipts.

use super::records::report;
use super::{fresh, put, team, user, Harness};
use crate::model::{InboxFilter, Role};
use crate::store::db::{NewSession, PublishedSnapshotRow};

/// Configuration versions and what was published.
pub fn configuration_and_publishing(h: &dyn Harness) {
    let (s, _) = fresh(h);
    s.write(|db| {
        let nothing = db.published_state("r")?;
        assert_eq!((nothing.config_version, nothing.published_config, nothing.directory_version), (0, None, 0));
        assert_eq!((nothing.published_directory, nothing.snapshot), (None, None));
        assert_eq!((db.config_version()?, db.latest_config()?), (0, None));
        db.insert_config(1, "{\"a\":1}", 5)?;
        db.insert_config(2, "{\"a\":2}", 6)?;
        assert_eq!((db.config_version()?, db.latest_config()?.as_deref()), (2, Some("{\"a\":2}")));
        assert_eq!(db.published_state("r")?.published_config, None);
        db.set_published_config("cfg", 1)?;
        db.set_published_config("cfg", 2)?;
        assert_eq!(db.published_state("r")?.published_config, Some(2));
        let snap = PublishedSnapshotRow {
            doc_id: "s".into(),
            day: "2026-11-20".into(),
            as_of: 10,
            config_version: 2,
            data_seq: 7,
        };
        db.set_published_snapshot("r", &snap)?;
        db.mark_snapshot_stale("r")?;
        assert_eq!(db.published_snapshot("r")?.map(|s| s.data_seq), Some(-1));
        db.insert_team(&team(), 1)?;
        db.insert_user(&user("r", Role::Rep, None))?;
        db.set_published_directory("dir", 1)?;
        // The one query every sync asks: the same answers for every user, their own snapshot.
        for user in ["r", "someone else"] {
            let state = db.published_state(user)?;
            assert_eq!(state.config_version, db.config_version()?);
            assert_eq!(state.published_config, Some(2));
            assert_eq!(state.published_directory, Some(("dir".to_string(), 1)));
            assert_eq!(state.snapshot, db.published_snapshot(user)?);
        }
        assert!(db.published_state("r")?.directory_version > 0, "a member was added");
        Ok(())
    })
    .unwrap();
}

/// Links, sessions and read receipts.
pub fn web_sign_in_and_reads(h: &dyn Harness) {
    let (s, _) = fresh(h);
    s.write(|db| {
        db.insert_user(&user("m", Role::Manager, None))?;
        db.insert_login_link("link", "m", 100)?;
        db.use_login_link("link", 50)?;
        assert_eq!(db.login_link("link")?, Some(("m".to_string(), 100, Some(50))));
        let session = |hash, id| NewSession {
            token_hash: hash,
            id,
            user: "m",
            csrf: "csrf",
            via: "link",
            now: 50,
            expires_at: 500,
        };
        db.insert_session(&session("sess", "s1"))?;
        db.insert_session(&session("sess2", "s2"))?;
        assert_eq!(db.session("sess")?, Some(("m".to_string(), "csrf".to_string(), 500)));
        assert_eq!(db.sessions_of("m", 60)?.len(), 2);
        assert!(db.sessions_of("m", 500)?.is_empty(), "expired sessions are not listed");
        db.delete_session("sess")?;
        assert_eq!(db.session("sess")?, None);
        assert_eq!(db.delete_session_by_id("s2")?.map(|s| s.via), Some("link".to_string()));
        assert_eq!(db.session("sess2")?, None, "a revoked session ends");
        // A sign-in code is approved once and used once.
        db.insert_web_login("code", "browser", 50, 350)?;
        assert!(db.approve_web_login("code", "m", "d1", 60)?);
        assert!(!db.approve_web_login("code", "r", "d2", 61)?, "a code is approved once");
        assert_eq!(db.web_login_of_browser("browser")?.and_then(|w| w.approved_by), Some("m".to_string()));
        assert!(db.use_web_login("code", 70)?);
        assert!(!db.use_web_login("code", 71)?, "a code is used once");
        db.purge_expired_sign_ins(400)?;
        assert_eq!(db.web_login_of_code("code")?, None);
        // A member deactivated: every way in of theirs ends; what was used stays as history.
        db.insert_user(&user("r", Role::Rep, Some("m")))?;
        db.insert_session(&NewSession { user: "r", ..session("r-sess", "s3") })?;
        db.insert_session(&session("m-sess", "s4"))?;
        db.insert_login_link("r-link", "r", 1_000)?;
        db.insert_code("r-code", "r", 1_000)?;
        db.insert_web_login("r-phone", "r-browser", 50, 1_000)?;
        assert!(db.approve_web_login("r-phone", "r", "d3", 60)?);
        assert_eq!(db.end_sign_ins_of("r")?, 1);
        assert_eq!((db.session("r-sess")?, db.login_link("r-link")?, db.code("r-code")?), (None, None, None));
        assert_eq!(db.web_login_of_code("r-phone")?, None);
        assert!(db.session("m-sess")?.is_some(), "another member's session stays");
        assert!(db.login_link("link")?.is_some(), "a used link stays");
        assert!(db.insert_read("rep-1", "m", 60)?);
        assert!(!db.insert_read("rep-1", "m", 70)?, "a reading is recorded once");
        assert!(db.has_read("rep-1", "m")?);
        Ok(())
    })
    .unwrap();
}

/// The inbox holds the submitted reports addressed to a member and their own, newest first,
/// with read state and (for their own) each recipient's; receipts are recorded once.
pub fn inbox_and_read_receipts(h: &dyn Harness) {
    let (s, _) = fresh(h);
    s.write(|db| {
        db.insert_team(&team(), 1)?;
        db.insert_user(&user("m", Role::Manager, None))?;
        db.insert_user(&user("r", Role::Rep, Some("m")))?;
        db.insert_user(&user("x", Role::Rep, None))?;
        for (id, owner, first, submitted, comments) in [
            ("rep-1", "r", "2026-11-20", Some(100), 2),
            ("rep-2", "r", "2026-11-21", None, 0),
            ("rep-3", "m", "2026-11-21", Some(200), 0),
            ("rep-4", "x", "2026-11-21", Some(300), 0),
        ] {
            put(db, id, "report", owner, b"h")?;
            db.index_report(&report(id, owner, first, submitted, comments))?;
        }
        db.set_recipients("rep-1", &["m".into()])?;
        db.set_recipients("rep-2", &["m".into()])?;
        db.set_recipients("rep-3", &["r".into()])?;
        Ok(())
    })
    .unwrap();
    let all = InboxFilter::default();
    let inbox = s.read(move |db| db.inbox("m", &all, 10)).unwrap();
    let ids: Vec<&str> = inbox.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["rep-3", "rep-1"], "submitted, addressed to m or m's own, newest first");
    assert_eq!((inbox[1].owner_name.as_str(), inbox[1].comments, inbox[1].read_at), ("名字 r", 2, None));
    assert_eq!(inbox[0].recipients.iter().map(|r| r.user_id.as_str()).collect::<Vec<_>>(), ["r"]);
    assert!(inbox[1].recipients.is_empty(), "recipients are listed for one's own reports only");
    s.write(|db| {
        assert!(db.insert_read("rep-1", "m", 150)?);
        assert!(!db.insert_read("rep-1", "m", 160)?, "once");
        assert!(db.insert_read("rep-3", "r", 250)?);
        Ok(())
    })
    .unwrap();
    s.read(|db| {
        let unread = InboxFilter { unread: true, ..Default::default() };
        assert!(db.inbox("m", &unread, 10)?.is_empty(), "read, and one's own never counts as unread");
        let of_r = InboxFilter { member: Some("r".into()), ..Default::default() };
        let read = db.inbox("m", &of_r, 10)?;
        assert_eq!((read.len(), read[0].read_at), (1, Some(150)));
        assert_eq!(db.inbox("m", &InboxFilter::default(), 1)?.len(), 1, "the limit holds");
        let own = db.inbox("m", &InboxFilter { own: Some(true), ..Default::default() }, 10)?;
        assert_eq!(own[0].recipients[0].read_at, Some(250));
        assert_eq!(db.readers_of("rep-1")?, ["m"]);
        assert_eq!(db.reads_of_report("rep-1")?, [("m".to_string(), 150)]);
        assert_eq!(db.reads_of("r")?, [("rep-1".to_string(), "m".to_string(), 150)]);
        assert!(db.reads_of("x")?.is_empty());
        Ok(())
    })
    .unwrap();
}
