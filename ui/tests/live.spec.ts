import { test, type Page } from '@playwright/test';
import { expect, invocations, openApp } from './helpers';
import { coreErrors, fill } from './fixtures';

const ERRORS = coreErrors();

const PENDING = [
  { number: '+442079460958', task: 'Book a table for 4 at 7pm tonight', status: 'pending' },
  { number: '+14155550142', task: 'Ask if my order #1234 has shipped', status: 'pending' },
];

async function openDetail(page: Page, text: string) {
  await page.getByRole('navigation').getByRole('button', { name: 'History' }).click();
  await page.getByTestId('history-row').filter({ hasText: text }).locator('.row-main').click();
}

test('status updates from events render in place, with a timeline', async ({ page }) => {
  await openApp(page, { hasKey: true, calls: PENDING });
  await page.getByRole('navigation').getByRole('button', { name: 'History' }).click();
  const row = page.getByTestId('history-row').filter({ hasText: 'Book a table' });
  await expect(row).toContainText('Waiting for an agent');

  // The list row follows events too.
  await page.evaluate(() => window.__mock.advance(1, 'accepted'));
  await expect(row).toContainText('Agent assigned');

  await row.locator('.row-main').click();
  const status = page.getByTestId('detail-status');
  await expect(status).toContainText('Agent assigned');

  await page.evaluate(() => window.__mock.advance(1, 'in_progress'));
  await expect(status).toContainText('On the call');
  await expect(page.getByTestId('announcer')).toContainText('On the call');

  await page.evaluate(() =>
    window.__mock.advance(1, 'completed', {
      summary: 'Table booked for 4 at 7pm under Sam.',
      turns: [
        { speaker: 'callee', label: 'Restaurant', text: 'Hello, Trattoria!' },
        { speaker: 'agent', label: 'Agent', text: 'Hi, I would like a table for 4 at 7pm.' },
        { speaker: 'callee', label: 'Restaurant', text: 'Done, see you tonight.' },
      ],
    }),
  );
  await expect(status).toContainText('Done');
  await expect(page.getByTestId('summary')).toHaveText('Table booked for 4 at 7pm under Sam.');

  const turns = page.getByTestId('turns').locator('li');
  await expect(turns).toHaveCount(3);
  await expect(turns.nth(0)).toContainText('Restaurant');
  await expect(turns.nth(0)).toContainText('Hello, Trattoria!');
  await expect(turns.nth(0)).toHaveClass(/callee/);
  await expect(turns.nth(1)).toContainText('Agent');
  await expect(turns.nth(1)).toHaveClass(/agent/);

  const timeline = page.getByTestId('timeline').locator('li');
  await expect(timeline).toHaveText([
    /Waiting for an agent/,
    /Agent assigned/,
    /On the call/,
    /Done/,
  ]);
  for (const item of await timeline.all()) await expect(item.locator('time')).toHaveAttribute('datetime', /\d{4}-/);

  // No polling: the detail was fetched once on open and once per event about it.
  const gets = await invocations(page, 'get_task');
  expect(gets.length).toBeLessThanOrEqual(4);
});

test('cancel is offered only while pending or accepted', async ({ page }) => {
  await openApp(page, { hasKey: true, calls: PENDING });
  await openDetail(page, 'Book a table');
  const cancel = page.getByRole('button', { name: 'Cancel call' });
  await expect(cancel).toBeVisible();

  await page.evaluate(() => window.__mock.advance(1, 'accepted'));
  await expect(page.getByTestId('detail-status')).toContainText('Agent assigned');
  await expect(cancel).toBeVisible();
  await cancel.click();
  await expect(page.getByTestId('detail-status')).toContainText('Cancelled');
  await expect(cancel).toBeHidden();
  expect(await invocations(page, 'cancel_task')).toEqual([{ id: 1 }]);

  await openDetail(page, 'order #1234');
  await expect(cancel).toBeVisible();
  await page.evaluate(() => window.__mock.advance(2, 'in_progress'));
  await expect(page.getByTestId('detail-status')).toContainText('On the call');
  await expect(cancel).toBeHidden();
  expect(await invocations(page, 'cancel_task')).toHaveLength(1);
});

