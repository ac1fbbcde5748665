//! The shell's commands through Tauri's IPC, headless: a mock app with the real invoke handler
//! and a real [`AppState`] over a temp data folder, an in-memory keychain (never the user's), and
//! a host that records every event and notification instead of showing them. Demo mode runs the
//! simulator in-process on loopback; a "real" service is another simulator started by the test
//! (with its own keys), sometimes behind a relay that keeps what clients sent. Nobody is called.
//!
//! The state forwards events to the host asynchronously: a test waits for what it expects with
//! [`wait_until`] (a condition polled against a deadline), not a fixed sleep. The app's demo
//! simulator serves no control API: tests reach it through the session ([`Harness::demo_sim`]).

use chrono::TimeZone;
use missioncall_app::dto::{
    AppMode, CallSummary, Connection, ExportProgress, NetworkState, TaskUpdated,
};
use missioncall_app::error::{AppError, AppErrorKind};
use missioncall_app::state::{AppState, FileKind, Host, Starting, WatchTiming};
use missioncall_core::call::{CallStatus, LocalState, ServiceStatus, Tracking};
use missioncall_core::clock::{Clock, ManualClock};
use missioncall_core::secrets::Secrets;
use missioncall_core::session::ManagerConfig;
use missioncall_core::tracker::TrackerConfig;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::Manager as _;
use workapi_sim::{Fault, FaultKind, Route};

/// Fast enough for a whole demo call (pending -> completed) in well under a second.
const FAST: f64 = 200.0;
/// So slow that a demo call stays where it is for the length of a test.
const SLOW: f64 = 0.001;
const NUMBER: &str = "+44 20 7946 0958";
const NUMBER_E164: &str = "+442079460958";
/// A key the "real" service (a simulator started by the test) accepts.
const REAL_KEY: &str = "sk_live_TESTONLYrealservice0001";
/// Another account's key at the same service.
const OTHER_KEY: &str = "sk_live_TESTONLYotheraccount002";

const PENDING: CallStatus = CallStatus::Service(ServiceStatus::Pending);
const ACCEPTED: CallStatus = CallStatus::Service(ServiceStatus::Accepted);
const IN_PROGRESS: CallStatus = CallStatus::Service(ServiceStatus::InProgress);
const COMPLETED: CallStatus = CallStatus::Service(ServiceStatus::Completed);
const CANCELLED: CallStatus = CallStatus::Service(ServiceStatus::Cancelled);
const SENDING: CallStatus = CallStatus::Local(LocalState::Sending);
const UNKNOWN_OUTCOME: CallStatus = CallStatus::Local(LocalState::UnknownOutcome);
const NOT_PLACED: CallStatus = CallStatus::Local(LocalState::NotPlaced);
const DEMO_ENDED: CallStatus = CallStatus::Local(LocalState::DemoEnded);

// ---------------------------------------------------------------------------------------------
// A keychain in memory, shared by every entry built from it (keyring's mock keeps a value only
// inside one entry, but the app builds a fresh entry for every read).

/// (service, user) -> secret.
type Entries = HashMap<(String, String), Vec<u8>>;

#[derive(Clone, Default)]
struct MemKeychain(Arc<Mutex<Entries>>);

struct MemEntry {
    store: MemKeychain,
    id: (String, String),
}

impl keyring::credential::CredentialApi for MemEntry {
    fn set_secret(&self, secret: &[u8]) -> keyring::Result<()> {
        self.store
            .0
            .lock()
            .unwrap()
            .insert(self.id.clone(), secret.to_vec());
        Ok(())
    }

    fn get_secret(&self) -> keyring::Result<Vec<u8>> {
        self.store
            .0
            .lock()
            .unwrap()
            .get(&self.id)
            .cloned()
            .ok_or(keyring::Error::NoEntry)
    }

    fn delete_credential(&self) -> keyring::Result<()> {
        self.store
            .0
            .lock()
            .unwrap()
            .remove(&self.id)
            .map(|_| ())
            .ok_or(keyring::Error::NoEntry)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl keyring::credential::CredentialBuilderApi for MemKeychain {
    fn build(
        &self,
        _target: Option<&str>,
        service: &str,
        user: &str,
    ) -> keyring::Result<Box<keyring::Credential>> {
        Ok(Box::new(MemEntry {
            store: self.clone(),
            id: (service.to_owned(), user.to_owned()),
        }))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl MemKeychain {
    fn secrets(&self) -> Secrets {
        Secrets::with_builder(Box::new(self.clone()))
    }
}

// ---------------------------------------------------------------------------------------------
// A host that records what the window would have been told.

#[derive(Clone, Debug)]
enum Seen {
    Task(Box<CallSummary>),
    Demo(AppMode),
    Network(NetworkState),
    Note { title: String, body: String },
}

#[derive(Default)]
struct RecordingHost {
    seen: Mutex<Vec<Seen>>,
    save_to: Mutex<Option<PathBuf>>,
    open_from: Mutex<Option<PathBuf>>,
    progress: Mutex<Vec<(u32, u32)>>,
    scheduled_events: std::sync::atomic::AtomicUsize,
    /// The tray as last set: (wanted, paused).
    tray: Mutex<Option<(bool, bool)>>,
}

impl Host for RecordingHost {
    fn task_updated(&self, ev: TaskUpdated) {
        self.seen
            .lock()
            .unwrap()
            .push(Seen::Task(Box::new(ev.call)));
    }
    fn demo_changed(&self, mode: AppMode) {
        self.seen.lock().unwrap().push(Seen::Demo(mode));
    }
    fn network_state(&self, ev: NetworkState) {
        self.seen.lock().unwrap().push(Seen::Network(ev));
    }
    fn notify(&self, title: &str, body: &str) {
        self.seen.lock().unwrap().push(Seen::Note {
            title: title.to_owned(),
            body: body.to_owned(),
        });
    }
    fn save_path(&self, _suggested_name: &str, _kind: FileKind) -> Option<PathBuf> {
        self.save_to.lock().unwrap().clone()
    }
    fn open_path(&self, _kind: FileKind) -> Option<PathBuf> {
        self.open_from.lock().unwrap().clone()
    }
    fn export_progress(&self, ev: ExportProgress) {
        self.progress.lock().unwrap().push((ev.done, ev.total));
    }
    fn print(&self) -> Result<(), String> {
        Err("no printer in tests".into())
    }
    fn scheduled_changed(&self) {
        self.scheduled_events
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    fn tray_state(&self, wanted: bool, paused: bool) {
        *self.tray.lock().unwrap() = Some((wanted, paused));
    }
}

impl RecordingHost {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The task events for local call `id`, in the order they were sent.
    fn tasks_of(&self, id: i64) -> Vec<CallSummary> {
        self.seen()
            .into_iter()
            .filter_map(|s| match s {
                Seen::Task(c) if c.id == id => Some(*c),
                _ => None,
            })
            .collect()
    }

    fn notes(&self) -> Vec<(String, String)> {
        self.seen()
            .into_iter()
            .filter_map(|s| match s {
                Seen::Note { title, body } => Some((title, body)),
                _ => None,
            })
            .collect()
    }

    fn demo_events(&self) -> Vec<AppMode> {
        self.seen()
            .into_iter()
            .filter_map(|s| match s {
                Seen::Demo(m) => Some(m),
                _ => None,
            })
            .collect()
    }

    fn network_events(&self) -> Vec<NetworkState> {
        self.seen()
            .into_iter()
            .filter_map(|s| match s {
                Seen::Network(n) => Some(n),
                _ => None,
            })
            .collect()
    }

    /// Everything recorded, as text (to look for things that must never be there).
    fn as_text(&self) -> String {
        format!("{:?}", self.seen())
    }
}

/// Waits until `probe` says done, checking every few milliseconds; fails the test with `what`
/// and what the probe last saw after 20 s.
fn wait_until<T: std::fmt::Debug>(what: &str, mut probe: impl FnMut() -> (bool, T)) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (done, seen) = probe();
        if done {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; saw {seen:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

// ---------------------------------------------------------------------------------------------
// The app under test.

/// Sends `cmd` as the window would, and waits for its answer.
fn invoke(
    webview: &tauri::WebviewWindow<MockRuntime>,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    tauri::test::get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.into(),
        },
    )
    .map(|b| b.deserialize::<Value>().expect("a JSON answer"))
}

struct Harness {
    webview: tauri::WebviewWindow<MockRuntime>,
    host: Arc<RecordingHost>,
    dir: Arc<tempfile::TempDir>,
    keychain: MemKeychain,
    app: tauri::App<MockRuntime>,
}

impl Harness {
    fn new(speed: f64) -> Harness {
        Harness::open(
            Arc::new(tempfile::tempdir().unwrap()),
            MemKeychain::default(),
            speed,
        )
    }

    /// The app over `dir` and `keychain`, started as `run()` starts it.
    fn open(dir: Arc<tempfile::TempDir>, keychain: MemKeychain, speed: f64) -> Harness {
        let host = Arc::new(RecordingHost::default());
        let (path, secrets, h) = (dir.path().to_path_buf(), keychain.secrets(), host.clone());
        Harness::with_opener(dir, keychain, host, move || {
            app_state(path, secrets, h, speed)
        })
    }

    /// The app over a fresh folder and keychain, with the demo at `speed`, a tracker a hundred
    /// times faster than real time, and whatever `setup` changes (the clock, say).
    fn configured(speed: f64, setup: impl FnOnce(&mut ManagerConfig)) -> Harness {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let keychain = MemKeychain::default();
        let host = Arc::new(RecordingHost::default());
        let mut cfg = ManagerConfig::new(dir.path().to_path_buf());
        cfg.secrets = keychain.secrets();
        cfg.demo_speed = speed;
        cfg.tracker = Some(TrackerConfig::scaled(100.0));
        // These tests run at any hour; a test of the calling hours turns them on in `setup`.
        cfg.enforce_hours = false;
        setup(&mut cfg);
        let h = host.clone();
        Harness::with_opener(dir, keychain, host, move || AppState::with_config(cfg, h))
    }

    /// The app whose state `open` opens (in the background, as in `run()`).
    fn with_opener(
        dir: Arc<tempfile::TempDir>,
        keychain: MemKeychain,
        host: Arc<RecordingHost>,
        open: impl FnOnce() -> Result<AppState, AppError> + Send + 'static,
    ) -> Harness {
        let app = mock_builder()
            .invoke_handler(missioncall_app::specta_builder::<MockRuntime>().invoke_handler())
            .manage(Starting::spawn(open))
            .build(mock_context(noop_assets()))
            .expect("mock app");
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("webview");
        Harness {
            webview,
            host,
            dir,
            keychain,
            app,
        }
    }

    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        invoke(&self.webview, cmd, args)
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args.clone())
            .unwrap_or_else(|e| panic!("{cmd} {args} failed: {e}"))
    }

    /// The error as the UI gets it (the call must fail).
    fn err_json(&self, cmd: &str, args: Value) -> Value {
        match self.call(cmd, args.clone()) {
            Ok(v) => panic!("{cmd} {args} should have failed, gave {v}"),
            Err(e) => e,
        }
    }

    /// The error's kind and message (the call must fail).
    fn err(&self, cmd: &str, args: Value) -> (String, String) {
        let e = self.err_json(cmd, args);
        let field = |k: &str| {
            e[k].as_str()
                .unwrap_or_else(|| panic!("no {k} in {e}"))
                .to_owned()
        };
        (field("kind"), field("message"))
    }

    /// The confirmation step: what would be sent, and its one-use token.
    fn confirm(
        &self,
        number: &str,
        region: Option<&str>,
        task: &str,
        force: bool,
    ) -> Result<Value, Value> {
        self.call(
            "confirm_call",
            json!({"args": {"number": number, "region": region, "task": task, "force": force}}),
        )
    }

    /// Confirms, then places with the token, as the UI does.
    fn place_in(
        &self,
        number: &str,
        region: Option<&str>,
        task: &str,
        force: bool,
    ) -> Result<Value, Value> {
        let c = self.confirm(number, region, task, force)?;
        self.call(
            "place_call",
            json!({ "token": c["token"], "anyway": false }),
        )
    }

    fn place(&self, number: &str, task: &str, force: bool) -> Result<Value, Value> {
        self.place_in(number, None, task, force)
    }

    fn history(&self, status: Option<&CallStatus>, search: Option<&str>) -> Value {
        self.ok(
            "list_history",
            json!({"query": {"status": status, "search": search, "offset": 0, "limit": 50}}),
        )
    }

    fn settings(&self, notifications: &str) -> Value {
        let mut s = self.ok("get_settings", json!({}));
        s["notifications"] = json!(notifications);
        self.ok("set_settings", json!({ "settings": s }))
    }

    /// Saves `url` as the service address.
    fn set_base_url(&self, url: &str) -> Value {
        let mut s = self.ok("get_settings", json!({}));
        s["baseUrl"] = json!(url);
        self.ok("set_settings", json!({ "settings": s }))
    }

    /// Points the app at the service `url` and stores `key` for it (the real session starts).
    fn use_service(&self, url: &str, key: &str) {
        self.set_base_url(url);
        self.ok("set_api_key", json!({ "key": key }));
        let mode = self.ok("app_mode", json!({}));
        assert_eq!(mode["demo"], false, "{mode}");
        assert_eq!(mode["hasKey"], true, "{mode}");
    }

    /// Waits until the host saw call `id` in `status`, and the notification of that event when
    /// the settings want one: the app tells the window of an event, then notifies, so the
    /// notification is recorded just after it, and after every earlier event's.
    fn wait_for_status(&self, id: i64, status: &CallStatus) -> Vec<CallSummary> {
        let notifies = self.state().settings().notifications.wants(status);
        wait_until(&format!("call {id} to reach {status:?}"), || {
            let seen = self.host.seen();
            let event = seen
                .iter()
                .position(|s| matches!(s, Seen::Task(c) if c.id == id && &c.status == status));
            let done = event.is_some_and(|at| {
                !notifies
                    || seen[at + 1..]
                        .iter()
                        .any(|s| matches!(s, Seen::Note { .. }))
            });
            (done, seen)
        });
        self.host.tasks_of(id)
    }

    /// The app's state, once open.
    fn state(&self) -> Arc<AppState> {
        let starting = self.app.state::<Starting>();
        tauri::async_runtime::block_on(starting.get())
            .unwrap_or_else(|e| panic!("the state did not open: {e:?}"))
    }

    /// Runs `f` on the demo simulator in use. The test reaches it through the session: the
    /// app's demo serves no control API.
    fn demo_sim<T>(&self, f: impl FnOnce(&workapi_sim::SimHandle) -> T) -> T {
        let state = self.state();
        let session =
            tauri::async_runtime::block_on(state.manager.session()).expect("a session in use");
        f(session.simulator().expect("demo mode"))
    }

    /// What the demo simulator received and holds: (creation requests, tasks).
    fn demo_sends(&self) -> (u64, usize) {
        self.demo_sim(|sim| (sim.stats().creates, sim.task_count()))
    }

    /// Moves a demo simulator task to `status` now.
    fn force_sim_status(&self, task_id: &str, status: &str) {
        assert!(self.demo_sim(|sim| sim.force_status(task_id, status)));
    }

    /// Creates a task straight at the simulator, as if another device had placed it.
    fn create_sim_task(&self, e164: &str, task: &str) -> String {
        let base = self.ok("app_mode", json!({}))["baseUrl"]
            .as_str()
            .unwrap()
            .to_owned();
        tauri::async_runtime::block_on(async move {
            let client = workapi::Client::builder(workapi::ApiKey::new(workapi_sim::DEMO_KEY)?)
                .base_url(base)
                .build()?;
            client
                .tasks()
                .create(&workapi::NewTask::new(e164, task))
                .await
        })
        .expect("a simulator task")
        .id
        .to_string()
    }
}

/// A simulator standing in for the real service: it accepts only `keys`, runs at `speed`, and
/// has no rate limit (the tests' tracker polls fast).
fn real_service(keys: &[&str], speed: f64) -> workapi_sim::SimHandle {
    tauri::async_runtime::block_on(workapi_sim::Sim::start(workapi_sim::SimConfig {
        speed,
        keys: keys.iter().map(|k| k.to_string()).collect(),
        rate_limit: None,
        ..workapi_sim::SimConfig::default()
    }))
    .expect("a simulator")
}

// ---------------------------------------------------------------------------------------------
// A relay: a loopback listener that passes every connection on to a simulator and keeps every
// byte the clients sent, so that a test can count requests per task, or look for a key, at
// one address. (The simulator's own counters are per route, for all tasks together.)

/// What the clients sent on one connection, in order.
type Sent = Arc<Mutex<Vec<u8>>>;

struct Relay {
    addr: SocketAddr,
    sent: Arc<Mutex<Vec<Sent>>>,
}

impl Relay {
    fn to(upstream: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let addr = listener.local_addr().unwrap();
        let sent: Arc<Mutex<Vec<Sent>>> = Arc::default();
        let log = sent.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let buf: Sent = Arc::default();
                log.lock().unwrap().push(buf.clone());
                std::thread::spawn(move || pass_on(client, upstream, buf));
            }
        });
        Relay { addr, sent }
    }

