//! Scheduled calls: "call at" a time, placed exactly once, through the same attempt path as a
//! call placed by hand.
//!
//! A job is stored durably (see `history/scheduled.rs`) with everything that will be sent: the
//! number, the task and the origin, fixed when it was scheduled. When it falls due, a runner
//! (the app's timer, or `missioncall run-scheduled`) passes the same checks as a call placed by
//! hand ([`Calls`]' duplicate check, and whatever else guards that path), then turns the job
//! into an owned `sending` attempt in ONE transaction that only one runner can win, and sends
//! the ONE creation request through [`Calls`]' own sending code. A crash before that
//! transaction leaves the job waiting (placed later, once); after it, the attempt's owner is
//! gone and recovery shows it as "outcome unknown": it is never sent again by itself.
//!
//! A job found more than [`GRACE`] past its time was due while nothing could place it (the app
//! was closed): it is marked overdue and is not placed until the user confirms it
//! ([`Calls::confirm_overdue`]) or drops it. This module must never place an overdue job by
//! itself, never send a job to any origin but its own, and never sleep: callers pass the time.

use crate::calls::{CallRequest, Calls, HoursChoice, Prepared};
use crate::error::{Error, Result};
use crate::history::{CallRecord, HistoryError, JobState, NewJob, ScheduledJob};
use crate::phone::{self, PhoneNumber};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::time::Duration;

/// How late a runner may place a job. A job whose time passed less than this long ago is
/// placed when a runner finds it (a runner that was busy, the app restarting after a crash);
/// one more late than this was due while nothing was running, and waits for the user.
pub const GRACE: Duration = Duration::from_secs(2 * 60);

/// How far ahead a call may be scheduled.
pub const MAX_AHEAD: Duration = Duration::from_secs(366 * 24 * 3600);

/// The note on a job marked overdue.
pub const OVERDUE_NOTE: &str = "Its time passed while MissionCall was not running, so it was not placed. Place it now or drop it.";

/// What one [`Calls::run_due`] did.
#[derive(Clone, Debug, Default)]
pub struct RunReport {
    /// Jobs that became calls now, each with its call (whose status says what the service
    /// answered: placed, refused, or an unknown outcome).
    pub placed: Vec<(ScheduledJob, CallRecord)>,
    /// Jobs found more than [`GRACE`] late: marked overdue, not placed.
    pub overdue: Vec<ScheduledJob>,
    /// Jobs a check refused when they fell due (e.g. the same call was placed a moment ago):
    /// nothing was written or sent; each job's note says why.
    pub refused: Vec<ScheduledJob>,
    /// Jobs due now that could not be placed for a passing reason (the history was busy, ...),
    /// with the reason: still waiting, tried again on the next run.
    pub failed: Vec<(ScheduledJob, String)>,
    /// Running batches whose process was gone: paused, waiting for the user to resume them.
    pub paused_batches: Vec<crate::history::Batch>,
    /// Batches that ended: every row placed or refused, and none of their calls still going.
    pub finished_batches: Vec<crate::history::Batch>,
}

impl RunReport {
    /// True when nothing happened.
    pub fn is_empty(&self) -> bool {
        self.placed.is_empty()
            && self.overdue.is_empty()
            && self.refused.is_empty()
            && self.failed.is_empty()
            && self.paused_batches.is_empty()
            && self.finished_batches.is_empty()
    }
}

/// What would keep MissionCall running with its window closed (see
/// [`crate::session::Manager::background`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Background {
    /// One-off calls waiting for their time (not batch rows; overdue ones wait for the user,
    /// not for the app).
    pub waiting: usize,
    /// Batches running in this process.
    pub running_batches: usize,
    /// "Pause all" is on: nothing scheduled is placed until the user resumes.
    pub paused: bool,
    /// The setting: closing the window keeps MissionCall running in the tray while something
    /// waits.
    pub keep_running_in_tray: bool,
}

impl Background {
    /// True when something would be placed later by this process (paused or not: a paused
    /// app that quits would lose the resume).
    pub fn has_work(&self) -> bool {
        self.waiting > 0 || self.running_batches > 0
    }

    /// Whether closing the window keeps MissionCall running (in the tray), and so whether the
    /// tray icon is wanted: the setting is on and something waits.
    pub fn keeps_running(&self) -> bool {
        self.keep_running_in_tray && self.has_work()
    }

