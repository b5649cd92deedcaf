//! Who is below whom: the one rule of seeing down the organisation. A member is below a viewer
//! when the viewer is up their chain of managers (a director over managers over reps), or heads
//! a department that holds the member's (a department's head sees its whole subtree). The
//! server materialises the rule for its feed and figures; devices apply it to the directory.

use std::collections::{BTreeSet, HashSet};

use super::DeptTree;

/// A member as the rule needs them.
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    pub id: &'a str,
    pub manager_id: Option<&'a str>,
    pub dept_id: Option<&'a str>,
}

/// Longest chain of managers followed (a longer one is a mistake, or a cycle).
const MAX_CHAIN: usize = 32;

/// Every (viewer, member) pair where `member` is below `viewer`, sorted; nobody is below
/// themself. Below is transitive: who is below someone below the viewer is below the viewer.
pub fn below_pairs(people: &[Person], tree: &DeptTree) -> Vec<(String, String)> {
    let direct = direct_pairs(people, tree);
    let mut next: std::collections::HashMap<&str, Vec<&str>> = std::collections::HashMap::new();
    for (v, m) in &direct {
        next.entry(v.as_str()).or_default().push(m.as_str());
    }
    let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
    for viewer in next.keys() {
        let mut stack: Vec<&str> = next[viewer].clone();
        let mut seen: HashSet<&str> = HashSet::new();
        while let Some(m) = stack.pop() {
            if m == *viewer || !seen.insert(m) {
                continue;
            }
            pairs.insert((viewer.to_string(), m.to_string()));
            if let Some(more) = next.get(m) {
                stack.extend(more.iter().copied());
            }
        }
    }
    pairs.into_iter().collect()
}

/// The pairs the rule gives directly (each member's chain of managers and the heads of the
/// departments above theirs), before closing over them. O(members × depth).
fn direct_pairs(people: &[Person], tree: &DeptTree) -> BTreeSet<(String, String)> {
    let manager_of: std::collections::HashMap<&str, Option<&str>> =
        people.iter().map(|p| (p.id, p.manager_id)).collect();
    let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
    for p in people {
        let mut seen: HashSet<&str> = HashSet::from([p.id]);
        let mut at = p.manager_id;
        while let Some(m) = at {
            if !seen.insert(m) || seen.len() > MAX_CHAIN {
                break;
            }
            pairs.insert((m.to_string(), p.id.to_string()));
            at = manager_of.get(m).copied().flatten();
        }
        if let Some(d) = p.dept_id {
            for dept in tree.up(d) {
                for h in dept.heads.iter().filter(|h| h.as_str() != p.id) {
                    pairs.insert((h.clone(), p.id.to_string()));
                }
            }
        }
    }
    pairs
}

/// The members below `viewer`: the rule's direct pairs, followed from the viewer only.
pub fn below(viewer: &str, people: &[Person], tree: &DeptTree) -> HashSet<String> {
    let direct = direct_pairs(people, tree);
    let mut out: HashSet<String> = HashSet::new();
    let mut stack: Vec<&str> = vec![viewer];
    while let Some(at) = stack.pop() {
        for (_, m) in direct.range((at.to_string(), String::new())..).take_while(|(v, _)| v == at) {
            if m != viewer && out.insert(m.clone()) {
                stack.push(m);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::team::Department;

    #[test]
    fn the_rule_in_a_table() {
        let dept = |id: &str, parent: Option<&str>, heads: &[&str]| Department {
            id: id.into(),
            name: id.into(),
            parent_id: parent.map(String::from),
            heads: heads.iter().map(|h| h.to_string()).collect(),
        };
        // 总监 heads 华东; 上海 is headed by 张经理; 杭州's manager is 王经理 by the chain only.
        let tree = DeptTree::new(&[
            dept("华东", None, &["总监"]),
            dept("上海", Some("华东"), &["张经理"]),
            dept("杭州", Some("华东"), &[]),
        ]);
        let p = |id, manager, dept| Person { id, manager_id: manager, dept_id: dept };
        let people = [
            p("总监", None, Some("华东")),
            p("张经理", Some("总监"), Some("上海")),
            p("王经理", None, Some("杭州")),
            p("小张", Some("张经理"), Some("上海")),
            p("小王", Some("王经理"), Some("杭州")),
            p("外援", Some("小王"), None),
        ];
        let cases: &[(&str, &[&str])] = &[
            ("总监", &["外援", "小张", "小王", "张经理", "王经理"]),
            ("张经理", &["小张"]),
            ("王经理", &["外援", "小王"]),
            ("小王", &["外援"]),
            ("小张", &[]),
        ];
        for (viewer, want) in cases {
            let mut got: Vec<String> = below(viewer, &people, &tree).into_iter().collect();
            got.sort();
            let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
            want.sort();
            assert_eq!(got, want, "below {viewer}");
            let from_pairs: HashSet<String> =
                below_pairs(&people, &tree).into_iter().filter(|(v, _)| v == viewer).map(|(_, m)| m).collect();
            assert_eq!(below(viewer, &people, &tree), from_pairs, "one rule, two readings: {viewer}");
        }
        // A cycle of managers ends; nobody is below themself.
        let looped = [p("a", Some("b"), None), p("b", Some("a"), None)];
        assert_eq!(below_pairs(&looped, &DeptTree::default()), [("a".into(), "b".into()), ("b".into(), "a".into())]);
    }
}
