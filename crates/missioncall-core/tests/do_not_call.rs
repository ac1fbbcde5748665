//! The do-not-call list and the caller identity against real parts: the simulator over real
//! loopback HTTP, the history in real SQLite files, the session manager in demo mode.
//!
//! The simulator's counters are the witness for "nothing was sent"; a second `History` handle
//! on the same file plays another process (the app, while the CLI waits at its prompt).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use missioncall_core::calls::{CallRequest, Calls, MAX_TASK_CHARS};
use missioncall_core::clock::ManualClock;
use missioncall_core::do_not_call::{self, ImportError, Source};
use missioncall_core::history::{History, HistoryFilter};
use missioncall_core::identity::{CallerIdentity, SharedIdentity};
use missioncall_core::secrets::Secrets;
use missioncall_core::session::{Manager, ManagerConfig};
use missioncall_core::tracker::TrackerConfig;
use missioncall_core::Error;
use tempfile::TempDir;
use workapi::{ApiKey, Client};
use workapi_sim::{Sim, SimConfig, SimHandle, DEMO_KEY};

const LONDON: &str = "+442079460958";
const MISSION: &str = "Ask whether the private room is free on Friday";
/// 3 Dec 2025, noon UTC (the same day in every time zone within 11 hours of UTC).
const DEC_3: i64 = 1_764_763_200;

struct Env {
    sim: SimHandle,
    _dir: TempDir,
    clock: Arc<ManualClock>,
    history: Arc<History>,
    calls: Calls,
}

