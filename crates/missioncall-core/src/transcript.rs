//! Reading a call transcript (`concatenated_transcript`) into speaker turns.
//!
//! The service does not document the transcript's shape; comparable services send lines like
//! `assistant: ...` / `user: ...`. This module reads that shape tolerantly (any label, lines
//! without a label continue the previous turn) and must never panic or drop text: whatever it
//! cannot attribute is kept as a turn of an unknown speaker. It never interprets text as markup.

use serde::Serialize;

/// Who spoke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Speaker {
    /// The voice agent.
    Agent,
    /// The person called.
    Callee,
    /// A label we do not know, or none.
    Other,
}

/// One turn of the conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Turn {
    /// Who spoke.
    pub speaker: Speaker,
    /// The label as written (`assistant`, `user`, ...), or empty.
    pub label: String,
    /// What was said.
    pub text: String,
}

const AGENT_LABELS: [&str; 6] = ["assistant", "agent", "ai", "bot", "caller", "workapi"];
const CALLEE_LABELS: [&str; 6] = ["user", "callee", "human", "customer", "recipient", "person"];

fn speaker_of(label: &str) -> Option<Speaker> {
    let l = label.trim().to_lowercase();
    if AGENT_LABELS.contains(&l.as_str()) {
        Some(Speaker::Agent)
    } else if CALLEE_LABELS.contains(&l.as_str()) {
        Some(Speaker::Callee)
    } else {
        None
    }
}

/// Splits `label: text` when the label is short and word-like.
fn split_label(line: &str) -> Option<(&str, &str)> {
    let (label, rest) = line.split_once(':')?;
    let label_t = label.trim();
    let wordlike = !label_t.is_empty()
        && label_t.chars().count() <= 24
        && label_t
            .chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || c == '_' || c == '-');
    wordlike.then_some((label_t, rest.trim()))
}

/// Reads a transcript into turns. Known labels map to agent/callee; another short label at the
/// start of a line starts a turn of `Other`; a line without a label continues the last turn.
pub fn parse(text: &str) -> Vec<Turn> {
    let mut turns: Vec<Turn> = Vec::new();
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        match split_label(line) {
            Some((label, said)) if speaker_of(label).is_some() || turns.is_empty() => {
                turns.push(Turn {
                    speaker: speaker_of(label).unwrap_or(Speaker::Other),
                    label: label.to_owned(),
                    text: said.to_owned(),
                });
            }
            _ => match turns.last_mut() {
                Some(last) => {
                    if !last.text.is_empty() {
                        last.text.push('\n');
                    }
                    last.text.push_str(line);
                }
                None => turns.push(Turn {
                    speaker: Speaker::Other,
                    label: String::new(),
                    text: line.to_owned(),
                }),
            },
        }
    }
    turns
}

/// True when the person called barely spoke (fewer than `4` words in all): the call was likely
/// not answered, or reached voicemail.
pub fn likely_no_answer(turns: &[Turn]) -> bool {
    let callee_words: usize = turns
        .iter()
        .filter(|t| t.speaker == Speaker::Callee)
        .map(|t| t.text.split_whitespace().count())
        .sum();
    callee_words < 4
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_speaker_turns_and_continuations() {
        let t = parse("assistant: Hello, I'm calling about a table.\nuser: Sure, for how many?\n  Four people?\nassistant: Yes, four.\n");
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].speaker, Speaker::Agent);
        assert_eq!(t[1].speaker, Speaker::Callee);
        assert_eq!(t[1].text, "Sure, for how many?\nFour people?");
        assert!(!likely_no_answer(&t));
    }

    #[test]
    fn colons_inside_speech_do_not_start_turns() {
        let t = parse("agent: The time is 7:30 pm: is that ok?\nuser: Yes, note: window seat");
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].text, "The time is 7:30 pm: is that ok?");
        assert_eq!(t[1].text, "Yes, note: window seat");
    }

    #[test]
    fn unknown_first_label_and_unlabelled_text_are_kept() {
        let t = parse("Voicemail: Please leave a message.\nassistant: Hi, this is a message.");
        assert_eq!(t[0].speaker, Speaker::Other);
        assert_eq!(t[0].label, "Voicemail");
        assert!(likely_no_answer(&t));
        let t = parse("just text without any label");
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].text, "just text without any label");
    }

    #[test]
    fn markup_is_kept_as_text() {
        let t = parse("user: <img src=x onerror=alert(1)>");
        assert_eq!(t[0].text, "<img src=x onerror=alert(1)>");
    }

    proptest! {
        #[test]
        fn never_panics_and_keeps_every_letter(s in "\\PC{0,400}") {
            let turns = parse(&s);
            let count = |t: &str| t.chars().filter(|c| c.is_alphanumeric()).count();
            let kept: usize = turns.iter().map(|t| count(&t.text) + count(&t.label)).sum();
            prop_assert_eq!(kept, count(&s));
            let _ = likely_no_answer(&turns);
        }

        #[test]
        fn never_panics_on_transcript_like_text(s in "((assistant|user|x|)(: )?[a-z :]{0,20}\n){0,20}") {
            let turns = parse(&s);
            for t in &turns { prop_assert!(!t.text.starts_with(' ')); }
        }
    }
}
