//! The shapes that cross IPC to the UI (typed bindings are generated from these). Mapping only:
//! every decision (plain words, cancellable, speaker turns) is made by the core.

use crate::error::{AppError, AppErrorKind};
use missioncall_core::call::{CallStatus, Outcome, Tone, Tracking};
use missioncall_core::calls::Confirmation as CoreConfirmation;
use missioncall_core::history::{
    self as core_history, CallRecord, HistoryFilter, OutcomeFilter as CoreOutcomeFilter,
    StatusEvent as CoreEvent,
};
use missioncall_core::phone::{self, NumberKind, PhoneCheck as CorePhoneCheck};
use missioncall_core::review;
use missioncall_core::session::ModeInfo;
use missioncall_core::settings::{NotifyLevel, Settings as CoreSettings, Theme};
use missioncall_core::transcript;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PhoneCheck {
    pub input: String,
    pub valid: bool,
    pub e164: Option<String>,
    pub region: Option<String>,
    pub kind: Option<String>,
    pub national: Option<String>,
    pub international: Option<String>,
    pub reason: Option<String>,
}

fn kind_name(k: NumberKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

impl From<CorePhoneCheck> for PhoneCheck {
    fn from(c: CorePhoneCheck) -> Self {
        PhoneCheck {
            input: c.input,
            valid: c.valid,
            e164: c.e164,
            region: c.region,
            kind: c.kind.map(kind_name),
            national: c.national,
            international: c.international,
            reason: c.reason,
        }
    }
}

/// What the first screen needs (`boot`).
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Boot {
    pub mode: AppMode,
    /// Sorted by name.
    pub regions: Vec<Region>,
    pub settings: Settings,
    /// The statuses offered in the history filter, in order, with their plain words.
    pub status_choices: Vec<StatusChoice>,
    /// The outcomes a person can give a call, in order, with their plain words.
    pub outcome_choices: Vec<OutcomeChoice>,
}

/// An outcome a person can give a call, and its plain words.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeChoice {
    pub outcome: Outcome,
    pub label: String,
}

impl OutcomeChoice {
    pub fn all() -> Vec<OutcomeChoice> {
        Outcome::ALL
            .into_iter()
            .map(|outcome| OutcomeChoice {
                outcome,
                label: outcome.label().to_owned(),
            })
            .collect()
    }
}

/// A status a person can filter by, and its plain words.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StatusChoice {
    pub status: CallStatus,
    pub label: String,
}

impl StatusChoice {
    pub fn all() -> Vec<StatusChoice> {
        CallStatus::filter_choices()
            .into_iter()
            .map(|status| StatusChoice {
                label: status.label(),
                status,
            })
            .collect()
    }
}

#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    pub code: String,
    pub calling_code: u32,
    pub name: String,
}

impl From<phone::Region> for Region {
    fn from(r: phone::Region) -> Self {
        Region {
            code: r.code,
            calling_code: r.calling_code.into(),
            name: r.name,
        }
    }
}

/// A call as the UI shows it. Every decision about its status is the core's: the UI reads
/// these fields and never compares status words.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CallSummary {
    pub id: i64,
    pub task_id: Option<String>,
    pub phone_number: String,
    pub phone_display: String,
    pub task: String,
    pub status: CallStatus,
    /// The status in plain words.
    pub status_label: String,
    pub tone: Tone,
    /// The service may still change it.
    pub live: bool,
    /// The service still allows a cancel.
    pub cancellable: bool,
    /// Nothing more will happen to it.
    pub finished: bool,
    /// The outcome is unknown: the user can check a task id or mark it as not placed.
    pub unknown_outcome: bool,
    /// Whether MissionCall still checks it, and the plain words when it does not.
    pub tracking: Tracking,
    pub tracking_label: Option<String>,
    /// What to show where the summary would be, when there is none.
    pub no_summary_text: String,
    pub created_at: String,
    pub updated_at: String,
    pub summary: Option<String>,
    pub error: Option<String>,
    pub demo: bool,
    /// What the call achieved, in the user's judgement (never set by the service).
    pub outcome: Option<Outcome>,
    pub outcome_label: Option<String>,
    /// The user's note (empty when none).
    pub note: String,
    /// The follow-up, `YYYY-MM-DD` or `YYYY-MM-DD HH:MM` (local time), if any.
    pub follow_up: Option<String>,
    /// Sorted, case-insensitively.
    pub tags: Vec<String>,
    /// The name the user gave the number, if any.
    pub contact_name: Option<String>,
}

