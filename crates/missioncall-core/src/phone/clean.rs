//! Input cleaning: what people type around a number (a label, separators, invisible
//! characters, a `tel:` URI and its parameters, an extension, the letters of a vanity number,
//! digits of other scripts) is taken away, leaving ASCII digits and whether a `+` led them.
//! Nothing here knows a numbering plan; text that is not a number is refused, never trimmed.

use super::InvalidPhone;

/// Most digits a dialled number can have: a long IDD prefix (4), a country code (3) and the
/// longest national number libphonenumber allows (17).
const MAX_DIGITS: usize = 24;

/// What is left of the input once formatting is removed: digits, and whether a `+` led them.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Digits {
    /// Whether a `+` (or a `phone-context=+CC`) led the digits.
    pub(super) plus: bool,
    /// ASCII digits only.
    pub(super) digits: String,
}

impl Digits {
    /// The same number with a leading `00` read as `+`, if it has one.
    pub(super) fn with_00_as_plus(&self) -> Option<Digits> {
        (!self.plus && self.digits.len() > 2)
            .then(|| self.digits.strip_prefix("00"))
            .flatten()
            .map(|rest| Digits {
                plus: true,
                digits: rest.to_owned(),
            })
    }
}

/// Strips what people add around numbers and keeps the digits (and a leading `+`).
pub(super) fn clean(text: &str) -> Result<Digits, InvalidPhone> {
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
pub(super) fn is_ignorable(c: char) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
