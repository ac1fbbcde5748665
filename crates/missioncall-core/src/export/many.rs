//! Every call matching a [`HistoryFilter`], exported as CSV, JSON or a printable Markdown report,
//! streamed: the calls are read a page at a time ([`History::pages`]) and written as they come,
//! so 100,000 calls are never held in memory at once.
//!
//! - **CSV** (RFC 4180, written by the `csv` crate, `\r\n` line ends): UTF-8 with a byte-order
//!   mark so spreadsheet programs read accents right; a header row, then one row a call with the
//!   columns of [`CSV_HEADER`] (plus `transcript` when asked). Dates are RFC 3339 in **UTC**
//!   (`2026-12-01T09:30:00Z`). Statuses and outcomes are in plain words; tags are joined with
//!   `"; "`. **Spreadsheet-safe**: a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage
//!   return gets a `'` in front so no spreadsheet takes it for a formula. This includes the
//!   number: `+14155550100` is written `'+14155550100` (spreadsheets show it as text, which also
//!   keeps its `+` and leading digits).
//! - **JSON**: one array, written call by call, each call with all of its fields (see
//!   [`ExportedCall`]); the transcript is always included.
//! - **Markdown** (`md`): a title, the filter, then one section per call. Text typed by the user
//!   or sent by the service is never markup: every ASCII punctuation character in it is
//!   backslash-escaped (CommonMark shows an escaped character as itself, so no heading, list,
//!   link, image, emphasis, code, entity or HTML tag can start), other control characters are
//!   dropped, and multi-line text is a block quote whose lines lose their leading blanks (so no
//!   line can become an indented code block or leave the quote).
//!
//! Writing a file ([`export_to_file`]) goes to a private (`0600`) temporary file in the same
//! folder, renamed to the chosen name only once complete: a cancelled or failed export leaves
//! nothing under that name (and removes its temporary file).

use std::borrow::Cow;
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::history::{CallRecord, History, HistoryError, HistoryFilter, OutcomeFilter};

/// The CSV columns, in order (without the optional `transcript`).
pub const CSV_HEADER: [&str; 9] = [
    "date", "number", "contact", "task", "status", "outcome", "tags", "note", "summary",
];

/// UTF-8's byte-order mark, first in a CSV export.
pub const BOM: &str = "\u{FEFF}";

/// The file formats of an export of many calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// A spreadsheet: one row a call.
    Csv,
    /// Everything, for programs.
    Json,
    /// A printable report.
    Markdown,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 3] = [Format::Csv, Format::Json, Format::Markdown];

    /// The format named `word` (`csv`, `json`, `md` or `markdown`, any case).
    pub fn parse(word: &str) -> Option<Format> {
        match word.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "md" | "markdown" => Some(Format::Markdown),
            _ => None,
        }
    }

    /// The usual file name extension (`csv`, `json`, `md`).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Markdown => "md",
        }
    }
}

/// How to export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportOptions {
    /// The file format.
    pub format: Format,
    /// Add each call's transcript (a CSV column; a section of the report). JSON always has it.
    pub with_transcripts: bool,
    /// Calls read at a time (0: [`crate::history::EXPORT_PAGE`]).
    pub page_size: u32,
}

impl ExportOptions {
    /// `format`, without transcripts, in the usual pages.
    pub fn new(format: Format) -> Self {
        ExportOptions {
            format,
            with_transcripts: false,
            page_size: 0,
        }
    }
}

