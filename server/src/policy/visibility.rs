//! Who sees which documents. The feed queries (`store::db::feed`) implement [`may_see`] on an
//! index each; the conformance suite holds every backend's feed equal to this rule.

use fieldreport_protocol::doc::Kind;

use crate::model::{Role, User};

/// The owner of documents the server authors for the whole team (the configuration).
pub const SERVER_OWNER: &str = "server";

/// What visibility needs to know of a document.
#[derive(Debug, Clone, Copy)]
pub struct DocMeta<'a> {
    pub kind: Kind,
    pub owner: &'a str,
    /// For a report: who it is addressed to (to and cc).
    pub recipients: &'a [String],
}

/// Whether `viewer` receives the document in their feed: an admin everything; everyone their
/// own documents, the team configuration and directory, and the reports addressed to them; and
/// the documents other than reports of everyone below them — their chain of reports and the
/// members of the departments they head, down the tree (`team::org`; a report reaches a manager
/// by being addressed to them). `below(owner)` says whether the owner is below the viewer.
pub fn may_see(viewer: &User, doc: DocMeta, below: &dyn Fn(&str) -> bool) -> bool {
    if may_read_report(viewer, doc.owner, doc.recipients) {
        return true;
    }
    if matches!(doc.kind, Kind::Config | Kind::Directory) && doc.owner == SERVER_OWNER {
        return true;
    }
    doc.kind != Kind::Report && below(doc.owner)
}

/// Whether `viewer` may read `owner`'s report addressed to `recipients` — in the feed, on the
/// dashboard, in an export, through its files: its author, a recipient, or an admin. (A manager
/// does not read a report of their rep's that is not addressed to them.)
pub fn may_read_report(viewer: &User, owner: &str, recipients: &[String]) -> bool {
    viewer.role == Role::Admin || owner == viewer.id || recipients.contains(&viewer.id)
}

/// Whether `viewer` may see `member`'s phone number: the member themself, an admin, and — when
/// the team allows it (`team.phones_to_managers`) — their own manager. Devices never receive
/// phones (the directory carries none); the server's robots @mention by them.
pub fn may_see_phone(viewer: &User, member: &User, to_managers: bool) -> bool {
    viewer.id == member.id
        || viewer.role == Role::Admin
        || to_managers && member.manager_id.as_deref() == Some(viewer.id.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, role: Role, manager: Option<&str>) -> User {
        User {
            id: id.into(),
            name: id.into(),
            role,
            manager_id: manager.map(String::from),
            created_at: 0,
            phone: None,
            active: true,
            deactivated_at: None,
            dept_id: None,
        }
    }

    #[test]
    fn the_rule_in_a_table() {
        let mgr = user("m", Role::Manager, None);
        let rep = user("r", Role::Rep, Some("m"));
        let other = user("o", Role::Rep, None);
        let admin = user("a", Role::Admin, None);
        let below = |viewer: String| move |u: &str| viewer == "m" && u == "r";
        let to_m = ["m".to_string()];
        let doc = |kind, owner, recipients| DocMeta { kind, owner, recipients };
        let cases: Vec<(&User, DocMeta, bool)> = vec![
            (&rep, doc(Kind::Customer, "r", &[]), true),
            (&other, doc(Kind::Customer, "r", &[]), false),
            (&mgr, doc(Kind::Customer, "r", &[]), true),
            (&mgr, doc(Kind::Snapshot, "r", &[]), true),
            (&mgr, doc(Kind::Report, "r", &[]), false),
            (&mgr, doc(Kind::Report, "r", &to_m), true),
            (&other, doc(Kind::Report, "r", &to_m), false),
            (&other, doc(Kind::Config, SERVER_OWNER, &[]), true),
            (&other, doc(Kind::Directory, SERVER_OWNER, &[]), true),
            (&admin, doc(Kind::Report, "r", &[]), true),
        ];
        for (viewer, d, want) in cases {
            assert_eq!(
                may_see(viewer, d, &below(viewer.id.clone())),
                want,
                "{} sees {:?} of {}",
                viewer.id,
                d.kind,
                d.owner
            );
        }
    }

    #[test]
    fn phones_reach_the_member_their_manager_and_admins_only() {
        let mgr = user("m", Role::Manager, None);
        let rep = user("r", Role::Rep, Some("m"));
        let peer = user("p", Role::Rep, Some("m"));
        let admin = user("a", Role::Admin, None);
        assert!(may_see_phone(&rep, &rep, false));
        assert!(may_see_phone(&mgr, &rep, true) && !may_see_phone(&mgr, &rep, false));
        assert!(!may_see_phone(&peer, &rep, true), "a peer never");
        assert!(!may_see_phone(&rep, &mgr, true), "nor a rep their manager's");
        assert!(may_see_phone(&admin, &rep, false));
    }
}
