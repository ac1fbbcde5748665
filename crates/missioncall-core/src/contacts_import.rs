//! Names for numbers, read from a file a person already has: a vCard (`.vcf`, as phones and
//! address books export them, versions 2.1, 3.0 and 4.0) or a CSV file with a name column and a
//! phone column (the csv crate reads it; `,`, `;` or tab). Reading changes nothing: it lists
//! each entry with the number as it will be kept, or why it cannot be; [`apply`] then keeps the
//! good ones. A card with several numbers gives one entry per number.

use std::collections::HashSet;

use serde::Serialize;

use crate::history::{History, Result as HistoryResult};
use crate::phone;
use crate::review::clean_contact_name;

/// The most entries one file may give (a bigger file is refused with a plain reason).
pub const MAX_ENTRIES: usize = 20_000;

/// One name and number found in the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Where it was found: the card's number (vCard) or the row (CSV, header excluded), from 1.
    pub at: usize,
    /// The name as it will be kept (one line, trimmed).
    pub name: String,
    /// The number as written in the file.
    pub input: String,
    /// The number as it will be kept, when it can be.
    pub e164: Option<String>,
    /// Why it will not be kept (`None` when it will).
    pub problem: Option<String>,
}

/// What reading a file found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Preview {
    pub entries: Vec<Entry>,
}

impl Preview {
    /// The entries that will be kept.
    pub fn good(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.problem.is_none())
    }
}

/// What [`apply`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// Numbers that had no name.
    pub added: u64,
    /// Numbers whose name changed.
    pub renamed: u64,
    /// Numbers that already had this name.
    pub unchanged: u64,
    /// Entries not kept (see their `problem`).
    pub skipped: u64,
}

/// Why a file could not be read at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImportError {
    #[error("This file is not text MissionCall can read (it is not UTF-8). Export the contacts again as vCard or as CSV in UTF-8.")]
    NotText,
    #[error("No contacts were found in this file. MissionCall reads vCard files (.vcf) and CSV files with a name column and a phone column.")]
    Nothing,
    #[error("This CSV file has no column MissionCall recognises as {0}. Name the columns, for example \"Name\" and \"Phone\", and try again.")]
    NoColumn(&'static str),
    #[error("This file has more than {MAX_ENTRIES} numbers. Split it into smaller files.")]
    TooMany,
    #[error("The CSV file could not be read: {0}. Check that it is a CSV file.")]
    Csv(String),
}

/// Reads a vCard or CSV file's text (a vCard is recognised by its `BEGIN:VCARD`). Numbers
/// written without their country code are read in `region`.
pub fn read(text: &str, region: Option<&str>) -> Result<Preview, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let found = if text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .is_some_and(|l| l.eq_ignore_ascii_case("BEGIN:VCARD"))
    {
        vcard_entries(text)?
    } else {
        csv_entries(text)?
    };
    if found.is_empty() {
        return Err(ImportError::Nothing);
    }
    Ok(check(found, region))
}

/// Reads the file's bytes (see [`read`]).
pub fn read_bytes(bytes: &[u8], region: Option<&str>) -> Result<Preview, ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ImportError::NotText)?;
    read(text, region)
}

/// (where, name, number as written)
type Raw = (usize, String, String);

fn check(found: Vec<Raw>, region: Option<&str>) -> Preview {
    let mut seen = HashSet::new();
    let entries = found
        .into_iter()
        .map(|(at, name, input)| {
            let (name, mut problem) = match clean_contact_name(&name) {
                Ok(n) => (n, None),
                Err(m) => (name.trim().to_owned(), Some(m)),
            };
            let e164 = match phone::parse(&input, region) {
                Ok(p) => Some(p.e164),
                Err(e) => {
                    problem.get_or_insert_with(|| format!("{e}"));
                    None
                }
            };
            if let Some(n) = &e164 {
                if problem.is_none() && !seen.insert(n.clone()) {
                    problem = Some(
                        "This number is already named earlier in the file; the first name is kept."
                            .into(),
                    );
                }
            }
            Entry {
                at,
                name,
                input,
                e164,
                problem,
            }
        })
        .collect();
    Preview { entries }
}

