//! The app's state: the history, the keychain, the settings, and the current session (the real
//! service when a key is stored, the simulator in demo mode, or none on first run).
//!
//! It talks to the window only through [`Host`], so that it can be tested without one. It
//! must never hand the API key to the host (events, notifications) or keep it anywhere but in
//! the keychain.

use crate::dto::{AppMode, CallSummary, NetworkState, TaskUpdated};
use crate::error::{AppError, AppErrorKind, CmdResult};
use missioncall_core::calls::Calls;
use missioncall_core::history::{CallRecord, History};
use missioncall_core::secrets::Secrets;
use missioncall_core::session::Session;
use missioncall_core::settings::Settings;
use missioncall_core::status::describe;
use missioncall_core::tracker::TrackerEvent;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
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

/// The running session and the task forwarding its tracker's events.
struct Active {
    session: Arc<Session>,
    forward: JoinHandle<()>,
}

impl Drop for Active {
    fn drop(&mut self) {
        self.forward.abort();
    }
}

/// Everything the commands work on.
pub struct AppState {
    pub data_dir: PathBuf,
    pub history: Arc<History>,
    pub secrets: Secrets,
    pub settings: Arc<Mutex<Settings>>,
    pub host: Arc<dyn Host>,
    /// Simulator speed in demo mode (1.0 = realistic).
    pub demo_speed: f64,
    active: tokio::sync::Mutex<Option<Active>>,
    first_run: Mutex<bool>,
    /// Whether a key was available when the keychain was last read (each keychain read is a
    /// D-Bus round trip: the mode is asked often, the keychain only when the key may change).
    has_key: std::sync::atomic::AtomicBool,
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
        let history = Arc::new(History::open_in_dir(&data_dir)?);
        let settings = Settings::load(&data_dir);
        let first_run = !data_dir
            .join(missioncall_core::settings::FILE_NAME)
            .exists();
        Ok(AppState {
            data_dir,
            history,
            secrets,
            settings: Arc::new(Mutex::new(settings)),
            host,
            demo_speed,
            active: tokio::sync::Mutex::new(None),
            first_run: Mutex::new(first_run),
            has_key: std::sync::atomic::AtomicBool::new(false),
        })
    }

    fn settings_now(&self) -> Settings {
        self.settings.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Starts the real session when a key is stored (otherwise waits for the user's choice).
    /// Attempts interrupted by a crash are marked as unknown outcomes first.
    pub async fn start(&self) -> CmdResult<AppMode> {
        missioncall_core::calls::recover_interrupted(&self.history)?;
        if let Some(key) = self.load_key()? {
            self.use_key(key).await?;
        } else if self.settings_now().demo {
            let session = Session::demo(self.history.clone(), self.demo_speed).await?;
            self.install(session).await;
        }
        self.mode().await
    }

    /// The current mode.
    pub async fn mode(&self) -> CmdResult<AppMode> {
        let active = self.active.lock().await;
        let settings = self.settings_now();
        let has_key = self.has_key.load(std::sync::atomic::Ordering::Relaxed);
        let demo = active.as_ref().is_some_and(|a| a.session.is_demo());
        Ok(AppMode {
            demo,
            has_key,
            base_url: active
                .as_ref()
                .map(|a| a.session.base_url().to_owned())
                .unwrap_or_else(|| settings.effective_base_url()),
            default_region: settings
                .default_region
                .clone()
                .unwrap_or_else(system_region),
            first_run: *self.first_run.lock().map_err(poisoned)? && !has_key && !demo,
        })
    }

    /// The calls of the current session, or the reason there is none.
    pub async fn calls(&self) -> CmdResult<Calls> {
        let active = self.active.lock().await;
        match active.as_ref() {
            Some(a) => Ok(a.session.calls.clone()),
            None => Err(missioncall_core::Error::NoKey.into()),
        }
    }

    /// Asks the tracker to look for live tasks created elsewhere (the CLI).
    pub async fn rescan(&self) {
        if let Err(e) = missioncall_core::calls::recover_interrupted(&self.history) {
            tracing::warn!("could not check for interrupted calls: {e}");
        }
        if let Some(a) = self.active.lock().await.as_ref() {
            a.session.tracker.rescan();
        }
    }

    /// Follows a task just created.
    pub async fn follow(&self, task_id: &str) {
        if let Some(a) = self.active.lock().await.as_ref() {
            a.session.tracker.follow(task_id);
        }
    }

    /// Switches to the real service with the stored key (ends demo mode).
    pub async fn use_real(&self) -> CmdResult<()> {
        match self.load_key()? {
            Some(key) => self.use_key(key).await,
            None => {
                *self.active.lock().await = None;
                Ok(())
            }
        }
    }

    /// Reads the key (environment, else keychain) and remembers whether there is one.
    fn load_key(&self) -> CmdResult<Option<workapi::ApiKey>> {
        let key = self.secrets.load()?.map(|(k, _)| k);
        self.has_key
            .store(key.is_some(), std::sync::atomic::Ordering::Relaxed);
        Ok(key)
    }

    async fn use_key(&self, key: workapi::ApiKey) -> CmdResult<()> {
        let base = self.settings_now().effective_base_url();
        let session = Session::real(
            self.history.clone(),
            key,
            &base,
            Some(self.data_dir.join("unrecorded-task-ids.txt")),
        )?;
        self.install(session).await;
        Ok(())
    }

    /// Starts demo mode: the simulator in-process; nobody is called.
    pub async fn start_demo(&self) -> CmdResult<AppMode> {
        let session = Session::demo(self.history.clone(), self.demo_speed).await?;
        self.install(session).await;
        self.remember_demo(true);
        let mode = self.mode().await?;
        self.host.demo_changed(mode.clone());
        Ok(mode)
    }

    /// Ends demo mode (back to the real service if a key is stored).
    pub async fn stop_demo(&self) -> CmdResult<AppMode> {
        *self.active.lock().await = None;
        self.remember_demo(false);
        self.use_real().await?;
        let mode = self.mode().await?;
        self.host.demo_changed(mode.clone());
        Ok(mode)
    }

    /// Remembers whether demo mode is on, so that the app comes back in it (this also ends
    /// the first run: the settings file now exists).
    fn remember_demo(&self, demo: bool) {
        if let Ok(mut f) = self.first_run.lock() {
            *f = false;
        }
        let snapshot = match self.settings.lock() {
            Ok(mut s) => {
                s.demo = demo;
                s.clone()
            }
            Err(_) => return,
        };
        if let Err(e) = snapshot.save(&self.data_dir) {
            tracing::warn!("could not save settings: {e}");
        }
    }

    /// Saves new settings; restarts the real session when the address changed.
    pub async fn set_settings(&self, new: Settings) -> CmdResult<Settings> {
        let demo_now = self.settings_now().demo;
        let checked = Settings {
            demo: demo_now,
            ..new.validated()?
        };
        checked.save(&self.data_dir)?;
        let changed_url = {
            let mut s = self.settings.lock().map_err(poisoned)?;
            let changed = s.base_url != checked.base_url;
            *s = checked.clone();
            changed
        };
        if let Ok(mut f) = self.first_run.lock() {
            *f = false;
        }
        let demo = self.mode().await?.demo;
        if changed_url && !demo {
            self.use_real().await?;
        }
        Ok(checked)
    }

    /// Stores a key and switches to the real service.
    pub async fn set_key(&self, key: &str) -> CmdResult<()> {
        self.secrets.set_text(key)?;
        self.remember_demo(false);
        let was_demo = self.mode().await?.demo;
        self.use_real().await?;
        if was_demo {
            let mode = self.mode().await?;
            self.host.demo_changed(mode);
        }
        Ok(())
    }

    /// Removes the key; the real session ends (demo mode, if on, goes on).
    pub async fn clear_key(&self) -> CmdResult<()> {
        self.secrets.clear()?;
        // The environment's key, if any, still counts.
        self.load_key()?;
        let demo = self.mode().await?.demo;
        if !demo {
            *self.active.lock().await = None;
        }
        Ok(())
    }

    /// Tells the window about a call that changed, and notifies per the settings.
    pub fn announce(&self, rec: &CallRecord) {
        announce(self.host.as_ref(), &self.settings_now(), rec);
    }

    async fn install(&self, session: Session) {
        let session = Arc::new(session);
        let mut events = session.tracker.subscribe();
        let host = self.host.clone();
        let settings = self.settings.clone();
        let forward = tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(TrackerEvent::Updated(rec)) => {
                        let now = settings.lock().map(|s| s.clone()).unwrap_or_default();
                        announce(host.as_ref(), &now, &rec);
                    }
                    Ok(TrackerEvent::Network { online, message }) => {
                        host.network_state(NetworkState { online, message });
                    }
                    Ok(TrackerEvent::ServiceProblem { message }) => {
                        host.network_state(NetworkState {
                            online: true,
                            message: Some(message),
                        });
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!("missed {n} tracker events");
                    }
                    Err(_) => return,
                }
            }
        });
        *self.active.lock().await = Some(Active { session, forward });
    }
}

