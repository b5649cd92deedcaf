//! Replays the kept fuzz corpora (`fuzz/corpus/<target>/`) through the targets' bodies on the
//! stable toolchain, so every input libFuzzer once found interesting (and every crasher since
//! fixed) runs at every `scripts/check`. `FIELDREPORT_WRITE_SEEDS=1` writes the seed inputs
//! (honest bytes of every kind each target reads) into the corpora.

use std::path::{Path, PathBuf};

use fieldreport_core::doc::{FollowupKind, Kind, NewCustomer, NewFollowup, ReportKind};
use fieldreport_core::report::Lang;
use fieldreport_core::sync::wire::{Pull, Push, PushResult, SyncRequest, SyncResponse};
use fieldreport_core::Store;
use fieldreport_e2e::fuzz::TARGETS;

fn corpus(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus").join(target)
}

/// Honest inputs of every kind each target reads.
fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut s = Store::open_in_memory().unwrap();
    s.init("rep-1", "team-1", "Asia/Shanghai", "monday").unwrap();
    let c = s
        .add_customer(NewCustomer { name: "上海华为".into(), tags: vec!["重点".into()], ..Default::default() })
        .unwrap();
    let f = s.log_followup(NewFollowup::new(&c.header.id, FollowupKind::Visit, 1_790_000_000_000, "拜访张总")).unwrap();
    let r = s.new_report(ReportKind::Daily, None, Lang::ZhCn).unwrap();
    s.set_report_text(&r.header.id, "done", "完成三次拜访。🙂").unwrap();
    s.insert_followups(&r.header.id, None, None).unwrap();
    let mut out = Vec::new();
    let mut docs = Vec::new();
    for (id, kind) in [(&c.header.id, Kind::Customer), (&f.header.id, Kind::Followup), (&r.header.id, Kind::Report)] {
        let changes = s.changes_since(id, &[]).unwrap();
        let whole = s.document(id).unwrap().save_uncompressed();
        out.push(("server_merge", format!("seed-{kind}-new"), [vec![kind_index(kind), 0], changes.clone()].concat()));
        out.push(("device_merge", format!("seed-{kind}-changes"), changes.clone()));
        out.push(("device_merge", format!("seed-{kind}-whole"), whole));
        docs.push(Pull { id: id.clone(), kind, heads: s.heads(id).unwrap(), changes });
    }
    let edit = {
        let before = s.heads(&c.header.id).unwrap();
        s.edit_customer(
            &c.header.id,
            fieldreport_core::doc::CustomerEdit { name: Some("华为".into()), ..Default::default() },
        )
        .unwrap();
        s.changes_since(&c.header.id, &before).unwrap()
    };
    out.push(("server_merge", "seed-customer-edit".into(), [vec![kind_index(Kind::Customer), 1], edit].concat()));
    let req = SyncRequest {
        cursor: 42,
        max_bytes: 1 << 20,
        pushes: docs
            .iter()
            .map(|d| Push { id: d.id.clone(), kind: d.kind, heads: d.heads.clone(), changes: d.changes.clone() })
            .collect(),
        want: vec![r.header.id.clone()],
        ..Default::default()
    };
    let resp = SyncResponse {
        results: vec![PushResult::Accepted { id: c.header.id.clone(), heads: s.heads(&c.header.id).unwrap() }],
        cursor: 43,
        docs,
        unavailable: vec![f.header.id.clone()],
        ..Default::default()
    };
    out.push(("wire_decode", "seed-request".into(), req.encode()));
    out.push(("wire_decode", "seed-request-v1".into(), SyncRequest { version: 1, want: Vec::new(), ..req }.encode()));
    out.push(("wire_decode", "seed-response".into(), resp.encode()));
    out.push(("device_merge", "seed-page".into(), resp.encode()));
    let example =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/team-config.example.toml")).unwrap();
    out.push(("team_config", "seed-example-toml".into(), [vec![0], example].concat()));
    out.push((
        "team_config",
        "seed-json".into(),
        [vec![1], br#"{"team": {"tz": "Asia/Shanghai"}, "targets": []}"#.to_vec()].concat(),
    ));
    out.push((
        "web_input",
        "seed-comment".into(),
        b"lang=en&period=this-week\0csrf=abc&text=%E5%A5%BD\0fr_session=abc\0http://127.0.0.1:8080".to_vec(),
    ));
    out.push((
        "web_input",
        "seed-kpi".into(),
        b"period=2026-11-01..2026-11-30\0csrf=x\0a=b; fr_session=\0https://reports.example.com".to_vec(),
    ));
    let hash = "ab".repeat(32);
    out.push((
        "blob_input",
        "seed-upload-read-missing-json".into(),
        format!("offset=0&size=1048576\0offset=4096&len=4194304\0{hash}\0\u{0}{{\"hashes\": [\"{hash}\"]}}")
            .into_bytes(),
    ));
    out.push((
        "blob_input",
        "seed-missing-binary".into(),
        [b"offset=1&size=2\0\0\0\x01".to_vec(), vec![0xab; 64]].concat(),
    ));
    out.push((
        "json_bodies",
        "seed-enroll".into(),
        [&[0u8][..], r#"{"code":"K7QM-2XWP-9HTR","actor":"0a1b2c","name":"张伟的手机"}"#.as_bytes()].concat(),
    ));
    out.push(("json_bodies", "seed-web-login".into(), [&[1u8][..], br#"{"code":"123456"}"#].concat()));
    out.push((
        "json_bodies",
        "seed-reads".into(),
        [&[2u8][..], br#"{"reports":["01900000-0000-7000-8000-000000000001"]}"#].concat(),
    ));
    out.push((
        "json_bodies",
        "seed-nudge".into(),
        [&[3u8][..], br#"{"user":"u1","kind":"weekly","period":"this-week"}"#].concat(),
    ));
    out.push((
        "json_bodies",
        "seed-nudge-day".into(),
        [&[3u8][..], br#"{"user":"u1","kind":"daily","period":"2026-11-30"}"#].concat(),
    ));
    out.push(("image_header", "seed-png".into(), [vec![1], fieldreport_server::testing::photo(40, 30, 1)].concat()));
    out.push((
        "image_header",
        "seed-png-bomb".into(),
        [vec![1], fieldreport_server::testing::png_bomb_header(20_000, 20_000, true)].concat(),
    ));
    let mut jpeg = Vec::new();
    image::RgbImage::from_pixel(64, 48, image::Rgb([200, 80, 40]))
        .write_to(&mut std::io::Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
        .unwrap();
    out.push(("image_header", "seed-jpeg".into(), [vec![0], jpeg].concat()));
    out
}

fn kind_index(k: Kind) -> u8 {
    Kind::ALL.iter().position(|x| *x == k).unwrap() as u8
}

#[test]
fn every_kept_input_runs_clean() {
    if std::env::var_os("FIELDREPORT_WRITE_SEEDS").is_some() {
        for (target, name, bytes) in seeds() {
            std::fs::create_dir_all(corpus(target)).unwrap();
            std::fs::write(corpus(target).join(name), bytes).unwrap();
        }
    }
    // Automerge's panics are contained by the targets' code under test; their messages would
    // only clutter this test's output.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut ran = 0;
    for (target, body) in TARGETS {
        let dir = corpus(target);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "the corpus of {target} is empty");
        for f in files {
            let bytes = std::fs::read(&f).unwrap();
            let outcome = std::panic::catch_unwind(|| body(&bytes));
            if outcome.is_err() {
                std::panic::set_hook(hook);
                panic!("{target}: {} fails", f.display());
            }
            ran += 1;
        }
    }
    std::panic::set_hook(hook);
    assert!(ran >= 20, "only {ran} inputs");
}
