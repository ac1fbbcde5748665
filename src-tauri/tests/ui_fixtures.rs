//! The UI's mock backend (`ui/tests/mock-backend.ts`, used by the Playwright specs) answers with
//! the app's own words and shapes, not with copies of them: this test makes them with the real
//! code and writes them to `ui/tests/fixtures/core-*.json`, and fails when the committed files
//! are stale (like `bindings.rs`).
//!
//! To update: `UPDATE_UI_FIXTURES=1 cargo test -p missioncall-app --test ui_fixtures`.
//!
//! Where the answer comes from:
//! - phone checks: `phone::check` for every text the specs type (each prefix of what they type
//!   key by key, since the form checks as it goes), in the countries they use;
//! - calls: the shell's `CallSummary`/`CallDetail` of a record in each status the mock uses,
//!   with the core's labels, tone and decisions; the filter choices, tracking labels, regions,
//!   default settings and key status are the shell's DTOs;
//! - errors the specs meet: the real operation failing (`prepare`, `Calls::confirm` with a
//!   recent duplicate, `place_confirmed` with an unknown token, cancel/refresh of a call with no
//!   task, `Manager::set_settings`/`open`/`refresh`, and placements against the simulator: a
//!   wrong key, a creation that never gets an answer, a task the service does not have, a port
//!   nobody listens on), mapped by `AppError::from` as the commands do. Errors no spec meets
//!   are made from the core's error type with the same mapping.
//!
//! A value the mock fills in (a call id, a URL, a count) is written as `{name}` in the message,
//! and `callId` as `"{id}"`; `ui/tests/core-words.ts` fills them.

use chrono::{DateTime, Duration as Minutes, Utc};
use missioncall_app::dto::{
    CallDetail, CallSummary, KeyStatus, PhoneCheck, Region, Settings, StatusChoice,
};
use missioncall_app::error::{AppError, AppErrorKind};
use missioncall_core::call::{CallStatus, LocalState, Origin, ServiceStatus, Tracking};
use missioncall_core::calls::{self, CallRequest, Calls, DUPLICATE_WINDOW, MAX_TASK_CHARS};
use missioncall_core::clock::ManualClock;
use missioncall_core::history::{CallRecord, History, NewAttempt, StatusEvent};
use missioncall_core::session::{Manager, ManagerConfig};
use missioncall_core::{phone, secrets, settings};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use workapi_sim::{Fault, FaultKind, Route, Sim, SimConfig};

/// Texts the specs type key by key, in the country the form has then.
const TYPED: &[(&str, &str)] = &[
    ("GB", "020 7946 0958"),
    ("GB", "0207"),
    ("GB", "020 7946 call me"),
    ("GB", "+1 015 555 0100"),
    ("GB", "+1 415 555 0142"),
    ("GB", "+44 7400 123456"),
    ("GB", "12345678"),
    ("FR", "01 23 45 67 89"),
];

/// Texts that reach the backend whole: filled in at once, seeded calls (read in the mock's
/// default country), a number checked again after the country changed.
const WHOLE: &[(&str, &str)] = &[
    ("GB", "+44 20 7946 0011"),
    ("GB", "+44 7400 123456"),
    ("GB", "+44 20 7946 0321"),
    ("GB", "+442079460321"),
    ("GB", "+44 20 7946 0555"),
    ("GB", "+442079460957"),
    ("GB", "+442079460958"),
    ("GB", "+442079460959"),
    ("GB", "+1 415 555 0142"),
    ("GB", "+1 415 555 0100"),
    ("GB", "+14155550142"),
    ("GB", "+33 1 23 45 67 89"),
    ("US", "01 23 45 67 89"),
    ("IE", "01 23 45 67 89"),
];

/// Numbers stored without being typed: the mock's generated rows (a history of 100,000 calls),
/// and a number a spec has the backend confirm instead of the one typed.
const STORED: &[&str] = &[
    "+442079460100",
    "+442079460101",
    "+442079460102",
    "+442079460103",
    "+442079460104",
    "+442079460105",
    "+442079460106",
    "+442079460107",
    "+442079460108",
    "+442079460109",
    "+442079460999",
];

/// Stands for a value the mock fills in; chosen so that it cannot occur in a message otherwise.
const SENTINEL_ID: i64 = 987_654_321;
const SENTINEL_URL: &str = "http://ui-fixture-address.example";
const SENTINEL_REGION: &str = "QZ";
const SENTINEL_WORD: &str = "{word}";

