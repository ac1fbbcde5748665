use chrono::{Duration, NaiveTime, TimeZone};
use chrono_tz::Tz::{self, *};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn hours(start: NaiveTime, end: NaiveTime) -> CallingHours {
    CallingHours {
        start,
        end,
        ..CallingHours::default()
    }
}

const WEEKDAYS: [bool; 7] = [true, true, true, true, true, false, false];

fn next(d: &HoursDecision) -> DateTime<Utc> {
    d.next_allowed()
        .unwrap_or_else(|| panic!("expected outside with a next time, got {d:?}"))
}

// --- where a number rings ---------------------------------------------------------------

#[test]
fn single_zone_numbers() {
    assert_eq!(zones_for("+12125550123"), vec![America__New_York]);
    assert_eq!(zones_for("+13125550123"), vec![America__Chicago]);
    assert_eq!(zones_for("+442079460018"), vec![Europe__London]);
    assert_eq!(zones_for("+74957390000"), vec![Europe__Moscow]);
    assert_eq!(zones_for("+61212345678"), vec![Australia__Sydney]);
    assert_eq!(zones_for("+13065551234"), vec![America__Regina]);
    assert_eq!(zones_for("+18675551234"), vec![America__Fort_Nelson]);
    assert_eq!(zones_for("+81312345678"), vec![Asia__Tokyo]);
}

#[test]
fn a_us_area_code_that_spans_two_zones() {
    // Idaho's 208: Mountain in the south, Pacific in the panhandle.
    assert_eq!(
        zones_for("+12085550123"),
        vec![America__Boise, America__Los_Angeles]
    );
    // Western Australia's 08 9 numbers: Perth, and Adelaide for part of the range.
    assert_eq!(
        zones_for("+61893456789"),
        vec![Australia__Adelaide, Australia__Perth]
    );
}

#[test]
fn mobile_numbers_are_tied_to_a_place_only_where_libphonenumber_says_so() {
    // Brazil's mobile numbers keep their area code: São Paulo, Manaus.
    assert_eq!(zones_for("+5511912345678"), vec![America__Sao_Paulo]);
    assert_eq!(zones_for("+5592912345678"), vec![America__Manaus]);
    // Russia's and Australia's are looked up by the calling code: the whole country.
    let ru = zones_for("+79161234567");
    assert_eq!(ru.len(), 16);
    assert!(ru.contains(&Asia__Kamchatka) && ru.contains(&Europe__Moscow));
    let au = zones_for("+61412345678");
    assert_eq!(au.len(), 8);
    assert!(au.contains(&Indian__Cocos) && au.contains(&Australia__Lord_Howe));
    // The UK's: the four zones of +44, all on the same clock.
    assert_eq!(
        zones_for("+447400123456"),
        vec![
            Europe__Guernsey,
            Europe__Isle_of_Man,
            Europe__Jersey,
            Europe__London
        ]
    );
}

#[test]
fn toll_free_and_non_geographic_numbers() {
    // +1 800 rings anywhere in the North American plan: Guam to Newfoundland.
    let tf = zones_for("+18005550123");
    assert_eq!(tf.len(), 42);
    assert!(tf.contains(&Pacific__Guam) && tf.contains(&America__St_Johns));
    // +800 international freephone is tied to no place; invalid text has no zone.
    assert!(zones_for("+80012345678").is_empty());
    assert!(zones_for("+1555").is_empty());
    assert!(zones_for("not a number").is_empty());
    assert!(zones_for("").is_empty());
}

// --- the local time --------------------------------------------------------------------

