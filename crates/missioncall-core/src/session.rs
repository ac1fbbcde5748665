//! The session manager, used by the app and the CLI alike: which service is in use (the real
//! one at the address in Settings with that address's key, the built-in simulator in demo mode,
//! or none), and where each action on a call goes.
//!
//! A call's own origin decides where its actions go, never the session of the moment: a demo
//! call is only ever handled by the demo simulator (and closed out as a demo call when the demo
//! ends), a real call only by the service it was placed with, with the key stored for that
//! address. Anything else is refused with a plain reason, and nothing is sent. The manager
//! also owns the lost-ids file, the default region and the wording of notifications. It never
//! places a call by itself, and never hands the API key to anyone but the client.

use crate::call::Origin;
use crate::calls::{CallRequest, Calls, Confirmation, HoursChoice, Prepared, SharedHours};
use crate::clock::SharedClock;
use crate::error::{Error, Result};

use crate::callee_time::{CallingHours, HoursRule};
use crate::history::{CallRecord, History, JobState, ScheduledJob};
use crate::identity::{CallerIdentity, SharedIdentity};
use crate::schedule::RunReport;
use crate::secrets::{KeyStatus, Secrets};
use crate::settings::Settings;
use crate::tracker::{Tracker, TrackerConfig, TrackerEvent};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;
use workapi::{ApiKey, Client};

/// Note recorded on demo calls left unfinished when their simulator stopped.
pub const DEMO_ABANDONED_NOTE: &str =
    "The demo simulator stopped before this demo call finished. Nobody was called.";

/// The file where a created task's id goes if, against all odds, the history cannot record it.
pub const LOST_IDS_FILE: &str = "unrecorded-task-ids.txt";

/// One origin in use: its calls, its tracker (when following), and in demo mode the simulator.
pub struct Session {
    /// Placing, checking and cancelling calls of this origin.
    pub calls: Calls,
    tracker: Option<Tracker>,
    sim: Option<workapi_sim::SimHandle>,
}

impl Session {
    /// True in demo mode (nobody is called).
    pub fn is_demo(&self) -> bool {
        self.sim.is_some()
    }

    /// The service address in use.
    pub fn base_url(&self) -> &str {
        self.calls.client().base_url()
    }

    /// The simulator, in demo mode.
    pub fn simulator(&self) -> Option<&workapi_sim::SimHandle> {
        self.sim.as_ref()
    }

    /// The tracker, when this session follows its calls.
    pub fn tracker(&self) -> Option<&Tracker> {
        self.tracker.as_ref()
    }

    async fn shutdown(self) {
        if let Some(t) = self.tracker {
            t.shutdown().await;
        }
        if let Some(sim) = self.sim {
            sim.shutdown().await;
        }
    }
}

/// How a [`Manager`] is set up.
#[derive(Clone, Debug)]
pub struct ManagerConfig {
    /// The data folder (history, settings, lost ids, attempt owners).
    pub data_dir: PathBuf,
    /// The keychain.
    pub secrets: Secrets,
    /// The wall clock.
    pub clock: SharedClock,
    /// A service address that replaces the stored one for this run (the CLI's `--base-url`);
    /// `MISSIONCALL_BASE_URL` is read when this is `None`.
    pub base_url_override: Option<String>,
    /// How long one request may take.
    pub timeout: Duration,
    /// How long a connection may take.
    pub connect_timeout: Duration,
    /// Simulator speed in demo mode (1.0 = realistic).
    pub demo_speed: f64,
    /// Follow live calls with a tracker (the app; `missioncall call --wait`).
    pub follow: bool,
    /// The tracker's timing; `None` = the default (scaled to the demo's speed in demo mode).
    pub tracker: Option<TrackerConfig>,
    /// The user's time zone, for the times the calling hours show them; `None` = the
    /// computer's own.
    pub user_zone: Option<chrono_tz::Tz>,
    /// Enforce the calling hours (default: yes, unless [`crate::settings::ENV_CALLING_HOURS`]
    /// is `off`).
    pub enforce_hours: bool,
}

impl ManagerConfig {
    /// The defaults for `data_dir`: the system keychain and clock, 30 s requests, following on.
    pub fn new(data_dir: PathBuf) -> ManagerConfig {
        ManagerConfig {
            data_dir,
            secrets: Secrets::system(),
            clock: crate::clock::system(),
            base_url_override: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            demo_speed: 1.0,
            follow: true,
            tracker: None,
            user_zone: None,
            enforce_hours: hours_enforced(),
        }
    }
}

/// What the app shows of the current mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModeInfo {
    /// Demo mode is on.
    pub demo: bool,
    /// A key is stored (or given by the environment) for the address in use.
    pub has_key: bool,
    /// The service address in use (the simulator's in demo mode).
    pub base_url: String,
    /// The region for national numbers.
    pub default_region: String,
    /// Nothing was ever set up here: offer the key and the demo.
    pub first_run: bool,
}

