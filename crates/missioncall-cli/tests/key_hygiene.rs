//! The API key never leaves the keychain or the environment: every command is run with a random
//! canary key and trace logging, and its stdout, its stderr and every file it left behind (the
//! SQLite history with its -wal/-shm, settings, HOME) are searched for the canary.
//!
//! `key set`/`status`/`clear` run against a real Secret Service (gnome-keyring in a private
//! `dbus-run-session`, never the developer's keychain) when the tools are installed; with
//! MISSIONCALL_REAL_KEYCHAIN=1 their absence is a failure instead of a skip.

mod common;

use common::{
    contains_bytes, files_under, random_hex, refused_base_url, run_command, Cli, Run, TestSim,
    LONDON,
};
use std::path::{Path, PathBuf};
use std::process::Command;
use workapi_sim::{Fault, FaultKind, RetryAfter, Route, SimConfig};

/// Everything captured, labelled by the command that produced it.
#[derive(Default)]
struct Captured {
    runs: Vec<(String, Run)>,
}

impl Captured {
    fn add(&mut self, label: &str, run: Run) -> &Run {
        self.runs.push((label.to_owned(), run));
        &self.runs.last().unwrap().1
    }

    fn assert_clean(&self, secrets: &[&str]) {
        for (label, run) in &self.runs {
            for s in secrets {
                assert!(
                    !run.stdout.contains(s),
                    "`{label}` printed the key on stdout"
                );
                assert!(
                    !run.stderr.contains(s),
                    "`{label}` printed the key on stderr"
                );
            }
        }
    }
}

fn assert_no_file_holds(dirs: &[&Path], secrets: &[&str]) -> Vec<PathBuf> {
    let mut seen = Vec::new();
    for dir in dirs {
        for file in files_under(dir) {
            let bytes = std::fs::read(&file).unwrap_or_default();
            for s in secrets {
                assert!(
                    !contains_bytes(&bytes, s.as_bytes()),
                    "the key is in {}",
                    file.display()
                );
            }
            seen.push(file);
        }
    }
    seen
}

fn canary() -> String {
    format!("sk_live_CANARY_{}", random_hex(16))
}

fn task_id(run: &Run) -> String {
    run.json()["task_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no task id:\n{}\n{}", run.stdout, run.stderr))
        .to_owned()
}

