//! A phone cell read as a number, with the damage spreadsheets do to numbers named: digits
//! lost to scientific notation (`4.15555E+10`), a number stored as a decimal (`14155550123.0`),
//! a leading `+` (or `00`) or `0` dropped. A damaged cell is refused with a reason that says
//! what to do; it is never repaired by guessing, since a guess could call the wrong person.

use crate::do_not_call::spreadsheet_damage;
use crate::phone::{self, region_name, InvalidPhone, PhoneNumber};

use super::BatchError;

/// The country for numbers without a country code, checked once for the whole file: `None`
/// when not given or blank, an error when not one MissionCall knows.
pub(super) fn checked_region(region: Option<&str>) -> Result<Option<&str>, BatchError> {
    let Some(code) = region.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    // `parse` checks the region before it reads the text.
    if let Err(InvalidPhone::UnknownRegion(_)) = phone::parse("0", Some(code)) {
        return Err(BatchError::UnknownRegion {
            code: code.to_owned(),
        });
    }
    Ok(Some(code))
}

/// The cell without what a spreadsheet or a person puts around it: spaces, and a leading `'`
/// (a spreadsheet's mark for text).
pub(super) fn cleaned(cell: &str) -> &str {
    let t = cell.trim();
    t.strip_prefix('\'').map_or(t, str::trim)
}

/// Reads a cleaned cell as a number of `region` (see [`phone::parse`]), or says why it is not
/// one, in a sentence for the user.
pub(super) fn read(cell: &str, region: Option<&str>) -> Result<PhoneNumber, String> {
    if cell.is_empty() {
        return Err("This row has no phone number. Fill it in, or remove the row.".to_owned());
    }
    if let Some(why) = spreadsheet_damage(cell) {
        return Err(why);
    }
    if is_decimal(cell) {
        return Err(format!(
            "\"{cell}\" looks like a number a spreadsheet stored as a decimal number, so it may have lost a leading + or 0. Format the column as text in the spreadsheet, type the numbers again, and export the file again."
        ));
    }
    phone::parse(cell, region)
        .map_err(|e| lost_prefix(cell, region, &e).unwrap_or_else(|| e.to_string()))
}

/// Whether a cell is digits with a decimal tail of zeros (`14155550123.0`, `14155550123,00`),
/// as a spreadsheet writes a number it stored as a decimal.
fn is_decimal(cell: &str) -> bool {
    let Some((whole, tail)) = cell.rsplit_once(['.', ',']) else {
        return false;
    };
    whole.len() >= 6
        && whole.bytes().all(|b| b.is_ascii_digit())
        && (1..=2).contains(&tail.len())
        && tail.bytes().all(|b| b == b'0')
}

