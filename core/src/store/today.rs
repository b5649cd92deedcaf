//! The rep's day in two actions: open today's report already filled (the period's followups by
//! customer, the figures with targets, the next period's plans, the recipients and a drafted
//! summary), then submit it. Reopening a draft refreshes what was generated and keeps every word
//! the rep wrote.

use chrono::{Days, Months, NaiveDate};
use rusqlite::params;

use super::Store;
use crate::doc::{Report, ReportKind, ReportStatus, Stage};
use crate::error::{Error, Result};
use crate::period::DateRange;
use crate::report::{
    builtin_template, draft_summary, Block, BlockData, BlockKind, DealMove, Lang, SummaryInput, Template,
    DEFAULT_REPORT_KPIS,
};

/// The figures a pre-filled report adds to the headline ones, when the team measures them.
const PLAN_KPIS: [&str; 2] = ["plan_completion", "unplanned_visits"];

impl Store {
    /// The template a report of `kind` starts from: the team's first of that kind (from the
    /// configuration the server published), else the built-in one in `lang`.
    pub fn template_in_force(&self, kind: ReportKind, lang: Lang) -> Result<Template> {
        let team = self.team_config()?.and_then(|c| c.templates.into_iter().find(|t| t.kind == kind));
        Ok(team.unwrap_or_else(|| builtin_template(kind, lang)))
    }

    /// This user's one report of `kind` for the period holding `date` (today when `None`),
    /// pre-filled by the template in force: created when absent (never a second one); while a
    /// draft, its generated blocks and its summary (unless the rep edited it) are brought to
    /// now. A submitted report is returned as it is.
    pub fn today_report(&mut self, kind: ReportKind, date: Option<NaiveDate>, lang: Lang) -> Result<Report> {
        if kind == ReportKind::Free {
            return Err(Error::bad_input("a free-form report has no period to fill: use daily, weekly or monthly"));
        }
        let template = self.template_in_force(kind, lang)?;
        let r = self.open_report(kind, date, lang, Some(&template.id))?;
        let r = self.the_one(r)?;
        if r.status == ReportStatus::Submitted {
            return Ok(r);
        }
        self.fill_report(&r, &template)
    }

    /// The one report of `r`'s period when two devices each made one offline and they have met:
    /// a submitted one if there is one, else `r` with the others' words merged in (the others
    /// are deleted, and can be restored).
    fn the_one(&mut self, r: Report) -> Result<Report> {
        let group: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT id FROM reports WHERE owner = ?1 AND kind = ?2 AND period_first = ?3 AND deleted = 0
                 ORDER BY created_at, id",
            )?
            .query_map(params![r.header.owner, r.kind.as_str(), r.first.to_string()], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if group.len() < 2 {
            return Ok(r);
        }
        let all = group.iter().map(|id| self.report(id)).collect::<Result<Vec<_>>>()?;
        if let Some(sent) = all.iter().find(|x| x.status == ReportStatus::Submitted) {
            return Ok(sent.clone());
        }
        let id = r.header.id.clone();
        let mut one = r;
        for other in all.iter().filter(|x| x.header.id != id) {
            one = self.merge_reports(&id, &other.header.id)?;
        }
        Ok(one)
    }

    /// Replaces the summary of draft `id` with the rep's own words (later refreshes keep them).
    pub fn set_report_summary(&mut self, id: &str, text: &str) -> Result<Report> {
        let text = text.trim().to_string();
        self.edit_report(id, move |doc, _| Ok(Report::set_summary(doc, &text)?))
    }

    /// Submits this user's report of `kind` for the period holding `date`, opened (and filled)
    /// first when needed: see [`Store::submit_report`].
    pub fn submit_today(&mut self, kind: ReportKind, date: Option<NaiveDate>, lang: Lang) -> Result<Report> {
        let r = self.today_report(kind, date, lang)?;
        if r.status == ReportStatus::Submitted {
            return Err(Error::Submitted { id: r.header.id });
        }
        self.submit_report(&r.header.id, &[], &[])
    }

