//! The change feed as one user may read it: documents after a position, in position order.
//! The rule of who sees what is stated in `policy::visibility` and held equal to these queries
//! by the conformance suite.

use super::Db;
use crate::model::Role;
use crate::p;
use crate::store::ConnExt;
use crate::store::StoreResult as Result;

/// Whose feed is read.
#[derive(Debug, Clone, Copy)]
pub struct Visibility<'a> {
    pub role: Role,
    pub user: &'a str,
}

/// One document in a feed page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRow {
    pub id: String,
    pub kind: String,
    pub seq: i64,
    pub size: i64,
    /// Encoded heads.
    pub heads: Vec<u8>,
}

/// The documents a user may receive with `seq` > ?1, as (id, kind, seq, size, heads), each
/// branch on an index so a sync costs what changed for this user, not what changed in the team.
/// ?2 is the role, ?3 the user: an admin sees everything; everyone sees their own documents and
/// the team configuration and directory (owned by `server`: the owner in the condition keeps that branch on
/// the (owner, kind, seq) index instead of every document changed since the cursor); and the
/// non-report documents of everyone below them (`sees`: their chain of reports and the members
/// of the departments they head) and the reports addressed to them.
const VISIBLE: &str = "
    SELECT id, kind, seq, size, heads FROM docs WHERE ?2 = 'admin' AND seq > ?1
    UNION
    SELECT id, kind, seq, size, heads FROM docs WHERE ?2 <> 'admin' AND owner = ?3 AND seq > ?1
    UNION
    SELECT id, kind, seq, size, heads FROM docs WHERE ?2 <> 'admin' AND owner = 'server' AND kind IN ('config', 'directory') AND seq > ?1
    UNION
    SELECT d.id, d.kind, d.seq, d.size, d.heads FROM sees s JOIN docs d ON d.owner = s.owner
        WHERE ?2 <> 'admin' AND s.viewer = ?3 AND d.seq > ?1 AND d.kind <> 'report'
    UNION
    SELECT d.id, d.kind, d.seq, d.size, d.heads FROM recipients r JOIN docs d ON d.id = r.doc_id
        WHERE ?2 <> 'admin' AND r.user_id = ?3 AND d.seq > ?1";

/// Most feed rows looked at for one page.
pub const PAGE_ROWS: i64 = 2_000;

/// One page of the feed. The limit is written into the statement, not bound: SQLite plans a
/// statement again each time a bound LIMIT is set, which cost more than the query itself.
pub(crate) fn page_sql() -> String {
    format!("SELECT id, kind, seq, size, heads FROM ({VISIBLE}) v ORDER BY seq LIMIT {PAGE_ROWS}")
}

/// How many documents and bytes remain visible after a position.
pub(crate) fn count_sql() -> String {
    format!("SELECT COUNT(*), CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM ({VISIBLE}) v")
}

impl Db<'_> {
    /// Up to [`PAGE_ROWS`] documents `v` may see after position `after`, in position order.
    pub fn feed_page(&self, v: Visibility, after: i64) -> Result<Vec<FeedRow>> {
        self.all(&page_sql(), p![after, v.role.as_str(), v.user], |r| {
            Ok(FeedRow { id: r.text(0)?, kind: r.text(1)?, seq: r.int(2)?, size: r.int(3)?, heads: r.blob(4)? })
        })
    }

    /// Who may see something stored at a position in `after..=upto`: the documents' owners
    /// (`server` for the team's configuration and directory, which everyone sees), whoever sees
    /// them (`sees`) for all but reports, and the reports' recipients. Admins, who see
    /// everything, are not listed. Costs what was stored in the range, not the team's size: what
    /// a process asks once per commit to wake the requests waiting for news.
    pub fn feed_audience(&self, after: i64, upto: i64) -> Result<Vec<String>> {
        self.all(
            "SELECT owner FROM docs WHERE seq > ?1 AND seq <= ?2
             UNION
             SELECT s.viewer FROM docs d JOIN sees s ON s.owner = d.owner
                 WHERE d.seq > ?1 AND d.seq <= ?2 AND d.kind <> 'report'
             UNION
             SELECT r.user_id FROM docs d JOIN recipients r ON r.doc_id = d.id WHERE d.seq > ?1 AND d.seq <= ?2",
            p![after, upto],
            |r| r.text(0),
        )
    }

    /// How many documents (and bytes) `v` may see after position `after`.
    pub fn feed_remaining(&self, v: Visibility, after: i64) -> Result<(i64, i64)> {
        self.one(&count_sql(), p![after, v.role.as_str(), v.user], |r| Ok((r.int(0)?, r.int(1)?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::{Connection, StatementStatus};

    /// A bound LIMIT makes SQLite plan the statement again on every run (the planner uses the
    /// limit's value, so binding it expires the plan): the page query must not have one.
    #[test]
    fn the_page_query_is_planned_once_for_every_caller() {
        let conn = Connection::open_in_memory().unwrap();
        crate::store::sqlite::create_schema(&conn).unwrap();
        for sql in [page_sql(), count_sql()] {
            let mut st = conn.prepare(&sql).unwrap();
            for (role, user) in [("rep", "a"), ("manager", "b"), ("admin", "c"), ("rep", "d")] {
                let n = st.query_map(rusqlite::params![0i64, role, user], |_| Ok(())).unwrap().count();
                assert!(n <= 1);
            }
            assert_eq!(st.get_status(StatementStatus::RePrepare), 0, "{sql}");
        }
    }
}
