//! The TypeScript bindings in `ui/src/lib/bindings.ts` are generated from the Rust commands
//! and events. This test regenerates them and fails when the committed file is stale.
//! To update: `UPDATE_BINDINGS=1 cargo test -p missioncall-app --test bindings`.

use std::path::PathBuf;

#[test]
fn bindings_are_up_to_date() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts");
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("bindings.ts");
    missioncall_app::export_bindings(&fresh).expect("export bindings");
    let fresh_text = std::fs::read_to_string(&fresh).unwrap();
    if std::env::var("UPDATE_BINDINGS").is_ok_and(|v| v == "1") {
        std::fs::write(&committed, &fresh_text).unwrap();
        return;
    }
    let old = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        old == fresh_text,
        "ui/src/lib/bindings.ts is stale: run `UPDATE_BINDINGS=1 cargo test -p missioncall-app --test bindings` and commit it"
    );
}