/// The call of the samples and of the errors.
const TASK: &str = "Ask about opening hours on Sunday";
const NUMBER: &str = "+442079460958";

fn at(minutes: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_772_366_400, 0).unwrap() + Minutes::minutes(minutes)
}

fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).expect("serialisable")
}

// ---- phone checks -----------------------------------------------------------------------

fn phone_fixture() -> Value {
    let mut checks: BTreeMap<String, BTreeMap<String, PhoneCheck>> = BTreeMap::new();
    let mut add = |region: &str, text: &str| {
        let check: PhoneCheck = phone::check(text, Some(region)).into();
        let mut more = Vec::new();
        if let (true, Some(e164)) = (check.valid, check.e164.clone()) {
            // The form confirms with the E.164 form, in the country the number turned out to
            // be in (a number typed with +1 switches the picker to the United States).
            more.push((region.to_owned(), e164.clone()));
            if let Some(own) = &check.region {
                more.push((own.clone(), e164));
                more.push((own.clone(), text.to_owned()));
            }
        }
        checks
            .entry(region.to_owned())
            .or_default()
            .insert(text.to_owned(), check);
        more
    };
    let mut follow_ups = Vec::new();
    for (region, text) in TYPED {
        let mut prefix = String::new();
        for c in text.chars() {
            prefix.push(c);
            // The form does not ask about blank text.
            if !prefix.trim().is_empty() {
                follow_ups.extend(add(region, &prefix));
            }
        }
    }
    for (region, text) in WHOLE {
        follow_ups.extend(add(region, text));
    }
    for (region, text) in follow_ups {
        add(&region, &text);
    }
    let mut displays = BTreeMap::new();
    for by_region in checks.values() {
        for check in by_region.values() {
            if let Some(e164) = &check.e164 {
                displays.insert(e164.clone(), phone::display(e164));
            }
        }
    }
    for e164 in STORED {
        assert!(phone::parse(e164, None).is_ok(), "{e164} must be valid");
        displays.insert((*e164).to_owned(), phone::display(e164));
    }
    json!({ "checks": checks, "displays": displays })
}

// ---- calls --------------------------------------------------------------------------------

fn record(status: CallStatus, task_id: Option<&str>) -> CallRecord {
    CallRecord {
        id: 1,
        phone_e164: NUMBER.into(),
        phone_region: Some("GB".into()),
        task: TASK.into(),
        created_at: at(0),
        updated_at: at(1),
        task_id: task_id.map(str::to_owned),
        task_number: None,
        status,
        tracking: Tracking::Following,
        error: None,
        transcript: None,
        summary: None,
        origin: Origin::Service(workapi::DEFAULT_BASE_URL.into()),
        demo: false,
        status_changed_at: at(1),
        last_checked_at: None,
        outcome: None,
        note: String::new(),
        follow_up: None,
        tags: Vec::new(),
        contact_name: None,
        annotated_at: None,
        outside_hours: None,
    }
}

/// The summaries of a call in `status`, with and without a task at the service.
fn samples(status: &CallStatus) -> Value {
    json!({
        "withTask": to_json(&CallSummary::from(&record(status.clone(), Some("tsk_fixture")))),
        "withoutTask": to_json(&CallSummary::from(&record(status.clone(), None))),
    })
}

fn all_statuses() -> Vec<CallStatus> {
    let mut all: Vec<CallStatus> = [
        ServiceStatus::Pending,
        ServiceStatus::Accepted,
        ServiceStatus::InProgress,
        ServiceStatus::Completed,
        ServiceStatus::Cancelled,
    ]
    .into_iter()
    .map(CallStatus::Service)
    .collect();
    all.extend(LocalState::ALL.into_iter().map(CallStatus::Local));
    all
}

