//! Departments (部门): the organisation as a tree — 销售总监 over regional managers over reps —
//! each with a name, a parent (none for the root, which is the team itself) and heads. Every
//! member is in one department. The server keeps the tree; the directory carries it to devices.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// One department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Department {
    pub id: String,
    pub name: String,
    /// `None` for the root (the whole team).
    pub parent_id: Option<String>,
    /// Its heads (user ids): they see the whole subtree, as a manager sees direct reports.
    pub heads: Vec<String>,
}

/// Longest department name, in characters.
pub const MAX_DEPT_NAME: usize = 100;

/// Deepest a tree may go (the root is depth 0): deep enough for any company's chart, shallow
/// enough that walking up never costs much.
pub const MAX_DEPTH: usize = 16;

/// The department `query` names: its id, else its name whole (surrounding spaces ignored). The
/// one way every surface — CLI, API, configuration, robots, devices — reads a department.
pub fn find_dept<'a>(depts: &'a [Department], query: &str) -> Option<&'a Department> {
    let q = query.trim();
    depts.iter().find(|d| d.id == q).or_else(|| depts.iter().find(|d| d.name == q))
}

/// A set of departments read as a tree.
#[derive(Debug, Clone, Default)]
pub struct DeptTree {
    by_id: HashMap<String, Department>,
    children: HashMap<String, Vec<String>>,
}

impl DeptTree {
    /// The tree of `depts` (each one's children in name order).
    pub fn new(depts: &[Department]) -> DeptTree {
        let by_id: HashMap<String, Department> = depts.iter().map(|d| (d.id.clone(), d.clone())).collect();
        let mut children: HashMap<String, Vec<String>> = HashMap::new();
        let mut sorted: Vec<&Department> = depts.iter().collect();
        sorted.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        for d in sorted {
            if let Some(p) = &d.parent_id {
                children.entry(p.clone()).or_default().push(d.id.clone());
            }
        }
        DeptTree { by_id, children }
    }

    /// Department `id`.
    pub fn get(&self, id: &str) -> Option<&Department> {
        self.by_id.get(id)
    }

    /// The root (the department without a parent; the first by id when a damaged tree has
    /// several).
    pub fn root(&self) -> Option<&Department> {
        self.by_id.values().filter(|d| d.parent_id.is_none()).min_by(|a, b| a.id.cmp(&b.id))
    }

    /// `id` and its ancestors up to the root, nearest first (stops at a cycle or a missing
    /// parent).
    pub fn up(&self, id: &str) -> Vec<&Department> {
        let mut out: Vec<&Department> = Vec::new();
        let mut at = self.by_id.get(id);
        while let Some(d) = at {
            if out.iter().any(|x| x.id == d.id) || out.len() > MAX_DEPTH {
                break;
            }
            out.push(d);
            at = d.parent_id.as_deref().and_then(|p| self.by_id.get(p));
        }
        out
    }

    /// `id` and every department below it, parents before children.
    pub fn subtree(&self, id: &str) -> Vec<&Department> {
        let mut out: Vec<&Department> = Vec::new();
        let mut stack: Vec<&str> = vec![id];
        while let Some(at) = stack.pop() {
            let Some(d) = self.by_id.get(at) else { continue };
            if out.iter().any(|x| x.id == d.id) {
                continue;
            }
            out.push(d);
            if let Some(kids) = self.children.get(at) {
                stack.extend(kids.iter().rev().map(String::as_str));
            }
        }
        out
    }

    /// The direct children of `id`, by name.
    pub fn children(&self, id: &str) -> Vec<&Department> {
        self.children.get(id).map(|k| k.iter().filter_map(|c| self.by_id.get(c)).collect()).unwrap_or_default()
    }

    /// How deep `id` is (the root is 0).
    pub fn depth(&self, id: &str) -> usize {
        self.up(id).len().saturating_sub(1)
    }

    /// Whether `ancestor` is `id` or above it.
    pub fn contains(&self, ancestor: &str, id: &str) -> bool {
        self.up(id).iter().any(|d| d.id == ancestor)
    }

    /// The departments `user` heads.
    pub fn headed_by(&self, user: &str) -> Vec<&Department> {
        let mut v: Vec<&Department> = self.by_id.values().filter(|d| d.heads.iter().any(|h| h == user)).collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }

