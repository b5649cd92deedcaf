//! Command dispatch: opens the store, applies `--now`, runs one command.

mod attachment;
mod customer;
mod deal;
mod kpi;
mod ledger;
mod plan;
mod report;
mod sync;
mod today;
mod visit;
mod week;

use fieldreport_core::period::Calendar;
use fieldreport_core::store::Aside;
use fieldreport_core::{Error, Store};
use serde_json::json;

use crate::args::{Cli, Command, InitArgs};
use crate::error::{CliError, CliResult};
use crate::output::Output;
use crate::time::parse_rfc3339;

/// What every command works with.
pub struct Ctx {
    pub store: Store,
    pub out: Output,
}

impl Ctx {
    /// The team calendar (fails before `init`).
    pub fn calendar(&mut self) -> CliResult<Calendar> {
        Ok(self.store.calendar()?)
    }

    /// The id of the `kind` record a person named: an id, an id prefix, or a name or title.
    pub fn id(&self, kind: fieldreport_core::doc::Kind, query: &str) -> CliResult<String> {
        Ok(self.store.resolve(kind, query)?)
    }
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> CliResult {
    let db = cli.db.ok_or_else(|| CliError::Usage("--db PATH is required (the device database file)".into()))?;
    let now = cli.now.as_deref().map(parse_rfc3339).transpose()?;
    // A file that is not a readable SQLite database is damaged (truncated, overwritten): a
    // failure of the device, not of the command line (exit 1), and `doctor` says what to do.
    let doctoring = matches!(cli.command, Command::Doctor);
    let mut store = Store::open(&db).map_err(|e| match e {
        Error::Storage(inner) if doctoring => CliError::Damaged(format!(
            "damaged: {path} cannot be read as a database at all ({inner}). Move it aside and enroll this device \
             again (`enroll --server URL --code CODE` on a new --db): everything it synced comes back from the \
             server; what it changed since its last sync is lost",
            path = db.display()
        )),
        Error::Storage(inner) => CliError::Damaged(format!(
            "cannot open {path} as a fieldreport database ({inner}): the file is damaged or is not a fieldreport \
             database; run `fieldreport --db {path} doctor`",
            path = db.display()
        )),
        other => CliError::Core(other),
    })?;
    store.set_now(now);
    let mut ctx = Ctx { store, out: Output { json: cli.json } };
    // A mistyped --db path would otherwise show an empty device; every command but `init` needs
    // an identity.
    if !matches!(cli.command, Command::Init(_) | Command::Enroll { .. } | Command::Status) {
        ctx.store.identity()?;
    }
    match cli.command {
        Command::Init(a) => init(&mut ctx, a),
        Command::Whoami => whoami(&mut ctx),
        Command::Customer(c) => customer::run(&mut ctx, c),
        Command::Deal(c) => deal::run(&mut ctx, c),
        Command::Visit(c) => visit::run(&mut ctx, c),
        Command::Contract(c) => ledger::contract(&mut ctx, c),
        Command::Payment(c) => ledger::payment(&mut ctx, c),
        Command::Contact(c) => customer::contact(&mut ctx, c),
        Command::Report(c) => report::run(&mut ctx, c),
        Command::Today(a) => today::run(&mut ctx, a),
        Command::Plan(c) => plan::run(&mut ctx, c),
        Command::Kpi { period, lang, dept: Some(dept), .. } => kpi::department(&mut ctx, &dept, &period, &lang),
        Command::Kpi { period, metrics, lang, user, dept: None } => {
            kpi::run(&mut ctx, &period, &metrics, &lang, user.as_deref())
        }
        Command::Alerts { lang } => kpi::alerts(&mut ctx, &lang),
        Command::Team { lang } => kpi::team(&mut ctx, &lang),
        Command::Attachment(c) => attachment::run(&mut ctx, c),
        Command::Enroll { server, code, name } => sync::enroll(&mut ctx, &server, &code, name.as_deref()),
        Command::WebLogin { code } => sync::web_login(&mut ctx, &code),
        Command::Sync { wait } => sync::sync(&mut ctx, wait),
        Command::Status => sync::status(&mut ctx),
        Command::Doctor => doctor(&mut ctx),
        Command::Rejected { action } => sync::rejected(&mut ctx, action),
        Command::Reminders { days, lang } => week::reminders(&mut ctx, days, &lang),
        Command::Nudge { user, kind, period } => week::nudge(&mut ctx, &user, &kind, &period),
        Command::Inbox { lang } => week::inbox(&mut ctx, &lang),
    }
}

fn init(ctx: &mut Ctx, a: InitArgs) -> CliResult {
    let id = ctx.store.init(&a.user, &a.team, &a.tz, &a.week_start)?;
    ctx.out.print(&id, || {
        vec![format!(
            "initialized: user {} of team {} ({}, weeks start {})",
            id.user_id, id.team_id, id.tz, id.week_start
        )]
    })
}

fn whoami(ctx: &mut Ctx) -> CliResult {
    let id = ctx.store.identity()?;
    ctx.out.print(&id, || {
        vec![format!(
            "user {} of team {} ({}, weeks start {}), actor {}",
            id.user_id, id.team_id, id.tz, id.week_start, id.actor
        )]
    })
}

fn doctor(ctx: &mut Ctx) -> CliResult {
    let bad = ctx.store.verify()?;
    let aside = ctx.store.set_aside_documents()?;
    let rows: Vec<_> = bad.iter().map(|(id, reason)| json!({"id": id, "reason": reason})).collect();
    let aside_rows: Vec<_> =
        aside.iter().map(|(id, source, reason)| json!({"id": id, "source": source, "reason": reason})).collect();
    ctx.out.print(&json!({"damaged": rows, "set_aside": aside_rows}), || {
        let mut lines: Vec<String> = bad.iter().map(|(id, reason)| format!("damaged: {id}: {reason}")).collect();
        lines.extend(aside.iter().map(|(id, source, reason)| match source {
            Aside::Apply => format!("set aside: {id}: {reason} (asked for whole at the next sync)"),
            Aside::Server => format!("unavailable: {id}: {reason}"),
        }));
        if lines.is_empty() {
            lines.push("all documents are readable".into());
        }
        lines
    })?;
    if bad.is_empty() && aside.is_empty() {
        Ok(())
    } else {
        Err(CliError::Damaged(format!(
            "{} damaged and {} set-aside document(s); the other records are unaffected",
            bad.len(),
            aside.len()
        )))
    }
}

/// `value` as a JSON object with a decimal `amount` next to its `amount_minor` and `currency`.
pub fn with_amount<T: serde::Serialize>(value: &T) -> CliResult<serde_json::Value> {
    let mut v = serde_json::to_value(value)?;
    if let serde_json::Value::Object(m) = &mut v {
        if let (Some(minor), Some(cur)) =
            (m.get("amount_minor").and_then(|x| x.as_i64()), m.get("currency").and_then(|x| x.as_str()))
        {
            let amount = fieldreport_core::money::format_minor(minor, cur);
            m.insert("amount".into(), amount.into());
        }
    }
    Ok(v)
}
