//! The do-not-call list: numbers the user asked MissionCall never to call, kept in the history
//! file (see `history/do_not_call.rs` for the table and [`History::add_do_not_call`] and its
//! neighbours). The placing path refuses a listed number with [`refusal`]'s words before
//! anything is sent, and the attempt row cannot even be written for it, so every way of placing
//! a call (the form, the CLI, a batch, a schedule) is covered by the one check.
//!
//! This file holds the list's words and shapes, and its files: [`read`] a CSV file (a number
//! column guessed from its header, or a file of numbers alone; `,` `;` or tab; with or without
//! a byte-order mark; a spreadsheet's leading `'` removed), which changes nothing and says what
//! each row would give, then [`apply`] it; [`export_to_file`] writes the list as CSV. It must
//! never drop a number silently: a row it cannot read is listed with the reason.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Datelike, Local, SecondsFormat, Utc};
use serde::Serialize;

use crate::contacts_import::{delimiter, find_column, header_key, MAX_ENTRIES, PHONE_HEADERS};
use crate::export::many::{spreadsheet_safe, write_file, ExportError, BOM};
use crate::history::{History, Result as HistoryResult};
use crate::phone;

/// The longest reason kept, in characters (a longer one typed by hand is refused; one read
/// from a file is cut, so that its number is still listed).
pub const MAX_REASON_CHARS: usize = 200;

/// The CSV columns of an export, in order (an import reads them back).
pub const CSV_HEADER: [&str; 4] = ["phone_number", "added_at", "reason", "source"];

/// How a number got on the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum Source {
    /// From a call in the history ("Don't call this number again").
    Call,
    /// From a file.
    Import,
    /// Typed by hand.
    Typed,
}

impl Source {
    /// The word stored in the history file.
    pub fn key(self) -> &'static str {
        match self {
            Source::Call => "call",
            Source::Import => "import",
            Source::Typed => "typed",
        }
    }

    /// The source for a stored word.
    pub fn from_key(key: &str) -> Option<Source> {
        [Source::Call, Source::Import, Source::Typed]
            .into_iter()
            .find(|s| s.key() == key)
    }

    /// Plain words: "from a call", "imported", "typed".
    pub fn label(self) -> &'static str {
        match self {
            Source::Call => "from a call",
            Source::Import => "imported",
            Source::Typed => "typed",
        }
    }
}

/// A number on the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Listing {
    /// The number, E.164.
    pub phone_e164: String,
    /// When it was put on the list.
    pub added_at: DateTime<Utc>,
    /// Why, in the user's words, if they gave a reason.
    pub reason: Option<String>,
    /// How it got there.
    pub source: Source,
    /// The call it was added from, when [`Source::Call`].
    pub call_id: Option<i64>,
}

/// What adding a number did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Added {
    /// The number's listing as it is now.
    pub listing: Listing,
    /// It was on the list already (its date and source were kept; a new reason replaced the
    /// old one).
    pub already_listed: bool,
}

/// A reason as it is kept: one line, trimmed, at most [`MAX_REASON_CHARS`] characters.
pub fn clean_reason(text: &str) -> Result<String, String> {
    let reason = crate::session::plain_line(text);
    let n = reason.chars().count();
    if n > MAX_REASON_CHARS {
        return Err(format!(
            "A reason can have at most {MAX_REASON_CHARS} characters; this one has {n}."
        ));
    }
    Ok(reason)
}

/// The day a number was added, in the user's time zone: "3 Dec", with the year when it is not
/// the year of `now`.
pub fn day_label(added_at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let day = added_at.with_timezone(&Local);
    if day.year() == now.with_timezone(&Local).year() {
        day.format("%-d %b").to_string()
    } else {
        day.format("%-d %b %Y").to_string()
    }
}

/// Why a listed number is not called: "You asked MissionCall never to call +44 20 7946 0958
/// (added 3 Dec: "asked not to be called"). Remove it from the do-not-call list to call it."
pub fn refusal(phone_e164: &str, added_on: &str, reason: Option<&str>) -> String {
    refusal_words(&phone::display(phone_e164), &refusal_why(added_on, reason))
}

/// The part of [`refusal`] that says when (and why) the number was listed: "added 3 Dec:
/// "asked not to be called"", or "added 3 Dec".
pub fn refusal_why(added_on: &str, reason: Option<&str>) -> String {
    match reason.filter(|r| !r.is_empty()) {
        Some(r) => format!("added {added_on}: \"{r}\""),
        None => format!("added {added_on}"),
    }
}

