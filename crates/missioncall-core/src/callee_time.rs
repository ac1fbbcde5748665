//! The callee's local time, and whether a call now fits the user's calling hours there.
//!
//! From a number, the time zones where it may ring ([`zones_for`]: libphonenumber's prefix
//! data, zone rules from `chrono-tz`); its local time when those zones are close together
//! ([`local_time`]: within [`MAX_SPREAD_MINUTES`] of each other at that instant), unknown
//! otherwise (toll-free and other non-geographic numbers); and the decision for a call at a
//! given instant ([`decide`]): allowed, outside the hours (with the next allowed time, found
//! exactly across daylight-saving changes), or not applicable. Where a number may ring in
//! several zones, the window is open only when it is open in all of them.
//!
//! Nothing here reads the clock: every function takes `now`. Nothing here places, refuses or
//! stores a call; the caller decides what to do with the answer. It must never panic, whatever
//! the number.

mod hours;
mod search;
mod zones;

use chrono::{DateTime, Offset, Utc};
use chrono_tz::Tz;

pub use hours::{CallingHours, InvalidHours};
pub use search::HORIZON_DAYS;

use crate::phone::{self, PhoneNumber};

/// Zones further apart than this (in minutes, at the instant asked about) make a number's
/// local time unknown.
pub const MAX_SPREAD_MINUTES: i32 = 3 * 60;

/// The time zones where `e164` may ring, in the data's order (alphabetical). Empty when the
/// number is not valid or is tied to no place (for example `+800` international freephone).
pub fn zones_for(e164: &str) -> Vec<Tz> {
    phone::parse(e164, None)
        .map(|n| zones::zones_of(&n))
        .unwrap_or_default()
}

/// [`zones_for`] for a number already parsed (no second parse).
pub fn zones_for_number(number: &PhoneNumber) -> Vec<Tz> {
    zones::zones_of(number)
}

/// The callee's local time at an instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocalTime {
    /// The wall clock in each of the number's zones (all within [`MAX_SPREAD_MINUTES`]).
    Known {
        /// One entry per zone, in [`zones_for`]'s order; each carries its zone and offset.
        local: Vec<DateTime<Tz>>,
    },
    /// The local time cannot be told; calling hours do not apply.
    Unknown {
        /// Why.
        reason: UnknownReason,
    },
}

/// Why a number's local time is unknown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnknownReason {
    /// The text is not a valid phone number.
    NotANumber,
    /// The number is tied to no place.
    NoPlace,
    /// The number may ring in zones too far apart to tell (toll-free, non-geographic, mobile
    /// numbers of a large country).
    FarApart {
        /// The zone with the earliest wall clock at that instant.
        west: Tz,
        /// The zone with the latest wall clock at that instant.
        east: Tz,
        /// How far apart their clocks are, in minutes.
        minutes: i32,
    },
}

impl std::fmt::Display for UnknownReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UnknownReason::NotANumber => {
                f.write_str("This is not a valid phone number, so its local time is unknown.")
            }
            UnknownReason::NoPlace => f.write_str(
                "This number is not tied to a place, so its local time is unknown and your \
                 calling hours do not apply to it.",
            ),
            UnknownReason::FarApart {
                west,
                east,
                minutes,
            } => write!(
                f,
                "This number can ring in time zones {} apart (from {} to {}), as toll-free and \
                 other non-geographic numbers can, so its local time is unknown and your \
                 calling hours do not apply to it.",
                span(*minutes),
                west.name(),
                east.name()
            ),
        }
    }
}

/// The local time of `e164` at `now`.
pub fn local_time(e164: &str, now: DateTime<Utc>) -> LocalTime {
    match phone::parse(e164, None) {
        Ok(n) => local_time_in(&zones::zones_of(&n), now),
        Err(_) => LocalTime::Unknown {
            reason: UnknownReason::NotANumber,
        },
    }
}