impl From<&CallRecord> for CallSummary {
    fn from(r: &CallRecord) -> Self {
        CallSummary {
            id: r.id,
            task_id: r.task_id.clone(),
            phone_number: r.phone_e164.clone(),
            phone_display: phone::display(&r.phone_e164),
            task: r.task.clone(),
            status_label: r.status.label(),
            tone: r.status.tone(),
            live: r.status.is_active(),
            cancellable: r.task_id.is_some() && r.status.is_cancellable(),
            finished: r.status.is_final(),
            unknown_outcome: r.status.is_unknown_outcome(),
            tracking: r.tracking,
            tracking_label: r.tracking.label().map(str::to_owned),
            no_summary_text: r.status.no_summary_text().to_owned(),
            status: r.status.clone(),
            created_at: r.created_at.to_rfc3339(),
            updated_at: r.updated_at.to_rfc3339(),
            summary: r.summary.clone(),
            error: r.error.clone(),
            demo: r.demo,
            outcome: r.outcome,
            outcome_label: r.outcome.map(|o| o.label().to_owned()),
            note: r.note.clone(),
            follow_up: r.follow_up.map(|f| f.key()),
            tags: r.tags.clone(),
            contact_name: r.contact_name.clone(),
        }
    }
}

/// A call checked and confirmed by the backend: exactly what will be sent, and the one-use
/// token `place_call` needs.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Confirmation {
    pub token: String,
    pub e164: String,
    pub international: String,
    pub region: Option<String>,
    /// The mission exactly as it will be sent (with the caller identity's sentence, if any).
    pub task: String,
    /// The sentence the caller identity adds to the mission, if any.
    pub identity_sentence: Option<String>,
    pub demo: bool,
    /// True when this confirms a second identical call ("call anyway").
    pub force: bool,
    /// The callee's local time and the calling hours ("It is 22:40 for them
    /// (America/Chicago), outside your calling hours ..."); `None` when it cannot be told.
    pub hours_sentence: Option<String>,
    /// True when the call falls outside the calling hours: it is placed only with "call now
    /// anyway", or scheduled.
    pub outside_hours: bool,
    /// The next allowed time, as local `YYYY-MM-DDTHH:MM` for `schedule_call` (when outside
    /// the hours and one was found).
    pub next_allowed_local: Option<String>,
}

impl From<CoreConfirmation> for Confirmation {
    fn from(c: CoreConfirmation) -> Self {
        let outside_hours = c.hours.as_ref().is_some_and(|h| h.decision.needs_choice());
        let next_allowed_local = c
            .hours
            .as_ref()
            .and_then(|h| h.decision.next_allowed())
            .map(|t| {
                t.with_timezone(&chrono::Local)
                    .format("%Y-%m-%dT%H:%M")
                    .to_string()
            });
        let hours_sentence = c.hours.map(|h| h.sentence);
        Confirmation {
            hours_sentence,
            outside_hours,
            next_allowed_local,
            token: c.token,
            e164: c.phone.e164,
            international: c.phone.international,
            region: c.phone.region,
            task: c.task,
            identity_sentence: c.identity_sentence,
            demo: c.origin.is_demo(),
            force: c.force,
        }
    }
}

#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Turn {
    pub speaker: String,
    pub label: String,
    pub text: String,
}

#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StatusEvent {
    pub status: CallStatus,
    pub label: String,
    pub seen_at: String,
}

impl From<&CoreEvent> for StatusEvent {
    fn from(e: &CoreEvent) -> Self {
        StatusEvent {
            label: e.status.label(),
            status: e.status.clone(),
            seen_at: e.seen_at.to_rfc3339(),
        }
    }
}

#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CallDetail {
    pub call: CallSummary,
    pub transcript: Option<String>,
    pub turns: Vec<Turn>,
    pub timeline: Vec<StatusEvent>,
    pub likely_no_answer: bool,
    /// Set when the user chose to call outside their calling hours: the sentence they saw.
    pub outside_hours: Option<String>,
}

