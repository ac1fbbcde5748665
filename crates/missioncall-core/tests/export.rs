//! Exports of many calls from a real SQLite history file: every field survives CSV (read back
//! with the `csv` crate) and JSON, whatever the text; CSV cells that could be formulas are
//! neutralised; the BOM; the filter is respected; a cancelled export leaves no file; the
//! Markdown report shows untrusted text as text; 20,000 calls are read a page at a time.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use missioncall_core::call::{Origin, Outcome, ServiceStatus};
use missioncall_core::clock::ManualClock;
use missioncall_core::export::many::{
    export_to_file, spreadsheet_safe, write_calls, ExportError, ExportOptions, Format, BOM,
    CSV_HEADER,
};
use missioncall_core::history::{CallRecord, History, HistoryFilter, NewAttempt};
use missioncall_core::review::FollowUp;

const SF: &str = "+14155552671";

/// Text that breaks naive CSV and JSON: separators, quotes, line ends, tabs, and Unicode of
/// every kind (accents, emoji, right-to-left, bidi overrides, a control character).
const HOSTILE: &str = "Ask \"Luigi\", then: a,b;c\nline 2\r\nline\t3 — crème brûlée 🍕👩‍👩‍👧 \
     שלום مرحبا \u{202e}evil\u{202c} bell\u{7} end";

fn open(dir: &std::path::Path) -> History {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap());
    History::open_in_dir_with_clock(dir, clock).unwrap()
}

fn call(h: &History, phone: &str, task: &str) -> i64 {
    h.insert_attempt(&NewAttempt {
        phone_e164: phone,
        phone_region: Some("US"),
        task,
        origin: &Origin::Demo,
        outside_hours: None,
    })
    .unwrap()
}

/// A completed call with a summary, transcript, outcome, note, tags, follow-up and contact.
fn full_call(h: &History, task: &str, note: &str, summary: &str) -> CallRecord {
    let id = call(h, SF, task);
    let task_id = format!("t-{id}");
    h.record_created(id, &task_id, Some(id), &ServiceStatus::Pending)
        .unwrap();
    h.record_status(
        &task_id,
        &ServiceStatus::Completed,
        Some(&format!("Agent: {summary}\nCallee: {task}")),
        Some(summary),
    )
    .unwrap();
    h.set_outcome(id, Some(Outcome::Achieved)).unwrap();
    h.set_note(id, note).unwrap();
    h.add_tag(id, "VIP, \"gold\"").unwrap();
    h.add_tag(id, "crème 🍕").unwrap();
    h.set_follow_up(id, Some(FollowUp::parse("2026-12-24 09:30").unwrap()))
        .unwrap();
    h.get(id).unwrap()
}

fn export(h: &History, f: &HistoryFilter, opts: ExportOptions) -> Vec<u8> {
    let mut out = Vec::new();
    write_calls(h, f, &opts, &mut out, |_, _| true).unwrap();
    out
}