/// The local time at `now` of a number that rings in `zones`.
pub fn local_time_in(zones: &[Tz], now: DateTime<Utc>) -> LocalTime {
    let local: Vec<DateTime<Tz>> = zones.iter().map(|z| now.with_timezone(z)).collect();
    let offset = |t: &DateTime<Tz>| t.offset().fix().local_minus_utc() / 60;
    let west = local.iter().min_by_key(|t| offset(t));
    // The first zone with the latest clock (max_by_key keeps the last of equals).
    let east = local.iter().rev().max_by_key(|t| offset(t));
    let (Some(west), Some(east)) = (west, east) else {
        return LocalTime::Unknown {
            reason: UnknownReason::NoPlace,
        };
    };
    let minutes = offset(east) - offset(west);
    if minutes > MAX_SPREAD_MINUTES {
        return LocalTime::Unknown {
            reason: UnknownReason::FarApart {
                west: west.timezone(),
                east: east.timezone(),
                minutes,
            },
        };
    }
    LocalTime::Known { local }
}

/// Whether a call at an instant fits the calling hours where the callee is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HoursDecision {
    /// Inside the calling hours in every one of the number's zones.
    Allowed {
        /// The callee's wall clock, one per zone.
        local: Vec<DateTime<Tz>>,
    },
    /// Outside the calling hours in at least one zone; the call needs an explicit choice.
    Outside {
        /// The callee's wall clock, one per zone.
        local: Vec<DateTime<Tz>>,
        /// The earliest instant from now on when the hours are open in every zone.
        next_allowed: DateTime<Utc>,
    },
    /// Outside, and the hours are not open in all of the number's zones at once at any time in
    /// the next [`HORIZON_DAYS`] days (a short window and zones hours apart).
    NoCommonWindow {
        /// The callee's wall clock, one per zone.
        local: Vec<DateTime<Tz>>,
    },
    /// The local time is unknown, so the calling hours do not apply.
    Unknown {
        /// Why.
        reason: UnknownReason,
    },
}

impl HoursDecision {
    /// Whether placing the call now needs the user's explicit choice (schedule, or call anyway).
    pub fn needs_choice(&self) -> bool {
        matches!(
            self,
            HoursDecision::Outside { .. } | HoursDecision::NoCommonWindow { .. }
        )
    }

    /// The callee's wall clock, one per zone (empty when unknown).
    pub fn local(&self) -> &[DateTime<Tz>] {
        match self {
            HoursDecision::Allowed { local }
            | HoursDecision::Outside { local, .. }
            | HoursDecision::NoCommonWindow { local } => local,
            HoursDecision::Unknown { .. } => &[],
        }
    }

    /// The next allowed time, when the call is outside the hours and one was found.
    pub fn next_allowed(&self) -> Option<DateTime<Utc>> {
        match self {
            HoursDecision::Outside { next_allowed, .. } => Some(*next_allowed),
            _ => None,
        }
    }

    /// What the confirmation says, e.g. "It is 22:40 for them (America/Chicago), outside your
    /// calling hours (08:00–21:00, every day). The next allowed time is 08:00 on Tuesday
    /// 14 January for them (America/Chicago), 15:00 on Tuesday 14 January for you
    /// (Europe/Paris)." `hours` are the hours the decision was made with; `user_zone` is the
    /// user's own time zone.
    pub fn sentence(&self, hours: &CallingHours, user_zone: Tz) -> String {
        match self {
            HoursDecision::Allowed { local } => format!("It is {}.", for_them(local, false)),
            HoursDecision::Outside {
                local,
                next_allowed,
            } => {
                let theirs: Vec<DateTime<Tz>> = local
                    .iter()
                    .map(|t| next_allowed.with_timezone(&t.timezone()))
                    .collect();
                let yours = next_allowed.with_timezone(&user_zone);
                format!(
                    "It is {}, outside your calling hours ({hours}). The next allowed time is \
                     {}, {} for you ({}).",
                    for_them(local, false),
                    for_them(&theirs, true),
                    wall(&yours, true),
                    user_zone.name()
                )
            }
            HoursDecision::NoCommonWindow { local } => format!(
                "It is {}. Your calling hours ({hours}) are not open at the same time in all of \
                 this number's time zones in the next {HORIZON_DAYS} days.",
                for_them(local, false)
            ),
            HoursDecision::Unknown { reason } => reason.to_string(),
        }
    }
}

