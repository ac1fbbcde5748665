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
import {
  fill,
  fillText,
  samplesFor,
  type CoreApp,
  type CoreCalls,
  type CoreErrors,
  type CorePhone,
} from './core-words';
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
  PhoneCheck,
  Settings,
  StatusEvent,
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
  own: Own;
  /** The status as the core stores it. */
  word: string;
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

// ---- the app's words (tests/fixtures/core-*.json) ------------------------------------------

const APP = JSON.parse(appJson) as CoreApp;
const CALLS = JSON.parse(callsJson) as CoreCalls;
const ERR = JSON.parse(errorsJson) as CoreErrors;
const PHONE = JSON.parse(phoneJson) as CorePhone;

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

/** The shell's summary of a call in the status stored as `word`: the core's sample for that
 *  status (and for having a task or not), with the call's own fields. */
function summaryOf(own: Own, word: string): CallSummary {
  const sample = samplesFor(CALLS, word)[own.taskId !== null ? 'withTask' : 'withoutTask'];
  return { ...structuredClone(sample), ...own, trackingLabel: APP.trackingLabels[own.tracking] };
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
  const now = () => new Date().toISOString();
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
  /** Calls placed elsewhere that a sync brings in. */
  const unsynced: SeedCall[] = [];

  const callOf = (s: Stored): CallSummary => summaryOf(s.own, s.word);

  function event(word: string, seenAt: string): StatusEvent {
    const call = samplesFor(CALLS, word).withTask;
    return { status: call.status, label: call.statusLabel, seenAt };
  }

  function addCall(seed: SeedCall): Stored {
    const check = checkPhone(seed.number, defaultRegion);
    const word = seed.status ?? 'pending';
    const status = statusOf(word);
    const created = new Date(Date.now() - (seed.minutesAgo ?? 0) * MINUTE).toISOString();
    const id = nextId++;
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
    const stored: Stored = {
      own,
      word,
      timeline: [event(word, created)],
      turns: seed.turns ?? [],
      transcript: seed.transcript ?? null,
      likelyNoAnswer: seed.likelyNoAnswer ?? false,
      refreshTo: seed.refreshTo,
    };
    store.push(stored);
    return stored;
  }
  for (const seed of config.calls ?? []) addCall(seed);

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

  function history(q: HistoryQuery): HistoryPage {
    const search = q.search?.trim().toLowerCase() ?? '';
    const real = [...store]
      .reverse()
      .map(callOf)
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
      items.push(i < real.length ? real[i] : syntheticRow(i));
    }
    return { items, total, offset: q.offset };
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
          Date.now() - Date.parse(s.own.createdAt) < DUPLICATE_WINDOW,
      );
  }

  function duplicateError(dup: Stored): AppError {
    const minutes = Math.floor((Date.now() - Date.parse(dup.own.createdAt)) / MINUTE);
    return fill(ERR.duplicate[minutes], { id: dup.own.id });
  }

  /** Actions on a call go to its own origin: a demo call after the demo ended goes nowhere. */
  function ownOrigin(s: Stored) {
    if (s.own.demo && !mode.demo) throw fill(ERR.demoEnded, { id: s.own.id });
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
        tokens.set(token, { ...c, expires: Date.now() + CONFIRMATION_TTL });
        return c;
      }
      case 'place_call': {
        const token = String(args.token ?? '');
        const c = tokens.get(token);
        tokens.delete(token);
        if (!c || c.expires <= Date.now() || c.demo !== mode.demo) throw fill(ERR.notConfirmed);
        if (!c.force) {
          const dup = duplicateOf(c.e164, c.task);
          if (dup) throw duplicateError(dup);
        }
        return callOf(addCall({ number: c.e164, task: c.task, status: 'pending' }));
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
  };
}
