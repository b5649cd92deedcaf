//! Members' planned visits (拜访计划), indexed from their documents at each merge.

use super::Db;
use crate::p;
use crate::store::ConnExt;
use crate::store::StoreResult as Result;

/// One planned visit, with its customer's name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlanEntry {
    pub id: String,
    pub owner: String,
    pub customer_id: String,
    /// The customer's name as the server has it (empty when the customer is not indexed).
    pub customer_name: String,
    /// `YYYY-MM-DD`, local to the team.
    pub on: String,
    /// `HH:MM`, when planned to the hour.
    pub at: Option<String>,
    pub purpose: String,
    /// `planned`, `done` or `cancelled`.
    pub status: String,
    pub followup_id: Option<String>,
}

impl Db<'_> {
    /// The live plans of `owners` from `first` to `last` (`YYYY-MM-DD`), by owner, then day, then
    /// those with an hour (in order) before those without: one indexed range per owner.
    pub fn plans_of(&self, owners: &[String], first: &str, last: &str) -> Result<Vec<PlanEntry>> {
        let mut out = Vec::new();
        for owner in owners {
            out.extend(self.all(
                "SELECT p.id, p.owner, p.customer_id, COALESCE(c.name, ''), p.planned_on, p.planned_at, p.purpose,
                        p.status, p.followup_id
                 FROM plan_index p LEFT JOIN customer_index c ON c.id = p.customer_id
                 WHERE p.owner = ?1 AND p.planned_on >= ?2 AND p.planned_on <= ?3 AND p.live = 1
                 ORDER BY p.planned_on, p.planned_at IS NULL, p.planned_at, p.id",
                p![owner, first, last],
                |r| {
                    Ok(PlanEntry {
                        id: r.text(0)?,
                        owner: r.text(1)?,
                        customer_id: r.text(2)?,
                        customer_name: r.text(3)?,
                        on: r.text(4)?,
                        at: r.opt_text(5)?,
                        purpose: r.text(6)?,
                        status: r.text(7)?,
                        followup_id: r.opt_text(8)?,
                    })
                },
            )?);
        }
        Ok(out)
    }
}