/// When a number that is not valid as written would be with a `+` before it (it lost its `+`
/// or `00`) or with a `0` before it (it lost its leading `0`), a sentence that says so.
fn lost_prefix(cell: &str, region: Option<&str>, error: &InvalidPhone) -> Option<String> {
    let worth_a_try = matches!(
        error,
        InvalidPhone::TooShort
            | InvalidPhone::TooLong
            | InvalidPhone::InvalidForRegion { .. }
            | InvalidPhone::NeedsCountry
    );
    if !worth_a_try || !cell.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let plus = phone::parse(&format!("+{cell}"), None)
        .ok()
        .map(|n| n.international);
    let zero = match region {
        Some(r) if !cell.starts_with('0') => phone::parse(&format!("0{cell}"), Some(r))
            .ok()
            .map(|n| n.national),
        _ => None,
    };
    let (lost, written) = match (plus, zero) {
        (Some(p), Some(z)) => ("+ or 0", format!("{p} or {z}")),
        (Some(p), None) => ("+", p),
        (None, Some(z)) => ("0", z),
        (None, None) => return None,
    };
    let first = match region {
        Some(code) => {
            let code = code.to_ascii_uppercase();
            format!(
                "This is not a valid phone number in {}.",
                region_name(&code).unwrap_or(&code)
            )
        }
        None => {
            "This number has no country code, and no country was chosen for the file.".to_owned()
        }
    };
    Some(format!(
        "{first} It may have lost its leading {lost} in a spreadsheet: if it is {written}, write it that way, in a column formatted as text."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(cell: &str, region: Option<&str>) -> String {
        read(cleaned(cell), region).map(|n| n.e164).unwrap_err()
    }

    #[test]
    fn a_leading_quote_and_spaces_are_removed() {
        assert_eq!(cleaned("  '+1 312 555 0123 "), "+1 312 555 0123");
        assert_eq!(cleaned("' 0212345678"), "0212345678");
        assert_eq!(cleaned("''1"), "'1", "only the spreadsheet's own mark");
        assert_eq!(
            read(cleaned("'+44 20 7946 0018"), Some("US")).unwrap().e164,
            "+442079460018"
        );
        assert_eq!(
            why("   ", Some("US")),
            "This row has no phone number. Fill it in, or remove the row."
        );
    }

    #[test]
    fn scientific_notation_is_refused() {
        for cell in [
            "4.15555E+10",
            "4,15555E+10",
            "4.15555e10",
            "'1.31255501E+10",
        ] {
            let why = why(cell, Some("US"));
            assert!(why.contains("scientific notation"), "{cell}: {why}");
            assert!(why.contains("Format the column as text"), "{cell}: {why}");
        }
    }

    #[test]
    fn a_number_stored_as_a_decimal_is_refused_not_repaired() {
        for cell in ["14155550123.0", "13125550123,00", "'442079460018.0"] {
            let why = why(cell, Some("US"));
            assert!(why.contains("stored as a decimal number"), "{cell}: {why}");
        }
        // Dots between groups of digits are how some people write numbers.
        assert_eq!(
            read("312.555.0100", Some("US")).unwrap().e164,
            "+13125550100"
        );
        assert!(!is_decimal("555.0"), "too short to be a number");
        assert!(!is_decimal("1415555012.3"));
        assert!(!is_decimal("+14155550123.0"), "typed, not a spreadsheet's");
    }

    #[test]
    fn a_lost_plus_is_named_with_the_number_it_may_be() {
        // Valid as +44, too long for the US.
        assert_eq!(
            why("442079460018", Some("US")),
            "This is not a valid phone number in United States. It may have lost its leading + in a spreadsheet: if it is +44 20 7946 0018, write it that way, in a column formatted as text."
        );
        assert_eq!(
            why("14155550123", Some("gb")),
            "This is not a valid phone number in United Kingdom. It may have lost its leading + in a spreadsheet: if it is +1 415-555-0123, write it that way, in a column formatted as text."
        );
        // No country for the file: the same hint.
        assert!(why("33142685300", None).starts_with(
            "This number has no country code, and no country was chosen for the file. It may have lost its leading + in a spreadsheet: if it is +33 1 42 68 53 00,"
        ));
        // As written, valid: no hint, nothing to refuse.
        assert_eq!(
            read("442079460018", Some("GB")).unwrap().e164,
            "+442079460018"
        );
    }

    #[test]
    fn a_lost_leading_zero_is_named_where_the_zero_matters() {
        // In Italy the 0 of a fixed line is part of the number: without it, not valid.
        assert!(phone::parse("212345678", Some("IT")).is_err());
        assert_eq!(
            why("212345678", Some("IT")),
            "This is not a valid phone number in Italy. It may have lost its leading 0 in a spreadsheet: if it is 02 1234 5678, write it that way, in a column formatted as text."
        );
        // In the UK the 0 is only a trunk prefix: without it, the same number.
        assert_eq!(
            read("2079460018", Some("GB")).unwrap().e164,
            "+442079460018"
        );
    }

    #[test]
    fn other_invalid_numbers_keep_the_phone_modules_reason() {
        assert_eq!(
            why("12", Some("US")),
            InvalidPhone::TooShort.to_string(),
            "no prefix makes it valid"
        );
        assert_eq!(why("n/a", Some("US")), InvalidPhone::NotANumber.to_string());
        assert_eq!(
            why("0212345678", None),
            InvalidPhone::NeedsCountry.to_string()
        );
    }

    #[test]
    fn an_unknown_country_is_refused_for_the_whole_file() {
        assert_eq!(checked_region(Some(" us ")), Ok(Some("us")));
        assert_eq!(checked_region(Some("")), Ok(None));
        assert_eq!(checked_region(None), Ok(None));
        assert_eq!(
            checked_region(Some("ZZ")),
            Err(BatchError::UnknownRegion { code: "ZZ".into() })
        );
    }
}
