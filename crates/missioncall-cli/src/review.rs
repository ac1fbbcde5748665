//! Reviewing calls: `mark` (outcome, note, tags, follow-up), `contact`, `tag`, and the history
//! filters on them. All of it is the core's (`History::set_outcome` and its neighbours); this
//! file reads the arguments and prints.

use crate::args::{ContactAction, Global, ReviewFilter, TagAction};
use crate::exit::{self, Failure};
use crate::output::{call_detail, json_line, CallJson};
use crate::run::{open_history, printable};
use chrono::NaiveDate;
use missioncall_core::call::Outcome;
use missioncall_core::history::{CallRecord, History, HistoryFilter, OutcomeFilter};
use missioncall_core::review::{self, FollowUp};
use missioncall_core::{contacts_import, phone};

type Out = Result<i32, Failure>;

/// What `mark` changes.
pub struct Marks {
    pub outcome: Option<String>,
    pub note: Option<String>,
    pub tags: Vec<String>,
    pub untags: Vec<String>,
    pub follow_up: Option<String>,
}

const OUTCOME_WORDS: &str = "achieved, not_achieved, no_answer, follow_up, or none";

/// `--outcome WORD`: `Some(None)` for `none`.
fn outcome_word(word: &str) -> Result<Option<Outcome>, Failure> {
    if word.trim().eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    Outcome::from_user_word(word).map(Some).ok_or_else(|| {
        Failure::new(
            exit::USAGE,
            format!(
                "--outcome {}: not an outcome. Use one of: {OUTCOME_WORDS}.",
                printable(word)
            ),
        )
    })
}

fn day(flag: &str, text: &str) -> Result<NaiveDate, Failure> {
    review::parse_day(text).ok_or_else(|| {
        Failure::new(
            exit::USAGE,
            format!(
                "{flag} {}: not a date MissionCall can read. Write it as year-month-day, like 2026-12-24.",
                printable(text)
            ),
        )
    })
}

/// The history filter for the review flags (`--outcome`, `--tag`, `--contact`, `--since`,
/// `--until`).
pub fn filter(h: &History, f: &ReviewFilter) -> Result<HistoryFilter, Failure> {
    let mut out = HistoryFilter::default();
    if let Some(w) = &f.outcome {
        out.outcome = Some(match outcome_word(w)? {
            Some(o) => OutcomeFilter::Is(o),
            None => OutcomeFilter::NotSet,
        });
    }
    out.tag = f.tag.clone();
    if let Some(c) = &f.contact {
        let mut phones = h.numbers_named(c)?;
        if phones.is_empty() {
            // Not a name: a number, as typed.
            if let Ok(p) = phone::parse(c, Some(&phone::system_region())) {
                phones.push(p.e164);
            } else {
                return Err(Failure::new(
                    exit::INVALID_INPUT,
                    format!(
                        "--contact {}: no contact has this name, and it is not a phone number. See `missioncall contact list`.",
                        printable(c)
                    ),
                ));
            }
        }
        out.phones = Some(phones);
    }
    let since = f.since.as_deref().map(|s| day("--since", s)).transpose()?;
    let until = f.until.as_deref().map(|s| day("--until", s)).transpose()?;
    let (since, until) = review::day_range(since, until).map_err(|_| {
        Failure::new(
            exit::USAGE,
            format!(
                "--since {} is after --until {}: no call can match. Swap them?",
                since.unwrap_or_default(),
                until.unwrap_or_default()
            ),
        )
    })?;
    out.since = since;
    out.until = until;
    Ok(out)
}

/// The call a `mark` or a review command names: a history id, or a task id.
fn find_call(h: &History, id: &str) -> Result<CallRecord, Failure> {
    let id = id.trim();
    if let Ok(n) = id.trim_start_matches('#').parse::<i64>() {
        if let Ok(r) = h.get(n) {
            return Ok(r);
        }
    }
    if let Some(r) = h.get_by_task_id(id)? {
        return Ok(r);
    }
    Err(Failure::new(
        exit::INVALID_INPUT,
        format!(
            "No call {} in the history: give the number shown by `missioncall history` (like 12), or the call's task id.",
            printable(id)
        ),
    ))
}