/// Whether calling hours apply in this process by default: always, unless
/// [`crate::settings::ENV_CALLING_HOURS`] is `off`.
fn hours_enforced() -> bool {
    std::env::var(crate::settings::ENV_CALLING_HOURS).map_or(true, |v| v.trim() != "off")
}

/// The session in use. Its tracker publishes on the manager's own channel.
struct Active {
    session: Arc<Session>,
}

/// The session manager. Share it as `Arc<Manager>`.
pub struct Manager {
    cfg: ManagerConfig,
    history: Arc<History>,
    settings: Mutex<Settings>,
    identity: SharedIdentity,
    hours: SharedHours,
    active: tokio::sync::Mutex<Option<Active>>,
    events: broadcast::Sender<TrackerEvent>,
    has_key: AtomicBool,
    first_run: AtomicBool,
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager")
            .field("data_dir", &self.cfg.data_dir)
            .finish_non_exhaustive()
    }
}

impl Manager {
    /// Opens the history and the settings in the data folder. No session yet: see
    /// [`Manager::start`] (the app) or [`Manager::use_real`] (the CLI).
    pub fn open(cfg: ManagerConfig) -> Result<Manager> {
        let history = Arc::new(History::open_in_dir_with_clock(
            &cfg.data_dir,
            cfg.clock.clone(),
        )?);
        let settings = Settings::load(&cfg.data_dir);
        let first_run = !cfg.data_dir.join(crate::settings::FILE_NAME).exists();
        let (events, _) = broadcast::channel(256);
        let hours = SharedHours::new(cfg.enforce_hours.then(|| HoursRule {
            hours: settings.calling_hours,
            user_zone: cfg.user_zone.unwrap_or_else(crate::callee_time::user_zone),
        }));
        Ok(Manager {
            cfg,
            history,
            identity: SharedIdentity::new(settings.caller_identity()),
            hours,
            settings: Mutex::new(settings),
            active: tokio::sync::Mutex::new(None),
            events,
            has_key: AtomicBool::new(false),
            first_run: AtomicBool::new(first_run),
        })
    }

    /// The history.
    pub fn history(&self) -> &Arc<History> {
        &self.history
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.cfg.data_dir
    }