fn csv_rows(bytes: &[u8]) -> (Vec<String>, Vec<csv::StringRecord>) {
    let text = std::str::from_utf8(bytes).unwrap();
    let body = text
        .strip_prefix(BOM)
        .expect("a CSV export starts with the BOM");
    let mut r = csv::ReaderBuilder::new().from_reader(body.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r.records().collect::<Result<Vec<_>, _>>().unwrap();
    (header, rows)
}

#[test]
fn every_field_survives_csv_and_json_whatever_the_text() {
    let t = tempfile::tempdir().unwrap();
    let h = open(t.path());
    h.set_contact(SF, "Luigi's \"Trattoria\", Roma 🍝 שלום")
        .unwrap();
    let c = full_call(&h, HOSTILE, HOSTILE, HOSTILE);
    assert_eq!(c.task, HOSTILE, "the task is stored as typed");
    assert!(c.note.contains("🍕") && c.note.contains('\n') && c.note.contains('\t'));

    let opts = ExportOptions {
        with_transcripts: true,
        ..ExportOptions::new(Format::Csv)
    };
    let (header, rows) = csv_rows(&export(&h, &HistoryFilter::default(), opts));
    let mut want_header: Vec<&str> = CSV_HEADER.to_vec();
    want_header.push("transcript");
    assert_eq!(header, want_header);
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    let cell = |name: &str| &row[header.iter().position(|h| h == name).unwrap()];
    assert_eq!(cell("date"), "2026-11-30T09:00:00Z");
    assert_eq!(
        cell("number"),
        format!("'{SF}"),
        "a + number is neutralised"
    );
    assert_eq!(cell("contact"), "Luigi's \"Trattoria\", Roma 🍝 שלום");
    assert_eq!(cell("task"), c.task);
    assert_eq!(cell("status"), "Done");
    assert_eq!(cell("outcome"), "Achieved");
    assert_eq!(cell("tags"), "crème 🍕; VIP, \"gold\"");
    assert_eq!(cell("note"), c.note);
    assert_eq!(cell("summary"), HOSTILE);
    assert_eq!(cell("transcript"), c.transcript.as_deref().unwrap());

    // Without transcripts: no such column.
    let (header, _) = csv_rows(&export(
        &h,
        &HistoryFilter::default(),
        ExportOptions::new(Format::Csv),
    ));
    assert_eq!(header, CSV_HEADER);

    let json: serde_json::Value = serde_json::from_slice(&export(
        &h,
        &HistoryFilter::default(),
        ExportOptions::new(Format::Json),
    ))
    .unwrap();
    let calls = json.as_array().expect("one array");
    assert_eq!(calls.len(), 1);
    let j = &calls[0];
    assert_eq!(j["id"], c.id);
    assert_eq!(j["phone_number"], SF);
    assert_eq!(j["phone_region"], "US");
    assert_eq!(j["contact"], "Luigi's \"Trattoria\", Roma 🍝 שלום");
    assert_eq!(j["task"], HOSTILE);
    assert_eq!(j["task_id"], format!("t-{}", c.id));
    assert_eq!(j["task_number"], c.id);
    assert_eq!(j["status"], "completed");
    assert_eq!(j["status_kind"], "service");
    assert_eq!(j["status_text"], "Done");
    assert_eq!(j["outcome"], "achieved");
    assert_eq!(j["outcome_text"], "Achieved");
    assert_eq!(j["note"], c.note.as_str());
    assert_eq!(j["tags"], serde_json::json!(["crème 🍕", "VIP, \"gold\""]));
    assert_eq!(j["follow_up"], "2026-12-24 09:30");
    assert_eq!(j["summary"], HOSTILE);
    assert_eq!(j["transcript"], c.transcript.as_deref().unwrap());
    assert_eq!(j["demo"], true);
    assert_eq!(j["origin"], Origin::Demo.as_str());
    assert_eq!(j["created_at"], "2026-11-30T09:00:00Z");
    assert_eq!(j["annotated_at"], "2026-11-30T09:00:00Z");
}

#[test]
fn csv_cells_that_could_be_formulas_are_neutralised() {
    let t = tempfile::tempdir().unwrap();
    let h = open(t.path());
    let formulas = [
        "=HYPERLINK(\"http://x\")",
        "+SUM(1,2)",
        "-2+3",
        "@cmd",
        "\t=1",
        "\r=1",
    ];
    for f in formulas {
        let id = call(&h, SF, f);
        h.record_created(id, &format!("t-{id}"), None, &ServiceStatus::Pending)
            .unwrap();
        h.record_status(&format!("t-{id}"), &ServiceStatus::Completed, None, Some(f))
            .unwrap();
        h.set_note(id, f).unwrap();
    }
    h.set_contact(SF, "=cmd|' /C calc'!A0").unwrap();
    let (header, rows) = csv_rows(&export(
        &h,
        &HistoryFilter::default(),
        ExportOptions::new(Format::Csv),
    ));
    assert_eq!(rows.len(), formulas.len());
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut tasks: Vec<String> = Vec::new();
    for row in &rows {
        tasks.push(row[col("task")].to_owned());
        assert_eq!(&row[col("summary")], &row[col("task")]);
        assert_eq!(&row[col("contact")], "'=cmd|' /C calc'!A0");
        let note = &row[col("note")];
        assert!(note.starts_with('\'') || note.is_empty(), "{note:?}");
        for (i, v) in row.iter().enumerate() {
            if i == col("date") {
                continue;
            }
            assert!(
                !v.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "cell {i} begins like a formula: {v:?}"
            );
        }
    }
    tasks.sort();
    let mut want: Vec<String> = formulas.iter().map(|f| format!("'{f}")).collect();
    want.sort();
    assert_eq!(tasks, want);
    assert_eq!(
        spreadsheet_safe("=HYPERLINK(\"http://x\")"),
        "'=HYPERLINK(\"http://x\")"
    );
}

#[test]
fn the_export_respects_the_filter_and_starts_with_a_bom() {
    let t = tempfile::tempdir().unwrap();
    let h = open(t.path());
    let a = call(&h, SF, "tagged one");
    let _b = call(&h, SF, "untagged");
    let c = call(&h, SF, "tagged two");
    h.add_tag(a, "x").unwrap();
    h.add_tag(c, "X").unwrap();
    let f = HistoryFilter {
        tag: Some("x".into()),
        limit: 1,
        offset: 1,
        ..HistoryFilter::default()
    };
    let bytes = export(&h, &f, ExportOptions::new(Format::Csv));
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let (header, rows) = csv_rows(&bytes);
    let task = header.iter().position(|h| h == "task").unwrap();
    let got: Vec<&str> = rows.iter().map(|r| &r[task]).collect();
    assert_eq!(
        got,
        ["tagged two", "tagged one"],
        "every match, newest first; limit and offset ignored"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&export(&h, &f, ExportOptions::new(Format::Json))).unwrap();
    let ids: Vec<i64> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [c, a]);
    // Nothing matches: a header only, an empty array.
    let none = HistoryFilter {
        tag: Some("nope".into()),
        ..HistoryFilter::default()
    };
    assert_eq!(
        csv_rows(&export(&h, &none, ExportOptions::new(Format::Csv)))
            .1
            .len(),
        0
    );
    let empty: serde_json::Value =
        serde_json::from_slice(&export(&h, &none, ExportOptions::new(Format::Json))).unwrap();
    assert_eq!(empty, serde_json::json!([]));
}

fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_file_export_is_private_and_a_cancelled_or_refused_one_leaves_no_file() {
    let data = tempfile::tempdir().unwrap();
    let h = open(data.path());
    for i in 0..25 {
        call(&h, SF, &format!("call {i}"));
    }
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("calls.csv");
    let opts = ExportOptions {
        page_size: 10,
        ..ExportOptions::new(Format::Csv)
    };

    // Cancelled after the first page: nothing under the name, no temporary file left.
    let mut seen = Vec::new();
    let e = export_to_file(
        &h,
        &HistoryFilter::default(),
        &opts,
        &path,
        false,
        |done, total| {
            seen.push((done, total));
            done < 10
        },
    )
    .unwrap_err();
    assert!(matches!(e, ExportError::Cancelled), "{e}");
    assert_eq!(seen, [(0, 25), (10, 25)]);
    assert!(
        names_in(out.path()).is_empty(),
        "{:?}",
        names_in(out.path())
    );

    // Done: the whole file, private.
    let mut progress = Vec::new();
    let n = export_to_file(
        &h,
        &HistoryFilter::default(),
        &opts,
        &path,
        false,
        |d, t| {
            progress.push((d, t));
            true
        },
    )
    .unwrap();
    assert_eq!(n, 25);
    assert_eq!(progress, [(0, 25), (10, 25), (20, 25), (25, 25)]);
    assert_eq!(names_in(out.path()), ["calls.csv"]);
    assert_eq!(csv_rows(&std::fs::read(&path).unwrap()).1.len(), 25);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    // An existing file is kept unless replacing is allowed; a cancelled replace keeps it too.
    std::fs::write(&path, "mine").unwrap();
    let e = export_to_file(
        &h,
        &HistoryFilter::default(),
        &opts,
        &path,
        false,
        |_, _| true,
    )
    .unwrap_err();
    assert!(matches!(e, ExportError::Exists { .. }), "{e}");
    assert!(e.to_string().contains("already exists"), "{e}");
    let e = export_to_file(&h, &HistoryFilter::default(), &opts, &path, true, |d, _| {
        d == 0
    })
    .unwrap_err();
    assert!(matches!(e, ExportError::Cancelled));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
    assert_eq!(names_in(out.path()), ["calls.csv"]);
    let n = export_to_file(
        &h,
        &HistoryFilter::default(),
        &ExportOptions::new(Format::Json),
        &path,
        true,
        |_, _| true,
    )
    .unwrap();
    assert_eq!(n, 25);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 25);
    assert_eq!(names_in(out.path()), ["calls.csv"]);

    // A folder, or a folder that is not there: plain errors, nothing written.
    let e = export_to_file(
        &h,
        &HistoryFilter::default(),
        &opts,
        out.path(),
        true,
        |_, _| true,
    )
    .unwrap_err();
    assert!(matches!(e, ExportError::NotAFile { .. }), "{e}");
    let e = export_to_file(
        &h,
        &HistoryFilter::default(),
        &opts,
        &out.path().join("missing/calls.csv"),
        false,
        |_, _| true,
    )
    .unwrap_err();
    assert!(matches!(e, ExportError::Create { .. }), "{e}");
    assert!(e.to_string().contains("folder exists"), "{e}");
}

