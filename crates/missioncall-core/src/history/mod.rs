//! The local call history: every call the user asked for, the service task it became, each
//! status seen and the result, in one SQLite file that both the CLI and the desktop app open.
//!
//! The service has no "list my tasks" endpoint, so this file is the ONLY record of which task
//! ids exist. Hence the rules this module keeps: an attempt is committed to disk (WAL,
//! `synchronous=FULL`) before the request is sent; a task id, once written, is never replaced,
//! cleared or deleted; a status the service invents is stored as is; a file written by a newer
//! version is refused untouched. It must never store an API key, never send anything over the
//! network, and never pass user text to SQL or FTS5 except as bound parameters and quoted
//! phrases (see `search.rs`).
//!
//! Share one [`History`] as `Arc<History>`; its methods take `&self` and serialise on an
//! internal mutex. Several processes may open the same file at once: every write is a short
//! `BEGIN IMMEDIATE` transaction and waits up to [`schema::BUSY_TIMEOUT`] for the others.

pub mod backup;
mod batches;
mod do_not_call;
mod error;
mod overview;
pub mod owner;
mod pages;
mod review;
mod scheduled;
pub mod schema;
pub mod search;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use crate::call::{self, CallStatus, LocalState, Origin, Outcome, ServiceStatus, Tracking};
use crate::clock::{self, SharedClock};
use crate::review::FollowUp;

use chrono::{DateTime, Utc};
use rusqlite::types::{Type, Value};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction, TransactionBehavior};
use serde::Serialize;

pub use backup::{list_backups, BackupFile, BackupInfo, RestoreReport, BACKUP_DIR};
pub use batches::{Batch, BatchCounts, BatchRow, NewBatch, NewBatchRow};
pub use error::{HistoryError, Result};
pub use overview::{week_of, OutcomeCount, Overview, StatusCount, WeekCount, MAX_WEEKS};
pub use pages::{Pages, EXPORT_PAGE};
pub use review::{Contact, TagCount};
pub use scheduled::{JobState, NewJob, ScheduledJob};

/// The history's file name inside the data folder.
pub const FILE_NAME: &str = "history.sqlite3";
/// Environment variable that, when set and not empty, replaces the default data folder.
pub const DATA_DIR_ENV: &str = "MISSIONCALL_DATA_DIR";
/// Rows returned by [`History::list`] when the filter's limit is 0.
pub const DEFAULT_PAGE: u32 = 50;
/// The most rows [`History::list`] returns at once.
pub const MAX_PAGE: u32 = 500;

/// The folder holding MissionCall's data: `$MISSIONCALL_DATA_DIR` when set and not empty, else
/// the platform's data folder (e.g. `~/.local/share/missioncall` on Linux). `None` if the
/// platform has no home folder.
pub fn default_data_dir() -> Option<PathBuf> {
    match std::env::var_os(DATA_DIR_ENV) {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => directories::ProjectDirs::from("ai", "MissionCall", "MissionCall")
            .map(|d| d.data_dir().to_path_buf()),
    }
}

/// A call about to be sent: written (state sending) before the request goes out.
#[derive(Clone, Copy, Debug)]
pub struct NewAttempt<'a> {
    /// The number to call, already normalised to E.164.
    pub phone_e164: &'a str,
    /// The region the user picked when typing the number (e.g. `GB`), if any.
    pub phone_region: Option<&'a str>,
    /// What the agent must do, as sent to the service.
    pub task: &'a str,
    /// Where the task is sent (the service's base URL, or the demo simulator).
    pub origin: &'a Origin,
    /// When the user chose to call outside their calling hours: the sentence they saw.
    pub outside_hours: Option<&'a str>,
}

