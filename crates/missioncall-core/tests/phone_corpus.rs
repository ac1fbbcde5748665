//! Agreement with Google's libphonenumber on validity and E.164 output, over the corpus that
//! tools/gen_phone_fixture.py generates from the Python port (pinned to the metadata version
//! the `phonenumber` crate embeds), near misses of every region's example numbers included.
//!
//! The corpus has four columns (region, input, expected_valid, expected_e164) and an optional
//! fifth, origin (the region a row was derived from), used only to group the differences; a
//! corpus of four columns (such as an independent one) works too.

use std::collections::{BTreeMap, HashMap};

use missioncall_core::phone;

const CORPUS: &str = include_str!("fixtures/phone_corpus.tsv");
const REQUIRED_AGREEMENT: f64 = 99.5;

struct Row<'a> {
    line: usize,
    region: &'a str,
    input: &'a str,
    valid: bool,
    e164: &'a str,
    origin: &'a str,
}

/// How our answer differs from libphonenumber's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    /// We call valid a number libphonenumber rejects (the dangerous one: we would dial it).
    FalseValid,
    /// We reject a number libphonenumber calls valid.
    FalseInvalid,
    /// Both call it valid, but we would dial another E.164.
    WrongE164,
}

fn rows() -> Vec<Row<'static>> {
    CORPUS
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.starts_with("region\t") && !l.is_empty())
        .map(|(i, l)| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert!(cols.len() == 4 || cols.len() == 5, "line {}: {l:?}", i + 1);
            Row {
                line: i + 1,
                region: cols[0],
                input: cols[1],
                valid: match cols[2] {
                    "true" => true,
                    "false" => false,
                    other => panic!("line {}: bad expected_valid {other:?}", i + 1),
                },
                e164: cols[3],
                origin: cols.get(4).copied().unwrap_or(""),
            }
        })
        .collect()
}

#[test]
fn agrees_with_libphonenumber() {
    let rows = rows();
    assert!(rows.len() > 2000, "corpus too small: {}", rows.len());
    let mut mismatches = Vec::new();
    for row in &rows {
        let region = (!row.region.is_empty() && row.region != "001").then_some(row.region);
        let got = phone::parse(row.input, region);
        let class = match &got {
            Ok(_) if !row.valid => Some(Class::FalseValid),
            Ok(n) if n.e164 != row.e164 => Some(Class::WrongE164),
            Err(_) if row.valid => Some(Class::FalseInvalid),
            _ => None,
        };
        if let Some(class) = class {
            let line = format!(
                "line {}: region {:?} input {:?}: libphonenumber says {} {:?}, we say {:?}",
                row.line,
                row.region,
                row.input,
                if row.valid { "valid" } else { "invalid" },
                row.e164,
                got.map(|n| n.e164)
            );
            mismatches.push((class, group(row), line));
        }
    }
    let agreement = 100.0 * (rows.len() - mismatches.len()) as f64 / rows.len() as f64;
    println!(
        "agreement with libphonenumber: {agreement:.2}% ({} of {} rows; {} valid)",
        rows.len() - mismatches.len(),
        rows.len(),
        rows.iter().filter(|r| r.valid).count()
    );
    report(&mismatches);
    assert!(
        agreement >= REQUIRED_AGREEMENT,
        "agreement {agreement:.2}% is below {REQUIRED_AGREEMENT}%"
    );
}

/// The region a row belongs to, for grouping: its origin, else its region, else the calling
/// code its input starts with.
fn group(row: &Row) -> String {
    if !row.origin.is_empty() {
        return row.origin.to_owned();
    }
    if !row.region.is_empty() {
        return row.region.to_owned();
    }
    let digits: String = row.input.chars().filter(char::is_ascii_digit).collect();
    phone::regions()
        .iter()
        .filter(|r| digits.starts_with(&r.calling_code.to_string()))
        .max_by_key(|r| r.calling_code.to_string().len())
        .map_or_else(|| "?".to_owned(), |r| format!("+{}", r.calling_code))
}

/// Prints the differences grouped by class, then by region, then (up to 40, or all with
/// PHONE_CORPUS_ALL set) one by one.
fn report(mismatches: &[(Class, String, String)]) {
    let mut by_class: BTreeMap<Class, BTreeMap<&str, usize>> = BTreeMap::new();
    for (class, group, _) in mismatches {
        *by_class
            .entry(*class)
            .or_default()
            .entry(group.as_str())
            .or_default() += 1;
    }
    for class in [Class::FalseValid, Class::FalseInvalid, Class::WrongE164] {
        let groups = by_class.remove(&class).unwrap_or_default();
        let total: usize = groups.values().sum();
        let mut groups: Vec<_> = groups.into_iter().collect();
        groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let listed: Vec<String> = groups.iter().map(|(g, n)| format!("{g} {n}")).collect();
        println!("  {class:?}: {total} ({})", listed.join(", "));
    }
    let shown = if std::env::var_os("PHONE_CORPUS_ALL").is_some() {
        usize::MAX
    } else {
        40
    };
    for (class, _, line) in mismatches.iter().take(shown) {
        println!("  {class:?} {line}");
    }
}

#[test]
fn valid_rows_round_trip_through_every_format() {
    let rows = rows();
    // What libphonenumber reads a (region, text) as, where the corpus says: a national format
    // does not always read back as the number it was made from (in Gabon "06 03 12 34" is
    // +241 06031234, not +241 6031234), and there we must read it as libphonenumber does.
    let oracle: HashMap<(&str, &str), Option<&str>> = rows
        .iter()
        .map(|r| ((r.region, r.input), r.valid.then_some(r.e164)))
        .collect();
    let mut failures = Vec::new();
    for row in rows.iter().filter(|r| r.valid) {
        let region = (!row.region.is_empty() && row.region != "001").then_some(row.region);
        let Ok(n) = phone::parse(row.input, region) else {
            continue;
        };
        for form in [&n.e164, &n.international] {
            let again = phone::parse(form, None).map(|a| a.e164);
            if again.as_ref() != Ok(&n.e164) {
                failures.push(format!("line {}: {form:?} reads as {again:?}", row.line));
            }
        }
        if let Some(r) = &n.region {
            let want = oracle
                .get(&(r.as_str(), n.national.as_str()))
                .copied()
                .unwrap_or(Some(n.e164.as_str()));
            let again = phone::parse(&n.national, Some(r)).map(|a| a.e164);
            if again.as_deref().ok() != want {
                failures.push(format!(
                    "line {}: national {:?} in {r} reads as {again:?}, want {want:?}",
                    row.line, n.national
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