#[test]
fn local_time_known_and_unknown() {
    let now = utc("2025-01-14T04:40:00Z");
    let LocalTime::Known { local } = local_time("+13125550123", now) else {
        panic!("Chicago is known");
    };
    assert_eq!(local.len(), 1);
    assert_eq!(local[0].to_rfc3339(), "2025-01-13T22:40:00-06:00");
    assert_eq!(local[0].timezone(), America__Chicago);

    let LocalTime::Unknown { reason } = local_time("+18005550123", now) else {
        panic!("toll-free is unknown");
    };
    // At that instant: Pago Pago is UTC-11, Guam UTC+10.
    assert_eq!(
        reason,
        UnknownReason::FarApart {
            west: Pacific__Pago_Pago,
            east: Pacific__Guam,
            minutes: 21 * 60
        }
    );
    assert_eq!(
        reason.to_string(),
        "This number can ring in time zones 21 hours apart (from Pacific/Pago_Pago to \
         Pacific/Guam), as toll-free and other non-geographic numbers can, so its local time \
         is unknown and your calling hours do not apply to it."
    );
    assert!(matches!(
        local_time("+79161234567", now),
        LocalTime::Unknown {
            reason: UnknownReason::FarApart { .. }
        }
    ));
    // Australia's mobiles: Cocos (UTC+6:30) to Lord Howe (UTC+11 in January).
    assert!(matches!(
        local_time("+61412345678", now),
        LocalTime::Unknown {
            reason: UnknownReason::FarApart { minutes: 270, .. }
        }
    ));
    assert_eq!(
        local_time("+80012345678", now),
        LocalTime::Unknown {
            reason: UnknownReason::NoPlace
        }
    );
    assert_eq!(
        local_time("+1 555", now),
        LocalTime::Unknown {
            reason: UnknownReason::NotANumber
        }
    );
    // Perth and Adelaide, 2 h 30 apart in the southern summer: known.
    let LocalTime::Known { local } = local_time("+61893456789", now) else {
        panic!("Perth/Adelaide is known");
    };
    assert_eq!(local.len(), 2);
}

#[test]
fn three_hours_apart_is_close_enough_and_the_spread_depends_on_the_date() {
    let winter = utc("2025-01-15T12:00:00Z");
    let summer = utc("2025-07-15T12:00:00Z");
    // New York and Los Angeles: always 3 h.
    let coasts = [America__New_York, America__Los_Angeles];
    assert!(matches!(
        local_time_in(&coasts, winter),
        LocalTime::Known { .. }
    ));
    assert!(matches!(
        local_time_in(&coasts, summer),
        LocalTime::Known { .. }
    ));
    // Phoenix (no DST, UTC-7) and Halifax (UTC-4, -3 in summer): 3 h in winter, 4 h in summer.
    let pair = [America__Phoenix, America__Halifax];
    assert!(matches!(
        local_time_in(&pair, winter),
        LocalTime::Known { .. }
    ));
    assert_eq!(
        local_time_in(&pair, summer),
        LocalTime::Unknown {
            reason: UnknownReason::FarApart {
                west: America__Phoenix,
                east: America__Halifax,
                minutes: 240
            }
        }
    );
    assert!(matches!(
        decide_in(&pair, summer, &CallingHours::default()),
        HoursDecision::Unknown { .. }
    ));
}

// --- the decision ----------------------------------------------------------------------

#[test]
fn the_confirmation_sentence() {
    let h = CallingHours::default();
    // Monday 13 January 2025, 22:40 in Chicago.
    let d = decide("+13125550123", utc("2025-01-14T04:40:00Z"), &h);
    assert!(d.needs_choice());
    assert_eq!(next(&d), utc("2025-01-14T14:00:00Z"));
    assert_eq!(
        d.sentence(&h, Europe__Paris),
        "It is 22:40 for them (America/Chicago), outside your calling hours (08:00–21:00, \
         every day). The next allowed time is 08:00 on Tuesday 14 January for them \
         (America/Chicago), 15:00 on Tuesday 14 January for you (Europe/Paris)."
    );
    let ok = decide("+13125550123", utc("2025-01-14T20:05:00Z"), &h);
    assert!(!ok.needs_choice());
    assert_eq!(
        ok.sentence(&h, Europe__Paris),
        "It is 14:05 for them (America/Chicago)."
    );
    let tf = decide("+18005550123", utc("2025-01-14T04:40:00Z"), &h);
    assert!(!tf.needs_choice());
    assert!(tf.local().is_empty());
    assert!(tf.sentence(&h, Europe__Paris).contains("do not apply"));
    let uk = decide("+447400123456", utc("2025-01-14T12:00:00Z"), &h);
    assert_eq!(
        uk.sentence(&h, Europe__Paris),
        "It is 12:00 for them (Europe/Guernsey, Europe/Isle_of_Man and 2 more)."
    );
}

