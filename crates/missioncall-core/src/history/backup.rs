//! Backups of the call history, and restoring one into the history in use.
//!
//! A backup ([`History::backup_to`]) is a consistent snapshot taken with SQLite's online backup
//! while the app runs: one read transaction on a connection of its own, which in WAL mode never
//! holds up a writer. It goes to a private (`0600`) temporary file beside the chosen name, is
//! checked (`PRAGMA integrity_check` and the full-text index's own check), synced to disk and
//! only then renamed, so a failed backup leaves nothing under that name. Daily backups
//! ([`History::daily_backup`]) go to [`BACKUP_DIR`] in the data folder, the newest
//! [`KEEP_DAILY`] kept.
//!
//! A restore ([`History::restore_from`]) never touches the file it reads: it works on a private
//! copy, brought to the current layout by the history's own migrations, and merges it into the
//! history in ONE transaction. Calls are matched by their service task id (else by when they
//! were made, the number and the task), so nothing is lost and nothing is doubled; what the
//! user said of a call comes from the side that said it last, the service's record from the side
//! further along. The do-not-call list only grows: a number listed in the backup is listed.
//! It must never restore who owns an attempt (that belongs to a running
//! process), never bring a call in as being sent (such a call arrives as "outcome unknown", so
//! it cannot be sent again nor followed as if owned), and never replace or clear a task id.

use std::collections::HashSet;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::{schema, History, HistoryError, Result};
use crate::call::{CallStatus, LocalState, ServiceStatus};

/// The folder, inside the data folder, that holds the daily backups.
pub const BACKUP_DIR: &str = "backups";
/// How many daily backups are kept (the newest).
pub const KEEP_DAILY: usize = 7;
/// The most ids a [`RestoreReport`] lists in `added_ids`.
pub const MAX_REPORTED_IDS: usize = 1_000;

const DAILY_PREFIX: &str = "history-";
const DAILY_SUFFIX: &str = ".sqlite";
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// The note on a call that was still being sent when its backup was made.
pub const RESTORED_SENDING_NOTE: &str = "This call was still being sent when its backup was \
    made, so we can't tell whether it was placed. Check with the service before calling again.";

/// A backup written by [`History::backup_to`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BackupInfo {
    /// Where it was written.
    pub path: PathBuf,
    /// How many calls it holds.
    pub calls: u64,
    /// Its size in bytes.
    pub bytes: u64,
}

/// A daily backup found by [`list_backups`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BackupFile {
    /// The file.
    pub path: PathBuf,
    /// The (local) day it was made, from its name.
    pub date: NaiveDate,
    /// Its size in bytes.
    pub bytes: u64,
}

/// What a restore did. Restoring the same backup again gives all zeros (but `from_layout`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RestoreReport {
    /// Calls the history did not have, added with their timeline, result, note and tags.
    pub added: u64,
    /// Calls both had, changed by the backup (newer annotations, or a status further along).
    pub updated: u64,
    /// Calls both had, left as they were.
    pub unchanged: u64,
    /// Contacts the history did not have.
    pub contacts_added: u64,
    /// Contacts renamed because the backup's name was newer.
    pub contacts_updated: u64,
    /// Numbers of the backup's do-not-call list the history did not list (they are listed now:
    /// a restore never takes a number off the list).
    pub do_not_call_added: u64,
    /// The backup's layout version, before it was brought up to date.
    pub from_layout: u32,
    /// The history ids of the added calls (the first [`MAX_REPORTED_IDS`]).
    pub added_ids: Vec<i64>,
}

/// The daily backups in `dir`, newest first. Other files are ignored; a missing folder has
/// none.
pub fn list_backups(dir: &Path) -> Result<Vec<BackupFile>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(HistoryError::BackupRead {
                path: dir.to_path_buf(),
                source,
            })
        }
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Some(date) = entry.file_name().to_str().and_then(daily_date) else {
            continue;
        };
        match entry.metadata() {
            Ok(m) if m.is_file() => found.push(BackupFile {
                path: entry.path(),
                date,
                bytes: m.len(),
            }),
            _ => {}
        }
    }
    found.sort_by_key(|b| std::cmp::Reverse(b.date));
    Ok(found)
}

/// The name of the daily backup of `date`.
pub fn daily_name(date: NaiveDate) -> String {
    format!("{DAILY_PREFIX}{}{DAILY_SUFFIX}", date.format("%Y-%m-%d"))
}

