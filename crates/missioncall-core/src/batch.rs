//! Batch calls from a CSV file: reading the file ([`read_sheet`]) and the dry run
//! ([`plan`]), which says for each row what would be sent and to whom, or why that row would
//! not be called (an invalid number, a mission that cannot be written, a number twice in the
//! file, on the do-not-call list, called in the last day, or outside the calling hours).
//!
//! This is the pure core of a batch: it reads only the bytes it is given, never reads the
//! clock (`now` is passed in), never touches the history (its facts are passed in as plain
//! sets), and never sends, stores or places anything. It must never panic, whatever the file.
//!
//! The work is split by job: `sheet` reads the file, `column` finds the phone column,
//! `template` fills a mission's `{{column}}` placeholders, `numbers` reads a number and says
//! when a spreadsheet changed it; this file is the plan and its shapes.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use crate::callee_time::{self, CallingHours, HoursDecision, HORIZON_DAYS};
use crate::calls::MAX_TASK_CHARS;
use crate::identity::{self, CallerIdentity};

mod column;
mod error;
mod numbers;
mod sheet;
mod template;

pub use column::guess_phone_column;
pub use error::BatchError;
pub use sheet::{read_sheet, read_sheet_with_limit, Sheet};
pub use template::unknown_placeholders;

use template::{Rendered, Template};

/// The most rows to call one file may have (see [`read_sheet_with_limit`] to allow more).
pub const MAX_ROWS: usize = 500;

/// How far back a call to the same number makes a row a [`Verdict::RecentDuplicate`]: the
/// caller collects the numbers called within it into [`Facts::recent`].
pub const RECENT_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// What the dry run needs besides the file and the mission.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// The country (ISO 3166 alpha-2, any case) of numbers written without their country
    /// code; `None` (or empty) when every number must carry one.
    pub region: Option<String>,
    /// The header of the column holding the numbers (any case); `None` to guess it from the
    /// headers ([`guess_phone_column`]).
    pub phone_column: Option<String>,
    /// The instant the calls would be placed.
    pub now: DateTime<Utc>,
    /// The user's calling hours, in the callee's local time.
    pub hours: CallingHours,
    /// Whether the calling hours apply (they are lifted for a process run with
    /// `MISSIONCALL_CALLING_HOURS=off`); the callee's local time is shown either way.
    pub apply_hours: bool,
    /// Who the calls are made for (its sentence is added to every mission).
    pub identity: CallerIdentity,
}

/// What the history knows, as plain sets of E.164 numbers (`+` and digits).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// Numbers on the do-not-call list.
    pub do_not_call: HashSet<String>,
    /// Numbers called within the last [`RECENT_WINDOW`].
    pub recent: HashSet<String>,
}

/// What would happen to a row. When a row has several problems, the first of this list is
/// given: invalid, template error, duplicate in the file, do not call, recent duplicate,
/// outside hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The call would be placed.
    Ok,
    /// The number is missing or not valid.
    Invalid,
    /// An earlier row of the file has the same number; only the first is called.
    DuplicateInFile,
    /// The number was called within the last [`RECENT_WINDOW`].
    RecentDuplicate,
    /// The number is on the do-not-call list.
    DoNotCall,
    /// It is outside the calling hours where the callee is.
    OutsideHours,
    /// The mission for this row cannot be written (a placeholder with no column or an empty
    /// cell, or too long).
    TemplateError,
}

impl Verdict {
    /// The word for the verdict, as in the dry run's JSON (`ok`, `invalid`, ...).
    pub fn key(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Invalid => "invalid",
            Verdict::DuplicateInFile => "duplicate_in_file",
            Verdict::RecentDuplicate => "recent_duplicate",
            Verdict::DoNotCall => "do_not_call",
            Verdict::OutsideHours => "outside_hours",
            Verdict::TemplateError => "template_error",
        }
    }
}

/// The column the numbers are read from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PhoneColumn {
    /// Its position, from 0.
    pub index: usize,
    /// Its header, as in the file.
    pub name: String,
    /// Whether it was guessed from the headers rather than named by the user.
    pub guessed: bool,
}

/// One data row of the file, as the dry run sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedRow {
    /// The row's number, from 1 at the first data row (the header and blank rows are not
    /// counted).
    pub row: usize,
    /// The phone cell as read.
    pub input: String,
    /// The number as it would be dialled, when it is valid.
    pub e164: Option<String>,
    /// What would happen to the row.
    pub verdict: Verdict,
    /// Why the row would not be called, as a sentence for the user; `None` when it would.
    pub reason: Option<String>,
    /// The callee's local time at `now`, when it is known (the first zone's, when the number
    /// may ring in several).
    pub local_time: Option<DateTime<FixedOffset>>,
    /// The next time the calling hours allow, for a row outside them (when there is one).
    pub next_allowed: Option<DateTime<Utc>>,
    /// The mission exactly as it would be sent, identity sentence included; empty when it
    /// cannot be written.
    pub task: String,
}

