//! Whether a user may turn one version of a record into another: the owner changes their own
//! records (a report only while it is a draft); once submitted, the author and the recipients
//! may only add comments; nobody changes another user's record; and every comment a push adds
//! names the pushing user as its author, whatever the record's state.

use fieldreport_core::doc::{Comment, Record, Report, ReportStatus};

use super::Refusal;

/// `a` and `b` are the same report apart from comments.
fn same_but_comments(a: &Report, b: &Report) -> bool {
    let strip = |r: &Report| Report { comments: Vec::new(), ..r.clone() };
    strip(a) == strip(b)
}

/// The comments of `after` that `before` lacks; `before`'s must all still be there.
fn added_comments<'a>(before: &[Comment], after: &'a [Comment]) -> Result<Vec<&'a Comment>, Refusal> {
    if !before.iter().all(|c| after.contains(c)) {
        return Err(Refusal::CommentsChanged);
    }
    Ok(after.iter().filter(|c| !before.contains(c)).collect())
}

/// Whether `me` may turn `before` (`None`: a new document) into `after`.
pub fn permit(before: Option<&Record>, after: &Record, me: &str) -> Result<(), Refusal> {
    let owner = &after.header().owner;
    // Whatever else holds, a comment added by this push is the pusher's own.
    if let Record::Report(a) = after {
        let old: &[Comment] = match before {
            Some(Record::Report(b)) => &b.comments,
            _ => &[],
        };
        if added_comments(old, &a.comments)?.iter().any(|c| c.author != me) {
            return Err(Refusal::CommentAuthor);
        }
    }
    match (before, after) {
        (None, _) if owner == me => Ok(()),
        (None, _) => Err(Refusal::NotOwner { owner: owner.clone() }),
        (Some(Record::Report(b)), Record::Report(a)) => {
            let id = b.header.id.clone();
            if owner == me && b.status == ReportStatus::Draft {
                Ok(())
            } else if owner == me {
                if same_but_comments(b, a) {
                    Ok(())
                } else {
                    Err(Refusal::Submitted { report: id })
                }
            } else if b.to.iter().chain(&b.cc).any(|u| u == me) {
                if same_but_comments(b, a) {
                    Ok(())
                } else {
                    Err(Refusal::CommentOnly { report: id })
                }
            } else {
                Err(Refusal::NotYours { kind: b.header.kind, id })
            }
        }
        (Some(_), _) if owner == me => Ok(()),
        (Some(b), _) => Err(Refusal::NotYours { kind: b.header().kind, id: b.header().id.clone() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldreport_core::doc::{Customer, Header, Kind, ReportKind, Section, SCHEMA_VERSION};
    use fieldreport_core::report::Lang;

    const REP: &str = "rep-1";
    const OTHER: &str = "rep-2";
    const MGR: &str = "mgr-1";

    fn header(kind: Kind, owner: &str) -> Header {
        Header {
            kind,
            id: "01900000-0000-7000-8000-000000000001".into(),
            team: "t".into(),
            owner: owner.into(),
            created_at: 1,
            schema: SCHEMA_VERSION,
            deleted: false,
        }
    }

    fn customer(owner: &str, name: &str) -> Record {
        Record::Customer(Customer {
            header: header(Kind::Customer, owner),
            name: name.into(),
            level: None,
            contacts: vec![],
            address: None,
            location: None,
            tags: vec![],
        })
    }

    fn report(status: ReportStatus, text: &str, comments: &[(&str, &str)]) -> Report {
        Report {
            header: header(Kind::Report, REP),
            kind: ReportKind::Daily,
            first: "2026-11-30".parse().unwrap(),
            last: "2026-11-30".parse().unwrap(),
            template: "builtin:daily:zh-CN".into(),
            lang: Lang::ZhCn,
            title: "日报".into(),
            sections: vec![Section { key: "done".into(), title: "完成".into(), text: text.into() }],
            blocks: vec![],
            to: if status == ReportStatus::Submitted { vec![MGR.into()] } else { vec![] },
            cc: vec![],
            status,
            submitted_at: (status == ReportStatus::Submitted).then_some(2),
            comments: comments
                .iter()
                .enumerate()
                .map(|(i, (author, text))| Comment {
                    id: format!("c{i}"),
                    author: author.to_string(),
                    at: 3,
                    text: text.to_string(),
                })
                .collect(),
        }
    }

    fn r(x: Report) -> Record {
        Record::Report(Box::new(x))
    }

    /// A case: what, before, after, who pushes, the expected refusal code (or none).
    type Case = (&'static str, Option<Record>, Record, &'static str, Option<&'static str>);

    /// Every rule.
    #[test]
    fn every_permission_rule() {
        use ReportStatus::{Draft, Submitted};
        let cases: Vec<Case> = vec![
            ("a new record of one's own", None, customer(REP, "a"), REP, None),
            ("a new record owned by another", None, customer(OTHER, "a"), REP, Some("not_owner")),
            ("editing one's own record", Some(customer(REP, "a")), customer(REP, "b"), REP, None),
            ("editing another's record", Some(customer(OTHER, "a")), customer(OTHER, "b"), REP, Some("not_yours")),
            ("a manager editing a rep's record", Some(customer(REP, "a")), customer(REP, "b"), MGR, Some("not_yours")),
            ("editing one's own draft", Some(r(report(Draft, "", &[]))), r(report(Draft, "x", &[])), REP, None),
            (
                "a new report with a comment by someone else",
                None,
                r(report(Draft, "", &[(MGR, "好")])),
                REP,
                Some("comment_author"),
            ),
            (
                "a comment under another's name on one's own draft",
                Some(r(report(Draft, "", &[]))),
                r(report(Draft, "", &[(MGR, "好")])),
                REP,
                Some("comment_author"),
            ),
            (
                "one's own comment on one's own draft",
                Some(r(report(Draft, "", &[]))),
                r(report(Draft, "", &[(REP, "备注")])),
                REP,
                None,
            ),
            (
                "removing a comment",
                Some(r(report(Draft, "", &[(REP, "备注")]))),
                r(report(Draft, "", &[])),
                REP,
                Some("comments_changed"),
            ),
            (
                "editing a submitted report",
                Some(r(report(Submitted, "", &[]))),
                r(report(Submitted, "x", &[])),
                REP,
                Some("report_submitted"),
            ),
            (
                "the author commenting on a submitted report",
                Some(r(report(Submitted, "", &[]))),
                r(report(Submitted, "", &[(REP, "补充")])),
                REP,
                None,
            ),
            (
                "a recipient commenting",
                Some(r(report(Submitted, "", &[]))),
                r(report(Submitted, "", &[(MGR, "好")])),
                MGR,
                None,
            ),
            (
                "a recipient commenting under the author's name",
                Some(r(report(Submitted, "", &[]))),
                r(report(Submitted, "", &[(REP, "好")])),
                MGR,
                Some("comment_author"),
            ),
            (
                "a recipient changing the text",
                Some(r(report(Submitted, "", &[]))),
                r(report(Submitted, "x", &[])),
                MGR,
                Some("comment_only"),
            ),
            (
                "someone else commenting",
                Some(r(report(Submitted, "", &[]))),
                r(report(Submitted, "", &[(OTHER, "?")])),
                OTHER,
                Some("not_yours"),
            ),
            (
                "someone else editing a draft",
                Some(r(report(Draft, "", &[]))),
                r(report(Draft, "x", &[])),
                OTHER,
                Some("not_yours"),
            ),
        ];
        for (what, before, after, me, expected) in cases {
            let got = permit(before.as_ref(), &after, me).err().map(|e| e.code());
            assert_eq!(got, expected, "{what}");
        }
    }
}
