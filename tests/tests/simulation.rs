//! A deterministic fault simulation of sync. Seeded random schedules of four devices (a rep's
//! phone and tablet, another rep, their manager) edit offline and sync with the server one
//! exchange at a time, through the device's I/O-free sync engine and the server's service
//! (no sockets), with faults injected at every exchange: the request lost, the response lost,
//! the request duplicated, delayed and delivered late after others, the device crashing before
//! or after it commits a page (its state dropped, its database file kept), the server crashing
//! and restarting on the same data before or after it commits.
//!
//! Checked after every schedule: every change a server acknowledged is on the server; after a
//! final quiet sync every device holds exactly what it may see and agrees with the server on
//! it, and each rep's devices show the KPI figures the server recomputes from the merged
//! records. Checked at every exchange: no device receives what it may not see, and a rep's
//! device never shows a figure below its own recomputation from what it holds. A failure prints the
//! seed that replays it: `FIELDREPORT_SIM_SEED=<seed> cargo test -p fieldreport-e2e --test
//! simulation`. `FIELDREPORT_SIM_SCHEDULES=<n>` runs more schedules (scripts/check runs a few).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fieldreport_core::doc::{
    CustomerEdit, FollowupEdit, FollowupKind, Kind, NewCustomer, NewFollowup, ReportKind, ReportStatus,
};
use fieldreport_core::report::Lang;
use fieldreport_core::sync::engine::{Engine, EngineOptions, Next};
use fieldreport_core::sync::wire::{SyncRequest, SyncResponse};
use fieldreport_core::sync::{HttpRequest, HttpResponse};
use fieldreport_core::Store;
use fieldreport_server::model::User;
use fieldreport_server::policy::visibility::{may_see, DocMeta};
use fieldreport_server::{Limits, Service};

/// A small deterministic generator: a schedule is its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// A fault at one exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fault {
    None,
    RequestLost,
    ResponseLost,
    Duplicated,
    /// The request arrives late, after the device gave up on it (and, likely, after others).
    Delayed,
    DeviceCrashBeforeCommit,
    DeviceCrashAfterCommit,
    ServerCrashBeforeCommit,
    ServerCrashAfterCommit,
}

const FAULTS: [Fault; 8] = [
    Fault::RequestLost,
    Fault::ResponseLost,
    Fault::Duplicated,
    Fault::Delayed,
    Fault::DeviceCrashBeforeCommit,
    Fault::DeviceCrashAfterCommit,
    Fault::ServerCrashBeforeCommit,
    Fault::ServerCrashAfterCommit,
];

/// The server: its data directory and the service running on it (`None` while down).
struct World {
    dir: tempfile::TempDir,
    service: Option<Service>,
    /// Requests delivered late: (device token, body).
    delayed: Vec<(String, Vec<u8>)>,
    limits: Limits,
    /// What happened, so a run that exercised nothing fails.
    faults: BTreeMap<Fault, u64>,
    exchanges: u64,
}

impl World {
    fn service(&mut self) -> &Service {
        if self.service.is_none() {
            let s = Service::open_dir(self.dir.path()).expect("the server restarts on its data");
            s.set_snapshot_interval(std::time::Duration::from_secs(3600));
            self.service = Some(s);
        }
        self.service.as_ref().unwrap()
    }

    fn crash(&mut self) {
        self.service = None;
    }

    /// The server's answer to a request (as its HTTP layer would give it).
    fn handle(&mut self, token: &str, body: &[u8]) -> HttpResponse {
        let limits = self.limits;
        let s = self.service();
        let answer = s
            .authenticate(token)
            .and_then(|caller| {
                let req = SyncRequest::decode(body)
                    .map_err(|e| fieldreport_server::ServerError::BadRequest(e.to_string()))?;
                s.sync(&caller, req, &limits)
            })
            .map(|resp| resp.encode());
        match answer {
            Ok(body) => HttpResponse { status: 200, body },
            Err(e) => {
                let (status, code) = e.status_and_code();
                let body = serde_json::to_vec(&serde_json::json!({"code": code, "message": e.to_string()})).unwrap();
                HttpResponse { status: status.as_u16(), body }
            }
        }
    }

