//! Records the server refuses stay on the device as state until resolved: a new one the server
//! never accepted can be dropped, and nothing is resent meanwhile.

mod support;

use fieldreport_core::codes::RefusalCode;
use fieldreport_core::doc::{FollowupKind, NewFollowup};
use fieldreport_server::{Limits, Service};
use support::Device;

#[tokio::test]
async fn a_new_record_the_server_refused_is_listed_until_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let admin = Service::open_dir(dir.path()).unwrap();
    admin.init_team("华东销售", "Asia/Shanghai", "monday", "王总").unwrap();
    let (_, code) = admin.add_user("张伟", "rep", None).unwrap();
    let limits = Limits { max_doc_bytes: 8 * 1024, ..Limits::default() };
    let running = fieldreport_server::start(dir.path(), "127.0.0.1:0", limits).await.unwrap();
    let mut phone = Device::enroll(&format!("http://{}", running.addr), &code).await;

    let c = phone.customer("华为");
    let small = phone.visit(&c, "拜访");
    let long = "拜访记录，".repeat(3_000); // about 45 KB: over the server's 8 KB
    let at = phone.store.now_ms();
    let big = phone.store.log_followup(NewFollowup::new(&c, FollowupKind::Visit, at, &long)).unwrap().header.id;
    let stats = phone.sync().await;
    assert_eq!(stats.rejected.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), [big.as_str()]);

    let refused = phone.store.refused().unwrap();
    assert_eq!(refused.len(), 1);
    assert!(!refused[0].on_server, "the server never had it");
    assert!(
        matches!(refused[0].reason.code, RefusalCode::ChangesTooLarge | RefusalCode::DocTooLarge),
        "{}",
        refused[0].reason
    );
    assert_eq!(phone.sync().await.pushed, 0, "not resent until changed");
    assert_eq!(phone.store.refused().unwrap().len(), 1, "still listed");

    assert!(phone.store.discard_local_changes(&big).unwrap().is_none());
    assert!(phone.store.refused().unwrap().is_empty());
    let left: Vec<String> =
        phone.store.list_followups(&Default::default()).unwrap().into_iter().map(|f| f.id).collect();
    assert_eq!(left, [small]);
    assert!(phone.sync().await.rejected.is_empty());
    running.shutdown().await;
}
