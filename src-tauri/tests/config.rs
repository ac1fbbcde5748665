//! Guards on the shell's security configuration: the CSP and window settings in
//! `tauri.conf.json`, the capability files, the command list in `build.rs` (against the commands
//! the app registers), and the resolved Tauri version in `Cargo.lock`. Each check is a function returning the problems it found, so the same
//! checks are also run on deliberately weakened copies of the real files to prove they would fail.

use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

fn tauri_conf() -> Value {
    read_json(&crate_dir().join("tauri.conf.json"))
}

fn capability_files() -> Vec<(PathBuf, Value)> {
    let dir = crate_dir().join("capabilities");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no capability file");
    files
        .into_iter()
        .map(|p| {
            assert_eq!(
                p.extension().and_then(|e| e.to_str()),
                Some("json"),
                "{}: capabilities must be JSON so this test can check them",
                p.display()
            );
            let v = read_json(&p);
            (p, v)
        })
        .collect()
}

fn fail_on(problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "problems:\n  {}",
        problems.join("\n  ")
    );
}

// ---------------------------------------------------------------------------------------------
// CSP and window security

/// The CSP as directive -> sources; `None` when there is none. Tauri accepts a string or a map
/// of directive -> string or list of strings.
fn parse_csp(csp: &Value) -> Option<BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    match csp {
        Value::String(s) => {
            for part in s.split(';') {
                let mut words = part.split_whitespace();
                if let Some(name) = words.next() {
                    out.entry(name.to_ascii_lowercase())
                        .or_default()
                        .extend(words.map(str::to_owned));
                }
            }
        }
        Value::Object(map) => {
            for (name, v) in map {
                let sources: Vec<String> = match v {
                    Value::String(s) => s.split_whitespace().map(str::to_owned).collect(),
                    Value::Array(a) => a
                        .iter()
                        .flat_map(|x| {
                            x.as_str()
                                .unwrap_or("<not a string>")
                                .split_whitespace()
                                .map(str::to_owned)
                                .collect::<Vec<_>>()
                        })
                        .collect(),
                    _ => vec!["<not a string>".to_owned()],
                };
                out.entry(name.to_ascii_lowercase())
                    .or_default()
                    .extend(sources);
            }
        }
        _ => return None,
    }
    (!out.is_empty()).then_some(out)
}

/// A source that lets content come from outside the app.
fn is_remote(source: &str) -> bool {
    let s = source.to_ascii_lowercase();
    s == "*"
        || s.contains('*')
        || s.starts_with("http:")
        || s.starts_with("https:")
        || s.starts_with("ws:")
        || s.starts_with("wss:")
        || s.starts_with("data:")
        || s.starts_with("blob:")
        || s.starts_with("filesystem:")
        || (!s.starts_with('\'') && !s.ends_with(':') && s.contains('.'))
}

/// The one remote-looking source the app needs: Tauri's IPC endpoint (used on Windows).
const IPC_SOURCES: &[&str] = &["ipc:", "http://ipc.localhost"];

fn csp_problems(label: &str, csp: Option<&Value>) -> Vec<String> {
    let mut p = Vec::new();
    let Some(csp) = csp.filter(|v| !v.is_null()).and_then(parse_csp) else {
        return vec![format!("{label}: no CSP")];
    };
    let Some(default_src) = csp.get("default-src") else {
        return vec![format!("{label}: no default-src")];
    };
    let script_src = csp.get("script-src").unwrap_or(default_src);
    for (name, sources) in &csp {
        for s in sources {
            let lower = s.to_ascii_lowercase();
            if lower == "'unsafe-eval'" || lower == "'wasm-unsafe-eval'" {
                p.push(format!("{label}: {name} allows {s}"));
            }
            if is_remote(&lower) && !IPC_SOURCES.contains(&lower.as_str()) {
                let only_images = name == "img-src" && lower == "data:";
                if !only_images {
                    p.push(format!("{label}: {name} allows the remote source {s}"));
                }
            }
        }
    }
    for s in script_src {
        let lower = s.to_ascii_lowercase();
        if lower == "'unsafe-inline'" || lower == "'unsafe-hashes'" || lower == "'strict-dynamic'" {
            p.push(format!("{label}: script-src allows {s}"));
        }
        if is_remote(&lower) || IPC_SOURCES.contains(&lower.as_str()) {
            p.push(format!("{label}: script-src allows {s}"));
        }
    }
    if csp.get("object-src").map(Vec::as_slice) != Some(&["'none'".to_owned()][..]) {
        p.push(format!("{label}: object-src is not exactly 'none'"));
    }
    for d in ["base-uri", "frame-ancestors"] {
        if csp.get(d).map(Vec::as_slice) != Some(&["'none'".to_owned()][..]) {
            p.push(format!("{label}: {d} is not exactly 'none'"));
        }
    }
    p
}

