// Reviewing calls: outcomes, notes, tags, follow-ups, contact names, combined filters, the
// overview and exports, against the mock backend (tests/mock-backend.ts). Its clock is set by
// `now`, so what is overdue, today or coming up never depends on when the test runs.
import { test, type Page } from '@playwright/test';
import { expect, invocations, openApp } from './helpers';
import { coreReview, sampleCalls } from './fixtures';
import type { MockConfig } from './mock-backend';

const NOW = '2026-03-10T09:00'; // a Tuesday, 09:00 local time

const REVIEW = coreReview();

async function openHistory(page: Page, config: MockConfig) {
  await openApp(page, { hasKey: true, now: NOW, ...config });
  await page.getByRole('navigation').getByRole('button', { name: 'History' }).click();
  await expect(page.getByTestId('history-row').first()).toBeVisible();
}

const row = (page: Page, text: string) => page.getByTestId('history-row').filter({ hasText: text });

test('outcome: set in one step from the row, shown beside the status, and from the detail', async ({ page }) => {
  await openHistory(page, { calls: sampleCalls() });
  const pizza = row(page, 'Pizzeria');
  await expect(pizza.getByTestId('outcome-badge')).toHaveCount(0);

  await pizza.getByTestId('row-outcome').selectOption({ label: 'Achieved' });
  await expect(pizza.getByTestId('outcome-badge')).toHaveText('Achieved');
  expect(await invocations(page, 'set_outcome')).toEqual([{ id: 3, outcome: 'achieved' }]);
  // The words are the core's.
  expect(REVIEW.outcomeChoices.map((c) => c.label)).toContain('Achieved');

  // The detail shows it pressed; another click changes it, a click on it again clears it.
  await pizza.locator('.row-main').click();
  const outcome = page.getByRole('group', { name: 'Outcome' });
  const achieved = outcome.getByRole('button', { name: 'Achieved', exact: true });
  await expect(achieved).toHaveAttribute('aria-pressed', 'true');
  await outcome.getByRole('button', { name: 'Needs follow-up' }).click();
  await expect(outcome.getByRole('button', { name: 'Needs follow-up' })).toHaveAttribute('aria-pressed', 'true');
  await expect(achieved).toHaveAttribute('aria-pressed', 'false');
  await outcome.getByRole('button', { name: 'Needs follow-up' }).click();
  await expect(outcome.getByRole('button', { name: 'Needs follow-up' })).toHaveAttribute('aria-pressed', 'false');
  expect((await invocations(page, 'set_outcome')).map((a) => a.outcome)).toEqual(['achieved', 'followUp', null]);

  // Back in the list, the row says what was saved last (no outcome).
  await page.getByRole('button', { name: 'History' }).first().click();
  await expect(row(page, 'Pizzeria').getByTestId('outcome-badge')).toHaveCount(0);
  await expect(row(page, 'Pizzeria').getByTestId('row-outcome')).toHaveValue('');
});

test('tags: added with Enter, removed with ×, any case is one tag, and the list filters by it', async ({ page }) => {
  await openHistory(page, { calls: sampleCalls() });
  await row(page, 'Pizzeria').locator('.row-main').click();
  const tagBox = page.getByLabel('Tags', { exact: true });
  await tagBox.fill('VIP');
  await tagBox.press('Enter');
  await tagBox.fill('restaurants');
  await tagBox.press('Enter');
  const tags = page.getByTestId('detail-tags').locator('li');
  await expect(tags).toHaveText(['restaurants', 'VIP']);
  await page.getByRole('button', { name: 'Remove tag restaurants' }).click();
  await expect(tags).toHaveText(['VIP']);

  // Another call tagged "vip": the same tag, spelled as first given.
  await page.getByRole('button', { name: 'History' }).first().click();
  await row(page, 'dentist').locator('.row-main').click();
  await expect(page.locator('#tag-suggestions option')).toHaveCount(1);
  await page.getByLabel('Tags', { exact: true }).fill('vip');
  await page.getByLabel('Tags', { exact: true }).press('Enter');
  await expect(page.getByTestId('detail-tags').locator('li')).toHaveText(['VIP']);

  await page.getByRole('button', { name: 'History' }).first().click();
  await expect(row(page, 'Pizzeria').getByTestId('row-tags')).toContainText('VIP');
  await page.getByLabel('Tag', { exact: true }).selectOption({ label: 'VIP (2)' });
  await expect(page.getByTestId('history-row')).toHaveCount(2);
  await expect(page.getByTestId('history-count')).toHaveText('2 calls');
  expect((await invocations(page, 'list_history')).at(-1)!.query).toMatchObject({ tag: 'VIP', offset: 0 });
});

