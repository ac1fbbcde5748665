//! Scheduled calls as the history stores them: a call asked for at a later time, kept exactly
//! as it will be sent (number, task, origin), and the one transaction that turns it into an
//! attempt.
//!
//! A job moves only forward, and only from the state its mover read: every change is an
//! `UPDATE … WHERE state IN (…)` that must change exactly one row, so two processes (the app
//! and `missioncall run-scheduled`) can never both act on one job. [`History::claim_job`] is
//! the only way a job becomes a call: the attempt row (`sending`, owned by this process, linked
//! to the job) and the job's move to `placed` (linked to the attempt) commit together or not at
//! all. This module must never send anything, and never move a placed job anywhere else: once
//! placed, what happened to the call is the attempt's story (and an orphaned attempt becomes
//! "outcome unknown", never a job waiting again).

use chrono::{DateTime, Utc};
use rusqlite::types::{Type, Value};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::{error::HistoryError, insert_attempt_in, to_time, History, NewAttempt, Result};
pub use crate::call::JobState;
use crate::call::Origin;

/// A call to place later, as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScheduledJob {
    /// The job's id (not a call's id).
    pub id: i64,
    /// The number to call, E.164.
    pub phone_e164: String,
    /// The region the number was typed in, if known.
    pub phone_region: Option<String>,
    /// The task, exactly as it will be sent.
    pub task: String,
    /// Where it will be sent, fixed when it was scheduled.
    #[serde(serialize_with = "super::origin_text")]
    pub origin: Origin,
    /// True for a demo call (nobody will be called).
    pub demo: bool,
    /// When it is to be placed.
    pub due_at: DateTime<Utc>,
    /// When it was scheduled.
    pub created_at: DateTime<Utc>,
    /// When its state last changed.
    pub updated_at: DateTime<Utc>,
    /// Where it stands.
    pub state: JobState,
    /// The call (attempt) it became, once placed.
    pub attempt_id: Option<i64>,
    /// Why it is in its state, when that needs saying (empty otherwise).
    pub note: String,
    /// Set when the user chose this time although it is outside their calling hours: the
    /// sentence they saw. The call it becomes keeps it.
    pub outside_hours: Option<String>,
    /// The batch it belongs to, for a row of a CSV batch.
    pub batch_id: Option<i64>,
}

/// A job to store: everything about it is fixed now.
#[derive(Clone, Copy, Debug)]
pub struct NewJob<'a> {
    /// The number, already normalised to E.164.
    pub phone_e164: &'a str,
    /// The region the number was typed in, if any.
    pub phone_region: Option<&'a str>,
    /// The task as it will be sent.
    pub task: &'a str,
    /// Where it will be sent.
    pub origin: &'a Origin,
    /// When.
    pub due_at: DateTime<Utc>,
    /// When the user chose a time outside their calling hours: the sentence they saw.
    pub outside_hours: Option<&'a str>,
}

const JOB_COLUMNS: &str = "id, phone_e164, phone_region, task, origin, due_at, created_at, \
    updated_at, state, attempt_id, note, outside_hours, batch_id";

