/// <reference types="vite/client" />
//! In-memory fake of the Rust side (docs/ipc.md), for UI tests in a plain browser. It is bundled
//! only into test.html (vite --mode test) and installed with `mockIPC` before the app starts.
//! Tests configure it with `window.__MOCK_CONFIG__` (set by an init script) and drive it through
//! `window.__mock`: every invoked command is recorded with its arguments, and status changes are
//! pushed as real `task-updated` events through the event plugin protocol.
//!
//! Its behaviour (state, tokens, timers, which case applies) is written here; every word and
//! decision it answers with is the app's own, made by the Rust code: phone checks, the summary of
//! a call in each status (label, tone, live, cancellable, ...), status choices, regions,
//! settings, and each error's kind and message come from tests/fixtures/core-*.json, written by
//! `src-tauri/tests/ui_fixtures.rs` (see tests/core-words.ts). A text the fixtures do not know
//! (a number no spec types) is answered with a message that says so.

import { mockIPC } from '@tauri-apps/api/mocks';
import appJson from './fixtures/core-app.json?raw';
import callsJson from './fixtures/core-calls.json?raw';
import errorsJson from './fixtures/core-errors.json?raw';
import phoneJson from './fixtures/core-phone.json?raw';
import reviewJson from './fixtures/core-review.json?raw';
import backupJson from './fixtures/core-backup.json?raw';
import outreachJson from './fixtures/core-outreach.json?raw';
import batchJson from './fixtures/core-batch.json?raw';
import {
  fill,
  fillText,
  samplesFor,
  type CoreApp,
  type CoreBackup,
  type CoreCalls,
  type CoreOutreach,
  type CoreBatch,
  type CoreErrors,
  type CorePhone,
  type CoreReview,
} from './core-words';
import type {
  AppError,
  AppMode,
  BackupDone,
  CallerIdentity,
  CallDetail,
  CallFilter,
  CallStatus,
  CallSummary,
  ConfirmCallArgs,
  Confirmation,
  CallingHoursDto,
  BackgroundWork,
  BatchDto,
  BatchFile,
  Contact,
  ContactsImported,
  DailyBackup,
  DoNotCallEntry,
  DoNotCallImported,
  ExportArgs,
  ExportDone,
  FollowUpItem,
  HistoryPage,
  HistoryQuery,
  KeyStatus,
  Outcome,
  Overview,
  PhoneCheck,
  RestoreDone,
  ScheduledCall,
  Settings,
  SkippedContact,
  SkippedRow,
  StatusCount,
  StatusEvent,
  TagCount,
  Tracking,
  Turn,
} from '../src/lib/bindings';

/** A call to seed. `status` is a word as stored by the core: a local state's key
 *  (`unknown_outcome`), a documented service word (`in_progress`), or any other service word. */
export type SeedCall = {
  number: string;
  task: string;
  status?: string;
  summary?: string | null;
  error?: string | null;
  turns?: Turn[];
  transcript?: string | null;
  taskId?: string | null;
  likelyNoAnswer?: boolean;
  minutesAgo?: number;
  /** Whether the tracker still follows it (default: following). */
  tracking?: Tracking;
  /** The status the service reports when the call is checked again (`refresh_task`). */
  refreshTo?: string;
  demo?: boolean;
  /** What the user said of it. */
  outcome?: Outcome;
  note?: string;
  tags?: string[];
  /** `YYYY-MM-DD` or `YYYY-MM-DD HH:MM`, local time. */
  followUp?: string;
  /** For a completed call: how long from placing it to done (default: at once). */
  secondsToDone?: number;
};

/** A history backup on disk: its calls and contacts as they were when it was made. */
export type SeedBackup = {
  calls: SeedCall[];
  contacts?: { number: string; name: string }[];
  /** When it was made (default: a day before the backend's clock). Its calls' notes, outcomes,
   *  tags and its contacts' names were last changed then. */
  minutesAgo?: number;
};

/** One name and number of a contacts file, as the core's reader finds it (a card with several
 *  numbers gives several). `at`: the card or row, from 1 (default: its place in the list). */
export type ContactFileEntry = { name: string; number: string; at?: number };

export type MockConfig = {
  firstRun?: boolean;
  demo?: boolean;
  hasKey?: boolean;
  last4?: string;
  defaultRegion?: string;
  theme?: Settings['theme'];
  calls?: SeedCall[];
  /** Extra generated history rows after the seeded ones (for virtualisation tests). */
  syntheticTotal?: number;
  /** Errors returned by a command every time it is invoked. */
  fail?: Record<string, AppError>;
  latencyMs?: number;
  /** The backend's clock, as a local wall time (`2026-03-10T09:00`): follow-ups fall due, calls
   *  are dated and days are cut against it. Default: the real clock. */
  now?: string;
  /** Names given to numbers (as typed, read in the default country). */
  contacts?: { number: string; name: string }[];
  /** How `export_calls` runs: `auto` (default) sends its progress and finishes at once;
   *  `manual` sends `{done: 0}` and waits for `__mock.exportStep` / `__mock.exportFinish`;
   *  `closed` is the user closing the save dialog. */
  exportMode?: 'auto' | 'manual' | 'closed';
  /** What the system's file dialogs answer: the path the user picked, or `null` when they
   *  closed the dialog. `save` is asked by `backup_history` (default: the shell's suggested name
   *  in ~/Documents); `open` by `restore_history` and `import_contacts` (default: closed).
   *  `__mock.setDialog` changes them. */
  dialogs?: { save?: string | null; open?: string | null };
  /** Backup files on disk that the open dialog can pick, by path. */
  backupFiles?: Record<string, SeedBackup>;
  /** The automatic daily backups, made `daysAgo` days before the backend's clock (the newest
   *  `keepDaily` are kept, as the core does). */
  dailyBackups?: (SeedBackup & { daysAgo: number })[];
  /** Contact files on disk that the open dialog can pick, by path; `notText`: a file that is
   *  not UTF-8 text. Any other file picked (a backup, say) is not text either. */
  contactFiles?: Record<string, ContactFileEntry[] | 'notText'>;
  /** Numbers on the do-not-call list (as typed, read in the default country). */
  doNotCall?: { number: string; reason?: string; minutesAgo?: number; source?: 'call' | 'import' | 'typed' }[];
  /** Do-not-call files on disk that the open dialog can pick, by path: each data row's number
   *  and reason as the core's reader finds them (blank rows already left out). */
  doNotCallFiles?: Record<string, { input: string; reason?: string }[] | 'notText'>;
  /** The caller identity in force (default: none, the AI disclosure on). */
  identity?: { name?: string; business?: string; discloseAi?: boolean };
  /** Scheduled calls: due `inMinutes` after the backend's clock (negative: its time passed
   *  while the app was closed, so it is overdue). */
  scheduled?: { number: string; task: string; inMinutes: number; demo?: boolean }[];
  /** "Pause all" is on (saved from an earlier run or the tray). */
  paused?: boolean;
  /** Closing the window keeps the app running in the tray (default: on). */
  keepRunningInTray?: boolean;
};

type Invocation = { cmd: string; args: Record<string, unknown> };

type Stored = {
  own: Own;
  /** The status as the core stores it. */
  word: string;
  timeline: StatusEvent[];
  turns: Turn[];
  transcript: string | null;
  likelyNoAnswer: boolean;
  refreshTo?: string;
  outcome: Outcome | null;
  note: string;
  tags: string[];
  followUp: string | null;
  /** When the user last changed the outcome, note, tags or follow-up (ms), if ever: a restore
   *  keeps the side that did so last. */
  annotatedAt: number | null;
};

/** A history backup as the mock keeps it: copies of the stored calls and of the contacts. */
type Snapshot = { calls: Stored[]; contacts: { phone: string; name: string; at: number }[]; bytes: number };

export type MockApi = {
  invocations: Invocation[];
  calls: (cmd: string) => Record<string, unknown>[];
  count: (cmd: string) => number;
  emit: (event: string, payload: unknown) => void;
  advance: (
    id: number,
    status: string,
    extra?: Partial<Pick<Stored, 'turns' | 'transcript' | 'likelyNoAnswer'>> & { summary?: string | null },
  ) => CallSummary;
  /** The tracker stops following a call (`tracking`), with its reason in `error`. */
  giveUp: (id: number, tracking: Tracking, reason: string) => CallSummary;
  failNext: (cmd: string, error: AppError) => void;
  setFail: (cmd: string, error: AppError | null) => void;
  listenerCount: (event: string) => number;
  lastCallId: () => number | null;
  /** A call placed elsewhere (e.g. by the CLI): stored, then announced with `task-updated`. */
  add: (seed: SeedCall) => CallSummary;
  /** A call placed elsewhere that only a `sync_history` brings to light (no event). */
  addQuietly: (seed: SeedCall) => void;
  /** Changes the next `confirm_call` answer (what the backend says it will send). */
  patchNextConfirmation: (patch: Partial<Omit<Confirmation, 'token'>>) => void;
  /** From now on `schedule_call` and `place_scheduled_now` without `anyway` are refused as
   *  outside the calling hours, with this sentence (`null`: accepted again). */
  scheduleOutsideHours: (sentence: string | null) => void;
  /** A manual export goes on: sends `{done, total}`. */
  exportStep: (done: number) => void;
  /** A manual export ends well. */
  exportFinish: () => void;
  /** Whether an export is under way. */
  exporting: () => boolean;
  /** What a file dialog answers from now on: a path, or `null` (closed). */
  setDialog: (which: 'save' | 'open', answer: string | null) => void;
  /** How many calls the history holds (the generated rows are not counted). */
  callCount: () => number;
  /** The backend's clock moves on by `minutes` (follow-ups, scheduled calls). */
  advanceClock: (minutes: number) => void;
  /** What the running app's watch does every ~10 s: places the scheduled calls due (within the
   *  grace), marks those later than that overdue, and sends `scheduled-changed` if any. */
  runDue: () => void;
  /** The scheduled jobs still waiting (overdue included). */
  scheduledCount: () => number;
};

