//! The WorkAPI key: kept in the OS keychain (macOS Keychain, Windows Credential Manager, the
//! Secret Service on Linux), or given by the `WORKAPI_API_KEY` environment variable for scripting.
//!
//! This module must never write the key anywhere else (no file, no database, no log line), never
//! put it in an error message, and never fall back to a plaintext file when the keychain fails:
//! a keychain problem is a clear error for the user.

use keyring::{CredentialBuilder, Entry};
use serde::Serialize;
use std::sync::Arc;
use workapi::ApiKey;

/// The environment variable that overrides the keychain.
pub const ENV_KEY: &str = "WORKAPI_API_KEY";
/// The keychain service name.
pub const KEYCHAIN_SERVICE: &str = "ai.missioncall.MissionCall";
/// The keychain account name.
pub const KEYCHAIN_USER: &str = "workapi-api-key";

/// A keychain problem, in plain language. Never contains the key.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// No keychain service is available on this system.
    #[error("No system keychain is available ({detail}). On Linux, install and start a Secret Service (GNOME Keyring or KeePassXC), or set the WORKAPI_API_KEY environment variable.")]
    Unavailable { detail: String },
    /// The keychain is there but locked, or refused access.
    #[error("The system keychain is locked or refused access. Unlock it (for example by logging in to your desktop session) and try again.")]
    Locked,
    /// The stored value is not a usable key.
    #[error("The key stored in the keychain is not usable. Set it again.")]
    Corrupt,
    /// The key given is not a usable key.
    #[error("This API key cannot be used: it is empty or contains spaces or control characters. Copy it again from your WorkAPI account.")]
    InvalidKey,
    /// Any other keychain failure.
    #[error("The system keychain failed ({detail}). Try again; if it keeps failing, set the WORKAPI_API_KEY environment variable.")]
    Other { detail: String },
}

/// Where the key in use comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeySource {
    /// The `WORKAPI_API_KEY` environment variable.
    Env,
    /// The OS keychain.
    Keychain,
}

/// Whether a key is set, and its last four characters at most.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyStatus {
    /// A key is available.
    pub set: bool,
    /// Its last four characters (only for keys longer than 8 characters).
    pub last4: Option<String>,
    /// Where it comes from.
    pub source: Option<KeySource>,
}

/// Access to the stored key.
#[derive(Clone)]
pub struct Secrets {
    service: String,
    user: String,
    builder: Option<Arc<CredentialBuilder>>,
    use_env: bool,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field("service", &self.service)
            .field("user", &self.user)
            .finish()
    }
}

impl Secrets {
    /// The OS keychain, with `WORKAPI_API_KEY` taking precedence when set.
    pub fn system() -> Self {
        Secrets {
            service: KEYCHAIN_SERVICE.to_owned(),
            user: KEYCHAIN_USER.to_owned(),
            builder: None,
            use_env: true,
        }
    }

    /// The OS keychain under another service name, ignoring the environment (for tests that
    /// must not touch the user's real entry).
    pub fn system_named(service: &str) -> Self {
        Secrets {
            service: service.to_owned(),
            user: KEYCHAIN_USER.to_owned(),
            builder: None,
            use_env: false,
        }
    }

    /// A store made by `builder` (e.g. keyring's mock), ignoring the environment.
    pub fn with_builder(builder: Box<CredentialBuilder>) -> Self {
        Secrets {
            service: KEYCHAIN_SERVICE.to_owned(),
            user: KEYCHAIN_USER.to_owned(),
            builder: Some(Arc::from(builder)),
            use_env: false,
        }
    }

