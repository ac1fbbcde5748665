//! The subcommands: each builds what it needs from the core and prints the outcome.

use crate::args::{Cli, Command, Global, KeyAction};
use crate::exit::{self, Failure};
use crate::output::{call_detail, call_line, json_line, CallJson};
use missioncall_core::call::{CallStatus, ServiceStatus, Tracking};
use missioncall_core::calls::{self, CallRequest, HoursChoice};
use missioncall_core::history::History;
use missioncall_core::phone;
use missioncall_core::secrets::KeySource;
use missioncall_core::session::{Manager, ManagerConfig};
use missioncall_core::tracker::{TrackerConfig, TrackerEvent};
use missioncall_core::Error as CoreError;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use workapi::TaskId;

type Out = Result<i32, Failure>;

/// How long `call --wait` keeps following when it cannot learn anything new.
const WAIT_UNREADABLE_FOR: Duration = Duration::from_secs(300);

/// Runs one command; returns the exit code.
pub async fn run(cli: Cli) -> Out {
    let g = cli.global;
    match cli.command {
        Command::Call {
            number,
            task,
            region,
            yes,
            wait: _,
            force: _,
            at: Some(at),
            anyway,
        } => {
            crate::scheduled::schedule_call(&g, &number, &task, region.as_deref(), yes, &at, anyway)
                .await
        }
        Command::Call {
            number,
            task,
            region,
            yes,
            wait,
            force,
            at: None,
            anyway,
        } => {
            let hours = if anyway {
                HoursChoice::CallAnyway
            } else {
                HoursChoice::Respect
            };
            let req = CallRequest {
                number: &number,
                region: region.as_deref(),
                task: &task,
                force,
            };
            call(&g, &req, yes, wait, hours).await
        }
        Command::Scheduled { action } => crate::scheduled::scheduled(&g, action).await,
        Command::RunScheduled => crate::scheduled::run_scheduled(&g).await,
        Command::Batch {
            file,
            template,
            region,
            phone_column,
            dry_run,
            as_of,
            concurrency,
            yes,
        } => {
            crate::batch::batch(
                &g,
                crate::batch::BatchArgs {
                    file,
                    template,
                    region,
                    phone_column,
                    dry_run,
                    as_of,
                    concurrency,
                    yes,
                },
            )
            .await
        }
        Command::Batches { action } => crate::batch::batches(&g, action).await,
        Command::Status { id } => status(&g, &id).await,
        Command::Cancel { id } => cancel(&g, &id).await,
        Command::History {
            status,
            search,
            review,
            limit,
        } => history(&g, status, search, &review, limit),
        Command::Mark {
            id,
            outcome,
            note,
            tags,
            untags,
            follow_up,
        } => crate::review::mark(
            &g,
            &id,
            crate::review::Marks {
                outcome,
                note,
                tags,
                untags,
                follow_up,
            },
        ),
        Command::Contact { action } => crate::review::contact(&g, action),
        Command::Dnc { action } => crate::dnc::dnc(&g, action),
        Command::Identity { action } => crate::dnc::identity(&g, action),
        Command::Hours { action } => crate::dnc::hours(&g, action),
        Command::Tag { action } => crate::review::tag(&g, action),
        Command::Export {
            format,
            out,
            status,
            search,
            review,
            with_transcripts,
            force,
        } => {
            crate::review::export(
                g,
                crate::review::ExportArgs {
                    format,
                    out,
                    status,
                    search,
                    review,
                    with_transcripts,
                    force,
                },
            )
            .await
        }
        Command::Backup { file, force } => crate::backup::backup(&g, &file, force),
        Command::Restore { file } => crate::backup::restore(&g, &file),
        Command::Validate { numbers, region } => validate(&g, &numbers, region.as_deref()),
        Command::Key { action } => key(&g, action),
        Command::Sim { port, speed } => sim(&g, port, speed).await,
    }
}

