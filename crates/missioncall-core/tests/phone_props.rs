//! Property tests: `phone::parse` never panics, whatever the text and region, and what it
//! accepts round-trips (parsing its E.164 form gives the same E.164).

use missioncall_core::phone;
use proptest::prelude::*;

fn round_trips(text: &str, region: Option<&str>) -> Result<(), TestCaseError> {
    if let Ok(n) = phone::parse(text, region) {
        prop_assert!(n.e164.starts_with('+') && n.e164[1..].bytes().all(|b| b.is_ascii_digit()));
        let again = phone::parse(&n.e164, None);
        prop_assert_eq!(
            again.map(|a| a.e164),
            Ok(n.e164.clone()),
            "input {:?}",
            text
        );
    }
    let check = phone::check(text, region);
    prop_assert_eq!(check.valid, check.reason.is_none());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_and_region(text in any::<String>(), region in any::<String>()) {
        round_trips(&text, Some(&region))?;
        round_trips(&text, None)?;
    }

    #[test]
    fn phone_like_text(text in "[0-9+()\\- .]{0,40}", region in prop::sample::select(vec!["", "US", "gb", "DE", "FR", "JP", "IN", "BR", "AU", "NZ", "AR", "IT", "ZZ"])) {
        round_trips(&text, Some(region))?;
        round_trips(&text, None)?;
    }

    #[test]
    fn uri_and_odd_unicode(text in "(tel:)?[+＋]?[0-9０-９٠-٩ ;=a-z.\\-]{0,30}(;phone-context=[+0-9a-zé.]{0,8})?", region in "[A-Za-z]{0,3}") {
        round_trips(&text, Some(&region))?;
    }

    #[test]
    fn known_numbers_with_noise(sep in "[ .\\-]{0,2}", region in prop::sample::select(vec!["GB", "US", "FR", "DE"])) {
        let text = format!("+44{sep}20{sep}7946{sep}0018");
        prop_assert_eq!(phone::parse(&text, Some(region)).map(|n| n.e164), Ok("+442079460018".to_owned()));
    }
}
