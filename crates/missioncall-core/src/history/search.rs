//! Turns what a person types into the search box into a safe FTS5 query, and prepares phone
//! numbers so that any run of their digits can be found.
//!
//! How it works:
//! - The text is cut into words exactly as the index's tokenizer (FTS5 `unicode61`) cuts it:
//!   runs of letters, numbers, marks and private-use characters (Unicode categories L*, N*, M*,
//!   Co); every other character (quotes, `*`, `(`, `:`, `-`, `^`, punctuation, symbols such as
//!   `Ⓐ`, emoji) only separates words. A word with no letter or number (marks alone) is dropped:
//!   it would be an empty phrase that matches nothing and so hides every call. Each word is then
//!   written as a quoted phrase with a prefix star (`"word"*`) and the words are joined with
//!   `AND`. FTS5 operators typed by the user (`AND`, `OR`, `NOT`, `NEAR`) are therefore searched
//!   as plain words, and no input can produce an FTS5 syntax error.
//! - At most [`MAX_WORDS`] words of at most [`MAX_WORD_CHARS`] characters are used; the rest is
//!   ignored (a longer query can only narrow the results, never break them).
//! - Phone numbers are indexed in the `phone_digits` column as every suffix of their digits
//!   (`+442079460018` gives `442079460018 42079460018 … 8`), so a prefix query on any word finds
//!   any run of consecutive digits: `7946` finds `+442079460018`, and `+44 20 7946` too.
//! - A word of digits starting with `0` (how a national number is usually written, e.g.
//!   `020 7946 0018`) also matches the phone digits without its leading zeros, since E.164 drops
//!   the trunk prefix.
//!
//! This module must never pass user text to FTS5 unquoted.

/// The most words of a search that are used; later words are ignored.
pub const MAX_WORDS: usize = 16;
/// The most characters of a word that are used; a longer word is cut (it stays a prefix).
pub const MAX_WORD_CHARS: usize = 64;

/// The FTS5 query for the user's search text, or `None` if it holds no word (no filter).
pub(crate) fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !is_token_char(c))
        .filter(|w| w.chars().any(is_word_char))
        .take(MAX_WORDS)
        .map(|w| w.chars().take(MAX_WORD_CHARS).collect())
        .collect();
    if words.is_empty() {
        return None;
    }
    let parts: Vec<String> = words.iter().map(|w| word_query(w)).collect();
    Some(parts.join(" AND "))
}

/// A character the `unicode61` tokenizer keeps in a token (with `remove_diacritics`, marks are
/// kept and folded into the letter before them).
fn is_token_char(c: char) -> bool {
    use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};
    matches!(
        c.general_category_group(),
        GeneralCategoryGroup::Letter | GeneralCategoryGroup::Number | GeneralCategoryGroup::Mark
    ) || c.general_category() == GeneralCategory::PrivateUse
}

/// A character that makes a token on its own (a letter, a number, private use).
fn is_word_char(c: char) -> bool {
    use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};
    matches!(
        c.general_category_group(),
        GeneralCategoryGroup::Letter | GeneralCategoryGroup::Number
    ) || c.general_category() == GeneralCategory::PrivateUse
}

fn word_query(word: &str) -> String {
    // Words only hold alphanumeric characters, so there is no `"` to escape; the escape is
    // kept so that this stays safe even if the word rule changes.
    let phrase = format!("\"{}\"*", word.replace('"', "\"\""));
    let national = word.starts_with('0') && word.chars().all(|c| c.is_ascii_digit());
    let without_trunk = word.trim_start_matches('0');
    if national && !without_trunk.is_empty() {
        format!("({phrase} OR phone_digits : \"{without_trunk}\"*)")
    } else {
        phrase
    }
}

/// What is indexed for a phone number (the `phone_digits` column): every suffix of its ASCII
/// digits, longest first, separated by spaces.
pub fn phone_digits(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::with_capacity(digits.len() * (digits.len() + 1) / 2 + digits.len());
    for start in 0..digits.len() {
        if start > 0 {
            out.push(' ');
        }
        out.push_str(&digits[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_prefixes() {
        assert_eq!(
            fts_query("dentist Tuesday").as_deref(),
            Some("\"dentist\"* AND \"Tuesday\"*")
        );
        assert_eq!(
            fts_query("\"a\" OR b* NEAR(c:d) -e").as_deref(),
            Some("\"a\"* AND \"OR\"* AND \"b\"* AND \"NEAR\"* AND \"c\"* AND \"d\"* AND \"e\"*")
        );
    }

    #[test]
    fn words_are_cut_as_the_index_cuts_them() {
        // A symbol that looks like a letter is no word (the index drops it); superscripts and
        // circled digits are numbers; a combining accent stays in its word.
        assert_eq!(fts_query("dentist Ⓐ").as_deref(), Some("\"dentist\"*"));
        assert_eq!(fts_query("x²y").as_deref(), Some("\"x²y\"*"));
        assert_eq!(
            fts_query("cafe\u{301}").as_deref(),
            Some("\"cafe\u{301}\"*")
        );
        assert_eq!(fts_query("\u{301}"), None);
    }

    #[test]
    fn nothing_to_search() {
        for t in ["", "   ", "\"\"", "*", "()", "-:^+", "☃ ☃", "Ⓐ Ⓑ"] {
            assert_eq!(fts_query(t), None, "{t:?}");
        }
    }

    #[test]
    fn national_numbers_drop_the_trunk_zero() {
        assert_eq!(
            fts_query("020").as_deref(),
            Some("(\"020\"* OR phone_digits : \"20\"*)")
        );
        assert_eq!(fts_query("000").as_deref(), Some("\"000\"*"));
        assert_eq!(fts_query("7946").as_deref(), Some("\"7946\"*"));
    }

    #[test]
    fn limits() {
        let long = "x".repeat(10_000);
        assert_eq!(fts_query(&long).unwrap().len(), MAX_WORD_CHARS + 3);
        let many = "w ".repeat(1_000);
        assert_eq!(
            fts_query(&many).unwrap().matches("AND").count(),
            MAX_WORDS - 1
        );
    }

    #[test]
    fn digit_suffixes() {
        assert_eq!(phone_digits("+4420"), "4420 420 20 0");
        assert_eq!(phone_digits(""), "");
    }
}