/// The day in a daily backup's name, if `name` is one (exactly as [`daily_name`] writes it).
fn daily_date(name: &str) -> Option<NaiveDate> {
    let day = name
        .strip_prefix(DAILY_PREFIX)?
        .strip_suffix(DAILY_SUFFIX)?;
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    (daily_name(date) == name).then_some(date)
}

impl History {
    /// Writes a consistent snapshot of the history to `dest` (replacing a file there), while
    /// other handles and processes keep writing. See the module doc for how it is made safe.
    pub fn backup_to(&self, dest: &Path) -> Result<BackupInfo> {
        let write_err = |source| HistoryError::BackupWrite {
            path: dest.to_path_buf(),
            source,
        };
        let name = dest
            .file_name()
            .ok_or_else(|| write_err(std::io::Error::other("not a file name")))?;
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if is_history_file(dest, self.path()) {
            return Err(HistoryError::BackupOntoHistory {
                path: dest.to_path_buf(),
            });
        }
        let tmp = Scratch::create(dir, name).map_err(write_err)?;
        let calls = self.snapshot_into(&tmp.path)?;
        std::fs::File::open(&tmp.path)
            .and_then(|f| f.sync_all())
            .map_err(write_err)?;
        std::fs::rename(&tmp.path, dest).map_err(write_err)?;
        tmp.kept();
        sync_dir(dir);
        let bytes = std::fs::metadata(dest).map_err(write_err)?.len();
        Ok(BackupInfo {
            path: dest.to_path_buf(),
            calls,
            bytes,
        })
    }

    /// Copies the history into the empty file `to`, checks the copy and returns its calls.
    fn snapshot_into(&self, to: &Path) -> Result<u64> {
        // A connection of its own: the snapshot is one read transaction, which in WAL mode never
        // holds up a writer (this handle's included) and sees no write half done.
        let from = Connection::open(self.path())?;
        from.busy_timeout(schema::BUSY_TIMEOUT)?;
        let mut copy = Connection::open(to)?;
        {
            let backup = Backup::new(&from, &mut copy)?;
            let started = Instant::now();
            loop {
                match backup.step(-1)? {
                    StepResult::Done => break,
                    StepResult::More => {}
                    // Only while another process recovers the journal: brief.
                    _ if started.elapsed() < schema::BUSY_TIMEOUT => {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    _ => {
                        return Err(HistoryError::Sqlite(rusqlite::Error::SqliteFailure(
                            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                            Some("the history stayed busy during the backup".into()),
                        )))
                    }
                }
            }
        }
        drop(from);
        // One self-contained file: no -wal beside it to lose on the way to another disk.
        copy.query_row("PRAGMA journal_mode = DELETE", [], |r| {
            r.get::<_, String>(0)
        })?;
        let problems = check(&copy)?;
        if problems != "ok" {
            return Err(HistoryError::BackupDamaged { problem: problems });
        }
        let calls: i64 = copy.query_row("SELECT COUNT(*) FROM calls", [], |r| r.get(0))?;
        copy.close().map_err(|(_, e)| e)?;
        Ok(calls.try_into().unwrap_or(0))
    }

    /// Writes today's backup to `dir` (made if needed) as `history-YYYY-MM-DD.sqlite` unless
    /// it is there already, and keeps only the [`KEEP_DAILY`] newest such files (other files
    /// are left alone). "Today" is the local date of this history's clock. Returns the file
    /// written, or `None` when today's was already there.
    pub fn daily_backup(&self, dir: &Path) -> Result<Option<PathBuf>> {
        crate::private_fs::create_dir(dir).map_err(|source| HistoryError::BackupWrite {
            path: dir.to_path_buf(),
            source,
        })?;
        let today = self.now().with_timezone(&chrono::Local).date_naive();
        let path = dir.join(daily_name(today));
        let written = if path.exists() {
            None
        } else {
            self.backup_to(&path)?;
            Some(path)
        };
        for old in list_backups(dir)?.into_iter().skip(KEEP_DAILY) {
            if let Err(e) = std::fs::remove_file(&old.path) {
                tracing::warn!(path = %old.path.display(), error = %e, "could not remove an old daily backup");
            }
        }
        Ok(written)
    }

    /// Merges the backup at `src` into this history, in one transaction, and says what it did.
    /// `src` is never changed: a private copy is read instead. See the module doc for the rules.
    pub fn restore_from(&self, src: &Path) -> Result<RestoreReport> {
        let copy = Scratch::copy_of(self.dir(), src)?;
        let from_layout = layout_of(&copy.path, src)?;
        let backup = schema::open_connection(&copy.path)?;
        let now = self.now_ms();
        let mut report = RestoreReport {
            from_layout,
            ..RestoreReport::default()
        };
        self.write(|tx| {
            merge_contacts(&backup, tx, &mut report)?;
            merge_do_not_call(&backup, tx, &mut report)?;
            merge_calls(&backup, tx, now, &mut report)
        })?;
        drop(backup);
        drop(copy);
        Ok(report)
    }
}

/// `PRAGMA integrity_check` plus the full-text index's own check: `"ok"`, or what is wrong.
fn check(conn: &Connection) -> Result<String> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let mut lines = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if let Err(e) = conn.execute(
        "INSERT INTO calls_fts (calls_fts) VALUES ('integrity-check')",
        [],
    ) {
        lines.retain(|l| l != "ok");
        lines.push(format!("full-text index: {e}"));
    }
    Ok(lines.join("; "))
}

