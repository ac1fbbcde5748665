//! The app's state: a thin holder of the core's session manager and the window ([`Host`]).
//!
//! Every decision (modes, where an action goes, keys per address, notification wording) is the
//! manager's; this only forwards its events to the window and, per the settings, to native
//! notifications. It must never hand the API key to the host or keep it anywhere.

use crate::dto::{AppMode, BackgroundWork, Connection, ExportProgress, NetworkState, TaskUpdated};
use crate::error::{AppError, AppErrorKind, CmdResult};
use chrono::{Local, NaiveDateTime, TimeZone};
use missioncall_core::history::{CallRecord, History};
use missioncall_core::secrets::Secrets;
use missioncall_core::session::{Manager, ManagerConfig, ModeInfo};
use missioncall_core::settings::NotifyLevel;
use missioncall_core::settings::Settings;
use missioncall_core::tracker::TrackerEvent;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
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
    fn save_path(&self, suggested_name: &str, kind: FileKind) -> Option<PathBuf>;
    /// Asks which file to open; `None` if the user cancelled.
    fn open_path(&self, kind: FileKind) -> Option<PathBuf>;
    /// An export moved on.
    fn export_progress(&self, ev: ExportProgress);
    /// Opens the system's print dialog for the main window.
    fn print(&self) -> Result<(), String>;
    /// Scheduled calls changed without the window asking (placed, refused, overdue).
    fn scheduled_changed(&self);
    /// The tray icon: `wanted` when something waits and the setting "keep running in the tray"
    /// is on (made if needed, and shown); otherwise hidden unless the window is. `paused`: its
    /// "Pause all" item's words.
    fn tray_state(&self, wanted: bool, paused: bool);
}

/// What a file dialog is for: the filter it offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// One call as text.
    Text,
    Csv,
    Json,
    /// The printable report (Markdown).
    Markdown,
    /// A history backup (SQLite).
    Backup,
    /// Contacts: a vCard or a CSV file.
    Contacts,
    /// A CSV file of numbers to call as a batch.
    Batch,
    /// A batch's results (CSV).
    BatchResults,
}

impl FileKind {
    /// The dialog's title: what the file is for.
    pub fn title(self, saving: bool) -> &'static str {
        match (self, saving) {
            (FileKind::Text, _) => "Save this call",
            (FileKind::Csv | FileKind::Json | FileKind::Markdown, _) => "Save the calls",
            (FileKind::Backup, true) => "Save a backup of the history",
            (FileKind::Backup, false) => "Choose a backup to restore",
            (FileKind::Contacts, _) => "Choose a contacts file (vCard or CSV)",
            (FileKind::Batch, _) => "Choose a CSV file of numbers to call",
            (FileKind::BatchResults, _) => "Save the batch's results",
        }
    }

    /// The filter's name and the extensions it shows.
    pub fn filter(self) -> (&'static str, &'static [&'static str]) {
        match self {
            FileKind::Text => ("Text", &["txt"]),
            FileKind::Csv => ("CSV (spreadsheets)", &["csv"]),
            FileKind::Json => ("JSON", &["json"]),
            FileKind::Markdown => ("Report (Markdown)", &["md"]),
            FileKind::Backup => ("MissionCall backup", &["sqlite", "sqlite3", "db"]),
            FileKind::Contacts => ("Contacts (vCard or CSV)", &["vcf", "vcard", "csv"]),
            FileKind::Batch | FileKind::BatchResults => ("CSV (spreadsheets)", &["csv"]),
        }
    }
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
    follow_up_watch: std::sync::Mutex<Option<JoinHandle<()>>>,
    /// The follow-ups already announced: call id → the follow-up announced (a changed date
    /// is announced again when it falls due).
    announced: Arc<std::sync::Mutex<Option<HashMap<i64, String>>>>,
    /// Set to stop the export under way.
    export_cancel: std::sync::Mutex<Arc<AtomicBool>>,
    watch_timing: WatchTiming,
    /// How many rounds the watch has done (a witness for tests: "it looked, and did nothing").
    watch_rounds: Arc<std::sync::atomic::AtomicU64>,
    /// The CSV file last picked for a batch (its token, name and bytes): the window holds
    /// only the token.
    pub batch_file: std::sync::Mutex<Option<PickedBatchFile>>,
}

/// A CSV file picked for a batch, as read when it was picked.
#[derive(Clone, Debug)]
pub struct PickedBatchFile {
    pub token: String,
    pub name: String,
    pub bytes: Arc<Vec<u8>>,
}

/// When the app's watch (follow-ups due, the daily backup) runs.
#[derive(Clone, Copy, Debug)]
pub struct WatchTiming {
    /// The first check after start (the first screen comes first).
    pub first_check: std::time::Duration,
    /// Then every so often (a scheduled call is placed within this of its time).
    pub every: std::time::Duration,
    /// The daily backup waits this long after start (it reads the whole history).
    pub backup_after: std::time::Duration,
}

impl Default for WatchTiming {
    fn default() -> Self {
        WatchTiming {
            first_check: std::time::Duration::from_secs(5),
            every: std::time::Duration::from_secs(10),
            backup_after: std::time::Duration::from_secs(120),
        }
    }
}