    /// Every document the server holds: id → (kind, owner, recipients, heads).
    fn documents(&mut self) -> BTreeMap<String, (String, String, Vec<String>, Vec<u8>)> {
        let s = self.service();
        s.store()
            .read(|db| {
                let mut out = BTreeMap::new();
                let mut after = String::new();
                loop {
                    let batch = db.doc_ids_after(&after, 1000)?;
                    let Some(last) = batch.last() else { break };
                    after = last.0.clone();
                    for (id, kind, owner) in batch {
                        let heads = db.doc_heads(&id)?.unwrap_or_default();
                        let recipients = db.recipients_of(&id)?;
                        out.insert(id, (kind, owner, recipients, heads));
                    }
                }
                Ok(out)
            })
            .unwrap()
    }
}

/// One device: its database file, the store open on it (`None` after a crash until it is
/// reopened) and its sync run in progress.
struct Device {
    name: &'static str,
    path: PathBuf,
    user: User,
    store: Option<Store>,
    engine: Option<Engine>,
}

impl Device {
    fn store(&mut self) -> &mut Store {
        if self.store.is_none() {
            self.store = Some(Store::open(&self.path).expect("the device reopens its database"));
        }
        self.store.as_mut().unwrap()
    }

    fn crash(&mut self) {
        self.engine = None;
        self.store = None;
    }

    fn token(&mut self) -> String {
        self.store().sync_state().unwrap().token
    }
}

fn options() -> EngineOptions {
    EngineOptions {
        page_bytes: 4 << 10, // small pages: many exchanges, many places to fail
        push_bytes: 4 << 10,
        retries: 2,
        backoff: std::time::Duration::from_millis(1),
        timeout: std::time::Duration::from_secs(1),
        wait: std::time::Duration::ZERO,
    }
}

/// One exchange of `d`'s sync run (starting one when none runs), with `fault`.
fn exchange(world: &mut World, d: &mut Device, fault: Fault, users: &[User]) {
    if d.engine.is_none() {
        match Engine::start(d.store(), options()) {
            Ok(e) => d.engine = Some(e),
            Err(e) => panic!("{}: a sync cannot start: {e}", d.name),
        }
    }
    let token = d.token();
    let step = d.engine.as_mut().unwrap().step();
    let request: HttpRequest = match step {
        Next::Send(r) => {
            world.exchanges += 1;
            *world.faults.entry(fault).or_default() += 1;
            r
        }
        Next::Wait(_) => return, // the wait is over at the next exchange
        Next::Done => {
            d.engine = None;
            return;
        }
    };
    let outcome: Result<HttpResponse, String> = match fault {
        Fault::RequestLost => Err("the request was lost".into()),
        Fault::ServerCrashBeforeCommit => {
            world.crash();
            Err("the server went down".into())
        }
        Fault::Delayed => {
            world.delayed.push((token.clone(), request.body.clone()));
            Err("timed out".into())
        }
        _ => {
            let resp = world.handle(&token, &request.body);
            if fault == Fault::Duplicated {
                // The same request again (a retry that crossed the first answer): same answer
                // or a harmless one.
                let again = world.handle(&token, &request.body);
                assert!(
                    again.status == 200 || again.status == resp.status,
                    "{}: a duplicate failed: {}",
                    d.name,
                    again.status
                );
            }
            if resp.status == 200 {
                check_visible(world, d, &resp.body, users);
            }
            match fault {
                Fault::ResponseLost => Err("the response was lost".into()),
                Fault::ServerCrashAfterCommit => {
                    world.crash();
                    Err("the server went down after answering".into())
                }
                _ => Ok(resp),
            }
        }
    };
    if fault == Fault::DeviceCrashBeforeCommit {
        d.crash();
        return;
    }
    let engine = d.engine.as_mut().unwrap();
    let store = d.store.as_mut().unwrap();
    if let Err(e) = engine.receive(store, outcome) {
        // Out of retries (or a refusal): the run ends; the next one starts afresh.
        assert!(
            matches!(e, fieldreport_core::Error::Unreachable { .. } | fieldreport_core::Error::Server { .. }),
            "{}: {e}",
            d.name
        );
        d.engine = None;
    }
    if fault == Fault::DeviceCrashAfterCommit {
        d.crash();
    }
}

/// Who is below whom among `users` (by the rule: the team is one department without heads, so
/// the chains of managers).
fn below(users: &[User]) -> std::collections::HashSet<(String, String)> {
    let people: Vec<fieldreport_core::team::Person> = users
        .iter()
        .map(|u| fieldreport_core::team::Person {
            id: &u.id,
            manager_id: u.manager_id.as_deref(),
            dept_id: u.dept_id.as_deref(),
        })
        .collect();
    fieldreport_core::team::below_pairs(&people, &fieldreport_core::team::DeptTree::default()).into_iter().collect()
}

