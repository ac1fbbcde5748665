//! Placing, checking and cancelling calls: the one path from "the user confirmed" to "a task
//! exists at the service and its id is in history".
//!
//! The order is fixed: validate (nothing is sent on invalid input) -> write a durable attempt
//! row -> ONE POST -> record the task id, or mark the row `unknown_outcome`. This module must
//! never send a task creation twice by itself: a lost answer is shown as an unknown outcome, and
//! only the user decides what happens next. A second identical call within
//! [`DUPLICATE_WINDOW`] needs an explicit `force`.

use crate::error::{Error, Result};
use crate::history::{CallRecord, History, NewAttempt};
use crate::phone::{self, PhoneNumber};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use workapi::{Client, NewTask, TaskId, TaskStatus};

/// How long an identical number + task counts as a duplicate.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(10 * 60);
/// The longest task text accepted (the simulator's limit too).
pub const MAX_TASK_CHARS: usize = 4000;
/// The `origin` recorded for calls made against the built-in simulator.
pub const DEMO_ORIGIN: &str = "demo:simulator";

/// A call the user asked for.
#[derive(Clone, Debug)]
pub struct CallRequest<'a> {
    /// The number as typed.
    pub number: &'a str,
    /// The default region for national numbers (ISO code), if any.
    pub region: Option<&'a str>,
    /// The mission.
    pub task: &'a str,
    /// Place it even if the same call was placed within [`DUPLICATE_WINDOW`].
    pub force: bool,
}

/// A request that passed validation: what would be sent.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The number as it will be dialled.
    pub phone: PhoneNumber,
    /// The task text as it will be sent (trimmed).
    pub task: String,
}

/// Checks a request without sending anything.
pub fn prepare(req: &CallRequest<'_>) -> Result<Prepared> {
    let phone = phone::parse(req.number, req.region)?;
    let task = req.task.trim();
    if task.is_empty() {
        return Err(Error::InvalidTask {
            reason: "Describe what the agent should do on the call.".into(),
        });
    }
    let n = task.chars().count();
    if n > MAX_TASK_CHARS {
        return Err(Error::InvalidTask {
            reason: format!(
                "The task is {n} characters long; the limit is {MAX_TASK_CHARS}. Shorten it and try again."
            ),
        });
    }
    Ok(Prepared {
        phone,
        task: task.to_owned(),
    })
}

/// Places and manages calls for one service (a real one, or the simulator).
#[derive(Clone)]
pub struct Calls {
    history: Arc<History>,
    client: Client,
    origin: String,
    demo: bool,
    lost_ids_file: Option<PathBuf>,
}

impl Calls {
    /// Calls made with `client`, recorded in `history`. `demo` marks calls to the simulator.
    pub fn new(history: Arc<History>, client: Client, demo: bool) -> Self {
        let origin = if demo {
            DEMO_ORIGIN.to_owned()
        } else {
            client.base_url().to_owned()
        };
        Calls {
            history,
            client,
            origin,
            demo,
            lost_ids_file: None,
        }
    }

    /// A file where a created task's id is appended if, against all odds, the history cannot
    /// record it (so that the id is never lost).
    pub fn with_lost_ids_file(mut self, path: PathBuf) -> Self {
        self.lost_ids_file = Some(path);
        self
    }

    /// The origin recorded on this service's calls.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// True for calls to the simulator.
    pub fn demo(&self) -> bool {
        self.demo
    }

    /// The client in use.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The history in use.
    pub fn history(&self) -> &Arc<History> {
        &self.history
    }

    /// Validates, records the attempt durably, sends ONE creation, and records the answer.
    pub async fn place(&self, req: &CallRequest<'_>) -> Result<CallRecord> {
        let prepared = prepare(req)?;
        if !req.force {
            if let Some(dup) = self.history.find_recent_duplicate(
                &prepared.phone.e164,
                &prepared.task,
                DUPLICATE_WINDOW,
                &self.origin,
            )? {
                let minutes = (chrono::Utc::now() - dup.created_at).num_minutes().max(0);
                return Err(Error::Duplicate {
                    existing_id: dup.id,
                    minutes,
                });
            }
        }
        let id = self.history.insert_attempt(&NewAttempt {
            phone_e164: &prepared.phone.e164,
            phone_region: prepared.phone.region.as_deref(),
            task: &prepared.task,
            origin: &self.origin,
            demo: self.demo,
        })?;
        let body = NewTask::new(prepared.phone.e164.clone(), prepared.task.clone());
        match self.client.tasks().create(&body).await {
            Ok(task) => {
                self.record_created(id, &task)?;
                Ok(self.history.get(id)?)
            }
            Err(e) => Err(self.record_failure(id, e)?),
        }
    }

