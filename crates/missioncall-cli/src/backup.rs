//! `backup` and `restore`: the core's `History::backup_to` and `History::restore_from`; this
//! file reads the arguments and prints.

use crate::args::Global;
use crate::exit::{self, Failure};
use crate::output::json_line;
use crate::run::{open_history, printable};
use std::path::Path;

type Out = Result<i32, Failure>;

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A size for people: bytes, kB or MB.
fn size(bytes: u64) -> String {
    match bytes {
        b if b < 1_000 => format!("{b} bytes"),
        b if b < 1_000_000 => format!("{:.1} kB", b as f64 / 1e3),
        b => format!("{:.1} MB", b as f64 / 1e6),
    }
}

pub fn backup(g: &Global, file: &Path, force: bool) -> Out {
    if !force && file.symlink_metadata().is_ok() {
        return Err(Failure::new(
            exit::USAGE,
            format!(
                "{} already exists. Choose another file, or add --force to replace it.",
                printable(&file.display().to_string())
            ),
        ));
    }
    let h = open_history(g)?;
    let info = h.backup_to(file)?;
    if g.json {
        json_line(&info);
    } else {
        println!(
            "Backed up {} to {} ({}).",
            plural(info.calls, "call", "calls"),
            printable(&info.path.display().to_string()),
            size(info.bytes)
        );
    }
    Ok(exit::OK)
}

pub fn restore(g: &Global, file: &Path) -> Out {
    let h = open_history(g)?;
    let r = h.restore_from(file)?;
    if g.json {
        json_line(&r);
        return Ok(exit::OK);
    }
    println!(
        "Restored {}: {} added, {} updated, {} already here.",
        printable(&file.display().to_string()),
        plural(r.added, "call", "calls"),
        r.updated,
        r.unchanged
    );
    if r.contacts_added + r.contacts_updated > 0 {
        println!(
            "Contacts: {} added, {} renamed.",
            r.contacts_added, r.contacts_updated
        );
    }
    if r.do_not_call_added > 0 {
        println!(
            "Do-not-call list: {} added.",
            plural(r.do_not_call_added, "number", "numbers")
        );
    }
    if !r.added_ids.is_empty() {
        let shown: Vec<String> = r
            .added_ids
            .iter()
            .take(20)
            .map(|id| format!("#{id}"))
            .collect();
        let more = if r.added > shown.len() as u64 {
            " …"
        } else {
            ""
        };
        println!(
            "Added: {}{more} (see `missioncall history`).",
            shown.join(" ")
        );
    }
    Ok(exit::OK)
}
