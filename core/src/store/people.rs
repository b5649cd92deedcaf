//! People on the device: the team directory the server published, names for ids, and who a
//! person typed means (an id, a name, or a unique prefix of either).

use rusqlite::OptionalExtension;

use super::Store;
use crate::codes::Role;
use crate::doc::Member;
use crate::error::{Error, Result};
use crate::report::Names;

fn member_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Member> {
    Ok(Member {
        id: r.get(0)?,
        name: r.get(1)?,
        role: Role::from_stored(&r.get::<_, String>(2)?),
        manager_id: r.get(3)?,
        active: r.get(4)?,
        phone: r.get(5)?,
        since: r.get(6)?,
        until: r.get(7)?,
        dept_id: r.get(8)?,
    })
}

const COLS: &str = "id, name, role, manager_id, active, phone, since, until, dept_id";

impl Store {
    /// The team's departments as the last sync brought them, by id (empty before the first
    /// sync, or from a server without departments).
    pub fn departments(&self) -> Result<Vec<crate::team::Department>> {
        let mut st = self.conn.prepare_cached("SELECT id, name, parent_id, heads FROM departments ORDER BY id")?;
        let rows = st
            .query_map([], |r| {
                Ok(crate::team::Department {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    parent_id: r.get(2)?,
                    heads: serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or_default(),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The team's members as the last sync brought them, by name (empty before the first sync).
    pub fn members(&self) -> Result<Vec<Member>> {
        let mut st = self.conn.prepare_cached(&format!("SELECT {COLS} FROM members ORDER BY name, id"))?;
        let rows = st.query_map([], member_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The member `id`, if the directory has them.
    pub fn member(&self, id: &str) -> Result<Option<Member>> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {COLS} FROM members WHERE id = ?1"))?
            .query_row([id], member_row)
            .optional()?)
    }

    /// Whether the team directory has reached this device.
    pub fn has_directory(&self) -> Result<bool> {
        Ok(self.conn.prepare_cached("SELECT 1 FROM members LIMIT 1")?.query_row([], |_| Ok(())).optional()?.is_some())
    }

    /// Names for ids, for whatever a person reads (an unknown id reads as itself).
    pub fn names(&self) -> Result<Names> {
        let mut st = self.conn.prepare_cached("SELECT id, name FROM members")?;
        let pairs = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut names = Names::default();
        for p in pairs {
            let (id, name) = p?;
            names.insert(id, name);
        }
        Ok(names)
    }

    /// The member `query` means: their id, their name, the unique start of their name, or the
    /// unique start or end of their id (ASCII case-insensitive). An unknown or ambiguous one is refused, naming the candidates.
    pub fn resolve_member(&self, query: &str) -> Result<Member> {
        let q = query.trim();
        if q.is_empty() {
            return Err(Error::bad_input("name a member: an id, a name, or the start of either"));
        }
        let all = self.members()?;
        if all.is_empty() {
            return Err(Error::bad_input(format!(
                "the team directory has not reached this device yet: sync once, then name `{q}` again"
            )));
        }
        let lower = q.to_lowercase();
        if let Some(m) = all.iter().find(|m| m.id == q || m.name == q) {
            // An exact name shared by two people is ambiguous too.
            let same: Vec<&Member> = all.iter().filter(|x| x.name == q).collect();
            if same.len() > 1 {
                return Err(ambiguous(q, &same));
            }
            return Ok(m.clone());
        }
        let hits: Vec<&Member> = all
            .iter()
            .filter(|m| crate::ids::abbreviates(&m.id, &lower) || m.name.to_lowercase().starts_with(&lower))
            .collect();
        match hits.as_slice() {
            [one] => Ok((*one).clone()),
            [] => {
                let known: Vec<String> = all.iter().filter(|m| m.active).take(12).map(|m| m.name.clone()).collect();
                Err(Error::bad_input(format!(
                    "no member matches `{q}` (members: {}{})",
                    known.join(", "),
                    if all.len() > 12 { ", …" } else { "" }
                )))
            }
            many => Err(ambiguous(q, many)),
        }
    }
}

fn ambiguous(q: &str, candidates: &[&Member]) -> Error {
    let list: Vec<String> =
        candidates.iter().take(10).map(|m| format!("{} (…{})", m.name, crate::ids::short(&m.id))).collect();
    Error::bad_input(format!("`{q}` could be {}: give more of the name or the id", list.join(" or ")))
}
