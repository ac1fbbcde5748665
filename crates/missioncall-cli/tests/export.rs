//! `missioncall export` through the real binary against the simulator, with the history in a
//! real SQLite file: CSV read back with the `csv` crate (BOM, formula-safe cells, every field
//! with commas, quotes, newlines and Unicode), JSON, the Markdown report, the filters, and the
//! refusals (an existing file without --force, an unknown format) that write nothing.

mod common;

use common::{Cli, TestSim, LONDON};

const OK: i32 = 0;
const USAGE: i32 = 2;
const NY: &str = "+12125550123";

fn place(cli: &Cli, number: &str, task: &str) -> i64 {
    cli.run(&["call", number, task, "--yes", "--json"])
        .expect(OK)
        .json()["id"]
        .as_i64()
        .expect("id")
}

fn csv_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    let body = text.strip_prefix('\u{FEFF}').expect("starts with the BOM");
    let mut r = csv::ReaderBuilder::new().from_reader(body.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

#[test]
fn export_writes_the_filtered_calls_as_csv_json_and_a_report() {
    let sim = TestSim::new(0.05);
    let cli = Cli::for_sim(&sim);
    let note = "Said \"maybe\", call back;\nprice: 1,200 € — ok 👍 שלום";
    let a = place(&cli, LONDON, "=HYPERLINK(\"http://x\",\"win\")");
    let b = place(&cli, NY, "Ask if the order shipped, \"today\"");
    let c = place(&cli, LONDON, "# heading [link](http://x) <img src=x>");
    cli.run(&[
        "mark",
        &a.to_string(),
        "--tag",
        "x",
        "--note",
        note,
        "--outcome",
        "achieved",
    ])
    .expect(OK);
    cli.run(&["mark", &c.to_string(), "--tag", "X"]).expect(OK);
    cli.run(&["contact", "set", NY, "Luigi's, \"Trattoria\""])
        .expect(OK);
    let out = tempfile::tempdir().unwrap();

    // CSV, only --tag x.
    let csv_path = out.path().join("calls.csv");
    let csv_file = csv_path.to_str().unwrap();
    let v = cli
        .run(&[
            "export", "--format", "csv", "--out", csv_file, "--tag", "x", "--json",
        ])
        .expect(OK)
        .json();
    assert_eq!(v, serde_json::json!({ "calls": 2, "file": csv_file }));
    let (header, rows) = csv_rows(&std::fs::read(&csv_path).unwrap());
    assert_eq!(
        header,
        ["date", "number", "contact", "task", "status", "outcome", "tags", "note", "summary"]
    );
    assert_eq!(rows.len(), 2);
    let (first, second) = (&rows[0], &rows[1]);
    assert_eq!(first[3], "# heading [link](http://x) <img src=x>");
    assert_eq!(second[1], format!("'{LONDON}"));
    assert_eq!(second[3], "'=HYPERLINK(\"http://x\",\"win\")");
    assert_eq!(second[5], "Achieved");
    assert_eq!(second[6], "x");
    assert_eq!(second[7], note);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&csv_path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    // Refused without --force: the file is untouched; replaced with it.
    let before = std::fs::read(&csv_path).unwrap();
    let run = cli
        .run(&["export", "--format", "csv", "--out", csv_file])
        .expect(USAGE);
    assert!(
        run.stderr.contains("already exists") && run.stderr.contains("--force"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(&csv_path).unwrap(), before);
    let run = cli
        .run(&[
            "export",
            "--format",
            "csv",
            "--out",
            csv_file,
            "--force",
            "--with-transcripts",
        ])
        .expect(OK);
    assert!(run.stdout.contains("Wrote 3 calls to"), "{}", run.stdout);
    let (header, rows) = csv_rows(&std::fs::read(&csv_path).unwrap());
    assert_eq!(header.last().map(String::as_str), Some("transcript"));
    assert_eq!(rows.len(), 3);
    let ny = rows.iter().find(|r| r[3].starts_with("Ask")).unwrap();
    assert_eq!(ny[2], "Luigi's, \"Trattoria\"");
    assert_eq!(ny[3], "Ask if the order shipped, \"today\"");

    // JSON: everything, the same filters (--search, --contact).
    let json_path = out.path().join("calls.json");
    cli.run(&[
        "export",
        "--format",
        "json",
        "--out",
        json_path.to_str().unwrap(),
        "--contact",
        "Luigi's, \"Trattoria\"",
    ])
    .expect(OK);
    let calls: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    let calls = calls.as_array().unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["id"], b);
    assert_eq!(calls[0]["contact"], "Luigi's, \"Trattoria\"");
    assert_eq!(calls[0]["phone_number"], NY);

    // The report: the task as text.
    let md_path = out.path().join("report.md");
    cli.run(&[
        "export",
        "--format",
        "md",
        "--out",
        md_path.to_str().unwrap(),
        "--search",
        "heading",
    ])
    .expect(OK);
    let md = std::fs::read_to_string(&md_path).unwrap();
    assert!(
        md.contains("> \\# heading \\[link\\]\\(http\\:\\/\\/x\\) \\<img src\\=x\\>"),
        "{md}"
    );
    assert_eq!(md.lines().filter(|l| l.starts_with('#')).count(), 2, "{md}");

    // Plain-language refusals that write nothing.
    let bad = out.path().join("nothing.xlsx");
    let run = cli
        .run(&["export", "--format", "xlsx", "--out", bad.to_str().unwrap()])
        .expect(USAGE);
    assert!(
        run.stderr.contains("csv") && run.stderr.contains("md"),
        "{}",
        run.stderr
    );
    let run = cli
        .run(&[
            "export",
            "--format",
            "csv",
            "--out",
            out.path().join("missing/x.csv").to_str().unwrap(),
        ])
        .expect(1);
    assert!(run.stderr.contains("folder exists"), "{}", run.stderr);
    let mut names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["calls.csv", "calls.json", "report.md"]);
}
