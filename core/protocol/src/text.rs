//! Plain-text layout for terminals — aligned tables whose widths count a CJK character as the
//! two columns a terminal draws it in — and what makes text a device wrote safe to show:
//! [`forbidden_char`] for what the model refuses, [`neutral`] for terminals, exports and plain
//! text, [`markup_safe`] for chat Markdown.

/// Unicode's bidirectional overrides and isolates: they reorder what follows on screen (a file
/// named `photo\u{202E}gpj.exe` shows as `photoexe.jpg`).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A character text from a device may not hold: a control character other than a line break
/// (`\n`, `\r`) or a tab — escape sequences, NUL, C1 controls — or a bidirectional override.
/// The first one found.
pub fn forbidden_char(s: &str) -> Option<char> {
    s.chars().find(|&c| (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || is_bidi_control(c))
}

/// `s` with every character [`forbidden_char`] names made visible and harmless: C0 controls as
/// their Unicode pictures (`␛` for an escape), anything else as `\u{FFFD}`. Line breaks and tabs
/// stay. For terminals and files: text a device wrote never drives the screen.
pub fn neutral(s: &str) -> std::borrow::Cow<'_, str> {
    if forbidden_char(s).is_none() && !s.contains('\r') {
        return std::borrow::Cow::Borrowed(s);
    }
    // A line break written `\r\n` is a line break; a lone `\r` (which would let a line be
    // written over on a terminal) is shown.
    let s = s.replace("\r\n", "\n");
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\n' | '\t' => c,
                '\u{7F}' => '\u{2421}',
                c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'),
                c if c.is_control() || is_bidi_control(c) => '\u{FFFD}',
                c => c,
            })
            .collect(),
    )
}

/// `s` made safe for a chat robot's Markdown: [`neutral`], and no tags (`<at id=all>`,
/// `<font>`, `<@all>`): every `<` becomes `‹`, so nothing opens a tag (`>` alone quotes, as
/// fieldreport's renderings use it). Its own renderings write no `<`, so this applies to whole
/// messages.
pub fn markup_safe(s: &str) -> String {
    neutral(s).replace('<', "‹")
}

/// Rows under a header, each column as wide as its widest cell (counting a CJK character as two
/// columns, as terminals draw them).
pub fn table<const N: usize>(header: &[String; N], rows: &[[String; N]]) -> Vec<String> {
    let mut widths: [usize; N] = std::array::from_fn(|i| width(&header[i]));
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(width(cell));
        }
    }
    std::iter::once(header)
        .chain(rows)
        .map(|r| {
            let cells: Vec<String> = r
                .iter()
                .zip(widths)
                .map(|(cell, w)| format!("{cell}{}", " ".repeat(w.saturating_sub(width(cell)))))
                .collect();
            cells.join("  ").trim_end().to_string()
        })
        .collect()
}

/// Terminal columns of `s`: two for wide (CJK) characters.
pub fn width(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_from_devices_never_drives_a_terminal_or_a_chat() {
        let hostile = "张伟\u{1b}[2J\u{1b}]0;pwned\u{7}\u{0}\u{9b}x\u{202E}gpj.exe\r\n第二行\t列\rX";
        assert_eq!(super::forbidden_char(hostile), Some('\u{1b}'));
        let shown = super::neutral(hostile);
        assert_eq!(super::forbidden_char(&shown), None);
        assert_eq!(shown, "张伟␛[2J␛]0;pwned␇␀\u{FFFD}x\u{FFFD}gpj.exe\n第二行\t列␍X");
        assert!(matches!(super::neutral("拜访\n华为"), std::borrow::Cow::Borrowed(_)), "clean text is not copied");
        assert_eq!(super::markup_safe("<at id=all></at>价格<5万\n> 批注"), "‹at id=all>‹/at>价格‹5万\n> 批注");
    }

    #[test]
    fn columns_line_up_with_chinese_names() {
        let header = ["NAME".to_string(), "ROLE".to_string()];
        let rows = [["张伟".to_string(), "销售".to_string()], ["Li Na".to_string(), "经理".to_string()]];
        let lines = super::table(&header, &rows);
        assert_eq!(lines, ["NAME   ROLE", "张伟   销售", "Li Na  经理"]);
    }
}
