//! Phone numbers as people type them: parsing, validation and formatting, on top of the
//! `phonenumber` crate (libphonenumber's metadata). Every number we dial goes through
//! [`parse`] first and leaves as E.164; anything else gets a plain-language reason.
//!
//! This module must never panic, whatever the input (text and region are untrusted: they come
//! from a form, a CLI argument or a pasted string), must never dial or store anything, and must
//! never accept a number libphonenumber would reject.
//!
//! The work is split by job: `clean` takes away what people type around a number,
//! `readings` reads the digits as libphonenumber's parser does (calling code, national
//! prefix), `validate` checks that reading against the metadata as libphonenumber does (the
//! whole number against a kind's pattern) and has the crate's formatter write it, behind the
//! module's one panic boundary; `patterns` matches the metadata's regexes the way Java does.
//! This file is the public API; `codes`, `names` and `locale` are its plain tables.

use std::fmt;

use phonenumber::metadata::DATABASE;
use phonenumber::Type;
use serde::Serialize;

mod clean;
mod codes;
mod locale;
mod names;
mod patterns;
mod readings;
mod validate;

use clean::{clean, is_ignorable};
use readings::{reading, resolve_region, strip_idd};
use validate::{describe, why_invalid};

pub use locale::region_from_locale;
pub(crate) use names::name as region_name;

/// Longest input we look at, in characters; anything longer is not a phone number.
pub const MAX_INPUT_CHARS: usize = 250;

/// A parsed, valid number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PhoneNumber {
    /// The number as it is dialled: `+` and digits, e.g. `+442079460018`.
    pub e164: String,
    /// The number as written inside its country, e.g. `020 7946 0018`.
    pub national: String,
    /// The number as written from abroad, e.g. `+44 20 7946 0018`.
    pub international: String,
    /// ISO 3166 alpha-2 code of the number's region (e.g. `"GB"`); `None` for non-geographic
    /// numbers such as `+800` international freephone.
    pub region: Option<String>,
    /// What kind of line this is (mobile, fixed line, toll free, ...).
    pub kind: NumberKind,
}

/// The kind of line a number belongs to, as libphonenumber's metadata tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberKind {
    /// A landline.
    FixedLine,
    /// A mobile phone.
    Mobile,
    /// Either; the region does not tell them apart (e.g. the US).
    FixedLineOrMobile,
    /// Free to call.
    TollFree,
    /// Costs the caller more than a normal call.
    PremiumRate,
    /// The cost is shared between caller and callee.
    SharedCost,
    /// A voice-over-IP number.
    Voip,
    /// A personal number routed to another line.
    PersonalNumber,
    /// A pager.
    Pager,
    /// A company's universal access number.
    Uan,
    /// A voicemail access number.
    Voicemail,
    /// Valid, but of no kind listed above.
    Unknown,
}

impl From<Type> for NumberKind {
    fn from(kind: Type) -> Self {
        match kind {
            Type::FixedLine => NumberKind::FixedLine,
            Type::Mobile => NumberKind::Mobile,
            Type::FixedLineOrMobile => NumberKind::FixedLineOrMobile,
            Type::TollFree => NumberKind::TollFree,
            Type::PremiumRate => NumberKind::PremiumRate,
            Type::SharedCost => NumberKind::SharedCost,
            Type::Voip => NumberKind::Voip,
            Type::PersonalNumber => NumberKind::PersonalNumber,
            Type::Pager => NumberKind::Pager,
            Type::Uan => NumberKind::Uan,
            Type::Voicemail => NumberKind::Voicemail,
            _ => NumberKind::Unknown,
        }
    }
}

/// Why a number is not valid. `Display` gives a sentence a non-technical user understands and
/// that says what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPhone {
    /// Nothing was typed.
    Empty,
    /// The text is not a phone number (letters, symbols, no digits).
    NotANumber,
    /// Fewer digits than any number of its country has.
    TooShort,
    /// More digits than any number of its country has.
    TooLong,
    /// The digits after `+` (or the international prefix) are not a country calling code.
    UnknownCountryCode,
    /// The number is in national form and no region was given.
    NeedsCountry,
    /// The region code passed in is not one we know (the string as given).
    UnknownRegion(String),
    /// The number has a plausible length but is not a valid number of `region`
    /// (ISO 3166 alpha-2, or `"001"` for non-geographic services).
    InvalidForRegion {
        /// The region the number was checked against.
        region: String,
    },
}

