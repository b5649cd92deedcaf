//! A team server on loopback and devices that sync with it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use fieldreport_core::doc::{FollowupKind, NewCustomer, NewFollowup};
use fieldreport_core::sync::{self, CancelToken, SyncOptions, SyncStats};
use fieldreport_core::Store;
use fieldreport_server::Service;
use fieldreport_server::{Limits, Running};

/// An in-process server on a temporary data directory.
pub struct Server {
    pub dir: tempfile::TempDir,
    pub running: Option<Running>,
    pub url: String,
    pub admin: Service,
    pub admin_id: String,
    pub admin_code: String,
}

impl Server {
    pub async fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let admin = Service::open_dir(dir.path()).unwrap();
        let (_, a, code) = admin.init_team("华东销售", "Asia/Shanghai", "monday", "王总").unwrap();
        let running = fieldreport_server::start(dir.path(), "127.0.0.1:0", Limits::default()).await.unwrap();
        let url = format!("http://{}", running.addr);
        Server { dir, running: Some(running), url, admin, admin_id: a.id, admin_code: code }
    }

    /// Adds a user; returns (id, enrollment code).
    pub fn user(&self, name: &str, role: &str, manager: Option<&str>) -> (String, String) {
        let (u, code) = self.admin.add_user(name, role, manager).unwrap();
        (u.id, code)
    }
}

/// A device: its own store in its own file.
pub struct Device {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub user: String,
}

impl Device {
    pub async fn enroll(server_url: &str, code: &str) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("device.db")).unwrap();
        let e = sync::enroll(&mut store, server_url, code, &SyncOptions::default()).await.unwrap();
        Device { dir, store, user: e.user_id }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("device.db")
    }

    pub async fn sync(&mut self) -> SyncStats {
        self.try_sync(&SyncOptions::default()).await.unwrap()
    }

    pub async fn try_sync(&mut self, opts: &SyncOptions) -> fieldreport_core::Result<SyncStats> {
        sync::sync(&mut self.store, opts, None, &CancelToken::new()).await
    }

    pub fn customer(&mut self, name: &str) -> String {
        self.store.add_customer(NewCustomer { name: name.into(), ..Default::default() }).unwrap().header.id
    }

    pub fn visit(&mut self, customer: &str, note: &str) -> String {
        let at = self.store.now_ms();
        self.store.log_followup(NewFollowup::new(customer, FollowupKind::Visit, at, note)).unwrap().header.id
    }
}

/// The records a store holds (not the documents the server authored), by id, sorted.
pub fn ids(s: &Store) -> Vec<String> {
    let mut v: Vec<String> = s
        .document_ids()
        .unwrap()
        .into_iter()
        .filter(|id| !s.record(id).unwrap().header().kind.is_published())
        .collect();
    v.sort();
    v
}

/// The server binary next to this test binary (cargo builds it for the workspace's tests).
pub fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = dir.join(format!("fieldreport-server{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.exists(), "{} is missing: run `cargo build -p fieldreport-server` first", bin.display());
    bin
}

pub fn shared(s: Service) -> Arc<Service> {
    Arc::new(s)
}
