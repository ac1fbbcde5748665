//! User settings shared by the app and the CLI: a small JSON file in the data folder.
//!
//! It holds the service address, the default region, notification and theme preferences, and who
//! calls are made for (the caller identity; fields added later default, so older files load). It must
//! never hold the API key (that lives in the keychain, see [`crate::secrets`]). A missing or
//! unreadable file gives the defaults (an unreadable one is kept aside, never overwritten
//! silently). `MISSIONCALL_BASE_URL` overrides the stored address for one run.

use crate::callee_time::CallingHours;
use crate::error::{Error, Result};
use crate::identity::CallerIdentity;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Overrides the stored service address.
pub const ENV_BASE_URL: &str = "MISSIONCALL_BASE_URL";
/// `off` lifts the calling hours for this process (scripts and tests that run at any hour);
/// any other value, or none, keeps them.
pub const ENV_CALLING_HOURS: &str = "MISSIONCALL_CALLING_HOURS";
/// The settings file's name in the data folder.
pub const FILE_NAME: &str = "settings.json";

/// Which status changes raise a notification.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotifyLevel {
    /// Every change.
    #[default]
    All,
    /// Only results: done, cancelled, outcome unknown.
    Results,
    /// None.
    Off,
}

impl NotifyLevel {
    /// Whether a change to `status` should notify.
    pub fn wants(self, status: &crate::call::CallStatus) -> bool {
        match self {
            NotifyLevel::All => true,
            NotifyLevel::Results => status.is_result(),
            NotifyLevel::Off => false,
        }
    }
}

/// Light, dark, or as the system says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follow the system.
    #[default]
    System,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

/// The settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The service address (https; http only for loopback).
    pub base_url: String,
    /// The region for national numbers, e.g. `GB`; `None` = from the system locale.
    pub default_region: Option<String>,
    /// Notifications.
    pub notifications: NotifyLevel,
    /// Theme.
    pub theme: Theme,
    /// The app was last used in demo mode (it comes back in demo mode when no key is stored).
    pub demo: bool,
    /// Who calls are made for: a person's name (see [`crate::identity`]).
    pub caller_name: Option<String>,
    /// Who calls are made for: a business.
    pub caller_business: Option<String>,
    /// With a name or business set, the agent says it is an AI assistant (on by default).
    pub disclose_ai: bool,
    /// When calls may be placed, in the callee's local time (default 08:00-21:00 every day;
    /// files without it get the default). Whoever sets it checks it with
    /// [`CallingHours::validate`]; hours that fail it are never open, so every call asks first.
    pub calling_hours: CallingHours,
    /// Closing the window while calls are scheduled or a batch runs keeps MissionCall running
    /// with an icon in the tray, so they are still placed (on by default).
    pub keep_running_in_tray: bool,
    /// "Pause all": no scheduled call and no batch row is placed until the user resumes (calls
    /// already placed go on). Saved, so a restart and the CLI's runner keep it.
    pub paused: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            base_url: workapi::DEFAULT_BASE_URL.to_owned(),
            default_region: None,
            notifications: NotifyLevel::All,
            theme: Theme::System,
            demo: false,
            caller_name: None,
            caller_business: None,
            disclose_ai: true,
            calling_hours: CallingHours::default(),
            keep_running_in_tray: true,
            paused: false,
        }
    }
}

impl Settings {
    /// Reads the settings in `dir` (defaults when there is no file). An unreadable file is
    /// renamed `settings.json.bad` and the defaults are used.
    pub fn load(dir: &Path) -> Settings {
        let path = dir.join(FILE_NAME);
        let Ok(bytes) = std::fs::read(&path) else {
            return Settings::default();
        };
        match serde_json::from_slice::<Settings>(&bytes) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("settings file unreadable ({e}); using defaults");
                let _ = std::fs::rename(&path, path.with_extension("json.bad"));
                Settings::default()
            }
        }
    }

    /// Checks and writes the settings in `dir` atomically (write, sync, rename).
    pub fn save(&self, dir: &Path) -> Result<()> {
        let checked = self.validated()?;
        crate::private_fs::create_dir(dir).map_err(settings_err)?;
        let path = dir.join(FILE_NAME);
        let tmp: PathBuf = dir.join(format!("{FILE_NAME}.tmp"));
        let json = serde_json::to_vec_pretty(&checked).map_err(|e| Error::Settings {
            detail: e.to_string(),
        })?;
        {
            use std::io::Write;
            let mut f = crate::private_fs::create_file(&tmp).map_err(settings_err)?;
            f.write_all(&json).map_err(settings_err)?;
            f.sync_all().map_err(settings_err)?;
        }
        std::fs::rename(&tmp, &path).map_err(settings_err)?;
        Ok(())
    }

    /// The settings with their address checked and the region normalised.
    pub fn validated(&self) -> Result<Settings> {
        let url = workapi::check_base_url(&self.base_url)?;
        let region = match self.default_region.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(r) => {
                let r = r.to_ascii_uppercase();
                if !crate::phone::regions().iter().any(|x| x.code == r) {
                    return Err(Error::InvalidRegion { code: r });
                }
                Some(r)
            }
        };
        let identity = self
            .caller_identity()
            .cleaned()
            .map_err(|reason| Error::InvalidIdentity { reason })?;
        self.calling_hours.validate()?;
        Ok(Settings {
            base_url: url.to_string(),
            default_region: region,
            ..self.clone()
        }
        .with_caller_identity(identity))
    }

    /// Who calls are made for, as these settings say.
    pub fn caller_identity(&self) -> CallerIdentity {
        CallerIdentity {
            name: self.caller_name.clone(),
            business: self.caller_business.clone(),
            disclose_ai: self.disclose_ai,
        }
    }

    /// These settings with `identity` as who calls are made for.
    pub fn with_caller_identity(self, identity: CallerIdentity) -> Settings {
        Settings {
            caller_name: identity.name,
            caller_business: identity.business,
            disclose_ai: identity.disclose_ai,
            ..self
        }
    }

    /// The address to use now: `MISSIONCALL_BASE_URL` when set, else the stored one.
    pub fn effective_base_url(&self) -> String {
        match std::env::var(ENV_BASE_URL) {
            Ok(v) if !v.trim().is_empty() => v.trim().to_owned(),
            _ => self.base_url.clone(),
        }
    }
}