fn data_dir(g: &Global) -> Result<PathBuf, Failure> {
    match &g.data_dir {
        Some(d) if !d.as_os_str().is_empty() => Ok(d.clone()),
        _ => missioncall_core::history::default_data_dir().ok_or_else(|| {
            Failure::new(
                exit::OTHER,
                "Could not find a folder for the call history. Set MISSIONCALL_DATA_DIR or use --data-dir.",
            )
        }),
    }
}

pub(crate) fn open_history(g: &Global) -> Result<Arc<History>, Failure> {
    Ok(Arc::new(History::open_in_dir(&data_dir(g)?)?))
}

/// The core's session manager for this command: the same data folder, settings, keychain and
/// origin routing as the app. `follow` starts a tracker (for `call --wait`).
pub(crate) fn manager(g: &Global, follow: bool) -> Result<Manager, Failure> {
    if !(g.timeout.is_finite() && g.timeout > 0.0 && g.timeout <= 3600.0) {
        return Err(Failure::new(
            exit::USAGE,
            "--timeout must be a number of seconds between 0 and 3600.",
        ));
    }
    let mut cfg = ManagerConfig::new(data_dir(g)?);
    cfg.base_url_override = g.base_url.clone();
    cfg.timeout = Duration::from_secs_f64(g.timeout);
    cfg.connect_timeout = Duration::from_secs_f64(g.timeout.min(10.0));
    cfg.follow = follow;
    let speed = std::env::var("MISSIONCALL_POLL_SPEED")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(1.0);
    cfg.tracker = Some(TrackerConfig::scaled(speed));
    if let Some(url) = &g.base_url {
        workapi::check_base_url(url)?;
    }
    Ok(Manager::open(cfg)?)
}

/// The manager with the real service of the address in use, or the reason there is none.
pub(crate) async fn real(g: &Global, follow: bool) -> Result<Manager, Failure> {
    let m = manager(g, follow)?;
    m.use_real().await?;
    if m.session().await.is_none() {
        return Err(CoreError::NoKey.into());
    }
    Ok(m)
}