/// [`refusal`] around a number as displayed and its [`refusal_why`].
pub fn refusal_words(number: &str, why: &str) -> String {
    format!(
        "You asked MissionCall never to call {number} ({why}). Remove it from the do-not-call list to call it."
    )
}

// ----- import

/// One data row of a file (blank rows are skipped and not numbered).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportRow {
    /// The row, from 1, header excluded.
    pub at: usize,
    /// The number as written in the file.
    pub input: String,
    /// The number as it will be listed, when it can be.
    pub e164: Option<String>,
    /// The reason the file gives (empty when none).
    pub reason: String,
    /// When the file says it was added (an export's `added_at`); else it is added now.
    pub added_at: Option<DateTime<Utc>>,
    /// Why the row will not be listed (`None` when it will).
    pub problem: Option<String>,
    /// The number is on the list already (it stays as it is). See [`ImportPreview::mark_listed`].
    pub already_listed: bool,
}

/// What reading a file found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportPreview {
    /// Every data row, in file order.
    pub rows: Vec<ImportRow>,
}

impl ImportPreview {
    /// The rows that will be listed (or are already).
    pub fn good(&self) -> impl Iterator<Item = &ImportRow> {
        self.rows.iter().filter(|r| r.problem.is_none())
    }

    /// Notes which good rows' numbers are on the list already.
    pub fn mark_listed(&mut self, h: &History) -> HistoryResult<()> {
        for r in &mut self.rows {
            if let (None, Some(n)) = (&r.problem, &r.e164) {
                r.already_listed = h.is_do_not_call(n)?;
            }
        }
        Ok(())
    }
}

/// What [`apply`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Imported {
    /// Numbers put on the list.
    pub added: u64,
    /// Numbers that were on it already (left as they were).
    pub already_listed: u64,
    /// Rows not listed (see their `problem`).
    pub skipped: u64,
}

/// Why a file could not be read at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImportError {
    #[error("This file is not text MissionCall can read (it is not UTF-8). Save it again as CSV in UTF-8.")]
    NotText,
    #[error("No numbers were found in this file. MissionCall reads CSV files with a phone column, or a file with one number per line.")]
    Nothing,
    #[error("This file has several columns and none MissionCall recognises as the phone number. Name that column \"phone\" and try again.")]
    NoPhoneColumn,
    #[error("This file has more than {MAX_ENTRIES} numbers. Split it into smaller files.")]
    TooMany,
    #[error("The CSV file could not be read: {0}. Check that it is a CSV file.")]
    Csv(String),
}

const REASON_HEADERS: &[&str] = &["reason", "note", "notes", "comment", "comments", "why"];
const ADDED_HEADERS: &[&str] = &["added_at", "added", "date added", "added on"];

/// Reads a CSV file's text. Numbers written without their country code are read in `region`.
/// Nothing is changed; see [`apply`].
pub fn read(text: &str, region: Option<&str>) -> Result<ImportPreview, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut records = reader
        .records()
        .map(|r| r.map_err(|e| ImportError::Csv(e.to_string())))
        .filter(|r| !matches!(r, Ok(rec) if rec.iter().all(|f| f.trim().is_empty())));
    let Some(first) = records.next().transpose()? else {
        return Err(ImportError::Nothing);
    };
    let headers: Vec<String> = first.iter().map(header_key).collect();
    // A header row names the phone column; a file of numbers alone may have a header of its
    // own words, or none (then its first row is a number).
    let (phone_col, reason_col, added_col, first_is_data) =
        match find_column(&headers, PHONE_HEADERS) {
            Some(p) => (
                p,
                find_column(&headers, REASON_HEADERS),
                find_column(&headers, ADDED_HEADERS),
                false,
            ),
            None if first.iter().filter(|f| !f.trim().is_empty()).count() == 1 => {
                let col = first.iter().position(|f| !f.trim().is_empty()).unwrap_or(0);
                (col, None, None, looks_like_a_number(&first[col]))
            }
            None => return Err(ImportError::NoPhoneColumn),
        };
    let first = first_is_data.then_some(Ok(first));
    let mut rows = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, record) in first.into_iter().chain(records).enumerate() {
        let record = record?;
        let at = i + 1;
        if rows.len() >= MAX_ENTRIES {
            return Err(ImportError::TooMany);
        }
        let field = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("").trim();
        let input = unquoted(field(Some(phone_col))).to_owned();
        let reason = crate::session::plain_line(formula_unquoted(field(reason_col)))
            .chars()
            .take(MAX_REASON_CHARS)
            .collect::<String>();
        let added_at = DateTime::parse_from_rfc3339(field(added_col))
            .ok()
            .map(|t| t.with_timezone(&Utc));
        let (e164, mut problem) = if input.is_empty() {
            (None, Some("This row has no number.".to_owned()))
        } else if let Some(why) = spreadsheet_damage(&input) {
            (None, Some(why))
        } else {
            match phone::parse(&input, region) {
                Ok(p) => (Some(p.e164), None),
                Err(e) => (None, Some(e.to_string())),
            }
        };
        if let Some(n) = &e164 {
            if let Some(earlier) = seen.get(n) {
                problem = Some(format!(
                    "This number is already on row {earlier} of this file."
                ));
            } else {
                seen.insert(n.clone(), at);
            }
        }
        rows.push(ImportRow {
            at,
            input,
            e164,
            reason,
            added_at,
            problem,
            already_listed: false,
        });
    }
    if rows.is_empty() {
        return Err(ImportError::Nothing);
    }
    Ok(ImportPreview { rows })
}

