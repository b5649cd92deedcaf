//! People through the FFI: the team directory, records and members named as people name them,
//! team templates, recipients, alerts in words, and approving a browser's sign-in.

use std::sync::Arc;

use fieldreport_core::sync;
use fieldreport_core::team::alert_text;

use crate::store::{FieldStore, Result};
use crate::types::*;

#[uniffi::export]
impl FieldStore {
    /// The team's members as the last sync brought them (empty before the first sync).
    pub async fn members(self: Arc<Self>) -> Result<Vec<Member>> {
        self.call(|s| s.members()).await
    }

    /// The team's departments (部门) as the last sync brought them, each with its parent and
    /// heads (`Member.dept_id` says each member's); empty before the first sync.
    pub async fn departments(self: Arc<Self>) -> Result<Vec<Department>> {
        self.call(|s| s.departments()).await
    }

    /// The member `query` names: an id, a name, or a unique start of either. An unknown or
    /// ambiguous one fails with `InvalidInput` naming the candidates.
    pub fn find_member(&self, query: String) -> Result<Member> {
        self.read(|s| s.resolve_member(&query))
    }

    /// The id of the `kind` record `query` names: an id, the unique start or end of an id, or a
    /// name or title (whole, or a part found in no other).
    pub fn find_record(&self, kind: RecordKind, query: String) -> Result<String> {
        self.read(|s| s.resolve(kind.into(), &query))
    }

    /// Every template a report can start from: the team's (from the configuration the server
    /// published), then the built-in ones in `lang` (zh-CN when `None`).
    #[uniffi::method(default(lang = None))]
    pub fn templates(&self, lang: Option<Lang>) -> Result<Vec<Template>> {
        self.read(|s| s.templates(lang.unwrap_or_default())).map(|v| v.into_iter().collect())
    }

    /// A new draft from template `template_id` (from [`FieldStore::templates`]), for the period
    /// holding `date` (today when `None`).
    #[uniffi::method(default(date = None))]
    pub async fn new_report_from_template(
        self: Arc<Self>,
        template_id: String,
        date: Option<NaiveDate>,
    ) -> Result<Report> {
        self.call_report(move |s| s.new_report_from(&template_id, date)).await
    }

    /// Adds recipients to a submitted report (the author only; nobody is ever removed).
    #[uniffi::method(default(to = [], cc = []))]
    pub async fn add_report_recipients(
        self: Arc<Self>,
        id: String,
        to: Vec<String>,
        cc: Vec<String>,
    ) -> Result<Report> {
        self.call_report(move |s| s.add_report_recipients(&id, &to, &cc)).await
    }

    /// An alert as one line in `lang` (zh-CN when `None`), naming people.
    #[uniffi::method(default(lang = None))]
    pub fn describe_alert(&self, alert: Alert, lang: Option<Lang>) -> Result<String> {
        self.read(|s| Ok(alert_text(&alert, lang.unwrap_or_default(), &s.names()?)))
    }

    /// Where followup `id` was checked in and how far from its customer; `None` without one.
    pub fn checkin_of(&self, id: String) -> Result<Option<CheckinPlace>> {
        self.read(|s| s.checkin_of(&id)).map(|c| c.map(Into::into))
    }

    /// Approves the sign-in code a browser shows on the dashboard (扫码登录), typed or scanned
    /// (`fieldreport://web-login/K7QX-M2PA`): that browser is signed in as this device's user.
    /// Runs on the library's own thread.
    pub async fn approve_web_login(&self, code: String) -> Result<WebLoginApproved> {
        let state = self.read(|s| s.sync_state())?;
        let opts = self.options();
        crate::background::run("web-login", None, move || async move {
            Ok(sync::approve_web_login(&state, &code, &opts).await?.into())
        })
        .await
    }
}
