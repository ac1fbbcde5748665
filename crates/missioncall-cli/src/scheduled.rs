//! Scheduled calls on the command line: `call --at`, `scheduled list|cancel|confirm|drop`, and
//! `run-scheduled`, the foreground runner. Thin over the core's scheduler: placing goes
//! through the same attempt path as `call`, and a job is placed at most once whoever runs it.

use crate::args::{Global, ScheduledAction};
use crate::exit::{self, Failure};
use crate::output::{json_line, CallJson};
use crate::run::{confirm, manager, printable, real};
use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};
use missioncall_core::calls::{self, CallRequest, HoursChoice};
use missioncall_core::history::{CallRecord, JobState, ScheduledJob};
use missioncall_core::schedule::{self, RunReport};
use serde::Serialize;
use std::time::Duration;

type Out = Result<i32, Failure>;

/// The longest `run-scheduled` waits before it looks again (jobs scheduled meanwhile by the
/// app or another command are seen within this time).
const POLL: Duration = Duration::from_secs(1);

/// A scheduled call as `--json` prints it.
#[derive(Serialize)]
struct JobJson<'a> {
    id: i64,
    phone_e164: &'a str,
    task: &'a str,
    origin: &'a str,
    demo: bool,
    due_at: String,
    created_at: String,
    state: &'static str,
    state_text: &'static str,
    attempt_id: Option<i64>,
    note: &'a str,
}

impl<'a> From<&'a ScheduledJob> for JobJson<'a> {
    fn from(j: &'a ScheduledJob) -> Self {
        JobJson {
            id: j.id,
            phone_e164: &j.phone_e164,
            task: &j.task,
            origin: j.origin.as_str(),
            demo: j.demo,
            due_at: j.due_at.to_rfc3339(),
            created_at: j.created_at.to_rfc3339(),
            state: j.state.key(),
            state_text: j.state.label(),
            attempt_id: j.attempt_id,
            note: &j.note,
        }
    }
}

/// Reads a time: RFC 3339, or `YYYY-MM-DD HH:MM` in local time.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, Failure> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").map_err(|_| {
        Failure::new(
            exit::INVALID_INPUT,
            format!(
                "\"{}\" is not a time MissionCall can read. Write it as YYYY-MM-DD HH:MM (your local time) or as RFC 3339, e.g. 2026-03-01T15:30:00+01:00.",
                printable(text)
            ),
        )
    })?;
    match Local.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        // The hour repeated when the clocks go back: the first of the two.
        chrono::LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
        chrono::LocalResult::None => Err(Failure::new(
            exit::INVALID_INPUT,
            format!(
                "{text} does not exist in your time zone (the clocks skip it). Pick another time."
            ),
        )),
    }
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

/// `missioncall call NUMBER TASK --at TIME`.
pub async fn schedule_call(
    g: &Global,
    number: &str,
    task: &str,
    region: Option<&str>,
    yes: bool,
    at: &str,
    anyway: bool,
) -> Out {
    let req = CallRequest {
        number,
        region,
        task,
        force: false,
    };
    // Nothing is stored, and no key is needed, for invalid input or a time that passed.
    let prepared = calls::prepare(&req)?;
    let due_at = parse_time(at)?;
    schedule::check_time(due_at, Utc::now())?;
    let m = real(g, false).await?;
    if !yes {
        eprintln!(
            "The agent will call {} at {} ({})",
            prepared.phone.international,
            local(due_at),
            due_at.format("%Y-%m-%d %H:%M UTC")
        );
        eprintln!("  dialled as: {}", prepared.phone.e164);
        eprintln!("  task: {}", printable(&prepared.task));
        if !confirm("Schedule this call?")? {
            eprintln!("Not scheduled. Nothing was stored or sent.");
            return Ok(exit::USAGE);
        }
    }
    let choice = if anyway {
        HoursChoice::CallAnyway
    } else {
        HoursChoice::Respect
    };
    let job = m.schedule(&req, due_at, choice).await?;
    if g.json {
        json_line(&JobJson::from(&job));
    } else {
        println!(
            "Scheduled call #{} to {} at {}. It is placed then by the app or by `missioncall run-scheduled`.",
            job.id,
            job.phone_e164,
            local(job.due_at)
        );
    }
    m.shutdown().await;
    Ok(exit::OK)
}

