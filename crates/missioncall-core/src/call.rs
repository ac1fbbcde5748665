//! The model of a call, in one place: its status (what the service says, kept apart from what
//! only we know), whether the tracker still follows it, and where it lives (its origin).
//!
//! Everything else (history, tracker, CLI, shell, UI) only asks this module. The status words
//! the service and the history use are spelled out here and in `workapi`'s wire module, nowhere
//! else: a service word is always a [`ServiceStatus`] and can never be read back as a
//! [`LocalState`] (they are stored in separate columns, see `history/schema.rs`).

use serde::{Deserialize, Serialize};
use std::fmt;
use workapi::TaskStatus;

/// What only MissionCall knows about a call: states before (or instead of) a task at the
/// service, and the close-out of a demo call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum LocalState {
    /// The attempt is durably written and its creation request has not been answered yet.
    Sending,
    /// The creation request may or may not have created a task (timeout, lost answer, 5xx).
    UnknownOutcome,
    /// Certainly no call: the service refused it, nothing was sent, or the user said so.
    NotPlaced,
    /// A demo call whose simulator stopped before it finished. Nobody was called.
    DemoEnded,
}

impl LocalState {
    /// Every local state.
    pub const ALL: [LocalState; 4] = [
        LocalState::Sending,
        LocalState::UnknownOutcome,
        LocalState::NotPlaced,
        LocalState::DemoEnded,
    ];

    /// The word stored in the history's `local_state` column.
    pub fn key(self) -> &'static str {
        match self {
            LocalState::Sending => "sending",
            LocalState::UnknownOutcome => "unknown_outcome",
            LocalState::NotPlaced => "not_placed",
            LocalState::DemoEnded => "demo_ended",
        }
    }

    /// The state stored as `key`, if it is one.
    pub fn from_key(key: &str) -> Option<LocalState> {
        LocalState::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// What the service says about a task: the documented lifecycle, plus any other word it sends
/// (kept as is, shown, followed for a bounded time; never mistaken for a local state).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum ServiceStatus {
    /// Created, waiting for an agent.
    Pending,
    /// An agent took it; it can still be cancelled.
    Accepted,
    /// The agent is on it; it can no longer be cancelled.
    InProgress,
    /// Done; the result may be attached.
    Completed,
    /// Cancelled before work started.
    Cancelled,
    /// A word the contract does not name (e.g. `failed`), as the service sent it.
    Other(String),
}

impl ServiceStatus {
    /// The status from the service's word (tolerant, as the wire module reads it).
    pub fn from_wire(word: &str) -> ServiceStatus {
        ServiceStatus::from(&TaskStatus::from_wire(word))
    }

    /// The service's word (canonical for the documented statuses).
    pub fn wire(&self) -> &str {
        match self {
            ServiceStatus::Other(w) => w,
            known => TaskStatus::from(known)
                .documented_word()
                .unwrap_or_default(),
        }
    }

    /// Where it sits in the documented lifecycle (`None` for words outside it).
    fn rank(&self) -> Option<u8> {
        match self {
            ServiceStatus::Pending => Some(1),
            ServiceStatus::Accepted => Some(2),
            ServiceStatus::InProgress => Some(3),
            ServiceStatus::Completed | ServiceStatus::Cancelled => Some(4),
            ServiceStatus::Other(_) => None,
        }
    }

    /// True if a task recorded in `self` must change to `new` when the service reports it: a
    /// task never leaves `completed`/`cancelled` and never moves back to an earlier documented
    /// step; anything else (other words included) is taken as reported.
    pub fn accepts(&self, new: &ServiceStatus) -> bool {
        if self == new {
            return false;
        }
        match (self.rank(), new.rank()) {
            (Some(4), _) => false,
            (Some(c), Some(n)) => n >= c,
            _ => true,
        }
    }

    /// True for `completed` and `cancelled`.
    pub fn is_final(&self) -> bool {
        matches!(self, ServiceStatus::Completed | ServiceStatus::Cancelled)
    }
}

impl From<&ServiceStatus> for TaskStatus {
    fn from(s: &ServiceStatus) -> Self {
        match s {
            ServiceStatus::Pending => TaskStatus::Pending,
            ServiceStatus::Accepted => TaskStatus::Accepted,
            ServiceStatus::InProgress => TaskStatus::InProgress,
            ServiceStatus::Completed => TaskStatus::Completed,
            ServiceStatus::Cancelled => TaskStatus::Cancelled,
            ServiceStatus::Other(w) => TaskStatus::Unknown(w.clone()),
        }
    }
}

