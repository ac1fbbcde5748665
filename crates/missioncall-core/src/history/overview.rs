//! What many calls achieved, in figures: the overview a small business reads before the list.
//!
//! Every figure is computed by SQLite over the same filter as the list ([`HistoryFilter`]), in a
//! handful of aggregate queries, so that it costs tens of milliseconds at 100,000 calls (see
//! `benches/history.rs`) and never carries a row's text out of the database.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use super::{matching_sql, status_of_columns, History, HistoryFilter, Result};
use crate::call::{CallStatus, Outcome};

/// At most this many weeks are drawn (the newest); older ones are summed in `earlier_calls`.
pub const MAX_WEEKS: usize = 26;

/// Calls with one outcome (or none yet).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutcomeCount {
    /// `None`: no outcome set yet.
    pub outcome: Option<Outcome>,
    pub calls: u64,
}

/// Calls in one status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusCount {
    pub status: CallStatus,
    pub calls: u64,
}

/// Calls placed in one week (Monday to Sunday, local time).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WeekCount {
    /// The Monday the week starts on.
    pub week_of: NaiveDate,
    pub calls: u64,
    /// Of those, the calls marked achieved.
    pub achieved: u64,
}

/// The figures of the filtered calls.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Overview {
    /// How many calls match the filter.
    pub total: u64,
    /// One entry per outcome, in [`Outcome::ALL`] order, then "none yet"; zeros included.
    pub by_outcome: Vec<OutcomeCount>,
    /// The statuses that occur, most calls first (ties: by the status's words).
    pub by_status: Vec<StatusCount>,
    /// Consecutive weeks from the first call's week to the last's (at most [`MAX_WEEKS`], the
    /// newest), weeks without calls included. Empty when there are no calls.
    pub per_week: Vec<WeekCount>,
    /// Calls in weeks older than those in `per_week`.
    pub earlier_calls: u64,
    /// Calls marked achieved.
    pub achieved: u64,
    /// Calls with any outcome set (the base of [`Overview::achieved_share`]).
    pub judged: u64,
    /// Calls that are over (nothing more will happen to them).
    pub finished: u64,
    /// Finished calls that never reached the callee: the service never reported the call as
    /// in progress (cancelled, failed, not placed), or the user marked them "no answer"
    /// (`reached_call`, kept from the timeline by a trigger).
    pub never_connected: u64,
    /// The median time from placing a call to the service reporting it completed, in seconds;
    /// `None` when no call completed.
    pub median_seconds_to_done: Option<i64>,
}

impl Overview {
    /// The share of judged calls marked achieved, 0 to 1; `None` when no call is judged.
    pub fn achieved_share(&self) -> Option<f64> {
        (self.judged > 0).then(|| self.achieved as f64 / self.judged as f64)
    }
}

/// Calls alike in what the overview counts.
struct Group {
    outcome: Option<String>,
    local: Option<String>,
    service: Option<String>,
    /// The service reported the call in progress at some point.
    reached: bool,
    calls: u64,
    /// The service reported these calls completed.
    completed: bool,
}

const WEEK_SECS: i64 = 7 * 86_400;
/// 1970-01-01 was a Thursday: shifting by three days puts week boundaries on Mondays.
const MONDAY_SHIFT_SECS: i64 = 3 * 86_400;