/// `missioncall scheduled …`.
pub async fn scheduled(g: &Global, action: ScheduledAction) -> Out {
    match action {
        ScheduledAction::List { all } => {
            let m = manager(g, false)?;
            let jobs = if all {
                m.history().jobs(&JobState::ALL)?
            } else {
                m.scheduled()?
            };
            if g.json {
                let items: Vec<JobJson> = jobs.iter().map(JobJson::from).collect();
                json_line(&items);
                return Ok(exit::OK);
            }
            if m.paused() {
                println!("{PAUSED_LINE}");
            }
            if jobs.is_empty() {
                println!("No scheduled calls.");
            } else {
                for j in &jobs {
                    println!("{}", job_line(j));
                }
            }
            Ok(exit::OK)
        }
        ScheduledAction::Cancel { id } => {
            let job = manager(g, false)?.cancel_scheduled(id)?;
            print_job(g, &job, "cancelled; it will not be placed");
            Ok(exit::OK)
        }
        ScheduledAction::Drop { id } => {
            let job = manager(g, false)?.drop_scheduled(id)?;
            print_job(g, &job, "dropped; it will not be placed");
            Ok(exit::OK)
        }
        ScheduledAction::Pause | ScheduledAction::Resume => {
            let pause = matches!(action, ScheduledAction::Pause);
            let m = manager(g, false)?;
            m.set_paused(pause)?;
            let bg = m.background()?;
            if g.json {
                json_line(&bg);
            } else if pause {
                let waiting = if bg.waiting > 0 {
                    format!(" Waiting: {}.", bg.what_waits())
                } else {
                    String::new()
                };
                println!(
                    "Paused: no scheduled call or batch row is placed until `missioncall scheduled resume` (calls already placed go on).{waiting}"
                );
            } else {
                println!(
                    "Resumed: scheduled calls are placed at their time again. A call whose time passed meanwhile is overdue and waits for you (`missioncall scheduled list`)."
                );
            }
            Ok(exit::OK)
        }
        ScheduledAction::Confirm { id, anyway } => {
            let m = manager(g, false)?;
            m.use_real().await?;
            let choice = if anyway {
                HoursChoice::CallAnyway
            } else {
                HoursChoice::Respect
            };
            let placed = m.confirm_scheduled_with(id, choice).await;
            m.shutdown().await;
            let rec = placed?;
            if g.json {
                json_line(&CallJson::from(&rec));
            } else {
                println!("Scheduled call #{id} placed: {}", call_words(&rec));
            }
            Ok(exit::OK)
        }
    }
}

fn print_job(g: &Global, job: &ScheduledJob, what: &str) {
    if g.json {
        json_line(&JobJson::from(job));
    } else {
        println!("Scheduled call #{} {what}.", job.id);
    }
}

fn job_line(j: &ScheduledJob) -> String {
    let task: String = printable(&j.task).chars().take(60).collect();
    let demo = if j.demo { " (demo)" } else { "" };
    format!(
        "#{:<5} {}  {:<30} {}{demo}  {task}",
        j.id,
        local(j.due_at),
        j.state.label(),
        j.phone_e164
    )
}

fn call_words(rec: &CallRecord) -> String {
    match &rec.task_id {
        Some(t) => format!("call #{}, task {t} — {}", rec.id, rec.status.label()),
        None => format!(
            "call #{} — {}{}",
            rec.id,
            rec.status.label(),
            rec.error
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        ),
    }
}

/// Prints what one pass of the runner did (one line, or one JSON line, per job).
fn print_report(g: &Global, r: &RunReport) {
    for (job, rec) in &r.placed {
        if g.json {
            json_line(&serde_json::json!({
                "event": "placed", "job": JobJson::from(job), "call": CallJson::from(rec),
            }));
        } else {
            println!("Scheduled call #{} placed: {}", job.id, call_words(rec));
        }
    }
    for job in &r.overdue {
        announce_overdue(g, job);
    }
    for job in &r.refused {
        if g.json {
            json_line(&serde_json::json!({ "event": "refused", "job": JobJson::from(job) }));
        } else {
            println!(
                "Scheduled call #{} not placed: {}",
                job.id,
                printable(&job.note)
            );
        }
    }
    for (job, why) in &r.failed {
        eprintln!(
            "Scheduled call #{} could not be placed yet ({why}); trying again.",
            job.id
        );
    }
}

fn announce_overdue(g: &Global, job: &ScheduledJob) {
    if g.json {
        json_line(&serde_json::json!({ "event": "overdue", "job": JobJson::from(job) }));
    } else {
        println!(
            "Scheduled call #{} was due at {} and is overdue: it was not placed. Place it now with `missioncall scheduled confirm {}`, or `missioncall scheduled drop {}`.",
            job.id,
            local(job.due_at),
            job.id,
            job.id
        );
    }
}

/// Said while "Pause all" is on.
const PAUSED_LINE: &str = "Paused: no scheduled call or batch row is placed until you resume (`missioncall scheduled resume`, or the app's tray menu).";

/// `missioncall run-scheduled`: places due calls until Ctrl-C.
pub async fn run_scheduled(g: &Global) -> Out {
    let m = real(g, false).await?;
    // Attempts whose sender is gone (a runner killed mid-call) are unknown outcomes: never
    // sent again.
    m.recover()?;
    let origin = m
        .session()
        .await
        .map(|s| s.calls.origin().to_string())
        .unwrap_or_default();
    for job in m.history().jobs(&[JobState::Overdue])? {
        announce_overdue(g, &job);
    }
    eprintln!("Placing scheduled calls for {origin} as they fall due. Press Ctrl-C to stop.");
    let mut said_paused = false;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        match m.run_due().await {
            Ok(report) => print_report(g, &report),
            Err(e) => eprintln!("missioncall: {e} Trying again."),
        }
        let paused = m.paused();
        if paused != said_paused {
            eprintln!(
                "{}",
                if paused {
                    PAUSED_LINE
                } else {
                    "Resumed: placing scheduled calls as they fall due."
                }
            );
            said_paused = paused;
        }
        let wait = match m.next_due() {
            Ok(Some(due)) => (due - Utc::now()).to_std().unwrap_or(Duration::ZERO),
            _ => POLL,
        }
        .min(POLL);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = &mut ctrl_c => break,
        }
    }
    eprintln!(
        "Stopped. Calls scheduled later wait for the app or the next `missioncall run-scheduled`."
    );
    m.shutdown().await;
    Ok(exit::OK)
}
