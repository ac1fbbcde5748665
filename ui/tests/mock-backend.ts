//! In-memory fake of the Rust side (docs/ipc.md), for UI tests in a plain browser. It is bundled
//! only into test.html (vite --mode test) and installed with `mockIPC` before the app starts.
//! Tests configure it with `window.__MOCK_CONFIG__` (set by an init script) and drive it through
//! `window.__mock`: every invoked command is recorded with its arguments, and status changes are
//! pushed as real `task-updated` events through the event plugin protocol.
//!
//! It answers with the shapes of the generated bindings and the core's own words: the status
//! model below copies `CallStatus` (crates/missioncall-core/src/call.rs) and the messages are the
//! core's (error.rs, phone.rs, workapi's error.rs). Keep them in step when those change.

import { mockIPC } from '@tauri-apps/api/mocks';
import type {
  AppError,
  AppMode,
  CallDetail,
  CallStatus,
  CallSummary,
  ConfirmCallArgs,
  Confirmation,
  HistoryPage,
  HistoryQuery,
  KeyStatus,
  LocalState,
  PhoneCheck,
  Region,
  ServiceStatus,
  Settings,
  StatusChoice,
  StatusEvent,
  Tone,
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
};

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
};

type Invocation = { cmd: string; args: Record<string, unknown> };

type Stored = {
  call: CallSummary;
  timeline: StatusEvent[];
  turns: Turn[];
  transcript: string | null;
  likelyNoAnswer: boolean;
  refreshTo?: string;
};

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
};

declare global {
  interface Window {
    __MOCK_CONFIG__?: MockConfig;
    __mock: MockApi;
    __TAURI_INTERNALS__: { runCallback: (id: number, data: unknown) => void } & Record<string, unknown>;
  }
}

// ---- the core's status model (call.rs) ---------------------------------------------------

const LOCAL_KEYS = new Map<string, LocalState>([
  ['sending', 'sending'],
  ['unknown_outcome', 'unknownOutcome'],
  ['not_placed', 'notPlaced'],
  ['demo_ended', 'demoEnded'],
]);
const SERVICE_WORDS = new Map<string, Exclude<ServiceStatus, { other: string }>>([
  ['pending', 'pending'],
  ['accepted', 'accepted'],
  ['in_progress', 'inProgress'],
  ['completed', 'completed'],
  ['cancelled', 'cancelled'],
]);

/** A stored word as the core reads it back (`LocalState::from_key`, else a service word). */
export function statusOf(word: string): CallStatus {
  const local = LOCAL_KEYS.get(word);
  if (local) return { kind: 'local', state: local };
  const known = SERVICE_WORDS.get(word);
  return { kind: 'service', state: known ?? { other: word } };
}

const LOCAL_LABELS: Record<LocalState, string> = {
  sending: 'Sending',
  unknownOutcome: 'Outcome unknown',
  notPlaced: 'Not placed',
  demoEnded: 'Demo ended',
};
const SERVICE_LABELS: Record<Exclude<ServiceStatus, { other: string }>, string> = {
  pending: 'Waiting for an agent',
  accepted: 'Agent assigned',
  inProgress: 'On the call',
  completed: 'Done',
  cancelled: 'Cancelled',
};

function label(s: CallStatus): string {
  if (s.kind === 'local') return LOCAL_LABELS[s.state];
  return typeof s.state === 'object' ? `Status: ${s.state.other}` : SERVICE_LABELS[s.state];
}

function tone(s: CallStatus): Tone {
  if (s.kind === 'local') return s.state === 'sending' ? 'wait' : s.state === 'unknownOutcome' ? 'warn' : 'muted';
  if (typeof s.state === 'object') return 'bad';
  return ({ pending: 'wait', accepted: 'wait', inProgress: 'live', completed: 'ok', cancelled: 'muted' } as const)[
    s.state
  ];
}

