//! Validation against the metadata, as libphonenumber does it: which region of a calling
//! code a national number belongs to, whether it matches (all of it) one of the region's kinds
//! of number, and, when it does not, the most helpful reason why. A valid number is then
//! written out by the `phonenumber` crate's formatter, behind the phone module's one panic
//! boundary ([`crate_format`]).

use std::fmt::Write as _;

use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use phonenumber::{country, Mode, NationalNumber, Type};

use super::patterns::{looking_at, matches_whole};
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
            Some(leading) => looking_at(leading.as_str(), national).is_some(),
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

/// The region's general descriptor and each kind's (absent kinds as `None`).
pub(super) fn descriptors(meta: &Metadata) -> [Option<&Descriptor>; 11] {
    let d = meta.descriptors();
    [
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
    ]
}

/// Every length a valid number of the region can have (libphonenumber's general lengths: the
/// union of all its kinds'), or `None` if the metadata lists none.
pub(super) fn possible_lengths(meta: &Metadata) -> Option<Vec<usize>> {
    let mut all: Vec<usize> = descriptors(meta)
        .into_iter()
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
    let (national_form, international) = crate_format(&number)
        .unwrap_or_else(|| (national.to_owned(), format!("+{code} {national}")));
    Some(PhoneNumber {
        e164: format!("+{code}{national}"),
        national: national_form,
        international,
        region: (meta.id() != "001").then(|| meta.id().to_owned()),
        kind: kind.into(),
    })
}

/// THE panic boundary of the phone module: the `phonenumber` crate's formatter, and nothing
/// else, writing a valid number's national and international forms; `None` if it cannot.
///
/// It is the only code of the crate that runs on a number (its parser is not used, its
/// metadata is read through [`super::patterns`]), and it has never been seen to panic; but the
/// crate has panicked on input before (whisperfish/rust-phonenumber#43) and a number typed by a
/// person must never take the app down. A panic is logged, and the number is shown unformatted
/// rather than refused. Our own code has no such net: a panic anywhere else in the module
/// reaches the caller and fails the tests (tests/phone_props.rs fuzzes the module and checks
/// that every panic raised was raised inside a dependency; tests/phone_boundary.rs makes the
/// crate panic for real and sees it caught here).
///
/// The crate's regexes share a cache behind a mutex that the crate `unwrap`s: a panic while it
/// is held would poison it, and the crate would panic on every later number. The cache stays
/// consistent (the crate panics after, not during, an update), so the poison is cleared.
fn crate_format(number: &phonenumber::PhoneNumber) -> Option<(String, String)> {
    let write = |mode| {
        let mut out = String::new();
        write!(out, "{}", number.format().mode(mode)).ok()?;
        Some(out)
    };
    let result =
        std::panic::catch_unwind(|| Some((write(Mode::National)?, write(Mode::International)?)));
    result.unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(
            code = number.country().code(),
            "the phonenumber crate panicked formatting a valid number: {message}; \
             it is shown unformatted"
        );
        DATABASE.cache().clear_poison();
        None
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
