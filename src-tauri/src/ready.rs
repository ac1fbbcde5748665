//! The readiness signal for benchmarks: when `MISSIONCALL_BENCH_READY=1`, the first time the UI
//! says its first screen is rendered, one line `MISSIONCALL_READY <ms>` goes to stdout, where
//! `<ms>` is the system's monotonic clock (CLOCK_MONOTONIC, milliseconds), so a launcher reading
//! the same clock can tell launch-to-ready time. Otherwise it does nothing. It must never carry
//! data from the UI.
//!
//! With the same switch, [`mark`] prints `MISSIONCALL_MARK <phase> <ms>` lines on that clock, so
//! that `bench/measure.py` can show where start-up time goes, phase by phase.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static SIGNALLED: AtomicBool = AtomicBool::new(false);

fn asked() -> bool {
    std::env::var_os("MISSIONCALL_BENCH_READY").is_some_and(|v| v == "1")
}

fn print(line: std::fmt::Arguments) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_fmt(line);
    let _ = out.flush();
}

/// Prints the readiness line once, if the benchmark asked for it.
pub fn signal() {
    if !asked() || SIGNALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    if let Some(ms) = monotonic_ms() {
        print(format_args!("MISSIONCALL_READY {ms:.3}\n"));
    }
}

/// Prints a start-up phase mark, if the benchmark asked for it. `phase` is a fixed name.
pub fn mark(phase: &'static str) {
    if !asked() {
        return;
    }
    if let Some(ms) = monotonic_ms() {
        print(format_args!("MISSIONCALL_MARK {phase} {ms:.3}\n"));
    }
}

/// CLOCK_MONOTONIC in milliseconds (the clock Python's `time.monotonic()` reads on Linux).
#[cfg(unix)]
fn monotonic_ms() -> Option<f64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec we pass, which outlives the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    (rc == 0).then(|| ts.tv_sec as f64 * 1000.0 + ts.tv_nsec as f64 / 1_000_000.0)
}

#[cfg(not(unix))]
fn monotonic_ms() -> Option<f64> {
    None
}
