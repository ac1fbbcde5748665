//! What many calls achieved, in figures: the overview a small business reads before the list.
//!
//! Every figure is computed by SQLite over the same filter as the list ([`HistoryFilter`]), in a
//! handful of aggregate queries, so that it costs tens of milliseconds at 100,000 calls (see
//! `benches/history.rs`) and never carries a row's text out of the database.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::types::Value;
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

fn count(n: i64) -> u64 {
    n.try_into().unwrap_or(0)
}

impl History {
    /// The overview of the calls matching `f` (its limit and offset are ignored). Weeks are cut
    /// at local midnight on Monday, `utc_offset_secs` being the local time's offset from UTC.
    pub fn overview(&self, f: &HistoryFilter, utc_offset_secs: i32) -> Result<Overview> {
        let (from, args) = matching_sql(f);
        let conn = self.conn();
        let params = || rusqlite::params_from_iter(args.iter());

        // Outcomes and statuses in one pass.
        let mut groups: Vec<Group> = Vec::new();
        {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT outcome, local_state, service_status, reached_call, COUNT(*) {from} \
                 GROUP BY 1, 2, 3, 4"
            ))?;
            let mut rows = stmt.query(params())?;
            while let Some(r) = rows.next()? {
                groups.push(Group {
                    outcome: r.get(0)?,
                    local: r.get(1)?,
                    service: r.get(2)?,
                    reached: r.get::<_, i64>(3)? != 0,
                    calls: count(r.get(4)?),
                });
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

        // The median of (completed − placed), read at the middle of the sorted durations.
        let median_seconds_to_done = if completed == 0 {
            None
        } else {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT status_changed_at - created_at AS d {from} AND {} \
                 ORDER BY d LIMIT ? OFFSET ?",
                crate::call::sql::completed_condition()
            ))?;
            let take = if completed % 2 == 0 { 2 } else { 1 };
            let skip = (completed - 1) / 2;
            let mut with_page = args.clone();
            with_page.push(Value::Integer(take));
            with_page.push(Value::Integer(skip.try_into().unwrap_or(i64::MAX)));
            let middle: Vec<i64> = stmt
                .query_map(rusqlite::params_from_iter(with_page), |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            (!middle.is_empty())
                .then(|| middle.iter().sum::<i64>() / middle.len() as i64 / 1000)
                .map(|s| s.max(0))
        };

        // Calls per local week.
        let shift = i64::from(utc_offset_secs) + MONDAY_SHIFT_SECS;
        let mut weeks: Vec<(i64, u64, u64)> = Vec::new();
        {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT (created_at / 1000 + ?) / {WEEK_SECS} AS w, COUNT(*), \
                 SUM(outcome IS 'achieved') {from} GROUP BY w ORDER BY w"
            ))?;
            let mut with_shift = vec![Value::Integer(shift)];
            with_shift.extend(args.iter().cloned());
            let mut rows = stmt.query(rusqlite::params_from_iter(with_shift))?;
            while let Some(r) = rows.next()? {
                weeks.push((r.get(0)?, count(r.get(1)?), count(r.get(2)?)));
            }
        }
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