/// Reads the file's bytes (see [`read`]).
pub fn read_bytes(bytes: &[u8], region: Option<&str>) -> Result<ImportPreview, ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ImportError::NotText)?;
    read(text, region)
}

/// Puts the good rows of `preview` on the list (source: imported), in one transaction. A
/// number already listed keeps its listing.
pub fn apply(h: &History, preview: &ImportPreview) -> HistoryResult<Imported> {
    let good: Vec<(&str, &str, Option<DateTime<Utc>>)> = preview
        .good()
        .filter_map(|r| Some((r.e164.as_deref()?, r.reason.as_str(), r.added_at)))
        .collect();
    let (added, already_listed) = h.add_do_not_call_many(&good, Source::Import)?;
    Ok(Imported {
        added,
        already_listed,
        skipped: (preview.rows.len() - good.len()) as u64,
    })
}

/// A spreadsheet's marks around a cell: the leading `'` that keeps it text (also in front of
/// a formula start, as [`spreadsheet_safe`] writes it).
fn unquoted(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell).trim()
}

/// A text cell as [`write_csv`] wrote it: the `'` it put before a formula start removed (any
/// other leading `'` is the user's own).
fn formula_unquoted(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => cell,
    }
}

/// Whether a lone first cell is a number rather than a column's name.
fn looks_like_a_number(cell: &str) -> bool {
    let cell = unquoted(cell.trim());
    cell.chars().filter(char::is_ascii_digit).count() >= 3
        && !cell
            .chars()
            .any(|c| c.is_alphabetic() && c != 'E' && c != 'e')
}

/// Why a cell is a number a spreadsheet changed beyond repair (`4.15555E+10`, or `4,15555E+10`
/// with a decimal comma: digits lost to scientific notation), or `None`.
pub(crate) fn spreadsheet_damage(cell: &str) -> Option<String> {
    let t = cell.trim();
    let (mantissa, exp) = t.split_once(['e', 'E'])?;
    let exp = exp.strip_prefix('+').unwrap_or(exp);
    let mantissa_ok = !mantissa.is_empty()
        && mantissa
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        && mantissa.chars().filter(|c| *c == '.' || *c == ',').count() <= 1;
    if !mantissa_ok || exp.is_empty() || !exp.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(format!(
        "\"{t}\" is a number a spreadsheet rewrote in scientific notation, so its last digits are lost. Format the column as text in the spreadsheet, type the numbers again, and export the file again."
    ))
}

// ----- export

