//! Scheduled calls as the navigation sees them: how many wait and how many are overdue (their
//! time passed while MissionCall was closed: they wait for the user, never placed silently).
//! Asked after the first screen is up and again on each `scheduled-changed`.

import { commands, type ScheduledCall } from './bindings';
import { app } from './state.svelte';

/** Keeps the badge and the banner in step with a list just read. */
export function noteScheduled(list: ScheduledCall[]) {
  app.scheduled = { waiting: list.length, overdue: list.filter((s) => s.overdue).length };
}

/** Asks for the scheduled calls, for the navigation's badge and the overdue banner. */
export async function refreshScheduled() {
  const res = await commands.listScheduled();
  if (res.status === 'ok') noteScheduled(res.data);
}
