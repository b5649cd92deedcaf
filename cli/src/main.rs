//! `fieldreport`: a field-sales device in a terminal.
//!
//! Exit codes: 0 success; 2 bad input (unknown id, bad date or amount, unknown command), with a
//! one-line message on stderr; 1 any other failure.

mod args;
mod commands;
mod error;
mod output;
mod time;

use std::process::ExitCode;

use clap::Parser;

use crate::args::Cli;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print and succeed; anything else is a usage error (exit 2).
            if !e.use_stderr() {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            // One line saying what was wrong, as for every other bad input.
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid command line").trim_start_matches("error: ");
            output::note(&format!("error: {first} (see --help)"));
            return ExitCode::from(2);
        }
    };
    // A bug must never look like success or leave a half-written line; report it as a failure.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| commands::run(cli)));
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) if e.is_closed_pipe() => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            output::note(&format!("error: {e}"));
            ExitCode::from(e.exit_code() as u8)
        }
        Err(_) => {
            output::note("error: internal failure (this is a bug in fieldreport; nothing further was written)");
            ExitCode::from(1)
        }
    }
}
