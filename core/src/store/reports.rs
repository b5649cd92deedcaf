//! Reports on the device: create, edit sections, insert and refresh blocks, comment, submit.
//!
//! Only the author edits a report, and only while it is a draft; the author and its recipients
//! may comment at any time.

use chrono::NaiveDate;
use rusqlite::params_from_iter;
use rusqlite::types::Value;
use serde::Serialize;

use super::writes::check_splice;
use super::{FollowupFilter, Order, Page, Store};
use crate::doc::{Comment, Doc, Kind, NewReport, Record, Report, ReportKind, ReportStatus};
use crate::error::{Error, Result};
use crate::ids::{new_id, parse_id};
use crate::period::{DateRange, Period};
use crate::report::{
    builtin_template, builtin_templates, Block, BlockData, BlockKind, FollowupGroup, FollowupItem, Lang, Template,
    DEFAULT_REPORT_KPIS,
};

/// A report as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportRow {
    pub id: String,
    pub owner: String,
    /// A kind this version does not know reads as `free`.
    pub kind: ReportKind,
    pub first: String,
    pub last: String,
    pub title: String,
    /// A status this version does not know reads as `draft`.
    pub status: ReportStatus,
    pub submitted_at: Option<i64>,
    /// When this device's user marked it read (reports addressed to them).
    pub read_at: Option<i64>,
}

/// Which reports to list. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    /// Reports whose period overlaps it.
    pub range: Option<DateRange>,
    pub kind: Option<ReportKind>,
    /// One author's.
    pub owner: Option<String>,
    /// Those addressed (to or cc) to this user.
    pub addressed_to: Option<String>,
    /// With `addressed_to`: only submitted ones not marked read yet.
    pub unread: bool,
    /// Order, size and start (by period).
    pub page: Page,
}

fn title(kind: ReportKind, lang: Lang, first: NaiveDate, last: NaiveDate) -> String {
    match kind {
        ReportKind::Daily => format!("{} {first}", lang.pick("日报", "Daily report")),
        ReportKind::Weekly => format!("{} {first} ~ {last}", lang.pick("周报", "Weekly report")),
        ReportKind::Monthly => format!("{} {}", lang.pick("月报", "Monthly report"), first.format("%Y-%m")),
        ReportKind::Free => format!("{} {first}", lang.pick("工作汇报", "Report")),
    }
}

/// Orders customer groups by how much happened with each, busiest first (key accounts).
pub(super) fn sort_busiest_first(groups: &mut [FollowupGroup]) {
    groups.sort_by_key(|g| std::cmp::Reverse(g.items.len()));
}

/// Only the author edits a report, and only while it is a draft.
pub(super) fn ensure_editable(me: &str, r: &Report) -> Result<()> {
    if r.header.owner != me {
        return Err(Error::Forbidden(format!(
            "report {} belongs to {}; only its author can edit it (you can comment)",
            r.header.id, r.header.owner
        )));
    }
    if r.status == ReportStatus::Submitted {
        return Err(Error::Submitted { id: r.header.id.clone() });
    }
    Ok(())
}

impl Store {
    /// Starts a draft of `kind` for the period containing `date` (default: today), with the
    /// built-in template in `lang`.
    pub fn new_report(&mut self, kind: ReportKind, date: Option<NaiveDate>, lang: Lang) -> Result<Report> {
        self.new_report_with(builtin_template(kind, lang), date)
    }

    /// Starts a draft from template `id`: one of the team's (from the configuration the server
    /// published) or a built-in one (`builtin:daily:zh-CN`…), for the period containing `date`.
    pub fn new_report_from(&mut self, id: &str, date: Option<NaiveDate>) -> Result<Report> {
        let template = self.template(id.trim())?.ok_or_else(|| {
            let known: Vec<String> = self.templates(Lang::ZhCn).unwrap_or_default().into_iter().map(|t| t.id).collect();
            Error::bad_input(format!("no template `{}` (templates: {})", id.trim(), known.join(", ")))
        })?;
        self.new_report_with(template, date)
    }

    /// Every template a report can start from: the team's first, then the built-in ones in
    /// `lang`.
    pub fn templates(&self, lang: Lang) -> Result<Vec<Template>> {
        let mut out = self.team_config()?.map(|c| c.templates).unwrap_or_default();
        out.extend(builtin_templates(lang));
        Ok(out)
    }

