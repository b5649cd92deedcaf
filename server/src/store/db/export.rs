//! What exports read, a page at a time: one member's visits or reports of a period, with their
//! stored typed views, and the customers the visits name.

use super::Db;
use crate::p;
use crate::store::ConnExt;
use crate::store::StoreResult as Result;

/// A stored record for an export: id, time or period start, its typed view (and the view's
/// format) when it has one.
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub id: String,
    /// A visit's time (UTC milliseconds); a report's submission time.
    pub at: Option<i64>,
    /// A report's period start (`YYYY-MM-DD`); a visit's empty.
    pub key: String,
    pub view: Option<String>,
    pub view_format: Option<i64>,
}

/// A customer as exports show it: name, and location when known.
pub type CustomerPlace = (String, Option<f64>, Option<f64>);

impl Db<'_> {
    /// Up to `limit` of `owner`'s live visits in `from..until` (UTC milliseconds) after
    /// (`after_at`, `after_id`), oldest first.
    pub fn visits_page(
        &self,
        owner: &str,
        from: i64,
        until: i64,
        after: Option<(i64, &str)>,
        limit: usize,
    ) -> Result<Vec<ExportRow>> {
        let (at, id) = after.unwrap_or((i64::MIN, ""));
        self.all(
            &format!(
                "SELECT f.id, f.occurred_at, d.view, d.view_format FROM followup_index f JOIN docs d ON d.id = f.id
                 WHERE f.owner = ?1 AND f.live = 1 AND f.occurred_at >= ?2 AND f.occurred_at < ?3
                   AND (f.occurred_at > ?4 OR (f.occurred_at = ?4 AND f.id > ?5))
                 ORDER BY f.occurred_at, f.id LIMIT {limit}"
            ),
            p![owner, from, until, at, id],
            |r| {
                Ok(ExportRow {
                    id: r.text(0)?,
                    at: Some(r.int(1)?),
                    key: String::new(),
                    view: r.opt_text(2)?,
                    view_format: r.opt_int(3)?,
                })
            },
        )
    }

    /// Up to `limit` of `owner`'s live reports whose period overlaps `first..=last` after
    /// (`after_first`, `after_id`), by period.
    pub fn reports_page(
        &self,
        owner: &str,
        first: &str,
        last: &str,
        after: Option<(&str, &str)>,
        limit: usize,
    ) -> Result<Vec<ExportRow>> {
        let (k, id) = after.unwrap_or(("", ""));
        self.all(
            &format!(
                "SELECT r.id, r.submitted_at, r.first, d.view, d.view_format FROM report_index r JOIN docs d ON d.id = r.id
                 WHERE r.owner = ?1 AND r.live = 1 AND r.first <= ?3 AND r.last >= ?2
                   AND (r.first > ?4 OR (r.first = ?4 AND r.id > ?5))
                 ORDER BY r.first, r.id LIMIT {limit}"
            ),
            p![owner, first, last, k, id],
            |r| {
                Ok(ExportRow {
                    id: r.text(0)?,
                    at: r.opt_int(1)?,
                    key: r.text(2)?,
                    view: r.opt_text(3)?,
                    view_format: r.opt_int(4)?,
                })
            },
        )
    }

    /// A customer's name and location, as the server indexed them.
    pub fn customer_place(&self, id: &str) -> Result<Option<CustomerPlace>> {
        self.opt("SELECT name, lat, lon FROM customer_index WHERE id = ?1", p![id], |r| {
            Ok((r.text(0)?, r.opt_real(1)?, r.opt_real(2)?))
        })
    }
}
