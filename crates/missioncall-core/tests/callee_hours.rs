//! Calling-hours decisions checked against an independent source: the fixture that
//! tools/gen_callee_hours_fixture.py writes from libphonenumber's own time-zone lookup (Python
//! port, the version our prefix table is generated from), the system's IANA database through
//! Python's `zoneinfo`, and a plain scan for the next allowed time. Seeded random numbers and
//! instants, a third of them near a clock change. Every case must agree: the zones where the
//! number rings, whether its local time is known, each zone's UTC offset, the verdict and the
//! next allowed time.

use chrono::{DateTime, NaiveTime, Offset, Utc};
use missioncall_core::callee_time::{self, CallingHours, HoursDecision};
use missioncall_core::phone::{self, PhoneNumber};
use serde::Deserialize;

const FIXTURE: &str = include_str!("fixtures/callee_hours.json");

#[derive(Deserialize)]
struct Fixture {
    phonenumbers: String,
    tzdata: String,
    hours: Vec<Hours>,
    zone_sets: Vec<Vec<String>>,
    columns: Vec<String>,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Hours {
    days: [bool; 7],
    start: String,
    end: String,
}

/// `[e164, now, hours, zones, verdict, offsets, next_allowed]`.
#[derive(Deserialize)]
struct Case(
    String,
    DateTime<Utc>,
    usize,
    usize,
    String,
    Option<Vec<i32>>,
    Option<DateTime<Utc>>,
);

fn time(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").expect("hh:mm")
}

fn verdict(d: &HoursDecision) -> &'static str {
    match d {
        HoursDecision::Allowed { .. } => "allowed",
        HoursDecision::Outside { .. } => "outside",
        HoursDecision::NoCommonWindow { .. } => "no_common_window",
        HoursDecision::Unknown { .. } => "unknown",
    }
}

#[test]
fn every_case_agrees_with_libphonenumber_and_zoneinfo() {
    let fx: Fixture = serde_json::from_str(FIXTURE).expect("fixture");
    assert_eq!(
        fx.columns,
        [
            "e164",
            "now",
            "hours",
            "zones",
            "verdict",
            "offsets",
            "next_allowed"
        ]
    );
    assert_eq!(
        fx.tzdata,
        chrono_tz::IANA_TZDB_VERSION,
        "the fixture was made with another tz database than chrono-tz's: regenerate it"
    );
    let hours: Vec<CallingHours> = fx
        .hours
        .iter()
        .map(|h| CallingHours {
            days: h.days,
            start: time(&h.start),
            end: time(&h.end),
        })
        .collect();

    // Each number is parsed once, in order (parsing is the slow part in a debug build, and
    // numbers of one country share the metadata's compiled patterns).
    let mut parsed = std::collections::BTreeMap::<&str, Option<PhoneNumber>>::new();
    for Case(e164, ..) in &fx.cases {
        parsed.insert(e164, None);
    }
    for (e164, number) in parsed.iter_mut() {
        *number = phone::parse(e164, None).ok();
    }

    let mut failures = Vec::new();
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    for (i, Case(e164, now, h, zones, want, offsets, next)) in fx.cases.iter().enumerate() {
        let mut problems = Vec::new();
        let Some(number) = &parsed[e164.as_str()] else {
            failures.push(format!("case {i}: {e164} is not a valid number for us"));
            continue;
        };
        let got_zones: Vec<&str> = callee_time::zones_for_number(number)
            .iter()
            .map(|z| z.name())
            .collect();
        if got_zones != fx.zone_sets[*zones] {
            problems.push(format!(
                "zones {got_zones:?}, expected {:?}",
                fx.zone_sets[*zones]
            ));
        }
        let d = callee_time::decide_number(number, *now, &hours[*h]);
        *seen.entry(verdict(&d)).or_default() += 1;
        if verdict(&d) != want {
            problems.push(format!("{} ({d:?}), expected {want}", verdict(&d)));
        } else {
            let got_offsets: Option<Vec<i32>> = match &d {
                HoursDecision::Unknown { .. } => None,
                _ => Some(
                    d.local()
                        .iter()
                        .map(|t| t.offset().fix().local_minus_utc() / 60)
                        .collect(),
                ),
            };
            if &got_offsets != offsets {
                problems.push(format!("offsets {got_offsets:?}, expected {offsets:?}"));
            }
            if d.next_allowed() != *next {
                problems.push(format!(
                    "next allowed {:?}, expected {next:?}",
                    d.next_allowed()
                ));
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "case {i}: {e164} at {now} with hours #{h} ({}): {}",
                hours[*h],
                problems.join("; ")
            ));
        }
    }
    println!(
        "{} cases (phonenumbers {}, tzdata {}): {seen:?}",
        fx.cases.len(),
        fx.phonenumbers,
        fx.tzdata
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree:\n{}",
        failures.len(),
        fx.cases.len(),
        failures
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Enough of every verdict for the agreement to mean something.
    assert!(fx.cases.len() >= 2000);
    for v in ["allowed", "outside", "no_common_window", "unknown"] {
        assert!(
            seen.get(v).copied().unwrap_or(0) >= 50,
            "too few {v}: {seen:?}"
        );
    }
}