/// True if `dest` names the history file (or its journal) at `history`.
fn is_history_file(dest: &Path, history: &Path) -> bool {
    let canon = |p: &Path| -> Option<PathBuf> {
        let dir = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        Some(dir.canonicalize().ok()?.join(p.file_name()?))
    };
    let (Some(dest), Some(history)) = (canon(dest), canon(history)) else {
        return false;
    };
    ["", "-wal", "-shm", "-journal"].iter().any(|suffix| {
        let mut name = history.as_os_str().to_owned();
        name.push(suffix);
        dest.as_os_str() == name
    })
}

/// Makes a rename in `dir` durable (Unix; elsewhere the rename is enough).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Err(e) = std::fs::File::open(dir).and_then(|d| d.sync_all()) {
        tracing::warn!(dir = %dir.display(), error = %e, "could not sync the backup's folder");
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// A private temporary SQLite file, removed (with its journals) when dropped unless kept.
struct Scratch {
    path: PathBuf,
    keep: bool,
}

impl Scratch {
    /// A new empty private file in `dir`, named after `name`.
    fn create(dir: &Path, name: &std::ffi::OsStr) -> std::io::Result<Scratch> {
        let mut last = None;
        for _ in 0..16 {
            let mut tmp = OsString::from(".");
            tmp.push(name);
            tmp.push(format!(
                ".{}-{:08x}.tmp",
                std::process::id(),
                rand::random::<u32>()
            ));
            let path = dir.join(tmp);
            match crate::private_fs::file_options()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(_) => return Ok(Scratch { path, keep: false }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
    }

    /// A private copy of `src` (and of its `-wal`, if any, so that SQLite reads the writes it
    /// holds) in `dir`. Only reads `src`.
    fn copy_of(dir: &Path, src: &Path) -> Result<Scratch> {
        let read_err = |source| HistoryError::BackupRead {
            path: src.to_path_buf(),
            source,
        };
        let mut head = [0u8; 16];
        let mut file = std::fs::File::open(src).map_err(read_err)?;
        if !file.metadata().map_err(read_err)?.is_file() {
            return Err(HistoryError::NotAHistory {
                path: src.to_path_buf(),
            });
        }
        let got = file.read(&mut head).map_err(read_err)?;
        if got < head.len() || &head != SQLITE_MAGIC {
            return Err(HistoryError::NotAHistory {
                path: src.to_path_buf(),
            });
        }
        drop(file);
        let scratch = Scratch::create(dir, std::ffi::OsStr::new("restore")).map_err(|source| {
            HistoryError::BackupWrite {
                path: dir.to_path_buf(),
                source,
            }
        })?;
        copy_private(src, &scratch.path).map_err(read_err)?;
        let wal = with_suffix(src, "-wal");
        if wal.is_file() {
            copy_private(&wal, &with_suffix(&scratch.path, "-wal")).map_err(read_err)?;
        }
        Ok(scratch)
    }

    fn kept(mut self) {
        self.keep = true;
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
        for suffix in ["-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(with_suffix(&self.path, suffix));
        }
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    p.into()
}

/// Copies `from` into `to`, which is private (`0600`) whatever `from`'s permissions.
fn copy_private(from: &Path, to: &Path) -> std::io::Result<()> {
    let mut input = std::fs::File::open(from)?;
    let mut output = crate::private_fs::create_file(to)?;
    std::io::copy(&mut input, &mut output)?;
    output.sync_all()
}

/// The layout version of the copy of a backup, after checking that it is a MissionCall history
/// this version can read (without changing it).
fn layout_of(copy: &Path, src: &Path) -> Result<u32> {
    let not_ours = || HistoryError::NotAHistory {
        path: src.to_path_buf(),
    };
    let conn = Connection::open_with_flags(copy, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|_| not_ours())?;
    let read = || -> rusqlite::Result<(u32, i32, bool)> {
        Ok((
            conn.query_row("PRAGMA user_version", [], |r| r.get(0))?,
            conn.query_row("PRAGMA application_id", [], |r| r.get(0))?,
            conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'calls')",
                [],
                |r| r.get(0),
            )?,
        ))
    };
    let (version, app_id, has_calls) = read().map_err(|_| not_ours())?;
    if version == 0 || !has_calls || (app_id != 0 && app_id != schema::APPLICATION_ID) {
        return Err(not_ours());
    }
    if version > schema::SUPPORTED_VERSION {
        return Err(HistoryError::BackupTooNew {
            found: version,
            supported: schema::SUPPORTED_VERSION,
        });
    }
    Ok(version)
}

/// The do-not-call list: a number the history does not list is added with the backup's date,
/// reason and source (not its call id, which is the backup's own); a listed one stays as it is.
fn merge_do_not_call(
    backup: &Connection,
    tx: &Connection,
    report: &mut RestoreReport,
) -> Result<()> {
    let mut stmt =
        backup.prepare("SELECT phone_e164, added_at, reason, source FROM do_not_call")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (phone, at, reason, source): (String, i64, String, String) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        report.do_not_call_added +=
            tx.prepare_cached(
                "INSERT INTO do_not_call (phone_e164, added_at, reason, source) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (phone_e164) DO NOTHING",
            )?
            .execute(params![phone, at, reason, source])? as u64;
    }
    Ok(())
}