impl History {
    /// Stores a job, waiting for its time, and returns it. Nothing is sent.
    pub fn schedule_job(&self, j: &NewJob) -> Result<ScheduledJob> {
        let now = self.now_ms();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO scheduled_calls (phone_e164, phone_region, task, origin, due_at, \
                 created_at, updated_at, state, outside_hours) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)",
                params![
                    j.phone_e164,
                    j.phone_region,
                    j.task,
                    j.origin.as_str(),
                    j.due_at.timestamp_millis(),
                    now,
                    JobState::Waiting.key(),
                    j.outside_hours
                ],
            )?;
            job_in(tx, tx.last_insert_rowid())
        })
    }

    /// The job with this id.
    pub fn job(&self, id: i64) -> Result<ScheduledJob> {
        job_in(&self.conn(), id)
    }

    /// The job a call was placed for, if it was placed for one.
    pub fn job_of_call(&self, call_id: i64) -> Result<Option<ScheduledJob>> {
        let conn = self.conn();
        let job: Option<Option<i64>> = conn
            .query_row(
                "SELECT scheduled_id FROM calls WHERE id = ?1",
                [call_id],
                |r| r.get(0),
            )
            .optional()?;
        match job {
            None => Err(HistoryError::NotFound(call_id)),
            Some(None) => Ok(None),
            Some(Some(id)) => job_in(&conn, id).map(Some),
        }
    }

    /// The jobs in any of `states`, soonest first (the rows of batches are not among them:
    /// see [`History::batch_rows`]).
    pub fn jobs(&self, states: &[JobState]) -> Result<Vec<ScheduledJob>> {
        if states.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; states.len()].join(", ");
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM scheduled_calls WHERE state IN ({marks}) \
             AND batch_id IS NULL ORDER BY due_at, id"
        );
        let args: Vec<Value> = states
            .iter()
            .map(|s| Value::Text(s.key().to_owned()))
            .collect();
        select_jobs(&self.conn(), &sql, args)
    }

    /// Waiting jobs whose time is `at` or earlier, soonest first.
    pub fn due_jobs(&self, at: DateTime<Utc>) -> Result<Vec<ScheduledJob>> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM scheduled_calls WHERE state = ? AND due_at <= ? \
             ORDER BY due_at, id"
        );
        select_jobs(
            &self.conn(),
            &sql,
            vec![
                Value::Text(JobState::Waiting.key().into()),
                Value::Integer(at.timestamp_millis()),
            ],
        )
    }

    /// When the soonest waiting job is due, if any waits.
    pub fn next_due(&self) -> Result<Option<DateTime<Utc>>> {
        let ms: Option<i64> = self.conn().query_row(
            "SELECT MIN(due_at) FROM scheduled_calls WHERE state = ?1",
            [JobState::Waiting.key()],
            |r| r.get(0),
        )?;
        ms.map(|ms| to_time(0, ms)).transpose().map_err(Into::into)
    }

    /// Marks as overdue every waiting job due before `before` (their time passed while nothing
    /// placed them), and returns them. They are not placed until the user says so. Rows of a
    /// batch are not: a batch waits for free slots, and one found running when MissionCall
    /// starts is paused as a whole ([`History::pause_running_batches`]).
    pub fn mark_overdue(&self, before: DateTime<Utc>, note: &str) -> Result<Vec<ScheduledJob>> {
        let now = self.now_ms();
        self.write(|tx| {
            let ids: Vec<i64> = tx
                .prepare_cached(
                    "SELECT id FROM scheduled_calls WHERE state = ?1 AND due_at < ?2 \
                     AND batch_id IS NULL ORDER BY due_at, id",
                )?
                .query_map(
                    params![JobState::Waiting.key(), before.timestamp_millis()],
                    |r| r.get(0),
                )?
                .collect::<rusqlite::Result<_>>()?;
            let mut marked = Vec::with_capacity(ids.len());
            for id in ids {
                marked.push(move_in(
                    tx,
                    id,
                    &[JobState::Waiting],
                    JobState::Overdue,
                    note,
                    now,
                )?);
            }
            Ok(marked)
        })
    }

    /// Moves a waiting job to a later time (a batch's row that fell outside the calling hours
    /// while it waited for a slot). Nothing is sent.
    pub fn postpone_job(&self, id: i64, due_at: DateTime<Utc>) -> Result<ScheduledJob> {
        let now = self.now_ms();
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE scheduled_calls SET due_at = ?1, updated_at = ?2 WHERE id = ?3 AND state = ?4",
                params![due_at.timestamp_millis(), now, id, JobState::Waiting.key()],
            )?;
            let job = job_in(tx, id)?;
            if changed != 1 {
                return Err(HistoryError::JobState {
                    id,
                    state: job.state,
                });
            }
            Ok(job)
        })
    }

    /// Cancels a job that is waiting (or overdue). Nothing was or will be sent.
    pub fn cancel_job(&self, id: i64) -> Result<ScheduledJob> {
        self.move_job(
            id,
            &[JobState::Waiting, JobState::Overdue],
            JobState::Cancelled,
            "",
        )
    }

    /// Drops an overdue job: the user chose not to place it. Nothing is sent.
    pub fn drop_job(&self, id: i64) -> Result<ScheduledJob> {
        self.move_job(id, &[JobState::Overdue], JobState::Dropped, "")
    }

    /// Marks a job that a check refused before anything was written or sent (`from`: the
    /// state it was read in), with the reason.
    pub fn refuse_job(&self, id: i64, from: JobState, reason: &str) -> Result<ScheduledJob> {
        self.move_job(id, &[from], JobState::NotPlaced, reason)
    }

    fn move_job(
        &self,
        id: i64,
        from: &[JobState],
        to: JobState,
        note: &str,
    ) -> Result<ScheduledJob> {
        let now = self.now_ms();
        self.write(|tx| move_in(tx, id, from, to, note, now))
    }

    /// Turns a job into an attempt, in ONE transaction: the attempt row is written (state
    /// sending, owned by this handle while it lives, linked to the job) and the job moves from
    /// `from` to placed (linked to the attempt) only if it is still in `from`. Returns the
    /// attempt's id; then the caller sends its one creation request. If the job moved meanwhile
    /// (another process placed, cancelled or dropped it) nothing is written and
    /// [`HistoryError::JobState`] says where it is.
    pub fn claim_job(&self, id: i64, from: JobState) -> Result<i64> {
        self.claim_job_as(id, from, None)
    }

    /// [`History::claim_job`], the attempt recording `outside_hours_now` (the user placed it
    /// outside the calling hours just now, on purpose) instead of the job's own choice.
    pub fn claim_job_as(
        &self,
        id: i64,
        from: JobState,
        outside_hours_now: Option<&str>,
    ) -> Result<i64> {
        let owner = self.owner_id()?.to_owned();
        let now = self.now_ms();
        self.write(|tx| {
            let job = job_in(tx, id)?;
            let attempt = insert_attempt_in(
                tx,
                &NewAttempt {
                    phone_e164: &job.phone_e164,
                    phone_region: job.phone_region.as_deref(),
                    task: &job.task,
                    origin: &job.origin,
                    outside_hours: outside_hours_now.or(job.outside_hours.as_deref()),
                },
                &owner,
                now,
                Some(id),
            )?;
            // The one decider: exactly one claimer finds the job still in `from`.
            let changed = tx.execute(
                "UPDATE scheduled_calls SET state = ?1, attempt_id = ?2, note = '', \
                 updated_at = ?3 WHERE id = ?4 AND state = ?5",
                params![JobState::Placed.key(), attempt, now, id, from.key()],
            )?;
            if changed != 1 {
                // Returning an error rolls the attempt back with the transaction.
                return Err(HistoryError::JobState {
                    id,
                    state: job.state,
                });
            }
            Ok(attempt)
        })
    }
}

