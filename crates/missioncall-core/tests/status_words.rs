//! No status word is spelled out in the product's code outside the model of a call
//! (`missioncall-core/src/call.rs`), the service's wire contract (`workapi/src/wire.rs`), the
//! simulator (which plays the service), the frozen history migrations, and the bindings
//! generated from the model (`ui/src/lib/bindings.ts`). Everything else asks the model.
//!
//! Test code is not scanned: tests spell words to check what the CLI prints and what the
//! service sends.

use std::path::{Path, PathBuf};

const WORDS: &[&str] = &[
    "pending",
    "accepted",
    "in_progress",
    "inProgress",
    "completed",
    "cancelled",
    "canceled",
    "sending",
    "unknown_outcome",
    "unknownOutcome",
    "not_placed",
    "notPlaced",
    "demo_ended",
    "demoEnded",
];

/// Folders scanned (the product's code), relative to the workspace root.
const SCANNED: &[&str] = &["crates", "src-tauri/src", "src-tauri/build.rs", "ui/src"];

/// Files and folders that may spell status words.
const ALLOWED: &[&str] = &[
    "crates/missioncall-core/src/call.rs",
    "crates/missioncall-core/src/history/migrations",
    "crates/workapi/src/wire.rs",
    "crates/workapi-sim",
    "ui/src/lib/bindings.ts",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/missioncall-core is two levels down")
        .to_path_buf()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            if matches!(
                name.as_str(),
                "tests" | "benches" | "examples" | "node_modules" | "target" | "fixtures"
            ) {
                continue;
            }
            walk(&p, out);
        } else if [".rs", ".ts", ".svelte", ".sql", ".js", ".mjs"]
            .iter()
            .any(|x| name.ends_with(x))
        {
            out.push(p);
        }
    }
}

/// Quoted occurrences of a status word in `text`, as (line number, line).
fn spelled(text: &str) -> Vec<(usize, String)> {
    let mut hits = Vec::new();
    for (n, line) in text.lines().enumerate() {
        // Comments may name words; code may not.
        let code = line.split("//").next().unwrap_or("");
        for w in WORDS {
            for q in ['"', '\'', '`'] {
                if code.contains(&format!("{q}{w}{q}")) {
                    hits.push((n + 1, line.trim().to_owned()));
                }
            }
        }
    }
    hits
}

#[test]
fn the_scanner_finds_a_spelled_word() {
    assert_eq!(spelled("if s == \"completed\" {").len(), 1);
    assert_eq!(spelled("x === 'unknownOutcome'").len(), 1);
    assert!(spelled("// a comment about \"pending\" calls").is_empty());
    assert!(spelled("let pending = 3;").is_empty());
}

#[test]
fn no_status_word_outside_the_model() {
    let root = root();
    let mut files = Vec::new();
    for s in SCANNED {
        walk(&root.join(s), &mut files);
    }
    assert!(
        files.len() > 40,
        "scanned too few files ({}): is the root right?",
        files.len()
    );
    let mut offenders = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if ALLOWED
            .iter()
            .any(|a| rel == *a || rel.starts_with(&format!("{a}/")))
        {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        for (n, line) in spelled(&text) {
            offenders.push(format!("{rel}:{n}: {line}"));
        }
    }
    assert!(
        offenders.is_empty(),
        "status words spelled outside the model of a call (ask crate::call instead):\n{}",
        offenders.join("\n")
    );
}