    /// The template `id` (a team template, or a built-in one in either language).
    pub fn template(&self, id: &str) -> Result<Option<Template>> {
        if let Some(t) = self.team_config()?.and_then(|c| c.templates.into_iter().find(|t| t.id == id)) {
            return Ok(Some(t));
        }
        Ok([Lang::ZhCn, Lang::En].into_iter().flat_map(builtin_templates).find(|t| t.id == id))
    }

    /// The template report `r` was started from (its built-in one when the team's is gone).
    pub(super) fn template_of(&self, r: &Report) -> Template {
        self.template(&r.template).ok().flatten().unwrap_or_else(|| builtin_template(r.kind, r.lang))
    }

    /// The period a report of `kind` covers for the day `date` (today when `None`).
    pub(super) fn report_period(&mut self, kind: ReportKind, date: Option<NaiveDate>) -> Result<DateRange> {
        let cal = self.calendar()?;
        let date = date.unwrap_or_else(|| cal.local_date(self.now_ms()));
        Ok(match kind {
            ReportKind::Daily | ReportKind::Free => cal.days(date, date),
            ReportKind::Weekly => {
                let s = cal.week_start_of(date);
                cal.days(s, s + chrono::Days::new(6))
            }
            ReportKind::Monthly => {
                let probe = cal.day_start_ms(date);
                cal.resolve(Period::ThisMonth, probe)
            }
        })
    }

    pub(super) fn new_report_with(&mut self, template: Template, date: Option<NaiveDate>) -> Result<Report> {
        let (kind, lang) = (template.kind, template.lang);
        let range = self.report_period(kind, date)?;
        let new = NewReport {
            kind,
            first: range.first,
            last: range.last,
            template,
            title: title(kind, lang, range.first, range.last),
        };
        let record = self.create(
            Kind::Report,
            |h| Record::Report(Box::new(Report::view(h, &new))),
            |d, h| Report::create(d, h, &new),
        )?;
        Ok(*typed!(record, Report)?)
    }

    /// The report `id`.
    pub fn report(&self, id: &str) -> Result<Report> {
        let id = parse_id("report", id)?;
        match self.record(&id) {
            Ok(Record::Report(r)) => Ok(*r),
            Ok(_) | Err(Error::NotFound { .. }) => Err(Error::NotFound { kind: "report", id }),
            Err(e) => Err(e),
        }
    }

    /// Live reports whose period overlaps `range` (all of them without one), newest period first.
    pub fn list_reports(&self, range: Option<&DateRange>) -> Result<Vec<ReportRow>> {
        let filter = ReportFilter {
            range: range.cloned(),
            page: Page { order: Order::Descending, ..Page::default() },
            ..ReportFilter::default()
        };
        self.list_reports_filtered(&filter)
    }

