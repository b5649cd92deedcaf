//! The fields every record carries: kind, id, team, owner, created_at, schema version, deleted.

use automerge::ROOT;
use serde::{Deserialize, Serialize};

use super::{fields, validation, Doc, Kind, ValidationError};

/// The schema version written into new documents.
pub const SCHEMA_VERSION: i64 = 1;

pub(crate) const KIND: &str = "kind";
pub(crate) const ID: &str = "id";
pub(crate) const TEAM: &str = "team";
pub(crate) const OWNER: &str = "owner";
pub(crate) const CREATED_AT: &str = "created_at";
pub(crate) const SCHEMA: &str = "schema";
pub(crate) const DELETED: &str = "deleted";

/// The common header of every record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub kind: Kind,
    /// UUIDv7 made on the device that created the record.
    pub id: String,
    pub team: String,
    /// The user who owns the record (a rep owns their customers, deals and followups).
    pub owner: String,
    /// UTC milliseconds.
    pub created_at: i64,
    pub schema: i64,
    /// Soft delete: a deleted record leaves lists and can be restored.
    pub deleted: bool,
}

impl Header {
    pub(crate) fn read(doc: &Doc) -> Result<Header, ValidationError> {
        let kind_name = fields::str(doc, &ROOT, KIND).ok_or(ValidationError::Required { field: KIND })?;
        let kind = Kind::parse(&kind_name)
            .ok_or_else(|| ValidationError::Invalid { field: KIND, reason: format!("unknown kind `{kind_name}`") })?;
        Ok(Header {
            kind,
            id: fields::str(doc, &ROOT, ID).unwrap_or_default(),
            team: fields::str(doc, &ROOT, TEAM).unwrap_or_default(),
            owner: fields::str(doc, &ROOT, OWNER).unwrap_or_default(),
            created_at: fields::i64(doc, &ROOT, CREATED_AT).unwrap_or_default(),
            schema: fields::i64(doc, &ROOT, SCHEMA).unwrap_or_default(),
            deleted: fields::bool(doc, &ROOT, DELETED).unwrap_or(false),
        })
    }

    /// Reads the header and checks it is a `expected` document.
    pub(crate) fn read_kind(doc: &Doc, expected: Kind) -> Result<Header, ValidationError> {
        let h = Header::read(doc)?;
        if h.kind != expected {
            return Err(ValidationError::WrongKind { expected: expected.as_str(), found: h.kind.to_string() });
        }
        Ok(h)
    }

    pub(crate) fn write(&self, doc: &mut Doc) -> Result<(), automerge::AutomergeError> {
        fields::put(doc, &ROOT, KIND, self.kind.as_str())?;
        fields::put(doc, &ROOT, ID, self.id.as_str())?;
        fields::put(doc, &ROOT, TEAM, self.team.as_str())?;
        fields::put(doc, &ROOT, OWNER, self.owner.as_str())?;
        fields::put(doc, &ROOT, CREATED_AT, self.created_at)?;
        fields::put(doc, &ROOT, SCHEMA, self.schema)?;
        fields::put(doc, &ROOT, DELETED, self.deleted)
    }

    pub(crate) fn validate(&self) -> Result<(), ValidationError> {
        validation::uuid(ID, &self.id)?;
        validation::required(TEAM, &self.team)?;
        validation::max_len(TEAM, &self.team, validation::MAX_NAME)?;
        validation::required(OWNER, &self.owner)?;
        validation::max_len(OWNER, &self.owner, validation::MAX_NAME)?;
        if self.schema < 1 || self.schema > SCHEMA_VERSION {
            return Err(ValidationError::Invalid {
                field: SCHEMA,
                reason: format!("schema {} is not supported (this build knows 1..={SCHEMA_VERSION})", self.schema),
            });
        }
        Ok(())
    }
}
