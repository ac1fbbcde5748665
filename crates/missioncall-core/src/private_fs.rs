//! Files only their owner can read: the data folder holds numbers, transcripts and summaries.
//!
//! On Unix the data folder (and every folder MissionCall makes in it) is `0700` and every file
//! `0600`, whatever the process's umask; existing ones are tightened when opened. On other
//! systems the folder lives in the user's profile, whose access rules the files inherit. This
//! module must never loosen a permission.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Creates `dir` (and its parents) if needed and makes it private to its owner.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)?;
    restrict(dir, 0o700)
}

/// Options that create a file readable and writable by its owner only.
pub fn file_options() -> OpenOptions {
    #[allow(unused_mut)]
    let mut o = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o
}

/// Creates (or truncates) a private file for writing.
pub fn create_file(path: &Path) -> io::Result<File> {
    let f = file_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    restrict(path, 0o600)?;
    Ok(f)
}

/// Makes an existing file private (`0600`); a missing file is fine.
pub fn restrict_file(path: &Path) -> io::Result<()> {
    match restrict(path, 0o600) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
    // Only ever take bits away.
    let wanted = current & mode;
    if wanted != current {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(wanted))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn folders_and_files_are_private_and_existing_ones_are_tightened() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("a/b");
        create_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        let f = dir.join("x");
        create_file(&f).unwrap();
        assert_eq!(mode(&f), 0o600);
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        restrict_file(&f).unwrap();
        create_dir(&dir).unwrap();
        assert_eq!((mode(&dir), mode(&f)), (0o700, 0o600));
        // Never loosened.
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o400)).unwrap();
        restrict_file(&f).unwrap();
        assert_eq!(mode(&f), 0o400);
        restrict_file(&dir.join("missing")).unwrap();
    }
}
