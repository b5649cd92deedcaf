//! HTML pages (maud: every interpolated value is escaped). Every page works at a phone's width
//! (375 px): the page never scrolls sideways; a wide table scrolls inside its own box.

mod inbox;
mod kpi;
mod report;
mod scorecard;
mod sign_in;

pub(crate) use inbox::{inbox, InboxPage};
pub(crate) use kpi::{kpi, KpiPage, Trend};
pub(crate) use report::{files_of, report, ReportPage};
pub(crate) use scorecard::Scorecard;
pub(crate) use sign_in::{link_sign_in, phone_sign_in};

use fieldreport_protocol::period::Calendar;
use fieldreport_protocol::report::Lang;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::labels::{keep, t};
use crate::model::User;

const STYLE: &str = "*{box-sizing:border-box}
body{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;margin:0;color:#222;line-height:1.5}
header{background:#1d4e89;color:#fff;padding:.5em 1em;display:flex;flex-wrap:wrap;gap:.3em 1em;align-items:center}
header a{color:#fff}header form{margin:0}main{padding:.8em;max-width:70em}h1{font-size:1.4em;margin:.3em 0}
h2{font-size:1.15em;margin:1em 0 .3em}.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}table.lines td,table.lines th{white-space:nowrap}
.unread{font-weight:bold}.green{color:#1a7f37}.yellow{color:#9a6700}.red{color:#cf222e}.muted,.caption{color:#555;font-size:.9em}
textarea{width:100%;min-height:5em}input,select,button,textarea{font:inherit;max-width:100%}
.comment{border-left:3px solid #1d4e89;padding-left:.6em;margin:.6em 0}.comment.reply{margin-left:1.5em;border-left-color:#8aa4c8}form.inline{display:inline-block;margin:0 .3em .2em 0}form.inline button{font-size:.85em;padding:.1em .4em}pre{white-space:pre-wrap;overflow-wrap:anywhere;font-family:inherit;margin:.3em 0}
svg{max-width:100%;height:auto}.chart{overflow-x:auto}.chart svg{max-width:none}
.scroll td,.scroll th{min-width:4.5em}table.scorecard th,table.scorecard td{white-space:nowrap}tr.total th,tr.total td{background:#f3f6fa}table.scorecard tr>th:first-child{position:sticky;left:0;background:#fff;z-index:1}table.scorecard tr.total>th:first-child{background:#f3f6fa}.mark{font-size:.9em}nav.crumbs{margin:.4em 0}code{font-family:monospace,monospace;font-size:1em}form.filters{display:flex;flex-wrap:wrap;gap:.5em;align-items:flex-end;margin:.5em 0}
form.filters label{display:flex;flex-direction:column;font-size:.9em}.code{font-size:2em;letter-spacing:.08em;font-family:monospace}
.qr svg{width:220px;height:220px}p,li{overflow-wrap:anywhere}
.photos{display:flex;flex-wrap:wrap;gap:.4em;margin:.4em 0}.photos img{width:96px;height:96px;object-fit:cover;border:1px solid #ccc}
td .photos img{width:56px;height:56px}.uploading{color:#555;font-size:.85em;border:1px dashed #aaa;padding:.2em .4em}";

/// A UTC instant as the team's local `YYYY-MM-DD HH:MM`.
pub(crate) fn time(cal: &Calendar, ms: i64) -> String {
    cal.local_datetime(ms).format("%Y-%m-%d %H:%M").to_string()
}

/// A table that scrolls sideways inside its own box on a narrow screen.
pub(crate) fn scroll(table: Markup) -> Markup {
    html! { div.scroll { (table) } }
}

/// The page frame: title, navigation, language switch, sign-out form; `refresh` reloads the
/// page after that many seconds (the phone sign-in page waits so, without script).
pub(crate) fn frame(lang: Lang, title: &str, user: Option<(&User, &str)>, body: Markup) -> Markup {
    frame_with(lang, title, user, body, None)
}

pub(crate) fn frame_with(
    lang: Lang,
    title: &str,
    user: Option<(&User, &str)>,
    body: Markup,
    refresh: Option<u32>,
) -> Markup {
    let other = match lang {
        Lang::ZhCn => ("?lang=en", "English"),
        Lang::En => ("?", "中文"),
    };
    html! {
        (DOCTYPE)
        html lang=(lang.as_str()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(s) = refresh { meta http-equiv="refresh" content=(s); }
                title { (title) " · fieldreport" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    strong { "fieldreport" }
                    @if let Some((u, csrf)) = user {
                        a href={ "/" (keep(lang)) } { (t(lang, "收件箱", "Inbox")) }
                        a href={ "/kpi" (keep(lang)) } { (t(lang, "指标", "KPIs")) }
                        span { (u.name) }
                        form method="post" action={ "/logout" (keep(lang)) } {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" { (t(lang, "退出", "Sign out")) }
                        }
                    }
                    a href=(other.0) { (other.1) }
                }
                main { h1 { (title) } (body) }
            }
        }
    }
}

/// A refusal's page body: what was wrong, and a way back (home, or sign-in when signed out).
pub(crate) fn message(lang: Lang, text: &str, signed_out: bool) -> Markup {
    html! {
        p { (text) }
        p {
            @if signed_out {
                a href={ "/login" (keep(lang)) } { (t(lang, "用手机扫码登录", "Sign in with your phone")) }
            } @else {
                a href={ "/" (keep(lang)) } { (t(lang, "返回首页", "Back to the home page")) }
            }
        }
    }
}
