//! The web dashboard over real HTTP (as a browser without script would use it): sign-in by a
//! one-time link, the inbox with read state, a report page whose user text is escaped, a comment
//! posted with the CSRF token that reaches the author's device, the author's device seeing the
//! read receipt, and a rep who cannot open another rep's report.

mod support;

use fieldreport_core::doc::ReportKind;
use fieldreport_core::report::Lang;
use support::*;

#[tokio::test]
async fn a_manager_reads_and_comments_in_the_browser_and_the_author_sees_both() {
    let server = Server::start().await;
    let (mgr, _) = server.user("李经理", "manager", None);
    let (_, a_code) = server.user("张三", "rep", Some(&mgr));
    let (b_id, _) = server.user("王五", "rep", Some(&mgr));
    let mut a = Device::enroll(&server.url, &a_code).await;
    let r = a.store.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    a.store.set_report_text(&r, "done", "拜访华为 <script>alert('x')</script> & 报价").unwrap();
    let c = a.customer("华为 <b>技术</b>");
    a.visit(&c, "演示 <img src=x onerror=alert(1)>");
    a.store.insert_followups(&r, None, None).unwrap();
    a.store.submit_report(&r, std::slice::from_ref(&mgr), &[]).unwrap();
    a.sync().await;

    let boss = Browser::sign_in(&server.url, &server, &mgr).await;
    let (status, inbox) = boss.get("/").await;
    assert_eq!(status, 200);
    assert!(inbox.contains("张三") && inbox.contains("未读") && inbox.contains(&format!("/reports/{r}")), "{inbox}");
    let (status, en) = boss.get("/?lang=en").await;
    assert!(status == 200 && en.contains("unread") && en.contains("Inbox"));

    let (status, page) = boss.get(&format!("/reports/{r}")).await;
    assert_eq!(status, 200);
    assert!(
        !page.contains("<script>alert") && !page.contains("<img src=x") && !page.contains("<b>技术"),
        "user text is inert"
    );
    assert!(page.contains("&lt;script&gt;") && page.contains("&lt;img src=x"), "and shown as text");
    assert!(page.contains("<table>"), "the followup block is a table");
    let (_, inbox) = boss.get("/").await;
    assert!(inbox.contains("已读"), "opened reports are read");

    // A forged form is refused; the real one becomes a change to the report.
    let path = format!("/reports/{r}/comments");
    assert_eq!(boss.post(&path, &[("csrf", "forged"), ("text", "x")]).await, 403);
    assert_eq!(boss.post(&path, &[("csrf", &csrf_of(&page)), ("text", "请补充客户预算 <i>谢谢</i>")]).await, 303);
    let (_, page) = boss.get(&format!("/reports/{r}")).await;
    assert!(page.contains("请补充客户预算 &lt;i&gt;谢谢&lt;/i&gt;"), "{page}");

    a.sync().await;
    let report = a.store.report(&r).unwrap();
    let comment =
        report.comments.iter().find(|c| c.text.starts_with("请补充客户预算")).expect("the comment reached the author");
    assert_eq!(comment.author, mgr);
    let snap = a.store.server_snapshot().unwrap().unwrap();
    assert!(snap.reads.iter().any(|x| x.report_id == r && x.reader == mgr), "the read receipt reached the author");

    // Another rep of the same manager cannot open A's report (it answers as for a report that
    // does not exist); the KPI page draws charts.
    let b = Browser::sign_in(&server.url, &server, &b_id).await;
    let (status, _) = b.get(&format!("/reports/{r}")).await;
    assert_eq!(status, 404);
    let (status, kpi) = boss.get("/kpi").await;
    assert!(status == 200 && kpi.contains("<svg") && kpi.contains("张三"), "{kpi}");
    let (status, _) = Browser { cookie: "fr_session=nope".into(), ..b }.get("/").await;
    assert_eq!(status, 401, "no session, no pages");
}
