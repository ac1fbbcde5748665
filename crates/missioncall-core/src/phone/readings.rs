//! The readings of a number: the region it is read in, the region's international prefix
//! read as `+`, and the (country calling code, national significant number) pairs its digits
//! can stand for. The `phonenumber` crate's parser gives the first reading; it is called in
//! one place, [`crate_parse`], the phone module's only panic boundary.

use phonenumber::metadata::{Metadata, DATABASE};
use phonenumber::{country, ParseError};

use super::clean::Digits;
use super::validate::{matches, possible_lengths};
use super::InvalidPhone;

/// The ways to read some digits, and which one explains best why none is valid.
pub(super) struct Readings {
    /// (country calling code, national significant number), best first.
    pub(super) list: Vec<(u16, String)>,
    /// The index in `list` of the reading that explains best why none is valid.
    pub(super) explain: usize,
}

/// The (country calling code, national significant number) readings of `digits` worth checking,
/// best first: the crate's own reading, then the ones libphonenumber may prefer where the crate
/// differs (it strips a national prefix even when the number is only valid with it, strips it
/// twice, and strips a leading country code from national numbers that merely start with it).
pub(super) fn candidates(
    region: Option<country::Id>,
    digits: &Digits,
) -> Result<Readings, InvalidPhone> {
    // A number with its country code stands on its own: the default region must not shape it
    // (the crate would otherwise strip that region's national prefix from a foreign number).
    let region = if digits.plus { None } else { region };
    let number = parse_digits(region, digits)?;
    let code = number.country().code();
    let mut list = vec![(code, number.national().to_string())];
    let mut explain = 0;
    if digits.plus {
        if let Some(rest) = digits.digits.strip_prefix(code.to_string().as_str()) {
            list.push((code, rest.to_owned()));
        }
    } else if let Some(meta) = region.and_then(|id| DATABASE.by_id(id.as_ref())) {
        let code = meta.country_code();
        let typed = digits.digits.clone();
        let stripped = meta
            .national_prefix()
            .and_then(|prefix| typed.strip_prefix(prefix))
            .map(str::to_owned);
        if let Some(stripped) = stripped {
            // libphonenumber keeps the prefix when the number only looks right with it, or
            // when what is left is too short to be a number.
            let general = Some(meta.descriptors().general());
            let plausible = possible_lengths(meta).is_none_or(|all| {
                all.contains(&stripped.len()) || all.last().is_some_and(|&max| stripped.len() > max)
            });
            let keep = !plausible
                || (matches(meta, general, &typed) && !matches(meta, general, &stripped));
            list.push((code, stripped));
            explain = if keep { 2 } else { 1 };
        } else {
            explain = 1;
        }
        list.push((code, typed));
    }
    Ok(Readings { list, explain })
}

/// Reads the region's international prefix (011 in the US, 0011 in Australia ...) as `+`,
/// as libphonenumber does: only when what follows does not start with 0.
pub(super) fn strip_idd(region: country::Id, digits: Digits) -> Digits {
    if digits.plus {
        return digits;
    }
    let idd_end = DATABASE
        .by_id(region.as_ref())
        .and_then(Metadata::international_prefix)
        .and_then(|idd| idd.find(&digits.digits))
        .filter(|m| m.start() == 0)
        .map(|m| m.end());
    match idd_end.map(|end| &digits.digits[end..]) {
        Some(rest) if !rest.is_empty() && !rest.starts_with('0') => Digits {
            plus: true,
            digits: rest.to_owned(),
        },
        _ => digits,
    }
}

/// The crate's reading of `digits` (in `region`, when they have no `+`), its errors told as
/// ours.
fn parse_digits(
    region: Option<country::Id>,
    digits: &Digits,
) -> Result<phonenumber::PhoneNumber, InvalidPhone> {
    let parsed = crate_parse(region, &digits.text()).ok_or(InvalidPhone::NotANumber)?;
    parsed.map_err(|err| match err {
        ParseError::InvalidCountryCode if !digits.plus && region.is_none() => {
            InvalidPhone::NeedsCountry
        }
        ParseError::InvalidCountryCode => InvalidPhone::UnknownCountryCode,
        ParseError::TooShortAfterIdd | ParseError::TooShortNsn => InvalidPhone::TooShort,
        ParseError::TooLong => InvalidPhone::TooLong,
        ParseError::NoNumber if !digits.digits.is_empty() && digits.digits.len() < 3 => {
            InvalidPhone::TooShort
        }
        ParseError::NoNumber | ParseError::MalformedInteger(_) => InvalidPhone::NotANumber,
    })
}

/// THE panic boundary of the phone module, around the `phonenumber` crate's parser and nothing
/// else: `None` if the crate panicked.
///
/// The crate has panicked on malformed text before (whisperfish/rust-phonenumber#43); it is
/// only given cleaned text (a `+` and at most 24 ASCII digits), and no input is known to make
/// it panic there, but a number typed by a person must never take the app down. A panic is
/// logged, and the number is "not a number". Our own code has no such net: a panic anywhere
/// else in the module reaches the caller and fails the tests (tests/phone_props.rs fuzzes the
/// module and checks that every panic it saw was raised inside a dependency and caught here;
/// tests/phone_boundary.rs makes the crate panic for real and sees it caught).
///
/// The crate's regexes share a cache behind a mutex that the crate `unwrap`s: a panic while
/// it is held would poison it, and every later number would panic too. Its contents stay
/// consistent (the crate panics after, not during, an update), so the poison is cleared.
fn crate_parse(
    region: Option<country::Id>,
    text: &str,
) -> Option<Result<phonenumber::PhoneNumber, ParseError>> {
    let result = std::panic::catch_unwind(|| phonenumber::parse(region, text));
    match result {
        Ok(parsed) => Some(parsed),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(
                input = text,
                region = ?region,
                "the phonenumber crate panicked: {message}; the number is refused"
            );
            DATABASE.cache().clear_poison();
            None
        }
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