    /// Records a created task on its attempt row, insisting: the id is the only record of a
    /// real call. If the history still fails, the id goes to the lost-ids file and the error
    /// names the id.
    fn record_created(&self, id: i64, task: &workapi::Task) -> Result<()> {
        let mut last = None;
        for attempt in 0..3 {
            match self.history.record_created(
                id,
                task.id.as_str(),
                task.number,
                task.status.as_str(),
            ) {
                Ok(()) => {
                    if let Some(r) = &task.result {
                        self.history.record_status(
                            task.id.as_str(),
                            task.status.as_str(),
                            r.transcript.as_deref(),
                            r.summary.as_deref(),
                        )?;
                    }
                    return Ok(());
                }
                Err(e) => {
                    tracing::error!(attempt, call = id, "could not record a created task: {e}");
                    last = Some(e);
                    std::thread::sleep(Duration::from_millis(50 << attempt));
                }
            }
        }
        if let Some(path) = &self.lost_ids_file {
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
            {
                let _ = writeln!(
                    f,
                    "{}\tcall {}\ttask {}",
                    chrono::Utc::now().to_rfc3339(),
                    id,
                    task.id
                );
                let _ = f.sync_all();
            }
        }
        Err(last
            .map(Error::from)
            .unwrap_or(Error::NoTask { action: "record" }))
    }

    /// Marks the attempt after a failed creation and returns the error to report.
    fn record_failure(&self, id: i64, e: workapi::Error) -> Result<Error> {
        use workapi::Error as E;
        let refused = match &e {
            E::Validation { .. }
            | E::Unauthorized
            | E::Forbidden
            | E::NotFound
            | E::InvalidStatus { .. }
            | E::RateLimited { .. }
            | E::Connect { .. }
            | E::InsecureBaseUrl { .. }
            | E::InvalidBaseUrl { .. }
            | E::InvalidApiKey
            | E::InvalidTaskId { .. }
            | E::Build { .. } => true,
            E::Server { status, .. } => (400..500).contains(status),
            E::Decode { .. } | E::Network { .. } | E::UnknownOutcome { .. } => false,
        };
        if refused {
            self.history.mark_not_placed(id, &e.to_string())?;
            Ok(Error::Api(e))
        } else {
            let detail = match &e {
                E::UnknownOutcome { message } | E::Network { message } => message.clone(),
                E::Decode { .. } => "the answer could not be read".to_owned(),
                other => other.to_string(),
            };
            self.history.mark_unknown_outcome(id, &e.to_string())?;
            Ok(Error::UnknownOutcome {
                call_id: id,
                detail,
            })
        }
    }

    /// Reads a call's task from the service now and records what it says.
    pub async fn refresh(&self, call_id: i64) -> Result<CallRecord> {
        let call = self.history.get(call_id)?;
        let Some(task_id) = call.task_id.as_deref() else {
            return Err(Error::NoTask { action: "check" });
        };
        let task = self.client.tasks().get(&TaskId::parse(task_id)?).await?;
        self.record(&task)?;
        Ok(self.history.get(call_id)?)
    }

    /// Reads a task by its service id; records it when it is in history.
    pub async fn status_by_task_id(
        &self,
        task_id: &str,
    ) -> Result<(workapi::Task, Option<CallRecord>)> {
        let task = self.client.tasks().get(&TaskId::parse(task_id)?).await?;
        let known = self.history.get_by_task_id(task.id.as_str())?;
        if known.is_some() {
            self.record(&task)?;
        }
        Ok((task, self.history.get_by_task_id(task_id)?))
    }

    /// Records a task's status and result; returns the updated row if anything changed.
    pub fn record(&self, task: &workapi::Task) -> Result<Option<CallRecord>> {
        let (transcript, summary) = match &task.result {
            Some(r) => (r.transcript.as_deref(), r.summary.as_deref()),
            None => (None, None),
        };
        Ok(self.history.record_status(
            task.id.as_str(),
            task.status.as_str(),
            transcript,
            summary,
        )?)
    }

