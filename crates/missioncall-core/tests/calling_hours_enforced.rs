//! The calling hours on every path that places a call, against the simulator over real
//! loopback HTTP, a real SQLite history and a pinned clock (no sleeps): outside the hours a call
//! is refused with nothing sent until the user chooses "call now anyway" (recorded on the call)
//! or schedules it for the next allowed time; a scheduled time is checked too, and a job is
//! checked again when it falls due. Through the session manager, the hours saved in Settings
//! apply at once and are kept on disk.
//!
//! The simulator's `stats().creates` is the witness for "nothing was sent".

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use missioncall_core::callee_time::{CallingHours, HoursRule};
use missioncall_core::calls::{CallRequest, Calls, HoursChoice, SharedHours};
use missioncall_core::clock::ManualClock;
use missioncall_core::history::{History, HistoryFilter};
use missioncall_core::secrets::Secrets;
use missioncall_core::session::{Manager, ManagerConfig};
use missioncall_core::Error;
use workapi::{ApiKey, Client};
use workapi_sim::{Sim, SimConfig, SimHandle, DEMO_KEY};

/// San Francisco: America/Los_Angeles (UTC-8 in winter).
const SF: &str = "+14155552671";
const MISSION: &str = "Ask whether my dry cleaning is ready for pickup";

/// 2026-01-13 07:00 UTC: 23:00 on Monday 12 January in San Francisco (outside 08:00-21:00).
fn late_evening_in_sf() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 13, 7, 0, 0).unwrap()
}

/// 08:00 on Tuesday 13 January in San Francisco.
fn next_morning_in_sf() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 13, 16, 0, 0).unwrap()
}

struct Env {
    sim: SimHandle,
    _dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    history: Arc<History>,
    hours: SharedHours,
    calls: Calls,
}

fn rule(hours: CallingHours) -> HoursRule {
    HoursRule {
        hours,
        user_zone: "Europe/Paris".parse::<Tz>().unwrap(),
    }
}