/// How many rows got each verdict.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Rows that would be called.
    pub ok: usize,
    /// Rows with a missing or invalid number.
    pub invalid: usize,
    /// Rows whose number is on an earlier row.
    pub duplicate_in_file: usize,
    /// Rows whose number was called within [`RECENT_WINDOW`].
    pub recent_duplicate: usize,
    /// Rows whose number is on the do-not-call list.
    pub do_not_call: usize,
    /// Rows outside the calling hours.
    pub outside_hours: usize,
    /// Rows whose mission cannot be written.
    pub template_error: usize,
}

impl Counts {
    /// The count of one verdict.
    pub fn get(&self, verdict: Verdict) -> usize {
        match verdict {
            Verdict::Ok => self.ok,
            Verdict::Invalid => self.invalid,
            Verdict::DuplicateInFile => self.duplicate_in_file,
            Verdict::RecentDuplicate => self.recent_duplicate,
            Verdict::DoNotCall => self.do_not_call,
            Verdict::OutsideHours => self.outside_hours,
            Verdict::TemplateError => self.template_error,
        }
    }

    fn count(&mut self, verdict: Verdict) {
        let n = match verdict {
            Verdict::Ok => &mut self.ok,
            Verdict::Invalid => &mut self.invalid,
            Verdict::DuplicateInFile => &mut self.duplicate_in_file,
            Verdict::RecentDuplicate => &mut self.recent_duplicate,
            Verdict::DoNotCall => &mut self.do_not_call,
            Verdict::OutsideHours => &mut self.outside_hours,
            Verdict::TemplateError => &mut self.template_error,
        };
        *n += 1;
    }
}

/// The dry run of a batch: what would happen to each row. Nothing was sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The column the numbers were read from.
    pub phone_column: PhoneColumn,
    /// Placeholders of the mission that name no column of the file, as written (without
    /// braces), each once.
    pub unknown_placeholders: Vec<String>,
    /// One entry per data row, in the file's order.
    pub rows: Vec<PlannedRow>,
}

impl PlannedRow {
    /// When the row will be placed if the batch starts at the plan's `now`: at once when it
    /// passed, at its next allowed time when only the calling hours stopped it, never
    /// otherwise.
    pub fn due_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self.verdict {
            Verdict::Ok => Some(now),
            Verdict::OutsideHours => self.next_allowed,
            _ => None,
        }
    }

    /// Whether the row will be called (now, or later in the calling hours).
    pub fn callable(&self) -> bool {
        self.verdict == Verdict::Ok
            || (self.verdict == Verdict::OutsideHours && self.next_allowed.is_some())
    }
}

impl Plan {
    /// How many rows will be called (now, or later in the calling hours).
    pub fn callable(&self) -> usize {
        self.rows.iter().filter(|r| r.callable()).count()
    }

    /// How many rows got each verdict.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for r in &self.rows {
            counts.count(r.verdict);
        }
        counts
    }
}

/// What a phone cell gave, once per distinct cell.
struct Reading {
    /// The number as dialled, or why there is none.
    number: Result<String, String>,
    /// The calling-hours decision at `now` (only for a valid number).
    hours: Option<HoursDecision>,
}