    /// Fills draft `r` from `template` the first time, or brings its blocks and drafted summary
    /// to now after that; one write either way.
    fn fill_report(&mut self, r: &Report, template: &Template) -> Result<Report> {
        let first_fill = r.filled_at.is_none();
        let mut blocks = self.fresh_blocks(r)?;
        if first_fill {
            // Blocks the rep inserted already (`report new` then insert) stand for the
            // generated ones of their kind: refreshed, not doubled.
            let generated = self.generated_blocks(r, template)?;
            blocks.extend(generated.into_iter().filter(|g| !r.blocks.iter().any(|b| b.kind == g.kind)));
        }
        let summary = self.summary_for(r, &blocks)?;
        let now = self.now_ms();
        let recipients = match first_fill && r.to.is_empty() {
            true => Some(self.recipients_of(r)?),
            false => None,
        };
        self.edit_report(&r.header.id, move |doc, _| {
            for b in &blocks {
                Report::put_block(doc, b)?;
            }
            if first_fill {
                Report::mark_filled(doc, now)?;
            }
            if let Some((to, cc)) = &recipients {
                Report::address(doc, to, cc)?;
            }
            Report::draft_summary(doc, &summary)?;
            Ok(())
        })
    }

    /// The blocks a template fills a report with: the period's followups (for a weekly or
    /// monthly, busiest customers first), its figures, and the next period's plans.
    fn generated_blocks(&mut self, r: &Report, template: &Template) -> Result<Vec<Block>> {
        let cal = self.calendar()?;
        let own = cal.days(r.first, r.last);
        let owner = r.header.owner.clone();
        let has = |key: &str| r.sections.iter().any(|s| s.key == key);
        let first_key = r.sections.first().map(|s| s.key.clone()).unwrap_or_default();
        let section = |key: &str| if has(key) { key.to_string() } else { first_key.clone() };
        let metrics = self.today_metrics();
        let mut out = Vec::new();
        let mut followups = self.block_data(&owner, BlockKind::Followups, &own, &[])?;
        if let (BlockData::Followups { groups }, ReportKind::Weekly | ReportKind::Monthly) = (&mut followups, r.kind) {
            super::reports::sort_busiest_first(groups);
        }
        out.push(self.generated(BlockKind::Followups, section(&template.followups_section), &own, followups));
        let kpis = self.block_data(&owner, BlockKind::Kpis, &own, &metrics)?;
        out.push(self.generated(BlockKind::Kpis, section(&template.kpis_section), &own, kpis));
        if let Some(key) = template.plan_section().filter(|k| has(k)) {
            let next = self.next_period(r)?;
            let plans = self.block_data(&owner, BlockKind::Plan, &next, &[])?;
            out.push(self.generated(BlockKind::Plan, key.to_string(), &next, plans));
        }
        Ok(out)
    }

    fn generated(&self, kind: BlockKind, section: String, range: &DateRange, data: BlockData) -> Block {
        Block {
            id: crate::ids::new_id(),
            kind,
            section,
            first: range.first,
            last: range.last,
            taken_at: self.now_ms(),
            data,
        }
    }

    /// The headline KPIs, and plan completion and unplanned visits when this device's
    /// definitions have them.
    fn today_metrics(&self) -> Vec<String> {
        let defs = self.kpi_definitions();
        DEFAULT_REPORT_KPIS
            .iter()
            .chain(PLAN_KPIS.iter())
            .filter(|m| defs.iter().any(|d| d.id == **m))
            .map(|m| m.to_string())
            .collect()
    }

