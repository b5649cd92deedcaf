//! `fieldreport-server`: run the team server and administer its data directory.
//!
//! Exit codes: 0 success; 2 bad input (unknown user or device, bad role, bad time zone…), with a
//! one-line message on stderr; 1 any other failure.

#[cfg(feature = "demo")]
mod demo;
mod departments;
mod figures;
mod files;
mod people;
mod week;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use fieldreport_server::{Limits, Location, ServerError, Service};
use people::{DeviceCmd, SessionCmd, UserCmd};
use serde_json::json;

/// fieldreport team server: merges every device's edits and enforces who may change what.
#[derive(Debug, Parser)]
#[command(name = "fieldreport-server", version)]
struct Cli {
    /// The data directory (created when absent), for the embedded SQLite database [default:
    /// ./fieldreport-data]. With `demo`: where the demo keeps its data (a new or empty directory).
    #[arg(long, global = true, value_name = "DIR")]
    data: Option<PathBuf>,
    /// A database URL instead of the data directory (see README, "Several servers").
    #[arg(long, global = true, value_name = "URL")]
    database: Option<String>,
    /// Where attached files are kept: a directory, or `s3://BUCKET[/PREFIX]` (credentials and
    /// endpoint from AWS_* variables) [default: <data>/blobs; with --database, required for
    /// attachments].
    #[arg(long, global = true, value_name = "DIR|s3://…")]
    blobs: Option<String>,
    /// Print machine-readable JSON on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// Run on another clock, for trials and tests: an RFC 3339 instant to start at (it runs on
    /// from there), or `file:PATH` to follow the instant written in a file (read again at most
    /// every 200 ms), as devices take `--now`. Deadlines, alerts, digests and figures follow it.
    #[arg(long, global = true, value_name = "INSTANT|file:PATH")]
    clock: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve devices over HTTP. On a first start with an empty data directory, creates the team
    /// and prints the admin's enrollment code.
    Serve(ServeArgs),
    /// Explicit first-run setup: the team and its admin.
    Init {
        #[arg(long)]
        team_name: String,
        #[arg(long, default_value = "Asia/Shanghai")]
        tz: String,
        #[arg(long, default_value = "monday")]
        week_start: String,
        #[arg(long)]
        admin_name: String,
    },
    /// Team members.
    #[command(subcommand)]
    User(UserCmd),
    /// Departments (部门): the organisation as a tree, by names as well as ids.
    #[command(subcommand)]
    Dept(departments::DeptCmd),
    /// A new one-time enrollment code for a user.
    EnrollCode { user_id: String },
    /// Enrolled devices.
    #[command(subcommand)]
    Device(DeviceCmd),
    /// Dashboard sessions (browsers signed in).
    #[command(subcommand)]
    Session(SessionCmd),
    /// A simulated week with a manager, two reps and three devices, in one process (its data in
    /// a temporary directory, or kept in `--data DIR`).
    Demo,
    /// The team configuration (settings, deadlines, KPIs, targets, templates).
    #[command(subcommand)]
    Config(ConfigCmd),
    /// KPI figures of a period, per member and for the team; `kpi rebuild` recomputes the rollups.
    Kpi(KpiArgs),
    /// Current alerts: low conversion, stale deals, late or missing reports, KPIs in red.
    Alerts {
        /// Only this user's.
        #[arg(long, conflicts_with = "dept")]
        user: Option<String>,
        /// Only those of a department and the departments below it (name or id).
        #[arg(long)]
        dept: Option<String>,
        /// Language of the texts: zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
    /// Messages to the team's group-chat robots, newest first: sent, pending (with the next
    /// attempt's time) or failed, with the last error.
    Deliveries {
        /// How many to list.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Documents set aside because their stored copy cannot be loaded (each heals when its
    /// owner's device next syncs). Exit 1 when there are any.
    Doctor {
        /// Load every stored document first, setting aside the damaged ones.
        #[arg(long)]
        scan: bool,
    },
    /// Attached files: where they are kept, the team's limits, files and bytes per member with
    /// today's uploads against the daily limit.
    Files {
        /// Also delete now the files no document has referenced for the grace period, and
        /// uploads left unfinished for a week (a serving process does this hourly).
        #[arg(long)]
        collect: bool,
    },
    /// 催交: ask a member for a report they have not submitted (at most once an hour per
    /// member and report); their devices and the team's robots are told.
    Nudge {
        /// The member's user id.
        user_id: String,
        /// daily, weekly or monthly.
        #[arg(long, default_value = "daily")]
        kind: String,
        /// A day of the report's period: today, yesterday, this-week… or YYYY-MM-DD.
        #[arg(long, default_value = "today")]
        period: String,
        /// Who asks (a manager's or admin's user id); the team's first admin by default.
        #[arg(long)]
        by: Option<String>,
    },
    /// Export a period's report submissions, KPI table, visits or reports as XLSX or CSV
    /// (headers in zh-CN, or en with --lang en).
    Export {
        /// submissions, kpi, visits or reports.
        #[arg(long)]
        what: String,
        /// today, yesterday, this-week, last-week, this-month, last-month, this-quarter,
        /// last-quarter or YYYY-MM-DD..YYYY-MM-DD (at most 366 days).
        #[arg(long, default_value = "last-week")]
        period: String,
        /// One member's rows only (a user id).
        #[arg(long, conflicts_with = "dept")]
        user: Option<String>,
        /// A department's members only (with the departments below it): name or id.
        #[arg(long)]
        dept: Option<String>,
        /// xlsx or csv.
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        /// Language of headers and words: zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
    /// Report submissions due in a period: on time, late, missing, per member.
    Submissions {
        /// today, yesterday, this-week, last-week, this-month, last-month, this-quarter,
        /// last-quarter or YYYY-MM-DD..YYYY-MM-DD.
        #[arg(long, default_value = "this-week")]
        period: String,
        #[arg(long, conflicts_with = "dept")]
        user: Option<String>,
        /// The members of a department and the departments below it (name or id).
        #[arg(long)]
        dept: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCmd {
    /// Print the configuration in force (TOML; JSON with --json).
    Show,
    /// Validate FILE (JSON, or TOML by its .toml extension) and make it the next version. A
    /// refused file changes nothing and the error names the line or field.
    Apply { file: PathBuf },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
struct KpiArgs {
    #[command(subcommand)]
    command: Option<KpiCmd>,
    /// today, yesterday, this-week, last-week, this-month, last-month, this-quarter,
    /// last-quarter or YYYY-MM-DD..YYYY-MM-DD.
    #[arg(long, default_value = "this-month")]
    period: String,
    /// Only this user's rows.
    #[arg(long, conflicts_with = "dept")]
    user: Option<String>,
    /// A department's figures (name or id): its own rows (`user_id` null), its sub-departments',
    /// and its members' while in it (a member who moved keeps their past figures where they
    /// were).
    #[arg(long)]
    dept: Option<String>,
}

#[derive(Debug, Subcommand)]
enum KpiCmd {
    /// Recompute every rollup from the stored records (after a restore, or to check them):
    /// each document's stored typed view when current, else the document itself.
    Rebuild {
        /// Read every document again instead of its stored view (and store the views afresh):
        /// slower, for when the reading of documents itself is in doubt.
        #[arg(long)]
        from_documents: bool,
    },
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Largest sync request body, in bytes (larger ones get 413).
    #[arg(long, default_value_t = Limits::default().max_request_bytes)]
    max_request_bytes: usize,
    /// Largest document, in bytes (larger ones are rejected).
    #[arg(long, default_value_t = Limits::default().max_doc_bytes)]
    max_doc_bytes: usize,
    /// Log format: text or json.
    #[arg(long, default_value = "text")]
    log_format: String,
    /// Least seconds between two refreshes of a member's KPI snapshot while their data keeps
    /// changing (their devices compute fresher figures locally meanwhile). 0 refreshes at
    /// every sync: fine for a small team.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    snapshot_interval: u64,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            if !e.use_stderr() {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid command line").trim_start_matches("error: ");
            note(&format!("error: {first} (see --help)"));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            note(&format!("error: {e}"));
            ExitCode::from(if e.is_bad_input() { 2 } else { 1 })
        }
    }
}

fn print(json_out: bool, value: serde_json::Value, human: Vec<String>) {
    if json_out {
        out(&format!("{}\n", serde_json::to_string_pretty(&value).unwrap_or_default()));
    } else {
        for line in human {
            out(&format!("{line}\n"));
        }
    }
}

/// Writes to stdout. A reader that stopped reading (`… | head -1`) ends the command quietly,
/// as a pipeline expects, instead of a panic.
fn out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        note(&format!("error: cannot write output: {e}"));
        std::process::exit(1);
    }
}

/// A line on stderr (a closed stderr is ignored).
fn note(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

fn run(cli: Cli) -> Result<(), ServerError> {
    let j = cli.json;
    if let Some(spec) = &cli.clock {
        fieldreport_server::clock::configure(spec).map_err(|e| ServerError::BadRequest(format!("--clock: {e}")))?;
    }
    let at = Target {
        data: cli.data.clone().unwrap_or_else(|| PathBuf::from("./fieldreport-data")),
        database: cli.database,
        blobs: cli.blobs,
    };
    match cli.command {
        Command::Serve(a) => serve(&at, &a, j),
        #[cfg(feature = "demo")]
        Command::Demo => demo::run(j, cli.data.as_deref()),
        #[cfg(not(feature = "demo"))]
        Command::Demo => {
            Err(ServerError::Setup("this fieldreport-server was built without its demo (cargo feature `demo`)".into()))
        }
        Command::Init { team_name, tz, week_start, admin_name } => {
            let s = open(&at)?;
            let (team, admin, code) = s.init_team(&team_name, &tz, &week_start, &admin_name)?;
            print(
                j,
                json!({"team_id": team.id, "admin_id": admin.id, "enrollment_code": code}),
                vec![
                    format!("team {} ({}) in {}, weeks start {}", team.name, team.id, team.tz, team.week_start),
                    format!("admin {} ({})", admin.name, admin.id),
                    format!("admin enrollment code (one-time, valid 7 days): {code}"),
                ],
            );
            Ok(())
        }
        Command::User(c) => people::user(&open(&at)?, c, j),
        Command::Dept(c) => departments::dept(&open(&at)?, c, j),
        Command::Device(c) => people::device(&open(&at)?, c, j),
        Command::Session(c) => people::session(&open(&at)?, c, j),
        Command::EnrollCode { user_id } => {
            let code = open(&at)?.enrollment_code(&user_id)?;
            print(j, json!({"enrollment_code": code}), vec![code]);
            Ok(())
        }
        Command::Config(c) => figures::config(&existing(&at)?, c, j),
        Command::Kpi(a) => figures::kpi(&existing(&at)?, a, j),
        Command::Alerts { user, dept, lang } => {
            figures::alerts(&existing(&at)?, user.as_deref(), dept.as_deref(), &lang, j)
        }
        Command::Deliveries { limit } => figures::deliveries(&existing(&at)?, limit, j),
        Command::Submissions { period, user, dept } => {
            figures::submissions(&existing(&at)?, &period, user.as_deref(), dept.as_deref(), j)
        }
        Command::Doctor { scan } => doctor(&existing(&at)?, scan, j),
        Command::Files { collect } => files::files(&existing(&at)?, collect, j),
        Command::Export { what, period, user, dept, format, out, lang } => {
            let who = week::Who { user: user.as_deref(), dept: dept.as_deref() };
            week::export(&existing(&at)?, &what, &period, who, &format, &out, &lang, j)
        }
        Command::Nudge { user_id, kind, period, by } => {
            week::nudge(&existing(&at)?, &user_id, &kind, &period, by.as_deref(), j)
        }
    }
}

/// `doctor`: what is set aside, and why.
fn doctor(s: &Service, scan: bool, j: bool) -> Result<(), ServerError> {
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr()) && !j;
    let list = s.doctor(scan, &|n| {
        if tty {
            use std::io::Write;
            let _ = write!(std::io::stderr().lock(), "\rchecked {n} documents");
        }
    })?;
    if tty && scan {
        note("");
    }
    let lines = if list.is_empty() {
        vec!["no document is set aside".to_string()]
    } else {
        list.iter()
            .map(|q| {
                format!(
                    "set aside: {} {} of user {} since {}: {} (it heals when the owner's device syncs)",
                    q.kind, q.doc_id, q.owner, q.since, q.reason
                )
            })
            .collect()
    };
    let usage = s.file_usage()?;
    let mut lines = lines;
    lines.extend(files::usage_lines(&usage));
    print(j, json!({"quarantined": list, "files": usage}), lines);
    if list.is_empty() {
        Ok(())
    } else {
        Err(ServerError::Unavailable(format!("{} document(s) set aside; the others are unaffected", list.len())))
    }
}

/// The service over the data the command line names (`--database`, else `--data`), keeping
/// attached files where `--blobs` says.
fn open(at: &Target) -> Result<Service, ServerError> {
    let mut s = Service::open(&Location::of(&at.data, at.database.as_deref())?)?;
    if let Some(spec) = &at.blobs {
        s.keep_files(spec)?;
    }
    Ok(s)
}

/// Where the data is: `--data`, `--database` and `--blobs`.
struct Target {
    data: PathBuf,
    database: Option<String>,
    blobs: Option<String>,
}

/// The service over data that already serves a team.
fn existing(at: &Target) -> Result<Service, ServerError> {
    let s = open(at)?;
    if s.team()?.is_none() {
        return Err(ServerError::BadRequest(format!(
            "{} holds no team yet: run `init` (or `serve`) first",
            s.store().describe()
        )));
    }
    Ok(s)
}

fn init_logging(format: &str) -> Result<(), ServerError> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    // Colours only on a terminal: a log file or a journal gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    match format {
        "json" => builder.json().init(),
        "text" => builder.init(),
        other => return Err(ServerError::BadRequest(format!("`{other}` is not a log format (text or json)"))),
    }
    Ok(())
}

