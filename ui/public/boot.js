// Asks Rust for the first screen's data (the `boot` command) as the page starts, so that the
// answer is on its way while the app's script loads and is parsed; src/lib/boot.ts takes it.
// A classic script in <head>: it runs before the module script. Outside the app (a plain
// browser, the UI tests' fake backend) there is no IPC yet and it does nothing.
(function () {
  var ipc = window.__TAURI_INTERNALS__;
  if (!ipc || typeof ipc.invoke !== 'function') return;
  var pending = ipc.invoke('boot');
  // The app handles the outcome; this only keeps an early failure from being reported as
  // unhandled before the app's script is there to take it.
  pending.catch(function () {});
  window.__MISSIONCALL_BOOT__ = pending;
})();
