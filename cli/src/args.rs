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
    /// A customer's contacts (联系人).
    #[command(subcommand)]
    Contact(ContactCmd),
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
    Sync,
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
        #[command(flatten)]
        place: Place,
    },
    /// Change a customer's name, level, address, location or tags.
    Edit {
        /// The customer: its name (or a part found in no other name), id, or id prefix.
        customer: String,
        #[arg(long)]
        name: Option<String>,
        /// A, B or C.
        #[arg(long)]
        level: Option<String>,
        #[arg(long)]
        address: Option<String>,
        /// Replaces the tags (repeatable); `--tag ""` clears them.
        #[arg(long = "tag")]
        tags: Option<Vec<String>>,
        #[command(flatten)]
        place: Place,
    },
    /// List customers, optionally those whose name contains TEXT.
    List {
        #[arg(long)]
        search: Option<String>,
    },
    /// Show one customer with its contacts.
    Show {
        /// The customer: name, id or id prefix.
        customer: String,
    },
    /// Delete a customer (it can be restored).
    Delete {
        /// The customer: name, id or id prefix.
        customer: String,
    },
    /// Restore a deleted customer.
    Restore {
        /// The customer: name, id or id prefix.
        customer: String,
    },
}

/// A location (where check-ins are measured from).
#[derive(Debug, Args)]
pub struct Place {
    /// Latitude in degrees (with --lon), e.g. 31.2304.
    #[arg(long, allow_negative_numbers = true)]
    pub lat: Option<f64>,
    /// Longitude in degrees (with --lat), e.g. 121.4737.
    #[arg(long, allow_negative_numbers = true)]
    pub lon: Option<f64>,
}

