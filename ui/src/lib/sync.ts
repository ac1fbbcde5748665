//! Looking for work done elsewhere (the CLI, another window): listing history is a plain read,
//! so the window asks the backend to look when it gets the focus and when History opens.

import { commands } from './bindings';
import { app } from './state.svelte';

let inflight: Promise<void> | null = null;

/** Asks the backend to sync; an open history list then reloads what it shows. One at a time. */
export function syncHistory(): Promise<void> {
  inflight ??= commands
    .syncHistory()
    .then((res) => {
      if (res.status === 'ok') app.historySyncs++;
    })
    .catch(() => {})
    .finally(() => {
      inflight = null;
    });
  return inflight;
}
