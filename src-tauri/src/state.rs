//! The app's state: a thin holder of the core's session manager and the window ([`Host`]).
//!
//! Every decision (modes, where an action goes, keys per address, notification wording) is the
//! manager's; this only forwards its events to the window and, per the settings, to native
//! notifications. It must never hand the API key to the host or keep it anywhere.

use crate::dto::{AppMode, Connection, NetworkState, TaskUpdated};
use crate::error::{AppError, AppErrorKind, CmdResult};
use missioncall_core::history::{CallRecord, History};
use missioncall_core::secrets::Secrets;
use missioncall_core::session::{Manager, ManagerConfig, ModeInfo};
use missioncall_core::settings::Settings;
use missioncall_core::tracker::TrackerEvent;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What the state needs from the window system.
pub trait Host: Send + Sync + 'static {
    /// A call changed.
    fn task_updated(&self, ev: TaskUpdated);
    /// Demo mode changed.
    fn demo_changed(&self, mode: AppMode);
    /// The network changed.
    fn network_state(&self, ev: NetworkState);
    /// Shows a native notification.
    fn notify(&self, title: &str, body: &str);
    /// Asks where to save a file; `None` if the user cancelled.
    fn save_path(&self, suggested_name: &str) -> Option<PathBuf>;
}

/// The state as the commands reach it. Opening the history (a first run creates it, with
/// fsyncs) and reading the keychain (a D-Bus round trip) happen off the main thread, so the
/// window loads its page meanwhile; a command that arrives first waits for the state.
pub struct Starting {
    state: watch::Receiver<Option<CmdResult<Arc<AppState>>>>,
}

impl Starting {
    /// Opens the state with `open` on a blocking thread, then starts its session, in the
    /// background. Must be called inside Tauri's async runtime or from its setup hook.
    pub fn spawn<F>(open: F) -> Starting
    where
        F: FnOnce() -> CmdResult<AppState> + Send + 'static,
    {
        let (tx, rx) = watch::channel(None);
        tauri::async_runtime::spawn(async move {
            let opened = tauri::async_runtime::spawn_blocking(open)
                .await
                .unwrap_or_else(|_| Err(not_started()));
            crate::ready::mark("state-opened");
            let result = match opened {
                Ok(state) => {
                    // A session that cannot start (the keychain is locked, the demo's port is
                    // taken) leaves the app usable: the UI shows the first-run or settings screen.
                    if let Err(e) = state.start().await {
                        log::warn!("starting the session: {}", e.message);
                    }
                    crate::ready::mark("session-started");
                    Ok(Arc::new(state))
                }
                Err(e) => {
                    log::error!("opening the app's data: {}", e.message);
                    Err(e)
                }
            };
            // No receiver left means the app is closing: nothing to tell.
            let _ = tx.send(Some(result));
        });
        Starting { state: rx }
    }

    /// The state once open (waiting for it if needed), or why it could not be opened.
    pub async fn get(&self) -> CmdResult<Arc<AppState>> {
        static FIRST: std::sync::Once = std::sync::Once::new();
        FIRST.call_once(|| crate::ready::mark("first-command"));
        let mut rx = self.state.clone();
        let current = rx
            .wait_for(Option::is_some)
            .await
            .map_err(|_| not_started())?;
        match &*current {
            Some(result) => result.clone(),
            None => Err(not_started()),
        }
    }
}

fn not_started() -> AppError {
    AppError::new(
        AppErrorKind::Other,
        "MissionCall did not finish starting. Close it and open it again.",
    )
}

/// Everything the commands work on.
pub struct AppState {
    /// The core's session manager: modes, origins, keys, calls.
    pub manager: Arc<Manager>,
    pub host: Arc<dyn Host>,
    forward: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl Drop for AppState {
    fn drop(&mut self) {
        if let Ok(mut f) = self.forward.lock() {
            if let Some(f) = f.take() {
                f.abort();
            }
        }
    }
}

impl AppState {
    /// Opens the history in `data_dir` and reads the settings. No session yet: call
    /// [`AppState::start`].
    pub fn new(
        data_dir: PathBuf,
        secrets: Secrets,
        host: Arc<dyn Host>,
        demo_speed: f64,
    ) -> Result<AppState, AppError> {
        let mut cfg = ManagerConfig::new(data_dir);
        cfg.secrets = secrets;
        cfg.demo_speed = demo_speed;
        Self::with_config(cfg, host)
    }

