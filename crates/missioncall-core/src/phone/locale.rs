//! Guessing the user's country from a system locale string, to preselect the country picker.
//! It is only a default the user can change: it must never fail loudly or guess wildly,
//! and it must never return a code the phone-number metadata does not know.

use phonenumber::metadata::DATABASE;

/// For a bare language ("de"), the country where it is most likely spoken (as in CLDR's
/// likely-subtags data), sorted by language so lookups can binary-search.
const LIKELY_REGION: &[(&str, &str)] = &[
    ("af", "ZA"),
    ("am", "ET"),
    ("ar", "EG"),
    ("az", "AZ"),
    ("be", "BY"),
    ("bg", "BG"),
    ("bn", "BD"),
    ("bs", "BA"),
    ("ca", "ES"),
    ("cs", "CZ"),
    ("cy", "GB"),
    ("da", "DK"),
    ("de", "DE"),
    ("el", "GR"),
    ("en", "US"),
    ("es", "ES"),
    ("et", "EE"),
    ("eu", "ES"),
    ("fa", "IR"),
    ("fi", "FI"),
    ("fil", "PH"),
    ("fo", "FO"),
    ("fr", "FR"),
    ("ga", "IE"),
    ("gl", "ES"),
    ("gu", "IN"),
    ("he", "IL"),
    ("hi", "IN"),
    ("hr", "HR"),
    ("hu", "HU"),
    ("hy", "AM"),
    ("id", "ID"),
    ("in", "ID"),
    ("is", "IS"),
    ("it", "IT"),
    ("iw", "IL"),
    ("ja", "JP"),
    ("ka", "GE"),
    ("kk", "KZ"),
    ("km", "KH"),
    ("kn", "IN"),
    ("ko", "KR"),
    ("ky", "KG"),
    ("lb", "LU"),
    ("lo", "LA"),
    ("lt", "LT"),
    ("lv", "LV"),
    ("mk", "MK"),
    ("ml", "IN"),
    ("mn", "MN"),
    ("mr", "IN"),
    ("ms", "MY"),
    ("mt", "MT"),
    ("my", "MM"),
    ("nb", "NO"),
    ("ne", "NP"),
    ("nl", "NL"),
    ("nn", "NO"),
    ("no", "NO"),
    ("pa", "IN"),
    ("pl", "PL"),
    ("ps", "AF"),
    ("pt", "BR"),
    ("ro", "RO"),
    ("ru", "RU"),
    ("si", "LK"),
    ("sk", "SK"),
    ("sl", "SI"),
    ("sq", "AL"),
    ("sr", "RS"),
    ("sv", "SE"),
    ("sw", "TZ"),
    ("ta", "IN"),
    ("te", "IN"),
    ("th", "TH"),
    ("tk", "TM"),
    ("tl", "PH"),
    ("tr", "TR"),
    ("uk", "UA"),
    ("ur", "PK"),
    ("uz", "UZ"),
    ("vi", "VN"),
    ("zh", "CN"),
    ("zu", "ZA"),
];

/// Best-effort region from a locale string like "en_GB.UTF-8", "fr-CA", "zh-Hant-TW" or "de";
/// `None` if unknown (including "C" and "POSIX").
///
/// An explicit region in the locale wins; a bare language maps to the country where it is most
/// likely spoken ("de" -> "DE", "en" -> "US"). The result is always a region code that
/// [`super::parse`] accepts.
pub fn region_from_locale(locale: &str) -> Option<String> {
    if locale.len() > 100 {
        return None;
    }
    // Drop the POSIX codeset and modifier: "de_DE.UTF-8@euro" -> "de_DE".
    let base = locale.trim().split(['.', '@']).next().unwrap_or("");
    let mut parts = base.split(['_', '-']).filter(|p| !p.is_empty());
    let language = parts.next()?.to_ascii_lowercase();
    if language == "c" || language == "posix" {
        return None;
    }
    let explicit = parts
        .find(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic()))
        .map(|p| p.to_ascii_uppercase())
        .filter(|code| known(code));
    explicit.or_else(|| {
        LIKELY_REGION
            .binary_search_by(|(lang, _)| (*lang).cmp(language.as_str()))
            .ok()
            .map(|i| LIKELY_REGION[i].1.to_owned())
            .filter(|code| known(code))
    })
}

fn known(code: &str) -> bool {
    code != "001" && DATABASE.by_id(code).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_table_is_sorted() {
        assert!(LIKELY_REGION.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(LIKELY_REGION.iter().all(|(_, r)| known(r)));
    }

    #[test]
    fn reads_common_locale_shapes() {
        let cases = [
            ("en_GB.UTF-8", Some("GB")),
            ("fr-CA", Some("CA")),
            ("de", Some("DE")),
            ("de_AT@euro", Some("AT")),
            ("zh-Hant-TW", Some("TW")),
            ("pt_br", Some("BR")),
            ("es-419", Some("ES")),
            ("en_ZZ", Some("US")),
            ("C", None),
            ("POSIX", None),
            ("C.UTF-8", None),
            ("", None),
            ("xx", None),
            ("_", None),
        ];
        for (locale, want) in cases {
            assert_eq!(region_from_locale(locale).as_deref(), want, "{locale}");
        }
    }

    #[test]
    fn the_first_locale_with_a_region_wins() {
        // What sys-locale gives on macOS and Windows (BCP 47, most preferred first) and on Linux.
        let list = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            crate::phone::region_from_locales(list(&["C", "fr-CA", "en-US"])).as_deref(),
            Some("CA")
        );
        assert_eq!(
            crate::phone::region_from_locales(list(&["en_GB.UTF-8"])).as_deref(),
            Some("GB")
        );
        assert_eq!(
            crate::phone::region_from_locales(list(&["C", "POSIX"])),
            None
        );
        assert_eq!(crate::phone::region_from_locales(Vec::new()), None);
    }
}
