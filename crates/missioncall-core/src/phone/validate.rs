//! Validation against the metadata, as libphonenumber does it: which region of a calling
//! code a national number belongs to, whether it matches (all of it) one of the region's kinds
//! of number, and, when it does not, the most helpful reason why.

use std::fmt::Write as _;

use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use phonenumber::{country, Mode, NationalNumber, Type};

use super::{InvalidPhone, PhoneNumber};

/// The region's metadata a number belongs to, chosen as libphonenumber does: among the regions
/// sharing the calling code, the first whose leading digits match, or whose patterns match.
fn metadata_for(code: u16, national: &str) -> Option<&'static Metadata> {
    let regions = DATABASE.region(&code)?;
    if regions.len() == 1 {
        return match regions[0] {
            "001" => DATABASE.by_code(&code)?.first().copied(),
            id => DATABASE.by_id(id),
        };
    }
    regions
        .iter()
        .filter_map(|id| DATABASE.by_id(*id))
        .find(|meta| match meta.leading_digits() {
            Some(leading) => leading.find(national).is_some_and(|m| m.start() == 0),
            None => kind_in(meta, national) != Type::Unknown,
        })
}

/// Whether a national number matches a descriptor, as libphonenumber's `matchNationalNumber`
/// does: the length must be one of the descriptor's possible lengths (the general ones when it
/// lists none, which the crate forgets), and the pattern must match the WHOLE number.
pub(super) fn matches(meta: &Metadata, desc: Option<&Descriptor>, national: &str) -> bool {
    desc.is_some_and(|desc| {
        let len = national.len();
        let own = desc.possible_length();
        let length_ok = if own.is_empty() {
            possible_lengths(meta).is_none_or(|all| all.contains(&len))
        } else {
            own.iter().any(|&l| usize::from(l) == len)
        };
        length_ok && matches_whole(desc.national_number().as_str(), national)
    })
}

/// Whether `pattern` matches all of `national` (Java's `Matcher.matches()`), not just a prefix.
///
/// The crate's own regexes cannot tell: they are unanchored and leftmost-first, so "the match
/// starts at 0" accepts a number with a digit too many when a prefix of it is valid, and
/// "the match ends at the end" misses a whole match when an earlier alternative stops short.
/// The pattern is anchored and compiled in the crate's own regex cache (no second regex
/// engine), with the flag the crate compiles metadata patterns with: whitespace is ignored
/// (the metadata's patterns are laid out on several lines). The newline ends any comment.
fn matches_whole(pattern: &str, national: &str) -> bool {
    let anchored = format!("^(?x:{pattern}\n)$");
    let cache = DATABASE.cache();
    let mut cache = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    cache
        .compile(&anchored)
        .is_ok_and(|regex| regex.is_match(national))
}

/// Every length a valid number of the region can have (libphonenumber's general lengths: the
/// union of all its kinds'), or `None` if the metadata lists none.
pub(super) fn possible_lengths(meta: &Metadata) -> Option<Vec<usize>> {
    let d = meta.descriptors();
    let kinds = [
        Some(d.general()),
        d.fixed_line(),
        d.mobile(),
        d.toll_free(),
        d.premium_rate(),
        d.shared_cost(),
        d.voip(),
        d.personal_number(),
        d.pager(),
        d.uan(),
        d.voicemail(),
    ];
    let mut all: Vec<usize> = kinds
        .iter()
        .flatten()
        .flat_map(|desc| desc.possible_length().iter().map(|&l| usize::from(l)))
        .collect();
    all.sort_unstable();
    all.dedup();
    (!all.is_empty()).then_some(all)
}

