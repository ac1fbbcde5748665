//! "Pause all" (the tray's menu) and what keeps MissionCall running with its window closed,
//! through the session manager, in demo mode (the built-in simulator over loopback HTTP), with
//! the history and the settings in real files and a pinned clock (no sleeps).
//!
//! While paused, nothing scheduled is placed, whichever process sharing the data folder paused
//! it; a one-off call whose time passes meanwhile is overdue on resume (it asks first); a call
//! due after the resume is placed once. Saving the Settings form keeps both the pause and the
//! tray setting.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use missioncall_core::call::JobState;
use missioncall_core::calls::{CallRequest, HoursChoice};
use missioncall_core::clock::ManualClock;
use missioncall_core::history::HistoryFilter;
use missioncall_core::secrets::Secrets;
use missioncall_core::session::{Manager, ManagerConfig};
use missioncall_core::settings::Settings;

const SF: &str = "+14155552671";
const NY: &str = "+12125550143";

/// 12:00 in San Francisco: inside the default calling hours.
fn noon_in_sf() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 13, 20, 0, 0).unwrap()
}

fn open(dir: &std::path::Path, clock: Arc<ManualClock>) -> Manager {
    let mut cfg = ManagerConfig::new(dir.to_path_buf());
    cfg.secrets = Secrets::with_builder(keyring::mock::default_credential_builder());
    cfg.follow = false;
    cfg.demo_speed = 0.01;
    cfg.clock = clock;
    cfg.user_zone = Some("America/Los_Angeles".parse().unwrap());
    cfg.enforce_hours = true;
    Manager::open(cfg).unwrap()
}

fn req<'a>(number: &'a str, task: &'a str) -> CallRequest<'a> {
    CallRequest {
        number,
        region: None,
        task,
        force: false,
    }
}

fn calls_in(m: &Manager) -> usize {
    m.history().list(&HistoryFilter::default()).unwrap().len()
}

#[tokio::test]
async fn while_paused_nothing_scheduled_is_placed_and_a_time_that_passed_asks_first() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(noon_in_sf());
    let m = open(dir.path(), clock.clone());
    m.start_demo().await.unwrap();
    let minutes = chrono::Duration::minutes;
    let first = m
        .schedule(
            &req(SF, "Ask whether my dry cleaning is ready"),
            noon_in_sf() + minutes(5),
            HoursChoice::Respect,
        )
        .await
        .unwrap();
    let second = m
        .schedule(
            &req(NY, "Ask whether the table for four is booked"),
            noon_in_sf() + minutes(30),
            HoursChoice::Respect,
        )
        .await
        .unwrap();
    let bg = m.background().unwrap();
    assert_eq!((bg.waiting, bg.running_batches, bg.paused), (2, 0, false));
    assert!(bg.has_work());
    assert_eq!(
        bg.tray_notice().1,
        "2 scheduled calls wait: MissionCall keeps running in the tray to place them. Open MissionCall again, or use its tray icon, to show it or quit."
    );

    // Another process sharing the data folder (the CLI) pauses everything.
    let other = open(dir.path(), ManualClock::new(noon_in_sf()));
    other.set_paused(true).unwrap();
    assert!(
        m.paused(),
        "the pause saved by another process counts at once"
    );
    assert!(m.background().unwrap().paused);
    assert_eq!(
        m.background().unwrap().tray_notice().1,
        "2 scheduled calls wait, paused: nothing is placed until you resume. Open MissionCall again, or use its tray icon, to resume or quit."
    );

    // The first call's time comes: nothing is placed, it still waits.
    clock.set(noon_in_sf() + minutes(5) + chrono::Duration::seconds(10));
    let report = m.run_due().await.unwrap();
    assert!(report.placed.is_empty(), "{report:?}");
    assert_eq!(m.history().job(first.id).unwrap().state, JobState::Waiting);
    assert_eq!(calls_in(&m), 0, "nothing was placed while paused");

    // Its time passes by more than the grace: it is overdue, waiting for the user.
    clock.set(noon_in_sf() + minutes(9));
    let report = m.run_due().await.unwrap();
    assert_eq!(
        report.overdue.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![first.id]
    );
    assert_eq!(calls_in(&m), 0);

    // Resumed (again by the other process); the second call's time comes: placed once.
    other.set_paused(false).unwrap();
    clock.set(noon_in_sf() + minutes(30) + chrono::Duration::seconds(5));
    let report = m.run_due().await.unwrap();
    assert_eq!(report.placed.len(), 1, "{report:?}");
    assert_eq!(report.placed[0].0.id, second.id);
    assert!(m.run_due().await.unwrap().placed.is_empty());
    assert_eq!(calls_in(&m), 1, "one call, the second job's");
    assert_eq!(m.history().job(first.id).unwrap().state, JobState::Overdue);
    let bg = m.background().unwrap();
    assert_eq!((bg.waiting, bg.paused), (0, false));
    assert!(!bg.has_work());
    m.shutdown().await;
    other.shutdown().await;
}