async fn env() -> Env {
    let sim = Sim::start(SimConfig {
        speed: 0.01,
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(chrono::DateTime::from_timestamp(DEC_3, 0).unwrap());
    let history = Arc::new(History::open_in_dir_with_clock(dir.path(), clock.clone()).unwrap());
    let client = Client::builder(ApiKey::new(DEMO_KEY).unwrap())
        .base_url(sim.base_url())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let calls = Calls::real(history.clone(), client);
    Env {
        sim,
        _dir: dir,
        clock,
        history,
        calls,
    }
}

fn req<'a>(number: &'a str, task: &'a str) -> CallRequest<'a> {
    CallRequest {
        number,
        region: None,
        task,
        force: false,
    }
}

fn rows(h: &History) -> u64 {
    h.count(&HistoryFilter::default()).unwrap()
}

const REFUSAL: &str = "You asked MissionCall never to call +44 20 7946 0958 (added 3 Dec: \"asked not to be called\"). Remove it from the do-not-call list to call it.";

fn assert_refused(e: Error) {
    assert!(matches!(e, Error::DoNotCall { .. }), "{e:?}");
    assert_eq!(e.to_string(), REFUSAL);
}

#[tokio::test]
async fn a_listed_number_is_refused_at_confirmation_and_nothing_is_written() {
    let e = env().await;
    e.history
        .add_do_not_call(LONDON, "asked not to be called", Source::Typed)
        .unwrap();
    e.clock.advance(chrono::Duration::hours(2));
    // As typed in any form: national with its region, spaces, the listed E.164.
    for (number, region) in [("020 7946 0958", Some("GB")), ("+44 20 7946 0958", None)] {
        let r = CallRequest {
            region,
            ..req(number, MISSION)
        };
        assert_refused(e.calls.confirm(&r).unwrap_err());
        // `force` is for duplicates; it never lifts the list.
        assert_refused(
            e.calls
                .confirm(&CallRequest { force: true, ..r })
                .unwrap_err(),
        );
        assert_refused(e.calls.place(&r).await.unwrap_err());
    }
    assert_eq!(e.sim.stats().creates, 0);
    assert_eq!(rows(&e.history), 0);
    // Off the list, it can be called.
    assert!(e.history.remove_do_not_call(LONDON).unwrap());
    let rec = e.calls.place(&req(LONDON, MISSION)).await.unwrap();
    assert!(rec.task_id.is_some());
    assert_eq!(e.sim.stats().creates, 1);
}

#[tokio::test]
async fn a_number_listed_after_confirmation_is_refused_at_placement() {
    let e = env().await;
    let c = e.calls.confirm(&req(LONDON, MISSION)).unwrap();
    // Another process (the app, while the CLI waits) lists it on the same file.
    let other = History::open_with_clock(e.history.path(), e.clock.clone()).unwrap();
    other
        .add_do_not_call(LONDON, "asked not to be called", Source::Typed)
        .unwrap();
    assert_refused(e.calls.place_confirmed(&c.token).await.unwrap_err());
    assert_eq!(e.sim.stats().creates, 0, "nothing was sent");
    assert_eq!(rows(&e.history), 0, "no attempt row was written");
    // The token is spent: taking the number off the list does not revive it.
    other.remove_do_not_call(LONDON).unwrap();
    assert!(matches!(
        e.calls.place_confirmed(&c.token).await.unwrap_err(),
        Error::NotConfirmed
    ));
    assert_eq!(e.sim.stats().creates, 0);
}

#[tokio::test]
async fn the_history_refuses_an_attempt_for_a_listed_number_itself() {
    let e = env().await;
    e.history
        .add_do_not_call(LONDON, "asked not to be called", Source::Typed)
        .unwrap();
    let origin = e.calls.origin().clone();
    let err = e
        .history
        .insert_attempt(&missioncall_core::history::NewAttempt {
            phone_e164: LONDON,
            phone_region: None,
            task: MISSION,
            origin: &origin,
            outside_hours: None,
        })
        .unwrap_err();
    assert_refused(Error::from(err));
    assert_eq!(rows(&e.history), 0);
}

fn manager(dir: &Path) -> Manager {
    let mut cfg = ManagerConfig::new(dir.to_path_buf());
    cfg.secrets = Secrets::with_builder(keyring::mock::default_credential_builder());
    cfg.demo_speed = 0.01;
    cfg.follow = false;
    cfg.tracker = Some(TrackerConfig::scaled(100.0));
    // These tests run at any hour: the calling hours are tested with a pinned clock.
    cfg.enforce_hours = false;
    Manager::open(cfg).unwrap()
}

#[tokio::test]
async fn every_placing_path_of_the_session_manager_refuses_a_listed_number() {
    let dir = tempfile::tempdir().unwrap();
    let m = manager(dir.path());
    m.start_demo().await.unwrap();
    let r = req(LONDON, MISSION);
    // Confirmed before the number was listed.
    let early = m.confirm(&r).await.unwrap();
    let added = m
        .history()
        .add_do_not_call(LONDON, "asked not to be called", Source::Typed)
        .unwrap();
    assert!(!added.already_listed);
    let refused = |e: Error| assert!(matches!(e, Error::DoNotCall { .. }), "{e:?}");
    refused(m.prepare(&r).unwrap_err());
    refused(m.confirm(&r).await.unwrap_err());
    refused(m.place(&r).await.unwrap_err());
    refused(m.place_confirmed(&early.token).await.unwrap_err());
    let session = m.session().await.unwrap();
    assert_eq!(session.simulator().unwrap().stats().creates, 0);
    assert_eq!(rows(m.history()), 0);
    m.shutdown().await;
}

#[tokio::test]
async fn adding_from_a_call_and_again_keeps_the_first_listing() {
    let e = env().await;
    let rec = e.calls.place(&req(LONDON, MISSION)).await.unwrap();
    e.clock.advance(chrono::Duration::days(1));
    let a = e
        .history
        .add_do_not_call_from_call(rec.id, "asked not to be called")
        .unwrap();
    assert!(!a.already_listed);
    assert_eq!(a.listing.source, Source::Call);
    assert_eq!(a.listing.call_id, Some(rec.id));
    e.clock.advance(chrono::Duration::days(1));
    let again = e
        .history
        .add_do_not_call(" +44 20 7946 0958 ", "", Source::Typed)
        .unwrap();
    assert!(again.already_listed);
    assert_eq!(again.listing, a.listing, "date, source and reason kept");
    let new_reason = e
        .history
        .add_do_not_call(LONDON, "rude", Source::Typed)
        .unwrap();
    assert_eq!(new_reason.listing.reason.as_deref(), Some("rude"));
    assert_eq!(new_reason.listing.added_at, a.listing.added_at);
    assert!(e.history.is_do_not_call(LONDON).unwrap());
    assert!(!e.history.is_do_not_call("+14155552671").unwrap());
    assert!(e
        .history
        .add_do_not_call("0207", "", Source::Typed)
        .is_err());
    assert!(e
        .history
        .add_do_not_call(LONDON, &"x".repeat(201), Source::Typed)
        .is_err());
    assert_eq!(e.history.do_not_call_list().unwrap().len(), 1);
    assert!(!e.history.remove_do_not_call("+14155552671").unwrap());
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

#[test]
fn awkward_files_are_read_row_by_row_and_survive_an_export_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let h = History::open_in_dir(dir.path()).unwrap();
    h.add_do_not_call("+442079460018", "", Source::Typed)
        .unwrap();

    let mut p = do_not_call::read_bytes(&fixture("dnc-semicolon-bom.csv"), Some("GB")).unwrap();
    p.mark_listed(&h).unwrap();
    let got: Vec<(usize, Option<&str>, &str, bool)> = p
        .rows
        .iter()
        .map(|r| (r.at, r.e164.as_deref(), r.reason.as_str(), r.already_listed))
        .collect();
    assert_eq!(
        got,
        [
            (1, Some(LONDON), "asked not to be called", false),
            (2, Some("+442079460018"), "", true),
            (3, None, "mangled", false),
            (4, Some(LONDON), "twice in one file", false),
            (5, None, "not a number", false),
            (6, Some("+14155552671"), "=HYPERLINK(\"x\")", false),
        ]
    );
    assert!(p.rows[2]
        .problem
        .as_deref()
        .unwrap()
        .contains("scientific notation"));
    assert!(p.rows[3].problem.as_deref().unwrap().contains("row 1"));
    assert!(p.rows[4].problem.is_some());
    // A dry run changes nothing.
    assert_eq!(h.do_not_call_list().unwrap().len(), 1);
    let done = do_not_call::apply(&h, &p).unwrap();
    assert_eq!((done.added, done.already_listed, done.skipped), (2, 1, 3));

    let p = do_not_call::read_bytes(&fixture("dnc-numbers-only.txt"), Some("GB")).unwrap();
    let numbers: Vec<_> = p.rows.iter().map(|r| r.e164.as_deref()).collect();
    assert_eq!(
        numbers,
        [
            Some("+14155552671"),
            Some("+33142685300"),
            Some("+441614960000")
        ]
    );
    assert_eq!(do_not_call::apply(&h, &p).unwrap().added, 2);

    let p = do_not_call::read_bytes(&fixture("dnc-tab.tsv"), None).unwrap();
    assert_eq!(p.rows[0].e164.as_deref(), Some("+12125550123"));
    assert_eq!(p.rows[0].reason, "shop owner asked");
    do_not_call::apply(&h, &p).unwrap();
    let before = h.do_not_call_list().unwrap();
    assert_eq!(before.len(), 6);

    let out = dir.path().join("dnc.csv");
    assert_eq!(do_not_call::export_to_file(&h, &out, false).unwrap(), 6);
    assert!(matches!(
        do_not_call::export_to_file(&h, &out, false),
        Err(missioncall_core::export::many::ExportError::Exists { .. })
    ));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.starts_with("\u{feff}phone_number,added_at,reason,source\r\n"),
        "{text}"
    );
    assert!(
        text.contains("'+442079460958,"),
        "numbers are kept as text: {text}"
    );
    assert!(text.contains("'=HYPERLINK"), "no formula: {text}");

    // Into a fresh history: the same numbers, reasons and dates.
    let dir2 = tempfile::tempdir().unwrap();
    let h2 = History::open_in_dir(dir2.path()).unwrap();
    let p = do_not_call::read_bytes(&std::fs::read(&out).unwrap(), None).unwrap();
    assert!(p.rows.iter().all(|r| r.problem.is_none()), "{p:?}");
    assert_eq!(do_not_call::apply(&h2, &p).unwrap().added, 6);
    let after = h2.do_not_call_list().unwrap();
    let key = |l: &do_not_call::Listing| {
        (
            l.phone_e164.clone(),
            l.reason.clone(),
            l.added_at.timestamp(),
        )
    };
    let mut a: Vec<_> = before.iter().map(key).collect();
    let mut b: Vec<_> = after.iter().map(key).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert!(after.iter().all(|l| l.source == Source::Import));

    assert_eq!(
        do_not_call::read("Name,Company\nAda,Acme\n", None),
        Err(ImportError::NoPhoneColumn)
    );
}

fn identity() -> CallerIdentity {
    CallerIdentity {
        name: Some("Ada Okafor".into()),
        business: Some("Luigi's Trattoria".into()),
        disclose_ai: true,
    }
}

const SENTENCE: &str =
    "Introduce yourself as an AI assistant calling on behalf of Ada Okafor from Luigi's Trattoria.";

#[tokio::test]
async fn the_identity_sentence_is_confirmed_sent_and_kept_and_duplicates_still_count() {
    let e = env().await;
    let shared = SharedIdentity::new(identity());
    let calls = e.calls.clone().with_identity(shared.clone());
    let c = calls
        .confirm(&req(LONDON, &format!("  {MISSION} ")))
        .unwrap();
    let sent = format!("{MISSION}\n\n{SENTENCE}");
    assert_eq!(c.task, sent);
    assert_eq!(c.identity_sentence.as_deref(), Some(SENTENCE));
    // A change of identity after the confirmation does not change what was confirmed.
    shared.set(CallerIdentity::default());
    let rec = calls.place_confirmed(&c.token).await.unwrap();
    assert_eq!(rec.task, sent, "history keeps what was sent");
    let at_sim = e.sim.task(rec.task_id.as_deref().unwrap()).unwrap();
    assert_eq!(at_sim.task_data.task, sent);
    assert_eq!(e.history.get(rec.id).unwrap().task, sent);

    // The same mission with the same identity is a duplicate; with another identity, what is
    // sent differs, so it is not.
    shared.set(identity());
    assert!(matches!(
        calls.confirm(&req(LONDON, MISSION)).unwrap_err(),
        Error::Duplicate { .. }
    ));
    shared.set(CallerIdentity {
        disclose_ai: false,
        ..identity()
    });
    let other = calls.confirm(&req(LONDON, MISSION)).unwrap();
    assert!(other
        .task
        .ends_with("Say that you are calling on behalf of Ada Okafor from Luigi's Trattoria."));
    assert_eq!(e.sim.stats().creates, 1);
}

#[tokio::test]
async fn a_mission_too_long_for_the_identity_sentence_is_refused_with_a_plain_reason() {
    let e = env().await;
    let calls = e
        .calls
        .clone()
        .with_identity(SharedIdentity::new(identity()));
    let fits_alone = "a".repeat(MAX_TASK_CHARS - 10);
    let err = calls.confirm(&req(LONDON, &fits_alone)).unwrap_err();
    assert!(matches!(err, Error::InvalidTask { .. }), "{err:?}");
    let over = MAX_TASK_CHARS - 10 + 2 + SENTENCE.chars().count() - MAX_TASK_CHARS;
    assert!(
        err.to_string()
            .contains(&format!("Shorten the task by {over} characters")),
        "{err}"
    );
    assert!(calls.place(&req(LONDON, &fits_alone)).await.is_err());
    assert_eq!(e.sim.stats().creates, 0);
    assert_eq!(rows(&e.history), 0);
    // Without an identity it fits.
    e.calls.confirm(&req(LONDON, &fits_alone)).unwrap();
    // And one that exactly fits with the sentence is accepted.
    let exact = "b".repeat(MAX_TASK_CHARS - 2 - SENTENCE.chars().count());
    assert_eq!(
        calls
            .confirm(&req(LONDON, &exact))
            .unwrap()
            .task
            .chars()
            .count(),
        MAX_TASK_CHARS
    );
}

#[tokio::test]
async fn the_managers_identity_is_saved_applied_at_once_and_kept_by_other_settings() {
    let dir = tempfile::tempdir().unwrap();
    let m = manager(dir.path());
    m.start_demo().await.unwrap();
    m.set_caller_identity(identity()).unwrap();
    let c = m.confirm(&req(LONDON, MISSION)).await.unwrap();
    assert_eq!(c.task, format!("{MISSION}\n\n{SENTENCE}"));
    // The app's settings form does not carry the identity: saving it keeps the identity.
    let mut s = m.settings();
    s.theme = missioncall_core::settings::Theme::Dark;
    s.caller_name = None;
    m.set_settings(s).await.unwrap();
    assert_eq!(m.caller_identity(), identity());
    let rec = m.place_confirmed(&c.token).await.unwrap();
    let session = m.session().await.unwrap();
    let sim = session.simulator().unwrap();
    assert_eq!(
        sim.task(rec.task_id.as_deref().unwrap())
            .unwrap()
            .task_data
            .task,
        rec.task
    );
    m.shutdown().await;
    // Another process (the CLI) sees it.
    let again = manager(dir.path());
    assert_eq!(again.caller_identity(), identity());
    again
        .set_caller_identity(CallerIdentity::default())
        .unwrap();
    assert!(manager(dir.path()).caller_identity().is_empty());
}

#[test]
fn a_restore_brings_back_the_backups_do_not_call_list_and_never_shrinks_it() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let old = History::open_in_dir(a.path()).unwrap();
    old.add_do_not_call(LONDON, "asked not to be called", Source::Typed)
        .unwrap();
    let file = a.path().join("backup.sqlite3");
    old.backup_to(&file).unwrap();

    let here = History::open_in_dir(b.path()).unwrap();
    here.add_do_not_call("+14155552671", "", Source::Typed)
        .unwrap();
    let r = here.restore_from(&file).unwrap();
    assert_eq!(r.do_not_call_added, 1);
    let l = here.do_not_call(LONDON).unwrap().unwrap();
    assert_eq!(l.reason.as_deref(), Some("asked not to be called"));
    assert_eq!(
        l.added_at,
        old.do_not_call(LONDON).unwrap().unwrap().added_at
    );
    assert!(here.is_do_not_call("+14155552671").unwrap());
    assert_eq!(here.restore_from(&file).unwrap().do_not_call_added, 0);
}
