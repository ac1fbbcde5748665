//! Placing, checking and cancelling calls: the one path from "the user confirmed" to "a task
//! exists at the service and its id is in history".
//!
//! The order is fixed: validate (nothing is sent on invalid input) -> confirm (a one-use token
//! bound to the exact number, task and origin) -> write a durable attempt row owned by this
//! process -> ONE POST -> record the task id, or mark the row as an unknown outcome. This module
//! must never send a task creation twice by itself: a lost answer is shown as an unknown
//! outcome, and only the user decides what happens next. A second identical call within
//! [`DUPLICATE_WINDOW`] needs an explicit `force`, confirmed on its own.
//!
//! Every placement goes through [`Calls::confirm`] and [`Calls::place_confirmed`]. A number on
//! the do-not-call list is refused at both: at confirmation, and again when the attempt row is
//! written (in its own transaction, see [`History::insert_attempt`]), so a number listed while
//! a confirmation waits is still never called. The task sent is the mission with the caller
//! identity's sentence ([`crate::identity`]); the confirmation shows exactly that text, history
//! keeps it, and duplicates are found on it.
//!
//! A [`Calls`] belongs to one origin (a service address, or the demo simulator): it acts only
//! on calls of that origin and refuses the others with a plain reason.

use crate::call::{CallStatus, Origin, ServiceStatus};
use crate::callee_time::{HoursCheck, HoursRule};
use crate::error::{Error, Result};
use crate::history::{CallRecord, History, NewAttempt};
use crate::identity::{self, CallerIdentity, SharedIdentity};
use crate::phone::{self, PhoneNumber};
use crate::shared::Shared;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use workapi::{Client, NewTask, TaskId};

/// How long an identical number + task counts as a duplicate.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(10 * 60);
/// The longest task text accepted (the simulator's limit too).
pub const MAX_TASK_CHARS: usize = 4000;
/// How long a confirmation may wait before the call is placed.
pub const CONFIRMATION_TTL: Duration = Duration::from_secs(5 * 60);
pub use crate::call::DEMO_ORIGIN;

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
    /// The task text as it will be sent: the mission, trimmed, with the caller identity's
    /// sentence when one is set.
    pub task: String,
    /// The sentence the caller identity added to the mission, if any.
    pub identity_sentence: Option<String>,
}

/// Checks a request without sending anything, with no caller identity (see [`prepare_as`]).
pub fn prepare(req: &CallRequest<'_>) -> Result<Prepared> {
    prepare_as(req, &CallerIdentity::default())
}

/// Checks a request without sending anything, and builds the task as it will be sent for
/// `identity` (see [`identity::mission_text`]). A mission that fits the service's limit on its
/// own but not with the identity's sentence is refused: the sentence is never dropped.
pub fn prepare_as(req: &CallRequest<'_>, identity: &CallerIdentity) -> Result<Prepared> {
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
    let sent = identity::mission_text(task, identity);
    let total = sent.chars().count();
    if total > MAX_TASK_CHARS {
        return Err(Error::InvalidTask {
            reason: format!(
                "With the sentence that says who the call is for, the task would be {total} characters long; the limit is {MAX_TASK_CHARS}. Shorten the task by {} characters, or turn off \"Say who the call is for\" in Settings.",
                total - MAX_TASK_CHARS
            ),
        });
    }
    Ok(Prepared {
        phone,
        task: sent,
        identity_sentence: identity.sentence(),
    })
}

/// Refuses a number on the do-not-call list ([`Error::DoNotCall`], with when and why it was
/// listed). Nothing is sent or written.
pub fn check_do_not_call(history: &History, phone_e164: &str) -> Result<()> {
    match history.do_not_call(phone_e164)? {
        Some(l) => Err(Error::DoNotCall {
            phone_e164: l.phone_e164,
            added_on: crate::do_not_call::day_label(l.added_at, history.now()),
            reason: l.reason,
        }),
        None => Ok(()),
    }
}

