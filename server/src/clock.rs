//! The server process's clock. The system clock by default; for trials and tests it can start
//! at a given instant (and run on from there), stand at a fixed instant, or follow a file a
//! trial rewrites as its simulated time moves, so the server and devices (`--now`) share one
//! clock. Everything time-dependent in the server (deadlines, alerts, snapshots, links,
//! sessions) reads [`now_ms`].

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicU8, Ordering};
use std::sync::Mutex;

const SYSTEM: u8 = 0;
const OFFSET: u8 = 1;
const FIXED: u8 = 2;
const FILE: u8 = 3;

static MODE: AtomicU8 = AtomicU8::new(SYSTEM);
/// OFFSET: added to the system clock; FIXED: the instant.
static VALUE: AtomicI64 = AtomicI64::new(0);
static FILE_CLOCK: Mutex<Option<FileClock>> = Mutex::new(None);

struct FileClock {
    path: PathBuf,
    /// The instant last read, and the system time when it was read.
    last: i64,
    read_at: i64,
}

fn system_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// How often a clock file is read again, in system milliseconds.
const FILE_REREAD_MS: i64 = 200;

/// The current time, in UTC milliseconds, on the process's clock.
pub fn now_ms() -> i64 {
    match MODE.load(Ordering::Acquire) {
        OFFSET => system_ms().saturating_add(VALUE.load(Ordering::Acquire)),
        FIXED => VALUE.load(Ordering::Acquire),
        FILE => file_now(),
        _ => system_ms(),
    }
}

fn file_now() -> i64 {
    let mut guard = FILE_CLOCK.lock().unwrap_or_else(|p| p.into_inner());
    let Some(fc) = guard.as_mut() else { return system_ms() };
    let sys = system_ms();
    if sys - fc.read_at >= FILE_REREAD_MS {
        // A file being rewritten (or briefly absent) keeps the last instant read.
        if let Ok(t) = read_instant_file(&fc.path) {
            fc.last = t;
        }
        fc.read_at = sys;
    }
    fc.last
}

fn read_instant_file(path: &std::path::Path) -> Result<i64, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read the clock file {}: {e}", path.display()))?;
    parse_instant(text.trim())
}

/// Reads an RFC 3339 instant (`2026-11-29T20:00:00+08:00`) as UTC milliseconds.
pub fn parse_instant(text: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|e| format!("`{text}` is not an RFC 3339 instant such as 2026-11-29T20:00:00+08:00 ({e})"))
}

/// Starts the clock at `instant_ms` now; it runs on at the system clock's pace.
pub fn start_at(instant_ms: i64) {
    VALUE.store(instant_ms - system_ms(), Ordering::Release);
    MODE.store(OFFSET, Ordering::Release);
}

/// Stops the clock at `instant_ms` (tests move it with [`set_fixed`] again).
pub fn set_fixed(instant_ms: i64) {
    VALUE.store(instant_ms, Ordering::Release);
    MODE.store(FIXED, Ordering::Release);
}

/// Follows the instant written in `path` (RFC 3339), read again at most every 200 ms: a trial
/// moves the server's time by rewriting the file.
pub fn follow_file(path: PathBuf) -> Result<(), String> {
    let last = read_instant_file(&path)?;
    *FILE_CLOCK.lock().unwrap_or_else(|p| p.into_inner()) = Some(FileClock { path, last, read_at: system_ms() });
    MODE.store(FILE, Ordering::Release);
    Ok(())
}

/// Back to the system clock.
pub fn use_system() {
    MODE.store(SYSTEM, Ordering::Release);
}

/// Sets the clock from the command line's `--clock` value: an RFC 3339 instant to start at, or
/// `file:PATH` to follow a file.
pub fn configure(spec: &str) -> Result<(), String> {
    match spec.strip_prefix("file:") {
        Some(path) => follow_file(PathBuf::from(path)),
        None => {
            start_at(parse_instant(spec)?);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The process clock is global: unit tests beside this one read it, so this test leaves the
    // mode alone and checks what it is set from (tests/tests/deadlines.rs moves it for real).
    #[test]
    fn the_clock_is_set_from_an_instant_or_a_file() {
        let t = parse_instant("2026-11-29T20:00:00+08:00").unwrap();
        assert_eq!(t, 1_795_953_600_000);
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("clock");
        std::fs::write(&f, "2026-12-01T09:30:00+08:00\n").unwrap();
        assert_eq!(read_instant_file(&f).unwrap(), parse_instant("2026-12-01T09:30:00+08:00").unwrap());
        assert!(configure("yesterday").unwrap_err().contains("RFC 3339"));
        assert!(configure("file:/nonexistent/clock").unwrap_err().contains("cannot read"));
        assert_eq!(MODE.load(Ordering::Acquire), SYSTEM, "a refused setting changes nothing");
    }
}
