//! In-memory fake of the Rust side (docs/ipc.md), for UI tests in a plain browser. It is bundled
//! only into test.html (vite --mode test) and installed with `mockIPC` before the app starts.
//! Tests configure it with `window.__MOCK_CONFIG__` (set by an init script) and drive it through
//! `window.__mock`: every invoked command is recorded with its arguments, and status changes are
//! pushed as real `task-updated` events through the event plugin protocol.

import { mockIPC } from '@tauri-apps/api/mocks';
import type {
  AppError,
  AppMode,
  CallDetail,
  CallSummary,
  HistoryPage,
  HistoryQuery,
  KeyStatus,
  PhoneCheck,
  PlaceCallArgs,
  Region,
  Settings,
  StatusEvent,
  Turn,
} from '../src/lib/bindings';

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
  failNext: (cmd: string, error: AppError) => void;
  setFail: (cmd: string, error: AppError | null) => void;
  listenerCount: (event: string) => number;
  lastCallId: () => number | null;
  /** A call placed elsewhere (e.g. by the CLI): stored, then announced with `task-updated`. */
  add: (seed: SeedCall) => CallSummary;
};

declare global {
  interface Window {
    __MOCK_CONFIG__?: MockConfig;
    __mock: MockApi;
    __TAURI_INTERNALS__: { runCallback: (id: number, data: unknown) => void } & Record<string, unknown>;
  }
}

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