const serviceFinal = (s: CallStatus) => s.kind === 'service' && (s.state === 'completed' || s.state === 'cancelled');
const isLive = (s: CallStatus) => s.kind === 'service' && !serviceFinal(s);
const isActive = (s: CallStatus) => isLive(s) || (s.kind === 'local' && s.state === 'sending');
const isCancellable = (s: CallStatus) => s.kind === 'service' && (s.state === 'pending' || s.state === 'accepted');
const isFinal = (s: CallStatus) =>
  serviceFinal(s) || (s.kind === 'local' && (s.state === 'notPlaced' || s.state === 'demoEnded'));
const isUnknownOutcome = (s: CallStatus) => s.kind === 'local' && s.state === 'unknownOutcome';

function noSummaryText(s: CallStatus): string {
  if (s.kind === 'service' && s.state === 'completed') return 'No summary was provided for this call.';
  if (isUnknownOutcome(s)) return 'No summary: we do not know whether the call happened.';
  if (s.kind === 'local' && (s.state === 'notPlaced' || s.state === 'demoEnded')) return 'No summary: no call was made.';
  if (s.kind === 'service' && s.state === 'cancelled') return 'No summary: the call was cancelled before it started.';
  return 'The summary will appear here when the call is done.';
}

const TRACKING_LABELS: Record<Tracking, string | null> = {
  following: null,
  givenUp: 'No longer followed',
  unreadable: 'Could not be checked',
};

/** `CallStatus::filter_choices`, with their labels (what `boot` sends). */
export const STATUS_CHOICES: StatusChoice[] = [
  'pending',
  'accepted',
  'in_progress',
  'completed',
  'cancelled',
  'unknown_outcome',
  'not_placed',
  'demo_ended',
].map((w) => ({ status: statusOf(w), label: label(statusOf(w)) }));

/** Fills in every decision the core makes about a call's status (dto.rs `CallSummary`). */
function decide(call: CallSummary): CallSummary {
  const s = call.status;
  call.statusLabel = label(s);
  call.tone = tone(s);
  call.live = isActive(s);
  call.cancellable = call.taskId !== null && isCancellable(s);
  call.finished = isFinal(s);
  call.unknownOutcome = isUnknownOutcome(s);
  call.trackingLabel = TRACKING_LABELS[call.tracking];
  call.noSummaryText = noSummaryText(s);
  return call;
}

const same = (a: CallStatus, b: CallStatus) => JSON.stringify(a) === JSON.stringify(b);

const REGIONS: (Region & { len: [number, number]; trunk: string })[] = [
  { code: 'GB', callingCode: 44, name: 'United Kingdom', len: [10, 10], trunk: '0' },
  { code: 'US', callingCode: 1, name: 'United States', len: [10, 10], trunk: '1' },
  { code: 'CA', callingCode: 1, name: 'Canada', len: [10, 10], trunk: '1' },
  { code: 'FR', callingCode: 33, name: 'France', len: [9, 9], trunk: '0' },
  { code: 'DE', callingCode: 49, name: 'Germany', len: [10, 11], trunk: '0' },
  { code: 'IE', callingCode: 353, name: 'Ireland', len: [9, 9], trunk: '0' },
  { code: 'ES', callingCode: 34, name: 'Spain', len: [9, 9], trunk: '' },
  { code: 'NL', callingCode: 31, name: 'Netherlands', len: [9, 9], trunk: '0' },
  { code: 'AU', callingCode: 61, name: 'Australia', len: [9, 9], trunk: '0' },
  { code: 'IN', callingCode: 91, name: 'India', len: [10, 10], trunk: '0' },
  { code: 'JP', callingCode: 81, name: 'Japan', len: [10, 10], trunk: '0' },
];

const TEN_MIN = 10 * 60 * 1000;
const FIVE_MIN = 5 * 60 * 1000;

