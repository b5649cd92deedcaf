//! The dashboard's words in zh-CN (the default) and en.

use fieldreport_protocol::report::Lang;

/// Picks the label for `lang`.
pub(crate) fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    lang.pick(zh, en)
}

/// `?lang=en` switches to English; anything else is zh-CN.
pub(crate) fn lang_of(q: Option<&str>) -> Lang {
    match q {
        Some(l) if l.eq_ignore_ascii_case("en") => Lang::En,
        _ => Lang::ZhCn,
    }
}

/// The query string that keeps the language across links.
pub(crate) fn keep(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "?lang=en",
        Lang::ZhCn => "",
    }
}