/// Why an export did not finish.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The progress callback asked to stop. A file export leaves no file; a caller writing to
    /// its own writer should throw away what was written.
    #[error("The export was cancelled; no file was written.")]
    Cancelled,
    /// The history could not be read.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// The file already exists and replacing it was not allowed.
    #[error("{} already exists. Choose another name, or allow replacing it.", .path.display())]
    Exists {
        /// The chosen file.
        path: PathBuf,
    },
    /// The chosen name is a folder or has no file name.
    #[error("{} is not a file name. Give the name of the file to write, like calls.csv.", .path.display())]
    NotAFile {
        /// What was given.
        path: PathBuf,
    },
    /// The file could not be created in its folder.
    #[error("Could not create a file in {}: {source}. Check that the folder exists and that you may write to it.", .dir.display())]
    Create {
        /// The folder.
        dir: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// Writing failed part way (a full disk, a removed drive…).
    #[error("Could not write the export: {0}. Check that the disk has room, then try again; nothing was left under the chosen name.")]
    Write(#[source] io::Error),
}

type Result<T> = std::result::Result<T, ExportError>;

/// A call as the JSON export writes it.
#[derive(Debug, Serialize)]
pub struct ExportedCall<'a> {
    /// The local history id.
    pub id: i64,
    /// When the call was asked for (RFC 3339, UTC).
    pub created_at: String,
    /// When anything in it last changed.
    pub updated_at: String,
    /// When the status last changed.
    pub status_changed_at: String,
    /// When the service was last asked about it.
    pub last_checked_at: Option<String>,
    /// The number called, E.164.
    pub phone_number: &'a str,
    /// The region the number was typed in, if known.
    pub phone_region: Option<&'a str>,
    /// The name the user gave the number.
    pub contact: Option<&'a str>,
    /// What the agent was asked to do.
    pub task: &'a str,
    /// The service's task id.
    pub task_id: Option<&'a str>,
    /// The service's task number.
    pub task_number: Option<i64>,
    /// The status's word (`completed`, `unknown_outcome`…).
    pub status: &'a str,
    /// Whose word the status is: `service` or `local`.
    pub status_kind: &'static str,
    /// The status in plain words.
    pub status_text: String,
    /// Whether it is still followed (`following`, `given_up`, `unreadable`).
    pub tracking: &'static str,
    /// The last problem shown for it.
    pub error: Option<&'a str>,
    /// The service it was sent to, or the simulator.
    pub origin: &'a str,
    /// Made with the simulator (nobody was called).
    pub demo: bool,
    /// The user's judgement (`achieved`, `not_achieved`, `no_answer`, `follow_up`) or null.
    pub outcome: Option<&'static str>,
    /// The outcome in plain words, or null.
    pub outcome_text: Option<&'static str>,
    /// The user's note ("" when none).
    pub note: &'a str,
    /// The tags.
    pub tags: &'a [String],
    /// When to follow up: `YYYY-MM-DD` or `YYYY-MM-DD HH:MM` (local wall time), or null.
    pub follow_up: Option<String>,
    /// When the user last changed the outcome, note, tags or follow-up.
    pub annotated_at: Option<String>,
    /// The service's summary.
    pub summary: Option<&'a str>,
    /// The conversation.
    pub transcript: Option<&'a str>,
}

fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl<'a> From<&'a CallRecord> for ExportedCall<'a> {
    fn from(c: &'a CallRecord) -> Self {
        ExportedCall {
            id: c.id,
            created_at: time(&c.created_at),
            updated_at: time(&c.updated_at),
            status_changed_at: time(&c.status_changed_at),
            last_checked_at: c.last_checked_at.as_ref().map(time),
            phone_number: &c.phone_e164,
            phone_region: c.phone_region.as_deref(),
            contact: c.contact_name.as_deref(),
            task: &c.task,
            task_id: c.task_id.as_deref(),
            task_number: c.task_number,
            status: c.status.word(),
            status_kind: c.status.kind_name(),
            status_text: c.status.label(),
            tracking: c.tracking.key(),
            error: c.error.as_deref(),
            origin: c.origin.as_str(),
            demo: c.demo,
            outcome: c.outcome.map(|o| o.key()),
            outcome_text: c.outcome.map(|o| o.label()),
            note: &c.note,
            tags: &c.tags,
            follow_up: c.follow_up.map(|f| f.key()),
            annotated_at: c.annotated_at.as_ref().map(time),
            summary: c.summary.as_deref(),
            transcript: c.transcript.as_deref(),
        }
    }
}

