//! Departments: the tree, its heads, and where each member was when.

use fieldreport_protocol::team::Department;

use super::Db;
use crate::p;
use crate::store::ConnExt;
use crate::store::StoreResult as Result;

/// One stretch of a member's time in a department.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeptStint {
    pub user_id: String,
    pub dept_id: String,
    /// UTC milliseconds; `until` is none while they are there.
    pub since: i64,
    pub until: Option<i64>,
}

impl Db<'_> {
    /// Every department with its heads, by id.
    pub fn departments(&self) -> Result<Vec<Department>> {
        let mut depts = self.all("SELECT id, name, parent_id FROM departments ORDER BY id", p![], |r| {
            Ok(Department { id: r.text(0)?, name: r.text(1)?, parent_id: r.opt_text(2)?, heads: Vec::new() })
        })?;
        let heads = self.all("SELECT dept_id, user_id FROM department_heads ORDER BY dept_id, user_id", p![], |r| {
            Ok((r.text(0)?, r.text(1)?))
        })?;
        for (dept, user) in heads {
            if let Some(d) = depts.iter_mut().find(|d| d.id == dept) {
                d.heads.push(user);
            }
        }
        Ok(depts)
    }

    /// Adds a department (and so changes the directory).
    pub fn insert_department(&self, d: &Department, now: i64) -> Result<()> {
        self.exec_later(
            "INSERT INTO departments (id, name, parent_id, created_at) VALUES (?1, ?2, ?3, ?4)",
            p![&d.id, &d.name, d.parent_id.as_deref(), now],
        )?;
        self.set_heads(&d.id, &d.heads)?;
        self.bump_directory()
    }

    /// Replaces a department's name, parent and heads (and so the directory).
    pub fn update_department(&self, d: &Department) -> Result<()> {
        self.exec_later(
            "UPDATE departments SET name = ?2, parent_id = ?3 WHERE id = ?1",
            p![&d.id, &d.name, d.parent_id.as_deref()],
        )?;
        self.set_heads(&d.id, &d.heads)?;
        self.bump_directory()
    }

    fn set_heads(&self, dept: &str, heads: &[String]) -> Result<()> {
        self.exec_later("DELETE FROM department_heads WHERE dept_id = ?1", p![dept])?;
        for h in heads {
            self.exec_later(
                "INSERT INTO department_heads (dept_id, user_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                p![dept, h],
            )?;
        }
        Ok(())
    }

    /// Moves member `user` into department `dept` at `at`: their stint where they were ends
    /// then, and stints that began at or after `at` are replaced (a placement dated back, as
    /// when a team is brought onto the server); the directory changes.
    pub fn set_user_dept(&self, user: &str, dept: &str, at: i64) -> Result<()> {
        let now = at;
        self.exec_later("UPDATE users SET dept_id = ?2 WHERE id = ?1", p![user, dept])?;
        self.exec_later("DELETE FROM dept_history WHERE user_id = ?1 AND since >= ?2", p![user, now])?;
        self.exec_later(
            "UPDATE dept_history SET until = ?2 WHERE user_id = ?1 AND (until IS NULL OR until > ?2)",
            p![user, now],
        )?;
        self.exec_later(
            "INSERT INTO dept_history (user_id, dept_id, since, until) VALUES (?1, ?2, ?3, NULL)
             ON CONFLICT (user_id, since) DO UPDATE SET dept_id = excluded.dept_id, until = NULL",
            p![user, dept, now],
        )?;
        self.bump_directory()
    }

    /// Replaces who sees whom below them with `pairs` (viewer, owner): only the pairs that
    /// changed are deleted or inserted (a new rep is a few rows, not the company's), in batches.
    pub fn replace_sees(&self, pairs: &[(String, String)]) -> Result<()> {
        let now: std::collections::HashSet<(String, String)> =
            self.all("SELECT viewer, owner FROM sees", p![], |r| Ok((r.text(0)?, r.text(1)?)))?.into_iter().collect();
        let wanted: std::collections::HashSet<&(String, String)> = pairs.iter().collect();
        let gone: Vec<&(String, String)> = now.iter().filter(|p| !wanted.contains(p)).collect();
        let new: Vec<&(String, String)> = pairs.iter().filter(|p| !now.contains(*p)).collect();
        for (sql, rows) in [
            ("DELETE FROM sees WHERE (viewer, owner) IN (VALUES {})", &gone),
            ("INSERT INTO sees (viewer, owner) VALUES {} ON CONFLICT DO NOTHING", &new),
        ] {
            for chunk in rows.chunks(200) {
                let marks: Vec<String> =
                    (0..chunk.len()).map(|i| format!("(?{}, ?{})", 2 * i + 1, 2 * i + 2)).collect();
                let params: Vec<crate::store::Param> =
                    chunk.iter().flat_map(|(v, o)| [v.as_str().into(), o.as_str().into()]).collect();
                self.exec_later(&sql.replace("{}", &marks.join(", ")), &params)?;
            }
        }
        Ok(())
    }

    /// Whether `owner` is below `viewer` (their documents other than reports, their figures).
    pub fn sees(&self, viewer: &str, owner: &str) -> Result<bool> {
        Ok(self.opt("SELECT 1 FROM sees WHERE viewer = ?1 AND owner = ?2", p![viewer, owner], |r| r.int(0))?.is_some())
    }

    /// Everyone below `viewer`.
    pub fn seen_by(&self, viewer: &str) -> Result<Vec<String>> {
        self.all("SELECT owner FROM sees WHERE viewer = ?1 ORDER BY owner", p![viewer], |r| r.text(0))
    }

    /// Every member's stints in departments, by member and time.
    pub fn dept_history(&self) -> Result<Vec<DeptStint>> {
        self.all("SELECT user_id, dept_id, since, until FROM dept_history ORDER BY user_id, since", p![], stint)
    }

    /// Every stint of the members who were ever in one of `depts` (a department's figures read
    /// its subtree's members only, not the company's history), by member and time.
    pub fn dept_history_of(&self, depts: &[String]) -> Result<Vec<DeptStint>> {
        let mut out = Vec::new();
        // In chunks: the members of each chunk's departments, with all their stints.
        let mut seen = std::collections::HashSet::new();
        for chunk in depts.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("?{i}")).collect();
            let params: Vec<crate::store::Param> = chunk.iter().map(|d| d.as_str().into()).collect();
            let sql = format!(
                "SELECT user_id, dept_id, since, until FROM dept_history WHERE user_id IN
                     (SELECT user_id FROM dept_history WHERE dept_id IN ({}))
                 ORDER BY user_id, since",
                marks.join(", ")
            );
            for x in self.all(&sql, &params, stint)? {
                if seen.insert((x.user_id.clone(), x.since)) {
                    out.push(x);
                }
            }
        }
        out.sort_by(|a, b| a.user_id.cmp(&b.user_id).then(a.since.cmp(&b.since)));
        Ok(out)
    }
}

fn stint(r: &dyn crate::store::Row) -> crate::store::StoreResult<DeptStint> {
    Ok(DeptStint { user_id: r.text(0)?, dept_id: r.text(1)?, since: r.int(2)?, until: r.opt_int(3)? })
}