/// Moves job `id` from one of `from` to `to`, or says where it is.
fn move_in(
    tx: &Connection,
    id: i64,
    from: &[JobState],
    to: JobState,
    note: &str,
    now: i64,
) -> Result<ScheduledJob> {
    let marks = vec!["?"; from.len()].join(", ");
    let sql = format!(
        "UPDATE scheduled_calls SET state = ?, note = ?, updated_at = ? \
         WHERE id = ? AND state IN ({marks})"
    );
    let mut args = vec![
        Value::Text(to.key().into()),
        Value::Text(note.into()),
        Value::Integer(now),
        Value::Integer(id),
    ];
    args.extend(from.iter().map(|s| Value::Text(s.key().into())));
    let changed = tx.execute(&sql, rusqlite::params_from_iter(args))?;
    let job = job_in(tx, id)?;
    if changed != 1 {
        return Err(HistoryError::JobState {
            id,
            state: job.state,
        });
    }
    Ok(job)
}

fn job_in(conn: &Connection, id: i64) -> Result<ScheduledJob> {
    conn.prepare_cached(&format!(
        "SELECT {JOB_COLUMNS} FROM scheduled_calls WHERE id = ?1"
    ))?
    .query_row([id], job_row)
    .optional()?
    .ok_or(HistoryError::JobNotFound(id))
}

fn select_jobs(conn: &Connection, sql: &str, args: Vec<Value>) -> Result<Vec<ScheduledJob>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), job_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn job_row(r: &Row) -> rusqlite::Result<ScheduledJob> {
    let state: String = r.get(8)?;
    let state = JobState::from_key(&state).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            8,
            Type::Text,
            format!("unknown scheduled call state: {state}").into(),
        )
    })?;
    let origin = Origin::parse(&r.get::<_, String>(4)?);
    Ok(ScheduledJob {
        id: r.get(0)?,
        phone_e164: r.get(1)?,
        phone_region: r.get(2)?,
        task: r.get(3)?,
        demo: origin.is_demo(),
        origin,
        due_at: to_time(5, r.get(5)?)?,
        created_at: to_time(6, r.get(6)?)?,
        updated_at: to_time(7, r.get(7)?)?,
        state,
        attempt_id: r.get(9)?,
        note: r.get(10)?,
        outside_hours: r.get(11)?,
        batch_id: r.get(12)?,
    })
}