/// Keeps the good entries of `preview` as contacts (a number's earlier name is replaced).
pub fn apply(h: &History, preview: &Preview) -> HistoryResult<Applied> {
    let mut out = Applied {
        skipped: preview.entries.len() as u64 - preview.good().count() as u64,
        ..Applied::default()
    };
    for e in preview.good() {
        let Some(phone) = &e.e164 else { continue };
        match h.contact(phone)? {
            Some(c) if c.name == e.name => out.unchanged += 1,
            Some(_) => {
                h.set_contact(phone, &e.name)?;
                out.renamed += 1;
            }
            None => {
                h.set_contact(phone, &e.name)?;
                out.added += 1;
            }
        }
    }
    Ok(out)
}

// ----- vCard

/// The logical lines of a vCard: a line that starts with a space or a tab continues the one
/// before (RFC 6350 §3.2); a quoted-printable line that ends with `=` continues on the next
/// (vCard 2.1).
fn unfolded(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut soft_break = false;
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let (Some(last), Some(rest)) = (
            lines.last_mut(),
            raw.strip_prefix(' ').or_else(|| raw.strip_prefix('\t')),
        ) {
            last.push_str(rest);
            continue;
        }
        if soft_break {
            if let Some(last) = lines.last_mut() {
                last.pop();
                last.push_str(raw);
                soft_break = last.ends_with('=') && is_quoted_printable(last);
                continue;
            }
        }
        soft_break = raw.ends_with('=') && is_quoted_printable(raw);
        lines.push(raw.to_owned());
    }
    lines
}

fn is_quoted_printable(line: &str) -> bool {
    line.split(':')
        .next()
        .is_some_and(|p| p.to_ascii_uppercase().contains("QUOTED-PRINTABLE"))
}

/// A property line split into its name (upper case, group removed), its parameters and its
/// value.
fn property(line: &str) -> Option<(String, String, &str)> {
    let colon = line.find(':')?;
    let (head, value) = (&line[..colon], &line[colon + 1..]);
    let mut parts = head.split(';');
    let name = parts.next()?;
    let name = name.rsplit('.').next().unwrap_or(name).to_ascii_uppercase();
    let params = parts.collect::<Vec<_>>().join(";").to_ascii_uppercase();
    Some((name, params, value))
}

