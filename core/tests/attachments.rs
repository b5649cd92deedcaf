//! Photos and files on records: checked by their bytes, stripped of location and device data,
//! stored once, referenced with the change, detached as an edit; downloads cached and evicted.

mod common;

use common::*;
use fieldreport_core::doc::{Kind, ReportKind};
use fieldreport_core::report::Lang;
use fieldreport_core::store::AttachmentState;

#[test]
fn a_photo_attached_to_a_visit_is_stored_once_without_its_location() {
    let mut s = store("rep-1");
    let c = customer(&mut s, "上海华为");
    let v1 = followup(&mut s, &c, ms("2026-11-23T09:00:00+08:00"), "门头照");
    let v2 = followup(&mut s, &c, ms("2026-11-23T11:00:00+08:00"), "再访");
    let photo = jpeg_with_location(&[0x12, 0x34, 0x56]);
    let a = s.attach_bytes(Kind::Followup, &v1, &photo, "门头照.jpg", None).unwrap();
    assert_eq!((a.mime.as_str(), a.name.as_str()), ("image/jpeg", "门头照.jpg"));
    assert_eq!(a.taken_at, Some(ms("2026-11-23T09:30:05+08:00")), "capture time, in the team's zone");
    let stored = s.attachment_bytes(&a.hash).unwrap().unwrap();
    assert_eq!(stored.len() as u64, a.size);
    assert!(!stored.windows(3).any(|w| w == b"GPS") && !stored.windows(6).any(|w| w == b"SERIAL"));
    assert_eq!(fieldreport_core::files::hash_of(&stored), a.hash);
    assert_eq!(s.attachment_state(&a.hash).unwrap(), AttachmentState::Own { uploaded: false });

    // The same photo on another visit: one stored file, two references.
    let again = s.attach_bytes(Kind::Followup, &v2, &photo, "again.jpg", None).unwrap();
    assert_eq!(again.hash, a.hash);
    assert_eq!(s.unsent_attachments().unwrap().len(), 1, "stored and sent once");
    let visit = match s.record(&v1).unwrap() {
        fieldreport_core::doc::Record::Followup(f) => f,
        other => panic!("{other:?}"),
    };
    assert_eq!(visit.attachments, vec![a.clone()]);

    // Detaching is an edit; the bytes stay while another record references them.
    assert_eq!(s.detach(Kind::Followup, &v1, &a.hash).unwrap(), 1);
    assert!(s.detach(Kind::Followup, &v1, &a.hash).is_err(), "nothing left to detach");
    assert!(s.attachment_bytes(&a.hash).unwrap().is_some());
}

#[test]
fn files_that_are_not_photos_or_too_big_are_refused() {
    let mut s = store("rep-1");
    let c = customer(&mut s, "华为");
    let v = followup(&mut s, &c, ms("2026-11-23T09:00:00+08:00"), "x");
    let html = b"<html><script>alert(1)</script></html>";
    let err = s.attach_bytes(Kind::Followup, &v, html, "photo.jpg", None).unwrap_err();
    assert!(err.is_bad_input() && err.to_string().contains("not a photo"), "{err}");
    let big = vec![0u8; 21 * 1024 * 1024];
    let mut fake = PNG.to_vec();
    fake.extend_from_slice(&big);
    let err = s.attach_bytes(Kind::Followup, &v, &fake, "big.png", None).unwrap_err();
    assert!(err.to_string().contains("at most 20.0 MB"), "{err}");
    let truncated = &PNG[..40];
    assert!(s.attach_bytes(Kind::Followup, &v, truncated, "cut.png", None).is_err());
    assert!(s.unsent_attachments().unwrap().is_empty(), "nothing half-stored");
    let err = s.attach_bytes(Kind::Customer, &c, PNG, "x.png", None).unwrap_err();
    assert!(err.is_bad_input(), "{err}");
}

#[test]
fn a_report_shows_photos_in_its_sections_until_it_is_submitted() {
    let mut s = store("rep-1");
    let r = s.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    let a = s.attach_bytes(Kind::Report, &r, PNG, "白板.png", Some("plan")).unwrap();
    assert_eq!(a.section.as_deref(), Some("plan"));
    assert!(s.attach_bytes(Kind::Report, &r, PNG, "x.png", Some("nope")).is_err(), "an unknown section");
    assert_eq!(s.report(&r).unwrap().attachments, vec![a]);
    s.set_report_text(&r, "done", "拜访").unwrap();
    s.submit_report(&r, &["0190c0de-0000-7000-8000-000000000001".into()], &[]).unwrap();
    let err = s.attach_bytes(Kind::Report, &r, &jpeg_with_location(&[1]), "late.jpg", None).unwrap_err();
    assert!(matches!(err, fieldreport_core::Error::Submitted { .. }), "{err}");
    assert_eq!(s.unsent_attachments().unwrap().len(), 1, "the refused file was not stored");
}