fn serve(at: &Target, a: &ServeArgs, json_out: bool) -> Result<(), ServerError> {
    init_logging(&a.log_format)?;
    let storage = open(at)?;
    if storage.team()?.is_none() {
        let (team, admin, code) = storage.init_team("My team", "Asia/Shanghai", "monday", "admin")?;
        print(
            json_out,
            json!({"team_id": team.id, "admin_id": admin.id, "enrollment_code": code}),
            vec![
                format!(
                    "created team {} in {} (rename and configure it with `init` on a new data directory)",
                    team.id,
                    storage.store().describe()
                ),
                format!("admin enrollment code (one-time, valid 7 days): {code}"),
            ],
        );
    }
    let limits = Limits { max_request_bytes: a.max_request_bytes, max_doc_bytes: a.max_doc_bytes };
    storage.set_snapshot_interval(std::time::Duration::from_secs(a.snapshot_interval));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ServerError::Internal(format!("cannot start the runtime: {e}")))?;
    rt.block_on(async move {
        let describe = storage.store().describe();
        let storage = std::sync::Arc::new(storage);
        let running = fieldreport_server::start_with(storage.clone(), &a.listen, limits).await?;
        match storage.file_usage().ok().and_then(|u| u.store) {
            Some(files) => tracing::info!(files = %files, "attached files kept"),
            None => tracing::warn!("this server keeps no attached files (start it with --blobs DIR or s3://…): devices keep theirs and retry"),
        }
        tracing::info!(addr = %running.addr, data = %describe, "fieldreport-server listening");
        note(&format!("listening on http://{}", running.addr));
        shutdown_signal().await;
        tracing::info!("shutting down");
        running.shutdown().await;
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
