//! The command-line contracts of `fieldreport-server` and of the device's `enroll` and `sync`,
//! run as real processes against a real server on loopback.

mod support;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use support::server_binary;

fn device_binary() -> std::path::PathBuf {
    let bin = server_binary().with_file_name(format!("fieldreport{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.exists(), "{} is missing: run `cargo build --workspace` first", bin.display());
    bin
}

fn server(data: &Path, args: &[&str]) -> Output {
    Command::new(server_binary()).arg("--data").arg(data).args(args).output().unwrap()
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn device(db: &Path, args: &[&str]) -> Output {
    Command::new(device_binary()).arg("--db").arg(db).args(args).output().unwrap()
}

struct Serving(Child);
impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn admin_commands_print_the_documented_json_and_exit_codes() {
    let data = tempfile::tempdir().unwrap();
    let init = json(&server(data.path(), &["--json", "init", "--team-name", "华东销售部", "--admin-name", "王总"]));
    for key in ["team_id", "admin_id", "enrollment_code"] {
        assert!(init[key].is_string(), "init --json has {key}: {init}");
    }
    let again = server(data.path(), &["init", "--team-name", "x", "--admin-name", "y"]);
    assert_eq!(again.status.code(), Some(2), "a second init is refused");
    let mgr = json(&server(data.path(), &["--json", "user", "add", "--name", "李经理", "--role", "manager"]));
    assert!(mgr["id"].is_string() && mgr["enrollment_code"].is_string(), "{mgr}");
    let mgr_id = mgr["id"].as_str().unwrap();
    let rep =
        json(&server(data.path(), &["--json", "user", "add", "--name", "张伟", "--role", "rep", "--manager", mgr_id]));
    let code = json(&server(data.path(), &["--json", "enroll-code", rep["id"].as_str().unwrap()]));
    assert!(code["enrollment_code"].is_string(), "{code}");
    let users = json(&server(data.path(), &["--json", "user", "list"]));
    assert_eq!(users.as_array().unwrap().len(), 3);
    for (args, what) in [
        (vec!["user", "add", "--name", "x", "--role", "boss"], "bad role"),
        (vec!["user", "add", "--name", "x", "--role", "rep", "--manager", "nobody"], "unknown manager"),
        (vec!["enroll-code", "nobody"], "unknown user"),
        (vec!["device", "revoke", "nobody"], "unknown device"),
        (vec!["frobnicate"], "unknown command"),
    ] {
        let out = server(data.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{what}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stderr).trim_end().lines().count(), 1, "{what}: one line");
    }
    let bad_tz = server(
        tempfile::tempdir().unwrap().path(),
        &["init", "--team-name", "t", "--admin-name", "a", "--tz", "Mars/Base"],
    );
    assert_eq!(bad_tz.status.code(), Some(2));
}

#[test]
fn a_device_enrolls_and_syncs_through_the_cli_while_admin_commands_run() {
    let data = tempfile::tempdir().unwrap();
    json(&server(data.path(), &["--json", "init", "--team-name", "t", "--admin-name", "admin"]));
    let rep = json(&server(data.path(), &["--json", "user", "add", "--name", "张伟", "--role", "rep"]));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let serving = Serving(
        Command::new(server_binary())
            .arg("--data")
            .arg(data.path())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let url = format!("http://127.0.0.1:{port}");
    let dev = tempfile::tempdir().unwrap();
    let db = dev.path().join("phone.db");
    let fresh = json(&device(&db, &["--json", "status"]));
    assert_eq!((fresh["enrolled"].as_bool(), fresh["state"].as_str()), (Some(false), Some("idle")), "{fresh}");
    let mut enrolled = None;
    for _ in 0..100 {
        let out =
            device(&db, &["--json", "enroll", "--server", &url, "--code", rep["enrollment_code"].as_str().unwrap()]);
        if out.status.success() {
            enrolled = Some(json(&out));
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let enrolled = enrolled.expect("the device enrolled");
    assert_eq!(enrolled["user_id"], rep["id"]);

    let c = json(&device(&db, &["--json", "customer", "add", "--name", "华为"]));
    json(&device(&db, &["--json", "visit", "log", "--customer", c["id"].as_str().unwrap(), "--note", "拜访"]));
    let stats = json(&device(&db, &["--json", "sync"]));
    for key in ["round_trips", "bytes_sent", "bytes_received", "pushed", "pulled", "rejected"] {
        assert!(stats.get(key).is_some(), "sync --json has {key}: {stats}");
    }
    assert_eq!(stats["pushed"], 2);
    assert_eq!(stats["round_trips"], 1);
    assert!(stats["rejected"].as_array().unwrap().is_empty());
    let status = json(&device(&db, &["--json", "status"]));
    assert_eq!(status["state"], "idle", "{status}");
    assert_eq!((status["unsent_changes"].as_u64(), status["last_error"].is_null()), (Some(0), true), "{status}");
    assert!(status["last_synced_at"].as_i64().is_some(), "{status}");
    // A long poll with nothing new answers empty at the end of its wait.
    let started = std::time::Instant::now();
    let waited = json(&device(&db, &["--json", "sync", "--wait", "1"]));
    assert_eq!((waited["pulled"].as_u64(), waited["pushed"].as_u64()), (Some(0), Some(0)));
    assert!(started.elapsed() >= Duration::from_secs(1), "it waited for news");

    // Admin commands work on the data directory while `serve` runs.
    let devices = json(&server(data.path(), &["--json", "device", "list"]));
    assert_eq!(devices.as_array().unwrap().len(), 1);
    let device_id = devices[0]["id"].as_str().unwrap().to_string();
    json(&server(data.path(), &["--json", "device", "revoke", &device_id]));
    let refused = device(&db, &["sync"]);
    assert_eq!(refused.status.code(), Some(2), "a revoked device is refused");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("revoked"));

    drop(serving);
    let offline = device(&db, &["sync"]);
    assert_eq!(offline.status.code(), Some(1), "an unreachable server is exit 1");
    assert!(String::from_utf8_lossy(&offline.stderr).contains("cannot reach"));
    json(&device(&db, &["--json", "visit", "log", "--customer", c["id"].as_str().unwrap(), "--note", "再访"]));
    let status = json(&device(&db, &["--json", "status"]));
    assert_eq!(status["state"], "offline", "{status}");
    assert_eq!(status["unsent_changes"], 1, "{status}");
    assert!(status["last_error"].as_str().unwrap().contains("cannot reach"), "{status}");
    let human = String::from_utf8_lossy(&device(&db, &["status"]).stdout).to_string();
    assert!(human.contains("sync: offline") && human.contains("1 change(s)"), "{human}");
    assert_eq!(json(&device(&db, &["--json", "visit", "list"])).as_array().unwrap().len(), 2, "local data untouched");
}

/// Starts `serve` on a free port for `data`, refreshing snapshots at every sync; returns the
/// process and its URL.
fn serve(data: &Path) -> (Serving, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let serving = Serving(
        Command::new(server_binary())
            .arg("--data")
            .arg(data)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--snapshot-interval", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    (serving, format!("http://127.0.0.1:{port}"))
}

#[test]
fn figures_commands_print_the_documented_json() {
    let data = tempfile::tempdir().unwrap();
    json(&server(data.path(), &["--json", "init", "--team-name", "t", "--admin-name", "admin"]));
    let mgr = json(&server(data.path(), &["--json", "user", "add", "--name", "李经理", "--role", "manager"]));
    let mgr_id = mgr["id"].as_str().unwrap();
    let rep = json(&server(
        data.path(),
        &["--json", "user", "add", "--name", "张伟", "--role", "rep", "--manager", mgr_id, "--since", "2020-01-01"],
    ));
    let rep_id = rep["id"].as_str().unwrap();
    let later = server(data.path(), &["user", "add", "--name", "明天", "--role", "rep", "--since", "2999-01-01"]);
    assert_eq!(later.status.code(), Some(2), "nobody joins in the future");
    let cfg = data.path().join("team.toml");
    std::fs::write(
        &cfg,
        format!("[[targets]]\nmetric = \"visits\"\nuser = \"{rep_id}\"\nper = \"week\"\nvalue = 70\nfrom = \"2020-01-01\"\n"),
    )
    .unwrap();
    let applied = json(&server(data.path(), &["--json", "config", "apply", cfg.to_str().unwrap()]));
    assert_eq!(applied["version"], 1);
    std::fs::write(&cfg, "[team]\ntz = \"Mars/Base\"\n").unwrap();
    let refused = server(data.path(), &["config", "apply", cfg.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2), "a bad file is bad input");
    assert_eq!(json(&server(data.path(), &["--json", "config", "show"]))["version"], 1, "and changes nothing");

    let (_serving, url) = serve(data.path());
    let dev = tempfile::tempdir().unwrap();
    let db = dev.path().join("phone.db");
    let code = rep["enrollment_code"].as_str().unwrap();
    let enrolled = until_served(&db, &["--json", "enroll", "--server", &url, "--code", code]);
    let first = &enrolled["first_sync"];
    assert!(first["published"].as_u64().unwrap() >= 3, "the configuration, directory and snapshot arrived: {first}");
    let c = json(&device(&db, &["--json", "customer", "add", "--name", "华为"]));
    json(&device(&db, &["--json", "visit", "log", "--customer", c["id"].as_str().unwrap(), "--note", "拜访"]));
    let stats = json(&device(&db, &["--json", "sync"]));
    assert_eq!(stats["pushed"], 2, "{stats}");

    // The server's rows: {user_id (null for the team), metric, value, target, achievement, status}.
    let rows = json(&server(data.path(), &["--json", "kpi", "--period", "this-week"]));
    let rows = rows.as_array().unwrap();
    for r in rows {
        for key in ["user_id", "metric", "value", "target", "achievement", "status"] {
            assert!(r.get(key).is_some(), "kpi row has {key}: {r}");
        }
    }
    let visits = rows.iter().find(|r| r["user_id"] == rep_id && r["metric"] == "visits").unwrap();
    assert_eq!(visits["value"], 1.0);
    assert!(visits["target"].as_f64().unwrap() > 0.0, "{visits}");
    assert!(rows.iter().any(|r| r["user_id"].is_null()), "team rows");
    let mine = json(&server(data.path(), &["--json", "kpi", "--period", "this-week", "--user", rep_id]));
    let mine = mine.as_array().unwrap();
    assert!(!mine.is_empty() && mine.iter().all(|r| r["user_id"] == rep_id), "only the rep's rows: {mine:?}");
    assert!(json(&server(data.path(), &["--json", "alerts"])).is_array());
    let subs = json(&server(data.path(), &["--json", "submissions", "--period", "this-week"]));
    assert_eq!(subs[0]["user_id"], rep_id);
    assert!(json(&server(data.path(), &["--json", "deliveries"])).is_array());
    let link = json(&server(data.path(), &["--json", "user", "login-link", mgr_id, "--base-url", &url]));
    assert!(link["url"].as_str().unwrap().starts_with(&format!("{url}/login/")), "{link}");

    // The device's rows: the same, plus where they came from and when. The server refreshes the
    // snapshot off the sync that brought the visit; a later sync delivers it.
    let mut figures = json(&device(&db, &["--json", "kpi", "--period", "this-week", "--metric", "visits"]));
    for _ in 0..50 {
        if figures[0]["target"].is_number() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        json(&device(&db, &["--json", "sync"]));
        figures = json(&device(&db, &["--json", "kpi", "--period", "this-week", "--metric", "visits"]));
    }
    let v = &figures[0];
    for key in ["user_id", "metric", "value", "target", "achievement", "status", "source", "as_of"] {
        assert!(v.get(key).is_some(), "device kpi row has {key}: {v}");
    }
    // The device holds every change the server's snapshot holds: it counts its own records, with
    // the snapshot's target.
    assert_eq!((v["source"].as_str(), v["value"].as_f64()), (Some("local"), Some(1.0)), "{v}");
    assert!(v["target"].as_f64().is_some_and(|t| t > 0.0), "{v}");
    let alerts = json(&device(&db, &["--json", "alerts"]));
    assert!(alerts["alerts"].is_array() && alerts["as_of"].is_string(), "{alerts}");
}

/// Runs a device command until the server answers (it may still be starting).
fn until_served(db: &Path, args: &[&str]) -> Value {
    for _ in 0..100 {
        let out = device(db, args);
        if out.status.success() {
            return json(&out);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{args:?} never succeeded")
}

#[tokio::test]
async fn people_appear_as_people_on_the_command_line() {
    let data = tempfile::tempdir().unwrap();
    json(&server(data.path(), &["--json", "init", "--team-name", "华东", "--admin-name", "王总"]));
    let mgr = json(&server(data.path(), &["--json", "user", "add", "--name", "李经理", "--role", "manager"]));
    let mgr_id = mgr["id"].as_str().unwrap();
    let rep = json(&server(
        data.path(),
        &["--json", "user", "add", "--name", "张伟", "--role", "rep", "--manager", mgr_id, "--phone", "138-0000-0000"],
    ));
    assert_eq!(rep["phone"], "13800000000");
    let (_serving, url) = serve(data.path());
    let dev = tempfile::tempdir().unwrap();
    let (phone, boss) = (dev.path().join("phone.db"), dev.path().join("boss.db"));
    let code = rep["enrollment_code"].as_str().unwrap();
    until_served(&phone, &["--json", "enroll", "--server", &url, "--code", code, "--name", "张伟的手机"]);
    until_served(&boss, &["--json", "enroll", "--server", &url, "--code", mgr["enrollment_code"].as_str().unwrap()]);
    json(&device(&phone, &["--json", "sync"]));

    // The directory on the device: `team` names everyone, with roles in words and managers.
    let team = String::from_utf8(device(&phone, &["team"]).stdout).unwrap();
    assert!(
        team.starts_with("姓名") && team.contains("张伟") && team.contains("销售") && team.contains("李经理"),
        "{team}"
    );
    // The admin's lists have headers and names, the device its name.
    let devices = String::from_utf8(server(data.path(), &["device", "list"]).stdout).unwrap();
    assert!(devices.starts_with("DEVICE") && devices.contains("张伟的手机") && devices.contains("张伟"), "{devices}");
    let users = String::from_utf8(server(data.path(), &["user", "list"]).stdout).unwrap();
    assert!(
        users.starts_with("NAME") && users.lines().any(|l| l.starts_with("张伟") && l.contains("李经理")),
        "{users}"
    );

    // A report goes to the manager with no --to; the manager's device lists it with its author.
    let r = json(&device(&phone, &["--json", "report", "new", "daily"]));
    let r = r["id"].as_str().unwrap();
    json(&device(&phone, &["--json", "report", "set", r, "done", "拜访华为"]));
    let unknown = device(&phone, &["report", "submit", r, "--to", "李经"]);
    assert!(unknown.status.success(), "a unique start of a name is enough");
    let submitted = String::from_utf8(unknown.stdout).unwrap();
    assert!(submitted.contains("to 李经理"), "{submitted}");
    json(&device(&phone, &["--json", "sync"]));
    json(&device(&boss, &["--json", "sync"]));
    let listed = String::from_utf8(device(&boss, &["report", "list"]).stdout).unwrap();
    assert!(listed.contains("张伟") && listed.contains("日报") && listed.contains("已提交"), "{listed}");
    let figures = json(&device(&boss, &["--json", "kpi", "--user", "张伟", "--metric", "visits"]));
    assert_eq!(figures[0]["user_name"], "张伟", "a manager's device shows a member's figures: {figures}");

    // Sign in with the phone: the browser's page shows a code; the device approves it; reused, it fails.
    fieldreport_core::sync::http_client().unwrap(); // installs the TLS provider
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = http.get(format!("{url}/login")).send().await.unwrap();
    let cookie = page.headers().get("set-cookie").unwrap().to_str().unwrap().split(';').next().unwrap().to_string();
    let html = page.text().await.unwrap();
    assert!(html.contains("<svg") && html.contains("http-equiv=\"refresh\""), "a QR code and a self-refreshing page");
    let at = html.find("id=\"code\">").unwrap() + "id=\"code\">".len();
    let code = &html[at..at + 9];
    let ok = device(&phone, &["web-login", code]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let signed = http.get(format!("{url}/login")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(signed.status().as_u16(), 303, "the browser that showed the code is signed in");
    assert!(signed.headers().get_all("set-cookie").iter().any(|c| c.to_str().unwrap().starts_with("fr_session=")));
    let again = device(&phone, &["web-login", code]);
    assert_eq!(again.status.code(), Some(2), "a code works once");
    let sessions = json(&server(data.path(), &["--json", "user", "sessions", rep["id"].as_str().unwrap()]));
    let session = sessions[0]["id"].as_str().unwrap();
    json(&server(data.path(), &["--json", "session", "revoke", session]));
}

/// `visit attach`, `report attach`, `sync`, `attachment list|get`, `files` on the command line.
#[test]
fn photos_on_the_command_line() {
    let data = tempfile::tempdir().unwrap();
    json(&server(data.path(), &["--json", "init", "--team-name", "华东", "--admin-name", "王总"]));
    let mgr = json(&server(data.path(), &["--json", "user", "add", "--name", "李经理", "--role", "manager"]));
    let rep = json(&server(
        data.path(),
        &["--json", "user", "add", "--name", "张伟", "--role", "rep", "--manager", mgr["id"].as_str().unwrap()],
    ));
    let (_serving, url) = serve(data.path());
    let dev = tempfile::tempdir().unwrap();
    let (phone, boss) = (dev.path().join("phone.db"), dev.path().join("boss.db"));
    until_served(&phone, &["--json", "enroll", "--server", &url, "--code", rep["enrollment_code"].as_str().unwrap()]);
    until_served(&boss, &["--json", "enroll", "--server", &url, "--code", mgr["enrollment_code"].as_str().unwrap()]);

    let photo = dev.path().join("门头照.png");
    let img = image::RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8, y as u8, 90]));
    img.save(&photo).unwrap();
    let not_a_photo = dev.path().join("fake.jpg");
    std::fs::write(&not_a_photo, "this is text, not a JPEG").unwrap();

    json(&device(&phone, &["--json", "customer", "add", "--name", "华为"]));
    let v = json(&device(&phone, &["--json", "visit", "log", "--customer", "华为", "--note", "拜访"]));
    let v = v["id"].as_str().unwrap();
    // One good file and one that is not what its name says: the good one attaches, the other is
    // refused by its bytes (exit 2, naming it).
    let out = device(&phone, &["--json", "visit", "attach", v, photo.to_str().unwrap(), not_a_photo.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fake.jpg"));
    let attached: Value = serde_json::from_slice(&out.stdout).unwrap();
    let hash = attached["attached"][0]["hash"].as_str().unwrap().to_string();
    assert_eq!(attached["attached"][0]["name"], "门头照.png");
    let shown = json(&device(&phone, &["--json", "visit", "show", v]));
    assert_eq!(shown["attachments"][0]["state"]["state"], "own");

    let r = json(&device(&phone, &["--json", "report", "new", "daily"]));
    let r = r["id"].as_str().unwrap();
    json(&device(&phone, &["--json", "report", "set", r, "done", "拜访华为"]));
    json(&device(&phone, &["--json", "report", "attach", r, "--section", "done", photo.to_str().unwrap()]));
    // A submit syncs at once: the report, the visit and the photo go with it.
    let submitted = json(&device(&phone, &["--json", "report", "submit", r]));
    assert_eq!(submitted["sent"], true, "{submitted}");
    assert_eq!(submitted["sync"]["files_uploaded"], 1, "the same photo on two records goes once: {submitted}");
    let md = String::from_utf8(device(&phone, &["report", "show", r]).stdout).unwrap();
    assert!(md.contains("📎 门头照.png"), "the rendering lists the file by name:\n{md}");
    json(&device(&boss, &["--json", "sync"]));
    let listed = json(&device(&boss, &["--json", "attachment", "list"]));
    assert!(listed.as_array().unwrap().iter().all(|f| f["state"]["state"] == "missing"), "{listed}");
    let out_file = dev.path().join("got.png");
    let got = json(&device(&boss, &["--json", "attachment", "get", &hash[..8], "--out", out_file.to_str().unwrap()]));
    assert_eq!(got["hash"], hash.as_str());
    let phone_copy = dev.path().join("mine.png");
    json(&device(&phone, &["--json", "attachment", "get", "门头照.png", "--out", phone_copy.to_str().unwrap()]));
    assert_eq!(std::fs::read(&out_file).unwrap(), std::fs::read(&phone_copy).unwrap());

    let files = json(&server(data.path(), &["--json", "files"]));
    assert_eq!(files["files"]["members"][0]["files"], 1, "{files}");
    let doctor = json(&server(data.path(), &["--json", "doctor"]));
    assert!(doctor["files"]["max_file_bytes"].is_u64(), "doctor shows the file quotas: {doctor}");
}

#[test]
fn a_refused_edit_stays_listed_until_resolved_on_the_command_line() {
    let data = tempfile::tempdir().unwrap();
    json(&server(data.path(), &["--json", "init", "--team-name", "华东", "--admin-name", "王总"]));
    let rep = json(&server(data.path(), &["--json", "user", "add", "--name", "张伟", "--role", "rep"]));
    let rep_id = rep["id"].as_str().unwrap();
    let second = json(&server(data.path(), &["--json", "enroll-code", rep_id]));
    let (_serving, url) = serve(data.path());
    let dev = tempfile::tempdir().unwrap();
    let (phone, tablet) = (dev.path().join("phone.db"), dev.path().join("tablet.db"));
    until_served(&phone, &["--json", "enroll", "--server", &url, "--code", rep["enrollment_code"].as_str().unwrap()]);
    until_served(
        &tablet,
        &["--json", "enroll", "--server", &url, "--code", second["enrollment_code"].as_str().unwrap()],
    );

    let r = json(&device(&phone, &["--json", "report", "new", "daily"]));
    let id = r["id"].as_str().unwrap();
    json(&device(&phone, &["--json", "report", "set", id, "done", "拜访三家客户。"]));
    json(&device(&phone, &["--json", "sync"]));
    json(&device(&tablet, &["--json", "sync"]));
    json(&device(&phone, &["--json", "report", "submit", id, "--to", "王总"]));
    json(&device(&phone, &["--json", "sync"]));
    json(&device(&tablet, &["--json", "report", "set", id, "done", "拜访三家客户，签下一单。"]));
    let synced = json(&device(&tablet, &["--json", "sync"]));
    assert_eq!(synced["rejected"][0]["id"], id, "{synced}");

    let listed = json(&device(&tablet, &["--json", "rejected"]));
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!((listed[0]["id"].as_str(), listed[0]["kind"].as_str()), (Some(id), Some("report")));
    assert!(listed[0]["reason"].as_str().is_some_and(|r| !r.is_empty()));
    let kept = json(&device(&tablet, &["--json", "rejected", "keep", id]));
    let new_id = kept["new_id"].as_str().unwrap();
    let new = String::from_utf8(device(&tablet, &["report", "show", new_id]).stdout).unwrap();
    assert!(new.contains("签下一单"), "{new}");
    let back = String::from_utf8(device(&tablet, &["report", "show", id]).stdout).unwrap();
    assert!(back.contains("拜访三家客户。") && !back.contains("签下一单"), "{back}");
    assert_eq!(json(&device(&tablet, &["--json", "rejected"])), serde_json::json!([]));
    assert_eq!(
        device(&tablet, &["rejected", "discard", "0190c0de-0000-7000-8000-000000000000"]).status.code(),
        Some(2)
    );
}

#[test]
fn the_managers_week_on_the_command_line() {
    let data = tempfile::tempdir().unwrap();
    json(&server(data.path(), &["--json", "init", "--team-name", "华东", "--admin-name", "王总"]));
    let mgr = json(&server(data.path(), &["--json", "user", "add", "--name", "李经理", "--role", "manager"]));
    let mgr_id = mgr["id"].as_str().unwrap();
    let rep = json(&server(
        data.path(),
        &["--json", "user", "add", "--name", "张伟", "--role", "rep", "--manager", mgr_id, "--since", "2020-01-01"],
    ));
    let rep_id = rep["id"].as_str().unwrap();
    let (_serving, url) = serve(data.path());
    let dev = tempfile::tempdir().unwrap();
    let (phone, boss) = (dev.path().join("phone.db"), dev.path().join("boss.db"));
    until_served(&phone, &["--json", "enroll", "--server", &url, "--code", rep["enrollment_code"].as_str().unwrap()]);
    until_served(&boss, &["--json", "enroll", "--server", &url, "--code", mgr["enrollment_code"].as_str().unwrap()]);

    // Reminders, offline: each with the documented keys.
    let reminders =
        json(&device(&phone, &["--json", "--now", "2026-11-26T09:00:00+08:00", "reminders", "--days", "2"]));
    // Overdue ones of the last week come first (earliest first), then today's.
    let first = reminders
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["overdue"] == false)
        .unwrap_or_else(|| panic!("something is due soon: {reminders}"));
    for key in ["at", "report_kind", "period", "text", "due_at"] {
        assert!(first[key].is_string(), "reminders has {key}: {reminders}");
    }
    assert_eq!(
        (first["report_kind"].as_str(), first["period"].as_str()),
        (Some("daily"), Some("2026-11-26..2026-11-26"))
    );
    assert!(reminders.as_array().unwrap().iter().any(|r| r["overdue"] == true), "{reminders}");

    // 催交 from the manager's device; again within the hour (here from the server's command
    // line) is refused; a rep cannot nudge; the rep's inbox has it after a sync.
    let nudged = json(&device(&boss, &["--json", "nudge", "张伟", "--kind", "weekly", "--period", "this-week"]));
    for key in ["id", "user_id", "kind", "first", "last", "at"] {
        assert!(!nudged[key].is_null(), "nudge has {key}: {nudged}");
    }
    let again = server(data.path(), &["nudge", rep_id, "--kind", "weekly", "--period", "this-week"]);
    assert_eq!(again.status.code(), Some(2), "{}", String::from_utf8_lossy(&again.stderr));
    assert_eq!(device(&phone, &["nudge", "李经理"]).status.code(), Some(2), "a rep cannot nudge");
    json(&device(&phone, &["--json", "sync"]));
    let inbox = json(&device(&phone, &["--json", "inbox"]));
    assert_eq!((inbox[0]["kind"].as_str(), inbox[0]["by_name"].as_str()), (Some("nudge"), Some("李经理")), "{inbox}");

    // An export from the server's command line.
    let out = dev.path().join("visits.csv");
    let exported = json(&server(
        data.path(),
        &[
            "--json",
            "export",
            "--what",
            "visits",
            "--period",
            "this-month",
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    assert_eq!(exported["rows"], 0);
    assert!(std::fs::read_to_string(&out).unwrap().starts_with("\u{feff}成员,客户"));
    let bad = server(data.path(), &["export", "--what", "deals", "--out", out.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
}