fn calls_fixture() -> Value {
    let mut statuses = Map::new();
    for status in all_statuses() {
        // The mock seeds a call with the word the core stores: a local state's key, or the
        // service's word (they never coincide).
        let previous = statuses.insert(status.word().to_owned(), samples(&status));
        assert!(previous.is_none(), "two statuses store {}", status.word());
    }
    let other = CallStatus::Service(ServiceStatus::from_wire(SENTINEL_WORD));
    assert!(
        matches!(&other, CallStatus::Service(ServiceStatus::Other(w)) if w == SENTINEL_WORD),
        "the placeholder must stay a word the contract does not name"
    );

    // A finished call with a conversation, as `get_task` shows it.
    let mut done = record(
        CallStatus::Service(ServiceStatus::Completed),
        Some("tsk_fixture"),
    );
    done.transcript = Some(
        "Callee: Pizzeria Roma, good evening!\nAgent: Hello, I am calling for Sam to book a table for 4 at 7pm tonight.\nCallee: Yes, 7pm works. See you tonight.\nAgent: Thank you, goodbye!"
            .into(),
    );
    done.summary = Some("Booked.".into());
    let timeline = [
        StatusEvent {
            status: CallStatus::Local(LocalState::Sending),
            seen_at: at(0),
        },
        StatusEvent {
            status: CallStatus::Service(ServiceStatus::Pending),
            seen_at: at(0),
        },
        StatusEvent {
            status: CallStatus::Service(ServiceStatus::Completed),
            seen_at: at(1),
        },
    ];
    let detail = CallDetail::new(&done, &timeline);

    // What a call says once the user confirmed that no call was made (the core's own note).
    let dir = tempfile::tempdir().unwrap();
    let history = History::open_in_dir_with_clock(dir.path(), ManualClock::new(at(0))).unwrap();
    let id = attempt(&history, &Origin::Service(workapi::DEFAULT_BASE_URL.into()));
    history.mark_unknown_outcome(id, "timed out").unwrap();
    let dismissed = calls::dismiss_unknown_outcome(&history, id).unwrap();

    json!({
        "statuses": statuses,
        "otherStatus": { "placeholder": SENTINEL_WORD, "samples": samples(&other) },
        "detail": to_json(&detail),
        "dismissed": { "error": dismissed.error },
    })
}

fn app_fixture() -> Value {
    let regions: Vec<Region> = phone::regions().into_iter().map(Region::from).collect();
    let defaults = settings::Settings::default();
    let tracking: BTreeMap<String, Option<&str>> = Tracking::ALL
        .into_iter()
        .map(|t| (to_json(&t).as_str().unwrap().to_owned(), t.label()))
        .collect();
    let no_key: KeyStatus = secrets::KeyStatus {
        set: false,
        last4: None,
        source: None,
    }
    .into();
    let keychain: KeyStatus = secrets::KeyStatus {
        set: true,
        last4: Some("{last4}".into()),
        source: Some(secrets::KeySource::Keychain),
    }
    .into();
    json!({
        "regions": regions,
        "settings": Settings::from(&defaults),
        "statusChoices": StatusChoice::all(),
        "trackingLabels": tracking,
        "keyStatus": { "none": no_key, "keychain": keychain },
        "limits": {
            "maxTaskChars": MAX_TASK_CHARS,
            "duplicateWindowMinutes": DUPLICATE_WINDOW.as_secs() / 60,
            "confirmationMinutes": calls::CONFIRMATION_TTL.as_secs() / 60,
        },
    })
}

// ---- errors -------------------------------------------------------------------------------

fn attempt(history: &History, origin: &Origin) -> i64 {
    history
        .insert_attempt(&NewAttempt {
            phone_e164: NUMBER,
            phone_region: Some("GB"),
            task: TASK,
            origin,
            outside_hours: None,
        })
        .unwrap()
}

fn app_error(e: missioncall_core::Error) -> Value {
    to_json(&AppError::from(e))
}

/// The error with `value` (once in its message) written as `{name}`, and its `callId` as
/// `"{id}"` when it names a call.
fn template(error: Value, value: &str, name: &str) -> Value {
    replaced(error, value, &format!("{{{name}}}"), name)
}

/// The error about call `id` ("call #7"), with the id written as `{id}`.
fn about_call(error: Value, id: i64) -> Value {
    replaced(error, &format!("#{id}"), "#{id}", "id")
}

fn replaced(mut error: Value, value: &str, with: &str, name: &str) -> Value {
    let message = error["message"].as_str().unwrap().to_owned();
    assert_eq!(
        message.matches(value).count(),
        1,
        "{value:?} must occur once in {message:?}"
    );
    error["message"] = message.replace(value, with).into();
    if error.get("callId").is_some() {
        assert_eq!(name, "id", "{message}");
        error["callId"] = "{id}".into();
    }
    error
}