impl From<&TaskStatus> for ServiceStatus {
    fn from(t: &TaskStatus) -> Self {
        match t {
            TaskStatus::Pending => ServiceStatus::Pending,
            TaskStatus::Accepted => ServiceStatus::Accepted,
            TaskStatus::InProgress => ServiceStatus::InProgress,
            TaskStatus::Completed => ServiceStatus::Completed,
            TaskStatus::Cancelled => ServiceStatus::Cancelled,
            TaskStatus::Unknown(w) => ServiceStatus::Other(w.clone()),
        }
    }
}

/// How a status is shown: a colour family for badges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Tone {
    /// Waiting (sending, waiting for an agent, agent assigned).
    Wait,
    /// Happening now (on the call).
    Live,
    /// Done.
    Ok,
    /// Ended without a result (cancelled, not placed, demo ended).
    Muted,
    /// Needs the user's attention (outcome unknown).
    Warn,
    /// A status we do not know.
    Bad,
}

/// The status of a call: the service's word, or a state only we know. The two are apart by
/// construction; see the module doc.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", content = "state", rename_all = "camelCase")]
pub enum CallStatus {
    /// Only we know this.
    Local(LocalState),
    /// The service said this.
    Service(ServiceStatus),
}

impl CallStatus {
    /// The status in plain words.
    pub fn label(&self) -> String {
        match self {
            CallStatus::Local(LocalState::Sending) => "Sending".into(),
            CallStatus::Local(LocalState::UnknownOutcome) => "Outcome unknown".into(),
            CallStatus::Local(LocalState::NotPlaced) => "Not placed".into(),
            CallStatus::Local(LocalState::DemoEnded) => "Demo ended".into(),
            CallStatus::Service(ServiceStatus::Pending) => "Waiting for an agent".into(),
            CallStatus::Service(ServiceStatus::Accepted) => "Agent assigned".into(),
            CallStatus::Service(ServiceStatus::InProgress) => "On the call".into(),
            CallStatus::Service(ServiceStatus::Completed) => "Done".into(),
            CallStatus::Service(ServiceStatus::Cancelled) => "Cancelled".into(),
            CallStatus::Service(ServiceStatus::Other(w)) => format!("Status: {w}"),
        }
    }

    /// True while the service may still change the task (followed by the tracker): the
    /// documented steps before the end, and any word we do not know.
    pub fn is_live(&self) -> bool {
        matches!(self, CallStatus::Service(s) if !s.is_final())
    }

    /// True while something is still happening: being sent, or live at the service.
    pub fn is_active(&self) -> bool {
        self.is_live() || matches!(self, CallStatus::Local(LocalState::Sending))
    }

    /// True while the service allows a cancel (`pending`, `accepted`).
    pub fn is_cancellable(&self) -> bool {
        matches!(
            self,
            CallStatus::Service(ServiceStatus::Pending | ServiceStatus::Accepted)
        )
    }

    /// True when nothing more will happen: done, cancelled, not placed, demo ended.
    pub fn is_final(&self) -> bool {
        match self {
            CallStatus::Service(s) => s.is_final(),
            CallStatus::Local(l) => matches!(l, LocalState::NotPlaced | LocalState::DemoEnded),
        }
    }

    /// True when this status is a result worth a notification at the "results only" level:
    /// anything but the steps on the way (sending, waiting, assigned, on the call).
    pub fn is_result(&self) -> bool {
        !matches!(
            self,
            CallStatus::Local(LocalState::Sending)
                | CallStatus::Service(
                    ServiceStatus::Pending | ServiceStatus::Accepted | ServiceStatus::InProgress
                )
        )
    }

    /// True for a call whose outcome the user must resolve (check a task id, or mark it).
    pub fn is_unknown_outcome(&self) -> bool {
        matches!(self, CallStatus::Local(LocalState::UnknownOutcome))
    }

    /// True for a completed task (its summary and transcript are the result).
    pub fn is_completed(&self) -> bool {
        matches!(self, CallStatus::Service(ServiceStatus::Completed))
    }

    /// True when the call certainly placed no phone call (the duplicate guard ignores it).
    pub fn is_not_placed(&self) -> bool {
        matches!(self, CallStatus::Local(LocalState::NotPlaced))
    }