impl CallDetail {
    pub fn new(r: &CallRecord, timeline: &[CoreEvent]) -> Self {
        let turns = r
            .transcript
            .as_deref()
            .map(transcript::parse)
            .unwrap_or_default();
        let likely_no_answer = r.status.is_completed() && transcript::likely_no_answer(&turns);
        CallDetail {
            call: r.into(),
            transcript: r.transcript.clone(),
            turns: turns
                .into_iter()
                .map(|t| Turn {
                    speaker: match t.speaker {
                        transcript::Speaker::Agent => "agent",
                        transcript::Speaker::Callee => "callee",
                        transcript::Speaker::Other => "other",
                    }
                    .into(),
                    label: t.label,
                    text: t.text,
                })
                .collect(),
            timeline: timeline.iter().map(StatusEvent::from).collect(),
            likely_no_answer,
            outside_hours: r.outside_hours.clone(),
        }
    }
}

/// Which calls to show: every part that is set must match (none set: every call).
#[derive(Clone, Debug, Default, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CallFilter {
    pub status: Option<CallStatus>,
    /// Words to find in the task, transcript, summary, number, note, tags or contact name.
    pub search: Option<String>,
    pub outcome: Option<OutcomeFilter>,
    /// A tag (any case).
    pub tag: Option<String>,
    /// Calls to this number (E.164): a contact's page.
    pub phone: Option<String>,
    /// Only demo calls (`true`) or only real ones (`false`).
    pub demo: Option<bool>,
    /// From this local day, `YYYY-MM-DD` (included).
    pub since: Option<String>,
    /// To this local day, `YYYY-MM-DD` (included).
    pub until: Option<String>,
}

/// An outcome to filter by, or "none set yet".
#[derive(Clone, Copy, Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", tag = "kind", content = "outcome")]
pub enum OutcomeFilter {
    Is(Outcome),
    NotSet,
}

impl CallFilter {
    /// The core's filter. A date that cannot be read, or a start after the end, is an
    /// `InvalidInput` error that says which.
    pub fn to_core(&self) -> Result<HistoryFilter, AppError> {
        let day = |which: &str, text: &Option<String>| -> Result<_, AppError> {
            match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(None),
                Some(t) => review::parse_day(t).map(Some).ok_or_else(|| {
                    AppError::new(
                        AppErrorKind::InvalidInput,
                        format!("The {which} date is not one MissionCall can read. Pick it in the calendar, or write it like 2026-12-24."),
                    )
                }),
            }
        };
        let (since, until) =
            review::day_range(day("start", &self.since)?, day("end", &self.until)?)
                .map_err(|m| AppError::new(AppErrorKind::InvalidInput, m))?;
        Ok(HistoryFilter {
            status: self.status.clone(),
            search: self.search.clone().filter(|s| !s.trim().is_empty()),
            demo: self.demo,
            outcome: self.outcome.map(|o| match o {
                OutcomeFilter::Is(o) => CoreOutcomeFilter::Is(o),
                OutcomeFilter::NotSet => CoreOutcomeFilter::NotSet,
            }),
            tag: self.tag.clone().filter(|t| !t.trim().is_empty()),
            phones: self.phone.clone().map(|p| vec![p]),
            since,
            until,
            ..HistoryFilter::default()
        })
    }
}

#[derive(Clone, Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct HistoryQuery {
    #[serde(flatten)]
    pub filter: CallFilter,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct HistoryPage {
    pub items: Vec<CallSummary>,
    pub total: u32,
    pub offset: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub base_url: String,
    pub default_region: Option<String>,
    pub notifications: String,
    pub theme: String,
}

impl From<&CoreSettings> for Settings {
    fn from(s: &CoreSettings) -> Self {
        let name = |v: serde_json::Result<serde_json::Value>| {
            v.ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        Settings {
            base_url: s.base_url.clone(),
            default_region: s.default_region.clone(),
            notifications: name(serde_json::to_value(s.notifications)),
            theme: name(serde_json::to_value(s.theme)),
        }
    }
}

impl Settings {
    /// Back to the core's settings (unknown names fall back to the defaults).
    pub fn to_core(&self) -> CoreSettings {
        CoreSettings {
            base_url: self.base_url.clone(),
            default_region: self.default_region.clone(),
            notifications: serde_json::from_value::<NotifyLevel>(self.notifications.clone().into())
                .unwrap_or_default(),
            theme: serde_json::from_value::<Theme>(self.theme.clone().into()).unwrap_or_default(),
            demo: false,
            // The caller identity is not part of this form: `Manager::set_settings` keeps the
            // stored one (it changes through `Manager::set_caller_identity`).
            ..CoreSettings::default()
        }
    }
}

#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KeyStatus {
    pub set: bool,
    pub last4: Option<String>,
    pub source: Option<String>,
}

