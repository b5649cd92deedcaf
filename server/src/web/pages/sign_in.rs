//! Signing in: by an admin's one-time link, or with the phone (扫码登录).

use fieldreport_protocol::period::Calendar;
use fieldreport_protocol::report::Lang;
use maud::{html, Markup, PreEscaped};

use super::time;
use crate::web::labels::t;

/// The sign-in page of a one-time link: a button, so that a chat app's preview of the link does
/// not use it up.
pub(crate) fn link_sign_in(lang: Lang, token: &str, query: &str) -> Markup {
    html! {
        p { (t(lang, "这个链接只能用一次，15 分钟内有效。", "This link works once, within 15 minutes.")) }
        form method="post" action={ "/login/" (token) (query) } {
            button type="submit" id="sign-in" { (t(lang, "登录 fieldreport", "Sign in to fieldreport")) }
        }
    }
}

/// What a QR code of `code` says: the device app reads the code from it.
pub(crate) fn qr_text(code: &str) -> String {
    format!("fieldreport://web-login/{code}")
}

/// The phone sign-in page: the code, its QR code, and how to approve it; the page reloads
/// itself every few seconds until a phone approved the code.
pub(crate) fn phone_sign_in(lang: Lang, cal: &Calendar, code: &str, expires_at: i64) -> Markup {
    html! {
        p { (t(lang, "在已登记的手机上批准这个登录码，这个浏览器就会登录：",
                "Approve this code on your enrolled phone and this browser signs in:")) }
        p.code id="code" { (code) }
        div.qr { (PreEscaped(qr_svg(&qr_text(code)))) }
        p.muted {
            (t(lang, "用 fieldreport 应用扫码，或在设备上运行 ", "Scan it with the fieldreport app, or run "))
            code { "fieldreport web-login " (code) }
            (t(lang, "。登录码只能用一次，", ". The code works once, until "))
            (time(cal, expires_at))
            (t(lang, " 前有效；本页会自动刷新。", "; this page refreshes itself."))
        }
        p.muted { (t(lang, "没有登记手机？请管理员发一次性登录链接。", "No enrolled phone? Ask an admin for a one-time sign-in link.")) }
    }
}

/// `text` as an inline SVG QR code. Only the server's own sign-in text goes in, so the SVG
/// holds nothing but the renderer's own markup.
fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => {
            let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build();
            // Inline in HTML: without the XML declaration.
            match svg.find("<svg") {
                Some(at) => svg[at..].to_string(),
                None => svg,
            }
        }
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_qr_code_is_an_svg_of_the_code() {
        let svg = super::qr_svg(&super::qr_text("K7QX-M2PA"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
        assert!(svg.contains("viewBox"), "it scales to the box it is drawn in");
    }
}
