// Tells Rust the page is loaded (the benchmark's readiness signal).
window.addEventListener('load', () => {
  window.__TAURI_INTERNALS__.invoke('ready').catch(() => {});
});
