//! The team directory on the wire: a team of 2,000 members reaches a new device in one sync
//! within 100 KB (BENCHMARKS.md, "People"), and one member's change costs a small delta.
//! Run: `cargo bench -p fieldreport-server --bench directory`

use fieldreport_core::sync::{self, CancelToken, SyncOptions};
use fieldreport_core::Store;
use fieldreport_server::service::UserEdit;
use fieldreport_server::{Limits, Service};

const MEMBERS: usize = 2_000;

/// Chinese names of two or three characters, as a real team's directory holds.
fn name(i: usize) -> String {
    const FAMILY: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡"];
    const GIVEN: &[&str] =
        &["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超"];
    let mut n = FAMILY[i % FAMILY.len()].to_string();
    n.push_str(GIVEN[(i / FAMILY.len()) % GIVEN.len()]);
    if !i.is_multiple_of(3) {
        n.push_str(GIVEN[(i / 7) % GIVEN.len()]);
    }
    n
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let admin = Service::open_dir(dir.path()).unwrap();
    admin.init_team("华东销售部", "Asia/Shanghai", "monday", "王总").unwrap();
    let mut managers = Vec::new();
    for m in 0..40 {
        let phone = format!("1380000{m:04}");
        managers.push(admin.add_member(&format!("经理{}", name(m)), "manager", None, Some(&phone)).unwrap().0.id);
    }
    let mut rep_code = String::new();
    for i in 0..MEMBERS - 41 {
        let phone = format!("1390000{i:04}");
        let (_, code) = admin.add_member(&name(i), "rep", Some(&managers[i % managers.len()]), Some(&phone)).unwrap();
        rep_code = code;
    }
    let running = fieldreport_server::start(dir.path(), "127.0.0.1:0", Limits::default()).await.unwrap();
    let url = format!("http://{}", running.addr);

    let mut device = Store::open(dir.path().join("phone.db")).unwrap();
    sync::enroll(&mut device, &url, &rep_code, &SyncOptions::default()).await.unwrap();
    let first = sync::sync(&mut device, &SyncOptions::default(), None, &CancelToken::new()).await.unwrap();
    let members = device.members().unwrap().len();
    let directory_bytes = admin
        .store()
        .read(|db| {
            let (id, _) = db.published_state("")?.published_directory.expect("the directory was published");
            Ok(db.doc_bytes(&id)?.map(|b| b.len()).unwrap_or(0))
        })
        .unwrap();
    println!("directory of {members} members: {directory_bytes} bytes stored (compressed)");
    println!(
        "first sync: {} round trip(s), {} bytes received ({:.1} KB), {} documents from the server",
        first.round_trips,
        first.bytes_received,
        first.bytes_received as f64 / 1024.0,
        first.published
    );

    // One member renamed: the next sync carries a small change, not the directory again.
    let someone = admin.users().unwrap()[500].id.clone();
    admin.edit_user(&someone, UserEdit { name: Some("张伟（华南）".into()), ..Default::default() }).unwrap();
    let next = sync::sync(&mut device, &SyncOptions::default(), None, &CancelToken::new()).await.unwrap();
    println!(
        "after one rename: {} round trip(s), {} bytes received; the device reads `{}`",
        next.round_trips,
        next.bytes_received,
        device.member(&someone).unwrap().map(|m| m.name).unwrap_or_default()
    );
    // One member moved to another department (the organisation's tree on every device): one
    // small change again, not the directory.
    admin.add_department("华南区", None, &[managers[0].clone()]).unwrap();
    sync::sync(&mut device, &SyncOptions::default(), None, &CancelToken::new()).await.unwrap();
    admin.set_member_department(&someone, "华南区").unwrap();
    let moved = sync::sync(&mut device, &SyncOptions::default(), None, &CancelToken::new()).await.unwrap();
    println!(
        "after one move: {} round trip(s), {} bytes received, {} document(s); the device places them in `{}`",
        moved.round_trips,
        moved.bytes_received,
        moved.pulled + moved.published,
        device.member(&someone).unwrap().and_then(|m| m.dept_id).unwrap_or_default()
    );
    let ok = members == MEMBERS && first.round_trips == 1 && first.bytes_received <= 100 * 1024;
    println!("target (≤ 100 KB in one sync): {}", if ok { "met" } else { "MISSED" });
    running.shutdown().await;
}
