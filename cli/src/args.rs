//! The command line: global flags and every command's arguments.

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
    },
    /// The alerts and read receipts from the server's last snapshot (after a sync; offline).
    Alerts,
    /// Enroll this device with a team server using a one-time code.
    Enroll {
        /// The server, e.g. https://reports.example.com or http://127.0.0.1:8080.
        #[arg(long)]
        server: String,
        #[arg(long)]
        code: String,
    },
    /// Push local changes and pull everything new from the server.
    Sync,
    /// Check every stored document and list the damaged ones (exit 1 when any).
    Doctor,
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

#[derive(Debug, Subcommand)]
pub enum CustomerCmd {
    /// Add a customer.
    Add {
        #[arg(long)]
        name: String,
        /// A, B or C.
        #[arg(long)]
        level: Option<String>,
        #[arg(long)]
        address: Option<String>,
        /// A tag (repeatable).
        #[arg(long = "tag")]
        tags: Vec<String>,
    },
    /// List customers, optionally those whose name contains TEXT.
    List {
        #[arg(long)]
        search: Option<String>,
    },
    /// Show one customer.
    Show { id: String },
    /// Delete a customer (it can be restored).
    Delete { id: String },
    /// Restore a deleted customer.
    Restore { id: String },
}

#[derive(Debug, Subcommand)]
pub enum DealCmd {
    /// Add a deal.
    Add {
        #[arg(long)]
        customer: String,
        #[arg(long)]
        title: String,
        /// Decimal amount, e.g. 12000.00.
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        #[arg(long, default_value = "CNY")]
        currency: String,
        /// lead, contacted, qualified, proposal, negotiation, won or lost.
        #[arg(long, default_value = "lead")]
        stage: String,
        /// Expected close date, YYYY-MM-DD.
        #[arg(long)]
        expected_close: Option<String>,
    },
    /// Move a deal to another stage.
    Stage { id: String, stage: String },
    /// List deals, optionally only one stage.
    List {
        #[arg(long)]
        stage: Option<String>,
    },
    /// Show one deal with its stage history.
    Show { id: String },
    /// Delete a deal (it can be restored).
    Delete { id: String },
    /// Restore a deleted deal.
    Restore { id: String },
}

#[derive(Debug, Subcommand)]
pub enum VisitCmd {
    /// Log a visit, call, email, message or meeting.
    Log {
        #[arg(long)]
        customer: String,
        #[arg(long)]
        deal: Option<String>,
        #[arg(long, default_value = "visit")]
        kind: String,
        #[arg(long)]
        note: String,
        #[arg(long)]
        next_step: Option<String>,
        /// When it happened (RFC 3339, or YYYY-MM-DDTHH:MM in the team's zone); default now.
        #[arg(long)]
        at: Option<String>,
        /// Check-in latitude (with --lon).
        #[arg(long, allow_negative_numbers = true)]
        lat: Option<f64>,
        /// Check-in longitude (with --lat).
        #[arg(long, allow_negative_numbers = true)]
        lon: Option<f64>,
        /// Check-in accuracy in metres.
        #[arg(long)]
        accuracy: Option<f64>,
        /// Next followup date, YYYY-MM-DD.
        #[arg(long)]
        next_on: Option<String>,
    },
    /// Edit a followup; new texts merge as minimal changes.
    Edit {
        id: String,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        next_step: Option<String>,
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        kind: Option<String>,
    },
    /// Delete a followup (it can be restored).
    Delete { id: String },
    /// Restore a deleted followup.
    Restore { id: String },
    /// List followups.
    List {
        /// today, yesterday, this-week, last-week, this-month, last-month or YYYY-MM-DD..YYYY-MM-DD.
        #[arg(long)]
        period: Option<String>,
        #[arg(long)]
        customer: Option<String>,
        #[arg(long)]
        deal: Option<String>,
    },
    /// Show one followup.
    Show { id: String },
}

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// Start a draft from the built-in template; prints its id.
    New {
        /// daily, weekly, monthly or free.
        kind: String,
        /// A day in the report's period, YYYY-MM-DD; default today.
        #[arg(long)]
        date: Option<String>,
        /// Template and label language: zh-CN (default) or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
    /// Replace a section's text (SECTION is its key or 1-based position).
    Set { id: String, section: String, text: String },
    /// Splice a section's text: at INDEX (Unicode scalar values) delete DELETE characters, insert TEXT.
    Splice { id: String, section: String, index: usize, delete: usize, text: String },
    /// Insert the followups of a period, grouped by customer.
    InsertFollowups {
        id: String,
        #[arg(long)]
        section: Option<String>,
        /// Default: the report's own period.
        #[arg(long)]
        period: Option<String>,
    },
    /// Insert KPI figures.
    InsertKpis {
        id: String,
        #[arg(long)]
        section: Option<String>,
        /// Default: the report's own period.
        #[arg(long)]
        period: Option<String>,
        /// A metric id (repeatable); default the six headline KPIs.
        #[arg(long = "metric")]
        metrics: Vec<String>,
    },
    /// Recompute every inserted block (刷新).
    Refresh { id: String },
    /// Remove an inserted block.
    RemoveBlock { id: String, block: String },
    /// Add a comment (批注).
    Comment { id: String, text: String },
    /// Submit the report.
    Submit {
        id: String,
        #[arg(long = "to", required = true)]
        to: Vec<String>,
        #[arg(long = "cc")]
        cc: Vec<String>,
    },
    /// Show a report.
    Show {
        id: String,
        /// markdown, text or json.
        #[arg(long, default_value = "markdown")]
        format: String,
        /// Markdown dialect: gfm (tables), dingtalk, feishu or wecom.
        #[arg(long, default_value = "gfm")]
        dialect: String,
        /// Label language; default the report's own.
        #[arg(long)]
        lang: Option<String>,
    },
    /// List reports, optionally those whose period overlaps P.
    List {
        #[arg(long)]
        period: Option<String>,
    },
    /// Delete a report (it can be restored).
    Delete { id: String },
    /// Restore a deleted report.
    Restore { id: String },
}

#[derive(Debug, Subcommand)]
pub enum ContractCmd {
    /// Add a signed contract.
    Add {
        #[arg(long)]
        customer: String,
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        #[arg(long, default_value = "CNY")]
        currency: String,
        /// Signing date, YYYY-MM-DD; default today.
        #[arg(long)]
        signed_on: Option<String>,
        #[arg(long)]
        deal: Option<String>,
        #[arg(long)]
        title: Option<String>,
    },
    /// List contracts.
    List,
}

#[derive(Debug, Subcommand)]
pub enum PaymentCmd {
    /// Record a payment received against a contract.
    Add {
        #[arg(long)]
        contract: String,
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        /// Default: the contract's currency.
        #[arg(long)]
        currency: Option<String>,
        /// Date received, YYYY-MM-DD; default today.
        #[arg(long)]
        received_on: Option<String>,
    },
    /// List payments.
    List,
}
