//! The team configuration: authored on the server (`fieldreport-server config apply`), delivered
//! to devices by sync, read-only there.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Deadline, Reminders, Robot, Target};
use crate::codes::Role;
use crate::kpi::{builtin, KpiDef, Thresholds};
use crate::period::{parse_tz, parse_weekday, Calendar};
use crate::report::Template;

/// Everything a team configures. Every part has a default, so a file need only name what it
/// changes. Unknown fields are ignored when read (a device reads the configuration of a newer
/// server); a file applied on the server is refused for them (`config_file::parse`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TeamConfig {
    /// Set by the server at each apply; a file's own value is ignored.
    pub version: u64,
    pub team: TeamSettings,
    /// Definitions beyond the built-in ones (an id of a built-in one replaces it).
    pub kpis: Vec<KpiDef>,
    /// Which metrics each role sees, by id, in order (`rep`, `manager`, `admin`); a role not
    /// named sees every metric.
    pub roles: BTreeMap<String, Vec<String>>,
    pub targets: Vec<Target>,
    pub thresholds: Thresholds,
    pub alerts: AlertSettings,
    pub templates: Vec<Template>,
    pub attachments: AttachmentSettings,
    /// When reps are reminded of each kind of report before it is due.
    pub reminders: Reminders,
    /// Group-chat robots (server-side only: [`TeamConfig::for_devices`] leaves them out).
    pub robots: Vec<Robot>,
}

/// Time zone, week start and report deadlines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TeamSettings {
    pub name: String,
    /// IANA name, e.g. `Asia/Shanghai`.
    pub tz: String,
    /// `monday` … `sunday`.
    pub week_start: String,
    pub deadlines: Deadlines,
    /// The dashboard's address as the team reaches it (e.g. `https://reports.example.com`):
    /// robot messages and Markdown renderings link reports and files to it.
    pub dashboard_url: Option<String>,
    /// Whether a manager sees their direct reports' phone numbers on the dashboard (default
    /// yes). Phones never reach devices: the robots read them on the server.
    pub phones_to_managers: bool,
}

impl Default for TeamSettings {
    fn default() -> Self {
        TeamSettings {
            name: String::new(),
            tz: "Asia/Shanghai".into(),
            week_start: "monday".into(),
            deadlines: Deadlines::default(),
            dashboard_url: None,
            phones_to_managers: true,
        }
    }
}

/// When each kind of report is due, relative to the last day of its period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Deadlines {
    pub daily: Option<Deadline>,
    pub weekly: Option<Deadline>,
    pub monthly: Option<Deadline>,
    /// The days a daily report is due (`monday` … `sunday`).
    pub daily_on: Vec<String>,
    /// Minutes after a deadline before the server records who has not submitted and tells the
    /// group (a report submitted within them is late, not missing).
    pub grace_minutes: u32,
}

impl Deadlines {
    /// The grace after a deadline, in milliseconds.
    pub fn grace_ms(&self) -> i64 {
        i64::from(self.grace_minutes) * 60_000
    }
}

impl Default for Deadlines {
    fn default() -> Self {
        let at = |s: &str| s.parse().ok();
        Deadlines {
            daily: at("20:00"),
            weekly: at("-2 20:00"),
            monthly: at("+1 12:00"),
            daily_on: ["monday", "tuesday", "wednesday", "thursday", "friday"].map(String::from).to_vec(),
            grace_minutes: 30,
        }
    }
}

/// Limits on attached photos and files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AttachmentSettings {
    /// The largest file a device attaches and the server takes, in bytes (default 20 MB).
    pub max_file_bytes: u64,
    /// The most bytes of files one member uploads in a day (default 500 MB).
    pub max_bytes_per_day: u64,
    /// Days an unreferenced file is kept before the server deletes it (default 7).
    pub keep_unreferenced_days: u32,
}

impl Default for AttachmentSettings {
    fn default() -> Self {
        AttachmentSettings {
            max_file_bytes: crate::files::DEFAULT_MAX_BYTES,
            max_bytes_per_day: 500 * 1024 * 1024,
            keep_unreferenced_days: 7,
        }
    }
}

/// Alert thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlertSettings {
    /// A rep's stage conversion below this share of the team average raises an alert.
    pub conversion_share: f64,
    /// An open deal with no followup for this many days raises an alert.
    pub stale_deal_days: u32,
    /// A check-in farther than this many metres from its customer's location raises an alert
    /// (外勤签到异常); 0 turns the alert off. Customers without a location are not checked.
    pub checkin_far_metres: u32,
    /// When the robots hear of new alerts: `daily` (default), one message per manager a day at
    /// `daily_at` gathering their members' new alerts; `each`, a message per alert as it is raised.
    pub delivery: AlertDelivery,
    /// The local time of the daily message (`HH:MM`, default `09:00`).
    pub daily_at: String,
}

