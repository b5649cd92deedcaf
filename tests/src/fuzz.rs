//! The fuzz targets' bodies. Each takes arbitrary bytes and must neither panic nor hang; the
//! properties each checks are stated beside it. `fuzz/fuzz_targets/*.rs` calls them under
//! libFuzzer; `tests/fuzz_corpora.rs` replays the kept corpora (`fuzz/corpus/<target>/`) on the
//! stable toolchain at every `scripts/check`.

use fieldreport_core::doc::{Doc, Kind, Record};
use fieldreport_core::sync::wire::{Push, SyncRequest, SyncResponse};
use fieldreport_server::service::merge::{self, Author, CheckError, Limits, Stored};

/// A target: its name (its corpus directory's) and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Every target.
pub const TARGETS: &[Target] = &[
    ("wire_decode", wire_decode),
    ("server_merge", server_merge),
    ("device_merge", device_merge),
    ("team_config", team_config),
    ("web_input", web_input),
    ("blob_input", blob_input),
    ("json_bodies", json_bodies),
    ("image_header", image_header),
];

/// Under libFuzzer every panic counts as a crash, also one the code under test contains (the
/// server and the device contain Automerge's panics by design). Panics inside Automerge and its
/// column library are let through silently to be contained; any other panic is reported and,
/// escaping the target, crashes it.
fn contain_automerge_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let file = info.location().map(|l| l.file()).unwrap_or("");
            if !(file.contains("/automerge-") || file.contains("/hexane-")) {
                eprintln!("{info}");
            }
        }));
    });
}

/// The wire decoder: anything decoded encodes back to the same bytes.
pub fn wire_decode(data: &[u8]) {
    contain_automerge_panics();
    if let Ok(req) = SyncRequest::decode(data) {
        assert_eq!(req.encode(), data, "a request re-encodes to the bytes it came from");
    }
    if let Ok(resp) = SyncResponse::decode(data) {
        assert_eq!(resp.encode(), data, "a response re-encodes to the bytes it came from");
    }
}

/// A small stored document for the merge targets: a customer of `rep-1` in `team-1`.
fn stored() -> Vec<u8> {
    let mut s = fieldreport_core::Store::open_in_memory().unwrap();
    s.init("rep-1", "team-1", "Asia/Shanghai", "monday").unwrap();
    let c = s.add_customer(fieldreport_core::doc::NewCustomer { name: "客户".into(), ..Default::default() }).unwrap();
    s.document(&c.header.id).unwrap().save_uncompressed()
}

thread_local! {
    static STORED: Vec<u8> = stored();
}

/// The server's check of a push: the first byte picks the kind, the rest are the changes, merged
/// into nothing or into a stored document (by the second byte). It refuses or merges; a merged
/// document is valid and within the size limit.
pub fn server_merge(data: &[u8]) {
    contain_automerge_panics();
    let (Some(&k), Some(&into)) = (data.first(), data.get(1)) else { return };
    let kind = Kind::ALL[k as usize % Kind::ALL.len()];
    let changes = data[2..].to_vec();
    let prev = if into % 2 == 0 { None } else { STORED.with(|b| Doc::load_trusted(b).ok().and_then(Stored::read)) };
    let id = prev
        .as_ref()
        .map(|s| s.record.header().id.clone())
        .unwrap_or_else(|| "01900000-0000-7000-8000-000000000001".into());
    let push = Push { id, kind, heads: Vec::new(), changes };
    let author = Author { user_id: "rep-1".into(), team_id: "team-1".into(), actor: "aa".into() };
    let limits = Limits { max_request_bytes: 1 << 20, max_doc_bytes: 64 << 10 };
    let checked =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| merge::check(prev, &push, &author, &limits)));
    match checked {
        Ok(Ok(m)) => {
            assert!(m.bytes.len() <= limits.max_doc_bytes);
            m.record.validate().expect("a merged document is valid");
        }
        Ok(Err(CheckError::Refused(_) | CheckError::Malformed(_))) => {}
        // The server contains this (the service's check runs under catch_unwind) but a panic
        // past `apply_untrusted` is a finding: the bounded decoder should have refused the bytes.
        Err(_) => panic!("merge::check panicked"),
    }
}

/// The device's merge of server data: the bytes are a response; its page is committed into a
/// device holding one document. A document that cannot be applied is set aside; nothing panics
/// and the store stays readable.
pub fn device_merge(data: &[u8]) {
    contain_automerge_panics();
    let mut s = fieldreport_core::Store::open_in_memory().unwrap();
    s.init("rep-1", "team-1", "Asia/Shanghai", "monday").unwrap();
    let resp = match SyncResponse::decode(data) {
        Ok(r) => r,
        Err(_) => {
            // Raw changes for one document, as a page would carry them.
            let mut r = SyncResponse::default();
            r.docs.push(fieldreport_core::sync::wire::Pull {
                id: "01900000-0000-7000-8000-000000000002".into(),
                kind: Kind::Customer,
                heads: Vec::new(),
                changes: data.to_vec(),
            });
            r
        }
    };
    if s.commit_sync_page(&[], &resp).is_ok() {
        for id in s.document_ids().unwrap() {
            if let Ok(doc) = s.document(&id) {
                let _ = Record::read(&doc);
            }
        }
    }
}

/// The team configuration file (TOML, or JSON by the first byte): parses and validates, or says
/// why not.
pub fn team_config(data: &[u8]) {
    contain_automerge_panics();
    let Some((&first, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    if let Ok(c) = fieldreport_server::config_file::parse(&text, first % 2 == 0) {
        if c.validate(&["rep-1".to_string()]).is_ok() {
            c.calendar().expect("a valid configuration has a calendar");
        }
    }
}

/// The dashboard's query, form, cookie and origin parsing.
pub fn web_input(data: &[u8]) {
    contain_automerge_panics();
    fieldreport_server::fuzzing::web_input(data);
}

/// A file request's query strings, path hash and "which are missing" body.
pub fn blob_input(data: &[u8]) {
    contain_automerge_panics();
    fieldreport_server::fuzzing::blob_input(data);
}

/// The device API's JSON bodies (enrollment, sign-in approval, read receipts, nudges).
pub fn json_bodies(data: &[u8]) {
    contain_automerge_panics();
    fieldreport_server::fuzzing::json_bodies(data);
}

/// Thumbnails of arbitrary images: refused from the header when too large, never a panic.
pub fn image_header(data: &[u8]) {
    contain_automerge_panics();
    fieldreport_server::fuzzing::image_header(data);
}