#[test]
fn the_markdown_report_shows_untrusted_text_as_text() {
    let t = tempfile::tempdir().unwrap();
    let h = open(t.path());
    let task = "# heading\n[link](http://x)\n<img src=x>\n    indented code\n---\n* item";
    let c = full_call(
        &h,
        task,
        "**bold** <script>alert(1)</script>",
        "`code` &amp; ![i](http://y)",
    );
    h.set_contact(SF, "[Luigi](http://evil)").unwrap();
    let opts = ExportOptions {
        with_transcripts: true,
        ..ExportOptions::new(Format::Markdown)
    };
    let f = HistoryFilter {
        tag: Some("VIP, \"gold\"".into()),
        ..HistoryFilter::default()
    };
    let md = String::from_utf8(export(&h, &f, opts)).unwrap();
    assert!(md.starts_with("# MissionCall: calls\n"), "{md}");
    assert!(md.contains("Filter: tag\\: VIP\\, \\\"gold\\\""), "{md}");
    assert!(
        md.contains(&format!("## Call {} — 2026-11-30 09:00 UTC", c.id)),
        "{md}"
    );
    assert!(md.contains("> \\# heading"), "{md}");
    assert!(md.contains("> \\[link\\]\\(http\\:\\/\\/x\\)"), "{md}");
    assert!(md.contains("> \\<img src\\=x\\>"), "{md}");
    assert!(md.contains("> indented code"), "{md}");
    assert!(md.contains("\\*\\*bold\\*\\* \\<script\\>"), "{md}");
    assert!(
        md.contains("- **Contact:** \\[Luigi\\]\\(http\\:\\/\\/evil\\)"),
        "{md}"
    );
    assert!(md.contains("- **Outcome:** Achieved"), "{md}");
    assert!(
        md.contains("- **Tags:** crème 🍕\\, VIP\\, \\\"gold\\\""),
        "{md}"
    );
    assert!(md.contains("**Transcript**"), "{md}");
    // Only our own headings, and no raw tag or link anywhere.
    let headings: Vec<&str> = md.lines().filter(|l| l.starts_with('#')).collect();
    assert_eq!(headings.len(), 2, "{headings:?}");
    for raw in ["](http", "&amp;", "`code`"] {
        assert!(!md.contains(raw), "{raw} left as markup:\n{md}");
    }
    // Every <, >, &, [ and ` of the user's text comes escaped (a > starting a line is ours).
    for (i, ch) in md.char_indices() {
        let quote_mark = ch == '>' && &md[i - 1..i] == "\n";
        if matches!(ch, '<' | '>' | '&' | '[' | ']' | '`' | '!') && !quote_mark {
            assert_eq!(&md[i - 1..i], "\\", "unescaped {ch:?} at {i}:\n{md}");
        }
    }
    for l in md.lines() {
        assert!(!l.starts_with("    "), "no indented code block: {l:?}");
    }
}

/// Writes `n` calls straight into the file in one transaction (a plain connection: the
/// triggers keep the search index as the app does). Groups of 3 share a time, so the pager's
/// tie-break on id is exercised.
fn insert_many(path: &std::path::Path, n: i64) {
    let mut conn = rusqlite::Connection::open(path).unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut st = tx
            .prepare(
                "INSERT INTO calls (phone_e164, phone_digits, task, created_at, updated_at, \
                 service_status, summary, origin, demo, status_changed_at, tags_text) \
                 VALUES (?1, ?2, ?3, ?4, ?4, 'completed', ?5, 'demo', 1, ?4, '')",
            )
            .unwrap();
        let base = Utc
            .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
            .unwrap()
            .timestamp_millis();
        for i in 0..n {
            st.execute(rusqlite::params![
                SF,
                "14155552671",
                format!("Task number {i}, with \"quotes\""),
                base + (i / 3) * 60_000,
                format!("Summary {i}")
            ])
            .unwrap();
        }
    }
    tx.commit().unwrap();
}