impl fmt::Display for InvalidPhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidPhone::Empty => f.write_str("Type the phone number to call."),
            InvalidPhone::NotANumber => f.write_str(
                "This doesn't look like a phone number. Use digits, with spaces, dashes or \
                 brackets if you like, and a + before the country code.",
            ),
            InvalidPhone::TooShort => {
                f.write_str("This number is too short. Check that no digits are missing.")
            }
            InvalidPhone::TooLong => f.write_str(
                "This number is too long. Check for extra digits, and type only one number.",
            ),
            InvalidPhone::UnknownCountryCode => f.write_str(
                "The code after the + is not the code of any country. Check the first digits \
                 (for example +44 for the United Kingdom, +1 for the United States).",
            ),
            InvalidPhone::NeedsCountry => f.write_str(
                "Choose the country of this number, or type it with its international code \
                 (for example +44 ...).",
            ),
            InvalidPhone::UnknownRegion(region) => write!(
                f,
                "\u{201c}{region}\u{201d} is not a country we know. Choose the country from the list."
            ),
            InvalidPhone::InvalidForRegion { region } => match names::name(region) {
                Some(name) => write!(
                    f,
                    "This is not a valid phone number in {name}. Check the digits, or choose \
                     another country."
                ),
                None => f.write_str(
                    "This is not a valid phone number. Check the digits and the country code.",
                ),
            },
        }
    }
}

/// Parses `text` as typed by a person and checks that it is a valid number.
///
/// `default_region` (ISO 3166 alpha-2, any case; empty means none) is the country assumed for
/// numbers written without their international code. Accepts spaces, dashes, dots, brackets,
/// a leading `+`, `00` or the region's own international prefix, `tel:` URIs (parameters such
/// as `;ext=` are ignored, `;phone-context=+CC` is honoured), extensions (ignored), letters of
/// vanity numbers, and non-ASCII digits such as full-width ones. Never panics (nothing here
/// catches a panic of our own: only one of the `phonenumber` crate's formatter, see
/// `validate`).
pub fn parse(text: &str, default_region: Option<&str>) -> Result<PhoneNumber, InvalidPhone> {
    if text.len() > MAX_INPUT_CHARS * 4 || text.chars().count() > MAX_INPUT_CHARS {
        return Err(InvalidPhone::TooLong);
    }
    let text = text.trim_matches(is_ignorable);
    if text.is_empty() {
        return Err(InvalidPhone::Empty);
    }
    let region = resolve_region(default_region)?;
    let mut digits = clean(text)?;
    if region.is_none() && !digits.plus {
        // Without a country, a leading 00 can only be the international prefix.
        digits = digits.with_00_as_plus().ok_or(InvalidPhone::NeedsCountry)?;
    }
    if let Some(id) = region {
        digits = strip_idd(id, digits);
    }

    let (code, national) = reading(region, &digits)?;
    if let Some(valid) = describe(code, &national) {
        return Ok(valid);
    }
    // A 00 where the region's international prefix is something else (011 in the US) is not
    // read as +: libphonenumber does not, and a number is called only as it would read it.
    Err(why_invalid(code, &national, region))
}

/// The result shape used by the CLI's `validate --json` and the app's live validation.
#[derive(Clone, Debug, Serialize)]
pub struct PhoneCheck {
    /// The text as given.
    pub input: String,
    /// Whether it is a valid number.
    pub valid: bool,
    /// The number to dial, when valid.
    pub e164: Option<String>,
    /// The number's region, when valid and geographic.
    pub region: Option<String>,
    /// The kind of line, when valid.
    pub kind: Option<NumberKind>,
    /// National format, when valid.
    pub national: Option<String>,
    /// International format, when valid.
    pub international: Option<String>,
    /// Why it is not valid, as a sentence for the user; `None` when valid.
    pub reason: Option<String>,
}

/// [`parse`], shaped for display: never fails, always says what it found.
pub fn check(text: &str, default_region: Option<&str>) -> PhoneCheck {
    match parse(text, default_region) {
        Ok(number) => PhoneCheck {
            input: text.to_owned(),
            valid: true,
            e164: Some(number.e164),
            region: number.region,
            kind: Some(number.kind),
            national: Some(number.national),
            international: Some(number.international),
            reason: None,
        },
        Err(why) => PhoneCheck {
            input: text.to_owned(),
            valid: false,
            e164: None,
            region: None,
            kind: None,
            national: None,
            international: None,
            reason: Some(why.to_string()),
        },
    }
}

/// A country for the country picker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Region {
    /// ISO 3166 alpha-2 code, e.g. `"GB"`; what [`parse`] takes as `default_region`.
    pub code: String,
    /// Country calling code, e.g. 44.
    pub calling_code: u16,
    /// English name, e.g. "United Kingdom".
    pub name: String,
}

