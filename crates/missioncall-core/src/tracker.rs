//! The tracker: follows live tasks until they end, and tells everyone what changed.
//!
//! It polls only tasks of its origin that are live in history and not given up (adaptive
//! interval: fast at first, slower over time, with jitter), writes each new status to history
//! (which records when it was first seen), and publishes a [`TrackerEvent`] on a broadcast
//! channel. With no live task it is idle: no timer, no request, just a wait on its command
//! channel. After a restart it resumes following the live tasks found in history. It never
//! creates or cancels a task.
//!
//! Its rules hold across rescans because they are kept in history: a task it gives up on (the
//! service no longer knows it, an unknown status for too long, answers that cannot be read) is
//! marked so and is not followed again until the user asks. A 429 pauses every request (the
//! limit is per key) until `Retry-After`; one task's unreadable answers concern that task alone
//! and never the network state.

use crate::call::{ServiceStatus, Tracking};
use crate::calls::Calls;
use crate::history::CallRecord;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use workapi::{Client, RetryPolicy, TaskId};

/// What the tracker tells its subscribers.
#[derive(Clone, Debug)]
pub enum TrackerEvent {
    /// A call's status or result changed (the record as now stored).
    Updated(Box<CallRecord>),
    /// The service became unreachable (`online: false`) or reachable again.
    Network {
        /// Reachable.
        online: bool,
        /// Plain-language detail when offline.
        message: Option<String>,
    },
    /// The service refused to answer (a rejected key, say): following is paused.
    ServiceProblem {
        /// Plain-language detail.
        message: String,
    },
}

/// Timing of the tracker. [`TrackerConfig::default`] suits a real service; tests and the demo
/// use [`TrackerConfig::scaled`].
#[derive(Clone, Debug)]
pub struct TrackerConfig {
    /// Poll interval during a task's first minute.
    pub first_interval: Duration,
    /// The longest poll interval.
    pub max_interval: Duration,
    /// Fraction of random spread around each interval (0.2 = ±20%).
    pub jitter: f64,
    /// Consecutive network failures before the tracker reports being offline.
    pub offline_after: u32,
    /// How long a status the contract does not name is followed before giving up.
    pub unknown_status_limit: Duration,
    /// Consecutive "not found" answers before a task is no longer followed.
    pub not_found_limit: u32,
    /// Consecutive unreadable answers about one task before it is no longer followed.
    pub unreadable_limit: u32,
    /// How long a streak of unreadable answers about one task may last before it is no longer
    /// followed.
    pub unreadable_for: Duration,
    /// Multiplies every duration (1.0 = real time; 0.01 = a hundred times faster).
    pub scale: f64,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        TrackerConfig {
            first_interval: Duration::from_secs(2),
            max_interval: Duration::from_secs(60),
            jitter: 0.2,
            offline_after: 3,
            unknown_status_limit: Duration::from_secs(3600),
            not_found_limit: 3,
            unreadable_limit: 10,
            unreadable_for: Duration::from_secs(300),
            scale: 1.0,
        }
    }
}

impl TrackerConfig {
    /// The default timing, `speed` times faster (for the demo simulator and tests).
    pub fn scaled(speed: f64) -> Self {
        let speed = if speed.is_finite() && speed > 0.0 {
            speed
        } else {
            1.0
        };
        TrackerConfig {
            scale: 1.0 / speed,
            ..TrackerConfig::default()
        }
    }

    fn scale(&self, d: Duration) -> Duration {
        d.mul_f64(self.scale).max(Duration::from_millis(5))
    }

    /// The poll interval for a task followed for `age` (before jitter and scaling).
    pub fn interval(&self, age: Duration) -> Duration {
        let base = if age < Duration::from_secs(60) {
            self.first_interval
        } else if age < Duration::from_secs(300) {
            self.first_interval * 5 / 2
        } else if age < Duration::from_secs(1800) {
            self.first_interval * 15 / 2
        } else {
            self.max_interval
        };
        base.min(self.max_interval)
    }

    fn jittered(&self, d: Duration) -> Duration {
        let spread = self.jitter.clamp(0.0, 0.9);
        let f = 1.0 + spread * (rand::random::<f64>() * 2.0 - 1.0);
        d.mul_f64(f)
    }

