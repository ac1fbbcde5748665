import { expect, type Page } from '@playwright/test';
import type { MockConfig } from './mock-backend';

/** Opens the app on the in-memory backend configured with `config`, and waits until it is ready. */
export async function openApp(page: Page, config: MockConfig = {}) {
  await page.addInitScript((cfg) => {
    (window as any).__MOCK_CONFIG__ = cfg;
    (window as any).__ready = false;
    (window as any).__MISSIONCALL_READY__ = () => ((window as any).__ready = true);
  }, config);
  await page.goto('/test.html');
  await page.waitForFunction(() => (window as any).__ready === true);
}

export function invocations(page: Page, cmd: string): Promise<Record<string, any>[]> {
  return page.evaluate((c) => window.__mock.calls(c), cmd);
}

export function commandNames(page: Page): Promise<string[]> {
  return page.evaluate(() => window.__mock.invocations.map((i) => i.cmd));
}

export async function typeNumber(page: Page, value: string) {
  const input = page.getByLabel('Phone number');
  await input.fill('');
  await input.pressSequentially(value, { delay: 15 });
}

export { expect };
