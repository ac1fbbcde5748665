//! The first screen's data. `public/boot.js` asks Rust for it as soon as the page starts (before
//! this script has loaded); this takes that request's answer, or asks now when there is none
//! (a plain browser, the UI tests), with the same result shape as every command.

import { commands, type AppError, type Boot } from './bindings';

declare global {
  interface Window {
    /** Set by public/boot.js: the `boot` command, already on its way. */
    __MISSIONCALL_BOOT__?: Promise<Boot>;
  }
}

export type BootResult = Awaited<ReturnType<typeof commands.boot>>;

/** Takes the early answer once (a later call asks Rust again). */
export async function loadBoot(): Promise<BootResult> {
  const early = window.__MISSIONCALL_BOOT__;
  window.__MISSIONCALL_BOOT__ = undefined;
  if (!early) return commands.boot();
  try {
    return { status: 'ok', data: await early };
  } catch (e) {
    // A command's error is a plain object; an Error means the request itself broke: ask again.
    if (e instanceof Error) return commands.boot();
    return { status: 'error', error: e as AppError };
  }
}
