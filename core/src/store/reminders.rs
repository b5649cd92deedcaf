//! This user's reminders, computed on the device from the team's configuration and the user's
//! reports, so that an app schedules local notifications without a push service: one per report
//! due in the window that the user has not submitted (submitting it removes its reminder).

use rusqlite::params;

use super::Store;
use crate::codes::Role;
use crate::error::Result;
use crate::team::Reminder;

impl Store {
    /// The reminders of the next `days` days, earliest first: each report of a kind the team
    /// reminds of that this user has not submitted. An admin (who writes no reports) has none.
    pub fn reminders(&mut self, days: u32) -> Result<Vec<Reminder>> {
        if self.sync_state().is_ok_and(|s| s.role == Role::Admin) {
            return Ok(Vec::new());
        }
        let config = self.team_config()?.unwrap_or_default();
        let cal = self.calendar()?;
        let me = self.identity()?.user_id;
        let now = self.now_ms();
        let until = now.saturating_add(i64::from(days.min(366)) * 86_400_000);
        let all = config.reminders.due_between(&config.team.deadlines, &cal, now, until);
        let mut submitted = self.conn.prepare_cached(
            "SELECT 1 FROM reports WHERE owner = ?1 AND kind = ?2 AND period_first = ?3
               AND status = 'submitted' AND deleted = 0",
        )?;
        let mut out = Vec::with_capacity(all.len());
        for r in all {
            if !submitted.exists(params![me, r.kind.as_str(), r.first.to_string()])? {
                out.push(r);
            }
        }
        Ok(out)
    }
}