pub fn mark(g: &Global, id: &str, m: Marks) -> Out {
    if m.outcome.is_none()
        && m.note.is_none()
        && m.tags.is_empty()
        && m.untags.is_empty()
        && m.follow_up.is_none()
    {
        return Err(Failure::new(
            exit::USAGE,
            "Nothing to change: give --outcome, --note, --tag, --untag or --follow-up.",
        ));
    }
    // Everything is read before anything is written: a bad flag changes nothing.
    let outcome = m.outcome.as_deref().map(outcome_word).transpose()?;
    let follow_up = match m.follow_up.as_deref() {
        None => None,
        Some(w) if w.trim().eq_ignore_ascii_case("none") => Some(None),
        Some(w) => Some(Some(
            FollowUp::parse(w).map_err(|e| Failure::new(exit::USAGE, e))?,
        )),
    };
    for t in &m.tags {
        missioncall_core::review::clean_tag(t)
            .map_err(|e| Failure::new(exit::INVALID_INPUT, format!("--tag: {e}")))?;
    }
    if let Some(n) = &m.note {
        missioncall_core::review::clean_note(n)
            .map_err(|e| Failure::new(exit::INVALID_INPUT, format!("--note: {e}")))?;
    }
    let h = open_history(g)?;
    let call = find_call(&h, id)?;
    let mut rec = call;
    if let Some(o) = outcome {
        rec = h.set_outcome(rec.id, o)?;
    }
    if let Some(n) = &m.note {
        rec = h.set_note(rec.id, n)?;
    }
    for t in &m.untags {
        rec = h.remove_tag(rec.id, t)?;
    }
    for t in &m.tags {
        rec = h.add_tag(rec.id, t)?;
    }
    if let Some(f) = follow_up {
        rec = h.set_follow_up(rec.id, f)?;
    }
    if g.json {
        json_line(&CallJson::from(&rec));
    } else {
        print!("{}", call_detail(&rec));
    }
    Ok(exit::OK)
}

pub(crate) fn number(text: &str, region: Option<&str>) -> Result<String, Failure> {
    let region = region
        .map(str::to_owned)
        .unwrap_or_else(phone::system_region);
    phone::parse(text, Some(&region))
        .map(|p| p.e164)
        .map_err(|e| Failure::new(exit::INVALID_INPUT, e.to_string()))
}

pub fn contact(g: &Global, action: ContactAction) -> Out {
    let h = open_history(g)?;
    match action {
        ContactAction::Set {
            number: n,
            name,
            region,
        } => {
            let e164 = number(&n, region.as_deref())?;
            let c = h.set_contact(&e164, &name)?;
            if g.json {
                json_line(&c);
            } else {
                println!(
                    "{} is now \"{}\" ({} call{} in the history).",
                    phone::display(&c.phone_e164),
                    c.name,
                    c.calls,
                    if c.calls == 1 { "" } else { "s" }
                );
            }
        }
        ContactAction::List => {
            let all = h.contacts()?;
            if g.json {
                json_line(&all);
            } else if all.is_empty() {
                println!("No contacts yet. Add one with: missioncall contact set NUMBER NAME");
            } else {
                for c in &all {
                    println!(
                        "{:<30} {:<18} {} call{}",
                        c.name,
                        phone::display(&c.phone_e164),
                        c.calls,
                        if c.calls == 1 { "" } else { "s" }
                    );
                }
            }
        }
        ContactAction::Import {
            file,
            region,
            dry_run,
        } => {
            let bytes = std::fs::read(&file).map_err(|e| {
                Failure::new(
                    exit::INVALID_INPUT,
                    format!(
                        "Could not read {}: {e}. Check the file's name and that you may read it.",
                        file.display()
                    ),
                )
            })?;
            let region = region.unwrap_or_else(phone::system_region);
            let preview = contacts_import::read_bytes(&bytes, Some(&region))
                .map_err(|e| Failure::new(exit::INVALID_INPUT, e.to_string()))?;
            let applied = if dry_run {
                None
            } else {
                Some(contacts_import::apply(&h, &preview)?)
            };
            if g.json {
                json_line(&serde_json::json!({
                    "entries": preview.entries,
                    "applied": applied,
                }));
            } else {
                for e in preview.entries.iter().filter(|e| e.problem.is_some()) {
                    println!(
                        "skipped #{} {} ({}): {}",
                        e.at,
                        printable(&e.name),
                        printable(&e.input),
                        e.problem.as_deref().unwrap_or_default()
                    );
                }
                match applied {
                    None => println!(
                        "{} of {} entries would be kept (nothing changed: --dry-run).",
                        preview.good().count(),
                        preview.entries.len()
                    ),
                    Some(a) => println!(
                        "{} added, {} renamed, {} unchanged, {} skipped.",
                        a.added, a.renamed, a.unchanged, a.skipped
                    ),
                }
            }
        }
        ContactAction::Remove { number: n, region } => {
            let e164 = number(&n, region.as_deref())?;
            let removed = h.remove_contact(&e164)?;
            if g.json {
                json_line(&serde_json::json!({ "phone_number": e164, "removed": removed }));
            } else if removed {
                println!("{} has no name any more.", phone::display(&e164));
            } else {
                println!("{} had no name; nothing changed.", phone::display(&e164));
            }
        }
    }
    Ok(exit::OK)
}

