import { test } from '@playwright/test';
import { commandNames, expect, openApp } from './helpers';
import { coreErrors, fill } from './fixtures';

// The first screen's data comes from one `boot` call. In the app, public/boot.js sends it before
// the main script has loaded and leaves the pending answer in `window.__MISSIONCALL_BOOT__`;
// here an init script plays that part, so that src/lib/boot.ts is tested on each outcome.

/** What the app answers when its history file cannot be opened. */
const STORAGE_ERROR = fill(coreErrors().storage, { dataDir: '/home/you/.local/share/MissionCall' });

test('the first screen uses the answer asked for before the script loaded', async ({ page }) => {
  await page.addInitScript(() => {
    (window as any).__MISSIONCALL_BOOT__ = Promise.resolve({
      mode: { demo: true, hasKey: false, baseUrl: 'http://127.0.0.1:9', defaultRegion: 'FR', firstRun: false },
      regions: [{ code: 'FR', callingCode: 33, name: 'France' }],
      settings: { baseUrl: 'https://api.workapi.ai', defaultRegion: null, notifications: 'all', theme: 'dark' },
      statusChoices: [{ status: { kind: 'service', state: 'completed' }, label: 'Done' }],
    });
  });
  // The fake backend would say "first run, light theme": the early answer wins.
  await openApp(page, { firstRun: true, theme: 'light' });
  await expect(page.getByRole('heading', { name: 'New call' })).toBeVisible();
  await expect(page.getByTestId('demo-banner')).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByRole('combobox', { name: 'Country' })).toHaveValue(/France.*\+33/);
  expect(await commandNames(page)).not.toContain('boot');
  await expect(page.locator('#app')).not.toHaveAttribute('aria-busy');
});

test('a start-up error is shown in plain language instead of the app', async ({ page }) => {
  await openApp(page, { hasKey: true, fail: { boot: STORAGE_ERROR } });
  const notice = page.locator('[data-error-kind=storage]');
  await expect(notice).toContainText('The call history on this computer could not be used.');
  await expect(notice).toContainText(
    'Could not open the call history at /home/you/.local/share/MissionCall/history.sqlite3: file is not a database.',
  );
  await expect(notice).toContainText('Check that the folder exists, that you may write to it');
  await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'New call' })).toHaveCount(0);
});

test('an early answer that is an error is shown, not asked again', async ({ page }) => {
  await page.addInitScript((e) => {
    const p = Promise.reject(e);
    p.catch(() => {});
    (window as any).__MISSIONCALL_BOOT__ = p;
  }, STORAGE_ERROR);
  await openApp(page, { hasKey: true });
  await expect(page.locator('[data-error-kind=storage]')).toContainText('file is not a database');
  expect(await commandNames(page)).not.toContain('boot');
});

test('an early request that broke is sent again', async ({ page }) => {
  await page.addInitScript(() => {
    const p = Promise.reject(new Error('the IPC request failed'));
    p.catch(() => {});
    (window as any).__MISSIONCALL_BOOT__ = p;
  });
  await openApp(page, { hasKey: true });
  await expect(page.getByRole('heading', { name: 'New call' })).toBeVisible();
  expect((await commandNames(page)).filter((c) => c === 'boot')).toHaveLength(1);
});
