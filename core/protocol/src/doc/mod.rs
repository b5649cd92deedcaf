//! The document layer: every record is an Automerge document, read and written only through the
//! typed views in this module's children. Nothing outside `doc` touches automerge directly.

mod attachment;
mod contract;
mod customer;
mod deal;
mod directory;
mod fields;
mod followup;
mod geo;
mod header;
mod kind;
mod money_field;
mod payment;
mod plan;
mod published;
mod record;
mod report;
pub mod untrusted;
mod validation;

pub use attachment::{Attachment, MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES, MIME_TYPES};
pub use contract::{Contract, NewContract};
pub use customer::{Contact, ContactChange, Customer, CustomerEdit, Level, NewCustomer};
pub use deal::{Deal, DealEdit, NewDeal, Stage, StageEntry};
pub use directory::{Directory, Member};
pub use followup::{CheckIn, Followup, FollowupEdit, FollowupKind, FollowupText, NewFollowup, StageChange};
pub use geo::{display_distance, distance_m, point, validate_point};
pub use header::{Header, SCHEMA_VERSION};
pub use kind::{Kind, RecordKind};
pub use payment::{NewPayment, Payment};
pub use plan::{NewPlan, Plan, PlanStatus};
pub use published::{Published, MAX_BODY};
pub use record::Record;
pub use report::{Comment, NewReport, Report, ReportKind, ReportStatus, Section, MAX_SECTION};
pub use untrusted::{Bounds, Refused};
pub use validation::{ValidationError, MAX_NAME, MAX_NOTE, MAX_SHORT};

use automerge::transaction::{CommitOptions, Transactable};
use std::cell::RefCell;
use std::collections::HashMap;

use automerge::{ActorId, AutoCommit, ChangeHash, LoadOptions, ObjId, ReadDoc, TextEncoding, Value};

/// One record's Automerge document.
///
/// Text positions are Unicode scalar values (code points) on every platform.
pub struct Doc {
    /// Boxed: an `AutoCommit` is over 4 KB, and a server moves documents in and out of its cache
    /// and through each check; moving a pointer instead showed as memmove in its profile.
    am: Box<AutoCommit>,
    /// Entries of the maps read since the last change. Automerge's columnar op set costs about
    /// as much to look up one key as to walk a whole map, and a typed view reads every key of
    /// a map, so each map is walked once and then answered from here. Every mutation clears it.
    maps: RefCell<HashMap<ObjId, MapEntries>>,
}

