//! The calling hours in the settings: kept when the app's settings form (which does not carry
//! them) is saved through the session manager, and read back by another process.

use chrono::NaiveTime;
use missioncall_core::callee_time::CallingHours;
use missioncall_core::secrets::Secrets;
use missioncall_core::session::{Manager, ManagerConfig};
use missioncall_core::settings::{Settings, Theme};

fn manager(dir: &std::path::Path) -> Manager {
    let mut cfg = ManagerConfig::new(dir.to_path_buf());
    cfg.secrets = Secrets::with_builder(keyring::mock::default_credential_builder());
    cfg.follow = false;
    Manager::open(cfg).unwrap()
}

#[tokio::test]
async fn saving_other_settings_keeps_the_calling_hours() {
    let dir = tempfile::tempdir().unwrap();
    let office = CallingHours {
        days: [true, true, true, true, true, false, false],
        start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
    };
    Settings {
        calling_hours: office,
        ..Settings::default()
    }
    .save(dir.path())
    .unwrap();
    let m = manager(dir.path());
    assert_eq!(m.settings().calling_hours, office);
    // The form's settings come back with default hours; the stored ones stay.
    let form = Settings {
        theme: Theme::Dark,
        ..Settings::default()
    };
    let saved = m.set_settings(form).await.unwrap();
    assert_eq!(saved.theme, Theme::Dark);
    assert_eq!(saved.calling_hours, office);
    m.shutdown().await;
    assert_eq!(manager(dir.path()).settings().calling_hours, office);
}
