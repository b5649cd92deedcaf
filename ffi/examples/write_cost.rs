//! The Rust side of the FFI write benchmark: the same durable write (log a followup) that
//! tests/ffi/bench_ffi.py and FfiBench.kt time, on the same `FieldStore`, without crossing a
//! language boundary. Run by scripts/bench-bindings.

use std::time::Instant;

use fieldreport_ffi::{FieldStore, FollowupKind, NewCustomer, NewFollowup};

fn main() {
    // The async calls' answers are awaited here as an app's executor would.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    rt.block_on(measure());
}

async fn measure() {
    let dir = std::env::temp_dir().join(format!("fieldreport-rs-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let durable = median_write(FieldStore::open(dir.join("bench.db").display().to_string()).await.expect("open")).await;
    println!("rust: log a followup through FieldStore (durable), median of 300: {durable:.3} ms");
    let memory = median_write(FieldStore::open_in_memory().expect("open")).await;
    println!("rust: log a followup through FieldStore (in memory), median of 300: {memory:.3} ms");
    let _ = std::fs::remove_dir_all(dir);
    // With a store of many followups: listing 1,000 of them through FieldStore, in Rust.
    if let Some(path) = std::env::args().nth(1) {
        let s = FieldStore::open(path).await.expect("open the store");
        let options = || Some(fieldreport_ffi::ListOptions { limit: Some(1000), order: None, after: None });
        let mut times: Vec<f64> = (0..50)
            .map(|_| {
                let t = Instant::now();
                let page = s.followups_page(None, None, options()).expect("list");
                assert_eq!(page.rows.len(), 1000);
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!("rust: list 1,000 followups through FieldStore, median of 50: {:.2} ms", times[25]);
    }
}

/// The median time of 300 writes (log a followup) on `s`, in milliseconds.
async fn median_write(s: std::sync::Arc<FieldStore>) -> f64 {
    s.clone().init("rep-1".into(), "team-1".into(), "Asia/Shanghai".into(), "monday".into()).await.expect("init");
    let c = s
        .clone()
        .add_customer(NewCustomer {
            name: "上海某某贸易有限公司".into(),
            level: None,
            address: None,
            latitude: None,
            longitude: None,
            tags: vec![],
            contacts: vec![],
        })
        .await
        .expect("customer");
    let mut times = Vec::with_capacity(300);
    for i in 0..300 {
        let new = NewFollowup {
            customer_id: c.id.clone(),
            kind: FollowupKind::Visit,
            occurred_at: None,
            note: format!("拜访记录 {i}：确认报价与交期"),
            deal_id: None,
            next_step: String::new(),
            next_followup_on: None,
            checkin: None,
        };
        let t = Instant::now();
        s.clone().log_followup(new).await.expect("log");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    s.close_store().await.expect("close");
    times[150]
}