fn client(base_url: &str, key: &str) -> workapi::Client {
    workapi::Client::builder(workapi::ApiKey::new(key).unwrap())
        .base_url(base_url)
        .timeout(Duration::from_millis(500))
        .connect_timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

/// Places a confirmed call and returns why it failed.
async fn placing_fails(calls: &Calls) -> missioncall_core::Error {
    let c = calls
        .confirm(&CallRequest {
            number: NUMBER,
            region: Some("GB"),
            task: TASK,
            force: true,
        })
        .unwrap();
    calls.place_confirmed(&c.token).await.unwrap_err()
}

async fn errors_fixture() -> Value {
    let mut out = Map::new();
    let mut put = |name: &str, v: Value| {
        assert!(out.insert(name.to_owned(), v).is_none(), "{name} twice");
    };
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(at(0));
    let history = Arc::new(History::open_in_dir_with_clock(dir.path(), clock.clone()).unwrap());
    let here = Origin::Service(workapi::DEFAULT_BASE_URL.into());
    let offline_client = client(workapi::DEFAULT_BASE_URL, workapi_sim::DEMO_KEY);
    let calls = Calls::new(history.clone(), offline_client, here.clone());

    // The task.
    let prepare = |task: &str| {
        calls::prepare(&CallRequest {
            number: NUMBER,
            region: Some("GB"),
            task,
            force: false,
        })
        .unwrap_err()
    };
    put("emptyTask", app_error(prepare("   ")));
    let long = "x".repeat(MAX_TASK_CHARS + 321);
    put(
        "longTask",
        template(
            app_error(prepare(&long)),
            &(MAX_TASK_CHARS + 321).to_string(),
            "n",
        ),
    );

    // A call asked for again within the window, after 0..window minutes: one per minute.
    let first = attempt(&history, &here);
    let window = (DUPLICATE_WINDOW.as_secs() / 60) as i64;
    let mut duplicates = Vec::new();
    for minutes in 0..=window {
        clock.set(at(minutes) + Minutes::seconds(30));
        let asked = calls.confirm(&CallRequest {
            number: NUMBER,
            region: Some("GB"),
            task: TASK,
            force: false,
        });
        if minutes == window {
            assert!(asked.is_ok(), "no duplicate once the window has passed");
        } else {
            let e = app_error(asked.unwrap_err());
            duplicates.push(about_call(e, first));
        }
    }
    put("duplicate", Value::Array(duplicates));
    clock.set(at(0));

    put(
        "notConfirmed",
        app_error(calls.place_confirmed("tok_never_issued").await.unwrap_err()),
    );
    put(
        "noTaskToCancel",
        app_error(calls.cancel(first).await.unwrap_err()),
    );
    put(
        "noTaskToCheck",
        app_error(calls.refresh(first).await.unwrap_err()),
    );

    // Where a status cannot be cancelled in, in the core's words for it.
    let mut not_cancellable = Map::new();
    for status in all_statuses() {
        if !status.is_cancellable() {
            not_cancellable.insert(
                status.word().to_owned(),
                app_error(missioncall_core::Error::NotCancellable {
                    status_words: status.label().to_lowercase(),
                }),
            );
        }
    }
    let other = CallStatus::Service(ServiceStatus::from_wire(SENTINEL_WORD));
    not_cancellable.insert(
        "other".into(),
        app_error(missioncall_core::Error::NotCancellable {
            status_words: other.label().to_lowercase(),
        }),
    );
    put("notCancellable", Value::Object(not_cancellable));
    put(
        "invalidKey",
        app_error(secrets::SecretsError::InvalidKey.into()),
    );

    // The session manager: no key yet, settings refused, a demo call after the demo.
    let data = tempfile::tempdir().unwrap();
    let mut cfg = ManagerConfig::new(data.path().to_path_buf());
    cfg.clock = ManualClock::new(at(0));
    let manager = Manager::open(cfg).unwrap();
    let no_key = manager
        .confirm(&CallRequest {
            number: NUMBER,
            region: Some("GB"),
            task: TASK,
            force: false,
        })
        .await
        .unwrap_err();
    put("noKey", app_error(no_key));
    let refused = |s: settings::Settings| async { manager.set_settings(s).await.unwrap_err() };
    let insecure = refused(settings::Settings {
        base_url: SENTINEL_URL.into(),
        ..Default::default()
    })
    .await;
    put(
        "insecureUrl",
        template(app_error(insecure), SENTINEL_URL, "url"),
    );
    let region = refused(settings::Settings {
        default_region: Some(SENTINEL_REGION.into()),
        ..Default::default()
    })
    .await;
    put(
        "invalidRegion",
        template(app_error(region), SENTINEL_REGION, "code"),
    );
    let demo_call = attempt(manager.history(), &Origin::Demo);
    put(
        "demoEnded",
        about_call(
            app_error(manager.refresh(demo_call).await.unwrap_err()),
            demo_call,
        ),
    );

    // No such call: `get_task` and `export_call` read the history directly; the actions ask
    // the session manager, which says it in the core's error.
    let read = AppError::from(manager.history().get(SENTINEL_ID).unwrap_err());
    let action = manager.cancel(SENTINEL_ID).await.unwrap_err();
    let missing = SENTINEL_ID.to_string();
    put(
        "callNotFound",
        json!({
            "read": template(to_json(&read), &missing, "id"),
            "action": template(app_error(action), &missing, "id"),
        }),
    );

    // A history that cannot be opened, as the first screen is told.
    let broken = tempfile::tempdir().unwrap();
    std::fs::write(
        broken.path().join(missioncall_core::history::FILE_NAME),
        b"this is not a database file, it only has the history's name\n".repeat(100),
    )
    .unwrap();
    let mut cfg = ManagerConfig::new(broken.path().to_path_buf());
    cfg.clock = ManualClock::new(at(0));
    let opened = Manager::open(cfg).unwrap_err();
    put(
        "storage",
        template(
            app_error(opened),
            &broken.path().display().to_string(),
            "dataDir",
        ),
    );

    // Placements at a service: the simulator, over loopback.
    let sim = Sim::start(SimConfig {
        speed: 0.001,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let base = sim.base_url();
    let sim_history = Arc::new(
        History::open_in_dir_with_clock(&dir.path().join("sim"), ManualClock::new(at(0))).unwrap(),
    );
    let at_sim = Calls::real(sim_history.clone(), client(&base, workapi_sim::DEMO_KEY));
    let refused_key = Calls::real(
        sim_history.clone(),
        client(&base, "sk_live_not_a_key_of_this_service"),
    );
    put("unauthorized", app_error(placing_fails(&refused_key).await));
    sim.inject(Fault::new(FaultKind::Hang).on(Route::Create));
    let lost = placing_fails(&at_sim).await;
    let lost_id = lost.call_id().expect("an unknown outcome names its call");
    put("unknownOutcome", about_call(app_error(lost), lost_id));
    let kept = attempt(&sim_history, at_sim.origin());
    sim_history.mark_unknown_outcome(kept, "timed out").unwrap();
    put(
        "taskNotFound",
        app_error(
            at_sim
                .check_unknown_outcome(kept, "nope")
                .await
                .unwrap_err(),
        ),
    );
    drop(sim);

    // Nobody listens: nothing was sent.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let nowhere = Calls::real(
        sim_history.clone(),
        client(
            &format!("http://127.0.0.1:{port}/api"),
            workapi_sim::DEMO_KEY,
        ),
    );
    put("offline", app_error(placing_fails(&nowhere).await));

    // The banner when the tracker's requests are refused (the tracker sends the client's
    // error as it is).
    put(
        "keyRejectedEvent",
        to_json(&missioncall_app::dto::NetworkState {
            connection: missioncall_app::dto::Connection::KeyRejected,
            message: Some(workapi::Error::Unauthorized.to_string()),
        }),
    );
    Value::Object(out)
}

// ---- reviewing calls ----------------------------------------------------------------------

/// The words of the review commands: each error made by the real operation failing, mapped as
/// the commands map it.
fn review_fixture() -> Value {
    use missioncall_app::commands::{export_cancelled, export_format, follow_up_of};
    use missioncall_app::dto::{CallFilter, OutcomeChoice, Overview};
    use missioncall_core::review::{
        MAX_CONTACT_CHARS, MAX_NOTE_CHARS, MAX_TAGS_PER_CALL, MAX_TAG_CHARS,
    };
    let dir = tempfile::tempdir().unwrap();
    let history = History::open_in_dir(dir.path()).unwrap();
    let id = attempt(&history, &Origin::Demo);
    let err = |e: missioncall_core::history::HistoryError| to_json(&AppError::from(e));
    let app_err = |e: AppError| to_json(&e);
    let n = |len: usize| len.to_string();

    let too_long_tag = "t".repeat(MAX_TAG_CHARS + 1);
    for i in 0..MAX_TAGS_PER_CALL {
        history.add_tag(id, &format!("tag {i}")).unwrap();
    }
    let too_many = err(history.add_tag(id, "one more").unwrap_err());
    let long_name = "n".repeat(MAX_CONTACT_CHARS + 1);
    let long_note = "x".repeat(MAX_NOTE_CHARS + 1);
    let day_filter = |since: &str, until: Option<&str>| CallFilter {
        since: Some(since.into()),
        until: until.map(str::to_owned),
        ..CallFilter::default()
    };
    let no_outcome = Overview::from(history.overview(&Default::default(), 0).unwrap())
        .by_outcome
        .last()
        .unwrap()
        .label
        .clone();
    let mut swapped = app_err(
        day_filter("2026-12-02", Some("2026-12-01"))
            .to_core()
            .unwrap_err(),
    );
    swapped = replaced(swapped, "2026-12-02", "{since}", "since");
    swapped = replaced(swapped, "2026-12-01", "{until}", "until");
    json!({
        "outcomeChoices": to_json(&OutcomeChoice::all()),
        "noOutcomeLabel": no_outcome,
        "limits": {
            "maxTagChars": MAX_TAG_CHARS,
            "maxTagsPerCall": MAX_TAGS_PER_CALL,
            "maxContactChars": MAX_CONTACT_CHARS,
            "maxNoteChars": MAX_NOTE_CHARS,
        },
        "errors": {
            "tagEmpty": err(history.add_tag(id, "   ").unwrap_err()),
            "tagTooLong": template(
                err(history.add_tag(id, &too_long_tag).unwrap_err()),
                &n(MAX_TAG_CHARS + 1),
                "n",
            ),
            "tooManyTags": too_many,
            "tagNotFound": template(
                err(history.rename_tag("no such tag", "other").unwrap_err()),
                "no such tag",
                "word",
            ),
            "contactNameEmpty": err(history.set_contact(NUMBER, "  ").unwrap_err()),
            "contactNameTooLong": template(
                err(history.set_contact(NUMBER, &long_name).unwrap_err()),
                &n(MAX_CONTACT_CHARS + 1),
                "n",
            ),
            "noteTooLong": template(
                err(history.set_note(id, &long_note).unwrap_err()),
                &n(MAX_NOTE_CHARS + 1),
                "n",
            ),
            "badFollowUp": template(
                app_err(follow_up_of(Some("next tuesday")).unwrap_err()),
                "next tuesday",
                "word",
            ),
            "badDay": template(
                app_err(day_filter("someday", None).to_core().unwrap_err()),
                "start",
                "word",
            ),
            "daysSwapped": swapped,
            "exportCancelled": app_err(export_cancelled()),
            "badExportFormat": app_err(export_format("xlsx").unwrap_err()),
        }
    })
}

// ---- backups and imports ------------------------------------------------------------------

/// The words of backups, restores and contact imports, each made by the real operation.
fn backup_fixture() -> Value {
    use missioncall_app::commands::{backup_file_name, no_such_backup_day};
    use missioncall_app::dto::MAX_SKIPPED_SHOWN;
    use missioncall_core::contacts_import;
    use missioncall_core::history::backup::{KEEP_DAILY, RESTORED_SENDING_NOTE};
    let dir = tempfile::tempdir().unwrap();
    let history = History::open_in_dir(&dir.path().join("data")).unwrap();
    let not_a_backup = dir.path().join("notes.txt");
    std::fs::write(&not_a_backup, "not a history").unwrap();
    let not_a_history = template(
        to_json(&AppError::from(
            history.restore_from(&not_a_backup).unwrap_err(),
        )),
        &not_a_backup.display().to_string(),
        "path",
    );
    let import_err = |bytes: &[u8]| {
        let e = contacts_import::read_bytes(bytes, Some("GB")).unwrap_err();
        to_json(&AppError::new(AppErrorKind::InvalidInput, e.to_string()))
    };
    let twice =
        contacts_import::read("Name,Phone\nA,+442079460958\nB,+442079460958\n", None).unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 24).unwrap();
    json!({
        "keepDaily": KEEP_DAILY,
        "maxSkippedShown": MAX_SKIPPED_SHOWN,
        "backupFileName": backup_file_name(day).replace("2026-12-24", "{date}"),
        "restoredSendingNote": RESTORED_SENDING_NOTE,
        "importProblems": {
            "duplicateInFile": twice.entries[1].problem.clone().expect("a repeated number is skipped"),
        },
        "errors": {
            "notAHistory": not_a_history,
            "noDailyBackup": to_json(&no_such_backup_day()),
            "importNotText": import_err(b"Name,Phone\n\xff,1\n"),
            "importNothing": import_err(b"Name,Phone\n"),
        }
    })
}

// ---- the files ----------------------------------------------------------------------------

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/tests/fixtures")
}