// The core's messages (error.rs, phone.rs, workapi error.rs).
const MSG = {
  noKey: 'No WorkAPI key is set. Enter your key in Settings (or run `missioncall key set`), or try the demo.',
  emptyTask: 'Describe what the agent should do on the call.',
  longTask: (n: number) => `The task is ${n} characters long; the limit is 4000. Shorten it and try again.`,
  notConfirmed:
    'This call was not confirmed, or its confirmation expired. Nothing was sent. Review the call and confirm it again.',
  duplicate: (minutes: number, id: number) =>
    `You asked for this same call ${minutes < 1 ? 'less than a minute ago' : minutes === 1 ? '1 minute ago' : `${minutes} minutes ago`} (call #${id}). Nothing was sent. To place it again anyway, confirm that you want a second call.`,
  noTaskHere:
    'The service has no task with this id. Check the id; a task created with another key or on another service address is not visible.',
  noTask: (action: string) => `This call has no task at the service yet, so there is nothing to ${action}.`,
  notCancellable: (words: string) => `This call can no longer be cancelled: ${words}.`,
  demoEnded: (id: number) =>
    `Call #${id} was a demo call, and the demo has ended. Nobody was called, so there is nothing to do.`,
  insecureUrl: (url: string) =>
    `The service address must start with https:// (plain http is only allowed for this computer, e.g. http://127.0.0.1): ${url}`,
  invalidRegion: (code: string) => `"${code}" is not a country MissionCall knows. Pick your default country from the list.`,
  emptyNumber: 'Type the phone number to call.',
  notANumber:
    "This doesn't look like a phone number. Use digits, with spaces, dashes or brackets if you like, and a + before the country code.",
  tooShort: 'This number is too short. Check that no digits are missing.',
  tooLong: 'This number is too long. Check for extra digits, and type only one number.',
  unknownCode:
    'The code after the + is not the code of any country. Check the first digits (for example +44 for the United Kingdom, +1 for the United States).',
  invalidFor: (name: string) => `This is not a valid phone number in ${name}. Check the digits, or choose another country.`,
};

function err(kind: AppError['kind'], message: string): AppError {
  return { kind, message };
}

function group(digits: string, sizes: number[]): string {
  const out: string[] = [];
  let i = 0;
  for (const n of sizes) {
    if (i >= digits.length) break;
    out.push(digits.slice(i, i + n));
    i += n;
  }
  if (i < digits.length) out.push(digits.slice(i));
  return out.join(' ');
}

export function checkPhone(input: string, regionCode: string | null): PhoneCheck {
  const base: PhoneCheck = {
    input,
    valid: false,
    e164: null,
    region: null,
    kind: null,
    national: null,
    international: null,
    reason: null,
  };
  const raw = input.trim();
  if (!raw) return { ...base, reason: MSG.emptyNumber };
  if (/[^\d\s()+\-.]/.test(raw) || raw.lastIndexOf('+') > 0) {
    return { ...base, reason: MSG.notANumber };
  }
  let digits = raw.replace(/\D/g, '');
  let region = REGIONS.find((r) => r.code === (regionCode ?? 'US')) ?? REGIONS[1];
  if (raw.startsWith('+')) {
    const byCode = [...REGIONS]
      .sort((a, b) => String(b.callingCode).length - String(a.callingCode).length)
      .find((r) => digits.startsWith(String(r.callingCode)));
    if (!byCode) return { ...base, reason: MSG.unknownCode };
    if (byCode.callingCode !== region.callingCode) region = byCode;
    digits = digits.slice(String(byCode.callingCode).length);
  } else if (region.trunk && digits.startsWith(region.trunk) && digits.length > region.len[0]) {
    digits = digits.slice(region.trunk.length);
  }
  if (digits.length < region.len[0]) return { ...base, reason: MSG.tooShort };
  if (digits.length > region.len[1]) return { ...base, reason: MSG.tooLong };
  if (region.callingCode === 1 && /^[01]/.test(digits)) {
    return { ...base, reason: MSG.invalidFor(region.name) };
  }

  let kind: NonNullable<PhoneCheck['kind']> = 'fixed_line_or_mobile';
  let intl: string;
  let national: string;
  if (region.code === 'GB') {
    kind = digits.startsWith('7')
      ? 'mobile'
      : digits.startsWith('9')
        ? 'premium_rate'
        : digits.startsWith('800')
          ? 'toll_free'
          : 'fixed_line';
    const sizes = digits.startsWith('2') ? [2, 4, 4] : [4, 6];
    intl = `+44 ${group(digits, sizes)}`;
    national = `0${group(digits, sizes)}`;
  } else if (region.callingCode === 1) {
    intl = `+1 ${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6)}`;
    national = `(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}`;
  } else if (region.code === 'FR') {
    intl = `+33 ${group(digits, [1, 2, 2, 2, 2])}`;
    national = `0${group(digits, [1, 2, 2, 2, 2])}`;
    kind = /^[67]/.test(digits) ? 'mobile' : 'fixed_line';
  } else {
    intl = `+${region.callingCode} ${group(digits, [3, 3, 4])}`;
    national = `${region.trunk}${group(digits, [3, 3, 4])}`;
  }
  return {
    ...base,
    valid: true,
    e164: `+${region.callingCode}${digits}`,
    region: region.code,
    kind,
    national,
    international: intl,
  };
}