    /// The key for the service at `base_url`: a key belongs to the service that issued it, so
    /// each address has its own keychain entry (the published address keeps the original
    /// entry name). An address that cannot be read gets an entry of its own text.
    pub fn for_address(&self, base_url: &str) -> Secrets {
        let normal = workapi::check_base_url(base_url)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| base_url.trim().to_owned());
        let published = workapi::check_base_url(workapi::DEFAULT_BASE_URL)
            .map(|u| u.to_string())
            .unwrap_or_default();
        let user = if normal == published {
            KEYCHAIN_USER.to_owned()
        } else {
            format!("{KEYCHAIN_USER} for {normal}")
        };
        Secrets {
            user,
            ..self.clone()
        }
    }

    /// The same store without the `WORKAPI_API_KEY` override (for an address other than the
    /// one in use: the environment's key is for the address in use).
    pub fn keychain_only(&self) -> Secrets {
        Secrets {
            use_env: false,
            ..self.clone()
        }
    }

    /// A new keychain entry handle (each call makes a fresh one: nothing is cached).
    pub fn entry(&self) -> Result<Entry, SecretsError> {
        match &self.builder {
            Some(b) => b
                .build(None, &self.service, &self.user)
                .map(Entry::new_with_credential)
                .map_err(map_err),
            None => Entry::new(&self.service, &self.user).map_err(map_err),
        }
    }

    fn env_key(&self) -> Option<ApiKey> {
        if !self.use_env {
            return None;
        }
        std::env::var(ENV_KEY)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| ApiKey::new(v).ok())
    }

    /// The key in use: the environment's, else the keychain's; `None` when there is none.
    pub fn load(&self) -> Result<Option<(ApiKey, KeySource)>, SecretsError> {
        if let Some(k) = self.env_key() {
            return Ok(Some((k, KeySource::Env)));
        }
        match self.entry()?.get_password() {
            Ok(p) => ApiKey::new(p)
                .map(|k| Some((k, KeySource::Keychain)))
                .map_err(|_| SecretsError::Corrupt),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    /// Stores `key` in the keychain (replacing any previous one).
    pub fn set(&self, key: &ApiKey) -> Result<(), SecretsError> {
        self.entry()?
            .set_password(key.expose_secret())
            .map_err(map_err)
    }

    /// Checks and stores a key typed or pasted by the user.
    pub fn set_text(&self, key: &str) -> Result<ApiKey, SecretsError> {
        let key = ApiKey::new(key).map_err(|_| SecretsError::InvalidKey)?;
        self.set(&key)?;
        Ok(key)
    }

    /// Removes the key from the keychain; `Ok(false)` when there was none.
    pub fn clear(&self) -> Result<bool, SecretsError> {
        match self.entry()?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(map_err(e)),
        }
    }

    /// Whether a key is set, masked.
    pub fn status(&self) -> Result<KeyStatus, SecretsError> {
        Ok(match self.load()? {
            Some((k, source)) => KeyStatus {
                set: true,
                last4: k.last4(),
                source: Some(source),
            },
            None => KeyStatus {
                set: false,
                last4: None,
                source: None,
            },
        })
    }
}

/// Maps keyring's errors to ours, keeping no stored bytes (a `BadEncoding` carries them).
fn map_err(e: keyring::Error) -> SecretsError {
    match e {
        keyring::Error::NoStorageAccess(_) => SecretsError::Locked,
        keyring::Error::BadEncoding(_) => SecretsError::Corrupt,
        keyring::Error::PlatformFailure(inner) => {
            let detail = inner.to_string();
            let lower = detail.to_lowercase();
            if lower.contains("autolaunch")
                || lower.contains("not provided by any .service")
                || lower.contains("org.freedesktop.secrets")
                || lower.contains("no such file")
                || lower.contains("dbus")
            {
                SecretsError::Unavailable {
                    detail: short(&detail),
                }
            } else if lower.contains("locked") || lower.contains("prompt") {
                SecretsError::Locked
            } else {
                SecretsError::Other {
                    detail: short(&detail),
                }
            }
        }
        keyring::Error::TooLong(what, _) => SecretsError::Other {
            detail: format!("the {what} is too long"),
        },
        keyring::Error::Ambiguous(_) => SecretsError::Other {
            detail:
                "more than one matching entry exists; remove the extra ones in your keychain app"
                    .into(),
        },
        keyring::Error::NoEntry => SecretsError::Other {
            detail: "no entry".into(),
        },
        keyring::Error::Invalid(attr, _) => SecretsError::Other {
            detail: format!("invalid {attr}"),
        },
        _ => SecretsError::Other {
            detail: "unexpected keychain error".into(),
        },
    }
}