/// The do-not-call list's, the caller identity's and scheduled calls' words, with `{names}`
/// where the UI puts its own values.
fn outreach_fixture() -> Value {
    use missioncall_app::commands::DO_NOT_CALL_FILE_NAME;
    use missioncall_app::dto::MAX_SKIPPED_SHOWN;
    use missioncall_core::do_not_call::{self, Source, MAX_REASON_CHARS};
    use missioncall_core::identity::{CallerIdentity, MAX_IDENTITY_CHARS};
    use missioncall_core::schedule::{self, GRACE, OVERDUE_NOTE};
    let dir = tempfile::tempdir().unwrap();
    let history = History::open_in_dir(&dir.path().join("data")).unwrap();
    let mut what_waits = serde_json::Map::new();
    for waiting in 0..4 {
        for running_batches in 0..3 {
            let bg = schedule::Background {
                waiting,
                running_batches,
                ..schedule::Background::default()
            };
            what_waits.insert(
                format!("{waiting},{running_batches}"),
                Value::String(bg.what_waits()),
            );
        }
    }
    let long = "x".repeat(MAX_REASON_CHARS + 7);
    let reason_too_long = template(
        to_json(&AppError::from(
            history
                .add_do_not_call("+442079460958", &long, Source::Typed)
                .unwrap_err(),
        )),
        &(MAX_REASON_CHARS + 7).to_string(),
        "n",
    );
    let import_err = |bytes: &[u8]| {
        let e = do_not_call::read_bytes(bytes, None).unwrap_err();
        to_json(&AppError::new(AppErrorKind::InvalidInput, e.to_string()))
    };
    let rows = do_not_call::read(
        "phone,reason\n,none\nnot a number,x\n+442079460958,a\n+442079460958,b\n",
        None,
    )
    .unwrap();
    let problem = |i: usize| rows.rows[i].problem.clone().expect("a problem");
    let sentence = |name: Option<&str>, business: Option<&str>, disclose_ai: bool| {
        CallerIdentity {
            name: name.map(Into::into),
            business: business.map(Into::into),
            disclose_ai,
        }
        .sentence()
        .unwrap()
    };
    let plain = sentence(Some("{who}"), None, false);
    let both = sentence(Some("{name}"), Some("{business}"), false);
    let (before, after) = plain.split_once("{who}").unwrap();
    let who_both = both
        .strip_prefix(before)
        .and_then(|w| w.strip_suffix(after))
        .unwrap();
    let identity_too_long = {
        let reason = CallerIdentity {
            name: Some("x".repeat(MAX_IDENTITY_CHARS + 3)),
            business: None,
            disclose_ai: true,
        }
        .cleaned()
        .unwrap_err();
        let e = to_json(&AppError::from(missioncall_core::Error::InvalidIdentity {
            reason,
        }));
        template(
            template(e, &(MAX_IDENTITY_CHARS + 3).to_string(), "n"),
            "name",
            "what",
        )
    };
    let now = chrono::Utc::now();
    let past = now - chrono::Duration::hours(1);
    let passed = template(
        to_json(&AppError::from(
            schedule::check_time(past, now).unwrap_err(),
        )),
        &past.format("%Y-%m-%d %H:%M UTC").to_string(),
        "at",
    );
    let too_far = to_json(&AppError::from(
        schedule::check_time(now + chrono::Duration::days(400), now).unwrap_err(),
    ));
    json!({
        "doNotCall": {
            "refusal": do_not_call::refusal_words("{number}", "{why}"),
            "whyWithReason": do_not_call::refusal_why("{day}", Some("{reason}")),
            "whyWithoutReason": do_not_call::refusal_why("{day}", None),
            "maxReasonChars": MAX_REASON_CHARS,
            "maxSkippedShown": MAX_SKIPPED_SHOWN,
            "sourceLabels": {
                "call": Source::Call.label(),
                "import": Source::Import.label(),
                "typed": Source::Typed.label(),
            },
            "exportFileName": DO_NOT_CALL_FILE_NAME,
            "importProblems": {
                "noNumber": problem(0),
                "notANumber": problem(1),
                "duplicateInFile": problem(3).replace('3', "{earlier}"),
            },
            "errors": {
                "reasonTooLong": reason_too_long,
                "importNotText": import_err(&[0xff, 0xfe, 0x00, 0x41]),
                "importNothing": import_err(b"phone\n\n"),
            },
        },
        "identity": {
            "who": { "both": who_both, "one": "{one}" },
            "sentence": {
                "discloseAi": sentence(Some("{who}"), None, true),
                "plain": plain,
            },
            "maxChars": MAX_IDENTITY_CHARS,
            "errors": { "tooLong": identity_too_long },
        },
        "schedule": {
            "overdueNote": OVERDUE_NOTE,
            "graceMinutes": GRACE.as_secs() / 60,
            "errors": { "passed": passed, "tooFar": too_far },
            // `Background::what_waits`, by "calls,batches" (what the app's getBackground says).
            "whatWaits": what_waits,
        },
    })
}

