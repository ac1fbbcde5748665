use chrono::{NaiveTime, TimeZone};
use rand::{rngs::StdRng, Rng, SeedableRng};

use super::*;

/// 15:00 UTC on Tuesday 14 January 2025: 09:00 in Chicago, 15:00 in London.
fn afternoon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 14, 15, 0, 0).unwrap()
}

/// 09:00 UTC the same day: 03:00 in Chicago.
fn night_in_chicago() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 14, 9, 0, 0).unwrap()
}

fn opts(now: DateTime<Utc>) -> PlanOptions {
    PlanOptions {
        region: Some("US".into()),
        phone_column: None,
        now,
        hours: CallingHours::default(),
        apply_hours: true,
        identity: CallerIdentity::default(),
    }
}

fn sheet(text: &str) -> Sheet {
    read_sheet(text.as_bytes()).unwrap()
}

fn run(text: &str, template: &str, opts: &PlanOptions, facts: &Facts) -> Plan {
    plan(&sheet(text), template, opts, facts).unwrap()
}

fn verdicts(p: &Plan) -> Vec<Verdict> {
    p.rows.iter().map(|r| r.verdict).collect()
}

fn set(numbers: &[&str]) -> HashSet<String> {
    numbers.iter().map(|s| s.to_string()).collect()
}

#[test]
fn each_row_gets_its_number_its_mission_and_its_verdict() {
    let text = "Name,Phone,Order\n\
                Ada,+1 312 555 0123,A-1\n\
                \n\
                Bob,'(312) 555-0124,B-2\n\
                Cy,not a number,C-3\n\
                Dee,+44 20 7946 0018,D-4\n";
    let p = run(
        text,
        "Ask {{Name}} whether order {{ order }} arrived.",
        &opts(afternoon()),
        &Facts::default(),
    );
    assert_eq!(
        p.phone_column,
        PhoneColumn {
            index: 1,
            name: "Phone".into(),
            guessed: true
        }
    );
    assert!(p.unknown_placeholders.is_empty());
    assert_eq!(
        verdicts(&p),
        [Verdict::Ok, Verdict::Ok, Verdict::Invalid, Verdict::Ok]
    );
    let rows: Vec<(usize, &str, Option<&str>)> = p
        .rows
        .iter()
        .map(|r| (r.row, r.input.as_str(), r.e164.as_deref()))
        .collect();
    assert_eq!(
        rows,
        [
            (1, "+1 312 555 0123", Some("+13125550123")),
            (2, "'(312) 555-0124", Some("+13125550124")),
            (3, "not a number", None),
            (4, "+44 20 7946 0018", Some("+442079460018")),
        ],
        "the blank row is not numbered"
    );
    assert_eq!(p.rows[0].task, "Ask Ada whether order A-1 arrived.");
    assert_eq!(p.rows[0].reason, None);
    assert_eq!(
        p.rows[2].task, "Ask Cy whether order C-3 arrived.",
        "written even when the row is not called"
    );
    assert_eq!(
        p.rows[2].reason.as_deref(),
        Some(crate::phone::InvalidPhone::NotANumber.to_string().as_str())
    );
    let chicago = p.rows[0].local_time.unwrap();
    assert_eq!(chicago.to_rfc3339(), "2025-01-14T09:00:00-06:00");
    assert_eq!(
        p.rows[3].local_time.unwrap().to_rfc3339(),
        "2025-01-14T15:00:00+00:00"
    );
    assert_eq!(p.rows[2].local_time, None);
    let c = p.counts();
    assert_eq!((c.ok, c.invalid, c.get(Verdict::Invalid)), (3, 1, 1));
}

#[test]
fn the_identity_sentence_is_added_to_every_mission() {
    let mut o = opts(afternoon());
    o.identity = CallerIdentity {
        name: None,
        business: Some("Luigi's Trattoria".into()),
        disclose_ai: true,
    };
    let p = run(
        "Phone,Name\n+13125550123,Ada\n",
        "  Call {{name}} about the order.\n",
        &o,
        &Facts::default(),
    );
    assert_eq!(
        p.rows[0].task,
        "Call Ada about the order.\n\nIntroduce yourself as an AI assistant calling on behalf of Luigi's Trattoria."
    );
    assert_eq!(p.rows[0].verdict, Verdict::Ok);
}

