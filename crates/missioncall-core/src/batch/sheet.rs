//! Reading a batch file: UTF-8 text (a byte-order mark is skipped), `,` `;` or tab between
//! cells (the header line's own, as [`crate::contacts_import`] finds it), quoted cells that may
//! span lines. The first row that is not blank is the header; blank rows (spaces and
//! separators only) are skipped and not numbered; short rows read as empty cells.

use super::{BatchError, MAX_ROWS};
use crate::contacts_import::delimiter;

/// A batch file as read: its headers and its data rows, blank rows left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sheet {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Sheet {
    /// The header row's cells, trimmed.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The data rows, in the file's order: the row numbered `n` (from 1) is at index `n - 1`.
    /// Each row's cells are as read (not trimmed); a row may have fewer or more cells than
    /// there are headers.
    pub fn rows(&self) -> &[Vec<String>] {
        &self.rows
    }

    /// A cell by row index (from 0) and column (from 0); empty where the row has none.
    pub fn cell(&self, index: usize, column: usize) -> &str {
        self.rows
            .get(index)
            .and_then(|r| r.get(column))
            .map_or("", String::as_str)
    }
}

/// Reads a batch file's bytes, allowing at most [`MAX_ROWS`] rows to call.
pub fn read_sheet(bytes: &[u8]) -> Result<Sheet, BatchError> {
    read_sheet_with_limit(bytes, MAX_ROWS)
}

/// Reads a batch file's bytes, allowing at most `limit` rows to call: a file with more is
/// refused with [`BatchError::TooManyRows`], which counts them all (the rows past the limit
/// are read, not kept).
pub fn read_sheet_with_limit(bytes: &[u8], limit: usize) -> Result<Sheet, BatchError> {
    let text = std::str::from_utf8(bytes).map_err(|e| BatchError::NotText {
        line: line_of(bytes, e.valid_up_to()),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut count = 0usize;
    while reader
        .read_record(&mut record)
        .map_err(|e| BatchError::Csv {
            detail: e.to_string(),
        })?
    {
        if record.iter().all(is_blank) {
            continue;
        }
        if headers.is_none() {
            headers = Some(record.iter().map(|h| h.trim().to_owned()).collect());
            continue;
        }
        count += 1;
        if count <= limit {
            rows.push(record.iter().map(str::to_owned).collect());
        }
    }
    let headers = headers.ok_or(BatchError::Empty)?;
    if count == 0 {
        return Err(BatchError::NoRows);
    }
    if count > limit {
        return Err(BatchError::TooManyRows { rows: count, limit });
    }
    Ok(Sheet { headers, rows })
}

/// A cell of spaces and separators only (`,` `;` tab), as a row of separators in a file with
/// another delimiter has: it holds nothing to read.
fn is_blank(cell: &str) -> bool {
    cell.chars()
        .all(|c| c.is_whitespace() || c == ',' || c == ';')
}

/// The line (from 1) of the byte at `at`.
fn line_of(bytes: &[u8], at: usize) -> usize {
    bytes
        .get(..at)
        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(s: &Sheet) -> Vec<Vec<&str>> {
        s.rows()
            .iter()
            .map(|r| r.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn with_or_without_a_byte_order_mark() {
        let plain = read_sheet(b"Name,Phone\nAda,+14155552671\n").unwrap();
        let bom = read_sheet(b"\xef\xbb\xbfName,Phone\r\nAda,+14155552671\r\n").unwrap();
        assert_eq!(plain, bom);
        assert_eq!(bom.headers(), ["Name", "Phone"]);
        assert_eq!(cells(&bom), [["Ada", "+14155552671"]]);
    }

    #[test]
    fn semicolons_and_tabs_are_found_from_the_header() {
        let s = read_sheet("Name;Phone;Note\nAda;+33 1 42 68 53 00;a, b\n".as_bytes()).unwrap();
        assert_eq!(s.headers(), ["Name", "Phone", "Note"]);
        assert_eq!(cells(&s), [["Ada", "+33 1 42 68 53 00", "a, b"]]);
        let s = read_sheet(b"Name\tPhone\nAda\t4,15555E+10\n").unwrap();
        assert_eq!(cells(&s), [["Ada", "4,15555E+10"]]);
        // A comma inside a quoted header does not count.
        let s = read_sheet(b"\"Name, full\";Phone\n\"Okafor, Ada\";1\n").unwrap();
        assert_eq!(s.headers(), ["Name, full", "Phone"]);
        assert_eq!(cells(&s), [["Okafor, Ada", "1"]]);
    }

    #[test]
    fn a_quoted_cell_may_hold_a_newline_and_quotes() {
        let s = read_sheet(
            b"Phone,Note\n+14155552671,\"first line\nsecond \"\"line\"\"\"\n+442079460018,x\n",
        )
        .unwrap();
        assert_eq!(
            cells(&s),
            [
                ["+14155552671", "first line\nsecond \"line\""],
                ["+442079460018", "x"]
            ]
        );
    }

    #[test]
    fn blank_rows_are_skipped_and_not_numbered_and_short_rows_are_empty_cells() {
        let s = read_sheet(b"\n , \nPhone,Name,City\n\n1,Ada\n  ,\t,\n;;\n2,Bob,Paris,extra\n,\n")
            .unwrap();
        assert_eq!(s.headers(), ["Phone", "Name", "City"]);
        assert_eq!(s.rows().len(), 2, "{:?}", s.rows());
        assert_eq!(s.cell(0, 0), "1");
        assert_eq!(s.cell(0, 2), "", "a short row");
        assert_eq!(s.cell(1, 3), "extra");
        assert_eq!(s.cell(9, 0), "");
    }

    #[test]
    fn a_file_that_is_not_text_or_has_nothing_to_call_is_refused() {
        assert_eq!(
            read_sheet(b"Name,Phone\nAda,1\nB\xff\xfe,2\n"),
            Err(BatchError::NotText { line: 3 })
        );
        // UTF-16, as some spreadsheets export "Unicode text".
        assert_eq!(
            read_sheet(b"\xff\xfeP\0h\0"),
            Err(BatchError::NotText { line: 1 })
        );
        assert_eq!(read_sheet(b""), Err(BatchError::Empty));
        assert_eq!(read_sheet(b"\xef\xbb\xbf\n ,\n"), Err(BatchError::Empty));
        assert_eq!(read_sheet(b"Name,Phone\n,\n\n"), Err(BatchError::NoRows));
        let e = read_sheet(b"Name,Phone\n").unwrap_err();
        assert!(e.to_string().contains("no rows to call"), "{e}");
    }

    #[test]
    fn ten_thousand_rows_are_refused_and_counted() {
        let mut text = String::from("Name,Phone\n");
        for i in 0..10_000 {
            text.push_str(&format!("Person {i},+1 312 555 {:04}\n\n", i % 10_000));
        }
        let e = read_sheet(text.as_bytes()).unwrap_err();
        assert_eq!(
            e,
            BatchError::TooManyRows {
                rows: 10_000,
                limit: MAX_ROWS
            }
        );
        assert_eq!(
            e.to_string(),
            "This file has 10000 rows to call; a batch can have at most 500. Split it into files of 500 rows or fewer."
        );
        // Exactly at the limit is fine, and a caller may raise it.
        let at_limit: String = text
            .lines()
            .take(1 + 2 * MAX_ROWS)
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(
            read_sheet(at_limit.as_bytes()).unwrap().rows().len(),
            MAX_ROWS
        );
        assert_eq!(
            read_sheet_with_limit(text.as_bytes(), 10_000)
                .unwrap()
                .rows()
                .len(),
            10_000
        );
    }
}