/// The kind of a national number in a region, in libphonenumber's order of precedence;
/// `Type::Unknown` means it is not a valid number there.
fn kind_in(meta: &Metadata, national: &str) -> Type {
    let d = meta.descriptors();
    if !matches(meta, Some(d.general()), national) {
        return Type::Unknown;
    }
    let special = [
        (d.premium_rate(), Type::PremiumRate),
        (d.toll_free(), Type::TollFree),
        (d.shared_cost(), Type::SharedCost),
        (d.voip(), Type::Voip),
        (d.personal_number(), Type::PersonalNumber),
        (d.pager(), Type::Pager),
        (d.uan(), Type::Uan),
        (d.voicemail(), Type::Voicemail),
    ];
    if let Some((_, kind)) = special
        .iter()
        .find(|(desc, _)| matches(meta, *desc, national))
    {
        return *kind;
    }
    let same_patterns = match (d.fixed_line(), d.mobile()) {
        (Some(f), Some(m)) => f.national_number().as_str() == m.national_number().as_str(),
        _ => false,
    };
    if matches(meta, d.fixed_line(), national) {
        if same_patterns || matches(meta, d.mobile(), national) {
            return Type::FixedLineOrMobile;
        }
        return Type::FixedLine;
    }
    if !same_patterns && matches(meta, d.mobile(), national) {
        return Type::Mobile;
    }
    Type::Unknown
}

/// The valid number (calling code, national number) describes, or `None` if it is not valid.
pub(super) fn describe(code: u16, national: &str) -> Option<PhoneNumber> {
    let meta = metadata_for(code, national)?;
    let kind = kind_in(meta, national);
    if kind == Type::Unknown {
        return None;
    }
    let number = crate_number(code, national)?;
    let format = |mode| {
        let mut out = String::new();
        write!(out, "{}", number.format().mode(mode)).ok()?;
        Some(out)
    };
    Some(PhoneNumber {
        e164: format!("+{code}{national}"),
        national: format(Mode::National)?,
        international: format(Mode::International)?,
        region: (meta.id() != "001").then(|| meta.id().to_owned()),
        kind: kind.into(),
    })
}

/// Builds the crate's number from its parts, for its formatter. The crate has no constructor,
/// but its number type is (de)serialisable, and that is its stable public shape.
fn crate_number(code: u16, national: &str) -> Option<phonenumber::PhoneNumber> {
    let national: NationalNumber = national.parse().ok()?;
    let value = serde_json::json!({
        "code": { "value": code, "source": "plus" },
        "national": serde_json::to_value(national).ok()?,
        "extension": null,
        "carrier": null,
    });
    serde_json::from_value(value).ok()
}

/// The most helpful reason for a number that parsed but is not valid.
pub(super) fn why_invalid(code: u16, national: &str, default: Option<country::Id>) -> InvalidPhone {
    let Some(meta) = metadata_for(code, national).or_else(|| main_metadata(code)) else {
        return InvalidPhone::UnknownCountryCode;
    };
    let lengths = possible_lengths(meta).unwrap_or_default();
    match (lengths.first(), lengths.last()) {
        (Some(&min), _) if national.len() < min => InvalidPhone::TooShort,
        (_, Some(&max)) if national.len() > max => InvalidPhone::TooLong,
        _ => {
            let region = match default {
                Some(id)
                    if DATABASE.by_id(id.as_ref()).map(Metadata::country_code) == Some(code) =>
                {
                    id.as_ref().to_owned()
                }
                _ => meta.id().to_owned(),
            };
            InvalidPhone::InvalidForRegion { region }
        }
    }
}

fn main_metadata(code: u16) -> Option<&'static Metadata> {
    let all = DATABASE.by_code(&code)?;
    all.iter()
        .find(|m| m.is_main_country_for_code())
        .or_else(|| all.first())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    #[test]
    fn a_digit_too_many_or_too_few_is_not_valid() {
        // Each is a valid number with a digit added or removed; a prefix of each (or the
        // pattern's first alternative) matches, the whole does not, and libphonenumber says no.
        for bad in ["+86101234567", "+35322123452", "+685221232", "+96111234561"] {
            assert!(parse(bad, None).is_err(), "{bad} called valid");
        }
        for good in ["+861012345678", "+3532212345", "+68522123", "+9611123456"] {
            assert!(parse(good, None).is_ok(), "{good} called invalid");
        }
    }

    #[test]
    fn builds_crate_numbers_for_the_formatter() {
        // Guards the serde shape `crate_number` relies on, including leading zeros (Italy).
        let n = crate_number(39, "0612345678").expect("builds");
        assert_eq!(n.format().mode(Mode::E164).to_string(), "+390612345678");
        assert_eq!(n.country().code(), 39);
        let gb = describe(44, "2079460018").expect("valid");
        assert_eq!(gb.international, "+44 20 7946 0018");
        assert!(describe(44, "0000").is_none());
    }
}