fn security_problems(conf: &Value) -> Vec<String> {
    let mut p = Vec::new();
    let app = &conf["app"];
    if app.get("withGlobalTauri").and_then(Value::as_bool) != Some(false)
        && !app.get("withGlobalTauri").is_none_or(Value::is_null)
    {
        p.push("app.withGlobalTauri must be false".into());
    }
    let sec = &app["security"];
    p.extend(csp_problems("csp", sec.get("csp")));
    if let Some(dev) = sec.get("devCsp").filter(|v| !v.is_null()) {
        p.extend(csp_problems("devCsp", Some(dev)));
    }
    if sec.get("freezePrototype").and_then(Value::as_bool) != Some(true) {
        p.push("app.security.freezePrototype must be true".into());
    }
    if sec
        .get("dangerousDisableAssetCspModification")
        .is_some_and(|v| v != &json!(false))
    {
        p.push("app.security.dangerousDisableAssetCspModification must stay off".into());
    }
    if sec
        .pointer("/assetProtocol/enable")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        p.push("app.security.assetProtocol must stay disabled".into());
    }
    if sec.get("capabilities") != Some(&json!(["main-window"])) {
        p.push("app.security.capabilities must be exactly [\"main-window\"]".into());
    }
    let windows = app["windows"].as_array().cloned().unwrap_or_default();
    if windows.len() != 1 || windows[0]["label"] != "main" {
        p.push("exactly one window, labelled \"main\", is expected".into());
    }
    for w in &windows {
        if w.get("url")
            .and_then(Value::as_str)
            .is_some_and(|u| u.contains("://"))
        {
            p.push(format!("window {} loads a remote URL", w["label"]));
        }
    }
    p
}

#[test]
fn the_csp_and_window_security_are_strict() {
    fail_on(security_problems(&tauri_conf()));
}

