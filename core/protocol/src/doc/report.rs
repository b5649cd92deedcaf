//! 工作汇报 — a report: kind and period, template, title, ordered sections of collaborative text,
//! inserted blocks, recipients, status and comments.
//!
//! Sections are Automerge Text, so the same draft edited on two devices merges without losing a
//! word. A block's snapshot is stored as one JSON string: it is replaced whole on refresh and never
//! edited character by character, so last-writer-wins is the right merge for it.

use std::str::FromStr;

use automerge::{ObjId, ROOT};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::attachment::{self, Attachment};
use super::validation::{max_len, required, MAX_NAME, MAX_SHORT};
use super::{fields, Doc, Header, Kind, ValidationError};
use crate::error::Error;
use crate::report::{Block, BlockData, BlockKind, Lang, Template};

const REPORT_KIND: &str = "report_kind";
const FIRST: &str = "period_first";
const LAST: &str = "period_last";
const TEMPLATE: &str = "template";
const LANG: &str = "lang";
const TITLE: &str = "title";
const SECTIONS: &str = "sections";
const BLOCKS: &str = "blocks";
const TO: &str = "to";
const CC: &str = "cc";
const STATUS: &str = "status";
const SUBMITTED_AT: &str = "submitted_at";
const COMMENTS: &str = "comments";
const ATTACHMENTS: &str = "attachments";
const TEXT: &str = "text";
const SUMMARY: &str = "summary";
const SUMMARY_DRAFT: &str = "summary_draft";
const FILLED_AT: &str = "filled_at";

/// Longest section text, in characters.
pub const MAX_SECTION: usize = 50_000;
/// Most recipients in `to` plus `cc`.
pub const MAX_RECIPIENTS: usize = 100;

type AmResult<T = ()> = Result<T, automerge::AutomergeError>;

/// Daily, weekly, monthly or free-form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ReportKind {
    Daily,
    Weekly,
    Monthly,
    Free,
}

impl ReportKind {
    pub const ALL: [ReportKind; 4] = [ReportKind::Daily, ReportKind::Weekly, ReportKind::Monthly, ReportKind::Free];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Daily => "daily",
            ReportKind::Weekly => "weekly",
            ReportKind::Monthly => "monthly",
            ReportKind::Free => "free",
        }
    }
}

impl FromStr for ReportKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        ReportKind::ALL.into_iter().find(|k| k.as_str().eq_ignore_ascii_case(s.trim())).ok_or_else(|| {
            Error::BadInput(format!("`{s}` is not a report kind (expected daily, weekly, monthly or free)"))
        })
    }
}

words! {
    /// Draft or submitted.
    #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
    pub enum ReportStatus {
        Draft = "draft",
        Submitted = "submitted",
    }
}

/// A section: its key, title and text, and whether the report may be submitted without it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Section {
    pub key: String,
    pub title: String,
    pub text: String,
    /// From the template: submitting refuses while it is empty.
    #[serde(default)]
    pub required: bool,
}

/// A comment (批注) on a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub id: String,
    pub author: String,
    /// UTC milliseconds, authored on the commenting device.
    pub at: i64,
    pub text: String,
    /// The comment this one answers (its id), in a thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// The members `@name` in the text named (user ids): each is notified, and each must be
    /// able to read the report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
}

/// What a new report starts with.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReport {
    pub kind: ReportKind,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub template: Template,
    pub title: String,
}

/// The typed view of a report document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    #[serde(flatten)]
    pub header: Header,
    /// Serialized as `report_kind`: the flattened header already has a `kind` (`report`).
    #[serde(rename = "report_kind")]
    pub kind: ReportKind,
    pub first: NaiveDate,
    pub last: NaiveDate,
    pub template: String,
    pub lang: Lang,
    pub title: String,
    /// One paragraph at the top (今日拜访 3 家客户…): drafted from the data when the report is
    /// opened pre-filled, then the rep's to edit.
    #[serde(default)]
    pub summary: String,
    /// When the report was first filled from its template ([`crate::report`]'s generated
    /// blocks): reopening it refreshes those blocks instead of adding them again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filled_at: Option<i64>,
    pub sections: Vec<Section>,
    pub blocks: Vec<Block>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub status: ReportStatus,
    pub submitted_at: Option<i64>,
    pub comments: Vec<Comment>,
    /// Photos and files, each shown in its section.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