impl Drop for AppState {
    fn drop(&mut self) {
        for task in [&self.forward, &self.follow_up_watch] {
            if let Ok(mut f) = task.lock() {
                if let Some(f) = f.take() {
                    f.abort();
                }
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
            follow_up_watch: std::sync::Mutex::new(None),
            watch_timing: WatchTiming::default(),
            watch_rounds: Arc::new(std::sync::atomic::AtomicU64::new(0)),
            batch_file: std::sync::Mutex::new(None),
            announced: Arc::new(std::sync::Mutex::new(None)),
            export_cancel: std::sync::Mutex::new(Arc::new(AtomicBool::new(false))),
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
        self.watch_follow_ups();
        self.manager.start().await?;
        self.mode().await
    }

    /// The local wall time, from the history's clock (tests set it).
    pub fn local_now(&self) -> NaiveDateTime {
        self.history().now().with_timezone(&Local).naive_local()
    }

    /// How far local time is ahead of UTC now, in seconds.
    pub fn local_offset_secs(&self) -> i32 {
        Local
            .offset_from_utc_datetime(&self.history().now().naive_utc())
            .local_minus_utc()
    }

    /// Changes when the watch runs (before [`AppState::start`]; tests make it quick).
    pub fn with_watch_timing(mut self, timing: WatchTiming) -> Self {
        self.watch_timing = timing;
        self
    }

    /// How many rounds the app's watch has done since start.
    pub fn watch_rounds(&self) -> u64 {
        self.watch_rounds.load(Ordering::SeqCst)
    }

    /// The folder of the automatic daily backups (inside the data folder).
    pub fn backup_dir(&self) -> PathBuf {
        backup_dir_of(self.history())
    }

    /// Writes today's automatic backup if there is none yet (the last 7 days are kept);
    /// answers with the file written.
    pub fn daily_backup(&self) -> Result<Option<PathBuf>, AppError> {
        Ok(self.history().daily_backup(&self.backup_dir())?)
    }

    /// A fresh cancel flag for an export about to start (an earlier export's cancel does not
    /// carry over).
    pub fn begin_export(&self) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        if let Ok(mut f) = self.export_cancel.lock() {
            *f = flag.clone();
        }
        flag
    }

    /// Stops the export under way, if any.
    pub fn cancel_export(&self) {
        if let Ok(f) = self.export_cancel.lock() {
            f.store(true, Ordering::SeqCst);
        }
    }

    /// Every few seconds while the app runs: writes the day's automatic backup if it is not
    /// there yet, places the scheduled calls that fell due, and announces the follow-ups that
    /// fell due.
    fn watch_follow_ups(&self) {
        let history = self.history().clone();
        let host = self.host.clone();
        let manager = self.manager.clone();
        let announced = self.announced.clone();
        let timing = self.watch_timing;
        let rounds = self.watch_rounds.clone();
        let task = tokio::spawn(async move {
            let started = tokio::time::Instant::now();
            let mut tick = tokio::time::interval_at(started + timing.first_check, timing.every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                // Today's automatic backup, once a day (a no-op once the file is there), not
                // while the app is starting.
                if started.elapsed() >= timing.backup_after {
                    let h = history.clone();
                    let daily =
                        tokio::task::spawn_blocking(move || h.daily_backup(&backup_dir_of(&h)))
                            .await;
                    if let Ok(Err(e)) = daily {
                        tracing::warn!("the daily backup: {e}");
                    }
                }
                let now = history.now().with_timezone(&Local).naive_local();
                // Scheduled calls that fell due: placed once each, through the attempt path of
                // a call placed by hand; those whose time passed while the app was closed wait
                // for the user (the window lists them).
                match manager.run_due().await {
                    Ok(report) => {
                        if !report.is_empty() {
                            host.scheduled_changed();
                        }
                        announce_batches(host.as_ref(), manager.settings().notifications, &report);
                    }
                    Err(e) => tracing::warn!("placing scheduled calls: {e}"),
                }
                // The tray icon appears while something waits (made on the first round that
                // finds work, never at launch).
                sync_tray(&manager, host.as_ref());
                let level = manager.settings().notifications;
                if let Err(e) = announce_follow_ups(&history, host.as_ref(), level, &announced, now)
                {
                    tracing::warn!("checking follow-ups: {e}");
                }
                rounds.fetch_add(1, Ordering::SeqCst);
            }
        });
        if let Ok(mut f) = self.follow_up_watch.lock() {
            if let Some(old) = f.replace(task) {
                old.abort();
            }
        }
    }

    /// Announces the follow-ups that fell due since the last check, now (what the watch does
    /// twice a minute); answers with the calls announced one by one.
    pub fn check_follow_ups(&self) -> Result<Vec<i64>, AppError> {
        let level = self.settings().notifications;
        Ok(announce_follow_ups(
            self.history(),
            self.host.as_ref(),
            level,
            &self.announced,
            self.local_now(),
        )?)
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

    /// What would keep MissionCall running with its window closed, and the two settings about
    /// it.
    pub fn background(&self) -> CmdResult<BackgroundWork> {
        Ok(BackgroundWork::from(self.manager.background()?))
    }

    /// "Pause all" (`true`) or resume: saved, the tray's words changed, the window told (from
    /// the tray, a notification says it too, since the window may be closed).
    pub fn set_paused(&self, paused: bool, from_tray: bool) -> CmdResult<BackgroundWork> {
        let saved = self.manager.set_paused(paused)?;
        sync_tray(&self.manager, self.host.as_ref());
        self.host.scheduled_changed();
        if from_tray && saved.notifications != NotifyLevel::Off {
            let (title, body) = missioncall_core::schedule::pause_notice(paused);
            self.host.notify(&title, &body);
        }
        self.background()
    }

    /// Whether closing the window keeps MissionCall running in the tray.
    pub fn set_keep_running_in_tray(&self, on: bool) -> CmdResult<BackgroundWork> {
        self.manager.set_keep_running_in_tray(on)?;
        sync_tray(&self.manager, self.host.as_ref());
        self.background()
    }

    /// The window is being closed: `true` when MissionCall should keep running in the tray
    /// instead of quitting: the setting is on, calls are scheduled or a batch runs, and
    /// `tray_ready` says there is a tray icon to come back by (it makes one if needed). Then a
    /// notification (unless they are off) says so, and what waits. A history that cannot be
    /// read closes as asked.
    pub fn close_to_tray(&self, tray_ready: impl FnOnce() -> bool) -> bool {
        let bg = match self.manager.background() {
            Ok(bg) => bg,
            Err(e) => {
                tracing::warn!("checking what is scheduled before closing: {e}");
                return false;
            }
        };
        if !bg.keeps_running() || !tray_ready() {
            return false;
        }
        if self.settings().notifications != NotifyLevel::Off {
            let (title, body) = bg.tray_notice();
            self.host.notify(&title, &body);
        }
        true
    }

    /// Saves new settings.
    pub async fn set_settings(&self, new: Settings) -> CmdResult<Settings> {
        Ok(self.manager.set_settings(new).await?)
    }
}

/// Tells the host whether the tray icon is wanted (the setting is on and something waits) and
/// whether "Pause all" is on.
fn sync_tray(manager: &Manager, host: &dyn Host) {
    match manager.background() {
        Ok(bg) => host.tray_state(bg.keeps_running(), bg.paused),
        Err(e) => tracing::warn!("checking what waits, for the tray: {e}"),
    }
}

fn backup_dir_of(history: &History) -> PathBuf {
    history
        .path()
        .parent()
        .map(|d| d.join(missioncall_core::history::BACKUP_DIR))
        .unwrap_or_else(|| PathBuf::from(missioncall_core::history::BACKUP_DIR))
}

/// Notifies the follow-ups that fell due since the last check. The first check (at start)
/// announces those already due in one notification ("3 follow-ups are due"), not one each;
/// later checks announce each call whose follow-up has just fallen due. A follow-up that is
/// moved is announced again when its new time comes. Notifications off: nothing is shown, but
/// what is due is remembered (turning them on does not bring a burst of old ones).
fn announce_follow_ups(
    history: &History,
    host: &dyn Host,
    level: NotifyLevel,
    announced: &std::sync::Mutex<Option<HashMap<i64, String>>>,
    now: NaiveDateTime,
) -> Result<Vec<i64>, missioncall_core::history::HistoryError> {
    let due: Vec<CallRecord> = history
        .follow_ups()?
        .into_iter()
        .filter(|r| r.follow_up.is_some_and(|f| f.is_due(now)))
        .collect();
    let mut guard = announced.lock().unwrap_or_else(|p| p.into_inner());
    let first = guard.is_none();
    let seen = guard.get_or_insert_with(HashMap::new);
    let fresh: Vec<&CallRecord> = due
        .iter()
        .filter(|r| {
            let key = r.follow_up.map(|f| f.key()).unwrap_or_default();
            seen.get(&r.id) != Some(&key)
        })
        .collect();
    for r in &fresh {
        seen.insert(r.id, r.follow_up.map(|f| f.key()).unwrap_or_default());
    }
    let notify = level != NotifyLevel::Off;
    if first {
        if notify && !fresh.is_empty() {
            let (title, body) = missioncall_core::session::follow_ups_due_text(fresh.len());
            host.notify(&title, &body);
        }
        return Ok(Vec::new());
    }
    if notify {
        for r in &fresh {
            let (title, body) = missioncall_core::session::follow_up_text(r);
            host.notify(&title, &body);
        }
    }
    Ok(fresh.iter().map(|r| r.id).collect())
}

/// A native notification (unless they are off) for each batch that ended, or that was found
/// without its process and paused.
pub fn announce_batches(
    host: &dyn Host,
    level: NotifyLevel,
    report: &missioncall_core::schedule::RunReport,
) {
    if level == NotifyLevel::Off {
        return;
    }
    for b in report.finished_batches.iter().chain(&report.paused_batches) {
        let (title, body) = missioncall_core::batch_run::notification_text(b);
        host.notify(&title, &body);
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
