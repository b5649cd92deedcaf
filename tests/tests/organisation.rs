//! The organisation as a tree (issue 27, in progress): departments made by name on the server,
//! carried to every device by the directory; a member's move is one small change.

mod support;

use support::*;

#[tokio::test]
async fn the_tree_reaches_every_device_and_a_move_is_one_small_change() {
    let server = Server::start().await;
    let (director, _) = server.user("李总监", "manager", None);
    let (mgr, _) = server.user("张经理", "manager", Some(&director));
    let (rep, code) = server.user("小王", "rep", Some(&mgr));
    let sh = server.admin.add_department("上海区", None, &["李总监".to_string()]).unwrap();
    let pd = server.admin.add_department("浦东组", Some("上海区"), &["张经理".to_string()]).unwrap();
    server.admin.set_member_department("小王", "浦东组").unwrap();
    server.admin.set_member_department(&mgr, &sh.id).unwrap();
    let mut phone = Device::enroll(&server.url, &code).await;
    phone.sync().await;
    let depts = phone.store.departments().unwrap();
    let tree = fieldreport_core::team::DeptTree::new(&depts);
    assert_eq!(tree.path(&pd.id), "华东销售 / 上海区 / 浦东组");
    assert_eq!(tree.get(&sh.id).unwrap().heads, std::slice::from_ref(&director));
    let me = phone.store.member(&rep).unwrap().unwrap();
    assert_eq!(me.dept_id.as_deref(), Some(pd.id.as_str()));

    // 小王 moves to 上海区: the device's next sync is one small change of the directory.
    server.admin.set_member_department(&rep, "上海区").unwrap();
    let stats = phone.sync().await;
    assert_eq!(stats.pulled + stats.published, 1, "{stats:?}");
    assert!(stats.bytes_received < 2_000, "a move, not the directory again: {stats:?}");
    assert_eq!(phone.store.member(&rep).unwrap().unwrap().dept_id.as_deref(), Some(sh.id.as_str()));
    // A tree that would not be one is refused, by name.
    let cycle = server.admin.move_department("上海区", "浦东组").unwrap_err();
    assert!(cycle.to_string().contains("its own subtree"), "{cycle}");
}