    /// The badge colour family.
    pub fn tone(&self) -> Tone {
        match self {
            CallStatus::Local(LocalState::Sending) => Tone::Wait,
            CallStatus::Local(LocalState::UnknownOutcome) => Tone::Warn,
            CallStatus::Local(LocalState::NotPlaced | LocalState::DemoEnded) => Tone::Muted,
            CallStatus::Service(ServiceStatus::Pending | ServiceStatus::Accepted) => Tone::Wait,
            CallStatus::Service(ServiceStatus::InProgress) => Tone::Live,
            CallStatus::Service(ServiceStatus::Completed) => Tone::Ok,
            CallStatus::Service(ServiceStatus::Cancelled) => Tone::Muted,
            CallStatus::Service(ServiceStatus::Other(_)) => Tone::Bad,
        }
    }

    /// What to show where a summary would be, when there is none.
    pub fn no_summary_text(&self) -> &'static str {
        match self {
            CallStatus::Service(ServiceStatus::Completed) => {
                "No summary was provided for this call."
            }
            CallStatus::Local(LocalState::UnknownOutcome) => {
                "No summary: we do not know whether the call happened."
            }
            CallStatus::Local(LocalState::NotPlaced | LocalState::DemoEnded) => {
                "No summary: no call was made."
            }
            CallStatus::Service(ServiceStatus::Cancelled) => {
                "No summary: the call was cancelled before it started."
            }
            _ => "The summary will appear here when the call is done.",
        }
    }

    /// The statuses offered in a history filter, in the order a person thinks of them.
    pub fn filter_choices() -> Vec<CallStatus> {
        vec![
            CallStatus::Service(ServiceStatus::Pending),
            CallStatus::Service(ServiceStatus::Accepted),
            CallStatus::Service(ServiceStatus::InProgress),
            CallStatus::Service(ServiceStatus::Completed),
            CallStatus::Service(ServiceStatus::Cancelled),
            CallStatus::Local(LocalState::UnknownOutcome),
            CallStatus::Local(LocalState::NotPlaced),
            CallStatus::Local(LocalState::DemoEnded),
        ]
    }

    /// The bare word: a local state's key, or the service's own word. Ambiguous on its own
    /// (the service may send one of our words): always show it with [`CallStatus::kind_name`].
    pub fn word(&self) -> &str {
        match self {
            CallStatus::Local(l) => l.key(),
            CallStatus::Service(s) => s.wire(),
        }
    }

    /// `local` or `service`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            CallStatus::Local(_) => "local",
            CallStatus::Service(_) => "service",
        }
    }

    /// A status as a person types it in a filter: `local:WORD` or `service:WORD` exactly,
    /// else a local state's word, else a service word.
    pub fn from_user_words(text: &str) -> Option<CallStatus> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        if let Some(s) = CallStatus::from_event_key(text) {
            return Some(s);
        }
        Some(match LocalState::from_key(text) {
            Some(l) => CallStatus::Local(l),
            None => CallStatus::Service(ServiceStatus::from_wire(text)),
        })
    }

    /// A stable text key for this status, used in the timeline table: `local:<word>` or
    /// `service:<word>`. A service word always gets the `service:` prefix.
    pub fn event_key(&self) -> String {
        match self {
            CallStatus::Local(l) => format!("{LOCAL_PREFIX}{}", l.key()),
            CallStatus::Service(s) => format!("{SERVICE_PREFIX}{}", s.wire()),
        }
    }

    /// The status stored under `key` (see [`CallStatus::event_key`]); `None` if unreadable.
    pub fn from_event_key(key: &str) -> Option<CallStatus> {
        if let Some(w) = key.strip_prefix(SERVICE_PREFIX) {
            return Some(CallStatus::Service(ServiceStatus::from_wire(w)));
        }
        key.strip_prefix(LOCAL_PREFIX)
            .and_then(LocalState::from_key)
            .map(CallStatus::Local)
    }
}

impl fmt::Display for CallStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

const LOCAL_PREFIX: &str = "local:";
const SERVICE_PREFIX: &str = "service:";

/// Whether the tracker still follows a call's task. Kept in history, so a decision to stop
/// holds across restarts and rescans until the user asks again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Tracking {
    /// Followed while live.
    #[default]
    Following,
    /// No longer followed: the service stopped knowing the task, or it stayed in a status we
    /// do not know for too long.
    GivenUp,
    /// No longer followed: the service's answers about it could not be read.
    Unreadable,
}

impl Tracking {
    /// Every value.
    pub const ALL: [Tracking; 3] = [Tracking::Following, Tracking::GivenUp, Tracking::Unreadable];