/// No device receives what it may not see.
fn check_visible(world: &mut World, d: &Device, body: &[u8], users: &[User]) {
    let resp = SyncResponse::decode(body).expect("the server's answer decodes");
    let docs = world.documents();
    let below = below(users);
    let under = |o: &str| below.contains(&(d.user.id.clone(), o.to_string()));
    for pull in &resp.docs {
        let (kind, owner, recipients, _) = docs.get(&pull.id).expect("a pulled document exists");
        let meta = DocMeta { kind: Kind::parse(kind).unwrap(), owner, recipients };
        assert!(may_see(&d.user, meta, &under), "{} received {} {} of {owner}", d.name, kind, pull.id);
    }
}

/// A random local edit on `d`, offline.
fn edit(rng: &mut Rng, d: &mut Device, manager: &str) {
    let me = d.user.id.clone();
    let s = d.store();
    let customers: Vec<String> =
        s.list_customers(None).unwrap().into_iter().filter(|c| c.owner == me).map(|c| c.id).collect();
    let followups: Vec<String> =
        s.list_followups(&Default::default()).unwrap().into_iter().filter(|f| f.owner == me).map(|f| f.id).collect();
    let reports = s.list_reports(None).unwrap();
    let at = s.now_ms();
    match rng.below(8) {
        0 | 1 => {
            let n = rng.next() % 1000;
            s.add_customer(NewCustomer { name: format!("客户 {n}"), ..Default::default() }).map(|_| ()).unwrap_or(());
        }
        2 if !customers.is_empty() => {
            let c = &customers[rng.below(customers.len())];
            let n = rng.next() % 1000;
            let _ = s.edit_customer(c, CustomerEdit { name: Some(format!("改名 {n}")), ..Default::default() });
        }
        3 if !customers.is_empty() => {
            let c = &customers[rng.below(customers.len())];
            let _ = s.log_followup(NewFollowup::new(c, FollowupKind::Visit, at, "拜访"));
        }
        4 if !followups.is_empty() => {
            let f = &followups[rng.below(followups.len())];
            let n = rng.next() % 100;
            let _ = s.edit_followup(f, FollowupEdit { note: Some(format!("拜访，第 {n} 次")), ..Default::default() });
        }
        5 => {
            let own: Vec<_> = reports.iter().filter(|r| r.owner == me && r.status == ReportStatus::Draft).collect();
            match own.first() {
                Some(r) => {
                    let n = rng.next() % 100;
                    let _ = s.set_report_text(&r.id, "1", &format!("今天拜访了 {n} 位客户。"));
                }
                None => {
                    let _ = s.new_report(ReportKind::Free, None, Lang::ZhCn);
                }
            }
        }
        6 => {
            let own: Vec<_> = reports.iter().filter(|r| r.owner == me && r.status == ReportStatus::Draft).collect();
            if let Some(r) = own.first() {
                let _ = s.submit_report(&r.id, &[manager.to_string()], &[]);
            }
        }
        _ => {
            // A comment on a report this device can see (its own, or one addressed to it).
            if let Some(r) = reports.get(rng.below(reports.len().max(1))) {
                let _ = s.comment_report(&r.id, "收到");
            }
        }
    }
}

/// What a schedule did.
#[derive(Default)]
struct Ran {
    faults: BTreeMap<Fault, u64>,
    exchanges: u64,
    documents: usize,
}

