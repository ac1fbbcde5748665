//! One window per history on Linux: the first instance holds a lock on `instance.lock` in the
//! data folder (released by the system when the process ends, even after a crash) and listens on
//! `instance.sock` next to it; a second instance finds the lock taken, asks the first to show its
//! window, and exits. The listening thread sleeps in `accept`: no wake-ups while idle.
//! The lock is what counts: when the socket cannot be made (a socket path is limited to 107
//! bytes, so a long data path uses one in `$XDG_RUNTIME_DIR` instead; a filesystem may refuse
//! sockets), the first instance keeps its lock and a second one still exits, without being able
//! to bring the first window forward.
//! macOS and Windows use tauri-plugin-single-instance instead.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const LOCK: &str = "instance.lock";
const SOCKET: &str = "instance.sock";
/// How long a second instance keeps trying to reach a first one that is still starting.
const REACH_FOR: Duration = Duration::from_secs(3);

/// The outcome of [`claim`].
pub enum Claim {
    /// This is the only instance.
    First(Primary),
    /// Another instance has the folder; it was asked to show its window.
    Other,
}

/// The longest socket path the system takes (`sun_path` is 108 bytes with its final NUL).
const MAX_SOCKET_PATH: usize = 107;

/// The first instance's lock and listener.
pub struct Primary {
    /// Held for the life of the process (the lock goes with the descriptor).
    lock: File,
    /// None when no socket could be made: then nobody can ask for the window.
    listener: Option<UnixListener>,
}

impl Primary {
    /// Calls `show` each time another instance starts, from a thread of its own.
    pub fn serve(self, show: impl Fn() + Send + 'static) {
        let Some(listener) = self.listener else {
            // Kept open (so locked) until the process ends.
            std::mem::forget(self.lock);
            return;
        };
        let lock = self.lock;
        let spawned = std::thread::Builder::new()
            .name("single-instance".into())
            .spawn(move || {
                let _held = lock;
                for stream in listener.incoming() {
                    match stream {
                        Ok(mut s) => {
                            // The message is not trusted or needed: any connection means "show".
                            let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
                            let _ = s.read(&mut [0u8; 16]);
                            show();
                        }
                        Err(e) => log::warn!("single-instance listener: {e}"),
                    }
                }
            });
        if let Err(e) = spawned {
            log::warn!("a second window could open: {e}");
        }
    }
}

/// Claims `dir` (created if needed) for this process.
pub fn claim(dir: &Path) -> io::Result<Claim> {
    missioncall_core::private_fs::create_dir(dir)?;
    let lock = missioncall_core::private_fs::file_options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK))?;
    missioncall_core::private_fs::restrict_file(&dir.join(LOCK))?;
    let socket = socket_path(dir);
    if try_lock(&lock)? {
        let listener = listen(&socket)
            .inspect_err(|e| {
                log::warn!("no single-instance socket at {}: {e}", socket.display());
            })
            .ok();
        return Ok(Claim::First(Primary { lock, listener }));
    }
    if let Err(e) = ask_to_show(&socket) {
        // The folder is taken all the same: a second window on the same history would follow
        // the same calls twice.
        eprintln!("MissionCall is already open for this history, but its window could not be brought forward ({e}).");
    }
    Ok(Claim::Other)
}

/// Listens on `socket`, which this instance owns now that it holds the lock.
fn listen(socket: &Path) -> io::Result<UnixListener> {
    // Any socket file left is from an instance that has ended.
    match std::fs::remove_file(socket) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let listener = UnixListener::bind(socket)?;
    missioncall_core::private_fs::restrict_file(socket)?;
    Ok(listener)
}