impl From<missioncall_core::secrets::KeyStatus> for KeyStatus {
    fn from(k: missioncall_core::secrets::KeyStatus) -> Self {
        KeyStatus {
            set: k.set,
            last4: k.last4,
            source: k.source.map(|s| match s {
                missioncall_core::secrets::KeySource::Env => "env".into(),
                missioncall_core::secrets::KeySource::Keychain => "keychain".into(),
            }),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppMode {
    pub demo: bool,
    pub has_key: bool,
    pub base_url: String,
    pub default_region: String,
    pub first_run: bool,
}

impl From<ModeInfo> for AppMode {
    fn from(m: ModeInfo) -> Self {
        AppMode {
            demo: m.demo,
            has_key: m.has_key,
            base_url: m.base_url,
            default_region: m.default_region,
            first_run: m.first_run,
        }
    }
}

/// A call to confirm: checked by the backend, which answers with what will be sent and a
/// one-use token. `force` confirms a second identical call after a duplicate warning.
#[derive(Clone, Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmCallArgs {
    pub number: String,
    pub region: Option<String>,
    pub task: String,
    pub force: bool,
}

/// A call's status or result changed.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct TaskUpdated {
    pub call: CallSummary,
}

/// Demo mode started or stopped (the payload is the new mode).
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[serde(transparent)]
pub struct DemoChanged(pub AppMode);

/// How the service can be reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum Connection {
    Online,
    /// The network or the service cannot be reached.
    Offline,
    /// The service refused the key: calls are not followed until it is corrected.
    KeyRejected,
}

/// The service became unreachable, refused the key, or is reachable again.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct NetworkState {
    pub connection: Connection,
    pub message: Option<String>,
}

/// A tag and how many calls carry it.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TagCount {
    pub name: String,
    pub calls: u32,
}

impl From<core_history::TagCount> for TagCount {
    fn from(t: core_history::TagCount) -> Self {
        TagCount {
            name: t.name,
            calls: t.calls.min(u32::MAX.into()) as u32,
        }
    }
}

/// A name the user gave a number.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub phone_number: String,
    pub phone_display: String,
    pub name: String,
    pub calls: u32,
    pub last_call_at: Option<String>,
}

impl From<core_history::Contact> for Contact {
    fn from(c: core_history::Contact) -> Self {
        Contact {
            phone_display: phone::display(&c.phone_e164),
            phone_number: c.phone_e164,
            name: c.name,
            calls: c.calls.min(u32::MAX.into()) as u32,
            last_call_at: c.last_call_at.map(|t| t.to_rfc3339()),
        }
    }
}

/// A call with a follow-up, and where it stands against the local clock.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FollowUpItem {
    pub call: CallSummary,
    /// Its day has passed (or its time, when it has one).
    pub overdue: bool,
    /// It falls on today's date (local).
    pub today: bool,
}

/// The figures of the filtered calls (see the core's `Overview`).
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    pub total: u32,
    pub by_outcome: Vec<OutcomeCount>,
    pub by_status: Vec<StatusCount>,
    pub per_week: Vec<WeekCount>,
    pub earlier_calls: u32,
    pub achieved: u32,
    pub judged: u32,
    /// 0 to 1; `None` when no call has an outcome.
    pub achieved_share: Option<f64>,
    pub finished: u32,
    pub never_connected: u32,
    pub median_seconds_to_done: Option<u32>,
}

#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeCount {
    /// `None`: no outcome set yet.
    pub outcome: Option<Outcome>,
    pub label: String,
    pub calls: u32,
}

#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StatusCount {
    pub status: CallStatus,
    pub label: String,
    pub tone: Tone,
    pub calls: u32,
}

#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WeekCount {
    /// The Monday the week starts on, `YYYY-MM-DD`.
    pub week_of: String,
    pub calls: u32,
    pub achieved: u32,
}

fn small(n: u64) -> u32 {
    n.min(u32::MAX.into()) as u32
}

