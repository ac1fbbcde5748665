//! The deterministic call script: what the simulated callee says and how the call ends, derived
//! only from the phone number and the task text.
//!
//! Pure functions, no clock, no randomness, no I/O. The same inputs must always give the same
//! transcript and summary; the task text is quoted verbatim (only whitespace runs are folded to one
//! space so speaker turns stay one per line), never escaped or trimmed of markup.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How a simulated call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The callee answered and the task was done (the common case).
    GoalMet,
    /// Nobody answered: the transcript has no `user:` line at all.
    NoAnswer,
    /// A voicemail greeting answered: one `user:` line, the greeting.
    Voicemail,
    /// The callee answered and declined.
    Refused,
}

impl Outcome {
    /// Every outcome, in a fixed order.
    pub const ALL: [Outcome; 4] = [
        Outcome::GoalMet,
        Outcome::NoAnswer,
        Outcome::Voicemail,
        Outcome::Refused,
    ];

    /// The marker that forces this outcome when it appears in the task text, e.g. `[sim:refused]`.
    pub fn marker(self) -> &'static str {
        match self {
            Outcome::GoalMet => "[sim:goal_met]",
            Outcome::NoAnswer => "[sim:no_answer]",
            Outcome::Voicemail => "[sim:voicemail]",
            Outcome::Refused => "[sim:refused]",
        }
    }
}

/// The result of a simulated call: the outcome and the two `result_data` strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallScript {
    pub outcome: Outcome,
    /// Speaker turns, one per line: `assistant: ...` / `user: ...`.
    pub concatenated_transcript: String,
    pub summary: String,
}

fn digest(phone_number: &str, task: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(phone_number.as_bytes());
    h.update([0u8]);
    h.update(task.as_bytes());
    h.finalize().into()
}

/// The outcome for this number and task. A `[sim:<outcome>]` marker in the task text wins;
/// otherwise a hash picks: 70 % goal met, 10 % no answer, 8 % voicemail, 12 % refused.
pub fn outcome_for(phone_number: &str, task: &str) -> Outcome {
    if let Some(forced) = Outcome::ALL.into_iter().find(|o| task.contains(o.marker())) {
        return forced;
    }
    let d = digest(phone_number, task);
    match u16::from_be_bytes([d[0], d[1]]) % 100 {
        0..=69 => Outcome::GoalMet,
        70..=79 => Outcome::NoAnswer,
        80..=87 => Outcome::Voicemail,
        _ => Outcome::Refused,
    }
}

/// The whole script (outcome, transcript, summary) for this number and task. Deterministic.
pub fn call_script(phone_number: &str, task: &str) -> CallScript {
    let outcome = outcome_for(phone_number, task);
    let d = digest(phone_number, task);
    let pick = |i: usize, n: usize| usize::from(d[2 + i]) % n;
    let quoted = task.split_whitespace().collect::<Vec<_>>().join(" ");
    let opener = format!(
        "assistant: Hello, I'm calling on behalf of a MissionCall user. {} \"{quoted}\"",
        [
            "I'm calling about the following:",
            "Here is what I need help with:",
            "My request is:"
        ][pick(0, 3)]
    );
    let (lines, summary): (Vec<String>, String) = match outcome {
        Outcome::GoalMet => (
            vec![
                opener,
                format!(
                    "user: {}",
                    [
                        "Sure, I can help with that. Give me a moment.",
                        "Of course. Let me take care of it.",
                        "Yes, that's no problem. One second please.",
                    ][pick(1, 3)]
                ),
                "assistant: Thank you, I'll wait.".to_owned(),
                format!(
                    "user: {}",
                    [
                        "All done. Is there anything else?",
                        "That's sorted for you now. Anything else?",
                        "Okay, it's taken care of. Anything else I can do?",
                    ][pick(2, 3)]
                ),
                "assistant: No, that's everything. Thank you for your help. Goodbye.".to_owned(),
                "user: Goodbye.".to_owned(),
            ],
            format!(
                "The call to {phone_number} was answered and the request was completed: \"{quoted}\". \
                 The person on the line confirmed it was taken care of."
            ),
        ),
        Outcome::NoAnswer => (
            vec![
                format!(
                    "assistant: Hello? I'm calling on behalf of a MissionCall user about: \"{quoted}\". Is anyone there?"
                ),
                "assistant: No one has answered. I'll end the call now.".to_owned(),
            ],
            format!(
                "Nobody answered the call to {phone_number}, so the request was not completed: \"{quoted}\"."
            ),
        ),
        Outcome::Voicemail => (
            vec![
                format!(
                    "user: {}",
                    [
                        "Hi, you've reached this number. Please leave a message after the tone.",
                        "Sorry we missed your call. Leave your name and number and we'll call you back.",
                    ][pick(1, 2)]
                ),
                format!(
                    "assistant: Hello, I'm calling on behalf of a MissionCall user about: \"{quoted}\". Please call back when you can. Goodbye."
                ),
            ],
            format!(
                "The call to {phone_number} went to voicemail. A message was left about: \"{quoted}\". \
                 The request was not completed."
            ),
        ),
        Outcome::Refused => (
            vec![
                opener,
                format!(
                    "user: {}",
                    [
                        "Sorry, we can't help with that.",
                        "No, I'm afraid that's not something we do.",
                        "We don't handle requests like that over the phone, sorry.",
                    ][pick(1, 3)]
                ),
                "assistant: I understand. Is there another way this could be arranged?".to_owned(),
                "user: No, sorry. Goodbye.".to_owned(),
                "assistant: Thank you for your time. Goodbye.".to_owned(),
            ],
            format!(
                "The call to {phone_number} was answered, but the request was declined: \"{quoted}\"."
            ),
        ),
    };
    CallScript {
        outcome,
        concatenated_transcript: lines.join("\n"),
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_inputs_same_script() {
        let a = call_script("+14151234567", "Book a table for two at 7pm");
        let b = call_script("+14151234567", "Book a table for two at 7pm");
        assert_eq!(a, b);
    }

    #[test]
    fn markers_force_the_outcome_and_shape_the_transcript() {
        for o in Outcome::ALL {
            let s = call_script("+14151234567", &format!("Ask about hours {}", o.marker()));
            assert_eq!(s.outcome, o);
            let user_lines = s
                .concatenated_transcript
                .lines()
                .filter(|l| l.starts_with("user: "))
                .count();
            match o {
                Outcome::NoAnswer => assert_eq!(user_lines, 0),
                Outcome::Voicemail => assert_eq!(user_lines, 1),
                _ => assert!(user_lines >= 2),
            }
            assert!(s
                .concatenated_transcript
                .lines()
                .all(|l| l.starts_with("user: ") || l.starts_with("assistant: ")));
        }
    }

    #[test]
    fn every_outcome_is_reachable_by_hash() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..500 {
            seen.insert(outcome_for("+14151234567", &format!("errand {i}")));
        }
        assert_eq!(seen.len(), 4);
    }

    #[test]
    fn task_text_is_quoted_verbatim_with_whitespace_folded() {
        let s = call_script("+447700900123", "<b>Ask</b> &amp;\n  \"them\"");
        assert!(s
            .concatenated_transcript
            .contains("<b>Ask</b> &amp; \"them\""));
        assert!(s.summary.contains("<b>Ask</b> &amp; \"them\""));
    }
}