    /// Like [`AppState::new`], with the whole manager configuration (tests set the clock and
    /// the tracker's timing).
    pub fn with_config(cfg: ManagerConfig, host: Arc<dyn Host>) -> Result<AppState, AppError> {
        let manager = Arc::new(Manager::open(cfg)?);
        Ok(AppState {
            manager,
            host,
            forward: std::sync::Mutex::new(None),
        })
    }

    /// The history.
    pub fn history(&self) -> &Arc<History> {
        self.manager.history()
    }

    /// The settings as they are now.
    pub fn settings(&self) -> Settings {
        self.manager.settings()
    }

    /// Starts forwarding the manager's events to the window, then its session.
    pub async fn start(&self) -> CmdResult<AppMode> {
        self.forward_events();
        self.manager.start().await?;
        self.mode().await
    }

    fn forward_events(&self) {
        let mut events = self.manager.subscribe();
        let host = self.host.clone();
        let manager = self.manager.clone();
        let task = tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(TrackerEvent::Updated(rec)) => {
                        announce(host.as_ref(), &manager.settings(), &rec);
                    }
                    Ok(TrackerEvent::Network { online, message }) => {
                        host.network_state(NetworkState {
                            connection: if online {
                                Connection::Online
                            } else {
                                Connection::Offline
                            },
                            message,
                        });
                    }
                    Ok(TrackerEvent::ServiceProblem { message }) => {
                        host.network_state(NetworkState {
                            connection: Connection::KeyRejected,
                            message: Some(message),
                        });
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!("missed {n} events");
                    }
                    Err(_) => return,
                }
            }
        });
        if let Ok(mut f) = self.forward.lock() {
            if let Some(old) = f.replace(task) {
                old.abort();
            }
        }
    }

    /// The current mode, for the UI.
    pub async fn mode(&self) -> CmdResult<AppMode> {
        Ok(self.manager.mode().await.into())
    }

    async fn mode_changed(&self, info: ModeInfo) -> AppMode {
        let mode: AppMode = info.into();
        self.host.demo_changed(mode.clone());
        mode
    }

    /// Starts demo mode.
    pub async fn start_demo(&self) -> CmdResult<AppMode> {
        let info = self.manager.start_demo().await?;
        Ok(self.mode_changed(info).await)
    }

    /// Ends demo mode.
    pub async fn stop_demo(&self) -> CmdResult<AppMode> {
        let info = self.manager.stop_demo().await?;
        Ok(self.mode_changed(info).await)
    }

    /// Stores a key for the address in use and switches to the real service.
    pub async fn set_key(&self, key: &str) -> CmdResult<()> {
        let was_demo = self.manager.mode().await.demo;
        let info = self.manager.set_key(key).await?;
        if was_demo {
            self.mode_changed(info).await;
        }
        Ok(())
    }

    /// Removes the key of the address in use.
    pub async fn clear_key(&self) -> CmdResult<()> {
        self.manager.clear_key().await?;
        Ok(())
    }

    /// Saves new settings.
    pub async fn set_settings(&self, new: Settings) -> CmdResult<Settings> {
        Ok(self.manager.set_settings(new).await?)
    }
}

/// The UI event and, when the settings want it, a native notification for a changed call.
pub fn announce(host: &dyn Host, settings: &Settings, rec: &CallRecord) {
    host.task_updated(TaskUpdated { call: rec.into() });
    if settings.notifications.wants(&rec.status) {
        let (title, body) = Manager::notification_text(rec);
        host.notify(&title, &body);
    }
}
