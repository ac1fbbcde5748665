//! Status helpers that need no words of their own, and plain words for number kinds.
//!
//! A call's status words, labels, colours and what can be done with it are the core's: the UI
//! reads them from `CallSummary` (`statusLabel`, `tone`, `live`, `cancellable`, ...) and from
//! `Boot.statusChoices`, and never spells a status out. Statuses are compared only as whole
//! values, with `sameStatus`.

import type { CallStatus } from './bindings';

/** The same value with its object keys sorted, so that key order never matters. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** True when two statuses are the same (compared structurally, as the core sent them). */
export function sameStatus(a: CallStatus | null | undefined, b: CallStatus | null | undefined): boolean {
  return JSON.stringify(canonical(a ?? null)) === JSON.stringify(canonical(b ?? null));
}

const KIND_WORDS = new Map<string, string>([
  ['fixed_line', 'Landline'],
  ['mobile', 'Mobile'],
  ['fixed_line_or_mobile', 'Landline or mobile'],
  ['toll_free', 'Toll-free'],
  ['premium_rate', 'Premium rate — calls may cost more'],
  ['shared_cost', 'Shared cost'],
  ['voip', 'Internet phone'],
  ['personal_number', 'Personal number'],
  ['pager', 'Pager'],
  ['uan', 'Company number'],
  ['voicemail', 'Voicemail'],
  ['unknown', 'Phone number'],
]);

/** Accepts any string: the generated bindings may type `PhoneCheck.kind` as a plain string. */
export function kindLabel(kind: string | null): string {
  return (kind && KIND_WORDS.get(kind)) || 'Phone number';
}