impl Report {
    /// Everyone the report is addressed to (to, then cc).
    pub fn recipients(&self) -> Vec<String> {
        self.to.iter().chain(&self.cc).cloned().collect()
    }

    pub fn create(doc: &mut Doc, header: &Header, new: &NewReport) -> AmResult {
        header.write(doc)?;
        fields::put(doc, &ROOT, REPORT_KIND, new.kind.as_str())?;
        fields::put(doc, &ROOT, FIRST, new.first.to_string())?;
        fields::put(doc, &ROOT, LAST, new.last.to_string())?;
        fields::put(doc, &ROOT, TEMPLATE, new.template.id.as_str())?;
        fields::put(doc, &ROOT, LANG, new.template.lang.as_str())?;
        fields::put(doc, &ROOT, TITLE, new.title.trim())?;
        fields::put(doc, &ROOT, STATUS, ReportStatus::Draft.as_str())?;
        fields::ensure_list(doc, &ROOT, SECTIONS)?;
        for s in &new.template.sections {
            let m = fields::push_map(doc, &ROOT, SECTIONS)?;
            fields::put(doc, &m, "key", s.key.as_str())?;
            fields::put(doc, &m, TITLE, s.title.as_str())?;
            if s.required {
                fields::put(doc, &m, "required", true)?;
            }
            fields::set_text(doc, &m, TEXT, "")?;
        }
        fields::ensure_list(doc, &ROOT, BLOCKS)?;
        fields::ensure_list(doc, &ROOT, COMMENTS)?;
        attachment::ensure_list(doc, ATTACHMENTS)?;
        fields::put_str_list(doc, &ROOT, TO, &[])?;
        fields::put_str_list(doc, &ROOT, CC, &[])
    }

    /// The view of a report created from `new`, without reading the document back.
    pub fn view(header: &Header, new: &NewReport) -> Report {
        Report {
            header: header.clone(),
            kind: new.kind,
            first: new.first,
            last: new.last,
            template: new.template.id.clone(),
            lang: new.template.lang,
            title: new.title.trim().to_string(),
            summary: String::new(),
            filled_at: None,
            sections: new
                .template
                .sections
                .iter()
                .map(|s| Section {
                    key: s.key.clone(),
                    title: s.title.clone(),
                    text: String::new(),
                    required: s.required,
                })
                .collect(),
            blocks: Vec::new(),
            to: Vec::new(),
            cc: Vec::new(),
            status: ReportStatus::Draft,
            submitted_at: None,
            comments: Vec::new(),
            attachments: Vec::new(),
        }
    }

    /// The section map with `key`.
    fn section_obj(doc: &Doc, key: &str) -> Option<ObjId> {
        fields::map_list(doc, &ROOT, SECTIONS).into_iter().find(|m| fields::str(doc, m, "key").as_deref() == Some(key))
    }

    /// Splices section `key`'s text at `index` (Unicode scalar values). The caller checked the
    /// section exists and the range is inside the text.
    pub fn splice(doc: &mut Doc, key: &str, index: usize, delete: usize, insert: &str) -> AmResult {
        match Self::section_obj(doc, key) {
            Some(m) => fields::splice_text(doc, &m, TEXT, index, delete, insert),
            None => Ok(()),
        }
    }

    /// Replaces section `key`'s text, as minimal splices against the current text.
    pub fn set_text(doc: &mut Doc, key: &str, text: &str) -> AmResult {
        match Self::section_obj(doc, key) {
            Some(m) => fields::set_text(doc, &m, TEXT, text),
            None => Ok(()),
        }
    }

    /// Replaces the summary's text, as minimal splices against the current text.
    pub fn set_summary(doc: &mut Doc, text: &str) -> AmResult {
        fields::set_text(doc, &ROOT, SUMMARY, text)
    }

