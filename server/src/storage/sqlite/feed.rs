//! Pages of the change feed: the documents a device may receive, after its cursor, within its
//! byte budget, sent as the changes it lacks.

use fieldreport_core::doc::{Doc, Kind};
use std::collections::HashMap;

use fieldreport_core::sync::wire::{Pull, Push, PushResult, SyncResponse};
use rusqlite::{params, Connection, OptionalExtension};

use super::cache::DocCache;
use super::{decode_heads, encode_heads};
use crate::error::{Result, ServerError};
use crate::storage::Caller;

/// Most feed rows looked at for one page.
const PAGE_ROWS: i64 = 2_000;

/// The documents a user may receive with `seq` > ?1, as (id, kind, seq, size, heads), each branch on
/// an index so a sync costs what changed for this user, not what changed in the team. ?2 is the
/// role, ?3 the user: an admin sees everything; everyone sees their own documents and the team
/// configuration (owned by `server`: the owner in the condition keeps that branch on the
/// (owner, kind, seq) index instead of every document changed since the cursor); a manager also
/// sees their direct reports' non-report documents and the reports addressed to them.
const VISIBLE: &str = "
    SELECT id, kind, seq, size, heads FROM docs WHERE ?2 = 'admin' AND seq > ?1
    UNION
    SELECT id, kind, seq, size, heads FROM docs WHERE ?2 != 'admin' AND owner = ?3 AND seq > ?1
    UNION
    SELECT id, kind, seq, size, heads FROM docs WHERE ?2 != 'admin' AND owner = 'server' AND kind = 'config' AND seq > ?1
    UNION
    SELECT d.id, d.kind, d.seq, d.size, d.heads FROM users u JOIN docs d ON d.owner = u.id
        WHERE ?2 != 'admin' AND u.manager_id = ?3 AND d.seq > ?1 AND d.kind != 'report'
    UNION
    SELECT d.id, d.kind, d.seq, d.size, d.heads FROM recipients r JOIN docs d ON d.id = r.doc_id
        WHERE ?2 != 'admin' AND r.user_id = ?3 AND d.seq > ?1";

/// One page of the feed. The limit is written into the statement, not bound: SQLite plans a
/// statement again each time a bound LIMIT is set, which cost more than the query itself.
fn page_sql() -> String {
    format!("SELECT id, kind, seq, size, heads FROM ({VISIBLE}) ORDER BY seq LIMIT {PAGE_ROWS}")
}

/// How many documents and bytes remain visible after a position.
fn count_sql() -> String {
    format!("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM ({VISIBLE})")
}

/// The stored encoding of document `id`.
fn stored_bytes(conn: &Connection, id: &str) -> Result<Vec<u8>> {
    Ok(conn.prepare_cached("SELECT bytes FROM docs WHERE id = ?1")?.query_row([id], |r| r.get(0))?)
}

/// The documents whose merged heads are exactly what the device pushed (nobody else changed
/// them meanwhile): the device holds them as the server does. Encoded heads by id.
pub(super) fn held(pushes: &[Push], results: &[PushResult]) -> HashMap<String, Vec<u8>> {
    pushes
        .iter()
        .zip(results)
        .filter_map(|(p, r)| match r {
            PushResult::Accepted { id, heads } if *heads == p.heads => Some((id.clone(), encode_heads(heads))),
            _ => None,
        })
        .collect()
}