/// `instance.sock` in `dir` when that path fits in a socket address; otherwise a name made from
/// the folder's path in the user's runtime folder (or the temporary folder).
fn socket_path(dir: &Path) -> PathBuf {
    let beside = dir.join(SOCKET);
    if beside.as_os_str().len() <= MAX_SOCKET_PATH {
        return beside;
    }
    let full = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let base = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(std::env::temp_dir);
    base.join(format!(
        "missioncall-{:016x}.sock",
        fnv1a(full.as_os_str().as_bytes())
    ))
}

/// FNV-1a, 64 bits: a stable name for a folder (the same in every build, unlike std's hasher).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Non-blocking exclusive `flock`: true when we got it.
fn try_lock(file: &File) -> io::Result<bool> {
    // SAFETY: flock only reads the descriptor, which `file` keeps open for the call.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let err = io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(err)
    }
}

/// Tells the first instance to show its window (it may still be starting: tries for a while).
fn ask_to_show(socket: &Path) -> io::Result<()> {
    let deadline = Instant::now() + REACH_FOR;
    loop {
        match UnixStream::connect(socket) {
            Ok(mut s) => return s.write_all(b"show\n"),
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn first(dir: &Path) -> Primary {
        match claim(dir).expect("claim") {
            Claim::First(p) => p,
            Claim::Other => panic!("expected to be the first instance"),
        }
    }

    #[test]
    fn a_second_instance_asks_the_first_to_show_its_window() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, rx) = mpsc::channel();
        first(dir.path()).serve(move || tx.send(()).unwrap());
        for _ in 0..2 {
            assert!(matches!(claim(dir.path()).unwrap(), Claim::Other));
            rx.recv_timeout(Duration::from_secs(5))
                .expect("the first instance was asked to show");
        }
    }

    #[test]
    fn a_second_instance_reaches_a_first_one_still_starting() {
        // The first has its lock and socket but does not accept yet (its window is opening).
        let dir = tempfile::tempdir().unwrap();
        let p = first(dir.path());
        assert!(matches!(claim(dir.path()).unwrap(), Claim::Other));
        let (tx, rx) = mpsc::channel();
        p.serve(move || tx.send(()).unwrap());
        rx.recv_timeout(Duration::from_secs(5))
            .expect("the queued request is served once the first instance listens");
    }

    #[test]
    fn the_folder_is_free_again_once_the_first_instance_ends_even_after_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        drop(first(dir.path()));
        // A crash leaves the socket file behind (nothing removed it): the lock is what counts.
        assert!(dir.path().join(SOCKET).exists());
        let again = first(dir.path());
        assert!(matches!(claim(dir.path()).unwrap(), Claim::Other));
        drop(again);
    }

    #[test]
    fn a_data_path_too_long_for_a_socket_still_gets_one_window() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a-very-long-folder-name-".repeat(5));
        assert!(dir.join(SOCKET).as_os_str().len() > MAX_SOCKET_PATH);
        let (tx, rx) = mpsc::channel();
        first(&dir).serve(move || tx.send(()).unwrap());
        assert!(matches!(claim(&dir).unwrap(), Claim::Other));
        rx.recv_timeout(Duration::from_secs(5))
            .expect("the first instance was asked to show");
        let socket = socket_path(&dir);
        assert!(socket.as_os_str().len() <= MAX_SOCKET_PATH, "{socket:?}");
        assert_eq!(
            socket,
            socket_path(&dir),
            "the same folder, the same socket"
        );
        let other = root.path().join("b-very-long-folder-name-".repeat(5));
        assert_ne!(socket, socket_path(&other));
    }

    #[test]
    fn without_a_socket_the_lock_still_keeps_a_second_instance_out() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the socket should be: binding fails.
        std::fs::create_dir(dir.path().join(SOCKET)).unwrap();
        let p = first(dir.path());
        assert!(p.listener.is_none());
        p.serve(|| {});
        assert!(matches!(claim(dir.path()).unwrap(), Claim::Other));
    }

    #[test]
    fn different_folders_are_different_instances() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let _first_a = first(a.path());
        let _first_b = first(b.path());
    }
}