/// A batch as the core plans and stores it: the dry run of a file with what spreadsheets do to
/// numbers (at a fixed instant, the calling hours on), the batch it starts, and its rows.
fn batch_fixture() -> Value {
    use chrono::TimeZone;
    use missioncall_app::dto::{BatchDto, BatchPlan, BatchRowDto};
    use missioncall_core::batch::{self, PlanOptions};
    use missioncall_core::callee_time::CallingHours;
    use missioncall_core::clock::ManualClock;
    use missioncall_core::identity::CallerIdentity;
    const FILE: &str = "name,phone,order\nAda,(415) 555-2671,A-1\nBen,'+1 212 555 0142,A-2\n\
        Cy,4.15555E+10,A-3\nDee,415.555.2671,A-4\nEve,+44 20 7946 0958,A-5\nFay,(646) 555-0199,\n";
    const TEMPLATE: &str = "Ask {{name}} whether order {{order}} arrived";
    // 23:30 in London, 18:30 in New York, 15:30 in San Francisco.
    let now = chrono::Utc
        .with_ymd_and_hms(2026, 3, 10, 23, 30, 0)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let history = std::sync::Arc::new(
        History::open_in_dir_with_clock(dir.path(), ManualClock::new(now)).unwrap(),
    );
    let sheet = batch::read_sheet(FILE.as_bytes()).unwrap();
    let plan = batch::plan(
        &sheet,
        TEMPLATE,
        &PlanOptions {
            region: Some("US".into()),
            phone_column: None,
            now,
            hours: CallingHours::default(),
            apply_hours: true,
            identity: CallerIdentity::default(),
        },
        &batch::Facts::default(),
    )
    .unwrap();
    let rows: Vec<missioncall_core::history::NewBatchRow> = plan
        .rows
        .iter()
        .map(|r| missioncall_core::history::NewBatchRow {
            row: r.row as u32,
            input: &r.input,
            phone_e164: r.e164.as_deref(),
            phone_region: None,
            verdict: r.verdict.key(),
            reason: r.reason.as_deref(),
            task: &r.task,
            due_at: r.due_at(now),
        })
        .collect();
    let b = history
        .create_batch(
            &missioncall_core::history::NewBatch {
                source: "customers.csv",
                template: TEMPLATE,
                origin: &missioncall_core::call::Origin::Demo,
                concurrency: 2,
            },
            &rows,
        )
        .unwrap();
    let stored: Vec<Value> = history
        .batch_rows(b.id)
        .unwrap()
        .iter()
        .map(|r| to_json(&BatchRowDto::from(r)))
        .collect();
    json!({
        "file": { "name": "customers.csv", "headers": sheet.headers(), "rows": sheet.rows().len() },
        "template": TEMPLATE,
        "plan": to_json(&BatchPlan::new(&plan)),
        "batch": to_json(&BatchDto::from(&b)),
        "rows": stored,
        "stateLabels": missioncall_core::call::BatchState::ALL
            .iter()
            .map(|s| (s.key().to_owned(), Value::from(s.label())))
            .collect::<serde_json::Map<String, Value>>(),
    })
}

fn text(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap();
    s.push('\n');
    s
}

fn check_or_write(dir: &Path, files: &[(&str, Value)]) {
    let update = std::env::var("UPDATE_UI_FIXTURES").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    for (name, value) in files {
        let path = dir.join(name);
        let fresh = text(value);
        if update {
            std::fs::write(&path, &fresh).unwrap();
        } else if std::fs::read_to_string(&path).unwrap_or_default() != fresh {
            stale.push(*name);
        }
    }
    assert!(
        stale.is_empty(),
        "ui/tests/fixtures/{{{}}} stale: run `UPDATE_UI_FIXTURES=1 cargo test -p missioncall-app --test ui_fixtures` and commit them",
        stale.join(",")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ui_fixtures_are_up_to_date() {
    let files = [
        ("core-phone.json", phone_fixture()),
        ("core-calls.json", calls_fixture()),
        ("core-app.json", app_fixture()),
        ("core-errors.json", errors_fixture().await),
        ("core-review.json", review_fixture()),
        ("core-backup.json", backup_fixture()),
        ("core-batch.json", batch_fixture()),
        ("core-outreach.json", outreach_fixture()),
    ];
    check_or_write(&fixtures_dir(), &files);
}