#[test]
fn the_key_never_appears_in_output_logs_or_files() {
    let key = canary();
    let wrong = canary();
    let sim = TestSim::with(SimConfig {
        speed: 50.0,
        keys: vec![key.clone()],
        ..SimConfig::default()
    });
    let mut cli = Cli::for_sim(&sim);
    cli.set("WORKAPI_API_KEY", &key);
    cli.set("MISSIONCALL_LOG", "trace");
    let mut cap = Captured::default();

    // Calls, followed and not, people's and JSON output.
    cap.add(
        "call",
        cli.run(&["call", LONDON, "Ask for opening hours", "-y"]),
    );
    let placed = cap
        .add(
            "call --json",
            cli.run(&["call", LONDON, "Ask about parking", "-y", "--json"]),
        )
        .json();
    let pending = placed["task_id"].as_str().unwrap().to_owned();
    sim.force_status(&pending, "pending");
    cap.add(
        "call --wait",
        cli.run(&["call", LONDON, "Ask about delivery", "-y", "--wait"]),
    );
    let waited = cap.add(
        "call --wait --json",
        cli.run(&[
            "call",
            LONDON,
            "Ask about returns",
            "-y",
            "--wait",
            "--json",
        ]),
    );
    assert_eq!(waited.code, 0, "{}", waited.stderr);
    assert!(
        waited.stderr.contains("TRACE") || waited.stderr.contains("DEBUG"),
        "trace logging is on, so the search covers the logs"
    );
    cap.add(
        "duplicate",
        cli.run(&["call", LONDON, "Ask about returns", "-y"]),
    );
    cap.add("invalid", cli.run(&["call", "12345", "Ask", "-y"]));
    cap.add(
        "unconfirmed",
        cli.run(&["call", LONDON, "Ask twice", "--wait"]),
    );

    // Status and cancel, both outcomes.
    cap.add("status", cli.run(&["status", &pending]));
    cap.add("status --json", cli.run(&["status", &pending, "--json"]));
    cap.add("cancel", cli.run(&["cancel", &pending]))
        .expect_ok();
    let begun = task_id(cap.add(
        "call to cancel late",
        cli.run(&["call", LONDON, "Ask about gifts", "-y", "--json"]),
    ));
    sim.force_status(&begun, "in_progress");
    let late = cap.add("cancel late", cli.run(&["cancel", &begun, "--json"]));
    assert_eq!(late.code, 4);

    // History, validation, help.
    for args in [
        vec!["history"],
        vec!["history", "--json"],
        vec!["history", "--json", "--search", "parking"],
        vec!["history", "--status", "cancelled"],
        vec!["validate", LONDON, "nope"],
        vec!["validate", "--json", LONDON],
        vec!["--help"],
        vec!["sim", "--help"],
        vec!["call", "--help"],
        vec!["key", "--help"],
    ] {
        cap.add(&args.join(" "), cli.run(&args));
    }
    cap.add(
        "validate -",
        cli.run_stdin(&["validate", "-", "--json"], "GB\t020 7183 8750\n"),
    );

    // Key status from the environment: the last 4 only.
    let st = cap.add("key status", cli.run(&["key", "status"]));
    assert!(st.stdout.contains(&key[key.len() - 4..]), "{}", st.stdout);
    assert!(!st.stdout.contains(&key[key.len() - 5..]), "{}", st.stdout);
    let st = cap.add("key status --json", cli.run(&["key", "status", "--json"]));
    assert_eq!(st.json()["last4"], &key[key.len() - 4..]);

    // Key commands with no keychain reachable: errors, still without the key.
    let set = cap.add(
        "key set (no keychain)",
        cli.run_stdin(&["key", "set"], &format!("{key}\n")),
    );
    assert_ne!(set.code, 0);
    cap.add("key clear (no keychain)", cli.run(&["key", "clear"]));
    let mut no_env = Cli::for_sim(&sim);
    no_env.unset("WORKAPI_API_KEY");
    no_env.set("MISSIONCALL_LOG", "trace");
    cap.add(
        "key set bad (no keychain)",
        no_env.run_stdin(&["key", "set"], &format!("{key} extra\n")),
    );

    // Failures: unknown outcome, rate limit, refused connection, rejected key.
    sim.inject(Fault::new(FaultKind::Hang).on(Route::Create));
    let lost = cap.add(
        "unknown outcome",
        cli.run(&["call", LONDON, "Ask about hats", "-y", "--timeout", "1"]),
    );
    assert_eq!(lost.code, 7);
    sim.inject(
        Fault::new(FaultKind::RateLimited {
            retry_after: RetryAfter::Seconds(0),
        })
        .times(4),
    );
    let limited = cap.add("rate limited", cli.run(&["status", &begun]));
    assert_eq!(limited.code, 5);
    for kind in [
        FaultKind::InternalError,
        FaultKind::Garbage,
        FaultKind::Drop,
    ] {
        sim.inject(Fault::new(kind).times(4).on(Route::Get));
        cap.add(&format!("{kind:?}"), cli.run(&["status", &begun]));
        sim.clear_faults();
    }
    let mut offline = Cli::for_sim(&sim);
    offline.set("WORKAPI_API_KEY", &key);
    offline.set("MISSIONCALL_LOG", "trace");
    offline.set(
        "MISSIONCALL_DATA_DIR",
        &cli.data_dir().display().to_string(),
    );
    offline.set("MISSIONCALL_BASE_URL", &refused_base_url());
    let refused = cap.add(
        "connection refused",
        offline.run(&["call", LONDON, "Ask about socks", "-y"]),
    );
    assert_eq!(refused.code, 6);

    let mut rejected = Cli::for_sim(&sim);
    rejected.set("WORKAPI_API_KEY", &wrong);
    rejected.set("MISSIONCALL_LOG", "trace");
    rejected.set(
        "MISSIONCALL_DATA_DIR",
        &cli.data_dir().display().to_string(),
    );
    for args in [
        vec!["call", LONDON, "Ask about shoes", "-y"],
        vec!["status", begun.as_str()],
        vec!["cancel", begun.as_str()],
        vec!["call", LONDON, "Ask about coats", "-y", "--json"],
    ] {
        let run = cap.add(&format!("401 {}", args.join(" ")), rejected.run(&args));
        assert_eq!(run.code, 4, "{}", run.stderr);
    }

    live_files_hold_no_key(&cli, &key);
    let keychain_dirs = keychain_flow(&sim, &cli, &key, &wrong, &mut cap);

    cap.assert_clean(&[&key, &wrong]);
    let mut dirs: Vec<&Path> = vec![cli.data_dir(), cli.home.path()];
    dirs.extend(keychain_dirs.iter().map(|d| d.path()));
    dirs.extend([
        no_env.data_dir(),
        no_env.home.path(),
        offline.home.path(),
        rejected.home.path(),
    ]);
    let files = assert_no_file_holds(&dirs, &[&key, &wrong]);

    // The search did read the history: the numbers and tasks are there, the key is not.
    let db: Vec<&PathBuf> = files
        .iter()
        .filter(|f| f.starts_with(cli.data_dir()))
        .collect();
    assert!(
        db.iter()
            .any(|f| f.file_name().is_some_and(|n| n == "history.sqlite3")),
        "{db:?}"
    );
    let all: Vec<u8> = db
        .iter()
        .flat_map(|f| std::fs::read(f).unwrap_or_default())
        .collect();
    assert!(contains_bytes(&all, b"Ask about parking"));
    assert!(contains_bytes(&all, LONDON.as_bytes()));
    eprintln!(
        "searched {} runs and {} files for the canary: {:?}",
        cap.runs.len(),
        files.len(),
        db
    );
}