    /// Cancels a call while the service allows it (pending, accepted).
    pub async fn cancel(&self, call_id: i64) -> Result<CallRecord> {
        let call = self.history.get(call_id)?;
        let Some(task_id) = call.task_id.as_deref() else {
            return Err(Error::NoTask { action: "cancel" });
        };
        let id = TaskId::parse(task_id)?;
        match self.client.tasks().cancel(&id).await {
            Ok(task) => {
                self.record(&task)?;
                Ok(self.history.get(call_id)?)
            }
            Err(workapi::Error::InvalidStatus { .. }) => {
                // Learn the current status, so the user sees why.
                let status = match self.client.tasks().get(&id).await {
                    Ok(task) => {
                        self.record(&task)?;
                        task.status
                    }
                    Err(_) => TaskStatus::from_wire(&call.status),
                };
                Err(Error::NotCancellable {
                    status_words: crate::status::describe(status.as_str()).to_lowercase(),
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Resolves an unknown outcome with a task id the user found (e.g. in their WorkAPI
    /// account): the task is read and linked when its number matches. Never re-places a call.
    pub async fn check_unknown_outcome(&self, call_id: i64, task_id: &str) -> Result<CallRecord> {
        let call = self.history.get(call_id)?;
        let id = TaskId::parse(task_id.trim())?;
        if let Some(other) = self.history.get_by_task_id(id.as_str())? {
            if other.id != call_id {
                return Err(Error::TaskAlreadyKnown {
                    task_id: id.to_string(),
                    other_id: other.id,
                });
            }
        }
        let task = self.client.tasks().get(&id).await?;
        let found = task
            .data
            .as_ref()
            .and_then(|d| d.get("phone_number"))
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        if let Some(found) = found {
            if found != call.phone_e164 {
                return Err(Error::TaskMismatch {
                    task_id: id.to_string(),
                    found,
                    expected: call.phone_e164,
                });
            }
        }
        self.history
            .link_task(call_id, id.as_str(), task.number, task.status.as_str())?;
        self.record(&task)?;
        Ok(self.history.get(call_id)?)
    }

    /// The user confirms that no call was made for an unknown outcome.
    pub fn dismiss_unknown_outcome(&self, call_id: i64) -> Result<CallRecord> {
        self.history.mark_not_placed(
            call_id,
            "You confirmed that no call was made for this request.",
        )?;
        Ok(self.history.get(call_id)?)
    }
}

/// How long an attempt may stay `sending` before it counts as interrupted: longer than any
/// request with its retries takes, so that a call another process (the CLI) is placing right
/// now is left alone.
pub const INTERRUPTED_AFTER: Duration = Duration::from_secs(120);

/// Marks attempts left `sending` by a process that stopped mid-request as unknown outcomes
/// (the request may have reached the service). Returns how many were marked.
pub fn recover_interrupted(history: &History) -> Result<usize> {
    let cutoff = chrono::Utc::now()
        - chrono::Duration::from_std(INTERRUPTED_AFTER).unwrap_or(chrono::Duration::zero());
    let mut n = 0;
    for row in history.interrupted_attempts()? {
        if row.created_at <= cutoff {
            history.mark_unknown_outcome(
                row.id,
                "MissionCall stopped while this call was being sent, so we can't tell whether it was placed.",
            )?;
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::NewAttempt;

    #[test]
    fn only_stale_sending_attempts_become_unknown_outcomes() {
        let dir = tempfile::tempdir().unwrap();
        let h = History::open_in_dir(dir.path()).unwrap();
        let attempt = |task| {
            h.insert_attempt(&NewAttempt {
                phone_e164: "+14155552671",
                phone_region: Some("US"),
                task,
                origin: "https://example.test",
                demo: false,
            })
            .unwrap()
        };
        let old = attempt("an old interrupted one");
        let fresh = attempt("one being sent right now");
        let backdate = chrono::Utc::now().timestamp_millis() - 10 * 60 * 1000;
        rusqlite::Connection::open(h.path())
            .unwrap()
            .execute(
                "UPDATE calls SET created_at = ?1 WHERE id = ?2",
                rusqlite::params![backdate, old],
            )
            .unwrap();
        assert_eq!(recover_interrupted(&h).unwrap(), 1);
        assert_eq!(h.get(old).unwrap().status, "unknown_outcome");
        assert_eq!(h.get(fresh).unwrap().status, "sending");
        assert_eq!(recover_interrupted(&h).unwrap(), 0);
    }
}
