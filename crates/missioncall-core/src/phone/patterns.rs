//! The metadata's regular expressions, matched the way libphonenumber's Java matches them:
//! `matches()` (the whole text) and `lookingAt()` (from the start).
//!
//! The crate's own regex objects cannot do either: they are unanchored and leftmost-first, so
//! "the match starts at 0" accepts a number with a digit too many when a prefix of it is
//! valid, and "the match ends at the end" misses a whole match when an earlier alternative
//! stops short. So each pattern is anchored and compiled in the crate's own regex cache (no
//! second regex engine), with the flag the crate compiles metadata patterns with: whitespace
//! is ignored (the metadata's patterns are laid out on several lines; the newline we add ends
//! any comment).
//!
//! The crate `unwrap`s that cache's lock; here a lock poisoned by a panic elsewhere is used
//! anyway (the cache stays consistent), so our code never panics because of it.

use phonenumber::metadata::DATABASE;

/// Runs `$body` with `$re` bound to `$pattern` compiled as `^(?x:$pattern)$end`, in the
/// crate's regex cache; `None` if the pattern does not compile.
macro_rules! with_anchored {
    ($pattern:expr, $end:expr, |$re:ident| $body:expr) => {{
        let source = format!("^(?x:{}\n){}", $pattern, $end);
        let cache = DATABASE.cache();
        let mut cache = cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache.compile(&source).ok().map(|$re| $body)
    }};
}

/// Whether `pattern` matches all of `text` (Java's `Matcher.matches()`).
pub(super) fn matches_whole(pattern: &str, text: &str) -> bool {
    with_anchored!(pattern, "$", |re| re.is_match(text)).unwrap_or(false)
}

/// Where a match of `pattern` at the start of `text` ends (Java's `Matcher.lookingAt()`).
pub(super) fn looking_at(pattern: &str, text: &str) -> Option<usize> {
    with_anchored!(pattern, "", |re| re.find(text).map(|m| m.end())).flatten()
}

/// [`looking_at`], with the text of each capturing group (`None` for a group that took no
/// part), from the first.
pub(super) fn looking_at_groups(pattern: &str, text: &str) -> Option<(usize, Vec<Option<String>>)> {
    with_anchored!(pattern, "", |re| re.captures(text).map(|caps| {
        let whole = caps.get(0).map_or(0, |m| m.end());
        let groups = (1..caps.len())
            .map(|i| caps.get(i).map(|m| m.as_str().to_owned()))
            .collect();
        (whole, groups)
    }))
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_and_from_the_start_as_java_matches() {
        // Leftmost-first stops at the first alternative; the whole text still matches.
        assert!(matches_whole("1\\d|1\\d{3}", "1234"));
        assert!(!matches_whole("1\\d{3}", "12345"));
        assert!(!matches_whole("1\\d{3}", "01234"));
        // Metadata patterns span lines: whitespace is not part of them.
        assert!(matches_whole("1\n  \\d{2}", "123"));
        assert_eq!(looking_at("0(?:0|11)", "01144"), Some(3));
        assert_eq!(looking_at("0(?:0|11)", "1011"), None);
        assert_eq!(
            looking_at_groups("0(?:(11|343)15)?", "034315123"),
            Some((6, vec![Some("343".to_owned())]))
        );
        assert_eq!(
            looking_at_groups("0(?:(11)15)?", "0800"),
            Some((1, vec![None]))
        );
        assert!(
            !matches_whole("(", "("),
            "a pattern that does not compile matches nothing"
        );
    }
}
