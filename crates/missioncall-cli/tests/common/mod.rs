//! The harness shared by the CLI's integration tests: an in-process simulator on its own tokio
//! runtime, and a runner for the real `missioncall` binary with a clean environment (fresh HOME,
//! temp data dir, no session bus, so nothing here can touch the developer's keychain or history).
//!
//! It must never inherit the caller's environment wholesale: every variable the binary sees is
//! chosen here.

#![allow(dead_code)]

use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use workapi_sim::{Fault, SimConfig, SimHandle, Stats};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_missioncall");
/// The simulator's documented demo key.
pub const DEMO_KEY: &str = workapi_sim::DEMO_KEY;
/// A number the simulator accepts (London, fixed line).
pub const LONDON: &str = "+442071838750";
/// The longest any single CLI run may take before the test fails.
const RUN_DEADLINE: Duration = Duration::from_secs(90);

/// A simulator served from a runtime of its own, so tests stay plain `#[test]` functions.
pub struct TestSim {
    rt: tokio::runtime::Runtime,
    handle: Option<SimHandle>,
}

impl TestSim {
    /// A simulator at `speed` accepting only the demo key.
    pub fn new(speed: f64) -> TestSim {
        Self::with(SimConfig {
            speed,
            ..SimConfig::default()
        })
    }

    /// A simulator with this configuration.
    pub fn with(cfg: SimConfig) -> TestSim {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime for the simulator");
        let handle = rt
            .block_on(workapi_sim::Sim::start(cfg))
            .expect("simulator starts");
        TestSim {
            rt,
            handle: Some(handle),
        }
    }

    fn h(&self) -> &SimHandle {
        self.handle.as_ref().expect("simulator running")
    }

    pub fn base_url(&self) -> String {
        self.h().base_url()
    }

    pub fn stats(&self) -> Stats {
        self.h().stats()
    }

    pub fn inject(&self, f: Fault) {
        let _g = self.rt.enter();
        self.h().inject(f);
    }

    pub fn clear_faults(&self) {
        self.h().clear_faults();
    }

    pub fn force_status(&self, task_id: &str, status: &str) {
        let _g = self.rt.enter();
        assert!(self.h().force_status(task_id, status), "no task {task_id}");
    }

    /// The task text the simulator received for a task.
    pub fn sent_task(&self, task_id: &str) -> String {
        let _g = self.rt.enter();
        self.h().task(task_id).expect("task exists").task_data.task
    }

    /// The status the simulator holds for a task now.
    pub fn status_of(&self, task_id: &str) -> String {
        let _g = self.rt.enter();
        self.h().task(task_id).expect("task exists").status
    }
}

impl Drop for TestSim {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.rt.block_on(h.shutdown());
        }
    }
}

/// What one run of the binary gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, showing the output when it differs.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Stdout as one JSON value.
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}):\n{}", self.stdout))
    }

    /// Stdout as JSON lines.
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}\n{}", self.stdout))
            })
            .collect()
    }
}

/// The binary with a clean environment: PATH, a fresh HOME, a temp data dir, and whatever the
/// test adds. No keychain is reachable (no session bus, no display).
pub struct Cli {
    pub home: TempDir,
    pub data: TempDir,
    envs: Vec<(String, String)>,
}

impl Cli {
    /// No key, no base URL: only HOME and the data dir.
    pub fn bare() -> Cli {
        let home = tempfile::tempdir().expect("temp HOME");
        let data = tempfile::tempdir().expect("temp data dir");
        let mut cli = Cli {
            home,
            data,
            envs: Vec::new(),
        };
        let dir = cli.data_dir().display().to_string();
        cli.set("MISSIONCALL_DATA_DIR", &dir);
        cli
    }

    /// Talking to `sim` with the demo key, polling fast.
    pub fn for_sim(sim: &TestSim) -> Cli {
        let mut cli = Cli::bare();
        cli.set("WORKAPI_API_KEY", DEMO_KEY);
        cli.set("MISSIONCALL_BASE_URL", &sim.base_url());
        cli.set("MISSIONCALL_POLL_SPEED", "50");
        cli
    }

    pub fn set(&mut self, k: &str, v: &str) -> &mut Cli {
        self.envs.retain(|(name, _)| name != k);
        self.envs.push((k.to_owned(), v.to_owned()));
        self
    }

    pub fn unset(&mut self, k: &str) -> &mut Cli {
        self.envs.retain(|(name, _)| name != k);
        self
    }

    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    /// The environment given to every run (also used to build wrapper commands).
    pub fn envs(&self) -> Vec<(String, String)> {
        let mut all = vec![
            ("PATH".to_owned(), std::env::var("PATH").unwrap_or_default()),
            ("HOME".to_owned(), self.home.path().display().to_string()),
            ("LANG".to_owned(), "C.UTF-8".to_owned()),
            // The tests run at any hour: calling hours are tested on their own (hours.rs).
            ("MISSIONCALL_CALLING_HOURS".to_owned(), "off".to_owned()),
        ];
        all.extend(self.envs.iter().cloned());
        all
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args).env_clear().envs(self.envs());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        run_command(self.command(args), None)
    }

    pub fn run_stdin(&self, args: &[&str], stdin: &str) -> Run {
        run_command(self.command(args), Some(stdin.as_bytes()))
    }

    /// The call history as `history --json` prints it.
    pub fn history(&self) -> Vec<Value> {
        let run = self.run(&["history", "--json", "--limit", "500"]).expect(0);
        run.json().as_array().expect("history is an array").clone()
    }
}

/// Runs `cmd` with stdin from `input` (or /dev/null), capturing its output, killing it if it
/// overruns [`RUN_DEADLINE`].
pub fn run_command(mut cmd: Command, input: Option<&[u8]>) -> Run {
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn the binary");
    if let Some(bytes) = input {
        let mut stdin = child.stdin.take().expect("stdin piped");
        stdin.write_all(bytes).expect("write stdin");
    }
    let mut out = child.stdout.take().expect("stdout piped");
    let mut err = child.stderr.take().expect("stderr piped");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the binary") {
            break status;
        }
        if started.elapsed() > RUN_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} ran longer than {RUN_DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: out_reader.join().expect("stdout reader"),
        stderr: err_reader.join().expect("stderr reader"),
    }
}

/// A loopback base URL where nothing listens (the port was bound, then released).
pub fn refused_base_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let port = listener.local_addr().expect("local addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}{}", workapi_sim::BASE_PATH)
}

/// Random lowercase hex, `bytes * 2` characters (std only: each RandomState is freshly seeded).
pub fn random_hex(bytes: usize) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut s = String::new();
    while s.len() < bytes * 2 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        s.push_str(&format!("{:016x}", h.finish()));
    }
    s.truncate(bytes * 2);
    s
}

/// Every regular file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => todo.push(p),
                Ok(t) if t.is_file() => found.push(p),
                _ => {}
            }
        }
    }
    found
}

/// Whether `needle` occurs in `hay`.
pub fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}
