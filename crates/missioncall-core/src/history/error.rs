//! The one error type of the call history, with messages a person can act on.
//!
//! Every variant says what went wrong and what to do next. It must never carry an API key or
//! the content of a call (transcripts stay on the disk, not in logs).

use std::path::PathBuf;

/// Everything that can go wrong while reading or writing the local call history.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The history file (or its folder) could not be opened or set up.
    #[error(
        "could not open the call history at {path}: {source}. Check that the folder exists, that \
         you may write to it, and that the file is a MissionCall history."
    )]
    Open {
        /// The file that was being opened.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },

    /// The folder meant to hold the history could not be created.
    #[error(
        "could not create the folder {path} for the call history: {source}. Check that you may \
         write there, or set MISSIONCALL_DATA_DIR to a folder you own."
    )]
    CreateDir {
        /// The folder that was being created.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },

    /// The SQLite library on this computer was built without full-text search.
    #[error(
        "this computer's SQLite library (version {version}) has no full-text search (FTS5), which \
         the call history needs. Update SQLite from your system's package manager (on Debian and \
         Ubuntu: the libsqlite3-0 package), then open MissionCall again."
    )]
    NoFullTextSearch {
        /// The SQLite version in use.
        version: String,
    },

    /// The file at the path is an SQLite database that belongs to another application.
    #[error(
        "{path} is not a MissionCall call history (it belongs to another application); it was \
         left untouched. Choose another file or folder."
    )]
    ForeignDatabase {
        /// The file that was refused.
        path: PathBuf,
    },

    /// A query or write failed inside SQLite.
    #[error("the call history could not be read or written: {0}. Try again; if it keeps happening, run an integrity check.")]
    Sqlite(#[from] rusqlite::Error),

    /// No call with this id is in the history.
    #[error("there is no call number {0} in the history; it may have been made on another computer or with another data folder.")]
    NotFound(i64),

    /// No call in the history is linked to this service task id.
    #[error("no call in the history is linked to task {0}; it may have been created by another app using the same key.")]
    TaskNotFound(String),

    /// The call is already linked to a different task id; replacing it would lose a task id.
    #[error(
        "call {id} is already linked to task {existing}; it was not changed to {given}, so that no \
         task id is ever lost. Record the new task as a separate call."
    )]
    TaskIdConflict {
        /// The call that was being linked.
        id: i64,
        /// The task id already on record.
        existing: String,
        /// The task id that was refused.
        given: String,
    },

    /// The task id is already recorded on another call.
    #[error("task {task_id} is already recorded on call {other_id}; open that call instead.")]
    TaskIdTaken {
        /// The task id that was refused.
        task_id: String,
        /// The call that already holds it.
        other_id: i64,
    },

    /// The service already created a task for this call, so its outcome is known.
    #[error(
        "call {id} already has task {task_id} on the service, so it cannot be marked as not placed \
         or of unknown outcome; follow the task instead."
    )]
    AlreadyCreated {
        /// The call.
        id: i64,
        /// The task the service created for it.
        task_id: String,
    },

    /// Upgrading the history file to a newer layout failed; nothing was changed.
    #[error(
        "could not upgrade the call history to layout version {version}: {source}. Nothing was \
         changed; make sure the disk is not full and no other program is stuck holding the file, \
         then start MissionCall again."
    )]
    Migration {
        /// The layout version that was being applied.
        version: u32,
        /// What SQLite said.
        source: rusqlite::Error,
    },

    /// The number is on the do-not-call list: no attempt was written, nothing can be sent.
    #[error("{}", crate::do_not_call::refusal(phone_e164, added_on, reason.as_deref()))]
    DoNotCall {
        /// The number, E.164.
        phone_e164: String,
        /// The day it was listed, as the user reads it ("3 Dec").
        added_on: String,
        /// The user's reason, if any.
        reason: Option<String>,
    },

    /// What the user typed for a note, a tag, a contact or a follow-up cannot be kept as it is;
    /// the message says why and what to type instead.
    #[error("{0}")]
    InvalidInput(String),

    /// No scheduled call with this id is in the history.
    #[error(
        "there is no scheduled call number {0}; it may have been made with another data folder."
    )]
    JobNotFound(i64),

    /// No batch has this id.
    #[error("there is no batch number {0}; it may have been made with another data folder.")]
    BatchNotFound(i64),

    /// The batch is not in a state that allows what was asked; nothing was changed.
    #[error("batch {id} is {}, so it cannot be {wanted}; nothing was changed.", state.label().to_lowercase())]
    BatchState {
        /// The batch.
        id: i64,
        /// The state it is in.
        state: crate::call::BatchState,
        /// What was asked, as a past participle ("paused", "resumed", "called off").
        wanted: &'static str,
    },

    /// The scheduled call is not in a state that allows what was asked; nothing was changed.
    #[error("scheduled call {id} {}; nothing was changed and nothing was sent.", state.situation())]
    JobState {
        /// The scheduled call.
        id: i64,
        /// The state it is in.
        state: super::scheduled::JobState,
    },

    /// No tag with this name exists.
    #[error(
        "There is no tag called \"{0}\"; check its spelling (tags are listed with their calls)."
    )]
    TagNotFound(String),

    /// The history was written by a newer MissionCall; this version will not touch it.
    #[error(
        "this call history was written by a newer version of MissionCall (layout {found}; this \
         version understands up to {supported}). It was left untouched: update MissionCall to \
         open it."
    )]
    NewerSchema {
        /// The layout version found in the file.
        found: u32,
        /// The newest layout version this build understands.
        supported: u32,
    },

    /// A backup could not be written (the folder, the permissions, the disk).
    #[error(
        "could not write the backup {path}: {source}. Nothing was written under that name; check \
         that the folder exists, that you may write to it and that the disk has room, then try \
         again."
    )]
    BackupWrite {
        /// The file (or its folder) that was being written.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },

    /// The copy made for a backup did not pass SQLite's integrity check, so it was not kept.
    #[error(
        "the backup copy failed its integrity check ({problem}), so it was not kept. Run an \
         integrity check of the history, then try the backup again."
    )]
    BackupDamaged {
        /// What the check found.
        problem: String,
    },

    /// The backup was asked to go onto the history file itself.
    #[error(
        "{path} is the call history itself; a backup must go to another file. Choose another \
         name or folder."
    )]
    BackupOntoHistory {
        /// The file that was refused.
        path: PathBuf,
    },

    /// The file to restore could not be read.
    #[error(
        "could not read the backup {path}: {source}. Check its name and that you may read it; \
         nothing was restored."
    )]
    BackupRead {
        /// The file that was being read.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },

    /// The file to restore is not a MissionCall history (not SQLite, or no calls in it).
    #[error(
        "{path} is not a MissionCall history backup (it is not an SQLite file holding calls); \
         nothing was restored and the file was left as it was. Choose a file made by \"Back up \
         history\" or `missioncall backup`, or one of the daily backups in the data folder's \
         \"backups\" folder."
    )]
    NotAHistory {
        /// The file that was refused.
        path: PathBuf,
    },

    /// The backup was made by a newer MissionCall, whose layout this version cannot read.
    #[error(
        "this backup was made by a newer version of MissionCall (layout {found}; this version \
         understands up to {supported}). Nothing was restored and the file was left as it was: \
         update MissionCall, then restore it again."
    )]
    BackupTooNew {
        /// The layout version found in the backup.
        found: u32,
        /// The newest layout version this build understands.
        supported: u32,
    },
}

/// The result of a call-history operation.
pub type Result<T> = std::result::Result<T, HistoryError>;
