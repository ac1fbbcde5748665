//! The overview of many calls (counts by outcome and status, calls per week, the share
//! achieved, calls that never connected, the median time to done), in a real SQLite file with
//! time injected: every figure is compared with what the calls written make it by hand.

use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use missioncall_core::call::{CallStatus, LocalState, Origin, Outcome, ServiceStatus};
use missioncall_core::clock::ManualClock;
use missioncall_core::history::{
    week_of, History, HistoryFilter, NewAttempt, OutcomeFilter, MAX_WEEKS,
};

const A: &str = "+14155552671";
const B: &str = "+12125550123";

struct Book {
    h: History,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

fn book() -> Book {
    let dir = tempfile::tempdir().unwrap();
    // Wednesday 2026-11-04, 10:00 UTC.
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 4, 10, 0, 0).unwrap());
    let h = History::open_in_dir_with_clock(dir.path(), clock.clone()).unwrap();
    Book {
        h,
        clock,
        _dir: dir,
    }
}

impl Book {
    fn attempt(&self, phone: &str) -> i64 {
        self.h
            .insert_attempt(&NewAttempt {
                phone_e164: phone,
                phone_region: None,
                task: "Ask about the order",
                origin: &Origin::Demo,
                outside_hours: None,
            })
            .unwrap()
    }

    /// A call that went through the given service statuses, `secs` apart.
    fn call(&self, phone: &str, statuses: &[ServiceStatus], secs: i64) -> i64 {
        let id = self.attempt(phone);
        let task = format!("t-{id}");
        self.h
            .record_created(id, &task, None, &ServiceStatus::Pending)
            .unwrap();
        for s in statuses {
            self.clock.advance(Duration::seconds(secs));
            self.h.record_status(&task, s, None, None).unwrap();
        }
        id
    }

    fn completed(&self, phone: &str, secs_on_line: i64) -> i64 {
        self.call(
            phone,
            &[ServiceStatus::InProgress, ServiceStatus::Completed],
            secs_on_line,
        )
    }
}

#[test]
fn every_figure_is_what_the_calls_make_it() {
    let b = book();
    // Week of Monday 2026-11-02: three completed calls (20, 40, 60 s apart per step → 40, 80,
    // 120 s from placing to done), one cancelled while waiting, one never placed.
    let done1 = b.completed(A, 20);
    let done2 = b.completed(A, 40);
    let done3 = b.completed(B, 60);
    let cancelled = b.call(B, &[ServiceStatus::Cancelled], 5);
    let not_placed = b.attempt(B);
    b.h.mark_not_placed(not_placed, "refused").unwrap();
    // Two weeks later (the week between has no call): one live call and one completed.
    b.clock.advance(Duration::days(14));
    let _live = b.call(A, &[ServiceStatus::InProgress], 10);
    let done4 = b.completed(B, 100);

    b.h.set_outcome(done1, Some(Outcome::Achieved)).unwrap();
    b.h.set_outcome(done2, Some(Outcome::Achieved)).unwrap();
    b.h.set_outcome(done3, Some(Outcome::NoAnswer)).unwrap();
    b.h.set_outcome(cancelled, Some(Outcome::NotAchieved))
        .unwrap();
    b.h.set_outcome(done4, Some(Outcome::FollowUp)).unwrap();

    let o = b.h.overview(&HistoryFilter::default(), 0).unwrap();
    assert_eq!(o.total, 7);
    let outcomes: Vec<(Option<Outcome>, u64)> =
        o.by_outcome.iter().map(|c| (c.outcome, c.calls)).collect();
    assert_eq!(
        outcomes,
        vec![
            (Some(Outcome::Achieved), 2),
            (Some(Outcome::NotAchieved), 1),
            (Some(Outcome::NoAnswer), 1),
            (Some(Outcome::FollowUp), 1),
            (None, 2),
        ]
    );
    assert_eq!((o.achieved, o.judged), (2, 5));
    assert_eq!(o.achieved_share(), Some(0.4));
    let statuses: Vec<(CallStatus, u64)> = o
        .by_status
        .iter()
        .map(|c| (c.status.clone(), c.calls))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (CallStatus::Service(ServiceStatus::Completed), 4),
            (CallStatus::Service(ServiceStatus::Cancelled), 1),
            (CallStatus::Local(LocalState::NotPlaced), 1),
            (CallStatus::Service(ServiceStatus::InProgress), 1),
        ]
        .into_iter()
        .collect::<Vec<_>>()
        .tap_sort()
    );
    // Over: 4 completed, 1 cancelled, 1 not placed. Never on the line: the cancelled and the
    // not placed; marked no answer: done3. The live call is not over.
    assert_eq!(o.finished, 6);
    assert_eq!(o.never_connected, 3);
    // Placing → done: 40, 80, 120, 200 s; the median of four is the mean of the middle two.
    assert_eq!(o.median_seconds_to_done, Some(100));
    let weeks: Vec<(NaiveDate, u64, u64)> = o
        .per_week
        .iter()
        .map(|w| (w.week_of, w.calls, w.achieved))
        .collect();
    let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
    assert_eq!(
        weeks,
        vec![(d(2), 5, 2), (d(9), 0, 0), (d(16), 2, 0)],
        "consecutive weeks, the empty one included"
    );
    assert_eq!(o.earlier_calls, 0);
}

