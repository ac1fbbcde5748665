//! Hand-written examples from ≥25 countries, typed the ways people type them
//! (tests/fixtures/phone_valid.tsv), and invalid inputs with the reason we must give
//! (tests/fixtures/phone_invalid.tsv).

use missioncall_core::phone::{self, InvalidPhone, NumberKind};

fn table(text: &'static str) -> Vec<(usize, &'static str, &'static str, &'static str)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.is_empty())
        .map(|(i, l)| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 3, "line {}: {l:?}", i + 1);
            (i + 1, cols[0], cols[1], cols[2])
        })
        .collect()
}

fn region(r: &str) -> Option<&str> {
    (!r.is_empty()).then_some(r)
}

fn reason_code(err: &InvalidPhone) -> String {
    match err {
        InvalidPhone::Empty => "empty".into(),
        InvalidPhone::NotANumber => "not_a_number".into(),
        InvalidPhone::TooShort => "too_short".into(),
        InvalidPhone::TooLong => "too_long".into(),
        InvalidPhone::UnknownCountryCode => "unknown_country_code".into(),
        InvalidPhone::NeedsCountry => "needs_country".into(),
        InvalidPhone::UnknownRegion(r) => format!("unknown_region:{r}"),
        InvalidPhone::InvalidForRegion { region } => format!("invalid_for_region:{region}"),
    }
}

#[test]
fn valid_numbers_as_people_type_them() {
    let rows = table(include_str!("fixtures/phone_valid.tsv"));
    let regions: std::collections::BTreeSet<String> = rows
        .iter()
        .filter(|r| !r.1.is_empty())
        .map(|r| r.1.to_ascii_uppercase())
        .collect();
    assert!(regions.len() >= 25, "only {} regions", regions.len());
    let mut failures = Vec::new();
    for (line, r, input, e164) in rows {
        match phone::parse(input, region(r)) {
            Ok(n) if n.e164 == e164 => {}
            other => failures.push(format!(
                "line {line}: {input:?} ({r}): want {e164}, got {other:?}"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn invalid_numbers_give_their_reason() {
    let mut failures = Vec::new();
    for (line, r, input, want) in table(include_str!("fixtures/phone_invalid.tsv")) {
        match phone::parse(input, region(r)) {
            Err(e) if reason_code(&e) == want => {}
            other => failures.push(format!(
                "line {line}: {input:?} ({r}): want {want}, got {other:?}"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn long_input_is_too_long() {
    let long = "1".repeat(phone::MAX_INPUT_CHARS + 1);
    assert_eq!(phone::parse(&long, Some("US")), Err(InvalidPhone::TooLong));
    let long = format!("+44 20 7946 0018{}", " ".repeat(300));
    assert_eq!(phone::parse(&long, None), Err(InvalidPhone::TooLong));
}

#[test]
fn fields_of_a_valid_number() {
    let n = phone::parse("020 7946 0018", Some("gb")).expect("valid");
    assert_eq!(n.e164, "+442079460018");
    assert_eq!(n.national, "020 7946 0018");
    assert_eq!(n.international, "+44 20 7946 0018");
    assert_eq!(n.region.as_deref(), Some("GB"));
    assert_eq!(n.kind, NumberKind::FixedLine);

    // Regions sharing a calling code are told apart as libphonenumber does.
    let regions = [
        ("+44 7400 123456", "GB"),
        ("+44 7911 123456", "GG"),
        ("+1 415 555 2671", "US"),
        ("+1 876 234 5678", "JM"),
        ("+7 800 123 45 67", "RU"),
        ("+7 701 234 5678", "KZ"),
    ];
    for (text, region) in regions {
        let n = phone::parse(text, Some("")).expect(text);
        assert_eq!(n.region.as_deref(), Some(region), "{text}");
    }
    let m = phone::parse("+44 7400 123456", None).expect("valid");
    assert_eq!(m.kind, NumberKind::Mobile);

    let us = phone::parse("(415) 555-2671", Some("US")).expect("valid");
    assert_eq!(us.kind, NumberKind::FixedLineOrMobile);

    let free = phone::parse("+800 1234 5678", None).expect("valid");
    assert_eq!((free.kind, free.region), (NumberKind::TollFree, None));
}

#[test]
fn reasons_are_plain_sentences() {
    let all = [
        InvalidPhone::Empty,
        InvalidPhone::NotANumber,
        InvalidPhone::TooShort,
        InvalidPhone::TooLong,
        InvalidPhone::UnknownCountryCode,
        InvalidPhone::NeedsCountry,
        InvalidPhone::UnknownRegion("ZZ".into()),
        InvalidPhone::InvalidForRegion {
            region: "GB".into(),
        },
        InvalidPhone::InvalidForRegion {
            region: "001".into(),
        },
    ];
    for e in all {
        let text = e.to_string();
        assert!(text.ends_with('.'), "{text}");
        assert!(
            text.chars().next().is_some_and(|c| !c.is_lowercase()),
            "{text}"
        );
        assert!(!text.contains("Err") && !text.contains('{'), "{text}");
    }
    assert_eq!(
        InvalidPhone::TooShort.to_string(),
        "This number is too short. Check that no digits are missing."
    );
    assert!(InvalidPhone::InvalidForRegion {
        region: "GB".into()
    }
    .to_string()
    .contains("United Kingdom"));
}

#[test]
fn check_reports_both_outcomes_as_json() {
    let ok = serde_json::to_value(phone::check("+33 1 42 68 53 00", None)).expect("json");
    assert_eq!(ok["valid"], true);
    assert_eq!(ok["e164"], "+33142685300");
    assert_eq!(ok["region"], "FR");
    assert_eq!(ok["kind"], "fixed_line");
    assert_eq!(ok["reason"], serde_json::Value::Null);

    let bad = serde_json::to_value(phone::check("020 7946 0018", None)).expect("json");
    assert_eq!(bad["valid"], false);
    assert_eq!(bad["input"], "020 7946 0018");
    assert_eq!(bad["e164"], serde_json::Value::Null);
    assert_eq!(bad["reason"], InvalidPhone::NeedsCountry.to_string());
}

#[test]
fn regions_list_for_the_picker() {
    let list = phone::regions();
    assert!(list.len() >= 240);
    let names: Vec<&str> = list.iter().map(|r| r.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase().replace('Å', "a"));
    assert_eq!(names.first(), Some(&"Afghanistan"));
    assert!(list
        .iter()
        .any(|r| r.code == "US" && r.calling_code == 1 && r.name == "United States"));
    assert!(list
        .iter()
        .all(|r| phone::parse(&format!("+{}", r.calling_code), None).is_err()));
    for r in &list {
        assert_eq!(
            phone::region_from_locale(&format!("xx_{}", r.code)).as_deref(),
            Some(r.code.as_str())
        );
    }
}

#[test]
fn locale_to_region() {
    assert_eq!(
        phone::region_from_locale("en_GB.UTF-8").as_deref(),
        Some("GB")
    );
    assert_eq!(phone::region_from_locale("fr-CA").as_deref(), Some("CA"));
    assert_eq!(phone::region_from_locale("de").as_deref(), Some("DE"));
    assert_eq!(phone::region_from_locale("C"), None);
}