/// Contacts by number: one the history lacks is added; a name the backup changed later than
/// the history did wins. The calls to a number carry its name (for the search).
fn merge_contacts(backup: &Connection, tx: &Connection, report: &mut RestoreReport) -> Result<()> {
    let mut stmt = backup.prepare("SELECT phone_e164, name, updated_at FROM contacts")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (phone, name, at): (String, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let here: Option<(String, i64)> = tx
            .prepare_cached("SELECT name, updated_at FROM contacts WHERE phone_e164 = ?1")?
            .query_row([&phone], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        match here {
            None => report.contacts_added += 1,
            Some((n, t)) if t < at && n != name => report.contacts_updated += 1,
            Some(_) => continue,
        }
        tx.prepare_cached(
            "INSERT INTO contacts (phone_e164, name, updated_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (phone_e164) DO UPDATE SET name = ?2, updated_at = ?3",
        )?
        .execute(params![phone, name, at])?;
        tx.prepare_cached(
            "UPDATE calls SET contact_name = ?2 WHERE phone_e164 = ?1 AND contact_name <> ?2",
        )?
        .execute(params![phone, name])?;
    }
    Ok(())
}

/// A call row as stored, column by column; both sides of a restore read the same columns.
#[derive(Clone, Debug)]
struct Stored {
    id: i64,
    phone_e164: String,
    phone_region: Option<String>,
    task: String,
    created_at: i64,
    updated_at: i64,
    task_id: Option<String>,
    task_number: Option<i64>,
    local_state: Option<String>,
    service_status: Option<String>,
    tracking: String,
    error: Option<String>,
    transcript: Option<String>,
    summary: Option<String>,
    origin: String,
    demo: bool,
    status_changed_at: i64,
    last_checked_at: Option<i64>,
    outcome: Option<String>,
    note: String,
    follow_up_on: Option<String>,
    annotated_at: Option<i64>,
    outside_hours: Option<String>,
}

const STORED: &str = "id, phone_e164, phone_region, task, created_at, updated_at, task_id, \
    task_number, local_state, service_status, tracking, error, transcript, summary, origin, demo, \
    status_changed_at, last_checked_at, outcome, note, follow_up_on, annotated_at, outside_hours";

impl Stored {
    fn read(r: &Row) -> rusqlite::Result<Stored> {
        Ok(Stored {
            id: r.get(0)?,
            phone_e164: r.get(1)?,
            phone_region: r.get(2)?,
            task: r.get(3)?,
            created_at: r.get(4)?,
            updated_at: r.get(5)?,
            task_id: r.get(6)?,
            task_number: r.get(7)?,
            local_state: r.get(8)?,
            service_status: r.get(9)?,
            tracking: r.get(10)?,
            error: r.get(11)?,
            transcript: r.get(12)?,
            summary: r.get(13)?,
            origin: r.get(14)?,
            demo: r.get(15)?,
            status_changed_at: r.get(16)?,
            last_checked_at: r.get(17)?,
            outcome: r.get(18)?,
            note: r.get(19)?,
            follow_up_on: r.get(20)?,
            annotated_at: r.get(21)?,
            outside_hours: r.get(22)?,
        })
    }

    /// The status, read as the history reads it (a local state the file's CHECK allows, else
    /// the service's word).
    fn status(&self) -> CallStatus {
        match &self.local_state {
            Some(k) => {
                CallStatus::Local(LocalState::from_key(k).unwrap_or(LocalState::UnknownOutcome))
            }
            None => CallStatus::Service(ServiceStatus::from_wire(
                self.service_status.as_deref().unwrap_or(""),
            )),
        }
    }

    /// True if this row is an attempt still being sent.
    fn sending(&self) -> bool {
        self.status() == CallStatus::Local(LocalState::Sending)
    }
}

/// The calls of the backup, one at a time (a large backup is never held in memory).
fn merge_calls(
    backup: &Connection,
    tx: &Connection,
    now: i64,
    report: &mut RestoreReport,
) -> Result<()> {
    let mut stmt = backup.prepare(&format!("SELECT {STORED} FROM calls ORDER BY id"))?;
    let mut rows = stmt.query([])?;
    // Each call of the history answers for one call of the backup at most.
    let mut taken: HashSet<i64> = HashSet::new();
    while let Some(r) = rows.next()? {
        let theirs = Stored::read(r)?;
        match find_match(tx, &theirs, &taken)? {
            None => {
                let id = insert_call(backup, tx, &theirs, now)?;
                taken.insert(id);
                report.added += 1;
                if report.added_ids.len() < MAX_REPORTED_IDS {
                    report.added_ids.push(id);
                }
            }
            Some(ours) => {
                taken.insert(ours.id);
                if merge_call(backup, tx, &ours, &theirs, now)? {
                    report.updated += 1;
                } else {
                    report.unchanged += 1;
                }
            }
        }
    }
    Ok(())
}

/// The history's call for the backup's: the one with its task id, else one made at the same
/// moment to the same number with the same task (and no other task id), not matched yet.
fn find_match(tx: &Connection, theirs: &Stored, taken: &HashSet<i64>) -> Result<Option<Stored>> {
    if let Some(task_id) = &theirs.task_id {
        let found = tx
            .prepare_cached(&format!("SELECT {STORED} FROM calls WHERE task_id = ?1"))?
            .query_row([task_id], Stored::read)
            .optional()?;
        if found.is_some() {
            return Ok(found);
        }
    }
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {STORED} FROM calls WHERE phone_e164 = ?1 AND created_at = ?2 AND task = ?3 \
         AND (task_id IS NULL OR ?4 IS NULL) ORDER BY id"
    ))?;
    let mut rows = stmt.query(params![
        theirs.phone_e164,
        theirs.created_at,
        theirs.task,
        theirs.task_id
    ])?;
    while let Some(r) = rows.next()? {
        let ours = Stored::read(r)?;
        if !taken.contains(&ours.id) {
            return Ok(Some(ours));
        }
    }
    Ok(None)
}

