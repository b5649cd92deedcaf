//! The team directory: every member's id, name, role, manager, whether they are active, and
//! their phone (for robots' @mentions), authored by the server and read-only on devices, so a
//! device names people and checks recipients offline.
//!
//! One map per member under `members`, keyed by user id: a change to one member is a change of
//! a few fields (about 150 bytes on the wire), and a whole directory of 2,000 members is about
//! 30 KB compressed.

use automerge::{ObjType, ReadDoc, ROOT};
use serde::{Deserialize, Serialize};

use super::validation::{max_len, required, MAX_NAME};
use super::{fields, Doc, Header, Kind, ValidationError};
use crate::codes::Role;
use crate::team::Department;

const MEMBERS: &str = "members";
const DEPARTMENTS: &str = "departments";
const AS_OF: &str = "as_of";

/// One member of the team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Member {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub manager_id: Option<String>,
    /// A deactivated member keeps their name (old reports still name them) but cannot be sent
    /// reports.
    pub active: bool,
    pub phone: Option<String>,
    /// When they joined and when they were deactivated (UTC milliseconds; absent from the
    /// directories of older servers): reports are owed and targets count only in between.
    #[serde(default)]
    pub since: Option<i64>,
    #[serde(default)]
    pub until: Option<i64>,
    /// Their department (absent from the directories of older servers).
    #[serde(default)]
    pub dept_id: Option<String>,
}

impl Member {
    /// Their span of membership, when the directory says it.
    pub fn membership(&self) -> Option<crate::team::Membership> {
        self.since.map(|since| crate::team::Membership { since, until: self.until })
    }
}

/// The typed view of a directory document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Directory {
    #[serde(flatten)]
    pub header: Header,
    /// By id.
    pub members: Vec<Member>,
    /// The departments, by id (empty from older servers).
    #[serde(default)]
    pub departments: Vec<Department>,
    /// UTC milliseconds of the last change.
    pub as_of: i64,
}

impl Directory {
    /// A new directory document authored by `actor` (the server's).
    pub fn create(
        actor: &automerge::ActorId,
        header: &Header,
        members: &[Member],
        departments: &[Department],
        as_of: i64,
    ) -> Result<Doc, automerge::AutomergeError> {
        let mut doc = Doc::empty(actor);
        header.write(&mut doc)?;
        Self::write_members(&mut doc, members)?;
        Self::write_departments(&mut doc, departments)?;
        fields::put(&mut doc, &ROOT, AS_OF, as_of)?;
        doc.commit(as_of);
        Ok(doc)
    }

    /// Brings the document to `members`, changing only the fields that differ; returns false
    /// (and changes nothing) when it already says that.
    pub fn update(
        doc: &mut Doc,
        actor: &automerge::ActorId,
        members: &[Member],
        departments: &[Department],
        as_of: i64,
    ) -> Result<bool, automerge::AutomergeError> {
        let current = Self::read(doc).map(|d| (d.members, d.departments)).unwrap_or_default();
        let mut wanted = members.to_vec();
        wanted.sort_by(|a, b| a.id.cmp(&b.id));
        let mut depts = departments.to_vec();
        depts.sort_by(|a, b| a.id.cmp(&b.id));
        if current == (wanted.clone(), depts.clone()) {
            return Ok(false);
        }
        doc.set_actor(actor);
        Self::write_members(doc, &wanted)?;
        Self::write_departments(doc, &depts)?;
        fields::put(doc, &ROOT, AS_OF, as_of)?;
        Ok(doc.commit(as_of))
    }

    fn write_members(doc: &mut Doc, members: &[Member]) -> Result<(), automerge::AutomergeError> {
        let map = match fields::obj(doc, &ROOT, MEMBERS) {
            Some((m, ObjType::Map)) => m,
            _ => fields::put_map(doc, &ROOT, MEMBERS)?,
        };
        for m in members {
            let obj = match fields::obj(doc, &map, &m.id) {
                Some((o, ObjType::Map)) => o,
                _ => fields::put_map(doc, &map, &m.id)?,
            };
            if fields::str(doc, &obj, "name").as_deref() != Some(m.name.as_str()) {
                fields::put(doc, &obj, "name", m.name.as_str())?;
            }
            if fields::str(doc, &obj, "role").as_deref() != Some(m.role.as_str()) {
                fields::put(doc, &obj, "role", m.role.as_str())?;
            }
            if fields::str(doc, &obj, "manager") != m.manager_id {
                fields::put_opt(doc, &obj, "manager", m.manager_id.as_deref())?;
            }
            if fields::bool(doc, &obj, "active") != Some(m.active) {
                fields::put(doc, &obj, "active", m.active)?;
            }
            if fields::str(doc, &obj, "phone") != m.phone {
                fields::put_opt(doc, &obj, "phone", m.phone.as_deref())?;
            }
            if fields::i64(doc, &obj, "since") != m.since {
                fields::put_opt(doc, &obj, "since", m.since)?;
            }
            if fields::i64(doc, &obj, "until") != m.until {
                fields::put_opt(doc, &obj, "until", m.until)?;
            }
            if fields::str(doc, &obj, "dept") != m.dept_id {
                fields::put_opt(doc, &obj, "dept", m.dept_id.as_deref())?;
            }
        }
        Ok(())
    }