/// The next page of `caller`'s feed after `cursor`, with `results` of their pushes. `held`:
/// documents the device is known to hold at given heads (its own pushes of this request),
/// passed over without a lookup.
pub(super) fn page(
    conn: &Connection,
    cache: &DocCache,
    caller: &Caller,
    cursor: u64,
    max_bytes: u64,
    results: Vec<PushResult>,
    held: &HashMap<String, Vec<u8>>,
) -> Result<SyncResponse> {
    let device = caller.device.id.as_str();
    // A page of the change feed.
    let role = caller.user.role.as_str();
    let user = caller.user.id.as_str();
    let rows: Vec<(String, String, i64, i64, Vec<u8>)> = conn
        .prepare_cached(&page_sql())?
        .query_map(params![cursor as i64, role, user], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<Result<_, _>>()?;
    let budget = max_bytes.max(1);
    let mut docs = Vec::new();
    let mut used = 0u64;
    let mut last_seq = cursor as i64;
    let mut more = rows.len() as i64 == PAGE_ROWS;
    for (id, kind, seq, len, heads) in rows {
        if !docs.is_empty() && used + len as u64 > budget {
            more = true;
            break;
        }
        if held.get(&id) == Some(&heads) {
            // Just pushed by this device: it holds exactly this.
            last_seq = seq;
            continue;
        }
        // What this device is known to hold of the document; the document itself only when
        // something is to be sent.
        let known: Option<Vec<u8>> = conn
            .prepare_cached("SELECT heads FROM device_docs WHERE device_id = ?1 AND doc_id = ?2")?
            .query_row(params![device, id], |r| r.get::<_, Option<Vec<u8>>>(0))
            .optional()?
            .flatten();
        last_seq = seq;
        let changes = match known {
            Some(k) if k == heads => continue, // the device already holds exactly this
            Some(k) => match cache.take(&id) {
                // The cached document is the stored one: skip loading it.
                Some(mut s) => {
                    let changes = s.doc.save_after(&decode_heads(&k));
                    cache.put(id.clone(), s);
                    changes
                }
                None => {
                    let mut doc = Doc::load_trusted(&stored_bytes(conn, &id)?)
                        .map_err(|e| ServerError::Internal(format!("stored document {id}: {e}")))?;
                    doc.save_after(&decode_heads(&k))
                }
            },
            None => stored_bytes(conn, &id)?,
        };
        used += changes.len() as u64;
        conn.prepare_cached(
            "INSERT INTO device_docs (device_id, doc_id, sent_heads, sent_seq) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(device_id, doc_id) DO UPDATE SET sent_heads = excluded.sent_heads, sent_seq = excluded.sent_seq",
        )?
        .execute(params![device, id, heads, seq])?;
        let kind =
            Kind::parse(&kind).ok_or_else(|| ServerError::Internal(format!("stored document {id} has kind {kind}")))?;
        docs.push(Pull { id, kind, heads: decode_heads(&heads), changes });
    }
    let (cursor, remaining_docs, remaining_bytes) = if more {
        let (n, b): (i64, i64) = conn
            .prepare_cached(&count_sql())?
            .query_row(params![last_seq, role, user], |r| Ok((r.get(0)?, r.get(1)?)))?;
        (last_seq as u64, n as u64, b as u64)
    } else {
        // Nothing visible remains: jump to the head of the feed so invisible rows are not
        // looked at again.
        let head: i64 = conn.prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM docs")?.query_row([], |r| r.get(0))?;
        (head.max(last_seq).max(cursor as i64) as u64, 0, 0)
    };
    Ok(SyncResponse { results, cursor, more, remaining_docs, remaining_bytes, docs })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::StatementStatus;

    /// A bound LIMIT makes SQLite plan the statement again on every run (the planner uses the
    /// limit's value, so binding it expires the plan): the page query must not have one.
    #[test]
    fn the_page_query_is_planned_once_for_every_caller() {
        let conn = Connection::open_in_memory().unwrap();
        super::super::create_schema(&conn).unwrap();
        for sql in [page_sql(), count_sql()] {
            let mut st = conn.prepare(&sql).unwrap();
            for (role, user) in [("rep", "a"), ("manager", "b"), ("admin", "c"), ("rep", "d")] {
                let n = st.query_map(params![0i64, role, user], |_| Ok(())).unwrap().count();
                assert!(n <= 1);
            }
            assert_eq!(st.get_status(StatementStatus::RePrepare), 0, "{sql}");
        }
    }
}
