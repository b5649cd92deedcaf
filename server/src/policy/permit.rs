//! Whether a user may turn one version of a record into another: the owner changes their own
//! records (a report only while it is a draft); once submitted, the author may only add comments
//! and recipients (never take back one who read it), the recipients only comments; nobody
//! changes another user's record; every comment a push adds names the pushing user as its
//! author, whatever the record's state; and a report goes to active members only.

use fieldreport_protocol::doc::{Comment, Record, Report, ReportStatus};

use super::Refusal;

/// What a decision needs beyond the two versions.
pub struct Context<'a> {
    /// Who has read the report.
    pub readers: &'a [String],
    /// Whether a user is an active member of the team.
    pub is_member: &'a dyn Fn(&str) -> bool,
    /// Whether a user is an admin (who reads every report).
    pub is_admin: &'a dyn Fn(&str) -> bool,
    /// The server's clock (UTC milliseconds): a comment is not written in the future.
    pub now: i64,
}

/// How far a device's clock may run ahead of the server's (and a comment predate its report):
/// a comment's time outside it is refused.
pub const COMMENT_SKEW_MS: i64 = 3_600_000;

/// Why the comments a push adds are not comments any device writes: a time before the report
/// or after the server's clock (beyond [`COMMENT_SKEW_MS`]), an id used twice.
fn comment_problem(report: &Report, added: &[&Comment], now: i64) -> Option<String> {
    for c in added {
        if c.at > now.saturating_add(COMMENT_SKEW_MS) {
            return Some(format!("comment {} is dated in the future (check the device's clock)", c.id));
        }
        if c.at < report.header.created_at.saturating_sub(COMMENT_SKEW_MS).max(0) {
            return Some(format!("comment {} is dated before its report was written", c.id));
        }
        if report.comments.iter().filter(|o| o.id == c.id).count() > 1 {
            return Some(format!("comment id {} is used twice", c.id));
        }
    }
    None
}

/// `a` and `b` are the same report apart from comments.
fn same_but_comments(a: &Report, b: &Report) -> bool {
    let strip = |r: &Report| Report { comments: Vec::new(), ..r.clone() };
    strip(a) == strip(b)
}

/// `a` and `b` are the same report apart from comments and recipients.
fn same_but_comments_and_recipients(a: &Report, b: &Report) -> bool {
    let strip = |r: &Report| Report { comments: Vec::new(), to: Vec::new(), cc: Vec::new(), ..r.clone() };
    strip(a) == strip(b)
}

/// Recipients of `after` that `before` lacks.
fn added_recipients<'a>(before: Option<&Report>, after: &'a Report) -> Vec<&'a String> {
    let had = |u: &String| before.is_some_and(|b| b.to.contains(u) || b.cc.contains(u));
    after.to.iter().chain(&after.cc).filter(|u| !had(u)).collect()
}

/// The comments of `after` that `before` lacks; `before`'s must all still be there.
fn added_comments<'a>(before: &[Comment], after: &'a [Comment]) -> Result<Vec<&'a Comment>, Refusal> {
    if !before.iter().all(|c| after.contains(c)) {
        return Err(Refusal::CommentsChanged);
    }
    Ok(after.iter().filter(|c| !before.contains(c)).collect())
}

