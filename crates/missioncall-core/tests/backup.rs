//! Backups and restores of the call history, against real SQLite files in temp folders: a
//! backup restored into an empty history gives back every call, timeline, result, note, tag and
//! contact, found by the search; a second restore adds and changes nothing; the newer side's
//! annotations win, both ways; a backup taken while another handle keeps writing restores to a
//! consistent history; backups of older layouts restore; daily backups keep the newest 7; the
//! backup file is never changed; a file that is not a history is refused in plain words; a call
//! being sent when the backup was made arrives as an unknown outcome, owned by nobody. Time is a
//! `ManualClock`.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use missioncall_core::call::{CallStatus, LocalState, Origin, Outcome, ServiceStatus};
use missioncall_core::clock::{Clock, ManualClock};
use missioncall_core::history::backup::{daily_name, RESTORED_SENDING_NOTE};
use missioncall_core::history::{
    list_backups, schema, CallRecord, History, HistoryError, HistoryFilter, NewAttempt,
    RestoreReport, BACKUP_DIR, MAX_PAGE,
};
use missioncall_core::review::FollowUp;
use rusqlite::Connection;

const SF: &str = "+14155552671";
const NY: &str = "+12125550123";
const LONDON: &str = "+442071838750";

fn clock() -> Arc<ManualClock> {
    ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap())
}

fn open(dir: &Path, c: &Arc<ManualClock>) -> History {
    History::open_in_dir_with_clock(dir, c.clone()).unwrap()
}

fn attempt(h: &History, phone: &str, task: &str) -> i64 {
    h.insert_attempt(&NewAttempt {
        phone_e164: phone,
        phone_region: None,
        task,
        origin: &Origin::Service("https://api.example.test/v1".into()),
        outside_hours: None,
    })
    .unwrap()
}

/// A call that reached the service (task id `<prefix>-<id>`, pending).
fn placed(h: &History, prefix: &str, phone: &str, task: &str) -> (i64, String) {
    let id = attempt(h, phone, task);
    let task_id = format!("{prefix}-{id}");
    h.record_created(id, &task_id, Some(id), &ServiceStatus::Pending)
        .unwrap();
    (id, task_id)
}

/// A history with a call of each kind, what the user said of them, and contacts.
fn populate(h: &History, c: &ManualClock) {
    let step = || c.advance(chrono::Duration::seconds(7));
    let (done, done_tid) = placed(h, "t", SF, "Book a table for four at 8pm");
    step();
    h.record_status(&done_tid, &ServiceStatus::Accepted, None, None)
        .unwrap();
    step();
    h.record_status(
        &done_tid,
        &ServiceStatus::Completed,
        Some("Agent: A table for four?\nCallee: Yes, by the window."),
        Some("Booked a window table for four at 8pm."),
    )
    .unwrap();
    step();
    let (live, _) = placed(h, "t", NY, "Ask whether the parcel shipped");
    step();
    let unknown = attempt(h, LONDON, "Ask about the refund");
    h.mark_unknown_outcome(unknown, "No answer came back (timed out).")
        .unwrap();
    step();
    let refused = attempt(h, SF, "Refused one");
    h.mark_not_placed(refused, "The service refused the number.")
        .unwrap();
    step();
    h.set_outcome(done, Some(Outcome::Achieved)).unwrap();
    h.set_note(done, "Ask for Luigi; quiet corner").unwrap();
    h.add_tag(done, "Bookings").unwrap();
    h.add_tag(done, "vip").unwrap();
    h.set_follow_up(done, Some(FollowUp::parse("2026-03-05 09:30").unwrap()))
        .unwrap();
    h.add_tag(live, "shipping").unwrap();
    h.set_outcome(unknown, Some(Outcome::FollowUp)).unwrap();
    h.set_contact(SF, "Luigi's Trattoria").unwrap();
    h.set_contact(LONDON, "Refund desk").unwrap();
    step();
}