/// While a call is being followed the history is open, with its -wal and -shm files: snapshot
/// them then (they are gone once the process closes the database) and search the snapshot.
fn live_files_hold_no_key(cli: &Cli, key: &str) {
    let slow = TestSim::with(SimConfig {
        speed: 1.0,
        keys: vec![key.to_owned()],
        ..SimConfig::default()
    });
    let logs = tempfile::tempdir().unwrap();
    let mut cmd = cli.command(&["call", LONDON, "Ask while the WAL is open", "-y", "--wait"]);
    cmd.env("MISSIONCALL_BASE_URL", slow.base_url())
        .env("MISSIONCALL_POLL_SPEED", "20")
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(logs.path().join("out")).unwrap())
        .stderr(std::fs::File::create(logs.path().join("err")).unwrap());
    let mut child = cmd.spawn().expect("spawn the binary");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let snapshot = loop {
        let out = std::fs::read_to_string(logs.path().join("out")).unwrap_or_default();
        let files = files_under(cli.data_dir());
        let has_wal = files.iter().any(|f| f.to_string_lossy().ends_with("-wal"));
        if out.contains("Agent assigned") && has_wal {
            let snap: Vec<(PathBuf, Vec<u8>)> = files
                .into_iter()
                .map(|f| {
                    let b = std::fs::read(&f).unwrap_or_default();
                    (f, b)
                })
                .collect();
            break snap;
        }
        if std::time::Instant::now() > deadline || child.try_wait().ok().flatten().is_some() {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "no live history files seen; output:\n{out}\n{}",
                std::fs::read_to_string(logs.path().join("err")).unwrap_or_default()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let _ = child.kill();
    let _ = child.wait();
    let names: Vec<String> = snapshot
        .iter()
        .map(|(f, _)| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for suffix in ["history.sqlite3", "-wal", "-shm"] {
        assert!(names.iter().any(|n| n.ends_with(suffix)), "{names:?}");
    }
    for (file, bytes) in &snapshot {
        assert!(
            !contains_bytes(bytes, key.as_bytes()),
            "the key is in {} while the CLI runs",
            file.display()
        );
    }
    let wal = &snapshot
        .iter()
        .find(|(f, _)| f.to_string_lossy().ends_with("-wal"))
        .unwrap()
        .1;
    assert!(
        contains_bytes(wal, b"Ask while the WAL is open"),
        "the snapshot caught the WAL with the call in it"
    );
    assert_no_file_holds(&[logs.path()], &[key]);
}

trait ExpectOk {
    fn expect_ok(&self);
}

impl ExpectOk for Run {
    fn expect_ok(&self) {
        assert_eq!(self.code, 0, "{}\n{}", self.stdout, self.stderr);
    }
}

/// The bash run inside a private session bus: unlocks a fresh gnome-keyring, then drives the
/// key commands, one output file per step. The key reaches the binary on stdin only (`printf`
/// is a builtin: it never shows in a process list).
const KEYCHAIN_SESSION: &str = r#"
set -u
printf %s ci-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null \
  || { echo "gnome-keyring-daemon could not start" >&2; exit 90; }
# Nothing may ask for the Secret Service before the daemon owns its name (a client asking
# earlier D-Bus-activates a second daemon with no login collection).
source "$DBUS_WAIT"
dbus_wait_name org.freedesktop.secrets || exit 91
step() { local name=$1; shift; "$MC" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" </dev/null; echo $? >"$OUT/$name.rc"; }
step_in() { local name=$1 input=$2; shift 2; printf '%s\n' "$input" | "$MC" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; echo $? >"$OUT/$name.rc"; }
lookup() { secret-tool lookup service ai.missioncall.MissionCall username "$ACCOUNT"; }

step status_before key status --json
step_in set "$CANARY" key set
step status key status
step status_json key status --json
if [ "$(lookup)" = "$CANARY" ]; then echo stored >"$OUT/lookup"; else echo missing >"$OUT/lookup"; fi
step call call +442071838750 "Ask with the keychain key" --yes --json
step clear key clear --json
step clear_again key clear
step status_after key status --json
if lookup >/dev/null 2>&1; then echo stored >"$OUT/lookup_after"; else echo gone >"$OUT/lookup_after"; fi
step_in set_wrong "$WRONG" key set --json
step call_wrong call +442071838751 "Ask with a wrong key" --yes
step clear_wrong key clear
"#;

fn have(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(tool).is_file()))
}

/// `key set` (stdin), `key status`, a call with the stored key, `key clear`, against a real
/// Secret Service. Returns the dirs it wrote (to be searched too).
fn keychain_flow(
    sim: &TestSim,
    cli: &Cli,
    key: &str,
    wrong: &str,
    cap: &mut Captured,
) -> Vec<tempfile::TempDir> {
    let required = std::env::var("MISSIONCALL_REAL_KEYCHAIN").is_ok_and(|v| v == "1");
    let missing: Vec<&str> = ["dbus-run-session", "gnome-keyring-daemon", "secret-tool"]
        .into_iter()
        .filter(|t| !have(t))
        .collect();
    if !missing.is_empty() {
        assert!(
            !required,
            "MISSIONCALL_REAL_KEYCHAIN=1 but {missing:?} not found"
        );
        eprintln!("SKIPPED the real keychain part: {missing:?} not installed");
        return Vec::new();
    }
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("dbus-run-session");
    cmd.args(["--", "bash", "-c", KEYCHAIN_SESSION])
        .env_clear()
        .envs(cli.envs())
        .env_remove("WORKAPI_API_KEY")
        .env("HOME", home.path())
        .env("MC", common::BIN)
        .env("OUT", out.path())
        .env("CANARY", key)
        .env("WRONG", wrong)
        .env(
            "DBUS_WAIT",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../scripts/lib/dbus-wait.sh"
            ),
        )
        .env("MISSIONCALL_BASE_URL", sim.base_url())
        // Each service address has its own keychain entry.
        .env(
            "ACCOUNT",
            format!(
                "workapi-api-key for {}",
                workapi::check_base_url(&sim.base_url()).unwrap()
            ),
        );
    let session = run_command(cmd, None);
    assert_eq!(
        session.code, 0,
        "the private keychain session failed:\n{}\n{}",
        session.stdout, session.stderr
    );
    cap.add("dbus-run-session", session);
    let read = |name: &str| std::fs::read_to_string(out.path().join(name)).unwrap_or_default();
    let step = |name: &str| Run {
        code: read(&format!("{name}.rc")).trim().parse().unwrap_or(-1),
        stdout: read(&format!("{name}.out")),
        stderr: read(&format!("{name}.err")),
    };
    let last4 = &key[key.len() - 4..];

    let before = step("status_before").expect(0).json();
    assert_eq!(before["set"], false, "a fresh keychain holds no key");
    let set = step("set").expect(0);
    assert!(
        set.stdout.contains("Key saved in the system keychain"),
        "{}",
        set.stdout
    );
    assert!(set.stdout.contains(last4), "{}", set.stdout);
    assert_eq!(
        read("lookup").trim(),
        "stored",
        "the key is in the Secret Service"
    );
    let status = step("status").expect(0);
    assert!(status.stdout.contains(last4), "{}", status.stdout);
    assert!(
        status.stdout.contains("in the system keychain"),
        "{}",
        status.stdout
    );
    assert!(
        !status.stdout.contains(&key[key.len() - 5..]),
        "{}",
        status.stdout
    );
    let json = step("status_json").expect(0).json();
    assert_eq!(json["source"], "keychain");
    assert_eq!(json["last4"], last4);
    let call = step("call").expect(0);
    assert_eq!(call.json()["status"], "pending", "the stored key works");
    assert_eq!(step("clear").expect(0).json()["removed"], true);
    assert!(step("clear_again")
        .expect(0)
        .stdout
        .contains("No key was stored"));
    assert_eq!(step("status_after").expect(0).json()["set"], false);
    assert_eq!(read("lookup_after").trim(), "gone");
    step("set_wrong").expect(0);
    let rejected = step("call_wrong").expect(4);
    assert!(
        rejected.stderr.contains("missioncall key set"),
        "{}",
        rejected.stderr
    );
    assert!(
        !rejected.stderr.contains("environment variable"),
        "the key came from the keychain: {}",
        rejected.stderr
    );
    step("clear_wrong").expect(0);

    for name in [
        "status_before",
        "set",
        "status",
        "status_json",
        "call",
        "clear",
        "clear_again",
        "status_after",
        "set_wrong",
        "call_wrong",
        "clear_wrong",
    ] {
        cap.add(&format!("keychain: {name}"), step(name));
    }
    vec![home, out]
}