    /// `Root / 华东 / 上海` — the names from the root down.
    pub fn path(&self, id: &str) -> String {
        let mut names: Vec<&str> = self.up(id).iter().map(|d| d.name.as_str()).collect();
        names.reverse();
        names.join(" / ")
    }

    /// Why the departments cannot stand as a tree, if they cannot: one root, every parent
    /// there, no cycle, at most [`MAX_DEPTH`] deep, names given and unique.
    pub fn problem(depts: &[Department]) -> Option<String> {
        let tree = DeptTree::new(depts);
        let roots = depts.iter().filter(|d| d.parent_id.is_none()).count();
        if roots != 1 {
            return Some(format!("a tree has one root department, not {roots}"));
        }
        let mut names: Vec<&str> = Vec::new();
        for d in depts {
            let name = d.name.trim();
            if name.is_empty() || name.chars().count() > MAX_DEPT_NAME {
                return Some(format!("department {}: a name of 1 to {MAX_DEPT_NAME} characters is required", d.id));
            }
            if crate::text::forbidden_char(name).is_some() {
                return Some(format!("department `{}`: a name holds no control characters", name.escape_debug()));
            }
            if names.contains(&name) {
                return Some(format!("two departments are named `{name}`: names are unique"));
            }
            names.push(name);
            if let Some(p) = &d.parent_id {
                if tree.get(p).is_none() {
                    return Some(format!("department `{}` has a parent that does not exist ({p})", d.name));
                }
            }
            let up = tree.up(&d.id);
            if up.last().is_none_or(|top| top.parent_id.is_some()) {
                return Some(format!("department `{}` is in a cycle or too deep (at most {MAX_DEPTH} levels)", d.name));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(id: &str, name: &str, parent: Option<&str>, heads: &[&str]) -> Department {
        Department {
            id: id.into(),
            name: name.into(),
            parent_id: parent.map(String::from),
            heads: heads.iter().map(|h| h.to_string()).collect(),
        }
    }

    fn company() -> Vec<Department> {
        vec![
            d("root", "华东销售", None, &["director"]),
            d("sh", "上海区", Some("root"), &["mgr-sh"]),
            d("hz", "杭州区", Some("root"), &["mgr-hz"]),
            d("pd", "浦东组", Some("sh"), &[]),
        ]
    }

    #[test]
    fn a_tree_reads_up_and_down() {
        let depts = company();
        let t = DeptTree::new(&depts);
        assert_eq!(DeptTree::problem(&depts), None);
        assert_eq!(t.root().unwrap().id, "root");
        assert_eq!(t.up("pd").iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), ["pd", "sh", "root"]);
        assert_eq!(t.subtree("root").iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), ["root", "sh", "pd", "hz"]);
        assert_eq!(t.children("root").iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["上海区", "杭州区"]);
        assert_eq!(t.path("pd"), "华东销售 / 上海区 / 浦东组");
        assert_eq!((t.depth("root"), t.depth("pd")), (0, 2));
        assert!(t.contains("sh", "pd") && !t.contains("hz", "pd") && t.contains("pd", "pd"));
        assert_eq!(t.headed_by("mgr-sh")[0].id, "sh");
    }

    #[test]
    fn what_is_not_a_tree_is_named() {
        let mut two_roots = company();
        two_roots[2].parent_id = None;
        assert!(DeptTree::problem(&two_roots).unwrap().contains("one root"));
        let mut cycle = company();
        cycle[1].parent_id = Some("pd".into());
        assert!(DeptTree::problem(&cycle).unwrap().contains("cycle"));
        let mut orphan = company();
        orphan[3].parent_id = Some("gone".into());
        assert!(DeptTree::problem(&orphan).unwrap().contains("does not exist"));
        let mut twins = company();
        twins[3].name = "上海区".into();
        assert!(DeptTree::problem(&twins).unwrap().contains("unique"));
        let mut control = company();
        control[3].name = "浦东\u{1b}[2J".into();
        assert!(DeptTree::problem(&control).unwrap().contains("control"), "a name every device can show");
        let deep: Vec<Department> = (0..=MAX_DEPTH + 1)
            .map(|i| d(&format!("d{i}"), &format!("第{i}层"), (i > 0).then(|| format!("d{}", i - 1)).as_deref(), &[]))
            .collect();
        assert!(DeptTree::problem(&deep).unwrap().contains("too deep"));
    }
}
