//! Visit plans (拜访计划) and today's report.

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum PlanCmd {
    /// Plan a visit; prints the plan's id.
    Add {
        /// The customer: name (or a part found in no other name), id or id prefix.
        #[arg(long)]
        customer: String,
        /// The day: YYYY-MM-DD, today or tomorrow.
        #[arg(long)]
        on: String,
        /// The time of day, HH:MM.
        #[arg(long)]
        at: Option<String>,
        /// What the visit is for (it becomes the visit's note when logged with `visit log --plan`).
        #[arg(long, default_value = "")]
        purpose: String,
    },
    /// List plans: of one day, of a period, or (by default) of today and the next 7 days.
    List {
        /// One day: YYYY-MM-DD, today or tomorrow.
        #[arg(long, conflicts_with = "period")]
        on: Option<String>,
        /// today, tomorrow, this-week, next-week… or YYYY-MM-DD..YYYY-MM-DD.
        #[arg(long)]
        period: Option<String>,
        /// A member of your team (on a manager's device): name, id, or a unique start of either.
        #[arg(long)]
        user: Option<String>,
        /// Cancelled plans too.
        #[arg(long)]
        all: bool,
        /// Language of states: zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
    /// Move a plan to another day (and time).
    Move {
        /// The plan's id or id prefix.
        id: String,
        /// YYYY-MM-DD, today or tomorrow.
        #[arg(long)]
        on: String,
        /// HH:MM.
        #[arg(long)]
        at: Option<String>,
    },
    /// Cancel a plan (it counts in no plan completion).
    Cancel {
        /// The plan's id or id prefix.
        id: String,
    },
}

/// `today`: the day's (week's, month's) report, pre-filled; `--submit` sends it.
#[derive(Debug, Args)]
pub struct TodayArgs {
    /// daily (日报, the default), weekly (周报) or monthly (月报).
    #[arg(default_value = "daily")]
    pub kind: String,
    /// A day in the report's period, YYYY-MM-DD; default today.
    #[arg(long)]
    pub date: Option<String>,
    /// Submit it (blocks frozen as of now) and sync at once; offline it goes at the next sync.
    #[arg(long)]
    pub submit: bool,
    /// With --submit: a member to send it to (repeatable), by name, id or a unique start of
    /// either; default whom the report is addressed to (your manager).
    #[arg(long = "to", requires = "submit")]
    pub to: Vec<String>,
    /// With --submit: a member to copy (repeatable).
    #[arg(long = "cc", requires = "submit")]
    pub cc: Vec<String>,
    /// Template and label language for a new report: zh-CN (default) or en.
    #[arg(long, default_value = "zh-CN")]
    pub lang: String,
}
