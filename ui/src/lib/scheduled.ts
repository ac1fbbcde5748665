//! Scheduled calls as the navigation sees them: how many wait and how many are overdue (their
//! time passed while MissionCall was closed: they wait for the user, never placed silently).
//! Asked after the first screen is up and again on each `scheduled-changed` (the tray's
//! "Pause all" sends one too).

import { commands, type AppError, type ScheduledCall } from './bindings';
import { app } from './state.svelte';

/** Keeps the badge and the banner in step with a list just read. */
export function noteScheduled(list: ScheduledCall[]) {
  app.scheduled = { waiting: list.length, overdue: list.filter((s) => s.overdue).length };
}

/** Asks for the scheduled calls, for the navigation's badge and the overdue banner, and
 *  whether "Pause all" is on (the paused banner). */
export async function refreshScheduled() {
  const [list, background] = await Promise.all([commands.listScheduled(), commands.getBackground()]);
  if (list.status === 'ok') noteScheduled(list.data);
  if (background.status === 'ok') app.background = background.data;
}

/** "Pause all" or resume; answers with the error to show, if any. */
export async function setPaused(paused: boolean): Promise<AppError | null> {
  const res = await commands.setPaused(paused);
  if (res.status === 'error') return res.error;
  app.background = res.data;
  return null;
}