/// One call in the history.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CallRecord {
    /// Local id (not the service's task id).
    pub id: i64,
    /// The number called, E.164.
    pub phone_e164: String,
    /// The region the number was typed in, if known.
    pub phone_region: Option<String>,
    /// What the agent was asked to do.
    pub task: String,
    /// When the attempt was written, before the request.
    pub created_at: DateTime<Utc>,
    /// When anything in this row last changed.
    pub updated_at: DateTime<Utc>,
    /// The service's task id; `None` until the service answered (or the user linked it).
    pub task_id: Option<String>,
    /// The service's human-friendly task number, if it sent one.
    pub task_number: Option<i64>,
    /// The status: the service's word, or a state only we know (see [`crate::call`]).
    pub status: CallStatus,
    /// Whether the tracker still follows the task.
    pub tracking: Tracking,
    /// The last plain-language problem with this call (e.g. why the outcome is unknown).
    pub error: Option<String>,
    /// The conversation, once the service sent it.
    pub transcript: Option<String>,
    /// The service's summary of the result, once sent.
    pub summary: Option<String>,
    /// Where the call lives: the service it was sent to, or the demo simulator.
    #[serde(serialize_with = "origin_text")]
    pub origin: Origin,
    /// True if made against the simulator (nobody was called).
    pub demo: bool,
    /// When the status last changed (as seen by this app).
    pub status_changed_at: DateTime<Utc>,
    /// When the service was last asked about (or reported on) this task.
    pub last_checked_at: Option<DateTime<Utc>>,
    /// What the call achieved, in the user's judgement (never set by the tracker).
    pub outcome: Option<Outcome>,
    /// The user's note (empty when none).
    pub note: String,
    /// When the user wants to follow this call up, if at all.
    pub follow_up: Option<FollowUp>,
    /// The call's tags, sorted (case-insensitively).
    pub tags: Vec<String>,
    /// The name the user gave this number (a contact), if any.
    pub contact_name: Option<String>,
    /// When the user last changed the outcome, note, follow-up or tags.
    pub annotated_at: Option<DateTime<Utc>>,
    /// Set when the user chose to call outside their calling hours: the sentence they saw
    /// ("It is 22:40 for them (America/Chicago), outside your calling hours ...").
    pub outside_hours: Option<String>,
}

fn origin_text<S: serde::Serializer>(o: &Origin, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(o.as_str())
}

/// A status of a call and when this app first saw it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatusEvent {
    /// The status.
    pub status: CallStatus,
    /// When this app first saw it.
    pub seen_at: DateTime<Utc>,
}

/// What to show from the history. The default shows the newest [`DEFAULT_PAGE`] calls.
#[derive(Clone, Debug, Default)]
pub struct HistoryFilter {
    /// Only calls in exactly this status.
    pub status: Option<CallStatus>,
    /// Full-text search over task, transcript, summary and phone digits (empty = no filter).
    /// Any text is safe; see [`search`].
    pub search: Option<String>,
    /// Only demo calls (`Some(true)`) or only real ones (`Some(false)`).
    pub demo: Option<bool>,
    /// Only calls with this outcome, or without one.
    pub outcome: Option<OutcomeFilter>,
    /// Only calls carrying this tag (any case).
    pub tag: Option<String>,
    /// Only calls to one of these numbers (E.164; a contact's numbers). An empty list matches
    /// no call.
    pub phones: Option<Vec<String>>,
    /// Only calls made at or after this moment.
    pub since: Option<DateTime<Utc>>,
    /// Only calls made before this moment.
    pub until: Option<DateTime<Utc>>,
    /// Page size: 0 means [`DEFAULT_PAGE`]; capped at [`MAX_PAGE`].
    pub limit: u32,
    /// How many matching calls to skip (for paging).
    pub offset: u32,
}

/// The outcome part of a [`HistoryFilter`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutcomeFilter {
    /// Calls the user judged so.
    Is(Outcome),
    /// Calls with no outcome yet.
    NotSet,
}

/// How the history file is set up on this connection, for diagnostics and support.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StorageSettings {
    /// `wal` normally (lets readers and one writer work at once).
    pub journal_mode: String,
    /// `full` normally: every commit is synced to disk before it returns.
    pub synchronous: String,
    /// Whether foreign keys are enforced.
    pub foreign_keys: bool,
    /// How long a write waits for another process, in milliseconds.
    pub busy_timeout_ms: u32,
    /// The file's layout version (`PRAGMA user_version`).
    pub schema_version: u32,
}

/// The call history: one SQLite connection behind a mutex. `Send + Sync`; share as `Arc<History>`.
pub struct History {
    conn: Mutex<Connection>,
    path: PathBuf,
    clock: SharedClock,
    owner: OnceLock<owner::AttemptOwner>,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, phone_e164, phone_region, task, created_at, updated_at, task_id, \
    task_number, local_state, service_status, tracking, error, transcript, summary, origin, demo, \
    status_changed_at, last_checked_at, attempt_owner, outcome, note, follow_up_on, tags_text, \
    contact_name, annotated_at, outside_hours";

impl History {
    /// Opens (creating if needed) the history file at `path`, sets it up and migrates it.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with_clock(path, clock::system())
    }

    /// Like [`History::open`], telling the time with `clock` (tests move it by hand).
    pub fn open_with_clock(path: &Path, clock: SharedClock) -> Result<Self> {
        let conn = schema::open_connection(path)?;
        Ok(History {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            clock,
            owner: OnceLock::new(),
        })
    }

    /// Opens `dir/history.sqlite3`, creating the folder if needed.
    pub fn open_in_dir(dir: &Path) -> Result<Self> {
        Self::open_in_dir_with_clock(dir, clock::system())
    }

