// Batches against the mock backend (tests/mock-backend.ts), which answers with a dry run, a
// batch and its rows made by the core itself (tests/fixtures/core-batch.json): the file is
// picked through the system dialog, the dry run lists every row with the backend's words, the
// count is confirmed before anything starts, and a batch is paused, resumed and cancelled
// (asked first). Text from the file is shown as text.
import { test, type Page } from '@playwright/test';
import { expect, invocations, openApp } from './helpers';
import { coreBatch } from './fixtures';

const BATCH = coreBatch();
const nav = (page: Page) => page.getByRole('navigation');

async function openBatches(page: Page) {
  await openApp(page, { hasKey: true, dialogs: { open: '/home/you/customers.csv' } });
  await nav(page).getByRole('button', { name: 'Batches' }).click();
  await expect(page.getByRole('heading', { name: 'Batches', level: 1 })).toBeVisible();
}

async function dryRun(page: Page) {
  await page.getByTestId('new-batch').click();
  const card = page.getByTestId('batch-new');
  await expect(card).toContainText(BATCH.file.name);
  await expect(card.getByLabel('Column of numbers')).toHaveValue('phone');
  // Columns go into the mission at the cursor.
  await card.getByLabel('Mission for each row').fill('Ask ');
  await card.getByRole('button', { name: 'name', exact: true }).click();
  await card.getByLabel('Mission for each row').press('End');
  await card.getByLabel('Mission for each row').pressSequentially(' whether order ');
  await card.getByRole('button', { name: 'order', exact: true }).click();
  await card.getByLabel('Mission for each row').press('End');
  await card.getByLabel('Mission for each row').pressSequentially(' arrived');
  await expect(card.getByLabel('Mission for each row')).toHaveValue(BATCH.template);
  await card.getByTestId('dry-run').click();
  return card;
}

test('the dry run lists every row in the backend words, and nothing starts before the count is confirmed', async ({ page }) => {
  await openBatches(page);
  await expect(page.getByTestId('batches-empty')).toBeVisible();
  const card = await dryRun(page);
  const rows = card.getByTestId('plan-row');
  await expect(rows).toHaveCount(BATCH.plan.rows.length);
  for (const [i, r] of BATCH.plan.rows.entries()) {
    const row = rows.nth(i);
    await expect(row).toHaveAttribute('data-verdict', r.verdict);
    await expect(row).toContainText(r.verdictLabel);
    if (r.reason) await expect(row.locator('.reason')).toHaveText(r.reason);
    await expect(row.locator('.task')).toHaveText(r.task);
  }
  await expect(card.getByTestId('plan-counts')).toContainText(`${BATCH.plan.now} called now, ${BATCH.plan.later} later`);
  expect(await invocations(page, 'plan_batch')).toEqual([
    // The country of numbers without + starts as the default one from Settings (GB here).
    { args: { token: expect.stringMatching(/^bf_/), template: BATCH.template, region: 'GB', phoneColumn: 'phone' } },
  ]);

  await card.getByTestId('start-batch').click();
  const confirm = page.getByRole('dialog', { name: `Place ${BATCH.plan.callable} calls?` });
  await expect(confirm).toBeVisible();
  await confirm.getByRole('button', { name: 'Not yet' }).click();
  expect(await invocations(page, 'start_batch')).toEqual([]);

  await card.getByTestId('start-batch').click();
  await confirm.getByTestId('confirm-start').click();
  expect(await invocations(page, 'start_batch')).toEqual([
    expect.objectContaining({ concurrency: 1, expected: BATCH.plan.callable }),
  ]);
  await expect(page.getByTestId('batch-done')).toContainText('started');
  const batch = page.getByTestId('batch');
  await expect(batch).toHaveCount(1);
  await expect(batch.getByTestId('batch-state')).toHaveText(BATCH.stateLabels.running);
  await expect(batch.getByTestId('batch-figures')).toContainText(`${BATCH.batch.waiting} waiting`);
});

test('a batch is paused, resumed, cancelled after asking, and its rows and results are one click away', async ({ page }) => {
  await openBatches(page);
  const card = await dryRun(page);
  await card.getByTestId('start-batch').click();
  await page.getByTestId('confirm-start').click();
  const batch = page.getByTestId('batch');
  await batch.getByRole('button', { name: 'Pause' }).click();
  await expect(batch.getByTestId('batch-state')).toHaveText(BATCH.stateLabels.paused);
  await batch.getByRole('button', { name: 'Resume' }).click();
  await expect(batch.getByTestId('batch-state')).toHaveText(BATCH.stateLabels.running);

  await batch.getByRole('button', { name: 'Show rows' }).click();
  const table = batch.getByTestId('batch-rows');
  await expect(table.locator('tbody tr')).toHaveCount(BATCH.rows.length);
  const skipped = BATCH.rows.find((r) => r.reason && !r.call)!;
  await expect(table).toContainText(skipped.reason!);

  await batch.getByRole('button', { name: 'Save results…' }).click();
  await expect(page.getByTestId('batch-done')).toContainText('batch-1-results.csv');

  await batch.getByRole('button', { name: 'Cancel batch…' }).click();
  await page.getByRole('button', { name: 'Keep it' }).click();
  expect(await invocations(page, 'cancel_batch')).toEqual([]);
  await batch.getByRole('button', { name: 'Cancel batch…' }).click();
  await page.getByTestId('confirm-cancel-batch').click();
  await expect(batch.getByTestId('batch-state')).toHaveText(BATCH.stateLabels.cancelled);
  await expect(batch.getByRole('button', { name: 'Resume' })).toHaveCount(0);
  await expect(batch.getByRole('button', { name: 'Cancel batch…' })).toHaveCount(0);
});

test('closing the file dialog starts nothing', async ({ page }) => {
  await openApp(page, { hasKey: true, dialogs: { open: null } });
  await nav(page).getByRole('button', { name: 'Batches' }).click();
  await page.getByTestId('new-batch').click();
  await expect(page.getByTestId('batch-new')).toHaveCount(0);
  expect(await invocations(page, 'plan_batch')).toEqual([]);
});