    /// Every change to a call (placed, followed, cancelled, closed out), and the network and
    /// service state, from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<TrackerEvent> {
        self.events.subscribe()
    }

    /// The settings as they are now.
    pub fn settings(&self) -> Settings {
        self.settings.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The address in use for real calls: the override, else `MISSIONCALL_BASE_URL`, else
    /// the stored one.
    pub fn effective_base_url(&self) -> String {
        match &self.cfg.base_url_override {
            Some(u) if !u.trim().is_empty() => u.trim().to_owned(),
            _ => self.settings().effective_base_url(),
        }
    }

    /// The keychain entry of the address in use (with the environment's key, if set).
    pub fn secrets(&self) -> Secrets {
        self.cfg.secrets.for_address(&self.effective_base_url())
    }

    /// The key for `base_url`: the environment's or the keychain's for the address in use;
    /// only the keychain's entry of that address for any other.
    fn key_for(&self, base_url: &str) -> Result<Option<ApiKey>> {
        if same_address(base_url, &self.effective_base_url()) {
            return Ok(self.secrets().load()?.map(|(k, _)| k));
        }
        // Another address: a keychain that cannot be read holds no key for it either, and
        // the refusal names the call's own service rather than the keychain.
        match self
            .cfg
            .secrets
            .for_address(base_url)
            .keychain_only()
            .load()
        {
            Ok(k) => Ok(k.map(|(k, _)| k)),
            Err(e) => {
                tracing::warn!("no key for {base_url}: {e}");
                Ok(None)
            }
        }
    }

    /// Whether a key is set for the address in use, masked.
    pub fn key_status(&self) -> Result<KeyStatus> {
        Ok(self.secrets().status()?)
    }

    /// Starts the app's session: attempts whose sender is gone become unknown outcomes; demo
    /// calls left live by an earlier run are closed out; then the real service when a key is
    /// stored for the address, else demo mode when it was on last time.
    pub async fn start(&self) -> Result<ModeInfo> {
        self.recover()?;
        let key = self.load_key()?;
        let demo_wanted = self.settings().demo;
        if let Some(key) = key {
            self.install(self.real_session(key)?).await;
        } else if demo_wanted {
            self.install(self.demo_session().await?).await;
        }
        if !self.mode().await.demo {
            self.close_out_demo_calls()?;
        }
        Ok(self.mode().await)
    }

    /// The current mode.
    pub async fn mode(&self) -> ModeInfo {
        let active = self.active.lock().await;
        let has_key = self.has_key.load(Ordering::Relaxed);
        let demo = active.as_ref().is_some_and(|a| a.session.is_demo());
        ModeInfo {
            demo,
            has_key,
            base_url: active
                .as_ref()
                .map(|a| a.session.base_url().to_owned())
                .unwrap_or_else(|| self.effective_base_url()),
            default_region: self.default_region(),
            first_run: self.first_run.load(Ordering::Relaxed) && !has_key && !demo,
        }
    }

    /// The region for national numbers: the stored one, else the system locale's.
    pub fn default_region(&self) -> String {
        self.settings()
            .default_region
            .unwrap_or_else(crate::phone::system_region)
    }

    /// The session in use, if any.
    pub async fn session(&self) -> Option<Arc<Session>> {
        self.active.lock().await.as_ref().map(|a| a.session.clone())
    }

    /// The calls of the session in use (where new calls go), or why there is none.
    pub async fn current_calls(&self) -> Result<Calls> {
        match self.session().await {
            Some(s) => Ok(s.calls.clone()),
            None => Err(Error::NoKey),
        }
    }

    /// The calls of `call_id`'s own origin: the session in use when it is that origin; for a
    /// real call of another address, that address with its own stored key; otherwise why not.
    pub async fn calls_for(&self, call_id: i64) -> Result<Calls> {
        let call = self.history.get(call_id)?;
        let session = self.session().await;
        if let Some(s) = &session {
            if s.calls.origin() == &call.origin {
                return Ok(s.calls.clone());
            }
        }
        match &call.origin {
            Origin::Demo => Err(Error::DemoEnded { call_id }),
            Origin::Service(url) => {
                // Also in demo mode: a real call is handled at its real service.
                let Some(key) = self.key_for(url)? else {
                    return Err(Error::NoKeyForOrigin {
                        call_id,
                        origin: url.clone(),
                    });
                };
                Ok(Calls::real(self.history.clone(), self.client(key, url)?)
                    .with_lost_ids_file(self.lost_ids_file())
                    .with_identity(self.identity.clone())
                    .with_hours(self.hours.clone()))
            }
        }
    }

    /// Who calls are made for (the sentence added to every mission; see [`crate::identity`]).
    pub fn caller_identity(&self) -> CallerIdentity {
        self.identity.get()
    }

    /// Checks and saves who calls are made for; every confirmation from now on carries its
    /// sentence (or none, for an empty identity). Returns the settings as saved.
    pub fn set_caller_identity(&self, identity: CallerIdentity) -> Result<Settings> {
        let checked = self.update_settings(|s| *s = s.clone().with_caller_identity(identity))?;
        self.identity.set(checked.caller_identity());
        Ok(checked)
    }

    /// "Pause all" (`true`) or resume (`false`): while paused no scheduled call and no batch
    /// row is placed, by this process or by any runner sharing the data folder; calls already
    /// placed go on. A one-off call whose time passes meanwhile is overdue on resume: it waits
    /// for the user. Returns the settings as saved.
    pub fn set_paused(&self, paused: bool) -> Result<Settings> {
        self.update_settings(|s| s.paused = paused)
    }

    /// Whether closing the window keeps MissionCall running in the tray while calls are
    /// scheduled or a batch runs. Returns the settings as saved.
    pub fn set_keep_running_in_tray(&self, on: bool) -> Result<Settings> {
        self.update_settings(|s| s.keep_running_in_tray = on)
    }

    /// Whether scheduled calls are paused, as saved now: read again from the settings file, so
    /// a pause (or a resume) made by another process sharing the data folder counts at once.
    pub fn paused(&self) -> bool {
        let path = self.cfg.data_dir.join(crate::settings::FILE_NAME);
        let on_disk = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Settings>(&b).ok())
            .map(|s| s.paused);
        let mut current = self.settings.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = on_disk {
            current.paused = p;
        }
        current.paused
    }

    /// What would keep MissionCall running with its window closed: one-off calls waiting for
    /// their time, and batches this process runs.
    pub fn background(&self) -> Result<crate::schedule::Background> {
        let waiting = self
            .history
            .jobs(&[crate::call::JobState::Waiting])?
            .iter()
            .filter(|j| j.batch_id.is_none())
            .count();
        let mut running_batches = 0;
        for b in self.history.batches()? {
            if b.state == crate::call::BatchState::Running && self.history.runs_batch(&b)? {
                running_batches += 1;
            }
        }
        Ok(crate::schedule::Background {
            waiting,
            running_batches,
            paused: self.paused(),
            keep_running_in_tray: self.settings().keep_running_in_tray,
        })
    }

    /// Saves the settings changed by `change` (checked first) and keeps them.
    fn update_settings(&self, change: impl FnOnce(&mut Settings)) -> Result<Settings> {
        let mut next = self.settings();
        change(&mut next);
        let checked = next.validated()?;
        checked.save(&self.cfg.data_dir)?;
        if let Ok(mut s) = self.settings.lock() {
            *s = checked.clone();
        }
        self.first_run.store(false, Ordering::Relaxed);
        Ok(checked)
    }

    /// The calling hours and the user's time zone (as saved, also when
    /// [`crate::settings::ENV_CALLING_HOURS`] lifts them for this process).
    pub fn hours_rule(&self) -> HoursRule {
        self.hours.get().unwrap_or_else(|| HoursRule {
            hours: self.settings().calling_hours,
            user_zone: self
                .cfg
                .user_zone
                .unwrap_or_else(crate::callee_time::user_zone),
        })
    }

    /// Whether the calling hours are enforced in this process.
    pub fn hours_enforced(&self) -> bool {
        self.hours.get().is_some()
    }

    /// Checks and saves the calling hours; every confirmation and placement from now on
    /// respects them. Returns the settings as saved.
    pub fn set_calling_hours(&self, hours: CallingHours) -> Result<Settings> {
        let checked = self.update_settings(|s| s.calling_hours = hours)?;
        let zone = self.hours_rule().user_zone;
        self.hours.set(self.cfg.enforce_hours.then_some(HoursRule {
            hours: checked.calling_hours,
            user_zone: zone,
        }));
        Ok(checked)
    }

    /// Checks a call without a session and without sending anything: the number, the task as
    /// it will be sent (with the caller identity's sentence), and the do-not-call list. The
    /// CLI asks this before it needs a key; [`Manager::confirm`] checks it all again.
    pub fn prepare(&self, req: &CallRequest<'_>) -> Result<Prepared> {
        crate::calls::check_request(&self.history, &self.identity.get(), req)
    }

    /// Confirms a call for the session in use (see [`Calls::confirm`]).
    pub async fn confirm(&self, req: &CallRequest<'_>) -> Result<Confirmation> {
        self.current_calls().await?.confirm(req)
    }

    /// Places a confirmed call, announces it, and follows it.
    pub async fn place_confirmed(&self, token: &str) -> Result<CallRecord> {
        self.place_confirmed_with(token, HoursChoice::Respect).await
    }

    /// [`Manager::place_confirmed`] with the user's choice about the calling hours ("call
    /// now anyway" is recorded on the call).
    pub async fn place_confirmed_with(
        &self,
        token: &str,
        choice: HoursChoice,
    ) -> Result<CallRecord> {
        let calls = self.current_calls().await?;
        let rec = self.announce_result(calls.place_confirmed_with(token, choice).await)?;
        self.follow(&rec).await;
        Ok(rec)
    }

    /// Confirms and places in one step, for a caller that asked the person itself (the CLI).
    pub async fn place(&self, req: &CallRequest<'_>) -> Result<CallRecord> {
        let calls = self.current_calls().await?;
        let rec = self.announce_result(calls.place(req).await)?;
        self.follow(&rec).await;
        Ok(rec)
    }

    /// Cancels a call at its own origin.
    pub async fn cancel(&self, call_id: i64) -> Result<CallRecord> {
        let calls = self.calls_for(call_id).await?;
        let rec = calls.cancel(call_id).await;
        self.announce_result(rec)
    }

    /// Reads a call's task from its own origin now (and follows it again if it had stopped).
    pub async fn refresh(&self, call_id: i64) -> Result<CallRecord> {
        let calls = self.calls_for(call_id).await?;
        let rec = self.announce_result(calls.refresh(call_id).await)?;
        self.follow(&rec).await;
        Ok(rec)
    }

    /// Links an unknown outcome to the task id the user found, at the call's own origin.
    pub async fn check_unknown_outcome(&self, call_id: i64, task_id: &str) -> Result<CallRecord> {
        let calls = self.calls_for(call_id).await?;
        let rec = self.announce_result(calls.check_unknown_outcome(call_id, task_id).await)?;
        self.follow(&rec).await;
        Ok(rec)
    }

    /// The user confirms that no call was made for an unknown outcome (nothing is sent).
    pub fn dismiss_unknown_outcome(&self, call_id: i64) -> Result<CallRecord> {
        self.announce_result(crate::calls::dismiss_unknown_outcome(
            &self.history,
            call_id,
        ))
    }

    /// Schedules a call for `due_at` at the origin in use (see [`Calls::schedule`]); for a
    /// caller that asked the person itself (the CLI). Nothing is sent now.
    pub async fn schedule(
        &self,
        req: &CallRequest<'_>,
        due_at: chrono::DateTime<chrono::Utc>,
        choice: HoursChoice,
    ) -> Result<ScheduledJob> {
        self.current_calls()
            .await?
            .schedule_with(req, due_at, choice)
    }

    /// Schedules a confirmed call (the token of [`Manager::confirm`]) for `due_at`.
    pub async fn schedule_confirmed(
        &self,
        token: &str,
        due_at: chrono::DateTime<chrono::Utc>,
        choice: HoursChoice,
    ) -> Result<ScheduledJob> {
        self.current_calls()
            .await?
            .schedule_confirmed_with(token, due_at, choice)
    }

    /// The dry run of a batch file (see [`crate::batch::plan`]): every row with what would be
    /// sent and to whom, or why it would not be called, judged at `at` (now when `None`) with
    /// the saved calling hours, the caller identity, the do-not-call list and the calls of the
    /// last day. Nothing is stored or sent.
    pub fn plan_batch(
        &self,
        bytes: &[u8],
        template: &str,
        region: Option<String>,
        phone_column: Option<String>,
        at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<crate::batch::Plan> {
        let now = at.unwrap_or_else(|| self.cfg.clock.now());
        let sheet = crate::batch::read_sheet(bytes)?;
        let facts = crate::batch_run::facts(&self.history, now)?;
        let region = region.or_else(|| self.settings().default_region);
        Ok(crate::batch::plan(
            &sheet,
            template,
            &crate::batch::PlanOptions {
                region,
                phone_column,
                now,
                hours: self.hours_rule().hours,
                apply_hours: self.hours_enforced(),
                identity: self.identity.get(),
            },
            &facts,
        )?)
    }

    /// Starts a confirmed dry run as a batch of the session in use, run by this process (see
    /// [`Calls::start_batch`]). Nothing is sent here: [`Manager::run_due`] places its rows.
    pub async fn start_batch(
        &self,
        source: &str,
        template: &str,
        plan: &crate::batch::Plan,
        concurrency: u8,
    ) -> Result<crate::history::Batch> {
        self.current_calls()
            .await?
            .start_batch(source, template, plan, concurrency)
    }

    /// Cancels a batch: its rows not yet placed never will be; its calls still going are
    /// cancelled at the service where it allows it (when the batch belongs to the session in
    /// use; otherwise they go on, and the batch says so).
    pub async fn cancel_batch(&self, id: i64) -> Result<crate::history::Batch> {
        let batch = self.history.batch(id)?;
        if let Some(s) = self.session().await {
            if s.calls.origin() == &batch.origin {
                return s.calls.cancel_batch(id).await;
            }
        }
        Ok(self.history.cancel_batch(id)?.0)
    }

    /// The scheduled calls still to place: waiting, and overdue (waiting for the user),
    /// soonest first.
    pub fn scheduled(&self) -> Result<Vec<ScheduledJob>> {
        Ok(self.history.jobs(&[JobState::Waiting, JobState::Overdue])?)
    }

    /// When the soonest waiting call is due (for a timer), if any waits.
    pub fn next_due(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        Ok(self.history.next_due()?)
    }

    /// Cancels a waiting (or overdue) scheduled call. Nothing is sent.
    pub fn cancel_scheduled(&self, job_id: i64) -> Result<ScheduledJob> {
        Ok(self.history.cancel_job(job_id)?)
    }

    /// Drops an overdue scheduled call: the user chose not to place it. Nothing is sent.
    pub fn drop_scheduled(&self, job_id: i64) -> Result<ScheduledJob> {
        Ok(self.history.drop_job(job_id)?)
    }

    /// Places an overdue scheduled call now, because the user said so, at its own origin
    /// (never re-routed): once, through the attempt path. Announces and follows the call.
    pub async fn confirm_scheduled(&self, job_id: i64) -> Result<CallRecord> {
        self.confirm_scheduled_with(job_id, HoursChoice::Respect)
            .await
    }

    /// [`Manager::confirm_scheduled`] with the user's choice about the calling hours now
    /// ("Place it anyway", recorded on the call).
    pub async fn confirm_scheduled_with(
        &self,
        job_id: i64,
        choice: HoursChoice,
    ) -> Result<CallRecord> {
        let job = self.history.job(job_id)?;
        let calls = self.calls_for_job(&job).await?;
        let rec = self.announce_result(calls.confirm_overdue_with(job_id, choice).await)?;
        self.follow(&rec).await;
        Ok(rec)
    }

    /// Does what is due now (see [`Calls::run_due`]) with the session in use: attempts whose
    /// process is gone become unknown outcomes; late jobs become overdue; batches whose process
    /// is gone are paused; due jobs of this origin are placed,
    /// announced and followed. With no session, only the overdue jobs and the orphaned
    /// batches are marked.
    pub async fn run_due(&self) -> Result<RunReport> {
        let now = self.cfg.clock.now();
        // Attempts whose sender is gone (a runner killed mid-call) are unknown outcomes first:
        // never sent again, and no longer holding a batch's slot.
        self.recover()?;
        // Paused ("Pause all"): nothing is placed; what is late is still marked, so a one-off
        // call whose time passed meanwhile asks first on resume.
        let session = if self.paused() {
            None
        } else {
            self.session().await
        };
        let Some(session) = session else {
            let grace = chrono::Duration::from_std(crate::schedule::GRACE).unwrap_or_default();
            return Ok(RunReport {
                overdue: self
                    .history
                    .mark_overdue(now - grace, crate::schedule::OVERDUE_NOTE)?,
                paused_batches: self
                    .history
                    .pause_orphaned_batches(crate::batch_run::ORPHANED_NOTE)?,
                ..RunReport::default()
            });
        };
        let report = session.calls.run_due(now).await?;
        for (_, rec) in &report.placed {
            let _ = self
                .events
                .send(TrackerEvent::Updated(Box::new(rec.clone())));
            self.follow(rec).await;
        }
        Ok(report)
    }

    /// The calls of a scheduled job's own origin: the session in use when it is that origin;
    /// for a real service at another address, that address with its own stored key.
    async fn calls_for_job(&self, job: &ScheduledJob) -> Result<Calls> {
        if let Some(s) = self.session().await {
            if s.calls.origin() == &job.origin {
                return Ok(s.calls.clone());
            }
        }
        let elsewhere = || Error::ScheduledElsewhere {
            job_id: job.id,
            origin: job.origin.clone(),
        };
        match &job.origin {
            Origin::Demo => Err(elsewhere()),
            Origin::Service(url) => {
                let Some(key) = self.key_for(url)? else {
                    return Err(elsewhere());
                };
                Ok(Calls::real(self.history.clone(), self.client(key, url)?)
                    .with_lost_ids_file(self.lost_ids_file()))
            }
        }
    }

    /// Looks for work done elsewhere (the CLI): attempts whose sender is gone become unknown
    /// outcomes, and the tracker picks up live calls it does not follow yet. Calls it gave up
    /// on stay given up.
    pub async fn rescan(&self) -> Result<()> {
        self.recover()?;
        if let Some(t) = self.session().await.as_ref().and_then(|s| s.tracker()) {
            t.rescan();
        }
        Ok(())
    }

    /// Marks attempts whose sender is gone as unknown outcomes, and announces them.
    pub fn recover(&self) -> Result<Vec<CallRecord>> {
        let marked = self.history.recover_interrupted()?;
        for rec in &marked {
            let _ = self
                .events
                .send(TrackerEvent::Updated(Box::new(rec.clone())));
        }
        Ok(marked)
    }

    /// Switches to the real service with the key stored for the address in use (ends demo
    /// mode; live demo calls are closed out). With no key there is no session.
    pub async fn use_real(&self) -> Result<ModeInfo> {
        let key = self.load_key()?;
        let was_demo = self.mode().await.demo;
        match key {
            Some(key) => {
                let session = self.real_session(key)?;
                self.install(session).await;
            }
            None => self.uninstall().await,
        }
        if was_demo {
            self.close_out_demo_calls()?;
        }
        Ok(self.mode().await)
    }

    /// Starts demo mode: the simulator in this process; nobody is called.
    pub async fn start_demo(&self) -> Result<ModeInfo> {
        let session = self.demo_session().await?;
        self.install(session).await;
        self.remember_demo(true);
        Ok(self.mode().await)
    }

    /// Ends demo mode: back to the real service if a key is stored for the address. Demo calls
    /// still live are closed out as demo calls (nothing is sent anywhere).
    pub async fn stop_demo(&self) -> Result<ModeInfo> {
        self.uninstall().await;
        self.remember_demo(false);
        self.close_out_demo_calls()?;
        self.use_real().await
    }

    /// Stores a key for the address in use and switches to the real service.
    pub async fn set_key(&self, text: &str) -> Result<ModeInfo> {
        self.secrets().keychain_only().set_text(text)?;
        self.remember_demo(false);
        self.use_real().await
    }

    /// Removes the key of the address in use; the real session ends (demo mode goes on).
    pub async fn clear_key(&self) -> Result<ModeInfo> {
        self.secrets().keychain_only().clear()?;
        // The environment's key, if any, still counts.
        let key = self.load_key()?;
        let demo = self.mode().await.demo;
        if !demo && key.is_none() {
            self.uninstall().await;
        }
        Ok(self.mode().await)
    }

    /// Checks and saves new settings (the demo flag and the caller identity are kept: the
    /// identity changes only through [`Manager::set_caller_identity`]; the calling hours are
    /// kept too, as they are not part of this form either). When the address
    /// changes, the real session follows it with that address's own key, or ends when it has
    /// none.
    pub async fn set_settings(&self, new: Settings) -> Result<Settings> {
        let before = self.settings();
        let checked = Settings {
            demo: before.demo,
            calling_hours: before.calling_hours,
            keep_running_in_tray: before.keep_running_in_tray,
            paused: before.paused,
            ..new.validated()?
        }
        .with_caller_identity(before.caller_identity());
        checked.save(&self.cfg.data_dir)?;
        let changed_url = !same_address(&before.base_url, &checked.base_url);
        if let Ok(mut s) = self.settings.lock() {
            *s = checked.clone();
        }
        self.first_run.store(false, Ordering::Relaxed);
        if changed_url && !self.mode().await.demo {
            self.use_real().await?;
        } else if changed_url {
            self.load_key()?;
        }
        Ok(checked)
    }

    /// Stops the session (tracker, simulator).
    pub async fn shutdown(&self) {
        self.uninstall().await;
    }

    /// Title and body of a call's notification: the number and the status in plain words; a
    /// completed call's carries the first line of its summary. Plain text: never markup.
    pub fn notification_text(rec: &CallRecord) -> (String, String) {
        notification_text(rec)
    }

    // ---- internals ----

    fn lost_ids_file(&self) -> PathBuf {
        self.cfg.data_dir.join(LOST_IDS_FILE)
    }

    fn client(&self, key: ApiKey, base_url: &str) -> Result<Client> {
        Ok(Client::builder(key)
            .base_url(base_url)
            .timeout(self.cfg.timeout)
            .connect_timeout(self.cfg.connect_timeout)
            .build()?)
    }

    fn load_key(&self) -> Result<Option<ApiKey>> {
        let key = self.secrets().load()?.map(|(k, _)| k);
        self.has_key.store(key.is_some(), Ordering::Relaxed);
        Ok(key)
    }

    fn real_session(&self, key: ApiKey) -> Result<Session> {
        let base = self.effective_base_url();
        let calls = Calls::real(self.history.clone(), self.client(key, &base)?)
            .with_lost_ids_file(self.lost_ids_file())
            .with_identity(self.identity.clone())
            .with_hours(self.hours.clone());
        let tracker = self.cfg.follow.then(|| {
            Tracker::start_on(
                calls.clone(),
                self.cfg.tracker.clone().unwrap_or_default(),
                self.events.clone(),
            )
        });
        Ok(Session {
            calls,
            tracker,
            sim: None,
        })
    }

    async fn demo_session(&self) -> Result<Session> {
        let speed = self.cfg.demo_speed;
        let sim = workapi_sim::Sim::start(workapi_sim::SimConfig {
            speed,
            // Nothing in the app drives the demo from outside: no control API on its port.
            control_api: false,
            ..workapi_sim::SimConfig::default()
        })
        .await
        .map_err(|e| Error::Demo {
            detail: e.to_string(),
        })?;
        // Demo calls from an earlier simulator cannot be followed by this one.
        self.close_out_demo_calls()?;
        let client = Client::builder(ApiKey::new(workapi_sim::DEMO_KEY)?)
            .base_url(sim.base_url())
            .timeout(Duration::from_secs(10))
            .build()?;
        let calls = Calls::new(self.history.clone(), client, Origin::Demo)
            .with_identity(self.identity.clone())
            .with_hours(self.hours.clone());
        let tracker = self.cfg.follow.then(|| {
            Tracker::start_on(
                calls.clone(),
                self.cfg
                    .tracker
                    .clone()
                    .unwrap_or_else(|| TrackerConfig::scaled(speed.max(1.0))),
                self.events.clone(),
            )
        });
        Ok(Session {
            calls,
            tracker,
            sim: Some(sim),
        })
    }

    /// Demo calls still live are closed out: their simulator is gone, nobody was called.
    fn close_out_demo_calls(&self) -> Result<()> {
        for rec in self.history.live()? {
            if rec.origin.is_demo() {
                if let Some(updated) = self.history.mark_demo_ended(rec.id, DEMO_ABANDONED_NOTE)? {
                    let _ = self.events.send(TrackerEvent::Updated(Box::new(updated)));
                }
            }
        }
        Ok(())
    }

    async fn install(&self, session: Session) {
        let session = Arc::new(session);
        let old = self.active.lock().await.replace(Active { session });
        if let Some(old) = old {
            shutdown_active(old).await;
        }
    }

    async fn uninstall(&self) {
        let old = self.active.lock().await.take();
        if let Some(old) = old {
            shutdown_active(old).await;
        }
    }

    /// Remembers whether demo mode is on, so the app comes back in it (this also ends the
    /// first run: the settings file now exists).
    fn remember_demo(&self, demo: bool) {
        self.first_run.store(false, Ordering::Relaxed);
        let snapshot = match self.settings.lock() {
            Ok(mut s) => {
                s.demo = demo;
                s.clone()
            }
            Err(_) => return,
        };
        if let Err(e) = snapshot.save(&self.cfg.data_dir) {
            tracing::warn!("could not save settings: {e}");
        }
    }

    fn announce_result(&self, r: Result<CallRecord>) -> Result<CallRecord> {
        match r {
            Ok(rec) => {
                let _ = self
                    .events
                    .send(TrackerEvent::Updated(Box::new(rec.clone())));
                Ok(rec)
            }
            Err(e) => {
                // A failed placement changed its attempt row (not placed, unknown outcome).
                if let Error::UnknownOutcome { call_id, .. } = &e {
                    if let Ok(rec) = self.history.get(*call_id) {
                        let _ = self.events.send(TrackerEvent::Updated(Box::new(rec)));
                    }
                }
                Err(e)
            }
        }
    }

    async fn follow(&self, rec: &CallRecord) {
        if !rec.status.is_live() {
            return;
        }
        let Some(task_id) = rec.task_id.as_deref() else {
            return;
        };
        if let Some(s) = self.session().await {
            if s.calls.origin() == &rec.origin {
                if let Some(t) = s.tracker() {
                    t.follow(task_id);
                }
            }
        }
    }
}