/// The dry run: reads each row's number and writes its mission from `template`, then says
/// what would happen to it (see [`Verdict`]). Fails only for what concerns every row: an
/// unknown country, a phone column that cannot be found, a blank mission.
pub fn plan(
    sheet: &Sheet,
    template: &str,
    opts: &PlanOptions,
    facts: &Facts,
) -> Result<Plan, BatchError> {
    let region = numbers::checked_region(opts.region.as_deref())?;
    let phone_column = column::choose(sheet.headers(), opts.phone_column.as_deref())?;
    if template.trim().is_empty() {
        return Err(BatchError::NoMission);
    }
    let template = Template::parse(template, sheet.headers());
    let unknown = template.unknown();
    let unknown_reason = template::unknown_reason(&unknown, sheet.headers());

    let read_cell = |cell: &str| {
        let number = numbers::read(cell, region);
        let hours = number
            .as_ref()
            .ok()
            .map(|n| callee_time::decide_number(n, opts.now, &opts.hours));
        Reading {
            number: number.map(|n| n.e164),
            hours,
        }
    };
    // Each distinct cell is read once, in sorted order: the numbers of one country come
    // together, so a file that mixes countries does not thrash the phone crate's small regex
    // cache (100 patterns) as it would in the file's order.
    let mut distinct: Vec<&str> = sheet
        .rows()
        .iter()
        .map(|cells| numbers::cleaned(cell(cells, phone_column.index)))
        .collect();
    distinct.sort_unstable();
    distinct.dedup();
    let mut readings: HashMap<&str, Reading> =
        distinct.into_iter().map(|c| (c, read_cell(c))).collect();

    let mut first_row: HashMap<String, usize> = HashMap::new();
    let mut rows = Vec::with_capacity(sheet.rows().len());
    for (i, cells) in sheet.rows().iter().enumerate() {
        let row = i + 1;
        let input = cell(cells, phone_column.index);
        let reading: &Reading = readings
            .entry(numbers::cleaned(input))
            .or_insert_with_key(|c| read_cell(c));
        let (task, template_problem) = match &unknown_reason {
            Some(reason) => (String::new(), Some(reason.clone())),
            None => mission(template.render(cells, sheet.headers()), &opts.identity),
        };
        let local_time = reading
            .hours
            .as_ref()
            .and_then(|h| h.local().first())
            .map(|t| t.fixed_offset());
        let mut planned = PlannedRow {
            row,
            input: input.to_owned(),
            e164: reading.number.as_ref().ok().cloned(),
            verdict: Verdict::Ok,
            reason: None,
            local_time,
            next_allowed: None,
            task,
        };
        let (verdict, reason) = match (&reading.number, template_problem) {
            (Err(why), _) => (Verdict::Invalid, Some(why.clone())),
            (Ok(e164), problem) => {
                let first = *first_row.entry(e164.clone()).or_insert(row);
                if let Some(problem) = problem {
                    (Verdict::TemplateError, Some(problem))
                } else if first != row {
                    (Verdict::DuplicateInFile, Some(duplicate_reason(first)))
                } else if facts.do_not_call.contains(e164) {
                    (Verdict::DoNotCall, Some(DO_NOT_CALL.to_owned()))
                } else if facts.recent.contains(e164) {
                    (Verdict::RecentDuplicate, Some(RECENT.to_owned()))
                } else if let Some(why) = reading
                    .hours
                    .as_ref()
                    .filter(|_| opts.apply_hours)
                    .and_then(|h| outside_reason(h, &opts.hours))
                {
                    planned.next_allowed = reading.hours.as_ref().and_then(|h| h.next_allowed());
                    (Verdict::OutsideHours, Some(why))
                } else {
                    (Verdict::Ok, None)
                }
            }
        };
        planned.verdict = verdict;
        planned.reason = reason;
        rows.push(planned);
    }
    Ok(Plan {
        phone_column,
        unknown_placeholders: unknown,
        rows,
    })
}

/// A row's cell in `column`; empty where the row has none.
fn cell(cells: &[String], column: usize) -> &str {
    cells.get(column).map_or("", String::as_str)
}

const DO_NOT_CALL: &str =
    "This number is on your do-not-call list, so it will not be called. Remove it from the list to call it.";

const RECENT: &str = "MissionCall called this number in the last 24 hours, so it is left out of this batch. To call it again anyway, place the call on its own.";

fn duplicate_reason(first: usize) -> String {
    format!("This number is already on row {first} of this file, and each number is called once. Remove this row, or give it another number.")
}

/// The mission as it would be sent for one row, and why it cannot be, if it cannot.
fn mission(rendered: Rendered, identity: &CallerIdentity) -> (String, Option<String>) {
    let text = match rendered {
        Rendered::Text(text) => text,
        Rendered::EmptyCells(reason) => return (String::new(), Some(reason)),
    };
    let task = text.trim();
    if task.is_empty() {
        return (
            String::new(),
            Some("The mission for this row is empty. Write what the agent should do in the mission, or fill in this row's cells it uses.".to_owned()),
        );
    }
    let n = task.chars().count();
    let sent = identity::mission_text(task, identity);
    let total = sent.chars().count();
    let problem = if n > MAX_TASK_CHARS {
        Some(format!(
            "The mission for this row is {n} characters long; the limit is {MAX_TASK_CHARS}. Shorten the mission or this row's cells by {} characters.",
            n - MAX_TASK_CHARS
        ))
    } else if total > MAX_TASK_CHARS {
        Some(format!(
            "With the sentence that says who the call is for, the mission for this row would be {total} characters long; the limit is {MAX_TASK_CHARS}. Shorten it by {} characters, or turn off \"Say who the call is for\" in Settings.",
            total - MAX_TASK_CHARS
        ))
    } else {
        None
    };
    (sent, problem)
}

/// Why a call now would be outside the calling hours, or `None` when it would not (or when
/// the callee's local time is unknown: the hours do not apply then).
fn outside_reason(decision: &HoursDecision, hours: &CallingHours) -> Option<String> {
    match decision {
        HoursDecision::Outside {
            local,
            next_allowed,
        } => {
            let (now, zone) = match local.first() {
                Some(t) => (t.format("%H:%M").to_string(), t.timezone()),
                None => return Some(format!("It is outside your calling hours ({hours}) for them.")),
            };
            let next = next_allowed.with_timezone(&zone).format("%H:%M on %A %-d %B");
            Some(format!(
                "It is {now} for them ({}), outside your calling hours ({hours}). The next allowed time is {next} for them.",
                zone.name()
            ))
        }
        HoursDecision::NoCommonWindow { .. } => Some(format!(
            "Your calling hours ({hours}) are not open at the same time in all of this number's time zones in the next {HORIZON_DAYS} days, so it cannot be called within them. Remove the row, or place this call on its own."
        )),
        HoursDecision::Allowed { .. } | HoursDecision::Unknown { .. } => None,
    }
}

#[cfg(test)]
mod tests;