#[tokio::test]
async fn the_settings_form_keeps_the_pause_and_the_tray_setting() {
    let dir = tempfile::tempdir().unwrap();
    let m = open(dir.path(), ManualClock::new(noon_in_sf()));
    assert!(m.settings().keep_running_in_tray, "on by default");
    assert!(!m.settings().paused);
    m.set_keep_running_in_tray(false).unwrap();
    m.set_paused(true).unwrap();
    // The Settings form knows neither: saving it changes neither.
    let form = Settings {
        theme: missioncall_core::settings::Theme::Dark,
        ..Settings::default()
    };
    let saved = m.set_settings(form).await.unwrap();
    assert!(!saved.keep_running_in_tray);
    assert!(saved.paused);
    m.shutdown().await;
    // Both are on disk for the next start.
    let again = open(dir.path(), ManualClock::new(noon_in_sf()));
    assert!(!again.settings().keep_running_in_tray);
    assert!(again.paused());
    assert_eq!(
        again.background().unwrap().tray_tooltip(),
        "MissionCall",
        "nothing waits"
    );
    again.shutdown().await;
}

#[test]
fn an_older_settings_file_gets_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(missioncall_core::settings::FILE_NAME),
        r#"{"base_url":"https://api.workapi.ai","notifications":"results"}"#,
    )
    .unwrap();
    let s = Settings::load(dir.path());
    assert!(s.keep_running_in_tray);
    assert!(!s.paused);
}

#[tokio::test]
async fn a_running_batch_keeps_the_app_running_and_waits_while_paused() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(noon_in_sf());
    let m = open(dir.path(), clock.clone());
    m.start_demo().await.unwrap();
    let file = b"name,phone\nAda,(415) 555-2671\nBen,(415) 555-2672\n";
    let plan = m
        .plan_batch(
            file,
            "Ask {{name}} whether the order arrived",
            Some("US".into()),
            None,
            None,
        )
        .unwrap();
    // Paused before it starts: its rows wait.
    m.set_paused(true).unwrap();
    let batch = m
        .start_batch(
            "customers.csv",
            "Ask {{name}} whether the order arrived",
            &plan,
            1,
        )
        .await
        .unwrap();
    let bg = m.background().unwrap();
    assert_eq!(
        (bg.waiting, bg.running_batches),
        (0, 1),
        "batch rows are not one-off calls"
    );
    assert!(bg.has_work());
    assert_eq!(bg.what_waits(), "1 batch");
    let report = m.run_due().await.unwrap();
    assert!(report.placed.is_empty(), "{report:?}");
    assert_eq!(calls_in(&m), 0);
    // Resumed: its first row is placed (one at a time).
    m.set_paused(false).unwrap();
    let report = m.run_due().await.unwrap();
    assert_eq!(report.placed.len(), 1, "{report:?}");
    assert_eq!(m.history().batch(batch.id).unwrap().counts.placed, 1);
    // Another process sharing the folder does not run it: nothing keeps that one running.
    let other = open(dir.path(), ManualClock::new(noon_in_sf()));
    assert_eq!(other.background().unwrap().running_batches, 0);
    // This process ends (its hold on the batch with it).
    m.shutdown().await;
    drop(m);

    // The other finds it without its runner while paused: it is paused, and said.
    other.set_paused(true).unwrap();
    let report = other.run_due().await.unwrap();
    assert_eq!(
        report
            .paused_batches
            .iter()
            .map(|b| b.id)
            .collect::<Vec<_>>(),
        vec![batch.id]
    );
    let bg = other.background().unwrap();
    assert_eq!(
        bg.running_batches, 0,
        "a paused batch of no one keeps nothing running"
    );
    assert!(!bg.has_work());
    other.shutdown().await;
}