/// Whether a call to `e164` at `now` fits `hours` in the callee's local time.
pub fn decide(e164: &str, now: DateTime<Utc>, hours: &CallingHours) -> HoursDecision {
    match phone::parse(e164, None) {
        Ok(n) => decide_in(&zones::zones_of(&n), now, hours),
        Err(_) => HoursDecision::Unknown {
            reason: UnknownReason::NotANumber,
        },
    }
}

/// [`decide`] for a number already parsed (no second parse).
pub fn decide_number(
    number: &PhoneNumber,
    now: DateTime<Utc>,
    hours: &CallingHours,
) -> HoursDecision {
    decide_in(&zones::zones_of(number), now, hours)
}

/// [`decide`] for a number that rings in `zones`.
pub fn decide_in(zones: &[Tz], now: DateTime<Utc>, hours: &CallingHours) -> HoursDecision {
    let local = match local_time_in(zones, now) {
        LocalTime::Known { local } => local,
        LocalTime::Unknown { reason } => return HoursDecision::Unknown { reason },
    };
    if search::open_in_all(hours, zones, now) {
        return HoursDecision::Allowed { local };
    }
    match search::next_open(hours, zones, now) {
        Some(next_allowed) => HoursDecision::Outside {
            local,
            next_allowed,
        },
        None => HoursDecision::NoCommonWindow { local },
    }
}

/// The calling hours in force and the user's own time zone (for the times shown to them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoursRule {
    /// The window calls are allowed in, in the callee's local time.
    pub hours: CallingHours,
    /// The user's time zone.
    pub user_zone: Tz,
}

/// What the confirmation shows of the calling hours for one call at one instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoursCheck {
    /// The decision.
    pub decision: HoursDecision,
    /// The sentence for the user ([`HoursDecision::sentence`]).
    pub sentence: String,
}

impl HoursRule {
    /// The rule with `hours` in the computer's own time zone ([`user_zone`]).
    pub fn here(hours: CallingHours) -> HoursRule {
        HoursRule {
            hours,
            user_zone: user_zone(),
        }
    }

    /// The decision for a call to `number` at `at`, with its sentence.
    pub fn check(&self, number: &PhoneNumber, at: DateTime<Utc>) -> HoursCheck {
        let decision = decide_number(number, at, &self.hours);
        let sentence = decision.sentence(&self.hours, self.user_zone);
        HoursCheck { decision, sentence }
    }
}

/// The computer's time zone (IANA name from the system), or UTC when it cannot be told.
pub fn user_zone() -> Tz {
    iana_time_zone::get_timezone()
        .ok()
        .and_then(|name| name.parse::<Tz>().ok())
        .unwrap_or(Tz::UTC)
}

/// "22:40 for them (America/Chicago)", or with several zones "22:40 for them
/// (America/Chicago) or 21:40 (America/Denver)"; zones showing the same wall clock share it.
fn for_them(local: &[DateTime<Tz>], with_day: bool) -> String {
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for t in local {
        let shown = wall(t, with_day);
        match groups.iter_mut().find(|(s, _)| *s == shown) {
            Some((_, names)) => names.push(t.timezone().name()),
            None => groups.push((shown, vec![t.timezone().name()])),
        }
    }
    let mut parts = groups.into_iter().map(|(shown, names)| {
        let names = if names.len() > 3 {
            format!("{}, {} and {} more", names[0], names[1], names.len() - 2)
        } else {
            names.join(", ")
        };
        (shown, names)
    });
    let Some((shown, names)) = parts.next() else {
        return "unknown for them".to_owned();
    };
    let mut text = format!("{shown} for them ({names})");
    for (shown, names) in parts {
        text.push_str(&format!(" or {shown} ({names})"));
    }
    text
}

/// "22:40", or "08:00 on Tuesday 14 January".
fn wall(t: &DateTime<Tz>, with_day: bool) -> String {
    if with_day {
        t.format("%H:%M on %A %-d %B").to_string()
    } else {
        t.format("%H:%M").to_string()
    }
}

/// "4 hours", "5 hours 30 minutes".
fn span(minutes: i32) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    let hours = if h == 1 {
        "1 hour".to_owned()
    } else {
        format!("{h} hours")
    };
    if m == 0 {
        hours
    } else {
        format!("{hours} {m} minutes")
    }
}

#[cfg(test)]
mod tests;
