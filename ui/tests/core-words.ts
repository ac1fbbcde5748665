//! The app's own words and shapes, as `src-tauri/tests/ui_fixtures.rs` writes them from the Rust
//! code into tests/fixtures/core-*.json: the types of those files and the helpers that fill them
//! in. Used by the mock backend (in the browser, which imports the files through Vite) and by the
//! specs (in Node, which read them with `fixtures.ts`). Nothing here may import Node modules.
//!
//! Regenerate the files after a change of wording in Rust:
//! `UPDATE_UI_FIXTURES=1 cargo test -p missioncall-app --test ui_fixtures` (the normal
//! `cargo test` fails while they are stale).

import type {
  AppError,
  CallDetail,
  CallSummary,
  KeyStatus,
  NetworkState,
  OutcomeChoice,
  PhoneCheck,
  Region,
  Settings,
  StatusChoice,
  Tracking,
} from '../src/lib/bindings';

/** An `AppError` whose message may hold `{name}`s to fill in, and whose `callId`, when it names
 *  a call, is the `{id}` filled in. */
export type ErrorTemplate = Omit<AppError, 'callId'> & { callId?: '{id}' };

/** core-phone.json: `phone::check` by country and text; `phone::display` by E.164 number. */
export type CorePhone = {
  checks: Record<string, Record<string, PhoneCheck>>;
  displays: Record<string, string>;
};

/** The shell's `CallSummary` of one call in a status, with and without a task at the service. */
export type StatusSamples = { withTask: CallSummary; withoutTask: CallSummary };

/** core-calls.json. */
export type CoreCalls = {
  /** By the word the core stores: a local state's key or a documented service word. */
  statuses: Record<string, StatusSamples>;
  /** Any other service word: `placeholder` stands for the word. */
  otherStatus: { placeholder: string; samples: StatusSamples };
  detail: CallDetail;
  /** What a call says once the user confirmed that no call was made. */
  dismissed: { error: string };
};

/** core-app.json. */
export type CoreApp = {
  regions: Region[];
  settings: Settings;
  statusChoices: StatusChoice[];
  trackingLabels: Record<Tracking, string | null>;
  keyStatus: { none: KeyStatus; keychain: KeyStatus };
  limits: { maxTaskChars: number; duplicateWindowMinutes: number; confirmationMinutes: number };
};

/** core-errors.json: what the commands answer, case by case. */
export type CoreErrors = {
  callNotFound: { read: ErrorTemplate; action: ErrorTemplate };
  demoEnded: ErrorTemplate;
  /** Index: whole minutes since the first call, within the duplicate window. */
  duplicate: ErrorTemplate[];
  emptyTask: ErrorTemplate;
  insecureUrl: ErrorTemplate;
  invalidKey: ErrorTemplate;
  invalidRegion: ErrorTemplate;
  keyRejectedEvent: NetworkState;
  longTask: ErrorTemplate;
  noKey: ErrorTemplate;
  noTaskToCancel: ErrorTemplate;
  noTaskToCheck: ErrorTemplate;
  /** By status word; `other` for words the contract does not name (`{word}`). */
  notCancellable: Record<string, ErrorTemplate>;
  notConfirmed: ErrorTemplate;
  offline: ErrorTemplate;
  storage: ErrorTemplate;
  taskNotFound: ErrorTemplate;
  unauthorized: ErrorTemplate;
  unknownOutcome: ErrorTemplate;
};

/** core-review.json: the words of the review commands (outcomes, tags, notes, follow-ups,
 *  contacts, filters by day, exports). */
export type CoreReview = {
  outcomeChoices: OutcomeChoice[];
  /** The overview's label for calls without an outcome. */
  noOutcomeLabel: string;
  limits: { maxTagChars: number; maxTagsPerCall: number; maxContactChars: number; maxNoteChars: number };
  errors: Record<
    | 'tagEmpty'
    | 'tagTooLong'
    | 'tooManyTags'
    | 'tagNotFound'
    | 'contactNameEmpty'
    | 'contactNameTooLong'
    | 'noteTooLong'
    | 'badFollowUp'
    | 'badDay'
    | 'daysSwapped'
    | 'exportCancelled'
    | 'badExportFormat',
    ErrorTemplate
  >;
};