/// Sorts like the overview: most calls first, ties by the status's words.
trait TapSort {
    fn tap_sort(self) -> Self;
}
impl TapSort for Vec<(CallStatus, u64)> {
    fn tap_sort(mut self) -> Self {
        self.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.label().cmp(&b.0.label())));
        self
    }
}

#[test]
fn the_overview_follows_the_filter() {
    let b = book();
    let a1 = b.completed(A, 10);
    let a2 = b.completed(A, 30);
    let b1 = b.completed(B, 1000);
    b.h.set_outcome(a1, Some(Outcome::Achieved)).unwrap();
    b.h.add_tag(a2, "Spring").unwrap();
    b.h.add_tag(b1, "spring").unwrap();

    let only_a = HistoryFilter {
        phones: Some(vec![A.into()]),
        ..HistoryFilter::default()
    };
    let o = b.h.overview(&only_a, 0).unwrap();
    assert_eq!((o.total, o.achieved, o.judged), (2, 1, 1));
    assert_eq!(
        o.median_seconds_to_done,
        Some(40),
        "20 and 60 s: mean of the two"
    );

    let tagged = HistoryFilter {
        tag: Some("SPRING".into()),
        outcome: Some(OutcomeFilter::NotSet),
        ..HistoryFilter::default()
    };
    let o = b.h.overview(&tagged, 0).unwrap();
    assert_eq!(o.total, 2);
    // 60 s and 2000 s: the median of two is their mean.
    assert_eq!(o.median_seconds_to_done, Some(1030));

    let none = HistoryFilter {
        search: Some("nothing-matches-this".into()),
        ..HistoryFilter::default()
    };
    let o = b.h.overview(&none, 0).unwrap();
    assert_eq!(o.total, 0);
    assert!(o.per_week.is_empty());
    assert_eq!(o.median_seconds_to_done, None);
    assert_eq!(o.achieved_share(), None);
    assert_eq!(o.by_outcome.len(), 5, "zeros are listed");
}

#[test]
fn weeks_are_cut_at_local_monday_midnight_and_capped() {
    let b = book();
    // Sunday 2026-11-08 23:30 UTC: still Sunday in London, already Monday in Berlin (+1 h).
    b.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 8, 23, 30, 0).unwrap());
    b.attempt(A);
    let london = b.h.overview(&HistoryFilter::default(), 0).unwrap();
    let berlin = b.h.overview(&HistoryFilter::default(), 3600).unwrap();
    let d = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
    assert_eq!(london.per_week[0].week_of, d(2));
    assert_eq!(berlin.per_week[0].week_of, d(9));
    assert_eq!(week_of(b.h.now(), 3600), d(9));

    // A call every week for 30 weeks: the newest MAX_WEEKS are drawn, the rest summed.
    let b = book();
    for _ in 0..30 {
        b.attempt(A);
        b.clock.advance(Duration::days(7));
    }
    let o = b.h.overview(&HistoryFilter::default(), 0).unwrap();
    assert_eq!(o.per_week.len(), MAX_WEEKS);
    assert_eq!(o.earlier_calls, 30 - MAX_WEEKS as u64);
    assert!(o.per_week.iter().all(|w| w.calls == 1));
    assert_eq!(
        o.per_week.last().unwrap().week_of,
        week_of(b.h.now() - Duration::days(7), 0)
    );
}

#[test]
fn a_restored_or_migrated_call_knows_whether_it_was_connected() {
    // The overview reads `reached_call`, which a trigger keeps from the timeline: a backup
    // restored into an empty history gives the same figures as the original.
    let b = book();
    let done = b.completed(A, 30);
    let _cancelled = b.call(B, &[ServiceStatus::Cancelled], 5);
    b.h.set_outcome(done, Some(Outcome::Achieved)).unwrap();
    let before = b.h.overview(&HistoryFilter::default(), 0).unwrap();
    assert_eq!(before.never_connected, 1);
    let file = b._dir.path().join("copy.sqlite");
    b.h.backup_to(&file).unwrap();
    let other = tempfile::tempdir().unwrap();
    let h2 = History::open_in_dir_with_clock(other.path(), b.clock.clone()).unwrap();
    h2.restore_from(&file).unwrap();
    assert_eq!(h2.overview(&HistoryFilter::default(), 0).unwrap(), before);
}