fn all(h: &History) -> Vec<CallRecord> {
    h.list(&HistoryFilter {
        limit: MAX_PAGE,
        ..HistoryFilter::default()
    })
    .unwrap()
}

/// Everything about a call except its local id, and its timeline as (status, seen at).
type Seen = (CallRecord, Vec<(CallStatus, DateTime<Utc>)>);

/// Every call with its timeline, ids blanked, in the order made.
fn everything(h: &History) -> Vec<Seen> {
    let mut out: Vec<Seen> = all(h)
        .into_iter()
        .map(|mut c| {
            let timeline = h
                .timeline(c.id)
                .unwrap()
                .into_iter()
                .map(|e| (e.status, e.seen_at))
                .collect();
            c.id = 0;
            c.updated_at = DateTime::<Utc>::MIN_UTC;
            (c, timeline)
        })
        .collect();
    out.sort_by(|a, b| (a.0.created_at, &a.0.task).cmp(&(b.0.created_at, &b.0.task)));
    out
}

fn search(h: &History, words: &str) -> Vec<String> {
    h.list(&HistoryFilter {
        search: Some(words.into()),
        ..HistoryFilter::default()
    })
    .unwrap()
    .into_iter()
    .map(|c| c.task)
    .collect()
}

/// Rows in each table, to see that nothing was added.
fn counts(path: &Path) -> Vec<(String, i64)> {
    let conn = Connection::open(path).unwrap();
    [
        "calls",
        "status_events",
        "tags",
        "call_tags",
        "contacts",
        "calls_fts",
    ]
    .iter()
    .map(|t| {
        let n = conn
            .query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0))
            .unwrap();
        (t.to_string(), n)
    })
    .collect()
}

fn zeros(from_layout: u32, unchanged: u64) -> RestoreReport {
    RestoreReport {
        unchanged,
        from_layout,
        ..RestoreReport::default()
    }
}

#[test]
fn a_backup_restored_into_an_empty_history_gives_everything_back() {
    let c = clock();
    let (a, b, out) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let src = open(a.path(), &c);
    populate(&src, &c);
    let file = out.path().join("calls backup.sqlite");
    let info = src.backup_to(&file).unwrap();
    assert_eq!(info.calls, 4);
    assert_eq!(info.path, file);
    assert_eq!(info.bytes, std::fs::metadata(&file).unwrap().len());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // One self-contained file, and no temporary file left beside it.
    let names: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["calls backup.sqlite"]);

    c.advance(chrono::Duration::hours(1));
    let dst = open(b.path(), &c);
    let report = dst.restore_from(&file).unwrap();
    assert_eq!(
        (report.added, report.updated, report.unchanged),
        (4, 0, 0),
        "{report:?}"
    );
    assert_eq!((report.contacts_added, report.contacts_updated), (2, 0));
    assert_eq!(report.from_layout, schema::SUPPORTED_VERSION);
    let mut added = report.added_ids.clone();
    added.sort();
    let mut ids: Vec<i64> = all(&dst).iter().map(|c| c.id).collect();
    ids.sort();
    assert_eq!(added, ids);

    assert_eq!(everything(&dst), everything(&src));
    assert_eq!(dst.contacts().unwrap(), src.contacts().unwrap());
    assert_eq!(dst.tags().unwrap(), src.tags().unwrap());
    assert_eq!(dst.integrity_check().unwrap(), "ok");
    // The search finds restored calls by each thing it indexes.
    let table = vec!["Book a table for four at 8pm".to_owned()];
    assert_eq!(search(&dst, "window"), table, "transcript");
    assert_eq!(search(&dst, "quiet corner"), table, "note");
    // Both calls to the number carry its contact's name.
    assert_eq!(
        search(&dst, "trattoria"),
        ["Refused one", "Book a table for four at 8pm"],
        "contact name"
    );
    assert_eq!(search(&dst, "vip"), table, "tag");
    assert_eq!(search(&dst, "parcel"), ["Ask whether the parcel shipped"]);
    assert_eq!(search(&dst, "desk"), ["Ask about the refund"]);
    assert_eq!(
        search(&dst, "2125550123"),
        ["Ask whether the parcel shipped"]
    );
    // The tracker follows the live one; nothing is being sent.
    assert_eq!(dst.live().unwrap().len(), 1);
    assert!(dst.interrupted_attempts().unwrap().is_empty());
}