    /// The base URL a client uses to reach the simulator through the relay.
    fn base_url(&self) -> String {
        format!("http://{}{}", self.addr, workapi_sim::BASE_PATH)
    }

    /// Connections made to the relay.
    fn connections(&self) -> usize {
        self.sent.lock().unwrap().len()
    }

    /// How many times `needle` occurs in what clients sent (per connection, in order).
    fn count(&self, needle: &str) -> usize {
        let needle = needle.as_bytes();
        self.sent
            .lock()
            .unwrap()
            .iter()
            .map(|b| {
                b.lock()
                    .unwrap()
                    .windows(needle.len())
                    .filter(|w| *w == needle)
                    .count()
            })
            .sum()
    }

    /// Reads of task `task_id` that went through the relay.
    fn gets_of(&self, task_id: &str) -> usize {
        self.count(&format!("GET {}/tasks/{task_id} ", workapi_sim::BASE_PATH))
    }
}

fn pass_on(mut client: TcpStream, upstream: SocketAddr, buf: Sent) {
    let Ok(mut server) = TcpStream::connect(upstream) else {
        return;
    };
    if let (Ok(mut from), Ok(mut to)) = (server.try_clone(), client.try_clone()) {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut from, &mut to);
            let _ = to.shutdown(std::net::Shutdown::Both);
        });
    }
    let mut chunk = [0u8; 8192];
    loop {
        let n = match client.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        buf.lock().unwrap().extend_from_slice(&chunk[..n]);
        if server.write_all(&chunk[..n]).is_err() {
            break;
        }
    }
    let _ = server.shutdown(std::net::Shutdown::Both);
}

// ---------------------------------------------------------------------------------------------

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// The status of a call as the UI got it.
fn status_of(v: &Value) -> CallStatus {
    serde_json::from_value(v["status"].clone()).unwrap_or_else(|e| panic!("no status in {v}: {e}"))
}

/// The tracking of a call as the UI got it.
fn tracking_of(v: &Value) -> Tracking {
    serde_json::from_value(v["tracking"].clone())
        .unwrap_or_else(|e| panic!("no tracking in {v}: {e}"))
}

/// The statuses of a call's timeline, as the UI got them.
fn timeline_of(detail: &Value) -> Vec<CallStatus> {
    detail["timeline"]
        .as_array()
        .unwrap_or_else(|| panic!("no timeline in {detail}"))
        .iter()
        .map(status_of)
        .collect()
}

/// Position in the documented lifecycle.
fn rank(status: &CallStatus) -> usize {
    [&SENDING, &PENDING, &ACCEPTED, &IN_PROGRESS, &COMPLETED]
        .iter()
        .position(|s| *s == status)
        .unwrap_or_else(|| panic!("unexpected status {status:?}"))
}

/// Plain language: no debug output, no Rust or HTTP internals.
fn assert_plain(message: &str) {
    assert!(!message.trim().is_empty(), "empty message");
    for bad in [
        "{", "}", "Error(", "Some(", "None", "unwrap", "::", "panicked",
    ] {
        assert!(
            !message.contains(bad),
            "message is not plain language: {message}"
        );
    }
}

// ---------------------------------------------------------------------------------------------

#[test]
fn every_listed_command_is_wired_to_the_invoke_handler() {
    let h = Harness::new(SLOW);
    let unknown = h
        .call("no_such_command", json!({}))
        .expect_err("an unknown command must fail");
    assert_eq!(unknown, json!("Command no_such_command not found"));
    for cmd in missioncall_app::COMMANDS {
        if let Err(e) = h.call(cmd, json!({})) {
            assert_ne!(
                e,
                json!(format!("Command {cmd} not found")),
                "{cmd} is listed in COMMANDS but not handled"
            );
        }
    }
}

#[test]
fn validate_phone_explains_in_plain_language() {
    let h = Harness::new(SLOW);
    let ok = h.ok("validate_phone", json!({"input": NUMBER, "region": null}));
    assert_eq!(ok["valid"], true);
    assert_eq!(ok["e164"], NUMBER_E164);
    assert_eq!(ok["region"], "GB");
    assert!(ok["reason"].is_null());
    let national = h.ok(
        "validate_phone",
        json!({"input": "020 7946 0958", "region": "GB"}),
    );
    assert_eq!(national["e164"], NUMBER_E164);

    for bad in ["12", "+44 20", "hello", ""] {
        let v = h.ok("validate_phone", json!({"input": bad, "region": "GB"}));
        assert_eq!(v["valid"], false, "{bad} passed");
        assert!(v["e164"].is_null());
        let reason = v["reason"]
            .as_str()
            .unwrap_or_else(|| panic!("{bad}: no reason"));
        assert_plain(reason);
    }
}

#[test]
fn first_run_without_a_key_asks_for_one() {
    let h = Harness::new(SLOW);
    let mode = h.ok("app_mode", json!({}));
    assert_eq!(mode["firstRun"], true);
    assert_eq!(mode["demo"], false);
    assert_eq!(mode["hasKey"], false);
    let ks = h.ok("key_status", json!({}));
    assert_eq!(ks, json!({"set": false, "last4": null, "source": null}));

    let e = h
        .confirm(NUMBER, None, "Ask about opening hours", false)
        .expect_err("confirmed with no key and no demo");
    assert_eq!(e["kind"], "noKey");
    assert_plain(e["message"].as_str().unwrap());
    let (kind, _) = h.err(
        "place_call",
        json!({ "token": "0123456789abcdef", "anyway": false }),
    );
    assert_eq!(kind, "noKey");
    let e = h.err_json("cancel_task", json!({"id": 1}));
    assert!(e.get("callId").is_none(), "{e}");
    assert_eq!(e["kind"], "notFound", "there is no call 1: {e}");
    assert_eq!(h.history(None, None)["total"], 0);
    assert!(
        !h.dir
            .path()
            .join(missioncall_core::settings::FILE_NAME)
            .exists(),
        "looking around must not write settings"
    );
    assert!(h.host.seen().is_empty(), "{:?}", h.host.seen());
}