test('a note is saved when the box is left, and says so', async ({ page }) => {
  await openHistory(page, { calls: sampleCalls() });
  await row(page, 'Pizzeria').locator('.row-main').click();
  const note = page.getByLabel('Note');
  await note.fill('Ask for Marco next time.\nHe knows our order.');
  await expect(page.getByTestId('note-status')).toHaveText('');
  await note.blur();
  await expect(page.getByTestId('note-status')).toHaveText('Saved');
  expect(await invocations(page, 'set_note')).toEqual([{ id: 3, note: 'Ask for Marco next time.\nHe knows our order.' }]);
  // Leaving it again without a change saves nothing more.
  await note.focus();
  await note.blur();
  expect(await invocations(page, 'set_note')).toHaveLength(1);

  // It is kept: the search finds it.
  await page.getByRole('button', { name: 'History' }).first().click();
  await page.getByLabel('Search calls').fill('marco');
  await page.getByLabel('Search calls').press('Enter');
  await expect(page.getByTestId('history-row')).toHaveCount(1);
  await expect(page.getByTestId('history-row')).toContainText('Pizzeria');
});

test('follow-ups: overdue, today and coming up on the backend clock; the count; done clears it', async ({ page }) => {
  await openApp(page, {
    hasKey: true,
    now: NOW,
    calls: [
      { number: '+44 20 7946 0011', task: 'Ask about opening hours on Sunday', status: 'completed', followUp: '2026-03-09' },
      { number: '+44 7400 123456', task: 'Ask if my order #1234 has shipped', status: 'completed', followUp: '2026-03-10 08:30' },
      { number: '+44 20 7946 0321', task: 'Book a table for 4', status: 'completed', followUp: '2026-03-10 17:00' },
      { number: '+1 415 555 0142', task: 'Reschedule my dentist appointment', status: 'completed', followUp: '2026-03-12' },
      { number: '+33 1 23 45 67 89', task: 'Confirm the delivery slot', status: 'completed' },
    ],
  });
  const nav = page.getByRole('navigation');
  // Overdue: yesterday, and today 08:30; due today: 17:00. Not yet: the 12th.
  await expect(nav.getByTestId('due-count')).toHaveText('3 due');
  await nav.getByRole('button', { name: /Follow-ups/ }).click();
  await expect(page.getByTestId('follow-ups-overdue').getByTestId('follow-up')).toHaveCount(2);
  await expect(page.getByTestId('follow-ups-overdue')).toContainText('opening hours');
  await expect(page.getByTestId('follow-ups-overdue')).toContainText('order #1234');
  await expect(page.getByTestId('follow-ups-today').getByTestId('follow-up')).toHaveCount(1);
  await expect(page.getByTestId('follow-ups-today')).toContainText('Book a table');
  await expect(page.getByTestId('follow-ups-upcoming').getByTestId('follow-up')).toHaveCount(1);
  await expect(page.getByTestId('follow-ups-upcoming')).toContainText('dentist');

  await page.getByRole('button', { name: 'Mark the follow-up with +44 20 7946 0011 as done' }).click();
  await expect(page.getByTestId('follow-ups-overdue').getByTestId('follow-up')).toHaveCount(1);
  await expect(nav.getByTestId('due-count')).toHaveText('2 due');
  expect(await invocations(page, 'set_follow_up')).toEqual([{ id: 1, followUp: null }]);

  // One set on a call shows up in its group, and the call opens from there.
  await nav.getByRole('button', { name: 'History' }).click();
  await row(page, 'delivery slot').locator('.row-main').click();
  await page.locator('#follow-day').fill('2026-03-10');
  await page.getByRole('button', { name: 'Set follow-up' }).click();
  await expect(page.getByTestId('detail-follow-up')).toContainText('2026');
  expect((await invocations(page, 'set_follow_up')).at(-1)).toEqual({ id: 5, followUp: '2026-03-10' });
  await expect(nav.getByTestId('due-count')).toHaveText('3 due');
  await nav.getByRole('button', { name: /Follow-ups/ }).click();
  await expect(page.getByTestId('follow-ups-today')).toContainText('delivery slot');
  await page.getByTestId('follow-ups-today').getByRole('button', { name: /delivery slot/ }).click();
  await expect(page.getByTestId('detail-task')).toHaveText('Confirm the delivery slot');
  await page.getByRole('button', { name: 'Follow-ups' }).first().click();
  await expect(page.getByRole('heading', { name: 'Follow-ups' })).toBeVisible();
});