/// Whether `me` may turn `before` (`None`: a new document) into `after`.
pub fn permit(before: Option<&Record>, after: &Record, me: &str, ctx: &Context) -> Result<(), Refusal> {
    let owner = &after.header().owner;
    // Whatever else holds, a comment added by this push is the pusher's own, and a report goes
    // to active members only.
    if let Record::Report(a) = after {
        let b = match before {
            Some(Record::Report(b)) => Some(&**b),
            _ => None,
        };
        let old: &[Comment] = b.map(|b| b.comments.as_slice()).unwrap_or(&[]);
        let added = added_comments(old, &a.comments)?;
        if added.iter().any(|c| c.author != me) {
            return Err(Refusal::CommentAuthor);
        }
        if let Some(reason) = comment_problem(a, &added, ctx.now) {
            return Err(Refusal::Invalid { kind: a.header.kind, reason });
        }
        // A comment names only members who can read the report.
        let reads = |u: &String| *u == a.header.owner || a.to.contains(u) || a.cc.contains(u) || (ctx.is_admin)(u);
        if let Some(who) = added.iter().flat_map(|c| &c.mentions).find(|u| !reads(u)) {
            return Err(Refusal::MentionNotReader { who: who.clone() });
        }
        if let Some(who) = added_recipients(b, a).into_iter().find(|u| !(ctx.is_member)(u)) {
            return Err(Refusal::UnknownRecipient { who: who.clone() });
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
                // Submitted: comments and recipients may be added; a recipient who read it
                // stays.
                if !same_but_comments_and_recipients(b, a) {
                    return Err(Refusal::Submitted { report: id });
                }
                let removed = b.to.iter().chain(&b.cc).find(|u| !a.to.contains(u) && !a.cc.contains(u));
                match removed {
                    Some(u) if ctx.readers.contains(u) => Err(Refusal::ReaderRemoved { who: u.clone() }),
                    _ => Ok(()),
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
    use fieldreport_protocol::codes::RefusalCode;
    use fieldreport_protocol::doc::{Customer, Header, Kind, ReportKind, Section, SCHEMA_VERSION};
    use fieldreport_protocol::report::Lang;

    const REP: &str = "rep-1";
    const OTHER: &str = "rep-2";
    const MGR: &str = "mgr-1";
    const NOW: i64 = 10;

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
            summary: String::new(),
            filled_at: None,
            sections: vec![Section { key: "done".into(), title: "完成".into(), text: text.into(), required: false }],
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
                    ..Comment::default()
                })
                .collect(),
            attachments: vec![],
        }
    }

    fn r(x: Report) -> Record {
        Record::Report(Box::new(x))
    }

    /// A case: what, before, after, who pushes, the expected refusal code (or none).
    type Case = (&'static str, Option<Record>, Record, &'static str, Option<RefusalCode>);

    fn with(r: Report, to: &[&str], cc: &[&str]) -> Record {
        Record::Report(Box::new(Report {
            to: to.iter().map(|s| s.to_string()).collect(),
            cc: cc.iter().map(|s| s.to_string()).collect(),
            ..r
        }))
    }

    /// Every rule.
    #[test]
    fn every_permission_rule() {
        use ReportStatus::{Draft, Submitted};
        let submitted = || report(Submitted, "", &[]);
        let cases: Vec<Case> = vec![
            ("a report to a member", None, with(submitted(), &[MGR], &[]), REP, None),
            (
                "a report to someone who is not a member",
                None,
                with(submitted(), &["stranger"], &[]),
                REP,
                Some(RefusalCode::UnknownRecipient),
            ),
            (
                "the author adds a recipient after submitting",
                Some(with(submitted(), &[MGR], &[])),
                with(submitted(), &[MGR], &[OTHER]),
                REP,
                None,
            ),
            (
                "the author adds a non-member after submitting",
                Some(with(submitted(), &[MGR], &[])),
                with(submitted(), &[MGR], &["stranger"]),
                REP,
                Some(RefusalCode::UnknownRecipient),
            ),
            (
                "the author takes back a recipient who read it",
                Some(with(submitted(), &[MGR], &[OTHER])),
                with(submitted(), &[OTHER], &[]),
                REP,
                Some(RefusalCode::ReaderRemoved),
            ),
            (
                "the author takes back a recipient who has not read it",
                Some(with(submitted(), &[MGR], &[OTHER])),
                with(submitted(), &[MGR], &[]),
                REP,
                None,
            ),
            (
                "a recipient adds a recipient",
                Some(with(submitted(), &[MGR], &[])),
                with(submitted(), &[MGR], &[OTHER]),
                MGR,
                Some(RefusalCode::CommentOnly),
            ),
            ("a new record of one's own", None, customer(REP, "a"), REP, None),
            ("a new record owned by another", None, customer(OTHER, "a"), REP, Some(RefusalCode::NotOwner)),
            ("editing one's own record", Some(customer(REP, "a")), customer(REP, "b"), REP, None),
            (
                "editing another's record",
                Some(customer(OTHER, "a")),
                customer(OTHER, "b"),
                REP,
                Some(RefusalCode::NotYours),
            ),
            (
                "a manager editing a rep's record",
                Some(customer(REP, "a")),
                customer(REP, "b"),
                MGR,
                Some(RefusalCode::NotYours),
            ),
            ("editing one's own draft", Some(r(report(Draft, "", &[]))), r(report(Draft, "x", &[])), REP, None),
            (
                "a new report with a comment by someone else",
                None,
                r(report(Draft, "", &[(MGR, "好")])),
                REP,
                Some(RefusalCode::CommentAuthor),
            ),
            (
                "a comment under another's name on one's own draft",
                Some(r(report(Draft, "", &[]))),
                r(report(Draft, "", &[(MGR, "好")])),
                REP,
                Some(RefusalCode::CommentAuthor),
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
                Some(RefusalCode::CommentsChanged),
            ),
            (
                "editing a submitted report",
                Some(r(report(Submitted, "", &[]))),
                r(report(Submitted, "x", &[])),
                REP,
                Some(RefusalCode::ReportSubmitted),
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
                Some(RefusalCode::CommentAuthor),
            ),
            (
                "a recipient changing the text",
                Some(r(report(Submitted, "", &[]))),
                r(report(Submitted, "x", &[])),
                MGR,
                Some(RefusalCode::CommentOnly),
            ),
            (
                "someone else commenting",
                Some(r(report(Submitted, "", &[]))),
                r(report(Submitted, "", &[(OTHER, "?")])),
                OTHER,
                Some(RefusalCode::NotYours),
            ),
            (
                "someone else editing a draft",
                Some(r(report(Draft, "", &[]))),
                r(report(Draft, "x", &[])),
                OTHER,
                Some(RefusalCode::NotYours),
            ),
        ];
        let readers = [MGR.to_string()];
        let is_member = |u: &str| [REP, OTHER, MGR].contains(&u);
        let nobody = |_: &str| false;
        let ctx = Context { readers: &readers, is_member: &is_member, is_admin: &nobody, now: NOW };
        for (what, before, after, me, expected) in cases {
            let got = permit(before.as_ref(), &after, me, &ctx).err().map(|e| e.code());
            assert_eq!(got, expected, "{what}");
        }
    }

    #[test]
    fn a_comment_is_dated_within_the_servers_clock_and_has_its_own_id() {
        let before = report(ReportStatus::Submitted, "", &[(MGR, "好")]);
        let with = |at: i64, id: &str| {
            let mut a = report(ReportStatus::Submitted, "", &[(MGR, "好"), (MGR, "再看")]);
            a.comments[1].at = at;
            a.comments[1].id = id.into();
            r(a)
        };
        let is_member = |_: &str| true;
        let nobody = |_: &str| false;
        let ctx = Context { readers: &[], is_member: &is_member, is_admin: &nobody, now: NOW };
        let verdict = |after: Record| permit(Some(&r(before.clone())), &after, MGR, &ctx).err();
        assert_eq!(verdict(with(NOW, "c1")), None, "now");
        assert_eq!(verdict(with(NOW + COMMENT_SKEW_MS, "c1")), None, "a clock a little ahead");
        for (what, after) in [
            ("year 9999", with(253_402_300_799_000, "c1")),
            ("ahead by more than the skew", with(NOW + COMMENT_SKEW_MS + 1, "c1")),
            ("before the epoch", with(-5, "c1")),
            ("the id of another comment", with(NOW, "c0")),
        ] {
            let refused = verdict(after).unwrap_or_else(|| panic!("{what} was accepted"));
            assert_eq!(refused.code(), RefusalCode::InvalidRecord, "{what}: {refused}");
        }
    }
}