    /// Puts a drafted summary in: it replaces the summary only while the summary is still the
    /// previous draft (or empty), so a word the rep wrote is never overwritten. Returns whether
    /// it did.
    pub fn draft_summary(doc: &mut Doc, drafted: &str) -> AmResult<bool> {
        let current = fields::text(doc, &ROOT, SUMMARY);
        let previous = fields::str(doc, &ROOT, SUMMARY_DRAFT).unwrap_or_default();
        if !current.trim().is_empty() && current != previous {
            return Ok(false);
        }
        fields::set_text(doc, &ROOT, SUMMARY, drafted)?;
        fields::put(doc, &ROOT, SUMMARY_DRAFT, drafted)?;
        Ok(true)
    }

    /// Records when the report was first filled from its template.
    pub fn mark_filled(doc: &mut Doc, at: i64) -> AmResult {
        fields::put(doc, &ROOT, FILLED_AT, at)
    }

    /// Inserts `block`, or replaces the block with the same id in place.
    pub fn put_block(doc: &mut Doc, block: &Block) -> AmResult {
        let existing = fields::map_list(doc, &ROOT, BLOCKS)
            .into_iter()
            .find(|m| fields::str(doc, m, "id").as_deref() == Some(&block.id));
        let m = match existing {
            Some(m) => m,
            None => fields::push_map(doc, &ROOT, BLOCKS)?,
        };
        fields::put(doc, &m, "id", block.id.as_str())?;
        fields::put(doc, &m, "block_kind", block.kind.as_str())?;
        fields::put(doc, &m, "section", block.section.as_str())?;
        fields::put(doc, &m, FIRST, block.first.to_string())?;
        fields::put(doc, &m, LAST, block.last.to_string())?;
        fields::put(doc, &m, "taken_at", block.taken_at)?;
        let data = serde_json::to_string(&block.data).unwrap_or_default();
        fields::put(doc, &m, "data", data)
    }

    /// Removes the block `id` (no-op when absent).
    pub fn remove_block(doc: &mut Doc, id: &str) -> AmResult {
        let list = fields::map_list(doc, &ROOT, BLOCKS);
        match list.iter().position(|m| fields::str(doc, m, "id").as_deref() == Some(id)) {
            Some(i) => fields::list_delete(doc, &ROOT, BLOCKS, i),
            None => Ok(()),
        }
    }

    /// Appends a comment.
    pub fn add_comment(doc: &mut Doc, c: &Comment) -> AmResult {
        let m = fields::push_map(doc, &ROOT, COMMENTS)?;
        fields::put(doc, &m, "id", c.id.as_str())?;
        fields::put(doc, &m, "author", c.author.as_str())?;
        fields::put(doc, &m, "at", c.at)?;
        if let Some(parent) = &c.reply_to {
            fields::put(doc, &m, "reply_to", parent.as_str())?;
        }
        if !c.mentions.is_empty() {
            fields::put_str_list(doc, &m, "mentions", &c.mentions)?;
        }
        fields::put(doc, &m, TEXT, c.text.as_str())
    }

    /// Adds recipients to a submitted report (a mistake is mendable): appended to `to` and `cc`.
    pub fn add_recipients(doc: &mut Doc, to: &[String], cc: &[String]) -> AmResult {
        for (key, add) in [(TO, to), (CC, cc)] {
            for u in add {
                fields::append_str(doc, &ROOT, key, u)?;
            }
        }
        Ok(())
    }

    /// The sections that must not be empty and are (no text and no block), by title.
    pub fn missing_required(&self) -> Vec<String> {
        self.sections
            .iter()
            .filter(|s| s.required && s.text.trim().is_empty() && !self.blocks.iter().any(|b| b.section == s.key))
            .map(|s| s.title.clone())
            .collect()
    }

    /// Addresses a draft to `to` and `cc` (where it goes when submitted without others named).
    pub fn address(doc: &mut Doc, to: &[String], cc: &[String]) -> AmResult {
        fields::put_str_list(doc, &ROOT, TO, to)?;
        fields::put_str_list(doc, &ROOT, CC, cc)
    }

