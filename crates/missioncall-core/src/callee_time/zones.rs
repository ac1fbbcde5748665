//! Where a number rings: the prefix -> time-zone table generated from libphonenumber's data
//! (`tools/gen_tz_table.py` writes `src/phone/tz_prefixes.txt`), read once on first use, and
//! the lookup libphonenumber does with it: the longest matching prefix of a fixed-line number
//! (or of a mobile number in a country whose mobile numbers are tied to a place); only the
//! calling code for every other kind of number.
//!
//! It must never panic on the checked-in data or on any number: a zone name the compiled-in
//! tz database does not know makes its whole set unknown (so no rule is applied on a partial
//! answer), and a unit test proves the checked-in data has none.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::LazyLock;

use chrono_tz::Tz;
use phonenumber::metadata::DATABASE;

use crate::phone::{NumberKind, PhoneNumber};

const DATA: &str = include_str!("../phone/tz_prefixes.txt");
/// The longest prefix in libphonenumber's time-zone data.
const LONGEST_PREFIX: usize = 9;

pub(super) struct Table {
    /// Calling codes whose mobile numbers are looked up by their full prefix.
    geo_mobile: Vec<u16>,
    /// Each distinct set of zones, in the data's order; an empty set is "unknown".
    sets: Vec<Vec<Tz>>,
    /// Prefix digits -> index in `sets`.
    prefixes: HashMap<&'static str, usize>,
    /// Zone names in the data that the tz database does not know (expected: none).
    unknown_names: Vec<&'static str>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| Table::parse(DATA));

impl Table {
    fn parse(data: &'static str) -> Table {
        let mut table = Table {
            geo_mobile: Vec::new(),
            sets: Vec::new(),
            prefixes: HashMap::new(),
            unknown_names: Vec::new(),
        };
        for line in data.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(codes) = line.strip_prefix("geo-mobile ") {
                table.geo_mobile = codes
                    .split_whitespace()
                    .filter_map(|c| c.parse().ok())
                    .collect();
                continue;
            }
            let Some((names, prefixes)) = line.split_once(':') else {
                continue;
            };
            let mut zones = Vec::new();
            let mut complete = true;
            for name in names.split_whitespace() {
                match Tz::from_str(name) {
                    Ok(tz) => zones.push(tz),
                    Err(_) => {
                        table.unknown_names.push(name);
                        complete = false;
                    }
                }
            }
            if !complete {
                zones.clear();
            }
            let index = table.sets.len();
            table.sets.push(zones);
            for prefix in prefixes.split_whitespace() {
                table.prefixes.insert(prefix, index);
            }
        }
        table
    }

    /// The zones of the longest prefix of `digits` in the table (none when no prefix matches).
    fn longest_match(&self, digits: &str) -> &[Tz] {
        (1..=digits.len().min(LONGEST_PREFIX))
            .rev()
            .find_map(|n| self.prefixes.get(&digits[..n]))
            .map_or(&[], |&i| &self.sets[i])
    }
}

/// The time zones where a valid number rings, as libphonenumber's
/// `PhoneNumberToTimeZonesMapper.getTimeZonesForNumber` finds them, in the data's order.
/// Empty when the data ties the number to no place.
pub(super) fn zones_of(number: &PhoneNumber) -> Vec<Tz> {
    let Some(digits) = number.e164.strip_prefix('+') else {
        return Vec::new();
    };
    let Some(code_len) = calling_code_len(digits) else {
        return Vec::new();
    };
    let table = &*TABLE;
    let geographic = match number.kind {
        NumberKind::FixedLine | NumberKind::FixedLineOrMobile => true,
        NumberKind::Mobile => digits[..code_len]
            .parse::<u16>()
            .is_ok_and(|cc| table.geo_mobile.contains(&cc)),
        NumberKind::Unknown => return Vec::new(),
        _ => false,
    };
    let key = if geographic {
        digits
    } else {
        &digits[..code_len]
    };
    table.longest_match(key).to_vec()
}

/// The length of the country calling code at the start of `digits` (calling codes are
/// prefix-free, so at most one of the first three lengths is one).
fn calling_code_len(digits: &str) -> Option<usize> {
    (1..=3.min(digits.len())).find(|&n| {
        digits.is_char_boundary(n)
            && digits[..n]
                .parse::<u16>()
                .is_ok_and(|cc| DATABASE.by_code(&cc).is_some())
    })
}

#[cfg(test)]
pub(super) fn table() -> &'static Table {
    &TABLE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_zone_name_in_the_data_is_known_to_the_tz_database() {
        let t = table();
        assert!(t.unknown_names.is_empty(), "unknown: {:?}", t.unknown_names);
        assert!(t.prefixes.len() > 3000, "{} prefixes", t.prefixes.len());
        assert!(t.sets.iter().all(|s| !s.is_empty()));
        assert_eq!(t.geo_mobile, vec![52, 54, 55, 62, 86]);
    }

    #[test]
    fn the_longest_prefix_wins() {
        let t = table();
        assert_eq!(t.longest_match("12125550123"), &[Tz::America__New_York]);
        assert_eq!(t.longest_match("19155550123"), &[Tz::America__Denver]);
        // "1" alone is the whole of North America and more.
        assert!(t.longest_match("1").len() > 30);
        assert_eq!(t.longest_match("1212"), &[Tz::America__New_York]);
        assert!(t.longest_match("").is_empty());
        assert!(t.longest_match("0").is_empty());
        // Digits past the ninth are never looked at.
        assert_eq!(
            t.longest_match("121255501239999999"),
            &[Tz::America__New_York]
        );
    }

    #[test]
    fn a_bad_zone_name_makes_its_whole_set_unknown() {
        let t = Table::parse("geo-mobile 52\nEurope/Paris Mars/Olympus: 33\nEurope/Paris: 331\n");
        assert_eq!(t.unknown_names, vec!["Mars/Olympus"]);
        assert!(t.longest_match("33612345678").is_empty());
        assert_eq!(t.longest_match("33123456789"), &[Tz::Europe__Paris]);
    }

    #[test]
    fn calling_codes_of_one_two_and_three_digits() {
        assert_eq!(calling_code_len("12125550123"), Some(1));
        assert_eq!(calling_code_len("442079460018"), Some(2));
        assert_eq!(calling_code_len("35312345678"), Some(3));
        assert_eq!(calling_code_len("80012345678"), Some(3));
        assert_eq!(calling_code_len(""), None);
    }
}
