//! Who a call is made for: an optional name and business the agent gives, and whether it says
//! that it is an AI assistant. When a name or a business is set, one short sentence is added to
//! every mission, worded here and nowhere else ([`CallerIdentity::sentence`], placed by
//! [`mission_text`]); the confirmation shows the mission with it, and that text is what is sent
//! and what history keeps.
//!
//! This module only builds text. It must never decide on its own to leave the sentence out of
//! a call: a mission too long to carry it is refused by the caller (see
//! [`crate::calls::prepare_as`]), never sent without it.

use serde::Serialize;

/// The longest name or business accepted, in characters.
pub const MAX_IDENTITY_CHARS: usize = 100;

/// Who the agent says the call is for, and whether it says it is an AI.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CallerIdentity {
    /// The person the call is made for, e.g. "Ada Okafor".
    pub name: Option<String>,
    /// Their business, e.g. "Luigi's Trattoria".
    pub business: Option<String>,
    /// The agent introduces itself as an AI assistant (on by default).
    pub disclose_ai: bool,
}

impl Default for CallerIdentity {
    fn default() -> Self {
        CallerIdentity {
            name: None,
            business: None,
            disclose_ai: true,
        }
    }
}

impl CallerIdentity {
    /// No name and no business: nothing is added to missions.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.business.is_none()
    }

    /// The identity as it is kept: each part one line, trimmed, at most
    /// [`MAX_IDENTITY_CHARS`] characters; an empty part is no part.
    pub fn cleaned(&self) -> Result<CallerIdentity, String> {
        let part = |what: &str, v: &Option<String>| -> Result<Option<String>, String> {
            let Some(v) = v else { return Ok(None) };
            let v = crate::session::plain_line(v);
            if v.is_empty() {
                return Ok(None);
            }
            let n = v.chars().count();
            if n > MAX_IDENTITY_CHARS {
                return Err(format!(
                    "The {what} can have at most {MAX_IDENTITY_CHARS} characters; this one has {n}."
                ));
            }
            Ok(Some(v))
        };
        Ok(CallerIdentity {
            name: part("name", &self.name)?,
            business: part("business name", &self.business)?,
            disclose_ai: self.disclose_ai,
        })
    }

    /// The sentence added to every mission, or `None` when no name or business is set, e.g.
    /// "Introduce yourself as an AI assistant calling on behalf of Ada Okafor from Luigi's
    /// Trattoria."
    pub fn sentence(&self) -> Option<String> {
        let who = match (self.name.as_deref(), self.business.as_deref()) {
            (Some(n), Some(b)) => format!("{n} from {b}"),
            (Some(one), None) | (None, Some(one)) => one.to_owned(),
            (None, None) => return None,
        };
        Some(if self.disclose_ai {
            format!("Introduce yourself as an AI assistant calling on behalf of {who}.")
        } else {
            format!("Say that you are calling on behalf of {who}.")
        })
    }
}

/// The mission as it is sent: the task, then (after a blank line) the identity's sentence
/// when there is one. `task` is taken as given (the caller trims it).
pub fn mission_text(task: &str, identity: &CallerIdentity) -> String {
    match identity.sentence() {
        Some(s) => format!("{task}\n\n{s}"),
        None => task.to_owned(),
    }
}

/// The identity in force, shared by the session manager and every [`crate::calls::Calls`] it
/// builds, so that a change in Settings applies to the next confirmation at once.
pub type SharedIdentity = crate::shared::Shared<CallerIdentity>;

#[cfg(test)]
mod tests {
    use super::*;

    fn id(name: Option<&str>, business: Option<&str>, ai: bool) -> CallerIdentity {
        CallerIdentity {
            name: name.map(Into::into),
            business: business.map(Into::into),
            disclose_ai: ai,
        }
    }

    #[test]
    fn the_sentence_names_who_the_call_is_for() {
        assert_eq!(
            id(Some("Ada Okafor"), Some("Luigi's Trattoria"), true).sentence().as_deref(),
            Some("Introduce yourself as an AI assistant calling on behalf of Ada Okafor from Luigi's Trattoria.")
        );
        assert_eq!(
            id(None, Some("Luigi's Trattoria"), true)
                .sentence()
                .as_deref(),
            Some("Introduce yourself as an AI assistant calling on behalf of Luigi's Trattoria.")
        );
        assert_eq!(
            id(Some("Ada Okafor"), None, false).sentence().as_deref(),
            Some("Say that you are calling on behalf of Ada Okafor.")
        );
        assert_eq!(id(None, None, true).sentence(), None);
        assert_eq!(
            mission_text("Book a table", &id(None, None, true)),
            "Book a table"
        );
        assert_eq!(
            mission_text("Book a table", &id(Some("Ada"), None, true)),
            "Book a table\n\nIntroduce yourself as an AI assistant calling on behalf of Ada."
        );
    }

    #[test]
    fn parts_are_one_line_and_bounded() {
        let c = id(Some("  Ada\nOkafor\u{7} "), Some("   "), true)
            .cleaned()
            .unwrap();
        assert_eq!(c, id(Some("Ada Okafor"), None, true));
        let long = "x".repeat(MAX_IDENTITY_CHARS + 1);
        assert!(id(None, Some(&long), true).cleaned().is_err());
    }

    #[test]
    fn a_shared_identity_changes_for_every_holder() {
        let a = SharedIdentity::default();
        let b = a.clone();
        assert!(b.get().is_empty());
        a.set(id(Some("Ada"), None, true));
        assert_eq!(b.get().name.as_deref(), Some("Ada"));
    }
}