/// One map's current keys, values and object ids. Records' maps hold a few dozen keys at most,
/// so a scan beats hashing.
type MapEntries = Vec<(String, Value<'static>, ObjId)>;

/// Why stored bytes could not be turned back into a document.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LoadError(String);

impl Doc {
    /// An empty document whose changes will be authored by `actor`.
    pub fn empty(actor: &ActorId) -> Doc {
        let mut am = AutoCommit::new_with_encoding(TextEncoding::UnicodeCodePoint);
        am.set_actor(actor.clone());
        Doc::wrap(am)
    }

    fn wrap(am: AutoCommit) -> Doc {
        Doc { am: Box::new(am), maps: RefCell::default() }
    }

    /// Loads a saved document (full save, or a concatenation of saves and changes).
    pub fn load(bytes: &[u8]) -> Result<Doc, LoadError> {
        let opts = LoadOptions::new().text_encoding(TextEncoding::UnicodeCodePoint);
        AutoCommit::load_with_options(bytes, opts).map(Doc::wrap).map_err(|e| LoadError(e.to_string()))
    }

    /// Loads bytes this process stored itself after checking them (a server's merged documents):
    /// skips re-verifying the change hashes, which is most of the cost of a load.
    pub fn load_trusted(bytes: &[u8]) -> Result<Doc, LoadError> {
        let opts = LoadOptions::new()
            .text_encoding(TextEncoding::UnicodeCodePoint)
            .verification_mode(automerge::VerificationMode::DontCheck);
        AutoCommit::load_with_options(bytes, opts).map(Doc::wrap).map_err(|e| LoadError(e.to_string()))
    }

    /// Loads another party's bytes (a whole document or its changes) within `bounds`; see
    /// [`Doc::apply_untrusted`].
    pub fn load_untrusted(bytes: &[u8], bounds: Bounds) -> Result<Doc, Refused> {
        let mut doc = Doc::load(&[]).map_err(|e| Refused::Malformed(e.to_string()))?;
        doc.apply_untrusted(bytes, bounds)?;
        Ok(doc)
    }

    /// Applies another party's changes (a device's push, a page from the server) after checking
    /// them within `bounds` ([`untrusted::scan`]): structure, checksums, inflated size and rows.
    /// Automerge's own decoding is contained: a panic inside it becomes [`Refused::Malformed`].
    /// Every change the bytes carry must then be in the document (Automerge skips a chunk it
    /// cannot read instead of failing). After an error the document must be discarded: Automerge
    /// may have stopped half-way.
    pub fn apply_untrusted(&mut self, bytes: &[u8], bounds: Bounds) -> Result<(), Refused> {
        let scan = untrusted::scan(bytes, bounds)?;
        self.maps.get_mut().clear();
        let am = &mut self.am;
        let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| am.load_incremental(bytes)));
        match applied {
            Err(_) => return Err(Refused::Malformed("Automerge failed on these bytes".into())),
            Ok(Err(e)) => return Err(Refused::Malformed(format!("Automerge refused them: {e}"))),
            Ok(Ok(_)) => {}
        }
        let am = &mut self.am;
        let lost = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            scan.hashes.iter().filter(|h| am.get_change_meta_by_hash(h).is_none()).copied().collect::<Vec<_>>()
        }))
        .map_err(|_| Refused::Malformed("Automerge failed on these bytes".into()))?;
        let mut held_back = 0;
        for hash in lost {
            // Not in the document: held back until its dependencies come, or skipped because
            // Automerge could not read it. Neither is taken: a change that decodes on its own
            // lacks dependencies; one that does not is malformed.
            let decodes = scan
                .changes
                .iter()
                .find(|(h, _)| *h == hash)
                .and_then(|(_, range)| bytes.get(range.clone()))
                .is_some_and(|chunk| {
                    std::panic::catch_unwind(|| automerge::Change::try_from(chunk).is_ok()).unwrap_or(false)
                });
            if !decodes {
                return Err(Refused::Malformed("a change they carry could not be applied".into()));
            }
            held_back += 1;
        }
        if held_back > 0 {
            return Err(Refused::MissingDependencies(held_back));
        }
        Ok(())
    }

    /// Sets the actor that authors the next changes (the device's persisted actor).
    pub fn set_actor(&mut self, actor: &ActorId) {
        self.am.set_actor(actor.clone());
    }

    /// Closes the pending change, stamped with `time_ms`. Returns false when nothing changed.
    pub fn commit(&mut self, time_ms: i64) -> bool {
        self.am.commit_with(CommitOptions::default().with_time(time_ms)).is_some()
    }

    /// The compact full encoding of the document.
    pub fn save(&mut self) -> Vec<u8> {
        self.am.save()
    }

    /// The full encoding without compressing columns: a little larger, but much cheaper to
    /// produce (no compressor to set up). The server stores documents this way.
    pub fn save_uncompressed(&mut self) -> Vec<u8> {
        self.am.save_nocompress()
    }

    /// The changes made after `heads`, encoded for another replica's [`Doc::apply_changes`].
    pub fn save_after(&mut self, heads: &[ChangeHash]) -> Vec<u8> {
        self.am.save_after(heads)
    }

    /// The current heads (the hashes of the latest changes).
    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.am.get_heads()
    }

    /// Merges changes produced by [`Doc::save_after`] or [`Doc::save`] on another replica.
    /// Applying the same changes twice is harmless.
    pub fn apply_changes(&mut self, bytes: &[u8]) -> Result<(), LoadError> {
        self.maps.get_mut().clear();
        self.am.load_incremental(bytes).map(|_| ()).map_err(|e| LoadError(e.to_string()))
    }

    /// Merges another in-memory replica of the same document.
    pub fn merge(&mut self, other: &mut Doc) -> Result<(), LoadError> {
        self.maps.get_mut().clear();
        self.am.merge(&mut other.am).map(|_| ()).map_err(|e| LoadError(e.to_string()))
    }

    /// An independent copy that will author changes as `actor`.
    pub fn fork(&mut self, actor: &ActorId) -> Doc {
        let mut am = self.am.fork();
        am.set_actor(actor.clone());
        Doc::wrap(am)
    }

    /// The document as it was at `heads` (without the changes made after them), authoring as
    /// `actor`.
    pub fn fork_at(&mut self, heads: &[ChangeHash], actor: &ActorId) -> Result<Doc, LoadError> {
        let mut am = self.am.fork_at(heads).map_err(|e| LoadError(e.to_string()))?;
        am.set_actor(actor.clone());
        Ok(Doc::wrap(am))
    }

    /// The document's header fields.
    pub fn header(&self) -> Result<Header, ValidationError> {
        Header::read(self)
    }

    /// Marks the record deleted (`true`) or restores it (`false`).
    pub fn set_deleted(&mut self, deleted: bool) -> Result<(), automerge::AutomergeError> {
        if fields::bool(self, &automerge::ROOT, header::DELETED).unwrap_or(false) == deleted {
            return Ok(());
        }
        self.am_mut().put(automerge::ROOT, header::DELETED, deleted)
    }

    /// A stable rendering of the whole document as JSON, for comparing replicas.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(automerge::AutoSerde::from(&*self.am)).unwrap_or_default()
    }

    pub(crate) fn am(&self) -> &AutoCommit {
        &self.am
    }

    pub(crate) fn am_mut(&mut self) -> &mut AutoCommit {
        self.maps.get_mut().clear();
        &mut self.am
    }

    /// The value and object id at `key` of the map `obj`, from the map's cached entries.
    pub(crate) fn map_get(&self, obj: &ObjId, key: &str) -> Option<(Value<'static>, ObjId)> {
        let mut maps = self.maps.borrow_mut();
        let entries = maps.entry(obj.clone()).or_insert_with(|| {
            self.am.map_range(obj, ..).map(|i| (i.key.to_string(), i.value.clone().into_value(), i.id())).collect()
        });
        entries.iter().find(|(k, _, _)| k == key).map(|(_, v, id)| (v.clone(), id.clone()))
    }

    /// How many changes the document holds (for tests and diagnostics).
    pub fn change_count(&mut self) -> usize {
        self.am.get_changes(&[]).len()
    }

    /// The hex actor ids of the changes this document holds beyond `heads`.
    pub fn actors_since(&mut self, heads: &[ChangeHash]) -> Vec<String> {
        // Metadata only: materialising whole changes would re-encode their operations.
        self.am.get_changes_meta(heads).iter().map(|c| c.actor.to_hex_string()).collect()
    }

    /// Whether the document contains every change named in `heads`.
    pub fn has_heads(&mut self, heads: &[ChangeHash]) -> bool {
        heads.iter().all(|h| self.am.get_change_meta_by_hash(h).is_some())
    }

    /// The length in code points of a text field, 0 when absent.
    pub fn text_len(&self, key: &str) -> usize {
        fields::text(self, &automerge::ROOT, key).chars().count()
    }

    /// Whether the document has any keys at all (an empty doc is not a record).
    pub fn is_empty(&self) -> bool {
        self.am.keys(automerge::ROOT).next().is_none()
    }
}