#[test]
fn a_mission_too_long_for_the_service_is_a_template_error_shown_in_full() {
    let long = "x".repeat(MAX_TASK_CHARS - 10);
    let text = format!("Phone,Note\n+13125550123,{long}\n+13125550124,short\n");
    let p = run(
        &text,
        "Say: {{note}}!!!!!!",
        &opts(afternoon()),
        &Facts::default(),
    );
    assert_eq!(verdicts(&p), [Verdict::TemplateError, Verdict::Ok]);
    assert_eq!(
        p.rows[0].reason.as_deref(),
        Some("The mission for this row is 4001 characters long; the limit is 4000. Shorten the mission or this row's cells by 1 characters.")
    );
    assert_eq!(p.rows[0].task.chars().count(), MAX_TASK_CHARS + 1);

    // Fits alone, but not with the identity's sentence: the sentence is never dropped.
    let mut o = opts(afternoon());
    o.identity.name = Some("Ada".into());
    let exact = "y".repeat(MAX_TASK_CHARS);
    let text = format!("Phone,Note\n+13125550123,{exact}\n");
    let p = run(&text, "{{note}}", &o, &Facts::default());
    assert_eq!(p.rows[0].verdict, Verdict::TemplateError);
    let why = p.rows[0].reason.clone().unwrap();
    assert!(
        why.starts_with("With the sentence that says who the call is for"),
        "{why}"
    );
    assert!(p.rows[0].task.ends_with("on behalf of Ada."));
}

#[test]
fn placeholders_naming_no_column_are_listed_and_no_row_gets_a_mission() {
    let p = run(
        "Name,Phone\nAda,+13125550123\nBob,+13125550124\n",
        "Call {{Nmae}} about {{ order }}, {{name}}.",
        &opts(afternoon()),
        &Facts::default(),
    );
    assert_eq!(p.unknown_placeholders, ["Nmae", "order"]);
    assert_eq!(
        verdicts(&p),
        [Verdict::TemplateError, Verdict::TemplateError]
    );
    assert_eq!(p.rows[0].task, "");
    assert!(p.rows[0]
        .reason
        .as_deref()
        .unwrap()
        .starts_with("The mission uses {{Nmae}} and {{order}}, but the file has no columns of those names (its columns are \"Name\" and \"Phone\")."));
}

#[test]
fn an_empty_cell_for_a_placeholder_is_a_template_error_naming_the_column() {
    let p = run(
        "Name,Phone,City\nAda,+13125550123,Paris\nBob,+13125550124,\n",
        "Call {{name}} in {{city}}.",
        &opts(afternoon()),
        &Facts::default(),
    );
    assert_eq!(verdicts(&p), [Verdict::Ok, Verdict::TemplateError]);
    assert_eq!(
        p.rows[1].reason.as_deref(),
        Some("The mission uses {{City}}, and this row's \"City\" cell is empty. Fill it in, or remove the row.")
    );
    assert_eq!(p.rows[1].task, "");
    // A cell of spaces (an ideographic one too) is empty.
    let p = run(
        "Name,Phone,City\nAda,+13125550123, \u{3000}\n",
        "Call {{name}} in {{city}}.",
        &opts(afternoon()),
        &Facts::default(),
    );
    assert_eq!(p.rows[0].verdict, Verdict::TemplateError);
}

#[test]
fn a_number_twice_in_the_file_is_called_from_its_first_valid_row() {
    let text = "Phone\n\
                not a number\n\
                (312) 555-0123\n\
                +44 20 7946 0018\n\
                +1 312 555 0123\n\
                13125550123\n";
    let p = run(text, "Hello", &opts(afternoon()), &Facts::default());
    assert_eq!(
        verdicts(&p),
        [
            Verdict::Invalid,
            Verdict::Ok,
            Verdict::Ok,
            Verdict::DuplicateInFile,
            Verdict::DuplicateInFile
        ]
    );
    assert_eq!(
        p.rows[3].reason.as_deref(),
        Some("This number is already on row 2 of this file, and each number is called once. Remove this row, or give it another number.")
    );
    assert_eq!(p.rows[4].e164.as_deref(), Some("+13125550123"));
    assert_eq!(p.counts().duplicate_in_file, 2);
}