test('naming a number: the name shows in the list, the detail, Contacts and the contact page', async ({ page }) => {
  await openHistory(page, { calls: [...sampleCalls(), { number: '+44 20 7946 0321', task: 'Cancel the booking', status: 'completed' }] });
  await row(page, 'Pizzeria').locator('.row-main').click();
  await page.getByRole('button', { name: 'Name this number' }).click();
  await page.getByLabel(/Name for/).fill("Luigi's Trattoria");
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByTestId('detail-name')).toHaveText("Luigi's Trattoria");
  await expect(page.locator('.num-line')).toHaveText('+44 20 7946 0321');
  expect(await invocations(page, 'set_contact')).toEqual([{ number: '+442079460321', region: null, name: "Luigi's Trattoria" }]);

  await page.getByRole('button', { name: 'History' }).first().click();
  // Both calls to that number carry the name; the others keep their number.
  await expect(page.getByTestId('row-name').filter({ hasText: "Luigi's Trattoria" })).toHaveCount(2);
  await expect(row(page, 'dentist').getByTestId('row-name')).toHaveText('+1 415-555-0142');

  await page.getByRole('navigation').getByRole('button', { name: 'Contacts' }).click();
  const contact = page.getByTestId('contact-row');
  await expect(contact).toHaveCount(1);
  await expect(contact).toContainText("Luigi's Trattoria");
  await expect(contact).toContainText('+44 20 7946 0321');
  await expect(contact.locator('td').nth(2)).toHaveText('2');

  await contact.getByRole('button', { name: 'Rename' }).click();
  await page.getByLabel(/New name for/).fill('Trattoria Luigi');
  await page.getByLabel(/New name for/).press('Enter');
  await expect(contact).toContainText('Trattoria Luigi');

  await contact.getByRole('button', { name: 'Trattoria Luigi', exact: true }).click();
  await expect(page.getByTestId('contact-name')).toHaveText('Trattoria Luigi');
  await expect(page.getByTestId('history-row')).toHaveCount(2);
  expect((await invocations(page, 'list_history')).at(-1)!.query).toMatchObject({ phone: '+442079460321', search: null });

  // Removing the name (once confirmed) keeps the calls.
  await page.getByRole('button', { name: 'Remove contact' }).click();
  await page.getByRole('dialog', { name: 'Remove this contact?' }).getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Contacts' })).toBeVisible();
  await expect(page.getByText('No contacts yet.')).toBeVisible();
  await page.getByRole('navigation').getByRole('button', { name: 'History' }).click();
  await expect(page.getByTestId('history-row')).toHaveCount(5);
  await expect(page.getByTestId('row-name').filter({ hasText: 'Trattoria' })).toHaveCount(0);
});