/// True when the backup's record of the service (status, task id, result) is further along
/// than the history's: it knows a task id the history lacks, or its status is final while the
/// history's is live, or the service moved on from the history's status (as the tracker would
/// take it). An attempt the history is still sending belongs to its sender and is left alone.
fn service_side_wins(ours: &Stored, theirs: &Stored) -> bool {
    if ours.sending() {
        return false;
    }
    match (&ours.task_id, &theirs.task_id) {
        (None, Some(_)) => return true,
        (Some(_), None) => return false,
        _ => {}
    }
    let (o, t) = (ours.status(), arriving_status(theirs));
    if o.is_final() {
        return false;
    }
    if t.is_final() {
        return true;
    }
    match (&o, &t) {
        (CallStatus::Service(o), CallStatus::Service(t)) => o.accepts(t),
        _ => false,
    }
}

/// The status a backup's call comes in with: as it was, except that an attempt being sent when
/// the backup was made comes in as an unknown outcome (its sender is not this process, and its
/// request may have reached the service).
fn arriving_status(theirs: &Stored) -> CallStatus {
    if theirs.sending() {
        CallStatus::Local(LocalState::UnknownOutcome)
    } else {
        theirs.status()
    }
}

/// The backup's service columns as they come in: `(local_state, service_status, error)`.
fn arriving_columns(theirs: &Stored) -> (Option<String>, Option<String>, Option<String>) {
    match arriving_status(theirs) {
        CallStatus::Local(l) if theirs.sending() => (
            Some(l.key().to_owned()),
            None,
            Some(RESTORED_SENDING_NOTE.to_owned()),
        ),
        _ => (
            theirs.local_state.clone(),
            theirs.service_status.clone(),
            theirs.error.clone(),
        ),
    }
}

