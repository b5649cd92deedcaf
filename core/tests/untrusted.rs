//! Another party's Automerge bytes: every known crasher fails cleanly, a decompression bomb
//! stops at the limit, and honest bytes apply.

use fieldreport_core::doc::{Bounds, Doc, Refused};

fn crashers() -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fuzz-crashers/automerge");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    assert!(out.len() >= 10, "the crasher fixtures are missing from {}", dir.display());
    out
}

#[test]
fn every_known_crasher_fails_cleanly() {
    // Automerge's panics are contained; their messages would only clutter the test's output.
    std::panic::set_hook(Box::new(|_| {}));
    let bounds = Bounds::for_document(1 << 20);
    let mut reached_automerge = 0;
    for (name, bytes) in crashers() {
        if fieldreport_core::doc::untrusted::scan(&bytes, bounds).is_ok() {
            reached_automerge += 1;
        }
        match Doc::load_untrusted(&bytes, bounds) {
            Err(Refused::Malformed(_) | Refused::TooLarge { .. } | Refused::MissingDependencies(_)) => {}
            Ok(_) => panic!("{name} loaded"),
        }
        let mut doc = Doc::load(&[]).unwrap();
        assert!(doc.apply_untrusted(&bytes, bounds).is_err(), "{name} applied");
    }
    let _ = std::panic::take_hook();
    // Most pass the structural scan (their damage is inside the columns): Automerge decodes
    // them, and its panics are what is contained.
    assert!(reached_automerge >= 5, "only {reached_automerge} crashers reached Automerge");
}