/// Everything [`Calls::confirm`] checks before a confirmation, but the duplicate window (which
/// is per origin): the request, the task as sent for `identity`, and the do-not-call list.
/// Needs no service and sends nothing.
pub fn check_request(
    history: &History,
    identity: &CallerIdentity,
    req: &CallRequest<'_>,
) -> Result<Prepared> {
    let prepared = prepare_as(req, identity)?;
    check_do_not_call(history, &prepared.phone.e164)?;
    Ok(prepared)
}

/// The calling hours a [`Calls`] enforces, shared with the session manager (a change in
/// Settings applies at once). `None`: no hours are enforced (a bare [`Calls`], in tests).
pub type SharedHours = Shared<Option<HoursRule>>;

/// What the user chose about their calling hours for one call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HoursChoice {
    /// Place it only within the calling hours (refused outside them).
    #[default]
    Respect,
    /// "Call now anyway": place it outside the hours; the call records the choice.
    CallAnyway,
}

/// A confirmed call: exactly what will be sent, and the one-use token that sends it.
#[derive(Clone, Debug)]
pub struct Confirmation {
    /// Give this to [`Calls::place_confirmed`]; it works once, before it expires.
    pub token: String,
    /// The number as it will be dialled.
    pub phone: PhoneNumber,
    /// The task text exactly as it will be sent (with the caller identity's sentence).
    pub task: String,
    /// The sentence the caller identity added to the task, if any (already in `task`).
    pub identity_sentence: Option<String>,
    /// Where the call will go.
    pub origin: Origin,
    /// True when this confirms a second identical call within the duplicate window.
    pub force: bool,
    /// When the token stops working.
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// The callee's local time and the calling hours, at confirmation (`None` when no hours
    /// are enforced). When its decision needs a choice, placing needs
    /// [`HoursChoice::CallAnyway`], or the call is scheduled for an allowed time.
    pub hours: Option<HoursCheck>,
}

/// Outstanding confirmations of one [`Calls`] (and so of one origin).
#[derive(Default)]
struct Tokens {
    pending: Mutex<HashMap<String, Confirmation>>,
}

/// Places and manages calls for one origin (a real service, or the simulator).
#[derive(Clone)]
pub struct Calls {
    history: Arc<History>,
    client: Client,
    origin: Origin,
    lost_ids_file: Option<PathBuf>,
    tokens: Arc<Tokens>,
    identity: SharedIdentity,
    hours: SharedHours,
}

impl Calls {
    /// Calls made with `client` to `origin`, recorded in `history`.
    pub fn new(history: Arc<History>, client: Client, origin: Origin) -> Self {
        Calls {
            history,
            client,
            origin,
            lost_ids_file: None,
            tokens: Arc::default(),
            identity: SharedIdentity::default(),
            hours: SharedHours::default(),
        }
    }

    /// Calls to the real service `client` talks to.
    pub fn real(history: Arc<History>, client: Client) -> Self {
        let origin = Origin::Service(client.base_url().to_owned());
        Calls::new(history, client, origin)
    }

    /// A file where a created task's id is appended if, against all odds, the history cannot
    /// record it (so that the id is never lost).
    pub fn with_lost_ids_file(mut self, path: PathBuf) -> Self {
        self.lost_ids_file = Some(path);
        self
    }

    /// The calling hours every placement from now on respects unless the user chooses to
    /// call anyway (the session manager shares its own).
    pub fn with_hours(mut self, hours: SharedHours) -> Self {
        self.hours = hours;
        self
    }