/// Writes the list as CSV (UTF-8 with a byte-order mark; the columns of [`CSV_HEADER`]; dates
/// RFC 3339 in UTC; cells a spreadsheet would take for a formula, the `+` of a number
/// included, get a leading `'`, which [`read`] removes). Returns how many numbers it wrote.
pub fn write_csv<W: Write>(list: &[Listing], mut out: W) -> Result<u64, ExportError> {
    out.write_all(BOM.as_bytes()).map_err(ExportError::Write)?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let io = |e: csv::Error| ExportError::Write(e.into());
    w.write_record(CSV_HEADER).map_err(io)?;
    for l in list {
        let added = l.added_at.to_rfc3339_opts(SecondsFormat::Secs, true);
        w.write_record([
            spreadsheet_safe(&l.phone_e164).as_ref(),
            &added,
            &spreadsheet_safe(l.reason.as_deref().unwrap_or("")),
            l.source.key(),
        ])
        .map_err(io)?;
    }
    w.flush().map_err(ExportError::Write)?;
    Ok(list.len() as u64)
}

/// Writes the whole list to `path` (see [`write_csv`]) the way a history export is written:
/// a private temporary file renamed when complete; an existing file is refused unless
/// `replace`.
pub fn export_to_file(h: &History, path: &Path, replace: bool) -> Result<u64, ExportError> {
    let list = h.do_not_call_list()?;
    write_file(path, replace, |w| write_csv(&list, w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(p: &ImportPreview) -> Vec<Option<&str>> {
        p.rows.iter().map(|r| r.e164.as_deref()).collect()
    }

    #[test]
    fn a_file_of_numbers_alone_with_or_without_a_header() {
        let p = read("+14155552671\r\n\r\n'+44 20 7946 0958\n", None).unwrap();
        assert_eq!(
            numbers(&p),
            [Some("+14155552671"), Some("+442079460958")],
            "the blank row is skipped"
        );
        assert_eq!(p.rows[1].at, 2);
        let p = read("\u{feff}Numbers to avoid\n020 7946 0958\n", Some("GB")).unwrap();
        assert_eq!(numbers(&p), [Some("+442079460958")]);
        assert_eq!(read("Numbers\n\n", None), Err(ImportError::Nothing));
        assert_eq!(read("", None), Err(ImportError::Nothing));
    }

    #[test]
    fn the_phone_column_is_found_by_its_name() {
        let text = "Name;Mobile;Notes\nAda;+1 415 555 2671;asked twice\nBob;;x\nCy;4.15555E+10;\nDee;(415) 555-2671;\n";
        let p = read(text, Some("US")).unwrap();
        assert_eq!(
            numbers(&p),
            [Some("+14155552671"), None, None, Some("+14155552671")]
        );
        assert_eq!(p.rows[0].reason, "asked twice");
        assert!(p.rows[1].problem.as_deref().unwrap().contains("no number"));
        assert!(p.rows[2].problem.as_deref().unwrap().contains("scientific"));
        assert!(p.rows[3].problem.as_deref().unwrap().contains("row 1"));
        assert_eq!(p.good().count(), 1);
        assert_eq!(
            read("Name,Company\nAda,Acme\n", None),
            Err(ImportError::NoPhoneColumn)
        );
        assert_eq!(
            read_bytes(b"phone\n\xff\xfe\n", None),
            Err(ImportError::NotText)
        );
    }

    #[test]
    fn scientific_notation_is_recognised_and_nothing_else() {
        for bad in ["4.15555E+10", "4.15555e10", "1E+11", "4,15555E+10"] {
            assert!(spreadsheet_damage(bad).is_some(), "{bad}");
        }
        for fine in [
            "+14155552671",
            "0800 123 456",
            "E1",
            "4.1.5E+10",
            "4,1.5E+10",
            "12E+",
        ] {
            assert!(spreadsheet_damage(fine).is_none(), "{fine}");
        }
    }

    #[test]
    fn the_refusal_says_when_and_why() {
        assert_eq!(
            refusal("+442079460958", "3 Dec", Some("asked not to be called")),
            "You asked MissionCall never to call +44 20 7946 0958 (added 3 Dec: \"asked not to be called\"). Remove it from the do-not-call list to call it."
        );
        assert_eq!(
            refusal("+442079460958", "3 Dec 2024", None),
            "You asked MissionCall never to call +44 20 7946 0958 (added 3 Dec 2024). Remove it from the do-not-call list to call it."
        );
    }

    #[test]
    fn reasons_are_one_line_and_bounded() {
        assert_eq!(
            clean_reason(" asked\nnot to be\u{7} called ").unwrap(),
            "asked not to be called"
        );
        assert!(clean_reason(&"x".repeat(MAX_REASON_CHARS + 1)).is_err());
    }
}
