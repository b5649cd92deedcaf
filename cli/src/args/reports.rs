//! Reports: writing, inserting blocks, submitting, reading.

use clap::Subcommand;

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
    /// Replace the report's summary (the paragraph at its top) with your own words.
    Summary {
        /// The report: title, id or id prefix.
        id: String,
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
