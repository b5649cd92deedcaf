//! The organisation as a tree of departments (部门): adding, renaming, moving and heading them,
//! and placing members in them. Every change is checked against the whole tree (one root, no
//! cycle, unique names) before it is written, and publishes the directory again.

use fieldreport_protocol::team::{below_pairs, Department, DeptTree, Person};

use super::Service;
use crate::error::{Result, ServerError};
use crate::model::User;
use crate::now_ms;
use crate::store::Db;

/// What `edit_department` changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeptEdit {
    pub name: Option<String>,
    /// Members (ids or names) who become heads.
    pub add_heads: Vec<String>,
    /// Members (ids or names) who stop being heads.
    pub remove_heads: Vec<String>,
}

/// Brings who sees whom below them up to date with the members and the tree: after any change
/// of either, in the same transaction.
pub(super) fn refresh_sees(db: &Db) -> Result<()> {
    let users = db.users()?;
    let tree = DeptTree::new(&db.departments()?);
    let people: Vec<Person> = users
        .iter()
        .map(|u| Person { id: &u.id, manager_id: u.manager_id.as_deref(), dept_id: u.dept_id.as_deref() })
        .collect();
    db.replace_sees(&below_pairs(&people, &tree))?;
    Ok(())
}

/// The department `query` means: its id, or its name whole.
pub(super) fn resolve_dept<'a>(depts: &'a [Department], query: &str) -> Result<&'a Department> {
    let q = query.trim();
    fieldreport_protocol::team::find_dept(depts, q).ok_or_else(|| {
        let known: Vec<&str> = depts.iter().map(|d| d.name.as_str()).take(20).collect();
        ServerError::NotFound(format!("no department `{q}` (departments: {})", known.join(", ")))
    })
}

/// The member `query` means: their id, or their name when one member has it.
pub(super) fn resolve_user(db: &Db, query: &str) -> Result<User> {
    let q = query.trim();
    if let Some(u) = db.user(q)? {
        return Ok(u);
    }
    let mut named: Vec<User> = db.users()?.into_iter().filter(|u| u.name == q).collect();
    match (named.pop(), named.len()) {
        (Some(u), 0) => Ok(u),
        (None, _) => Err(ServerError::NotFound(format!("no member `{q}` (give a name or an id from `user list`)"))),
        (Some(_), n) => {
            Err(ServerError::BadRequest(format!("{} members are named `{q}`: give the id (`user list`)", n + 1)))
        }
    }
}

/// The ids of `names`, each an active member.
fn heads(db: &Db, names: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for n in names {
        let u = resolve_user(db, n)?;
        if !u.active {
            return Err(ServerError::BadRequest(format!("{} is deactivated and cannot head a department", u.name)));
        }
        if !out.contains(&u.id) {
            out.push(u.id);
        }
    }
    Ok(out)
}

/// `depts` with `changed` in place of (or added to) its own id, if that is still a tree.
fn checked(depts: &[Department], changed: &Department) -> Result<()> {
    let mut next: Vec<Department> = depts.iter().filter(|d| d.id != changed.id).cloned().collect();
    next.push(changed.clone());
    match DeptTree::problem(&next) {
        Some(p) => Err(ServerError::BadRequest(p)),
        None => Ok(()),
    }
}

impl Service {
    /// Every department with its heads.
    pub fn departments(&self) -> Result<Vec<Department>> {
        self.store.read(|db| Ok(db.departments()?))
    }

    /// The department `query` names (an id, or a name whole).
    pub fn department(&self, query: &str) -> Result<Department> {
        let q = query.to_string();
        self.store.read(move |db| Ok(resolve_dept(&db.departments()?, &q)?.clone()))
    }

