//! Running a batch: from a dry run ([`crate::batch::plan`]) the user confirmed to a batch in
//! the history whose rows the scheduled calls' runner places ([`Calls::run_due`]), each at most
//! once, at most the batch's concurrency at once; pause, resume and cancel; the results as CSV.
//!
//! Every row that passed the dry run becomes a scheduled call of the batch in the same
//! transaction as the batch itself (due now, or at its next allowed time when it was outside
//! the calling hours), so nothing here loops over sends: the runner's exactly-once claim does
//! the placing, with every check of a call placed by hand (the do-not-call list, the calling
//! hours, duplicates) made again when a row falls due.

use std::collections::HashSet;
use std::io::Write;

use chrono::{DateTime, Utc};

use crate::batch::{Facts, Plan, RECENT_WINDOW};
use crate::calls::Calls;
use crate::error::{Error, Result};
use crate::export::many::ExportError;
use crate::history::{Batch, BatchRow, History, NewBatch, NewBatchRow};

/// The most calls of one batch going at once.
pub const MAX_CONCURRENCY: u8 = 3;

/// What a batch found running with no process to run it says.
pub const ORPHANED_NOTE: &str = "Paused because MissionCall stopped while it ran. Nothing more of it is placed until you resume it.";

/// What the dry run needs from the history at `now`: the do-not-call list, and the numbers
/// called within [`RECENT_WINDOW`].
pub fn facts(history: &History, now: DateTime<Utc>) -> Result<Facts> {
    let do_not_call: HashSet<String> = history
        .do_not_call_list()?
        .into_iter()
        .map(|l| l.phone_e164)
        .collect();
    let window = chrono::Duration::from_std(RECENT_WINDOW).unwrap_or_default();
    let recent = history.numbers_called_since(now - window)?;
    Ok(Facts {
        do_not_call,
        recent,
    })
}

/// Checks that a fresh dry run still gives the count of calls the user confirmed: a file or a
/// history that changed since the review starts nothing.
pub fn check_expected(plan: &Plan, expected: usize) -> Result<()> {
    let now = plan.callable();
    if now == expected {
        return Ok(());
    }
    Err(Error::InvalidBatch {
        reason: format!(
            "The dry run changed since you reviewed it: {now} rows can be called now, not {expected}. Nothing was started; review the new dry run."
        ),
    })
}

/// Checks a batch's concurrency (1 to [`MAX_CONCURRENCY`]).
pub fn check_concurrency(n: u8) -> Result<u8> {
    if (1..=MAX_CONCURRENCY).contains(&n) {
        Ok(n)
    } else {
        Err(Error::InvalidBatch {
            reason: format!(
                "A batch can run 1 to {MAX_CONCURRENCY} calls at once, not {n}. Pick a number in that range."
            ),
        })
    }
}

impl Calls {
    /// Stores a confirmed dry run as a batch of this origin, running, with this process as
    /// its runner: rows that passed become scheduled calls due now; rows outside the calling
    /// hours, scheduled calls due at their next allowed time; the others are kept with their
    /// reason and never placed. Nothing is sent here: the runner places the rows.
    pub fn start_batch(
        &self,
        source: &str,
        template: &str,
        plan: &Plan,
        concurrency: u8,
    ) -> Result<Batch> {
        let concurrency = check_concurrency(concurrency)?;
        if !plan.unknown_placeholders.is_empty() {
            return Err(Error::InvalidBatch {
                reason: format!(
                    "The mission names columns the file does not have: {}. Fix the mission or the file, then try again.",
                    plan.unknown_placeholders.join(", ")
                ),
            });
        }
        let now = self.history().now();
        let rows: Vec<NewBatchRow> = plan
            .rows
            .iter()
            .map(|r| NewBatchRow {
                row: u32::try_from(r.row).unwrap_or(u32::MAX),
                input: &r.input,
                phone_e164: r.e164.as_deref(),
                phone_region: None,
                verdict: r.verdict.key(),
                reason: r.reason.as_deref(),
                task: &r.task,
                due_at: r.due_at(now),
            })
            .collect();
        if !rows.iter().any(|r| r.due_at.is_some()) {
            return Err(Error::InvalidBatch {
                reason: "No row of this file can be called (see the reason on each row). Nothing was started.".into(),
            });
        }
        Ok(self.history().create_batch(
            &NewBatch {
                source,
                template,
                origin: self.origin(),
                concurrency,
            },
            &rows,
        )?)
    }

