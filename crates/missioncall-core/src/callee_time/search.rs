//! The earliest instant, from a given one on, when the calling hours are open in every one of
//! a number's time zones at once.
//!
//! Each zone's open set is a union of intervals that start either where its wall clock reaches
//! the window's start on an allowed day (one instant, two when that wall time repeats as the
//! clocks go back, none when it is skipped as they go forward) or where the clock jumps (a
//! daylight-saving change). Their intersection starts at one of those instants or at `now`, so
//! only they are tried, earliest first. This never reads a clock and never loops unbounded.

use chrono::{DateTime, Duration, LocalResult, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use super::hours::CallingHours;

/// How far ahead the next allowed time is looked for.
pub const HORIZON_DAYS: i64 = 8;
/// Offsets are sampled this often to find the clock changes (real ones are months apart).
const SAMPLE_HOURS: i64 = 6;

/// Whether the window is open at `at` in `zone`.
pub(super) fn open_in(hours: &CallingHours, zone: Tz, at: DateTime<Utc>) -> bool {
    hours.contains(at.with_timezone(&zone).naive_local())
}

/// Whether the window is open at `at` in every one of `zones`.
pub(super) fn open_in_all(hours: &CallingHours, zones: &[Tz], at: DateTime<Utc>) -> bool {
    zones.iter().all(|&z| open_in(hours, z, at))
}

/// The earliest instant in `[now, now + HORIZON_DAYS]` when the window is open in all `zones`.
pub(super) fn next_open(
    hours: &CallingHours,
    zones: &[Tz],
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if zones.is_empty() {
        return None;
    }
    let horizon = now + Duration::days(HORIZON_DAYS);
    let mut candidates = vec![now];
    for &zone in zones {
        window_starts(hours, zone, now, horizon, &mut candidates);
        clock_changes(zone, now, horizon, &mut candidates);
    }
    candidates.retain(|&t| now <= t && t <= horizon);
    candidates.sort_unstable();
    candidates.dedup();
    candidates
        .into_iter()
        .find(|&t| open_in_all(hours, zones, t))
}

/// Every instant in (roughly) `[from, to]` when `zone`'s wall clock shows the window's start
/// on an allowed day.
fn window_starts(
    hours: &CallingHours,
    zone: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    out: &mut Vec<DateTime<Utc>>,
) {
    let first = from.with_timezone(&zone).date_naive().pred_opt();
    let last = to.with_timezone(&zone).date_naive().succ_opt();
    let (Some(first), Some(last)) = (first, last) else {
        return;
    };
    for day in first.iter_days().take_while(|d| *d <= last) {
        let wall = day.and_time(hours.start);
        if !hours.contains(wall) {
            continue;
        }
        // A skipped wall time (None) is covered by the clock change itself.
        match zone.from_local_datetime(&wall) {
            LocalResult::Single(t) => out.push(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(a, b) => {
                out.push(a.with_timezone(&Utc));
                out.push(b.with_timezone(&Utc));
            }
            LocalResult::None => {}
        }
    }
}

/// The instants in `(from, to]` when `zone`'s offset from UTC changes, to the second.
fn clock_changes(zone: Tz, from: DateTime<Utc>, to: DateTime<Utc>, out: &mut Vec<DateTime<Utc>>) {
    let offset = |t: DateTime<Utc>| {
        zone.offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc()
    };
    let step = Duration::hours(SAMPLE_HOURS);
    let Some(mut lo) = DateTime::from_timestamp(from.timestamp(), 0) else {
        return;
    };
    let mut lo_offset = offset(lo);
    while lo < to {
        let hi = lo + step;
        let hi_offset = offset(hi);
        if hi_offset != lo_offset {
            // Bisect to the first second with the new offset.
            let (mut a, mut b) = (lo, hi);
            while b - a > Duration::seconds(1) {
                let mid = a + (b - a) / 2;
                let mid = DateTime::from_timestamp(mid.timestamp(), 0).unwrap_or(mid);
                if offset(mid) == lo_offset {
                    a = mid;
                } else {
                    b = mid;
                }
            }
            out.push(b);
        }
        lo = hi;
        lo_offset = hi_offset;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn clock_changes_are_found_to_the_second() {
        let mut out = Vec::new();
        // US 2025: forward on 9 March at 02:00 EST (07:00 UTC), back on 2 November at 02:00
        // EDT (06:00 UTC).
        clock_changes(
            Tz::America__Chicago,
            utc("2025-03-05T00:00:00Z"),
            utc("2025-03-13T00:00:00Z"),
            &mut out,
        );
        assert_eq!(out, vec![utc("2025-03-09T08:00:00Z")]);
        out.clear();
        clock_changes(
            Tz::America__New_York,
            utc("2025-10-30T13:17:45.5Z"),
            utc("2025-11-07T00:00:00Z"),
            &mut out,
        );
        assert_eq!(out, vec![utc("2025-11-02T06:00:00Z")]);
        out.clear();
        clock_changes(
            Tz::Asia__Tokyo,
            utc("2025-03-05T00:00:00Z"),
            utc("2025-03-13T00:00:00Z"),
            &mut out,
        );
        assert!(out.is_empty());
    }
}
