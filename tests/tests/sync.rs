//! Devices and a team server over real HTTP on loopback: convergence, visibility, permissions,
//! forgeries, authentication, catching up.

mod support;

use fieldreport_core::codes::RefusalCode;
use fieldreport_core::doc::{FollowupEdit, ReportKind};
use fieldreport_core::report::Lang;
use fieldreport_core::store::FollowupFilter;
use fieldreport_core::Store;
use support::*;

#[tokio::test]
async fn concurrent_offline_edits_on_three_devices_converge() {
    let server = Server::start().await;
    let (mgr_id, mgr_code) = server.user("李经理", "manager", None);
    let (_, phone_code) = server.user("张三", "rep", Some(&mgr_id));
    let mut phone = Device::enroll(&server.url, &phone_code).await;
    let tablet_code = server.admin.enrollment_code(&phone.user).unwrap();
    let mut tablet = Device::enroll(&server.url, &tablet_code).await;
    let mut mgr = Device::enroll(&server.url, &mgr_code).await;

    let c = phone.customer("华为");
    let v = phone.visit(&c, "拜访张总，介绍方案。");
    let r = phone.store.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    phone.store.set_report_text(&r, "done", "拜访了华为。演示了方案。").unwrap();
    phone.sync().await;
    tablet.sync().await;
    mgr.sync().await;
    assert_eq!(ids(&tablet.store), ids(&phone.store));

    // Offline on all three: both rep devices edit the same note and section; the manager waits.
    phone
        .store
        .edit_followup(&v, FollowupEdit { note: Some("上午拜访张总，介绍方案。".into()), ..Default::default() })
        .unwrap();
    tablet
        .store
        .edit_followup(
            &v,
            FollowupEdit {
                note: Some("拜访张总，介绍方案，约了下周演示。".into()), ..Default::default()
            },
        )
        .unwrap();
    tablet.store.splice_report(&r, "done", 0, 0, "今天").unwrap();
    phone.store.insert_followups(&r, None, None).unwrap();
    phone.sync().await;
    tablet.sync().await;
    phone.sync().await;
    mgr.sync().await;

    let note = |s: &Store| s.list_followups(&FollowupFilter::default()).unwrap()[0].note.clone();
    assert_eq!(note(&phone.store), "上午拜访张总，介绍方案，约了下周演示。");
    assert_eq!(note(&tablet.store), note(&phone.store));
    assert_eq!(note(&mgr.store), note(&phone.store), "the manager sees the direct report's followups");
    let a = phone.store.report(&r).unwrap();
    let b = tablet.store.report(&r).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.sections[0].text, "今天拜访了华为。演示了方案。");
    assert_eq!(a.blocks.len(), 1);
    for id in ids(&phone.store) {
        assert_eq!(phone.store.document(&id).unwrap().to_json(), tablet.store.document(&id).unwrap().to_json());
    }
    assert!(phone.store.pending_documents().unwrap().is_empty());
    assert!(tablet.store.pending_documents().unwrap().is_empty());
}

#[tokio::test]
async fn a_rep_neither_receives_nor_changes_another_reps_records() {
    let server = Server::start().await;
    let (_, a_code) = server.user("A", "rep", None);
    let (_, b_code) = server.user("B", "rep", None);
    let mut a = Device::enroll(&server.url, &a_code).await;
    let mut b = Device::enroll(&server.url, &b_code).await;
    let c = a.customer("A 的客户");
    a.sync().await;
    b.sync().await;
    assert!(ids(&b.store).is_empty(), "B receives nothing of A's");
    assert!(b.store.server_snapshot().unwrap().is_some_and(|s| s.user_id == b.user), "only its own snapshot");

    // B gets A's customer out of band, renames it and pushes: refused, kept locally.
    smuggle(&a.store, &mut b.store, &c);
    b.store
        .edit_customer(
            &c,
            fieldreport_core::doc::CustomerEdit { name: Some("B was here".into()), ..Default::default() },
        )
        .unwrap();
    let stats = b.sync().await;
    assert_eq!(stats.rejected.len(), 1);
    assert_eq!(stats.rejected[0].id, c);
    // B may not see A's customer, so the push is answered as for a document that does not exist:
    // its history is authored by A's device, not B's.
    assert_eq!(stats.rejected[0].reason.code, RefusalCode::ForeignActor, "{}", stats.rejected[0].reason);
    assert_eq!(b.store.list_customers(None).unwrap()[0].name, "B was here", "the device keeps its data");
    // Not resent until it changes.
    let again = b.sync().await;
    assert_eq!(again.rejected.len(), 0);
    assert!(again.bytes_sent < 40, "nothing pushed: {}", again.bytes_sent);
    assert_eq!(b.store.rejected_documents().unwrap().len(), 1);
    a.sync().await;
    assert_eq!(a.store.list_customers(None).unwrap()[0].name, "A 的客户");
}

