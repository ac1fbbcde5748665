//! One window per history on Linux: the first instance holds a lock on `instance.lock` in the
//! data folder (released by the system when the process ends, even after a crash) and listens on
//! `instance.sock` next to it; a second instance finds the lock taken, asks the first to show its
//! window, and exits. The listening thread sleeps in `accept`: no wake-ups while idle.
//! macOS and Windows use tauri-plugin-single-instance instead.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
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

/// The first instance's lock and listener.
pub struct Primary {
    /// Held for the life of the process (the lock goes with the descriptor).
    lock: File,
    listener: UnixListener,
}

impl Primary {
    /// Calls `show` each time another instance starts, from a thread of its own.
    pub fn serve(self, show: impl Fn() + Send + 'static) {
        let spawned = std::thread::Builder::new()
            .name("single-instance".into())
            .spawn(move || {
                let _held = self.lock;
                for stream in self.listener.incoming() {
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
    std::fs::create_dir_all(dir)?;
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK))?;
    let socket = dir.join(SOCKET);
    if try_lock(&lock)? {
        // Ours now: any socket file left is from an instance that has ended.
        match std::fs::remove_file(&socket) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let listener = UnixListener::bind(&socket)?;
        return Ok(Claim::First(Primary { lock, listener }));
    }
    ask_to_show(&socket)?;
    Ok(Claim::Other)
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
    fn different_folders_are_different_instances() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let _first_a = first(a.path());
        let _first_b = first(b.path());
    }
}
