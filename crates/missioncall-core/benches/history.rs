//! The call history at scale: 100,000 calls with ~2 KB transcripts, then the operations a user
//! waits on: opening the file, the first page, a status filter, full-text searches (a rare word,
//! a common word, phone digits), filters that combine (with the count of matches), the overview
//! of all calls and of filtered ones, placing one call (its attempt row, `synchronous=FULL`) and a
//! CSV export of every call (peak memory: `examples/export_rss.rs`).
//!
//! Run: `cargo bench -p missioncall-core --bench history -- --warm-up-time 1 --measurement-time 5`.
//! The database is generated once (deterministic, seeded) into `target/tmp/history-bench-100k/`
//! and reused by later runs; `HISTORY_BENCH_CALLS` changes the size (a different folder).
//! Generation writes the rows in one transaction through a plain connection (the triggers keep
//! the full-text index in step exactly as in the app); only the benchmarked insert goes through
//! `History`. The rows the insert benchmark adds are removed afterwards, so every run measures
//! the same file.

use std::path::{Path, PathBuf};
use std::time::Instant;

use criterion::{black_box, criterion_group, Criterion};
use missioncall_core::call::{CallStatus, LocalState, Origin, Outcome, ServiceStatus};
use missioncall_core::export::many::{write_calls, ExportOptions, Format};
use missioncall_core::history::{
    search::phone_digits, History, HistoryFilter, NewAttempt, OutcomeFilter,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::{params, Connection};

const ORIGIN: &str =
    "https://api.workapi.ai/api/v1/workapi-ai/let-your-agent-make-a-phone-call-with-a-mission";
/// In about 1 call in 10,000.
const RARE_WORD: &str = "zanzibarite";
/// In every transcript.
const COMMON_WORD: &str = "thanks";
/// Called a handful of times; searched by a run of its digits.
const KNOWN_PHONE: &str = "+442071838750";
const KNOWN_DIGITS: &str = "71838750";
const VERSION: u32 = 5;
/// The tags the generated calls carry (about one call in five has one or two).
const TAGS: &[&str] = &["vip", "callback", "invoice", "spring offer", "complaint"];

fn calls_wanted() -> u32 {
    std::env::var("HISTORY_BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// A vocabulary of pronounceable made-up words plus the two searched ones.
fn vocabulary(rng: &mut StdRng) -> Vec<String> {
    const SYL: &[&str] = &[
        "ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "de", "va", "gu", "shi", "ben", "tor",
        "al", "em", "ix", "or", "un", "ha",
    ];
    let mut words: Vec<String> = (0..4000)
        .map(|_| {
            let n = rng.gen_range(2..=4);
            (0..n).map(|_| SYL[rng.gen_range(0..SYL.len())]).collect()
        })
        .collect();
    words.sort();
    words.dedup();
    words
}

/// A Zipf-like pick: low indexes far more often than high ones.
fn pick<'a>(rng: &mut StdRng, words: &'a [String]) -> &'a str {
    let x: f64 = rng.gen();
    let i = ((words.len() as f64).powf(x) - 1.0) as usize;
    &words[i.min(words.len() - 1)]
}

fn sentence(rng: &mut StdRng, words: &[String], n: usize) -> String {
    let mut s = String::new();
    for k in 0..n {
        if k > 0 {
            s.push(' ');
        }
        s.push_str(pick(rng, words));
    }
    s
}

fn transcript(rng: &mut StdRng, words: &[String], rare: bool) -> String {
    let mut t = String::with_capacity(2200);
    let mut agent = true;
    while t.len() < 2000 {
        t.push_str(if agent { "Agent: " } else { "Callee: " });
        let n = rng.gen_range(6..18);
        t.push_str(&sentence(rng, words, n));
        t.push_str(".\n");
        agent = !agent;
    }
    t.push_str("Agent: ");
    t.push_str(COMMON_WORD);
    t.push_str(" for your help, goodbye.\n");
    if rare {
        t.push_str("Callee: ask for the ");
        t.push_str(RARE_WORD);
        t.push_str(" order.\n");
    }
    t
}

fn phone(rng: &mut StdRng, i: u32) -> String {
    if i % 20_000 == 7 {
        return KNOWN_PHONE.to_owned();
    }
    if rng.gen_bool(0.5) {
        format!(
            "+1{}{:07}",
            rng.gen_range(201..990),
            rng.gen_range(0..10_000_000)
        )
    } else {
        format!(
            "+44{}{:08}",
            rng.gen_range(20..80),
            rng.gen_range(0..100_000_000)
        )
    }
}

/// Writes `n` calls into a fresh history file at `path`.
fn generate(path: &Path, n: u32) {
    let started = Instant::now();
    drop(History::open(path).expect("create the schema"));
    let mut conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "synchronous", "OFF").unwrap();
    let mut rng = StdRng::seed_from_u64(0x4D43_4831);
    let words = vocabulary(&mut rng);
    let now = chrono::Utc::now().timestamp_millis();
    let span = 2 * 365 * 24 * 3600 * 1000_i64;
    let tx = conn.transaction().unwrap();
    {
        let mut call = tx
            .prepare(
                "INSERT INTO calls (phone_e164, phone_region, phone_digits, task, created_at, \
                 updated_at, task_id, task_number, local_state, service_status, error, transcript, \
                 summary, origin, demo, status_changed_at, last_checked_at, outcome, tags_text) \
                 VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 0, ?5, ?5, \
                 ?14, ?15)",
            )
            .unwrap();
        let mut tag = tx.prepare("INSERT INTO tags (name) VALUES (?1)").unwrap();
        for t in TAGS {
            tag.execute([t]).unwrap();
        }
        let mut call_tag = tx
            .prepare("INSERT OR IGNORE INTO call_tags (call_id, tag_id) VALUES (?1, ?2)")
            .unwrap();
        let mut event = tx
            .prepare("INSERT INTO status_events (call_id, status, seen_at) VALUES (?1, ?2, ?3)")
            .unwrap();
        for i in 0..n {
            let created = now - span + span * i64::from(i) / i64::from(n.max(1));
            let p = phone(&mut rng, i);
            let roll: u32 = rng.gen_range(0..100);
            let status = match roll {
                0..=84 => CallStatus::Service(ServiceStatus::Completed),
                85..=91 => CallStatus::Service(ServiceStatus::Cancelled),
                92..=93 => CallStatus::Local(LocalState::UnknownOutcome),
                94..=96 => CallStatus::Local(LocalState::NotPlaced),
                97 => CallStatus::Service(ServiceStatus::Pending),
                98 => CallStatus::Service(ServiceStatus::InProgress),
                _ => CallStatus::Service(ServiceStatus::Other("failed".into())),
            };
            let (local, service) = match &status {
                CallStatus::Local(l) => (Some(l.key()), None),
                CallStatus::Service(s) => (None, Some(s.wire())),
            };
            let placed = service.is_some();
            let done = status.is_completed();
            let task = format!(
                "Ask about {} and {}",
                sentence(&mut rng, &words, 6),
                sentence(&mut rng, &words, 4)
            );
            let tr = done.then(|| transcript(&mut rng, &words, i % 10_000 == 4_321));
            let summary = done.then(|| sentence(&mut rng, &words, 25));
            let task_id =
                placed.then(|| format!("{:08x}{:016x}", created / 1000, rng.gen::<u64>()));
            let error = (!placed).then_some("The request was sent but no answer came back.");
            // Most finished calls are judged; a fifth carry one or two tags.
            let outcome = (status.is_final() && rng.gen_range(0..10) < 7)
                .then(|| Outcome::ALL[rng.gen_range(0..Outcome::ALL.len())].key());
            let tag_ids: Vec<usize> = match rng.gen_range(0..10) {
                0 => vec![rng.gen_range(0..TAGS.len())],
                1 => vec![rng.gen_range(0..TAGS.len()), rng.gen_range(0..TAGS.len())],
                _ => Vec::new(),
            };
            let mut tag_names: Vec<&str> = tag_ids.iter().map(|&t| TAGS[t]).collect();
            tag_names.sort_unstable();
            tag_names.dedup();
            let tags_text = tag_names.join("\n");
            call.execute(params![
                p,
                phone_digits(&p),
                task,
                created,
                created + 60_000,
                task_id,
                placed.then_some(i64::from(i) + 1),
                local,
                service,
                error,
                tr,
                summary,
                ORIGIN,
                outcome,
                tags_text,
            ])
            .unwrap();
            let id = tx.last_insert_rowid();
            for t in &tag_ids {
                call_tag.execute(params![id, *t as i64 + 1]).unwrap();
            }
            event
                .execute(params![
                    id,
                    CallStatus::Local(LocalState::Sending).event_key(),
                    created
                ])
                .unwrap();
            if done {
                // Someone was on the line (the overview's "never connected" reads it).
                event
                    .execute(params![
                        id,
                        CallStatus::Service(ServiceStatus::InProgress).event_key(),
                        created + 30_000
                    ])
                    .unwrap();
            }
            event
                .execute(params![id, status.event_key(), created + 60_000])
                .unwrap();
        }
    }
    tx.commit().unwrap();
    conn.execute_batch("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    eprintln!(
        "generated {n} calls in {:.1} s ({} MB)",
        started.elapsed().as_secs_f64(),
        std::fs::metadata(path).map(|m| m.len() >> 20).unwrap_or(0)
    );
}

