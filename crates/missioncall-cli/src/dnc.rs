//! `dnc` (the do-not-call list) and `identity` (who calls are made for): the core's
//! `History::add_do_not_call` and its neighbours, `do_not_call::{read, apply, export_to_file}`
//! and `Manager::set_caller_identity`; this file reads the arguments and prints.

use crate::args::{DncAction, Global, HoursAction, IdentityAction};
use crate::exit::{self, Failure};
use crate::output::json_line;
use crate::review::number;
use crate::run::{manager, open_history, printable};
use chrono::NaiveTime;
use missioncall_core::callee_time::CallingHours;
use missioncall_core::do_not_call::{self, Listing, Source};
use missioncall_core::export::many::ExportError;
use missioncall_core::identity::CallerIdentity;
use missioncall_core::phone;

type Out = Result<i32, Failure>;

/// One listing for people: number, day, how, why.
fn listing_line(l: &Listing) -> String {
    let reason = l
        .reason
        .as_deref()
        .map(|r| format!("  \"{}\"", printable(r)))
        .unwrap_or_default();
    format!(
        "{:<20} {}  {:<11}{reason}",
        phone::display(&l.phone_e164),
        l.added_at.format("%Y-%m-%d"),
        l.source.label(),
    )
}

pub fn dnc(g: &Global, action: DncAction) -> Out {
    let h = open_history(g)?;
    match action {
        DncAction::Add {
            number: n,
            reason,
            region,
        } => {
            let e164 = number(&n, region.as_deref())?;
            let added = h.add_do_not_call(&e164, &reason, Source::Typed)?;
            if g.json {
                json_line(&added);
            } else if added.already_listed {
                println!(
                    "{} was already on the do-not-call list (since {}).",
                    phone::display(&e164),
                    added.listing.added_at.format("%Y-%m-%d")
                );
            } else {
                println!(
                    "{} is on the do-not-call list: MissionCall will not call it.",
                    phone::display(&e164)
                );
            }
        }
        DncAction::Remove { number: n, region } => {
            let e164 = number(&n, region.as_deref())?;
            let removed = h.remove_do_not_call(&e164)?;
            if g.json {
                json_line(&serde_json::json!({ "phone_number": e164, "removed": removed }));
            } else if removed {
                println!(
                    "{} is off the do-not-call list; it can be called again.",
                    phone::display(&e164)
                );
            } else {
                println!(
                    "{} was not on the do-not-call list; nothing changed.",
                    phone::display(&e164)
                );
            }
        }
        DncAction::List => {
            let all = h.do_not_call_list()?;
            if g.json {
                json_line(&all);
            } else if all.is_empty() {
                println!(
                    "The do-not-call list is empty. Add a number with: missioncall dnc add NUMBER"
                );
            } else {
                for l in &all {
                    println!("{}", listing_line(l));
                }
            }
        }
        DncAction::Import {
            file,
            region,
            dry_run,
        } => {
            let bytes = std::fs::read(&file).map_err(|e| {
                Failure::new(
                    exit::INVALID_INPUT,
                    format!(
                        "Could not read {}: {e}. Check the file's name and that you may read it.",
                        printable(&file.display().to_string())
                    ),
                )
            })?;
            let region = region.unwrap_or_else(phone::system_region);
            let mut preview = do_not_call::read_bytes(&bytes, Some(&region))
                .map_err(|e| Failure::new(exit::INVALID_INPUT, e.to_string()))?;
            preview.mark_listed(&h)?;
            let applied = if dry_run {
                None
            } else {
                Some(do_not_call::apply(&h, &preview)?)
            };
            if g.json {
                json_line(&serde_json::json!({
                    "rows": preview.rows,
                    "applied": applied,
                }));
            } else {
                for r in &preview.rows {
                    if let Some(p) = &r.problem {
                        println!("skipped row {} ({}): {p}", r.at, printable(&r.input));
                    }
                }
                let good = preview.good().count();
                let listed = preview.good().filter(|r| r.already_listed).count();
                match applied {
                    None => println!(
                        "{} of {} rows would be added, {listed} already listed, {} skipped (nothing changed: --dry-run).",
                        good - listed,
                        preview.rows.len(),
                        preview.rows.len() - good
                    ),
                    Some(a) => println!(
                        "{} added, {} already listed, {} skipped.",
                        a.added, a.already_listed, a.skipped
                    ),
                }
            }
        }
        DncAction::Export { out, force } => {
            let n = do_not_call::export_to_file(&h, &out, force).map_err(|e| {
                let code = match &e {
                    ExportError::Exists { .. } | ExportError::NotAFile { .. } => exit::USAGE,
                    _ => exit::OTHER,
                };
                let message = match &e {
                    ExportError::Exists { path } => format!(
                        "{} already exists. Choose another file, or add --force to replace it.",
                        printable(&path.display().to_string())
                    ),
                    _ => e.to_string(),
                };
                Failure::new(code, message)
            })?;
            if g.json {
                json_line(&serde_json::json!({ "numbers": n, "file": out.display().to_string() }));
            } else {
                println!(
                    "Wrote {n} number{} to {}.",
                    if n == 1 { "" } else { "s" },
                    printable(&out.display().to_string())
                );
            }
        }
    }
    Ok(exit::OK)
}

