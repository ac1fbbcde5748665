//! The reading of a number, as libphonenumber's parser does it (`PhoneNumberUtil.parseHelper`)
//! on the cleaned digits and the crate's metadata: the region it is read in, the region's
//! international prefix read as `+`, the country calling code, and the national significant
//! number once a national prefix (and carrier code) is stripped, or kept where libphonenumber
//! keeps it. One reading, never a choice among several: trying other readings until one is
//! valid accepts numbers libphonenumber rejects. (The crate's own parser strips a national
//! prefix where libphonenumber keeps it, strips it twice, and ignores transform rules; it is not
//! used.)

use phonenumber::country;
use phonenumber::metadata::{Metadata, DATABASE};

use super::clean::Digits;
use super::patterns::{looking_at, looking_at_groups, matches_whole};
use super::validate::possible_lengths;
use super::InvalidPhone;

/// Reads the region's international prefix (011 in the US, 0011 in Australia ...) as `+`,
/// as libphonenumber does: only when what follows does not start with 0.
pub(super) fn strip_idd(region: country::Id, digits: Digits) -> Digits {
    if digits.plus {
        return digits;
    }
    let idd_end = DATABASE
        .by_id(region.as_ref())
        .and_then(Metadata::international_prefix)
        .and_then(|idd| looking_at(idd.as_str(), &digits.digits));
    match idd_end.map(|end| &digits.digits[end..]) {
        Some(rest) if !rest.is_empty() && !rest.starts_with('0') => Digits {
            plus: true,
            digits: rest.to_owned(),
        },
        _ => digits,
    }
}

/// Maps a region argument to the crate's id: trimmed, any case, empty means none.
pub(super) fn resolve_region(region: Option<&str>) -> Result<Option<country::Id>, InvalidPhone> {
    let Some(raw) = region.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let unknown = || InvalidPhone::UnknownRegion(raw.chars().take(20).collect());
    if raw.len() != 2 || !raw.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(unknown());
    }
    let code = match raw.to_ascii_uppercase().as_str() {
        "UK" => "GB".to_owned(),
        other => other.to_owned(),
    };
    if DATABASE.by_id(code.as_str()).is_none() {
        return Err(unknown());
    }
    code.parse::<country::Id>().map(Some).map_err(|_| unknown())
}

/// Shortest national significant number libphonenumber accepts.
const MIN_NSN: usize = 2;
/// Longest national significant number libphonenumber accepts.
const MAX_NSN: usize = 17;

/// libphonenumber's reading of `digits` (its `parseHelper`, after the input is cleaned and the
/// international prefix read as `+`): the one (calling code, national significant number) it
/// gives, or why there is none.
pub(super) fn reading(
    region: Option<country::Id>,
    digits: &Digits,
) -> Result<(u16, String), InvalidPhone> {
    let default = region.and_then(|id| DATABASE.by_id(id.as_ref()));
    // maybeExtractCountryCode
    let (code, mut national, meta) = if digits.plus {
        if digits.digits.len() <= MIN_NSN {
            return Err(InvalidPhone::TooShort);
        }
        let (code, rest) =
            split_calling_code(&digits.digits).ok_or(InvalidPhone::UnknownCountryCode)?;
        (code, rest.to_owned(), metadata_for_code(code, default))
    } else {
        let meta = default.ok_or(InvalidPhone::NeedsCountry)?;
        let code = meta.country_code();
        let full = digits.digits.as_str();
        let general = meta.descriptors().general().national_number().as_str();
        let without_code = full.strip_prefix(code.to_string().as_str()).map(|rest| {
            let mut rest = rest.to_owned();
            strip_national_prefix(meta, &mut rest);
            rest
        });
        match without_code {
            Some(rest)
                if (!matches_whole(general, full) && matches_whole(general, &rest))
                    || length_of(meta, full) == Length::TooLong =>
            {
                (code, rest, metadata_for_code(code, default))
            }
            _ => (code, full.to_owned(), Some(meta)),
        }
    };
    if national.len() < MIN_NSN {
        return Err(InvalidPhone::TooShort);
    }
    if let Some(meta) = meta {
        let mut potential = national.clone();
        strip_national_prefix(meta, &mut potential);
        if !matches!(
            length_of(meta, &potential),
            Length::TooShort | Length::LocalOnly | Length::Invalid
        ) {
            national = potential;
        }
    }
    if national.len() < MIN_NSN {
        return Err(InvalidPhone::TooShort);
    }
    if national.len() > MAX_NSN {
        return Err(InvalidPhone::TooLong);
    }
    Ok((code, national))
}

/// The calling code the digits start with (1 to 3 digits, never a leading 0) and the rest.
fn split_calling_code(digits: &str) -> Option<(u16, &str)> {
    if digits.starts_with('0') {
        return None;
    }
    (1..=3.min(digits.len())).find_map(|len| {
        let code: u16 = digits[..len].parse().ok()?;
        DATABASE.region(&code).map(|_| (code, &digits[len..]))
    })
}