    /// Pause after `failures` consecutive network failures (capped).
    fn failure_pause(&self, failures: u32) -> Duration {
        let secs = 2u64.saturating_pow(failures.min(6)).min(60);
        Duration::from_secs(secs)
    }
}

/// Counters, for benchmarks and tests.
#[derive(Debug, Default)]
pub struct TrackerStats {
    /// Task reads sent.
    pub requests: AtomicU64,
    /// Times the loop woke on a timer.
    pub wakeups: AtomicU64,
    following: AtomicUsize,
}

enum Cmd {
    Follow(String),
    Rescan,
}

/// A running tracker. Dropping it (or [`Tracker::shutdown`]) stops it.
pub struct Tracker {
    cmd: mpsc::UnboundedSender<Cmd>,
    events: broadcast::Sender<TrackerEvent>,
    stats: Arc<TrackerStats>,
    task: Option<JoinHandle<()>>,
}

struct Followed {
    since: Instant,
    due: Instant,
    unknown_since: Option<Instant>,
    not_found: u32,
    unreadable: u32,
    unreadable_since: Option<Instant>,
}

impl Tracker {
    /// Starts following, on the current tokio runtime, the live tasks of `calls`' origin found
    /// in history, and any task later passed to [`Tracker::follow`].
    pub fn start(calls: Calls, cfg: TrackerConfig) -> Tracker {
        let (events, _) = broadcast::channel(256);
        Tracker::start_on(calls, cfg, events)
    }

    /// Like [`Tracker::start`], publishing on `events` (a channel its subscribers already
    /// listen to, so that no event can come before they do).
    pub fn start_on(
        calls: Calls,
        cfg: TrackerConfig,
        events: broadcast::Sender<TrackerEvent>,
    ) -> Tracker {
        let (cmd, rx) = mpsc::unbounded_channel();
        let stats = Arc::new(TrackerStats::default());
        // The tracker handles rate limits and failures itself: a request never waits inside.
        let client = calls.client().with_retry_policy(RetryPolicy::none());
        let worker = Worker {
            calls,
            client,
            cfg,
            events: events.clone(),
            stats: stats.clone(),
            live: HashMap::new(),
            failures: 0,
            offline: false,
            paused_until: None,
        };
        let task = tokio::spawn(worker.run(rx));
        Tracker {
            cmd,
            events,
            stats,
            task: Some(task),
        }
    }

    /// Follows a task (e.g. one just created).
    pub fn follow(&self, task_id: &str) {
        let _ = self.cmd.send(Cmd::Follow(task_id.to_owned()));
    }

    /// Looks in history again for live tasks (e.g. created by the CLI meanwhile).
    pub fn rescan(&self) {
        let _ = self.cmd.send(Cmd::Rescan);
    }

    /// A receiver of every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<TrackerEvent> {
        self.events.subscribe()
    }

    /// The counters.
    pub fn stats(&self) -> &TrackerStats {
        &self.stats
    }

    /// How many tasks are being followed.
    pub fn following(&self) -> usize {
        self.stats.following.load(Ordering::Relaxed)
    }

    /// Stops the tracker and waits for it.
    pub async fn shutdown(mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
            let _ = t.await;
        }
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

struct Worker {
    calls: Calls,
    client: Client,
    cfg: TrackerConfig,
    events: broadcast::Sender<TrackerEvent>,
    stats: Arc<TrackerStats>,
    live: HashMap<String, Followed>,
    failures: u32,
    offline: bool,
    /// Set by a 429: no request at all before then.
    paused_until: Option<Instant>,
}

