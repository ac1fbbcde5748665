//! What the user says of a call, beside what the service says: the outcome (see
//! [`crate::call::Outcome`]), a note, tags, a follow-up date and the names given to numbers
//! (contacts). This module holds the values and the rules for what may be typed; the history
//! stores them ([`crate::history::History::set_outcome`] and its neighbours).

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// The longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 40;
/// The longest contact name, in characters.
pub const MAX_CONTACT_CHARS: usize = 100;
/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 20_000;
/// The most tags on one call.
pub const MAX_TAGS_PER_CALL: usize = 20;

/// When to follow a call up: a day, and optionally a time of day, on the user's clock (local
/// wall time, as people write it in a diary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct FollowUp {
    /// The day.
    pub date: NaiveDate,
    /// The time of day, if one was given.
    pub time: Option<NaiveTime>,
}

impl FollowUp {
    /// How it is stored: `YYYY-MM-DD` or `YYYY-MM-DD HH:MM` (these sort in time order).
    pub fn key(&self) -> String {
        match self.time {
            Some(t) => format!("{} {}", self.date.format("%Y-%m-%d"), t.format("%H:%M")),
            None => self.date.format("%Y-%m-%d").to_string(),
        }
    }

    /// The value stored as `key`.
    pub fn from_key(key: &str) -> Option<FollowUp> {
        Self::parse(key).ok()
    }

    /// Reads what a person types: `2026-12-24`, `2026-12-24 09:30` or `2026-12-24T09:30`.
    pub fn parse(text: &str) -> Result<FollowUp, String> {
        let t = text.trim();
        let bad = || {
            format!(
                "\"{}\" is not a date MissionCall can read. Write it as year-month-day, like \
                 2026-12-24, optionally with a time: 2026-12-24 09:30.",
                crate::session::plain_line(&t.chars().take(40).collect::<String>())
            )
        };
        if let Ok(date) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            return Ok(FollowUp { date, time: None });
        }
        for fmt in [
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S",
        ] {
            if let Ok(dt) = NaiveDateTime::parse_from_str(t, fmt) {
                let time = NaiveTime::from_hms_opt(
                    chrono::Timelike::hour(&dt),
                    chrono::Timelike::minute(&dt),
                    0,
                );
                return Ok(FollowUp {
                    date: dt.date(),
                    time,
                });
            }
        }
        Err(bad())
    }

    /// The moment it falls due on the local clock: its time, or the start of its day.
    pub fn due_at(&self) -> NaiveDateTime {
        self.date.and_time(self.time.unwrap_or(NaiveTime::MIN))
    }

    /// True when it has fallen due by `now` (local wall time).
    pub fn is_due(&self, now: NaiveDateTime) -> bool {
        self.due_at() <= now
    }
}

impl std::fmt::Display for FollowUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key())
    }
}

/// Folds runs of whitespace and control characters into one space and trims.
fn one_line(text: &str) -> String {
    crate::session::plain_line(text)
}

/// A tag as it is kept: one line, trimmed, 1 to [`MAX_TAG_CHARS`] characters.
pub fn clean_tag(text: &str) -> Result<String, String> {
    let tag = one_line(text);
    if tag.is_empty() {
        return Err("A tag needs at least one letter or digit.".into());
    }
    if tag.chars().count() > MAX_TAG_CHARS {
        return Err(format!(
            "A tag can have at most {MAX_TAG_CHARS} characters; this one has {}. Use a shorter label, and the note for longer text.",
            tag.chars().count()
        ));
    }
    if !tag.chars().any(char::is_alphanumeric) {
        return Err("A tag needs at least one letter or digit.".into());
    }
    Ok(tag)
}

/// A contact name as it is kept: one line, trimmed, 1 to [`MAX_CONTACT_CHARS`] characters.
pub fn clean_contact_name(text: &str) -> Result<String, String> {
    let name = one_line(text);
    if name.is_empty() {
        return Err("Give the contact a name (or remove the contact instead).".into());
    }
    if name.chars().count() > MAX_CONTACT_CHARS {
        return Err(format!(
            "A contact's name can have at most {MAX_CONTACT_CHARS} characters; this one has {}.",
            name.chars().count()
        ));
    }
    Ok(name)
}

/// A note as it is kept: its lines as typed (control characters other than line breaks and
/// tabs removed), trimmed, at most [`MAX_NOTE_CHARS`] characters.
pub fn clean_note(text: &str) -> Result<String, String> {
    let note: String = text
        .replace("\r\n", "\n")
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect();
    let note = note.trim().to_owned();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(format!(
            "A note can have at most {MAX_NOTE_CHARS} characters; this one has {}. Keep the essentials, or split it.",
            note.chars().count()
        ));
    }
    Ok(note)
}

/// A span of time: its start (included) and end (excluded), each open when `None`.
pub type Bounds = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The moment a local calendar day starts (a day that starts in a clock change starts at its
/// first existing minute).
pub fn local_day_start(date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    Local
        .from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            Local
                .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
}

/// A calendar day written year-month-day (`2026-12-24`).
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// The moments that bound the local days `since` to `until`, both included: from the start
/// of `since` to the start of the day after `until`. An error when `since` is after `until`.
pub fn day_range(since: Option<NaiveDate>, until: Option<NaiveDate>) -> Result<Bounds, String> {
    if let (Some(s), Some(u)) = (since, until) {
        if s > u {
            return Err(format!(
                "The start date ({s}) is after the end date ({u}): no call can match. Swap them?"
            ));
        }
    }
    Ok((
        since.map(local_day_start),
        until.and_then(|u| u.succ_opt()).map(local_day_start),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_up_dates_read_and_sort() {
        let d = FollowUp::parse("2026-12-24").unwrap();
        assert_eq!(d.key(), "2026-12-24");
        let t = FollowUp::parse(" 2026-12-24T09:30 ").unwrap();
        assert_eq!(t.key(), "2026-12-24 09:30");
        assert_eq!(FollowUp::from_key(&t.key()), Some(t));
        assert!(
            d < t && d.key() < t.key(),
            "the stored keys sort as the dates do"
        );
        for bad in [
            "",
            "24/12/2026",
            "2026-13-01",
            "2026-02-30",
            "tomorrow",
            "2026-12-24 25:00",
        ] {
            let e = FollowUp::parse(bad).unwrap_err();
            assert!(e.contains("year-month-day"), "{bad}: {e}");
        }
        let now = NaiveDate::from_ymd_opt(2026, 12, 24)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        assert!(d.is_due(now));
        assert!(!t.is_due(now));
    }

    #[test]
    fn typed_labels_are_cleaned_or_refused_with_a_reason() {
        assert_eq!(clean_tag("  VIP \n client ").unwrap(), "VIP client");
        assert!(clean_tag(" \t").is_err());
        assert!(clean_tag("---").is_err());
        assert!(clean_tag(&"x".repeat(MAX_TAG_CHARS + 1))
            .unwrap_err()
            .contains("at most"));
        assert_eq!(
            clean_contact_name("Luigi's\u{7}Trattoria").unwrap(),
            "Luigi's Trattoria"
        );
        assert!(clean_contact_name("").is_err());
        assert_eq!(
            clean_note(" line 1\r\nline\u{0} 2 ").unwrap(),
            "line 1\nline 2"
        );
        assert!(clean_note(&"x".repeat(MAX_NOTE_CHARS + 1)).is_err());
    }
}
