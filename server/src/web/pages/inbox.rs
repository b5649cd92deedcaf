//! The home page: reports addressed to the viewer (unread first in weight), the viewer's own
//! reports with each recipient's read state and the comment count, and filters.

use fieldreport_protocol::doc::ReportKind;
use fieldreport_protocol::period::{days_words, Calendar};
use fieldreport_protocol::report::{label_of, Label, Lang};
use maud::{html, Markup};

use super::{scroll, time};
use crate::model::{InboxFilter, InboxItem};
use crate::web::labels::t;

/// What the home page shows.
pub(crate) struct InboxPage<'a> {
    pub cal: &'a Calendar,
    pub viewer: &'a str,
    pub items: &'a [InboxItem],
    /// Authors to filter by: (id, name).
    pub members: &'a [(String, String)],
    pub filter: &'a InboxFilter,
}

fn period(i: &InboxItem) -> String {
    days_words(&i.first, &i.last)
}

pub(crate) fn inbox(lang: Lang, p: &InboxPage) -> Markup {
    let (mine, theirs): (Vec<&InboxItem>, Vec<&InboxItem>) = p.items.iter().partition(|i| i.owner == p.viewer);
    let q = |s: &Option<String>| s.clone().unwrap_or_default();
    html! {
        (super::kpi::exports(lang, "this-month", None, &[("reports", "本月汇报", "This month's reports"), ("submissions", "本月提交统计", "This month's submissions")]))
        form.filters method="get" action="/" {
            @if lang == Lang::En { input type="hidden" name="lang" value="en"; }
            label { (t(lang, "成员", "Member"))
                select name="member" {
                    option value="" { (t(lang, "全部", "All")) }
                    @for (id, name) in p.members {
                        option value=(id) selected[p.filter.member.as_deref() == Some(id.as_str())] { (name) }
                    }
                }
            }
            label { (t(lang, "类型", "Kind"))
                select name="kind" {
                    option value="" { (t(lang, "全部", "All")) }
                    @for k in ReportKind::ALL {
                        option value=(k.as_str()) selected[p.filter.kind.as_deref() == Some(k.as_str())] { (k.label(lang)) }
                    }
                }
            }
            label { (t(lang, "从", "From")) input type="date" name="from" value=(q(&p.filter.from)); }
            label { (t(lang, "到", "To")) input type="date" name="to" value=(q(&p.filter.to)); }
            label { (t(lang, "只看未读", "Unread only")) input type="checkbox" name="unread" value="1" checked[p.filter.unread]; }
            button type="submit" { (t(lang, "筛选", "Filter")) }
            a href={ "/" @if lang == Lang::En { "?lang=en" } } { (t(lang, "清除", "Clear")) }
        }
        h2 { (t(lang, "发给我的汇报", "Reports to me")) }
        @if theirs.is_empty() {
            p.muted { (t(lang, "没有符合条件的汇报。", "No reports match.")) }
        } @else {
            (scroll(html! { table {
                tr {
                    th { (t(lang, "状态", "State")) } th { (t(lang, "作者", "Author")) } th { (t(lang, "类型", "Kind")) }
                    th { (t(lang, "期间", "Period")) } th { (t(lang, "提交时间", "Submitted")) } th { (t(lang, "批注", "Comments")) }
                }
                @for i in &theirs {
                    tr class=[i.read_at.is_none().then_some("unread")] {
                        td { @if i.read_at.is_some() { (t(lang, "已读", "read")) } @else { (t(lang, "未读", "unread")) } }
                        td { (i.owner_name) }
                        td { (label_of(&i.kind, lang)) }
                        td { a href={ "/reports/" (i.id) (crate::web::labels::keep(lang)) } { (period(i)) } }
                        td { (i.submitted_at.map(|at| time(p.cal, at)).unwrap_or_default()) }
                        td { (i.comments) }
                    }
                }
            } }))
        }
        @if !mine.is_empty() || p.filter.own == Some(true) {
            h2 { (t(lang, "我提交的汇报", "My reports")) }
            (scroll(html! { table {
                tr {
                    th { (t(lang, "类型", "Kind")) } th { (t(lang, "期间", "Period")) } th { (t(lang, "提交时间", "Submitted")) }
                    th { (t(lang, "接收人", "Recipients")) } th { (t(lang, "批注", "Comments")) }
                }
                @for i in &mine {
                    tr {
                        td { (label_of(&i.kind, lang)) }
                        td { a href={ "/reports/" (i.id) (crate::web::labels::keep(lang)) } { (period(i)) } }
                        td { (i.submitted_at.map(|at| time(p.cal, at)).unwrap_or_default()) }
                        td {
                            @for (n, r) in i.recipients.iter().enumerate() {
                                @if n > 0 { br; }
                                (r.name) " · "
                                @match r.read_at {
                                    Some(at) => span.green { (t(lang, "已读 ", "read ")) (time(p.cal, at)) },
                                    None => span.muted { (t(lang, "未读", "not read yet")) },
                                }
                            }
                        }
                        td { (i.comments) }
                    }
                }
            } }))
        }
    }
}
