//! The manager's week through the FFI: reminders to schedule as local notifications, 催交
//! (nudges), and the inbox.

use std::sync::Arc;

use std::time::SystemTime;

use fieldreport_core::store::{InboxItem as CoreItem, InboxKind as CoreKind};
use fieldreport_core::sync as core_sync;

use crate::background;
use crate::store::{FieldStore, Result};
use crate::types::*;

/// A reminder to schedule as a local notification (no push service needed).
#[derive(Debug, Clone, uniffi::Record)]
pub struct Reminder {
    /// When to show it.
    pub at: SystemTime,
    pub report_kind: ReportKind,
    /// The report's period, `YYYY-MM-DD..YYYY-MM-DD`.
    pub period: String,
    /// The notification's text in the language asked for.
    pub text: String,
    /// When the report is due.
    pub due_at: SystemTime,
    /// Its deadline has passed and it is still not submitted.
    pub overdue: bool,
}

/// What an inbox item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum InboxKind {
    /// A manager asked for a report (催交) not submitted yet.
    Nudge,
    /// A comment named this user.
    Mention,
    /// Someone commented on this user's report.
    Comment,
    /// A recipient read this user's report.
    Read,
}

/// Something for this user's attention.
#[derive(Debug, Clone, uniffi::Record)]
pub struct InboxItem {
    pub kind: InboxKind,
    pub at: SystemTime,
    /// Who: the manager who nudged, the commenter, the reader (a user id; `by_name` names them).
    pub by: String,
    pub by_name: String,
    /// The report it is about.
    pub report_id: Option<String>,
    /// A nudge's report kind and period (`YYYY-MM-DD..YYYY-MM-DD`).
    pub report_kind: Option<ReportKind>,
    pub period: Option<String>,
    /// A comment's text.
    pub text: Option<String>,
}

/// A nudge the server recorded.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NudgeSent {
    pub id: String,
    pub user_id: String,
    pub report_kind: ReportKind,
    pub period: String,
    pub at: SystemTime,
}

fn item(i: CoreItem, name: String) -> InboxItem {
    InboxItem {
        kind: match i.kind {
            CoreKind::Nudge => InboxKind::Nudge,
            CoreKind::Mention => InboxKind::Mention,
            CoreKind::Comment => InboxKind::Comment,
            CoreKind::Read => InboxKind::Read,
        },
        at: instant(i.at),
        by: i.by,
        by_name: name,
        report_id: i.report_id,
        report_kind: i.report_kind.and_then(|k| k.parse().ok()),
        period: i.period,
        text: i.text,
    }
}

#[uniffi::export]
impl FieldStore {
    /// This user's reminders of the next `days` days (7 when `None`), in `lang` (zh-CN when
    /// `None`), earliest first: one per report due that the user has not submitted, from the
    /// team's configuration after a sync. Schedule them as local notifications; submitting a
    /// report removes its reminder (ask again after a write or a sync).
    #[uniffi::method(default(days = None, lang = None))]
    pub async fn reminders(self: Arc<Self>, days: Option<i32>, lang: Option<Lang>) -> Result<Vec<Reminder>> {
        let days = u32::try_from(days.unwrap_or(7).max(0)).unwrap_or(7);
        self.call(move |s| {
            let cal = s.calendar()?;
            let lang = lang.unwrap_or_default();
            Ok(s.reminders(days)?
                .into_iter()
                .map(|r| Reminder {
                    at: instant(r.at),
                    report_kind: r.kind,
                    period: format!("{}..{}", r.first, r.last),
                    text: r.text(lang, &cal),
                    due_at: instant(r.due_at),
                    overdue: r.overdue,
                })
                .collect())
        })
        .await
    }

    /// What needs this user's attention, newest first: nudges not answered yet, comments that
    /// name the user or are on the user's reports, read receipts (as of the last sync; offline).
    pub async fn inbox(self: Arc<Self>) -> Result<Vec<InboxItem>> {
        self.call(move |s| {
            let names = s.names()?;
            Ok(s.inbox()?
                .into_iter()
                .map(|i| {
                    let name = names.of(&i.by);
                    item(i, name)
                })
                .collect())
        })
        .await
    }

    /// Adds a comment that answers comment `reply_to` (see `comment_report`; `@name` names a
    /// member who can read the report).
    pub async fn reply_report(self: Arc<Self>, id: String, text: String, reply_to: String) -> Result<Report> {
        self.call_report(move |s| s.reply_report(&id, &text, Some(&reply_to))).await
    }

    /// 催交: asks member `user` (a name or id) for the `kind` report of the period holding
    /// `period` (today when `None`). Needs the network; refused (`Forbidden`, or `Server` with
    /// code `limit_reached` within an hour of the last nudge) unless this user manages them.
    #[uniffi::method(default(period = None))]
    pub async fn nudge(&self, user: String, kind: ReportKind, period: Option<String>) -> Result<NudgeSent> {
        let member = self.read(|s| s.resolve_member(&user))?;
        let (path, opts) = (self.file()?, self.options());
        let period = period.unwrap_or_else(|| "today".into());
        background::run("nudge", None, move || async move {
            let store = fieldreport_core::Store::open(&path)?;
            let n = core_sync::nudge(&store, &opts, &member.id, kind.as_str(), &period).await?;
            let at = instant(n.at);
            Ok(NudgeSent {
                id: n.id,
                user_id: n.user_id,
                report_kind: kind,
                period: format!("{}..{}", n.first, n.last),
                at,
            })
        })
        .await
    }
}