#[test]
fn listed_and_recently_called_numbers_are_left_out() {
    let facts = Facts {
        do_not_call: set(&["+13125550123"]),
        recent: set(&["+13125550124"]),
    };
    let p = run(
        "Phone\n+13125550123\n+13125550124\n+13125550125\n",
        "Hello",
        &opts(afternoon()),
        &facts,
    );
    assert_eq!(
        verdicts(&p),
        [Verdict::DoNotCall, Verdict::RecentDuplicate, Verdict::Ok]
    );
    assert!(p.rows[0]
        .reason
        .as_deref()
        .unwrap()
        .contains("on your do-not-call list"));
    assert!(p.rows[1]
        .reason
        .as_deref()
        .unwrap()
        .contains("in the last 24 hours"));
    assert_eq!(RECENT_WINDOW, Duration::from_secs(86_400));
}

#[test]
fn outside_the_calling_hours_says_when_it_may_be_called() {
    // 03:00 in Chicago; 09:00 in London.
    let p = run(
        "Phone\n+1 312 555 0123\n+44 20 7946 0018\n+1 800 555 0199\n",
        "Hello",
        &opts(night_in_chicago()),
        &Facts::default(),
    );
    assert_eq!(
        verdicts(&p),
        [Verdict::OutsideHours, Verdict::Ok, Verdict::Ok],
        "a toll-free number has no local time, so the hours do not apply"
    );
    let r = &p.rows[0];
    assert_eq!(
        r.local_time.unwrap().to_rfc3339(),
        "2025-01-14T03:00:00-06:00"
    );
    assert_eq!(
        r.next_allowed,
        Some(Utc.with_ymd_and_hms(2025, 1, 14, 14, 0, 0).unwrap())
    );
    assert_eq!(
        r.reason.as_deref(),
        Some("It is 03:00 for them (America/Chicago), outside your calling hours (08:00–21:00, every day). The next allowed time is 08:00 on Tuesday 14 January for them.")
    );
    assert_eq!(p.rows[1].next_allowed, None);
    assert_eq!(p.rows[2].local_time, None);
}

#[test]
fn hours_never_open_in_all_of_a_numbers_zones_give_no_next_time() {
    // Idaho's 208 rings in Boise and Los Angeles, an hour apart: a 45-minute window is never
    // open in both.
    let mut o = opts(afternoon());
    o.hours.start = NaiveTime::from_hms_opt(8, 0, 0).unwrap();
    o.hours.end = NaiveTime::from_hms_opt(8, 45, 0).unwrap();
    let p = run("Phone\n+12085550123\n", "Hello", &o, &Facts::default());
    let r = &p.rows[0];
    assert_eq!(r.verdict, Verdict::OutsideHours);
    assert_eq!(r.next_allowed, None);
    assert!(r
        .reason
        .as_deref()
        .unwrap()
        .contains("are not open at the same time in all of this number's time zones"));
    assert_eq!(
        r.local_time.unwrap().to_rfc3339(),
        "2025-01-14T08:00:00-07:00",
        "the first zone's (America/Boise)"
    );
}