#[test]
fn a_window_is_open_only_when_open_in_every_zone() {
    let h = CallingHours::default();
    let idaho = "+12085550123"; // Boise (UTC-7 in January) and Los Angeles (UTC-8)
                                // 08:30 in Boise, 07:30 in Los Angeles: not yet.
    let d = decide(idaho, utc("2025-01-14T15:30:00Z"), &h);
    assert_eq!(next(&d), utc("2025-01-14T16:00:00Z"));
    assert_eq!(
        d.sentence(&h, America__New_York),
        "It is 08:30 for them (America/Boise) or 07:30 (America/Los_Angeles), outside your \
         calling hours (08:00–21:00, every day). The next allowed time is 09:00 on Tuesday \
         14 January for them (America/Boise) or 08:00 on Tuesday 14 January \
         (America/Los_Angeles), 11:00 on Tuesday 14 January for you (America/New_York)."
    );
    assert!(matches!(
        decide(idaho, utc("2025-01-14T16:00:00Z"), &h),
        HoursDecision::Allowed { .. }
    ));
    // 20:59 in Boise: still open in both.
    assert!(matches!(
        decide(idaho, utc("2025-01-15T03:59:00Z"), &h),
        HoursDecision::Allowed { .. }
    ));
    // 21:00 in Boise, 20:00 in Los Angeles: closed; next is 08:00 in Los Angeles.
    let late = decide(idaho, utc("2025-01-15T04:00:00Z"), &h);
    assert_eq!(next(&late), utc("2025-01-15T16:00:00Z"));
}

#[test]
fn no_common_window_when_zones_never_overlap() {
    let short = hours(hm(8, 0), hm(8, 45));
    let d = decide("+12085550123", utc("2025-01-14T12:00:00Z"), &short);
    assert!(matches!(d, HoursDecision::NoCommonWindow { .. }));
    assert!(d.needs_choice());
    assert_eq!(d.next_allowed(), None);
    assert!(d.sentence(&short, Europe__Paris).ends_with(
        "are not open at the same time in all of this number's time zones in the next 8 days."
    ));
    // Hours that cannot be saved are never open either (and nothing panics).
    let backwards = hours(hm(21, 0), hm(8, 0));
    assert!(matches!(
        decide("+12125550123", utc("2025-01-14T12:00:00Z"), &backwards),
        HoursDecision::NoCommonWindow { .. }
    ));
    let no_day = CallingHours {
        days: [false; 7],
        ..CallingHours::default()
    };
    assert!(matches!(
        decide("+12125550123", utc("2025-01-14T12:00:00Z"), &no_day),
        HoursDecision::NoCommonWindow { .. }
    ));
}

#[test]
fn days_of_the_week_across_midnight_and_weekends() {
    let office = CallingHours {
        days: WEEKDAYS,
        start: hm(9, 0),
        end: hm(17, 0),
    };
    let ny = "+12125550123";
    // Friday 7 March 2025, 17:00 EST: the next is Monday 10 March 09:00 EDT (after the change).
    let d = decide(ny, utc("2025-03-07T22:00:00Z"), &office);
    assert_eq!(next(&d), utc("2025-03-10T13:00:00Z"));
    // Saturday noon: Monday too.
    let d = decide(ny, utc("2025-03-08T17:00:00Z"), &office);
    assert_eq!(next(&d), utc("2025-03-10T13:00:00Z"));
    // Tuesday 23:30: Wednesday 09:00, across midnight.
    let d = decide(ny, utc("2025-03-12T03:30:00Z"), &office);
    assert_eq!(next(&d), utc("2025-03-12T13:00:00Z"));
    // Friday 16:59: open.
    assert!(matches!(
        decide(ny, utc("2025-03-14T20:59:00Z"), &office),
        HoursDecision::Allowed { .. }
    ));
    // Weekends only, from Sydney's Monday morning: next Saturday.
    let weekend = CallingHours {
        days: [false, false, false, false, false, true, true],
        start: hm(10, 0),
        end: hm(16, 0),
    };
    // Monday 13 January 2025, 09:00 AEDT (UTC+11).
    let d = decide("+61212345678", utc("2025-01-12T22:00:00Z"), &weekend);
    assert_eq!(next(&d), utc("2025-01-17T23:00:00Z"));
    // The day is the callee's: Sunday 10:00 in Sydney is still Saturday in Europe.
    assert!(matches!(
        decide("+61212345678", utc("2025-01-18T23:00:00Z"), &weekend),
        HoursDecision::Allowed { .. }
    ));
}