impl Worker {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Cmd>) {
        self.rescan();
        loop {
            self.stats
                .following
                .store(self.live.len(), Ordering::Relaxed);
            let next = self.live.values().map(|f| f.due).min();
            let cmd = match next {
                // Idle: nothing live, so no timer at all.
                None => rx.recv().await,
                Some(due) => tokio::select! {
                    cmd = rx.recv() => cmd,
                    _ = tokio::time::sleep_until(due) => {
                        self.stats.wakeups.fetch_add(1, Ordering::Relaxed);
                        self.poll_due().await;
                        continue;
                    }
                },
            };
            match cmd {
                None => return,
                Some(Cmd::Follow(id)) => self.add(id),
                Some(Cmd::Rescan) => self.rescan(),
            }
        }
    }

    fn add(&mut self, id: String) {
        let now = Instant::now();
        let mut due = now + self.cfg.scale(self.cfg.jittered(self.cfg.first_interval));
        if let Some(p) = self.paused_until {
            due = due.max(p);
        }
        self.live.entry(id).or_insert(Followed {
            since: now,
            due,
            unknown_since: None,
            not_found: 0,
            unreadable: 0,
            unreadable_since: None,
        });
    }

    /// Stops following a task and records why, so that no rescan brings it back.
    fn give_up(&mut self, id: &str, tracking: Tracking, reason: &str) {
        self.live.remove(id);
        let rec = match self.calls.history().get_by_task_id(id) {
            Ok(Some(rec)) => rec,
            Ok(None) => return,
            Err(e) => {
                tracing::error!("could not read a task given up: {e}");
                return;
            }
        };
        match self
            .calls
            .history()
            .set_tracking(rec.id, tracking, Some(reason))
        {
            Ok(rec) => {
                let _ = self.events.send(TrackerEvent::Updated(Box::new(rec)));
            }
            Err(e) => tracing::error!("could not record that a task is no longer followed: {e}"),
        }
    }

    /// Holds every followed task until at least `until`.
    fn hold_all(&mut self, until: Instant) {
        for f in self.live.values_mut() {
            f.due = f.due.max(until);
        }
    }

    fn rescan(&mut self) {
        match self.calls.history().live() {
            Ok(rows) => {
                for r in rows {
                    if &r.origin == self.calls.origin() {
                        if let Some(id) = r.task_id {
                            self.add(id);
                        }
                    }
                }
            }
            Err(e) => tracing::warn!("tracker could not read live tasks: {e}"),
        }
    }

    async fn poll_due(&mut self) {
        let now = Instant::now();
        // Under a rate limit nothing is asked, whatever was scheduled meanwhile (an answer that
        // came back after the 429 may have scheduled its task's next poll).
        if let Some(until) = self.paused_until.filter(|p| *p > now) {
            self.hold_all(until);
            return;
        }
        let due: Vec<String> = self
            .live
            .iter()
            .filter(|(_, f)| f.due <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for chunk in due.chunks(16) {
            let mut set = tokio::task::JoinSet::new();
            for id in chunk {
                let client = self.client.clone();
                let id = id.clone();
                self.stats.requests.fetch_add(1, Ordering::Relaxed);
                set.spawn(async move {
                    let res = match TaskId::parse(&id) {
                        Ok(tid) => client.tasks().get(&tid).await,
                        Err(e) => Err(e),
                    };
                    (id, res)
                });
            }
            while let Some(joined) = set.join_next().await {
                if let Ok((id, res)) = joined {
                    self.handle(id, res);
                }
            }
            // A rate limit met in this chunk holds the rest of the due tasks too.
            if self.paused_until.is_some_and(|p| p > Instant::now()) {
                break;
            }
        }
    }

    fn handle(&mut self, id: String, res: workapi::Result<workapi::Task>) {
        use workapi::Error as E;
        let now = Instant::now();
        let cfg = self.cfg.clone();
        match res {
            Ok(task) => {
                self.failures = 0;
                if self.offline {
                    self.offline = false;
                    let _ = self.events.send(TrackerEvent::Network {
                        online: true,
                        message: None,
                    });
                }
                match self.calls.record(&task) {
                    Ok(Some(rec)) => {
                        let _ = self.events.send(TrackerEvent::Updated(Box::new(rec)));
                    }
                    Ok(None) => {}
                    Err(e) => tracing::error!("could not record a task's status: {e}"),
                }
                let Some(f) = self.live.get_mut(&id) else {
                    return;
                };
                f.not_found = 0;
                f.unreadable = 0;
                f.unreadable_since = None;
                let status = ServiceStatus::from(&task.status);
                let stop = match &status {
                    s if s.is_final() => Stop::Ended,
                    ServiceStatus::Other(_) => {
                        let since = *f.unknown_since.get_or_insert(now);
                        if now.duration_since(since) > cfg.scale(cfg.unknown_status_limit) {
                            Stop::GiveUp
                        } else {
                            Stop::No
                        }
                    }
                    _ => {
                        f.unknown_since = None;
                        Stop::No
                    }
                };
                match stop {
                    Stop::Ended => {
                        self.live.remove(&id);
                    }
                    Stop::GiveUp => self.give_up(
                        &id,
                        Tracking::GivenUp,
                        "The service kept reporting a status MissionCall does not know, so it is no longer checked automatically. Check it again to see where it stands.",
                    ),
                    Stop::No => {
                        let age = now.duration_since(f.since).div_f64(cfg.scale.max(1e-9));
                        f.due = now + cfg.scale(cfg.jittered(cfg.interval(age)));
                    }
                }
            }
            Err(E::RateLimited { retry_after }) => {
                // The limit is per key: every request waits, not only this task's.
                let wait = retry_after.unwrap_or_else(|| cfg.scale(cfg.max_interval / 4));
                let until = now + wait;
                self.paused_until = Some(self.paused_until.map_or(until, |p| p.max(until)));
                self.hold_all(until);
            }
            Err(E::NotFound) => {
                let Some(f) = self.live.get_mut(&id) else {
                    return;
                };
                f.not_found += 1;
                if f.not_found >= cfg.not_found_limit {
                    tracing::warn!(task = %id, "the service no longer knows this task; not following it");
                    self.give_up(
                        &id,
                        Tracking::GivenUp,
                        "The service no longer knows this task, so it is no longer checked automatically. Check it again if you think it still exists.",
                    );
                } else {
                    f.due = now + cfg.scale(cfg.jittered(cfg.max_interval / 4));
                }
            }
            Err(e @ (E::Unauthorized | E::Forbidden)) => {
                let _ = self.events.send(TrackerEvent::ServiceProblem {
                    message: e.to_string(),
                });
                self.hold_all(now + cfg.scale(Duration::from_secs(300)));
            }
            Err(
                e @ (E::Network { .. }
                | E::Connect { .. }
                | E::UnknownOutcome { .. }
                | E::Build { .. }),
            ) => self.network_failure(now, e),
            Err(e @ E::Server { status, .. }) if status >= 500 => self.network_failure(now, e),
            Err(e) => {
                // This task's answer could not be used (unreadable, or refused for this task
                // alone): it is this task's problem, not the network's.
                let Some(f) = self.live.get_mut(&id) else {
                    return;
                };
                f.unreadable += 1;
                let since = *f.unreadable_since.get_or_insert(now);
                let too_long = now.duration_since(since) >= cfg.scale(cfg.unreadable_for);
                if f.unreadable >= cfg.unreadable_limit || too_long {
                    let reason = format!(
                        "The service's answers about this call could not be read ({}). It is no longer checked automatically; check it again later.",
                        short(&e.to_string())
                    );
                    self.give_up(&id, Tracking::Unreadable, &reason);
                } else {
                    let pause = cfg.failure_pause(f.unreadable).min(cfg.max_interval / 4);
                    f.due = now + cfg.scale(cfg.jittered(pause));
                }
            }
        }
    }

    fn network_failure(&mut self, now: Instant, e: workapi::Error) {
        let cfg = self.cfg.clone();
        self.failures += 1;
        if self.failures >= cfg.offline_after && !self.offline {
            self.offline = true;
            let _ = self.events.send(TrackerEvent::Network {
                online: false,
                message: Some(e.to_string()),
            });
        }
        let pause = cfg.scale(cfg.jittered(cfg.failure_pause(self.failures)));
        // Pause every task, not only this one: the network is shared.
        self.hold_all(now + pause);
    }
}

enum Stop {
    No,
    Ended,
    GiveUp,
}

/// The first 200 characters of a message.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(200).collect();
    if s.chars().count() > 200 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_grow_and_are_capped() {
        let c = TrackerConfig::default();
        let a = c.interval(Duration::from_secs(0));
        let b = c.interval(Duration::from_secs(120));
        let d = c.interval(Duration::from_secs(600));
        let e = c.interval(Duration::from_secs(7200));
        assert!(a < b && b < d && d <= e);
        assert_eq!(e, c.max_interval);
        for _ in 0..100 {
            let j = c.jittered(Duration::from_secs(10));
            assert!(j >= Duration::from_secs(8) && j <= Duration::from_secs(12));
        }
        assert!(c.failure_pause(50) <= Duration::from_secs(60));
    }
}
