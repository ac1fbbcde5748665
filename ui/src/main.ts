import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { commands, type AppError } from './lib/bindings';
import { app } from './lib/state.svelte';
import { applyTheme } from './lib/theme';
import { loadBoot, type BootResult } from './lib/boot';

declare global {
  interface Window {
    /** Optional hook (benchmarks, e2e): called once the first screen has rendered. */
    __MISSIONCALL_READY__?: () => void;
  }
}

/** Tells Rust the first screen is up (it prints a timestamp only when a benchmark asked for one). */
function ready() {
  commands.uiReady().catch(() => {});
  try {
    window.__MISSIONCALL_READY__?.();
  } catch {
    // A broken hook must never break the app.
  }
}

/** Puts the first screen's data in place; the error to show instead of the app, if any. */
function apply(first: BootResult): AppError | null {
  if (first.status === 'error') return first.error;
  // Sorted by name in Rust (accents folded), once.
  app.regions = first.data.regions;
  app.statusChoices = first.data.statusChoices;
  app.outcomeChoices = first.data.outcomeChoices ?? [];
  applyTheme(first.data.settings.theme);
  app.mode = first.data.mode;
  return null;
}

const target = document.getElementById('app');
if (!target) throw new Error('missing #app');

// The first screen is drawn once, with its data: the mode decides which screen it is. The answer
// is usually there already (public/boot.js asked for it while this script loaded).
loadBoot()
  .then(apply, (): AppError => ({
    kind: 'other',
    message: 'MissionCall could not start its window. Close it and open it again.',
  }))
  .then((loadError) => {
    target.removeAttribute('aria-busy');
    // `mount` builds the first screen synchronously: it is in the page when it returns.
    mount(App, { target, props: { loadError } });
    ready();
  });