fn week_start(index: i64) -> NaiveDate {
    let secs = index * WEEK_SECS - MONDAY_SHIFT_SECS;
    DateTime::<Utc>::from_timestamp(secs, 0)
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

/// A text column of the current row, without copying it.
fn text_at<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<&'r str>> {
    r.get_ref(i)?.as_str_or_null().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

impl History {
    /// The overview of the calls matching `f` (its limit and offset are ignored). Weeks are cut
    /// at local midnight on Monday, `utc_offset_secs` being the local time's offset from UTC.
    pub fn overview(&self, f: &HistoryFilter, utc_offset_secs: i32) -> Result<Overview> {
        let (from, args) = matching_sql(f);
        let conn = self.conn();
        let params = || rusqlite::params_from_iter(args.iter());

        // One pass over the matching calls, in the covering indexes: SQLite only steps
        // through index entries (a GROUP BY made it sort 100,000 rows three times: ~120 ms);
        // the counting is done here, on a few short columns per call.
        let mut groups: Vec<Group> = Vec::new();
        let mut week_counts: std::collections::HashMap<i64, (u64, u64)> =
            std::collections::HashMap::new();
        let mut durations: Vec<i64> = Vec::new();
        let shift = i64::from(utc_offset_secs) + MONDAY_SHIFT_SECS;
        {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT created_at, outcome, local_state, service_status, reached_call, \
                 status_changed_at {from}"
            ))?;
            let mut rows = stmt.query(params())?;
            while let Some(r) = rows.next()? {
                let created: i64 = r.get(0)?;
                let outcome = text_at(r, 1)?;
                let local = text_at(r, 2)?;
                let service = text_at(r, 3)?;
                let reached = r.get::<_, i64>(4)? != 0;
                let group = match groups.iter_mut().find(|g| {
                    g.reached == reached
                        && g.outcome.as_deref() == outcome
                        && g.local.as_deref() == local
                        && g.service.as_deref() == service
                }) {
                    Some(g) => g,
                    None => {
                        groups.push(Group {
                            outcome: outcome.map(str::to_owned),
                            local: local.map(str::to_owned),
                            service: service.map(str::to_owned),
                            reached,
                            calls: 0,
                            completed: status_of_columns(local, service).is_completed(),
                        });
                        groups.last_mut().expect("just pushed")
                    }
                };
                group.calls += 1;
                if group.completed {
                    let changed: i64 = r.get(5)?;
                    durations.push(changed - created);
                }
                let week = (created.div_euclid(1000) + shift).div_euclid(WEEK_SECS);
                let slot = week_counts.entry(week).or_default();
                slot.0 += 1;
                if outcome.and_then(Outcome::from_key) == Some(Outcome::Achieved) {
                    slot.1 += 1;
                }
            }
        }
        let total: u64 = groups.iter().map(|g| g.calls).sum();
        let mut by_outcome: Vec<OutcomeCount> = Outcome::ALL
            .into_iter()
            .map(Some)
            .chain([None])
            .map(|outcome| OutcomeCount { outcome, calls: 0 })
            .collect();
        let mut by_status: Vec<StatusCount> = Vec::new();
        let mut finished = 0;
        let mut completed = 0;
        let mut never_connected = 0;
        for g in &groups {
            let n = &g.calls;
            let outcome = g.outcome.as_deref().and_then(Outcome::from_key);
            if let Some(slot) = by_outcome.iter_mut().find(|c| c.outcome == outcome) {
                slot.calls += n;
            }
            let status = status_of_columns(g.local.as_deref(), g.service.as_deref());
            if status.is_final() {
                finished += n;
                // Over without the service ever reporting someone on the line, or marked
                // "no answer" by the user.
                if !g.reached || outcome == Some(Outcome::NoAnswer) {
                    never_connected += n;
                }
            }
            if status.is_completed() {
                completed += n;
            }
            match by_status.iter_mut().find(|c| c.status == status) {
                Some(slot) => slot.calls += n,
                None => by_status.push(StatusCount { status, calls: *n }),
            }
        }
        by_status.sort_by(|a, b| {
            b.calls
                .cmp(&a.calls)
                .then_with(|| a.status.label().cmp(&b.status.label()))
        });
        let achieved = by_outcome[0].calls;
        let judged = total - by_outcome[Outcome::ALL.len()].calls;

        // The median of (completed − placed): the middle of the durations (the mean of the two
        // middle ones for an even count), found without sorting them all.
        let median_seconds_to_done = if durations.is_empty() {
            None
        } else {
            let n = durations.len();
            let (_, upper, _) = durations.select_nth_unstable(n / 2);
            let upper = *upper;
            let middle = if n % 2 == 1 {
                upper
            } else {
                let lower = durations[..n / 2].iter().copied().max().unwrap_or(upper);
                (lower + upper) / 2
            };
            Some((middle / 1000).max(0))
        };

        // Calls per local week, oldest first.
        let mut weeks: Vec<(i64, u64, u64)> = week_counts
            .into_iter()
            .map(|(w, (calls, achieved))| (w, calls, achieved))
            .collect();
        weeks.sort_unstable_by_key(|w| w.0);
        let mut per_week = Vec::new();
        let mut earlier_calls = 0;
        if let (Some(first), Some(last)) = (weeks.first(), weeks.last()) {
            let from = first.0.max(last.0 - MAX_WEEKS as i64 + 1);
            let mut found = weeks.iter().peekable();
            for w in from..=last.0 {
                let mut calls = 0;
                let mut achieved = 0;
                while let Some(&&(idx, n, a)) = found.peek() {
                    if idx > w {
                        break;
                    }
                    if idx < from {
                        earlier_calls += n;
                    } else {
                        calls += n;
                        achieved += a;
                    }
                    found.next();
                }
                per_week.push(WeekCount {
                    week_of: week_start(w),
                    calls,
                    achieved,
                });
            }
        }

        Ok(Overview {
            total,
            by_outcome,
            by_status,
            per_week,
            earlier_calls,
            achieved,
            judged,
            finished,
            never_connected,
            median_seconds_to_done,
        })
    }
}

/// The week a moment falls in, for tests: the Monday (local) it starts on.
pub fn week_of(at: DateTime<Utc>, utc_offset_secs: i32) -> NaiveDate {
    let local = at + Duration::seconds(utc_offset_secs.into());
    let idx = (local.timestamp() + MONDAY_SHIFT_SECS).div_euclid(WEEK_SECS);
    week_start(idx)
}