/// Adds a call of the backup the history did not have, with its timeline, result, what the
/// user said of it and its tags. Returns its id in the history.
fn insert_call(backup: &Connection, tx: &Connection, theirs: &Stored, now: i64) -> Result<i64> {
    let (local_state, service_status, error) = arriving_columns(theirs);
    let changed_at = if theirs.sending() {
        now
    } else {
        theirs.status_changed_at
    };
    tx.prepare_cached(
        "INSERT INTO calls (phone_e164, phone_region, phone_digits, task, created_at, updated_at, \
         task_id, task_number, local_state, service_status, tracking, error, transcript, summary, \
         origin, demo, status_changed_at, last_checked_at, attempt_owner, outcome, note, \
         follow_up_on, annotated_at, contact_name, outside_hours) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, \
         NULL, ?19, ?20, ?21, ?22, COALESCE((SELECT name FROM contacts WHERE phone_e164 = ?1), ''), \
         ?23)",
    )?
    .execute(params![
        theirs.phone_e164,
        theirs.phone_region,
        super::search::phone_digits(&theirs.phone_e164),
        theirs.task,
        theirs.created_at,
        theirs.updated_at.max(changed_at),
        theirs.task_id,
        theirs.task_number,
        local_state,
        service_status,
        theirs.tracking,
        error,
        theirs.transcript,
        theirs.summary,
        theirs.origin,
        theirs.demo,
        changed_at,
        theirs.last_checked_at,
        theirs.outcome,
        theirs.note,
        theirs.follow_up_on,
        theirs.annotated_at,
        theirs.outside_hours,
    ])?;
    let id = tx.last_insert_rowid();
    copy_timeline(backup, tx, theirs, id, now)?;
    let tags = tags_of(backup, theirs.id)?;
    if !tags.is_empty() {
        set_tags(tx, id, &tags)?;
    }
    Ok(id)
}

/// Merges the backup's call into the history's; returns true if the history's changed.
fn merge_call(
    backup: &Connection,
    tx: &Connection,
    ours: &Stored,
    theirs: &Stored,
    now: i64,
) -> Result<bool> {
    let mut changed = false;
    if service_side_wins(ours, theirs) {
        let (local_state, service_status, error) = arriving_columns(theirs);
        // A task id is never replaced or cleared; a result never erased.
        tx.prepare_cached(
            "UPDATE calls SET task_id = COALESCE(task_id, ?1), \
             task_number = COALESCE(?2, task_number), local_state = ?3, service_status = ?4, \
             tracking = ?5, error = ?6, transcript = COALESCE(?7, transcript), \
             summary = COALESCE(?8, summary), status_changed_at = ?9, \
             last_checked_at = COALESCE(?10, last_checked_at), attempt_owner = NULL, \
             updated_at = ?11 WHERE id = ?12",
        )?
        .execute(params![
            theirs.task_id,
            theirs.task_number,
            local_state,
            service_status,
            theirs.tracking,
            error,
            theirs.transcript,
            theirs.summary,
            theirs.status_changed_at,
            theirs.last_checked_at,
            now,
            ours.id
        ])?;
        copy_timeline(backup, tx, theirs, ours.id, now)?;
        changed = true;
    } else if (ours.transcript.is_none() && theirs.transcript.is_some())
        || (ours.summary.is_none() && theirs.summary.is_some())
    {
        // Nothing is lost: a result only the backup has is kept.
        tx.prepare_cached(
            "UPDATE calls SET transcript = COALESCE(transcript, ?1), \
             summary = COALESCE(summary, ?2), updated_at = ?3 WHERE id = ?4",
        )?
        .execute(params![theirs.transcript, theirs.summary, now, ours.id])?;
        changed = true;
    }
    if theirs.annotated_at > ours.annotated_at {
        tx.prepare_cached(
            "UPDATE calls SET outcome = ?1, note = ?2, follow_up_on = ?3, annotated_at = ?4, \
             updated_at = ?5 WHERE id = ?6",
        )?
        .execute(params![
            theirs.outcome,
            theirs.note,
            theirs.follow_up_on,
            theirs.annotated_at,
            now,
            ours.id
        ])?;
        set_tags(tx, ours.id, &tags_of(backup, theirs.id)?)?;
        changed = true;
    }
    Ok(changed)
}