#[test]
fn us_spring_forward() {
    let chicago = [America__Chicago];
    // 9 March 2025: 02:00 CST becomes 03:00 CDT (08:00 UTC).
    let h = CallingHours::default();
    // Saturday 21:00 CST: the next is Sunday 08:00 CDT (13:00 UTC, not 14:00).
    let d = decide_in(&chicago, utc("2025-03-09T03:00:00Z"), &h);
    assert_eq!(next(&d), utc("2025-03-09T13:00:00Z"));
    // A window that starts in the skipped hour opens when the clocks jump to 03:00.
    let night = hours(hm(2, 30), hm(5, 0));
    let d = decide_in(&chicago, utc("2025-03-09T06:00:00Z"), &night);
    assert_eq!(next(&d), utc("2025-03-09T08:00:00Z"));
    assert_eq!(d.local()[0].to_rfc3339(), "2025-03-09T00:00:00-06:00");
    // ... and on the next day at 02:30 CDT.
    let d = decide_in(&chicago, utc("2025-03-09T11:00:00Z"), &night);
    assert_eq!(next(&d), utc("2025-03-10T07:30:00Z"));
}

#[test]
fn us_fall_back() {
    let chicago = [America__Chicago];
    // 2 November 2025: 02:00 CDT becomes 01:00 CST (07:00 UTC); 01:00-02:00 happens twice.
    let h = hours(hm(1, 30), hm(5, 0));
    // At midnight CDT: the first 01:30 (CDT, 06:30 UTC).
    let d = decide_in(&chicago, utc("2025-11-02T05:00:00Z"), &h);
    assert_eq!(next(&d), utc("2025-11-02T06:30:00Z"));
    // A window that ends in the repeated hour closes at the first 01:30 and opens again
    // when the clocks go back to 01:00.
    let early = hours(hm(0, 0), hm(1, 30));
    let d = decide_in(&chicago, utc("2025-11-02T06:45:00Z"), &early);
    assert_eq!(d.local()[0].to_rfc3339(), "2025-11-02T01:45:00-05:00");
    assert_eq!(next(&d), utc("2025-11-02T07:00:00Z"));
    // Default hours: Saturday 21:00 CDT -> Sunday 08:00 CST (14:00 UTC, not 13:00).
    let d = decide_in(
        &chicago,
        utc("2025-11-02T02:00:00Z"),
        &CallingHours::default(),
    );
    assert_eq!(next(&d), utc("2025-11-02T14:00:00Z"));
}

#[test]
fn eu_spring_forward_and_fall_back() {
    let paris = [Europe__Paris];
    // 30 March 2025: 02:00 CET becomes 03:00 CEST (01:00 UTC). A window entirely inside the
    // skipped hour does not happen that day: the next is 31 March 02:00 CEST.
    let gap = hours(hm(2, 0), hm(2, 30));
    let d = decide_in(&paris, utc("2025-03-30T00:30:00Z"), &gap);
    assert_eq!(next(&d), utc("2025-03-31T00:00:00Z"));
    // 26 October 2025: 03:00 CEST becomes 02:00 CET (01:00 UTC).
    let overlap = hours(hm(2, 15), hm(2, 45));
    let d = decide_in(&paris, utc("2025-10-26T00:00:00Z"), &overlap);
    assert_eq!(next(&d), utc("2025-10-26T00:15:00Z"));
    // After the first 02:45 CEST: the second 02:15, in CET.
    let d = decide_in(&paris, utc("2025-10-26T00:50:00Z"), &overlap);
    assert_eq!(next(&d), utc("2025-10-26T01:15:00Z"));
    // London with the default hours, the evening before the change and the one before.
    let london = [Europe__London];
    let h = CallingHours::default();
    let d = decide_in(&london, utc("2025-03-29T21:00:00Z"), &h);
    assert_eq!(next(&d), utc("2025-03-30T07:00:00Z"));
    let d = decide_in(&london, utc("2025-10-25T20:00:00Z"), &h);
    assert_eq!(next(&d), utc("2025-10-26T08:00:00Z"));
}