#[test]
fn commands_that_arrive_while_the_data_opens_wait_for_it() {
    // The state opens in the background so that the window can load meanwhile: the page's
    // first calls must wait for it, never fail or see a half-made state.
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let keychain = MemKeychain::default();
    let host = Arc::new(RecordingHost::default());
    let (path, secrets, h) = (dir.path().to_path_buf(), keychain.secrets(), host.clone());
    // The data stays closed until the test has sent its first command.
    let (release, gate) = std::sync::mpsc::channel::<()>();
    let opened = Arc::new(AtomicBool::new(false));
    let harness = Harness::with_opener(dir, keychain, host, {
        let opened = opened.clone();
        move || {
            gate.recv().expect("the test opens the gate");
            let state = app_state(path, secrets, h, SLOW);
            opened.store(true, Ordering::SeqCst);
            state
        }
    });
    // The first screen's call, sent while the data is closed: all it needs, once it is open.
    let sent = Arc::new(AtomicBool::new(false));
    let first = std::thread::spawn({
        let (webview, sent, opened) = (harness.webview.clone(), sent.clone(), opened.clone());
        move || {
            sent.store(true, Ordering::SeqCst);
            let boot = invoke(&webview, "boot", json!({}));
            (boot, opened.load(Ordering::SeqCst))
        }
    });
    wait_until("the first command to be sent", || {
        (sent.load(Ordering::SeqCst), ())
    });
    assert!(!opened.load(Ordering::SeqCst));
    release.send(()).unwrap();
    let (boot, opened_before_the_answer) = first.join().unwrap();
    let boot = boot.unwrap_or_else(|e| panic!("boot failed: {e}"));
    assert!(
        opened_before_the_answer,
        "boot answered before the data was open"
    );
    assert_eq!(boot["mode"]["firstRun"], true);
    assert_eq!(boot["mode"], harness.ok("app_mode", json!({})));
    assert_eq!(boot["settings"], harness.ok("get_settings", json!({})));
    let names: Vec<&str> = boot["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .map(|r| r["name"].as_str().expect("a name"))
        .collect();
    assert!(names.len() > 200, "{} regions", names.len());
    let us = boot["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "US")
        .expect("US");
    assert_eq!(us["callingCode"], 1);
    assert_eq!(harness.history(None, None)["total"], 0);
    assert_eq!(
        harness.ok("get_settings", json!({}))["notifications"],
        "all"
    );
}

#[test]
fn when_the_data_cannot_be_opened_every_command_says_so_plainly() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let host = Arc::new(RecordingHost::default());
    let h = Harness::with_opener(dir, MemKeychain::default(), host, || {
        Err(AppError::new(
            AppErrorKind::Storage,
            "The call history could not be opened (disk full). Free some space and open MissionCall again.",
        ))
    });
    for (cmd, args) in [
        ("boot", json!({})),
        ("app_mode", json!({})),
        ("get_settings", json!({})),
        ("key_status", json!({})),
        ("get_task", json!({"id": 1})),
        ("start_demo", json!({})),
        (
            "list_history",
            json!({"query": {"status": null, "search": null, "offset": 0, "limit": 50}}),
        ),
    ] {
        let (kind, message) = h.err(cmd, args);
        assert_eq!(kind, "storage", "{cmd}");
        assert!(message.contains("disk full"), "{cmd}: {message}");
        assert_plain(&message);
    }
    // Commands that need no data still work.
    assert_eq!(
        h.ok("validate_phone", json!({"input": NUMBER, "region": null}))["valid"],
        true
    );
}

#[test]
fn a_demo_call_is_followed_to_the_end() {
    let h = Harness::new(FAST);
    let mode = h.ok("start_demo", json!({}));
    assert_eq!(mode["demo"], true);
    assert_eq!(mode["firstRun"], false);
    assert!(mode["baseUrl"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    let demo_events = h.host.demo_events();
    assert_eq!(demo_events.len(), 1);
    assert!(demo_events[0].demo);

    let task = "Ask whether they have a table for two at 8pm [sim:goal_met]";
    let placed = h.place(NUMBER, task, false).expect("placed");
    let id = id_of(&placed);
    assert!(placed["taskId"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(status_of(&placed), PENDING);
    assert_eq!(placed["demo"], true);
    assert_eq!(placed["cancellable"], true);
    assert_eq!(placed["phoneNumber"], NUMBER_E164);
    let first = wait_until("the new call's event and notification", || {
        let first = h.host.tasks_of(id);
        (!first.is_empty() && !h.host.notes().is_empty(), first)
    });
    assert_eq!(first[0].status, PENDING);

    let events = h.wait_for_status(id, &COMPLETED);
    let ranks: Vec<usize> = events.iter().map(|c| rank(&c.status)).collect();
    assert!(
        ranks.windows(2).all(|w| w[0] <= w[1]),
        "task events out of order: {:?}",
        events.iter().map(|c| &c.status).collect::<Vec<_>>()
    );
    let done = events.last().unwrap();
    assert_eq!(done.status, COMPLETED);
    assert!(!done.cancellable);
    let summary = done.summary.clone().expect("a summary");

    // Notifications ("all" by default): one per task event, the last one carrying the summary.
    let notes = h.host.notes();
    assert_eq!(notes.len(), events.len(), "{notes:?}");
    let (title, body) = notes.last().unwrap();
    assert!(title.contains("Done"), "{title}");
    assert!(title.contains("(demo)"), "{title}");
    assert_eq!(body, summary.lines().next().unwrap());

    let detail = h.ok("get_task", json!({ "id": id }));
    assert_eq!(status_of(&detail["call"]), COMPLETED);
    let turns = detail["turns"].as_array().unwrap();
    assert!(turns.len() >= 2, "{detail}");
    assert!(turns.iter().any(|t| t["speaker"] == "agent"));
    assert!(turns.iter().any(|t| t["speaker"] == "callee"));
    assert_eq!(detail["likelyNoAnswer"], false);
    let timeline = timeline_of(&detail);
    assert_eq!(timeline[..2], [SENDING, PENDING], "{timeline:?}");
    assert_eq!(timeline.last().unwrap(), &COMPLETED);
    let ranks: Vec<usize> = timeline.iter().map(rank).collect();
    assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{timeline:?}");

    // Export: to the path the user picked, or nothing when they cancel the dialog.
    assert!(h.ok("export_call", json!({ "id": id })).is_null());
    let target = h.dir.path().join("export.txt");
    *h.host.save_to.lock().unwrap() = Some(target.clone());
    let saved = h.ok("export_call", json!({ "id": id }));
    assert_eq!(saved.as_str(), Some(target.display().to_string().as_str()));
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.contains("table for two"), "{text}");

    let (kind, _) = h.err("get_task", json!({"id": 9999}));
    assert_eq!(
        kind, "notFound",
        "a call that is not there is not a storage failure"
    );

    let mode = h.ok("stop_demo", json!({}));
    assert_eq!(mode["demo"], false);
    let demo_events = h.host.demo_events();
    assert_eq!(demo_events.len(), 2);
    assert!(!demo_events[1].demo);
    // A finished demo call stays as it was, and nothing can be sent for it any more.
    let (kind, message) = h.err("cancel_task", json!({ "id": id }));
    assert_eq!(kind, "otherOrigin");
    assert_plain(&message);
    assert_eq!(
        status_of(&h.ok("get_task", json!({ "id": id }))["call"]),
        COMPLETED
    );
}

#[test]
fn demo_mode_is_remembered_across_restarts() {
    let h = Harness::new(SLOW);
    h.ok("start_demo", json!({}));
    let live = id_of(
        &h.place(NUMBER, "Ask about the delivery slot", false)
            .unwrap(),
    );

    let again = Harness::open(h.dir.clone(), h.keychain.clone(), SLOW);
    let mode = again.ok("app_mode", json!({}));
    assert_eq!(mode["demo"], true);
    assert_eq!(mode["firstRun"], false);
    // The earlier simulator is gone, so its unfinished call is closed with a note.
    let detail = again.ok("get_task", json!({ "id": live }));
    assert_eq!(status_of(&detail["call"]), DEMO_ENDED);
    assert_eq!(detail["call"]["cancellable"], false);
    assert_eq!(
        detail["call"]["error"],
        missioncall_core::session::DEMO_ABANDONED_NOTE
    );

    again.ok("stop_demo", json!({}));
    let third = Harness::open(h.dir.clone(), h.keychain.clone(), SLOW);
    let mode = third.ok("app_mode", json!({}));
    assert_eq!(mode["demo"], false);
    assert_eq!(mode["firstRun"], false);
}

#[test]
fn notification_settings_are_respected() {
    let h = Harness::new(FAST);
    h.ok("start_demo", json!({}));

    assert_eq!(h.settings("results")["notifications"], "results");
    let a = id_of(
        &h.place(
            NUMBER,
            "Ask for the price of a haircut [sim:goal_met]",
            false,
        )
        .unwrap(),
    );
    let events = h.wait_for_status(a, &COMPLETED);
    assert!(events.len() >= 2);
    let notes = h.host.notes();
    assert_eq!(notes.len(), 1, "only the result notifies: {notes:?}");
    assert!(notes[0].0.contains("Done"));

    assert_eq!(h.settings("off")["notifications"], "off");
    let b = id_of(
        &h.place(
            NUMBER,
            "Ask for the price of a shave [sim:no_answer]",
            false,
        )
        .unwrap(),
    );
    let events = h.wait_for_status(b, &COMPLETED);
    assert!(events.len() >= 2, "task events still go to the window");
    assert_eq!(h.host.notes().len(), 1, "{:?}", h.host.notes());
    assert_eq!(h.ok("get_task", json!({ "id": b }))["likelyNoAnswer"], true);

    assert_eq!(h.settings("all")["notifications"], "all");
    let c = id_of(
        &h.place(NUMBER, "Ask for the price of a trim [sim:voicemail]", false)
            .unwrap(),
    );
    let events = h.wait_for_status(c, &COMPLETED);
    assert_eq!(h.host.notes().len(), 1 + events.len());
}

#[test]
fn cancel_while_waiting_but_not_once_on_the_call() {
    let h = Harness::new(SLOW);
    h.ok("start_demo", json!({}));

    let placed = h
        .place(NUMBER, "Ask if the parcel can be left next door", false)
        .unwrap();
    let id = id_of(&placed);
    let cancelled = h.ok("cancel_task", json!({ "id": id }));
    assert_eq!(status_of(&cancelled), CANCELLED);
    assert_eq!(cancelled["cancellable"], false);
    h.wait_for_status(id, &CANCELLED);
    let detail = h.ok("get_task", json!({ "id": id }));
    assert_eq!(timeline_of(&detail), [SENDING, PENDING, CANCELLED]);

    let placed = h
        .place(NUMBER, "Ask when the shop closes today", false)
        .unwrap();
    let id = id_of(&placed);
    h.force_sim_status(placed["taskId"].as_str().unwrap(), "in_progress");
    let (kind, message) = h.err("cancel_task", json!({ "id": id }));
    assert_eq!(kind, "notCancellable");
    assert_plain(&message);
    assert!(message.contains("on the call"), "{message}");
    let detail = h.ok("get_task", json!({ "id": id }));
    assert_eq!(status_of(&detail["call"]), IN_PROGRESS);
    assert_eq!(detail["call"]["cancellable"], false);
}

#[test]
fn bad_numbers_and_duplicates_are_refused_before_sending() {
    let h = Harness::new(SLOW);
    h.ok("start_demo", json!({}));

    let e = h
        .confirm("12345", Some("GB"), "Ask about delivery", false)
        .expect_err("a bad number was confirmed");
    assert_eq!(e["kind"], "invalidPhone");
    assert_plain(e["message"].as_str().unwrap());
    let e = h
        .confirm(NUMBER, None, "   ", false)
        .expect_err("an empty task was confirmed");
    assert_eq!(e["kind"], "invalidTask");
    assert_plain(e["message"].as_str().unwrap());
    assert_eq!(
        h.history(None, None)["total"],
        0,
        "a refused call left a row"
    );
    assert!(h.host.seen().iter().all(|s| matches!(s, Seen::Demo(_))));

    let task = "Ask whether the order has shipped";
    let first = h.place(NUMBER, task, false).unwrap();
    let dup = h
        .confirm("020 7946 0958", Some("GB"), &format!("  {task} "), false)
        .expect_err("a duplicate was confirmed");
    assert_eq!(dup["kind"], "duplicate");
    assert_plain(dup["message"].as_str().unwrap());
    assert_eq!(
        dup["callId"], first["id"],
        "the error names the earlier call"
    );
    assert_eq!(h.history(None, None)["total"], 1);
    let second = h.place(NUMBER, task, true).expect("forced");
    assert_ne!(id_of(&first), id_of(&second));
    assert_ne!(first["taskId"], second["taskId"]);
    assert_eq!(h.history(None, None)["total"], 2);
}

#[test]
fn history_can_be_searched_and_filtered() {
    let h = Harness::new(SLOW);
    h.ok("start_demo", json!({}));
    let tasks = [
        "Book a table for two on Friday",
        "Ask about the opening hours on Sunday",
        "Confirm the dentist appointment",
    ];
    let ids: Vec<i64> = tasks
        .iter()
        .map(|t| id_of(&h.place(NUMBER, t, false).unwrap()))
        .collect();
    h.ok("cancel_task", json!({ "id": ids[1] }));

    let all = h.history(None, None);
    assert_eq!(all["total"], 3);
    let listed: Vec<i64> = all["items"].as_array().unwrap().iter().map(id_of).collect();
    assert_eq!(listed, [ids[2], ids[1], ids[0]], "newest first");
    assert_eq!(h.history(None, Some("  "))["total"], 3, "a blank search");

    let dentist = h.history(None, Some("dentist"));
    assert_eq!(dentist["total"], 1);
    assert_eq!(id_of(&dentist["items"][0]), ids[2]);
    let cancelled = h.history(Some(&CANCELLED), None);
    assert_eq!(cancelled["total"], 1);
    assert_eq!(id_of(&cancelled["items"][0]), ids[1]);
    assert_eq!(h.history(Some(&PENDING), None)["total"], 2);
    assert_eq!(h.history(Some(&PENDING), Some("table"))["total"], 1);
    assert_eq!(h.history(Some(&CANCELLED), Some("table"))["total"], 0);
    assert_eq!(h.history(None, Some("7946"))["total"], 3, "by phone digits");
    for odd in ["\"; DROP TABLE calls; --", "NEAR(", "*", "a OR", "'"] {
        let page = h.history(None, Some(odd));
        assert!(page["total"].as_u64().unwrap() <= 3, "{odd}");
    }
    assert_eq!(h.history(None, None)["total"], 3);

    let page = h.ok(
        "list_history",
        json!({"query": {"status": null, "search": null, "offset": 1, "limit": 1}}),
    );
    assert_eq!(page["total"], 3);
    assert_eq!(page["offset"], 1);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(id_of(&page["items"][0]), ids[1]);
}

#[test]
fn insecure_service_addresses_are_refused_and_nothing_is_saved() {
    let h = Harness::new(SLOW);
    let path = h.dir.path().join(missioncall_core::settings::FILE_NAME);
    let defaults = h.ok("get_settings", json!({}));
    let with_url = |url: &str| {
        let mut s = defaults.clone();
        s["baseUrl"] = json!(url);
        json!({ "settings": s })
    };

    let (kind, message) = h.err("set_settings", with_url("http://example.com/api"));
    assert_eq!(kind, "insecureUrl");
    assert_plain(&message);
    assert!(!path.exists(), "a refused address was written");

    let mut good = defaults.clone();
    good["defaultRegion"] = json!("gb");
    good["notifications"] = json!("results");
    let saved = h.ok("set_settings", json!({ "settings": good }));
    assert_eq!(saved["defaultRegion"], "GB");
    let before = std::fs::read(&path).expect("settings written");

    for bad in [
        "http://example.com/api",
        "http://10.0.0.1:8080",
        "ftp://example.com",
        "not a url",
    ] {
        let (kind, _) = h.err("set_settings", with_url(bad));
        assert!(kind == "insecureUrl", "{bad}: {kind}");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "{bad} changed the file"
        );
        assert_eq!(h.ok("get_settings", json!({})), saved);
    }
    let mut bad_region = saved.clone();
    bad_region["defaultRegion"] = json!("XX");
    let (kind, _) = h.err("set_settings", json!({ "settings": bad_region }));
    assert_eq!(kind, "invalidSettings");
    assert_eq!(std::fs::read(&path).unwrap(), before);

    let local = h.ok("set_settings", with_url("http://127.0.0.1:8080/x"));
    assert_eq!(local["baseUrl"], "http://127.0.0.1:8080/x");
    assert_eq!(
        h.ok("app_mode", json!({}))["baseUrl"],
        "http://127.0.0.1:8080/x"
    );
}

#[test]
fn the_api_key_goes_in_and_never_comes_out() {
    const KEY: &str = "sk_live_Xq7TESTONLYsecret9f2Kz4";
    let h = Harness::new(FAST);
    let mut s = h.ok("get_settings", json!({}));
    // Nothing listens here: a real session must not reach the internet from a test.
    s["baseUrl"] = json!("http://127.0.0.1:9");
    h.ok("set_settings", json!({ "settings": s }));
    h.ok("start_demo", json!({}));
    let demo_call = id_of(
        &h.place(NUMBER, "Ask about parking [sim:goal_met]", false)
            .unwrap(),
    );
    h.wait_for_status(demo_call, &COMPLETED);

    let mut answers: Vec<Value> = Vec::new();
    let (kind, message) = h.err("set_api_key", json!({"key": "sk live with spaces"}));
    assert_eq!(kind, "invalidKey");
    assert_plain(&message);
    assert!(!message.contains("with spaces"), "{message}");
    assert_eq!(h.ok("key_status", json!({}))["set"], false);

    let status = h.ok("set_api_key", json!({ "key": format!("  {KEY}\n") }));
    assert_eq!(
        status,
        json!({"set": true, "last4": &KEY[KEY.len() - 4..], "source": "keychain"})
    );
    answers.push(status);
    let ks = h.ok("key_status", json!({}));
    assert_eq!(ks["last4"], &KEY[KEY.len() - 4..]);
    answers.push(ks);
    let mode = h.ok("app_mode", json!({}));
    assert_eq!(mode["hasKey"], true);
    assert_eq!(mode["demo"], false, "a key ends demo mode");
    assert!(mode["baseUrl"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:9"));
    answers.push(mode);
    answers.push(h.ok("get_settings", json!({})));
    let demo_events = h.host.demo_events();
    assert!(!demo_events.last().unwrap().demo);
    assert!(demo_events.last().unwrap().has_key);

    // The real service is unreachable: the call is refused, and the error is plain.
    let e = h
        .place(NUMBER, "Ask about parking", false)
        .expect_err("placed with nothing listening");
    assert_eq!(e["kind"], "offline");
    assert!(!e.to_string().contains(KEY));
    let history = h.history(None, None);
    assert_eq!(history["total"], 2);
    assert_eq!(status_of(&history["items"][0]), NOT_PLACED);
    let refused = id_of(&history["items"][0]);
    answers.push(history);
    answers.push(h.ok("get_task", json!({ "id": refused })));

    for a in &answers {
        assert!(
            !a.to_string().contains(KEY),
            "the key was sent to the UI: {a}"
        );
    }
    assert!(!h.host.as_text().contains(KEY), "the key reached the host");
    for entry in walk(h.dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
            "the key was written to {}",
            entry.display()
        );
    }

    // It is kept in the keychain only: a restart over the same folder finds it there.
    let again = Harness::open(h.dir.clone(), h.keychain.clone(), FAST);
    let mode = again.ok("app_mode", json!({}));
    assert_eq!(mode["hasKey"], true);
    assert_eq!(mode["demo"], false);
    assert_eq!(mode["firstRun"], false);

    let cleared = h.ok("clear_api_key", json!({}));
    assert_eq!(
        cleared,
        json!({"set": false, "last4": null, "source": null})
    );
    let mode = h.ok("app_mode", json!({}));
    assert_eq!(mode["hasKey"], false);
    let e = h
        .confirm(NUMBER, None, "Ask again", false)
        .expect_err("confirmed with the key cleared");
    assert_eq!(e["kind"], "noKey");
}

#[test]
fn an_unknown_outcome_can_be_checked_or_dismissed() {
    let dir = tempfile::tempdir().unwrap();
    // Two calls an earlier run could not settle, and one attempt another process (the CLI) is
    // sending right now, which starting the app must leave alone: that process's history
    // handle (it owns the attempt) stays open for the whole test.
    let sender = missioncall_core::history::History::open_in_dir(dir.path()).unwrap();
    let attempt = |task| {
        sender
            .insert_attempt(&missioncall_core::history::NewAttempt {
                phone_e164: NUMBER_E164,
                phone_region: Some("GB"),
                task,
                origin: &missioncall_core::call::Origin::Demo,
                outside_hours: None,
            })
            .unwrap()
    };
    let a = attempt("Ask for the opening hours [sim:goal_met]");
    let b = attempt("Ask for the closing hours");
    for id in [a, b] {
        sender
            .mark_unknown_outcome(id, "The connection was lost before an answer came.")
            .unwrap();
    }
    let in_flight = attempt("Ask for the lunch menu");
    let h = Harness::open(Arc::new(dir), MemKeychain::default(), FAST);
    let unknown = h.history(Some(&UNKNOWN_OUTCOME), None);
    assert_eq!(unknown["total"], 2);
    assert_eq!(unknown["items"][0]["unknownOutcome"], true);
    assert!(unknown["items"][0]["error"]
        .as_str()
        .is_some_and(|e| !e.is_empty()));
    assert_eq!(
        status_of(&h.ok("get_task", json!({ "id": in_flight }))["call"]),
        SENDING,
        "a call being sent by another process was marked at start"
    );
    h.ok("sync_history", json!({}));
    assert_eq!(
        status_of(&h.ok("get_task", json!({ "id": in_flight }))["call"]),
        SENDING,
        "a call being sent by another process was marked by a rescan"
    );

    // A demo call's task can only be looked up at a demo simulator.
    let (kind, message) = h.err("check_unknown_outcome", json!({"id": a, "taskId": "x1"}));
    assert_eq!(kind, "otherOrigin");
    assert_plain(&message);
    h.ok("start_demo", json!({}));

    // A task for another number is not linked.
    let elsewhere = h.create_sim_task("+12125550147", "Something else");
    let (kind, message) = h.err(
        "check_unknown_outcome",
        json!({"id": a, "taskId": elsewhere}),
    );
    assert_eq!(kind, "invalidTask");
    assert_plain(&message);
    assert_eq!(
        status_of(&h.ok("get_task", json!({"id": a}))["call"]),
        UNKNOWN_OUTCOME
    );

    let task_id = h.create_sim_task(NUMBER_E164, "Ask for the opening hours [sim:goal_met]");
    let linked = h.ok(
        "check_unknown_outcome",
        json!({"id": a, "taskId": format!(" {task_id} ")}),
    );
    assert_eq!(linked["taskId"], task_id.as_str());
    assert_ne!(status_of(&linked), UNKNOWN_OUTCOME);
    let events = h.wait_for_status(a, &COMPLETED);
    assert!(events.last().unwrap().summary.is_some());

    // The same task cannot be linked to a second call.
    let (kind, _) = h.err("check_unknown_outcome", json!({"id": b, "taskId": task_id}));
    assert_eq!(kind, "invalidTask");

    let dismissed = h.ok("dismiss_unknown_outcome", json!({ "id": b }));
    assert_eq!(status_of(&dismissed), NOT_PLACED);
    assert!(dismissed["taskId"].is_null());
    h.wait_for_status(b, &NOT_PLACED);
    assert_eq!(h.history(Some(&UNKNOWN_OUTCOME), None)["total"], 0);
    assert!(h
        .call("dismiss_unknown_outcome", json!({ "id": a }))
        .is_err());
    assert_eq!(
        status_of(&h.ok("get_task", json!({"id": a}))["call"]),
        COMPLETED
    );
    drop(sender);
}

#[test]
fn service_trouble_is_reported_plainly_and_never_re_sent() {
    let h = Harness::new(FAST);
    h.ok("start_demo", json!({}));

    // The answer to a creation is lost: the outcome is unknown, and the call is not sent again.
    h.demo_sim(|sim| sim.inject(Fault::new(FaultKind::Drop).on(Route::Create)));
    let lost = h
        .place(NUMBER, "Ask about the refund", false)
        .expect_err("the answer was dropped");
    assert_eq!(lost["kind"], "unknownOutcome");
    assert_plain(lost["message"].as_str().unwrap());
    assert_eq!(h.demo_sends(), (1, 1), "re-sent");
    let page = h.history(Some(&UNKNOWN_OUTCOME), None);
    assert_eq!(page["total"], 1);
    assert_eq!(
        lost["callId"], page["items"][0]["id"],
        "the error names the kept row"
    );
    assert!(page["items"][0]["taskId"].is_null());
    assert_eq!(page["items"][0]["cancellable"], false);

    // Reads fail for a while: the window hears "offline", then "online" again, and the call
    // is still followed to its end.
    h.demo_sim(|sim| sim.inject(Fault::new(FaultKind::Unavailable).on(Route::Get).times(12)));
    let id = id_of(
        &h.place(NUMBER, "Ask about the invoice [sim:goal_met]", false)
            .unwrap(),
    );
    h.wait_for_status(id, &COMPLETED);
    let net = h.host.network_events();
    assert!(net.len() >= 2, "{net:?}");
    assert_eq!(net[0].connection, Connection::Offline);
    assert_plain(net[0].message.as_deref().expect("why offline"));
    assert_eq!(net.last().unwrap().connection, Connection::Online);
}

#[test]
fn a_done_notification_shows_the_first_line_of_the_summary() {
    let at = chrono::Utc::now();
    let rec = |status: CallStatus, summary: Option<&str>| missioncall_core::history::CallRecord {
        id: 7,
        phone_e164: NUMBER_E164.into(),
        phone_region: Some("GB".into()),
        task: "Book a table for two".into(),
        created_at: at,
        updated_at: at,
        task_id: Some("task_1".into()),
        task_number: None,
        status,
        tracking: Tracking::Following,
        error: None,
        transcript: None,
        summary: summary.map(str::to_owned),
        origin: missioncall_core::call::Origin::Demo,
        demo: true,
        status_changed_at: at,
        last_checked_at: None,
        outcome: None,
        note: String::new(),
        follow_up: None,
        tags: Vec::new(),
        contact_name: None,
        annotated_at: None,
        outside_hours: None,
    };
    let text = missioncall_core::session::notification_text;
    let (title, body) = text(&rec(
        COMPLETED,
        Some("Booked for 8pm.\nThey asked for a card."),
    ));
    assert!(title.starts_with("Done"), "{title}");
    assert!(title.contains("+44 20 7946 0958"), "{title}");
    assert!(title.ends_with("(demo)"), "{title}");
    assert_eq!(body, "Booked for 8pm.");
    assert_eq!(
        text(&rec(COMPLETED, Some("\n  \nBooked for 8pm.\nMore"))).1,
        "Booked for 8pm.",
        "a summary starting with blank lines must not give an empty notification"
    );
    assert_eq!(text(&rec(COMPLETED, Some(""))).1, "The call is done.");
    assert_eq!(text(&rec(COMPLETED, None)).1, "The call is done.");
    assert_eq!(text(&rec(PENDING, None)).1, "Book a table for two");
    let long = "x".repeat(500);
    assert_eq!(text(&rec(COMPLETED, Some(&long))).1.chars().count(), 200);
}

// ---------------------------------------------------------------------------------------------
// Issue 9: one model of a call, actions at the call's own origin, confirmation in the backend.

#[test]
fn place_call_needs_a_fresh_confirmation_and_uses_it_once() {
    let clock = ManualClock::fixed();
    let c = clock.clone();
    let h = Harness::configured(SLOW, move |cfg| cfg.clock = c);
    h.ok("start_demo", json!({}));
    let refused = |token: &Value, why: &str| {
        let before = h.demo_sends();
        let (kind, message) = h.err("place_call", json!({ "token": token, "anyway": false }));
        assert_eq!(kind, "notConfirmed", "{why}: {message}");
        assert_plain(&message);
        assert_eq!(h.demo_sends(), before, "{why}: something was sent");
    };

    refused(&json!("0".repeat(32)), "a token never issued");
    refused(&json!(""), "an empty token");
    assert_eq!(h.demo_sends(), (0, 0));

    // The confirmation shows exactly what will be sent; its token places the call once.
    let task = "Ask whether the bakery has rye bread";
    let first = h.confirm("020 7946 0958", Some("GB"), task, false).unwrap();
    assert_eq!(first["e164"], NUMBER_E164);
    assert_eq!(first["task"], task);
    assert_eq!(first["demo"], true);
    assert_eq!(first["force"], false);
    let placed = h.ok(
        "place_call",
        json!({ "token": first["token"], "anyway": false }),
    );
    assert_eq!(status_of(&placed), PENDING);
    assert_eq!(h.demo_sends(), (1, 1));
    refused(&first["token"], "a token used once already");

    // A token lives five minutes, by the app's clock.
    let late = h
        .confirm(NUMBER, None, "Ask about the late delivery", false)
        .unwrap();
    clock.advance(chrono::Duration::minutes(5) + chrono::Duration::seconds(1));
    refused(&late["token"], "a token older than 5 minutes");
    let in_time = h
        .confirm(NUMBER, None, "Ask about the early delivery", false)
        .unwrap();
    clock.advance(chrono::Duration::minutes(4) + chrono::Duration::seconds(59));
    h.ok(
        "place_call",
        json!({ "token": in_time["token"], "anyway": false }),
    );
    assert_eq!(h.demo_sends(), (2, 2));

    // A second identical call needs its own "call anyway" confirmation: a plain one is refused
    // at the confirm step, and a plain token taken before the first call went out does not
    // place a second one either.
    let task = "Ask whether the parcel arrived";
    let early = h.confirm(NUMBER, None, task, false).unwrap();
    let early_too = h.confirm(NUMBER, None, task, false).unwrap();
    let one = h.ok(
        "place_call",
        json!({ "token": early["token"], "anyway": false }),
    );
    let dup = h
        .confirm(NUMBER, None, task, false)
        .expect_err("a duplicate was confirmed");
    assert_eq!(dup["kind"], "duplicate");
    assert_eq!(dup["callId"], one["id"]);
    let before = h.demo_sends();
    let dup = h.err_json(
        "place_call",
        json!({ "token": early_too["token"], "anyway": false }),
    );
    assert_eq!(dup["kind"], "duplicate", "{dup}");
    assert_eq!(h.demo_sends(), before, "a duplicate was sent");
    let forced = h.confirm(NUMBER, None, task, true).unwrap();
    assert_eq!(forced["force"], true);
    let two = h.ok(
        "place_call",
        json!({ "token": forced["token"], "anyway": false }),
    );
    assert_ne!(id_of(&one), id_of(&two));
    assert_ne!(one["taskId"], two["taskId"]);
    refused(
        &forced["token"],
        "a \"call anyway\" token used once already",
    );
    assert_eq!(h.demo_sends(), (4, 4));

    // A token belongs to the session that issued it: a new demo simulator does not take it.
    let old = h
        .confirm(NUMBER, None, "Ask for the Saturday hours", false)
        .unwrap();
    h.ok("stop_demo", json!({}));
    h.ok("start_demo", json!({}));
    refused(&old["token"], "a token of an earlier session");
    assert_eq!(
        h.history(None, None)["total"],
        4,
        "a refused token left a row"
    );
}

#[test]
fn leaving_demo_mode_closes_out_a_live_demo_call_and_sends_nothing_for_it() {
    let real = real_service(&[REAL_KEY], SLOW);
    let h = Harness::configured(SLOW, |_| {});
    h.use_service(&real.base_url(), REAL_KEY);
    h.ok("start_demo", json!({}));
    let demo_addr = h.demo_sim(|sim| sim.addr());
    let placed = h
        .place(NUMBER, "Ask whether the demo shop is open", false)
        .unwrap();
    let id = id_of(&placed);
    assert_eq!(status_of(&placed), PENDING);
    assert_eq!(placed["cancellable"], true);
    assert_eq!(placed["demo"], true);

    let mode = h.ok("stop_demo", json!({}));
    assert_eq!(mode["demo"], false);
    assert_eq!(mode["hasKey"], true, "back to the real service: {mode}");

    // Closed out as a demo call, with a note, no longer live or cancellable.
    let events = h.wait_for_status(id, &DEMO_ENDED);
    let ended = events.last().unwrap();
    assert_eq!(ended.status, DEMO_ENDED);
    assert!(!ended.cancellable && !ended.live && ended.finished);
    let detail = h.ok("get_task", json!({ "id": id }));
    assert_eq!(status_of(&detail["call"]), DEMO_ENDED);
    assert_eq!(detail["call"]["cancellable"], false);
    assert_eq!(detail["call"]["live"], false);
    assert_eq!(
        detail["call"]["error"],
        missioncall_core::session::DEMO_ABANDONED_NOTE
    );
    assert_eq!(timeline_of(&detail), [SENDING, PENDING, DEMO_ENDED]);

    // Cancel (and refresh) refuse with a reason, and send nothing anywhere: not to the real
    // service with the real key, and not to the simulator, which is gone.
    for cmd in ["cancel_task", "refresh_task"] {
        let e = h.err_json(cmd, json!({ "id": id }));
        assert_eq!(e["kind"], "otherOrigin", "{cmd}: {e}");
        let message = e["message"].as_str().unwrap();
        assert_plain(message);
        assert!(message.contains("demo"), "{cmd}: {message}");
    }
    assert_eq!(
        real.stats(),
        workapi_sim::Stats::default(),
        "the real service heard about a demo call"
    );
    assert!(
        TcpStream::connect(demo_addr).is_err(),
        "the demo simulator still listens at {demo_addr}"
    );
    assert_eq!(
        status_of(&h.ok("get_task", json!({ "id": id }))["call"]),
        DEMO_ENDED
    );
}

/// The real service can be reached (its address is known and its key stored), so the cancel
/// goes there: neither to the demo simulator nor refused.
#[test]
fn in_demo_mode_a_real_call_is_cancelled_at_its_own_service() {
    let real = real_service(&[REAL_KEY], SLOW);
    let h = Harness::configured(SLOW, |_| {});
    h.use_service(&real.base_url(), REAL_KEY);
    let placed = h
        .place(NUMBER, "Ask whether the plumber can come on Monday", false)
        .unwrap();
    let id = id_of(&placed);
    let task_id = placed["taskId"].as_str().unwrap().to_owned();
    assert_eq!(placed["demo"], false);
    assert_eq!(real.task(&task_id).unwrap().status, "pending");

    h.ok("start_demo", json!({}));
    let cancelled = h.ok("cancel_task", json!({ "id": id }));
    assert_eq!(status_of(&cancelled), CANCELLED, "{cancelled}");
    assert_eq!(cancelled["cancellable"], false);
    assert_eq!(
        real.task(&task_id).unwrap().status,
        "cancelled",
        "the real task goes on"
    );
    assert_eq!(real.stats().cancels, 1);
    assert_eq!(
        h.demo_sim(|sim| sim.stats().cancels),
        0,
        "the cancel went to the demo simulator"
    );
    h.wait_for_status(id, &CANCELLED);
    assert_eq!(
        h.ok("app_mode", json!({}))["demo"],
        true,
        "still in demo mode"
    );
}

#[test]
fn a_rejected_key_reaches_the_window_as_such() {
    let real = real_service(&[REAL_KEY], SLOW);
    let h = Harness::configured(SLOW, |_| {});
    h.use_service(&real.base_url(), REAL_KEY);
    let id = id_of(
        &h.place(NUMBER, "Ask about the gas meter reading", false)
            .unwrap(),
    );
    // The key is replaced by one the service does not know: the tracker's next read gets 401.
    h.ok("set_api_key", json!({ "key": OTHER_KEY }));
    let rejected = wait_until("a rejected-key state at the window", || {
        let net = h.host.network_events();
        let found = net
            .iter()
            .find(|n| n.connection == Connection::KeyRejected)
            .cloned();
        (found.is_some(), (found, net))
    })
    .0
    .unwrap();
    let message = rejected.message.expect("why the key was rejected");
    assert_plain(&message);
    assert!(message.contains("key"), "{message}");
    let net = h.host.network_events();
    assert!(
        net.iter().all(|n| n.connection != Connection::Online),
        "a rejected key was told as online: {net:?}"
    );
    assert!(!h.host.as_text().contains(OTHER_KEY));
    // The call itself is fine: it is still waiting at the service.
    let detail = h.ok("get_task", json!({ "id": id }));
    assert_eq!(status_of(&detail["call"]), PENDING);
}

#[test]
fn an_unknown_default_region_is_a_settings_error() {
    let h = Harness::new(SLOW);
    let mut s = h.ok("get_settings", json!({}));
    s["defaultRegion"] = json!("ZZ");
    let (kind, message) = h.err("set_settings", json!({ "settings": s }));
    assert_eq!(kind, "invalidSettings");
    assert_plain(&message);
    assert!(message.contains("country"), "{message}");
    assert!(message.contains("ZZ"), "{message}");
    assert!(!message.to_lowercase().contains("number"), "{message}");
    assert!(
        !h.dir
            .path()
            .join(missioncall_core::settings::FILE_NAME)
            .exists(),
        "refused settings were saved"
    );
    s["defaultRegion"] = json!("de");
    assert_eq!(
        h.ok("set_settings", json!({ "settings": s }))["defaultRegion"],
        "DE"
    );
}

#[test]
fn a_key_stays_with_its_service_address() {
    let first = real_service(&[REAL_KEY], SLOW);
    // A second service at another address, reached through a relay that keeps what it is
    // sent. It would even accept the key: nothing may be sent there with it.
    let second = real_service(&[REAL_KEY], SLOW);
    let relay = Relay::to(second.addr());
    let h = Harness::configured(SLOW, |_| {});
    h.use_service(&first.base_url(), REAL_KEY);
    let placed = h
        .place(NUMBER, "Ask whether the locksmith is free today", false)
        .unwrap();
    let id = id_of(&placed);
    let task_id = placed["taskId"].as_str().unwrap().to_owned();

    // A new address: no key until one is entered for it.
    h.set_base_url(&relay.base_url());
    let mode = h.ok("app_mode", json!({}));
    assert_eq!(mode["hasKey"], false, "{mode}");
    assert_eq!(mode["demo"], false, "{mode}");
    assert_eq!(mode["baseUrl"], relay.base_url());
    assert_eq!(h.ok("key_status", json!({}))["set"], false);
    let e = h
        .confirm(NUMBER, None, "Ask about the spare key", false)
        .expect_err("a call was confirmed with no key for the address");
    assert_eq!(e["kind"], "noKey");
    // The earlier call still goes to its own service, with that service's key.
    let gets = first.stats().gets;
    let refreshed = h.ok("refresh_task", json!({ "id": id }));
    assert_eq!(status_of(&refreshed), PENDING);
    assert_eq!(first.stats().gets, gets + 1);

    // Back to the first address: its key is there again, and its call is followed again.
    h.set_base_url(&first.base_url());
    let mode = h.ok("app_mode", json!({}));
    assert_eq!(mode["hasKey"], true, "{mode}");
    assert_eq!(
        h.ok("key_status", json!({}))["last4"],
        &REAL_KEY[REAL_KEY.len() - 4..]
    );
    assert!(first.force_status(&task_id, "accepted"));
    h.wait_for_status(id, &ACCEPTED);

    assert_eq!(
        relay.connections(),
        0,
        "something was sent to the new address"
    );
    assert_eq!(
        relay.count(REAL_KEY),
        0,
        "the key was sent to the new address"
    );
    assert_eq!(second.stats(), workapi_sim::Stats::default());
}

#[test]
fn listing_history_changes_nothing_and_a_given_up_call_stays_given_up() {
    // The service knows two accounts. A call placed with the first key is unknown to the
    // second (404), so once the key is changed the tracker gives up on it after three reads.
    let sim = real_service(&[REAL_KEY, OTHER_KEY], SLOW);
    let relay = Relay::to(sim.addr());
    let h = Harness::configured(SLOW, |_| {});
    h.use_service(&relay.base_url(), REAL_KEY);
    let lost = h
        .place(NUMBER, "Ask whether the tailor finished the suit", false)
        .unwrap();
    let lost_id = id_of(&lost);
    let lost_task = lost["taskId"].as_str().unwrap().to_owned();
    h.ok("set_api_key", json!({ "key": OTHER_KEY }));
    let events = wait_until("the tracker to give up on the call", || {
        let events = h.host.tasks_of(lost_id);
        let given_up = events.iter().any(|c| c.tracking == Tracking::GivenUp);
        (given_up, (relay.gets_of(&lost_task), events))
    })
    .1;
    let given_up = events
        .iter()
        .find(|c| c.tracking == Tracking::GivenUp)
        .unwrap();
    assert_eq!(given_up.status, PENDING, "giving up is not a status");
    assert!(given_up.tracking_label.is_some());
    let reads = relay.gets_of(&lost_task);
    assert!(reads >= 3, "{reads} reads before giving up");
    let events_before = h.host.tasks_of(lost_id).len();

    // Another call, followed by the same tracker, measures the tracker's time below.
    let other = h
        .place(NUMBER, "Ask whether the tailor can shorten trousers", false)
        .unwrap();
    let other_task = other["taskId"].as_str().unwrap().to_owned();

    for _ in 0..20 {
        let page = h.history(None, None);
        let row = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| id_of(c) == lost_id)
            .cloned()
            .expect("the call is listed");
        assert_eq!(tracking_of(&row), Tracking::GivenUp);
        h.history(Some(&PENDING), Some("tailor"));
        h.ok("sync_history", json!({}));
    }
    // Ten more reads of the other call: a revived call would have been read by then (the
    // first read of a newly followed call comes before the second read of any other).
    let since = relay.gets_of(&other_task);
    wait_until("ten more reads of the other call", || {
        let n = relay.gets_of(&other_task);
        (n >= since + 10, n)
    });
    assert_eq!(
        relay.gets_of(&lost_task),
        reads,
        "a given-up call was read again after listing or syncing history"
    );
    let detail = h.ok("get_task", json!({ "id": lost_id }));
    assert_eq!(tracking_of(&detail["call"]), Tracking::GivenUp);
    assert_eq!(h.host.tasks_of(lost_id).len(), events_before);

    // Until the user asks again: one read, at once.
    let (kind, message) = h.err("refresh_task", json!({ "id": lost_id }));
    assert_eq!(kind, "notFound");
    assert_plain(&message);
    assert_eq!(relay.gets_of(&lost_task), reads + 1);
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Issue 12: reviewing calls (outcome, note, tags, follow-ups, contacts, filters, overview,
// export) through the commands the window calls.

#[test]
fn a_call_is_reviewed_filtered_counted_and_exported_through_the_commands() {
    let clock = ManualClock::new(
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 30, 12, 0, 0)
            .unwrap(),
    );
    let c = clock.clone();
    let h = Harness::configured(SLOW, move |cfg| cfg.clock = c);
    h.ok("start_demo", json!({}));
    let table = id_of(
        &h.place(NUMBER, "Book a table for four at 7pm", false)
            .unwrap(),
    );
    let hours = id_of(
        &h.place("+1 415 555 2671", "Ask about the opening hours", false)
            .unwrap(),
    );

    // Each change answers with the call and tells every window.
    let marked = h.ok("set_outcome", json!({ "id": table, "outcome": "achieved" }));
    assert_eq!(marked["outcome"], "achieved");
    assert_eq!(marked["outcomeLabel"], "Achieved");
    assert_eq!(
        marked["status"],
        json!(PENDING),
        "the outcome is not the status"
    );
    let last = h.host.tasks_of(table).pop().unwrap();
    assert_eq!(
        last.outcome,
        Some(missioncall_core::call::Outcome::Achieved)
    );
    h.ok("add_tag", json!({ "id": table, "tag": "Spring offer" }));
    h.ok("add_tag", json!({ "id": hours, "tag": "spring OFFER" }));
    let noted = h.ok(
        "set_note",
        json!({ "id": table, "note": "Ask for the terrace next time" }),
    );
    assert_eq!(noted["tags"], json!(["Spring offer"]));
    let contact = h.ok(
        "set_contact",
        json!({ "number": "020 7946 0958", "region": "GB", "name": "Luigi's Trattoria" }),
    );
    assert_eq!(contact["phoneNumber"], NUMBER_E164);
    assert_eq!(contact["calls"], 1);
    let (kind, message) = h.err("add_tag", json!({ "id": table, "tag": "   " }));
    assert_eq!(kind, "invalidInput");
    assert_plain(&message);
    let (kind, _) = h.err(
        "set_follow_up",
        json!({ "id": table, "followUp": "next tuesday-ish" }),
    );
    assert_eq!(kind, "invalidInput");

    // Filters combine, and the contact's name and the note are searched.
    let list = |filter: Value| {
        let mut q = filter;
        q["offset"] = json!(0);
        q["limit"] = json!(50);
        let page = h.ok("list_history", json!({ "query": q }));
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(id_of)
            .collect::<Vec<_>>()
    };
    assert_eq!(list(json!({"tag": "spring offer"})), [hours, table]);
    assert_eq!(
        list(json!({"tag": "spring offer", "outcome": {"kind": "is", "outcome": "achieved"}})),
        [table]
    );
    assert_eq!(list(json!({"outcome": {"kind": "notSet"}})), [hours]);
    assert_eq!(list(json!({"phone": NUMBER_E164})), [table]);
    assert_eq!(list(json!({"search": "trattoria"})), [table]);
    assert_eq!(list(json!({"search": "terrace"})), [table]);
    assert_eq!(list(json!({"demo": false})), Vec::<i64>::new());
    assert_eq!(
        list(json!({"since": "2026-11-30", "until": "2026-11-30"})).len(),
        2
    );
    assert_eq!(list(json!({"since": "2026-12-01"})), Vec::<i64>::new());
    let (kind, message) = h.err(
        "list_history",
        json!({"query": {"since": "2026-12-02", "until": "2026-12-01", "offset": 0, "limit": 50}}),
    );
    assert_eq!(kind, "invalidInput");
    assert!(message.contains("Swap"), "{message}");

    let detail = h.ok("get_task", json!({ "id": table }));
    assert_eq!(detail["call"]["contactName"], "Luigi's Trattoria");
    assert_eq!(detail["call"]["note"], "Ask for the terrace next time");

    // The overview of the filtered calls.
    let o = h.ok("overview", json!({ "filter": {"tag": "Spring Offer"} }));
    assert_eq!(o["total"], 2);
    assert_eq!(o["achieved"], 1);
    assert_eq!(o["judged"], 1);
    assert_eq!(o["achievedShare"], 1.0);
    assert_eq!(o["byOutcome"][0]["label"], "Achieved");
    assert_eq!(o["byOutcome"][4]["label"], "No outcome yet");
    assert_eq!(o["byOutcome"][4]["calls"], 1);
    assert_eq!(o["perWeek"].as_array().unwrap().len(), 1);

    // Tags: listed with counts, renamed (merged) and deleted everywhere.
    let tags = h.ok("list_tags", json!({}));
    assert_eq!(tags, json!([{"name": "Spring offer", "calls": 2}]));
    assert_eq!(
        h.ok(
            "rename_tag",
            json!({"from": "spring offer", "to": "Spring 2027"})
        ),
        2
    );
    assert_eq!(list(json!({"tag": "spring 2027"})), [hours, table]);
    assert_eq!(h.ok("delete_tag", json!({"tag": "SPRING 2027"})), 2);
    assert_eq!(h.ok("list_tags", json!({})), json!([]));

    // Export: the filtered calls to the file the user picked, with progress; read back.
    let out = h.dir.path().join("calls.csv");
    *h.host.save_to.lock().unwrap() = Some(out.clone());
    let done = h.ok(
        "export_calls",
        json!({"args": {"filter": {"phone": NUMBER_E164}, "format": "csv", "withTranscripts": false}}),
    );
    assert_eq!(done["calls"], 1);
    assert_eq!(done["path"], out.display().to_string());
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.starts_with('\u{feff}'), "a BOM for spreadsheets");
    assert!(csv.contains("Luigi's Trattoria"), "{csv}");
    assert!(csv.contains("Ask for the terrace next time"), "{csv}");
    assert!(
        !csv.contains("opening hours"),
        "only the filtered call: {csv}"
    );
    let progress = h.host.progress.lock().unwrap().clone();
    assert_eq!(progress.last(), Some(&(1, 1)), "{progress:?}");
    *h.host.save_to.lock().unwrap() = None;
    assert_eq!(
        h.ok(
            "export_calls",
            json!({"args": {"filter": {}, "format": "json", "withTranscripts": false}})
        ),
        Value::Null,
        "the dialog closed: nothing written"
    );
    let (kind, _) = h.err(
        "export_calls",
        json!({"args": {"filter": {}, "format": "xlsx", "withTranscripts": false}}),
    );
    assert_eq!(kind, "invalidInput");
}

#[test]
fn a_follow_up_is_announced_once_when_it_falls_due() {
    let clock = ManualClock::new(
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 30, 12, 0, 0)
            .unwrap(),
    );
    let c = clock.clone();
    let h = Harness::configured(SLOW, move |cfg| cfg.clock = c);
    h.ok("start_demo", json!({}));
    let id = id_of(
        &h.place(NUMBER, "Ask if the parcel has shipped", false)
            .unwrap(),
    );
    h.ok(
        "set_contact",
        json!({ "number": NUMBER, "region": null, "name": "Parcel desk" }),
    );
    h.ok(
        "set_note",
        json!({ "id": id, "note": "Call back about the refund" }),
    );
    let state = h.state();
    state.check_follow_ups().unwrap();
    let local_tomorrow = (clock.now().with_timezone(&chrono::Local) + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let set = h.ok(
        "set_follow_up",
        json!({ "id": id, "followUp": format!("{local_tomorrow} 09:30") }),
    );
    assert_eq!(set["followUp"], format!("{local_tomorrow} 09:30"));
    let items = h.ok("list_follow_ups", json!({}));
    assert_eq!(items[0]["call"]["id"], id);
    assert_eq!(items[0]["overdue"], false);
    assert_eq!(items[0]["today"], false);

    let follow_up_notes = || {
        h.host
            .notes()
            .into_iter()
            .filter(|(t, _)| t.contains("ollow-up"))
            .collect::<Vec<_>>()
    };
    assert!(state.check_follow_ups().unwrap().is_empty(), "not due yet");
    assert!(follow_up_notes().is_empty());
    clock.advance(chrono::Duration::days(2));
    // The app's own watch may get there first (it checks twice a minute); either way it is
    // announced once.
    state.check_follow_ups().unwrap();
    assert_eq!(
        follow_up_notes(),
        [(
            "Follow-up due — Parcel desk (+44 20 7946 0958)".to_owned(),
            "Call back about the refund".to_owned()
        )]
    );
    assert!(
        state.check_follow_ups().unwrap().is_empty(),
        "announced once"
    );
    let items = h.ok("list_follow_ups", json!({}));
    assert_eq!(items[0]["overdue"], true);

    // Moved to a later day: announced again when that comes, once.
    let later = (clock.now().with_timezone(&chrono::Local) + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    h.ok("set_follow_up", json!({ "id": id, "followUp": later }));
    assert!(state.check_follow_ups().unwrap().is_empty());
    clock.advance(chrono::Duration::days(1));
    state.check_follow_ups().unwrap();
    assert_eq!(follow_up_notes().len(), 2);

    // Notifications off: nothing shown.
    h.settings("off");
    h.ok(
        "set_follow_up",
        json!({ "id": id, "followUp": later.clone() + " 23:59" }),
    );
    clock.advance(chrono::Duration::days(1));
    state.check_follow_ups().unwrap();
    assert_eq!(follow_up_notes().len(), 2);

    // Cleared: no longer listed.
    h.ok("set_follow_up", json!({ "id": id, "followUp": null }));
    assert_eq!(h.ok("list_follow_ups", json!({})), json!([]));
}

/// The app's watch without its start-up delays.
fn quick_watch() -> WatchTiming {
    WatchTiming {
        first_check: Duration::ZERO,
        every: Duration::from_millis(50),
        backup_after: Duration::ZERO,
    }
}

#[test]
fn follow_ups_already_due_at_start_are_announced_in_one_notification() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    {
        let hist = missioncall_core::history::History::open_in_dir(dir.path()).unwrap();
        for (i, phone) in ["+442079460958", "+14155552671", "+12125550123"]
            .into_iter()
            .enumerate()
        {
            let id = hist
                .insert_attempt(&missioncall_core::history::NewAttempt {
                    phone_e164: phone,
                    phone_region: None,
                    task: "Ask about the invoice",
                    origin: &missioncall_core::call::Origin::Demo,
                    outside_hours: None,
                })
                .unwrap();
            hist.mark_not_placed(id, "test").unwrap();
            let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1 + i as u32).unwrap();
            hist.set_follow_up(
                id,
                Some(missioncall_core::review::FollowUp {
                    date: day,
                    time: None,
                }),
            )
            .unwrap();
        }
    }
    let keychain = MemKeychain::default();
    let host = Arc::new(RecordingHost::default());
    let (path, secrets, rec) = (dir.path().to_path_buf(), keychain.secrets(), host.clone());
    let h = Harness::with_opener(dir, keychain, host, move || {
        Ok(app_state(path, secrets, rec, SLOW)?.with_watch_timing(quick_watch()))
    });
    let notes = wait_until("the start-up notification of due follow-ups", || {
        let n: Vec<_> = h
            .host
            .notes()
            .into_iter()
            .filter(|(t, _)| t.contains("ollow-up"))
            .collect();
        (!n.is_empty(), n)
    });
    assert_eq!(notes[0].0, "3 follow-ups are due");
    assert!(h.state().check_follow_ups().unwrap().is_empty());
    assert_eq!(
        h.host
            .notes()
            .iter()
            .filter(|(t, _)| t.contains("ollow-up"))
            .count(),
        1,
        "not one each as well"
    );
}

#[test]
fn contacts_are_imported_from_the_file_the_user_picks() {
    let h = Harness::new(SLOW);
    h.ok("start_demo", json!({}));
    let id = id_of(&h.place(NUMBER, "Book a table", false).unwrap());
    let file = h.dir.path().join("people.csv");
    std::fs::write(
        &file,
        "Name,Phone\nLuigi's Trattoria,020 7946 0958\n<b>Bad</b>,not a number\n",
    )
    .unwrap();
    assert_eq!(
        h.ok("import_contacts", json!({ "region": "GB" })),
        Value::Null,
        "the dialog closed: nothing read"
    );
    *h.host.open_from.lock().unwrap() = Some(file);
    let done = h.ok("import_contacts", json!({ "region": "GB" }));
    assert_eq!(done["added"], 1);
    assert_eq!(done["skipped"], 1);
    assert_eq!(done["skippedEntries"][0]["at"], 2);
    assert_eq!(done["skippedEntries"][0]["name"], "<b>Bad</b>");
    let detail = h.ok("get_task", json!({ "id": id }));
    assert_eq!(detail["call"]["contactName"], "Luigi's Trattoria");
}

#[test]
fn a_backup_restores_into_an_empty_data_folder_once() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let keychain = MemKeychain::default();
    let host = Arc::new(RecordingHost::default());
    let (path, secrets, rec) = (dir.path().to_path_buf(), keychain.secrets(), host.clone());
    let h = Harness::with_opener(dir, keychain, host, move || {
        Ok(app_state(path, secrets, rec, SLOW)?.with_watch_timing(quick_watch()))
    });
    h.ok("start_demo", json!({}));
    let id = id_of(&h.place(NUMBER, "Book a table for four", false).unwrap());
    h.ok("set_outcome", json!({ "id": id, "outcome": "followUp" }));
    h.ok("add_tag", json!({ "id": id, "tag": "vip" }));
    h.ok(
        "set_contact",
        json!({ "number": NUMBER, "region": null, "name": "Luigi's" }),
    );
    // The automatic daily backup is written at start.
    let daily = wait_until("today's automatic backup", || {
        let list = h.ok("list_backups", json!({}));
        (list.as_array().unwrap().len() == 1, list)
    });
    assert!(daily[0]["bytes"].as_f64().unwrap() > 0.0);

    let file = h.dir.path().join("my-backup.sqlite");
    *h.host.save_to.lock().unwrap() = Some(file.clone());
    let done = h.ok("backup_history", json!({}));
    assert_eq!(done["calls"], 1);
    assert_eq!(done["path"], file.display().to_string());

    let fresh = Harness::new(SLOW);
    assert_eq!(fresh.history(None, None)["total"], 0);
    assert_eq!(
        fresh.ok("restore_history", json!({})),
        Value::Null,
        "dialog closed"
    );
    *fresh.host.open_from.lock().unwrap() = Some(file.clone());
    let first = fresh.ok("restore_history", json!({}));
    assert_eq!(first["added"], 1);
    assert_eq!(first["contactsAdded"], 1);
    let restored = fresh.history(None, None)["items"][0].clone();
    assert_eq!(restored["outcome"], "followUp");
    assert_eq!(restored["tags"], json!(["vip"]));
    assert_eq!(restored["contactName"], "Luigi's");
    let again = fresh.ok("restore_history", json!({}));
    assert_eq!(
        (again["added"].clone(), again["updated"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(fresh.history(None, None)["total"], 1);

    // A daily backup is restored by its day only; a made-up day is refused plainly.
    let day = daily[0]["date"].as_str().unwrap().to_owned();
    let merged = h.ok("restore_daily_backup", json!({ "date": day }));
    assert_eq!(merged["added"], 0);
    let (kind, message) = h.err(
        "restore_daily_backup",
        json!({ "date": "../../etc/passwd" }),
    );
    assert_eq!(kind, "invalidInput");
    assert_plain(&message);
}

// ---------------------------------------------------------------------------------------------
// Issue 13: the do-not-call list and the caller identity through the window's commands.

#[test]
fn a_number_on_the_do_not_call_list_is_refused_and_the_identity_is_in_the_confirmation() {
    let h = Harness::new(SLOW);
    h.ok("start_demo", json!({}));
    let first = id_of(
        &h.place(NUMBER, "Ask about the opening hours", false)
            .unwrap(),
    );
    let entry = h.ok(
        "add_do_not_call_from_call",
        json!({ "id": first, "reason": "asked not to be called" }),
    );
    assert_eq!(entry["phoneNumber"], NUMBER_E164);
    assert_eq!(entry["callId"], first);
    let (kind, message) = h.err(
        "confirm_call",
        json!({"args": {"number": NUMBER, "region": null, "task": "Ask again", "force": true}}),
    );
    assert_eq!(kind, "doNotCall");
    assert!(message.contains("asked not to be called"), "{message}");
    assert_plain(&message);
    assert_eq!(h.history(None, None)["total"], 1, "nothing was written");
    let list = h.ok("list_do_not_call", json!({}));
    assert_eq!(list.as_array().unwrap().len(), 1);

    // Export, remove, import back.
    let file = h.dir.path().join("dnc.csv");
    *h.host.save_to.lock().unwrap() = Some(file.clone());
    assert_eq!(
        h.ok("export_do_not_call", json!({})),
        file.display().to_string()
    );
    assert_eq!(
        h.ok("remove_do_not_call", json!({ "number": NUMBER_E164 })),
        true
    );
    h.confirm(NUMBER, None, "Ask again", true)
        .expect("callable again");
    *h.host.open_from.lock().unwrap() = Some(file);
    let imported = h.ok("import_do_not_call", json!({ "region": "GB" }));
    assert_eq!(imported["added"], 1);
    let (kind, _) = h.err(
        "confirm_call",
        json!({"args": {"number": NUMBER, "region": null, "task": "Ask again", "force": true}}),
    );
    assert_eq!(kind, "doNotCall");

    // The caller identity: the confirmation carries the exact text that will be sent.
    let identity = h.ok(
        "set_caller_identity",
        json!({"identity": {"name": "Ada Okafor", "business": "Luigi's", "discloseAi": true, "sentence": null}}),
    );
    let sentence = identity["sentence"]
        .as_str()
        .expect("a sentence")
        .to_owned();
    assert!(
        sentence.contains("Ada Okafor") && sentence.contains("AI"),
        "{sentence}"
    );
    let c = h
        .confirm("+1 415 555 2671", None, "Book a table for four", false)
        .unwrap();
    assert_eq!(c["identitySentence"], sentence);
    assert!(
        c["task"]
            .as_str()
            .unwrap()
            .starts_with("Book a table for four")
            && c["task"].as_str().unwrap().ends_with(&sentence),
        "{c}"
    );
    let placed = h
        .call(
            "place_call",
            json!({ "token": c["token"], "anyway": false }),
        )
        .unwrap();
    assert_eq!(
        placed["task"], c["task"],
        "what was confirmed is what is kept"
    );
    assert_eq!(h.ok("get_caller_identity", json!({}))["name"], "Ada Okafor");
}

/// The app in demo mode, on a pinned clock (12:00 UTC, 30 Nov 2026), with its watch running
/// every few milliseconds: what the running app does on its own, with time moved by the test.
fn demo_with_a_quick_watch() -> (Harness, Arc<ManualClock>) {
    let clock = ManualClock::new(
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 30, 12, 0, 0)
            .unwrap(),
    );
    let c = clock.clone();
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let keychain = MemKeychain::default();
    let host = Arc::new(RecordingHost::default());
    let (path, secrets, rec) = (dir.path().to_path_buf(), keychain.secrets(), host.clone());
    let h = Harness::with_opener(dir, keychain, host, move || {
        let mut cfg = ManagerConfig::new(path);
        cfg.secrets = secrets;
        cfg.demo_speed = SLOW;
        cfg.clock = c;
        cfg.enforce_hours = false;
        Ok(AppState::with_config(cfg, rec)?.with_watch_timing(quick_watch()))
    });
    h.ok("start_demo", json!({}));
    (h, clock)
}

/// Confirms a call to [`NUMBER`] with `task` and schedules it `after` the clock's time (local,
/// to the minute); answers with the confirmation and the scheduled call.
fn schedule_in(
    h: &Harness,
    clock: &ManualClock,
    task: &str,
    force: bool,
    after: chrono::Duration,
) -> (Value, Value) {
    let confirmation = h.confirm(NUMBER, None, task, force).unwrap();
    let at = (clock.now() + after)
        .with_timezone(&chrono::Local)
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let job = h.ok(
        "schedule_call",
        json!({ "token": confirmation["token"], "at": at, "anyway": false }),
    );
    (confirmation, job)
}

#[test]
fn a_scheduled_call_is_placed_once_by_the_running_app_when_due() {
    let (h, clock) = demo_with_a_quick_watch();
    let (confirmation, job) = schedule_in(
        &h,
        &clock,
        "Ask about the opening hours",
        false,
        chrono::Duration::minutes(3),
    );
    assert_eq!(job["overdue"], false);
    assert_eq!(
        h.ok("list_scheduled", json!({})).as_array().unwrap().len(),
        1
    );
    // The token was used: it cannot also place the call now.
    assert!(h
        .call(
            "place_call",
            json!({ "token": confirmation["token"], "anyway": false })
        )
        .is_err());
    let (kind, _) = h.err(
        "schedule_call",
        json!({ "token": "x", "at": "tomorrow-ish", "anyway": false }),
    );
    assert_eq!(kind, "invalidInput");

    // Not before its time (the app's watch keeps looking).
    let creates = || h.demo_sim(|s| s.stats().creates);
    let state = h.state();
    let looked = state.watch_rounds();
    wait_until("three rounds of the app's watch", || {
        let n = state.watch_rounds();
        (n >= looked + 3, n)
    });
    assert_eq!(creates(), 0, "placed before its time");
    clock.advance(chrono::Duration::minutes(3));
    wait_until("the scheduled call to be placed", || {
        let n = creates();
        (n >= 1, n)
    });
    let page = h.history(None, None);
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["task"], "Ask about the opening hours");
    assert!(h
        .ok("list_scheduled", json!({}))
        .as_array()
        .unwrap()
        .is_empty());
    assert!(
        h.host
            .scheduled_events
            .load(std::sync::atomic::Ordering::SeqCst)
            >= 1,
        "the window heard of it"
    );
    // However often the watch looks again: once.
    let looked = state.watch_rounds();
    wait_until("three more rounds of the watch", || {
        let n = state.watch_rounds();
        (n >= looked + 3, n)
    });
    assert_eq!(creates(), 1);
}

/// `AppState::new` as `run()` calls it, but with the calling hours lifted: these tests run at
/// any hour (the hours have their own tests, with a pinned clock).
fn app_state(
    path: PathBuf,
    secrets: Secrets,
    host: Arc<RecordingHost>,
    speed: f64,
) -> Result<AppState, AppError> {
    let mut cfg = ManagerConfig::new(path);
    cfg.secrets = secrets;
    cfg.demo_speed = speed;
    cfg.enforce_hours = false;
    AppState::with_config(cfg, host)
}

// ---------------------------------------------------------------------------------------------
// Issue 13: calling hours in the confirmation, "call now anyway" recorded, the settings.

#[test]
fn outside_the_calling_hours_the_confirmation_says_so_and_only_call_anyway_places() {
    // 22:30 in London, outside the default 08:00-21:00.
    let clock = ManualClock::new(
        chrono::Utc
            .with_ymd_and_hms(2026, 1, 13, 22, 30, 0)
            .unwrap(),
    );
    let c = clock.clone();
    let h = Harness::configured(SLOW, move |cfg| {
        cfg.clock = c;
        cfg.enforce_hours = true;
        cfg.user_zone = Some("America/New_York".parse().unwrap());
    });
    h.ok("start_demo", json!({}));
    let task = "Ask whether the bakery has rye bread";
    let confirmation = h.confirm("020 7946 0958", Some("GB"), task, false).unwrap();
    assert_eq!(confirmation["outsideHours"], true);
    let sentence = confirmation["hoursSentence"].as_str().unwrap().to_owned();
    assert!(
        sentence.starts_with("It is 22:30 for them (Europe/London), outside your calling hours"),
        "{sentence}"
    );
    assert!(
        sentence.contains("03:00 on Wednesday 14 January for you (America/New_York)"),
        "{sentence}"
    );
    // The next allowed time, as the local wall time `schedule_call` reads back.
    let next = chrono::Utc.with_ymd_and_hms(2026, 1, 14, 8, 0, 0).unwrap();
    assert_eq!(
        confirmation["nextAllowedLocal"],
        next.with_timezone(&chrono::Local)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    );

    let (kind, message) = h.err(
        "place_call",
        json!({ "token": confirmation["token"], "anyway": false }),
    );
    assert_eq!(kind, "outsideCallingHours");
    assert!(message.contains("Nothing was sent."), "{message}");
    assert_plain(&message);
    assert_eq!(h.demo_sends(), (0, 0), "nothing was sent");

    // The same token, with the user's choice: placed once, and the call says so.
    let placed = h.ok(
        "place_call",
        json!({ "token": confirmation["token"], "anyway": true }),
    );
    assert_eq!(h.demo_sends(), (1, 1));
    let detail = h.ok("get_task", json!({ "id": placed["id"] }));
    assert_eq!(detail["outsideHours"], sentence.as_str());
}

#[test]
fn calling_hours_are_read_and_saved_through_commands_and_bad_ones_refused() {
    let h = Harness::configured(SLOW, |cfg| {
        cfg.user_zone = Some("Europe/Paris".parse().unwrap());
    });
    let hours = h.ok("get_calling_hours", json!({}));
    assert_eq!(hours["start"], "08:00");
    assert_eq!(hours["end"], "21:00");
    assert_eq!(hours["summary"], "08:00–21:00, every day");
    assert_eq!(hours["userZone"], "Europe/Paris");
    let saved = h.ok(
        "set_calling_hours",
        json!({ "hours": { "days": [true, true, true, true, true, false, false], "start": "09:00", "end": "17:30" } }),
    );
    assert_eq!(saved["summary"], "09:00–17:30, Monday to Friday");
    for (hours, words) in [
        (
            json!({ "days": vec![true; 7], "start": "18:00", "end": "09:00" }),
            "must start before they end",
        ),
        (
            json!({ "days": vec![false; 7], "start": "09:00", "end": "17:00" }),
            "at least one day",
        ),
        (
            json!({ "days": vec![true; 7], "start": "9am", "end": "17:00" }),
            "is not a time of day",
        ),
        (
            json!({ "days": vec![true; 3], "start": "09:00", "end": "17:00" }),
            "each of the seven days",
        ),
    ] {
        let (kind, message) = h.err("set_calling_hours", json!({ "hours": hours }));
        assert_eq!(kind, "invalidSettings", "{message}");
        assert!(message.contains(words), "{message}");
        assert_plain(&message);
    }
    // Nothing changed by the refusals.
    assert_eq!(
        h.ok("get_calling_hours", json!({}))["summary"],
        "09:00–17:30, Monday to Friday"
    );
}

// ---------------------------------------------------------------------------------------------
// Issue 13: a CSV batch through the window's commands, in demo mode.

#[test]
fn a_csv_batch_is_dry_run_started_paused_resumed_exported_and_cancelled() {
    let h = Harness::configured(SLOW, |_| {});
    h.ok("start_demo", json!({}));
    let file = h.dir.path().join("customers.csv");
    std::fs::write(
        &file,
        "phone,name\n+14155552671,Ada\n+14155552672,Ben\n4.15555E+10,Cy\n+14155552673,Dee\n",
    )
    .unwrap();
    *h.host.open_from.lock().unwrap() = Some(file);
    let picked = h.ok("choose_batch_file", json!({}));
    assert_eq!(picked["name"], "customers.csv");
    assert_eq!(picked["rows"], 4);
    assert_eq!(picked["guessedPhoneColumn"], "phone");
    let args = json!({
        "token": picked["token"],
        "template": "Ask {{name}} whether the order arrived",
        "region": null,
        "phoneColumn": null,
    });
    let plan = h.ok("plan_batch", json!({ "args": args }));
    assert_eq!(plan["callable"], 3);
    assert_eq!(plan["skipped"], 1);
    assert_eq!(plan["rows"][0]["task"], "Ask Ada whether the order arrived");
    assert_eq!(plan["rows"][2]["verdict"], "invalid");
    assert!(plan["rows"][2]["reason"]
        .as_str()
        .unwrap()
        .contains("scientific notation"));
    assert_eq!(h.demo_sends(), (0, 0), "a dry run sends nothing");

    // A count that is not the dry run's starts nothing.
    let (kind, message) = h.err(
        "start_batch",
        json!({ "args": args, "concurrency": 2, "expected": 2 }),
    );
    assert_eq!(kind, "invalidInput");
    assert!(
        message.contains("3 rows can be called now, not 2"),
        "{message}"
    );
    assert_plain(&message);
    assert!(h
        .ok("list_batches", json!({}))
        .as_array()
        .unwrap()
        .is_empty());
    // A token from another pick is refused.
    let (kind, _) = h.err(
        "plan_batch",
        json!({ "args": { "token": "nope", "template": "Hi", "region": null, "phoneColumn": null } }),
    );
    assert_eq!(kind, "invalidInput");

    let batch = h.ok(
        "start_batch",
        json!({ "args": args, "concurrency": 2, "expected": 3 }),
    );
    let id = batch["id"].clone();
    assert_eq!(batch["waiting"], 3);
    assert_eq!(batch["demo"], true);
    // Two at once, no more.
    wait_until("two calls placed", || {
        let sends = h.demo_sends();
        (sends.0 == 2, sends)
    });
    let paused = h.ok("pause_batch", json!({ "id": id }));
    assert_eq!(paused["canResume"], true);
    let rows = rows_with_task_ids(&h, &id, 2);
    for r in rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["call"].is_null())
    {
        let call = &r["call"];
        h.force_sim_status(call["taskId"].as_str().unwrap(), "completed");
        h.ok("refresh_task", json!({ "id": call["id"] }));
    }
    assert_eq!(h.demo_sends().0, 2, "paused: nothing more is placed");
    h.ok("resume_batch", json!({ "id": id }));
    wait_until("the third call placed", || {
        let sends = h.demo_sends();
        (sends.0 == 3, sends)
    });
    let rows = rows_with_task_ids(&h, &id, 3);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[2]["stateLabel"], "Not called");
    assert_eq!(
        rows.iter().filter(|r| !r["call"].is_null()).count(),
        3,
        "each callable row once"
    );

    let out = h.dir.path().join("results.csv");
    *h.host.save_to.lock().unwrap() = Some(out.clone());
    h.ok("export_batch_results", json!({ "id": id }));
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().count(), 5, "{text}");
    assert!(text.starts_with("\u{feff}row,number,task_id,status,outcome,note"));

    // Cancelling ends it; the call still waiting is cancelled at the service.
    let cancelled = h.ok("cancel_batch", json!({ "id": id }));
    assert_eq!(cancelled["state"], "cancelled");
    assert_eq!(cancelled["canCancel"], false);
    let last = rows[3]["call"]["taskId"].as_str().unwrap().to_owned();
    assert_eq!(
        h.demo_sim(|sim| sim.task(&last).unwrap().status),
        "cancelled"
    );
    let (kind, message) = h.err("resume_batch", json!({ "id": id }));
    assert_eq!(kind, "invalidInput");
    assert!(message.contains("cannot be resumed"), "{message}");
}

