//! Shared pieces of the project's robustness tests: the bodies of the fuzz targets (run under
//! libFuzzer by `fuzz/`, their corpora replayed as ordinary tests by `tests/fuzz_corpora.rs`).
//! End-to-end tests live in tests/.

pub mod fuzz;
