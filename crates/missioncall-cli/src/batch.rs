//! `missioncall batch FILE …` and `missioncall batches …`: the dry run of a CSV file, then
//! (once the user confirms the count) a batch placed in the foreground by the scheduled
//! calls' runner, each row at most once, at most its concurrency at once. Ctrl-C pauses the
//! batch; a killed process leaves it running with its runner gone, and the next process to
//! look pauses it: nothing is ever placed again by itself.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use missioncall_core::batch::{Plan, PlannedRow, Verdict};
use missioncall_core::batch_run;
use missioncall_core::call::BatchState;
use missioncall_core::history::Batch;
use missioncall_core::session::Manager;
use serde::Serialize;

use crate::args::{BatchesAction, Global};
use crate::exit::{self, Failure};
use crate::output::{json_line, CallJson};
use crate::run::{manager, printable, real};

type Out = Result<i32, Failure>;

/// How often the foreground runner looks for rows to place and calls that ended.
const POLL: Duration = Duration::from_secs(2);

/// `missioncall batch`'s arguments.
pub struct BatchArgs {
    pub file: PathBuf,
    pub template: String,
    pub region: Option<String>,
    pub phone_column: Option<String>,
    pub dry_run: bool,
    pub as_of: Option<String>,
    pub concurrency: u8,
    pub yes: bool,
}

/// `missioncall batch FILE …`.
pub async fn batch(g: &Global, a: BatchArgs) -> Out {
    let as_of = a.as_of.as_deref().map(parse_as_of).transpose()?;
    let bytes = std::fs::read(&a.file).map_err(|e| {
        Failure::new(
            exit::INVALID_INPUT,
            format!(
                "Could not read {}: {e}. Check the file's name and that you may read it.",
                a.file.display()
            ),
        )
    })?;
    // The concurrency is checked before anything else is done with the file.
    batch_run::check_concurrency(a.concurrency)?;
    let m = manager(g, !a.dry_run)?;
    let plan = m.plan_batch(
        &bytes,
        &a.template,
        a.region.clone(),
        a.phone_column.clone(),
        as_of,
    )?;
    if a.dry_run {
        print_plan(g, &plan);
        return Ok(exit::OK);
    }
    if !g.json {
        print_plan(g, &plan);
    }
    let callable = plan.callable();
    if callable == 0 {
        return Err(Failure::new(
            exit::INVALID_INPUT,
            "No row of this file can be called (see the reason on each row). Nothing was started.",
        ));
    }
    drop(m);
    let m = real(g, true).await?;
    if !a.yes && !confirm_count(callable)? {
        eprintln!("Not started. Nothing was stored or sent.");
        m.shutdown().await;
        return Ok(exit::USAGE);
    }
    let source = a
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| a.file.display().to_string());
    let b = m
        .start_batch(&source, &a.template, &plan, a.concurrency)
        .await?;
    if g.json {
        json_line(&serde_json::json!({ "event": "started", "batch": BatchJson::from(&b) }));
    } else {
        println!(
            "Batch #{} started: {} calls to place, at most {} at once. Press Ctrl-C to pause it.",
            b.id, b.counts.waiting, b.concurrency
        );
    }
    let out = run_batch(g, &m, b.id).await;
    m.shutdown().await;
    out
}