    /// The day, week or month after report `r`'s period.
    fn next_period(&mut self, r: &Report) -> Result<DateRange> {
        let cal = self.calendar()?;
        let after = r.last + Days::new(1);
        Ok(match r.kind {
            ReportKind::Weekly => cal.days(after, after + Days::new(6)),
            ReportKind::Monthly => {
                let last = after.checked_add_months(Months::new(1)).map(|d| d - Days::new(1)).unwrap_or(after);
                cal.days(after, last)
            }
            ReportKind::Daily | ReportKind::Free => {
                let next = self.next_working_day(r.last)?;
                cal.days(next, next)
            }
        })
    }

    /// The first day after `day` on which a daily report is due (the team's
    /// `deadlines.daily_on`; Monday to Friday before the configuration reached this device):
    /// a Friday's daily plans Monday.
    fn next_working_day(&self, day: NaiveDate) -> Result<NaiveDate> {
        use chrono::Datelike;
        let deadlines = self.team_config()?.map(|c| c.team.deadlines).unwrap_or_default();
        let on: Vec<chrono::Weekday> =
            deadlines.daily_on.iter().filter_map(|d| crate::period::parse_weekday(d).ok()).collect();
        let next = (1..=7u64).map(|n| day + Days::new(n)).find(|d| on.contains(&d.weekday()));
        Ok(next.unwrap_or(day + Days::new(1)))
    }

    /// The summary drafted from `blocks` (those over the report's own period and the next
    /// period's plans) and the deals that moved in the period.
    pub(super) fn summary_for(&mut self, r: &Report, blocks: &[Block]) -> Result<String> {
        let own = |b: &&Block| b.first == r.first && b.last == r.last;
        let groups = blocks
            .iter()
            .filter(own)
            .find_map(|b| match &b.data {
                BlockData::Followups { groups } => Some(groups.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let kpis = blocks
            .iter()
            .filter(own)
            .find_map(|b| match &b.data {
                BlockData::Kpis { rows, .. } => Some(rows.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let plans = blocks
            .iter()
            .find_map(|b| match &b.data {
                BlockData::Plan { items } if b.first > r.last => Some(items.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let next_day = blocks
            .iter()
            .find(|b| b.kind == BlockKind::Plan && b.first > r.last)
            .map(|b| b.first)
            .filter(|d| r.kind == ReportKind::Daily && *d != r.last + Days::new(1));
        let moves = match r.kind {
            ReportKind::Weekly | ReportKind::Monthly => self.deal_moves(&r.header.owner, r.first, r.last)?,
            _ => Vec::new(),
        };
        Ok(draft_summary(&SummaryInput {
            kind: r.kind,
            lang: r.lang,
            groups: &groups,
            kpis: &kpis,
            moves: &moves,
            plans: &plans,
            next_day,
        }))
    }

    /// The stage moves of `owner`'s live deals from `first` to `last`, in time order.
    pub fn deal_moves(&mut self, owner: &str, first: NaiveDate, last: NaiveDate) -> Result<Vec<DealMove>> {
        let range = self.calendar()?.days(first, last);
        let mut st = self.conn.prepare_cached(
            "SELECT d.title, COALESCE(c.name, ''),
                    (SELECT p.stage FROM deal_stages p WHERE p.deal_id = s.deal_id AND p.seq < s.seq
                     ORDER BY p.seq DESC LIMIT 1),
                    s.stage
             FROM deal_stages s JOIN deals d ON d.id = s.deal_id LEFT JOIN customers c ON c.id = d.customer_id
             WHERE s.owner = ?1 AND s.at >= ?2 AND s.at < ?3 AND s.deleted = 0 AND s.seq > 0
             ORDER BY s.at, s.deal_id, s.seq",
        )?;
        let rows = st
            .query_map(params![owner, range.start_ms, range.end_ms], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows
            .into_iter()
            .filter_map(|(title, customer_name, from, to)| {
                Some(DealMove {
                    title,
                    customer_name,
                    from: from.and_then(|f| f.parse::<Stage>().ok()),
                    to: to.parse::<Stage>().ok()?,
                })
            })
            .collect())
    }
}
