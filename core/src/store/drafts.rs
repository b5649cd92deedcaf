//! One report per author, kind and period: opening "today's daily" returns the one that exists,
//! and two drafts of the same period made on two offline devices are found after a sync and can
//! be merged into one.

use chrono::NaiveDate;
use rusqlite::params;

use super::Store;
use crate::doc::{Kind, Report, ReportKind};
use crate::error::{Error, Result};
use crate::report::Lang;

impl Store {
    /// This user's report of `kind` for the period holding `date` (today when `None`): the one
    /// that exists (the earliest made, when two devices each made one offline; see
    /// [`Store::duplicate_reports`]), or a new draft from `template` (the built-in one of `kind`
    /// in `lang` when `None`). Free-form reports are not one per period: each call makes one.
    pub fn open_report(
        &mut self,
        kind: ReportKind,
        date: Option<NaiveDate>,
        lang: Lang,
        template: Option<&str>,
    ) -> Result<Report> {
        if kind != ReportKind::Free {
            let range = self.report_period(kind, date)?;
            let me = self.identity()?.user_id;
            let existing: Option<String> = self
                .conn
                .prepare_cached(
                    "SELECT id FROM reports WHERE owner = ?1 AND kind = ?2 AND period_first = ?3 AND deleted = 0
                     ORDER BY created_at, id LIMIT 1",
                )?
                .query_row(params![me, kind.as_str(), range.first.to_string()], |r| r.get(0))
                .ok();
            if let Some(id) = existing {
                return self.report(&id);
            }
        }
        match template {
            Some(t) => {
                let r = self.new_report_from(t, date)?;
                if r.kind != kind {
                    return Err(Error::bad_input(format!(
                        "template `{t}` makes {} reports, not {}",
                        r.kind.as_str(),
                        kind.as_str()
                    )));
                }
                Ok(r)
            }
            None => self.new_report(kind, date, lang),
        }
    }

    /// This user's live reports that share a kind and a period with another (two drafts of one
    /// day written offline on two devices), in groups, each earliest made first.
    pub fn duplicate_reports(&mut self) -> Result<Vec<Vec<String>>> {
        let me = self.identity()?.user_id;
        let mut st = self.conn.prepare_cached(
            "SELECT r.kind, r.period_first, r.id FROM reports r
             JOIN (SELECT kind, period_first FROM reports WHERE owner = ?1 AND deleted = 0 AND kind != 'free'
                   GROUP BY kind, period_first HAVING COUNT(*) > 1) d
               ON d.kind = r.kind AND d.period_first = r.period_first
             WHERE r.owner = ?1 AND r.deleted = 0
             ORDER BY r.kind, r.period_first, r.created_at, r.id",
        )?;
        let rows = st
            .query_map([me], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut groups: Vec<Vec<String>> = Vec::new();
        let mut last: Option<(String, String)> = None;
        for (kind, first, id) in rows {
            let key = Some((kind, first));
            if key != last {
                groups.push(Vec::new());
                last = key;
            }
            if let Some(g) = groups.last_mut() {
                g.push(id);
            }
        }
        Ok(groups)
    }

    /// Merges draft `from` into draft `into` (this user's, same kind and period): each section's
    /// text of `from` that `into` lacks is added after `into`'s own, its files are attached to
    /// `into` as well, and `from` is deleted (it can still be restored). Returns `into`.
    pub fn merge_reports(&mut self, into: &str, from: &str) -> Result<Report> {
        let (a, b) = (self.report(into)?, self.report(from)?);
        if a.header.id == b.header.id {
            return Err(Error::bad_input("a report cannot be merged into itself"));
        }
        if a.kind != b.kind || a.first != b.first || a.header.owner != b.header.owner {
            return Err(Error::bad_input(format!(
                "reports {} and {} are not of the same author, kind and period",
                a.header.id, b.header.id
            )));
        }
        let into = a.header.id.clone();
        let mut merged = a.clone();
        for s in b.sections.iter().filter(|s| !s.text.trim().is_empty()) {
            let Some(key) = merged.find_section(&s.key).map(|x| x.key.clone()) else { continue };
            let mine = merged.find_section(&key).map(|x| x.text.clone()).unwrap_or_default();
            if mine.contains(s.text.trim()) {
                continue;
            }
            let text = if mine.trim().is_empty() { s.text.clone() } else { format!("{}\n{}", mine.trim_end(), s.text) };
            merged = self.set_report_text(&into, &key, &text)?;
        }
        let missing: Vec<_> =
            b.attachments.iter().filter(|f| !merged.attachments.iter().any(|m| m.hash == f.hash)).cloned().collect();
        for file in &missing {
            merged = self.edit_report(&into, |doc, _| Report::attach(doc, file).map(|_| ()).map_err(Into::into))?;
        }
        self.delete(Kind::Report, from)?;
        Ok(merged)
    }
}