/// Adds the backup's timeline of `theirs` to the history's call `id` (a status already there
/// keeps its time), and the unknown outcome of an attempt that arrives so.
fn copy_timeline(
    backup: &Connection,
    tx: &Connection,
    theirs: &Stored,
    id: i64,
    now: i64,
) -> Result<()> {
    let mut add = tx.prepare_cached(
        "INSERT INTO status_events (call_id, status, seen_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (call_id, status) DO NOTHING",
    )?;
    let mut stmt = backup.prepare_cached(
        "SELECT status, seen_at FROM status_events WHERE call_id = ?1 ORDER BY seen_at, id",
    )?;
    let mut rows = stmt.query([theirs.id])?;
    while let Some(r) = rows.next()? {
        add.execute(params![id, r.get::<_, String>(0)?, r.get::<_, i64>(1)?])?;
    }
    if theirs.sending() {
        add.execute(params![id, arriving_status(theirs).event_key(), now])?;
    }
    Ok(())
}

/// The tag names on the backup's call.
fn tags_of(backup: &Connection, call_id: i64) -> Result<Vec<String>> {
    let mut stmt = backup.prepare_cached(
        "SELECT t.name FROM call_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.call_id = ?1 \
         ORDER BY t.name COLLATE NOCASE",
    )?;
    let names = stmt
        .query_map([call_id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(names)
}

/// Gives the history's call exactly these tags (an existing tag is matched whatever its case);
/// a tag no call carries any more is forgotten, as when the user removes it.
fn set_tags(tx: &Connection, call_id: i64, names: &[String]) -> Result<()> {
    let before: Vec<i64> = tx
        .prepare_cached("SELECT tag_id FROM call_tags WHERE call_id = ?1")?
        .query_map([call_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    tx.prepare_cached("DELETE FROM call_tags WHERE call_id = ?1")?
        .execute([call_id])?;
    for name in names {
        let existing: Option<i64> = tx
            .prepare_cached("SELECT id FROM tags WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?;
        let tag = match existing {
            Some(t) => t,
            None => {
                tx.prepare_cached("INSERT INTO tags (name) VALUES (?1)")?
                    .execute([name])?;
                tx.last_insert_rowid()
            }
        };
        tx.prepare_cached("INSERT OR IGNORE INTO call_tags (call_id, tag_id) VALUES (?1, ?2)")?
            .execute(params![call_id, tag])?;
    }
    for tag in before {
        tx.prepare_cached(
            "DELETE FROM tags WHERE id = ?1 AND NOT EXISTS \
             (SELECT 1 FROM call_tags WHERE tag_id = ?1)",
        )?
        .execute([tag])?;
    }
    super::review::refresh_tags_text(tx, call_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_names_round_trip_and_others_are_ignored() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        assert_eq!(daily_name(d), "history-2026-03-09.sqlite");
        assert_eq!(daily_date("history-2026-03-09.sqlite"), Some(d));
        for other in [
            "history-2026-3-9.sqlite",
            "history-2026-03-09.sqlite.tmp",
            ".history-2026-03-09.sqlite.1-2.tmp",
            "history-2026-02-30.sqlite",
            "notes.txt",
        ] {
            assert_eq!(daily_date(other), None, "{other}");
        }
    }
}
