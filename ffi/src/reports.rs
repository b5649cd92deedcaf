//! Reports through the FFI: drafts, collaborative text, one-action inserts, rendering.

use fieldreport_core::report::{render_markdown_linked, render_text};

use crate::error::FieldError;
use crate::store::FieldStore;
use crate::types::*;

type Result<T> = std::result::Result<T, FieldError>;

#[uniffi::export]
impl FieldStore {
    /// A new draft from the built-in template of `kind` in `lang`, for the period holding `date`
    /// (`YYYY-MM-DD`; today when `None`).
    pub fn new_report(&self, kind: ReportKind, date: Option<String>, lang: Lang) -> Result<Report> {
        let date = date.map(|d| fieldreport_core::period::parse_date(&d)).transpose()?;
        self.with(|s| s.new_report(kind, date, lang)).map(Into::into)
    }

    /// One report.
    pub fn report(&self, id: String) -> Result<Report> {
        self.with(|s| s.report(&id)).map(Into::into)
    }

    /// Every report, newest period first.
    pub fn list_reports(&self) -> Result<Vec<ReportRow>> {
        self.with(|s| s.list_reports(None)).map(|v| v.into_iter().collect())
    }

    /// Splices a section's text: deletes `delete` and inserts `insert` at `index`, counted in
    /// Unicode scalar values.
    pub fn splice_report(
        &self,
        id: String,
        section: String,
        index: u64,
        delete: u64,
        insert: String,
    ) -> Result<Report> {
        let (i, d) = (crate::store::index(index)?, crate::store::index(delete)?);
        self.with(|s| s.splice_report(&id, &section, i, d, &insert)).map(Into::into)
    }

    /// Replaces a section's text, as minimal splices (concurrent edits elsewhere survive).
    pub fn set_report_text(&self, id: String, section: String, text: String) -> Result<Report> {
        self.with(|s| s.set_report_text(&id, &section, &text)).map(Into::into)
    }

    /// Inserts this user's followups of `period` (the report's own period when `None`),
    /// grouped by customer, into `section` (the template's followups section when `None`).
    pub fn insert_followups(&self, id: String, section: Option<String>, period: Option<String>) -> Result<BlockInfo> {
        let period = period.map(|p| p.parse()).transpose()?;
        self.with(|s| s.insert_followups(&id, section.as_deref(), period)).map(Into::into)
    }

    /// Inserts KPI figures (`metrics` empty for the report's default six).
    pub fn insert_kpis(
        &self,
        id: String,
        section: Option<String>,
        period: Option<String>,
        metrics: Vec<String>,
    ) -> Result<BlockInfo> {
        let period = period.map(|p| p.parse()).transpose()?;
        self.with(|s| s.insert_kpis(&id, section.as_deref(), period, &metrics)).map(Into::into)
    }

    /// Re-takes every inserted snapshot with current data.
    pub fn refresh_report(&self, id: String) -> Result<Report> {
        self.with(|s| s.refresh_report(&id)).map(Into::into)
    }

    /// Removes an inserted block.
    pub fn remove_block(&self, id: String, block_id: String) -> Result<Report> {
        self.with(|s| s.remove_block(&id, &block_id)).map(Into::into)
    }

    /// Adds a comment (批注) under this user's name.
    pub fn comment_report(&self, id: String, text: String) -> Result<Report> {
        self.with(|s| s.comment_report(&id, &text)).map(Into::into)
    }

    /// Submits the report to `to` (at least one user id) and `cc`; its text is then locked.
    pub fn submit_report(&self, id: String, to: Vec<String>, cc: Vec<String>) -> Result<Report> {
        self.with(|s| s.submit_report(&id, &to, &cc)).map(Into::into)
    }

    /// The report as Markdown in `dialect`, labels in `lang`; files and the report link to the
    /// dashboard when the team configured its address.
    pub fn render_markdown(&self, id: String, dialect: Dialect, lang: Lang) -> Result<String> {
        self.with(|s| {
            let r = s.report(&id)?;
            let cal = s.calendar()?;
            Ok(render_markdown_linked(&r, lang, dialect, &cal, &s.names()?, s.dashboard_url()?.as_deref()))
        })
    }

    /// The report as plain text, labels in `lang`.
    pub fn render_text(&self, id: String, lang: Lang) -> Result<String> {
        self.with(|s| {
            let r = s.report(&id)?;
            let cal = s.calendar()?;
            Ok(render_text(&r, lang, &cal, &s.names()?))
        })
    }
}
