//! The session manager against real parts: the demo simulator in process (over loopback HTTP),
//! the history in a real SQLite file, keyring's mock for the keychain.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use missioncall_core::call::{CallStatus, LocalState};
use missioncall_core::calls::CallRequest;
use missioncall_core::secrets::Secrets;
use missioncall_core::session::{Manager, ManagerConfig};
use missioncall_core::tracker::TrackerConfig;
use missioncall_core::Error;

fn manager(dir: &std::path::Path) -> Manager {
    let mut cfg = ManagerConfig::new(dir.to_path_buf());
    cfg.secrets = Secrets::with_builder(keyring::mock::default_credential_builder());
    cfg.demo_speed = 0.01;
    cfg.tracker = Some(TrackerConfig::scaled(100.0));
    // These tests run at any hour: the calling hours are tested with a pinned clock.
    cfg.enforce_hours = false;
    Manager::open(cfg).unwrap()
}

/// The status line of `GET path` on `addr`.
fn get_status_line(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.lines().next().unwrap_or("").to_owned()
}

#[tokio::test]
async fn the_apps_demo_has_no_control_api() {
    let dir = tempfile::tempdir().unwrap();
    let m = manager(dir.path());
    m.start_demo().await.unwrap();
    let session = m.session().await.unwrap();
    let sim = session.simulator().unwrap();
    let addr = sim.addr();
    let (health, stats) = tokio::task::spawn_blocking(move || {
        (
            get_status_line(addr, "/_sim/health"),
            get_status_line(addr, "/_sim/stats"),
        )
    })
    .await
    .unwrap();
    assert!(health.contains(" 404"), "{health}");
    assert!(stats.contains(" 404"), "{stats}");
    // The demo itself works.
    let rec = m
        .place(&CallRequest {
            number: "+442071838750",
            region: None,
            task: "Ask for the opening hours",
            force: false,
        })
        .await
        .unwrap();
    assert!(rec.origin.is_demo());
    m.shutdown().await;
}

#[tokio::test]
async fn leaving_the_demo_closes_its_live_calls_and_sends_nothing_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let m = manager(dir.path());
    m.start_demo().await.unwrap();
    let rec = m
        .place(&CallRequest {
            number: "+442071838750",
            region: None,
            task: "Ask whether the table is free",
            force: false,
        })
        .await
        .unwrap();
    assert!(rec.status.is_cancellable());
    let mut events = m.subscribe();
    m.stop_demo().await.unwrap();
    let closed = m.history().get(rec.id).unwrap();
    assert_eq!(closed.status, CallStatus::Local(LocalState::DemoEnded));
    assert!(!closed.status.is_cancellable() && closed.status.is_final());
    assert!(closed.error.unwrap().contains("Nobody was called"));
    // Announced.
    let mut announced = false;
    while let Ok(ev) = events.try_recv() {
        if let missioncall_core::tracker::TrackerEvent::Updated(r) = ev {
            announced |= r.id == rec.id;
        }
    }
    assert!(announced);
    // No session now (no key): a cancel is refused as a demo call, not sent anywhere.
    let err = m.cancel(rec.id).await.unwrap_err();
    assert!(matches!(err, Error::DemoEnded { .. }), "{err:?}");
    assert!(err.to_string().contains("Nobody was called"), "{err}");
    assert!(m.history().live().unwrap().is_empty());
}