/// Asks "Place this call?" on the terminal; refuses when there is no terminal to ask on.
pub(crate) fn confirm(prompt: &str) -> Result<bool, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::new(
            exit::USAGE,
            "Not placing the call: it needs a confirmation and there is no terminal to ask on. Add --yes to confirm.",
        ));
    }
    eprint!("{prompt} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::new(exit::OTHER, e.to_string()))?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}

async fn call(g: &Global, req: &CallRequest<'_>, yes: bool, wait: bool, hours: HoursChoice) -> Out {
    // Validate first: nothing is sent, and no key is needed, for invalid input or a number on
    // the do-not-call list.
    calls::prepare(req)?;
    let m = manager(g, wait)?;
    m.prepare(req)?;
    m.use_real().await?;
    if m.session().await.is_none() {
        return Err(CoreError::NoKey.into());
    }
    // What is shown is the confirmation itself: the exact text that will be sent.
    let c = m.confirm(req).await?;
    if !yes {
        let country = c
            .phone
            .region
            .as_deref()
            .and_then(|r| phone::regions().into_iter().find(|x| x.code == r))
            .map(|r| format!(" ({})", r.name))
            .unwrap_or_default();
        eprintln!("The agent will call {}{country}", c.phone.international);
        eprintln!("  dialled as: {}", c.phone.e164);
        for (i, line) in c.task.lines().enumerate() {
            let label = if i == 0 { "  task: " } else { "        " };
            eprintln!("{label}{}", printable(line));
        }
        if let Some(h) = &c.hours {
            eprintln!("  {}", h.sentence);
        }
        if !confirm("Place this call?")? {
            eprintln!("Not placed. Nothing was sent.");
            return Ok(exit::USAGE);
        }
    }
    let mut events = m.subscribe();
    let record = m.place_confirmed_with(&c.token, hours).await?;
    if g.json {
        json_line(&CallJson::from(&record));
    } else {
        println!(
            "Call #{} placed: task {} — {}",
            record.id,
            record.task_id.as_deref().unwrap_or("?"),
            record.status.label()
        );
    }
    if !wait || !record.status.is_live() {
        m.shutdown().await;
        return Ok(exit::OK);
    }
    let out = follow(g, &mut events, &record).await;
    m.shutdown().await;
    out
}

/// Follows one call until it ends, printing each change. Ends with exit code 1 when the call
/// can no longer be checked (unreadable answers) or nothing new could be learnt for
/// [`WAIT_UNREADABLE_FOR`].
async fn follow(
    g: &Global,
    events: &mut tokio::sync::broadcast::Receiver<TrackerEvent>,
    placed: &missioncall_core::history::CallRecord,
) -> Out {
    let call_id = placed.id;
    // The placement's own announcement comes through too: print each state once.
    let mut shown = (
        placed.status.clone(),
        placed.tracking,
        placed.summary.clone(),
    );
    let mut last_news = tokio::time::Instant::now();
    let mut offline = false;
    loop {
        let deadline = last_news + WAIT_UNREADABLE_FOR;
        tokio::select! {
            ev = events.recv() => match ev {
                Ok(TrackerEvent::Updated(rec)) if rec.id == call_id => {
                    last_news = tokio::time::Instant::now();
                    let now = (rec.status.clone(), rec.tracking, rec.summary.clone());
                    if now == shown {
                        continue;
                    }
                    shown = now;
                    offline = false;
                    let task_id = rec.task_id.as_deref().unwrap_or("?");
                    if g.json {
                        json_line(&CallJson::from(&*rec));
                    } else if rec.tracking == Tracking::Following {
                        println!("{task_id} — {}", rec.status.label());
                        if rec.status.is_completed() {
                            print!("{}", call_detail(&rec));
                        }
                    }
                    if rec.tracking != Tracking::Following {
                        let why = rec.error.clone().unwrap_or_else(|| "It can no longer be checked.".into());
                        return Err(Failure::new(
                            exit::OTHER,
                            format!("Stopped following call #{call_id}: {why} Check it later with `missioncall status {task_id}`."),
                        ));
                    }
                    if !rec.status.is_live() {
                        return Ok(exit::OK);
                    }
                }
                Ok(TrackerEvent::Network { online: false, message }) => {
                    offline = true;
                    eprintln!("Offline: {}. Still trying…", message.unwrap_or_default());
                }
                Ok(TrackerEvent::Network { online: true, .. }) => {
                    offline = false;
                    last_news = tokio::time::Instant::now();
                }
                Ok(TrackerEvent::ServiceProblem { message }) => {
                    return Err(Failure::new(exit::REFUSED, message));
                }
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => return Ok(exit::OTHER),
            },
            _ = tokio::time::sleep_until(deadline) => {
                let why = if offline { "the service could not be reached" } else { "no answer about it could be read" };
                return Err(Failure::new(
                    exit::OTHER,
                    format!("Stopped following call #{call_id}: {why} for {} minutes. The call may go on; check it later with `missioncall history`.", WAIT_UNREADABLE_FOR.as_secs() / 60),
                ));
            }
            _ = tokio::signal::ctrl_c() => {
                eprintln!("Stopped following. The call goes on; check it later with `missioncall history`.");
                return Ok(130);
            }
        }
    }
}

async fn status(g: &Global, id: &str) -> Out {
    let tid = TaskId::parse(id)?;
    let m = manager(g, false)?;
    // A task in history is asked at its own origin; any other at the address in use.
    let known = m.history().get_by_task_id(tid.as_str())?;
    let calls = match &known {
        Some(rec) => {
            m.use_real().await?;
            m.calls_for(rec.id).await?
        }
        None => {
            m.use_real().await?;
            m.current_calls().await?
        }
    };
    let (task, known) = calls.status_by_task_id(id).await?;
    let status = CallStatus::Service(ServiceStatus::from(&task.status));
    if g.json {
        json_line(&serde_json::json!({
            "task_id": task.id.as_str(),
            "task_number": task.number,
            "status": status.word(),
            "status_kind": status.kind_name(),
            "status_text": status.label(),
            "summary": task.result.as_ref().and_then(|r| r.summary.as_deref()),
            "transcript": task.result.as_ref().and_then(|r| r.transcript.as_deref()),
            "call": known.as_ref().map(CallJson::from),
        }));
    } else if let Some(rec) = known {
        print!("{}", call_detail(&rec));
    } else {
        println!("Task {} — {}", task.id, status.label());
        if let Some(s) = task.result.as_ref().and_then(|r| r.summary.as_deref()) {
            println!("  Summary: {s}");
        }
        println!("  (This task is not in this computer's history.)");
    }
    Ok(exit::OK)
}

async fn cancel(g: &Global, id: &str) -> Out {
    let tid = TaskId::parse(id)?;
    let m = manager(g, false)?;
    m.use_real().await?;
    let known = m.history().get_by_task_id(tid.as_str())?;
    let status = match known {
        // A call in history is cancelled at its own origin, or refused with the reason.
        Some(rec) => m.cancel(rec.id).await?.status,
        None => {
            let calls = m.current_calls().await?;
            let task =
                calls.client().tasks().cancel(&tid).await.map_err(|e| {
                    match e {
                workapi::Error::InvalidStatus { .. } => Failure::new(
                    exit::REFUSED,
                    "This task can no longer be cancelled: work on it has begun or it has ended.",
                ),
                e => e.into(),
            }
                })?;
            CallStatus::Service(ServiceStatus::from(&task.status))
        }
    };
    if g.json {
        json_line(&serde_json::json!({
            "task_id": id,
            "status": status.word(),
            "status_kind": status.kind_name(),
        }));
    } else {
        println!("Task {id} — {}", status.label());
    }
    Ok(exit::OK)
}

fn history(
    g: &Global,
    status: Option<String>,
    search: Option<String>,
    review: &crate::args::ReviewFilter,
    limit: u32,
) -> Out {
    let h = open_history(g)?;
    // Attempts whose sender is gone are unknown outcomes; one still being sent is left alone.
    h.recover_interrupted()?;
    let mut filter = crate::review::filter(&h, review)?;
    filter.status = status.as_deref().and_then(CallStatus::from_user_words);
    filter.search = search;
    filter.limit = limit.clamp(1, 500);
    let rows = h.list(&filter)?;
    if g.json {
        let items: Vec<CallJson> = rows.iter().map(CallJson::from).collect();
        json_line(&items);
    } else if rows.is_empty() {
        println!("No calls found.");
    } else {
        for r in &rows {
            println!("{}", call_line(r));
        }
    }
    Ok(exit::OK)
}

fn validate(g: &Global, numbers: &[String], region: Option<&str>) -> Out {
    // (region of the line, the number as text, or why the line could not be read)
    let mut inputs: Vec<(Option<String>, Result<String, String>)> = Vec::new();
    if numbers.len() == 1 && numbers[0] == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::new(exit::USAGE, format!("Could not read stdin: {e}")))?;
        // Each line on its own: one unreadable line gets its own answer, the others theirs.
        for raw in bytes.split(|b| *b == b'\n') {
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let Ok(line) = std::str::from_utf8(raw) else {
                inputs.push((
                    None,
                    Err("This line is not readable text (it is not UTF-8). Check the file's encoding.".into()),
                ));
                continue;
            };
            match line.split_once('\t') {
                Some((r, n)) => inputs.push((
                    Some(r.trim().to_owned()).filter(|r| !r.is_empty()),
                    Ok(n.to_owned()),
                )),
                None => inputs.push((None, Ok(line.to_owned()))),
            }
        }
        // A final newline ends the last line; it does not start an empty one.
        if bytes.ends_with(b"\n") {
            inputs.pop();
        }
    } else {
        inputs.extend(numbers.iter().map(|n| (None, Ok(n.clone()))));
    }
    let mut all_valid = true;
    for (line_region, number) in &inputs {
        let r = line_region.as_deref().or(region);
        let mut check = match number {
            Ok(n) => phone::check(n, r),
            Err(reason) => phone::PhoneCheck {
                input: String::new(),
                valid: false,
                e164: None,
                region: None,
                kind: None,
                national: None,
                international: None,
                reason: Some(reason.clone()),
            },
        };
        // Nothing raw reaches the terminal: control characters are shown as escapes.
        check.input = printable(&check.input);
        all_valid &= check.valid;
        if g.json {
            json_line(&check);
        } else if check.valid {
            println!(
                "ok    {:<24} {}  ({}{})",
                check.input,
                check.e164.as_deref().unwrap_or(""),
                check.region.as_deref().unwrap_or("?"),
                check
                    .international
                    .as_deref()
                    .map(|i| format!(", {i}"))
                    .unwrap_or_default()
            );
        } else {
            println!(
                "error {:<24} {}",
                check.input,
                check.reason.as_deref().unwrap_or("not valid")
            );
        }
    }
    Ok(if all_valid {
        exit::OK
    } else {
        exit::INVALID_INPUT
    })
}