    /// Like [`History::open_in_dir`], with a clock.
    pub fn open_in_dir_with_clock(dir: &Path, clock: SharedClock) -> Result<Self> {
        crate::private_fs::create_dir(dir).map_err(|source| HistoryError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        Self::open_with_clock(&dir.join(FILE_NAME), clock)
    }

    /// The file this history lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The clock this history tells the time with.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// Now, by this history's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    /// The folder holding the history file (and the attempt owners' lock files).
    fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// This handle's attempt owner, taken on first use and held while the handle lives.
    fn owner_id(&self) -> Result<&str> {
        if let Some(o) = self.owner.get() {
            return Ok(o.id());
        }
        let o =
            owner::AttemptOwner::acquire(self.dir()).map_err(|source| HistoryError::CreateDir {
                path: self.dir().join(owner::OWNERS_DIR),
                source,
            })?;
        Ok(self.owner.get_or_init(|| o).id())
    }

    /// Writes a new attempt (state sending, first timeline row), owned by this handle while
    /// it lives, and returns its id. The row is committed to disk when this returns, so it
    /// survives a crash during the request. A number on the do-not-call list is refused
    /// ([`HistoryError::DoNotCall`]) and nothing is written.
    pub fn insert_attempt(&self, a: &NewAttempt) -> Result<i64> {
        let owner = self.owner_id()?.to_owned();
        let now = self.now_ms();
        self.write(|tx| insert_attempt_in(tx, a, &owner, now, None))
    }

    /// The numbers (E.164) of every call made since `since`, of any origin.
    pub fn numbers_called_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<std::collections::HashSet<String>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT DISTINCT phone_e164 FROM calls WHERE created_at >= ?1")?;
        let rows = stmt.query_map([since.timestamp_millis()], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records the service's answer to the create request: the task id, its number and status,
    /// in one transaction (plus a timeline row). Calling it again with the same task id is
    /// harmless; a different task id is refused ([`HistoryError::TaskIdConflict`]).
    pub fn record_created(
        &self,
        id: i64,
        task_id: &str,
        task_number: Option<i64>,
        status: &ServiceStatus,
    ) -> Result<()> {
        let now = self.now_ms();
        self.write(|tx| link(tx, id, task_id, task_number, status, now))
    }

    /// Marks an attempt whose request may or may not have created a task (timeout, lost
    /// connection, 5xx). `reason` is shown to the user. Refused if a task id is already known.
    pub fn mark_unknown_outcome(&self, id: i64, reason: &str) -> Result<()> {
        let now = self.now_ms();
        self.write(|tx| mark_local(tx, id, LocalState::UnknownOutcome, reason, now))
    }

    /// Marks an attempt that certainly placed no call (refused by the service, or nothing was
    /// sent). `reason` is shown to the user. Refused if a task id is already known.
    pub fn mark_not_placed(&self, id: i64, reason: &str) -> Result<()> {
        let now = self.now_ms();
        self.write(|tx| mark_local(tx, id, LocalState::NotPlaced, reason, now))
    }

    /// Closes out a demo call whose simulator stopped before it finished (nobody was called).
    /// Only demo calls can be closed this way; a finished one is left as it is.
    pub fn mark_demo_ended(&self, id: i64, note: &str) -> Result<Option<CallRecord>> {
        let now = self.now_ms();
        self.write(|tx| {
            let current = get_in(tx, id)?;
            if !current.origin.is_demo() || current.status.is_final() {
                return Ok(None);
            }
            let ended = CallStatus::Local(LocalState::DemoEnded);
            tx.execute(
                "UPDATE calls SET local_state = ?1, error = ?2, updated_at = ?3, \
                 status_changed_at = ?3 WHERE id = ?4",
                params![LocalState::DemoEnded.key(), note, now, id],
            )?;
            add_event(tx, id, &ended, now)?;
            get_in(tx, id).map(Some)
        })
    }

    /// Sets whether the tracker follows this call, with the plain-language reason when it no
    /// longer does (`None` clears the shown problem). Returns the updated call.
    pub fn set_tracking(
        &self,
        id: i64,
        tracking: Tracking,
        reason: Option<&str>,
    ) -> Result<CallRecord> {
        let now = self.now_ms();
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE calls SET tracking = ?1, error = ?2, updated_at = ?3 WHERE id = ?4",
                params![tracking.key(), reason, now, id],
            )?;
            if n == 0 {
                return Err(HistoryError::NotFound(id));
            }
            get_in(tx, id)
        })
    }

    /// Links a call of unknown outcome (or an interrupted attempt) to the task id the user
    /// found, with the status the service reports for it. Same rules as [`Self::record_created`].
    pub fn link_task(
        &self,
        id: i64,
        task_id: &str,
        task_number: Option<i64>,
        status: &ServiceStatus,
    ) -> Result<()> {
        let now = self.now_ms();
        self.write(|tx| link(tx, id, task_id, task_number, status, now))
    }

    /// Records what the service reported for a task; returns `Some(updated record)` if the
    /// status or result changed (a new timeline row is added the first time a status is seen),
    /// `None` if nothing changed.
    ///
    /// A report that would move the task back in the documented lifecycle (e.g. a late poll
    /// saying `in_progress` after `completed`) does not change the status, but its transcript
    /// and summary are still kept. A `None` transcript or summary never erases a stored one.
    /// Every report sets `last_checked_at`. Unknown task ids give [`HistoryError::TaskNotFound`].
    pub fn record_status(
        &self,
        task_id: &str,
        status: &ServiceStatus,
        transcript: Option<&str>,
        summary: Option<&str>,
    ) -> Result<Option<CallRecord>> {
        let now = self.now_ms();
        self.write(|tx| {
            let current = select_one(tx, "task_id = ?1", [task_id])?
                .ok_or_else(|| HistoryError::TaskNotFound(task_id.to_owned()))?;
            // A closed demo call stays closed; otherwise the service's word is the status.
            let status_changed = match &current.status {
                CallStatus::Service(s) => s.accepts(status),
                CallStatus::Local(LocalState::DemoEnded) => false,
                CallStatus::Local(_) => true,
            };
            let transcript_changed =
                transcript.is_some() && transcript != current.transcript.as_deref();
            let summary_changed = summary.is_some() && summary != current.summary.as_deref();
            if !(status_changed || transcript_changed || summary_changed) {
                tx.execute(
                    "UPDATE calls SET last_checked_at = ?1 WHERE id = ?2",
                    params![now, current.id],
                )?;
                return Ok(None);
            }
            if status_changed {
                tx.execute(
                    "UPDATE calls SET local_state = NULL, service_status = ?1, \
                     status_changed_at = ?2 WHERE id = ?3",
                    params![status.wire(), now, current.id],
                )?;
                add_event(tx, current.id, &CallStatus::Service(status.clone()), now)?;
            }
            tx.execute(
                "UPDATE calls SET \
                 transcript = CASE WHEN ?1 THEN ?2 ELSE transcript END, \
                 summary = CASE WHEN ?3 THEN ?4 ELSE summary END, \
                 updated_at = ?5, last_checked_at = ?5 WHERE id = ?6",
                params![
                    transcript_changed,
                    transcript,
                    summary_changed,
                    summary,
                    now,
                    current.id
                ],
            )?;
            get_in(tx, current.id).map(Some)
        })
    }

    /// Notes that the service was just asked about this call (sets `last_checked_at`).
    pub fn touch_checked(&self, id: i64) -> Result<()> {
        let now = self.now_ms();
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE calls SET last_checked_at = ?1 WHERE id = ?2",
                params![now, id],
            )?;
            if n == 0 {
                return Err(HistoryError::NotFound(id));
            }
            Ok(())
        })
    }

    /// Sets (or with `None` clears) the plain-language problem shown for this call.
    pub fn set_error(&self, id: i64, error: Option<&str>) -> Result<()> {
        let now = self.now_ms();
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE calls SET error = ?1, updated_at = ?2 WHERE id = ?3",
                params![error, now, id],
            )?;
            if n == 0 {
                return Err(HistoryError::NotFound(id));
            }
            Ok(())
        })
    }

    /// The call with this local id.
    pub fn get(&self, id: i64) -> Result<CallRecord> {
        get_in(&self.conn(), id)
    }

    /// The call linked to this service task id, if any.
    pub fn get_by_task_id(&self, task_id: &str) -> Result<Option<CallRecord>> {
        select_one(&self.conn(), "task_id = ?1", [task_id])
    }

    /// Each status the call went through, in the order first seen, with when it was first seen.
    pub fn timeline(&self, id: i64) -> Result<Vec<StatusEvent>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT status, seen_at FROM status_events WHERE call_id = ?1 ORDER BY seen_at, id",
        )?;
        let events = stmt
            .query_map([id], |r| {
                let key: String = r.get(0)?;
                let status = CallStatus::from_event_key(&key).ok_or_else(|| {
                    rusqlite::Error::FromSqlConversionFailure(
                        0,
                        Type::Text,
                        format!("unreadable status in the timeline: {key}").into(),
                    )
                })?;
                Ok(StatusEvent {
                    status,
                    seen_at: time_at(r, 1)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if events.is_empty() {
            get_in(&conn, id)?;
        }
        Ok(events)
    }

    /// One page of calls matching the filter, newest first (`created_at` desc, then id desc).
    pub fn list(&self, f: &HistoryFilter) -> Result<Vec<CallRecord>> {
        let (from, mut args) = matching_sql(f);
        let limit = match f.limit {
            0 => DEFAULT_PAGE,
            n => n.min(MAX_PAGE),
        };
        args.push(Value::Integer(limit.into()));
        args.push(Value::Integer(f.offset.into()));
        // Pick the page's ids first (sorting only ids and times), then read just those rows:
        // sorting whole rows would carry every matching transcript through the sorter.
        // A search orders by id (the order calls were recorded, i.e. newest first as well),
        // walking the full-text matches from the newest and stopping after one page (see
        // `matching_sql`); sorting tens of thousands of matches by time would cost ~100 ms at
        // 100,000 calls.
        let (inner_order, order) = if searching(f) {
            ("calls_fts.rowid DESC", "id DESC")
        } else {
            ("created_at DESC, id DESC", "created_at DESC, id DESC")
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM calls WHERE id IN (SELECT calls.id {from} \
             ORDER BY {inner_order} LIMIT ? OFFSET ?) ORDER BY {order}"
        );
        select_many(&self.conn(), &sql, args)
    }

    /// How many calls match the filter (ignoring its limit and offset).
    pub fn count(&self, f: &HistoryFilter) -> Result<u64> {
        let (from, args) = matching_sql(f);
        let sql = format!("SELECT COUNT(*) {from}");
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql)?;
        let n: i64 = stmt.query_row(rusqlite::params_from_iter(args), |r| r.get(0))?;
        Ok(n.try_into().unwrap_or(0))
    }

    /// Calls the tracker must follow: those with a task id whose status is live and that it
    /// has not given up on, oldest first.
    pub fn live(&self) -> Result<Vec<CallRecord>> {
        select_many(&self.conn(), &LIVE_SQL, Vec::new())
    }

    /// How SQLite runs [`History::live`]'s query (for diagnostics and tests).
    pub fn live_query_plan(&self) -> Result<String> {
        self.plan(&LIVE_SQL)
    }

    /// How SQLite runs [`History::interrupted_attempts`]'s query.
    pub fn sending_query_plan(&self) -> Result<String> {
        self.plan(&SENDING_SQL.replace('?', &format!("'{}'", LocalState::Sending.key())))
    }

    fn plan(&self, sql: &str) -> Result<String> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(3))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows.join("\n"))
    }

    /// Attempts still being sent (or left so by a process that stopped mid-request), oldest
    /// first. Whether each is still being sent is [`History::recover_interrupted`]'s question.
    pub fn interrupted_attempts(&self) -> Result<Vec<CallRecord>> {
        select_many(
            &self.conn(),
            &SENDING_SQL,
            vec![Value::Text(LocalState::Sending.key().into())],
        )
    }

    /// Marks as unknown outcomes the attempts still being sent whose owner process is gone
    /// (a crash, a kill): their request may have reached the service. An attempt whose owner
    /// lives is left alone, however long its request takes. Returns the calls marked.
    pub fn recover_interrupted(&self) -> Result<Vec<CallRecord>> {
        let mut marked = Vec::new();
        let mine = self.owner.get().map(|o| o.id().to_owned());
        for row in self.interrupted_attempts()? {
            let owner = self.attempt_owner(row.id)?;
            let alive = match owner.as_deref() {
                Some(o) if Some(o) == mine.as_deref() => true,
                Some(o) => owner::is_alive(self.dir(), o),
                None => false,
            };
            if alive {
                continue;
            }
            match self.mark_unknown_outcome(row.id, INTERRUPTED_NOTE) {
                Ok(()) => marked.push(self.get(row.id)?),
                // Its owner recorded the answer meanwhile.
                Err(HistoryError::AlreadyCreated { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        owner::sweep_stale(self.dir());
        Ok(marked)
    }

    fn attempt_owner(&self, id: i64) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT attempt_owner FROM calls WHERE id = ?1 AND local_state = ?2",
                params![id, LocalState::Sending.key()],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// The newest call to the same number with the same task (ignoring surrounding blanks) on
    /// the same origin, created within `within` of now, that may have placed a call (anything
    /// but certainly not placed). Used to ask "you already sent this; send again?".
    pub fn find_recent_duplicate(
        &self,
        phone_e164: &str,
        task: &str,
        within: Duration,
        origin: &Origin,
    ) -> Result<Option<CallRecord>> {
        let window = i64::try_from(within.as_millis()).unwrap_or(i64::MAX);
        let since = self.now_ms().saturating_sub(window);
        let sql = format!(
            "SELECT {COLUMNS} FROM calls WHERE phone_e164 = ? AND created_at >= ? AND origin = ? \
             AND local_state IS NOT ? ORDER BY created_at DESC, id DESC"
        );
        let args = vec![
            Value::Text(phone_e164.into()),
            Value::Integer(since),
            Value::Text(origin.as_str().into()),
            Value::Text(LocalState::NotPlaced.key().into()),
        ];
        let task = task.trim();
        Ok(select_many(&self.conn(), &sql, args)?
            .into_iter()
            .find(|c| c.task.trim() == task))
    }

    /// Checks the file and the full-text index; returns `"ok"` when sound, else what is wrong.
    pub fn integrity_check(&self) -> Result<String> {
        let conn = self.conn();
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        let mut lines = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if let Err(e) = conn.execute(
            "INSERT INTO calls_fts (calls_fts) VALUES ('integrity-check')",
            [],
        ) {
            if lines == ["ok"] {
                lines.clear();
            }
            lines.push(format!("full-text index: {e}"));
        }
        Ok(lines.join("\n"))
    }

    /// The settings in effect on this connection (journal mode, synchronous, …).
    pub fn settings(&self) -> Result<StorageSettings> {
        let conn = self.conn();
        let pragma =
            |name: &str| conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, i64>(0));
        let synchronous = match pragma("synchronous")? {
            0 => "off".to_owned(),
            1 => "normal".to_owned(),
            2 => "full".to_owned(),
            3 => "extra".to_owned(),
            n => n.to_string(),
        };
        Ok(StorageSettings {
            journal_mode: conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?,
            synchronous,
            foreign_keys: pragma("foreign_keys")? != 0,
            busy_timeout_ms: pragma("busy_timeout")?.try_into().unwrap_or(0),
            schema_version: pragma("user_version")?.try_into().unwrap_or(0),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic elsewhere while holding the lock leaves the connection usable (an open
        // transaction is rolled back when dropped), so a poisoned lock is not an error.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write<T>(&self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// Calls the tracker follows. `INDEXED BY` makes SQLite use the partial index or fail: a
/// condition that drifted from the index's would be an error in every test, not a slow scan.
static LIVE_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS} FROM calls INDEXED BY calls_live_idx WHERE {} ORDER BY id",
        call::sql::live_condition()
    )
});

/// Attempts being sent, oldest first (`calls_state_idx` keeps it cheap).
static SENDING_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("SELECT {COLUMNS} FROM calls WHERE local_state = ? ORDER BY created_at, id")
});

/// The note on an attempt whose sender stopped before the answer came.
pub const INTERRUPTED_NOTE: &str =
    "MissionCall stopped while this call was being sent, so we can't tell whether it was placed.";

fn add_event(conn: &Connection, id: i64, status: &CallStatus, at: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO status_events (call_id, status, seen_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (call_id, status) DO NOTHING",
    )?
    .execute(params![id, status.event_key(), at])?;
    Ok(())
}

/// Inserts an attempt (state sending, owned by `owner`, first timeline row) inside the
/// caller's transaction; `scheduled_id` links it to the scheduled call it was placed for.
fn insert_attempt_in(
    tx: &Connection,
    a: &NewAttempt,
    owner: &str,
    now: i64,
    scheduled_id: Option<i64>,
) -> Result<i64> {
    // The last word on the do-not-call list, in the attempt's own transaction (a call placed
    // by hand or a scheduled job): a number listed after the call was confirmed or scheduled
    // (here or in another process) gets no row, so nothing can be sent to it.
    do_not_call::refuse_listed(tx, a.phone_e164, now)?;
    let sending = CallStatus::Local(LocalState::Sending);
    tx.execute(
        "INSERT INTO calls (phone_e164, phone_region, phone_digits, task, created_at, \
         updated_at, local_state, origin, demo, status_changed_at, attempt_owner, \
         contact_name, scheduled_id, outside_hours) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?5, ?9, \
         COALESCE((SELECT name FROM contacts WHERE phone_e164 = ?1), ''), ?10, ?11)",
        params![
            a.phone_e164,
            a.phone_region,
            search::phone_digits(a.phone_e164),
            a.task,
            now,
            LocalState::Sending.key(),
            a.origin.as_str(),
            a.origin.is_demo(),
            owner,
            scheduled_id,
            a.outside_hours
        ],
    )?;
    let id = tx.last_insert_rowid();
    add_event(tx, id, &sending, now)?;
    Ok(id)
}

fn link(
    tx: &Connection,
    id: i64,
    task_id: &str,
    task_number: Option<i64>,
    status: &ServiceStatus,
    now: i64,
) -> Result<()> {
    let current = get_in(tx, id)?;
    match current.task_id.as_deref() {
        Some(existing) if existing != task_id => {
            return Err(HistoryError::TaskIdConflict {
                id,
                existing: existing.to_owned(),
                given: task_id.to_owned(),
            })
        }
        _ => {}
    }
    let other: Option<i64> = tx
        .query_row(
            "SELECT id FROM calls WHERE task_id = ?1 AND id <> ?2",
            params![task_id, id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(other_id) = other {
        return Err(HistoryError::TaskIdTaken {
            task_id: task_id.to_owned(),
            other_id,
        });
    }
    // Linking again (a repeated answer) must not move a followed task backwards.
    let status_changed = match &current.status {
        CallStatus::Service(s) => s.accepts(status),
        CallStatus::Local(LocalState::DemoEnded) => false,
        CallStatus::Local(_) => true,
    };
    tx.execute(
        "UPDATE calls SET task_id = ?1, task_number = COALESCE(?2, task_number), \
         local_state = CASE WHEN ?3 THEN NULL ELSE local_state END, \
         service_status = CASE WHEN ?3 THEN ?4 ELSE service_status END, \
         status_changed_at = CASE WHEN ?3 THEN ?5 ELSE status_changed_at END, \
         attempt_owner = NULL, error = NULL, updated_at = ?5 WHERE id = ?6",
        params![task_id, task_number, status_changed, status.wire(), now, id],
    )?;
    if status_changed {
        add_event(tx, id, &CallStatus::Service(status.clone()), now)?;
    }
    Ok(())
}

fn mark_local(tx: &Connection, id: i64, state: LocalState, reason: &str, now: i64) -> Result<()> {
    let current = get_in(tx, id)?;
    if let Some(task_id) = current.task_id {
        return Err(HistoryError::AlreadyCreated { id, task_id });
    }
    let changed = current.status != CallStatus::Local(state);
    tx.execute(
        "UPDATE calls SET local_state = ?1, error = ?2, updated_at = ?3, attempt_owner = NULL, \
         status_changed_at = CASE WHEN ?4 THEN ?3 ELSE status_changed_at END WHERE id = ?5",
        params![state.key(), reason, now, changed, id],
    )?;
    add_event(tx, id, &CallStatus::Local(state), now)
}

fn get_in(conn: &Connection, id: i64) -> Result<CallRecord> {
    select_one(conn, "id = ?1", [id])?.ok_or(HistoryError::NotFound(id))
}

fn select_one(
    conn: &Connection,
    cond: &str,
    arg: impl rusqlite::Params,
) -> Result<Option<CallRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM calls WHERE {cond}");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(arg, record)
        .optional()?)
}

fn select_many(conn: &Connection, sql: &str, args: Vec<Value>) -> Result<Vec<CallRecord>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), record)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// True when the filter has search words.
fn searching(f: &HistoryFilter) -> bool {
    f.search.as_deref().and_then(search::fts_query).is_some()
}

