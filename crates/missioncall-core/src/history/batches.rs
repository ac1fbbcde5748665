//! Batches of calls from a CSV file (layout version 8): a batch and all its rows are written
//! in ONE transaction (every row as the dry run judged it; each placeable row also as a
//! scheduled call of the batch), so a batch exists whole or not at all. Its rows are then
//! placed through the scheduled calls' one claiming transaction (see `scheduled.rs`), each at
//! most once, whatever crashes.
//!
//! A batch is run by one process at a time, its `runner` (an attempt owner, see `owner.rs`):
//! only the runner places its rows. A running batch whose runner is gone (the app closed, the
//! CLI killed) is paused by the next process that looks ([`History::pause_orphaned_batches`])
//! and waits for the user to resume it: it never resumes by itself.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use serde::Serialize;

use super::error::{HistoryError, Result};
use super::scheduled::{JobState, ScheduledJob};
use super::{owner, to_time, CallRecord, History};
use crate::call::{self, BatchState, Origin};

/// A batch as stored, with where its rows stand.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Batch {
    /// The batch's id.
    pub id: i64,
    /// The file's name, as the user picked it.
    pub source: String,
    /// The mission template (`{{column}}` placeholders).
    pub template: String,
    /// Where every row is sent, fixed when the batch was made.
    #[serde(serialize_with = "super::origin_text")]
    pub origin: Origin,
    /// True for a demo batch (nobody is called).
    pub demo: bool,
    /// How many of its calls may be going at once (1 to 3).
    pub concurrency: u8,
    /// Where it stands.
    pub state: BatchState,
    /// Why it is in its state, when that needs saying (empty otherwise).
    pub note: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When its state last changed.
    pub updated_at: DateTime<Utc>,
    /// Its rows, by where they stand.
    pub counts: BatchCounts,
}

/// How many of a batch's rows stand where.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BatchCounts {
    /// Data rows in the file.
    pub rows: u32,
    /// Rows the dry run refused (never to be placed).
    pub skipped: u32,
    /// Rows waiting to be placed.
    pub waiting: u32,
    /// Rows placed (each became a call).
    pub placed: u32,
    /// Rows refused when they fell due, or cancelled with the batch: never placed.
    pub not_placed: u32,
    /// Its calls being sent or still going at the service.
    pub going: u32,
}

/// A batch to store.
#[derive(Clone, Copy, Debug)]
pub struct NewBatch<'a> {
    /// The file's name.
    pub source: &'a str,
    /// The mission template.
    pub template: &'a str,
    /// Where every row is sent.
    pub origin: &'a Origin,
    /// How many calls at once (1 to 3; checked by the caller).
    pub concurrency: u8,
}

/// One data row of a batch, as the dry run judged it.
#[derive(Clone, Copy, Debug)]
pub struct NewBatchRow<'a> {
    /// The row's number in the file (1-based, header excluded).
    pub row: u32,
    /// The phone cell as read.
    pub input: &'a str,
    /// The number as dialled, when valid.
    pub phone_e164: Option<&'a str>,
    /// The number's region, when known.
    pub phone_region: Option<&'a str>,
    /// The dry run's verdict (`ok`, `invalid`, ...).
    pub verdict: &'a str,
    /// Why, when not ok.
    pub reason: Option<&'a str>,
    /// The mission as it will be sent.
    pub task: &'a str,
    /// When it may be placed: `Some` makes it a scheduled call of the batch (now, or the next
    /// allowed time); `None` for a row that will never be placed.
    pub due_at: Option<DateTime<Utc>>,
}

/// One row of a batch with what became of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BatchRow {
    /// The row's number in the file.
    pub row: u32,
    /// The phone cell as read.
    pub input: String,
    /// The number as dialled, when valid.
    pub phone_e164: Option<String>,
    /// The dry run's verdict.
    pub verdict: String,
    /// Why, when the dry run did not pass it.
    pub reason: Option<String>,
    /// Its scheduled call, for a row that could be placed.
    pub job: Option<ScheduledJob>,
    /// The call it became, once placed.
    pub call: Option<CallRecord>,
}

const BATCH_COLUMNS: &str =
    "id, source, template, origin, concurrency, state, note, created_at, updated_at";