    /// Marks the report submitted to `to` (and `cc`) at `at`, the authored time on the device.
    pub fn submit(doc: &mut Doc, to: &[String], cc: &[String], at: i64) -> AmResult {
        fields::put_str_list(doc, &ROOT, TO, to)?;
        fields::put_str_list(doc, &ROOT, CC, cc)?;
        fields::put(doc, &ROOT, STATUS, ReportStatus::Submitted.as_str())?;
        fields::put(doc, &ROOT, SUBMITTED_AT, at)
    }

    /// Reads the typed view; fails only when the document is not a report.
    pub fn read(doc: &Doc) -> Result<Report, ValidationError> {
        let header = Header::read_kind(doc, Kind::Report)?;
        let date = |key: &'static str| -> Result<NaiveDate, ValidationError> {
            fields::str(doc, &ROOT, key)
                .and_then(|s| s.parse().ok())
                .ok_or(ValidationError::Invalid { field: key, reason: "missing or not a date".into() })
        };
        let kind_name = fields::str(doc, &ROOT, REPORT_KIND).unwrap_or_default();
        let sections = fields::map_list(doc, &ROOT, SECTIONS)
            .iter()
            .map(|m| Section {
                key: fields::str(doc, m, "key").unwrap_or_default(),
                title: fields::str(doc, m, TITLE).unwrap_or_default(),
                text: fields::text(doc, m, TEXT),
                required: fields::bool(doc, m, "required").unwrap_or(false),
            })
            .collect();
        let blocks = fields::map_list(doc, &ROOT, BLOCKS).iter().filter_map(|m| read_block(doc, m)).collect();
        let comments = fields::map_list(doc, &ROOT, COMMENTS)
            .iter()
            .map(|m| Comment {
                id: fields::str(doc, m, "id").unwrap_or_default(),
                author: fields::str(doc, m, "author").unwrap_or_default(),
                at: fields::i64(doc, m, "at").unwrap_or_default(),
                text: fields::str(doc, m, TEXT).unwrap_or_default(),
                reply_to: fields::str(doc, m, "reply_to"),
                mentions: fields::str_list(doc, m, "mentions"),
            })
            .collect();
        Ok(Report {
            header,
            kind: kind_name.parse().map_err(|_| ValidationError::Invalid {
                field: REPORT_KIND,
                reason: format!("unknown report kind `{kind_name}`"),
            })?,
            first: date(FIRST)?,
            last: date(LAST)?,
            template: fields::str(doc, &ROOT, TEMPLATE).unwrap_or_default(),
            lang: fields::str(doc, &ROOT, LANG).and_then(|l| l.parse().ok()).unwrap_or_default(),
            title: fields::str(doc, &ROOT, TITLE).unwrap_or_default(),
            summary: fields::text(doc, &ROOT, SUMMARY),
            filled_at: fields::i64(doc, &ROOT, FILLED_AT),
            sections,
            blocks,
            to: fields::str_list(doc, &ROOT, TO),
            cc: fields::str_list(doc, &ROOT, CC),
            status: match fields::str(doc, &ROOT, STATUS).as_deref() {
                Some("submitted") => ReportStatus::Submitted,
                _ => ReportStatus::Draft,
            },
            submitted_at: fields::i64(doc, &ROOT, SUBMITTED_AT),
            comments,
            attachments: attachment::read_list(doc, ATTACHMENTS),
        })
    }

    /// Adds a reference to an attached file, shown in its section (once per file and section).
    pub fn attach(doc: &mut Doc, a: &Attachment) -> AmResult<bool> {
        attachment::add(doc, ATTACHMENTS, a)
    }

    /// Removes the references to file `hash`; returns how many there were.
    pub fn detach(doc: &mut Doc, hash: &str) -> AmResult<usize> {
        attachment::remove(doc, ATTACHMENTS, hash)
    }

    /// Checks lengths, recipients and the lifecycle fields.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.header.validate()?;
        required(TITLE, &self.title)?;
        max_len(TITLE, &self.title, MAX_NAME)?;
        max_len(SUMMARY, &self.summary, MAX_SHORT)?;
        if self.last < self.first {
            return Err(ValidationError::Invalid { field: "period", reason: "ends before it starts".into() });
        }
        if self.sections.is_empty() {
            return Err(ValidationError::Required { field: SECTIONS });
        }
        for s in &self.sections {
            required("section key", &s.key)?;
            max_len("section text", &s.text, MAX_SECTION)?;
        }
        if self.to.len() + self.cc.len() > MAX_RECIPIENTS {
            return Err(ValidationError::TooLong {
                field: "to/cc",
                len: self.to.len() + self.cc.len(),
                max: MAX_RECIPIENTS,
            });
        }
        for r in self.to.iter().chain(&self.cc) {
            required("recipient", r)?;
            max_len("recipient", r, MAX_NAME)?;
        }
        for (i, c) in self.comments.iter().enumerate() {
            required("comment", &c.text)?;
            max_len("comment", &c.text, MAX_SHORT)?;
            if c.mentions.len() > MAX_RECIPIENTS {
                return Err(ValidationError::Invalid {
                    field: "comment mentions",
                    reason: format!("{} members named, at most {MAX_RECIPIENTS}", c.mentions.len()),
                });
            }
            if let Some(parent) = &c.reply_to {
                if !self.comments[..i].iter().any(|p| p.id == *parent) {
                    return Err(ValidationError::Invalid {
                        field: "comment reply_to",
                        reason: format!("`{parent}` is not an earlier comment of this report"),
                    });
                }
            }
        }
        attachment::validate_all(&self.attachments)?;
        if self.status == ReportStatus::Submitted {
            if self.to.is_empty() {
                return Err(ValidationError::Required { field: TO });
            }
            if self.submitted_at.is_none() {
                return Err(ValidationError::Required { field: SUBMITTED_AT });
            }
        }
        Ok(())
    }

    /// The comments as threads: each top-level comment followed by its answers (and theirs),
    /// with its depth (0 for a top-level one), in the order written. An answer to a comment
    /// that is not there reads as top-level.
    pub fn comment_threads(&self) -> Vec<(usize, &Comment)> {
        fn walk<'a>(all: &'a [Comment], parent: &str, depth: usize, out: &mut Vec<(usize, &'a Comment)>) {
            for c in all.iter().filter(|c| c.reply_to.as_deref() == Some(parent)) {
                out.push((depth, c));
                walk(all, &c.id, depth + 1, out);
            }
        }
        let known = |id: &str| self.comments.iter().any(|c| c.id == id);
        let mut out = Vec::with_capacity(self.comments.len());
        for c in self.comments.iter().filter(|c| c.reply_to.as_deref().is_none_or(|p| !known(p))) {
            out.push((0, c));
            walk(&self.comments, &c.id, 1, &mut out);
        }
        out
    }

    /// The section with `key`, or at 1-based position `key`.
    pub fn find_section(&self, key: &str) -> Option<&Section> {
        if let Ok(pos) = key.trim().parse::<usize>() {
            return pos.checked_sub(1).and_then(|i| self.sections.get(i));
        }
        self.sections.iter().find(|s| s.key == key.trim())
    }

    /// Every file the report shows: its own attachments and the photos of the followups its
    /// blocks list (whose readers may fetch them through the report).
    pub fn files(&self) -> Vec<&Attachment> {
        let mut all: Vec<&Attachment> = self.attachments.iter().collect();
        for b in &self.blocks {
            if let crate::report::BlockData::Followups { groups } = &b.data {
                all.extend(groups.iter().flat_map(|g| g.items.iter().flat_map(|i| i.photos.iter())));
            }
        }
        all
    }
}

fn read_block(doc: &Doc, m: &ObjId) -> Option<Block> {
    let kind = BlockKind::parse(&fields::str(doc, m, "block_kind")?)?;
    let data: BlockData = serde_json::from_str(&fields::str(doc, m, "data")?).ok()?;
    Some(Block {
        id: fields::str(doc, m, "id")?,
        kind,
        section: fields::str(doc, m, "section").unwrap_or_default(),
        first: fields::str(doc, m, FIRST)?.parse().ok()?,
        last: fields::str(doc, m, LAST)?.parse().ok()?,
        taken_at: fields::i64(doc, m, "taken_at").unwrap_or_default(),
        data,
    })
}
