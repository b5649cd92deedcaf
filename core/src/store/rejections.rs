//! Records the server refused, kept as state until the user resolves them: the refusal stays
//! listed with its reason (the record is not resent until it changes), and the user either takes
//! the server's copy — dropping the local changes it refused — or keeps the local text as a new
//! draft first.

use rusqlite::{params, OptionalExtension};

use super::documents::{self, decode_heads};
use super::{projection, Store};
use crate::codes::RefusalReason;
use crate::doc::{Kind, NewFollowup, Record};
use crate::error::{Error, Result};

/// A record the server refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub id: String,
    pub kind: Kind,
    /// The server's reason (stored and shown as `code: message`).
    pub reason: RefusalReason,
    /// Whether the server ever accepted this record (else taking its copy removes it here).
    pub on_server: bool,
}

impl Store {
    /// Every record the server refused, with why, until it is resolved.
    pub fn refused(&self) -> Result<Vec<Refused>> {
        let mut st = self.conn.prepare(
            "SELECT id, kind, rejected_reason, acked_heads IS NOT NULL FROM documents
             WHERE rejected_reason IS NOT NULL ORDER BY id",
        )?;
        let rows = st.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, kind, reason, on_server) = row?;
            let Some(kind) = Kind::parse(&kind) else { continue };
            out.push(Refused { id, kind, reason: RefusalReason::parse(&reason), on_server });
        }
        Ok(out)
    }

    /// Takes the server's copy of refused record `id`: the local changes the server has not
    /// accepted are dropped and the refusal is resolved. A record the server never accepted is
    /// removed from this device (`None`). A record the server did not refuse is left alone (an
    /// error): unsent work is never dropped this way.
    pub fn discard_local_changes(&mut self, id: &str) -> Result<Option<Record>> {
        let actor = self.identity()?.actor_id()?;
        let tx = self.write_tx()?;
        let row: Option<(String, Option<Vec<u8>>, bool)> = tx
            .query_row(
                "SELECT kind, acked_heads, rejected_reason IS NOT NULL FROM documents WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (kind, acked, refused) = row.ok_or_else(|| Error::NotFound { kind: "record", id: id.to_string() })?;
        if !refused {
            // Unsent work is never dropped by mistake: only a refusal is resolved this way.
            return Err(Error::bad_input(format!(
                "the server has not refused record {id}: there is nothing to resolve (its changes go at the next sync)"
            )));
        }
        let kind =
            Kind::parse(&kind).ok_or_else(|| Error::Corrupt { id: id.to_string(), reason: "unknown kind".into() })?;
        if kind.is_published() {
            return Err(Error::bad_input(format!("{kind} documents come from the server and have no local changes")));
        }
        let Some(acked) = acked else {
            tx.execute("DELETE FROM documents WHERE id = ?1", [id])?;
            projection::remove(&tx, kind, id)?;
            tx.commit()?;
            return Ok(None);
        };
        let mut doc = documents::load(&tx, id, Some(kind))?;
        let mut theirs = doc
            .fork_at(&decode_heads(&acked), &actor)
            .map_err(|e| Error::Corrupt { id: id.to_string(), reason: e.to_string() })?;
        let record = Record::read(&theirs).map_err(|e| Error::Corrupt { id: id.to_string(), reason: e.to_string() })?;
        tx.execute(
            "UPDATE documents SET bytes = ?2, heads = ?3, pending = 0, rejected_reason = NULL, rejected_heads = NULL,
                 change_seq = (SELECT MAX(change_seq) + 1 FROM documents)
             WHERE id = ?1",
            params![id, theirs.save(), acked],
        )?;
        projection::upsert(&tx, &record)?;
        tx.commit()?;
        Ok(Some(record))
    }

    /// Keeps what this device wrote in refused record `id` as a new record of this user — a
    /// report's sections as a new draft of the same kind and period, a visit as a new visit —
    /// then takes the server's copy of `id`. Returns the new record.
    pub fn keep_as_new(&mut self, id: &str) -> Result<Record> {
        let kept = match self.record(id)? {
            Record::Report(r) => {
                // The template it was made from, or the built-in one when the team dropped it.
                let mut new = match self.new_report_from(&r.template, Some(r.first)) {
                    Ok(n) => n,
                    Err(Error::NotFound { .. } | Error::BadInput(_)) => {
                        self.new_report(r.kind, Some(r.first), r.lang)?
                    }
                    Err(e) => return Err(e),
                };
                for s in r.sections.iter().filter(|s| !s.text.is_empty()) {
                    if new.find_section(&s.key).is_some() {
                        new = self.set_report_text(&new.header.id, &s.key, &s.text)?;
                    }
                }
                Record::Report(Box::new(new))
            }
            Record::Followup(f) => {
                let mut n = NewFollowup::new(&f.customer_id, f.kind, f.occurred_at, &f.note);
                n.deal_id = f.deal_id.clone();
                n.next_step = f.next_step.clone();
                n.next_followup_on = f.next_followup_on;
                n.checkin = f.checkin;
                Record::Followup(self.log_followup(n)?)
            }
            other => {
                return Err(Error::bad_input(format!(
                    "a {} cannot be kept as a new one: take the server's copy, then make the change again",
                    other.header().kind
                )))
            }
        };
        self.discard_local_changes(id)?;
        Ok(kept)
    }
}