test('filters combine, show as chips, and "Clear filters" clears them all in one step', async ({ page }) => {
  await openHistory(page, {
    contacts: [{ number: '+44 20 7946 0321', name: 'Pizzeria Roma' }],
    calls: [
      ...sampleCalls(),
      { number: '+44 20 7946 0321', task: 'Book again for Friday', status: 'completed', outcome: 'achieved', tags: ['food'], minutesAgo: 60 * 24 * 8 },
      { number: '+44 20 7946 0321', task: 'Book for Saturday', status: 'completed', outcome: 'achieved', tags: ['Food'], demo: true, minutesAgo: 30 },
      { number: '+44 20 7946 0321', task: 'Ask about gluten-free pizza', status: 'completed', tags: ['food'], minutesAgo: 20 },
    ],
  });
  await expect(page.getByTestId('history-count')).toHaveText('7 calls');
  await page.getByLabel('Status').selectOption({ label: 'Done' });
  await expect(page.getByTestId('history-count')).toHaveText('4 calls');
  await page.getByLabel('Outcome', { exact: true }).selectOption({ label: 'Achieved' });
  await expect(page.getByTestId('history-count')).toHaveText('2 calls');
  await page.getByLabel('Tag', { exact: true }).selectOption({ label: 'food (3)' });
  await page.getByLabel('Contact', { exact: true }).selectOption({ label: 'Pizzeria Roma' });
  await page.getByLabel('Real or demo').selectOption({ label: 'Real calls' });
  await expect(page.getByTestId('history-count')).toHaveText('1 call');
  await expect(page.getByTestId('history-row')).toContainText('Book again for Friday');
  await page.getByLabel('From', { exact: true }).fill('2026-03-01');
  await page.getByLabel('To', { exact: true }).fill('2026-03-03');
  await expect(page.getByTestId('history-count')).toHaveText('1 call');
  await expect(page.getByTestId('filter-chip')).toHaveText([
    'Status: Done',
    'Outcome: Achieved',
    'Tag: food',
    'Contact: Pizzeria Roma',
    /^From /,
    /^To /,
    'Real calls only',
  ]);
  expect((await invocations(page, 'list_history')).at(-1)!.query).toEqual({
    status: { kind: 'service', state: 'completed' },
    search: null,
    outcome: { kind: 'is', outcome: 'achieved' },
    tag: 'food',
    phone: '+442079460321',
    demo: false,
    since: '2026-03-01',
    until: '2026-03-03',
    offset: 0,
    limit: 100,
  });

  // A chip removes its own filter.
  await page.getByRole('button', { name: 'Remove filter Achieved' }).click();
  await expect(page.getByTestId('filter-chip')).toHaveCount(6);
  await expect(page.getByLabel('Outcome', { exact: true })).toHaveValue('');

  // "No outcome yet" is a filter of its own.
  await page.getByLabel('Outcome', { exact: true }).selectOption({ label: 'No outcome yet' });
  await expect(page.getByText('No calls match.')).toBeVisible();

  // Dates the wrong way round: the backend says so in plain words.
  await page.getByLabel('From', { exact: true }).fill('2026-03-05');
  await expect(page.locator('[data-error-kind=invalidInput]')).toContainText('after the end date');

  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page.getByTestId('history-count')).toHaveText('7 calls');
  await expect(page.getByTestId('filter-chip')).toHaveCount(0);
  await expect(page.getByLabel('Status')).toHaveValue('');
  expect((await invocations(page, 'list_history')).at(-1)!.query).toEqual({
    status: null, search: null, outcome: null, tag: null, phone: null, demo: null, since: null, until: null, offset: 0, limit: 100,
  });
});