async fn env(at: DateTime<Utc>) -> Env {
    let sim = Sim::start(SimConfig {
        speed: 0.01,
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(at);
    let history = Arc::new(History::open_in_dir_with_clock(dir.path(), clock.clone()).unwrap());
    let client = Client::builder(ApiKey::new(DEMO_KEY).unwrap())
        .base_url(sim.base_url())
        .timeout(Duration::from_millis(600))
        .build()
        .unwrap();
    let hours = SharedHours::new(Some(rule(CallingHours::default())));
    let calls = Calls::real(history.clone(), client).with_hours(hours.clone());
    Env {
        sim,
        _dir: dir,
        clock,
        history,
        hours,
        calls,
    }
}

fn req(number: &str) -> CallRequest<'_> {
    CallRequest {
        number,
        region: None,
        task: MISSION,
        force: false,
    }
}

fn calls_in(history: &History) -> usize {
    history.list(&HistoryFilter::default()).unwrap().len()
}

#[tokio::test]
async fn outside_the_hours_nothing_is_sent_until_the_user_chooses_to_call_anyway() {
    let e = env(late_evening_in_sf()).await;
    let c = e.calls.confirm(&req(SF)).unwrap();
    let hours = c.hours.clone().expect("the confirmation carries the hours");
    assert!(hours.decision.needs_choice());
    assert_eq!(hours.decision.next_allowed(), Some(next_morning_in_sf()));
    assert!(
        hours
            .sentence
            .starts_with("It is 23:00 for them (America/Los_Angeles), outside your calling hours"),
        "{}",
        hours.sentence
    );
    // The next allowed time in both zones: theirs, and the user's (Paris, UTC+1).
    assert!(hours
        .sentence
        .contains("08:00 on Tuesday 13 January for them"));
    assert!(hours
        .sentence
        .contains("17:00 on Tuesday 13 January for you (Europe/Paris)"));

    let refused = e.calls.place_confirmed(&c.token).await.unwrap_err();
    match &refused {
        Error::OutsideCallingHours {
            next_allowed,
            sentence,
        } => {
            assert_eq!(*next_allowed, Some(next_morning_in_sf()));
            assert_eq!(sentence, &hours.sentence);
        }
        other => panic!("expected OutsideCallingHours, got {other:?}"),
    }
    assert!(refused.to_string().contains("Nothing was sent."));
    assert_eq!(e.sim.stats().creates, 0, "nothing reached the service");
    assert_eq!(calls_in(&e.history), 0, "no attempt row was written");

    // The refusal did not use the confirmation up: the user's choice places it, once.
    let placed = e
        .calls
        .place_confirmed_with(&c.token, HoursChoice::CallAnyway)
        .await
        .unwrap();
    assert_eq!(e.sim.stats().creates, 1);
    assert_eq!(
        placed.outside_hours.as_deref(),
        Some(hours.sentence.as_str())
    );
    // ...and only once.
    assert!(matches!(
        e.calls
            .place_confirmed_with(&c.token, HoursChoice::CallAnyway)
            .await,
        Err(Error::NotConfirmed)
    ));
    assert_eq!(e.sim.stats().creates, 1);
    // The record of the choice is in the history file.
    assert_eq!(
        e.history.get(placed.id).unwrap().outside_hours,
        Some(hours.sentence)
    );
}

#[tokio::test]
async fn within_the_hours_nothing_is_asked_and_nothing_is_recorded() {
    let e = env(next_morning_in_sf() + chrono::Duration::hours(4)).await;
    let c = e.calls.confirm(&req(SF)).unwrap();
    let hours = c.hours.clone().unwrap();
    assert!(!hours.decision.needs_choice());
    assert_eq!(
        hours.sentence,
        "It is 12:00 for them (America/Los_Angeles)."
    );
    let placed = e.calls.place_confirmed(&c.token).await.unwrap();
    assert_eq!(placed.outside_hours, None);
    assert_eq!(e.sim.stats().creates, 1);
}

#[tokio::test]
async fn the_hours_are_checked_again_when_the_confirmed_call_is_placed() {
    // Confirmed at 20:59 for them, placed at 21:01: the hours closed meanwhile.
    let e = env(Utc.with_ymd_and_hms(2026, 1, 13, 4, 59, 0).unwrap()).await;
    let c = e.calls.confirm(&req(SF)).unwrap();
    assert!(!c.hours.as_ref().unwrap().decision.needs_choice());
    e.clock.advance(chrono::Duration::minutes(2));
    assert!(matches!(
        e.calls.place_confirmed(&c.token).await,
        Err(Error::OutsideCallingHours { .. })
    ));
    assert_eq!(e.sim.stats().creates, 0);
}

#[tokio::test]
async fn scheduled_for_the_next_allowed_time_it_is_placed_then_once() {
    let e = env(late_evening_in_sf()).await;
    let c = e.calls.confirm(&req(SF)).unwrap();
    let next = c.hours.as_ref().unwrap().decision.next_allowed().unwrap();
    let job = e.calls.schedule_confirmed(&c.token, next).unwrap();
    assert_eq!(job.outside_hours, None);
    e.clock.set(next);
    let report = e.calls.run_due(next).await.unwrap();
    assert_eq!(report.placed.len(), 1);
    assert_eq!(e.sim.stats().creates, 1);
    assert_eq!(report.placed[0].1.outside_hours, None);
    let again = e.calls.run_due(next).await.unwrap();
    assert!(again.placed.is_empty());
    assert_eq!(e.sim.stats().creates, 1);
}

#[tokio::test]
async fn a_scheduled_time_outside_the_hours_needs_the_same_choice_and_keeps_it() {
    let e = env(late_evening_in_sf() - chrono::Duration::hours(3)).await;
    let late = late_evening_in_sf() + chrono::Duration::minutes(30);
    let refused = e.calls.schedule(&req(SF), late).unwrap_err();
    let Error::OutsideCallingHours { sentence, .. } = &refused else {
        panic!("expected OutsideCallingHours, got {refused:?}");
    };
    assert!(
        sentence.starts_with("At that time it will be 23:30 for them (America/Los_Angeles)"),
        "{sentence}"
    );
    assert!(e
        .history
        .jobs(&[missioncall_core::history::JobState::Waiting])
        .unwrap()
        .is_empty());

    let job = e
        .calls
        .schedule_with(&req(SF), late, HoursChoice::CallAnyway)
        .unwrap();
    assert!(job
        .outside_hours
        .as_deref()
        .unwrap()
        .starts_with("At that time it will be 23:30"));
    e.clock.set(late);
    let report = e.calls.run_due(late).await.unwrap();
    assert_eq!(
        report.placed.len(),
        1,
        "the choice made when scheduling stands"
    );
    assert_eq!(report.placed[0].1.outside_hours, job.outside_hours);
    assert_eq!(e.sim.stats().creates, 1);
}

#[tokio::test]
async fn a_job_whose_hours_closed_since_it_was_scheduled_is_refused_when_due_and_not_sent() {
    let noon = next_morning_in_sf() + chrono::Duration::hours(4);
    let e = env(noon - chrono::Duration::hours(1)).await;
    let job = e.calls.schedule(&req(SF), noon).unwrap();
    // The user narrows the hours to 13:00-14:00 meanwhile.
    e.hours.set(Some(rule(CallingHours {
        days: [true; 7],
        start: NaiveTime::from_hms_opt(13, 0, 0).unwrap(),
        end: NaiveTime::from_hms_opt(14, 0, 0).unwrap(),
    })));
    e.clock.set(noon);
    let report = e.calls.run_due(noon).await.unwrap();
    assert!(report.placed.is_empty());
    assert_eq!(report.refused.len(), 1);
    assert_eq!(report.refused[0].id, job.id);
    assert!(
        report.refused[0]
            .note
            .contains("outside your calling hours"),
        "{}",
        report.refused[0].note
    );
    assert_eq!(e.sim.stats().creates, 0);
}

#[tokio::test]
async fn where_the_local_time_is_unknown_the_hours_do_not_apply() {
    // A US toll-free number rings in zones hours apart: its local time is unknown.
    let e = env(late_evening_in_sf()).await;
    let c = e.calls.confirm(&req("+18002530000")).unwrap();
    let hours = c.hours.clone().unwrap();
    assert!(!hours.decision.needs_choice(), "{}", hours.sentence);
    let placed = e.calls.place_confirmed(&c.token).await.unwrap();
    assert_eq!(placed.outside_hours, None);
    assert_eq!(e.sim.stats().creates, 1);
}

#[tokio::test]
async fn hours_saved_through_the_manager_apply_at_once_and_stay_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let open = |at: DateTime<Utc>| {
        let mut cfg = ManagerConfig::new(dir.path().to_path_buf());
        cfg.secrets = Secrets::with_builder(keyring::mock::default_credential_builder());
        cfg.follow = false;
        cfg.demo_speed = 0.01;
        cfg.clock = ManualClock::new(at);
        cfg.user_zone = Some("Europe/Paris".parse().unwrap());
        cfg.enforce_hours = true;
        Manager::open(cfg).unwrap()
    };
    // 12:00 in San Francisco: inside the default hours.
    let noon = next_morning_in_sf() + chrono::Duration::hours(4);
    let m = open(noon);
    m.start_demo().await.unwrap();
    let c = m.confirm(&req(SF)).await.unwrap();
    assert!(!c.hours.unwrap().decision.needs_choice());

    // Bad hours are refused in plain words, and nothing changes.
    let bad = m
        .set_calling_hours(CallingHours {
            days: [true; 7],
            start: NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        })
        .unwrap_err();
    assert!(
        bad.to_string().contains("must start before they end"),
        "{bad}"
    );
    assert_eq!(m.hours_rule().hours, CallingHours::default());

    // Mornings only: noon is now outside, for the very next confirmation.
    let mornings = CallingHours {
        days: [true; 7],
        start: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        end: NaiveTime::from_hms_opt(11, 30, 0).unwrap(),
    };
    m.set_calling_hours(mornings).unwrap();
    let c = m.confirm(&req(SF)).await.unwrap();
    assert!(c.hours.as_ref().unwrap().decision.needs_choice());
    assert!(matches!(
        m.place_confirmed(&c.token).await,
        Err(Error::OutsideCallingHours { .. })
    ));
    m.shutdown().await;
    // Another process reads them back.
    let again = open(noon);
    assert_eq!(again.hours_rule().hours, mornings);
    assert_eq!(again.hours_rule().user_zone.name(), "Europe/Paris");
    again.shutdown().await;
}

