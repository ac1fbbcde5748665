//! Phone numbers as people type them: parsing, validation and formatting, on top of the
//! `phonenumber` crate (libphonenumber's metadata). Every number we dial goes through
//! [`parse`] first and leaves as E.164; anything else gets a plain-language reason.
//!
//! This module must never panic, whatever the input (text and region are untrusted: they come
//! from a form, a CLI argument or a pasted string), must never dial or store anything, and must
//! never accept a number libphonenumber would reject.

use std::fmt::{self, Write as _};
use std::panic::{self, AssertUnwindSafe};

use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use phonenumber::{country, Mode, NationalNumber, ParseError, Type};
use serde::Serialize;

mod codes;
mod locale;
mod names;

pub use locale::region_from_locale;

/// Longest input we look at, in characters; anything longer is not a phone number.
pub const MAX_INPUT_CHARS: usize = 250;

/// Most digits a dialled number can have: a long IDD prefix (4), a country code (3) and the
/// longest national number libphonenumber allows (17).
const MAX_DIGITS: usize = 24;

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
/// vanity numbers, and non-ASCII digits such as full-width ones. Never panics.
pub fn parse(text: &str, default_region: Option<&str>) -> Result<PhoneNumber, InvalidPhone> {
    panic::catch_unwind(AssertUnwindSafe(|| parse_guarded(text, default_region)))
        .unwrap_or(Err(InvalidPhone::NotANumber))
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

/// The region of the system locale (`LC_ALL`, `LC_MESSAGES`, `LANG`), or `US` when unknown.
pub fn system_region() -> String {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find_map(|l| region_from_locale(&l))
        .unwrap_or_else(|| "US".into())
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

/// What is left of the input once formatting is removed: digits, and whether a `+` led them.
#[derive(Debug, PartialEq, Eq)]
struct Digits {
    plus: bool,
    digits: String,
}

impl Digits {
    fn text(&self) -> String {
        if self.plus {
            format!("+{}", self.digits)
        } else {
            self.digits.clone()
        }
    }

    /// The same number with a leading `00` read as `+`, if it has one.
    fn with_00_as_plus(&self) -> Option<Digits> {
        (!self.plus && self.digits.len() > 2)
            .then(|| self.digits.strip_prefix("00"))
            .flatten()
            .map(|rest| Digits {
                plus: true,
                digits: rest.to_owned(),
            })
    }
}

fn parse_guarded(text: &str, default_region: Option<&str>) -> Result<PhoneNumber, InvalidPhone> {
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

    let first = candidates(region, &digits)?;
    if let Some(valid) = first
        .list
        .iter()
        .find_map(|(code, national)| describe(*code, national))
    {
        return Ok(valid);
    }
    // People abroad type 00 even where the prefix is something else (011 in the US).
    if let Some(alt) = digits.with_00_as_plus() {
        let found = candidates(region, &alt).ok().and_then(|alt| {
            alt.list
                .iter()
                .find_map(|(code, national)| describe(*code, national))
        });
        if let Some(valid) = found {
            return Ok(valid);
        }
    }
    let (code, national) = &first.list[first.explain];
    Err(why_invalid(*code, national, region))
}

/// The ways to read some digits, and which one explains best why none is valid.
struct Readings {
    list: Vec<(u16, String)>,
    explain: usize,
}

/// The (country calling code, national significant number) readings of `digits` worth checking,
/// best first: the crate's own reading, then the ones libphonenumber may prefer where the crate
/// differs (it strips a national prefix even when the number is only valid with it, strips it
/// twice, and strips a leading country code from national numbers that merely start with it).
fn candidates(region: Option<country::Id>, digits: &Digits) -> Result<Readings, InvalidPhone> {
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
fn strip_idd(region: country::Id, digits: Digits) -> Digits {
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

fn parse_digits(
    region: Option<country::Id>,
    digits: &Digits,
) -> Result<phonenumber::PhoneNumber, InvalidPhone> {
    phonenumber::parse(region, digits.text()).map_err(|err| match err {
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

/// Maps a region argument to the crate's id: trimmed, any case, empty means none.
fn resolve_region(region: Option<&str>) -> Result<Option<country::Id>, InvalidPhone> {
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

/// Strips what people add around numbers and keeps the digits (and a leading `+`).
fn clean(text: &str) -> Result<Digits, InvalidPhone> {
    let uri = strip_prefix_ignore_case(text, "tel:");
    let text = uri.unwrap_or(text);
    // Parameters (`;ext=`, `;phone-context=`) belong to `tel:` URIs, and must be well formed:
    // text after a number is never dropped ("+14155550100; rm -rf /" is not a number).
    if text.contains(';') && (uri.is_none() || !uri_params_well_formed(text)) {
        return Err(InvalidPhone::NotANumber);
    }
    let (number, context) = split_uri_params(text);

    let mut out = Digits {
        plus: false,
        digits: String::new(),
    };
    if let Some(context) = context {
        out.plus = true;
        out.digits.push_str(&context);
    }
    let letters = number.chars().filter(char::is_ascii_alphabetic).count();
    let mut started = out.plus;
    for (at, c) in number.char_indices() {
        if let Some(d) = ascii_digit(c) {
            out.digits.push(d);
            started = true;
        } else if c == '+' || c == '\u{ff0b}' {
            if started || out.plus {
                return Err(InvalidPhone::NotANumber);
            }
            out.plus = true;
        } else if is_ignorable(c) || is_punctuation(c) {
        } else if !started && (c.is_alphabetic() || c == ':') {
            // A label in front, like "Tel: " or "Mobile ".
        } else if started && is_extension(&number[at..]) {
            break;
        } else if started && letters >= 3 && c.is_ascii_alphabetic() {
            out.digits.push(keypad_digit(c));
        } else {
            return Err(InvalidPhone::NotANumber);
        }
        if out.digits.len() > MAX_DIGITS {
            return Err(InvalidPhone::TooLong);
        }
    }
    if out.digits.is_empty() {
        return Err(InvalidPhone::NotANumber);
    }
    Ok(out)
}

/// Splits RFC 3966 parameters off: returns the number part and, when the number is local and
/// `phone-context` is a `+` country code, that code's digits.
fn split_uri_params(text: &str) -> (&str, Option<String>) {
    let Some((number, params)) = text.split_once(';') else {
        return (text, None);
    };
    let context = params
        .split(';')
        .find_map(|p| strip_prefix_ignore_case(p.trim(), "phone-context="))
        .filter(|ctx| ctx.starts_with('+') && !number.contains('+'))
        .filter(|ctx| {
            ctx[1..]
                .chars()
                .all(|c| c.is_ascii_digit() || "-.()".contains(c))
        })
        .map(|ctx| ctx.chars().filter(char::is_ascii_digit).collect::<String>())
        .filter(|digits| !digits.is_empty() && digits.len() <= 3);
    (number, context)
}

/// Whether every `;` parameter of a `tel:` URI is `name` or `name=value` in RFC 3966's
/// characters (no blanks, no quotes, nothing a shell or a person would add).
fn uri_params_well_formed(text: &str) -> bool {
    text.split(';').skip(1).all(|p| {
        let (name, value) = p.split_once('=').unwrap_or((p, ""));
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.!~*'()%+:&$[]/".contains(c))
    })
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Whether `rest` (starting at a non-digit after some digits) is an extension: a marker such
/// as "ext", "x", "#" or "," followed only by digits and separators.
fn is_extension(rest: &str) -> bool {
    let lower = rest.to_lowercase();
    let after = ["extension", "extn", "ext", "x", "#", ","]
        .iter()
        .find_map(|marker| lower.strip_prefix(marker));
    after.is_some_and(|tail| {
        tail.chars().all(|c| {
            ascii_digit(c).is_some() || is_punctuation(c) || is_ignorable(c) || "#:,".contains(c)
        })
    })
}

/// Separators people put inside numbers (the same set libphonenumber accepts).
fn is_punctuation(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '-'
            | '\u{2010}'..='\u{2015}'
            | '\u{2212}'
            | '\u{30fc}'
            | '\u{ff0d}'..='\u{ff0f}'
            | '/'
            | '.'
            | '('
            | ')'
            | '\u{ff08}'
            | '\u{ff09}'
            | '['
            | ']'
            | '\u{ff3b}'
            | '\u{ff3d}'
            | '~'
            | '\u{2053}'
            | '\u{223c}'
            | '\u{ff5e}'
            | '\u{3000}'
    )
}

/// Invisible characters that copying a number from a web page or a contact card brings along.
fn is_ignorable(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}' | '\u{feff}'
        )
}

/// Any decimal digit (ASCII, full-width, Arabic-Indic, Devanagari, Thai ...) as ASCII.
fn ascii_digit(c: char) -> Option<char> {
    const ZEROS: &[u32] = &[
        0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
        0xe50, 0xed0, 0xf20, 0x1040, 0x17e0, 0x1810, 0xff10,
    ];
    let code = c as u32;
    ZEROS
        .iter()
        .find(|&&zero| (zero..zero + 10).contains(&code))
        .and_then(|&zero| char::from_digit(code - zero, 10))
}

/// The digit a letter sits on on a phone keypad (vanity numbers like 1-800-FLOWERS).
fn keypad_digit(c: char) -> char {
    match c.to_ascii_uppercase() {
        'A'..='C' => '2',
        'D'..='F' => '3',
        'G'..='I' => '4',
        'J'..='L' => '5',
        'M'..='O' => '6',
        'P'..='S' => '7',
        'T'..='V' => '8',
        _ => '9',
    }
}

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
fn matches(meta: &Metadata, desc: Option<&Descriptor>, national: &str) -> bool {
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
fn possible_lengths(meta: &Metadata) -> Option<Vec<usize>> {
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
fn describe(code: u16, national: &str) -> Option<PhoneNumber> {
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
fn why_invalid(code: u16, national: &str, default: Option<country::Id>) -> InvalidPhone {
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
    fn cleans_what_people_type() {
        let d = |plus, digits: &str| {
            Ok(Digits {
                plus,
                digits: digits.to_owned(),
            })
        };
        assert_eq!(clean("(415) 555-2671"), d(false, "4155552671"));
        assert_eq!(
            clean("tel:+33-1-42-68-53-00;ext=12"),
            d(true, "33142685300")
        );
        assert_eq!(
            clean("tel:03-331-6005;phone-context=+64"),
            d(true, "64033316005")
        );
        assert_eq!(clean("Tel: +44 20 7946 0018"), d(true, "442079460018"));
        assert_eq!(clean("＋４４ ２０"), d(true, "4420"));
        assert_eq!(clean("1-800-FLOWERS"), d(false, "18003569377"));
        assert_eq!(clean("+1 415 555 2671 ext. 99"), d(true, "14155552671"));
        assert_eq!(clean("020 7946 0018 x12"), d(false, "02079460018"));
        assert_eq!(clean("12+34"), Err(InvalidPhone::NotANumber));
        assert_eq!(clean("call me"), Err(InvalidPhone::NotANumber));
        assert_eq!(clean("12 ab"), Err(InvalidPhone::NotANumber));
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