/// How alerts reach the robots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertDelivery {
    Daily,
    Each,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            conversion_share: 0.5,
            stale_deal_days: 14,
            checkin_far_metres: 1000,
            delivery: AlertDelivery::Daily,
            daily_at: "09:00".into(),
        }
    }
}

impl AlertSettings {
    /// The local time of the daily alert message.
    pub fn daily_time(&self) -> Result<chrono::NaiveTime, String> {
        chrono::NaiveTime::parse_from_str(self.daily_at.trim(), "%H:%M")
            .map_err(|_| format!("alerts.daily_at: `{}` is not a time of day such as 09:00", self.daily_at))
    }
}

impl TeamConfig {
    /// The team's calendar (zone and week start).
    pub fn calendar(&self) -> crate::Result<Calendar> {
        Calendar::parse(&self.team.tz, &self.team.week_start)
    }

    /// Every KPI definition in force: the built-in ones, replaced or extended by the team's.
    pub fn definitions(&self) -> Vec<KpiDef> {
        let mut defs = builtin();
        for d in &self.kpis {
            match defs.iter_mut().find(|b| b.id == d.id) {
                Some(b) => *b = d.clone(),
                None => defs.push(d.clone()),
            }
        }
        defs
    }

    /// A configuration stored by an earlier version, brought to this one's format: money targets
    /// stored as `value` in minor units get their `amount` in yuan.
    pub fn upgrade_stored(&mut self) {
        let defs = self.definitions();
        for t in &mut self.targets {
            if let Some(d) = defs.iter().find(|d| d.id == t.metric) {
                t.upgrade_stored(&d.unit);
            }
        }
    }

    /// The configuration as devices receive it: without the robots, whose URLs and secrets are
    /// credentials.
    pub fn for_devices(&self) -> TeamConfig {
        TeamConfig { robots: Vec::new(), ..self.clone() }
    }

    /// The definitions a role sees, in the configured order.
    pub fn definitions_for_role(&self, role: Role) -> Vec<KpiDef> {
        let all = self.definitions();
        match self.roles.get(role.as_str()) {
            Some(ids) => ids.iter().filter_map(|id| all.iter().find(|d| &d.id == id).cloned()).collect(),
            None => all,
        }
    }

    /// Checks everything a file can get wrong, naming the field; `users` are the team's user ids
    /// (targets may only name those).
    pub fn validate(&self, users: &[String]) -> Result<(), String> {
        self.validate_team()?;
        self.reminders.validate(&self.team.deadlines)?;
        let defs = self.definitions();
        self.validate_kpis(&defs)?;
        self.validate_targets(&defs, users)?;
        self.validate_limits()?;
        for (i, r) in self.robots.iter().enumerate() {
            r.validate().map_err(|e| format!("robots[{i}].{e}"))?;
            if self.robots[..i].iter().any(|o| o.name == r.name) {
                return Err(format!("robots[{i}].name: `{}` is used twice", r.name));
            }
        }
        self.validate_templates()
    }