export function installMockBackend(config: MockConfig) {
  const now = () => new Date().toISOString();
  const defaultRegion = config.defaultRegion ?? 'GB';
  const mode: AppMode = {
    demo: config.demo ?? false,
    hasKey: config.hasKey ?? !config.firstRun,
    baseUrl: 'https://api.workapi.ai',
    defaultRegion,
    firstRun: config.firstRun ?? false,
  };
  // Like the core: a key belongs to the service address it was stored for.
  const keys = new Map<string, KeyStatus>();
  if (mode.hasKey) keys.set(mode.baseUrl, { set: true, last4: config.last4 ?? '9f3c', source: 'keychain' });
  const NO_KEY: KeyStatus = { set: false, last4: null, source: null };
  const keyNow = (): KeyStatus => ({ ...(keys.get(mode.baseUrl) ?? NO_KEY) });
  let settings: Settings = {
    baseUrl: mode.baseUrl,
    defaultRegion: null,
    notifications: 'all',
    theme: config.theme ?? 'system',
  };
  const store: Stored[] = [];
  let nextId = 1;
  const synthetic = config.syntheticTotal ?? 0;
  const persistentFail = new Map<string, AppError>(Object.entries(config.fail ?? {}));
  const onceFail = new Map<string, AppError>();
  const listeners = new Map<string, number[]>();
  const invocations: Invocation[] = [];
  /** Confirmed calls by token: each works once, for five minutes (calls.rs). */
  const tokens = new Map<string, Confirmation & { expires: number }>();
  let tokenSeq = 0;
  let confirmationPatch: Partial<Omit<Confirmation, 'token'>> | null = null;
  /** Calls placed elsewhere that a sync brings in. */
  const unsynced: SeedCall[] = [];

  function summaryFor(s: Stored): CallSummary {
    return structuredClone(s.call);
  }

  function addCall(seed: SeedCall): Stored {
    const check = checkPhone(seed.number, defaultRegion);
    const status = statusOf(seed.status ?? 'pending');
    const created = new Date(Date.now() - (seed.minutesAgo ?? 0) * 60_000).toISOString();
    const id = nextId++;
    const call = decide({
      id,
      taskId:
        seed.taskId === undefined
          ? status.kind === 'local' && status.state !== 'demoEnded'
            ? null
            : `tsk_${1000 + id}`
          : seed.taskId,
      phoneNumber: check.e164 ?? seed.number,
      phoneDisplay: check.international ?? seed.number,
      task: seed.task,
      status,
      statusLabel: '',
      tone: 'bad',
      live: false,
      cancellable: false,
      finished: false,
      unknownOutcome: false,
      tracking: seed.tracking ?? 'following',
      trackingLabel: null,
      noSummaryText: '',
      createdAt: created,
      updatedAt: created,
      summary: seed.summary ?? null,
      error: seed.error ?? null,
      demo: seed.demo ?? mode.demo,
    });
    const stored: Stored = {
      call,
      timeline: [{ status, label: call.statusLabel, seenAt: created }],
      turns: seed.turns ?? [],
      transcript: seed.transcript ?? null,
      likelyNoAnswer: seed.likelyNoAnswer ?? false,
      refreshTo: seed.refreshTo,
    };
    store.push(stored);
    return stored;
  }
  for (const seed of config.calls ?? []) addCall(seed);

  function find(id: number): Stored {
    const s = store.find((x) => x.call.id === id);
    if (!s) throw err('notFound', `No call with id ${id}.`);
    return s;
  }

  function syntheticRow(index: number): CallSummary {
    const n = index;
    const created = new Date(Date.UTC(2024, 0, 1) + (synthetic - n) * 60_000).toISOString();
    const words = ['completed', 'cancelled', 'completed', 'unknown_outcome', 'completed', 'not_placed'];
    const status = statusOf(words[n % words.length]);
    const digits = String(n % 100000).padStart(5, '0');
    return decide({
      id: 1_000_000 + n,
      taskId: `tsk_syn_${n}`,
      phoneNumber: `+4420794${digits}`,
      phoneDisplay: `+44 20 794${digits.slice(0, 1)} ${digits.slice(1)}`,
      task: `Mission number ${n}`,
      status,
      statusLabel: '',
      tone: 'bad',
      live: false,
      cancellable: false,
      finished: false,
      unknownOutcome: false,
      tracking: 'following',
      trackingLabel: null,
      noSummaryText: '',
      createdAt: created,
      updatedAt: created,
      summary: status.kind === 'service' && status.state === 'completed' ? `Summary for mission ${n}` : null,
      error: null,
      demo: false,
    });
  }

  function setStatus(s: Stored, word: string) {
    const status = statusOf(word);
    s.call.status = status;
    s.call.updatedAt = now();
    decide(s.call);
    if (!s.timeline.some((e) => same(e.status, status))) {
      s.timeline.push({ status, label: s.call.statusLabel, seenAt: s.call.updatedAt });
    }
  }

  function emit(event: string, payload: unknown) {
    for (const handler of [...(listeners.get(event) ?? [])]) {
      window.__TAURI_INTERNALS__.runCallback(handler, { event, id: handler, payload: structuredClone(payload) });
    }
  }

  function history(q: HistoryQuery): HistoryPage {
    const search = q.search?.trim().toLowerCase() ?? '';
    const real = [...store]
      .reverse()
      .map((s) => s.call)
      .filter((c) => !q.status || same(c.status, q.status))
      .filter(
        (c) =>
          !search ||
          [c.task, c.summary ?? '', c.phoneNumber, c.phoneDisplay].some((t) => t.toLowerCase().includes(search)),
      );
    const extra = !q.status && !search ? synthetic : 0;
    const total = real.length + extra;
    const items: CallSummary[] = [];
    for (let i = q.offset; i < Math.min(total, q.offset + q.limit); i++) {
      items.push(i < real.length ? structuredClone(real[i]) : syntheticRow(i));
    }
    return { items, total, offset: q.offset };
  }

  /** The earlier identical call of the last ten minutes, if any (not-placed calls do not count). */
  function duplicateOf(e164: string, task: string): Stored | undefined {
    return [...store]
      .reverse()
      .find(
        (s) =>
          s.call.phoneNumber === e164 &&
          s.call.task === task &&
          !(s.call.status.kind === 'local' && s.call.status.state === 'notPlaced') &&
          Date.now() - Date.parse(s.call.createdAt) < TEN_MIN,
      );
  }

  function duplicateError(dup: Stored): AppError {
    const minutes = Math.floor((Date.now() - Date.parse(dup.call.createdAt)) / 60_000);
    return { kind: 'duplicate', message: MSG.duplicate(minutes, dup.call.id), callId: dup.call.id };
  }

  /** Actions on a call go to its own origin: a demo call after the demo ended goes nowhere. */
  function ownOrigin(s: Stored) {
    if (s.call.demo && !mode.demo) throw err('otherOrigin', MSG.demoEnded(s.call.id));
  }

  function handle(cmd: string, args: Record<string, any>): unknown {
    switch (cmd) {
      case 'app_mode':
        return { ...mode };
      case 'boot':
        return {
          mode: { ...mode },
          // Like Rust: sorted by name.
          regions: REGIONS.map(({ code, callingCode, name }) => ({ code, callingCode, name })).sort((a, b) =>
            a.name.localeCompare(b.name),
          ),
          settings: { ...settings },
          statusChoices: structuredClone(STATUS_CHOICES),
        };
      case 'validate_phone':
        return checkPhone(String(args.input ?? ''), args.region ?? null);
      case 'confirm_call': {
        const a = args.args as ConfirmCallArgs;
        if (!mode.hasKey && !mode.demo) throw err('noKey', MSG.noKey);
        const check = checkPhone(a.number, a.region);
        if (!check.valid || !check.e164) throw err('invalidPhone', check.reason ?? MSG.notANumber);
        const task = a.task.trim();
        if (!task) throw err('invalidTask', MSG.emptyTask);
        if ([...task].length > 4000) throw err('invalidTask', MSG.longTask([...task].length));
        if (!a.force) {
          const dup = duplicateOf(check.e164, task);
          if (dup) throw duplicateError(dup);
        }
        const token = `tok_${++tokenSeq}_${Math.random().toString(16).slice(2)}`;
        const c: Confirmation = {
          token,
          e164: check.e164,
          international: check.international ?? check.e164,
          region: check.region,
          task,
          demo: mode.demo,
          force: a.force,
          ...confirmationPatch,
        };
        confirmationPatch = null;
        tokens.set(token, { ...c, expires: Date.now() + FIVE_MIN });
        return c;
      }
      case 'place_call': {
        const token = String(args.token ?? '');
        const c = tokens.get(token);
        tokens.delete(token);
        if (!c || c.expires <= Date.now() || c.demo !== mode.demo) throw err('notConfirmed', MSG.notConfirmed);
        if (!c.force) {
          const dup = duplicateOf(c.e164, c.task);
          if (dup) throw duplicateError(dup);
        }
        const s = addCall({ number: c.e164, task: c.task, status: 'pending' });
        return summaryFor(s);
      }
      case 'get_task': {
        const id = Number(args.id);
        if (id >= 1_000_000) {
          const call = syntheticRow(id - 1_000_000);
          return {
            call,
            transcript: null,
            turns: [],
            timeline: [{ status: call.status, label: call.statusLabel, seenAt: call.createdAt }],
            likelyNoAnswer: false,
          } satisfies CallDetail;
        }
        const s = find(id);
        return structuredClone({
          call: s.call,
          transcript: s.transcript,
          turns: s.turns,
          timeline: s.timeline,
          likelyNoAnswer: s.likelyNoAnswer,
        }) satisfies CallDetail;
      }
      case 'cancel_task': {
        const s = find(Number(args.id));
        ownOrigin(s);
        if (!s.call.taskId) throw err('notFound', MSG.noTask('cancel'));
        if (!s.call.cancellable) throw err('notCancellable', MSG.notCancellable(s.call.statusLabel.toLowerCase()));
        setStatus(s, 'cancelled');
        const out = summaryFor(s);
        queueMicrotask(() => emit('task-updated', { call: summaryFor(s) }));
        return out;
      }
      case 'refresh_task': {
        const s = find(Number(args.id));
        ownOrigin(s);
        if (!s.call.taskId) throw err('notFound', MSG.noTask('check'));
        if (s.refreshTo) setStatus(s, s.refreshTo);
        s.call.tracking = 'following';
        s.call.error = null;
        s.call.updatedAt = now();
        decide(s.call);
        const out = summaryFor(s);
        queueMicrotask(() => emit('task-updated', { call: summaryFor(s) }));
        return out;
      }
      case 'list_history':
        return history(args.query as HistoryQuery);
      case 'sync_history':
        for (const seed of unsynced.splice(0)) addCall(seed);
        return null;
      case 'check_unknown_outcome': {
        const s = find(Number(args.id));
        const taskId = String(args.taskId ?? '');
        if (!taskId.startsWith('tsk_')) throw err('notFound', MSG.noTaskHere);
        s.call.taskId = taskId;
        setStatus(s, 'completed');
        s.call.summary = 'The call did happen: linked to the task found in your account.';
        return summaryFor(s);
      }
      case 'dismiss_unknown_outcome': {
        const s = find(Number(args.id));
        setStatus(s, 'not_placed');
        s.call.error = 'You confirmed that no call was made for this request.';
        return summaryFor(s);
      }
      case 'set_api_key': {
        const k = String(args.key ?? '').trim();
        if (!k || /\s/.test(k)) {
          throw err(
            'invalidKey',
            'This API key cannot be used: it is empty or contains spaces or control characters. Copy it again from your WorkAPI account.',
          );
        }
        keys.set(mode.baseUrl, { set: true, last4: k.slice(-4), source: 'keychain' });
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
        if (!/^https:\/\//.test(next.baseUrl) && !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/|$)/.test(next.baseUrl)) {
          throw err('insecureUrl', MSG.insecureUrl(next.baseUrl));
        }
        if (next.defaultRegion && !REGIONS.some((r) => r.code === next.defaultRegion)) {
          throw err('invalidSettings', MSG.invalidRegion(next.defaultRegion));
        }
        settings = { ...next };
        mode.baseUrl = next.baseUrl;
        mode.hasKey = keys.has(mode.baseUrl);
        if (next.defaultRegion) mode.defaultRegion = next.defaultRegion;
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
        find(Number(args.id));
        return `/home/you/Documents/MissionCall/call-${args.id}.md`;
      case 'ui_ready':
        return null;
      default:
        throw err('other', `The mock backend does not know the command "${cmd}".`);
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
    throw err('other', `unsupported ${cmd}`);
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
      const s = find(id);
      setStatus(s, status);
      if (extra.summary !== undefined) s.call.summary = extra.summary;
      if (extra.turns) s.turns = extra.turns;
      if (extra.transcript !== undefined) s.transcript = extra.transcript;
      if (extra.likelyNoAnswer !== undefined) s.likelyNoAnswer = extra.likelyNoAnswer;
      const call = summaryFor(s);
      emit('task-updated', { call });
      return call;
    },
    giveUp(id, tracking, reason) {
      const s = find(id);
      s.call.tracking = tracking;
      s.call.error = reason;
      s.call.updatedAt = now();
      decide(s.call);
      const call = summaryFor(s);
      emit('task-updated', { call });
      return call;
    },
    failNext: (cmd, error) => void onceFail.set(cmd, error),
    setFail: (cmd, error) => void (error ? persistentFail.set(cmd, error) : persistentFail.delete(cmd)),
    listenerCount: (event) => (listeners.get(event) ?? []).length,
    lastCallId: () => (store.length ? store[store.length - 1].call.id : null),
    add(seed) {
      const call = summaryFor(addCall(seed));
      emit('task-updated', { call });
      return call;
    },
    addQuietly(seed) {
      unsynced.push(seed);
    },
    patchNextConfirmation(patch) {
      confirmationPatch = patch;
    },
  };
}