#[tokio::test]
async fn an_overdue_call_outside_the_hours_waits_for_place_it_anyway_which_the_call_records() {
    // 19:00 in San Francisco: scheduled for 20:30 there, inside the hours.
    let evening = Utc.with_ymd_and_hms(2026, 1, 13, 3, 0, 0).unwrap();
    let e = env(evening).await;
    let job = e
        .calls
        .schedule_with(
            &req(SF),
            evening + chrono::Duration::minutes(90),
            HoursChoice::Respect,
        )
        .unwrap();
    // Nothing ran at its time; found at 23:00 there, it is overdue.
    e.clock.set(late_evening_in_sf());
    let report = e.calls.run_due(late_evening_in_sf()).await.unwrap();
    assert_eq!(report.overdue.len(), 1);
    // "Place now" is refused outside the hours: nothing sent, still overdue.
    let refused = e.calls.confirm_overdue(job.id).await.unwrap_err();
    assert!(
        matches!(refused, Error::OutsideCallingHours { .. }),
        "{refused}"
    );
    assert_eq!(e.sim.stats().creates, 0);
    assert_eq!(
        e.history.job(job.id).unwrap().state,
        missioncall_core::history::JobState::Overdue
    );
    // "Place it anyway": placed once, and the call keeps the hours as they were then.
    let placed = e
        .calls
        .confirm_overdue_with(job.id, HoursChoice::CallAnyway)
        .await
        .unwrap();
    let kept = placed.outside_hours.expect("the call records the choice");
    assert!(kept.contains("23:00"), "{kept}");
    assert_eq!(e.sim.stats().creates, 1);
    assert!(e
        .calls
        .confirm_overdue_with(job.id, HoursChoice::CallAnyway)
        .await
        .is_err());
    assert_eq!(e.sim.stats().creates, 1);
    assert_eq!(calls_in(&e.history), 1);
}