#[test]
fn restoring_twice_adds_and_changes_nothing_the_second_time() {
    let c = clock();
    let (a, b, out) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let src = open(a.path(), &c);
    populate(&src, &c);
    // Two attempts alike in every way (same moment, number and task) are two calls.
    let twin_a = attempt(&src, NY, "Same twice");
    let twin_b = attempt(&src, NY, "Same twice");
    src.mark_not_placed(twin_a, "first").unwrap();
    src.mark_not_placed(twin_b, "second").unwrap();
    let file = out.path().join("b.sqlite");
    src.backup_to(&file).unwrap();

    let dst = open(b.path(), &c);
    let first = dst.restore_from(&file).unwrap();
    assert_eq!(first.added, 6);
    let after_first = counts(dst.path());
    let before = everything(&dst);
    c.advance(chrono::Duration::minutes(5));
    let second = dst.restore_from(&file).unwrap();
    assert_eq!(second, zeros(schema::SUPPORTED_VERSION, 6));
    assert_eq!(counts(dst.path()), after_first);
    assert_eq!(everything(&dst), before);
    assert_eq!(counts(dst.path()), counts(src.path()));

    // Into the history it was taken from: everything is already there.
    let back = src.restore_from(&file).unwrap();
    assert_eq!(back, zeros(schema::SUPPORTED_VERSION, 6));
    assert_eq!(dst.integrity_check().unwrap(), "ok");
}

#[test]
fn the_newer_annotations_win_in_both_directions() {
    let c = clock();
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let one = open(dirs[0].path(), &c);
    let (x, x_tid) = placed(&one, "t", SF, "Call X");
    let (y, y_tid) = placed(&one, "t", NY, "Call Y");
    one.set_note(x, "x from one").unwrap();
    one.add_tag(x, "first").unwrap();
    one.set_note(y, "y from one").unwrap();
    one.add_tag(y, "first").unwrap();
    let b0 = dirs[2].path().join("b0.sqlite");
    one.backup_to(&b0).unwrap();

    let two = open(dirs[1].path(), &c);
    two.restore_from(&b0).unwrap();
    let two_x = two.get_by_task_id(&x_tid).unwrap().unwrap().id;
    let two_y = two.get_by_task_id(&y_tid).unwrap().unwrap().id;

    // Later, X is changed in two, and later still Y in one.
    c.advance(chrono::Duration::minutes(1));
    two.set_outcome(two_x, Some(Outcome::NotAchieved)).unwrap();
    two.set_note(two_x, "x from two").unwrap();
    two.remove_tag(two_x, "first").unwrap();
    two.add_tag(two_x, "second").unwrap();
    c.advance(chrono::Duration::minutes(1));
    one.set_outcome(y, Some(Outcome::Achieved)).unwrap();
    one.set_note(y, "y from one, later").unwrap();
    one.add_tag(y, "later").unwrap();
    one.set_follow_up(y, Some(FollowUp::parse("2026-04-01").unwrap()))
        .unwrap();

    // One's backup into two: Y comes from one, X stays two's.
    let b1 = dirs[2].path().join("b1.sqlite");
    one.backup_to(&b1).unwrap();
    let r = two.restore_from(&b1).unwrap();
    assert_eq!((r.added, r.updated, r.unchanged), (0, 1, 1), "{r:?}");
    let tx = two.get(two_x).unwrap();
    assert_eq!(
        (tx.outcome, tx.note.as_str(), tx.tags.clone()),
        (
            Some(Outcome::NotAchieved),
            "x from two",
            vec!["second".into()]
        )
    );
    let ty = two.get(two_y).unwrap();
    let oy = one.get(y).unwrap();
    assert_eq!(
        (
            ty.outcome,
            &ty.note,
            &ty.tags,
            ty.follow_up,
            ty.annotated_at
        ),
        (
            oy.outcome,
            &oy.note,
            &oy.tags,
            oy.follow_up,
            oy.annotated_at
        )
    );
    assert_eq!(ty.tags, ["first", "later"]);
    assert_eq!(search(&two, "later"), ["Call Y"]);

    // Two's backup into one: X comes from two, Y stays one's.
    let b2 = dirs[2].path().join("b2.sqlite");
    two.backup_to(&b2).unwrap();
    let r = one.restore_from(&b2).unwrap();
    assert_eq!((r.added, r.updated, r.unchanged), (0, 1, 1), "{r:?}");
    let ox = one.get(x).unwrap();
    assert_eq!(
        (ox.outcome, ox.note.as_str(), ox.tags.clone()),
        (
            Some(Outcome::NotAchieved),
            "x from two",
            vec!["second".into()]
        )
    );
    assert_eq!(one.get(y).unwrap().note, "y from one, later");
    // The search follows: X's old words are gone, its new ones found. "first" is still Y's.
    assert_eq!(search(&one, "second"), ["Call X"]);
    assert_eq!(search(&one, "first"), ["Call Y"]);
    assert_eq!(one.integrity_check().unwrap(), "ok");
    assert_eq!(two.integrity_check().unwrap(), "ok");
}