    /// Live reports matching `filter`, one page by period.
    pub fn list_reports_filtered(&self, filter: &ReportFilter) -> Result<Vec<ReportRow>> {
        let mut sql = String::from(
            "SELECT r.id, r.owner, r.kind, r.period_first, r.period_last, r.title, r.status, r.submitted_at, rr.at
             FROM reports r LEFT JOIN report_reads rr ON rr.report_id = r.id WHERE r.deleted = 0",
        );
        let mut args: Vec<Value> = Vec::new();
        let arg = |args: &mut Vec<Value>, v: Value| {
            args.push(v);
            args.len()
        };
        if let Some(range) = &filter.range {
            let a = arg(&mut args, range.first.to_string().into());
            let b = arg(&mut args, range.last.to_string().into());
            sql.push_str(&format!(" AND r.period_first <= ?{b} AND r.period_last >= ?{a}"));
        }
        if let Some(kind) = filter.kind {
            let n = arg(&mut args, kind.as_str().to_string().into());
            sql.push_str(&format!(" AND r.kind = ?{n}"));
        }
        if let Some(owner) = &filter.owner {
            let n = arg(&mut args, owner.clone().into());
            sql.push_str(&format!(" AND r.owner = ?{n}"));
        }
        if let Some(user) = &filter.addressed_to {
            let n = arg(&mut args, user.clone().into());
            sql.push_str(&format!(" AND r.id IN (SELECT report_id FROM report_recipients WHERE user_id = ?{n})"));
            if filter.unread {
                sql.push_str(" AND r.status = 'submitted' AND rr.at IS NULL");
            }
        } else if filter.unread {
            return Err(Error::bad_input("`unread` lists the reports addressed to someone: give `addressed_to`"));
        }
        self.paginate(&mut sql, &mut args, "reports", "r", "period_first", &filter.page)?;
        let mut st = self.conn.prepare_cached(&sql)?;
        let rows = st
            .query_map(params_from_iter(args), |r| {
                Ok(ReportRow {
                    id: r.get(0)?,
                    owner: r.get(1)?,
                    kind: r.get::<_, String>(2)?.parse().unwrap_or(ReportKind::Free),
                    first: r.get(3)?,
                    last: r.get(4)?,
                    title: r.get(5)?,
                    status: ReportStatus::parse(&r.get::<_, String>(6)?).unwrap_or(ReportStatus::Draft),
                    submitted_at: r.get(7)?,
                    read_at: r.get(8)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Checks that this device's user is the author and the report is still a draft (before
    /// computing anything for an edit; the write checks again).
    fn check_editable(&mut self, r: &Report) -> Result<()> {
        ensure_editable(&self.identity()?.user_id, r)
    }

    /// Applies an author's edit to a draft; the checks run again inside the write transaction.
    pub(super) fn edit_report(
        &mut self,
        id: &str,
        change: impl FnOnce(&mut Doc, &Report) -> Result<()>,
    ) -> Result<Report> {
        let me = self.identity()?.user_id;
        let record = self.update(Kind::Report, id, |doc| {
            let current = Report::read(doc)?;
            ensure_editable(&me, &current)?;
            change(doc, &current)
        })?;
        Ok(*typed!(record, Report)?)
    }

    /// The key of section `section` (a key or a 1-based position) of `r`.
    pub(super) fn section_key(r: &Report, section: &str) -> Result<String> {
        r.find_section(section).map(|s| s.key.clone()).ok_or_else(|| {
            let known: Vec<String> =
                r.sections.iter().enumerate().map(|(i, s)| format!("{} {}", i + 1, s.key)).collect();
            Error::bad_input(format!(
                "report {} has no section `{section}` (sections: {})",
                r.header.id,
                known.join(", ")
            ))
        })
    }

    /// Splices a section's text: at `index` (Unicode scalar values) delete `delete` characters and
    /// insert `insert`.
    pub fn splice_report(
        &mut self,
        id: &str,
        section: &str,
        index: usize,
        delete: usize,
        insert: &str,
    ) -> Result<Report> {
        let section = section.to_string();
        let insert = insert.to_string();
        self.edit_report(id, move |doc, r| {
            let key = Self::section_key(r, &section)?;
            let text = r.sections.iter().find(|s| s.key == key).map(|s| s.text.as_str()).unwrap_or("");
            check_splice(&format!("section `{key}`"), text, index, delete)?;
            Ok(Report::splice(doc, &key, index, delete, &insert)?)
        })
    }

    /// Replaces a section's text; the change is applied as minimal splices so concurrent edits
    /// elsewhere in the section survive.
    pub fn set_report_text(&mut self, id: &str, section: &str, text: &str) -> Result<Report> {
        let (section, text) = (section.to_string(), text.to_string());
        self.edit_report(id, move |doc, r| {
            let key = Self::section_key(r, &section)?;
            Ok(Report::set_text(doc, &key, &text)?)
        })
    }

    /// The range a block covers: `period` resolved now, or the report's own period.
    fn block_range(&mut self, r: &Report, period: Option<Period>) -> Result<DateRange> {
        let cal = self.calendar()?;
        Ok(match period {
            Some(p) => cal.resolve(p, self.now_ms()),
            None => cal.days(r.first, r.last),
        })
    }

    /// The author's followups in `range`, grouped by customer (groups ordered by their first
    /// followup; each group's followups in time order).
    pub fn followup_groups(&mut self, owner: &str, range: &DateRange) -> Result<Vec<FollowupGroup>> {
        let filter = FollowupFilter { owner: Some(owner.to_string()), range: Some(*range), ..Default::default() };
        let mut groups: Vec<FollowupGroup> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for row in self.list_followups(&filter)? {
            let i = *index.entry(row.customer_id.clone()).or_insert_with(|| {
                groups.push(FollowupGroup {
                    customer_id: row.customer_id.clone(),
                    customer_name: row.customer_name.clone(),
                    items: Vec::new(),
                });
                groups.len() - 1
            });
            groups[i].items.push(FollowupItem {
                id: row.id,
                occurred_at: row.occurred_at,
                kind: row.kind,
                note: row.note,
                next_step: row.next_step,
                checked_in: row.lat.is_some(),
                checkin_distance_m: row.checkin_distance_m,
                photos: row.attachments,
            });
        }
        Ok(groups)
    }

    /// Builds the snapshot of a block of `kind` over `range` for the report's author.
    pub(super) fn block_data(
        &mut self,
        owner: &str,
        kind: BlockKind,
        range: &DateRange,
        metrics: &[String],
    ) -> Result<BlockData> {
        Ok(match kind {
            BlockKind::Followups => BlockData::Followups { groups: self.followup_groups(owner, range)? },
            BlockKind::Kpis => {
                let defs = self.kpi_definitions_for(metrics)?;
                let view = self.kpi_view_of(owner, *range, &defs)?;
                BlockData::Kpis { rows: view.rows, source: view.source }
            }
            BlockKind::Plan => BlockData::Plan {
                items: self.plans_between(owner, range.first, range.last, false)?.iter().map(|p| p.item()).collect(),
            },
        })
    }

    fn insert_block(
        &mut self,
        id: &str,
        kind: BlockKind,
        section: Option<&str>,
        period: Option<Period>,
        metrics: &[String],
    ) -> Result<Block> {
        let r = self.report(id)?;
        self.check_editable(&r)?;
        let template = self.template_of(&r);
        let default = match kind {
            BlockKind::Followups => template.followups_section.clone(),
            BlockKind::Kpis => template.kpis_section.clone(),
            BlockKind::Plan => template.plan_section().unwrap_or_default().to_string(),
        };
        let key = match section {
            Some(s) => Self::section_key(&r, s)?,
            None if r.sections.iter().any(|s| s.key == default) => default,
            None => r.sections[0].key.clone(),
        };
        let range = self.block_range(&r, period)?;
        let data = self.block_data(&r.header.owner, kind, &range, metrics)?;
        let block = Block {
            id: new_id(),
            kind,
            section: key,
            first: range.first,
            last: range.last,
            taken_at: self.now_ms(),
            data,
        };
        let b = block.clone();
        self.edit_report(id, move |doc, _| Ok(Report::put_block(doc, &b)?))?;
        Ok(block)
    }

    /// Inserts the author's followups of `period` (default: the report's period), grouped by
    /// customer, into `section` (default: the template's followups section).
    pub fn insert_followups(&mut self, id: &str, section: Option<&str>, period: Option<Period>) -> Result<Block> {
        self.insert_block(id, BlockKind::Followups, section, period, &[])
    }

    /// Inserts KPI figures for `metrics` (default: the six headline KPIs) over `period` (default:
    /// the report's period).
    pub fn insert_kpis(
        &mut self,
        id: &str,
        section: Option<&str>,
        period: Option<Period>,
        metrics: &[String],
    ) -> Result<Block> {
        let metrics: Vec<String> = if metrics.is_empty() {
            DEFAULT_REPORT_KPIS.iter().map(|m| m.to_string()).collect()
        } else {
            metrics.to_vec()
        };
        self.insert_block(id, BlockKind::Kpis, section, period, &metrics)
    }

    /// Recomputes every block of the draft over its recorded period (刷新).
    pub fn refresh_report(&mut self, id: &str) -> Result<Report> {
        let r = self.report(id)?;
        self.check_editable(&r)?;
        let fresh = self.fresh_blocks(&r)?;
        self.edit_report(id, move |doc, _| {
            for b in &fresh {
                Report::put_block(doc, b)?;
            }
            Ok(())
        })
    }

    /// Every block of `r` computed again over its recorded period, as of now.
    pub(super) fn fresh_blocks(&mut self, r: &Report) -> Result<Vec<Block>> {
        let cal = self.calendar()?;
        let now = self.now_ms();
        let mut fresh = Vec::new();
        for b in &r.blocks {
            let metrics: Vec<String> = match &b.data {
                BlockData::Kpis { rows, .. } => rows.iter().map(|row| row.metric.clone()).collect(),
                BlockData::Followups { .. } | BlockData::Plan { .. } => Vec::new(),
            };
            let mut data = self.block_data(&r.header.owner, b.kind, &cal.days(b.first, b.last), &metrics)?;
            if let BlockData::Followups { groups } = &mut data {
                // A pre-filled weekly or monthly lists its key accounts: busiest first.
                if r.filled_at.is_some() && matches!(r.kind, ReportKind::Weekly | ReportKind::Monthly) {
                    sort_busiest_first(groups);
                }
            }
            fresh.push(Block { data, taken_at: now, ..b.clone() });
        }
        Ok(fresh)
    }

    /// Removes block `block_id` from the draft.
    pub fn remove_block(&mut self, id: &str, block_id: &str) -> Result<Report> {
        let block_id = block_id.trim().to_string();
        self.edit_report(id, move |doc, r| {
            if !r.blocks.iter().any(|b| b.id == block_id) {
                return Err(Error::NotFound { kind: "block", id: block_id.clone() });
            }
            Ok(Report::remove_block(doc, &block_id)?)
        })
    }

    /// Adds a comment by this device's user, who must be the author or a recipient; submitted
    /// reports accept comments. `@name` in the text names members (each is notified once the
    /// server has it), who must be able to read the report; `reply_to` answers an earlier
    /// comment.
    pub fn comment_report(&mut self, id: &str, text: &str) -> Result<Report> {
        self.reply_report(id, text, None)
    }

    /// [`Store::comment_report`], answering comment `reply_to` when given.
    pub fn reply_report(&mut self, id: &str, text: &str, reply_to: Option<&str>) -> Result<Report> {
        let me = self.identity()?.user_id;
        let now = self.now_ms();
        let members = self.members()?;
        let mentions = crate::report::find_mentions(text, &members);
        let mut comment = Comment {
            id: new_id(),
            author: me.clone(),
            at: now,
            text: text.trim().to_string(),
            reply_to: reply_to.map(|r| r.trim().to_string()),
            mentions,
        };
        let record = self.update(Kind::Report, id, |doc| {
            let r = Report::read(doc)?;
            if r.header.owner != me && !r.to.contains(&me) && !r.cc.contains(&me) {
                return Err(Error::Forbidden(format!(
                    "report {} is not addressed to {me}; only its author and recipients can comment",
                    r.header.id
                )));
            }
            if let Some(parent) = &comment.reply_to {
                if !r.comments.iter().any(|c| c.id == *parent) {
                    return Err(Error::NotFound { kind: "comment", id: parent.clone() });
                }
            }
            let recipients = r.recipients();
            let outside: Vec<&str> = members
                .iter()
                .filter(|m| comment.mentions.contains(&m.id))
                .filter(|m| !crate::report::reads_report(m, &r.header.owner, &recipients))
                .map(|m| m.name.as_str())
                .collect();
            if !outside.is_empty() {
                return Err(Error::Forbidden(format!(
                    "{} cannot read this report: add them as a recipient before naming them",
                    outside.join("、")
                )));
            }
            comment.mentions.retain(|u| *u != me);
            Ok(Report::add_comment(doc, &comment)?)
        })?;
        Ok(*typed!(record, Report)?)
    }

    /// The user ids `names` mean (ids, names or unique prefixes: see
    /// [`Store::resolve_member`]), each once. Every one must be an active member of the team
    /// when the directory has reached this device; before that, ids are taken as they are.
    fn recipients(&self, names: &[String]) -> Result<Vec<String>> {
        let known = self.has_directory()?;
        let mut out: Vec<String> = Vec::new();
        for n in names.iter().map(|u| u.trim()).filter(|u| !u.is_empty()) {
            let id = if known {
                let m = self.resolve_member(n)?;
                if !m.active {
                    return Err(Error::bad_input(format!("{} is no longer an active member of the team", m.name)));
                }
                m.id
            } else {
                // Without the directory, only an id can be checked (for its form; the server
                // checks that it is a member); a name cannot be.
                crate::ids::parse_id("user", n).map_err(|_| {
                    Error::bad_input(format!(
                        "the team directory has not reached this device yet, so `{n}` cannot be looked up: \
                         sync once (or give the member's user id)"
                    ))
                })?
            };
            if !out.contains(&id) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// The recipients a report goes to when none are given: the author's manager (without one,
    /// the nearest head of their department up the tree), and the template's copies (with
    /// `cc_heads`, every head up the chain).
    pub fn default_recipients(&mut self, id: &str) -> Result<(Vec<String>, Vec<String>)> {
        let r = self.report(id)?;
        self.recipients_of(&r)
    }

    /// [`Store::default_recipients`] of report `r`, already read.
    pub(super) fn recipients_of(&mut self, r: &Report) -> Result<(Vec<String>, Vec<String>)> {
        let me = self.identity()?.user_id;
        let member = self.member(&me)?;
        // The heads of the author's department and of those above it, nearest first.
        let mut heads: Vec<String> = Vec::new();
        if let Some(d) = member.as_ref().and_then(|m| m.dept_id.clone()) {
            let tree = crate::team::DeptTree::new(&self.departments()?);
            for h in tree.up(&d).iter().flat_map(|x| x.heads.iter()) {
                if *h != me && !heads.contains(h) {
                    heads.push(h.clone());
                }
            }
        }
        // 汇报对象: the manager; without one, the nearest head.
        let to: Vec<String> =
            member.and_then(|m| m.manager_id).or_else(|| heads.first().cloned()).into_iter().collect();
        let template = self.template_of(r);
        let mut cc = template.cc;
        if template.cc_heads {
            cc.extend(heads.into_iter().filter(|h| !to.contains(h)));
        }
        let mut seen = std::collections::HashSet::new();
        cc.retain(|x| seen.insert(x.clone()));
        Ok((to, cc))
    }

    /// Submits the draft to `to` and `cc` (ids, names or unique prefixes), stamped with the
    /// device's time. Without `to`, it goes to whom the draft is addressed, else to the author's
    /// manager; the template's copies are added to `cc`. The blocks are computed a last time and
    /// frozen with their as-of time (and a pre-filled report's drafted summary with them, unless
    /// the rep wrote their own). A recipient who is not an active member, or a required section
    /// left empty, is refused before anything is written.
    pub fn submit_report(&mut self, id: &str, to: &[String], cc: &[String]) -> Result<Report> {
        let draft = self.report(id)?;
        self.check_editable(&draft)?;
        let missing = draft.missing_required();
        if !missing.is_empty() {
            return Err(Error::bad_input(format!("required sections are empty: {}", missing.join(", "))));
        }
        let (default_to, template_cc) = self.recipients_of(&draft)?;
        let given = |list: &[String]| list.iter().any(|t| !t.trim().is_empty());
        let to = match (given(to), draft.to.is_empty()) {
            (true, _) => self.recipients(to)?,
            (false, false) => draft.to.clone(),
            (false, true) => default_to,
        };
        let cc = if given(cc) || draft.cc.is_empty() { cc.to_vec() } else { draft.cc.clone() };
        let mut cc = self.recipients(&cc)?;
        for c in template_cc {
            if !cc.contains(&c) && !to.contains(&c) {
                cc.push(c);
            }
        }
        cc.retain(|c| !to.contains(c));
        if to.is_empty() {
            return Err(Error::bad_input(
                "a report is submitted to at least one recipient, and this device knows no manager of yours yet (a sync brings the team): name a recipient",
            ));
        }
        let fresh = self.fresh_blocks(&draft)?;
        let summary = match draft.filled_at {
            Some(_) => Some(self.summary_for(&draft, &fresh)?),
            None => None,
        };
        let now = self.now_ms();
        self.edit_report(id, move |doc, _| {
            for b in &fresh {
                Report::put_block(doc, b)?;
            }
            if let Some(s) = &summary {
                Report::draft_summary(doc, s)?;
            }
            Ok(Report::submit(doc, &to, &cc, now)?)
        })
    }

    /// Adds recipients to a submitted report (a mistake is mendable): the author only; nobody
    /// is removed.
    pub fn add_report_recipients(&mut self, id: &str, to: &[String], cc: &[String]) -> Result<Report> {
        let me = self.identity()?.user_id;
        let (to, cc) = (self.recipients(to)?, self.recipients(cc)?);
        let record = self.update(Kind::Report, id, |doc| {
            let r = Report::read(doc)?;
            if r.header.owner != me {
                return Err(Error::Forbidden(format!(
                    "report {} is not yours: only its author adds recipients",
                    r.header.id
                )));
            }
            let has = |u: &String| r.to.contains(u) || r.cc.contains(u);
            let to: Vec<String> = to.iter().filter(|u| !has(u)).cloned().collect();
            let cc: Vec<String> = cc.iter().filter(|u| !has(u) && !to.contains(u)).cloned().collect();
            Ok(Report::add_recipients(doc, &to, &cc)?)
        })?;
        Ok(*typed!(record, Report)?)
    }
}