#[test]
fn the_security_check_catches_weakened_configs() {
    let base = tauri_conf();
    assert!(security_problems(&base).is_empty());
    let weaken = |path: &str, v: Value| {
        let mut c = base.clone();
        *c.pointer_mut(path)
            .unwrap_or_else(|| panic!("{path} not in the config")) = v;
        security_problems(&c)
    };
    let csp = "/app/security/csp";
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("no CSP", weaken(csp, Value::Null)),
        (
            "unsafe-eval",
            weaken(&format!("{csp}/script-src"), json!("'self' 'unsafe-eval'")),
        ),
        (
            "unsafe-eval elsewhere",
            weaken(&format!("{csp}/default-src"), json!("'self' 'unsafe-eval'")),
        ),
        (
            "unsafe-inline script",
            weaken(
                &format!("{csp}/script-src"),
                json!("'self' 'unsafe-inline'"),
            ),
        ),
        (
            "remote script",
            weaken(
                &format!("{csp}/script-src"),
                json!("'self' https://cdn.example.com"),
            ),
        ),
        (
            "wildcard script",
            weaken(&format!("{csp}/script-src"), json!("'self' *")),
        ),
        (
            "data: script",
            weaken(&format!("{csp}/script-src"), json!("'self' data:")),
        ),
        (
            "remote connect",
            weaken(
                &format!("{csp}/connect-src"),
                json!("ipc: https://evil.test"),
            ),
        ),
        (
            "object-src open",
            weaken(&format!("{csp}/object-src"), json!("'self'")),
        ),
        ("global tauri", weaken("/app/withGlobalTauri", json!(true))),
        (
            "prototype not frozen",
            weaken("/app/security/freezePrototype", json!(false)),
        ),
        (
            "extra capability",
            weaken(
                "/app/security/capabilities",
                json!(["main-window", "extra"]),
            ),
        ),
    ];
    for (what, problems) in cases {
        assert!(!problems.is_empty(), "{what}: not caught");
    }
    let mut string_csp = base.clone();
    string_csp["app"]["security"]["csp"] =
        json!("default-src 'self'; script-src 'self' 'unsafe-eval'; object-src 'none'");
    assert!(!security_problems(&string_csp).is_empty());
    let mut no_object_src = base.clone();
    no_object_src["app"]["security"]["csp"]
        .as_object_mut()
        .unwrap()
        .remove("object-src");
    assert!(!security_problems(&no_object_src).is_empty());
    let mut no_freeze = base.clone();
    no_freeze["app"]["security"]
        .as_object_mut()
        .unwrap()
        .remove("freezePrototype");
    assert!(!security_problems(&no_freeze).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Capabilities

/// The permissions the main window must have: exactly these, nothing else (one per command the
/// app registers, and listening to its events).
fn expected_permissions() -> BTreeSet<String> {
    let mut set: BTreeSet<String> = ["core:event:allow-listen", "core:event:allow-unlisten"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    for c in registered_commands() {
        set.insert(format!("allow-{}", c.replace('_', "-")));
    }
    set
}

fn capability_problems(label: &str, cap: &Value) -> Vec<String> {
    let mut p = Vec::new();
    if cap.get("windows") != Some(&json!(["main"])) {
        p.push(format!(
            "{label}: must apply to exactly the window \"main\""
        ));
    }
    for key in ["webviews", "remote", "platforms"] {
        if cap.get(key).is_some_and(|v| !v.is_null()) {
            p.push(format!("{label}: unexpected \"{key}\""));
        }
    }
    if cap.get("local").is_some_and(|v| v != &json!(true)) {
        p.push(format!("{label}: \"local\" must stay true"));
    }
    let expected = expected_permissions();
    let mut granted = BTreeSet::new();
    for perm in cap["permissions"].as_array().cloned().unwrap_or_default() {
        match perm.as_str() {
            Some(id) => {
                if !granted.insert(id.to_owned()) {
                    p.push(format!("{label}: {id} granted twice"));
                }
                if !expected.contains(id) {
                    p.push(format!("{label}: grants {id}, which the UI must not have"));
                }
            }
            None => p.push(format!(
                "{label}: a scoped permission object is not expected: {perm}"
            )),
        }
    }
    for missing in expected.difference(&granted) {
        p.push(format!("{label}: does not grant {missing}"));
    }
    p
}

#[test]
fn the_main_window_gets_exactly_the_apps_commands_and_events() {
    let files = capability_files();
    let mut problems = Vec::new();
    let mut ids = Vec::new();
    for (path, cap) in &files {
        let label = path.file_name().unwrap().to_string_lossy().into_owned();
        problems.extend(capability_problems(&label, cap));
        ids.push(cap["identifier"].as_str().unwrap_or_default().to_owned());
    }
    fail_on(problems);
    assert_eq!(
        ids,
        ["main-window"],
        "one capability file, main-window.json, is expected"
    );
}

#[test]
fn the_capability_check_catches_extra_or_missing_grants() {
    let (_, base) = capability_files()
        .into_iter()
        .find(|(p, _)| p.ends_with("main-window.json"))
        .expect("main-window.json");
    assert!(capability_problems("base", &base).is_empty());
    let with_perms = |f: &dyn Fn(&mut Vec<Value>)| {
        let mut c = base.clone();
        f(c["permissions"].as_array_mut().unwrap());
        capability_problems("weakened", &c)
    };
    let extra = ["core:default", "notification:default", "dialog:allow-open"];
    for e in extra {
        assert!(
            !with_perms(&|v| v.push(json!(e))).is_empty(),
            "{e}: not caught"
        );
    }
    assert!(!with_perms(&|v| {
        v.retain(|x| x != "allow-place-call");
    })
    .is_empty());
    assert!(!with_perms(&|v| v.push(json!({"identifier": "allow-place-call"}))).is_empty());
    let mut all_windows = base.clone();
    all_windows["windows"] = json!(["*"]);
    assert!(!capability_problems("w", &all_windows).is_empty());
    let mut remote = base.clone();
    remote["remote"] = json!({"urls": ["https://*.example.com"]});
    assert!(!capability_problems("r", &remote).is_empty());
}

// ---------------------------------------------------------------------------------------------
// The command list: what the app handles, what build.rs declares, what the window is granted

/// The commands the app really registers, read from its specta builder: the same list makes the
/// invoke handler and the TypeScript bindings. An exporter that keeps only the names reads it.
fn registered_commands() -> Vec<String> {
    struct Names(Arc<Mutex<Vec<String>>>);
    impl tauri_specta::LanguageExt for Names {
        type Error = std::io::Error;
        fn export(
            self,
            cfg: &tauri_specta::BuilderConfiguration,
            _path: &Path,
        ) -> Result<(), Self::Error> {
            *self.0.lock().unwrap() = cfg.commands.iter().map(|f| f.name().to_owned()).collect();
            Ok(())
        }
    }
    let names = Arc::new(Mutex::new(Vec::new()));
    missioncall_app::specta_builder::<tauri::test::MockRuntime>()
        .export(Names(names.clone()), Path::new("not written"))
        .expect("reading the registered commands");
    let names = names.lock().unwrap().clone();
    assert!(!names.is_empty(), "no command registered");
    names
}

/// How a declared command list (build.rs's, from which the permissions are made) differs from
/// the registered commands, both ways.
fn command_list_problems(registered: &[String], declared: &[&str]) -> Vec<String> {
    let mut p = Vec::new();
    let mut seen = BTreeSet::new();
    for d in declared {
        if !seen.insert(*d) {
            p.push(format!("{d} is declared twice"));
        }
    }
    for r in registered {
        if !seen.contains(r.as_str()) {
            p.push(format!(
                "{r} is handled but not declared: it gets no permission, so the window cannot call it"
            ));
        }
    }
    let handled: BTreeSet<&str> = registered.iter().map(String::as_str).collect();
    for d in &seen {
        if !handled.contains(d) {
            p.push(format!(
                "{d} is declared (and so granted) but the app does not handle it"
            ));
        }
    }
    p
}

#[test]
fn build_rs_declares_exactly_the_registered_commands() {
    // build.rs reads the one list in src/command_names.rs and hands it to AppManifest, which
    // makes one permission per command; the app registers its commands with
    // `collect_commands!` in src/lib.rs. The two must be the same set.
    let build = read(&crate_dir().join("build.rs"));
    assert!(
        build.contains("include!(\"src/command_names.rs\")"),
        "build.rs must include src/command_names.rs"
    );
    assert!(
        build.contains("AppManifest::new().commands(COMMANDS)"),
        "build.rs must hand COMMANDS to AppManifest"
    );
    fail_on(command_list_problems(
        &registered_commands(),
        missioncall_app::COMMANDS,
    ));
}

#[test]
fn the_command_list_check_catches_a_difference_either_way() {
    let registered = registered_commands();
    assert!(command_list_problems(&registered, missioncall_app::COMMANDS).is_empty());
    let mut extra = missioncall_app::COMMANDS.to_vec();
    extra.push("no_such_command");
    assert!(!command_list_problems(&registered, &extra).is_empty());
    let fewer: Vec<&str> = missioncall_app::COMMANDS
        .iter()
        .copied()
        .filter(|c| *c != "place_call")
        .collect();
    assert!(!command_list_problems(&registered, &fewer).is_empty());
    let mut twice = missioncall_app::COMMANDS.to_vec();
    twice.push(missioncall_app::COMMANDS[0]);
    assert!(!command_list_problems(&registered, &twice).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Cargo.lock

/// Every version of the package `name` in a Cargo.lock.
fn locked_versions(lock: &str, name: &str) -> Vec<(u64, u64, u64)> {
    let mut out = Vec::new();
    for block in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            block.lines().find_map(|l| {
                let (k, v) = l.split_once('=')?;
                (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
            })
        };
        if field("name").as_deref() == Some(name) {
            let v = field("version").expect("a package without a version");
            let core = v.split(['-', '+']).next().unwrap_or("");
            let nums: Vec<u64> = core.split('.').map(|x| x.parse().unwrap()).collect();
            assert_eq!(nums.len(), 3, "odd version {v}");
            out.push((nums[0], nums[1], nums[2]));
        }
    }
    out
}

#[test]
fn the_locked_tauri_is_at_least_2_11_1() {
    let lock = read(&crate_dir().join("../Cargo.lock"));
    let versions = locked_versions(&lock, "tauri");
    assert!(!versions.is_empty(), "tauri is not in Cargo.lock");
    for v in versions {
        assert!(
            v >= (2, 11, 1),
            "Cargo.lock resolves tauri {}.{}.{}; at least 2.11.1 is required",
            v.0,
            v.1,
            v.2
        );
    }
    let sample = "[[package]]\nname = \"tauri\"\nversion = \"2.10.9\"\n\n[[package]]\nname = \"tauri-build\"\nversion = \"2.99.0\"\n";
    assert_eq!(locked_versions(sample, "tauri"), vec![(2, 10, 9)]);
}

// ---------------------------------------------------------------------------------------------
// Names

#[test]
fn the_app_is_called_missioncall_and_does_not_clash_with_the_cli() {
    let conf = tauri_conf();
    assert_eq!(conf["productName"], "MissionCall");
    assert_eq!(conf["app"]["windows"][0]["title"], "MissionCall");
    let main_binary = conf["mainBinaryName"].as_str();
    assert_ne!(
        main_binary,
        Some("missioncall"),
        "the app's binary must not be named like the CLI"
    );
    let manifest = read(&crate_dir().join("Cargo.toml"));
    let bins: Vec<String> = manifest
        .split("[[bin]]")
        .skip(1)
        .filter_map(|b| {
            b.lines().find_map(|l| {
                let (k, v) = l.split_once('=')?;
                (k.trim() == "name").then(|| v.trim().trim_matches('"').to_owned())
            })
        })
        .collect();
    assert!(!bins.is_empty(), "src-tauri/Cargo.toml declares no [[bin]]");
    for b in &bins {
        assert_ne!(
            b, "missioncall",
            "the app's binary must not be named like the CLI"
        );
    }
    if let Some(m) = main_binary {
        assert!(
            bins.iter().any(|b| b == m),
            "mainBinaryName {m} is not a [[bin]]"
        );
    }
}
