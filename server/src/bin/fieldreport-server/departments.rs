//! The `dept` commands: the organisation's tree of departments, by names as well as ids.

use clap::Subcommand;
use fieldreport_protocol::team::{Department, DeptTree};
use fieldreport_protocol::text::table;
use fieldreport_server::service::DeptEdit;
use fieldreport_server::{ServerError, Service};
use serde_json::json;

use crate::print;

#[derive(Debug, Subcommand)]
pub enum DeptCmd {
    /// Add a department; prints its id.
    Add {
        /// Its name (unique in the team).
        name: String,
        /// The department it sits in: name or id (default the root, the whole team).
        #[arg(long)]
        parent: Option<String>,
        /// A head (repeatable): a member's name or id. Heads see the whole subtree.
        #[arg(long = "head")]
        heads: Vec<String>,
    },
    /// Rename a department or change its heads.
    Edit {
        /// The department: name or id.
        dept: String,
        #[arg(long)]
        name: Option<String>,
        /// Make a member a head (repeatable): name or id.
        #[arg(long = "head")]
        heads: Vec<String>,
        /// Stop a member heading it (repeatable): name or id.
        #[arg(long = "no-head")]
        no_heads: Vec<String>,
    },
    /// Move a department (with everything below it) under another.
    Move {
        /// The department: name or id.
        dept: String,
        /// Its new parent: name or id.
        #[arg(long)]
        parent: String,
    },
    /// List the departments, with their heads and members; `--tree` draws the tree.
    List {
        #[arg(long)]
        tree: bool,
    },
}

/// A department as `--json` prints it: its fields, its path and how many members it holds.
fn dept_json(d: &Department, tree: &DeptTree, members: usize) -> serde_json::Value {
    json!({"id": d.id, "name": d.name, "parent_id": d.parent_id, "heads": d.heads, "path": tree.path(&d.id), "members": members})
}

pub fn dept(s: &Service, cmd: DeptCmd, j: bool) -> Result<(), ServerError> {
    let said = |d: &Department, verb: &str| -> Result<(), ServerError> {
        let tree = DeptTree::new(&s.departments()?);
        let n = s.users()?.iter().filter(|u| u.dept_id.as_deref() == Some(d.id.as_str())).count();
        print(j, dept_json(d, &tree, n), vec![format!("{verb} {} ({})", tree.path(&d.id), d.id)]);
        Ok(())
    };
    match cmd {
        DeptCmd::Add { name, parent, heads } => said(&s.add_department(&name, parent.as_deref(), &heads)?, "added"),
        DeptCmd::Edit { dept, name, heads, no_heads } => {
            let edit = DeptEdit { name, add_heads: heads, remove_heads: no_heads };
            if edit == DeptEdit::default() {
                return Err(ServerError::BadRequest("nothing to change: give --name, --head or --no-head".into()));
            }
            said(&s.edit_department(&dept, edit)?, "changed")
        }
        DeptCmd::Move { dept, parent } => said(&s.move_department(&dept, &parent)?, "moved"),
        DeptCmd::List { tree: drawn } => {
            let depts = s.departments()?;
            let users = s.users()?;
            let tree = DeptTree::new(&depts);
            let name_of = |id: &str| users.iter().find(|u| u.id == id).map_or(id.to_string(), |u| u.name.clone());
            let count =
                |d: &Department| users.iter().filter(|u| u.active && u.dept_id.as_deref() == Some(&d.id)).count();
            let ordered: Vec<&Department> = match tree.root() {
                Some(r) => tree.subtree(&r.id),
                None => depts.iter().collect(),
            };
            let out: Vec<serde_json::Value> = ordered.iter().map(|d| dept_json(d, &tree, count(d))).collect();
            let heads = |d: &Department| d.heads.iter().map(|h| name_of(h)).collect::<Vec<_>>().join("、");
            let lines = if drawn {
                ordered
                    .iter()
                    .map(|d| {
                        let head = if d.heads.is_empty() { String::new() } else { format!("  负责人 {}", heads(d)) };
                        format!("{}{}  ({} 人){head}", "    ".repeat(tree.depth(&d.id)), d.name, count(d))
                    })
                    .collect()
            } else {
                let rows: Vec<[String; 4]> =
                    ordered.iter().map(|d| [tree.path(&d.id), heads(d), count(d).to_string(), d.id.clone()]).collect();
                table(&["DEPARTMENT", "HEADS", "MEMBERS", "ID"].map(String::from), &rows)
            };
            print(j, json!(out), lines);
            Ok(())
        }
    }
}