/// The calls a filter selects, as `FROM … WHERE …` (the call's id is `calls.id`), and its
/// bound values. Without search words, the calls table and [`filter_sql`]'s condition. With
/// them, the full-text index's matches joined to `calls_narrow_idx`, which holds every short
/// column a filter reads keyed by id: the other conditions are checked in that index for each
/// match, never reading a row (the columns added since version 1 sit after the transcript, on
/// its overflow pages), and a page walks the matches newest first and stops when it is full.
/// With a word found in most calls and two other filters, the first page took ~40 ms at
/// 100,000 calls through `id IN (all the matches)`; this way it takes ~1 ms.
fn matching_sql(f: &HistoryFilter) -> (String, Vec<Value>) {
    match f.search.as_deref().and_then(search::fts_query) {
        None => {
            let (cond, args) = filter_sql(f);
            (format!("FROM calls WHERE {cond}"), args)
        }
        Some(q) => {
            let rest = HistoryFilter {
                search: None,
                ..f.clone()
            };
            let (cond, rest_args) = filter_sql(&rest);
            let mut args = vec![Value::Text(q)];
            args.extend(rest_args);
            (
                format!(
                    "FROM calls_fts JOIN calls INDEXED BY calls_narrow_idx \
                     ON calls.id = calls_fts.rowid WHERE calls_fts MATCH ? AND {cond}"
                ),
                args,
            )
        }
    }
}