#[test]
fn zones_with_different_change_dates() {
    // New York and Chicago change on the same day, an hour apart (each at 02:00 local).
    // Not a real number's zones; the rule for several zones still holds.
    let pair = [America__New_York, America__Chicago];
    let h = hours(hm(8, 0), hm(9, 30));
    // Sunday 9 March 07:30 UTC: 03:30 EDT / 01:30 CST (Chicago changes at 08:00 UTC).
    let d = decide_in(&pair, utc("2025-03-09T07:30:00Z"), &h);
    // Open in both from 08:00 CDT = 09:00 EDT = 13:00 UTC.
    assert_eq!(next(&d), utc("2025-03-09T13:00:00Z"));
}

/// `next_allowed` against a plain scan on a 5-minute grid, for seeded random zones, hours
/// (on the same grid) and instants around clock changes.
#[test]
fn next_allowed_matches_a_brute_force_scan() {
    let seed: u64 = std::env::var("CALLEE_TIME_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20250309);
    let mut rng = StdRng::seed_from_u64(seed);
    let pool = [
        America__New_York,
        America__Chicago,
        America__Denver,
        America__Phoenix,
        America__Los_Angeles,
        America__Boise,
        America__St_Johns,
        America__Halifax,
        America__Sao_Paulo,
        Europe__London,
        Europe__Paris,
        Europe__Moscow,
        Asia__Kathmandu,
        Asia__Kolkata,
        Australia__Sydney,
        Australia__Adelaide,
        Australia__Lord_Howe,
        Australia__Perth,
        Pacific__Chatham,
        Pacific__Auckland,
    ];
    let changes = [
        "2025-03-09T08:00:00Z",
        "2025-03-30T01:00:00Z",
        "2025-04-06T15:00:00Z",
        "2025-10-05T16:00:00Z",
        "2025-10-26T01:00:00Z",
        "2025-11-02T07:00:00Z",
    ];
    for case in 0..300 {
        let n = rng.gen_range(1..=3);
        let zones: Vec<Tz> = (0..n).map(|_| pool[rng.gen_range(0..pool.len())]).collect();
        let start = rng.gen_range(0..24 * 12 - 1) * 5;
        let end = rng.gen_range(start / 5 + 1..24 * 12) * 5;
        let mut days = [false; 7];
        for d in &mut days {
            *d = rng.gen_bool(0.6);
        }
        days[rng.gen_range(0..7)] = true;
        let h = CallingHours {
            days,
            start: hm(start / 60, start % 60),
            end: hm(end / 60, end % 60),
        };
        let base = utc(changes[rng.gen_range(0..changes.len())]);
        let now = base + Duration::seconds(rng.gen_range(-3 * 86_400..86_400));
        let got = search::next_open(&h, &zones, now);
        let want = brute_force(&h, &zones, now);
        assert_eq!(
            got, want,
            "seed {seed} case {case}: zones {zones:?}, hours {h}, now {now}"
        );
    }
}

fn brute_force(h: &CallingHours, zones: &[Tz], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let open = |t: DateTime<Utc>| {
        zones
            .iter()
            .all(|z| h.contains(t.with_timezone(z).naive_local()))
    };
    if open(now) {
        return Some(now);
    }
    let step = 300;
    let first = (now.timestamp() / step + 1) * step;
    let last = (now + Duration::days(HORIZON_DAYS)).timestamp();
    (first..=last)
        .step_by(step as usize)
        .map(|s| Utc.timestamp_opt(s, 0).unwrap())
        .find(|&t| open(t))
}
