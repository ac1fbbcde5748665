//! Property: no search text, however strange, makes the history return an error.

use missioncall_core::call::Origin;
use missioncall_core::history::{History, HistoryFilter, NewAttempt};
use proptest::prelude::*;

fn seeded() -> (tempfile::TempDir, History) {
    let dir = tempfile::tempdir().unwrap();
    let h = History::open_in_dir(dir.path()).unwrap();
    for (phone, task) in [
        ("+442079460018", "Book \"the\" table* (NEAR) for two"),
        ("+14155550123", "Café: -- OR AND"),
    ] {
        h.insert_attempt(&NewAttempt {
            phone_e164: phone,
            phone_region: None,
            task,
            origin: &Origin::Service("https://x.test".into()),
            outside_hours: None,
        })
        .unwrap();
    }
    (dir, h)
}

fn fts_ish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\"".to_owned()),
        Just("*".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just(":".to_owned()),
        Just("^".to_owned()),
        Just("-".to_owned()),
        Just("+".to_owned()),
        Just(" AND ".to_owned()),
        Just(" OR ".to_owned()),
        Just(" NOT ".to_owned()),
        Just("NEAR(".to_owned()),
        Just("task:".to_owned()),
        Just("{transcript summary}:".to_owned()),
        Just(" ".to_owned()),
        "[a-zé0-9]{1,8}",
        any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_unicode_never_errors(text in any::<String>()) {
        let (_dir, h) = seeded();
        let f = HistoryFilter { search: Some(text), ..Default::default() };
        prop_assert!(h.list(&f).is_ok());
        prop_assert!(h.count(&f).is_ok());
    }

    #[test]
    fn fts_syntax_never_errors(text in fts_ish()) {
        let (_dir, h) = seeded();
        let f = HistoryFilter { search: Some(text.clone()), ..Default::default() };
        let listed = h.list(&f);
        prop_assert!(listed.is_ok(), "{:?}: {:?}", text, listed);
        prop_assert_eq!(h.count(&f).unwrap() as usize, listed.unwrap().len());
    }
}
