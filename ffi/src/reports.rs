//! Reports through the FFI: today's report, drafts and their collaborative text, one-action
//! inserts with their content, filters, read state, duplicates of one period, rendering.

use std::sync::Arc;

use fieldreport_core::report::{render_markdown_linked, render_text};

use crate::store::{index, FieldStore, Result};
use crate::types::*;

#[uniffi::export]
impl FieldStore {
    /// A new draft from the built-in template of `kind` in `lang` (zh-CN when `None`), for the
    /// period holding `date` (today when `None`). See `open_report` for the one
    /// report of a period.
    #[uniffi::method(default(date = None, lang = None))]
    pub async fn new_report(
        self: Arc<Self>,
        kind: ReportKind,
        date: Option<NaiveDate>,
        lang: Option<Lang>,
    ) -> Result<Report> {
        self.call_report(move |s| s.new_report(kind, date, lang.unwrap_or_default())).await
    }

    /// This user's report of `kind` for the period holding `date` (today when `None`): the one
    /// that exists, or a new draft (from team template `template`, or the built-in one in
    /// `lang`). "Today's daily report" is `open_report(DAILY)`. Free-form reports are never
    /// shared: each call makes one.
    #[uniffi::method(default(date = None, lang = None, template = None))]
    pub async fn open_report(
        self: Arc<Self>,
        kind: ReportKind,
        date: Option<NaiveDate>,
        lang: Option<Lang>,
        template: Option<String>,
    ) -> Result<Report> {
        self.call_report(move |s| s.open_report(kind, date, lang.unwrap_or_default(), template.as_deref())).await
    }

    /// This user's one report of `kind` (daily, weekly, monthly) for the period holding `date`
    /// (today when `None`), pre-filled by the template in force: the period's followups by
    /// customer, the figures with targets, the next period's plans, the recipients and a
    /// drafted summary. Created when absent, never twice; while a draft, opening it again
    /// brings what was generated to now and keeps every word the rep wrote.
    #[uniffi::method(default(date = None, lang = None))]
    pub async fn today_report(
        self: Arc<Self>,
        kind: ReportKind,
        date: Option<NaiveDate>,
        lang: Option<Lang>,
    ) -> Result<Report> {
        self.call_report(move |s| s.today_report(kind, date, lang.unwrap_or_default())).await
    }

    /// Replaces the summary of draft `id` with the rep's own words (refreshes keep them).
    pub async fn set_report_summary(self: Arc<Self>, id: String, text: String) -> Result<Report> {
        self.call_report(move |s| s.set_report_summary(&id, &text)).await
    }

    /// One report.
    pub fn report(&self, id: String) -> Result<Report> {
        self.read_report(|s| s.report(&id))
    }

    /// Reports matching `query` (all without one), by period (latest first by default).
    #[uniffi::method(default(query = None, options = None))]
    pub async fn list_reports(
        self: Arc<Self>,
        query: Option<ReportQuery>,
        options: Option<ListOptions>,
    ) -> Result<Vec<ReportRow>> {
        self.on_worker(move |me| me.report_rows(query, options)).await
    }

    /// Marks report `id`, addressed to this user, read: offline, then told to the server at the
    /// next sync, which gives its author a read receipt.
    pub async fn mark_report_read(self: Arc<Self>, id: String) -> Result<()> {
        self.call(move |s| s.mark_report_read(&id)).await
    }

    /// This user's reports that share a kind and a period with another (two offline devices
    /// each made one), in groups, each earliest first: offer to merge them.
    pub async fn duplicate_reports(self: Arc<Self>) -> Result<Vec<Vec<String>>> {
        self.call(move |s| s.duplicate_reports()).await
    }

    /// Merges draft `from` into draft `into` (same author, kind and period): sections' text and
    /// files `into` lacks are added to it, and `from` is deleted (it can be restored).
    pub async fn merge_reports(self: Arc<Self>, into: String, from: String) -> Result<Report> {
        self.call_report(move |s| s.merge_reports(&into, &from)).await
    }

