//! The manager's week from the server's command line: 催交 (nudge a member for a report).

use fieldreport_server::model::Role;
use fieldreport_server::{ServerError, Service};
use serde_json::json;

use crate::print;

/// `nudge USER --kind K --period P [--by ID]`: asks `user` for a report, as `by` (the team's
/// first admin when not given). JSON: the nudge `{id, user_id, by_id, kind, first, last, at}`.
pub fn nudge(s: &Service, user: &str, kind: &str, period: &str, by: Option<&str>, j: bool) -> Result<(), ServerError> {
    let by = match by {
        Some(id) => {
            s.user(id)?.ok_or_else(|| ServerError::NotFound(format!("no user with id {id} (see `user list`)")))?
        }
        None => s
            .users()?
            .into_iter()
            .find(|u| u.role == Role::Admin && u.active)
            .ok_or_else(|| ServerError::BadRequest("the team has no active admin: pass --by USER_ID".into()))?,
    };
    let n = s.nudge(&by, user, kind, period)?;
    let name = s.user(&n.user_id)?.map(|u| u.name).unwrap_or_else(|| n.user_id.clone());
    let line = format!("{} nudged {name} for the {} report of {}..{}", by.name, n.kind, n.first, n.last);
    print(j, json!(n), vec![line]);
    Ok(())
}

/// Whose rows an export holds: one member's, one department's, or everyone's.
pub struct Who<'a> {
    pub user: Option<&'a str>,
    pub dept: Option<&'a str>,
}

/// `export`: writes the export to `out` (XLSX or CSV by `format`). JSON: `{rows, out}`.
#[allow(clippy::too_many_arguments)]
pub fn export(
    s: &Service,
    what: &str,
    period: &str,
    who: Who,
    format: &str,
    out: &std::path::Path,
    lang: &str,
    j: bool,
) -> Result<(), ServerError> {
    use fieldreport_server::export::{CsvSink, FileFormat, Request, XlsxSink};
    let req = Request {
        what: what.parse()?,
        period: period.parse()?,
        dept: who.dept.map(str::to_string),
        user: who.user.map(str::to_string),
        lang: lang.parse().map_err(ServerError::Protocol)?,
    };
    let format: FileFormat = format.parse()?;
    let cant = |e: std::io::Error| ServerError::Setup(format!("cannot write {}: {e}", out.display()));
    let rows = match format {
        FileFormat::Xlsx => {
            let mut sink = XlsxSink::new(req.what.as_str())?;
            let rows = s.export(None, &req, &mut sink)?;
            sink.save(out)?;
            rows
        }
        FileFormat::Csv => {
            let file = std::io::BufWriter::new(std::fs::File::create(out).map_err(cant)?);
            let mut sink = CsvSink::new(file)?;
            let rows = s.export(None, &req, &mut sink)?;
            sink.finish()?;
            rows
        }
    };
    print(
        j,
        json!({"rows": rows, "out": out.display().to_string()}),
        vec![format!("{rows} rows written to {}", out.display())],
    );
    Ok(())
}
