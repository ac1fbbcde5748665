//! The shell's commands through Tauri's IPC, headless: a mock app with the real invoke handler
//! and a real [`AppState`] over a temp data folder, an in-memory keychain (never the user's), and
//! a host that records every event and notification instead of showing them. Demo mode runs the
//! simulator in-process on loopback; nobody is called.

use missioncall_app::dto::{AppMode, CallSummary, NetworkState, TaskUpdated};
use missioncall_app::error::{AppError, AppErrorKind};
use missioncall_app::state::{AppState, Host, Starting};
use missioncall_core::secrets::Secrets;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;

/// Fast enough for a whole demo call (pending -> completed) in well under a second.
const FAST: f64 = 200.0;
/// So slow that a demo call stays where it is for the length of a test.
const SLOW: f64 = 0.001;
const NUMBER: &str = "+44 20 7946 0958";
const NUMBER_E164: &str = "+442079460958";

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
    Task(CallSummary),
    Demo(AppMode),
    Network(NetworkState),
    Note { title: String, body: String },
}

#[derive(Default)]
struct RecordingHost {
    seen: Mutex<Vec<Seen>>,
    save_to: Mutex<Option<PathBuf>>,
}

impl Host for RecordingHost {
    fn task_updated(&self, ev: TaskUpdated) {
        self.seen.lock().unwrap().push(Seen::Task(ev.call));
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
    fn save_path(&self, _suggested_name: &str) -> Option<PathBuf> {
        self.save_to.lock().unwrap().clone()
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
                Seen::Task(c) if c.id == id => Some(c),
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

    /// Everything recorded, as text (to look for things that must never be there).
    fn as_text(&self) -> String {
        format!("{:?}", self.seen())
    }
}

// ---------------------------------------------------------------------------------------------
// The app under test.

struct Harness {
    webview: tauri::WebviewWindow<MockRuntime>,
    host: Arc<RecordingHost>,
    dir: Arc<tempfile::TempDir>,
    keychain: MemKeychain,
    _app: tauri::App<MockRuntime>,
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
            AppState::new(path, secrets, h, speed)
        })
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
            _app: app,
        }
    }

    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        tauri::test::get_ipc_response(
            &self.webview,
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

    fn place(&self, number: &str, task: &str, force: bool) -> Result<Value, Value> {
        self.call(
            "place_call",
            json!({"args": {"number": number, "region": null, "task": task, "force": force}}),
        )
    }

    fn history(&self, status: Option<&str>, search: Option<&str>) -> Value {
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

    /// Waits until the host saw call `id` in `status`.
    fn wait_for_status(&self, id: i64, status: &str) -> Vec<CallSummary> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let events = self.host.tasks_of(id);
            if events.iter().any(|c| c.status == status) {
                self.settle();
                return self.host.tasks_of(id);
            }
            assert!(
                Instant::now() < deadline,
                "call {id} never reached {status}; saw {events:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the host has seen nothing new for a moment (an event and its notification
    /// are recorded one after the other).
    fn settle(&self) {
        let mut last = self.host.seen().len();
        loop {
            std::thread::sleep(Duration::from_millis(150));
            let now = self.host.seen().len();
            if now == last {
                return;
            }
            last = now;
        }
    }

    /// The root of the demo simulator (for its loopback-only test controls).
    fn sim_root(&self) -> String {
        let mode = self.ok("app_mode", json!({}));
        assert_eq!(mode["demo"], true);
        let base = mode["baseUrl"].as_str().unwrap();
        base.strip_suffix(workapi_sim::BASE_PATH)
            .unwrap_or_else(|| panic!("{base} is not the simulator's"))
            .to_owned()
    }

    /// Sends `body` to the simulator's control route `path` (POST), or reads it (`None`: GET).
    fn sim_control(&self, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{}{path}", self.sim_root(), workapi_sim::CONTROL_PATH);
        tauri::async_runtime::block_on(async move {
            let client = reqwest::Client::new();
            let req = match body {
                Some(b) => client.post(url).json(&b),
                None => client.get(url),
            };
            let res = req.send().await?.error_for_status()?;
            res.json::<Value>().await
        })
        .expect("simulator control")
    }

    /// Moves a simulator task to `status` now.
    fn force_sim_status(&self, task_id: &str, status: &str) {
        self.sim_control(
            &format!("/tasks/{task_id}/status"),
            Some(json!({ "status": status })),
        );
    }

    fn network_events(&self) -> Vec<NetworkState> {
        self.host
            .seen()
            .into_iter()
            .filter_map(|s| match s {
                Seen::Network(n) => Some(n),
                _ => None,
            })
            .collect()
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

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// Position in the documented lifecycle.
fn rank(status: &str) -> usize {
    ["sending", "pending", "accepted", "in_progress", "completed"]
        .iter()
        .position(|s| *s == status)
        .unwrap_or_else(|| panic!("unexpected status {status}"))
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

    let (kind, message) = h.err("place_call", json!({"args": {"number": NUMBER, "region": null, "task": "Ask about opening hours", "force": false}}));
    assert_eq!(kind, "noKey");
    assert_plain(&message);
    let e = h.err_json("cancel_task", json!({"id": 1}));
    assert!(e.get("callId").is_none(), "{e}");
    assert_eq!(h.history(None, None)["total"], 0);
    let (kind, _) = h.err("cancel_task", json!({"id": 1}));
    assert_eq!(kind, "noKey");
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
    let started = Instant::now();
    let harness = Harness::with_opener(dir, keychain, host, move || {
        std::thread::sleep(Duration::from_millis(400));
        AppState::new(path, secrets, h, SLOW)
    });
    // The first screen's call: all it needs, once the state is open.
    let boot = harness.ok("boot", json!({}));
    assert!(started.elapsed() >= Duration::from_millis(400));
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
    assert_eq!(placed["status"], "pending");
    assert_eq!(placed["demo"], true);
    assert_eq!(placed["cancellable"], true);
    assert_eq!(placed["phoneNumber"], NUMBER_E164);
    let first = h.host.tasks_of(id);
    assert_eq!(first[0].status, "pending");
    assert!(
        !h.host.notes().is_empty(),
        "no notification for the new call"
    );

    let events = h.wait_for_status(id, "completed");
    let ranks: Vec<usize> = events.iter().map(|c| rank(&c.status)).collect();
    assert!(
        ranks.windows(2).all(|w| w[0] <= w[1]),
        "task events out of order: {:?}",
        events.iter().map(|c| &c.status).collect::<Vec<_>>()
    );
    let done = events.last().unwrap();
    assert_eq!(done.status, "completed");
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
    assert_eq!(detail["call"]["status"], "completed");
    let turns = detail["turns"].as_array().unwrap();
    assert!(turns.len() >= 2, "{detail}");
    assert!(turns.iter().any(|t| t["speaker"] == "agent"));
    assert!(turns.iter().any(|t| t["speaker"] == "callee"));
    assert_eq!(detail["likelyNoAnswer"], false);
    let timeline: Vec<String> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(timeline[..2], ["sending", "pending"], "{timeline:?}");
    assert_eq!(timeline.last().unwrap(), "completed");
    let ranks: Vec<usize> = timeline.iter().map(|s| rank(s)).collect();
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
    assert_eq!(kind, "storage");

    let mode = h.ok("stop_demo", json!({}));
    assert_eq!(mode["demo"], false);
    let demo_events = h.host.demo_events();
    assert_eq!(demo_events.len(), 2);
    assert!(!demo_events[1].demo);
    let (kind, _) = h.err("cancel_task", json!({ "id": id }));
    assert_eq!(kind, "noKey");
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
    assert_eq!(detail["call"]["status"], "cancelled");
    assert!(detail["call"]["error"]
        .as_str()
        .is_some_and(|e| e.contains("demo")));

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
    let events = h.wait_for_status(a, "completed");
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
    let events = h.wait_for_status(b, "completed");
    assert!(events.len() >= 2, "task events still go to the window");
    assert_eq!(h.host.notes().len(), 1, "{:?}", h.host.notes());
    assert_eq!(h.ok("get_task", json!({ "id": b }))["likelyNoAnswer"], true);

    assert_eq!(h.settings("all")["notifications"], "all");
    let c = id_of(
        &h.place(NUMBER, "Ask for the price of a trim [sim:voicemail]", false)
            .unwrap(),
    );
    let events = h.wait_for_status(c, "completed");
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
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancellable"], false);
    assert_eq!(h.host.tasks_of(id).last().unwrap().status, "cancelled");
    let detail = h.ok("get_task", json!({ "id": id }));
    let timeline: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(timeline, ["sending", "pending", "cancelled"]);

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
    assert_eq!(detail["call"]["status"], "in_progress");
    assert_eq!(detail["call"]["cancellable"], false);
}

#[test]
fn bad_numbers_and_duplicates_are_refused_before_sending() {
    let h = Harness::new(SLOW);
    h.ok("start_demo", json!({}));

    let (kind, message) = h.err(
        "place_call",
        json!({"args": {"number": "12345", "region": "GB", "task": "Ask about delivery", "force": false}}),
    );
    assert_eq!(kind, "invalidPhone");
    assert_plain(&message);
    let (kind, message) = h.err(
        "place_call",
        json!({"args": {"number": NUMBER, "region": null, "task": "   ", "force": false}}),
    );
    assert_eq!(kind, "invalidTask");
    assert_plain(&message);
    assert_eq!(
        h.history(None, None)["total"],
        0,
        "a refused call left a row"
    );
    assert!(h.host.seen().iter().all(|s| matches!(s, Seen::Demo(_))));

    let task = "Ask whether the order has shipped";
    let first = h.place(NUMBER, task, false).unwrap();
    let dup = h.err_json(
        "place_call",
        json!({"args": {"number": "020 7946 0958", "region": "GB", "task": format!("  {task} "), "force": false}}),
    );
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
    assert_eq!(h.history(Some(""), Some("  "))["total"], 3, "empty filters");

    let dentist = h.history(None, Some("dentist"));
    assert_eq!(dentist["total"], 1);
    assert_eq!(id_of(&dentist["items"][0]), ids[2]);
    let cancelled = h.history(Some("cancelled"), None);
    assert_eq!(cancelled["total"], 1);
    assert_eq!(id_of(&cancelled["items"][0]), ids[1]);
    assert_eq!(h.history(Some("pending"), None)["total"], 2);
    assert_eq!(h.history(Some("pending"), Some("table"))["total"], 1);
    assert_eq!(h.history(Some("cancelled"), Some("table"))["total"], 0);
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
    assert_eq!(kind, "invalidPhone");
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
    h.wait_for_status(demo_call, "completed");

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
    let (kind, message) = h.err("place_call", json!({"args": {"number": NUMBER, "region": null, "task": "Ask about parking", "force": false}}));
    assert_eq!(kind, "offline");
    assert!(!message.contains(KEY));
    let history = h.history(None, None);
    assert_eq!(history["total"], 2);
    assert_eq!(history["items"][0]["status"], "not_placed");
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
    let (kind, _) = h.err(
        "place_call",
        json!({"args": {"number": NUMBER, "region": null, "task": "Ask again", "force": false}}),
    );
    assert_eq!(kind, "noKey");
}

#[test]
fn an_unknown_outcome_can_be_checked_or_dismissed() {
    let dir = tempfile::tempdir().unwrap();
    // Two calls an earlier run could not settle, and one attempt another process (the CLI) is
    // sending right now, which starting the app must leave alone.
    let (a, b, in_flight) = {
        let history = missioncall_core::history::History::open_in_dir(dir.path()).unwrap();
        let attempt = |task| {
            history
                .insert_attempt(&missioncall_core::history::NewAttempt {
                    phone_e164: NUMBER_E164,
                    phone_region: Some("GB"),
                    task,
                    origin: missioncall_core::calls::DEMO_ORIGIN,
                    demo: true,
                })
                .unwrap()
        };
        let a = attempt("Ask for the opening hours [sim:goal_met]");
        let b = attempt("Ask for the closing hours");
        for id in [a, b] {
            history
                .mark_unknown_outcome(id, "The connection was lost before an answer came.")
                .unwrap();
        }
        (a, b, attempt("Ask for the lunch menu"))
    };
    let h = Harness::open(Arc::new(dir), MemKeychain::default(), FAST);
    let unknown = h.history(Some("unknown_outcome"), None);
    assert_eq!(unknown["total"], 2);
    assert!(unknown["items"][0]["error"]
        .as_str()
        .is_some_and(|e| !e.is_empty()));
    assert_eq!(
        h.ok("get_task", json!({ "id": in_flight }))["call"]["status"],
        "sending",
        "a call being sent by another process was marked at start"
    );

    let (kind, _) = h.err("dismiss_unknown_outcome", json!({ "id": b }));
    assert_eq!(kind, "noKey");
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
        h.ok("get_task", json!({"id": a}))["call"]["status"],
        "unknown_outcome"
    );

    let task_id = h.create_sim_task(NUMBER_E164, "Ask for the opening hours [sim:goal_met]");
    let linked = h.ok(
        "check_unknown_outcome",
        json!({"id": a, "taskId": format!(" {task_id} ")}),
    );
    assert_eq!(linked["taskId"], task_id.as_str());
    assert_ne!(linked["status"], "unknown_outcome");
    let events = h.wait_for_status(a, "completed");
    assert!(events.last().unwrap().summary.is_some());

    // The same task cannot be linked to a second call.
    let (kind, _) = h.err("check_unknown_outcome", json!({"id": b, "taskId": task_id}));
    assert_eq!(kind, "invalidTask");

    let dismissed = h.ok("dismiss_unknown_outcome", json!({ "id": b }));
    assert_eq!(dismissed["status"], "not_placed");
    assert!(dismissed["taskId"].is_null());
    assert_eq!(h.host.tasks_of(b).last().unwrap().status, "not_placed");
    assert_eq!(h.history(Some("unknown_outcome"), None)["total"], 0);
    assert!(h
        .call("dismiss_unknown_outcome", json!({ "id": a }))
        .is_err());
    assert_eq!(
        h.ok("get_task", json!({"id": a}))["call"]["status"],
        "completed"
    );
}

#[test]
fn service_trouble_is_reported_plainly_and_never_re_sent() {
    let h = Harness::new(FAST);
    h.ok("start_demo", json!({}));

    // The answer to a creation is lost: the outcome is unknown, and the call is not sent again.
    h.sim_control("/faults", Some(json!({"kind": "drop", "route": "create"})));
    let lost = h.err_json(
        "place_call",
        json!({"args": {"number": NUMBER, "region": null, "task": "Ask about the refund", "force": false}}),
    );
    assert_eq!(lost["kind"], "unknownOutcome");
    assert_plain(lost["message"].as_str().unwrap());
    assert_eq!(h.sim_control("/health", None)["tasks"], 1, "re-sent");
    let page = h.history(Some("unknown_outcome"), None);
    assert_eq!(page["total"], 1);
    assert_eq!(
        lost["callId"], page["items"][0]["id"],
        "the error names the kept row"
    );
    assert!(page["items"][0]["taskId"].is_null());
    assert_eq!(page["items"][0]["cancellable"], false);

    // Reads fail for a while: the window hears "offline", then "online" again, and the call
    // is still followed to its end.
    h.sim_control(
        "/faults",
        Some(json!({"kind": "503", "route": "get", "count": 12})),
    );
    let id = id_of(
        &h.place(NUMBER, "Ask about the invoice [sim:goal_met]", false)
            .unwrap(),
    );
    h.wait_for_status(id, "completed");
    let net = h.network_events();
    assert!(net.len() >= 2, "{net:?}");
    assert!(!net[0].online);
    assert_plain(net[0].message.as_deref().expect("why offline"));
    assert!(net.last().unwrap().online);
}

#[test]
fn a_done_notification_shows_the_first_line_of_the_summary() {
    let at = chrono::Utc::now();
    let rec = |status: &str, summary: Option<&str>| missioncall_core::history::CallRecord {
        id: 7,
        phone_e164: NUMBER_E164.into(),
        phone_region: Some("GB".into()),
        task: "Book a table for two".into(),
        created_at: at,
        updated_at: at,
        task_id: Some("task_1".into()),
        task_number: None,
        status: status.into(),
        error: None,
        transcript: None,
        summary: summary.map(str::to_owned),
        origin: missioncall_core::calls::DEMO_ORIGIN.into(),
        demo: true,
        status_changed_at: at,
        last_checked_at: None,
    };
    let text = missioncall_app::state::notification_text;
    let (title, body) = text(&rec(
        "completed",
        Some("Booked for 8pm.\nThey asked for a card."),
    ));
    assert!(title.starts_with("Done"), "{title}");
    assert!(title.contains("+44 20 7946 0958"), "{title}");
    assert!(title.ends_with("(demo)"), "{title}");
    assert_eq!(body, "Booked for 8pm.");
    assert_eq!(
        text(&rec("completed", Some("\n  \nBooked for 8pm.\nMore"))).1,
        "Booked for 8pm.",
        "a summary starting with blank lines must not give an empty notification"
    );
    assert_eq!(text(&rec("completed", Some(""))).1, "The call is done.");
    assert_eq!(text(&rec("completed", None)).1, "The call is done.");
    assert_eq!(text(&rec("pending", None)).1, "Book a table for two");
    let long = "x".repeat(500);
    assert_eq!(text(&rec("completed", Some(&long))).1.chars().count(), 200);
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
