//! `fieldreport-server demo`: a simulated week in one process — a server on loopback, a manager
//! and two reps, one rep with a phone and a tablet. Its data goes to a temporary directory, or
//! with `--data DIR` (a new or empty directory) stays there to look at afterwards.

use std::path::Path;

use chrono::{Days, NaiveDate, NaiveTime};
use fieldreport_core::doc::{CustomerEdit, FollowupKind, NewCustomer, NewFollowup, ReportKind};
use fieldreport_core::period::Calendar;
use fieldreport_core::report::{render_markdown, Dialect, Lang};
use fieldreport_core::store::Enrollment;
use fieldreport_core::sync::{self, CancelToken, SyncOptions, SyncStats};
use fieldreport_core::Store;
use fieldreport_server::Service;
use fieldreport_server::{Limits, ServerError};
use serde_json::json;

/// What can stop the demo: the server, or one of its devices.
#[derive(Debug, thiserror::Error)]
enum DemoError {
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error(transparent)]
    Device(#[from] fieldreport_core::Error),
}

type R<T> = Result<T, DemoError>;

/// The command's error (a device's bad input is the caller's, exit 2; its other failures exit 1).
impl From<DemoError> for ServerError {
    fn from(e: DemoError) -> ServerError {
        match e {
            DemoError::Server(e) => e,
            DemoError::Device(e) if e.is_bad_input() => ServerError::BadRequest(e.to_string()),
            DemoError::Device(e) => ServerError::Setup(e.to_string()),
        }
    }
}

/// `println!` through the command's stdout writer (a closed pipe ends the demo quietly).
macro_rules! say {
    () => { crate::out("\n") };
    ($($arg:tt)*) => { crate::out(&format!("{}\n", format!($($arg)*))) };
}

struct Device {
    name: &'static str,
    store: Store,
    totals: SyncStats,
}

impl Device {
    async fn enroll(name: &'static str, dir: &Path, url: &str, code: &str) -> R<Device> {
        let mut store = Store::open(dir.join(format!("{name}.db")))?;
        sync::enroll_named(&mut store, url, code, Some(name), &SyncOptions::default()).await?;
        Ok(Device { name, store, totals: SyncStats::default() })
    }

    async fn sync(&mut self) -> R<SyncStats> {
        let s = sync::sync(&mut self.store, &SyncOptions::default(), None, &CancelToken::new()).await?;
        let t = &mut self.totals;
        t.round_trips += s.round_trips;
        t.bytes_sent += s.bytes_sent;
        t.bytes_received += s.bytes_received;
        t.pushed += s.pushed;
        t.pulled += s.pulled;
        t.rejected.extend(s.rejected.clone());
        Ok(s)
    }

    fn at(&mut self, ms: i64) {
        self.store.set_now(Some(ms));
    }

    fn visit(&mut self, customer: &str, kind: FollowupKind, at: i64, note: &str, next: &str) -> R<()> {
        self.store
            .log_followup(NewFollowup { next_step: next.into(), ..NewFollowup::new(customer, kind, at, note) })?;
        Ok(())
    }
}

/// A store that claims to be `user`, authoring as `actor` with `token_of`'s token: what a
/// tampered app would send.
fn forger(url: &str, user: &str, actor: &str, token_of: &mut Store) -> R<Store> {
    let state = token_of.sync_state()?;
    let id = token_of.identity()?;
    let mut s = Store::open_in_memory()?;
    s.complete_enrollment(
        url,
        actor,
        &Enrollment {
            device_id: state.device_id,
            token: state.token,
            user_id: user.into(),
            team_id: id.team_id,
            tz: id.tz,
            week_start: id.week_start,
            role: state.role,
        },
    )?;
    Ok(s)
}

async fn sync_forger(s: &mut Store) -> R<SyncStats> {
    Ok(sync::sync(s, &SyncOptions::default(), None, &CancelToken::new()).await?)
}

pub fn run(json_out: bool, keep: Option<&Path>) -> Result<(), ServerError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ServerError::Internal(format!("cannot start the runtime: {e}")))?;
    Ok(rt.block_on(week(json_out, keep))?)
}

