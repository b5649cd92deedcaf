//! Photos and files referenced by a document (a followup, a report): content-addressed by the
//! SHA-256 of their bytes, with what a reader needs to show them before the bytes arrive. The
//! bytes travel apart from documents (`crate::sync::blobs`); removing a reference is an ordinary
//! edit of the document.

use automerge::{ObjId, ROOT};
use serde::{Deserialize, Serialize};

use super::validation::max_len;
use super::{fields, Doc, ValidationError};

/// Most attachments one document references.
pub const MAX_ATTACHMENTS: usize = 100;
/// The largest attachment any configuration may allow (the default limit is 20 MB).
pub const MAX_ATTACHMENT_BYTES: u64 = 200 * 1024 * 1024;

/// The kinds of file an attachment may be, by their bytes.
pub const MIME_TYPES: &[&str] =
    &["image/jpeg", "image/png", "image/webp", "image/heic", "image/heif", "application/pdf"];

/// One attached file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    /// SHA-256 of the bytes, 64 lower-case hex digits.
    pub hash: String,
    /// The file's name as its author gave it (`门头照.jpg`).
    pub name: String,
    /// `image/jpeg`, `image/png`, `image/webp`, `image/heic`, `image/heif` or `application/pdf`,
    /// as the bytes say.
    pub mime: String,
    pub size: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// When the photo was taken (UTC milliseconds), from its metadata.
    pub taken_at: Option<i64>,
    /// A report's section that shows it (`None` on a followup).
    pub section: Option<String>,
}

impl Attachment {
    /// Whether `hash` is a SHA-256 in lower-case hex.
    pub fn valid_hash(hash: &str) -> bool {
        hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }

    /// Whether it is a picture (rather than a PDF).
    pub fn is_image(&self) -> bool {
        self.mime.starts_with("image/")
    }

    pub(crate) fn validate(&self) -> Result<(), ValidationError> {
        if !Attachment::valid_hash(&self.hash) {
            return Err(ValidationError::Invalid { field: "attachment.hash", reason: "not a SHA-256 in hex".into() });
        }
        max_len("attachment.name", &self.name, 200)?;
        if !MIME_TYPES.contains(&self.mime.as_str()) {
            return Err(ValidationError::Invalid {
                field: "attachment.mime",
                reason: format!("`{}` is not a kind of file an attachment may be", self.mime),
            });
        }
        if self.size == 0 || self.size > MAX_ATTACHMENT_BYTES {
            return Err(ValidationError::Invalid {
                field: "attachment.size",
                reason: format!("{} bytes is not between 1 byte and {MAX_ATTACHMENT_BYTES}", self.size),
            });
        }
        if let Some(s) = &self.section {
            max_len("attachment.section", s, 64)?;
        }
        Ok(())
    }
}

/// Validates a document's attachments: each valid, at most [`MAX_ATTACHMENTS`].
pub(crate) fn validate_all(list: &[Attachment]) -> Result<(), ValidationError> {
    if list.len() > MAX_ATTACHMENTS {
        return Err(ValidationError::TooLong { field: "attachments", len: list.len(), max: MAX_ATTACHMENTS });
    }
    list.iter().try_for_each(Attachment::validate)
}

/// The attachments in the list at `key` (entries that are not attachments are passed over).
pub(crate) fn read_list(doc: &Doc, key: &str) -> Vec<Attachment> {
    fields::map_list(doc, &ROOT, key).iter().filter_map(|m| read_one(doc, m)).collect()
}

fn read_one(doc: &Doc, m: &ObjId) -> Option<Attachment> {
    let small = |k: &str| fields::i64(doc, m, k).and_then(|v| u32::try_from(v).ok());
    Some(Attachment {
        hash: fields::str(doc, m, "hash")?,
        name: fields::str(doc, m, "name").unwrap_or_default(),
        mime: fields::str(doc, m, "mime").unwrap_or_default(),
        size: fields::i64(doc, m, "size").and_then(|v| u64::try_from(v).ok()).unwrap_or(0),
        width: small("width"),
        height: small("height"),
        taken_at: fields::i64(doc, m, "taken_at"),
        section: fields::str(doc, m, "section"),
    })
}

/// Appends `a` to the list at `key`, unless an entry of the same file (and section) is there.
pub(crate) fn add(doc: &mut Doc, key: &str, a: &Attachment) -> Result<bool, automerge::AutomergeError> {
    if read_list(doc, key).iter().any(|x| x.hash == a.hash && x.section == a.section) {
        return Ok(false);
    }
    let m = fields::push_map(doc, &ROOT, key)?;
    fields::put(doc, &m, "hash", a.hash.as_str())?;
    fields::put(doc, &m, "name", a.name.as_str())?;
    fields::put(doc, &m, "mime", a.mime.as_str())?;
    fields::put(doc, &m, "size", a.size as i64)?;
    fields::put_opt(doc, &m, "width", a.width.map(i64::from))?;
    fields::put_opt(doc, &m, "height", a.height.map(i64::from))?;
    fields::put_opt(doc, &m, "taken_at", a.taken_at)?;
    fields::put_opt(doc, &m, "section", a.section.as_deref())?;
    Ok(true)
}

/// Removes every reference to `hash` from the list at `key`; returns how many.
pub(crate) fn remove(doc: &mut Doc, key: &str, hash: &str) -> Result<usize, automerge::AutomergeError> {
    let targets: Vec<ObjId> = fields::map_list(doc, &ROOT, key)
        .into_iter()
        .filter(|m| fields::str(doc, m, "hash").as_deref() == Some(hash))
        .collect();
    for m in &targets {
        fields::list_delete_obj(doc, &ROOT, key, m)?;
    }
    Ok(targets.len())
}

/// Makes sure the list at `key` exists (a new document starts with it, so that two devices adding
/// their first attachment concurrently add to one list, not two).
pub(crate) fn ensure_list(doc: &mut Doc, key: &str) -> Result<(), automerge::AutomergeError> {
    fields::ensure_list(doc, &ROOT, key).map(|_| ())
}
