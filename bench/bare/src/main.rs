//! The bare Tauri 2 app bench/run.sh measures MissionCall against: one empty window whose page,
//! once loaded, calls `ready`, which prints `MISSIONCALL_READY <ms>` (CLOCK_MONOTONIC, ms) when
//! `MISSIONCALL_BENCH_READY=1`, exactly like MissionCall's `ui_ready`, and marks `main`, the setup
//! hook, and when the page starts and finishes loading.

use std::io::Write;

#[tauri::command]
fn ready() {
    print_at("MISSIONCALL_READY");
}

/// Prints `<what> <CLOCK_MONOTONIC ms>` when the benchmark asked for it.
fn print_at(what: &str) {
    if std::env::var_os("MISSIONCALL_BENCH_READY").is_none_or(|v| v != "1") {
        return;
    }
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec we pass, which outlives the call.
    if unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) } == 0 {
        let ms = ts.tv_sec as f64 * 1000.0 + ts.tv_nsec as f64 / 1_000_000.0;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{what} {ms:.3}");
        let _ = out.flush();
    }
}

fn main() {
    print_at("MISSIONCALL_MARK main");
    // The same page-load marks as MissionCall's (src-tauri/src/lib.rs), for the phase profile.
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ready])
        .setup(|_| {
            print_at("MISSIONCALL_MARK setup");
            Ok(())
        })
        .on_page_load(|_, payload| {
            print_at(match payload.event() {
                tauri::webview::PageLoadEvent::Started => "MISSIONCALL_MARK page-load-started",
                tauri::webview::PageLoadEvent::Finished => "MISSIONCALL_MARK page-load-finished",
            })
        })
        .run(tauri::generate_context!())
        .expect("the bare app could not start");
}