/// The benchmark database, generated on first use.
fn database() -> PathBuf {
    let n = calls_wanted();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("history-bench-{}k-v{VERSION}", n / 1000));
    let path = dir.join("history.sqlite3");
    let done = dir.join("complete");
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        generate(&path, n);
        std::fs::write(&done, n.to_string()).unwrap();
    }
    path
}

fn bench_history(c: &mut Criterion) {
    let path = database();
    let h = History::open(&path).unwrap();
    let total = h.count(&HistoryFilter::default()).unwrap();
    let search = |text: &str| HistoryFilter {
        search: Some(text.into()),
        ..HistoryFilter::default()
    };
    let counts = [
        (RARE_WORD, h.count(&search(RARE_WORD)).unwrap()),
        (COMMON_WORD, h.count(&search(COMMON_WORD)).unwrap()),
        (KNOWN_DIGITS, h.count(&search(KNOWN_DIGITS)).unwrap()),
    ];
    eprintln!("history: {total} calls; matches {counts:?}");
    assert!(counts.iter().all(|(_, n)| *n > 0));

    let mut g = c.benchmark_group(format!("history {}k", total / 1000));
    g.bench_function("open", |b| {
        b.iter(|| black_box(History::open(&path).unwrap()))
    });
    g.bench_function("first page (50)", |b| {
        b.iter(|| black_box(h.list(&HistoryFilter::default()).unwrap()))
    });
    let filter = HistoryFilter {
        status: Some(CallStatus::Service(ServiceStatus::Cancelled)),
        ..HistoryFilter::default()
    };
    g.bench_function("status filter (cancelled, first page)", |b| {
        b.iter(|| black_box(h.list(&filter).unwrap()))
    });
    for (name, text) in [
        ("search rare word", RARE_WORD),
        ("search common word", COMMON_WORD),
        ("search phone digits", KNOWN_DIGITS),
    ] {
        let f = search(text);
        g.bench_function(format!("{name} (first page)"), |b| {
            b.iter(|| black_box(h.list(&f).unwrap()))
        });
    }
    // Filters that combine, as the history screen sends them: the first page, and the count of
    // matches (the screen asks for it beside the page and shows it when it comes).
    let recent = chrono::Utc::now() - chrono::Duration::days(90);
    let combined = [
        (
            "achieved + tag vip + last 90 days",
            HistoryFilter {
                outcome: Some(OutcomeFilter::Is(Outcome::Achieved)),
                tag: Some("VIP".into()),
                since: Some(recent),
                ..HistoryFilter::default()
            },
        ),
        (
            "completed + no outcome + common word",
            HistoryFilter {
                status: Some(CallStatus::Service(ServiceStatus::Completed)),
                outcome: Some(OutcomeFilter::NotSet),
                search: Some(COMMON_WORD.into()),
                ..HistoryFilter::default()
            },
        ),
        (
            "contact's numbers + real calls + a year",
            HistoryFilter {
                phones: Some(vec![
                    phone_of_call(&h, total as i64),
                    phone_of_call(&h, total as i64 - 1),
                ]),
                demo: Some(false),
                since: Some(chrono::Utc::now() - chrono::Duration::days(365)),
                until: Some(chrono::Utc::now()),
                ..HistoryFilter::default()
            },
        ),
        (
            "tag + outcome + status + words + dates",
            HistoryFilter {
                status: Some(CallStatus::Service(ServiceStatus::Completed)),
                outcome: Some(OutcomeFilter::Is(Outcome::FollowUp)),
                tag: Some("callback".into()),
                search: Some(COMMON_WORD.into()),
                since: Some(chrono::Utc::now() - chrono::Duration::days(500)),
                until: Some(chrono::Utc::now() - chrono::Duration::days(30)),
                ..HistoryFilter::default()
            },
        ),
    ];
    for (name, f) in &combined {
        eprintln!("combined filter {name:?}: {} calls", h.count(f).unwrap());
        g.bench_function(format!("combined: {name} (first page)"), |b| {
            b.iter(|| black_box(h.list(f).unwrap()))
        });
        g.bench_function(format!("combined: {name} (count)"), |b| {
            b.iter(|| black_box(h.count(f).unwrap()))
        });
    }
    g.bench_function("overview of all calls", |b| {
        b.iter(|| black_box(h.overview(&HistoryFilter::default(), 3600).unwrap()))
    });
    for (name, f) in &combined[..2] {
        g.bench_function(format!("overview: {name}"), |b| {
            b.iter(|| black_box(h.overview(f, 3600).unwrap()))
        });
    }
    assert_eq!(h.settings().unwrap().synchronous, "full");
    let before = h.count(&HistoryFilter::default()).unwrap();
    g.bench_function("insert one call (synchronous=FULL)", |b| {
        b.iter(|| {
            black_box(
                h.insert_attempt(&NewAttempt {
                    phone_e164: "+14155552671",
                    phone_region: Some("US"),
                    task: "Ask whether the blue bicycle is still for sale",
                    origin: &Origin::Service(ORIGIN.into()),
                    outside_hours: None,
                })
                .unwrap(),
            )
        })
    });
    g.finish();

    // Every call to CSV (to a sink: the disk's speed is not the question). A few samples: one
    // run reads all 100,000 calls.
    let mut e = c.benchmark_group(format!("export {}k", total / 1000));
    e.sample_size(10);
    let opts = ExportOptions::new(Format::Csv);
    let all = h.count(&HistoryFilter::default()).unwrap();
    e.bench_function("CSV export of all calls", |b| {
        b.iter(|| {
            let n = write_calls(
                &h,
                &HistoryFilter::default(),
                &opts,
                std::io::sink(),
                |_, _| true,
            )
            .unwrap();
            assert_eq!(n, all);
            black_box(n)
        })
    });
    e.finish();
    drop(h);
    // Leave the file as generated for the next run.
    let conn = Connection::open(&path).unwrap();
    let first_added = i64::try_from(before).unwrap() + 1;
    conn.execute("DELETE FROM calls WHERE id >= ?1", [first_added])
        .unwrap();
    conn.execute(
        "DELETE FROM status_events WHERE call_id >= ?1",
        [first_added],
    )
    .unwrap();
}

/// The number of the call with this id.
fn phone_of_call(h: &History, id: i64) -> String {
    h.get(id).unwrap().phone_e164
}

criterion_group!(benches, bench_history);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
