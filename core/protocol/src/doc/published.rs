//! Documents the server authors and devices only read: the team configuration and KPI
//! snapshots. The body is JSON in one string field, replaced whole by the server when it
//! changes (devices never edit it, so there is nothing to merge inside it).

use automerge::{ActorId, ROOT};
use serde::{Deserialize, Serialize};

use super::{fields, Doc, Header, ValidationError};

const BODY: &str = "body";
const AS_OF: &str = "as_of";

/// Largest body, in bytes.
pub const MAX_BODY: usize = 512 * 1024;

/// The typed view of a configuration or snapshot document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Published {
    #[serde(flatten)]
    pub header: Header,
    /// JSON: a `team::TeamConfig`, or a `team::SnapshotBody`.
    pub body: String,
    /// UTC milliseconds the body was computed or applied.
    pub as_of: i64,
}

impl Published {
    /// A new document authored by `actor` (the server's).
    pub fn create(actor: &ActorId, header: &Header, body: &str, as_of: i64) -> Result<Doc, automerge::AutomergeError> {
        let mut doc = Doc::empty(actor);
        header.write(&mut doc)?;
        fields::put(&mut doc, &ROOT, BODY, body)?;
        fields::put(&mut doc, &ROOT, AS_OF, as_of)?;
        doc.commit(as_of);
        Ok(doc)
    }

    /// Replaces the body; returns false (and changes nothing) when it is the same.
    pub fn update(doc: &mut Doc, actor: &ActorId, body: &str, as_of: i64) -> Result<bool, automerge::AutomergeError> {
        if fields::str(doc, &ROOT, BODY).as_deref() == Some(body) {
            return Ok(false);
        }
        doc.set_actor(actor);
        fields::put(doc, &ROOT, BODY, body)?;
        fields::put(doc, &ROOT, AS_OF, as_of)?;
        Ok(doc.commit(as_of))
    }

    /// Reads the typed view.
    pub fn read(doc: &Doc) -> Result<Published, ValidationError> {
        let header = Header::read(doc)?;
        if !header.kind.is_published() {
            return Err(ValidationError::WrongKind { expected: "config or snapshot", found: header.kind.to_string() });
        }
        Ok(Published {
            header,
            body: fields::str(doc, &ROOT, BODY).unwrap_or_default(),
            as_of: fields::i64(doc, &ROOT, AS_OF).unwrap_or_default(),
        })
    }

    /// The header's checks, and a body that is JSON within [`MAX_BODY`].
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.header.validate()?;
        if self.body.len() > MAX_BODY {
            return Err(ValidationError::Invalid { field: BODY, reason: format!("over {MAX_BODY} bytes") });
        }
        serde_json::from_str::<serde_json::Value>(&self.body)
            .map_err(|e| ValidationError::Invalid { field: BODY, reason: format!("not JSON: {e}") })?;
        Ok(())
    }
}
