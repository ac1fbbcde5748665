//! Which calls to show: the shared filter of History, the Overview, Export and the printed
//! report. The filter's parts are the backend's (`CallFilter`); this module only builds them and
//! tells which are set. It never decides what matches: the backend does.

import type { CallFilter, OutcomeFilter } from './bindings';

/** A filter that selects every call. */
export function noFilter(): CallFilter {
  return { status: null, search: null, outcome: null, tag: null, phone: null, demo: null, since: null, until: null };
}

/** True when no part of the filter is set. */
export function isEmpty(f: CallFilter): boolean {
  return (
    !f.status && !f.search?.trim() && !f.outcome && !f.tag && !f.phone && f.demo === null && !f.since && !f.until
  );
}

/** The filter as the backend wants it: blank words dropped. */
export function cleaned(f: CallFilter): CallFilter {
  return { ...f, search: f.search?.trim() || null, tag: f.tag || null, since: f.since || null, until: f.until || null };
}

export function sameOutcomeFilter(a: OutcomeFilter | null, b: OutcomeFilter | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