#[test]
fn downloads_resume_are_checked_and_are_evicted_first() {
    let mut s = store("mgr-1");
    let photo = jpeg_with_location(&[7; 1000]);
    let mut clean = store("rep-1");
    let c = customer(&mut clean, "x");
    let v = followup(&mut clean, &c, ms("2026-11-23T09:00:00+08:00"), "x");
    let a = clean.attach_bytes(Kind::Followup, &v, &photo, "p.jpg", None).unwrap();
    let bytes = clean.attachment_bytes(&a.hash).unwrap().unwrap();

    // Downloaded in two pieces, with a cut between them.
    assert_eq!(s.begin_download(&a.hash, a.size, &a.mime).unwrap(), 0);
    s.write_download_chunk(&a.hash, 0, &bytes[..100]).unwrap();
    assert_eq!(s.attachment_state(&a.hash).unwrap(), AttachmentState::Partial { present: 100, size: a.size });
    assert!(s.write_download_chunk(&a.hash, 50, &bytes[50..60]).is_err(), "a piece must follow the last");
    assert_eq!(s.begin_download(&a.hash, a.size, &a.mime).unwrap(), 100, "resumed where it stopped");
    s.write_download_chunk(&a.hash, 100, &bytes[100..]).unwrap();
    s.finish_download(&a.hash).unwrap();
    assert_eq!(s.attachment_state(&a.hash).unwrap(), AttachmentState::Downloaded);
    assert_eq!(s.attachment_bytes(&a.hash).unwrap().unwrap(), bytes);

    // Bytes that are not the file: dropped.
    let fake_hash = "0".repeat(64);
    s.begin_download(&fake_hash, 5, "image/png").unwrap();
    s.write_download_chunk(&fake_hash, 0, b"abcde").unwrap();
    assert!(s.finish_download(&fake_hash).is_err());
    assert_eq!(s.attachment_state(&fake_hash).unwrap(), AttachmentState::Missing);

    // A cache smaller than the download evicts it; the device's own files stay.
    let own = s.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    let mine = s.attach_bytes(Kind::Report, &own, PNG, "mine.png", None).unwrap();
    s.set_attachment_cache(10).unwrap();
    assert_eq!(s.attachment_state(&a.hash).unwrap(), AttachmentState::Missing, "the download is evicted");
    assert_eq!(s.attachment_state(&mine.hash).unwrap(), AttachmentState::Own { uploaded: false });
}

#[test]
fn renderings_list_files_by_name_and_link_the_dashboard_when_it_is_known() {
    use fieldreport_core::report::{render_markdown, render_markdown_linked, render_text, Dialect, Names};
    let mut s = store("rep-1");
    let c = customer(&mut s, "华为");
    let v = followup(&mut s, &c, ms("2026-11-23T09:00:00+08:00"), "门头照");
    let shop = s.attach_bytes(Kind::Followup, &v, PNG, "门头[1].png", None).unwrap();
    let r = s.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap().header.id;
    s.insert_followups(&r, Some("done"), None).unwrap();
    let board = s.attach_bytes(Kind::Report, &r, &jpeg_with_location(&[1, 2, 3]), "白板.jpg", Some("plan")).unwrap();
    let report = s.report(&r).unwrap();
    let cal = s.calendar().unwrap();
    let names = Names::default();

    let plain = render_markdown(&report, Lang::ZhCn, Dialect::DingTalk, &cal, &names);
    assert!(plain.contains("- 📎 白板.jpg") && plain.contains("📷1") && plain.contains("📷 2 个附件"), "{plain}");
    assert!(!plain.contains("http"), "no address without a configured dashboard");

    let linked =
        render_markdown_linked(&report, Lang::En, Dialect::Feishu, &cal, &names, Some("https://reports.example.com/"));
    assert!(linked.contains(&format!("[白板.jpg](https://reports.example.com/reports/{r})")), "{linked}");
    assert!(!linked.contains(&board.hash), "a rendering carries no file's hash: {linked}");
    assert!(linked.contains(&format!("(https://reports.example.com/reports/{r})")), "{linked}");
    assert!(linked.contains("📷 2 files"), "{linked}");
    assert!(!linked.contains(&shop.hash), "a followup's photo is counted in its block, not linked one by one");
    // A name cannot break out of its link text.
    let mut sneaky = report.clone();
    sneaky.attachments[0].name = "x](https://evil.example)[y".into();
    let out = render_markdown_linked(&sneaky, Lang::En, Dialect::Gfm, &cal, &names, Some("https://r.example"));
    assert!(!out.contains("](https://evil.example)"), "{out}");

    let text = render_text(&report, Lang::ZhCn, &cal, &names);
    assert!(text.contains("📎 白板.jpg") && text.contains("📷1"), "{text}");
}
