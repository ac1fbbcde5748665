//! The user's calling hours: the days of the week and the time of day, in the callee's local
//! time, when a call may be placed without asking. Stored in the settings file as
//! `{"days": [true, ...] (Monday first), "start": "08:00", "end": "21:00"}`; a missing field
//! takes its default. It must never hold a window that ends before it starts or has no day
//! once validated ([`CallingHours::validate`]).

use std::fmt;

use chrono::{Datelike, NaiveDateTime, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

/// When calls may be placed, in the callee's local time. The default is 08:00 to 21:00 every
/// day (the US rule for telephone solicitation: not before 8 am nor after 9 pm at the called
/// party's location).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CallingHours {
    /// The days calls may be placed, Monday first.
    pub days: [bool; 7],
    /// The first minute calls may be placed (included).
    #[serde(with = "hh_mm")]
    pub start: NaiveTime,
    /// The end of the window (excluded: with 21:00, a call may start at 20:59 but not 21:00).
    #[serde(with = "hh_mm")]
    pub end: NaiveTime,
}

impl Default for CallingHours {
    fn default() -> Self {
        CallingHours {
            days: [true; 7],
            start: hm(8, 0),
            end: hm(21, 0),
        }
    }
}

/// Why calling hours cannot be saved, in words for the settings screen.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidHours {
    /// No day is chosen.
    #[error("Choose at least one day when calls may be placed.")]
    NoDay,
    /// The window ends when or before it starts (windows across midnight are not supported).
    #[error("Calling hours must start before they end: {} to {} does not work. For example, choose 08:00 to 21:00.", clock(*start), clock(*end))]
    EndsBeforeStart {
        /// The start as given.
        start: NaiveTime,
        /// The end as given.
        end: NaiveTime,
    },
}

impl CallingHours {
    /// Checks that at least one day is chosen and that the window starts before it ends.
    pub fn validate(&self) -> Result<(), InvalidHours> {
        if !self.days.contains(&true) {
            return Err(InvalidHours::NoDay);
        }
        if self.start >= self.end {
            return Err(InvalidHours::EndsBeforeStart {
                start: self.start,
                end: self.end,
            });
        }
        Ok(())
    }

    /// Whether a clock on the wall showing `local` is inside the window.
    pub fn contains(&self, local: NaiveDateTime) -> bool {
        let day = local.weekday().num_days_from_monday() as usize;
        self.days[day] && self.start <= local.time() && local.time() < self.end
    }
}

const DAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// "08:00–21:00, every day", "09:00–17:00, Monday to Friday", "10:00–12:00, Monday and
/// Thursday".
impl fmt::Display for CallingHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}–{}, ", clock(self.start), clock(self.end))?;
        let on: Vec<usize> = (0..7).filter(|&d| self.days[d]).collect();
        let (Some(&first), Some(&last)) = (on.first(), on.last()) else {
            return f.write_str("no day");
        };
        if on.len() == 7 {
            f.write_str("every day")
        } else if on.len() >= 3 && last - first + 1 == on.len() {
            write!(f, "{} to {}", DAY_NAMES[first], DAY_NAMES[last])
        } else {
            let names: Vec<&str> = on.iter().map(|&d| DAY_NAMES[d]).collect();
            match names.split_last() {
                Some((last, rest)) if !rest.is_empty() => {
                    write!(f, "{} and {last}", rest.join(", "))
                }
                _ => f.write_str(names[0]),
            }
        }
    }
}

/// `hh:mm` as a person reads it (seconds are not shown).
pub(super) fn clock(t: NaiveTime) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

/// Times as `"08:00"` in the settings file; `"08:00:00"` is read too.
mod hh_mm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.format("%H:%M").to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(d)?;
        NaiveTime::parse_from_str(&text, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(&text, "%H:%M:%S"))
            .map_err(|_| serde::de::Error::custom(format!("{text:?} is not a time like 08:00")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn the_default_is_8_to_21_every_day_end_excluded() {
        let h = CallingHours::default();
        assert_eq!(h.to_string(), "08:00–21:00, every day");
        assert!(h.validate().is_ok());
        // 2025-03-09 is a Sunday.
        assert!(!h.contains(at(2025, 3, 9, 7, 59)));
        assert!(h.contains(at(2025, 3, 9, 8, 0)));
        assert!(h.contains(at(2025, 3, 9, 20, 59)));
        assert!(!h.contains(at(2025, 3, 9, 21, 0)));
    }

    #[test]
    fn days_of_the_week_are_monday_first() {
        let h = CallingHours {
            days: [true, true, true, true, true, false, false],
            start: hm(9, 0),
            end: hm(17, 30),
        };
        assert_eq!(h.to_string(), "09:00–17:30, Monday to Friday");
        assert!(h.contains(at(2025, 3, 7, 12, 0))); // Friday
        assert!(!h.contains(at(2025, 3, 8, 12, 0))); // Saturday
        assert!(!h.contains(at(2025, 3, 9, 12, 0))); // Sunday
        assert!(h.contains(at(2025, 3, 10, 9, 0))); // Monday
        let some = CallingHours {
            days: [true, false, false, true, false, false, true],
            ..h
        };
        assert_eq!(some.to_string(), "09:00–17:30, Monday, Thursday and Sunday");
        let one = CallingHours {
            days: [false, false, true, false, false, false, false],
            ..h
        };
        assert_eq!(one.to_string(), "09:00–17:30, Wednesday");
    }

    #[test]
    fn validation_says_what_is_wrong() {
        let none = CallingHours {
            days: [false; 7],
            ..CallingHours::default()
        };
        assert_eq!(
            none.validate().unwrap_err().to_string(),
            "Choose at least one day when calls may be placed."
        );
        let backwards = CallingHours {
            start: hm(21, 0),
            end: hm(8, 0),
            ..CallingHours::default()
        };
        assert_eq!(
            backwards.validate().unwrap_err().to_string(),
            "Calling hours must start before they end: 21:00 to 08:00 does not work. For \
             example, choose 08:00 to 21:00."
        );
        let empty = CallingHours {
            start: hm(9, 0),
            end: hm(9, 0),
            ..CallingHours::default()
        };
        assert!(empty.validate().is_err());
    }

    #[test]
    fn serde_round_trip_and_defaults_for_missing_fields() {
        let h = CallingHours {
            days: [true, true, true, true, true, false, false],
            start: hm(9, 15),
            end: hm(17, 0),
        };
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(
            json,
            r#"{"days":[true,true,true,true,true,false,false],"start":"09:15","end":"17:00"}"#
        );
        assert_eq!(serde_json::from_str::<CallingHours>(&json).unwrap(), h);
        let partial: CallingHours = serde_json::from_str(r#"{"end":"20:00:00"}"#).unwrap();
        assert_eq!(
            partial,
            CallingHours {
                end: hm(20, 0),
                ..CallingHours::default()
            }
        );
        assert!(serde_json::from_str::<CallingHours>(r#"{"start":"8am"}"#).is_err());
    }
}