async fn shutdown_active(a: Active) {
    if let Ok(session) = Arc::try_unwrap(a.session) {
        session.shutdown().await;
    }
}

/// True when two service addresses are the same once normalised.
pub fn same_address(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        workapi::check_base_url(s)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| s.trim().to_owned())
    };
    norm(a) == norm(b)
}

/// Text for a notification: control characters (newlines included) become spaces, and runs
/// of blanks one space. The service's summary is untrusted text.
pub fn plain_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A notification body for servers that read it as markup (freedesktop `body-markup`: GNOME,
/// dunst): `&`, `<` and `>` escaped, so the text is shown as text and never as an image, a
/// link or a tag.
pub fn freedesktop_body(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in plain_line(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// The number as a notification names it: the contact's name and the number, or the number.
fn callee(rec: &CallRecord) -> String {
    match &rec.contact_name {
        Some(name) => format!("{name} ({})", crate::phone::display(&rec.phone_e164)),
        None => crate::phone::display(&rec.phone_e164),
    }
}

/// Title and body of the notification of a call whose follow-up has fallen due: who, and the
/// note (else the task).
pub fn follow_up_text(rec: &CallRecord) -> (String, String) {
    let title = format!("Follow-up due — {}", callee(rec));
    let first_line = |t: &str| {
        t.lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(|l| l.chars().take(160).collect::<String>())
    };
    let body = first_line(&rec.note)
        .or_else(|| first_line(&rec.task))
        .unwrap_or_default();
    (plain_line(&title), plain_line(&body))
}

/// The one notification at start when follow-ups are already due.
pub fn follow_ups_due_text(n: usize) -> (String, String) {
    let title = if n == 1 {
        "1 follow-up is due".to_owned()
    } else {
        format!("{n} follow-ups are due")
    };
    (title, "Open MissionCall's Follow-ups to see them.".into())
}

/// Title and body of a call's notification (see [`Manager::notification_text`]).
pub fn notification_text(rec: &CallRecord) -> (String, String) {
    let number = callee(rec);
    let demo = if rec.demo { " (demo)" } else { "" };
    let title = format!("{} — {number}{demo}", rec.status.label());
    // The first line with words in it: a summary may start with a blank line.
    let first_line = rec
        .summary
        .as_deref()
        .and_then(|s| s.lines().map(str::trim).find(|l| !l.is_empty()));
    let body: String = match (rec.status.is_completed(), first_line) {
        (true, Some(line)) => line.chars().take(200).collect(),
        (true, None) => "The call is done.".into(),
        _ => rec.task.chars().take(120).collect(),
    };
    (plain_line(&title), plain_line(&body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notification_bodies_are_text_never_markup() {
        let hostile =
            "Done <img src=x onerror=alert(1)> & <a href=\"http://evil\">here</a>\u{7}\nnext";
        let body = freedesktop_body(hostile);
        assert_eq!(
            body,
            "Done &lt;img src=x onerror=alert(1)&gt; &amp; &lt;a href=\"http://evil\"&gt;here&lt;/a&gt; next"
        );
        assert!(!body.contains('<') && !body.contains('>'));
        assert!(!body.chars().any(char::is_control));
        assert_eq!(plain_line("a\u{0}b\r\n\tc"), "a b c");
    }
}