fn short(s: &str) -> String {
    s.chars().take(160).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyring::mock::MockCredential;

    fn mock() -> Secrets {
        Secrets::with_builder(keyring::mock::default_credential_builder())
    }

    #[test]
    fn the_default_store_is_a_real_keychain_not_the_silent_mock() {
        let entry = Secrets::system_named("missioncall-test-guard")
            .entry()
            .unwrap();
        assert!(
            entry
                .get_credential()
                .downcast_ref::<MockCredential>()
                .is_none(),
            "keyring was built without a native backend: keys would be kept in memory only"
        );
        #[cfg(target_os = "linux")]
        assert!(entry
            .get_credential()
            .downcast_ref::<keyring::secret_service::SsCredential>()
            .is_some());
    }

    /// A keychain in memory that keeps entries across handles, as a real one does (keyring's
    /// own mock forgets a value as soon as its entry handle is dropped).
    type Entries = std::collections::HashMap<(String, String), Vec<u8>>;

    #[derive(Clone, Default)]
    struct Memory(Arc<std::sync::Mutex<Entries>>);

    struct MemoryEntry(Memory, (String, String));

    impl keyring::credential::CredentialApi for MemoryEntry {
        fn set_secret(&self, secret: &[u8]) -> keyring::Result<()> {
            let mut m = self.0 .0.lock().unwrap();
            m.insert(self.1.clone(), secret.to_vec());
            Ok(())
        }
        fn get_secret(&self) -> keyring::Result<Vec<u8>> {
            let m = self.0 .0.lock().unwrap();
            m.get(&self.1).cloned().ok_or(keyring::Error::NoEntry)
        }
        fn delete_credential(&self) -> keyring::Result<()> {
            let mut m = self.0 .0.lock().unwrap();
            m.remove(&self.1).map(|_| ()).ok_or(keyring::Error::NoEntry)
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    impl keyring::credential::CredentialBuilderApi for Memory {
        fn build(
            &self,
            _target: Option<&str>,
            service: &str,
            user: &str,
        ) -> keyring::Result<Box<keyring::Credential>> {
            Ok(Box::new(MemoryEntry(
                self.clone(),
                (service.to_owned(), user.to_owned()),
            )))
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    #[test]
    fn a_key_is_stored_read_back_masked_and_cleared_through_secrets() {
        let store = Memory::default();
        let s = Secrets::with_builder(Box::new(store.clone()));
        let key = s.set_text("sk_live_abcdefgh1234").unwrap();
        assert_eq!(key.last4().as_deref(), Some("1234"));
        // Read back through a fresh handle on the same store.
        let again = Secrets::with_builder(Box::new(store.clone()));
        let (k, source) = again.load().unwrap().unwrap();
        assert_eq!(k.expose_secret(), "sk_live_abcdefgh1234");
        assert_eq!(source, KeySource::Keychain);
        assert_eq!(
            again.status().unwrap(),
            KeyStatus {
                set: true,
                last4: Some("1234".into()),
                source: Some(KeySource::Keychain)
            }
        );
        assert!(again.clear().unwrap());
        assert!(s.load().unwrap().is_none());
        assert!(!s.clear().unwrap());
    }

    #[test]
    fn each_service_address_has_its_own_key() {
        let store = Memory::default();
        let s = Secrets::with_builder(Box::new(store.clone()));
        let published = s.for_address(workapi::DEFAULT_BASE_URL);
        let local = s.for_address("http://127.0.0.1:8787/api/");
        published.set_text("sk_live_published_0001").unwrap();
        assert!(
            local.load().unwrap().is_none(),
            "another address has no key"
        );
        local.set_text("sk_live_local_000002").unwrap();
        assert_eq!(
            published.load().unwrap().unwrap().0.expose_secret(),
            "sk_live_published_0001"
        );
        // The same address however it is written (a trailing slash), and the published
        // address keeps the entry name of earlier versions.
        let same = s.for_address("http://127.0.0.1:8787/api");
        assert_eq!(
            same.load().unwrap().unwrap().0.expose_secret(),
            "sk_live_local_000002"
        );
        assert_eq!(published.user, KEYCHAIN_USER);
        assert_ne!(local.user, KEYCHAIN_USER);
        local.clear().unwrap();
        assert!(published.load().unwrap().is_some());
    }

    #[test]
    fn no_entry_means_no_key() {
        let s = mock();
        assert!(s.load().unwrap().is_none());
        assert_eq!(
            s.status().unwrap(),
            KeyStatus {
                set: false,
                last4: None,
                source: None
            }
        );
        assert!(!s.clear().unwrap());
    }

    #[test]
    fn keychain_errors_are_plain_and_never_echo_stored_bytes() {
        let locked = map_err(keyring::Error::NoStorageAccess("x".into()));
        assert!(matches!(locked, SecretsError::Locked));
        let corrupt = map_err(keyring::Error::BadEncoding(
            b"sk_live_secret_bytes".to_vec(),
        ));
        assert!(!corrupt.to_string().contains("secret_bytes"));
        let unavailable = map_err(keyring::Error::PlatformFailure(
            "org.freedesktop.secrets was not provided by any .service files".into(),
        ));
        assert!(matches!(unavailable, SecretsError::Unavailable { .. }));
        assert!(unavailable.to_string().contains("WORKAPI_API_KEY"));
        let autolaunch = map_err(keyring::Error::PlatformFailure(
            "Unable to autolaunch a dbus-daemon without a $DISPLAY for X11".into(),
        ));
        assert!(matches!(autolaunch, SecretsError::Unavailable { .. }));
    }

    #[test]
    fn bad_keys_are_refused_before_storage() {
        let s = mock();
        assert!(matches!(
            s.set_text("has space"),
            Err(SecretsError::InvalidKey)
        ));
        assert!(matches!(s.set_text(""), Err(SecretsError::InvalidKey)));
    }
}