pub fn tag(g: &Global, action: TagAction) -> Out {
    let h = open_history(g)?;
    match action {
        TagAction::List => {
            let all = h.tags()?;
            if g.json {
                json_line(&all);
            } else if all.is_empty() {
                println!("No tags yet. Tag a call with: missioncall mark ID --tag NAME");
            } else {
                for t in &all {
                    println!(
                        "{:<40} {} call{}",
                        t.name,
                        t.calls,
                        if t.calls == 1 { "" } else { "s" }
                    );
                }
            }
        }
        TagAction::Rename { from, to } => {
            let n = h.rename_tag(&from, &to)?;
            if g.json {
                json_line(&serde_json::json!({ "from": from, "to": to, "calls": n }));
            } else {
                println!(
                    "Renamed; {n} call{} now tagged \"{to}\".",
                    if n == 1 { "" } else { "s" }
                );
            }
        }
        TagAction::Delete { name } => {
            let n = h.delete_tag(&name)?;
            if g.json {
                json_line(&serde_json::json!({ "deleted": name, "calls": n }));
            } else {
                println!(
                    "Deleted \"{name}\" from {n} call{}.",
                    if n == 1 { "" } else { "s" }
                );
            }
        }
    }
    Ok(exit::OK)
}

/// What `export` was asked.
pub struct ExportArgs {
    pub format: String,
    pub out: std::path::PathBuf,
    pub status: Option<String>,
    pub search: Option<String>,
    pub review: ReviewFilter,
    pub with_transcripts: bool,
    pub force: bool,
}

/// Runs the export on a blocking thread while Ctrl-C is watched: an interrupted export stops
/// at the next page, removes its temporary file and leaves nothing under the chosen name.
/// On a terminal, stderr shows how far it got.
pub async fn export(g: Global, a: ExportArgs) -> Out {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let stop = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.store(true, Ordering::SeqCst);
            }
        })
    };
    let work = tokio::task::spawn_blocking(move || {
        let show = !g.json && std::io::IsTerminal::is_terminal(&std::io::stderr());
        export_blocking(&g, a, move |done, total| {
            if show && total > 0 {
                eprint!("\rExporting… {done} of {total} calls");
                if done >= total {
                    eprintln!();
                }
            }
            !stop.load(Ordering::SeqCst)
        })
    });
    let out = work.await.unwrap_or_else(|e| {
        Err(Failure::new(
            exit::OTHER,
            format!("The export stopped: {e}"),
        ))
    });
    watcher.abort();
    out
}

fn export_blocking(g: &Global, a: ExportArgs, progress: impl FnMut(u64, u64) -> bool) -> Out {
    use missioncall_core::export::many::{export_to_file, ExportError, ExportOptions, Format};
    let format = Format::parse(&a.format).ok_or_else(|| {
        Failure::new(
            exit::USAGE,
            format!(
                "--format {}: not a format MissionCall writes. Use csv (a spreadsheet), json (everything, for programs) or md (a printable report).",
                printable(&a.format)
            ),
        )
    })?;
    if !a.force && a.out.symlink_metadata().is_ok() {
        return Err(Failure::new(
            exit::USAGE,
            format!(
                "{} already exists. Choose another file, or add --force to replace it.",
                printable(&a.out.display().to_string())
            ),
        ));
    }
    let h = open_history(g)?;
    let mut filter = filter(&h, &a.review)?;
    if let Some(s) = a.status.as_deref().filter(|s| !s.trim().is_empty()) {
        filter.status = missioncall_core::call::CallStatus::from_user_words(s);
    }
    filter.search = a.search;
    let opts = ExportOptions {
        with_transcripts: a.with_transcripts,
        ..ExportOptions::new(format)
    };
    let n = export_to_file(&h, &filter, &opts, &a.out, a.force, progress).map_err(|e| {
        let code = match &e {
            ExportError::Exists { .. } => exit::USAGE,
            ExportError::NotAFile { .. } => exit::USAGE,
            ExportError::Cancelled => 130,
            ExportError::History(_) => exit::OTHER,
            ExportError::Create { .. } | ExportError::Write(_) => exit::OTHER,
        };
        let message = match &e {
            ExportError::Exists { path } => format!(
                "{} already exists. Choose another file, or add --force to replace it.",
                printable(&path.display().to_string())
            ),
            ExportError::Cancelled => format!(
                "Export stopped: nothing was written to {}.",
                printable(&a.out.display().to_string())
            ),
            _ => e.to_string(),
        };
        Failure::new(code, message)
    })?;
    if g.json {
        json_line(&serde_json::json!({ "calls": n, "file": a.out.display().to_string() }));
    } else {
        println!(
            "Wrote {n} call{} to {}.",
            if n == 1 { "" } else { "s" },
            a.out.display()
        );
    }
    Ok(exit::OK)
}
