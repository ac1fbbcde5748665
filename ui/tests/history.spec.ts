import { test } from '@playwright/test';
import { expect, invocations, openApp } from './helpers';
import { sampleCalls } from './fixtures';

test('history: newest first, plain-word badges, raw unknown statuses, Check on unknown outcome', async ({ page }) => {
  await openApp(page, {
    hasKey: true,
    calls: [...sampleCalls(), { number: '+33 1 23 45 67 89', task: 'Confirm the delivery slot', status: 'failed' }],
  });
  await page.getByRole('navigation').getByRole('button', { name: 'History' }).click();
  const rows = page.getByTestId('history-row');
  await expect(rows).toHaveCount(5);
  await expect(rows.nth(0)).toContainText('failed');
  await expect(rows.nth(1)).toContainText('On the call');
  await expect(rows.nth(2)).toContainText('Done');
  await expect(rows.nth(3)).toContainText('Outcome unknown');
  await expect(rows.nth(4)).toContainText('Cancelled');
  await expect(page.getByTestId('history-count')).toHaveText('5 calls');

  await expect(rows.nth(3).getByRole('button', { name: 'Check' })).toBeVisible();
  await expect(rows.nth(2).getByRole('button', { name: 'Check' })).toHaveCount(0);
  await rows.nth(3).getByRole('button', { name: 'Check' }).click();
  await expect(page.getByTestId('unknown-outcome')).toBeVisible();
  await expect(page.getByLabel(/task id/)).toBeFocused();
});

test('search calls listHistory with the text and renders the results', async ({ page }) => {
  await openApp(page, { hasKey: true, calls: sampleCalls() });
  await page.getByRole('navigation').getByRole('button', { name: 'History' }).click();
  await expect(page.getByTestId('history-row')).toHaveCount(4);

  await page.getByLabel('Search calls').pressSequentially('order #12', { delay: 20 });
  await expect(page.getByTestId('history-row')).toHaveCount(1);
  await expect(page.getByTestId('history-row')).toContainText('Ask if my order #1234 has shipped');
  await expect(page.getByTestId('history-count')).toHaveText('1 call');

  const queries = (await invocations(page, 'list_history')).map((a) => a.query);
  expect(queries.at(-1)).toEqual({ status: null, search: 'order #12', offset: 0, limit: 100 });
  // Debounced: not one request per keystroke.
  expect(queries.filter((q) => q.search).length).toBeLessThanOrEqual(3);

  await page.getByLabel('Search calls').fill('no such thing');
  await expect(page.getByText('No calls match.')).toBeVisible();
  await page.getByRole('button', { name: 'Show all calls' }).click();
  await expect(page.getByTestId('history-row')).toHaveCount(4);
});

test('status filter', async ({ page }) => {
  await openApp(page, { hasKey: true, calls: sampleCalls() });
  await page.getByRole('navigation').getByRole('button', { name: 'History' }).click();
  await page.getByLabel('Status').selectOption({ label: 'Done' });
  await expect(page.getByTestId('history-row')).toHaveCount(1);
  await expect(page.getByTestId('history-row')).toContainText('Done');
  const last = (await invocations(page, 'list_history')).at(-1)!;
  expect(last.query).toMatchObject({ status: 'completed', offset: 0 });
});

test('virtualised history: 100,000 rows keep the DOM small', async ({ page }) => {
  await openApp(page, { hasKey: true, syntheticTotal: 100_000 });
  await page.getByRole('navigation').getByRole('button', { name: 'History' }).click();
  await expect(page.getByTestId('history-count')).toHaveText(/100,000 calls/);
  const rows = page.getByTestId('history-row');
  await expect(rows.first()).toContainText('Mission number 0');
  expect(await rows.count()).toBeLessThan(100);

  const viewport = page.getByTestId('history-viewport');
  const rowHeight = await rows.first().evaluate((el) => el.getBoundingClientRect().height);
  const scrollHeight = await viewport.evaluate((el) => el.scrollHeight);
  expect(scrollHeight).toBeGreaterThanOrEqual(100_000 * rowHeight - 1);

  // Scroll in steps, like a user dragging, then jump to the middle and the end.
  for (let i = 1; i <= 5; i++) {
    await viewport.evaluate((el, y) => (el.scrollTop = y), i * 1000);
    await page.waitForTimeout(20);
  }
  await viewport.evaluate((el, y) => (el.scrollTop = y), 50_000 * rowHeight);
  const middle = page.locator('[data-testid=history-row][data-index="50000"]');
  await expect(middle).toContainText('Mission number 50000');
  await expect(middle).toHaveAttribute('aria-posinset', '50001');
  expect(await rows.count()).toBeLessThan(100);

  await viewport.evaluate((el) => (el.scrollTop = el.scrollHeight));
  const lastRow = page.locator('[data-testid=history-row][data-index="99999"]');
  await expect(lastRow).toContainText('Mission number 99999');
  await expect(lastRow).toBeInViewport();
  expect(await rows.count()).toBeLessThan(100);

  // Only the pages that came into view were fetched.
  const offsets = (await invocations(page, 'list_history')).map((a) => a.query.offset);
  expect(offsets).toContain(50_000);
  expect(offsets).toContain(99_900);
  expect(offsets.length).toBeLessThan(20);

  // Keyboard: arrow keys move between rows.
  await lastRow.locator('.row-main').focus();
  await page.keyboard.press('ArrowUp');
  await expect(page.locator('[data-index="99998"] .row-main')).toBeFocused();
  await page.keyboard.press('Home');
  await expect(page.locator('[data-index="0"] .row-main')).toBeFocused();
  await expect(page.locator('[data-index="0"]')).toContainText('Mission number 0');
});

test('a call placed elsewhere appears at the top without a reload', async ({ page }) => {
  await openApp(page, { hasKey: true, calls: sampleCalls() });
  await page.getByRole('navigation').getByRole('button', { name: 'History' }).click();
  await expect(page.getByTestId('history-row')).toHaveCount(4);
  await page.evaluate(() =>
    window.__mock.add({ number: '+33 1 23 45 67 89', task: 'Confirm the delivery slot', status: 'pending' }),
  );
  await expect(page.getByTestId('history-row')).toHaveCount(5);
  await expect(page.getByTestId('history-row').first()).toContainText('Confirm the delivery slot');
  await expect(page.getByTestId('history-count')).toHaveText('5 calls');
});
