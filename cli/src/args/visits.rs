//! Visits (followups) and attached files.

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum VisitCmd {
    /// Log a visit, call, email, message or meeting.
    Log {
        /// The customer: name (or a part found in no other name), id or id prefix; not with
        /// --plan, whose customer it is.
        #[arg(long, required_unless_present = "plan", conflicts_with = "plan")]
        customer: Option<String>,
        /// The plan this visit carries out (`plan list` shows them): its customer, and its
        /// purpose as the note when --note is not given; the plan is marked done.
        #[arg(long, conflicts_with_all = ["deal", "kind"])]
        plan: Option<String>,
        /// One of the customer's deals: title, id or id prefix.
        #[arg(long)]
        deal: Option<String>,
        /// visit (拜访), call (电话), email (邮件), message (消息) or meeting (会议).
        #[arg(long)]
        kind: Option<String>,
        /// What happened (required without --plan).
        #[arg(long, required_unless_present = "plan")]
        note: Option<String>,
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
