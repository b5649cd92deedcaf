//! `@name` in a comment: the members it names, resolved through the team directory. A name is
//! matched whole (the longest member name that follows the `@`); an `@` followed by no member's
//! name is plain text.

use crate::codes::Role;
use crate::doc::Member;

/// The active members `text` names with `@`, as user ids, each once, in the order named.
pub fn find_mentions(text: &str, members: &[Member]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, _) in text.match_indices('@') {
        let rest = &text[i + 1..];
        let best = members
            .iter()
            .filter(|m| m.active && !m.name.is_empty() && rest.starts_with(m.name.as_str()))
            .max_by_key(|m| m.name.chars().count());
        if let Some(m) = best {
            if !out.contains(&m.id) {
                out.push(m.id.clone());
            }
        }
    }
    out
}

/// Whether `member` may read a report of `owner` addressed to `recipients`: its author, a
/// recipient, or an admin (as the server decides).
pub fn reads_report(member: &Member, owner: &str, recipients: &[String]) -> bool {
    member.role == Role::Admin || member.id == owner || recipients.contains(&member.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(id: &str, name: &str) -> Member {
        Member {
            id: id.into(),
            name: name.into(),
            role: Role::Rep,
            manager_id: None,
            active: true,
            phone: None,
            since: None,
            until: None,
            dept_id: None,
        }
    }

    #[test]
    fn names_after_an_at_sign_are_members_and_the_rest_is_text() {
        let team = [m("u1", "张伟"), m("u2", "张伟华"), m("u3", "李经理")];
        assert_eq!(find_mentions("@张伟华 请看 @李经理，@王五 不在团队", &team), ["u2", "u3"]);
        assert_eq!(find_mentions("@张伟 和 @张伟 两次", &team), ["u1"]);
        assert!(find_mentions("邮件 a@b.com", &team).is_empty());
    }
}
