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
  await expect(rows.nth(0)).toContainText('Status: failed');
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
  expect(queries.at(-1)).toMatchObject({ status: null, search: 'order #12', outcome: null, tag: null, phone: null, offset: 0, limit: 100 });
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
  // The status from boot's choices, sent back as it came.
  expect(last.query).toMatchObject({ status: { kind: 'service', state: 'completed' }, offset: 0 });

  // The choices are the backend's, in its order, with its words.
  await expect(page.getByLabel('Status').locator('option')).toHaveText([
    'All',
    'Waiting for an agent',
    'Agent assigned',
    'On the call',
    'Done',
    'Cancelled',
    'Outcome unknown',
    'Not placed',
    'Demo ended',
  ]);
  await page.getByLabel('Status').selectOption({ label: 'Outcome unknown' });
  await expect(page.getByTestId('history-row')).toHaveCount(1);
  await expect(page.getByTestId('history-row')).toContainText('Ask if my order #1234 has shipped');
  expect((await invocations(page, 'list_history')).at(-1)!.query.status).toEqual({
    kind: 'local',
    state: 'unknownOutcome',
  });
  await page.getByLabel('Status').selectOption({ label: 'All' });
  await expect(page.getByTestId('history-row')).toHaveCount(4);
  expect((await invocations(page, 'list_history')).at(-1)!.query.status).toBeNull();
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

  // Scroll in steps, like a user dragging (each step drawn before the next), then jump to the
  // middle and the end.
  for (let i = 1; i <= 5; i++) {
    await viewport.evaluate((el, y) => (el.scrollTop = y), i * 1000);
    const top = Math.floor((i * 1000) / rowHeight);
    await expect(page.locator(`[data-testid=history-row][data-index="${top}"]`)).toContainText(`Mission number ${top}`);
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

test('history looks for work done elsewhere when it opens and when the window gets the focus', async ({ page }) => {
  await openApp(page, { hasKey: true, calls: sampleCalls() });
  // Placed by the CLI before History opened: the sync on opening brings it in.
  await page.evaluate(() =>
    window.__mock.addQuietly({ number: '+33 1 23 45 67 89', task: 'Confirm the delivery slot', status: 'completed' }),
  );
  await page.getByRole('navigation').getByRole('button', { name: 'History' }).click();
  await expect(page.getByTestId('history-row')).toHaveCount(5);
  await expect(page.getByTestId('history-row').first()).toContainText('Confirm the delivery slot');
  const syncs = await invocations(page, 'sync_history');
  expect(syncs.length).toBeGreaterThanOrEqual(1);

  // Placed while the window was in the background: coming back to it shows it.
  await page.evaluate(() =>
    window.__mock.addQuietly({ number: '+1 415 555 0100', task: 'Ask for a quote for the repair', status: 'completed' }),
  );
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
  await expect(page.getByTestId('history-row')).toHaveCount(6);
  await expect(page.getByTestId('history-row').first()).toContainText('Ask for a quote for the repair');
  expect((await invocations(page, 'sync_history')).length).toBeGreaterThan(syncs.length);
  await expect(page.getByTestId('history-count')).toHaveText('6 calls');
});

const UNREADABLE =
  "The service's answers about this call could not be read (expected value at line 1 column 1). It is no longer checked automatically; check it again later.";

test('a call no longer followed shows why, and "Check again" asks its service', async ({ page }) => {
  await openApp(page, {
    hasKey: true,
    calls: [
      ...sampleCalls(),
      {
        number: '+44 20 7946 0555',
        task: 'Ask whether the parcel can be left with a neighbour',
        status: 'pending',
        tracking: 'unreadable',
        error: UNREADABLE,
        refreshTo: 'in_progress',
      },
    ],
  });
  await page.getByRole('navigation').getByRole('button', { name: 'History' }).click();
  const row = page.getByTestId('history-row').filter({ hasText: 'parcel' });
  await expect(row).toContainText('Waiting for an agent');
  await expect(row.getByTestId('tracking-label')).toHaveText('Could not be checked');
  // Calls still followed say nothing of the kind.
  await expect(page.getByTestId('tracking-label')).toHaveCount(1);
  if (process.env.UI_SHOTS) await page.screenshot({ path: `${process.env.UI_SHOTS}/ui-history-unreadable.png` });

  await row.locator('.row-main').click();
  const section = page.getByTestId('tracking');
  await expect(section.getByRole('heading')).toHaveText('Could not be checked');
  await expect(section.getByTestId('tracking-error')).toHaveText(UNREADABLE);
  if (process.env.UI_SHOTS) await page.screenshot({ path: `${process.env.UI_SHOTS}/ui-detail-unreadable.png` });

  await section.getByRole('button', { name: 'Check again' }).click();
  await expect(page.getByTestId('detail-status')).toContainText('On the call');
  await expect(section).toHaveCount(0);
  expect(await invocations(page, 'refresh_task')).toEqual([{ id: 5 }]);

  // Back in the list, it is followed again.
  await page.getByRole('button', { name: 'History' }).first().click();
  await expect(row).toContainText('On the call');
  await expect(page.getByTestId('tracking-label')).toHaveCount(0);
});

test('"Check again" on a demo call after the demo ended says why nothing was sent', async ({ page }) => {
  await openApp(page, {
    hasKey: true,
    calls: [
      {
        number: '+44 20 7946 0555',
        task: 'A demo call',
        status: 'pending',
        demo: true,
        tracking: 'givenUp',
        error:
          'The service no longer knows this task, so it is no longer checked automatically. Check it again if you think it still exists.',
      },
    ],
  });
  await page.getByRole('navigation').getByRole('button', { name: 'History' }).click();
  await expect(page.getByTestId('tracking-label')).toHaveText('No longer followed');
  await page.getByTestId('history-row').locator('.row-main').click();
  await page.getByTestId('tracking').getByRole('button', { name: 'Check again' }).click();
  const notice = page.locator('[data-error-kind=otherOrigin]');
  await expect(notice).toContainText('This call cannot be handled from here.');
  await expect(notice).toContainText(
    'Call #1 was a demo call, and the demo has ended. Nobody was called, so there is nothing to do.',
  );
  await expect(page.getByTestId('tracking')).toBeVisible();
});