/// A CSV cell that no spreadsheet takes for a formula: one beginning with `=`, `+`, `-`, `@`,
/// a tab or a carriage return gets a `'` in front.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// Text shown as itself in Markdown: ASCII punctuation backslash-escaped, line breaks and tabs
/// as spaces, other control characters dropped.
pub fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Multi-line text as a Markdown block quote of escaped lines (leading blanks dropped; line
/// breaks kept as hard breaks, blank lines as paragraph breaks).
pub fn markdown_block(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let line = markdown_text(line.trim_start());
        let line = line.trim_end();
        if line.is_empty() {
            out.push_str(">\n");
        } else {
            out.push_str("> ");
            out.push_str(line);
            out.push_str("  \n");
        }
    }
    out
}

/// The filter in plain words (for the report's heading).
pub fn describe_filter(f: &HistoryFilter) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(s) = &f.status {
        parts.push(format!("status: {}", s.label()));
    }
    if let Some(q) = f.search.as_deref().filter(|q| !q.trim().is_empty()) {
        parts.push(format!("search: “{q}”"));
    }
    match f.demo {
        Some(true) => parts.push("demo calls only".into()),
        Some(false) => parts.push("real calls only".into()),
        None => {}
    }
    match f.outcome {
        Some(OutcomeFilter::Is(o)) => parts.push(format!("outcome: {}", o.label())),
        Some(OutcomeFilter::NotSet) => parts.push("no outcome yet".into()),
        None => {}
    }
    if let Some(t) = &f.tag {
        parts.push(format!("tag: {t}"));
    }
    if let Some(p) = &f.phones {
        parts.push(format!("numbers: {}", p.join(", ")));
    }
    if let Some(s) = &f.since {
        parts.push(format!("since {}", time(s)));
    }
    if let Some(u) = &f.until {
        parts.push(format!("before {}", time(u)));
    }
    if parts.is_empty() {
        "all calls".into()
    } else {
        parts.join("; ")
    }
}

/// Reads every matching call page by page, handing each to `row`, and reports progress after
/// each page (`progress(done, total)`; `false` cancels). Returns how many calls were handed.
fn each_call(
    h: &History,
    filter: &HistoryFilter,
    opts: &ExportOptions,
    total: u64,
    progress: &mut impl FnMut(u64, u64) -> bool,
    mut row: impl FnMut(&CallRecord) -> io::Result<()>,
) -> Result<u64> {
    let mut pages = h.pages(filter, opts.page_size);
    let mut done = 0u64;
    while let Some(page) = pages.next_page()? {
        for c in &page {
            row(c).map_err(ExportError::Write)?;
        }
        done += page.len() as u64;
        if !progress(done, total.max(done)) {
            return Err(ExportError::Cancelled);
        }
    }
    Ok(done)
}

/// Writes every call matching `filter` (its limit and offset are ignored) to `out` in
/// `opts.format`, newest first. `progress(done, total)` is called before the first page and
/// after each page; when it returns `false` the export stops with [`ExportError::Cancelled`]
/// (what was written so far is incomplete: discard it). Returns how many calls were written.
pub fn write_calls<W: Write>(
    h: &History,
    filter: &HistoryFilter,
    opts: &ExportOptions,
    out: W,
    mut progress: impl FnMut(u64, u64) -> bool,
) -> Result<u64> {
    let total = h.count(filter)?;
    if !progress(0, total) {
        return Err(ExportError::Cancelled);
    }
    match opts.format {
        Format::Csv => write_csv(h, filter, opts, out, total, &mut progress),
        Format::Json => write_json(h, filter, opts, out, total, &mut progress),
        Format::Markdown => write_markdown(h, filter, opts, out, total, &mut progress),
    }
}