/// `text` with control characters written as `\u{..}` escapes, so that nothing it holds can
/// move the cursor, ring the bell or change the terminal.
pub(crate) fn printable(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_unicode().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn key(g: &Global, action: KeyAction) -> Out {
    // The key of the address in use: each service address has its own.
    let secrets = manager(g, false)?.secrets();
    match action {
        KeyAction::Set => {
            let text = if std::io::stdin().is_terminal() {
                rpassword::prompt_password(
                    "Paste your WorkAPI key (it will not be shown) and press Enter: ",
                )
                .map_err(|e| Failure::new(exit::OTHER, format!("Could not read the key: {e}")))?
            } else {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s).map_err(|e| {
                    Failure::new(
                        exit::OTHER,
                        format!("Could not read the key from stdin: {e}"),
                    )
                })?;
                s
            };
            let key = secrets.keychain_only().set_text(text.trim()).map_err(|e| {
                let code = match e {
                    missioncall_core::secrets::SecretsError::InvalidKey => exit::INVALID_INPUT,
                    _ => exit::OTHER,
                };
                Failure::new(code, e.to_string())
            })?;
            if g.json {
                json_line(&serde_json::json!({ "set": true, "last4": key.last4() }));
            } else {
                println!("Key saved in the system keychain ({}).", key.masked());
            }
            if std::env::var(missioncall_core::secrets::ENV_KEY).is_ok_and(|v| !v.trim().is_empty())
            {
                eprintln!("Note: WORKAPI_API_KEY is set in this environment and takes precedence over the keychain.");
            }
        }
        KeyAction::Clear => {
            let removed = secrets.keychain_only().clear()?;
            if g.json {
                json_line(&serde_json::json!({ "removed": removed }));
            } else if removed {
                println!("Key removed from the system keychain.");
            } else {
                println!("No key was stored in the system keychain.");
            }
        }
        KeyAction::Status => {
            let st = secrets.status()?;
            if g.json {
                json_line(&st);
            } else if st.set {
                let from = match st.source {
                    Some(KeySource::Env) => "from WORKAPI_API_KEY",
                    _ => "in the system keychain",
                };
                let mask = st
                    .last4
                    .map(|l| format!("•••• {l}"))
                    .unwrap_or_else(|| "••••".into());
                println!("A key is set ({mask}), {from}.");
            } else {
                println!("No key is set. Run `missioncall key set` and paste your key.");
            }
        }
    }
    Ok(exit::OK)
}

async fn sim(g: &Global, port: u16, speed: f64) -> Out {
    if !(speed.is_finite() && speed > 0.0) {
        return Err(Failure::new(
            exit::USAGE,
            "--speed must be a positive number.",
        ));
    }
    let cfg = workapi_sim::SimConfig {
        port,
        speed,
        ..workapi_sim::SimConfig::default()
    };
    let handle = workapi_sim::Sim::start(cfg)
        .await
        .map_err(|e| Failure::new(exit::OTHER, format!("The simulator could not start: {e}")))?;
    if g.json {
        json_line(
            &serde_json::json!({ "base_url": handle.base_url(), "key": workapi_sim::DEMO_KEY }),
        );
    } else {
        println!("WorkAPI simulator running at {}", handle.base_url());
        println!("Demo key: {}", workapi_sim::DEMO_KEY);
        println!("Nobody is called. Press Ctrl-C to stop.");
    }
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
    handle.shutdown().await;
    Ok(exit::OK)
}
