//! App-wide UI state: the mode reported by Rust, connectivity, which screen is shown, and the
//! live call updates fanned out from the single `task-updated` subscription held by App.svelte.
//! It never talks to Rust itself; components call `commands` and write results here.

import { SvelteMap } from 'svelte/reactivity';
import type { AppMode, BackgroundWork, CallFilter, CallSummary, Connection, OutcomeChoice, Region, StatusChoice } from './bindings';
import { noFilter } from './filter';

export type View =
  | { name: 'new' }
  | { name: 'history' }
  | { name: 'detail'; id: number; focusCheck?: boolean; back?: View }
  | { name: 'followups' }
  | { name: 'overview' }
  | { name: 'report' }
  | { name: 'contacts' }
  | { name: 'contact'; phone: string }
  | { name: 'scheduled' }
  | { name: 'batches' }
  | { name: 'settings'; focusKey?: boolean; section?: 'doNotCall' };

export type Prefill = { number: string; task: string };

export const app = $state({
  mode: null as AppMode | null,
  /** How the service can be reached, from `network-state` events. */
  connection: 'online' as Connection,
  /** The backend's words about it (why offline, why the key was refused), if any. */
  connectionMessage: null as string | null,
  view: { name: 'new' } as View,
  /** Set once the user picked a way in on the first-run screen (the flag from Rust may lag). */
  leftFirstRun: false,
  prefill: null as Prefill | null,
  regions: [] as Region[],
  /** The history filter's statuses, in order, with their plain words (from `boot`). */
  statusChoices: [] as StatusChoice[],
  /** The outcomes a person can give a call, in order, with their plain words (from `boot`). */
  outcomeChoices: [] as OutcomeChoice[],
  /** Which calls History, the Overview, Export and the printed report show. */
  filter: noFilter() as CallFilter,
  /** Follow-ups due today or overdue (the nav badge); null until first asked. */
  dueFollowUps: null as number | null,
  /** Scheduled calls waiting (overdue included), and how many of them are overdue (the nav
   *  badge and the start-up banner); null until first asked. */
  scheduled: null as { waiting: number; overdue: number } | null,
  /** What keeps MissionCall running with the window closed, whether "Pause all" is on, and
   *  the tray setting; null until first asked (with the scheduled calls). */
  background: null as BackgroundWork | null,
  /** Bumped on `scheduled-changed`: an open Scheduled list reads itself again. */
  scheduledChanges: 0,
  /** Bumped when names or tags change on many calls at once: open lists read them again. */
  reviewEdits: 0,
  /** Bumped after each `syncHistory`: an open history list reloads what it shows. */
  historySyncs: 0,
  /** Text read out by the polite live region. */
  announcement: '',
});

/** The newest summary seen for each call id via `task-updated`. */
export const liveCalls = new SvelteMap<number, CallSummary>();

type Listener = (call: CallSummary) => void;
const listeners = new Set<Listener>();

/** Subscribe to call updates; returns the unsubscribe function. */
export function onCallUpdate(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Record a call summary we received (from an event or a command result) and tell subscribers. */
export function publishCall(call: CallSummary) {
  liveCalls.set(call.id, call);
  for (const fn of listeners) fn(call);
}

/** The freshest copy we have of a call. */
export function freshest(call: CallSummary): CallSummary {
  const live = liveCalls.get(call.id);
  return live && live.updatedAt >= call.updatedAt ? live : call;
}

export function go(view: View) {
  app.view = view;
}

let announceSeq = 0;
export function announce(text: string) {
  // Re-setting the same text would not be read out again; a zero-width toggle forces it.
  announceSeq++;
  app.announcement = announceSeq % 2 ? text : text + '\u200b';
}

export function needsFirstRun(mode: AppMode | null): boolean {
  if (!mode || app.leftFirstRun) return false;
  return mode.firstRun || (!mode.hasKey && !mode.demo);
}

export function regionLabel(code: string | null | undefined): string {
  if (!code) return '';
  const r = app.regions.find((x) => x.code === code);
  return r ? `${r.name} (+${r.callingCode})` : code;
}
