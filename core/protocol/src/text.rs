//! Plain-text layout for terminals: aligned tables whose widths count a CJK character as the
//! two columns a terminal draws it in.

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
    fn columns_line_up_with_chinese_names() {
        let header = ["NAME".to_string(), "ROLE".to_string()];
        let rows = [["张伟".to_string(), "销售".to_string()], ["Li Na".to_string(), "经理".to_string()]];
        let lines = super::table(&header, &rows);
        assert_eq!(lines, ["NAME   ROLE", "张伟   销售", "Li Na  经理"]);
    }
}