    /// What waits, in words: "2 scheduled calls and 1 batch".
    pub fn what_waits(&self) -> String {
        let calls = match self.waiting {
            0 => None,
            1 => Some("1 scheduled call".to_owned()),
            n => Some(format!("{n} scheduled calls")),
        };
        let batches = match self.running_batches {
            0 => None,
            1 => Some("1 batch".to_owned()),
            n => Some(format!("{n} batches")),
        };
        match (calls, batches) {
            (Some(c), Some(b)) => format!("{c} and {b}"),
            (Some(one), None) | (None, Some(one)) => one,
            (None, None) => "nothing".to_owned(),
        }
    }

    /// The notification when the window closes and MissionCall keeps running in the tray.
    pub fn tray_notice(&self) -> (String, String) {
        let what = self.what_waits();
        let (verb, them) = if self.waiting + self.running_batches == 1 {
            ("waits", "it")
        } else {
            ("wait", "them")
        };
        let body = if self.paused {
            format!(
                "{what} {verb}, paused: nothing is placed until you resume. Open MissionCall again, or use its tray icon, to resume or quit."
            )
        } else {
            format!(
                "{what} {verb}: MissionCall keeps running in the tray to place {them}. Open MissionCall again, or use its tray icon, to show it or quit."
            )
        };
        (
            "MissionCall is still running".to_owned(),
            upper_first(&body),
        )
    }

    /// The tray icon's tooltip.
    pub fn tray_tooltip(&self) -> String {
        if !self.has_work() {
            return "MissionCall".to_owned();
        }
        let paused = if self.paused { " (paused)" } else { "" };
        format!("MissionCall: {}{paused}", self.what_waits())
    }
}

/// The notification when "Pause all" is switched from the tray (the window may be closed).
pub fn pause_notice(paused: bool) -> (String, String) {
    if paused {
        (
            "Scheduled calls paused".to_owned(),
            "No scheduled call or batch row is placed until you resume, from the tray icon or the window. Calls already placed go on.".to_owned(),
        )
    } else {
        (
            "Scheduled calls resumed".to_owned(),
            "Scheduled calls are placed at their time again. A call whose time passed meanwhile waits for you in Scheduled.".to_owned(),
        )
    }
}

