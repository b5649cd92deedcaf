//! What a person typed where an id is asked for: the id itself, a unique prefix of it, or the
//! record's name (a customer's name, a deal's or a report's title), whole or a unique part of it.
//! An unknown or ambiguous one is refused, naming the candidates.

use super::Store;
use crate::doc::Kind;
use crate::error::{Error, Result};

/// One way a row can match what was typed.
type Stage<'a> = &'a dyn Fn(&(String, String)) -> bool;

/// Finds the one row `query` means among `rows` of (id, label); `Ok(None)` when none matches.
fn resolve(kind: &'static str, query: &str, rows: &[(String, String)]) -> Result<Option<String>> {
    let q = query.trim();
    if q.is_empty() {
        return Err(Error::bad_input(format!("name a {kind}: its id, the start of its id, or its name")));
    }
    let lower = q.to_lowercase();
    // The id, then the start or end of an id (four characters or more), then the whole name, then a part
    // of a name. A part found in two names is ambiguous even when it starts one of them: `华为`
    // must not pick 华为终端 for someone who meant 上海华为.
    let stages: [Stage; 4] = [&|r| r.0 == lower, &|r| crate::ids::abbreviates(&r.0, &lower), &|r| r.1 == q, &|r| {
        r.1.to_lowercase().contains(&lower)
    }];
    for stage in stages {
        let hits: Vec<&(String, String)> = rows.iter().filter(|r| stage(r)).collect();
        match hits.as_slice() {
            [] => continue,
            [one] => return Ok(Some(one.0.clone())),
            many => {
                let list: Vec<String> =
                    many.iter().take(8).map(|(id, label)| format!("{label} (…{})", crate::ids::short(id))).collect();
                return Err(Error::bad_input(format!(
                    "`{q}` could be {} {kind}s: {}{}; give more of the name or the id",
                    many.len(),
                    list.join(", "),
                    if many.len() > 8 { ", …" } else { "" }
                )));
            }
        }
    }
    Ok(None)
}

impl Store {
    fn labelled(&self, sql: &str) -> Result<Vec<(String, String)>> {
        let mut st = self.conn.prepare_cached(sql)?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The id of the `kind` record `query` means: its id, the unique start or end of its id (four
    /// characters or more; `visit list` shows whole ids), its name or title whole, or a part of it found in no other (`华为` finds
    /// 上海华为技术有限公司 when no other customer has 华为 in its name). Live records are
    /// searched first, then deleted ones (so that `restore` takes a name too). Kinds without a
    /// name (followups, payments) go by id only.
    pub fn resolve(&self, kind: Kind, query: &str) -> Result<String> {
        let (table, label) = match kind {
            Kind::Customer => ("customers", "name"),
            Kind::Deal => ("deals", "title"),
            Kind::Report => ("reports", "title"),
            Kind::Contract => ("contracts", "COALESCE(title, id)"),
            Kind::Followup => ("followups", "id"),
            Kind::Payment => ("payments", "id"),
            Kind::Plan => ("plans", "id"),
            other => return Err(Error::bad_input(format!("{other} documents are not named on the command line"))),
        };
        for deleted in [0, 1] {
            let rows = self.labelled(&format!("SELECT id, {label} FROM {table} WHERE deleted = {deleted}"))?;
            if let Some(id) = resolve(kind.as_str(), query, &rows)? {
                return Ok(id);
            }
        }
        Err(Error::NotFound { kind: kind.as_str(), id: query.trim().to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<(String, String)> {
        vec![
            ("01a1aaaa-0000-7000-8000-000000000001".into(), "上海华为技术有限公司".into()),
            ("01a1bbbb-0000-7000-8000-000000000002".into(), "华为终端".into()),
            ("01a2cccc-0000-7000-8000-000000000003".into(), "阿里巴巴".into()),
        ]
    }

    #[test]
    fn ids_prefixes_names_and_parts() {
        let id = |q: &str| {
            resolve("customer", q, &rows()).and_then(|r| r.ok_or(Error::NotFound { kind: "customer", id: q.into() }))
        };
        assert_eq!(id("01a2cccc").unwrap(), rows()[2].0);
        assert_eq!(id("0003").unwrap(), rows()[2].0, "the end of an id");
        assert_eq!(id("阿里").unwrap(), rows()[2].0);
        assert_eq!(id("上海华为").unwrap(), rows()[0].0, "a part of one name only");
        assert_eq!(id("华为终端").unwrap(), rows()[1].0, "a whole name before parts of others");
        let two = id("华为").unwrap_err().to_string();
        assert!(two.contains("could be 2 customers") && two.contains("华为终端"), "{two}");
        assert!(matches!(id("腾讯"), Err(Error::NotFound { .. })));
        assert!(id("01a1").is_err(), "an ambiguous prefix");
    }
}