/// How a stored E.164 number is shown to people (international format), or the number as
/// stored when it cannot be read.
pub fn display(e164: &str) -> String {
    parse(e164, None)
        .map(|p| p.international)
        .unwrap_or_else(|_| e164.to_owned())
}

/// The region of the system's locale, or `US` when unknown: on Linux from the locale variables
/// (`LC_ALL`, `LC_CTYPE`, `LANG`), on macOS and Windows from the user's system settings (through
/// `sys-locale`). The first of the user's locales that names or implies a region wins.
pub fn system_region() -> String {
    region_from_locales(sys_locale::get_locales()).unwrap_or_else(|| "US".into())
}

/// The first region that one of `locales` (most preferred first) names or implies.
pub fn region_from_locales(locales: impl IntoIterator<Item = String>) -> Option<String> {
    locales
        .into_iter()
        .take(20)
        .find_map(|l| region_from_locale(&l))
}

/// Loads the numbering metadata on a background thread, once per process however often it is
/// called. It is loaded on first use otherwise, and that takes tens of milliseconds (every
/// region's patterns are compiled): an app calls this once its first screen is up, so that
/// neither that screen nor the first number typed waits for it. ([`regions`] does not need the
/// metadata.)
pub fn warm_up_in_background() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let _ = std::thread::Builder::new()
            .name("phone-metadata".into())
            .spawn(|| {
                let _ = DATABASE.by_id("US");
            });
    });
}

/// Every region the metadata knows (about 245), sorted by English name (accents folded), for a
/// country picker. Non-geographic services (`+800` ...) are not regions and are left out.
pub fn regions() -> Vec<Region> {
    // From plain tables: listing the regions must not wait for the metadata to load.
    let mut list: Vec<Region> = codes::CALLING_CODES
        .iter()
        .map(|&(code, calling_code)| Region {
            code: code.to_owned(),
            calling_code,
            name: names::name(code).unwrap_or(code).to_owned(),
        })
        .collect();
    list.sort_by_cached_key(|r| (names::sort_key(&r.name), r.code.clone()));
    list
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use phonenumber::country;

    use super::*;

    #[test]
    fn text_after_a_number_is_never_dropped() {
        for bad in [
            "+14155550100; rm -rf /",
            "+14155550100;ext=1 2",
            "+14155550100;",
            "tel:+14155550100; rm -rf /",
            "tel:+14155550100;=x",
            "tel:+14155550100;ext=1;\"x\"",
        ] {
            assert_eq!(
                parse(bad, None).map(|p| p.e164),
                Err(InvalidPhone::NotANumber),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse("tel:+1-415-555-2671;ext=42", None).unwrap().e164,
            "+14155552671"
        );
        assert_eq!(
            parse("tel:415-555-2671;phone-context=+1", None)
                .unwrap()
                .e164,
            "+14155552671"
        );
    }

    #[test]
    fn the_calling_code_table_is_the_metadata_s() {
        let mut from_metadata: Vec<(String, u16)> = DATABASE
            .iter()
            .filter(|meta| meta.id() != "001")
            .map(|meta| (meta.id().to_owned(), meta.country_code()))
            .collect();
        from_metadata.sort();
        let table: Vec<(String, u16)> = codes::CALLING_CODES
            .iter()
            .map(|&(c, n)| (c.to_owned(), n))
            .collect();
        if table != from_metadata {
            let mut fresh = String::new();
            for (c, n) in &from_metadata {
                let _ = writeln!(fresh, "    (\"{c}\", {n}),");
            }
            panic!("src/phone/codes.rs is out of date; its new CALLING_CODES:\n{fresh}");
        }
    }

    #[test]
    fn regions_are_known_and_named() {
        assert_eq!(resolve_region(Some(" gb ")), Ok(Some(country::Id::GB)));
        assert_eq!(resolve_region(Some("uk")), Ok(Some(country::Id::GB)));
        assert_eq!(resolve_region(Some("  ")), Ok(None));
        assert_eq!(
            resolve_region(Some("ZZ")),
            Err(InvalidPhone::UnknownRegion("ZZ".into()))
        );
        let all = regions();
        assert!(all.len() >= 240, "{}", all.len());
        assert!(
            all.iter().all(|r| names::name(&r.code).is_some()),
            "a region has no name"
        );
        let gb = all.iter().find(|r| r.code == "GB").expect("GB listed");
        assert_eq!((gb.calling_code, gb.name.as_str()), (44, "United Kingdom"));
        assert_eq!(all[0].name, "Afghanistan");
    }
}