    /// The word stored in the history's `tracking` column.
    pub fn key(self) -> &'static str {
        match self {
            Tracking::Following => "following",
            Tracking::GivenUp => "given_up",
            Tracking::Unreadable => "unreadable",
        }
    }

    /// The value stored as `key`.
    pub fn from_key(key: &str) -> Option<Tracking> {
        Tracking::ALL.into_iter().find(|t| t.key() == key)
    }

    /// Plain words, when it is not the normal case.
    pub fn label(self) -> Option<&'static str> {
        match self {
            Tracking::Following => None,
            Tracking::GivenUp => Some("No longer followed"),
            Tracking::Unreadable => Some("Could not be checked"),
        }
    }
}

/// What a call achieved, in the user's judgement (set by the user, never by the service or the
/// tracker; the status is the service's). A call without one has `None`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// The mission was done.
    Achieved,
    /// The call went through but the mission was not done.
    NotAchieved,
    /// Nobody answered, or the number could not be reached.
    NoAnswer,
    /// Something is left to do.
    FollowUp,
}

impl Outcome {
    /// Every value, in the order they are offered.
    pub const ALL: [Outcome; 4] = [
        Outcome::Achieved,
        Outcome::NotAchieved,
        Outcome::NoAnswer,
        Outcome::FollowUp,
    ];

    /// The word stored in the history's `outcome` column, and typed in the CLI.
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Achieved => "achieved",
            Outcome::NotAchieved => "not_achieved",
            Outcome::NoAnswer => "no_answer",
            Outcome::FollowUp => "follow_up",
        }
    }

    /// The value stored as `key`.
    pub fn from_key(key: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.key() == key)
    }

    /// What a person types: the key, with `-` or a space for `_`, any case.
    pub fn from_user_word(word: &str) -> Option<Outcome> {
        let w = word.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Outcome::from_key(&w)
    }

    /// Plain words for people.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Achieved => "Achieved",
            Outcome::NotAchieved => "Not achieved",
            Outcome::NoAnswer => "No answer",
            Outcome::FollowUp => "Needs follow-up",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// The origin stored for calls made against the built-in simulator.
pub const DEMO_ORIGIN: &str = "demo:simulator";

/// Where a call lives: every action on it goes there, or is refused with a reason.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// The built-in demo simulator (nobody is called).
    Demo,
    /// A WorkAPI service at this base URL.
    Service(String),
}

impl Origin {
    /// The origin stored as `text`.
    pub fn parse(text: &str) -> Origin {
        if text == DEMO_ORIGIN {
            Origin::Demo
        } else {
            Origin::Service(text.to_owned())
        }
    }

    /// As stored.
    pub fn as_str(&self) -> &str {
        match self {
            Origin::Demo => DEMO_ORIGIN,
            Origin::Service(u) => u,
        }
    }

    /// True for the demo simulator.
    pub fn is_demo(&self) -> bool {
        matches!(self, Origin::Demo)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Demo => f.write_str("the demo simulator"),
            Origin::Service(u) => f.write_str(u),
        }
    }
}

/// Where a scheduled call stands (see `history/scheduled.rs`): part of the model, so that its
/// words are spelled here only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum JobState {
    /// Waiting for its time.
    Waiting,
    /// Its time passed while nothing could place it: the user places it now or drops it.
    Overdue,
    /// It became an attempt (see [`ScheduledJob::attempt_id`]); that call says what followed.
    Placed,
    /// The user cancelled it before its time. Nothing was sent.
    Cancelled,
    /// It was overdue and the user chose not to place it. Nothing was sent.
    Dropped,
    /// A check refused it when it fell due (a duplicate of a recent call, ...): nothing was
    /// written or sent; the note says why.
    NotPlaced,
}

impl JobState {
    /// Every state.
    pub const ALL: [JobState; 6] = [
        JobState::Waiting,
        JobState::Overdue,
        JobState::Placed,
        JobState::Cancelled,
        JobState::Dropped,
        JobState::NotPlaced,
    ];

