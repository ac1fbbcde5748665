//! How long the dry run of a 500-row batch takes: one country (Chicago numbers), ten
//! countries, and every region (the example fixed-line and mobile numbers of libphonenumber's
//! metadata).
//! Each file is planned twice in the same process: the first run pays for what is compiled or
//! cached on first use per region, the second shows the steady state.
//!
//! Then a 10,000-row file: refused by the 500-row limit (how long the refusal takes), and,
//! with the limit raised, planned whole (what the window would wait for).
//!
//! Run: `cargo run --release -p missioncall-core --example batch_plan_timing`

use std::time::Instant;

use chrono::{TimeZone, Utc};
use missioncall_core::batch::{
    plan, read_sheet, read_sheet_with_limit, Facts, PlanOptions, Verdict, MAX_ROWS,
};
use missioncall_core::callee_time::CallingHours;
use missioncall_core::identity::CallerIdentity;
use missioncall_core::phone;
use phonenumber::metadata::DATABASE;

fn main() {
    let started = Instant::now();
    let _ = phone::parse("+14155552671", None);
    println!(
        "metadata loaded by the first parse: {:.1} ms",
        ms(started.elapsed())
    );

    let mut one_country = String::from("Name,Phone,City\n");
    for i in 0..MAX_ROWS {
        one_country.push_str(&format!(
            "Person {i},(312) {:03}-{:04},Chicago\n",
            200 + i / 100,
            i * 7 % 10_000
        ));
    }

    const TEN: [&str; 10] = ["US", "GB", "FR", "DE", "IT", "ES", "CA", "AU", "IN", "MX"];
    let ten: Vec<String> = TEN
        .iter()
        .filter_map(|id| DATABASE.by_id(*id))
        .flat_map(|m| {
            let d = m.descriptors();
            [d.fixed_line(), d.mobile()]
                .into_iter()
                .flatten()
                .filter_map(|x| x.example())
                .map(|e| format!("+{}{e}", m.country_code()))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut ten_countries = String::from("Name,Phone,City\n");
    for i in 0..MAX_ROWS {
        // The example number with its last two digits changed: distinct cells, each parsed.
        let n = &ten[i % ten.len()];
        let n = format!("{}{:02}", &n[..n.len() - 2], i / ten.len() % 100);
        ten_countries.push_str(&format!("Person {i},{n},Somewhere\n"));
    }

    let mut numbers: Vec<String> = DATABASE
        .iter()
        .filter(|m| m.id() != "001")
        .flat_map(|m| {
            let d = m.descriptors();
            [d.fixed_line(), d.mobile()]
                .into_iter()
                .flatten()
                .filter_map(|x| x.example())
                .map(|e| format!("+{}{e}", m.country_code()))
                .collect::<Vec<_>>()
        })
        .collect();
    numbers.sort();
    numbers.dedup();
    let regions = DATABASE.iter().filter(|m| m.id() != "001").count();
    let mut many = String::from("Name,Phone,City\n");
    for (i, n) in numbers.iter().cycle().take(MAX_ROWS).enumerate() {
        many.push_str(&format!("Person {i},{n},Somewhere\n"));
    }

    let opts = PlanOptions {
        region: Some("US".into()),
        phone_column: None,
        now: Utc.with_ymd_and_hms(2025, 1, 14, 15, 0, 0).unwrap(),
        hours: CallingHours::default(),
        apply_hours: true,
        identity: CallerIdentity {
            name: Some("Ada Okafor".into()),
            business: None,
            disclose_ai: true,
        },
    };
    let template = "Call {{Name}} in {{ city }} and ask whether the order arrived.";
    for (label, text) in [
        ("one country (US)".to_owned(), one_country),
        ("ten countries".to_owned(), ten_countries),
        (format!("{regions} regions"), many),
    ] {
        for run in ["first", "second"] {
            let t = Instant::now();
            let sheet = read_sheet(text.as_bytes()).expect("the file reads");
            let read = t.elapsed();
            let p = plan(&sheet, template, &opts, &Facts::default()).expect("the plan");
            let total = t.elapsed();
            let c = p.counts();
            println!(
                "{label}, {run} run: {} rows, read {:.1} ms, read + plan {:.1} ms ({} ok, {} invalid, {} outside hours, {} duplicates)",
                p.rows.len(),
                ms(read),
                ms(total),
                c.ok,
                c.get(Verdict::Invalid),
                c.outside_hours,
                c.duplicate_in_file
            );
        }
    }
    ten_thousand(&opts, template);
}

/// A 10,000-row file: refused at once by the limit; planned whole when the limit is raised.
fn ten_thousand(opts: &PlanOptions, template: &str) {
    let mut big = String::from("Name,Phone,City\n");
    for i in 0..10_000 {
        big.push_str(&format!(
            "Person {i},(312) {:03}-{:04},Chicago\n",
            200 + i / 1000,
            i % 10_000
        ));
    }
    let t = Instant::now();
    let refused = read_sheet(big.as_bytes()).expect_err("over the limit");
    println!(
        "10,000 rows, refused in {:.1} ms: {refused}",
        ms(t.elapsed())
    );
    let t = Instant::now();
    let sheet = read_sheet_with_limit(big.as_bytes(), 10_000).expect("the file reads");
    let p = plan(&sheet, template, opts, &Facts::default()).expect("the plan");
    println!(
        "10,000 rows with the limit raised: read + plan {:.1} ms ({} ok)",
        ms(t.elapsed()),
        p.counts().ok
    );
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
