//! Calling hours for a batch: the decision for 500 numbers of many countries (the numbers of
//! the cross-check fixture, `tests/fixtures/callee_hours.json`), at an instant when most of
//! them are outside the default hours, so the next allowed time is searched for most rows.
//! A 500-row dry run must take under 200 ms in the core; this part should be a small share.
//!
//! Run: `cargo bench -p missioncall-core --bench callee_time -- --warm-up-time 1 --measurement-time 5`.
//! Measured: `decide_number` on numbers already parsed (what a dry run that has parsed its
//! rows pays), `decide` from the E.164 text (parses again), and `phone::parse` alone for
//! comparison. The metadata is loaded before measuring.

use chrono::{DateTime, Utc};
use criterion::{black_box, criterion_group, Criterion};
use missioncall_core::callee_time::{self, CallingHours, HoursDecision};
use missioncall_core::phone::{self, PhoneNumber};

const FIXTURE: &str = include_str!("../tests/fixtures/callee_hours.json");
const ROWS: usize = 500;

/// The first 500 distinct numbers of the fixture's cases, in the fixture's (random) order.
fn numbers() -> Vec<String> {
    let fx: serde_json::Value = serde_json::from_str(FIXTURE).unwrap();
    let mut out: Vec<String> = Vec::new();
    for case in fx["cases"].as_array().unwrap() {
        let e164 = case[0].as_str().unwrap().to_owned();
        if !out.contains(&e164) {
            out.push(e164);
        }
        if out.len() == ROWS {
            break;
        }
    }
    assert_eq!(out.len(), ROWS);
    out
}

fn bench_callee_time(c: &mut Criterion) {
    let texts = numbers();
    let parsed: Vec<PhoneNumber> = texts
        .iter()
        .map(|t| phone::parse(t, None).unwrap())
        .collect();
    let hours = CallingHours::default();
    // Tuesday 02:30 in New York, 08:30 in Paris, 15:30 in Tokyo.
    let now: DateTime<Utc> = "2025-03-11T06:30:00Z".parse().unwrap();

    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    for n in &parsed {
        let kind = match callee_time::decide_number(n, now, &hours) {
            HoursDecision::Allowed { .. } => "allowed",
            HoursDecision::Outside { .. } => "outside",
            HoursDecision::NoCommonWindow { .. } => "no common window",
            HoursDecision::Unknown { .. } => "unknown",
        };
        *kinds.entry(kind).or_default() += 1;
    }
    println!("{ROWS} numbers at {now}: {kinds:?}");

    let mut g = c.benchmark_group("callee_time");
    g.bench_function("decide_number x500 (parsed)", |b| {
        b.iter(|| {
            for n in &parsed {
                black_box(callee_time::decide_number(n, now, &hours));
            }
        })
    });
    g.finish();

    // Parsing 500 numbers of ~190 countries takes most of a second: the `phonenumber`
    // crate's regex cache (100 patterns) is too small for that many regions, so few samples.
    let mut g = c.benchmark_group("callee_time_with_parse");
    g.sample_size(10);
    g.bench_function("decide x500 (from E.164 text)", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(callee_time::decide(t, now, &hours));
            }
        })
    });
    g.bench_function("phone::parse x500 (for comparison)", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(phone::parse(t, None).ok());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench_callee_time);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