#[test]
fn the_first_problem_in_the_order_of_precedence_is_given() {
    let facts = Facts {
        do_not_call: set(&["+13125550123", "+13125550124"]),
        recent: set(&["+13125550124", "+13125550125"]),
    };
    let text = "Phone,City\n\
                +13125550123,Chicago\n\
                +13125550123,Chicago\n\
                +13125550124,Chicago\n\
                +13125550125,Chicago\n\
                +13125550126,\n\
                123,\n";
    let p = run(text, "Call in {{city}}.", &opts(night_in_chicago()), &facts);
    assert_eq!(
        verdicts(&p),
        [
            // listed and outside the hours
            Verdict::DoNotCall,
            // a duplicate, and listed
            Verdict::DuplicateInFile,
            // listed and recent
            Verdict::DoNotCall,
            // recent and outside the hours
            Verdict::RecentDuplicate,
            // a template error, and outside the hours
            Verdict::TemplateError,
            // invalid, and a template error
            Verdict::Invalid,
        ]
    );
    assert!(p.rows.iter().all(|r| r.next_allowed.is_none()));
    // A row with a template error still holds its number for the rows after it.
    let p = run(
        "Phone,City\n+13125550126,\n+13125550126,Chicago\n",
        "Call in {{city}}.",
        &opts(afternoon()),
        &facts,
    );
    assert_eq!(
        verdicts(&p),
        [Verdict::TemplateError, Verdict::DuplicateInFile]
    );
}

#[test]
fn spreadsheet_damage_is_a_reason_per_row() {
    let p = run(
        "Phone;Name\n4,15555E+10;Ada\n14155550123.0;Bob\n442079460018;Cy\n'+1 312 555 0123;Dee\n",
        "Hello {{name}}",
        &opts(afternoon()),
        &Facts::default(),
    );
    assert_eq!(
        verdicts(&p),
        [
            Verdict::Invalid,
            Verdict::Invalid,
            Verdict::Invalid,
            Verdict::Ok
        ]
    );
    let why: Vec<&str> = p.rows.iter().filter_map(|r| r.reason.as_deref()).collect();
    assert!(why[0].contains("scientific notation"), "{}", why[0]);
    assert!(why[1].contains("decimal number"), "{}", why[1]);
    assert!(why[2].contains("+44 20 7946 0018"), "{}", why[2]);
    assert_eq!(p.rows[3].input, "'+1 312 555 0123");
}

#[test]
fn the_phone_column_may_be_named_and_problems_for_every_row_are_errors() {
    let text = "Home,Mobile\n+13125550123,+13125550124\n";
    let mut o = opts(afternoon());
    o.phone_column = Some("home".into());
    let p = run(text, "Hi", &o, &Facts::default());
    assert_eq!(
        p.phone_column,
        PhoneColumn {
            index: 0,
            name: "Home".into(),
            guessed: false
        }
    );
    assert_eq!(p.rows[0].e164.as_deref(), Some("+13125550123"));
    o.phone_column = Some("Work".into());
    assert!(matches!(
        plan(&sheet(text), "Hi", &o, &Facts::default()),
        Err(BatchError::UnknownPhoneColumn { .. })
    ));
    o.phone_column = None;
    o.region = Some("ZZ".into());
    assert_eq!(
        plan(&sheet(text), "Hi", &o, &Facts::default()),
        Err(BatchError::UnknownRegion { code: "ZZ".into() })
    );
    o.region = None;
    assert_eq!(
        plan(&sheet(text), " \n ", &o, &Facts::default()),
        Err(BatchError::NoMission)
    );
    assert_eq!(
        BatchError::NoMission.to_string(),
        "The mission is empty. Write what the agent should do on each call; {{column}} puts in that column's cell of the row."
    );
}

#[test]
fn a_planned_row_serialises_with_its_documented_field_names() {
    let p = run(
        "Phone\n+1 312 555 0123\n+1 312 555 0123\n",
        "Hello",
        &opts(night_in_chicago()),
        &Facts::default(),
    );
    let json = serde_json::to_value(&p.rows).unwrap();
    assert_eq!(
        json,
        serde_json::json!([
            {
                "row": 1,
                "input": "+1 312 555 0123",
                "e164": "+13125550123",
                "verdict": "outside_hours",
                "reason": p.rows[0].reason,
                "local_time": "2025-01-14T03:00:00-06:00",
                "next_allowed": "2025-01-14T14:00:00Z",
                "task": "Hello"
            },
            {
                "row": 2,
                "input": "+1 312 555 0123",
                "e164": "+13125550123",
                "verdict": "duplicate_in_file",
                "reason": p.rows[1].reason,
                "local_time": "2025-01-14T03:00:00-06:00",
                "next_allowed": null,
                "task": "Hello"
            }
        ])
    );
    let words: Vec<String> = [
        Verdict::Ok,
        Verdict::Invalid,
        Verdict::DuplicateInFile,
        Verdict::RecentDuplicate,
        Verdict::DoNotCall,
        Verdict::OutsideHours,
        Verdict::TemplateError,
    ]
    .iter()
    .map(|v| serde_json::to_string(v).unwrap())
    .collect();
    assert_eq!(
        words,
        [
            "\"ok\"",
            "\"invalid\"",
            "\"duplicate_in_file\"",
            "\"recent_duplicate\"",
            "\"do_not_call\"",
            "\"outside_hours\"",
            "\"template_error\""
        ]
    );
}