impl From<core_history::Overview> for Overview {
    fn from(o: core_history::Overview) -> Self {
        Overview {
            achieved_share: o.achieved_share(),
            total: small(o.total),
            by_outcome: o
                .by_outcome
                .iter()
                .map(|c| OutcomeCount {
                    outcome: c.outcome,
                    label: c.outcome.map_or("No outcome yet", |o| o.label()).to_owned(),
                    calls: small(c.calls),
                })
                .collect(),
            by_status: o
                .by_status
                .iter()
                .map(|c| StatusCount {
                    label: c.status.label(),
                    tone: c.status.tone(),
                    status: c.status.clone(),
                    calls: small(c.calls),
                })
                .collect(),
            per_week: o
                .per_week
                .iter()
                .map(|w| WeekCount {
                    week_of: w.week_of.to_string(),
                    calls: small(w.calls),
                    achieved: small(w.achieved),
                })
                .collect(),
            earlier_calls: small(o.earlier_calls),
            achieved: small(o.achieved),
            judged: small(o.judged),
            finished: small(o.finished),
            never_connected: small(o.never_connected),
            median_seconds_to_done: o
                .median_seconds_to_done
                .map(|s| s.clamp(0, u32::MAX.into()) as u32),
        }
    }
}

/// What to export: the calls of a filter, in a format.
#[derive(Clone, Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportArgs {
    pub filter: CallFilter,
    /// `csv`, `json` or `md`.
    pub format: String,
    /// Add each call's transcript (CSV and the report; JSON always has everything).
    pub with_transcripts: bool,
}

/// An export that finished.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportDone {
    pub path: String,
    pub calls: u32,
}

/// How far an export has gone (sent every few hundred calls).
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
#[serde(rename_all = "camelCase")]
pub struct ExportProgress {
    pub done: u32,
    pub total: u32,
}

/// What importing contacts did, and the entries it skipped (at most [`MAX_SKIPPED_SHOWN`]).
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ContactsImported {
    pub added: u32,
    pub renamed: u32,
    pub unchanged: u32,
    pub skipped: u32,
    pub skipped_entries: Vec<SkippedContact>,
}

/// An entry of the file that was not kept, and why.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SkippedContact {
    /// The card or row, from 1.
    pub at: u32,
    pub name: String,
    pub input: String,
    pub problem: String,
}

/// The most skipped entries listed to the window (the counts are complete).
pub const MAX_SKIPPED_SHOWN: usize = 50;

impl ContactsImported {
    pub fn new(
        p: &missioncall_core::contacts_import::Preview,
        a: &missioncall_core::contacts_import::Applied,
    ) -> Self {
        ContactsImported {
            added: small(a.added),
            renamed: small(a.renamed),
            unchanged: small(a.unchanged),
            skipped: small(a.skipped),
            skipped_entries: p
                .entries
                .iter()
                .filter_map(|e| {
                    Some(SkippedContact {
                        at: e.at.min(u32::MAX as usize) as u32,
                        name: e.name.clone(),
                        input: e.input.clone(),
                        problem: e.problem.clone()?,
                    })
                })
                .take(MAX_SKIPPED_SHOWN)
                .collect(),
        }
    }
}

/// A backup written.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupDone {
    pub path: String,
    pub calls: u32,
    pub bytes: f64,
}

impl From<core_history::BackupInfo> for BackupDone {
    fn from(b: core_history::BackupInfo) -> Self {
        BackupDone {
            path: b.path.display().to_string(),
            calls: small(b.calls),
            bytes: b.bytes as f64,
        }
    }
}

/// What a restore added and changed.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RestoreDone {
    /// Calls the history did not have.
    pub added: u32,
    /// Calls the backup had newer news or annotations of.
    pub updated: u32,
    pub unchanged: u32,
    pub contacts_added: u32,
    pub contacts_updated: u32,
    /// The ids of the calls added (the first thousand), to show them.
    pub added_ids: Vec<i64>,
}

impl From<core_history::RestoreReport> for RestoreDone {
    fn from(r: core_history::RestoreReport) -> Self {
        RestoreDone {
            added: small(r.added),
            updated: small(r.updated),
            unchanged: small(r.unchanged),
            contacts_added: small(r.contacts_added),
            contacts_updated: small(r.contacts_updated),
            added_ids: r.added_ids,
        }
    }
}

/// One of the automatic daily backups.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DailyBackup {
    /// The day it was made, `YYYY-MM-DD`.
    pub date: String,
    pub bytes: f64,
}