declare global {
  interface Window {
    __MOCK_CONFIG__?: MockConfig;
    __mock: MockApi;
    __TAURI_INTERNALS__: { runCallback: (id: number, data: unknown) => void } & Record<string, unknown>;
  }
}

// ---- the app's words (tests/fixtures/core-*.json) ------------------------------------------

const APP = JSON.parse(appJson) as CoreApp;
const CALLS = JSON.parse(callsJson) as CoreCalls;
const ERR = JSON.parse(errorsJson) as CoreErrors;
const PHONE = JSON.parse(phoneJson) as CorePhone;
const REVIEW = JSON.parse(reviewJson) as CoreReview;
const BACKUP = JSON.parse(backupJson) as CoreBackup;
const OUT = JSON.parse(outreachJson) as CoreOutreach;
const BATCH = JSON.parse(batchJson) as CoreBatch;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const MINUTE = 60_000;
const DUPLICATE_WINDOW = APP.limits.duplicateWindowMinutes * MINUTE;
const CONFIRMATION_TTL = APP.limits.confirmationMinutes * MINUTE;

/** What a call is made of, apart from what the core decides from its status. */
type Own = Pick<
  CallSummary,
  | 'id'
  | 'taskId'
  | 'phoneNumber'
  | 'phoneDisplay'
  | 'task'
  | 'tracking'
  | 'createdAt'
  | 'updatedAt'
  | 'summary'
  | 'error'
  | 'demo'
>;

/** What the user said of a call, and the name of its number. */
type Review = Pick<CallSummary, 'outcome' | 'note' | 'followUp' | 'tags' | 'contactName'>;
const NO_REVIEW: Review = { outcome: null, note: '', followUp: null, tags: [], contactName: null };

const outcomeLabel = (o: Outcome | null) => REVIEW.outcomeChoices.find((c) => c.outcome === o)?.label ?? null;

/** The shell's summary of a call in the status stored as `word`: the core's sample for that
 *  status (and for having a task or not), with the call's own fields. */
function summaryOf(own: Own, word: string, review: Review = NO_REVIEW): CallSummary {
  const sample = samplesFor(CALLS, word)[own.taskId !== null ? 'withTask' : 'withoutTask'];
  return {
    ...structuredClone(sample),
    ...own,
    trackingLabel: APP.trackingLabels[own.tracking],
    ...structuredClone(review),
    outcomeLabel: outcomeLabel(review.outcome),
  };
}