    /// The team's settings: its zone, week, dashboard address and deadline days.
    fn validate_team(&self) -> Result<(), String> {
        let t = &self.team;
        parse_tz(&t.tz).map_err(|e| format!("team.tz: {e}"))?;
        parse_weekday(&t.week_start).map_err(|e| format!("team.week_start: {e}"))?;
        if let Some(url) = &t.dashboard_url {
            let ok = (url.starts_with("https://") || url.starts_with("http://"))
                && url.len() <= 200
                && !url
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '(' | ')'));
            if !ok {
                return Err(format!("team.dashboard_url: `{url}` is not an http(s) address"));
            }
        }
        for (i, d) in t.deadlines.daily_on.iter().enumerate() {
            parse_weekday(d).map_err(|e| format!("team.deadlines.daily_on[{i}]: {e}"))?;
        }
        Ok(())
    }

    /// The team's KPI definitions (each valid, each id once) and which roles see which.
    fn validate_kpis(&self, defs: &[KpiDef]) -> Result<(), String> {
        for (i, d) in self.kpis.iter().enumerate() {
            d.validate().map_err(|e| format!("kpis[{i}]: {e}"))?;
            if self.kpis[..i].iter().any(|o| o.id == d.id) {
                return Err(format!("kpis[{i}].id: `{}` is defined twice", d.id));
            }
        }
        for (role, ids) in &self.roles {
            if Role::parse(role).is_none() {
                return Err(format!("roles.{role}: unknown role (expected rep, manager or admin)"));
            }
            if let Some(id) = ids.iter().find(|id| !defs.iter().any(|d| &&d.id == id)) {
                return Err(format!("roles.{role}: unknown metric `{id}` (known: {})", ids_of(defs)));
            }
        }
        Ok(())
    }

    /// Targets name known metrics and members, in the metric's unit, and never overlap.
    fn validate_targets(&self, defs: &[KpiDef], users: &[String]) -> Result<(), String> {
        for (i, tg) in self.targets.iter().enumerate() {
            let Some(def) = defs.iter().find(|d| d.id == tg.metric) else {
                return Err(format!("targets[{i}].metric: unknown metric `{}` (known: {})", tg.metric, ids_of(defs)));
            };
            tg.validate(&def.unit).map_err(|e| format!("targets[{i}]: {e}"))?;
            if let Some(u) = &tg.user {
                if !users.contains(u) {
                    return Err(format!("targets[{i}].user: `{u}` is not a user of this team (see `user list`)"));
                }
            }
            if let Some(j) = self.targets[..i].iter().position(|o| o.overlaps(tg)) {
                return Err(format!(
                    "targets[{i}]: overlaps targets[{j}] (same metric and user, {} and {} share days)",
                    tg.window(),
                    self.targets[j].window()
                ));
            }
        }
        Ok(())
    }

    /// Thresholds, alert settings and attachment limits within their ranges.
    fn validate_limits(&self) -> Result<(), String> {
        let th = &self.thresholds;
        if !(th.yellow.is_finite() && th.green.is_finite() && 0.0 <= th.yellow && th.yellow <= th.green) {
            return Err(format!(
                "thresholds: need 0 <= yellow <= green (got yellow {}, green {})",
                th.yellow, th.green
            ));
        }
        let a = &self.alerts;
        if !(a.conversion_share.is_finite() && (0.0..=1.0).contains(&a.conversion_share)) {
            return Err(format!("alerts.conversion_share: {} is not between 0 and 1", a.conversion_share));
        }
        if a.stale_deal_days == 0 {
            return Err("alerts.stale_deal_days: must be at least 1".into());
        }
        if a.checkin_far_metres > 1_000_000 {
            return Err(format!(
                "alerts.checkin_far_metres: {} is more than 1,000 km; give metres (e.g. 1000), or 0 to turn the alert off",
                a.checkin_far_metres
            ));
        }
        a.daily_time()?;
        if self.team.deadlines.grace_minutes > 24 * 60 {
            return Err(format!(
                "team.deadlines.grace_minutes: {} is more than a day; give minutes (e.g. 30)",
                self.team.deadlines.grace_minutes
            ));
        }
        let at = &self.attachments;
        if at.max_file_bytes == 0 || at.max_file_bytes > crate::doc::MAX_ATTACHMENT_BYTES {
            return Err(format!(
                "attachments.max_file_bytes: {} is not between 1 and {} (bytes)",
                at.max_file_bytes,
                crate::doc::MAX_ATTACHMENT_BYTES
            ));
        }
        if at.max_bytes_per_day < at.max_file_bytes {
            return Err("attachments.max_bytes_per_day: must be at least max_file_bytes".into());
        }
        Ok(())
    }

    /// Each team template has an id and sections, and sends blocks to sections it has.
    fn validate_templates(&self) -> Result<(), String> {
        for (i, tpl) in self.templates.iter().enumerate() {
            let keys: Vec<&str> = tpl.sections.iter().map(|s| s.key.as_str()).collect();
            if tpl.id.trim().is_empty() || keys.is_empty() {
                return Err(format!("templates[{i}]: needs an id and at least one section"));
            }
            for (what, key) in [("followups_section", &tpl.followups_section), ("kpis_section", &tpl.kpis_section)] {
                if !keys.contains(&key.as_str()) {
                    return Err(format!(
                        "templates[{i}].{what}: `{key}` is not one of its sections ({})",
                        keys.join(", ")
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The ids of `defs`, for messages.
fn ids_of(defs: &[KpiDef]) -> String {
    defs.iter().map(|d| d.id.as_str()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::TeamConfig;

    #[test]
    fn a_device_reads_the_configuration_of_a_newer_server() {
        let c: TeamConfig =
            serde_json::from_str(r#"{"team": {"name": "华东", "from_the_future": 1}, "later_section": {"x": 2}}"#)
                .unwrap();
        assert_eq!(c.team.name, "华东");
    }

    #[test]
    fn the_dashboard_address_is_an_http_address() {
        let mut c = TeamConfig::default();
        c.team.dashboard_url = Some("https://reports.example.com".into());
        c.validate(&[]).unwrap();
        for bad in ["javascript:alert(1)", "https://x.com/a b", "ftp://x", "https://x.com/)"] {
            c.team.dashboard_url = Some(bad.into());
            assert!(c.validate(&[]).unwrap_err().contains("dashboard_url"), "{bad}");
        }
    }
}