/// Random bytes, weighted towards what a CSV file and a mission are made of (`raw`: with any
/// byte among them, so mostly not UTF-8).
fn garbage(rng: &mut StdRng, raw: bool) -> Vec<u8> {
    const PIECES: &[&[u8]] = &[
        b",",
        b";",
        b"\t",
        b"\"",
        b"\n",
        b"\r\n",
        b"\r",
        b"{{",
        b"}}",
        b"'",
        b"+",
        b"00",
        b"Phone",
        b"phone",
        b"name",
        b"E+10",
        b".0",
        b"4.15555",
        b"312555",
        b"0123",
        b" ",
        b"\xef\xbb\xbf",
        b"\xc3\xa9",
        b"\xe3\x80\x80",
        b"\xf0\x9f\x93\x9e",
        b"tel:",
        b"#",
        b"ext",
        b"x",
    ];
    const HEADERS: &[&[u8]] = &[b"Name,Phone,City\n", b"phone;{{x}}\r\n", b"\"Tel\"\tname\n"];
    let len = rng.gen_range(0..80);
    let mut out = Vec::new();
    if rng.gen_bool(0.5) {
        out.extend_from_slice(HEADERS[rng.gen_range(0..HEADERS.len())]);
    }
    for _ in 0..len {
        if raw && rng.gen_bool(0.2) {
            out.push(rng.gen());
        } else {
            out.extend_from_slice(PIECES[rng.gen_range(0..PIECES.len())]);
        }
    }
    out
}

#[test]
fn random_bytes_never_panic() {
    const SEED: u64 = 0x00ba_7c4e;
    let mut rng = StdRng::seed_from_u64(SEED);
    let facts = Facts {
        do_not_call: set(&["+13125550123"]),
        recent: set(&["+13125550124"]),
    };
    let regions = [None, Some("US"), Some("GB"), Some(""), Some("zz")];
    let mut planned = 0;
    for i in 0..400 {
        let bytes = garbage(&mut rng, i % 4 == 0);
        let template = format!(
            "Call {{{{name}}}} {}",
            String::from_utf8_lossy(&garbage(&mut rng, true))
        );
        let mut o = opts(afternoon());
        o.region = regions[i % regions.len()].map(str::to_owned);
        o.phone_column = (i % 3 == 0).then(|| "phone".to_owned());
        let outcome = std::panic::catch_unwind(|| {
            let Ok(sheet) = read_sheet_with_limit(&bytes, 20) else {
                return false;
            };
            let _ = guess_phone_column(sheet.headers());
            let _ = unknown_placeholders(&template, sheet.headers());
            match plan(&sheet, &template, &o, &facts) {
                Ok(p) => {
                    assert_eq!(p.rows.len(), sheet.rows().len());
                    assert_eq!(
                        p.counts().ok + p.rows.iter().filter(|r| r.verdict != Verdict::Ok).count(),
                        p.rows.len()
                    );
                    let _ = serde_json::to_string(&p).unwrap();
                    true
                }
                Err(e) => {
                    assert!(!e.to_string().is_empty());
                    false
                }
            }
        });
        match outcome {
            Ok(true) => planned += 1,
            Ok(false) => {}
            Err(_) => panic!(
                "seed {SEED:#x}, input {i}: panicked on {:?} with mission {template:?}",
                String::from_utf8_lossy(&bytes)
            ),
        }
    }
    assert!(planned > 100, "only {planned} inputs reached a plan");
}
