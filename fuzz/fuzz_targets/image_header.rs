//! `cargo fuzz run image_header`: see tests/src/fuzz.rs for what it checks, docs/testing.md for how long it ran.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fieldreport_e2e::fuzz::image_header(data));