/// The WHERE condition and its bound values for a filter. User text is only ever bound.
fn filter_sql(f: &HistoryFilter) -> (String, Vec<Value>) {
    let mut conds: Vec<String> = vec!["1".into()];
    let mut args = Vec::new();
    let mut add = |cond: &str, values: Vec<Value>| {
        conds.push(cond.to_owned());
        args.extend(values);
    };
    match &f.status {
        None => {}
        Some(CallStatus::Local(l)) => {
            add("local_state = ?", vec![Value::Text(l.key().to_owned())]);
        }
        Some(CallStatus::Service(s)) => add(
            "local_state IS NULL AND service_status = ?",
            vec![Value::Text(s.wire().to_owned())],
        ),
    }
    if let Some(demo) = f.demo {
        add("demo = ?", vec![Value::Integer(demo.into())]);
    }
    match f.outcome {
        None => {}
        Some(OutcomeFilter::Is(o)) => add("outcome = ?", vec![Value::Text(o.key().to_owned())]),
        Some(OutcomeFilter::NotSet) => add("outcome IS NULL", vec![]),
    }
    if let Some(tag) = &f.tag {
        add(
            "id IN (SELECT ct.call_id FROM call_tags ct JOIN tags t ON t.id = ct.tag_id \
             WHERE t.name = ?)",
            vec![Value::Text(crate::session::plain_line(tag))],
        );
    }
    if let Some(phones) = &f.phones {
        let phones: Vec<Value> = phones
            .iter()
            .take(MAX_PAGE as usize)
            .map(|p| Value::Text(p.clone()))
            .collect();
        if phones.is_empty() {
            add("0", vec![]);
        } else {
            let marks = vec!["?"; phones.len()].join(", ");
            add(&format!("phone_e164 IN ({marks})"), phones);
        }
    }
    if let Some(since) = f.since {
        add(
            "created_at >= ?",
            vec![Value::Integer(since.timestamp_millis())],
        );
    }
    if let Some(until) = f.until {
        add(
            "created_at < ?",
            vec![Value::Integer(until.timestamp_millis())],
        );
    }
    if let Some(q) = f.search.as_deref().and_then(search::fts_query) {
        add(
            "id IN (SELECT rowid FROM calls_fts WHERE calls_fts MATCH ?)",
            vec![Value::Text(q)],
        );
    }
    (conds.join(" AND "), args)
}