/// The batch's rows once `n` of their calls have a task id (the service has the creations
/// before the answers are in: a row's task id is recorded when its call's answer arrives).
fn rows_with_task_ids(h: &Harness, id: &Value, n: usize) -> Value {
    wait_until("the task ids recorded", || {
        let rows = h.ok("batch_rows", json!({ "id": id }));
        let ids = rows
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["call"]["taskId"].is_string())
            .count();
        (ids == n, rows)
    })
}

#[test]
fn a_batch_that_ends_while_the_app_runs_says_so_in_a_notification() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let keychain = MemKeychain::default();
    let host = Arc::new(RecordingHost::default());
    let (path, secrets, rec) = (dir.path().to_path_buf(), keychain.secrets(), host.clone());
    let h = Harness::with_opener(dir, keychain, host, move || {
        let mut cfg = ManagerConfig::new(path);
        cfg.secrets = secrets;
        cfg.demo_speed = SLOW;
        cfg.enforce_hours = false;
        Ok(AppState::with_config(cfg, rec)?.with_watch_timing(quick_watch()))
    });
    h.ok("start_demo", json!({}));
    let file = h.dir.path().join("two.csv");
    std::fs::write(&file, "phone\n+14155552671\n+14155552672\n12\n").unwrap();
    *h.host.open_from.lock().unwrap() = Some(file);
    let picked = h.ok("choose_batch_file", json!({}));
    let args = json!({ "token": picked["token"], "template": "Ask about the order", "region": null, "phoneColumn": null });
    let batch = h.ok(
        "start_batch",
        json!({ "args": args, "concurrency": 2, "expected": 2 }),
    );
    wait_until("both calls placed", || {
        let sends = h.demo_sends();
        (sends.0 == 2, sends)
    });
    assert!(
        !h.host.notes().iter().any(|(t, _)| t.starts_with("Batch")),
        "nothing said while it runs"
    );
    let rows = rows_with_task_ids(&h, &batch["id"], 2);
    for r in rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["call"].is_null())
    {
        h.force_sim_status(r["call"]["taskId"].as_str().unwrap(), "completed");
        h.ok("refresh_task", json!({ "id": r["call"]["id"] }));
    }
    let note = wait_until("the batch's notification", || {
        let found = h
            .host
            .notes()
            .into_iter()
            .find(|(t, _)| t.starts_with("Batch"));
        (found.is_some(), found)
    })
    .unwrap();
    assert_eq!(note.0, "Batch two.csv is done");
    assert_eq!(
        note.1,
        "2 calls placed, 0 not placed, 1 skipped by the dry run."
    );
    assert_eq!(h.ok("list_batches", json!({}))[0]["state"], "done");
}