fn settings_err(e: std::io::Error) -> Error {
    Error::Settings {
        detail: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Settings::load(dir.path()), Settings::default());
        let s = Settings {
            base_url: "http://127.0.0.1:9/x".into(),
            default_region: Some("gb".into()),
            notifications: NotifyLevel::Results,
            theme: Theme::Dark,
            demo: false,
            ..Settings::default()
        };
        s.save(dir.path()).unwrap();
        let back = Settings::load(dir.path());
        assert_eq!(back.default_region.as_deref(), Some("GB"));
        assert_eq!(back.notifications, NotifyLevel::Results);
        let text = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert!(!text.contains("key"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir.path().join(FILE_NAME)), 0o600);
        }
    }

    #[test]
    fn an_older_file_without_the_caller_identity_loads_with_disclosure_on() {
        let dir = tempfile::tempdir().unwrap();
        // A settings file as the version before the caller identity wrote it.
        std::fs::write(
            dir.path().join(FILE_NAME),
            br#"{"base_url":"http://127.0.0.1:9/x","default_region":"GB","notifications":"results","theme":"dark","demo":true}"#,
        )
        .unwrap();
        let s = Settings::load(dir.path());
        assert!(!dir.path().join("settings.json.bad").exists());
        assert_eq!(s.default_region.as_deref(), Some("GB"));
        assert!(s.demo);
        assert_eq!(s.caller_identity(), CallerIdentity::default());
        assert!(s.disclose_ai);

        let s = s.with_caller_identity(CallerIdentity {
            name: Some(" Ada\nOkafor ".into()),
            business: Some("".into()),
            disclose_ai: false,
        });
        s.save(dir.path()).unwrap();
        let back = Settings::load(dir.path());
        assert_eq!(back.caller_name.as_deref(), Some("Ada Okafor"));
        assert_eq!(back.caller_business, None);
        assert!(!back.disclose_ai);
    }

    #[test]
    fn insecure_addresses_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let s = Settings {
            base_url: "http://example.com/x".into(),
            ..Settings::default()
        };
        assert!(s.save(dir.path()).is_err());
        assert!(!dir.path().join(FILE_NAME).exists());
    }

    #[test]
    fn a_corrupt_file_is_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), b"{not json").unwrap();
        assert_eq!(Settings::load(dir.path()), Settings::default());
        assert!(dir.path().join("settings.json.bad").exists());
    }

    #[test]
    fn notification_levels() {
        use crate::call::{CallStatus, ServiceStatus};
        let accepted = CallStatus::Service(ServiceStatus::Accepted);
        let completed = CallStatus::Service(ServiceStatus::Completed);
        assert!(NotifyLevel::All.wants(&accepted));
        assert!(!NotifyLevel::Results.wants(&accepted));
        assert!(NotifyLevel::Results.wants(&completed));
        assert!(!NotifyLevel::Off.wants(&completed));
    }

    #[test]
    fn an_unknown_region_is_a_settings_error_not_a_phone_error() {
        let s = Settings {
            default_region: Some("zz".into()),
            ..Settings::default()
        };
        let e = s.validated().unwrap_err();
        assert!(
            matches!(e, Error::InvalidRegion { ref code } if code == "ZZ"),
            "{e:?}"
        );
        assert!(e.to_string().contains("not a country"), "{e}");
    }

    #[test]
    fn calling_hours_default_in_older_files_and_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            br#"{"base_url":"http://127.0.0.1:9/x","theme":"dark"}"#,
        )
        .unwrap();
        let s = Settings::load(dir.path());
        assert_eq!(s.theme, Theme::Dark);
        assert_eq!(s.calling_hours, CallingHours::default());

        let office = CallingHours {
            days: [true, true, true, true, true, false, false],
            start: chrono::NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
            end: chrono::NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        };
        Settings {
            calling_hours: office,
            ..s
        }
        .save(dir.path())
        .unwrap();
        let text = std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap();
        assert!(text.contains(r#""start": "09:30""#), "{text}");
        assert_eq!(Settings::load(dir.path()).calling_hours, office);
    }
}