/// A text value: `\,` `\;` `\\` and `\n` unescaped; quoted-printable decoded.
fn text_value(params: &str, value: &str) -> String {
    let value = if params.contains("QUOTED-PRINTABLE") {
        decode_quoted_printable(value)
    } else {
        value.to_owned()
    };
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push(' '),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn decode_quoted_printable(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn vcard_entries(text: &str) -> Result<Vec<Raw>, ImportError> {
    let mut out = Vec::new();
    let mut card = 0;
    let mut inside = false;
    let mut name: Option<String> = None;
    let mut structured: Option<String> = None;
    let mut org: Option<String> = None;
    let mut numbers: Vec<String> = Vec::new();
    for line in unfolded(text) {
        let Some((prop, params, value)) = property(line.trim_end()) else {
            continue;
        };
        match prop.as_str() {
            "BEGIN" if value.trim().eq_ignore_ascii_case("VCARD") => {
                inside = true;
                card += 1;
                name = None;
                structured = None;
                org = None;
                numbers.clear();
            }
            "END" if value.trim().eq_ignore_ascii_case("VCARD") && inside => {
                inside = false;
                let who = name
                    .take()
                    .filter(|n| !n.trim().is_empty())
                    .or_else(|| structured.take())
                    .or_else(|| org.take())
                    .unwrap_or_default();
                for n in numbers.drain(..) {
                    out.push((card, who.clone(), n));
                    if out.len() > MAX_ENTRIES {
                        return Err(ImportError::TooMany);
                    }
                }
            }
            "FN" if inside => name = Some(text_value(&params, value)),
            "N" if inside => {
                // Family;Given;Additional;Prefix;Suffix → "Given Family".
                let v = text_value(&params, &value.replace("\\;", "\u{0}"));
                let parts: Vec<&str> = v.split(';').collect();
                let given = parts.get(1).copied().unwrap_or("");
                let family = parts.first().copied().unwrap_or("");
                let full = format!("{given} {family}").replace('\u{0}', ";");
                if !full.trim().is_empty() {
                    structured = Some(full.trim().to_owned());
                }
            }
            "ORG" if inside => {
                let v = text_value(&params, value);
                org = v.split(';').next().map(str::to_owned);
            }
            "TEL" if inside => {
                let v = value.trim();
                if !v.is_empty() {
                    numbers.push(v.to_owned());
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

// ----- CSV

const NAME_HEADERS: &[&str] = &[
    "name",
    "full name",
    "fullname",
    "display name",
    "contact",
    "contact name",
    "company",
    "business",
    "organization",
    "organisation",
];
const FIRST_HEADERS: &[&str] = &["first name", "given name", "firstname", "first"];
const LAST_HEADERS: &[&str] = &["last name", "family name", "surname", "lastname", "last"];
pub(crate) const PHONE_HEADERS: &[&str] = &[
    "phone",
    "phone number",
    "phonenumber",
    "phone_number",
    "number",
    "tel",
    "telephone",
    "mobile",
    "mobile phone",
    "cell",
    "primary phone",
    "phone 1 - value",
];

pub(crate) fn header_key(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn find_column(headers: &[String], names: &[&str]) -> Option<usize> {
    let keys: Vec<String> = names.iter().map(|n| header_key(n)).collect();
    headers.iter().position(|h| keys.contains(h))
}

/// The delimiter of the header line (the first line with more than separators and spaces):
/// the one of `,` `;` tab it has most of outside quotes (on a tie, tab, then `;`).
pub(crate) fn delimiter(text: &str) -> u8 {
    // Counts of `,` `;` and tab on the line so far.
    let mut counts = [0usize; 3];
    let mut quoted = false;
    let mut content = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                content = true;
            }
            _ if quoted => {}
            '\n' | '\r' if content => break,
            '\n' | '\r' => counts = [0; 3],
            ',' => counts[0] += 1,
            ';' => counts[1] += 1,
            '\t' => counts[2] += 1,
            _ => {}
        }
        content |= !c.is_whitespace() && c != ',' && c != ';';
    }
    [b',', b';', b'\t']
        .into_iter()
        .zip(counts)
        .max_by_key(|&(_, n)| n)
        .map_or(b',', |(d, _)| d)
}

fn csv_entries(text: &str) -> Result<Vec<Raw>, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ImportError::Csv(e.to_string()))?
        .iter()
        .map(header_key)
        .collect();
    let phone_col =
        find_column(&headers, PHONE_HEADERS).ok_or(ImportError::NoColumn("a phone number"))?;
    let name_col = find_column(&headers, NAME_HEADERS);
    let first_col = find_column(&headers, FIRST_HEADERS);
    let last_col = find_column(&headers, LAST_HEADERS);
    if name_col.is_none() && first_col.is_none() && last_col.is_none() {
        return Err(ImportError::NoColumn("a name"));
    }
    let mut out = Vec::new();
    let mut row = 0;
    for record in reader.records() {
        let record = record.map_err(|e| ImportError::Csv(e.to_string()))?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        row += 1;
        let field = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("").trim();
        let name = match name_col.map(|i| field(Some(i))).filter(|n| !n.is_empty()) {
            Some(n) => n.to_owned(),
            None => format!("{} {}", field(first_col), field(last_col))
                .trim()
                .to_owned(),
        };
        let number = field(Some(phone_col)).trim_start_matches('\'').to_owned();
        out.push((row, name, number));
        if out.len() > MAX_ENTRIES {
            return Err(ImportError::TooMany);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_and_numbers(p: &Preview) -> Vec<(String, Option<String>)> {
        p.entries
            .iter()
            .map(|e| (e.name.clone(), e.e164.clone()))
            .collect()
    }

    #[test]
    fn vcards_of_every_version_are_read() {
        let text = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Luigi's Trattoria\r\nTEL;TYPE=WORK,VOICE:+44 20 7946 0958\r\nEND:VCARD\r\n\
BEGIN:VCARD\nVERSION:4.0\nN:Okafor;Ada;;;\nTEL;VALUE=uri;TYPE=cell:tel:+1-415-555-2671\nTEL;TYPE=home:(212) 555-0123\nEND:VCARD\n\
BEGIN:VCARD\nVERSION:2.1\nFN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Caf=C3=A9 M=C3=\n=BCller\nTEL;CELL:020 7946 0018\nEND:VCARD\n\
BEGIN:VCARD\nVERSION:3.0\nFN:A very long name that is folded\n  across two lines\nitem1.TEL:+33 1 42 68 53 00\nEND:VCARD\n";
        let p = read(text, Some("US")).unwrap();
        assert_eq!(
            names_and_numbers(&p),
            vec![
                ("Luigi's Trattoria".into(), Some("+442079460958".into())),
                ("Ada Okafor".into(), Some("+14155552671".into())),
                ("Ada Okafor".into(), Some("+12125550123".into())),
                ("Café Müller".into(), None),
                (
                    "A very long name that is folded across two lines".into(),
                    Some("+33142685300".into())
                ),
            ]
        );
        // A national number with the wrong region is refused with the phone module's reason.
        assert!(p.entries[3].problem.is_some());
        let p = read(text, Some("GB")).unwrap();
        assert_eq!(p.entries[3].e164.as_deref(), Some("+442079460018"));
        assert_eq!(p.entries[3].at, 3);
    }

    #[test]
    fn csv_files_with_their_usual_columns_are_read() {
        let text = "\u{feff}First Name;Last Name;Mobile Phone\n\"Ada\";Okafor;'+1 415 555 2671\n;;\nBob;;not a number\nAda;Again;+1 415 555 2671\n";
        let p = read(text, None).unwrap();
        assert_eq!(p.entries.len(), 3, "the blank row is skipped");
        assert_eq!(p.entries[0].name, "Ada Okafor");
        assert_eq!(p.entries[0].e164.as_deref(), Some("+14155552671"));
        assert!(p.entries[1].problem.is_some());
        assert_eq!(p.entries[1].at, 2);
        assert!(
            p.entries[2]
                .problem
                .as_deref()
                .unwrap()
                .contains("already named"),
            "{:?}",
            p.entries[2]
        );
        assert_eq!(p.good().count(), 1);

        assert_eq!(
            read("Company,Notes\nAcme,hi\n", None),
            Err(ImportError::NoColumn("a phone number"))
        );
        assert_eq!(
            read("Phone,Notes\n+14155552671,hi\n", None),
            Err(ImportError::NoColumn("a name"))
        );
        assert_eq!(read("Name,Phone\n", None), Err(ImportError::Nothing));
        assert_eq!(
            read_bytes(b"Name,Phone\n\xff\xfe,1\n", None),
            Err(ImportError::NotText)
        );
    }

    #[test]
    fn the_delimiter_is_the_header_lines_outside_quotes() {
        assert_eq!(delimiter("Name,Phone\n"), b',');
        assert_eq!(
            delimiter("\n  \n\"Name, full\";\"Phone, mobile\";Notes\n"),
            b';'
        );
        assert_eq!(
            delimiter(";;;\n,,\nName,Phone"),
            b',',
            "a row of separators is blank"
        );
        assert_eq!(delimiter("\t\n\"a;b;c\"\tPhone\r\nx;y;z"), b'\t');
        assert_eq!(delimiter("\"Name\nwith, a, newline\";Phone\n"), b';');
        assert_eq!(
            delimiter("Phone\n+1,2,3"),
            b'\t',
            "a lone column is not split"
        );
        assert_eq!(delimiter(""), b'\t');
    }

    #[test]
    fn hostile_names_are_kept_as_one_line_of_text() {
        let text = "Name,Phone\n\"<img src=x onerror=alert(1)>\nsecond line\",+14155552671\n";
        let p = read(text, None).unwrap();
        assert_eq!(
            p.entries[0].name,
            "<img src=x onerror=alert(1)> second line"
        );
    }
}