#[tokio::test]
async fn a_manager_comments_on_a_report_but_cannot_edit_its_text() {
    let server = Server::start().await;
    let (mgr_id, mgr_code) = server.user("李经理", "manager", None);
    let (_, rep_code) = server.user("张三", "rep", Some(&mgr_id));
    let mut rep = Device::enroll(&server.url, &rep_code).await;
    let mut mgr = Device::enroll(&server.url, &mgr_code).await;
    let r = rep.store.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    rep.store.set_report_text(&r, "done", "完成三次拜访。").unwrap();
    let draft_bytes = rep.store.changes_since(&r, &[]).unwrap();
    rep.sync().await;
    mgr.sync().await;
    assert!(mgr.store.report(&r).is_err(), "a draft not addressed to the manager is not delivered");
    rep.store.submit_report(&r, std::slice::from_ref(&mgr_id), &[]).unwrap();
    rep.sync().await;
    mgr.sync().await;
    assert_eq!(mgr.store.report(&r).unwrap().sections[0].text, "完成三次拜访。");

    // A tampered app on the manager's device: the report's draft obtained out of band, its
    // text rewritten with the manager's actor and token. The server refuses it.
    let mgr_actor = mgr.store.identity().unwrap().actor;
    let mut forger = forger(&server.url, &rep.user, &mgr_actor, &mut mgr.store);
    forger.merge_changes(&r, &draft_bytes).unwrap();
    forger.set_report_text(&r, "done", "经理改写").unwrap();
    let s = sync_store(&mut forger).await;
    assert_eq!(s.rejected.len(), 1, "{s:?}");
    assert!(s.rejected[0].reason.message.contains("may only comment"), "{}", s.rejected[0].reason);
    rep.sync().await;
    assert_eq!(rep.store.report(&r).unwrap().sections[0].text, "完成三次拜访。");

    mgr.store.comment_report(&r, "请补充客户预算").unwrap();
    let s = mgr.sync().await;
    assert!(s.rejected.is_empty(), "{:?}", s.rejected);
    rep.sync().await;
    assert_eq!(rep.store.report(&r).unwrap().comments[0].text, "请补充客户预算");
}

#[tokio::test]
async fn a_change_authored_by_another_actor_is_rejected() {
    let server = Server::start().await;
    let (_, code) = server.user("张三", "rep", None);
    let mut rep = Device::enroll(&server.url, &code).await;
    // Same user and token, but changes authored by an actor the server never enrolled.
    let mut forged = forger(&server.url, &rep.user, "0123456789abcdef0123456789abcdef", &mut rep.store);
    let c =
        forged.add_customer(fieldreport_core::doc::NewCustomer { name: "伪造".into(), ..Default::default() }).unwrap();
    let s = sync_store(&mut forged).await;
    assert_eq!(s.rejected.len(), 1);
    assert!(s.rejected[0].reason.message.contains("not by this device's actor"), "{}", s.rejected[0].reason);
    rep.sync().await;
    assert!(rep.store.record(&c.header.id).is_err(), "the forged record never reached the server");
}

/// Forwards requests to the server but loses the first answer (a dropped connection, or an app
/// that cancelled the wait): the server acted, the device heard nothing.
struct LosesFirstAnswer {
    inner: fieldreport_core::sync::ReqwestTransport,
    lost: std::sync::atomic::AtomicBool,
}

impl fieldreport_core::sync::Transport for LosesFirstAnswer {
    fn post(&self, request: fieldreport_core::sync::HttpRequest) -> fieldreport_core::sync::TransportFuture<'_> {
        Box::pin(async move {
            let answer = self.inner.post(request).await;
            if !self.lost.swap(true, std::sync::atomic::Ordering::SeqCst) {
                return Err("the connection was reset".to_string());
            }
            answer
        })
    }
}

#[tokio::test]
async fn an_enrollment_whose_answer_was_lost_is_finished_by_retrying_the_code() {
    use fieldreport_core::sync::{self, SyncOptions};
    let server = Server::start().await;
    let (_, code) = server.user("张三", "rep", None);
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("phone.db")).unwrap();
    let lossy = std::sync::Arc::new(LosesFirstAnswer {
        inner: sync::ReqwestTransport::new().unwrap(),
        lost: Default::default(),
    });
    let opts = SyncOptions { transport: Some(lossy), retries: 0, ..SyncOptions::default() };
    let lost = sync::enroll(&mut store, &server.url, &code, &opts).await.unwrap_err();
    assert!(lost.to_string().contains("reset"), "{lost}");
    assert_eq!(server.admin.devices(None).unwrap().len(), 1, "the server enrolled the device");
    // The same device retries its code: it is enrolled (with a new token), not told the code is used.
    let e = sync::enroll(&mut store, &server.url, &code, &opts).await.unwrap();
    assert_eq!(server.admin.devices(None).unwrap().len(), 1, "still one device");
    assert_eq!(e.device_id, server.admin.devices(None).unwrap()[0].id);
    let c = store.add_customer(fieldreport_core::doc::NewCustomer { name: "华为".into(), ..Default::default() });
    let stats = sync::sync(&mut store, &opts, None, &fieldreport_core::sync::CancelToken::new()).await.unwrap();
    assert_eq!(stats.pushed, 1, "the new token works: {c:?}");
    // Another device with the same code is refused, and so is this one once it has synced.
    let mut other = Store::open(dir.path().join("other.db")).unwrap();
    let refused = sync::enroll(&mut other, &server.url, &code, &SyncOptions::default()).await.unwrap_err();
    assert!(refused.to_string().contains("used"), "{refused}");
    let mut again = Store::open(dir.path().join("phone.db")).unwrap();
    let refused = sync::enroll(&mut again, &server.url, &code, &SyncOptions::default()).await.unwrap_err();
    assert!(
        matches!(refused, fieldreport_core::Error::AlreadyEnrolled { .. }) || refused.to_string().contains("used"),
        "{refused}"
    );
}
