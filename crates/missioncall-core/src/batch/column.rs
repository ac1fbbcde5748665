//! Which column holds the numbers: the one the user names (its header, any case), or one
//! guessed from the headers. A guess never reads the cells: a header that names a phone
//! exactly ("Phone", "phone_number", "Tel.") beats a plain "Number", which beats a header that
//! only contains such a word ("Business phone", "Customer mobile #").

use super::{BatchError, PhoneColumn};
use crate::contacts_import::PHONE_HEADERS;

/// Words that make a header a phone column when they are part of it.
const PART_OF: &[&str] = &["phone", "mobile", "telefon", "teléfono", "telefono"];
/// Words that make a header a phone column when they are one of its words.
const WORDS: &[&str] = &["tel", "cell", "mob", "gsm", "handy"];
/// Words that make a header about a phone, not a phone number ("Phone type", "Phone ext").
const NOT: &[&str] = &["type", "label", "ext", "extension", "kind"];

/// The column that most looks like the phone numbers', by its header: case, spaces,
/// underscores, hyphens and punctuation are ignored; an exact name beats a header that
/// contains one; the leftmost wins among equals. `None` when no header looks like one.
pub fn guess_phone_column(headers: &[String]) -> Option<usize> {
    headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| rank(h).map(|r| (r, i)))
        .min()
        .map(|(_, i)| i)
}

/// 0: an exact phone name; 1: "number"; 2: a header containing a phone word.
fn rank(header: &str) -> Option<u8> {
    let key = squashed(header);
    if key.is_empty() {
        return None;
    }
    if key == "number" {
        return Some(1);
    }
    if PHONE_HEADERS.iter().any(|p| squashed(p) == key) || WORDS.contains(&key.as_str()) {
        return Some(0);
    }
    let lower = header.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.iter().any(|w| NOT.contains(w)) {
        return None;
    }
    let phoney = PART_OF.iter().any(|p| key.contains(p)) || words.iter().any(|w| WORDS.contains(w));
    phoney.then_some(2)
}

/// Lower case, letters and digits only: "Phone_Number", "phone-number" and "Phone #Number"
/// all give "phonenumber".
fn squashed(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The phone column: the header named `explicit` (any case, first of equals), else the
/// guess.
pub(super) fn choose(
    headers: &[String],
    explicit: Option<&str>,
) -> Result<PhoneColumn, BatchError> {
    let (index, guessed) = match explicit {
        Some(name) => {
            let wanted = name.trim().to_lowercase();
            let index = headers
                .iter()
                .position(|h| h.trim().to_lowercase() == wanted)
                .ok_or_else(|| BatchError::UnknownPhoneColumn {
                    name: name.to_owned(),
                    headers: headers.to_vec(),
                })?;
            (index, false)
        }
        None => {
            let index = guess_phone_column(headers).ok_or_else(|| BatchError::NoPhoneColumn {
                headers: headers.to_vec(),
            })?;
            (index, true)
        }
    };
    Ok(PhoneColumn {
        index,
        name: headers.get(index).cloned().unwrap_or_default(),
        guessed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_usual_spellings_are_guessed() {
        for name in [
            "phone",
            "Phone",
            "PHONE",
            "phone_number",
            "phone number",
            "Phone Number",
            "Phone-Number",
            "PhoneNumber",
            " number ",
            "tel",
            "Tel.",
            "telephone",
            "Mobile",
            "cell",
            "Phone #",
        ] {
            assert_eq!(
                guess_phone_column(&h(&["Name", name, "City"])),
                Some(1),
                "{name:?}"
            );
        }
        for other in [
            "Name",
            "Hotel",
            "Order",
            "Email",
            "Cellar",
            "",
            "Phone type",
        ] {
            assert_eq!(guess_phone_column(&h(&[other])), None, "{other:?}");
        }
    }

    #[test]
    fn an_exact_name_beats_number_which_beats_a_header_containing_a_phone_word() {
        assert_eq!(
            guess_phone_column(&h(&["Business phone", "Number", "Phone"])),
            Some(2)
        );
        assert_eq!(
            guess_phone_column(&h(&["Business phone", "Order number", "Number"])),
            Some(2)
        );
        assert_eq!(
            guess_phone_column(&h(&["Name", "Phone 1 - Type", "Customer mobile #"])),
            Some(2)
        );
        assert_eq!(
            guess_phone_column(&h(&["Mobile", "Phone"])),
            Some(0),
            "leftmost"
        );
    }

    #[test]
    fn a_named_column_overrides_the_guess_and_an_unknown_one_lists_the_headers() {
        let headers = h(&["Name", "Phone", "Office line"]);
        assert_eq!(
            choose(&headers, None).unwrap(),
            PhoneColumn {
                index: 1,
                name: "Phone".into(),
                guessed: true
            }
        );
        assert_eq!(
            choose(&headers, Some("office LINE")).unwrap(),
            PhoneColumn {
                index: 2,
                name: "Office line".into(),
                guessed: false
            }
        );
        let e = choose(&headers, Some("Mobile")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "This file has no column named \"Mobile\" (its columns are \"Name\", \"Phone\" and \"Office line\"). Choose one of its columns for the phone numbers."
        );
        let e = choose(&h(&["Name", "City"]), None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "No column of this file looks like the phone numbers (its columns are \"Name\" and \"City\"). Name that column \"Phone\", or choose the column that holds the numbers."
        );
    }
}
