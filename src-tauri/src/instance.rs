//! One window per history, the same way on every platform: the first instance holds a lock on
//! `instance.lock` in the data folder (std's `File::try_lock`: `flock` on Unix, `LockFileEx` on
//! Windows; the system releases it when the process ends, even after a crash) and listens on a
//! loopback port, written with a one-time token to `instance.addr` beside the lock (0600, in the
//! 0700 data folder). A second instance finds the lock taken, reads that file, sends the token
//! to ask the first to show its window, and exits. The listening thread sleeps in `accept`: no
//! wake-ups while idle; a connection without the token is ignored.
//!
//! The lock is what counts: when the listener or its file cannot be made, the first instance
//! keeps its lock and a second one still exits, without being able to bring the first forward.

use std::fs::{File, TryLockError};
use std::io::{self, BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const LOCK: &str = "instance.lock";
const ADDRESS: &str = "instance.addr";
/// How long a second instance keeps trying to reach a first one that is still starting.
const REACH_FOR: Duration = Duration::from_secs(3);
/// How long the first instance waits for a caller to say its token.
const READ_FOR: Duration = Duration::from_millis(500);

/// The outcome of [`claim`].
pub enum Claim {
    /// This is the only instance.
    First(Primary),
    /// Another instance has the folder; it was asked to show its window.
    Other,
}

/// The first instance's lock and listener.
pub struct Primary {
    /// Held for the life of the process (the lock goes with the handle).
    lock: File,
    /// None when no listener could be made: then nobody can ask for the window.
    listener: Option<(TcpListener, String)>,
}

impl Primary {
    /// Calls `show` each time another instance starts, from a thread of its own.
    pub fn serve(self, show: impl Fn() + Send + 'static) {
        let Some((listener, token)) = self.listener else {
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
                        Ok(s) if says_token(&s, &token) => show(),
                        Ok(_) => log::warn!("single-instance: a connection without the token"),
                        Err(e) => log::warn!("single-instance listener: {e}"),
                    }
                }
            });
        if let Err(e) = spawned {
            log::warn!("a second window could open: {e}");
        }
    }
}

/// True when the caller's first line is `token`.
fn says_token(stream: &TcpStream, token: &str) -> bool {
    let _ = stream.set_read_timeout(Some(READ_FOR));
    let mut line = String::new();
    // At most a line's worth: a caller cannot make the thread read forever.
    let mut reader = BufReader::new(io::Read::take(stream, 128));
    reader.read_line(&mut line).is_ok() && line.trim_end() == token
}

/// Claims `dir` (created if needed) for this process.
pub fn claim(dir: &Path) -> io::Result<Claim> {
    missioncall_core::private_fs::create_dir(dir)?;
    let lock_path = dir.join(LOCK);
    let lock = missioncall_core::private_fs::file_options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)?;
    missioncall_core::private_fs::restrict_file(&lock_path)?;
    match lock.try_lock() {
        Ok(()) => {
            let listener = listen(dir)
                .inspect_err(|e| log::warn!("no single-instance listener: {e}"))
                .ok();
            Ok(Claim::First(Primary { lock, listener }))
        }
        Err(TryLockError::WouldBlock) => {
            if let Err(e) = ask_to_show(&address_file(dir)) {
                // The folder is taken all the same: a second window on the same history would
                // follow the same calls twice.
                eprintln!(
                    "MissionCall is already open for this history, but its window could not be brought forward ({e})."
                );
            }
            Ok(Claim::Other)
        }
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// Listens on a loopback port and writes where, with a fresh token, for a second instance.
fn listen(dir: &Path) -> io::Result<(TcpListener, String)> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let port = listener.local_addr()?.port();
    let token = format!("{:032x}", rand::random::<u128>());
    // Written aside and renamed: a second instance never reads half a file.
    let path = address_file(dir);
    let partial = dir.join(format!("{ADDRESS}.partial"));
    let mut file = missioncall_core::private_fs::file_options()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&partial)?;
    missioncall_core::private_fs::restrict_file(&partial)?;
    // Not synced to disk: it only matters while this process runs, and a sync would hold up
    // the window on a busy disk.
    writeln!(file, "{port} {token}")?;
    drop(file);
    std::fs::rename(&partial, &path)?;
    Ok((listener, token))
}

/// The port and token in `instance.addr`.
fn read_address(path: &Path) -> io::Result<(SocketAddr, String)> {
    let text = std::fs::read_to_string(path)?;
    let mut parts = text.split_whitespace();
    let port = parts.next().and_then(|p| p.parse::<u16>().ok());
    let token = parts.next().filter(|t| t.len() == 32);
    match (port, token) {
        (Some(port), Some(token)) => Ok((
            SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            token.to_owned(),
        )),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} is not readable", path.display()),
        )),
    }
}

/// Tells the first instance to show its window (it may still be starting, or its address file
/// may still be the one a crashed instance left: tries for a while, reading the file each time).
fn ask_to_show(path: &Path) -> io::Result<()> {
    let deadline = Instant::now() + REACH_FOR;
    loop {
        let tried = read_address(path).and_then(|(addr, token)| {
            let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(500))?;
            s.write_all(format!("{token}\n").as_bytes())
        });
        match tried {
            Ok(()) => return Ok(()),
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Where the first instance says it listens.
fn address_file(dir: &Path) -> PathBuf {
    dir.join(ADDRESS)
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
        // The first has its lock and listener but does not accept yet (its window is opening).
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
        // A crash leaves the address file behind (nothing removed it): the lock is what counts.
        assert!(address_file(dir.path()).exists());
        let again = first(dir.path());
        assert!(matches!(claim(dir.path()).unwrap(), Claim::Other));
        drop(again);
    }

    #[test]
    fn a_connection_without_the_token_shows_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, rx) = mpsc::channel();
        first(dir.path()).serve(move || tx.send(()).unwrap());
        let (addr, token) = read_address(&address_file(dir.path())).unwrap();
        for wrong in [
            "show\n".to_owned(),
            format!("{}\n", &token[1..]),
            "\n".into(),
        ] {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(wrong.as_bytes()).unwrap();
        }
        // The right token afterwards is the first and only "show": the wrong ones, served
        // before it on the same thread, showed nothing.
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(format!("{token}\n").as_bytes()).unwrap();
        rx.recv_timeout(Duration::from_secs(5)).expect("shown once");
        assert!(rx.try_recv().is_err(), "a wrong token showed the window");
    }

    #[test]
    fn the_address_file_is_private_and_new_each_start() {
        let dir = tempfile::tempdir().unwrap();
        let a = first(dir.path());
        let (_, token_a) = read_address(&address_file(dir.path())).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(address_file(dir.path()))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        drop(a);
        let _b = first(dir.path());
        let (_, token_b) = read_address(&address_file(dir.path())).unwrap();
        assert_ne!(token_a, token_b);
    }

    #[test]
    fn without_a_listener_the_lock_still_keeps_a_second_instance_out() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the address file should be: writing it fails.
        std::fs::create_dir(address_file(dir.path())).unwrap();
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