/// `missioncall batches …`.
pub async fn batches(g: &Global, action: BatchesAction) -> Out {
    match action {
        BatchesAction::List => {
            let m = manager(g, false)?;
            // Calls whose sender is gone are unknown outcomes, and a batch left running by a
            // process that is gone is shown (and kept) paused.
            m.recover()?;
            m.history()
                .pause_orphaned_batches(batch_run::ORPHANED_NOTE)?;
            m.history().finish_batches()?;
            let all = m.history().batches()?;
            if g.json {
                json_line(&all.iter().map(BatchJson::from).collect::<Vec<_>>());
            } else if all.is_empty() {
                println!(
                    "No batches yet. Start one with `missioncall batch FILE --template TEXT`."
                );
            } else {
                for b in &all {
                    println!("{}", batch_line(b));
                }
            }
            Ok(exit::OK)
        }
        BatchesAction::Pause { id } => {
            let m = manager(g, false)?;
            let b = m.history().pause_batch(id)?;
            say(
                g,
                &b,
                "paused: nothing more of it is placed until you resume it",
            );
            Ok(exit::OK)
        }
        BatchesAction::Cancel { id } => {
            let m = manager(g, false)?;
            let batch = m.history().batch(id)?;
            // Its calls still waiting are cancelled at their own service when the key allows.
            let m = if batch.demo { m } else { real(g, false).await? };
            let b = m.cancel_batch(id).await?;
            say(g, &b, "cancelled: its rows not yet placed never will be");
            m.shutdown().await;
            Ok(exit::OK)
        }
        BatchesAction::Resume { id } => {
            let m = real(g, true).await?;
            // A batch left running by a process that is gone is paused first (and its calls
            // whose sender died are unknown outcomes, never sent again).
            m.run_due().await?;
            let now = m.history().batch(id)?;
            if now.state == BatchState::Done {
                // Its last calls ended meanwhile: there is nothing left to resume.
                say(g, &now, "is done: every row was placed or refused");
                m.shutdown().await;
                return Ok(exit::OK);
            }
            let b = m.history().resume_batch(id)?;
            say(g, &b, "resumed");
            let out = run_batch(g, &m, id).await;
            m.shutdown().await;
            out
        }
        BatchesAction::Export { id, out, force } => {
            let m = manager(g, false)?;
            let n = batch_run::export_results(m.history(), id, &out, force)
                .map_err(|e| Failure::new(exit::INVALID_INPUT, e.to_string()))?;
            if g.json {
                json_line(&serde_json::json!({ "path": out, "rows": n }));
            } else {
                println!(
                    "Wrote the results of batch #{id} ({n} rows) to {}.",
                    out.display()
                );
            }
            Ok(exit::OK)
        }
    }
}

/// Places the batch's rows as they fall due until it ends; Ctrl-C pauses it.
async fn run_batch(g: &Global, m: &Manager, id: i64) -> Out {
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        match m.run_due().await {
            Ok(report) => {
                for (_, rec) in report.placed.iter().filter(|(j, _)| j.batch_id == Some(id)) {
                    if g.json {
                        json_line(
                            &serde_json::json!({ "event": "placed", "call": CallJson::from(rec) }),
                        );
                    } else {
                        println!(
                            "Placed call #{} to {}: {}",
                            rec.id,
                            rec.phone_e164,
                            rec.status.label()
                        );
                    }
                }
                for job in report.refused.iter().filter(|j| j.batch_id == Some(id)) {
                    if !g.json {
                        println!("Not placed ({}): {}", job.phone_e164, printable(&job.note));
                    }
                }
            }
            Err(e) => eprintln!("missioncall: {e} Trying again."),
        }
        let b = m.history().batch(id)?;
        match b.state {
            BatchState::Running => {}
            BatchState::Done | BatchState::Cancelled | BatchState::Paused => {
                if g.json {
                    json_line(
                        &serde_json::json!({ "event": "ended", "batch": BatchJson::from(&b) }),
                    );
                } else {
                    println!("{}", batch_line(&b));
                }
                return Ok(exit::OK);
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = &mut ctrl_c => {
                let b = m.history().pause_batch(id)?;
                eprintln!(
                    "Batch #{id} paused: {} rows still to place. `missioncall batches resume {id}` goes on.",
                    b.counts.waiting
                );
                return Ok(130);
            }
        }
    }
}

fn say(g: &Global, b: &Batch, what: &str) {
    if g.json {
        json_line(&BatchJson::from(b));
    } else {
        println!("Batch #{} {what}.", b.id);
    }
}

fn batch_line(b: &Batch) -> String {
    let c = &b.counts;
    let mut line = format!(
        "#{} {} — {}: {} placed, {} waiting, {} going, {} not placed, {} skipped by the dry run ({} rows){}",
        b.id,
        printable(&b.source),
        b.state.label(),
        c.placed,
        c.waiting,
        c.going,
        c.not_placed,
        c.skipped,
        c.rows,
        if b.demo { " [demo]" } else { "" }
    );
    if !b.note.is_empty() {
        line.push_str(&format!("\n    {}", printable(&b.note)));
    }
    line
}