    /// The word stored in the `state` column.
    pub fn key(self) -> &'static str {
        match self {
            JobState::Waiting => "waiting",
            JobState::Overdue => "overdue",
            JobState::Placed => "placed",
            JobState::Cancelled => "cancelled",
            JobState::Dropped => "dropped",
            JobState::NotPlaced => "not_placed",
        }
    }

    /// The state stored as `key`, if it is one.
    pub fn from_key(key: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|s| s.key() == key)
    }

    /// In plain words, for a list.
    pub fn label(self) -> &'static str {
        match self {
            JobState::Waiting => "Scheduled",
            JobState::Overdue => "Overdue: place it or drop it",
            JobState::Placed => "Placed",
            JobState::Cancelled => "Cancelled",
            JobState::Dropped => "Dropped",
            JobState::NotPlaced => "Not placed",
        }
    }

    /// True while the job may still become a call (waiting, or overdue until the user says).
    pub fn is_open(self) -> bool {
        matches!(self, JobState::Waiting | JobState::Overdue)
    }

    /// What a job in this state is, for a refusal ("scheduled call 3 {situation}").
    pub fn situation(self) -> &'static str {
        match self {
            JobState::Waiting => "is still waiting for its time",
            JobState::Overdue => "is overdue and waits for you to place it or drop it",
            JobState::Placed => "has already been placed",
            JobState::Cancelled => "was cancelled",
            JobState::Dropped => "was dropped",
            JobState::NotPlaced => "was not placed",
        }
    }
}

/// Where a batch of calls stands (see `history/batches.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum BatchState {
    /// Its rows are placed as they fall due, at most its concurrency at once.
    Running,
    /// Nothing more is placed until the user resumes it (calls already placed go on). A batch
    /// found running when MissionCall starts is paused: it never resumes by itself.
    Paused,
    /// The user cancelled it: its rows not yet placed never will be.
    Cancelled,
    /// Every row was placed or refused, and none of its calls is still going.
    Done,
}

impl BatchState {
    /// Every state.
    pub const ALL: [BatchState; 4] = [
        BatchState::Running,
        BatchState::Paused,
        BatchState::Cancelled,
        BatchState::Done,
    ];

    /// The word stored in the `state` column.
    pub fn key(self) -> &'static str {
        match self {
            BatchState::Running => "running",
            BatchState::Paused => "paused",
            BatchState::Cancelled => "cancelled",
            BatchState::Done => "done",
        }
    }

    /// The state stored as `key`, if it is one.
    pub fn from_key(key: &str) -> Option<BatchState> {
        BatchState::ALL.into_iter().find(|s| s.key() == key)
    }

    /// In plain words.
    pub fn label(self) -> &'static str {
        match self {
            BatchState::Running => "Running",
            BatchState::Paused => "Paused",
            BatchState::Cancelled => "Cancelled",
            BatchState::Done => "Done",
        }
    }
}

/// SQL fragments that must name status words, built from this module's words so that the
/// history's queries and its indexes cannot drift from the type.
pub mod sql {
    use super::{LocalState, ServiceStatus, Tracking};