impl From<core_history::BackupFile> for DailyBackup {
    fn from(b: core_history::BackupFile) -> Self {
        DailyBackup {
            date: b.date.to_string(),
            bytes: b.bytes as f64,
        }
    }
}

/// A number on the do-not-call list.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DoNotCallEntry {
    pub phone_number: String,
    pub phone_display: String,
    /// When it was added (RFC 3339).
    pub added_at: String,
    pub reason: Option<String>,
    /// How it got there, in plain words ("from a call", "imported", "typed").
    pub source_label: String,
    /// The call it was added from, if any.
    pub call_id: Option<i64>,
}

impl From<&missioncall_core::do_not_call::Listing> for DoNotCallEntry {
    fn from(l: &missioncall_core::do_not_call::Listing) -> Self {
        DoNotCallEntry {
            phone_display: phone::display(&l.phone_e164),
            phone_number: l.phone_e164.clone(),
            added_at: l.added_at.to_rfc3339(),
            reason: l.reason.clone(),
            source_label: l.source.label().to_owned(),
            call_id: l.call_id,
        }
    }
}

/// What importing a do-not-call file did, and the rows it skipped (at most
/// [`MAX_SKIPPED_SHOWN`]).
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DoNotCallImported {
    pub added: u32,
    pub already_listed: u32,
    pub skipped: u32,
    pub skipped_rows: Vec<SkippedRow>,
}

/// A row of a file that was not kept, and why.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SkippedRow {
    pub at: u32,
    pub input: String,
    pub problem: String,
}

impl DoNotCallImported {
    pub fn new(
        p: &missioncall_core::do_not_call::ImportPreview,
        i: &missioncall_core::do_not_call::Imported,
    ) -> Self {
        DoNotCallImported {
            added: small(i.added),
            already_listed: small(i.already_listed),
            skipped: small(i.skipped),
            skipped_rows: p
                .rows
                .iter()
                .filter_map(|r| {
                    Some(SkippedRow {
                        at: r.at.min(u32::MAX as usize) as u32,
                        input: r.input.clone(),
                        problem: r.problem.clone()?,
                    })
                })
                .take(MAX_SKIPPED_SHOWN)
                .collect(),
        }
    }
}

/// Who the calls are made for, and whether the agent says it is an AI.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CallerIdentity {
    pub name: Option<String>,
    pub business: Option<String>,
    pub disclose_ai: bool,
    /// The sentence added to every mission, exactly as sent (`None`: nothing is added).
    pub sentence: Option<String>,
}

impl From<&missioncall_core::identity::CallerIdentity> for CallerIdentity {
    fn from(i: &missioncall_core::identity::CallerIdentity) -> Self {
        CallerIdentity {
            name: i.name.clone(),
            business: i.business.clone(),
            disclose_ai: i.disclose_ai,
            sentence: i.sentence(),
        }
    }
}

impl CallerIdentity {
    pub fn to_core(&self) -> missioncall_core::identity::CallerIdentity {
        missioncall_core::identity::CallerIdentity {
            name: self.name.clone(),
            business: self.business.clone(),
            disclose_ai: self.disclose_ai,
        }
    }
}

/// What keeps MissionCall running with its window closed, and the settings about it.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackgroundWork {
    /// Closing the window while something waits keeps MissionCall running in the tray.
    pub keep_running_in_tray: bool,
    /// "Pause all" is on: no scheduled call or batch row is placed until resumed.
    pub paused: bool,
    /// One-off scheduled calls waiting for their time.
    pub waiting: u32,
    /// Batches this app runs.
    pub running_batches: u32,
    /// What waits, in words ("2 scheduled calls and 1 batch").
    pub what_waits: String,
}

impl From<missioncall_core::schedule::Background> for BackgroundWork {
    fn from(bg: missioncall_core::schedule::Background) -> Self {
        BackgroundWork {
            keep_running_in_tray: bg.keep_running_in_tray,
            paused: bg.paused,
            waiting: u32::try_from(bg.waiting).unwrap_or(u32::MAX),
            running_batches: u32::try_from(bg.running_batches).unwrap_or(u32::MAX),
            what_waits: bg.what_waits(),
        }
    }
}