/// Runs one schedule of `steps` steps; panics (naming the seed) when a property fails.
fn schedule(seed: u64, steps: usize) -> Ran {
    let root = Path::new("/dev/shm").is_dir().then(|| tempfile::tempdir_in("/dev/shm").ok()).flatten();
    let root = root.unwrap_or_else(|| tempfile::tempdir().unwrap());
    let mut rng = Rng(seed);
    let mut world = World {
        dir: tempfile::tempdir_in(root.path()).unwrap(),
        service: None,
        delayed: Vec::new(),
        limits: Limits::default(),
        faults: BTreeMap::new(),
        exchanges: 0,
    };
    let (team, admin, _) = world.service().init_team("华东销售", "Asia/Shanghai", "monday", "王总").unwrap();
    let _ = (team, admin);
    let (mgr, mgr_code) = world.service().add_user("李经理", "manager", None).unwrap();
    let (a, a_code) = world.service().add_user("张三", "rep", Some(&mgr.id)).unwrap();
    let a_tablet_code = world.service().enrollment_code(&a.id).unwrap();
    let (b, b_code) = world.service().add_user("王五", "rep", Some(&mgr.id)).unwrap();
    let users = world.service().users().unwrap();
    let mut devices: Vec<Device> = Vec::new();
    for (name, user, code) in
        [("phone", &a, a_code), ("tablet", &a, a_tablet_code), ("rep-b", &b, b_code), ("manager", &mgr, mgr_code)]
    {
        let path = root.path().join(format!("{name}.db"));
        let mut store = Store::open(&path).unwrap();
        let actor = store.actor_for_enrollment().unwrap();
        let e = world.service().enroll(&code, &actor, None).unwrap();
        store.complete_enrollment("sim://server", &actor, &e).unwrap();
        devices.push(Device { name, path, user: user.clone(), store: Some(store), engine: None });
    }
    // What each device was told the server holds: (device, document) → acknowledged heads.
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for _ in 0..steps {
            let i = rng.below(devices.len());
            if rng.chance(35) && devices[i].engine.is_none() {
                let manager = mgr.id.clone();
                edit(&mut rng, &mut devices[i], &manager);
                continue;
            }
            if !world.delayed.is_empty() && rng.chance(20) {
                // A late request arrives (its answer goes nowhere).
                let (token, body) = world.delayed.remove(rng.below(world.delayed.len()));
                let _ = world.handle(&token, &body);
            }
            let fault = if rng.chance(30) { FAULTS[rng.below(FAULTS.len())] } else { Fault::None };
            exchange(&mut world, &mut devices[i], fault, &users);
            if devices[i].user.role == fieldreport_server::model::Role::Rep {
                never_below_own(&mut devices[i]);
            }
        }
        // Late requests all arrive, then a quiet end: each device finishes its run and syncs
        // twice more without faults (the second brings what the others pushed in the first).
        for (token, body) in std::mem::take(&mut world.delayed) {
            let _ = world.handle(&token, &body);
        }
        for _ in 0..3 {
            for d in devices.iter_mut() {
                d.engine = None;
                for _ in 0..1000 {
                    exchange(&mut world, d, Fault::None, &users);
                    if d.engine.is_none() {
                        break;
                    }
                }
            }
        }
        check_final(&mut world, &mut devices, &users);
        for d in devices.iter_mut().filter(|d| d.user.role == fieldreport_server::model::Role::Rep) {
            figures_agree(&mut world, d);
        }
    }));
    if let Err(e) = run {
        eprintln!("simulation failed: replay with FIELDREPORT_SIM_SEED={seed}");
        std::panic::resume_unwind(e);
    }
    let documents = world.documents().len();
    Ran { faults: world.faults, exchanges: world.exchanges, documents }
}

/// After the quiet end: every acknowledged change is on the server, and every device holds
/// exactly what it may see, at the server's heads.
fn check_final(world: &mut World, devices: &mut [Device], users: &[User]) {
    let docs = world.documents();
    let below = below(users);
    for d in devices.iter_mut() {
        let (name, user) = (d.name, d.user.clone());
        let s = d.store();
        // Acknowledged changes are on the server: nothing of this device's is pending any more,
        // and what it holds is what the server holds.
        // A local edit the server refused (say, to a report another device submitted) stays on
        // the device, set apart: those documents are compared only for what the server has.
        let refused: BTreeSet<String> = s.rejected_documents().unwrap().into_iter().map(|r| r.id).collect();
        let pending: Vec<_> = s.pending_documents().unwrap().into_iter().filter(|p| !refused.contains(&p.id)).collect();
        assert!(pending.is_empty(), "{name}: {} documents still pending after a quiet sync", pending.len());
        let held: BTreeSet<String> = s.document_ids().unwrap().into_iter().collect();
        let visible: BTreeSet<String> = docs
            .iter()
            .filter(|(_, (kind, owner, recipients, _))| {
                let meta = DocMeta { kind: Kind::parse(kind).unwrap(), owner, recipients };
                may_see(&user, meta, &|o| below.contains(&(user.id.clone(), o.to_string())))
            })
            .map(|(id, _)| id.clone())
            .collect();
        // Superseded snapshots are dropped on both sides; the device may briefly hold none
        // of another user's day, never one the server lacks.
        let extra: Vec<_> = held.difference(&visible).collect();
        assert!(extra.is_empty(), "{name} holds documents it may not see or the server lacks: {extra:?}");
        let missing: Vec<_> = visible.difference(&held).collect();
        let kinds: Vec<&str> = missing.iter().map(|id| docs[*id].0.as_str()).collect();
        assert!(missing.is_empty(), "{name} lacks documents it may see: {missing:?} ({kinds:?})");
        for id in held.iter().filter(|id| !refused.contains(*id)) {
            let mine: Vec<u8> = s.heads(id).unwrap().iter().flat_map(|h| h.0).collect();
            assert_eq!(&mine, &docs[id].3, "{name}: {id} differs from the server's");
        }
    }
}