const CALLABLE = new Set(['pending', 'accepted']);
const TEN_MIN = 10 * 60 * 1000;

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
  if (!raw) return { ...base, reason: 'Enter a phone number.' };
  if (/[^\d\s()+\-.]/.test(raw) || raw.lastIndexOf('+') > 0) {
    return { ...base, reason: 'A phone number can only contain digits, spaces, brackets, dashes and a leading +.' };
  }
  let digits = raw.replace(/\D/g, '');
  let region = REGIONS.find((r) => r.code === (regionCode ?? 'US')) ?? REGIONS[1];
  if (raw.startsWith('+')) {
    const byCode = [...REGIONS]
      .sort((a, b) => String(b.callingCode).length - String(a.callingCode).length)
      .find((r) => digits.startsWith(String(r.callingCode)));
    if (!byCode) return { ...base, reason: 'That country code is not recognised.' };
    if (byCode.callingCode !== region.callingCode) region = byCode;
    digits = digits.slice(String(byCode.callingCode).length);
  } else if (region.trunk && digits.startsWith(region.trunk) && digits.length > region.len[0]) {
    digits = digits.slice(region.trunk.length);
  }
  if (digits.length < region.len[0]) return { ...base, reason: `That number is too short for ${region.name}.` };
  if (digits.length > region.len[1]) return { ...base, reason: `That number is too long for ${region.name}.` };
  if (region.callingCode === 1 && /^[01]/.test(digits)) {
    return { ...base, reason: `That is not a valid area code in ${region.name}.` };
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
  let key: KeyStatus = mode.hasKey
    ? { set: true, last4: config.last4 ?? '9f3c', source: 'keychain' }
    : { set: false, last4: null, source: null };
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

  function summaryFor(s: Stored): CallSummary {
    return structuredClone(s.call);
  }

  function addCall(seed: SeedCall): Stored {
    const check = checkPhone(seed.number, defaultRegion);
    const status = seed.status ?? 'pending';
    const created = new Date(Date.now() - (seed.minutesAgo ?? 0) * 60_000).toISOString();
    const id = nextId++;
    const stored: Stored = {
      call: {
        id,
        taskId: seed.taskId === undefined ? (status === 'unknown_outcome' ? null : `tsk_${1000 + id}`) : seed.taskId,
        phoneNumber: check.e164 ?? seed.number,
        phoneDisplay: check.international ?? seed.number,
        task: seed.task,
        status,
        createdAt: created,
        updatedAt: created,
        summary: seed.summary ?? null,
        error: seed.error ?? null,
        demo: mode.demo,
        cancellable: CALLABLE.has(status),
      },
      timeline: [{ status, seenAt: created }],
      turns: seed.turns ?? [],
      transcript: seed.transcript ?? null,
      likelyNoAnswer: seed.likelyNoAnswer ?? false,
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
    const statuses = ['completed', 'cancelled', 'completed', 'unknown_outcome', 'completed', 'not_placed'];
    const status = statuses[n % statuses.length];
    return {
      id: 1_000_000 + n,
      taskId: `tsk_syn_${n}`,
      phoneNumber: `+4420794${String(n % 100000).padStart(5, '0')}`,
      phoneDisplay: `+44 20 794${String(n % 100000).padStart(5, '0').slice(0, 1)} ${String(n % 100000).padStart(5, '0').slice(1)}`,
      task: `Mission number ${n}`,
      status,
      createdAt: created,
      updatedAt: created,
      summary: status === 'completed' ? `Summary for mission ${n}` : null,
      error: null,
      demo: false,
      cancellable: false,
    };
  }

  function setStatus(s: Stored, status: string) {
    s.call.status = status;
    s.call.updatedAt = now();
    s.call.cancellable = CALLABLE.has(status);
    if (!s.timeline.some((e) => e.status === status)) s.timeline.push({ status, seenAt: s.call.updatedAt });
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
      .filter((c) => !q.status || c.status === q.status)
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
        };
      case 'validate_phone':
        return checkPhone(String(args.input ?? ''), args.region ?? null);
      case 'place_call': {
        const a = args.args as PlaceCallArgs;
        if (!key.set && !mode.demo) throw err('noKey', 'Add your WorkAPI.ai API key in Settings first.');
        const check = checkPhone(a.number, a.region);
        if (!check.valid) throw err('invalidPhone', check.reason ?? 'Invalid number.');
        if (!a.task.trim()) throw err('invalidTask', 'The task is empty.');
        if (a.task.length > 4000) throw err('invalidTask', 'The task is longer than 4000 characters.');
        if (!a.force) {
          const dup = store.find(
            (s) =>
              s.call.phoneNumber === check.e164 &&
              s.call.task === a.task &&
              Date.now() - Date.parse(s.call.createdAt) < TEN_MIN,
          );
          if (dup) throw err('duplicate', `You asked for the same call to ${dup.call.phoneDisplay} a few minutes ago.`);
        }
        const s = addCall({ number: check.e164!, task: a.task, status: 'pending' });
        return summaryFor(s);
      }
      case 'get_task': {
        const id = Number(args.id);
        if (id >= 1_000_000) {
          const call = syntheticRow(id - 1_000_000);
          return { call, transcript: null, turns: [], timeline: [{ status: call.status, seenAt: call.createdAt }], likelyNoAnswer: false } satisfies CallDetail;
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
        if (!CALLABLE.has(s.call.status)) {
          throw err('notCancellable', 'The agent is already on the call, so it can no longer be cancelled.');
        }
        setStatus(s, 'cancelled');
        const out = summaryFor(s);
        queueMicrotask(() => emit('task-updated', { call: summaryFor(s) }));
        return out;
      }
      case 'list_history':
        return history(args.query as HistoryQuery);
      case 'check_unknown_outcome': {
        const s = find(Number(args.id));
        const taskId = String(args.taskId ?? '');
        if (!taskId.startsWith('tsk_')) throw err('notFound', 'No task with that id was found in your WorkAPI.ai account.');
        s.call.taskId = taskId;
        setStatus(s, 'completed');
        s.call.summary = 'The call did happen: linked to the task found in your account.';
        return summaryFor(s);
      }
      case 'dismiss_unknown_outcome': {
        const s = find(Number(args.id));
        setStatus(s, 'not_placed');
        return summaryFor(s);
      }
      case 'set_api_key': {
        const k = String(args.key ?? '').trim();
        if (!k) throw err('other', 'The key is empty.');
        key = { set: true, last4: k.slice(-4), source: 'keychain' };
        mode.hasKey = true;
        mode.firstRun = false;
        return { ...key };
      }
      case 'clear_api_key':
        key = { set: false, last4: null, source: null };
        mode.hasKey = false;
        return { ...key };
      case 'key_status':
        return { ...key };
      case 'get_settings':
        return { ...settings };
      case 'set_settings': {
        const next = args.settings as Settings;
        if (!/^https:\/\//.test(next.baseUrl) && !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/|$)/.test(next.baseUrl)) {
          throw err('insecureUrl', 'Use an https:// address; plain http is only allowed for this computer.');
        }
        settings = { ...next };
        mode.baseUrl = next.baseUrl;
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
    failNext: (cmd, error) => void onceFail.set(cmd, error),
    setFail: (cmd, error) => void (error ? persistentFail.set(cmd, error) : persistentFail.delete(cmd)),
    listenerCount: (event) => (listeners.get(event) ?? []).length,
    lastCallId: () => (store.length ? store[store.length - 1].call.id : null),
    add(seed) {
      const call = summaryFor(addCall(seed));
      emit('task-updated', { call });
      return call;
    },
  };
}