/// The tray menu's words for "Pause all", as it stands.
pub fn pause_menu_text(paused: bool) -> &'static str {
    if paused {
        "Resume scheduled calls"
    } else {
        "Pause all scheduled calls"
    }
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Checks that `due_at` can be a scheduled call's time, seen from `now`.
pub fn check_time(due_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<()> {
    if due_at <= now {
        return Err(Error::ScheduleTime {
            reason: format!(
                "That time ({}) has already passed. Pick a time in the future.",
                due_at.format("%Y-%m-%d %H:%M UTC")
            ),
        });
    }
    if due_at - now > chrono::Duration::from_std(MAX_AHEAD).unwrap_or(chrono::Duration::MAX) {
        return Err(Error::ScheduleTime {
            reason: "That time is more than a year away. Pick a nearer time.".into(),
        });
    }
    Ok(())
}

/// True for the errors that refuse a call before anything is written (a check said no), as
/// opposed to a passing failure worth trying again.
fn is_refusal(e: &Error) -> bool {
    matches!(
        e,
        Error::Duplicate { .. }
            | Error::InvalidPhone(_)
            | Error::InvalidTask { .. }
            | Error::DoNotCall { .. }
            | Error::OutsideCallingHours { .. }
    )
}

/// The calling hours' sentence about a scheduled time, said of that time ("At that time it
/// will be 23:00 for them ..." rather than "It is ...").
fn of_that_time(sentence: String) -> String {
    match sentence.strip_prefix("It is ") {
        Some(rest) => format!("At that time it will be {rest}"),
        None => sentence,
    }
}

impl Calls {
    /// Schedules a call at this origin for `due_at`: validated now (nothing is sent), stored
    /// durably, placed by a runner when it falls due. For callers that asked the person
    /// themselves (the CLI); the app schedules a confirmed call ([`Calls::schedule_confirmed`]).
    pub fn schedule(&self, req: &CallRequest<'_>, due_at: DateTime<Utc>) -> Result<ScheduledJob> {
        self.schedule_with(req, due_at, HoursChoice::Respect)
    }

    /// [`Calls::schedule`] with the user's choice about the calling hours at `due_at` (a time
    /// outside them is refused unless the user chose [`HoursChoice::CallAnyway`]).
    pub fn schedule_with(
        &self,
        req: &CallRequest<'_>,
        due_at: DateTime<Utc>,
        choice: HoursChoice,
    ) -> Result<ScheduledJob> {
        // The task as it will be sent (with the caller identity's sentence), and a number on
        // the do-not-call list refused now as well as when it falls due.
        let prepared = crate::calls::check_request(self.history(), &self.identity(), req)?;
        let outside_hours = self.scheduled_hours_gate(&prepared.phone, due_at, choice)?;
        self.store_job(&prepared, due_at, outside_hours.as_deref())
    }

    /// Schedules a confirmed call (the token of [`Calls::confirm`], which works once) for
    /// `due_at`: exactly the number, task and origin that were shown. A time outside the
    /// calling hours is refused and the token still works.
    pub fn schedule_confirmed(&self, token: &str, due_at: DateTime<Utc>) -> Result<ScheduledJob> {
        self.schedule_confirmed_with(token, due_at, HoursChoice::Respect)
    }

    /// [`Calls::schedule_confirmed`] with the user's choice about the calling hours.
    pub fn schedule_confirmed_with(
        &self,
        token: &str,
        due_at: DateTime<Utc>,
        choice: HoursChoice,
    ) -> Result<ScheduledJob> {
        check_time(due_at, self.history().now())?;
        let peeked = self.peek_confirmation(token)?;
        let outside_hours = self.scheduled_hours_gate(&peeked.phone, due_at, choice)?;
        let c = self.take_confirmation(token)?;
        self.store_job(
            &Prepared {
                phone: c.phone,
                task: c.task,
                identity_sentence: c.identity_sentence,
            },
            due_at,
            outside_hours.as_deref(),
        )
    }

    /// The calling hours' gate for a call at `due_at`, its sentence said of that time.
    fn scheduled_hours_gate(
        &self,
        phone: &PhoneNumber,
        due_at: DateTime<Utc>,
        choice: HoursChoice,
    ) -> Result<Option<String>> {
        match self.hours_gate(phone, due_at, choice) {
            Ok(note) => Ok(note.map(of_that_time)),
            Err(Error::OutsideCallingHours {
                sentence,
                next_allowed,
            }) => Err(Error::OutsideCallingHours {
                sentence: of_that_time(sentence),
                next_allowed,
            }),
            Err(e) => Err(e),
        }
    }

    fn store_job(
        &self,
        prepared: &Prepared,
        due_at: DateTime<Utc>,
        outside_hours: Option<&str>,
    ) -> Result<ScheduledJob> {
        check_time(due_at, self.history().now())?;
        Ok(self.history().schedule_job(&NewJob {
            phone_e164: &prepared.phone.e164,
            phone_region: prepared.phone.region.as_deref(),
            task: &prepared.task,
            origin: self.origin(),
            due_at,
            outside_hours,
        })?)
    }

    /// Places a job as the caller last read it (waiting and due, or overdue and confirmed by
    /// the user): the checks of every placement, then ONE transaction that turns the job into
    /// an owned attempt if it is still in the state read (else [`HistoryError::JobState`]:
    /// another runner took it, or the user cancelled it, and nothing is sent), then the one
    /// creation request. A job of another origin is refused, never re-routed.
    pub async fn place_scheduled(&self, job: &ScheduledJob) -> Result<CallRecord> {
        let (attempt, prepared) = self.claim_scheduled(job, HoursChoice::Respect)?;
        self.send_attempt(attempt, &prepared).await
    }

    /// The part of [`Calls::place_scheduled`] before anything is sent: the checks, then the
    /// claim. Returns the attempt's id and what to send.
    fn claim_scheduled(&self, job: &ScheduledJob, now: HoursChoice) -> Result<(i64, Prepared)> {
        if &job.origin != self.origin() {
            return Err(Error::ScheduledElsewhere {
                job_id: job.id,
                origin: job.origin.clone(),
            });
        }
        if !job.state.is_open() {
            return Err(HistoryError::JobState {
                id: job.id,
                state: job.state,
            }
            .into());
        }
        // The job keeps the task exactly as it will be sent (the identity's sentence, if
        // any, was added when it was scheduled).
        let prepared = Prepared {
            phone: phone::parse(&job.phone_e164, job.phone_region.as_deref())?,
            task: job.task.clone(),
            identity_sentence: None,
        };
        self.admit(&prepared, false)?;
        // The calling hours, now: a job the user scheduled outside them on purpose carries
        // that choice, and the user placing it now may make it (`now`, recorded on the call
        // with the hours as they are now); any other job is refused if the hours (or their
        // settings) say no now.
        let kept = job.outside_hours.is_some();
        let choice = if kept || now == HoursChoice::CallAnyway {
            HoursChoice::CallAnyway
        } else {
            HoursChoice::Respect
        };
        let sentence = self.hours_gate(&prepared.phone, self.history().now(), choice)?;
        let chosen_now = if kept { None } else { sentence.as_deref() };
        let attempt = self.history().claim_job_as(job.id, job.state, chosen_now)?;
        Ok((attempt, prepared))
    }

    /// Places an overdue job now, because the user said so: once, through the attempt path.
    /// Outside the calling hours it is refused ([`Error::OutsideCallingHours`], nothing sent)
    /// unless the job was scheduled outside them on purpose; see [`Calls::confirm_overdue_with`].
    pub async fn confirm_overdue(&self, job_id: i64) -> Result<CallRecord> {
        self.confirm_overdue_with(job_id, HoursChoice::Respect)
            .await
    }

    /// [`Calls::confirm_overdue`], with the user's choice about the calling hours now:
    /// [`HoursChoice::CallAnyway`] places it outside them, and the call records it.
    pub async fn confirm_overdue_with(
        &self,
        job_id: i64,
        choice: HoursChoice,
    ) -> Result<CallRecord> {
        let job = self.history().job(job_id)?;
        if job.state != JobState::Overdue {
            return Err(HistoryError::JobState {
                id: job.id,
                state: job.state,
            }
            .into());
        }
        let (attempt, prepared) = self.claim_scheduled(&job, choice)?;
        self.send_attempt(attempt, &prepared).await
    }

    /// Does what is due at `now`: waiting jobs (of any origin) more than [`GRACE`] late become
    /// overdue and are not placed; running batches whose process is gone are paused; waiting
    /// jobs of this origin due by `now` are placed, each once: a batch's rows only by the
    /// process running the batch, and only while fewer than its concurrency of its calls are
    /// going. Jobs of other origins are left to their own runner.
    pub async fn run_due(&self, now: DateTime<Utc>) -> Result<RunReport> {
        let history = self.history();
        let grace = chrono::Duration::from_std(GRACE).unwrap_or_default();
        let mut report = RunReport {
            overdue: history.mark_overdue(now - grace, OVERDUE_NOTE)?,
            paused_batches: history.pause_orphaned_batches(crate::batch_run::ORPHANED_NOTE)?,
            ..RunReport::default()
        };
        // Free slots of each batch this process runs, read once per run.
        let mut slots: HashMap<i64, u32> = HashMap::new();
        for job in history.due_jobs(now)? {
            if &job.origin != self.origin() {
                continue;
            }
            if let Some(batch_id) = job.batch_id {
                let free = match slots.get(&batch_id) {
                    Some(free) => *free,
                    None => {
                        let b = history.batch(batch_id)?;
                        let free = if history.runs_batch(&b)? {
                            u32::from(b.concurrency).saturating_sub(b.counts.going)
                        } else {
                            0
                        };
                        slots.insert(batch_id, free);
                        free
                    }
                };
                if free == 0 {
                    continue;
                }
            }
            let (attempt, prepared) = match self.claim_scheduled(&job, HoursChoice::Respect) {
                Ok(claimed) => claimed,
                Err(e) => {
                    // Nothing was written or sent for this job here.
                    let now_job = history.job(job.id)?;
                    if now_job.state != JobState::Waiting {
                        // Another runner placed it, or the user cancelled it, meanwhile.
                        continue;
                    }
                    // A batch's row that waited for a slot until the hours closed where the
                    // callee is waits again, for their next allowed time.
                    if let (
                        Some(_),
                        Error::OutsideCallingHours {
                            next_allowed: Some(next),
                            ..
                        },
                    ) = (job.batch_id, &e)
                    {
                        match history.postpone_job(job.id, *next) {
                            Ok(_) | Err(HistoryError::JobState { .. }) => {}
                            Err(other) => return Err(other.into()),
                        }
                        continue;
                    }
                    if is_refusal(&e) {
                        match history.refuse_job(job.id, JobState::Waiting, &e.to_string()) {
                            Ok(j) => report.refused.push(j),
                            Err(HistoryError::JobState { .. }) => {}
                            Err(other) => return Err(other.into()),
                        }
                    } else {
                        tracing::warn!(job = job.id, "scheduled call not placed yet: {e}");
                        report.failed.push((now_job, e.to_string()));
                    }
                    continue;
                }
            };
            if let Some(free) = job.batch_id.and_then(|b| slots.get_mut(&b)) {
                *free = free.saturating_sub(1);
            }
            // Claimed here: whatever the answer (a task, a refusal, an unknown outcome), the
            // call records it, and the job is placed for good.
            let call = match self.send_attempt(attempt, &prepared).await {
                Ok(call) => call,
                Err(e) => {
                    tracing::warn!(job = job.id, call = attempt, "scheduled call: {e}");
                    history.get(attempt)?
                }
            };
            report.placed.push((history.job(job.id)?, call));
        }
        report.finished_batches = history.finish_batches()?;
        Ok(report)
    }
}