    /// `'w1', 'w2', …` for the given words.
    fn quoted(words: &[&str]) -> String {
        words
            .iter()
            .map(|w| format!("'{w}'"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The CHECK list of local states.
    pub fn local_states() -> String {
        quoted(&LocalState::ALL.map(LocalState::key))
    }

    /// The CHECK list of tracking values.
    pub fn tracking_values() -> String {
        quoted(&Tracking::ALL.map(Tracking::key))
    }

    /// The condition of a call the service reported completed.
    pub fn completed_condition() -> String {
        format!(
            "local_state IS NULL AND service_status = '{}'",
            ServiceStatus::Completed.wire()
        )
    }

    /// The condition of a call that holds one of its batch's slots: being sent, or followed
    /// while the service has it.
    pub fn occupying_condition() -> String {
        format!(
            "(local_state = '{}' OR ({}))",
            LocalState::Sending.key(),
            live_condition()
        )
    }

    /// The condition of a call the tracker follows. The partial index `calls_live_idx` states
    /// exactly this condition, so SQLite uses it.
    pub fn live_condition() -> String {
        format!(
            "task_id IS NOT NULL AND local_state IS NULL AND tracking = '{}' \
             AND service_status NOT IN ({})",
            Tracking::Following.key(),
            quoted(&[
                ServiceStatus::Completed.wire(),
                ServiceStatus::Cancelled.wire()
            ])
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_state_words_round_trip_and_stay_apart_from_call_states() {
        for s in JobState::ALL {
            assert_eq!(JobState::from_key(s.key()), Some(s));
        }
        assert_eq!(JobState::from_key(LocalState::Sending.key()), None);
    }

    fn every_status() -> Vec<CallStatus> {
        let mut all: Vec<CallStatus> = LocalState::ALL.into_iter().map(CallStatus::Local).collect();
        for s in [
            ServiceStatus::Pending,
            ServiceStatus::Accepted,
            ServiceStatus::InProgress,
            ServiceStatus::Completed,
            ServiceStatus::Cancelled,
            ServiceStatus::Other("failed".into()),
        ] {
            all.push(CallStatus::Service(s));
        }
        all
    }

    #[test]
    fn a_service_word_is_never_a_local_state() {
        for l in LocalState::ALL {
            // The service sending one of our own words keeps it as the service's.
            let s = ServiceStatus::from_wire(l.key());
            assert_eq!(s, ServiceStatus::Other(l.key().to_owned()));
            let st = CallStatus::Service(s);
            assert_eq!(
                CallStatus::from_event_key(&st.event_key()),
                Some(st.clone())
            );
            assert!(st.is_live(), "an unknown service word is followed: {st:?}");
            assert!(!st.is_not_placed());
        }
    }

    #[test]
    fn event_keys_round_trip() {
        for s in every_status() {
            assert_eq!(CallStatus::from_event_key(&s.event_key()), Some(s.clone()));
        }
        assert_eq!(CallStatus::from_event_key("local:whatever"), None);
        assert_eq!(CallStatus::from_event_key("pending"), None);
    }

    #[test]
    fn classes() {
        use CallStatus::*;
        let live: Vec<_> = every_status().into_iter().filter(|s| s.is_live()).collect();
        assert_eq!(
            live,
            vec![
                Service(ServiceStatus::Pending),
                Service(ServiceStatus::Accepted),
                Service(ServiceStatus::InProgress),
                Service(ServiceStatus::Other("failed".into())),
            ]
        );
        let cancellable: Vec<_> = every_status()
            .into_iter()
            .filter(|s| s.is_cancellable())
            .collect();
        assert_eq!(
            cancellable,
            vec![
                Service(ServiceStatus::Pending),
                Service(ServiceStatus::Accepted)
            ]
        );
        let fin: Vec<_> = every_status()
            .into_iter()
            .filter(|s| s.is_final())
            .collect();
        assert_eq!(
            fin,
            vec![
                Local(LocalState::NotPlaced),
                Local(LocalState::DemoEnded),
                Service(ServiceStatus::Completed),
                Service(ServiceStatus::Cancelled),
            ]
        );
        assert!(!Local(LocalState::Sending).is_result());
        assert!(Local(LocalState::UnknownOutcome).is_result());
        assert!(!Service(ServiceStatus::InProgress).is_result());
        assert_eq!(Service(ServiceStatus::InProgress).label(), "On the call");
        assert_eq!(
            Service(ServiceStatus::Other("failed".into())).label(),
            "Status: failed"
        );
    }

    #[test]
    fn transitions_never_go_back() {
        use ServiceStatus::*;
        assert!(Pending.accepts(&Accepted));
        assert!(Pending.accepts(&Completed));
        assert!(InProgress.accepts(&Other("failed".into())));
        assert!(Other("failed".into()).accepts(&Pending));
        assert!(!InProgress.accepts(&Accepted));
        assert!(!Completed.accepts(&InProgress));
        assert!(!Completed.accepts(&Cancelled));
        assert!(!Cancelled.accepts(&Other("failed".into())));
        assert!(!Pending.accepts(&Pending));
    }

    #[test]
    fn serialises_as_a_tagged_union() {
        let s = CallStatus::Service(ServiceStatus::InProgress);
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"kind":"service","state":"inProgress"}"#
        );
        let o = CallStatus::Service(ServiceStatus::Other("x".into()));
        assert_eq!(
            serde_json::to_string(&o).unwrap(),
            r#"{"kind":"service","state":{"other":"x"}}"#
        );
        let l = CallStatus::Local(LocalState::UnknownOutcome);
        assert_eq!(
            serde_json::to_string(&l).unwrap(),
            r#"{"kind":"local","state":"unknownOutcome"}"#
        );
        let back: CallStatus =
            serde_json::from_str(r#"{"kind":"local","state":"notPlaced"}"#).unwrap();
        assert_eq!(back, CallStatus::Local(LocalState::NotPlaced));
    }

    #[test]
    fn origins() {
        assert!(Origin::parse(DEMO_ORIGIN).is_demo());
        let o = Origin::parse("https://api.example.test/x");
        assert_eq!(o.as_str(), "https://api.example.test/x");
        assert!(!o.is_demo());
    }
}
