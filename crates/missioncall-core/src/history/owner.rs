//! Who is sending an attempt: the process that wrote it, while it lives.
//!
//! A process that writes an attempt first takes an exclusive advisory lock on a file of its own,
//! `owners/<id>.lock` beside the history, and keeps it for as long as it lives; the attempt row
//! records `<id>`. The operating system releases the lock when the process ends, however it
//! ends (a crash, SIGKILL), and a lock belongs to an open file, not to a process id, so a
//! reused pid can never look alive. Anyone can then ask whether an attempt's owner is alive:
//! the lock is still held. Only an attempt whose owner is gone may be declared "outcome
//! unknown", and at once; one still being sent is left alone however long its request takes.
//!
//! This module must never take a lock it does not give back at once (except its own), and
//! never remove a lock file that a live process may still be about to use (see
//! [`sweep_stale`]).

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The folder of owner lock files, beside the history file.
pub const OWNERS_DIR: &str = "owners";

/// A dead owner's lock file is removed once it is at least this old, so that a process that
/// has just created its file (and not locked it yet) never loses it.
const STALE_AFTER: Duration = Duration::from_secs(3600);

/// This process's claim on its attempts. Dropping it releases the lock and removes its file.
#[derive(Debug)]
pub struct AttemptOwner {
    id: String,
    path: PathBuf,
    file: Option<File>,
}

impl AttemptOwner {
    /// Takes a fresh owner id in `dir` (the history's folder) and holds its lock.
    pub fn acquire(dir: &Path) -> std::io::Result<AttemptOwner> {
        let owners = dir.join(OWNERS_DIR);
        crate::private_fs::create_dir(&owners)?;
        for _ in 0..8 {
            let id = format!("{:032x}", rand::random::<u128>());
            let path = owners.join(format!("{id}.lock"));
            let file = match crate::private_fs::file_options()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            };
            match file.try_lock() {
                Ok(()) => {
                    return Ok(AttemptOwner {
                        id,
                        path,
                        file: Some(file),
                    })
                }
                // Someone checked this brand-new file at the very moment it appeared: it is
                // theirs for an instant; take another id.
                Err(TryLockError::WouldBlock) => continue,
                Err(TryLockError::Error(e)) => return Err(e),
            }
        }
        Err(std::io::Error::other("could not take an attempt owner id"))
    }

    /// The id recorded on this process's attempts.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl Drop for AttemptOwner {
    fn drop(&mut self) {
        // Remove first, then release: nobody can see the file unlocked before it is gone.
        let _ = std::fs::remove_file(&self.path);
        self.file.take();
    }
}

/// Whether the process that owns `id` is still alive. Unknown ids (no lock file) are gone.
pub fn is_alive(dir: &Path, id: &str) -> bool {
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_hexdigit()) {
        return false;
    }
    let path = dir.join(OWNERS_DIR).join(format!("{id}.lock"));
    let Ok(file) = OpenOptions::new().write(true).open(&path) else {
        return false;
    };
    match file.try_lock() {
        Ok(()) => {
            let _ = file.unlock();
            false
        }
        Err(TryLockError::WouldBlock) => true,
        // The lock cannot be tested (a file system without locks): assume alive, so that
        // nothing is declared unknown while it may still be sending.
        Err(TryLockError::Error(e)) => {
            tracing::warn!("cannot test an attempt owner's lock: {e}");
            true
        }
    }
}

/// Removes lock files of owners that are gone and old enough (see [`STALE_AFTER`]).
pub fn sweep_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir.join(OWNERS_DIR)) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let path = entry.path();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age >= STALE_AFTER);
        let Some(id) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".lock"))
        else {
            continue;
        };
        if old && !is_alive(dir, id) {
            let _ = std::fs::remove_file(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alive_while_held_gone_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let a = AttemptOwner::acquire(dir.path()).unwrap();
        let b = AttemptOwner::acquire(dir.path()).unwrap();
        assert_ne!(a.id(), b.id());
        assert!(is_alive(dir.path(), a.id()));
        // Asking does not take the lock away.
        assert!(is_alive(dir.path(), a.id()));
        let id = a.id().to_owned();
        drop(a);
        assert!(!is_alive(dir.path(), &id));
        assert!(is_alive(dir.path(), b.id()));
        assert!(!is_alive(dir.path(), "not-an-id/.."));
        assert!(!is_alive(dir.path(), "0123abcd"));
    }

    #[test]
    fn a_lock_file_left_by_a_dead_process_is_not_alive() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(OWNERS_DIR)).unwrap();
        std::fs::write(dir.path().join(OWNERS_DIR).join("abc123.lock"), b"").unwrap();
        assert!(!is_alive(dir.path(), "abc123"));
        // Too young to sweep.
        sweep_stale(dir.path());
        assert!(dir.path().join(OWNERS_DIR).join("abc123.lock").exists());
    }
}