#[derive(Debug, Subcommand)]
pub enum ContactCmd {
    /// Add a contact to a customer.
    Add {
        /// The customer: name, id or id prefix.
        customer: String,
        #[arg(long)]
        name: String,
        /// Their job title, e.g. 采购经理.
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        phone: Option<String>,
    },
    /// Change a contact's name, title or phone (an empty value clears title or phone).
    Edit {
        /// The customer: name, id or id prefix.
        customer: String,
        /// The contact: their name, or their number in `contact list`.
        contact: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        phone: Option<String>,
    },
    /// Remove a contact.
    Remove {
        /// The customer: name, id or id prefix.
        customer: String,
        /// The contact: their name, or their number in `contact list`.
        contact: String,
    },
    /// List a customer's contacts, numbered.
    List {
        /// The customer: name, id or id prefix.
        customer: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DealCmd {
    /// Add a deal.
    Add {
        /// The customer: name, id or id prefix.
        #[arg(long)]
        customer: String,
        #[arg(long)]
        title: String,
        /// Decimal amount, e.g. 12000.00.
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        #[arg(long, default_value = "CNY")]
        currency: String,
        /// lead (线索), contacted (初步接触), qualified (需求确认), proposal (方案报价),
        /// negotiation (谈判), won (赢单) or lost (输单).
        #[arg(long, default_value = "lead")]
        stage: String,
        /// Expected close date, YYYY-MM-DD.
        #[arg(long)]
        expected_close: Option<String>,
    },
    /// Change a deal's title, amount or expected close date.
    Edit {
        /// The deal: its title (or a part found in no other), id or id prefix.
        deal: String,
        #[arg(long)]
        title: Option<String>,
        /// Decimal amount, e.g. 12000.00 (in the deal's currency unless --currency).
        #[arg(long, allow_hyphen_values = true)]
        amount: Option<String>,
        #[arg(long)]
        currency: Option<String>,
        /// Expected close date, YYYY-MM-DD.
        #[arg(long)]
        expected_close: Option<String>,
    },
    /// Move a deal to another stage: lead, contacted, qualified, proposal, negotiation, won or lost.
    Stage {
        /// The deal: title, id or id prefix.
        deal: String,
        stage: String,
    },
    /// List deals, optionally only one stage.
    List {
        /// lead, contacted, qualified, proposal, negotiation, won or lost.
        #[arg(long)]
        stage: Option<String>,
        /// Language of stages: zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
    /// Show one deal with its stage history.
    Show {
        /// The deal: title, id or id prefix.
        deal: String,
    },
    /// Delete a deal (it can be restored).
    Delete {
        /// The deal: title, id or id prefix.
        deal: String,
    },
    /// Restore a deleted deal.
    Restore {
        /// The deal: title, id or id prefix.
        deal: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum VisitCmd {
    /// Log a visit, call, email, message or meeting.
    Log {
        /// The customer: name (or a part found in no other name), id or id prefix.
        #[arg(long)]
        customer: String,
        /// One of the customer's deals: title, id or id prefix.
        #[arg(long)]
        deal: Option<String>,
        /// visit (拜访), call (电话), email (邮件), message (消息) or meeting (会议).
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
        /// The followup's id or id prefix (`visit list` shows them).
        id: String,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        next_step: Option<String>,
        #[arg(long)]
        at: Option<String>,
        /// visit, call, email, message or meeting.
        #[arg(long)]
        kind: Option<String>,
    },
    /// Delete a followup (it can be restored).
    Delete {
        /// The followup's id or id prefix.
        id: String,
    },
    /// Restore a deleted followup.
    Restore {
        /// The followup's id or id prefix.
        id: String,
    },
    /// List followups (with whose they are, on a manager's device).
    List {
        /// today, yesterday, this-week, last-week, this-month, last-month or YYYY-MM-DD..YYYY-MM-DD.
        #[arg(long)]
        period: Option<String>,
        /// The customer: name, id or id prefix.
        #[arg(long)]
        customer: Option<String>,
        /// The deal: title, id or id prefix.
        #[arg(long)]
        deal: Option<String>,
        /// Language of kinds: zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
    /// Show one followup with its check-in (and how far it was from the customer).
    Show {
        /// The followup's id or id prefix.
        id: String,
        /// Language of kinds: zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
    /// Attach photos or files (JPEG, PNG, HEIC, WebP, PDF) to a followup, offline; they go to
    /// the server at the next sync. Location and device data are stripped from photos.
    Attach {
        /// The followup's id or id prefix.
        id: String,
        /// The files (each checked by its bytes; at most the team's size limit, 20 MB by default).
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// Remove an attached file from a followup (HASH or a unique start of it; `visit show` lists them).
    Detach {
        /// The followup's id or id prefix.
        id: String,
        hash: String,
    },
}

/// `attachment …`: files attached to followups and reports.
#[derive(Debug, Subcommand)]
pub enum AttachmentCmd {
    /// Write an attached file, downloading it from the server first when this device does not
    /// have it (a cut download resumes).
    Get {
        /// The file's hash, or a unique start of it (`visit show` and `report show --format json`
        /// list them).
        hash: String,
        /// Where to write it; `-` for stdout. Default: its name, in the current directory (an
        /// existing file is not overwritten).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// The files on this device's records, and where each stands (sent, waiting, downloaded, not here).
    List,
    /// Set the size of the cache of downloaded files (the device's own files are never evicted).
    Cache {
        /// Megabytes.
        megabytes: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// Start a draft from a built-in template (KIND) or a team template (--template); prints its id.
    New {
        /// daily (日报), weekly (周报), monthly (月报) or free; not with --template.
        #[arg(required_unless_present = "template", conflicts_with = "template")]
        kind: Option<String>,
        /// A template id from `report templates` (a team's, or builtin:weekly:zh-CN…).
        #[arg(long)]
        template: Option<String>,
        /// A day in the report's period, YYYY-MM-DD; default today.
        #[arg(long)]
        date: Option<String>,
        /// Template and label language: zh-CN (default) or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
    /// List the templates a report can start from: the team's, then the built-in ones.
    Templates {
        /// Language of the built-in ones: zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
    /// Replace a section's text. SECTION is its key or 1-based position. Built-in keys: daily
    /// done, undone, plan, help; weekly and monthly summary, key_accounts, issues, plan; free
    /// content (`report templates` lists every template's).
    Set {
        /// The report: title, id or id prefix.
        id: String,
        section: String,
        text: String,
    },
    /// Splice a section's text: at INDEX (Unicode scalar values) delete DELETE characters, insert TEXT.
    Splice {
        /// The report: title, id or id prefix.
        id: String,
        section: String,
        index: usize,
        delete: usize,
        text: String,
    },
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
    Refresh {
        /// The report: title, id or id prefix.
        id: String,
    },
    /// Remove an inserted block.
    RemoveBlock {
        /// The report: title, id or id prefix.
        id: String,
        block: String,
    },
    /// Add a comment (批注).
    Comment {
        /// The report: title, id or id prefix.
        id: String,
        /// The comment; `@name` names a member who can read the report (they are notified).
        text: String,
        /// The comment this one answers (its id, as `report show --format json` lists them).
        #[arg(long)]
        reply_to: Option<String>,
    },
    /// Submit the report: by default to your manager (and whom the template copies).
    Submit {
        /// The report: title, id or id prefix.
        id: String,
        /// A member to send it to (repeatable): a name, user id, or a unique start of either
        /// (`fieldreport team` lists them). Default: your manager.
        #[arg(long = "to")]
        to: Vec<String>,
        /// A member to copy (repeatable), named as for --to.
        #[arg(long = "cc")]
        cc: Vec<String>,
    },
    /// Add recipients to a submitted report (nobody is ever taken off).
    AddRecipients {
        /// The report: title, id or id prefix.
        id: String,
        /// A member to send it to (repeatable), named as for `submit --to`.
        #[arg(long = "to")]
        to: Vec<String>,
        /// A member to copy (repeatable).
        #[arg(long = "cc")]
        cc: Vec<String>,
    },
    /// Show a report.
    Show {
        /// The report: title, id or id prefix.
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
        /// today, this-week, last-month… or YYYY-MM-DD..YYYY-MM-DD.
        #[arg(long)]
        period: Option<String>,
        /// Language of kinds and statuses: zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
    /// Attach photos or files to a section of a draft (JPEG, PNG, HEIC, WebP, PDF).
    Attach {
        /// The report: title, id or id prefix.
        id: String,
        /// The section: its key or 1-based position; default the first.
        #[arg(long)]
        section: Option<String>,
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// Remove an attached file from a draft (HASH or a unique start of it).
    Detach {
        /// The report: title, id or id prefix.
        id: String,
        hash: String,
    },
    /// Delete a report (it can be restored).
    Delete {
        /// The report: title, id or id prefix.
        id: String,
    },
    /// Restore a deleted report.
    Restore {
        /// The report: title, id or id prefix.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ContractCmd {
    /// Add a signed contract.
    Add {
        /// The customer: name, id or id prefix.
        #[arg(long)]
        customer: String,
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        #[arg(long, default_value = "CNY")]
        currency: String,
        /// Signing date, YYYY-MM-DD; default today.
        #[arg(long)]
        signed_on: Option<String>,
        /// The deal it closes: title, id or id prefix.
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
        /// The contract: its title, id or id prefix.
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