    /// Departments under one map keyed by id, each changed only where it differs (a rename is
    /// one field; the tree is not sent again).
    fn write_departments(doc: &mut Doc, depts: &[Department]) -> Result<(), automerge::AutomergeError> {
        if depts.is_empty() && fields::obj(doc, &ROOT, DEPARTMENTS).is_none() {
            return Ok(());
        }
        let map = match fields::obj(doc, &ROOT, DEPARTMENTS) {
            Some((m, ObjType::Map)) => m,
            _ => fields::put_map(doc, &ROOT, DEPARTMENTS)?,
        };
        for d in depts {
            let obj = match fields::obj(doc, &map, &d.id) {
                Some((o, ObjType::Map)) => o,
                _ => fields::put_map(doc, &map, &d.id)?,
            };
            if fields::str(doc, &obj, "name").as_deref() != Some(d.name.as_str()) {
                fields::put(doc, &obj, "name", d.name.as_str())?;
            }
            if fields::str(doc, &obj, "parent") != d.parent_id {
                fields::put_opt(doc, &obj, "parent", d.parent_id.as_deref())?;
            }
            if fields::str_list(doc, &obj, "heads") != d.heads {
                fields::put_str_list(doc, &obj, "heads", &d.heads)?;
            }
        }
        Ok(())
    }

    /// Reads the typed view; members sorted by id.
    pub fn read(doc: &Doc) -> Result<Directory, ValidationError> {
        let header = Header::read_kind(doc, Kind::Directory)?;
        let mut members = Vec::new();
        if let Some((map, ObjType::Map)) = fields::obj(doc, &ROOT, MEMBERS) {
            let ids: Vec<String> = doc.am().keys(&map).collect();
            for id in ids {
                let Some((obj, ObjType::Map)) = fields::obj(doc, &map, &id) else { continue };
                members.push(Member {
                    name: fields::str(doc, &obj, "name").unwrap_or_default(),
                    role: Role::from_stored(&fields::str(doc, &obj, "role").unwrap_or_default()),
                    manager_id: fields::str(doc, &obj, "manager"),
                    active: fields::bool(doc, &obj, "active").unwrap_or(true),
                    phone: fields::str(doc, &obj, "phone"),
                    since: fields::i64(doc, &obj, "since"),
                    until: fields::i64(doc, &obj, "until"),
                    dept_id: fields::str(doc, &obj, "dept"),
                    id,
                });
            }
        }
        members.sort_by(|a, b| a.id.cmp(&b.id));
        let mut departments = Vec::new();
        if let Some((map, ObjType::Map)) = fields::obj(doc, &ROOT, DEPARTMENTS) {
            let ids: Vec<String> = doc.am().keys(&map).collect();
            for id in ids {
                let Some((obj, ObjType::Map)) = fields::obj(doc, &map, &id) else { continue };
                departments.push(Department {
                    name: fields::str(doc, &obj, "name").unwrap_or_default(),
                    parent_id: fields::str(doc, &obj, "parent"),
                    heads: fields::str_list(doc, &obj, "heads"),
                    id,
                });
            }
        }
        departments.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Directory { header, members, departments, as_of: fields::i64(doc, &ROOT, AS_OF).unwrap_or_default() })
    }

    /// The header's checks, and every member named within the limits.
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.header.validate()?;
        for m in &self.members {
            required("member id", &m.id)?;
            max_len("member id", &m.id, MAX_NAME)?;
            required("member name", &m.name)?;
            max_len("member name", &m.name, MAX_NAME)?;
            max_len("member phone", m.phone.as_deref().unwrap_or(""), 50)?;
            max_len("member department", m.dept_id.as_deref().unwrap_or(""), MAX_NAME)?;
        }
        for d in &self.departments {
            required("department id", &d.id)?;
            max_len("department id", &d.id, MAX_NAME)?;
            required("department name", &d.name)?;
            max_len("department name", &d.name, MAX_NAME)?;
            if d.heads.len() > 100 {
                return Err(ValidationError::TooLong { field: "department heads", len: d.heads.len(), max: 100 });
            }
            for h in &d.heads {
                max_len("department head", h, MAX_NAME)?;
            }
        }
        Ok(())
    }
}