test('overview: the figures of the filter, and the charts in words', async ({ page }) => {
  await openApp(page, {
    hasKey: true,
    now: NOW,
    calls: [
      { number: '+44 20 7946 0011', task: 'A', status: 'completed', outcome: 'achieved', secondsToDone: 120, minutesAgo: 60 * 24 * 14 },
      { number: '+44 20 7946 0011', task: 'B', status: 'completed', outcome: 'achieved', secondsToDone: 240, minutesAgo: 60 * 24 * 7 },
      { number: '+44 20 7946 0011', task: 'C', status: 'completed', outcome: 'notAchieved', secondsToDone: 600, minutesAgo: 60 },
      { number: '+44 20 7946 0011', task: 'D', status: 'completed', outcome: 'noAnswer', secondsToDone: 30, minutesAgo: 50 },
      { number: '+44 20 7946 0011', task: 'E', status: 'cancelled', minutesAgo: 40 },
      { number: '+44 20 7946 0011', task: 'F', status: 'in_progress', minutesAgo: 1 },
    ],
  });
  await page.getByRole('navigation').getByRole('button', { name: 'Overview' }).click();
  await expect(page.getByTestId('tile-calls')).toContainText('6');
  // 2 achieved of 4 with an outcome.
  await expect(page.getByTestId('tile-achieved')).toContainText('50%');
  await expect(page.getByTestId('tile-achieved')).toContainText('2 of 4 judged');
  // The cancelled call, and the one marked no answer.
  await expect(page.getByTestId('tile-never')).toContainText('2');
  // Median of 30 s, 2, 4 and 10 min: 3 min.
  await expect(page.getByTestId('tile-median')).toContainText('3 min');

  const weeks = page.getByTestId('weeks-chart');
  await expect(weeks).toHaveAttribute('aria-label', /over 3 weeks/);
  await page.getByText('Show the figures as a table').click();
  await expect(page.getByTestId('weeks-table').locator('tbody tr')).toHaveCount(3);
  await expect(page.getByTestId('weeks-table').locator('tbody tr').nth(2).locator('td')).toHaveText(['4', '0']);
  await expect(page.getByTestId('weeks-table').locator('tbody tr').nth(0).locator('td')).toHaveText(['1', '1']);
  await expect(page.getByTestId('outcome-bars').locator('li')).toHaveText([
    /Achieved\s*2/, /Not achieved\s*1/, /No answer\s*1/, /Needs follow-up\s*0/, /No outcome yet\s*2/,
  ]);
  await expect(page.getByTestId('status-bars').locator('li').first()).toHaveText(/Done\s*4/);

  // The overview follows the filter.
  await page.getByLabel('Outcome', { exact: true }).selectOption({ label: 'Achieved' });
  await expect(page.getByTestId('tile-calls')).toContainText('2');
  await expect(page.getByTestId('tile-achieved')).toContainText('100%');
  expect((await invocations(page, 'overview')).at(-1)!.filter).toMatchObject({ outcome: { kind: 'is', outcome: 'achieved' } });
});

test('export: progress from the backend, Cancel stops it, then a finished one says where it is', async ({ page }) => {
  await openApp(page, { hasKey: true, now: NOW, calls: sampleCalls(), syntheticTotal: 10_000, exportMode: 'manual' });
  await page.getByRole('navigation').getByRole('button', { name: 'History' }).click();
  await page.getByRole('button', { name: 'Export…' }).click();
  const dialog = page.getByRole('dialog', { name: /Export/ });
  await dialog.getByLabel(/Spreadsheet/).check();
  await dialog.getByLabel(/Include the conversations/).check();
  await dialog.getByRole('button', { name: /Choose where to save/ }).click();
  const bar = dialog.getByRole('progressbar');
  await expect(dialog.getByTestId('export-progress')).toContainText('0 of 10,004 calls');
  await page.evaluate(() => window.__mock.exportStep(2_501));
  await expect(bar).toHaveAttribute('value', '25');
  await expect(dialog.getByTestId('export-progress')).toContainText('2,501 of 10,004 calls');
  expect(await invocations(page, 'export_calls')).toEqual([
    {
      args: {
        filter: { status: null, search: null, outcome: null, tag: null, phone: null, demo: null, since: null, until: null },
        format: 'csv',
        withTranscripts: true,
      },
    },
  ]);
  await dialog.getByRole('button', { name: 'Cancel export' }).click();
  await expect(dialog.getByTestId('export-result')).toHaveText('Export cancelled. No file was written.');
  expect(await invocations(page, 'cancel_export')).toHaveLength(1);
  expect(await page.evaluate(() => window.__mock.exporting())).toBe(false);

  await dialog.getByLabel(/Readable report/).check();
  await dialog.getByRole('button', { name: /Export again/ }).click();
  await page.evaluate(() => window.__mock.exportFinish());
  await expect(dialog.getByTestId('export-result')).toHaveText(
    'Saved 10,004 calls to /home/you/Documents/missioncall-calls-2026-03-10.md',
  );
  await expect(bar).toHaveAttribute('value', '100');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toHaveCount(0);
});

