//! The organisation as a tree (issue 27): departments made by name on the server, carried to
//! every device by the directory; a member's move is one small change; heads see down the tree,
//! read their departments' figures (dashboard, API, CLI, offline), and are a report's default
//! recipients up the chain.

#[macro_use]
mod support;

use support::*;

on_both!(
    the_tree_reaches_every_device_and_a_move_is_one_small_change,
    a_director_sees_down_the_tree_and_a_regional_manager_their_region_only,
    a_department_keeps_the_figures_of_a_member_who_moved,
    a_report_goes_to_the_head_and_is_copied_up_the_chain,
);

async fn the_tree_reaches_every_device_and_a_move_is_one_small_change(server: Server) {
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

/// The seeds' three levels: a director heading the company, regional managers heading their
/// regions, reps. The director's device and dashboard hold every region's visits and figures; a
/// regional manager's hold their own region's only; reports still go where they are addressed.
async fn a_director_sees_down_the_tree_and_a_regional_manager_their_region_only(server: Server) {
    let (director, director_code) = server.user("李总监", "manager", None);
    let (sh_mgr, sh_code) = server.user("张经理", "manager", None);
    let (hz_mgr, _) = server.user("王经理", "manager", None);
    let (_, a_code) = server.user("小张", "rep", Some(&sh_mgr));
    let (_, b_code) = server.user("小王", "rep", Some(&hz_mgr));
    let edit = fieldreport_server::service::DeptEdit { add_heads: vec!["李总监".into()], ..Default::default() };
    server.admin.edit_department("华东销售", edit).unwrap();
    server.admin.add_department("上海区", None, &["张经理".to_string()]).unwrap();
    server.admin.add_department("杭州区", None, &["王经理".to_string()]).unwrap();
    for (who, dept) in [("小张", "上海区"), ("张经理", "上海区"), ("小王", "杭州区"), ("王经理", "杭州区")]
    {
        server.admin.set_member_department(who, dept).unwrap();
    }
    let mut a = Device::enroll(&server.url, &a_code).await;
    let mut b = Device::enroll(&server.url, &b_code).await;
    let ca = a.customer("华为");
    let va = a.visit(&ca, "上海的拜访");
    let cb = b.customer("阿里");
    let vb = b.visit(&cb, "杭州的拜访");
    a.sync().await;
    b.sync().await;

    let mut boss = Device::enroll(&server.url, &director_code).await;
    boss.sync().await;
    assert!(boss.store.followup(&va).is_ok() && boss.store.followup(&vb).is_ok(), "the director sees both regions");
    let idle = boss.sync().await;
    assert_eq!((idle.round_trips, idle.pulled), (1, 0), "the director's idle sync: {idle:?}");
    let mut sh = Device::enroll(&server.url, &sh_code).await;
    sh.sync().await;
    assert!(sh.store.followup(&va).is_ok(), "a regional manager sees their region");
    assert!(sh.store.followup(&vb).is_err(), "and not the other one");

    // Figures: the director's dashboard opens on the company's scorecard, a row per region
    // with its visits, and drills down into a region's members; the regional manager's opens
    // on their region and lists their rep only.
    let web = Browser::sign_in(&server.url, &server, &director).await;
    let (_, kpi) = web.get("/kpi?period=today").await;
    assert!(kpi.contains("部门记分卡") && kpi.contains("上海区") && kpi.contains("杭州区"), "{kpi}");
    let (_, kpi) = web.get("/kpi?period=today&dept=%E6%9D%AD%E5%B7%9E%E5%8C%BA").await;
    assert!(kpi.contains("小王") && !kpi.contains("小张"), "{kpi}");
    let web = Browser::sign_in(&server.url, &server, &sh_mgr).await;
    let (_, kpi) = web.get("/kpi?period=today").await;
    assert!(kpi.contains("小张") && !kpi.contains("小王"), "{kpi}");
    // Another region's export is refused; their own region's lists their rep only.
    let export = |dept: &str| format!("/export?what=visits&period=today&format=csv&dept={dept}");
    let (status, _, _) = web.get_bytes(&export("%E6%9D%AD%E5%B7%9E%E5%8C%BA")).await;
    assert_eq!(status, 403, "杭州区 is not 张经理's");
    let (status, _, csv) = web.get_bytes(&export("%E4%B8%8A%E6%B5%B7%E5%8C%BA")).await;
    let csv = String::from_utf8_lossy(&csv);
    assert!(status == 200 && csv.contains("上海的拜访") && !csv.contains("杭州的拜访"), "{status} {csv}");
    // The JSON API by department: a head reads their region's figures, not another's.
    let get = |d: &Device, path: String| {
        let token = d.store.sync_state().unwrap().token;
        let url = format!("{}{path}", server.url);
        async move {
            let resp = fieldreport_core::sync::http_client().unwrap().get(url).bearer_auth(token).send().await.unwrap();
            (resp.status().as_u16(), resp.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (status, body) = get(&sh, "/v1/kpi?period=today&dept=%E4%B8%8A%E6%B5%B7%E5%8C%BA".into()).await;
    assert_eq!(status, 200, "{body}");
    let own = body["rows"].as_array().unwrap().iter().find(|r| r["user_id"].is_null() && r["metric"] == "visits");
    assert_eq!(own.unwrap()["value"], 1.0, "{body}");
    let (status, _) = get(&sh, "/v1/kpi?period=today&dept=%E6%9D%AD%E5%B7%9E%E5%8C%BA".into()).await;
    assert_eq!(status, 403, "another region's figures are not a regional manager's");
    // Submission statistics and alerts by department: the region's members, not another's.
    let (status, body) = get(&sh, "/v1/submissions?period=this-week&dept=%E4%B8%8A%E6%B5%B7%E5%8C%BA".into()).await;
    let who: Vec<&str> = body.as_array().unwrap().iter().filter_map(|m| m["name"].as_str()).collect();
    assert!(status == 200 && who.contains(&"小张") && !who.contains(&"小王"), "{status} {body}");
    let (status, _) = get(&sh, "/v1/alerts?dept=%E6%9D%AD%E5%B7%9E%E5%8C%BA".into()).await;
    assert_eq!(status, 403);
    let (status, _) = get(&boss, "/v1/alerts?dept=%E6%9D%AD%E5%B7%9E%E5%8C%BA".into()).await;
    assert_eq!(status, 200, "the director's");
    let (status, body) = get(&boss, "/v1/kpi?period=today&dept=%E6%9D%AD%E5%B7%9E%E5%8C%BA&limit=1".into()).await;
    assert_eq!(status, 200, "the director heads the company: {body}");
    // The director may 催交 anyone below; a regional manager not across regions.
    let by = |id: &str| server.admin.find_user(id).unwrap();
    let b_id = by("小王").id;
    assert!(server.admin.nudge(&by(&director), &b_id, "daily", "today").is_ok());
    assert!(server.admin.nudge(&by(&sh_mgr), &b_id, "daily", "today").is_err());

    // Offline, from the snapshots their syncs brought: the director holds the company's
    // figures with a row per region and the members; a region drills down to its own; the
    // regional manager holds their region's and not the other's.
    boss.sync().await;
    sh.sync().await;
    let visits = |f: &fieldreport_core::team::DeptPeriodFigures, dept: &str, user: Option<&str>| {
        f.rows
            .iter()
            .find(|r| r.dept_id == dept && r.figure.user_id.as_deref() == user && r.figure.metric == "visits")
            .map(|r| r.figure.value)
    };
    let depts = boss.store.departments().unwrap();
    let id = |name: &str| depts.iter().find(|d| d.name == name).unwrap().id.clone();
    let company = boss.store.department_figures("华东销售", "this-month").unwrap().expect("the director's");
    assert_eq!(visits(&company, &id("华东销售"), None), Some(2.0));
    assert_eq!(visits(&company, &id("上海区"), None), Some(1.0));
    assert_eq!(visits(&company, &id("杭州区"), None), Some(1.0));
    let region = boss.store.department_figures("杭州区", "this-month").unwrap().expect("a region, drilled down");
    let b_user = by("小王").id;
    assert_eq!(visits(&region, &id("杭州区"), Some(&b_user)), Some(1.0));
    assert!(region.rows.iter().all(|r| r.figure.user_id.as_deref() != Some(by("小张").id.as_str())));
    assert!(sh.store.department_figures("上海区", "this-month").unwrap().is_some());
    assert!(sh.store.department_figures("杭州区", "this-month").unwrap().is_none(), "not theirs");
}

/// Figures up the tree: a department's are its subtree's members' for the days they were in
/// it; a rep who moves keeps yesterday's visits in the department they were in.
async fn a_department_keeps_the_figures_of_a_member_who_moved(server: Server) {
    use fieldreport_core::period::{Calendar, Period};
    let (mgr, _) = server.user("张经理", "manager", None);
    let (rep, code) = server.user("小张", "rep", Some(&mgr));
    server.admin.add_department("上海区", None, &[]).unwrap();
    server.admin.add_department("杭州区", None, &[]).unwrap();
    let now = fieldreport_server::now_ms();
    // 小张 has been in 上海区 for a week (a team brought onto the server says so).
    server.admin.set_member_department_since(&rep, "上海区", Some(now - 7 * 86_400_000)).unwrap();
    let mut phone = Device::enroll(&server.url, &code).await;
    let c = phone.customer("华为");
    for hours in [30, 26] {
        let at = now - hours * 3_600_000;
        let v = fieldreport_core::doc::NewFollowup::new(&c, fieldreport_core::doc::FollowupKind::Visit, at, "拜访");
        phone.store.log_followup(v).unwrap();
    }
    phone.sync().await;
    // Today 小张 moves to 杭州区, and visits once more.
    server.admin.set_member_department(&rep, "杭州区").unwrap();
    phone.visit(&c, "今天的拜访");
    phone.sync().await;
    let cal = Calendar::parse("Asia/Shanghai", "monday").unwrap();
    let today = cal.local_date(now);
    let period = Period::custom(today - chrono::Days::new(2), today).unwrap();
    let cfg = server.admin.config().unwrap();
    let visits = |dept: &str| {
        let f = fieldreport_server::figures::department(&server.admin, &cfg, dept, None, period, now).unwrap();
        let own =
            f.rows.iter().find(|r| r.figure.user_id.is_none() && r.dept_id == f.dept.id && r.figure.metric == "visits");
        (own.unwrap().figure.value, f)
    };
    assert_eq!(visits("上海区").0, 2.0, "yesterday's visits stay where 小张 was");
    // A department's target (按部门设置目标): 14 visits a week is 6 over three days.
    let mut with_target = cfg.clone();
    let mut t = weekly_target("visits", rep.clone(), 14.0);
    (t.user, t.dept) = (None, Some("上海区".into()));
    with_target.targets.push(t);
    server.admin.apply_config(with_target).unwrap();
    let cfg = server.admin.config().unwrap();
    let f = fieldreport_server::figures::department(&server.admin, &cfg, "上海区", None, period, now).unwrap();
    let own = f.rows.iter().find(|r| r.figure.user_id.is_none() && r.figure.metric == "visits").unwrap();
    assert_eq!((own.figure.target, own.figure.target_display.as_deref()), (Some(6.0), Some("6")));
    let mut bad = cfg.clone();
    bad.targets[0].dept = Some("月球区".into());
    let refused = server.admin.apply_config(bad).unwrap_err().to_string();
    assert!(refused.contains("月球区") && refused.contains("not a department"), "{refused}");
    assert_eq!(visits("杭州区").0, 1.0, "today's count where 小张 is");
    let (all, root) = visits("华东销售");
    assert_eq!(all, 3.0);
    let sub = |name: &str| {
        let id = server.admin.department(name).unwrap().id;
        root.rows.iter().find(|r| r.dept_id == id && r.figure.metric == "visits").unwrap().figure.value
    };
    assert_eq!((sub("上海区"), sub("杭州区")), (2.0, 1.0), "the root's rows per sub-department");
    // The member's own row in the root holds all three; a rate is pooled, not averaged.
    let mine =
        root.rows.iter().find(|r| r.figure.user_id.as_deref() == Some(rep.as_str()) && r.figure.metric == "visits");
    assert_eq!(mine.unwrap().figure.value, 3.0);
}

/// The server's CLI by department, as scripts call it: `dept list --json`, `kpi --dept --json`
/// (today's rows with `dept_id`; `user_id` null for the department's own), `submissions --dept`
/// and `alerts --dept` (the subtree's members only); an unknown department is bad input (exit 2).
#[test]
fn the_cli_reads_a_departments_figures() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(server_binary()).arg("--data").arg(data.path()).args(args).output().unwrap()
    };
    let json = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = run(&all);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    json(&["init", "--team-name", "华东销售", "--admin-name", "王总"]);
    json(&["user", "add", "--name", "张经理", "--role", "manager"]);
    json(&["dept", "add", "上海区", "--head", "张经理"]);
    json(&["dept", "add", "浦东组", "--parent", "上海区"]);
    let a = json(&["user", "add", "--name", "小张", "--role", "rep", "--manager", "张经理", "--dept", "浦东组"]);
    let b = json(&["user", "add", "--name", "小王", "--role", "rep"]);
    json(&["user", "edit", "小张", "--dept", "浦东组", "--dept-since", "2026-11-01"]);
    let out = run(&["user", "edit", "小张", "--dept-since", "2026-11-01"]);
    assert_eq!(out.status.code(), Some(2), "--dept-since goes with --dept");
    let list = json(&["dept", "list"]);
    let paths: Vec<&str> = list.as_array().unwrap().iter().map(|d| d["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["华东销售", "华东销售 / 上海区", "华东销售 / 上海区 / 浦东组"]);
    let rows = json(&["kpi", "--dept", "上海区", "--period", "today"]);
    let rows = rows.as_array().unwrap();
    let sh = list[1]["id"].as_str().unwrap();
    let own = rows.iter().find(|r| r["user_id"].is_null() && r["dept_id"] == sh && r["metric"] == "visits").unwrap();
    for key in ["metric", "value", "target", "achievement", "status", "name_zh", "display"] {
        assert!(own.get(key).is_some(), "{key} in {own}");
    }
    assert!(rows.iter().any(|r| r["user_id"] == a["id"]), "the member below is listed");
    assert!(!rows.iter().any(|r| r["user_id"] == b["id"]), "a member elsewhere is not");
    let subs = json(&["submissions", "--dept", "上海区", "--period", "this-week"]);
    let who: Vec<&str> = subs.as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(who, ["小张"]);
    json(&["alerts", "--dept", "上海区"]);
    let out_file = data.path().join("sh.csv");
    let out_arg = out_file.to_str().unwrap();
    let done = json(&[
        "export",
        "--what",
        "kpi",
        "--period",
        "today",
        "--dept",
        "上海区",
        "--format",
        "csv",
        "--out",
        out_arg,
    ]);
    let csv = std::fs::read_to_string(&out_file).unwrap();
    assert!(
        csv.contains("小张") && !csv.contains("小王"),
        "a department's export holds its members only: {done} {csv}"
    );
    let out = run(&["kpi", "--dept", "月球区"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}

/// 汇报对象 and 抄送 up the chain: a rep without a manager reports to their department's head by
/// default; a template with `cc_heads` copies every head above; the report reaches them all.
async fn a_report_goes_to_the_head_and_is_copied_up_the_chain(server: Server) {
    let (director, director_code) = server.user("李总监", "manager", None);
    let (head, _) = server.user("张经理", "manager", None);
    let (_, code) = server.user("小张", "rep", None);
    server
        .admin
        .edit_department(
            "华东销售",
            fieldreport_server::service::DeptEdit { add_heads: vec!["李总监".into()], ..Default::default() },
        )
        .unwrap();
    server.admin.add_department("上海区", None, &["张经理".to_string()]).unwrap();
    server.admin.set_member_department("小张", "上海区").unwrap();
    let mut cfg = server.admin.config().unwrap();
    let mut t = fieldreport_core::report::builtin_template(
        fieldreport_core::doc::ReportKind::Daily,
        fieldreport_core::report::Lang::ZhCn,
    );
    t.id = "daily-up".into();
    t.cc_heads = true;
    cfg.templates.push(t);
    server.admin.apply_config(cfg).unwrap();
    let mut rep = Device::enroll(&server.url, &code).await;
    rep.sync().await;
    let r = rep
        .store
        .today_report(fieldreport_core::doc::ReportKind::Daily, None, fieldreport_core::report::Lang::ZhCn)
        .unwrap();
    let (to, cc) = rep.store.default_recipients(&r.header.id).unwrap();
    assert_eq!((to.clone(), cc.clone()), (vec![head.clone()], vec![director.clone()]));
    rep.store.submit_report(&r.header.id, &[], &[]).unwrap();
    rep.sync().await;
    let mut boss = Device::enroll(&server.url, &director_code).await;
    boss.sync().await;
    assert!(boss.store.report(&r.header.id).is_ok(), "the director has the copy");
}