    /// Cancels a batch: its rows not yet placed never will be (one transaction), then each of
    /// its calls still going is cancelled at the service where the service still allows it
    /// (a call already talking goes on). Returns the batch as it ends up.
    pub async fn cancel_batch(&self, id: i64) -> Result<Batch> {
        let (batch, going) = self.history().cancel_batch(id)?;
        for call in going {
            if call.origin != *self.origin() || call.task_id.is_none() {
                continue;
            }
            if let Err(e) = self.cancel(call.id).await {
                tracing::info!(call = call.id, "batch cancel: a call went on: {e}");
            }
        }
        Ok(self.history().batch(batch.id)?)
    }
}

/// Title and body of the notification for a batch that ended or was paused by itself (plain
/// text, never markup): "Batch customers.csv is done" / "5 calls placed, 1 not placed, 2
/// skipped by the dry run."; a paused one says why.
pub fn notification_text(b: &Batch) -> (String, String) {
    let c = &b.counts;
    let plural = |n: u32, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    match b.state {
        crate::call::BatchState::Paused => (
            format!("Batch {} paused", b.source),
            format!(
                "{} {}",
                b.note,
                plural(c.waiting, "call waits.", "calls wait.")
            )
            .trim()
            .to_owned(),
        ),
        _ => (
            format!("Batch {} is {}", b.source, b.state.label().to_lowercase()),
            format!(
                "{}, {} not placed, {} skipped by the dry run.",
                plural(c.placed, "call placed", "calls placed"),
                c.not_placed,
                c.skipped
            ),
        ),
    }
}

/// Writes a batch's results as CSV (UTF-8 with a BOM, cells that could be read as formulas
/// neutralised): one line a row of the file, with the number, the task id, the status and
/// the outcome of the call it became, or why it was not placed. Returns the rows written.
pub fn write_results(rows: &[BatchRow], mut out: impl Write) -> std::io::Result<u64> {
    out.write_all("\u{feff}".as_bytes())?;
    let mut w = csv::Writer::from_writer(out);
    let header = ["row", "number", "task_id", "status", "outcome", "note"];
    w.write_record(header)?;
    for r in rows {
        let number = r.phone_e164.clone().unwrap_or_else(|| r.input.clone());
        let (task_id, status, outcome, note) = match (&r.call, &r.job) {
            (Some(c), _) => (
                c.task_id.clone().unwrap_or_default(),
                c.status.label(),
                c.outcome.map(|o| o.key().to_owned()).unwrap_or_default(),
                c.outside_hours.clone().unwrap_or_default(),
            ),
            (None, Some(j)) => (
                String::new(),
                j.state.label().to_owned(),
                String::new(),
                j.note.clone(),
            ),
            (None, None) => (
                String::new(),
                "Not placed".to_owned(),
                String::new(),
                r.reason.clone().unwrap_or_default(),
            ),
        };
        let cells = [r.row.to_string(), number, task_id, status, outcome, note];
        w.write_record(
            cells
                .iter()
                .map(|c| crate::export::many::spreadsheet_safe(c).into_owned()),
        )?;
    }
    w.flush()?;
    Ok(rows.len() as u64)
}

/// Writes batch `id`'s results to `path` as [`write_results`] does, the way every export is
/// written (a private temporary file put under the name when complete; refused if the name
/// is taken, unless `replace`). Returns the rows written.
pub fn export_results(
    history: &History,
    id: i64,
    path: &std::path::Path,
    replace: bool,
) -> std::result::Result<u64, ExportError> {
    let rows = history.batch_rows(id)?;
    crate::export::many::write_file(path, replace, |w| {
        write_results(&rows, w).map_err(ExportError::Write)
    })
}