fn show_identity(g: &Global, id: &CallerIdentity) {
    if g.json {
        json_line(&serde_json::json!({
            "name": id.name,
            "business": id.business,
            "disclose_ai": id.disclose_ai,
            "sentence": id.sentence(),
        }));
    } else {
        match id.sentence() {
            Some(s) => println!("Added to every mission: {}", printable(&s)),
            None => println!(
                "No caller identity is set: nothing is added to missions. Set one with: missioncall identity set --name NAME --business NAME"
            ),
        }
    }
}

pub fn identity(g: &Global, action: IdentityAction) -> Out {
    let m = manager(g, false)?;
    let id = match action {
        IdentityAction::Set {
            name,
            business,
            no_ai_disclosure,
        } => {
            if name.is_none() && business.is_none() {
                return Err(Failure::new(
                    exit::USAGE,
                    "Give --name, --business or both (`missioncall identity clear` removes the identity).",
                ));
            }
            let s = m.set_caller_identity(CallerIdentity {
                name,
                business,
                disclose_ai: !no_ai_disclosure,
            })?;
            s.caller_identity()
        }
        IdentityAction::Show => m.caller_identity(),
        IdentityAction::Clear => m
            .set_caller_identity(CallerIdentity::default())?
            .caller_identity(),
    };
    show_identity(g, &id);
    Ok(exit::OK)
}

/// `missioncall hours show|set`.
pub fn hours(g: &Global, action: HoursAction) -> Out {
    let m = manager(g, false)?;
    let hours = match action {
        HoursAction::Show => m.hours_rule().hours,
        HoursAction::Set { from, to, days } => {
            let hours = CallingHours {
                days: parse_days(&days)?,
                start: parse_clock(&from, "--from")?,
                end: parse_clock(&to, "--to")?,
            };
            m.set_calling_hours(hours)?.calling_hours
        }
    };
    if g.json {
        json_line(&hours);
    } else {
        println!("Calling hours: {hours}, in the callee's local time.");
    }
    Ok(exit::OK)
}

/// "08:00" (or "8:00") as a time of day.
fn parse_clock(text: &str, flag: &str) -> Result<NaiveTime, Failure> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| {
        Failure::new(
            exit::USAGE,
            format!("{flag} needs a time of day as HH:MM, such as 08:00 or 21:30; \"{text}\" is not one."),
        )
    })
}

/// "every", "weekdays", "weekend", or day names ("mon,tue" or "monday tuesday").
fn parse_days(text: &str) -> Result<[bool; 7], Failure> {
    const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let text = text.trim().to_ascii_lowercase();
    match text.as_str() {
        "every" | "all" | "everyday" | "every day" => return Ok([true; 7]),
        "weekdays" => return Ok([true, true, true, true, true, false, false]),
        "weekend" | "weekends" => return Ok([false, false, false, false, false, true, true]),
        _ => {}
    }
    let mut days = [false; 7];
    for word in text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        let Some(i) = NAMES.iter().position(|n| word.starts_with(n)) else {
            return Err(Failure::new(
                exit::USAGE,
                format!("\"{word}\" is not a day. Use every, weekdays, weekend, or names such as mon,tue,wed."),
            ));
        };
        days[i] = true;
    }
    Ok(days)
}