    /// The calling hours for a call to `phone` at `at`; `None` when no hours are enforced.
    pub fn hours_at(
        &self,
        phone: &PhoneNumber,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Option<HoursCheck> {
        self.hours.get().map(|rule| rule.check(phone, at))
    }

    /// The calling hours' gate for a call to `phone` at `at`: `Ok(None)` within the hours (or
    /// where they do not apply), `Ok(Some(sentence))` outside them when the user chose to call
    /// anyway (the sentence is recorded on the call), else [`Error::OutsideCallingHours`].
    pub(crate) fn hours_gate(
        &self,
        phone: &PhoneNumber,
        at: chrono::DateTime<chrono::Utc>,
        choice: HoursChoice,
    ) -> Result<Option<String>> {
        let Some(check) = self.hours_at(phone, at) else {
            return Ok(None);
        };
        if !check.decision.needs_choice() {
            return Ok(None);
        }
        match choice {
            HoursChoice::CallAnyway => Ok(Some(check.sentence)),
            HoursChoice::Respect => Err(Error::OutsideCallingHours {
                next_allowed: check.decision.next_allowed(),
                sentence: check.sentence,
            }),
        }
    }

    /// Who calls are made for: the identity whose sentence is added to every task confirmed
    /// from now on (the session manager shares its own, so a change in Settings applies at
    /// once). Without it, no sentence is added.
    pub fn with_identity(mut self, identity: SharedIdentity) -> Self {
        self.identity = identity;
        self
    }

    /// The caller identity in force.
    pub fn identity(&self) -> CallerIdentity {
        self.identity.get()
    }

    /// The origin recorded on this service's calls.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// True for calls to the simulator.
    pub fn demo(&self) -> bool {
        self.origin.is_demo()
    }

    /// The call `call_id`, if it lives at this origin; otherwise why this origin cannot act
    /// on it.
    pub fn own(&self, call_id: i64) -> Result<CallRecord> {
        let call = self.history.get(call_id)?;
        if call.origin != self.origin {
            return Err(Error::OtherOrigin {
                call_id,
                origin: call.origin.clone(),
                here: self.origin.clone(),
            });
        }
        Ok(call)
    }

    /// The client in use.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The history in use.
    pub fn history(&self) -> &Arc<History> {
        &self.history
    }

    /// Validates the request and, unless its number is on the do-not-call list or it repeats a
    /// recent call without `force`, confirms it: the answer shows exactly what will be sent
    /// (the task with the caller identity's sentence) and holds the one-use token that sends
    /// it. Nothing is sent or written.
    pub fn confirm(&self, req: &CallRequest<'_>) -> Result<Confirmation> {
        let prepared = check_request(&self.history, &self.identity.get(), req)?;
        if !req.force {
            self.check_duplicate(&prepared)?;
        }
        let now = self.history.now();
        let ttl = chrono::Duration::from_std(CONFIRMATION_TTL).unwrap_or_default();
        let c = Confirmation {
            token: format!("{:032x}", rand::random::<u128>()),
            phone: prepared.phone,
            task: prepared.task,
            identity_sentence: prepared.identity_sentence,
            origin: self.origin.clone(),
            force: req.force,
            expires_at: now + ttl,
            hours: None,
        };
        let c = Confirmation {
            hours: self.hours_at(&c.phone, now),
            ..c
        };
        let mut pending = self
            .tokens
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        pending.retain(|_, p| p.expires_at > now);
        pending.insert(c.token.clone(), c.clone());
        Ok(c)
    }

    fn check_duplicate(&self, prepared: &Prepared) -> Result<()> {
        if let Some(dup) = self.history.find_recent_duplicate(
            &prepared.phone.e164,
            &prepared.task,
            DUPLICATE_WINDOW,
            &self.origin,
        )? {
            let minutes = (self.history.now() - dup.created_at).num_minutes().max(0);
            return Err(Error::Duplicate {
                existing_id: dup.id,
                minutes,
            });
        }
        Ok(())
    }

    /// Reads a confirmation without using it up (it must be live and of this origin).
    pub(crate) fn peek_confirmation(&self, token: &str) -> Result<Confirmation> {
        let c = {
            let pending = self
                .tokens
                .pending
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            pending.get(token).cloned()
        };
        match c {
            Some(c) if c.expires_at > self.history.now() && c.origin == self.origin => Ok(c),
            _ => Err(Error::NotConfirmed),
        }
    }

    /// Takes a confirmation: it works once, before it expires, at this origin only.
    pub(crate) fn take_confirmation(&self, token: &str) -> Result<Confirmation> {
        let c = {
            let mut pending = self
                .tokens
                .pending
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            pending.remove(token)
        };
        let Some(c) = c else {
            return Err(Error::NotConfirmed);
        };
        if c.expires_at <= self.history.now() || c.origin != self.origin {
            return Err(Error::NotConfirmed);
        }
        Ok(c)
    }

    /// Places a confirmed call: takes the token (it works once), records the attempt durably,
    /// sends ONE creation, and records the answer. The text sent is the confirmation's, as it
    /// was shown. A number put on the do-not-call list since the confirmation is refused
    /// ([`Error::DoNotCall`]): no row, nothing sent. Outside the calling hours it is refused
    /// ([`Error::OutsideCallingHours`]) and the token still works, to schedule the call or to
    /// place it with [`Calls::place_confirmed_with`] and [`HoursChoice::CallAnyway`].
    pub async fn place_confirmed(&self, token: &str) -> Result<CallRecord> {
        self.place_confirmed_with(token, HoursChoice::Respect).await
    }

    /// [`Calls::place_confirmed`] with the user's choice about the calling hours, checked
    /// again now (the confirmation may have waited): a call placed outside them because the
    /// user chose to records the sentence they saw.
    pub async fn place_confirmed_with(
        &self,
        token: &str,
        choice: HoursChoice,
    ) -> Result<CallRecord> {
        let peeked = self.peek_confirmation(token)?;
        let outside_hours = self.hours_gate(&peeked.phone, self.history.now(), choice)?;
        let c = self.take_confirmation(token)?;
        let prepared = Prepared {
            phone: c.phone,
            task: c.task,
            identity_sentence: c.identity_sentence,
        };
        // A call placed meanwhile (another window, the CLI) counts too.
        self.admit(&prepared, c.force)?;
        let id = self.history.insert_attempt(&NewAttempt {
            phone_e164: &prepared.phone.e164,
            phone_region: prepared.phone.region.as_deref(),
            task: &prepared.task,
            origin: &self.origin,
            outside_hours: outside_hours.as_deref(),
        })?;
        self.send_attempt(id, &prepared).await
    }

    /// The checks every placement passes just before its attempt is written, whoever asked
    /// for it (a person now, or a scheduled call falling due): a second identical call within
    /// [`DUPLICATE_WINDOW`] needs `force`. Nothing is written or sent when one refuses.
    pub(crate) fn admit(&self, prepared: &Prepared, force: bool) -> Result<()> {
        // `force` never lifts the do-not-call list (the attempt's own transaction checks it
        // again: see `History::insert_attempt`).
        check_do_not_call(&self.history, &prepared.phone.e164)?;
        if !force {
            self.check_duplicate(prepared)?;
        }
        Ok(())
    }

    /// Sends the ONE creation request of attempt `id` (already written as sending, owned by
    /// this process) and records the answer: the task id, or why no call was placed, or an
    /// unknown outcome. Never sends it again.
    pub(crate) async fn send_attempt(&self, id: i64, prepared: &Prepared) -> Result<CallRecord> {
        let body = NewTask::new(prepared.phone.e164.clone(), prepared.task.clone());
        match self.client.tasks().create(&body).await {
            Ok(task) => {
                self.record_created(id, &task)?;
                Ok(self.history.get(id)?)
            }
            Err(e) => Err(self.record_failure(id, e)?),
        }
    }

    /// Confirms and places in one step, for callers that asked the person themselves (the CLI
    /// asks on the terminal, or was given `--yes`).
    pub async fn place(&self, req: &CallRequest<'_>) -> Result<CallRecord> {
        self.place_with(req, HoursChoice::Respect).await
    }

    /// [`Calls::place`] with the user's choice about the calling hours (the CLI's
    /// `--anyway`).
    pub async fn place_with(
        &self,
        req: &CallRequest<'_>,
        choice: HoursChoice,
    ) -> Result<CallRecord> {
        let c = self.confirm(req)?;
        self.place_confirmed_with(&c.token, choice).await
    }

    /// Records a created task on its attempt row, insisting: the id is the only record of a
    /// real call. If the history still fails, the id goes to the lost-ids file and the error
    /// names the id.
    fn record_created(&self, id: i64, task: &workapi::Task) -> Result<()> {
        let mut last = None;
        for attempt in 0..3 {
            let status = ServiceStatus::from(&task.status);
            match self
                .history
                .record_created(id, task.id.as_str(), task.number, &status)
            {
                Ok(()) => {
                    if let Some(r) = &task.result {
                        self.history.record_status(
                            task.id.as_str(),
                            &status,
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
            let _ = crate::private_fs::restrict_file(path);
            if let Ok(mut f) = crate::private_fs::file_options()
                .create(true)
                .append(true)
                .open(path)
            {
                let _ = writeln!(
                    f,
                    "{}\tcall {}\ttask {}",
                    self.history.now().to_rfc3339(),
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

    /// Reads a call's task from the service now and records what it says. A call the tracker
    /// had stopped following is followed again.
    pub async fn refresh(&self, call_id: i64) -> Result<CallRecord> {
        let call = self.own(call_id)?;
        let Some(task_id) = call.task_id.as_deref() else {
            return Err(Error::NoTask { action: "check" });
        };
        let task = self.client.tasks().get(&TaskId::parse(task_id)?).await?;
        self.record(&task)?;
        if call.tracking != crate::call::Tracking::Following {
            self.history
                .set_tracking(call_id, crate::call::Tracking::Following, None)?;
        }
        Ok(self.history.get(call_id)?)
    }

    /// Reads a task by its service id; records it when it is in history (at this origin).
    pub async fn status_by_task_id(
        &self,
        task_id: &str,
    ) -> Result<(workapi::Task, Option<CallRecord>)> {
        let tid = TaskId::parse(task_id)?;
        if let Some(known) = self.history.get_by_task_id(tid.as_str())? {
            self.own(known.id)?;
        }
        let task = self.client.tasks().get(&tid).await?;
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
            &ServiceStatus::from(&task.status),
            transcript,
            summary,
        )?)
    }

    /// Cancels a call while the service allows it (pending, accepted).
    pub async fn cancel(&self, call_id: i64) -> Result<CallRecord> {
        let call = self.own(call_id)?;
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
                        CallStatus::Service(ServiceStatus::from(&task.status))
                    }
                    Err(_) => call.status.clone(),
                };
                Err(Error::NotCancellable {
                    status_words: status.label().to_lowercase(),
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Resolves an unknown outcome with a task id the user found (e.g. in their WorkAPI
    /// account): the task is read and linked when its number matches. Never re-places a call.
    pub async fn check_unknown_outcome(&self, call_id: i64, task_id: &str) -> Result<CallRecord> {
        let call = self.own(call_id)?;
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
        self.history.link_task(
            call_id,
            id.as_str(),
            task.number,
            &ServiceStatus::from(&task.status),
        )?;
        self.record(&task)?;
        Ok(self.history.get(call_id)?)
    }

    /// The user confirms that no call was made for an unknown outcome.
    pub fn dismiss_unknown_outcome(&self, call_id: i64) -> Result<CallRecord> {
        dismiss_unknown_outcome(&self.history, call_id)
    }
}

/// The user confirms that no call was made for an unknown outcome (a local change: nothing is
/// sent). Refused for any other status.
pub fn dismiss_unknown_outcome(history: &History, call_id: i64) -> Result<CallRecord> {
    let call = history.get(call_id)?;
    if !call.status.is_unknown_outcome() {
        return Err(Error::NotUnknownOutcome {
            status_words: call.status.label().to_lowercase(),
        });
    }
    history.mark_not_placed(
        call_id,
        "You confirmed that no call was made for this request.",
    )?;
    Ok(history.get(call_id)?)
}