test('the cancel window after sending calls cancelTask', async ({ page }) => {
  await openApp(page, { hasKey: true });
  await page.getByLabel('Phone number').fill('020 7946 0958');
  await page.getByLabel('What should the agent do?').fill('Ask about opening hours on Sunday');
  await page.getByRole('button', { name: 'Review call' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Place call' }).click();
  const panel = page.getByTestId('sent-panel');
  await expect(panel).toContainText(/cancel for \d+ more second/);
  await panel.getByRole('button', { name: 'Cancel call' }).click();
  await expect(page.getByTestId('detail-status')).toContainText('Cancelled');
  expect(await invocations(page, 'cancel_task')).toEqual([{ id: 1 }]);
});

test('the cancel window closes by itself once the agent is on the call', async ({ page }) => {
  await openApp(page, { hasKey: true });
  await page.getByLabel('Phone number').fill('020 7946 0958');
  await page.getByLabel('What should the agent do?').fill('Ask about opening hours on Sunday');
  await page.getByRole('button', { name: 'Review call' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Place call' }).click();
  await expect(page.getByTestId('sent-panel')).toBeVisible();
  await page.evaluate(() => window.__mock.advance(1, 'in_progress'));
  await expect(page.getByTestId('detail-status')).toContainText('On the call');
  await expect(page.getByRole('button', { name: 'Cancel call' })).toBeHidden();
  expect(await invocations(page, 'cancel_task')).toHaveLength(0);
});

test('offline banner follows network-state events', async ({ page }) => {
  await openApp(page, { hasKey: true });
  const banner = page.getByTestId('offline-banner');
  await expect(banner).toHaveCount(0);
  await page.evaluate(() => window.__mock.emit('network-state', { connection: 'offline', message: null }));
  await expect(banner).toBeVisible();
  await expect(banner).toContainText(
    "You're offline. Calls in progress are still being followed; history stays available.",
  );
  await expect(page.getByTestId('key-rejected-banner')).toHaveCount(0);
  await page.evaluate(() => window.__mock.emit('network-state', { connection: 'online', message: null }));
  await expect(banner).toHaveCount(0);
});

/** What the tracker says when the service refuses the key. */
const KEY_REJECTED = ERRORS.keyRejectedEvent.message!;

test('a refused key gets its own banner, which leads to the key field', async ({ page }) => {
  await openApp(page, { hasKey: true });
  const banner = page.getByTestId('key-rejected-banner');
  await expect(banner).toHaveCount(0);
  await page.evaluate((ev) => window.__mock.emit('network-state', ev), ERRORS.keyRejectedEvent);
  await expect(banner).toBeVisible();
  await expect(banner).toContainText(
    'Your WorkAPI key was refused: calls are not being checked. Open Settings to enter a valid key.',
  );
  await expect(banner).toContainText(KEY_REJECTED);
  // Not mistaken for being offline.
  await expect(page.getByTestId('offline-banner')).toHaveCount(0);

  await banner.getByRole('button', { name: 'Open Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await expect(page.locator('#api-key')).toBeFocused();
  await page.locator('#api-key').fill('sk_test_new_key_0042');
  await page.getByRole('button', { name: 'Save key' }).click();
  await expect(page.getByTestId('key-status')).toContainText('•••• 0042');
  // The refusal was about the key replaced.
  await expect(banner).toHaveCount(0);

  // Refused again later: the banner comes back; the service reachable with a good key: it goes.
  await page.evaluate((ev) => window.__mock.emit('network-state', ev), ERRORS.keyRejectedEvent);
  await expect(banner).toBeVisible();
  await page.evaluate(() => window.__mock.emit('network-state', { connection: 'online', message: null }));
  await expect(banner).toHaveCount(0);
});

test('demo-changed events update the mode', async ({ page }) => {
  await openApp(page, { hasKey: true });
  await expect(page.getByTestId('demo-banner')).toHaveCount(0);
  await page.evaluate(() =>
    window.__mock.emit('demo-changed', {
      demo: true,
      hasKey: true,
      baseUrl: 'https://api.workapi.ai',
      defaultRegion: 'GB',
      firstRun: false,
    }),
  );
  await expect(page.getByTestId('demo-banner')).toBeVisible();
  await expect(page.getByTestId('mode-pill')).toContainText('Demo');
});

test('errors by kind: unauthorized leads to Settings, offline says nothing was sent', async ({ page }) => {
  await openApp(page, { hasKey: true });
  await page.evaluate((e) => window.__mock.failNext('place_call', e), fill(ERRORS.offline));
  await page.getByLabel('Phone number').fill('020 7946 0958');
  await page.getByLabel('What should the agent do?').fill('Ask about opening hours on Sunday');
  await page.getByRole('button', { name: 'Review call' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Place call' }).click();
  const offline = dialog.locator('[data-error-kind=offline]');
  await expect(offline).toContainText('Nothing was sent. Check your connection and try again.');
  await expect(offline).toContainText('Could not reach the service, and nothing was sent (Connection refused');

  await page.evaluate((e) => window.__mock.failNext('place_call', e), fill(ERRORS.unauthorized));
  // Trying again: the first token was used, so the same call is confirmed again first.
  await dialog.getByRole('button', { name: 'Place call' }).click();
  const unauthorized = dialog.locator('[data-error-kind=unauthorized]');
  await expect(unauthorized).toContainText('The WorkAPI key was rejected. Check it in your WorkAPI account');
  expect(await invocations(page, 'confirm_call')).toHaveLength(2);
  await unauthorized.getByRole('button', { name: 'Open Settings' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await expect(page.locator('#api-key')).toBeFocused();
  expect(await invocations(page, 'place_call')).toHaveLength(2);
});

test('event listeners are registered once each', async ({ page }) => {
  await openApp(page, { hasKey: true });
  const counts = await page.evaluate(() =>
    ['task-updated', 'network-state', 'demo-changed'].map((e) => window.__mock.listenerCount(e)),
  );
  expect(counts).toEqual([1, 1, 1]);
});
