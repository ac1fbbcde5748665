import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { commands } from './lib/bindings';

declare global {
  interface Window {
    /** Optional hook (benchmarks, e2e): called once the first screen has rendered. */
    __MISSIONCALL_READY__?: () => void;
  }
}

let signalled = false;
function ready() {
  if (signalled) return;
  signalled = true;
  // Tells Rust (which prints a timestamp only when a benchmark asked for one); never fails the app.
  commands.uiReady().catch(() => {});
  try {
    window.__MISSIONCALL_READY__?.();
  } catch {
    // A broken hook must never break the app.
  }
}

const target = document.getElementById('app');
if (!target) throw new Error('missing #app');

export default mount(App, { target, props: { onready: ready } });