// ---------------------------------------------------------------------------------------------
// Issue 13: the tray. Closing the window keeps the app running while calls wait; "Pause all".

#[test]
fn closing_with_a_call_scheduled_keeps_running_and_pause_all_holds_it_until_resumed() {
    let (h, clock) = demo_with_a_quick_watch();
    let state = h.state();
    let tray = || *h.host.tray.lock().unwrap();
    let rounds = |n: u64| {
        let looked = state.watch_rounds();
        wait_until("rounds of the app's watch", || {
            let seen = state.watch_rounds();
            (seen >= looked + n, seen)
        });
    };
    // Nothing waits: no tray icon wanted; closing the window quits, and says nothing.
    rounds(1);
    assert_eq!(tray(), Some((false, false)));
    assert!(!state.close_to_tray(|| true));
    assert!(h.host.notes().is_empty());

    schedule_in(
        &h,
        &clock,
        "Ask about the opening hours",
        false,
        chrono::Duration::minutes(3),
    );
    let bg = h.ok("get_background", json!({}));
    assert_eq!(
        bg,
        json!({ "keepRunningInTray": true, "paused": false, "waiting": 1, "runningBatches": 0, "whatWaits": "1 scheduled call" })
    );
    // The watch wants the tray icon now.
    rounds(1);
    assert_eq!(tray(), Some((true, false)));
    // Without a tray icon to come back by (no tray library), closing quits, silently.
    assert!(!state.close_to_tray(|| false));
    assert!(h.host.notes().is_empty());
    // Now closing the window keeps the app running, and a notification says why.
    assert!(state.close_to_tray(|| true));
    assert_eq!(
        h.host.notes().last().unwrap().0,
        "MissionCall is still running"
    );
    assert!(h
        .host
        .notes()
        .last()
        .unwrap()
        .1
        .starts_with("1 scheduled call waits"));

    // The tray's "Pause all": saved, the menu's words and the window follow, and it says so.
    let events = || {
        h.host
            .scheduled_events
            .load(std::sync::atomic::Ordering::SeqCst)
    };
    let before = events();
    state.set_paused(true, true).unwrap();
    assert_eq!(tray(), Some((true, true)));
    assert!(events() > before, "the window was told");
    assert_eq!(h.host.notes().last().unwrap().0, "Scheduled calls paused");
    assert_eq!(h.ok("get_background", json!({}))["paused"], true);

    // Its time comes while paused: the watch looks, and places nothing.
    let creates = || h.demo_sim(|s| s.stats().creates);
    clock.advance(chrono::Duration::minutes(3));
    let looked = state.watch_rounds();
    wait_until("three rounds of the app's watch", || {
        let n = state.watch_rounds();
        (n >= looked + 3, n)
    });
    assert_eq!(creates(), 0, "placed while paused");

    // Resumed from the window (within the grace): placed, once.
    let notes = h.host.notes().len();
    let bg = h.ok("set_paused", json!({ "paused": false }));
    assert_eq!(bg["paused"], false);
    assert_eq!(tray(), Some((true, false)));
    assert_eq!(
        h.host.notes().len(),
        notes,
        "no notification for the window's own click"
    );
    wait_until("the call after the resume", || {
        let n = creates();
        (n >= 1, n)
    });
    let looked = state.watch_rounds();
    wait_until("three more rounds", || {
        let n = state.watch_rounds();
        (n >= looked + 3, n)
    });
    assert_eq!(creates(), 1);
    assert!(!state.close_to_tray(|| true), "nothing waits any more");
    rounds(1);
    assert_eq!(
        tray(),
        Some((false, false)),
        "the tray icon is no longer wanted"
    );

    // With the setting off, closing quits even while a call waits, and the tray is hidden.
    let bg = h.ok("set_keep_running_in_tray", json!({ "on": false }));
    assert_eq!(bg["keepRunningInTray"], false);
    schedule_in(
        &h,
        &clock,
        "Ask about the Sunday hours",
        true,
        chrono::Duration::hours(2),
    );
    assert!(!state.close_to_tray(|| true));
    rounds(1);
    assert_eq!(
        tray(),
        Some((false, false)),
        "no tray icon with the setting off"
    );
}
