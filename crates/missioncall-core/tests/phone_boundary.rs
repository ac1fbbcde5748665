//! The phone module's one panic boundary, around the `phonenumber` crate's parser, seen
//! catching a real panic of the crate. (Its own test binary: it poisons the crate's shared
//! regex cache, which no other test may see.)

use std::sync::{Arc, Mutex};

use missioncall_core::phone::{self, InvalidPhone};
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

    // No region: nothing of ours touches the crate's regexes before its parser does.
    let first = phone::parse("+14155552671", None);
    let raised = raised.lock().unwrap().clone();
    let _ = std::panic::take_hook();

    assert_eq!(first, Err(InvalidPhone::NotANumber));
    assert_eq!(raised.len(), 1, "{raised:?}");
    assert!(
        !raised[0].contains("missioncall-core"),
        "raised in our code, not the crate's: {raised:?}"
    );
    // The boundary cleared the poison: the crate works again, for every path.
    assert!(!DATABASE.cache().is_poisoned());
    assert_eq!(
        phone::parse("+14155552671", None).map(|n| n.e164),
        Ok("+14155552671".to_owned())
    );
    assert_eq!(
        phone::parse("(020) 7946 0018", Some("GB")).map(|n| n.e164),
        Ok("+442079460018".to_owned())
    );
}