    /// Splices a section's text: deletes `delete` and inserts `insert` at `index`, counted in
    /// Unicode scalar values.
    pub async fn splice_report(
        self: Arc<Self>,
        id: String,
        section: String,
        index: i64,
        delete: i64,
        insert: String,
    ) -> Result<Report> {
        let (i, d) = (self::index(index)?, self::index(delete)?);
        self.call_report(move |s| s.splice_report(&id, &section, i, d, &insert)).await
    }

    /// Replaces a section's text, as minimal splices (concurrent edits elsewhere survive).
    pub async fn set_report_text(self: Arc<Self>, id: String, section: String, text: String) -> Result<Report> {
        self.call_report(move |s| s.set_report_text(&id, &section, &text)).await
    }

    /// Inserts this user's followups of `period` (the report's own period when `None`),
    /// grouped by customer, into `section` (the template's followups section when `None`).
    #[uniffi::method(default(section = None, period = None))]
    pub async fn insert_followups(
        self: Arc<Self>,
        id: String,
        section: Option<String>,
        period: Option<String>,
    ) -> Result<Block> {
        let period = period.map(|p| p.parse()).transpose()?;
        self.call(move |s| s.insert_followups(&id, section.as_deref(), period)).await.map(Into::into)
    }

    /// Inserts KPI figures (`metrics` empty for the report's default six).
    #[uniffi::method(default(section = None, period = None, metrics = []))]
    pub async fn insert_kpis(
        self: Arc<Self>,
        id: String,
        section: Option<String>,
        period: Option<String>,
        metrics: Vec<String>,
    ) -> Result<Block> {
        let period = period.map(|p| p.parse()).transpose()?;
        self.call(move |s| s.insert_kpis(&id, section.as_deref(), period, &metrics)).await.map(Into::into)
    }

    /// Re-takes every inserted snapshot with current data (刷新).
    pub async fn refresh_report(self: Arc<Self>, id: String) -> Result<Report> {
        self.call_report(move |s| s.refresh_report(&id)).await
    }

    /// Removes an inserted block.
    pub async fn remove_block(self: Arc<Self>, id: String, block_id: String) -> Result<Report> {
        self.call_report(move |s| s.remove_block(&id, &block_id)).await
    }

    /// Adds a comment (批注) under this user's name.
    pub async fn comment_report(self: Arc<Self>, id: String, text: String) -> Result<Report> {
        self.call_report(move |s| s.comment_report(&id, &text)).await
    }

    /// Submits the report to `to` and `cc` (user ids; the author's manager and the template's
    /// copies when both are empty); its text is then locked.
    #[uniffi::method(default(to = [], cc = []))]
    pub async fn submit_report(self: Arc<Self>, id: String, to: Vec<String>, cc: Vec<String>) -> Result<Report> {
        self.call_report(move |s| s.submit_report(&id, &to, &cc)).await
    }

    /// The report as Markdown in `dialect` (GFM when `None`), labels in `lang` (zh-CN when
    /// `None`); files and the report link to the dashboard when the team configured its address.
    #[uniffi::method(default(dialect = None, lang = None))]
    pub async fn render_markdown(
        self: Arc<Self>,
        id: String,
        dialect: Option<Dialect>,
        lang: Option<Lang>,
    ) -> Result<String> {
        self.call(move |s| {
            let r = s.report(&id)?;
            let cal = s.calendar()?;
            Ok(render_markdown_linked(
                &r,
                lang.unwrap_or_default(),
                dialect.unwrap_or_default(),
                &cal,
                &s.names()?,
                s.dashboard_url()?.as_deref(),
            ))
        })
        .await
    }

    /// The report as plain text, labels in `lang` (zh-CN when `None`).
    #[uniffi::method(default(lang = None))]
    pub async fn render_text(self: Arc<Self>, id: String, lang: Option<Lang>) -> Result<String> {
        self.call(move |s| {
            let r = s.report(&id)?;
            let cal = s.calendar()?;
            Ok(render_text(&r, lang.unwrap_or_default(), &cal, &s.names()?))
        })
        .await
    }
}