/// Where the demo's data goes: `keep` (which must be new or empty), else a temporary directory
/// removed at the end.
fn place(keep: Option<&Path>) -> Result<(std::path::PathBuf, Option<tempfile::TempDir>), ServerError> {
    match keep {
        Some(dir) => {
            let empty = match std::fs::read_dir(dir) {
                Ok(mut entries) => entries.next().is_none(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
                Err(e) => return Err(ServerError::BadRequest(format!("cannot read {}: {e}", dir.display()))),
            };
            if !empty {
                return Err(ServerError::BadRequest(format!(
                    "{} is not empty: the demo writes a new team there; give a new or empty directory",
                    dir.display()
                )));
            }
            std::fs::create_dir_all(dir)
                .map_err(|e| ServerError::BadRequest(format!("cannot create {}: {e}", dir.display())))?;
            Ok((dir.to_path_buf(), None))
        }
        None => {
            let t = tempfile::tempdir().map_err(|e| ServerError::Internal(e.to_string()))?;
            Ok((t.path().to_path_buf(), Some(t)))
        }
    }
}

/// The demo's team: the server, its members and their devices, on one clock.
struct Team {
    root: std::path::PathBuf,
    data: std::path::PathBuf,
    url: String,
    running: fieldreport_server::Running,
    manager_id: String,
    zhang_id: String,
    liu_id: String,
    phone: Device,
    tablet: Device,
    liu: Device,
    manager: Device,
    cal: Calendar,
    monday: NaiveDate,
}

impl Team {
    /// UTC milliseconds of `hh:mm` on the `day`-th day of the demo's week, in Shanghai.
    fn at(&self, day: u64, hh: u32, mm: u32) -> i64 {
        let d = self.monday + Days::new(day);
        self.cal.local_ms(d, NaiveTime::from_hms_opt(hh, mm, 0).unwrap_or_default())
    }
}

/// A team server with a manager and two reps, and their four devices enrolled.
async fn team(root: std::path::PathBuf, keep: bool, json_out: bool) -> R<Team> {
    let data = root.join("server");
    let admin = Service::open_dir(&data)?;
    admin.init_team("华东销售部", "Asia/Shanghai", "monday", "王总")?;
    // The team came onto the server a month ago: they owe reports and are measured since then.
    let month_ago = Some(fieldreport_server::now_ms() - 30 * 86_400_000);
    let (mgr, mgr_code) = admin.add_member_since("李经理", "manager", None, None, month_ago)?;
    let (zhang, zhang_code) = admin.add_member_since("张伟", "rep", Some(&mgr.id), None, month_ago)?;
    let (liu, liu_code) = admin.add_member_since("刘芳", "rep", Some(&mgr.id), None, month_ago)?;
    let running = fieldreport_server::start(&data, "127.0.0.1:0", Limits::default()).await?;
    let url = format!("http://{}", running.addr);
    let kept = if keep { format!("data in {}", root.display()) } else { "data in a temporary directory".into() };
    say(json_out, format!("server listening on {url} ({kept})"));

    let devices = root.join("devices");
    std::fs::create_dir_all(&devices).map_err(|e| ServerError::Internal(e.to_string()))?;
    let phone = Device::enroll("张伟-phone", &devices, &url, &zhang_code).await?;
    let tablet_code = admin.enrollment_code(&zhang.id)?;
    let tablet = Device::enroll("张伟-tablet", &devices, &url, &tablet_code).await?;
    let liu_phone = Device::enroll("刘芳-phone", &devices, &url, &liu_code).await?;
    let manager = Device::enroll("李经理-phone", &devices, &url, &mgr_code).await?;
    Ok(Team {
        root,
        data,
        url,
        running,
        manager_id: mgr.id,
        zhang_id: zhang.id,
        liu_id: liu.id,
        phone,
        tablet,
        liu: liu_phone,
        manager,
        cal: Calendar::parse("Asia/Shanghai", "monday").map_err(ServerError::from)?,
        monday: NaiveDate::from_ymd_opt(2026, 11, 16).unwrap_or_default(),
    })
}

/// The customers the week is about: 张伟's two, 刘芳's one.
struct Customers {
    huawei: String,
    acme: String,
    byte: String,
}

/// One working day: visits logged offline, then the evening report written on the phone and the
/// tablet while offline, merged, submitted and commented on by the manager. Returns the report.
async fn working_day(t: &mut Team, c: &Customers, day: u64) -> R<String> {
    const NOTES: [(&str, &str); 5] = [
        ("拜访张总，介绍新一代服务器方案", "周三前发技术白皮书"),
        ("电话跟进采购李经理，确认预算区间", "约周四现场演示"),
        ("现场演示，客户技术团队反馈良好", "周五提交正式报价"),
        ("提交报价，客户希望分两期付款", "下周一确认付款条款"),
        ("与财务确认分期方案，推进合同评审", "跟进法务意见"),
    ];
    let (at, manager) = (|hh, mm| t.at(day, hh, mm), t.manager_id.clone());
    let (ten, half_three, eleven) = (at(10, 0), at(15, 30), at(11, 0));
    let (seven, ten_past, twenty_past, nine) = (at(19, 0), at(19, 10), at(19, 20), at(21, 0));
    // Visits logged offline on the phone during the day.
    t.phone.at(ten);
    let (note, next) = NOTES[day as usize % NOTES.len()];
    t.phone.visit(&c.huawei, FollowupKind::Visit, ten, note, next)?;
    t.phone.visit(&c.acme, FollowupKind::Call, half_three, "电话回访，了解二期需求", "")?;
    t.liu.at(eleven);
    t.liu.visit(&c.byte, FollowupKind::Visit, eleven, "拜访技术负责人", "准备方案")?;

    // The evening report: started on the phone, synced to the tablet, then edited on both while
    // offline.
    t.phone.at(seven);
    let r = t.phone.store.new_report(ReportKind::Daily, None, Lang::ZhCn)?.header.id;
    t.phone.store.set_report_text(&r, "done", "今天完成了华为和精工的跟进。")?;
    t.phone.store.insert_followups(&r, None, None)?;
    t.phone.sync().await?;
    t.tablet.at(ten_past);
    t.tablet.sync().await?;
    t.tablet.store.set_report_text(&r, "plan", "明天继续推进华为项目。")?;
    t.tablet.store.insert_kpis(&r, None, None, &[])?;
    t.phone.at(twenty_past);
    t.phone.store.splice_report(&r, "done", 0, 0, "【重点】")?;
    t.phone.store.set_report_text(&r, "help", "需要售前支持现场演示。")?;
    t.tablet.sync().await?;
    t.phone.sync().await?;
    t.phone.store.submit_report(&r, std::slice::from_ref(&manager), &[])?;
    t.phone.sync().await?;
    t.liu.sync().await?;

    t.manager.at(nine);
    t.manager.sync().await?;
    t.manager.store.comment_report(&r, &format!("第{}天：进展不错，注意回款节奏。", day + 1))?;
    t.manager.sync().await?;
    t.phone.sync().await?;
    t.tablet.sync().await?;
    Ok(r)
}

/// Forgery attempts, each refused by the server; returns what was refused and why. 刘芳 writes
/// Friday's report first, and a copy of her draft leaks before she submits it.
async fn forgeries(t: &mut Team, c: &Customers) -> R<Vec<String>> {
    let half_seven = t.at(4, 19, 30);
    t.liu.at(half_seven);
    let liu_report = t.liu.store.new_report(ReportKind::Daily, None, Lang::ZhCn)?.header.id;
    t.liu.store.set_report_text(&liu_report, "done", "拜访云帆科技技术负责人。")?;
    let liu_draft = t.liu.store.changes_since(&liu_report, &[])?;
    t.liu.store.submit_report(&liu_report, std::slice::from_ref(&t.manager_id), &[])?;
    t.liu.sync().await?;
    t.manager.sync().await?;

    let mut refusals = Vec::new();
    // 1. 刘芳 renames 张伟's customer, obtained out of band.
    t.liu.store.merge_changes(&c.huawei, &t.phone.store.changes_since(&c.huawei, &[])?)?;
    t.liu.store.edit_customer(&c.huawei, CustomerEdit { name: Some("被篡改的客户名".into()), ..Default::default() })?;
    let s = t.liu.sync().await?;
    refusals.extend(s.rejected.iter().map(|r| format!("刘芳 renames 张伟's customer {}: {}", r.id, r.reason)));
    // 2. The manager's device rewrites the text of 刘芳's submitted report (from a draft copy).
    let mgr_actor = t.manager.store.identity()?.actor;
    let mut forged = forger(&t.url, &t.liu_id, &mgr_actor, &mut t.manager.store)?;
    forged.merge_changes(&liu_report, &liu_draft)?;
    forged.set_report_text(&liu_report, "done", "经理替你改写了日报。")?;
    let s = sync_forger(&mut forged).await?;
    refusals.extend(s.rejected.iter().map(|r| format!("manager rewrites report {}: {}", r.id, r.reason)));
    // 3. Changes authored by an actor the server never enrolled, with a valid token.
    let mut stranger = forger(&t.url, &t.zhang_id, "00112233445566778899aabbccddeeff", &mut t.phone.store)?;
    stranger.add_customer(NewCustomer { name: "伪造客户".into(), ..Default::default() })?;
    let s = sync_forger(&mut stranger).await?;
    refusals.extend(s.rejected.iter().map(|r| format!("forged actor creates {}: {}", r.id, r.reason)));
    Ok(refusals)
}

async fn week(json_out: bool, keep: Option<&Path>) -> R<()> {
    let started = std::time::Instant::now();
    let (root, _temporary) = place(keep)?;
    let mut t = team(root, keep.is_some(), json_out).await?;
    let (eight_thirty, eight_forty) = (t.at(0, 8, 30), t.at(0, 8, 40));
    t.phone.at(eight_thirty);
    let named = |name: &str| NewCustomer { name: name.into(), ..Default::default() };
    let huawei = t.phone.store.add_customer(named("上海华为技术有限公司"))?.header.id;
    let acme = t.phone.store.add_customer(named("苏州精工制造"))?.header.id;
    t.liu.at(eight_forty);
    let byte = t.liu.store.add_customer(named("杭州云帆科技"))?.header.id;
    t.phone.sync().await?;
    t.tablet.sync().await?;
    t.liu.sync().await?;
    let customers = Customers { huawei, acme, byte };

    let mut last_report = String::new();
    for day in 0..5u64 {
        last_report = working_day(&mut t, &customers, day).await?;
    }
    let refusals = forgeries(&mut t, &customers).await?;

    let report = t.phone.store.report(&last_report)?;
    let markdown = render_markdown(&report, Lang::ZhCn, Dialect::Gfm, &t.cal, &t.phone.store.names()?);
    let Team { root, data, running, phone, tablet, liu, manager, .. } = t;
    running.shutdown().await;
    let devices = [&phone, &tablet, &liu, &manager];
    let seconds = started.elapsed().as_secs_f64();
    if json_out {
        let stats: Vec<_> = devices.iter().map(|d| json!({"device": d.name, "stats": d.totals})).collect();
        say!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "report_markdown": markdown,
                "devices": stats,
                "rejected": refusals,
                "seconds": seconds,
                "data": keep.map(|_| root.display().to_string()),
            }))
            .unwrap_or_default()
        );
    } else {
        tell(&markdown, &devices, &refusals, seconds);
        if keep.is_some() {
            say!(
                "the data stays in {root}: `fieldreport-server --data {server} serve` serves it, and each device's \
                 database is in {root}/devices (`fieldreport --db {root}/devices/张伟-phone.db report list`)",
                root = root.display(),
                server = data.display()
            );
        }
    }
    Ok(())
}

/// The week in words: the last report as merged, each device's traffic, what was refused.
fn tell(markdown: &str, devices: &[&Device], refusals: &[String], seconds: f64) {
    say!("\n===== 张伟's last daily report, merged from phone, tablet and the manager =====\n");
    say!("{markdown}");
    say!("===== sync statistics per device (whole week) =====");
    for d in devices {
        let t = &d.totals;
        say!(
            "{:<14} {:>3} round trips, {:>7} bytes sent, {:>7} received, {:>3} pushed, {:>3} pulled, {} rejected",
            d.name,
            t.round_trips,
            t.bytes_sent,
            t.bytes_received,
            t.pushed,
            t.pulled,
            t.rejected.len()
        );
    }
    say!("\n===== forgery attempts =====");
    for r in refusals {
        say!("rejected: {r}");
    }
    say!("\ndemo finished in {seconds:.1} s");
}

fn say(json_out: bool, line: String) {
    if !json_out {
        say!("{line}");
    }
}
