//! The command line: global flags and every command's arguments, the records' in [`records`],
//! visits' and files' in [`visits`], reports' in [`reports`].

mod plans;
mod records;
mod reports;
mod visits;

pub use plans::{PlanCmd, TodayArgs};
pub use records::{ContactCmd, ContractCmd, CustomerCmd, DealCmd, PaymentCmd, Place};
pub use reports::ReportCmd;
pub use visits::{AttachmentCmd, VisitCmd};

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// fieldreport — a field-sales device in a terminal: customers, deals, visits, contracts and
/// payments, stored offline in one SQLite file.
#[derive(Debug, Parser)]
#[command(name = "fieldreport", version, propagate_version = true)]
pub struct Cli {
    /// The device database file (created when absent).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Print machine-readable JSON on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// Use this instant as "now" (RFC 3339), for scripts and tests.
    #[arg(long, global = true, value_name = "RFC3339")]
    pub now: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create this device's local identity (before any server exists).
    Init(InitArgs),
    /// Show this device's identity.
    Whoami,
    /// Customers (客户).
    #[command(subcommand)]
    Customer(CustomerCmd),
    /// Deals (商机).
    #[command(subcommand)]
    Deal(DealCmd),
    /// Visits and other followups (跟进记录).
    #[command(subcommand)]
    Visit(VisitCmd),
    /// Contracts (合同).
    #[command(subcommand)]
    Contract(ContractCmd),
    /// Payments received (回款).
    #[command(subcommand)]
    Payment(PaymentCmd),
    /// A customer's contacts (联系人).
    #[command(subcommand)]
    Contact(ContactCmd),
    /// Today's report (日报) opened pre-filled: the day's visits by customer, the figures with
    /// targets, tomorrow's plans, the recipients and a drafted summary; `--submit` sends it.
    Today(TodayArgs),
    /// Visit plans (拜访计划): tomorrow's fill the daily's plan section.
    #[command(subcommand)]
    Plan(PlanCmd),
    /// Reports (工作汇报): daily, weekly, monthly and free.
    #[command(subcommand)]
    Report(ReportCmd),
    /// This device's KPI figures for a period (computed locally).
    Kpi {
        /// today, yesterday, this-week, last-week, this-month, last-month, this-quarter,
        /// last-quarter or YYYY-MM-DD..YYYY-MM-DD.
        #[arg(long, default_value = "this-month")]
        period: String,
        /// Only these metrics (repeatable); default all.
        #[arg(long = "metric")]
        metrics: Vec<String>,
        /// Label language: zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
        /// A member of your team (on a manager's device): name, id, or a unique start of either.
        #[arg(long)]
        user: Option<String>,
        /// A department you head (name or id): its figures, sub-departments and members from
        /// the server's last snapshot, offline (this week, last week, this month, this quarter).
        #[arg(long, conflicts_with = "user")]
        dept: Option<String>,
    },
    /// The alerts and read receipts from the server's last snapshot (after a sync; offline).
    Alerts {
        /// Language of the texts: zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
    /// The team's members (from the directory the server publishes; after a sync; offline).
    Team {
        /// Language of roles: zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
    /// Attached photos and files: download, list, cache size.
    #[command(subcommand)]
    Attachment(AttachmentCmd),
    /// Enroll this device with a team server using a one-time code.
    Enroll {
        /// The server, e.g. https://reports.example.com or http://127.0.0.1:8080.
        #[arg(long)]
        server: String,
        /// The one-time enrollment code an admin gave you.
        #[arg(long)]
        code: String,
        /// A name for this device, shown in the server's device list (e.g. "张伟的手机").
        #[arg(long)]
        name: Option<String>,
    },
    /// Sign a browser in to the team dashboard (扫码登录): CODE is the code its sign-in page shows.
    WebLogin { code: String },
    /// Push local changes and pull everything new from the server.
    Sync {
        /// With nothing to send, wait up to SECONDS at the server for news (a long poll; the
        /// server caps it at 60).
        #[arg(long, value_name = "SECONDS")]
        wait: Option<u64>,
    },
    /// How sync stands: how the last sync ended (idle, offline, error) and why, when this
    /// device last received the server's changes, and what has not reached the server yet.
    Status,
    /// Check every stored document and list the damaged ones (exit 1 when any).
    Doctor,
    /// 催交: ask a member of your team for a report they have not submitted (online; at most
    /// once an hour per member and report). They see it in their inbox; the team's robots
    /// @mention them.
    Nudge {
        /// The member: name, id, or a unique start of either.
        user: String,
        /// daily, weekly or monthly.
        #[arg(long, default_value = "daily")]
        kind: String,
        /// A day of the report's period: today, yesterday, this-week… or YYYY-MM-DD.
        #[arg(long, default_value = "today")]
        period: String,
    },
    /// Nudges for your reports, comments on them and that name you, and who read them (as of
    /// the last sync; offline).
    Inbox {
        /// Language of the texts: zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
    /// Reminders of the reports due in the next days that you have not submitted (offline;
    /// from the team's configuration after a sync).
    Reminders {
        /// How many days ahead.
        #[arg(long, default_value_t = 7)]
        days: u32,
        /// Language of the texts: zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
    /// Records the server refused, with why: they stay on this device, listed here and not
    /// resent until changed, until resolved with `discard` or `keep`.
    Rejected {
        #[command(subcommand)]
        action: Option<RejectedCmd>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RejectedCmd {
    /// Take the server's copy of a refused record: the local changes it refused are dropped (a
    /// record the server never accepted is removed from this device).
    Discard { id: String },
    /// Keep what this device wrote in a refused report or visit as a new draft or visit, then
    /// take the server's copy of the refused one.
    Keep { id: String },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[arg(long)]
    pub user: String,
    #[arg(long)]
    pub team: String,
    /// The team's IANA time zone.
    #[arg(long, default_value = "Asia/Shanghai")]
    pub tz: String,
    /// First day of the week.
    #[arg(long, default_value = "monday")]
    pub week_start: String,
}