/** core-backup.json: the words of backups, restores and contact imports. */
export type CoreBackup = {
  /** How many daily backups are kept (`history::backup::KEEP_DAILY`). */
  keepDaily: number;
  /** The most skipped entries an import lists (`dto::MAX_SKIPPED_SHOWN`; the counts are whole). */
  maxSkippedShown: number;
  /** The name the save dialog offers for a backup (`{date}`: the local day, `YYYY-MM-DD`). */
  backupFileName: string;
  /** The error a call gets when it arrives from a backup made while it was being sent
   *  (`history::backup::RESTORED_SENDING_NOTE`). */
  restoredSendingNote: string;
  /** Why an import skips an entry, besides a bad number (`PhoneCheck.reason`) or name
   *  (`review::clean_contact_name`). */
  importProblems: { duplicateInFile: string };
  errors: Record<'notAHistory' | 'noDailyBackup' | 'importNotText' | 'importNothing', ErrorTemplate>;
};

type Values = Record<string, string | number>;

/** `text` with each `{name}` of `values` filled in; throws if one is left. */
export function fillText(text: string, values: Values = {}): string {
  const out = text.replace(/\{([A-Za-z0-9]+)\}/g, (all, name: string) =>
    name in values ? String(values[name]) : all,
  );
  const left = /\{(id|n|url|code|dataDir|word|last4|since|until|path|date)\}/.exec(out);
  if (left) throw new Error(`core words: "${left[0]}" was not filled in: ${text}`);
  return out;
}

/** The error of `template` with its values filled in (`id` is also its `callId`). */
export function fill(template: ErrorTemplate, values: Values = {}): AppError {
  const { callId, ...rest } = template;
  const error: AppError = { ...rest, message: fillText(template.message, values) };
  if (callId !== undefined) {
    if (values.id === undefined) throw new Error(`core words: an id is needed: ${template.message}`);
    error.callId = Number(values.id);
  }
  return error;
}

/** The samples of a call in the status the core stores as `word`. */
export function samplesFor(calls: CoreCalls, word: string): StatusSamples {
  const known = calls.statuses[word];
  if (known) return known;
  const { placeholder, samples } = calls.otherStatus;
  // In the JSON text, so that every field that names the word gets it, escaped as JSON.
  const escaped = JSON.stringify(word).slice(1, -1);
  return JSON.parse(JSON.stringify(samples).split(placeholder).join(escaped)) as StatusSamples;
}

/** core-outreach.json: the words of the do-not-call list, the caller identity and scheduled
 *  calls (`do_not_call.rs`, `identity.rs`, `schedule.rs`), written by
 *  `src-tauri/tests/ui_fixtures.rs` from those functions. */
export type CoreOutreach = {
  doNotCall: {
    /** `do_not_call::refusal`: `{number}` as displayed, `{why}` one of the two below. */
    refusal: string;
    whyWithReason: string;
    whyWithoutReason: string;
    maxReasonChars: number;
    maxSkippedShown: number;
    /** `Source::label`, by source. */
    sourceLabels: Record<'call' | 'import' | 'typed', string>;
    exportFileName: string;
    /** `notANumber`: `phone::InvalidPhone::NotANumber`, for a row with no digits at all. */
    importProblems: { noNumber: string; notANumber: string; duplicateInFile: string };
    errors: Record<'reasonTooLong' | 'importNotText' | 'importNothing', ErrorTemplate>;
  };
  identity: {
    who: { both: string; one: string };
    sentence: { discloseAi: string; plain: string };
    maxChars: number;
    errors: Record<'tooLong', ErrorTemplate>;
  };
  schedule: {
    /** `schedule::OVERDUE_NOTE`. */
    overdueNote: string;
    /** `schedule::GRACE`: a job later than this when found is overdue, not placed. */
    graceMinutes: number;
    errors: Record<'passed' | 'tooFar', ErrorTemplate>;
    /** `Background::what_waits`, by "calls,batches" (0-3 calls, 0-2 batches). */
    whatWaits: Record<string, string>;
  };
};

/** tests/fixtures/core-batch.json: a dry run, the batch it starts and its rows, from the core. */
export type CoreBatch = {
  file: { name: string; headers: string[]; rows: number };
  template: string;
  plan: import('../src/lib/bindings').BatchPlan;
  batch: import('../src/lib/bindings').BatchDto;
  rows: import('../src/lib/bindings').BatchRowDto[];
  stateLabels: Record<string, string>;
};
