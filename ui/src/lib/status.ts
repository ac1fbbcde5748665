//! Plain words for call statuses and number kinds. Unknown raw values are shown as they are.

const STATUS_WORDS = new Map<string, string>([
  ['pending', 'Waiting for an agent'],
  ['accepted', 'Agent assigned'],
  ['in_progress', 'On the call'],
  ['completed', 'Done'],
  ['cancelled', 'Cancelled'],
  ['unknown_outcome', 'Outcome unknown'],
  ['sending', 'Sending…'],
  ['not_placed', 'Not placed'],
]);

export type Tone = 'wait' | 'live' | 'ok' | 'muted' | 'warn' | 'bad';

const TONES = new Map<string, Tone>([
  ['pending', 'wait'],
  ['accepted', 'wait'],
  ['sending', 'wait'],
  ['in_progress', 'live'],
  ['completed', 'ok'],
  ['cancelled', 'muted'],
  ['not_placed', 'muted'],
  ['unknown_outcome', 'warn'],
]);

export function statusLabel(status: string): string {
  return STATUS_WORDS.get(status) ?? status;
}

export function statusTone(status: string): Tone {
  return TONES.get(status) ?? 'bad';
}

/** Statuses offered in the history filter, in the order a person thinks of them. */
export const FILTER_STATUSES = [
  'pending',
  'accepted',
  'in_progress',
  'completed',
  'cancelled',
  'unknown_outcome',
  'not_placed',
] as const;

export function isCancellableStatus(status: string): boolean {
  return status === 'pending' || status === 'accepted';
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