fn write_csv<W: Write>(
    h: &History,
    filter: &HistoryFilter,
    opts: &ExportOptions,
    mut out: W,
    total: u64,
    progress: &mut impl FnMut(u64, u64) -> bool,
) -> Result<u64> {
    out.write_all(BOM.as_bytes()).map_err(ExportError::Write)?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let mut header: Vec<&str> = CSV_HEADER.to_vec();
    if opts.with_transcripts {
        header.push("transcript");
    }
    w.write_record(&header)
        .map_err(|e| ExportError::Write(e.into()))?;
    let n = each_call(h, filter, opts, total, progress, |c| {
        let tags = c.tags.join("; ");
        let mut cells: Vec<Cow<str>> = vec![
            Cow::Owned(time(&c.created_at)),
            spreadsheet_safe(&c.phone_e164),
            spreadsheet_safe(c.contact_name.as_deref().unwrap_or("")),
            spreadsheet_safe(&c.task),
            Cow::Owned(spreadsheet_safe(&c.status.label()).into_owned()),
            spreadsheet_safe(c.outcome.map(|o| o.label()).unwrap_or("")),
            Cow::Owned(spreadsheet_safe(&tags).into_owned()),
            spreadsheet_safe(&c.note),
            spreadsheet_safe(c.summary.as_deref().unwrap_or("")),
        ];
        if opts.with_transcripts {
            cells.push(spreadsheet_safe(c.transcript.as_deref().unwrap_or("")));
        }
        w.write_record(cells.iter().map(|c| c.as_bytes()))
            .map_err(io::Error::from)
    })?;
    w.flush().map_err(ExportError::Write)?;
    Ok(n)
}

fn write_json<W: Write>(
    h: &History,
    filter: &HistoryFilter,
    opts: &ExportOptions,
    out: W,
    total: u64,
    progress: &mut impl FnMut(u64, u64) -> bool,
) -> Result<u64> {
    let mut out = BufWriter::new(out);
    out.write_all(b"[").map_err(ExportError::Write)?;
    let mut first = true;
    let n = each_call(h, filter, opts, total, progress, |c| {
        out.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        serde_json::to_writer(&mut out, &ExportedCall::from(c))?;
        Ok(())
    })?;
    out.write_all(if first { b"]\n" } else { b"\n]\n" })
        .and_then(|()| out.flush())
        .map_err(ExportError::Write)?;
    Ok(n)
}

fn write_markdown<W: Write>(
    h: &History,
    filter: &HistoryFilter,
    opts: &ExportOptions,
    out: W,
    total: u64,
    progress: &mut impl FnMut(u64, u64) -> bool,
) -> Result<u64> {
    let mut out = BufWriter::new(out);
    write!(
        out,
        "# MissionCall: calls\n\nExported {} (times in UTC). Filter: {}. Calls: {total}.\n",
        time(&h.now()),
        markdown_text(&describe_filter(filter)),
    )
    .map_err(ExportError::Write)?;
    let n = each_call(h, filter, opts, total, progress, |c| {
        write!(
            out,
            "\n## Call {} — {}\n\n",
            c.id,
            c.created_at.format("%Y-%m-%d %H:%M UTC")
        )?;
        let mut item = |label: &str, value: &str| -> io::Result<()> {
            if value.is_empty() {
                return Ok(());
            }
            writeln!(out, "- **{label}:** {}", markdown_text(value))
        };
        item("Number", &c.phone_e164)?;
        item("Contact", c.contact_name.as_deref().unwrap_or(""))?;
        item("Status", &c.status.label())?;
        item("Outcome", c.outcome.map(|o| o.label()).unwrap_or("not set"))?;
        item("Tags", &c.tags.join(", "))?;
        item(
            "Follow up",
            &c.follow_up.map(|f| f.key()).unwrap_or_default(),
        )?;
        if c.demo {
            item("Demo", "made with the simulator; nobody was called")?;
        }
        let mut block = |label: &str, text: &str| -> io::Result<()> {
            if text.trim().is_empty() {
                return Ok(());
            }
            write!(out, "\n**{label}**\n\n{}", markdown_block(text))
        };
        block("Task", &c.task)?;
        block("Note", &c.note)?;
        block("Summary", c.summary.as_deref().unwrap_or(""))?;
        if opts.with_transcripts {
            block("Transcript", c.transcript.as_deref().unwrap_or(""))?;
        }
        Ok(())
    })?;
    out.flush().map_err(ExportError::Write)?;
    Ok(n)
}

