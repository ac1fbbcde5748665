//! Peak memory of a CSV export of every call: opens a history file, resets the process's peak
//! RSS (Linux: `/proc/self/clear_refs`), exports all calls to a file, and prints the time, the
//! file size and the peak RSS (`VmHWM`) before and during the export.
//!
//! Run: `cargo run --release -p missioncall-core --example export_rss -- HISTORY.sqlite3 OUT.csv
//! [csv|json|md]` (e.g. on a copy of the benchmark's 100,000-call file: opening migrates it).
//! `EXPORT_SEARCH=words` exports only the calls a search finds.

use std::path::PathBuf;
use std::time::Instant;

use missioncall_core::export::many::{export_to_file, ExportOptions, Format};
use missioncall_core::history::{History, HistoryFilter};

fn status_kb(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(db), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: export_rss HISTORY.sqlite3 OUT [csv|json|md]");
        std::process::exit(2);
    };
    let format = args
        .next()
        .map(|f| Format::parse(&f).expect("csv, json or md"))
        .unwrap_or(Format::Csv);
    let h = History::open(&PathBuf::from(db)).expect("open the history");
    // EXPORT_SEARCH=words exports the calls a search finds instead of all.
    let filter = HistoryFilter {
        search: std::env::var("EXPORT_SEARCH").ok(),
        ..HistoryFilter::default()
    };
    let calls = h.count(&filter).expect("count");
    let before = status_kb("VmHWM:");
    // Start the peak over from the current RSS, so it shows the export's own peak.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let rss_start = status_kb("VmRSS:");
    let started = Instant::now();
    let n = export_to_file(
        &h,
        &filter,
        &ExportOptions::new(format),
        &PathBuf::from(&out),
        true,
        |_, _| true,
    )
    .expect("export");
    let secs = started.elapsed().as_secs_f64();
    let peak = status_kb("VmHWM:");
    let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    println!(
        "{n} of {calls} calls as {} in {secs:.2} s, {:.1} MB; VmRSS at start {} kB; peak RSS \
         (VmHWM) before the export {} kB, during it {} kB{}",
        format.extension(),
        size as f64 / 1e6,
        rss_start.unwrap_or(0),
        before.unwrap_or(0),
        peak.unwrap_or(0),
        if reset { "" } else { " (peak not reset)" }
    );
}