/// The metadata libphonenumber reads a number of `code` with: the default region's when it is
/// the code's main region, else the main region's (or the non-geographic entity's).
fn metadata_for_code(code: u16, default: Option<&'static Metadata>) -> Option<&'static Metadata> {
    let main = DATABASE.by_code(&code)?.first().copied()?;
    match default {
        Some(meta) if meta.id() == main.id() => Some(meta),
        _ => Some(main),
    }
}

/// libphonenumber's `maybeStripNationalPrefixAndCarrierCode`: strips the national prefix (and a
/// carrier code) as the region's `nationalPrefixForParsing` reads it, applying its transform
/// rule, unless the number only fits the region's patterns with it.
fn strip_national_prefix(meta: &Metadata, number: &mut String) {
    if number.is_empty() {
        return;
    }
    let stripped = match meta.national_prefix_for_parsing() {
        Some(pattern) => {
            let Some((end, groups)) = looking_at_groups(pattern.as_str(), number) else {
                return;
            };
            match (meta.national_prefix_transform_rule(), groups.last()) {
                // A transform rule ("9$1" in Argentina) applies when the last group took part.
                (Some(rule), Some(Some(_))) if !rule.is_empty() => {
                    let mut out = String::new();
                    let mut chars = rule.chars().peekable();
                    while let Some(c) = chars.next() {
                        match (c, chars.peek().and_then(|d| d.to_digit(10))) {
                            ('$', Some(group)) => {
                                chars.next();
                                let index = (group as usize).checked_sub(1);
                                let text = index.and_then(|i| groups.get(i)).cloned().flatten();
                                out.push_str(&text.unwrap_or_default());
                            }
                            _ => out.push(c),
                        }
                    }
                    out + &number[end..]
                }
                _ => number[end..].to_owned(),
            }
        }
        // The crate leaves the pattern out when the metadata only has the prefix itself
        // (libphonenumber then uses the prefix as the pattern).
        None => match meta.national_prefix().filter(|p| !p.is_empty()) {
            Some(prefix) if number.starts_with(prefix) => number[prefix.len()..].to_owned(),
            _ => return,
        },
    };
    let general = meta.descriptors().general().national_number().as_str();
    if matches_whole(general, number) && !matches_whole(general, &stripped) {
        return;
    }
    *number = stripped;
}

/// libphonenumber's `testNumberLength` for a number of any kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Length {
    Possible,
    LocalOnly,
    TooShort,
    TooLong,
    Invalid,
}

fn length_of(meta: &Metadata, national: &str) -> Length {
    let Some(possible) = possible_lengths(meta) else {
        return Length::Invalid;
    };
    let len = national.len();
    if local_lengths(meta).contains(&len) && !possible.contains(&len) {
        return Length::LocalOnly;
    }
    match (possible.first(), possible.last()) {
        (Some(&min), _) if len < min => Length::TooShort,
        (_, Some(&max)) if len > max => Length::TooLong,
        _ if possible.contains(&len) => Length::Possible,
        _ => Length::Invalid,
    }
}

/// Lengths only local numbers of the region have (libphonenumber's general local-only lengths).
fn local_lengths(meta: &Metadata) -> Vec<usize> {
    super::validate::descriptors(meta)
        .into_iter()
        .flatten()
        .flat_map(|desc| desc.possible_local_length().iter().map(|&l| usize::from(l)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::clean::clean;
    use super::*;

    fn read(text: &str, region: Option<&str>) -> Result<(u16, String), InvalidPhone> {
        let region = resolve_region(region)?;
        let mut digits = clean(text)?;
        if let Some(id) = region {
            digits = strip_idd(id, digits);
        }
        reading(region, &digits)
    }

    #[test]
    fn reads_as_libphonenumber_does() {
        // (text, region, calling code, national significant number), from phonenumbers 9.0.33.
        let cases = [
            ("020 7946 0018", Some("GB"), 44, "2079460018"),
            ("4930123456", Some("DE"), 49, "30123456"),
            ("06 03 12 34", Some("GA"), 241, "06031234"),
            // The prefix stays where the number only fits the region's patterns with it.
            ("0800735456", Some("JE"), 44, "0800735456"),
            // Stripped once, not twice.
            ("+4300123456", None, 43, "0123456"),
            ("887001234567", Some("RU"), 7, "887001234567"),
            // A national prefix after the calling code.
            ("+119002123456", None, 1, "9002123456"),
            // Argentina's transform rule: 0 343 15 ... is 9 343 ...
            ("0343 15 555 1212", Some("AR"), 54, "93435551212"),
            ("011 15-2345-67", Some("AR"), 54, "01115234567"),
            ("011 44 20 7946 0018", Some("US"), 44, "2079460018"),
        ];
        for (text, region, code, national) in cases {
            assert_eq!(
                read(text, region),
                Ok((code, national.to_owned())),
                "{text:?} in {region:?}"
            );
        }
        assert_eq!(
            read("+99912345", None),
            Err(InvalidPhone::UnknownCountryCode)
        );
        assert_eq!(read("+44", None), Err(InvalidPhone::TooShort));
        assert_eq!(read("12345", None), Err(InvalidPhone::NeedsCountry));
    }
}