#[test]
fn twenty_thousand_calls_are_read_a_page_at_a_time() {
    const N: i64 = 20_000;
    const PAGE: u32 = 500;
    let t = tempfile::tempdir().unwrap();
    let h = Arc::new(open(t.path()));
    insert_many(h.path(), N);

    // The pager never hands more than a page, and every call exactly once, newest first.
    let mut pages = h.pages(&HistoryFilter::default(), PAGE);
    assert_eq!(pages.page_size(), PAGE);
    let mut sizes = Vec::new();
    let mut last: Option<(i64, i64)> = None;
    let mut seen = std::collections::HashSet::new();
    while let Some(page) = pages.next_page().unwrap() {
        sizes.push(page.len());
        for c in &page {
            let key = (c.created_at.timestamp_millis(), c.id);
            if let Some(prev) = last {
                assert!(key < prev, "newest first: {key:?} after {prev:?}");
            }
            last = Some(key);
            assert!(seen.insert(c.id), "call {} twice", c.id);
        }
    }
    assert_eq!(seen.len() as i64, N);
    assert_eq!(sizes.len(), (N as usize).div_ceil(PAGE as usize));
    assert!(sizes.iter().all(|s| *s == PAGE as usize), "{sizes:?}");

    // The CSV export goes through the same pages: progress moves a page at a time.
    let mut steps = Vec::new();
    let mut out = Vec::new();
    let opts = ExportOptions {
        page_size: PAGE,
        ..ExportOptions::new(Format::Csv)
    };
    let n = write_calls(&h, &HistoryFilter::default(), &opts, &mut out, |d, t| {
        steps.push((d, t));
        true
    })
    .unwrap();
    assert_eq!(n as i64, N);
    assert_eq!(steps.len(), 1 + (N as usize) / PAGE as usize);
    assert!(steps
        .windows(2)
        .all(|w| w[1].0 - w[0].0 <= u64::from(PAGE) && w[1].1 == N as u64));
    let (_, rows) = csv_rows(&out);
    assert_eq!(rows.len() as i64, N);
    assert_eq!(
        &rows[0][3],
        &format!("Task number {}, with \"quotes\"", N - 1)
    );
    assert_eq!(&rows[rows.len() - 1][3], "Task number 0, with \"quotes\"");

    // A filter through the pages: a search for one call's words.
    let f = HistoryFilter {
        search: Some("Summary 12345".into()),
        ..HistoryFilter::default()
    };
    let mut only = h.pages(&f, 7);
    let mut found = Vec::new();
    while let Some(p) = only.next_page().unwrap() {
        assert!(p.len() <= 7);
        found.extend(p.into_iter().map(|c| c.summary.unwrap()));
    }
    assert!(found.contains(&"Summary 12345".to_owned()), "{found:?}");
    assert_eq!(found.len() as u64, h.count(&f).unwrap());

    // A search every call matches, with a date: pages walk the index newest id first, the
    // date checked on each, each call once.
    let since = Utc.with_ymd_and_hms(2025, 1, 3, 0, 0, 0).unwrap();
    let f = HistoryFilter {
        search: Some("quotes task".into()),
        since: Some(since),
        ..HistoryFilter::default()
    };
    let want = h.count(&f).unwrap();
    assert!(want > 1_000 && want < N as u64, "{want}");
    let mut pages = h.pages(&f, PAGE);
    let mut ids: Vec<i64> = Vec::new();
    let mut count = 0;
    while let Some(p) = pages.next_page().unwrap() {
        count += 1;
        assert!(p.len() <= PAGE as usize);
        assert!(p.iter().all(|c| c.created_at >= since));
        ids.extend(p.iter().map(|c| c.id));
    }
    assert_eq!(ids.len() as u64, want);
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "newest id first, once each"
    );
    assert_eq!(count, (want as usize).div_ceil(PAGE as usize));
}