/// The status kept in the `local_state` and `service_status` columns (an unknown local word,
/// which the column's CHECK rules out, reads as the service's).
fn status_of_columns(local: Option<&str>, service: Option<&str>) -> CallStatus {
    match local.and_then(LocalState::from_key) {
        Some(l) => CallStatus::Local(l),
        None => CallStatus::Service(ServiceStatus::from_wire(service.unwrap_or(""))),
    }
}

fn record(r: &Row) -> rusqlite::Result<CallRecord> {
    let local: Option<String> = r.get(8)?;
    let service: Option<String> = r.get(9)?;
    if let Some(k) = &local {
        if LocalState::from_key(k).is_none() {
            return Err(rusqlite::Error::FromSqlConversionFailure(
                8,
                Type::Text,
                format!("unknown local state: {k}").into(),
            ));
        }
    }
    let status = status_of_columns(local.as_deref(), service.as_deref());
    let tracking: String = r.get(10)?;
    Ok(CallRecord {
        id: r.get(0)?,
        phone_e164: r.get(1)?,
        phone_region: r.get(2)?,
        task: r.get(3)?,
        created_at: time_at(r, 4)?,
        updated_at: time_at(r, 5)?,
        task_id: r.get(6)?,
        task_number: r.get(7)?,
        status,
        tracking: Tracking::from_key(&tracking).unwrap_or_default(),
        error: r.get(11)?,
        transcript: r.get(12)?,
        summary: r.get(13)?,
        origin: Origin::parse(&r.get::<_, String>(14)?),
        demo: r.get(15)?,
        status_changed_at: time_at(r, 16)?,
        last_checked_at: r
            .get::<_, Option<i64>>(17)?
            .map(|ms| to_time(17, ms))
            .transpose()?,
        outcome: r
            .get::<_, Option<String>>(19)?
            .and_then(|k| Outcome::from_key(&k)),
        note: r.get(20)?,
        follow_up: r
            .get::<_, Option<String>>(21)?
            .and_then(|k| FollowUp::from_key(&k)),
        tags: review::tags_from_text(&r.get::<_, String>(22)?),
        contact_name: Some(r.get::<_, String>(23)?).filter(|n| !n.is_empty()),
        annotated_at: r
            .get::<_, Option<i64>>(24)?
            .map(|ms| to_time(24, ms))
            .transpose()?,
        outside_hours: r.get(25)?,
    })
}

fn time_at(r: &Row, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    to_time(idx, r.get(idx)?)
}

fn to_time(idx: usize, ms: i64) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            Type::Integer,
            format!("time out of range: {ms} ms").into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<History>();
        check::<HistoryError>();
    }
}
