import type { Theme } from './bindings';

/** Forces light or dark, or follows the OS for "system". */
export function applyTheme(theme: Theme) {
  const root = document.documentElement;
  if (theme === 'light' || theme === 'dark') root.dataset.theme = theme;
  else delete root.dataset.theme;
}
