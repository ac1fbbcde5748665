//! The phone module's one panic boundary, around the `phonenumber` crate's formatter, seen
//! catching a real panic of the crate. (Its own test binary: it poisons the crate's shared
//! regex cache, which no other test may see.)

use std::sync::{Arc, Mutex};

use missioncall_core::phone;
use phonenumber::metadata::DATABASE;

#[test]
fn a_panic_inside_the_crate_is_caught_at_the_boundary_and_the_crate_recovers() {
    // Load the metadata, then poison the mutex of the crate's regex cache, as a panic inside
    // the crate's regex code would: the crate `unwrap`s that lock, so its next use panics.
    assert!(phone::parse("+14155552671", None).is_ok());
    let cache = DATABASE.cache();
    let poisoner = std::thread::spawn(move || {
        let _held = cache.lock();
        panic!("poisoning the crate's regex cache for this test");
    });
    assert!(poisoner.join().is_err());
    assert!(DATABASE.cache().is_poisoned());

    // Record where each panic is raised from now on.
    let raised = Arc::new(Mutex::new(Vec::<String>::new()));
    let record = Arc::clone(&raised);
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        record.lock().unwrap().push(at);
        default(info);
    }));

    // Our own code reads the poisoned cache anyway; the crate's formatter panics on it.
    let first = phone::parse("(415) 555-2671", Some("US"));
    let raised = raised.lock().unwrap().clone();
    let _ = std::panic::take_hook();

    // Caught at the boundary: the number is still valid, shown unformatted.
    let first = first.expect("a valid number stays valid");
    assert_eq!(first.e164, "+14155552671");
    assert_eq!(first.international, "+1 4155552671");
    assert_eq!(raised.len(), 1, "{raised:?}");
    assert!(
        !raised[0].contains("missioncall-core"),
        "raised in our code, not the crate's: {raised:?}"
    );
    // The boundary cleared the poison: the crate works again.
    assert!(!DATABASE.cache().is_poisoned());
    assert_eq!(
        phone::parse("+14155552671", None).map(|n| n.international),
        Ok("+1 415-555-2671".to_owned())
    );
    assert_eq!(
        phone::parse("(020) 7946 0018", Some("GB")).map(|n| n.international),
        Ok("+44 20 7946 0018".to_owned())
    );
}
