//! Printing results: JSON on `--json`, short human lines otherwise.

use std::io::Write;

use fieldreport_core::text::neutral;
use serde::Serialize;

use crate::error::CliResult;

/// Where command results go. Human lines pass [`neutral`]: text another member's device wrote
/// (a customer's name, a note, a file name) never drives the terminal. JSON escapes it.
pub struct Output {
    pub json: bool,
}

impl Output {
    /// Prints `value` as JSON, or `human` (one entry per line) for people.
    pub fn print<T: Serialize>(&self, value: &T, human: impl FnOnce() -> Vec<String>) -> CliResult {
        let mut out = std::io::stdout().lock();
        if self.json {
            serde_json::to_writer_pretty(&mut out, value)?;
            writeln!(out)?;
        } else {
            for line in human() {
                writeln!(out, "{}", neutral(&line))?;
            }
        }
        Ok(())
    }
}

/// Prints `text` as it is (no JSON).
pub fn text(text: &str) -> CliResult {
    let mut out = std::io::stdout().lock();
    out.write_all(neutral(text).as_bytes())?;
    out.flush()?;
    Ok(())
}

/// A line on stderr; a closed stderr is not an error worth dying for.
pub fn note(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", neutral(line));
}

/// The first `max` characters of `s` on one line, with an ellipsis when cut.
pub fn snippet(s: &str, max: usize) -> String {
    let one_line: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut t: String = one_line.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}