/** `session::plain_line`: control characters and runs of white space made one space, trimmed. */
const plainLine = (text: string) =>
  text
    .replace(/\p{Cc}/gu, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .join(' ');

const chars = (text: string) => [...text].length;

/** `review::clean_tag`. */
function cleanTag(text: string): string {
  const tag = plainLine(text);
  if (!tag) throw fill(REVIEW.errors.tagEmpty);
  if (chars(tag) > REVIEW.limits.maxTagChars) throw fill(REVIEW.errors.tagTooLong, { n: chars(tag) });
  if (!/[\p{L}\p{N}]/u.test(tag)) throw fill(REVIEW.errors.tagEmpty);
  return tag;
}

/** `review::clean_contact_name`. */
function cleanName(text: string): string {
  const name = plainLine(text);
  if (!name) throw fill(REVIEW.errors.contactNameEmpty);
  if (chars(name) > REVIEW.limits.maxContactChars) throw fill(REVIEW.errors.contactNameTooLong, { n: chars(name) });
  return name;
}

/** `review::clean_note`. */
function cleanNote(text: string): string {
  const note = text
    .replace(/\r\n/g, '\n')
    .replace(/[\p{Cc}]/gu, (c) => (c === '\n' || c === '\t' ? c : ''))
    .trim();
  if (chars(note) > REVIEW.limits.maxNoteChars) throw fill(REVIEW.errors.noteTooLong, { n: chars(note) });
  return note;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** A local day, `YYYY-MM-DD`. */
const dayOf = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

function validDay(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return dayOf(d) === text;
}

/** `FollowUp::parse`, answering with its stored key. */
function followUpKey(text: string): string {
  const t = text.trim();
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(t);
  const ok = m && validDay(m[1]) && (m[2] === undefined || (Number(m[2]) < 24 && Number(m[3]) < 60));
  if (!ok) throw fill(REVIEW.errors.badFollowUp, { word: plainLine([...t].slice(0, 40).join('')) });
  return m[2] === undefined ? m[1] : `${m[1]} ${m[2]}:${m[3]}`;
}

/** The Monday of the local week of `d`, `YYYY-MM-DD`. */
function mondayOf(d: Date): string {
  const m = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  m.setDate(m.getDate() - ((m.getDay() + 6) % 7));
  return dayOf(m);
}

/** A stored word as the core reads it back (a local state's key, else a service word). */
const statusOf = (word: string): CallStatus => samplesFor(CALLS, word).withTask.status;

/** `phone::check`, for the texts the specs type. */
function checkPhone(input: string, region: string | null): PhoneCheck {
  const known = PHONE.checks[region ?? '']?.[input];
  if (known) return structuredClone(known);
  const missing = `The mock backend has no phone check for "${input}" in ${region}: add it to src-tauri/tests/ui_fixtures.rs and regenerate the fixtures.`;
  console.error(missing);
  return {
    input,
    valid: false,
    e164: null,
    region: null,
    kind: null,
    national: null,
    international: null,
    reason: missing,
  };
}

/** `phone::display`: how a stored number is shown. */
const display = (e164: string) => PHONE.displays[e164] ?? e164;

const same = (a: CallStatus, b: CallStatus) => JSON.stringify(a) === JSON.stringify(b);

/** Like `ApiKey::new`: trimmed, not empty, printable ASCII without spaces. */
const usableKey = (key: string) => key.length > 0 && key.length <= 4096 && /^[\x21-\x7e]+$/.test(key);

export function installMockBackend(config: MockConfig) {
  // The backend's clock: the real one, or moved to `config.now` (and running from there).
  let skew = config.now ? Date.parse(config.now) - Date.now() : 0;
  const clock = () => Date.now() + skew;
  const now = () => new Date(clock()).toISOString();
  const defaultRegion = config.defaultRegion ?? 'GB';
  const mode: AppMode = {
    demo: config.demo ?? false,
    hasKey: config.hasKey ?? !config.firstRun,
    baseUrl: APP.settings.baseUrl,
    defaultRegion,
    firstRun: config.firstRun ?? false,
  };
  // Like the core: a key belongs to the service address it was stored for.
  const keys = new Map<string, KeyStatus>();
  const keychainKey = (last4: string): KeyStatus => ({
    ...APP.keyStatus.keychain,
    last4: fillText(APP.keyStatus.keychain.last4 ?? '', { last4 }),
  });
  if (mode.hasKey) keys.set(mode.baseUrl, keychainKey(config.last4 ?? '9f3c'));
  const keyNow = (): KeyStatus => structuredClone(keys.get(mode.baseUrl) ?? APP.keyStatus.none);
  let settings: Settings = { ...APP.settings, theme: config.theme ?? APP.settings.theme };
  const store: Stored[] = [];
  let nextId = 1;
  const synthetic = config.syntheticTotal ?? 0;
  const persistentFail = new Map<string, AppError>(Object.entries(config.fail ?? {}));
  const onceFail = new Map<string, AppError>();
  const listeners = new Map<string, number[]>();
  const invocations: Invocation[] = [];
  /** Confirmed calls by token: each works once, for a limited time (calls.rs). */
  const tokens = new Map<string, Confirmation & { expires: number }>();
  let tokenSeq = 0;
  let confirmationPatch: Partial<Omit<Confirmation, 'token'>> | null = null;
  /** The CSV file picked for a batch (its token), and the batches. */
  let batchToken: string | null = null;
  let nextBatch = 1;
  const batchList: BatchDto[] = [];
  /** "Pause all", and the tray setting. */
  let paused = config.paused ?? false;
  let keepRunning = config.keepRunningInTray ?? true;
  /** What `get_background` answers: the jobs waiting (not overdue), the running batches. */
  const background = (): BackgroundWork => {
    const waiting = jobs.filter((j) => !j.overdue).length;
    const runningBatches = batchList.filter((b) => b.state === 'running').length;
    const whatWaits = OUT.schedule.whatWaits[`${Math.min(waiting, 3)},${Math.min(runningBatches, 2)}`];
    if (whatWaits === undefined) throw new Error(`core-outreach.json has no whatWaits for ${waiting},${runningBatches}`);
    return { keepRunningInTray: keepRunning, paused, waiting, runningBatches, whatWaits };
  };
  function findBatch(id: number): BatchDto {
    const b = batchList.find((x) => x.id === id);
    if (!b) throw { kind: 'invalidInput', message: `there is no batch number ${id}.` } satisfies AppError;
    return b;
  }
  /** `schedule_call` without `anyway` refused as outside the calling hours, with this sentence. */
  let scheduleRefusal: string | null = null;
  /** Calls placed outside the calling hours by "call now anyway": the sentence shown. */
  const outsideHoursOf = new Map<number, string>();
  let callingHours: CallingHoursDto = {
    days: [true, true, true, true, true, true, true],
    start: '08:00',
    end: '21:00',
    summary: '08:00–21:00, every day',
    userZone: 'Europe/London',
  };
  /** Calls placed elsewhere that a sync brings in. */
  const unsynced: SeedCall[] = [];

  /** The do-not-call list, by E.164, in the order added. */
  const dnc = new Map<string, { at: number; reason: string; source: 'call' | 'import' | 'typed'; callId: number | null }>();
  /** The caller identity, as `CallerIdentity::cleaned` keeps it. */
  let identity: Omit<CallerIdentity, 'sentence'> = {
    name: config.identity?.name ?? null,
    business: config.identity?.business ?? null,
    discloseAi: config.identity?.discloseAi ?? true,
  };
  /** Scheduled jobs (waiting or overdue). */
  type Job = { id: number; e164: string; task: string; demo: boolean; dueAt: number; overdue: boolean; note: string };
  const jobs: Job[] = [];
  let nextJob = 1;

  /** Names given to numbers, by E.164, and when each was given (ms). */
  const contacts = new Map<string, string>();
  const contactAt = new Map<string, number>();
  function nameNumber(e164: string, name: string, at = clock()) {
    contacts.set(e164, name);
    contactAt.set(e164, at);
  }
  /** What the file dialogs answer, and the files they can pick. */
  const dialogs = { save: undefined as string | null | undefined, open: null as string | null, ...config.dialogs };
  const backupFiles = new Map<string, Snapshot>();
  /** The automatic daily backups, by day (`YYYY-MM-DD`). */
  const daily = new Map<string, Snapshot>();
  /** The export under way, if any. */
  let exportRun: {
    total: number;
    done: (value: ExportDone) => void;
    fail: (error: AppError) => void;
    result: ExportDone;
  } | null = null;

  const reviewOf = (s: Stored): Review => ({
    outcome: s.outcome,
    note: s.note,
    followUp: s.followUp,
    tags: s.tags,
    contactName: contacts.get(s.own.phoneNumber) ?? null,
  });
  const callOf = (s: Stored): CallSummary => summaryOf(s.own, s.word, reviewOf(s));

  function event(word: string, seenAt: string): StatusEvent {
    const call = samplesFor(CALLS, word).withTask;
    return { status: call.status, label: call.statusLabel, seenAt };
  }

  function addCall(seed: SeedCall): Stored {
    const stored = makeStored(seed, nextId++, clock());
    for (const t of seed.tags ?? []) tagCall(stored, t);
    store.push(stored);
    return stored;
  }

  /** The call of `seed` as stored under `id`; what the user said of it was said at `saidAt`. */
  function makeStored(seed: SeedCall, id: number, saidAt: number): Stored {
    const check = checkPhone(seed.number, defaultRegion);
    const word = seed.status ?? 'pending';
    const status = statusOf(word);
    const created = new Date(clock() - (seed.minutesAgo ?? 0) * MINUTE).toISOString();
    const phoneNumber = check.e164 ?? seed.number;
    const own: Own = {
      id,
      taskId:
        seed.taskId === undefined
          ? status.kind === 'local' && status.state !== 'demoEnded'
            ? null
            : `tsk_${1000 + id}`
          : seed.taskId,
      phoneNumber,
      phoneDisplay: display(phoneNumber),
      task: seed.task,
      tracking: seed.tracking ?? 'following',
      createdAt: created,
      updatedAt: created,
      summary: seed.summary ?? null,
      error: seed.error ?? null,
      demo: seed.demo ?? mode.demo,
    };
    const seen = seed.secondsToDone ? new Date(Date.parse(created) + seed.secondsToDone * 1000).toISOString() : created;
    // A call done after a while was on the line first.
    const onLine = seed.secondsToDone
      ? [event('in_progress', new Date(Date.parse(created) + seed.secondsToDone * 500).toISOString())]
      : [];
    const stored: Stored = {
      own,
      word,
      timeline: [...onLine, event(word, seen)],
      turns: seed.turns ?? [],
      transcript: seed.transcript ?? null,
      likelyNoAnswer: seed.likelyNoAnswer ?? false,
      refreshTo: seed.refreshTo,
      outcome: seed.outcome ?? null,
      note: seed.note ?? '',
      tags: [],
      followUp: seed.followUp ? followUpKey(seed.followUp) : null,
      annotatedAt: seed.outcome || seed.note || seed.tags?.length || seed.followUp ? saidAt : null,
    };
    return stored;
  }

  /** The call `id`; `how` is the command's way to say it is not there (a read of the history,
   *  or an action through the session manager). */
  function find(id: number, how: 'read' | 'action'): Stored {
    const s = store.find((x) => x.own.id === id);
    if (!s) throw fill(ERR.callNotFound[how], { id });
    return s;
  }

  const GENERATED_WORDS = ['completed', 'cancelled', 'completed', 'unknown_outcome', 'completed', 'not_placed'];
  const GENERATED_NUMBERS = Object.keys(PHONE.displays).filter((n) => n.startsWith('+4420794601'));

  function syntheticRow(index: number): CallSummary {
    const n = index;
    const created = new Date(Date.UTC(2024, 0, 1) + (synthetic - n) * MINUTE).toISOString();
    const word = GENERATED_WORDS[n % GENERATED_WORDS.length];
    const phoneNumber = GENERATED_NUMBERS[n % GENERATED_NUMBERS.length];
    return summaryOf(
      {
        id: 1_000_000 + n,
        taskId: `tsk_syn_${n}`,
        phoneNumber,
        phoneDisplay: display(phoneNumber),
        task: `Mission number ${n}`,
        tracking: 'following',
        createdAt: created,
        updatedAt: created,
        summary: word === 'completed' ? `Summary for mission ${n}` : null,
        error: null,
        demo: false,
      },
      word,
    );
  }

  function setStatus(s: Stored, word: string) {
    s.word = word;
    s.own.updatedAt = now();
    const status = statusOf(word);
    if (!s.timeline.some((e) => same(e.status, status))) s.timeline.push(event(word, s.own.updatedAt));
  }

  function emit(event: string, payload: unknown) {
    for (const handler of [...(listeners.get(event) ?? [])]) {
      window.__TAURI_INTERNALS__.runCallback(handler, { event, id: handler, payload: structuredClone(payload) });
    }
  }

  /** Every tag in use, by its spelling (the first spelling given wins, as in the core). */
  function spellingOf(tag: string): string | undefined {
    const low = tag.toLowerCase();
    for (const x of store) for (const t of x.tags) if (t.toLowerCase() === low) return t;
    return undefined;
  }

  const byName = (a: string, b: string) => a.toLowerCase().localeCompare(b.toLowerCase());

  function tagCall(s: Stored, text: string) {
    const tag = spellingOf(cleanTag(text)) ?? cleanTag(text);
    if (s.tags.some((t) => t.toLowerCase() === tag.toLowerCase())) return;
    if (s.tags.length >= REVIEW.limits.maxTagsPerCall) throw fill(REVIEW.errors.tooManyTags);
    s.tags = [...s.tags, tag].sort(byName);
  }

  /** A number as the contact commands take it: E.164 as stored, or as typed in `region`. */
  function e164Of(number: string, region: string | null): string {
    if (PHONE.displays[number]) return number;
    const check = checkPhone(number, region ?? defaultRegion);
    if (!check.valid || !check.e164) throw { kind: 'invalidPhone', message: check.reason ?? '' } satisfies AppError;
    return check.e164;
  }

  /** The filter's days, checked as `CallFilter::to_core` does. */
  function days(f: CallFilter): { since: string | null; until: string | null } {
    const day = (which: string, text: string | null) => {
      const t = text?.trim() || null;
      if (t && !validDay(t)) throw fill(REVIEW.errors.badDay, { word: which });
      return t;
    };
    const since = day('start', f.since);
    const until = day('end', f.until);
    if (since && until && since > until) throw fill(REVIEW.errors.daysSwapped, { since, until });
    return { since, until };
  }

  const filterIsEmpty = (f: CallFilter) =>
    !f.status && !f.search?.trim() && !f.outcome && !f.tag?.trim() && !f.phone && f.demo === null && !f.since?.trim() && !f.until?.trim();

  /** The stored calls the filter selects, newest first: every part that is set must match. */
  function selected(f: CallFilter): { s: Stored; c: CallSummary }[] {
    const search = f.search?.trim().toLowerCase() ?? '';
    const tag = f.tag?.trim().toLowerCase() ?? '';
    const { since, until } = days(f);
    // Newest first, as `History::page` orders them: a restored call goes where its time puts it.
    return [...store]
      .sort((a, b) => b.own.createdAt.localeCompare(a.own.createdAt) || b.own.id - a.own.id)
      .map((s) => ({ s, c: callOf(s) }))
      .filter(({ c }) => !f.status || same(c.status, f.status))
      .filter(({ c }) =>
        !f.outcome ? true : f.outcome.kind === 'notSet' ? c.outcome === null : c.outcome === f.outcome.outcome,
      )
      .filter(({ c }) => !tag || c.tags.some((t) => t.toLowerCase() === tag))
      .filter(({ c }) => !f.phone || c.phoneNumber === f.phone)
      .filter(({ c }) => f.demo === null || f.demo === undefined || c.demo === f.demo)
      .filter(({ c }) => {
        const d = dayOf(new Date(c.createdAt));
        return (!since || d >= since) && (!until || d <= until);
      })
      .filter(
        ({ c }) =>
          !search ||
          [c.task, c.summary ?? '', c.phoneNumber, c.phoneDisplay, c.note, c.contactName ?? '', ...c.tags].some((t) =>
            t.toLowerCase().includes(search),
          ),
      );
  }

  function history(q: HistoryQuery): HistoryPage {
    const real = selected(q).map((x) => x.c);
    const extra = filterIsEmpty(q) ? synthetic : 0;
    const total = real.length + extra;
    const items: CallSummary[] = [];
    for (let i = q.offset; i < Math.min(total, q.offset + q.limit); i++) {
      items.push(i < real.length ? real[i] : syntheticRow(i));
    }
    return { items, total, offset: q.offset };
  }

  /** `History::overview` over the stored calls (the generated rows are not counted). */
  function overview(f: CallFilter): Overview {
    const rows = selected(f);
    const byOutcome = [...REVIEW.outcomeChoices.map((c) => c.outcome), null].map((outcome) => ({
      outcome,
      label: outcome ? outcomeLabel(outcome)! : REVIEW.noOutcomeLabel,
      calls: rows.filter(({ c }) => c.outcome === outcome).length,
    }));
    const byStatus: StatusCount[] = [];
    for (const { c } of rows) {
      const slot = byStatus.find((x) => same(x.status, c.status));
      if (slot) slot.calls++;
      else byStatus.push({ status: c.status, label: c.statusLabel, tone: c.tone, calls: 1 });
    }
    byStatus.sort((a, b) => b.calls - a.calls || a.label.localeCompare(b.label));
    const finished = rows.filter(({ c }) => c.finished);
    const onLine = statusOf('in_progress');
    const neverConnected = finished.filter(
      ({ s, c }) =>
        c.outcome === 'noAnswer' ||
        (['not_placed', 'demo_ended', 'completed', 'cancelled'].includes(s.word) &&
          !s.timeline.some((e) => same(e.status, onLine))),
    ).length;
    const done = statusOf('completed');
    const durations = rows
      .filter(({ s }) => s.word === 'completed')
      .map(({ s, c }) => {
        const at = s.timeline.find((e) => same(e.status, done))?.seenAt ?? c.updatedAt;
        return Math.round((Date.parse(at) - Date.parse(c.createdAt)) / 1000);
      })
      .sort((a, b) => a - b);
    const mid = durations.length;
    const median = !mid
      ? null
      : Math.max(0, Math.floor(mid % 2 ? durations[(mid - 1) / 2] : (durations[mid / 2 - 1] + durations[mid / 2]) / 2));
    // Weeks, Monday to Sunday, from the first call's to the last's, the newest 26 drawn.
    const perWeek: Overview['perWeek'] = [];
    let earlierCalls = 0;
    if (rows.length) {
      const dates = rows.map(({ c }) => new Date(c.createdAt));
      const first = new Date(Math.min(...dates.map(Number)));
      const last = new Date(Math.max(...dates.map(Number)));
      const weeks: string[] = [];
      for (let d = new Date(mondayOf(first) + 'T00:00'); mondayOf(d) <= mondayOf(last); d.setDate(d.getDate() + 7)) {
        weeks.push(mondayOf(d));
      }
      const drawn = weeks.slice(-26);
      for (const w of drawn) {
        const inWeek = rows.filter(({ c }) => mondayOf(new Date(c.createdAt)) === w);
        perWeek.push({ weekOf: w, calls: inWeek.length, achieved: inWeek.filter(({ c }) => c.outcome === 'achieved').length });
      }
      earlierCalls = rows.filter(({ c }) => mondayOf(new Date(c.createdAt)) < drawn[0]).length;
    }
    const achieved = byOutcome[0].calls;
    const judged = rows.length - byOutcome[byOutcome.length - 1].calls;
    return {
      total: rows.length,
      byOutcome,
      byStatus,
      perWeek,
      earlierCalls,
      achieved,
      judged,
      achievedShare: judged ? achieved / judged : null,
      finished: finished.length,
      neverConnected,
      medianSecondsToDone: median,
    };
  }

  function followUps(): FollowUpItem[] {
    const at = new Date(clock());
    const today = dayOf(at);
    const nowKey = `${today} ${pad(at.getHours())}:${pad(at.getMinutes())}`;
    return store
      .filter((s) => s.followUp)
      .sort((a, b) => a.followUp!.localeCompare(b.followUp!) || a.own.id - b.own.id)
      .map((s) => {
        const key = s.followUp!;
        const day = key.slice(0, 10);
        return {
          call: callOf(s),
          overdue: key.length > 10 ? key <= nowKey : day < today,
          today: day === today,
        };
      });
  }

  function contactList(): Contact[] {
    return [...contacts.entries()]
      .map(([phoneNumber, name]) => {
        const calls = store.filter((s) => s.own.phoneNumber === phoneNumber);
        const last = calls.map((s) => s.own.createdAt).sort().at(-1) ?? null;
        return { phoneNumber, phoneDisplay: display(phoneNumber), name, calls: calls.length, lastCallAt: last };
      })
      .sort((a, b) => byName(a.name, b.name) || a.phoneNumber.localeCompare(b.phoneNumber));
  }

  /** Runs a review write on call `id`, then tells every window, as `review_call` does. */
  function review(id: number, write: (s: Stored) => void): CallSummary {
    const s = find(id, 'read');
    write(s);
    s.own.updatedAt = now();
    s.annotatedAt = clock();
    const out = callOf(s);
    queueMicrotask(() => emit('task-updated', { call: callOf(s) }));
    return out;
  }

  function startExport(a: ExportArgs): Promise<ExportDone | null> | ExportDone | null {
    const ext = ({ csv: 'csv', json: 'json', md: 'md' } as Record<string, string>)[a.format];
    if (!ext) throw fill(REVIEW.errors.badExportFormat);
    const total = history({ ...a.filter, offset: 0, limit: 0 }).total;
    if (config.exportMode === 'closed') return null;
    const result = { path: `/home/you/Documents/missioncall-calls-${dayOf(new Date(clock()))}.${ext}`, calls: total };
    if (config.exportMode !== 'manual') {
      for (let done = 0; done < total; done += 500) emit('export-progress', { done, total });
      emit('export-progress', { done: total, total });
      return result;
    }
    return new Promise((done, fail) => {
      exportRun = { total, done, fail, result };
      emit('export-progress', { done: 0, total });
    });
  }

  // ---- backups, restores and contact imports (history/backup.rs, contacts_import.rs) ----

  /** The mock's stand-in for the file's size: SQLite pages, a few per call. */
  const sizeOf = (calls: number) => 4096 * (24 + Math.ceil(calls / 2));

  /** A backup of the history as it is now (`History::backup_to`). */
  function snapshot(): Snapshot {
    return {
      calls: structuredClone(store),
      contacts: [...contacts.entries()].map(([phone, name]) => ({ phone, name, at: contactAt.get(phone) ?? 0 })),
      bytes: sizeOf(store.length),
    };
  }

  /** A backup file of `seed`; `n` keeps its task ids apart from the history's and other files'. */
  function seededBackup(seed: SeedBackup, n: number): Snapshot {
    const madeAt = clock() - (seed.minutesAgo ?? 24 * 60) * MINUTE;
    const calls = seed.calls.map((c, i) => {
      const s = makeStored(c, 10_000 * n + i + 1, madeAt);
      s.tags = [...new Set((c.tags ?? []).map(cleanTag))].sort(byName);
      return s;
    });
    const named = (seed.contacts ?? []).map((c) => ({ phone: e164Of(c.number, null), name: cleanName(c.name), at: madeAt }));
    return { calls, contacts: named, bytes: sizeOf(calls.length) };
  }

  const isFinished = (word: string) => samplesFor(CALLS, word).withTask.finished;
  const SERVICE_ORDER = ['pending', 'accepted', 'in_progress'];

  /** The status a backup's call comes in with: one being sent is an unknown outcome here. */
  const arriving = (t: Stored) => (t.word === 'sending' ? 'unknown_outcome' : t.word);

  /** `service_side_wins`: the backup knows more of what the service said of the call. */
  function serviceSideWins(ours: Stored, theirs: Stored): boolean {
    if (ours.word === 'sending') return false;
    if (!ours.own.taskId && theirs.own.taskId) return true;
    if (ours.own.taskId && !theirs.own.taskId) return false;
    if (isFinished(ours.word)) return false;
    if (isFinished(arriving(theirs))) return true;
    const o = SERVICE_ORDER.indexOf(ours.word);
    const t = SERVICE_ORDER.indexOf(arriving(theirs));
    return o >= 0 && t > o;
  }

  /** `find_match`: the history's call for the backup's, by task id, else by when it was made,
   *  the number and the task (one answer per call). */
  function matchOf(theirs: Stored, taken: Set<number>): Stored | undefined {
    if (theirs.own.taskId) {
      const found = store.find((x) => x.own.taskId === theirs.own.taskId);
      if (found) return found;
    }
    return [...store]
      .sort((a, b) => a.own.id - b.own.id)
      .find(
        (x) =>
          !taken.has(x.own.id) &&
          x.own.phoneNumber === theirs.own.phoneNumber &&
          x.own.createdAt === theirs.own.createdAt &&
          x.own.task === theirs.own.task &&
          (!x.own.taskId || !theirs.own.taskId),
      );
  }

  /** `merge_call`: true if the history's call changed. */
  function mergeCall(ours: Stored, theirs: Stored): boolean {
    let changed = false;
    if (serviceSideWins(ours, theirs)) {
      ours.own.taskId ??= theirs.own.taskId;
      ours.word = arriving(theirs);
      ours.own.tracking = theirs.own.tracking;
      ours.own.error = theirs.word === 'sending' ? BACKUP.restoredSendingNote : theirs.own.error;
      ours.transcript = theirs.transcript ?? ours.transcript;
      if (theirs.turns.length) ours.turns = structuredClone(theirs.turns);
      ours.own.summary = theirs.own.summary ?? ours.own.summary;
      for (const e of theirs.timeline) if (!ours.timeline.some((x) => same(x.status, e.status))) ours.timeline.push(e);
      changed = true;
    } else if ((!ours.transcript && theirs.transcript) || (!ours.own.summary && theirs.own.summary)) {
      ours.transcript ??= theirs.transcript;
      ours.own.summary ??= theirs.own.summary;
      changed = true;
    }
    if ((theirs.annotatedAt ?? -Infinity) > (ours.annotatedAt ?? -Infinity)) {
      ours.outcome = theirs.outcome;
      ours.note = theirs.note;
      ours.followUp = theirs.followUp;
      ours.tags = [...theirs.tags];
      ours.annotatedAt = theirs.annotatedAt;
      changed = true;
    }
    if (changed) ours.own.updatedAt = now();
    return changed;
  }

  /** `History::restore_from`: contacts, then calls, merged by task id in one go. */
  function restoreFrom(snap: Snapshot): RestoreDone {
    const done: RestoreDone = { added: 0, updated: 0, unchanged: 0, contactsAdded: 0, contactsUpdated: 0, addedIds: [] };
    for (const c of snap.contacts) {
      const here = contacts.get(c.phone);
      if (here === undefined) done.contactsAdded++;
      else if ((contactAt.get(c.phone) ?? 0) < c.at && here !== c.name) done.contactsUpdated++;
      else continue;
      nameNumber(c.phone, c.name, c.at);
    }
    const taken = new Set<number>();
    for (const theirs of snap.calls) {
      const ours = matchOf(theirs, taken);
      if (ours) {
        taken.add(ours.own.id);
        if (mergeCall(ours, theirs)) done.updated++;
        else done.unchanged++;
        continue;
      }
      const copy: Stored = structuredClone(theirs);
      copy.own.id = nextId++;
      copy.word = arriving(theirs);
      if (theirs.word === 'sending') copy.own.error = BACKUP.restoredSendingNote;
      store.push(copy);
      taken.add(copy.own.id);
      done.added++;
      if (done.addedIds.length < 1000) done.addedIds.push(copy.own.id);
    }
    return done;
  }

  /** `contacts_import::read` of the file's entries (numbers without a country code in
   *  `region`), then `apply`. */
  function importContacts(file: ContactFileEntry[], region: string | null): ContactsImported {
    if (!file.length) throw fill(BACKUP.errors.importNothing);
    const seen = new Set<string>();
    const skippedEntries: SkippedContact[] = [];
    const good: { e164: string; name: string }[] = [];
    file.forEach((e, i) => {
      let name: string;
      let problem: string | null = null;
      try {
        name = cleanName(e.name);
      } catch (err) {
        name = e.name.trim();
        problem = (err as AppError).message;
      }
      const check = checkPhone(e.number, region ?? defaultRegion);
      if (!check.valid || !check.e164) problem ??= check.reason ?? '';
      else if (!problem && seen.has(check.e164)) problem = BACKUP.importProblems.duplicateInFile;
      if (check.e164 && !problem) seen.add(check.e164);
      if (problem !== null) skippedEntries.push({ at: e.at ?? i + 1, name, input: e.number, problem });
      else good.push({ e164: check.e164!, name });
    });
    const out: ContactsImported = { added: 0, renamed: 0, unchanged: 0, skipped: skippedEntries.length, skippedEntries: skippedEntries.slice(0, BACKUP.maxSkippedShown) };
    for (const g of good) {
      const here = contacts.get(g.e164);
      if (here === g.name) out.unchanged++;
      else {
        if (here === undefined) out.added++;
        else out.renamed++;
        nameNumber(g.e164, g.name);
        for (const x of store) if (x.own.phoneNumber === g.e164) x.own.updatedAt = now();
      }
    }
    return out;
  }

  /** The earlier identical call within the duplicate window, if any (not-placed calls do not
   *  count). */
  function duplicateOf(e164: string, task: string): Stored | undefined {
    return [...store]
      .reverse()
      .find(
        (s) =>
          s.own.phoneNumber === e164 &&
          s.own.task === task &&
          s.word !== 'not_placed' &&
          clock() - Date.parse(s.own.createdAt) < DUPLICATE_WINDOW,
      );
  }

  function duplicateError(dup: Stored): AppError {
    const minutes = Math.floor((clock() - Date.parse(dup.own.createdAt)) / MINUTE);
    return fill(ERR.duplicate[minutes], { id: dup.own.id });
  }

  /** Actions on a call go to its own origin: a demo call after the demo ended goes nowhere. */
  function ownOrigin(s: Stored) {
    if (s.own.demo && !mode.demo) throw fill(ERR.demoEnded, { id: s.own.id });
  }

  // ---- do-not-call list, caller identity, scheduled calls ----------------------------------

  /** `do_not_call::day_label`: "3 Dec", with the year when not this year. */
  function dayLabel(at: number): string {
    const d = new Date(at);
    const year = d.getFullYear() === new Date(clock()).getFullYear() ? '' : ` ${d.getFullYear()}`;
    return `${d.getDate()} ${MONTHS[d.getMonth()]}${year}`;
  }

  /** `do_not_call::clean_reason`. */
  function cleanReason(text: string): string {
    const reason = plainLine(text);
    if (chars(reason) > OUT.doNotCall.maxReasonChars) throw fill(OUT.doNotCall.errors.reasonTooLong, { n: chars(reason) });
    return reason;
  }

  function dncEntry(e164: string): DoNotCallEntry {
    const e = dnc.get(e164)!;
    return {
      phoneNumber: e164,
      phoneDisplay: display(e164),
      addedAt: new Date(e.at).toISOString(),
      reason: e.reason || null,
      sourceLabel: OUT.doNotCall.sourceLabels[e.source],
      callId: e.callId,
    };
  }

  function listDnc(number: string, reason: string, source: 'call' | 'import' | 'typed', callId: number | null, at = clock()) {
    if (!dnc.has(number)) dnc.set(number, { at, reason, source, callId });
  }

  /** Refuses a number on the list (`Error::DoNotCall`): nothing is sent. */
  function refuseListed(e164: string) {
    const e = dnc.get(e164);
    if (!e) return;
    const day = dayLabel(e.at);
    const why = e.reason
      ? fillText(OUT.doNotCall.whyWithReason, { day, reason: e.reason })
      : fillText(OUT.doNotCall.whyWithoutReason, { day });
    throw { kind: 'doNotCall', message: fillText(OUT.doNotCall.refusal, { number: display(e164), why }) } satisfies AppError;
  }

  /** `do_not_call::read` of a file's rows, then `apply`. */
  function importDnc(rows: { input: string; reason?: string }[], region: string | null): DoNotCallImported {
    if (!rows.length) throw fill(OUT.doNotCall.errors.importNothing);
    const firstRow = new Map<string, number>();
    const skippedRows: SkippedRow[] = [];
    const good: { e164: string; reason: string }[] = [];
    rows.forEach((r, i) => {
      const at = i + 1;
      let problem: string | null = null;
      let e164: string | null = null;
      if (!r.input.trim()) problem = OUT.doNotCall.importProblems.noNumber;
      else if (!/\p{Nd}/u.test(r.input)) problem = OUT.doNotCall.importProblems.notANumber;
      else {
        const check = checkPhone(r.input, region ?? defaultRegion);
        if (!check.valid || !check.e164) problem = check.reason ?? '';
        else if (firstRow.has(check.e164))
          problem = fillText(OUT.doNotCall.importProblems.duplicateInFile, { earlier: firstRow.get(check.e164)! });
        else e164 = check.e164;
      }
      if (problem !== null || !e164) skippedRows.push({ at, input: r.input, problem: problem ?? '' });
      else {
        firstRow.set(e164, at);
        good.push({ e164, reason: [...plainLine(r.reason ?? '')].slice(0, OUT.doNotCall.maxReasonChars).join('') });
      }
    });
    const out: DoNotCallImported = {
      added: 0,
      alreadyListed: 0,
      skipped: skippedRows.length,
      skippedRows: skippedRows.slice(0, OUT.doNotCall.maxSkippedShown),
    };
    for (const g of good) {
      if (dnc.has(g.e164)) out.alreadyListed++;
      else {
        listDnc(g.e164, g.reason, 'import', null);
        out.added++;
      }
    }
    return out;
  }

  /** `CallerIdentity::sentence`. */
  function sentence(): string | null {
    const { name, business } = identity;
    const who =
      name && business
        ? fillText(OUT.identity.who.both, { name, business })
        : name || business
          ? fillText(OUT.identity.who.one, { one: (name || business)! })
          : null;
    if (!who) return null;
    return fillText(identity.discloseAi ? OUT.identity.sentence.discloseAi : OUT.identity.sentence.plain, { who });
  }
  const identityNow = (): CallerIdentity => ({ ...identity, sentence: sentence() });

  function cleanIdentityPart(what: string, text: string | null): string | null {
    if (text === null) return null;
    const v = plainLine(text);
    if (!v) return null;
    if (chars(v) > OUT.identity.maxChars) throw fill(OUT.identity.errors.tooLong, { what, n: chars(v) });
    return v;
  }

  function scheduledOf(j: Job): ScheduledCall {
    return {
      id: j.id,
      phoneNumber: j.e164,
      phoneDisplay: display(j.e164),
      contactName: contacts.get(j.e164) ?? null,
      task: j.task,
      demo: j.demo,
      dueAt: new Date(j.dueAt).toISOString(),
      overdue: j.overdue,
      note: j.note,
    };
  }

  function findJob(id: number): Job {
    const j = jobs.find((x) => x.id === id);
    if (!j) throw { kind: 'notFound', message: `The mock backend has no scheduled call #${id}.` } satisfies AppError;
    return j;
  }

  /** A scheduled job becomes a call, through the same path as a call placed by hand. */
  function placeJob(j: Job): CallSummary {
    refuseListed(j.e164);
    jobs.splice(jobs.indexOf(j), 1);
    const call = callOf(addCall({ number: j.e164, task: j.task, status: 'pending', demo: j.demo }));
    queueMicrotask(() => emit('task-updated', { call }));
    return call;
  }

  function handle(cmd: string, args: Record<string, any>): unknown {
    switch (cmd) {
      case 'app_mode':
        return { ...mode };
      case 'boot':
        return {
          mode: { ...mode },
          regions: structuredClone(APP.regions),
          settings: { ...settings },
          statusChoices: structuredClone(APP.statusChoices),
          outcomeChoices: structuredClone(REVIEW.outcomeChoices),
        };
      case 'validate_phone':
        return checkPhone(String(args.input ?? ''), args.region ?? null);
      case 'confirm_call': {
        const a = args.args as ConfirmCallArgs;
        if (!mode.hasKey && !mode.demo) throw fill(ERR.noKey);
        const check = checkPhone(a.number, a.region);
        if (!check.valid || !check.e164) throw { kind: 'invalidPhone', message: check.reason ?? '' } satisfies AppError;
        const task = a.task.trim();
        if (!task) throw fill(ERR.emptyTask);
        const n = [...task].length;
        if (n > APP.limits.maxTaskChars) throw fill(ERR.longTask, { n });
        refuseListed(check.e164);
        const added = sentence();
        const mission = added ? `${task}\n\n${added}` : task;
        if (!a.force) {
          const dup = duplicateOf(check.e164, mission);
          if (dup) throw duplicateError(dup);
        }
        const token = `tok_${++tokenSeq}_${Math.random().toString(16).slice(2)}`;
        const c: Confirmation = {
          token,
          e164: check.e164,
          international: check.international ?? check.e164,
          region: check.region,
          task: mission,
          identitySentence: added,
          demo: mode.demo,
          force: a.force,
          hoursSentence: null,
          outsideHours: false,
          nextAllowedLocal: null,
          ...confirmationPatch,
        };
        confirmationPatch = null;
        tokens.set(token, { ...c, expires: clock() + CONFIRMATION_TTL });
        return c;
      }
      case 'place_call': {
        const token = String(args.token ?? '');
        const c = tokens.get(token);
        // Outside the calling hours without "call anyway": refused, and the token still works.
        if (c && c.outsideHours && !args.anyway && c.expires > clock())
          throw { kind: 'outsideCallingHours', message: `${c.hoursSentence} Nothing was sent. Schedule the call for an allowed time, or confirm that you want to call now anyway.` } satisfies AppError;
        tokens.delete(token);
        if (!c || c.expires <= clock() || c.demo !== mode.demo) throw fill(ERR.notConfirmed);
        refuseListed(c.e164);
        if (!c.force) {
          const dup = duplicateOf(c.e164, c.task);
          if (dup) throw duplicateError(dup);
        }
        const placed = addCall({ number: c.e164, task: c.task, status: 'pending' });
        if (c.outsideHours && args.anyway) outsideHoursOf.set(placed.own.id, c.hoursSentence ?? '');
        return callOf(placed);
      }
      case 'get_task': {
        const id = Number(args.id);
        if (id >= 1_000_000) {
          const call = syntheticRow(id - 1_000_000);
          return {
            ...structuredClone(CALLS.detail),
            call,
            transcript: null,
            turns: [],
            timeline: [{ status: call.status, label: call.statusLabel, seenAt: call.createdAt }],
            likelyNoAnswer: false,
            outsideHours: null,
          } satisfies CallDetail;
        }
        const s = find(id, 'read');
        return {
          ...structuredClone(CALLS.detail),
          call: callOf(s),
          transcript: s.transcript,
          turns: structuredClone(s.turns),
          timeline: structuredClone(s.timeline),
          likelyNoAnswer: s.likelyNoAnswer,
          outsideHours: outsideHoursOf.get(s.own.id) ?? null,
        } satisfies CallDetail;
      }
      case 'cancel_task': {
        const s = find(Number(args.id), 'action');
        ownOrigin(s);
        if (!s.own.taskId) throw fill(ERR.noTaskToCancel);
        if (!callOf(s).cancellable) {
          const known = ERR.notCancellable[s.word];
          // The core says the status's label in lower case, word included.
          throw known ? fill(known) : fill(ERR.notCancellable.other, { word: s.word.toLowerCase() });
        }
        setStatus(s, 'cancelled');
        const out = callOf(s);
        queueMicrotask(() => emit('task-updated', { call: callOf(s) }));
        return out;
      }
      case 'refresh_task': {
        const s = find(Number(args.id), 'action');
        ownOrigin(s);
        if (!s.own.taskId) throw fill(ERR.noTaskToCheck);
        if (s.refreshTo) setStatus(s, s.refreshTo);
        s.own.tracking = 'following';
        s.own.error = null;
        s.own.updatedAt = now();
        const out = callOf(s);
        queueMicrotask(() => emit('task-updated', { call: callOf(s) }));
        return out;
      }
      case 'list_history':
        return history(args.query as HistoryQuery);
      case 'sync_history':
        for (const seed of unsynced.splice(0)) addCall(seed);
        return null;
      case 'check_unknown_outcome': {
        const s = find(Number(args.id), 'action');
        const taskId = String(args.taskId ?? '');
        // The mock's service knows only tasks named tsk_...
        if (!taskId.startsWith('tsk_')) throw fill(ERR.taskNotFound);
        s.own.taskId = taskId;
        setStatus(s, 'completed');
        // What the service would report for the task found (not a word of the app's).
        s.own.summary = 'The call did happen: linked to the task found in your account.';
        return callOf(s);
      }
      case 'dismiss_unknown_outcome': {
        const s = find(Number(args.id), 'action');
        setStatus(s, 'not_placed');
        s.own.error = CALLS.dismissed.error;
        return callOf(s);
      }
      case 'set_api_key': {
        const k = String(args.key ?? '').trim();
        if (!usableKey(k)) throw fill(ERR.invalidKey);
        keys.set(mode.baseUrl, keychainKey(k.slice(-4)));
        mode.hasKey = true;
        mode.firstRun = false;
        return keyNow();
      }
      case 'clear_api_key':
        keys.delete(mode.baseUrl);
        mode.hasKey = false;
        return keyNow();
      case 'key_status':
        return keyNow();
      case 'get_settings':
        return { ...settings };
      case 'set_settings': {
        const next = args.settings as Settings;
        const url = next.baseUrl.trim();
        if (!/^https:\/\//.test(url) && !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/|$)/.test(url)) {
          throw fill(ERR.insecureUrl, { url });
        }
        const region = next.defaultRegion?.trim().toUpperCase() || null;
        if (region && !APP.regions.some((r) => r.code === region)) {
          throw fill(ERR.invalidRegion, { code: region });
        }
        settings = { ...next, defaultRegion: region };
        mode.baseUrl = next.baseUrl;
        mode.hasKey = keys.has(mode.baseUrl);
        if (region) mode.defaultRegion = region;
        return { ...settings };
      }
      case 'start_demo':
        mode.demo = true;
        mode.firstRun = false;
        queueMicrotask(() => emit('demo-changed', { ...mode }));
        return { ...mode };
      case 'stop_demo':
        mode.demo = false;
        queueMicrotask(() => emit('demo-changed', { ...mode }));
        return { ...mode };
      case 'export_call':
        find(Number(args.id), 'read');
        // Where the user chose to save it (the save dialog's answer).
        return `/home/you/Documents/MissionCall/call-${args.id}.md`;
      case 'set_outcome':
        return review(Number(args.id), (s) => (s.outcome = (args.outcome as Outcome | null) ?? null));
      case 'set_note': {
        const note = cleanNote(String(args.note ?? ''));
        return review(Number(args.id), (s) => (s.note = note));
      }
      case 'set_follow_up': {
        const text = (args.followUp as string | null)?.trim() || null;
        const key = text ? followUpKey(text) : null;
        return review(Number(args.id), (s) => (s.followUp = key));
      }
      case 'add_tag':
        return review(Number(args.id), (s) => tagCall(s, String(args.tag ?? '')));
      case 'remove_tag': {
        const low = plainLine(String(args.tag ?? '')).toLowerCase();
        return review(Number(args.id), (s) => (s.tags = s.tags.filter((t) => t.toLowerCase() !== low)));
      }
      case 'list_tags': {
        const counts = new Map<string, number>();
        for (const x of store) for (const t of x.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
        return [...counts.entries()].map(([name, calls]) => ({ name, calls }) satisfies TagCount).sort((a, b) => byName(a.name, b.name));
      }
      case 'rename_tag': {
        const from = plainLine(String(args.from ?? ''));
        const old = spellingOf(from);
        if (!old) throw fill(REVIEW.errors.tagNotFound, { word: from });
        const to = cleanTag(String(args.to ?? ''));
        const into = spellingOf(to) && spellingOf(to)!.toLowerCase() !== old.toLowerCase() ? spellingOf(to)! : to;
        let n = 0;
        for (const x of store) {
          if (!x.tags.includes(old)) continue;
          n++;
          const rest = x.tags.filter((t) => t !== old && t.toLowerCase() !== into.toLowerCase());
          x.tags = [...rest, into].sort(byName);
          x.own.updatedAt = now();
          x.annotatedAt = clock();
        }
        return n;
      }
      case 'delete_tag': {
        const name = plainLine(String(args.tag ?? ''));
        const old = spellingOf(name);
        if (!old) throw fill(REVIEW.errors.tagNotFound, { word: name });
        let n = 0;
        for (const x of store) {
          if (!x.tags.includes(old)) continue;
          n++;
          x.tags = x.tags.filter((t) => t !== old);
          x.own.updatedAt = now();
          x.annotatedAt = clock();
        }
        return n;
      }
      case 'list_contacts':
        return contactList();
      case 'set_contact': {
        const e164 = e164Of(String(args.number ?? ''), (args.region as string | null) ?? null);
        nameNumber(e164, cleanName(String(args.name ?? '')));
        for (const x of store) if (x.own.phoneNumber === e164) x.own.updatedAt = now();
        return contactList().find((c) => c.phoneNumber === e164)!;
      }
      case 'remove_contact': {
        const number = String(args.number ?? '');
        const e164 = PHONE.displays[number] ? number : e164Of(number, null);
        const had = contacts.delete(e164);
        contactAt.delete(e164);
        if (had) for (const x of store) if (x.own.phoneNumber === number) x.own.updatedAt = now();
        return had;
      }
      case 'list_follow_ups':
        return followUps();
      case 'overview':
        return overview(args.filter as CallFilter);
      case 'export_calls':
        return startExport(args.args as ExportArgs);
      case 'cancel_export': {
        const run = exportRun;
        exportRun = null;
        run?.fail(fill(REVIEW.errors.exportCancelled));
        return null;
      }
      case 'print_window':
        return null;
      case 'backup_history': {
        const path =
          dialogs.save === undefined
            ? `/home/you/Documents/${fillText(BACKUP.backupFileName, { date: dayOf(new Date(clock())) })}`
            : dialogs.save;
        if (path === null) return null;
        const snap = snapshot();
        backupFiles.set(path, snap);
        return { path, calls: snap.calls.length, bytes: snap.bytes } satisfies BackupDone;
      }
      case 'restore_history': {
        const path = dialogs.open;
        if (path === null) return null;
        const snap = backupFiles.get(path);
        if (!snap) throw fill(BACKUP.errors.notAHistory, { path });
        return restoreFrom(snap);
      }
      case 'list_backups':
        return [...daily.entries()]
          .sort(([a], [b]) => b.localeCompare(a))
          .slice(0, BACKUP.keepDaily)
          .map(([date, snap]) => ({ date, bytes: snap.bytes }) satisfies DailyBackup);
      case 'restore_daily_backup': {
        // Only a day of the list (the core reads the day's file in the backups folder; a day
        // without one is not modelled apart).
        const snap = daily.get(String(args.date ?? '').trim());
        if (!snap) throw fill(BACKUP.errors.noDailyBackup);
        return restoreFrom(snap);
      }
      case 'import_contacts': {
        const path = dialogs.open;
        if (path === null) return null;
        const file = config.contactFiles?.[path];
        if (!file || file === 'notText') throw fill(BACKUP.errors.importNotText);
        return importContacts(file, (args.region as string | null) ?? null);
      }
      case 'list_do_not_call':
        return [...dnc.keys()].map(dncEntry).sort((a, b) => b.addedAt.localeCompare(a.addedAt));
      case 'add_do_not_call': {
        const e164 = e164Of(String(args.number ?? ''), (args.region as string | null) ?? null);
        listDnc(e164, cleanReason(String(args.reason ?? '')), 'typed', null);
        return dncEntry(e164);
      }
      case 'add_do_not_call_from_call': {
        const s = find(Number(args.id), 'read');
        listDnc(s.own.phoneNumber, cleanReason(String(args.reason ?? '')), 'call', s.own.id);
        return dncEntry(s.own.phoneNumber);
      }
      case 'remove_do_not_call':
        return dnc.delete(String(args.number ?? ''));
      case 'import_do_not_call': {
        const path = dialogs.open;
        if (path === null) return null;
        const file = config.doNotCallFiles?.[path];
        if (!file || file === 'notText') throw fill(OUT.doNotCall.errors.importNotText);
        return importDnc(file, (args.region as string | null) ?? null);
      }
      case 'export_do_not_call': {
        const path = dialogs.save === undefined ? `/home/you/Documents/${OUT.doNotCall.exportFileName}` : dialogs.save;
        return path;
      }
      case 'get_caller_identity':
        return identityNow();
      case 'choose_batch_file': {
        if (dialogs.open === null) return null;
        batchToken = `bf_${++tokenSeq}`;
        return {
          token: batchToken,
          name: BATCH.file.name,
          headers: [...BATCH.file.headers],
          rows: BATCH.file.rows,
          guessedPhoneColumn: 'phone',
        } satisfies BatchFile;
      }
      case 'plan_batch':
      case 'start_batch': {
        const a = args.args as { token: string; template: string };
        if (a.token !== batchToken)
          throw { kind: 'invalidInput', message: 'That file is no longer open here. Choose the CSV file again.' } satisfies AppError;
        const plan = structuredClone(BATCH.plan);
        if (cmd === 'plan_batch') return plan;
        const expected = Number(args.expected);
        if (expected !== plan.callable)
          throw {
            kind: 'invalidInput',
            message: `The dry run changed since you reviewed it: ${plan.callable} rows can be called now, not ${expected}. Nothing was started; review the new dry run.`,
          } satisfies AppError;
        const b: BatchDto = { ...structuredClone(BATCH.batch), id: nextBatch++, concurrency: Number(args.concurrency), demo: mode.demo };
        batchList.unshift(b);
        return structuredClone(b);
      }
      case 'list_batches':
        return structuredClone(batchList);
      case 'batch_rows':
        findBatch(Number(args.id));
        return structuredClone(BATCH.rows);
      case 'pause_batch':
      case 'resume_batch':
      case 'cancel_batch': {
        const b = findBatch(Number(args.id));
        const to = cmd === 'pause_batch' ? 'paused' : cmd === 'resume_batch' ? 'running' : 'cancelled';
        const from = cmd === 'pause_batch' ? ['running'] : cmd === 'resume_batch' ? ['paused'] : ['running', 'paused'];
        if (!from.includes(b.state))
          throw { kind: 'invalidInput', message: `batch ${b.id} is ${b.stateLabel.toLowerCase()}; nothing was changed.` } satisfies AppError;
        b.state = to as BatchDto['state'];
        b.stateLabel = BATCH.stateLabels[to];
        b.note = '';
        if (to === 'cancelled') {
          b.notPlaced += b.waiting;
          b.waiting = 0;
        }
        b.canPause = to === 'running';
        b.canResume = to === 'paused';
        b.canCancel = to === 'running' || to === 'paused';
        return structuredClone(b);
      }
      case 'export_batch_results':
        findBatch(Number(args.id));
        return dialogs.save === undefined ? `/home/you/Documents/batch-${args.id}-results.csv` : dialogs.save;
      case 'get_calling_hours':
        return { ...callingHours, days: [...callingHours.days] };
      case 'set_calling_hours': {
        const h = args.hours as CallingHoursDto;
        if (!h.days.some(Boolean)) throw { kind: 'invalidSettings', message: 'Choose at least one day when calls may be placed.' } satisfies AppError;
        if (!(h.start < h.end))
          throw {
            kind: 'invalidSettings',
            message: `Calling hours must start before they end: ${h.start} to ${h.end} does not work. For example, choose 08:00 to 21:00.`,
          } satisfies AppError;
        const names = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
        const chosen = names.filter((_, i) => h.days[i]);
        const weekdays = h.days.slice(0, 5).every(Boolean) && !h.days[5] && !h.days[6];
        const when = chosen.length === 7 ? 'every day' : weekdays ? 'Monday to Friday' : chosen.join(', ');
        callingHours = { days: [...h.days], start: h.start, end: h.end, summary: `${h.start}–${h.end}, ${when}`, userZone: callingHours.userZone };
        return { ...callingHours, days: [...callingHours.days] };
      }
      case 'set_caller_identity': {
        const i = args.identity as CallerIdentity;
        identity = {
          name: cleanIdentityPart('name', i.name),
          business: cleanIdentityPart('business name', i.business),
          discloseAi: Boolean(i.discloseAi),
        };
        return identityNow();
      }
      case 'schedule_call': {
        const token = String(args.token ?? '');
        const c = tokens.get(token);
        if (!c || c.expires <= clock() || c.demo !== mode.demo) {
          tokens.delete(token);
          throw fill(ERR.notConfirmed);
        }
        const at = String(args.at ?? '');
        const due = Date.parse(at); // a local wall time, read as the core reads it
        if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(at) || Number.isNaN(due))
          throw { kind: 'invalidInput', message: `The mock backend cannot read the time "${at}".` } satisfies AppError;
        if (due <= clock()) {
          const d = new Date(due);
          const utc = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
          throw fill(OUT.schedule.errors.passed, { at: utc });
        }
        if (due - clock() > 366 * 24 * 60 * MINUTE) throw fill(OUT.schedule.errors.tooFar);
        if (scheduleRefusal && !args.anyway)
          throw {
            kind: 'outsideCallingHours',
            message: `${scheduleRefusal} Nothing was sent. Schedule the call for an allowed time, or confirm that you want to call now anyway.`,
          } satisfies AppError;
        refuseListed(c.e164);
        tokens.delete(token);
        const job: Job = { id: nextJob++, e164: c.e164, task: c.task, demo: c.demo, dueAt: due, overdue: false, note: '' };
        jobs.push(job);
        return scheduledOf(job);
      }
      case 'get_background':
        return background();
      case 'set_paused':
        paused = Boolean(args.paused);
        return background();
      case 'set_keep_running_in_tray':
        keepRunning = Boolean(args.on);
        return background();
      case 'list_scheduled':
        return [...jobs].sort((a, b) => a.dueAt - b.dueAt).map(scheduledOf);
      case 'cancel_scheduled':
      case 'drop_scheduled': {
        const j = findJob(Number(args.id));
        jobs.splice(jobs.indexOf(j), 1);
        return null;
      }
      case 'place_scheduled_now': {
        const j = findJob(Number(args.id));
        if (scheduleRefusal && !args.anyway)
          throw {
            kind: 'outsideCallingHours',
            message: `${scheduleRefusal} Nothing was sent. Schedule the call for an allowed time, or confirm that you want to call now anyway.`,
          } satisfies AppError;
        return placeJob(j);
      }
      case 'ui_ready':
        return null;
      default:
        throw { kind: 'other', message: `The mock backend does not know the command "${cmd}".` } satisfies AppError;
    }
  }

  function eventPlugin(cmd: string, args: Record<string, any>): unknown {
    if (cmd === 'plugin:event|listen') {
      const list = listeners.get(args.event) ?? [];
      list.push(args.handler);
      listeners.set(args.event, list);
      return args.handler;
    }
    if (cmd === 'plugin:event|unlisten') {
      const list = listeners.get(args.event) ?? [];
      listeners.set(
        args.event,
        list.filter((h) => h !== args.eventId),
      );
      return null;
    }
    if (cmd === 'plugin:event|emit') {
      emit(args.event, args.payload);
      return null;
    }
    throw { kind: 'other', message: `unsupported ${cmd}` } satisfies AppError;
  }

  // Seeded once every helper above is defined.
  for (const seed of config.calls ?? []) addCall(seed);
  for (const c of config.contacts ?? []) nameNumber(e164Of(c.number, null), cleanName(c.name));
  Object.entries(config.backupFiles ?? {}).forEach(([path, seed], i) => backupFiles.set(path, seededBackup(seed, i + 1)));
  (config.dailyBackups ?? []).forEach((seed, i) => {
    const day = dayOf(new Date(clock() - seed.daysAgo * 24 * 60 * MINUTE));
    daily.set(day, seededBackup({ minutesAgo: seed.daysAgo * 24 * 60, ...seed }, 100 + i));
  });

  for (const d of config.doNotCall ?? [])
    listDnc(e164Of(d.number, null), d.reason ?? '', d.source ?? 'typed', null, clock() - (d.minutesAgo ?? 0) * MINUTE);
  for (const j of config.scheduled ?? []) {
    const dueAt = clock() + j.inMinutes * MINUTE;
    // Found at start: one more than the grace late was due while the app was closed.
    const overdue = clock() - dueAt > OUT.schedule.graceMinutes * MINUTE;
    jobs.push({
      id: nextJob++,
      e164: e164Of(j.number, null),
      task: j.task,
      demo: j.demo ?? mode.demo,
      dueAt,
      overdue,
      note: overdue ? OUT.schedule.overdueNote : '',
    });
  }

  mockIPC(async (cmd, payload) => {
    const args = (payload ?? {}) as Record<string, any>;
    if (cmd.startsWith('plugin:event|')) return eventPlugin(cmd, args);
    invocations.push({ cmd, args: structuredClone(args) });
    if (config.latencyMs) await new Promise((r) => setTimeout(r, config.latencyMs));
    const once = onceFail.get(cmd);
    if (once) {
      onceFail.delete(cmd);
      // Like the core, a placement that fails still used its token.
      if (cmd === 'place_call') tokens.delete(String(args.token ?? ''));
      throw once;
    }
    const always = persistentFail.get(cmd);
    if (always) throw always;
    return handle(cmd, args);
  });

  window.__mock = {
    invocations,
    calls: (cmd) => invocations.filter((i) => i.cmd === cmd).map((i) => i.args),
    count: (cmd) => invocations.filter((i) => i.cmd === cmd).length,
    emit,
    advance(id, status, extra = {}) {
      const s = find(id, 'read');
      setStatus(s, status);
      if (extra.summary !== undefined) s.own.summary = extra.summary;
      if (extra.turns) s.turns = extra.turns;
      if (extra.transcript !== undefined) s.transcript = extra.transcript;
      if (extra.likelyNoAnswer !== undefined) s.likelyNoAnswer = extra.likelyNoAnswer;
      const call = callOf(s);
      emit('task-updated', { call });
      return call;
    },
    giveUp(id, tracking, reason) {
      const s = find(id, 'read');
      s.own.tracking = tracking;
      s.own.error = reason;
      s.own.updatedAt = now();
      const call = callOf(s);
      emit('task-updated', { call });
      return call;
    },
    failNext: (cmd, error) => void onceFail.set(cmd, error),
    setFail: (cmd, error) => void (error ? persistentFail.set(cmd, error) : persistentFail.delete(cmd)),
    listenerCount: (event) => (listeners.get(event) ?? []).length,
    lastCallId: () => (store.length ? store[store.length - 1].own.id : null),
    add(seed) {
      const call = callOf(addCall(seed));
      emit('task-updated', { call });
      return call;
    },
    addQuietly(seed) {
      unsynced.push(seed);
    },
    patchNextConfirmation(patch) {
      confirmationPatch = patch;
    },
    scheduleOutsideHours(sentence) {
      scheduleRefusal = sentence;
    },
    exportStep(done) {
      if (exportRun) emit('export-progress', { done, total: exportRun.total });
    },
    exportFinish() {
      const run = exportRun;
      exportRun = null;
      if (run) {
        emit('export-progress', { done: run.total, total: run.total });
        run.done(run.result);
      }
    },
    exporting: () => exportRun !== null,
    setDialog(which, answer) {
      dialogs[which] = answer;
    },
    callCount: () => store.length,
    advanceClock(minutes) {
      skew += minutes * MINUTE;
    },
    runDue() {
      // Paused: nothing is placed; a time that passed beyond the grace still becomes overdue.
      let changed = false;
      for (const j of [...jobs].sort((a, b) => a.dueAt - b.dueAt)) {
        if (j.overdue || j.dueAt > clock()) continue;
        if (clock() - j.dueAt > OUT.schedule.graceMinutes * MINUTE) {
          j.overdue = true;
          j.note = OUT.schedule.overdueNote;
          changed = true;
        } else if (!paused) {
          changed = true;
          try {
            placeJob(j);
          } catch {
            // A refusal (a listed number): the job is gone, its note says why.
            jobs.splice(jobs.indexOf(j), 1);
          }
        }
      }
      if (changed) emit('scheduled-changed', null);
    },
    scheduledCount: () => jobs.length,
  };
}