impl History {
    /// Stores a batch and every one of its rows in ONE transaction, the placeable ones as
    /// scheduled calls of the batch, and returns it running, with this handle as its runner.
    pub fn create_batch(&self, b: &NewBatch, rows: &[NewBatchRow]) -> Result<Batch> {
        let runner = self.owner_id()?.to_owned();
        let now = self.now_ms();
        let id = self.write(|tx| {
            tx.execute(
                "INSERT INTO batches (source, template, origin, concurrency, state, runner, \
                 created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                params![
                    b.source,
                    b.template,
                    b.origin.as_str(),
                    b.concurrency,
                    BatchState::Running.key(),
                    runner,
                    now
                ],
            )?;
            let batch = tx.last_insert_rowid();
            let mut job_stmt = tx.prepare_cached(
                "INSERT INTO scheduled_calls (phone_e164, phone_region, task, origin, due_at, \
                 created_at, updated_at, state, batch_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)",
            )?;
            let mut row_stmt = tx.prepare_cached(
                "INSERT INTO batch_rows (batch_id, row, input, phone_e164, verdict, reason, job_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for r in rows {
                let job = match (r.due_at, r.phone_e164) {
                    (Some(due), Some(e164)) => {
                        job_stmt.execute(params![
                            e164,
                            r.phone_region,
                            r.task,
                            b.origin.as_str(),
                            due.timestamp_millis(),
                            now,
                            JobState::Waiting.key(),
                            batch
                        ])?;
                        Some(tx.last_insert_rowid())
                    }
                    _ => None,
                };
                row_stmt.execute(params![
                    batch,
                    r.row,
                    r.input,
                    r.phone_e164,
                    r.verdict,
                    r.reason,
                    job
                ])?;
            }
            Ok(batch)
        })?;
        self.batch(id)
    }

    /// The batch with this id.
    pub fn batch(&self, id: i64) -> Result<Batch> {
        batch_in(&self.conn(), id)
    }

    /// Every batch, newest first.
    pub fn batches(&self) -> Result<Vec<Batch>> {
        let conn = self.conn();
        let ids: Vec<i64> = conn
            .prepare_cached("SELECT id FROM batches ORDER BY id DESC")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.into_iter().map(|id| batch_in(&conn, id)).collect()
    }

    /// Every row of a batch, in file order, with its scheduled call and the call it became.
    pub fn batch_rows(&self, id: i64) -> Result<Vec<BatchRow>> {
        self.batch(id)?;
        let raw: Vec<(BatchRow, Option<i64>)> = self
            .conn()
            .prepare_cached(
                "SELECT row, input, phone_e164, verdict, reason, job_id FROM batch_rows \
                 WHERE batch_id = ?1 ORDER BY row",
            )?
            .query_map([id], |r| {
                Ok((
                    BatchRow {
                        row: r.get(0)?,
                        input: r.get(1)?,
                        phone_e164: r.get(2)?,
                        verdict: r.get(3)?,
                        reason: r.get(4)?,
                        job: None,
                        call: None,
                    },
                    r.get(5)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        raw.into_iter()
            .map(|(row, job_id)| {
                let job = job_id.map(|j| self.job(j)).transpose()?;
                let call = match job.as_ref().and_then(|j| j.attempt_id) {
                    Some(c) => Some(self.get(c)?),
                    None => None,
                };
                Ok(BatchRow { job, call, ..row })
            })
            .collect()
    }

    /// Pauses a running batch: nothing more of it is placed until it is resumed (its calls
    /// already going go on).
    pub fn pause_batch(&self, id: i64) -> Result<Batch> {
        self.move_batch(id, &[BatchState::Running], BatchState::Paused, "", "paused")
    }

    /// Resumes a paused batch, with this handle as its runner. Rows whose time passed while
    /// it was paused are placed as slots free up.
    pub fn resume_batch(&self, id: i64) -> Result<Batch> {
        let runner = self.owner_id()?.to_owned();
        let now = self.now_ms();
        self.write(|tx| {
            let b = batch_in(tx, id)?;
            let changed = tx.execute(
                "UPDATE batches SET state = ?1, runner = ?2, note = '', updated_at = ?3 \
                 WHERE id = ?4 AND state = ?5",
                params![
                    BatchState::Running.key(),
                    runner,
                    now,
                    id,
                    BatchState::Paused.key()
                ],
            )?;
            if changed != 1 {
                return Err(HistoryError::BatchState {
                    id,
                    state: b.state,
                    wanted: "resumed",
                });
            }
            batch_in(tx, id)
        })
    }

    /// Cancels a running or paused batch: in ONE transaction its rows still waiting are
    /// cancelled (never placed) and the batch is marked cancelled. Returns the batch and its
    /// calls still going, for the caller to cancel at the service where it still allows it.
    pub fn cancel_batch(&self, id: i64) -> Result<(Batch, Vec<CallRecord>)> {
        let now = self.now_ms();
        let batch = self.write(|tx| {
            let b = batch_in(tx, id)?;
            let changed = tx.execute(
                "UPDATE batches SET state = ?1, note = '', updated_at = ?2 \
                 WHERE id = ?3 AND state IN (?4, ?5)",
                params![
                    BatchState::Cancelled.key(),
                    now,
                    id,
                    BatchState::Running.key(),
                    BatchState::Paused.key()
                ],
            )?;
            if changed != 1 {
                return Err(HistoryError::BatchState {
                    id,
                    state: b.state,
                    wanted: "called off",
                });
            }
            tx.execute(
                "UPDATE scheduled_calls SET state = ?1, note = ?2, updated_at = ?3 \
                 WHERE batch_id = ?4 AND state IN (?5, ?6)",
                params![
                    JobState::Cancelled.key(),
                    "The batch was cancelled before this row was placed.",
                    now,
                    id,
                    JobState::Waiting.key(),
                    JobState::Overdue.key()
                ],
            )?;
            batch_in(tx, id)
        })?;
        let going = self.going_calls(id)?;
        Ok((batch, going))
    }

    /// The batch's calls being sent or still going at the service.
    pub fn going_calls(&self, id: i64) -> Result<Vec<CallRecord>> {
        let ids: Vec<i64> = self
            .conn()
            .prepare_cached(&format!(
                "SELECT id FROM calls WHERE id IN \
                 (SELECT attempt_id FROM scheduled_calls WHERE batch_id = ?1) AND {} ORDER BY id",
                call::sql::occupying_condition()
            ))?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.into_iter().map(|c| self.get(c)).collect()
    }

    /// Whether this handle runs batch `b` now: it is running and this handle is its runner.
    pub fn runs_batch(&self, b: &Batch) -> Result<bool> {
        if b.state != BatchState::Running {
            return Ok(false);
        }
        let mine = self.owner_id()?.to_owned();
        let runner: Option<String> =
            self.conn()
                .query_row("SELECT runner FROM batches WHERE id = ?1", [b.id], |r| {
                    r.get(0)
                })?;
        Ok(runner.as_deref() == Some(mine.as_str()))
    }

    /// Pauses every running batch whose runner is gone (its process closed or crashed), with
    /// `note`, and returns them. A batch run by a live process (this one, or another) is left
    /// alone. A paused batch is only ever resumed by the user.
    pub fn pause_orphaned_batches(&self, note: &str) -> Result<Vec<Batch>> {
        let mine = self.owner_id()?.to_owned();
        let running: Vec<(i64, Option<String>)> = self
            .conn()
            .prepare_cached("SELECT id, runner FROM batches WHERE state = ?1")?
            .query_map([BatchState::Running.key()], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut paused = Vec::new();
        for (id, runner) in running {
            let alive = match runner.as_deref() {
                Some(r) if r == mine => true,
                Some(r) => owner::is_alive(self.dir(), r),
                None => false,
            };
            if alive {
                continue;
            }
            match self.move_batch(
                id,
                &[BatchState::Running],
                BatchState::Paused,
                note,
                "paused",
            ) {
                Ok(b) => paused.push(b),
                // Its runner finished or paused it meanwhile.
                Err(HistoryError::BatchState { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(paused)
    }

    /// Marks done every running or paused batch with no row left to place and no call still
    /// going, and returns them.
    pub fn finish_batches(&self) -> Result<Vec<Batch>> {
        // Called on every round of a runner: no write (and no write lock) when no batch is open.
        let open: bool = self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM batches WHERE state IN (?1, ?2))",
            params![BatchState::Running.key(), BatchState::Paused.key()],
            |r| r.get(0),
        )?;
        if !open {
            return Ok(Vec::new());
        }
        let now = self.now_ms();
        let sql = format!(
            "UPDATE batches SET state = ?1, note = '', updated_at = ?2 \
             WHERE state IN (?3, ?4) \
             AND NOT EXISTS (SELECT 1 FROM scheduled_calls j WHERE j.batch_id = batches.id \
                 AND j.state IN (?5, ?6)) \
             AND NOT EXISTS (SELECT 1 FROM calls WHERE id IN \
                 (SELECT attempt_id FROM scheduled_calls j WHERE j.batch_id = batches.id) AND {}) \
             RETURNING id",
            call::sql::occupying_condition()
        );
        let ids: Vec<i64> = self.write(|tx| {
            let mut stmt = tx.prepare_cached(&sql)?;
            let ids = stmt
                .query_map(
                    params![
                        BatchState::Done.key(),
                        now,
                        BatchState::Running.key(),
                        BatchState::Paused.key(),
                        JobState::Waiting.key(),
                        JobState::Overdue.key()
                    ],
                    |r| r.get(0),
                )?
                .collect::<rusqlite::Result<_>>()?;
            Ok(ids)
        })?;
        ids.into_iter().map(|id| self.batch(id)).collect()
    }

    fn move_batch(
        &self,
        id: i64,
        from: &[BatchState],
        to: BatchState,
        note: &str,
        wanted: &'static str,
    ) -> Result<Batch> {
        let now = self.now_ms();
        self.write(|tx| move_batch_in(tx, id, from, to, note, now, wanted))
    }
}

fn move_batch_in(
    tx: &Transaction,
    id: i64,
    from: &[BatchState],
    to: BatchState,
    note: &str,
    now: i64,
    wanted: &'static str,
) -> Result<Batch> {
    let b = batch_in(tx, id)?;
    if !from.contains(&b.state) {
        return Err(HistoryError::BatchState {
            id,
            state: b.state,
            wanted,
        });
    }
    let changed = tx.execute(
        "UPDATE batches SET state = ?1, note = ?2, updated_at = ?3 WHERE id = ?4 AND state = ?5",
        params![to.key(), note, now, id, b.state.key()],
    )?;
    if changed != 1 {
        return Err(HistoryError::BatchState {
            id,
            state: b.state,
            wanted,
        });
    }
    batch_in(tx, id)
}

fn batch_in(conn: &Connection, id: i64) -> Result<Batch> {
    let mut b = conn
        .prepare_cached(&format!(
            "SELECT {BATCH_COLUMNS} FROM batches WHERE id = ?1"
        ))?
        .query_row([id], batch_row)
        .optional()?
        .ok_or(HistoryError::BatchNotFound(id))?;
    b.counts = counts_in(conn, id)?;
    Ok(b)
}

fn counts_in(conn: &Connection, id: i64) -> Result<BatchCounts> {
    let (rows, skipped): (u32, u32) = conn.query_row(
        "SELECT COUNT(*), COUNT(*) - COUNT(job_id) FROM batch_rows WHERE batch_id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut counts = BatchCounts {
        rows,
        skipped,
        ..BatchCounts::default()
    };
    let mut stmt = conn.prepare_cached(
        "SELECT state, COUNT(*) FROM scheduled_calls WHERE batch_id = ?1 GROUP BY state",
    )?;
    let by_state = stmt.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))?;
    for s in by_state {
        let (state, n) = s?;
        match JobState::from_key(&state) {
            Some(JobState::Waiting | JobState::Overdue) => counts.waiting += n,
            Some(JobState::Placed) => counts.placed += n,
            _ => counts.not_placed += n,
        }
    }
    counts.going = conn.query_row(
        &format!(
            "SELECT COUNT(*) FROM calls WHERE id IN \
             (SELECT attempt_id FROM scheduled_calls WHERE batch_id = ?1) AND {}",
            call::sql::occupying_condition()
        ),
        [id],
        |r| r.get(0),
    )?;
    Ok(counts)
}

fn batch_row(r: &Row) -> rusqlite::Result<Batch> {
    let state: String = r.get(5)?;
    let state = BatchState::from_key(&state).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            5,
            rusqlite::types::Type::Text,
            format!("unknown batch state: {state}").into(),
        )
    })?;
    let origin = Origin::parse(&r.get::<_, String>(3)?);
    Ok(Batch {
        id: r.get(0)?,
        source: r.get(1)?,
        template: r.get(2)?,
        demo: origin.is_demo(),
        origin,
        concurrency: r.get(4)?,
        state,
        note: r.get(6)?,
        created_at: to_time(7, r.get(7)?)?,
        updated_at: to_time(8, r.get(8)?)?,
        counts: BatchCounts::default(),
    })
}
