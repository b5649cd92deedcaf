//! Whose figures a viewer may see: an admin the whole team, a manager or a department's head
//! everyone below them (their chain of reports and the members of the departments they head,
//! down the tree), a rep themself.

use super::Source;
use crate::error::{Result, ServerError};
use crate::model::{Role, User};

/// The members whose figures are shown, and the whole team's reps (for team averages).
#[derive(Debug, Clone)]
pub struct Scope {
    pub members: Vec<User>,
    pub team: Vec<User>,
}

impl Scope {
    /// What `viewer` may see (`None`: the server's own administration, which sees all), narrowed
    /// to `only` when given; naming a user outside the viewer's team is forbidden.
    pub fn of(storage: &dyn Source, viewer: Option<&User>, only: Option<&str>) -> Result<Scope> {
        let users = storage.directory()?;
        let team: Vec<User> = users.iter().filter(|u| u.role == Role::Rep).cloned().collect();
        let mut members: Vec<User> = match viewer {
            None => team.clone(),
            Some(v) if v.role == Role::Admin => team.clone(),
            Some(v) => {
                let below = storage.seen_by(&v.id)?;
                if below.is_empty() {
                    vec![v.clone()]
                } else {
                    users.iter().filter(|u| below.contains(&u.id)).cloned().collect()
                }
            }
        };
        if let Some(id) = only {
            let id = id.trim();
            if !users.iter().any(|u| u.id == id) {
                return Err(ServerError::NotFound(format!("no user with id {id} (see `user list`)")));
            }
            let visible = members.iter().any(|u| u.id == id) || viewer.is_some_and(|v| v.id == id);
            if !visible {
                return Err(ServerError::Forbidden(format!("user {id} is not in your team")));
            }
            members = users.into_iter().filter(|u| u.id == id).collect();
        }
        Ok(Scope { members, team })
    }

    /// The members of department `dept` (a name or an id) and every department below it, as
    /// they are now.
    pub fn of_dept(storage: &dyn Source, dept: &str) -> Result<Scope> {
        Self::of_dept_for(storage, None, dept)
    }

    /// [`Scope::of_dept`], for `viewer`: an admin, or a head of the department or one above it.
    pub fn of_dept_for(storage: &dyn Source, viewer: Option<&User>, dept: &str) -> Result<Scope> {
        let users = storage.directory()?;
        let depts = storage.departments()?;
        let tree = fieldreport_protocol::team::DeptTree::new(&depts);
        let d = super::department::find(&depts, dept)?;
        super::department::may_read(&tree, &d, viewer)?;
        let subtree: Vec<&str> = tree.subtree(&d.id).iter().map(|x| x.id.as_str()).collect();
        let team: Vec<User> = users.iter().filter(|u| u.role == Role::Rep).cloned().collect();
        let members =
            users.into_iter().filter(|u| u.dept_id.as_deref().is_some_and(|x| subtree.contains(&x))).collect();
        Ok(Scope { members, team })
    }

    /// The members' ids.
    pub(crate) fn member_ids(&self) -> Vec<String> {
        self.members.iter().map(|u| u.id.clone()).collect()
    }
}