/// Asks for the number of calls, typed back: a batch is many real calls.
fn confirm_count(n: usize) -> Result<bool, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::new(
            exit::USAGE,
            "Not starting the batch: it needs a confirmation and there is no terminal to ask on. Add --yes to confirm.",
        ));
    }
    eprint!("This places {n} real calls. Type {n} to start them: ");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| Failure::new(exit::OTHER, e.to_string()))?;
    Ok(answer.trim() == n.to_string())
}

fn parse_as_of(text: &str) -> Result<DateTime<Utc>, Failure> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            Failure::new(
                exit::USAGE,
                format!(
                    "--as-of needs a time like 2026-03-10T09:00:00-05:00; \"{text}\" is not one."
                ),
            )
        })
}

fn print_plan(g: &Global, plan: &Plan) {
    if g.json {
        json_line(&plan.rows);
        return;
    }
    let col = &plan.phone_column;
    println!(
        "Numbers from the column \"{}\"{}.",
        printable(&col.name),
        if col.guessed {
            " (guessed from its name; --phone-column picks another)"
        } else {
            ""
        }
    );
    if !plan.unknown_placeholders.is_empty() {
        println!(
            "The mission names columns the file does not have: {}.",
            plan.unknown_placeholders.join(", ")
        );
    }
    for r in &plan.rows {
        println!("{}", row_line(r));
    }
    let c = plan.counts();
    println!(
        "{} to call now, {} later (outside calling hours), {} invalid, {} twice in the file, {} called in the last day, {} on the do-not-call list, {} with a mission problem.",
        c.ok, c.outside_hours, c.invalid, c.duplicate_in_file, c.recent_duplicate, c.do_not_call, c.template_error
    );
    if let Some(first) = plan.rows.iter().find(|r| r.verdict == Verdict::Ok) {
        println!("Mission of row {} as it will be sent:", first.row);
        for line in first.task.lines() {
            println!("  {}", printable(line));
        }
    }
}

fn row_line(r: &PlannedRow) -> String {
    let number = r.e164.clone().unwrap_or_else(|| printable(&r.input));
    let what = match (r.verdict, &r.reason) {
        (Verdict::Ok, _) => match &r.local_time {
            Some(t) => format!("ok — {} for them", t.format("%H:%M")),
            None => "ok".to_owned(),
        },
        (Verdict::OutsideHours, reason) => match r.next_allowed {
            Some(t) => format!(
                "later — {} (placed at {})",
                printable(reason.as_deref().unwrap_or("")),
                t.format("%Y-%m-%d %H:%M UTC")
            ),
            None => format!(
                "not called — {}",
                printable(reason.as_deref().unwrap_or(""))
            ),
        },
        (_, reason) => format!(
            "not called — {}",
            printable(reason.as_deref().unwrap_or(""))
        ),
    };
    format!("row {:>3}  {:<16}  {what}", r.row, number)
}

#[derive(Serialize)]
struct BatchJson<'a> {
    id: i64,
    source: &'a str,
    state: &'static str,
    note: &'a str,
    demo: bool,
    concurrency: u8,
    rows: u32,
    skipped: u32,
    waiting: u32,
    placed: u32,
    not_placed: u32,
    going: u32,
    created_at: String,
}

impl<'a> From<&'a Batch> for BatchJson<'a> {
    fn from(b: &'a Batch) -> Self {
        BatchJson {
            id: b.id,
            source: &b.source,
            state: b.state.key(),
            note: &b.note,
            demo: b.demo,
            concurrency: b.concurrency,
            rows: b.counts.rows,
            skipped: b.counts.skipped,
            waiting: b.counts.waiting,
            placed: b.counts.placed,
            not_placed: b.counts.not_placed,
            going: b.counts.going,
            created_at: b.created_at.to_rfc3339(),
        }
    }
}
