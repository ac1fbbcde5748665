//! Agreement with Google's libphonenumber on validity and E.164 output, over the corpus that
//! tools/gen_phone_fixture.py generates from the Python port (pinned to the metadata version
//! the `phonenumber` crate embeds).

use missioncall_core::phone;

const CORPUS: &str = include_str!("fixtures/phone_corpus.tsv");
const REQUIRED_AGREEMENT: f64 = 99.5;

struct Row<'a> {
    line: usize,
    region: &'a str,
    input: &'a str,
    valid: bool,
    e164: &'a str,
}

fn rows() -> Vec<Row<'static>> {
    CORPUS
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.starts_with("region\t") && !l.is_empty())
        .map(|(i, l)| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 4, "line {}: {l:?}", i + 1);
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
        let agrees = match &got {
            Ok(n) => row.valid && n.e164 == row.e164,
            Err(_) => !row.valid,
        };
        if !agrees {
            mismatches.push(format!(
                "line {}: region {:?} input {:?}: libphonenumber says {} {:?}, we say {:?}",
                row.line,
                row.region,
                row.input,
                if row.valid { "valid" } else { "invalid" },
                row.e164,
                got.map(|n| n.e164)
            ));
        }
    }
    let agreement = 100.0 * (rows.len() - mismatches.len()) as f64 / rows.len() as f64;
    println!(
        "agreement with libphonenumber: {agreement:.2}% ({} of {} rows; {} valid)",
        rows.len() - mismatches.len(),
        rows.len(),
        rows.iter().filter(|r| r.valid).count()
    );
    let shown = if std::env::var_os("PHONE_CORPUS_ALL").is_some() {
        usize::MAX
    } else {
        40
    };
    for m in mismatches.iter().take(shown) {
        println!("  {m}");
    }
    assert!(
        agreement >= REQUIRED_AGREEMENT,
        "agreement {agreement:.2}% is below {REQUIRED_AGREEMENT}%"
    );
}

#[test]
fn valid_rows_round_trip_through_every_format() {
    for row in rows().iter().filter(|r| r.valid) {
        let region = (!row.region.is_empty() && row.region != "001").then_some(row.region);
        let Ok(n) = phone::parse(row.input, region) else {
            continue;
        };
        for form in [&n.e164, &n.international] {
            let again = phone::parse(form, None);
            assert_eq!(
                again.as_ref().map(|a| &a.e164),
                Ok(&n.e164),
                "line {}: {form:?}",
                row.line
            );
        }
        if let Some(r) = &n.region {
            let again = phone::parse(&n.national, Some(r));
            assert_eq!(
                again.map(|a| a.e164),
                Ok(n.e164.clone()),
                "line {}: national {:?}",
                row.line,
                n.national
            );
        }
    }
}