test('print: a report of the filtered calls, then the print dialog', async ({ page }) => {
  await openHistory(page, { calls: sampleCalls() });
  await page.getByLabel('Status').selectOption({ label: 'Done' });
  await expect(page.getByTestId('history-count')).toHaveText('1 call');
  await page.getByRole('button', { name: 'Print' }).click();
  await expect(page.getByRole('heading', { name: 'Call report' })).toBeVisible();
  await expect(page.getByTestId('report-call')).toHaveCount(1);
  await expect(page.getByTestId('report-call')).toContainText('Booked a table for 4');
  await page.getByRole('button', { name: 'Print…' }).click();
  await expect.poll(() => invocations(page, 'print_window')).toHaveLength(1);
  // Printed, the navigation and the buttons are gone and the text is black on white.
  await page.emulateMedia({ media: 'print', colorScheme: 'dark' });
  await expect(page.getByRole('navigation')).toBeHidden();
  await expect(page.getByRole('button', { name: 'Print…' })).toBeHidden();
  const colors = await page.getByTestId('report-call').evaluate((el) => [getComputedStyle(el).color, getComputedStyle(document.body).backgroundColor]);
  expect(colors).toEqual(['rgb(0, 0, 0)', 'rgb(255, 255, 255)']);
});

const HOSTILE = '<img src=x onerror="window.__pwned=1">';

test('hostile text in a note, a tag and a contact name is shown as text', async ({ page }) => {
  await openHistory(page, {
    contacts: [{ number: '+44 20 7946 0321', name: `Luigi ${HOSTILE}` }],
    calls: [
      ...sampleCalls(),
      {
        number: '+44 20 7946 0011',
        task: 'Ask about opening hours on Sunday',
        status: 'completed',
        note: `Note ${HOSTILE}`,
        tags: [`t${HOSTILE}`.slice(0, 40)],
        followUp: '2026-03-09',
      },
    ],
  });
  await expect(row(page, 'Pizzeria').getByTestId('row-name')).toHaveText(`Luigi ${HOSTILE}`);
  const tag = `t${HOSTILE}`.slice(0, 40);
  await expect(page.getByTestId('row-tags')).toContainText(tag);
  await page.getByTestId('row-tags').locator('..').locator('..').click();
  await expect(page.getByLabel('Note')).toHaveValue(`Note ${HOSTILE}`);
  await expect(page.getByTestId('detail-tags')).toContainText(tag);
  // Typed in: a tag and a name.
  await page.getByLabel('Tags', { exact: true }).fill(`<b>bold</b>`);
  await page.getByLabel('Tags', { exact: true }).press('Enter');
  await expect(page.getByTestId('detail-tags')).toContainText('<b>bold</b>');
  await page.getByRole('navigation').getByRole('button', { name: 'Contacts' }).click();
  await expect(page.getByTestId('contact-row')).toContainText(`Luigi ${HOSTILE}`);
  await page.getByRole('navigation').getByRole('button', { name: /Follow-ups/ }).click();
  await expect(page.getByTestId('follow-up')).toContainText(`Note ${HOSTILE}`);
  await page.getByRole('navigation').getByRole('button', { name: 'History' }).click();
  await page.getByLabel('Tag', { exact: true }).selectOption({ index: 2 });
  await expect(page.getByTestId('filter-chip')).toContainText(`Tag: ${tag}`);
  await page.getByRole('button', { name: 'Print' }).click();
  await expect(page.getByTestId('report-call')).toContainText(`Note ${HOSTILE}`);

  // Had any of it become markup, its handler would have run by the time a witness's has.
  await page.evaluate(() => {
    const w = document.createElement('div');
    w.innerHTML = '<img src="x" onerror="window.__witness=1">';
    document.body.append(w);
  });
  await page.waitForFunction(() => (window as any).__witness === 1);
  expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
  expect(await page.evaluate(() => document.querySelectorAll('#app img, #app b').length)).toBe(0);
});