/// A temporary file removed when dropped, unless kept.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Creates a private temporary file next to `name` in `dir`.
fn temp_file(dir: &Path, name: &std::ffi::OsStr) -> Result<(TempFile, File)> {
    let mut last = None;
    for _ in 0..16 {
        let mut tmp = OsString::from(".");
        tmp.push(name);
        tmp.push(format!(
            ".{}-{:08x}.part",
            std::process::id(),
            rand::random::<u32>()
        ));
        let path = dir.join(tmp);
        match crate::private_fs::file_options()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => return Ok((TempFile { path, keep: false }, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(source) => {
                return Err(ExportError::Create {
                    dir: dir.to_path_buf(),
                    source,
                })
            }
        }
    }
    Err(ExportError::Create {
        dir: dir.to_path_buf(),
        source: last.unwrap_or_else(|| io::Error::other("no free temporary name")),
    })
}

/// Exports every call matching `filter` into the file at `path` (see [`write_calls`]).
///
/// The calls go to a private (`0600`) temporary file in the same folder, which becomes `path`
/// only when complete: if the export fails or is cancelled, nothing appears under `path` (an
/// existing file there is left as it was) and the temporary file is removed. An existing file
/// is replaced only when `replace` is true; otherwise the export ends with
/// [`ExportError::Exists`] (checked before the work and again, without a race, at the end).
pub fn export_to_file(
    h: &History,
    filter: &HistoryFilter,
    opts: &ExportOptions,
    path: &Path,
    replace: bool,
    progress: impl FnMut(u64, u64) -> bool,
) -> Result<u64> {
    write_file(path, replace, |w| write_calls(h, filter, opts, w, progress))
}

/// Writes the file at `path` with `write`, the way [`export_to_file`] does: into a private
/// temporary file in the same folder, synced, then put under the chosen name (refused if the
/// name is taken, unless `replace`). A failed `write` leaves nothing under that name.
pub fn write_file<T>(
    path: &Path,
    replace: bool,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<T>,
) -> Result<T> {
    let not_a_file = || ExportError::NotAFile {
        path: path.to_path_buf(),
    };
    let name = path.file_name().ok_or_else(not_a_file)?;
    if path.is_dir() {
        return Err(not_a_file());
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let exists = || ExportError::Exists {
        path: path.to_path_buf(),
    };
    if !replace && path.symlink_metadata().is_ok() {
        return Err(exists());
    }
    let (mut tmp, file) = temp_file(dir, name)?;
    let mut w = BufWriter::new(file);
    let n = write(&mut w)?;
    let file = w
        .into_inner()
        .map_err(|e| ExportError::Write(e.into_error()))?;
    file.sync_all().map_err(ExportError::Write)?;
    drop(file);
    if replace {
        std::fs::rename(&tmp.path, path).map_err(ExportError::Write)?;
    } else {
        // A hard link fails if the name was taken meanwhile; a file system without hard links
        // falls back to checking, then renaming.
        match std::fs::hard_link(&tmp.path, path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(exists()),
            Err(_) if path.symlink_metadata().is_ok() => return Err(exists()),
            Err(_) => {
                std::fs::rename(&tmp.path, path).map_err(ExportError::Write)?;
                tmp.keep = true;
            }
        }
    }
    if replace {
        tmp.keep = true;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised_and_nothing_else() {
        for bad in ["=1+1", "+14155550100", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(spreadsheet_safe(bad), format!("'{bad}"));
        }
        for fine in ["", "a=1", "Luigi", " =1", "'quoted", "1+1"] {
            assert_eq!(spreadsheet_safe(fine), fine);
        }
    }

    #[test]
    fn markdown_text_cannot_become_markup() {
        assert_eq!(
            markdown_text("# h [l](http://x) <img src=x> *a* `c` &amp;"),
            "\\# h \\[l\\]\\(http\\:\\/\\/x\\) \\<img src\\=x\\> \\*a\\* \\`c\\` \\&amp\\;"
        );
        assert_eq!(markdown_text("a\nb\u{7}c\u{202e}é"), "a bc\u{202e}é");
        assert_eq!(
            markdown_block("# one\n\n    - two\n---"),
            "> \\# one  \n>\n> \\- two  \n> \\-\\-\\-  \n"
        );
    }

    #[test]
    fn formats_are_named() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.extension()), Some(f));
        }
        assert_eq!(Format::parse(" Markdown "), Some(Format::Markdown));
        assert_eq!(Format::parse("xlsx"), None);
    }
}
