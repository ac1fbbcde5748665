//! The layout of the history file and how an older file is brought up to date.
//!
//! Each migration is applied once, in order, inside one `BEGIN IMMEDIATE` transaction, and the
//! file's `PRAGMA user_version` records how far it got, so opening is idempotent and two
//! processes opening the same file at once cannot both migrate it. A file written by a newer
//! version is refused before anything in it is changed. Migrations must only ever be appended:
//! never edit one that has shipped, and never drop a table or column that holds a task id.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

use super::error::{HistoryError, Result};

/// `PRAGMA application_id` of a MissionCall history ("MCH1").
pub const APPLICATION_ID: i32 = 0x4D43_4831;

/// How long a writer waits for another process (the CLI, the app) to finish its write.
pub const BUSY_TIMEOUT: Duration = Duration::from_millis(5_000);

/// The migrations, in order; the layout version after applying `MIGRATIONS[i]` is `i + 1`.
const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6, V7, V8];

/// The newest layout version this build understands.
pub const SUPPORTED_VERSION: u32 = MIGRATIONS.len() as u32;

/// Version 1: calls, their status timeline, and the full-text index.
///
/// Times are INTEGER unix milliseconds, UTC. `phone_digits` holds every suffix of the phone
/// number's digits for the search (see `search.rs`). `calls_fts` indexes the calls table
/// (external content) and is kept in step by the triggers; the update trigger only fires when an
/// indexed column changes, so status updates do not touch the index.
const V1: &str = include_str!("migrations/v1.sql");

/// Version 2: the model of a call (local states and service words apart, tracking, attempt
/// owners); see the file.
const V2: &str = include_str!("migrations/v2.sql");

/// Version 3: what the user says of a call (outcome, note, follow-up, tags, contacts), found by
/// the full-text search; see the file.
const V3: &str = include_str!("migrations/v3.sql");

/// Version 4: indexes that hold every short column the review filters and the overview read,
/// so that they do not read rows (and their transcripts); see the file.
const V4: &str = include_str!("migrations/v4.sql");

/// Version 5: the do-not-call list (numbers never to call, with when, why and how each was
/// added); see the file.
const V5: &str = include_str!("migrations/v5.sql");

/// Version 6: scheduled calls, each placed at most once through the attempt path; see the file.
const V6: &str = include_str!("migrations/v6.sql");

/// Version 7: the record of a call placed (or scheduled) outside the calling hours because the
/// user chose to; see the file.
const V7: &str = include_str!("migrations/v7.sql");

/// Version 8: batches of calls from a CSV file, each row placed at most once through a
/// scheduled call; see the file.
const V8: &str = include_str!("migrations/v8.sql");

/// Opens the file, checks that it is (or can become) a history of a version we understand,
/// sets the connection up (WAL, synchronous=FULL, foreign keys, busy timeout) and migrates it.
pub(crate) fn open_connection(path: &Path) -> Result<Connection> {
    let open_err = |source| HistoryError::Open {
        path: path.to_path_buf(),
        source,
    };
    // The file (and so its -wal and -shm, which SQLite creates with the file's permissions)
    // is readable by its owner only.
    if !path.exists() {
        crate::private_fs::file_options()
            .write(true)
            .create_new(true)
            .open(path)
            .or_else(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => Ok(std::fs::File::open(path)?),
                _ => Err(e),
            })
            .map_err(|source| HistoryError::CreateDir {
                path: path.to_path_buf(),
                source,
            })?;
    }
    for p in [
        path.to_path_buf(),
        wal_path(path, "-wal"),
        wal_path(path, "-shm"),
    ] {
        crate::private_fs::restrict_file(&p).map_err(|source| HistoryError::CreateDir {
            path: p.clone(),
            source,
        })?;
    }
    let mut conn = Connection::open(path).map_err(open_err)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;

    // Refuse a newer or foreign file before anything (even the journal mode) is changed in it.
    let found = user_version(&conn).map_err(open_err)?;
    check_version(found)?;
    let app_id: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(open_err)?;
    if app_id != 0 && app_id != APPLICATION_ID {
        return Err(HistoryError::ForeignDatabase {
            path: path.to_path_buf(),
        });
    }

    // Search needs FTS5. SQLite is the system's on Linux: say so plainly if it lacks it.
    let fts5: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM pragma_module_list WHERE name = 'fts5')",
            [],
            |r| r.get(0),
        )
        .map_err(open_err)?;
    if !fts5 {
        return Err(HistoryError::NoFullTextSearch {
            version: rusqlite::version().to_owned(),
        });
    }

    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(open_err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(path = %path.display(), %mode, "history: WAL journal not available; concurrent readers will wait");
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(open_err)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(open_err)?;

    if found < SUPPORTED_VERSION {
        migrate(&mut conn)?;
    }
    Ok(conn)
}

fn wal_path(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    p.into()
}

fn user_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

fn check_version(found: u32) -> Result<u32> {
    if found > SUPPORTED_VERSION {
        return Err(HistoryError::NewerSchema {
            found,
            supported: SUPPORTED_VERSION,
        });
    }
    Ok(found)
}

/// Applies every migration the file has not had yet, all in one transaction.
fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|source| HistoryError::Migration {
            version: SUPPORTED_VERSION,
            source,
        })?;
    // Re-read under the write lock: another process may have migrated in the meantime.
    let current = check_version(user_version(&tx)?)?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = i as u32 + 1;
        let fail = |source| HistoryError::Migration { version, source };
        tx.execute_batch(sql).map_err(fail)?;
        tx.pragma_update(None, "user_version", version)
            .map_err(fail)?;
    }
    if current == 0 {
        tx.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(|source| HistoryError::Migration { version: 1, source })?;
    }
    tx.commit()?;
    Ok(())
}
