//! Timings of the call history at scale, written as an ignored test (no bench harness needed).
//!
//! Run: `cargo test -p missioncall-core --release --test history_bench -- --ignored --nocapture`
//! (`HISTORY_BENCH_CALLS` sets the number of calls, default 100,000 with ~2 KB transcripts).
//! It builds the database once in a temporary folder, then times: one insert with
//! `synchronous=FULL`, opening the big file, the first page, a status filter, and searches.

use std::time::Instant;

use missioncall_core::call::{CallStatus, Origin, ServiceStatus};
use missioncall_core::history::{
    search::phone_digits, History, HistoryFilter, NewAttempt, FILE_NAME,
};
use rusqlite::params;

const WORDS: &[&str] = &[
    "hello",
    "thanks",
    "appointment",
    "tuesday",
    "friday",
    "table",
    "booking",
    "pharmacy",
    "prescription",
    "ready",
    "pickup",
    "dentist",
    "garage",
    "repair",
    "invoice",
    "refund",
    "delivery",
    "parcel",
    "address",
    "confirm",
    "cancel",
    "reschedule",
    "morning",
    "afternoon",
    "evening",
    "price",
    "quote",
    "insurance",
    "policy",
    "number",
    "manager",
    "speak",
    "please",
    "certainly",
    "moment",
    "transfer",
    "available",
    "tomorrow",
    "week",
    "reservation",
    "guests",
    "window",
    "allergy",
    "menu",
    "order",
    "account",
    "balance",
];

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn word(&mut self) -> &'static str {
        WORDS[self.next() as usize % WORDS.len()]
    }
}

fn time<T>(label: &str, runs: u32, mut f: impl FnMut() -> T) -> T {
    let mut samples = Vec::with_capacity(runs as usize);
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        out = Some(f());
        samples.push(t.elapsed());
    }
    samples.sort();
    let median = samples[samples.len() / 2];
    let max = samples[samples.len() - 1];
    println!("{label:<44} median {median:>12.3?}   max {max:>12.3?}   ({runs} runs)");
    out.unwrap()
}

#[test]
#[ignore = "slow: builds a large database; run with --ignored --nocapture"]
fn history_at_scale() {
    let calls: u32 = std::env::var("HISTORY_BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();

    {
        let h = History::open_in_dir(dir.path()).unwrap();
        let a = NewAttempt {
            phone_e164: "+442079460018",
            phone_region: Some("GB"),
            task: "Book a table",
            origin: &Origin::Service("https://x.test".into()),
            outside_hours: None,
        };
        time("insert_attempt (synchronous=FULL)", 200, || {
            h.insert_attempt(&a).unwrap()
        });
        let id = h.insert_attempt(&a).unwrap();
        h.record_created(id, "bench-task", None, &svc("pending"))
            .unwrap();
        time("record_status, no change", 200, || {
            h.record_status("bench-task", &svc("pending"), None, None)
                .unwrap()
        });
    }

    let t = Instant::now();
    {
        let mut conn = rusqlite::Connection::open(dir.path().join(FILE_NAME)).unwrap();
        let tx = conn.transaction().unwrap();
        let mut stmt = tx
            .prepare(
                "INSERT INTO calls (phone_e164, phone_digits, task, created_at, updated_at, task_id, service_status, \
                 transcript, summary, origin, status_changed_at) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8, 'x', ?4)",
            )
            .unwrap();
        let mut rng = Lcg(42);
        let start_ms = 1_700_000_000_000_i64;
        for i in 0..calls {
            let phone = format!("+1415{:07}", rng.next() % 10_000_000);
            let task = (0..12).map(|_| rng.word()).collect::<Vec<_>>().join(" ");
            let mut transcript = String::with_capacity(2_100);
            while transcript.len() < 2_000 {
                transcript.push_str(if rng.next().is_multiple_of(2) {
                    "Agent: "
                } else {
                    "Callee: "
                });
                for _ in 0..12 {
                    transcript.push_str(rng.word());
                    transcript.push(' ');
                }
                transcript.push('\n');
            }
            let status = match i % 20 {
                0 => "pending",
                1 => "in_progress",
                2 => "cancelled",
                _ => "completed",
            };
            if i == calls / 2 {
                transcript.push_str("zanzibar");
            }
            stmt.execute(params![
                phone,
                phone_digits(&phone),
                task,
                start_ms + i64::from(i) * 1_000,
                format!("task-{i}"),
                status,
                transcript,
                format!("{} {}", rng.word(), rng.word()),
            ])
            .unwrap();
        }
        drop(stmt);
        tx.commit().unwrap();
    }
    let size = std::fs::metadata(dir.path().join(FILE_NAME)).unwrap().len();
    println!(
        "generated {calls} calls in {:.1?} ({} MB)",
        t.elapsed(),
        size / 1_000_000
    );

    let h = time("open (existing, migrated)", 5, || {
        History::open_in_dir(dir.path()).unwrap()
    });
    let f = |status: Option<&str>, search: Option<&str>| HistoryFilter {
        status: status.and_then(CallStatus::from_user_words),
        search: search.map(Into::into),
        ..Default::default()
    };
    let page = time("first page (50, newest first)", 20, || {
        h.list(&HistoryFilter::default()).unwrap()
    });
    assert_eq!(page.len(), 50);
    time("count all", 5, || {
        h.count(&HistoryFilter::default()).unwrap()
    });
    let pending = time("status filter 'pending', first page", 20, || {
        h.list(&f(Some("pending"), None)).unwrap()
    });
    assert!(pending.iter().all(|c| c.status.word() == "pending"));
    time("live()", 5, || h.live().unwrap());
    let rare = time("search rare word 'zanzibar'", 20, || {
        h.list(&f(None, Some("zanzibar"))).unwrap()
    });
    assert_eq!(rare.len(), 1);
    time("search common word 'pharmacy', first page", 10, || {
        h.list(&f(None, Some("pharmacy"))).unwrap()
    });
    time("search two words 'refund tuesday'", 10, || {
        h.list(&f(None, Some("refund tuesday"))).unwrap()
    });
    time("search prefix 'a' (worst case)", 3, || {
        h.list(&f(None, Some("a"))).unwrap()
    });
    time("search phone digits '4155'", 5, || {
        h.list(&f(None, Some("4155"))).unwrap()
    });
    time("count search 'pharmacy'", 3, || {
        h.count(&f(None, Some("pharmacy"))).unwrap()
    });
    time("search + status 'pharmacy' pending", 10, || {
        h.list(&f(Some("pending"), Some("pharmacy"))).unwrap()
    });
}

/// The service status `word`.
fn svc(word: &str) -> ServiceStatus {
    ServiceStatus::from_wire(word)
}