/// The periods whose figures are compared.
const FIGURE_PERIODS: [fieldreport_core::period::Period; 2] =
    [fieldreport_core::period::Period::Today, fieldreport_core::period::Period::ThisMonth];

/// A rep's device shows, for every period and metric, at least its own recomputation from what
/// it holds (sums; a rate is the snapshot's or its own): the server's snapshot never hides work.
fn never_below_own(d: &mut Device) {
    let name = d.name;
    let user = d.user.id.clone();
    let s = d.store();
    let defs = s.kpi_definitions();
    for p in FIGURE_PERIODS {
        let range = s.calendar().unwrap().resolve(p, s.now_ms());
        let own = s.kpi_figures(&user, &range, &defs).unwrap();
        let shown = s.kpi_view_of(&user, range, &defs).unwrap();
        for (o, v) in own.iter().zip(&shown.rows) {
            if o.metric.starts_with("conversion_") {
                continue;
            }
            assert!(v.value >= o.value, "{name}: {} {p} shows {} below its own {}", o.metric, v.value, o.value);
        }
    }
}

/// After the quiet end: a rep's device shows exactly the server's recomputation from the merged
/// records, for every metric.
fn figures_agree(world: &mut World, d: &mut Device) {
    let (name, user) = (d.name, d.user.clone());
    let service = world.service();
    let config = service.config().unwrap();
    let scope = fieldreport_server::figures::Scope::of(service, None, Some(&user.id)).unwrap();
    let now = fieldreport_server::now_ms();
    let server: Vec<_> = FIGURE_PERIODS
        .iter()
        .map(|p| fieldreport_server::figures::snapshot(service, &config, &scope, *p, now).unwrap())
        .collect();
    let s = d.store();
    let defs = s.kpi_definitions();
    for (p, snap) in FIGURE_PERIODS.iter().zip(&server) {
        let range = s.calendar().unwrap().resolve(*p, s.now_ms());
        let shown = s.kpi_view_of(&user.id, range, &defs).unwrap();
        for v in &shown.rows {
            let theirs =
                snap.rows.iter().find(|r| r.user_id.as_deref() == Some(user.id.as_str()) && r.metric == v.metric);
            let theirs = theirs.map(|r| r.value).unwrap_or_else(|| panic!("{name}: the server has no {}", v.metric));
            assert!((v.value - theirs).abs() < 1e-9, "{name}: {} {p}: device {} server {theirs}", v.metric, v.value);
        }
    }
}

fn schedules() -> Vec<u64> {
    if let Ok(seed) = std::env::var("FIELDREPORT_SIM_SEED") {
        return vec![seed.trim().parse().expect("FIELDREPORT_SIM_SEED is a number")];
    }
    let n: u64 = std::env::var("FIELDREPORT_SIM_SCHEDULES").ok().and_then(|v| v.parse().ok()).unwrap_or(12);
    let base: u64 = std::env::var("FIELDREPORT_SIM_BASE").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5eed);
    (0..n).map(|i| base.wrapping_mul(1_000_003).wrapping_add(i)).collect()
}

#[test]
fn devices_and_the_server_converge_whatever_the_faults() {
    let steps: usize = std::env::var("FIELDREPORT_SIM_STEPS").ok().and_then(|v| v.parse().ok()).unwrap_or(150);
    let mut total = Ran::default();
    for seed in schedules() {
        let ran = schedule(seed, steps);
        for (f, n) in ran.faults {
            *total.faults.entry(f).or_default() += n;
        }
        total.exchanges += ran.exchanges;
        total.documents += ran.documents;
    }
    eprintln!("{} exchanges, {} documents, faults {:?}", total.exchanges, total.documents, total.faults);
    // The schedules did exercise what they claim to.
    if std::env::var("FIELDREPORT_SIM_SEED").is_err() {
        for f in FAULTS {
            assert!(total.faults.get(&f).copied().unwrap_or(0) > 0, "no exchange met {f:?}");
        }
        assert!(total.documents > 50, "too little was synced: {} documents", total.documents);
    }
}