    /// Adds department `name` under `parent` (the root when `None`), headed by `heads`.
    pub fn add_department(&self, name: &str, parent: Option<&str>, head_names: &[String]) -> Result<Department> {
        let (name, parent, head_names) = (name.trim().to_string(), parent.map(str::to_string), head_names.to_vec());
        self.store.write(move |db| {
            let depts = db.departments()?;
            let tree = DeptTree::new(&depts);
            let parent = match &parent {
                Some(p) => resolve_dept(&depts, p)?.id.clone(),
                None => tree
                    .root()
                    .map(|r| r.id.clone())
                    .ok_or_else(|| ServerError::BadRequest("no team yet: run `init` (or `serve`) first".into()))?,
            };
            let d = Department {
                id: uuid::Uuid::now_v7().to_string(),
                name,
                parent_id: Some(parent),
                heads: heads(db, &head_names)?,
            };
            checked(&depts, &d)?;
            db.insert_department(&d, now_ms())?;
            refresh_sees(db)?;
            Ok(d)
        })
    }

    /// Renames department `query`, or changes its heads.
    pub fn edit_department(&self, query: &str, edit: DeptEdit) -> Result<Department> {
        let q = query.to_string();
        self.store.write(move |db| {
            let depts = db.departments()?;
            let mut d = resolve_dept(&depts, &q)?.clone();
            if let Some(n) = &edit.name {
                d.name = n.trim().to_string();
            }
            let gone = heads(db, &edit.remove_heads)?;
            d.heads.retain(|h| !gone.contains(h));
            for h in heads(db, &edit.add_heads)? {
                if !d.heads.contains(&h) {
                    d.heads.push(h);
                }
            }
            checked(&depts, &d)?;
            db.update_department(&d)?;
            refresh_sees(db)?;
            Ok(d)
        })
    }

    /// Moves department `query` (with its subtree) under `parent`.
    pub fn move_department(&self, query: &str, parent: &str) -> Result<Department> {
        let (q, p) = (query.to_string(), parent.to_string());
        self.store.write(move |db| {
            let depts = db.departments()?;
            let mut d = resolve_dept(&depts, &q)?.clone();
            if d.parent_id.is_none() {
                return Err(ServerError::BadRequest(format!("`{}` is the root: it has no parent to change", d.name)));
            }
            let target = resolve_dept(&depts, &p)?;
            if DeptTree::new(&depts).contains(&d.id, &target.id) {
                return Err(ServerError::BadRequest(format!(
                    "`{}` is inside `{}`: a department cannot move under its own subtree",
                    target.name, d.name
                )));
            }
            d.parent_id = Some(target.id.clone());
            checked(&depts, &d)?;
            db.update_department(&d)?;
            refresh_sees(db)?;
            Ok(d)
        })
    }

    /// Places member `user` (an id or a name) in department `dept` from now on; their figures
    /// until now stay with the department they were in.
    pub fn set_member_department(&self, user: &str, dept: &str) -> Result<User> {
        self.set_member_department_since(user, dept, None)
    }

    /// Places member `user` in department `dept` from `since` (UTC milliseconds, not in the
    /// future; default now): a team brought onto the server says where each member has been.
    pub fn set_member_department_since(&self, user: &str, dept: &str, since: Option<i64>) -> Result<User> {
        let (u, d) = (user.to_string(), dept.to_string());
        let now = now_ms();
        if since.is_some_and(|s| s > now) {
            return Err(ServerError::BadRequest("a member cannot move in the future: give a day up to today".into()));
        }
        self.store.write(move |db| {
            let mut user = resolve_user(db, &u)?;
            let dept = resolve_dept(&db.departments()?, &d)?.id.clone();
            if user.dept_id.as_deref() != Some(dept.as_str()) || since.is_some() {
                db.set_user_dept(&user.id, &dept, since.unwrap_or(now))?;
                user.dept_id = Some(dept);
                refresh_sees(db)?;
            }
            Ok(user)
        })
    }

    /// The member `query` names: their id, or their name when one member has it.
    pub fn find_user(&self, query: &str) -> Result<User> {
        let q = query.to_string();
        self.store.read(move |db| resolve_user(db, &q))
    }
}