/// The UI event and, when the settings want it, a native notification for a changed call.
pub fn announce(host: &dyn Host, settings: &Settings, rec: &CallRecord) {
    host.task_updated(TaskUpdated { call: rec.into() });
    if settings.notifications.wants(&rec.status) {
        let (title, body) = notification_text(rec);
        host.notify(&title, &body);
    }
}

/// Title and body of a call's notification: the number and the status in plain words; a
/// completed call's carries the first line of its summary.
pub fn notification_text(rec: &CallRecord) -> (String, String) {
    let number = CallSummary::from(rec).phone_display;
    let demo = if rec.demo { " (demo)" } else { "" };
    let title = format!("{} — {number}{demo}", describe(&rec.status));
    // The first line with words in it: a summary may start with a blank line.
    let first_line = rec
        .summary
        .as_deref()
        .and_then(|s| s.lines().map(str::trim).find(|l| !l.is_empty()));
    let body = match (rec.status.as_str(), first_line) {
        ("completed", Some(line)) => line.chars().take(200).collect(),
        ("completed", None) => "The call is done.".into(),
        _ => rec.task.chars().take(120).collect(),
    };
    (title, body)
}

/// The region of the system locale, or `US` when unknown.
pub fn system_region() -> String {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find_map(|l| missioncall_core::phone::region_from_locale(&l))
        .unwrap_or_else(|| "US".into())
}

fn poisoned<T>(_: T) -> AppError {
    AppError::new(
        AppErrorKind::Other,
        "Internal state was damaged; restart MissionCall.",
    )
}
