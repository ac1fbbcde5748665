//! The keychain against a REAL Secret Service (not keyring's in-memory mock): a key set through
//! one `Secrets` is read back through a new one, then cleared. Needs a reachable, unlocked
//! Secret Service, so it runs only with MISSIONCALL_REAL_KEYCHAIN=1 (scripts/test-keychain.sh
//! starts gnome-keyring in a private `dbus-run-session` and sets it); with that variable set, an
//! unreachable service is a failure, never a skip.
//!
//! It uses a random service name, never the app's own entry. The "no Secret Service" case runs
//! always: in a child process whose session bus address points nowhere.

use missioncall_core::secrets::{KeySource, Secrets, SecretsError, KEYCHAIN_USER};
use std::hash::{BuildHasher, Hasher};
use std::process::Command;

const REAL_ENV: &str = "MISSIONCALL_REAL_KEYCHAIN";
/// Set in the child process of the "absent" test to the situation it must reproduce.
const CHILD_ENV: &str = "MISSIONCALL_KEYCHAIN_CHILD";

fn random_hex() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    let a = h.finish();
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(a);
    format!("{a:016x}{:016x}", h.finish())
}

fn real_keychain_wanted() -> bool {
    if std::env::var(REAL_ENV).is_ok_and(|v| v == "1") {
        return true;
    }
    eprintln!(
        "SKIPPED: set {REAL_ENV}=1 to run against a real Secret Service \
         (scripts/test-keychain.sh does, inside a private dbus-run-session)"
    );
    false
}

/// Removes the test entry even when an assertion fails half-way.
struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = Secrets::system_named(&self.0).clear();
    }
}

#[test]
fn a_key_set_is_read_back_by_a_new_handle_and_cleared() {
    if !real_keychain_wanted() {
        return;
    }
    let service = format!("missioncall-test-{}", random_hex());
    let _cleanup = Cleanup(service.clone());
    let key = format!("sk_live_real_{}", random_hex());

    let first = Secrets::system_named(&service);
    match first.load() {
        Ok(None) => {}
        Ok(Some(_)) => panic!("a fresh service name already holds a key"),
        Err(e) => panic!("the Secret Service is not usable: {e} ({e:?})"),
    }
    first.set_text(&format!("  {key}\n")).expect("set the key");

    // A new Secrets, hence a new entry and a new connection: only real storage can answer.
    let second = Secrets::system_named(&service);
    let (loaded, source) = second.load().expect("load").expect("the key is stored");
    assert_eq!(loaded.expose_secret(), key);
    assert_eq!(source, KeySource::Keychain);
    let status = second.status().expect("status");
    assert!(status.set);
    assert_eq!(status.last4.as_deref(), Some(&key[key.len() - 4..]));
    assert_eq!(status.source, Some(KeySource::Keychain));

    // Another service name does not see it.
    let other = Secrets::system_named(&format!("{service}-other"));
    assert!(other.load().expect("load other").is_none());

    // Setting again replaces, it does not add a second entry.
    let replaced = format!("{key}_v2");
    Secrets::system_named(&service)
        .set_text(&replaced)
        .expect("replace");
    let (loaded, _) = Secrets::system_named(&service)
        .load()
        .expect("load")
        .expect("still stored");
    assert_eq!(loaded.expose_secret(), replaced);

    assert!(Secrets::system_named(&service).clear().expect("clear"));
    assert!(Secrets::system_named(&service)
        .load()
        .expect("load after clear")
        .is_none());
    assert!(!Secrets::system_named(&service)
        .clear()
        .expect("clear again"));
    let status = Secrets::system_named(&service).status().expect("status");
    assert!(!status.set && status.last4.is_none() && status.source.is_none());
    eprintln!("real Secret Service round trip ok ({service}, user {KEYCHAIN_USER})");
}

#[test]
fn a_bad_key_is_refused_before_it_reaches_the_real_keychain() {
    if !real_keychain_wanted() {
        return;
    }
    let service = format!("missioncall-test-{}", random_hex());
    let _cleanup = Cleanup(service.clone());
    let s = Secrets::system_named(&service);
    assert!(matches!(
        s.set_text("two words"),
        Err(SecretsError::InvalidKey)
    ));
    assert!(s.load().expect("load").is_none(), "nothing was stored");
}

/// In the child: every operation fails with the clear `Unavailable` error, naming the way out
/// and never the key.
fn check_unavailable_here() {
    let key = format!("sk_live_absent_{}", random_hex());
    let s = Secrets::system_named(&format!("missioncall-test-{}", random_hex()));
    let results = [
        ("load", s.load().map(|_| ())),
        ("set", s.set_text(&key).map(|_| ())),
        ("status", s.status().map(|_| ())),
        ("clear", s.clear().map(|_| ())),
    ];
    for (what, r) in results {
        let e = r.expect_err(what);
        assert!(
            matches!(e, SecretsError::Unavailable { .. }),
            "{what}: expected Unavailable, got {e:?}"
        );
        let msg = e.to_string();
        assert!(msg.starts_with("No system keychain is available"), "{msg}");
        assert!(msg.contains("Secret Service"), "{msg}");
        assert!(msg.contains("WORKAPI_API_KEY"), "{msg}");
        assert!(!msg.contains(&key), "{msg}");
        assert!(!format!("{e:?}").contains(&key));
        eprintln!("{what}: {msg}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn no_secret_service_gives_the_clear_unavailable_error() {
    if std::env::var_os(CHILD_ENV).is_some() {
        check_unavailable_here();
        return;
    }
    let nowhere = tempfile::tempdir().expect("temp dir");
    let situations: [(&str, Option<String>); 2] = [
        (
            "bogus bus address",
            Some(format!(
                "unix:path={}",
                nowhere.path().join("no-bus-here").display()
            )),
        ),
        ("no bus address, no display", None),
    ];
    for (name, address) in situations {
        let mut cmd = Command::new(std::env::current_exe().expect("test binary"));
        cmd.args([
            "--exact",
            "no_secret_service_gives_the_clear_unavailable_error",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, name)
        .env("HOME", nowhere.path())
        // No user bus to fall back on, and no X display to autolaunch one.
        .env("XDG_RUNTIME_DIR", nowhere.path())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
        match &address {
            Some(a) => cmd.env("DBUS_SESSION_BUS_ADDRESS", a),
            None => cmd.env_remove("DBUS_SESSION_BUS_ADDRESS"),
        };
        let out = cmd.output().expect("run the child");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}:\n{stdout}\n{stderr}");
        assert!(
            stdout.contains("1 passed"),
            "{name}: the child ran the check:\n{stdout}"
        );
        eprintln!("{name}: ok\n{stderr}");
    }
}