#[test]
fn a_damaged_history_is_not_backed_up_as_if_sound() {
    let c = clock();
    let (a, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let h = open(a.path(), &c);
    populate(&h, &c);
    // Part of the full-text index is lost.
    Connection::open(h.path())
        .unwrap()
        .execute("DELETE FROM calls_fts_data WHERE id > 10", [])
        .unwrap();
    assert_ne!(h.integrity_check().unwrap(), "ok");
    let file = out.path().join("b.sqlite");
    match h.backup_to(&file) {
        Err(e @ HistoryError::BackupDamaged { .. }) => {
            assert!(e.to_string().contains("integrity check"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    let left: Vec<_> = std::fs::read_dir(out.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing under the name, no temporary file");
}

#[test]
fn a_backup_taken_while_calls_are_written_restores_consistently() {
    let c = clock();
    let (a, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let main = open(a.path(), &c);
    let stop = Arc::new(AtomicBool::new(false));
    let (ready_tx, ready_rx) = mpsc::channel();
    let writer = {
        let (dir, c, stop) = (a.path().to_path_buf(), c.clone(), stop.clone());
        std::thread::spawn(move || {
            // Another handle on the same file, as a second process would be.
            let h = open(&dir, &c);
            let mut n = 0u32;
            while !stop.load(Ordering::SeqCst) || n < 40 {
                let id = attempt(&h, SF, &format!("Call number {n}"));
                c.advance(chrono::Duration::milliseconds(1));
                let tid = format!("w-{n}");
                h.record_created(id, &tid, None, &ServiceStatus::Pending)
                    .unwrap();
                h.record_status(&tid, &ServiceStatus::InProgress, None, None)
                    .unwrap();
                h.record_status(
                    &tid,
                    &ServiceStatus::Completed,
                    Some(&format!("transcript {n}")),
                    Some("done"),
                )
                .unwrap();
                n += 1;
                if n == 20 {
                    ready_tx.send(()).unwrap();
                }
            }
            n
        })
    };
    ready_rx.recv_timeout(Duration::from_secs(60)).unwrap();
    let mut backups = Vec::new();
    for i in 0..4 {
        let file = out.path().join(format!("live-{i}.sqlite"));
        backups.push(main.backup_to(&file).unwrap());
    }
    stop.store(true, Ordering::SeqCst);
    let written = u64::from(writer.join().unwrap());
    assert!(
        backups.iter().all(|b| b.calls >= 20 && b.calls <= written),
        "{backups:?} of {written}"
    );
    assert!(
        backups.iter().any(|b| b.calls < written),
        "the writer went on while backups were taken"
    );

    for info in &backups {
        let raw = Connection::open(&info.path).unwrap();
        let ok: String = raw
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        drop(raw);
        let d = tempfile::tempdir().unwrap();
        let h = open(d.path(), &c);
        let report = h.restore_from(&info.path).unwrap();
        assert_eq!(report.added, info.calls);
        assert_eq!(h.count(&HistoryFilter::default()).unwrap(), info.calls);
        assert_eq!(h.integrity_check().unwrap(), "ok");
        for call in all(&h) {
            let timeline: Vec<CallStatus> = h
                .timeline(call.id)
                .unwrap()
                .into_iter()
                .map(|e| e.status)
                .collect();
            assert_eq!(
                timeline.first(),
                Some(&CallStatus::Local(LocalState::Sending)),
                "{call:?}"
            );
            assert_eq!(
                timeline.last(),
                Some(&call.status),
                "{call:?}: {timeline:?}"
            );
            assert_ne!(
                call.status,
                CallStatus::Local(LocalState::Sending),
                "nothing arrives as being sent"
            );
            if call.status.is_completed() {
                assert_eq!(timeline.len(), 4, "{timeline:?}");
                assert!(call.transcript.is_some());
            }
        }
    }
}

/// A file in layout `version`, made by the frozen migrations alone, with `rows` inserted.
fn old_layout(path: &Path, version: u32, rows: &str) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(include_str!("../src/history/migrations/v1.sql"))
        .unwrap();
    if version >= 2 {
        conn.execute_batch(include_str!("../src/history/migrations/v2.sql"))
            .unwrap();
    }
    conn.execute_batch(rows).unwrap();
    conn.pragma_update(None, "user_version", version).unwrap();
    conn.pragma_update(None, "application_id", schema::APPLICATION_ID)
        .unwrap();
}

fn kind(h: &History, task: &str) -> (&'static str, String) {
    let c = all(h).into_iter().find(|c| c.task == task).unwrap();
    (c.status.kind_name(), c.status.word().to_owned())
}

#[test]
fn backups_made_by_older_layouts_restore_into_the_current_one() {
    let c = clock();
    let out = tempfile::tempdir().unwrap();

    let v1 = out.path().join("v1.sqlite");
    old_layout(&v1, 1, include_str!("fixtures/history-v1.sql"));
    let d = tempfile::tempdir().unwrap();
    let h = open(d.path(), &c);
    let r = h.restore_from(&v1).unwrap();
    assert_eq!((r.from_layout, r.added, r.updated), (1, 8, 0));
    assert_eq!(
        kind(&h, "Book a table for two at 7pm"),
        ("service", "completed".into())
    );
    assert_eq!(kind(&h, "Refused one"), ("local", "not_placed".into()));
    assert_eq!(kind(&h, "Collision one"), ("service", "not_placed".into()));
    assert_eq!(
        kind(&h, "Interrupted one"),
        ("local", "unknown_outcome".into())
    );
    let booked = h
        .get_by_task_id("65abc0000000000000000001")
        .unwrap()
        .unwrap();
    let timeline: Vec<String> = h
        .timeline(booked.id)
        .unwrap()
        .iter()
        .map(|e| e.status.event_key())
        .collect();
    assert_eq!(
        timeline,
        [
            "local:sending",
            "service:pending",
            "service:accepted",
            "service:in_progress",
            "service:completed"
        ]
    );
    assert_eq!(search(&h, "rendez"), ["Café rendez-vous"]);
    assert_eq!(search(&h, "table"), ["Book a table for two at 7pm"]);
    assert_eq!(h.integrity_check().unwrap(), "ok");
    assert_eq!(h.restore_from(&v1).unwrap(), zeros(1, 8));

    let v2 = out.path().join("v2.sqlite");
    old_layout(&v2, 2, include_str!("fixtures/history-v2.sql"));
    let r = h.restore_from(&v2).unwrap();
    assert_eq!((r.from_layout, r.added, r.updated), (2, 4, 0));
    let done = h
        .get_by_task_id("66bcd0000000000000000001")
        .unwrap()
        .unwrap();
    assert_eq!(
        done.summary.as_deref(),
        Some("Delivery confirmed for Tuesday morning.")
    );
    assert_eq!(h.timeline(done.id).unwrap().len(), 4);
    assert_eq!(
        kind(&h, "Reschedule the plumber"),
        ("local", "unknown_outcome".into())
    );
    assert_eq!(search(&h, "tuesday"), ["Confirm the delivery slot"]);
    assert_eq!(h.count(&HistoryFilter::default()).unwrap(), 12);
    assert_eq!(h.restore_from(&v2).unwrap(), zeros(2, 4));
    assert_eq!(h.integrity_check().unwrap(), "ok");
}

#[test]
fn daily_backups_keep_the_seven_newest_and_write_once_a_day() {
    let c = clock();
    let (a, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let h = open(a.path(), &c);
    let dir = data.path().join(BACKUP_DIR);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let mut days = Vec::new();
    for n in 0..9 {
        attempt(&h, SF, &format!("Day {n}"));
        let today = c.now().with_timezone(&chrono::Local).date_naive();
        days.push(today);
        let written = h.daily_backup(&dir).unwrap();
        assert_eq!(written, Some(dir.join(daily_name(today))));
        c.advance(chrono::Duration::hours(1));
        assert_eq!(h.daily_backup(&dir).unwrap(), None, "once a day");
        c.advance(chrono::Duration::hours(23));
    }
    let kept = list_backups(&dir).unwrap();
    let newest: Vec<_> = days.iter().rev().take(7).copied().collect();
    assert_eq!(kept.iter().map(|b| b.date).collect::<Vec<_>>(), newest);
    for b in &kept {
        assert_eq!(b.bytes, std::fs::metadata(&b.path).unwrap().len());
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 8, "{names:?}");
    assert!(names.contains(&"notes.txt".to_owned()), "other files stay");
    // The newest holds every call of its day.
    let d = tempfile::tempdir().unwrap();
    let r = open(d.path(), &c).restore_from(&kept[0].path).unwrap();
    assert_eq!(r.added, 9);
    assert!(list_backups(&data.path().join("none")).unwrap().is_empty());
}

#[test]
fn a_restore_never_changes_its_file_and_refuses_what_is_not_a_history() {
    let c = clock();
    let (a, b, out) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    // An old layout: the restore migrates a copy, not the file.
    let v1 = out.path().join("v1.sqlite");
    old_layout(&v1, 1, include_str!("fixtures/history-v1.sql"));
    let src = open(a.path(), &c);
    populate(&src, &c);
    let current = out.path().join("current.sqlite");
    src.backup_to(&current).unwrap();
    let dst = open(b.path(), &c);
    for file in [&v1, &current] {
        let before = std::fs::read(file).unwrap();
        dst.restore_from(file).unwrap();
        assert_eq!(std::fs::read(file).unwrap(), before, "{}", file.display());
    }
    let mut names: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["current.sqlite", "v1.sqlite"],
        "no journal beside them"
    );

    let before = counts(dst.path());
    let text = out.path().join("notes.txt");
    std::fs::write(&text, "Call the plumber on Tuesday\n".repeat(40)).unwrap();
    let empty = out.path().join("empty.sqlite");
    std::fs::write(&empty, "").unwrap();
    let other = out.path().join("other.sqlite");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup');")
        .unwrap();
    // Another program's file that numbers its own layouts.
    let numbered = out.path().join("numbered.sqlite");
    Connection::open(&numbered)
        .unwrap()
        .execute_batch("CREATE TABLE recipes (name TEXT); PRAGMA user_version = 2;")
        .unwrap();
    for file in [&text, &empty, &other, &numbered] {
        let bytes = std::fs::read(file).unwrap();
        match dst.restore_from(file) {
            Err(e @ HistoryError::NotAHistory { .. }) => {
                let msg = e.to_string();
                assert!(msg.contains("is not a MissionCall history"), "{msg}");
                assert!(msg.contains("nothing was restored"), "{msg}");
            }
            other => panic!("{}: {other:?}", file.display()),
        }
        assert_eq!(std::fs::read(file).unwrap(), bytes);
    }
    let newer = out.path().join("newer.sqlite");
    old_layout(&newer, 1, "");
    Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", schema::SUPPORTED_VERSION + 1)
        .unwrap();
    match dst.restore_from(&newer) {
        Err(e @ HistoryError::BackupTooNew { .. }) => {
            assert!(e.to_string().contains("update MissionCall"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    match dst.restore_from(&out.path().join("missing.sqlite")) {
        Err(HistoryError::BackupRead { .. }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(counts(dst.path()), before, "nothing restored");
    // No copy is left behind in the data folder.
    let mut left: Vec<_> = std::fs::read_dir(b.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with("history.sqlite3") && n != "owners")
        .collect();
    left.sort();
    assert!(left.is_empty(), "{left:?}");
    // And a backup never goes onto the history itself.
    assert!(matches!(
        src.backup_to(src.path()),
        Err(HistoryError::BackupOntoHistory { .. })
    ));
    assert_eq!(src.integrity_check().unwrap(), "ok");
}

#[test]
fn a_call_being_sent_in_the_backup_arrives_as_an_unknown_outcome_owned_by_nobody() {
    let c = clock();
    let (a, b, out) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let src = open(a.path(), &c);
    let sending = attempt(&src, SF, "Book the vet for Monday");
    let file = out.path().join("b.sqlite");
    src.backup_to(&file).unwrap();

    let dst = open(b.path(), &c);
    dst.restore_from(&file).unwrap();
    let call = all(&dst).pop().unwrap();
    assert_eq!(call.status, CallStatus::Local(LocalState::UnknownOutcome));
    assert_eq!(call.error.as_deref(), Some(RESTORED_SENDING_NOTE));
    assert!(call.task_id.is_none());
    let owner: Option<String> = Connection::open(dst.path())
        .unwrap()
        .query_row(
            "SELECT attempt_owner FROM calls WHERE id = ?1",
            [call.id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(owner, None, "nobody owns it");
    assert!(dst.interrupted_attempts().unwrap().is_empty());
    assert!(dst.live().unwrap().is_empty(), "not followed");
    assert!(dst.recover_interrupted().unwrap().is_empty());
    let timeline: Vec<CallStatus> = dst
        .timeline(call.id)
        .unwrap()
        .into_iter()
        .map(|e| e.status)
        .collect();
    assert_eq!(
        timeline,
        [
            CallStatus::Local(LocalState::Sending),
            CallStatus::Local(LocalState::UnknownOutcome)
        ]
    );
    // Placing it again asks first: it may have been placed.
    let dup = dst
        .find_recent_duplicate(
            SF,
            "Book the vet for Monday",
            Duration::from_secs(600),
            &Origin::Service("https://api.example.test/v1".into()),
        )
        .unwrap();
    assert_eq!(dup.map(|d| d.id), Some(call.id));
    // Its task can still be linked when the user finds it.
    dst.link_task(call.id, "found-1", None, &ServiceStatus::Completed)
        .unwrap();

    // Into the history whose live process is still sending it: left to its sender.
    let r = src.restore_from(&file).unwrap();
    assert_eq!(r, zeros(schema::SUPPORTED_VERSION, 1));
    assert_eq!(
        src.get(sending).unwrap().status,
        CallStatus::Local(LocalState::Sending)
    );
    assert_eq!(src.interrupted_attempts().unwrap().len(), 1);
    assert!(
        src.recover_interrupted().unwrap().is_empty(),
        "its owner lives"
    );
    // A call made elsewhere at the same moment, to the same number with the same task, and
    // settled there, does not settle the one this process is still sending.
    let d = tempfile::tempdir().unwrap();
    let elsewhere = open(d.path(), &c);
    let twin = attempt(&elsewhere, SF, "Book the vet for Monday");
    elsewhere.mark_not_placed(twin, "Refused there.").unwrap();
    let twin_file = out.path().join("twin.sqlite");
    elsewhere.backup_to(&twin_file).unwrap();
    assert_eq!(
        src.restore_from(&twin_file).unwrap(),
        zeros(schema::SUPPORTED_VERSION, 1)
    );
    assert_eq!(
        src.get(sending).unwrap().status,
        CallStatus::Local(LocalState::Sending)
    );
    src.record_created(sending, "t-1", None, &ServiceStatus::Pending)
        .unwrap();
}

#[test]
fn the_side_further_along_gives_the_status_and_a_task_id_is_never_lost_or_doubled() {
    let c = clock();
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let backup = |h: &History, name: &str| {
        let f = dirs[2].path().join(name);
        h.backup_to(&f).unwrap();
        f
    };
    let one = open(dirs[0].path(), &c);
    let unknown = attempt(&one, SF, "Ask about the refund");
    one.mark_unknown_outcome(unknown, "No answer came back.")
        .unwrap();
    let (live, live_tid) = placed(&one, "t", NY, "Ask whether the parcel shipped");
    let dismissed = attempt(&one, LONDON, "Ask for the opening hours");
    one.mark_unknown_outcome(dismissed, "No answer came back.")
        .unwrap();
    let old = backup(&one, "old.sqlite");

    // Later, one learns the unknown call's task id and sees both calls end.
    c.advance(chrono::Duration::minutes(3));
    one.link_task(unknown, "found-7", Some(7), &ServiceStatus::InProgress)
        .unwrap();
    c.advance(chrono::Duration::minutes(3));
    one.record_status(
        "found-7",
        &ServiceStatus::Completed,
        Some("It was placed."),
        Some("Refund on its way."),
    )
    .unwrap();
    one.record_status(
        &live_tid,
        &ServiceStatus::Completed,
        None,
        Some("Shipped Monday."),
    )
    .unwrap();
    // ... and the user says no call was made for the other.
    one.mark_not_placed(dismissed, "You confirmed that no call was made.")
        .unwrap();
    let new = backup(&one, "new.sqlite");

    let two = open(dirs[1].path(), &c);
    two.restore_from(&old).unwrap();
    let r = two.restore_from(&new).unwrap();
    assert_eq!((r.added, r.updated, r.unchanged), (0, 3, 0), "{r:?}");
    assert_eq!(
        two.count(&HistoryFilter::default()).unwrap(),
        3,
        "not doubled"
    );
    assert_eq!(everything(&two), everything(&one));
    let found = two.get_by_task_id("found-7").unwrap().unwrap();
    assert_eq!(found.status, CallStatus::Service(ServiceStatus::Completed));
    assert_eq!(found.error, None);
    assert!(two.live().unwrap().is_empty());

    // The older backup changes nothing on either side now: a final status is not undone, a
    // task id not dropped.
    for h in [&one, &two] {
        assert_eq!(
            h.restore_from(&old).unwrap(),
            zeros(schema::SUPPORTED_VERSION, 3)
        );
        assert_eq!(
            h.get_by_task_id("found-7")
                .unwrap()
                .unwrap()
                .summary
                .as_deref(),
            Some("Refund on its way.")
        );
        assert_eq!(
            h.get_by_task_id(&live_tid).unwrap().unwrap().status,
            CallStatus::Service(ServiceStatus::Completed)
        );
    }
    assert_eq!(
        one.get(live).unwrap().summary.as_deref(),
        Some("Shipped Monday.")
    );
    // "No call was made", said on one side, settles the unknown outcome on the other.
    let dismissed = all(&two)
        .into_iter()
        .find(|c| c.task == "Ask for the opening hours")
        .unwrap();
    assert_eq!(dismissed.status, CallStatus::Local(LocalState::NotPlaced));
    assert_eq!(two.integrity_check().unwrap(), "ok");
}