/// A call to be placed later.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledCall {
    pub id: i64,
    pub phone_number: String,
    pub phone_display: String,
    /// The name the user gave the number, if any.
    pub contact_name: Option<String>,
    /// The mission exactly as it will be sent.
    pub task: String,
    pub demo: bool,
    /// When it is to be placed (RFC 3339).
    pub due_at: String,
    /// Its time passed while MissionCall was not running: it waits for the user to place it
    /// now or drop it.
    pub overdue: bool,
    /// Why it is where it is, when that needs saying.
    pub note: String,
}

impl ScheduledCall {
    pub fn new(j: &core_history::ScheduledJob, contact_name: Option<String>) -> Self {
        ScheduledCall {
            id: j.id,
            phone_display: phone::display(&j.phone_e164),
            phone_number: j.phone_e164.clone(),
            contact_name,
            task: j.task.clone(),
            demo: j.demo,
            due_at: j.due_at.to_rfc3339(),
            overdue: j.state == missioncall_core::call::JobState::Overdue,
            note: j.note.clone(),
        }
    }
}

/// Scheduled calls changed by themselves (one was placed or refused when due, or found
/// overdue): the window lists them again.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct ScheduledChanged;

/// The calling hours: when calls may ring, in the callee's local time.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CallingHoursDto {
    /// Monday first.
    pub days: Vec<bool>,
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM` (after `start`).
    pub end: String,
    /// In words: "08:00–21:00, every day" (ignored when saving).
    #[serde(default)]
    pub summary: String,
    /// The user's own time zone, as the times shown to them are given (ignored when saving).
    #[serde(default)]
    pub user_zone: String,
}

impl CallingHoursDto {
    pub fn new(rule: &missioncall_core::callee_time::HoursRule) -> Self {
        let h = &rule.hours;
        CallingHoursDto {
            days: h.days.to_vec(),
            start: h.start.format("%H:%M").to_string(),
            end: h.end.format("%H:%M").to_string(),
            summary: h.to_string(),
            user_zone: rule.user_zone.name().to_owned(),
        }
    }
}

/// A CSV file picked for a batch: kept by the backend (the window holds only its token).
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BatchFile {
    /// Give this to `plan_batch` and `start_batch`.
    pub token: String,
    /// The file's name.
    pub name: String,
    /// The header row.
    pub headers: Vec<String>,
    /// Data rows (blank ones not counted).
    pub rows: u32,
    /// The column the numbers are read from when none is picked, if one looks like it.
    pub guessed_phone_column: Option<String>,
}

/// What to plan, or start: the file, the mission, where numbers without a country code are,
/// and which column holds the numbers.
#[derive(Clone, Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BatchArgs {
    pub token: String,
    pub template: String,
    pub region: Option<String>,
    pub phone_column: Option<String>,
}

/// One row of the dry run.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PlannedRowDto {
    pub row: u32,
    /// The phone cell as read.
    pub input: String,
    /// The number as it will be dialled, when valid.
    pub phone_number: Option<String>,
    pub phone_display: Option<String>,
    /// `ok`, `invalid`, `duplicate_in_file`, `recent_duplicate`, `do_not_call`,
    /// `outside_hours`, `template_error`.
    pub verdict: String,
    /// What will happen, in words: "Will be called", "Called later: ...", "Not called".
    pub verdict_label: String,
    /// True when the row will be called (now, or later in the calling hours).
    pub callable: bool,
    /// Why, in a sentence, when it is not simply called.
    pub reason: Option<String>,
    /// The callee's local time, `HH:MM`, when known.
    pub local_time: Option<String>,
    /// When a row outside the calling hours will be placed (RFC 3339).
    pub next_allowed: Option<String>,
    /// The mission exactly as it would be sent.
    pub task: String,
}

/// The dry run of a batch: every row, and the counts.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BatchPlan {
    pub phone_column: String,
    pub phone_column_guessed: bool,
    /// Placeholders that name no column of the file.
    pub unknown_placeholders: Vec<String>,
    pub rows: Vec<PlannedRowDto>,
    /// Rows that will be called (now, or later in the calling hours).
    pub callable: u32,
    /// Rows called now.
    pub now: u32,
    /// Rows called later, when the calling hours open where they are.
    pub later: u32,
    /// Rows not called.
    pub skipped: u32,
}

impl BatchPlan {
    pub fn new(p: &missioncall_core::batch::Plan) -> Self {
        use missioncall_core::batch::Verdict;
        let rows: Vec<PlannedRowDto> = p
            .rows
            .iter()
            .map(|r| {
                let callable = r.callable();
                let later = callable && r.verdict != Verdict::Ok;
                PlannedRowDto {
                    row: u32::try_from(r.row).unwrap_or(u32::MAX),
                    input: r.input.clone(),
                    phone_number: r.e164.clone(),
                    phone_display: r.e164.as_deref().map(phone::display),
                    verdict: r.verdict.key().to_owned(),
                    verdict_label: match (r.verdict, later) {
                        (Verdict::Ok, _) => "Will be called".to_owned(),
                        (Verdict::OutsideHours, true) => "Called later".to_owned(),
                        _ => "Not called".to_owned(),
                    },
                    callable,
                    reason: r.reason.clone(),
                    local_time: r.local_time.map(|t| t.format("%H:%M").to_string()),
                    next_allowed: r.next_allowed.map(|t| t.to_rfc3339()),
                    task: r.task.clone(),
                }
            })
            .collect();
        let now = rows
            .iter()
            .filter(|r| r.verdict == Verdict::Ok.key())
            .count() as u32;
        let callable = rows.iter().filter(|r| r.callable).count() as u32;
        BatchPlan {
            phone_column: p.phone_column.name.clone(),
            phone_column_guessed: p.phone_column.guessed,
            unknown_placeholders: p.unknown_placeholders.clone(),
            skipped: rows.len() as u32 - callable,
            later: callable - now,
            now,
            callable,
            rows,
        }
    }
}

/// A batch as the window shows it.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BatchDto {
    pub id: i64,
    pub source: String,
    pub template: String,
    pub demo: bool,
    pub concurrency: u8,
    /// `running`, `paused`, `cancelled` or `done`.
    pub state: missioncall_core::call::BatchState,
    pub state_label: String,
    /// Why it is in its state, when that needs saying.
    pub note: String,
    pub created_at: String,
    pub rows: u32,
    pub skipped: u32,
    pub waiting: u32,
    pub placed: u32,
    pub not_placed: u32,
    pub going: u32,
    /// The user can pause it, resume it, cancel it.
    pub can_pause: bool,
    pub can_resume: bool,
    pub can_cancel: bool,
}

impl From<&core_history::Batch> for BatchDto {
    fn from(b: &core_history::Batch) -> Self {
        use missioncall_core::call::BatchState as S;
        BatchDto {
            id: b.id,
            source: b.source.clone(),
            template: b.template.clone(),
            demo: b.demo,
            concurrency: b.concurrency,
            state: b.state,
            state_label: b.state.label().to_owned(),
            note: b.note.clone(),
            created_at: b.created_at.to_rfc3339(),
            rows: b.counts.rows,
            skipped: b.counts.skipped,
            waiting: b.counts.waiting,
            placed: b.counts.placed,
            not_placed: b.counts.not_placed,
            going: b.counts.going,
            can_pause: b.state == S::Running,
            can_resume: b.state == S::Paused,
            can_cancel: matches!(b.state, S::Running | S::Paused),
        }
    }
}

/// One row of a batch with what became of it.
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BatchRowDto {
    pub row: u32,
    pub input: String,
    pub phone_number: Option<String>,
    pub phone_display: Option<String>,
    /// Where it stands, in words ("Waiting", "Done", "Not placed", ...).
    pub state_label: String,
    /// Why it was not placed, when it was not.
    pub reason: Option<String>,
    /// The call it became.
    pub call: Option<CallSummary>,
}

impl From<&core_history::BatchRow> for BatchRowDto {
    fn from(r: &core_history::BatchRow) -> Self {
        let (state_label, reason) = match (&r.call, &r.job) {
            (Some(c), _) => (c.status.label(), None),
            (None, Some(j)) => (
                j.state.label().to_owned(),
                Some(j.note.clone()).filter(|n| !n.is_empty()),
            ),
            (None, None) => ("Not called".to_owned(), r.reason.clone()),
        };
        BatchRowDto {
            row: r.row,
            input: r.input.clone(),
            phone_number: r.phone_e164.clone(),
            phone_display: r.phone_e164.as_deref().map(phone::display),
            state_label,
            reason,
            call: r.call.as_ref().map(CallSummary::from),
        }
    }
}
