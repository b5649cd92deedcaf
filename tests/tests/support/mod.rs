//! A team server on loopback and devices that sync with it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use fieldreport_core::doc::{FollowupKind, NewCustomer, NewFollowup};
use fieldreport_core::sync::{self, CancelToken, SyncOptions, SyncStats};
use fieldreport_core::Store;
use fieldreport_server::Service;
use fieldreport_server::{Limits, Location, Running};

/// 2020-01-01T00:00:00+08:00: when the members `Server::user` adds joined.
pub const LONG_AGO_MS: i64 = 1_577_808_000_000;

/// An in-process server on a temporary data directory.
pub struct Server {
    pub dir: tempfile::TempDir,
    pub running: Option<Running>,
    pub url: String,
    pub admin: Service,
    pub admin_id: String,
    pub admin_code: String,
    /// Where its data is (to open it again as another process would).
    pub location: Location,
}

impl Server {
    pub async fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let admin = Service::open_dir(dir.path()).unwrap();
        let (_, a, code) = admin.init_team("华东销售", "Asia/Shanghai", "monday", "王总").unwrap();
        let running = fieldreport_server::start(dir.path(), "127.0.0.1:0", Limits::default()).await.unwrap();
        let url = format!("http://{}", running.addr);
        let location = Location::Dir(dir.path().to_path_buf());
        Server { dir, running: Some(running), url, admin, admin_id: a.id, admin_code: code, location }
    }

    /// A server on a new PostgreSQL database (the test cluster: see scripts/pg-test-cluster).
    pub async fn start_postgres() -> Server {
        Server::start_at(&Location::Postgres(fieldreport_server::store::postgres::test_cluster::new_database())).await
    }

    /// A server on the storage at `at`.
    pub async fn start_at(at: &Location) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut service = Service::open(at).unwrap();
        service.keep_files(&dir.path().join("blobs").display().to_string()).unwrap();
        let service = Arc::new(service);
        let (_, a, code) = service.init_team("华东销售", "Asia/Shanghai", "monday", "王总").unwrap();
        let admin = Service::open(at).unwrap();
        let running = fieldreport_server::start_with(service, "127.0.0.1:0", Limits::default()).await.unwrap();
        let url = format!("http://{}", running.addr);
        Server { dir, running: Some(running), url, admin, admin_id: a.id, admin_code: code, location: at.clone() }
    }

    /// Adds a user who has been a member for years (they owe every report and count against
    /// every target the tests look at); returns (id, enrollment code).
    pub fn user(&self, name: &str, role: &str, manager: Option<&str>) -> (String, String) {
        let (u, code) = self.admin.add_member_since(name, role, manager, None, Some(LONG_AGO_MS)).unwrap();
        (u.id, code)
    }

    /// Adds a user who joins now; returns (id, enrollment code).
    pub fn new_user(&self, name: &str, role: &str, manager: Option<&str>) -> (String, String) {
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

/// Copies a document into another store behind the server's back (a forger's starting point).
pub fn smuggle(from: &Store, to: &mut Store, id: &str) {
    to.merge_changes(id, &from.changes_since(id, &[]).unwrap()).unwrap();
}

/// A store that claims to be `user` with `actor`, using the token of `token_of` (a tampered app).
pub fn forger(url: &str, user: &str, actor: &str, token_of: &mut Store) -> Store {
    let state = token_of.sync_state().unwrap();
    let mut s = Store::open_in_memory().unwrap();
    let team = token_of.identity().unwrap().team_id;
    s.complete_enrollment(
        url,
        actor,
        &fieldreport_core::store::Enrollment {
            device_id: state.device_id,
            token: state.token,
            user_id: user.to_string(),
            team_id: team,
            tz: "Asia/Shanghai".into(),
            week_start: "monday".into(),
            role: state.role,
        },
    )
    .unwrap();
    s
}

pub async fn sync_store(s: &mut Store) -> fieldreport_core::sync::SyncStats {
    fieldreport_core::sync::sync(s, &SyncOptions::default(), None, &fieldreport_core::sync::CancelToken::new())
        .await
        .unwrap()
}

/// A raw sync request with `token`: (HTTP status, the decoded response when 200, the JSON error
/// otherwise).
pub async fn raw_sync(
    url: &str,
    token: &str,
    req: &fieldreport_core::sync::wire::SyncRequest,
) -> (u16, Option<fieldreport_core::sync::wire::SyncResponse>, serde_json::Value) {
    let resp = fieldreport_core::sync::http_client()
        .unwrap()
        .post(format!("{url}/v1/sync"))
        .bearer_auth(token)
        .header("content-type", fieldreport_core::sync::CONTENT_TYPE)
        .body(req.encode())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body = resp.bytes().await.unwrap();
    if status == 200 {
        (status, Some(fieldreport_core::sync::wire::SyncResponse::decode(&body).unwrap()), serde_json::Value::Null)
    } else {
        (status, None, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
    }
}

/// The device token of `s`.
pub fn token(s: &Store) -> String {
    s.sync_state().unwrap().token
}

impl Server {
    /// Stops the server and starts it again on the same data (its memory is gone).
    pub async fn restart(&mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
        let addr = self.url.trim_start_matches("http://").to_string();
        let mut last = None;
        for _ in 0..50 {
            match fieldreport_server::start(self.dir.path(), &addr, Limits::default()).await {
                Ok(r) => {
                    self.running = Some(r);
                    return;
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the server did not restart on {addr}: {last:?}");
    }
}

/// A browser without script on the dashboard, signed in by a one-time link.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    pub cookie: String,
}

impl Browser {
    /// Follows a sign-in link; returns the signed-in browser.
    pub async fn sign_in(base: &str, server: &Server, user: &str) -> Browser {
        // The core's client installs the TLS provider; this one must see redirects, not follow them.
        fieldreport_core::sync::http_client().unwrap();
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let token = server.admin.login_link(user).unwrap();
        // Opening the link (as a chat app's preview does) only shows the sign-in button.
        for _ in 0..2 {
            let page = http.get(format!("{base}/login/{token}")).send().await.unwrap();
            assert!(page.headers().get("set-cookie").is_none());
            assert!(page.text().await.unwrap().contains("method=\"post\""));
        }
        // A post from another site (login CSRF) is refused and does not use the link up.
        let foreign =
            http.post(format!("{base}/login/{token}")).header("origin", "https://evil.example").send().await.unwrap();
        assert_eq!(foreign.status().as_u16(), 403, "a cross-site sign-in is refused");
        let resp = http.post(format!("{base}/login/{token}")).header("origin", base).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 303, "signing in redirects to the inbox");
        let set = resp.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");
        let again = http.post(format!("{base}/login/{token}")).header("origin", base).send().await.unwrap();
        assert_eq!(again.status().as_u16(), 403, "a link works once");
        let cookie = set.split(';').next().unwrap().to_string();
        Browser { http, base: base.to_string(), cookie }
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let (status, _, body) = self.get_bytes(path).await;
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// (status, content type, body).
    pub async fn get_bytes(&self, path: &str) -> (u16, String, Vec<u8>) {
        let resp = self.http.get(format!("{}{path}", self.base)).header("cookie", &self.cookie).send().await.unwrap();
        let kind = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        (resp.status().as_u16(), kind, resp.bytes().await.unwrap().to_vec())
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> u16 {
        let enc = |v: &str| percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC).to_string();
        let body: Vec<String> = form.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect();
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("origin", &self.base)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.join("&"))
            .send()
            .await
            .unwrap();
        resp.status().as_u16()
    }
}

/// The form token of a dashboard page.
pub fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    page[at..at + page[at..].find('"').unwrap()].to_string()
}

/// The signed link a dashboard page gives to file `hash` (`/attachments/HASH?doc=…`), thumbnail
/// or whole (`thumb`), if the page shows the file.
pub fn file_link_in(page: &str, hash: &str, thumb: bool) -> Option<String> {
    let start = format!("/attachments/{hash}{}?", if thumb { "/thumb" } else { "" });
    let at = page.find(&start)?;
    let link = &page[at..];
    Some(link[..link.find('"')?].replace("&amp;", "&"))
}

/// What a chat receiver was sent: (robot path, body).
pub type Seen = Arc<std::sync::Mutex<Vec<(String, serde_json::Value)>>>;

/// A chat receiver that takes any robot's message and remembers it with the robot's path.
pub async fn receiver() -> (String, Seen) {
    use axum::extract::{Path, State};
    use axum::Json;
    async fn take(
        State(seen): State<Seen>,
        Path(who): Path<String>,
        Json(body): Json<serde_json::Value>,
    ) -> Json<serde_json::Value> {
        seen.lock().unwrap().push((who, body));
        Json(serde_json::json!({"errcode": 0, "errmsg": "ok"}))
    }
    let seen: Seen = Arc::default();
    let app = axum::Router::new().route("/{who}", axum::routing::post(take)).with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

/// The messages `who` received, once at least `n` of them arrived (the worker sends them).
pub async fn received(seen: &Seen, who: &str, n: usize) -> Vec<serde_json::Value> {
    for _ in 0..200 {
        let got: Vec<serde_json::Value> =
            seen.lock().unwrap().iter().filter(|(w, _)| w == who).map(|(_, b)| b.clone()).collect();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("{who} received fewer than {n} messages: {:?}", seen.lock().unwrap());
}

/// A test on SQLite and on PostgreSQL: `on_both!(case, …)` runs `case(server)` on each.
#[allow(unused_macros)]
macro_rules! on_both {
    ($($case:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $case() {
                super::$case(super::Server::start().await).await;
            })+
        }
        mod postgres {
            $(#[tokio::test]
            async fn $case() {
                super::$case(super::Server::start_postgres().await).await;
            })+
        }
    };
}

/// A target of `value` a week for `user` on `metric` (a count), in force since 2020.
pub fn weekly_target(metric: &str, user: impl Into<String>, value: f64) -> fieldreport_core::team::Target {
    fieldreport_core::team::Target {
        metric: metric.into(),
        user: Some(user.into()),
        dept: None,
        per: fieldreport_core::team::TargetPeriod::Week,
        value: Some(value),
        amount: None,
        from: "2020-01-01".parse().unwrap(),
        until: None,
    }
}
