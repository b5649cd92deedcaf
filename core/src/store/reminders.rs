//! This user's reminders, computed on the device from the team's configuration and the user's
//! reports, so that an app schedules local notifications without a push service: one per report
//! due in the window, or overdue in the last week, that the user owes and has not submitted
//! (submitting it removes its reminder).

use rusqlite::params;

use super::Store;
use crate::codes::Role;
use crate::error::Result;
use crate::team::Reminder;

/// How long an overdue report keeps its reminder.
const OVERDUE_FOR_MS: i64 = 7 * 86_400_000;

impl Store {
    /// The reminders of reports due in the next `days` days, and of those overdue in the last
    /// seven, earliest first: each report of a kind the team reminds of that this user owes (as a
    /// member then) and has not submitted. An admin (who writes no reports) has none.
    pub fn reminders(&mut self, days: u32) -> Result<Vec<Reminder>> {
        if self.sync_state().is_ok_and(|s| s.role == Role::Admin) {
            return Ok(Vec::new());
        }
        let config = self.team_config()?.unwrap_or_default();
        let cal = self.calendar()?;
        let me = self.identity()?.user_id;
        let now = self.now_ms();
        let until = now.saturating_add(i64::from(days.min(366)) * 86_400_000);
        let since = now - OVERDUE_FOR_MS;
        let all = config.reminders.deadlines_between(&config.team.deadlines, &cal, since, until);
        let membership = self.member(&me)?.and_then(|m| m.membership());
        let mut submitted = self.conn.prepare_cached(
            "SELECT 1 FROM reports WHERE owner = ?1 AND kind = ?2 AND period_first = ?3
               AND status = 'submitted' AND deleted = 0",
        )?;
        let mut out = Vec::with_capacity(all.len());
        for mut r in all {
            if membership.is_some_and(|m| !m.owes(&cal, r.last, r.due_at)) {
                continue;
            }
            if !submitted.exists(params![me, r.kind.as_str(), r.first.to_string()])? {
                r.overdue = r.due_at <= now;
                out.push(r);
            }
        }
        Ok(out)
    }
}
