// The do-not-call list, the caller identity and scheduled calls, against the mock backend
// (tests/mock-backend.ts): a listed number is refused by `confirm_call` with the core's words
// (tests/fixtures/core-outreach.json), the identity's sentence is appended to the confirmation's
// task as `identity::mission_text` does, and scheduled jobs live on the backend's clock
// (`__mock.advanceClock`, `__mock.runDue` for the app's watch).
import { test, type Page } from '@playwright/test';
import { expect, invocations, openApp, typeNumber } from './helpers';
import { coreOutreach, corePhone, fillText } from './fixtures';
import type { MockConfig } from './mock-backend';

const OUT = coreOutreach();
const PHONE = corePhone();
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const NOW = '2026-03-10T09:00';
/** `do_not_call::day_label` of the backend's day. */
const TODAY_LABEL = '10 Mar';

/** A local wall time as the core words it in UTC: "2026-03-09 10:30 UTC". */
function utc(local: string): string {
  const d = new Date(Date.parse(local));
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
}

const nav = (page: Page) => page.getByRole('navigation');
const TASK = 'Ask about opening hours on Sunday';

async function review(page: Page, number: string, task = TASK) {
  await typeNumber(page, number);
  await page.getByLabel('What should the agent do?').fill(task);
  await page.getByRole('button', { name: 'Review call' }).click();
}

async function openSettings(page: Page, config: MockConfig) {
  await openApp(page, { hasKey: true, now: NOW, ...config });
  await nav(page).getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Do-not-call list' })).toBeVisible();
}

test('a listed number is refused with the plain message, nothing is placed, and the list is one click away', async ({ page }) => {
  await openApp(page, {
    hasKey: true,
    now: NOW,
    doNotCall: [{ number: '020 7946 0958', reason: 'asked not to be called' }],
  });
  await review(page, '020 7946 0958');

  const notice = page.locator('[data-error-kind="doNotCall"]');
  const display = PHONE.displays['+442079460958'];
  const why = fillText(OUT.doNotCall.whyWithReason, { day: TODAY_LABEL, reason: 'asked not to be called' });
  await expect(notice).toContainText('This number is on your do-not-call list. Nothing was sent.');
  await expect(notice.locator('.msg')).toHaveText(fillText(OUT.doNotCall.refusal, { number: display, why }));
  await expect(page.locator('dialog[open]')).toHaveCount(0);
  expect(await invocations(page, 'place_call')).toEqual([]);
  expect(await invocations(page, 'schedule_call')).toEqual([]);

  await notice.getByRole('button', { name: 'Open the do-not-call list' }).click();
  await expect(page.getByRole('heading', { name: 'Do-not-call list' })).toBeFocused();
  await expect(page.getByTestId('dnc-entry')).toHaveCount(1);
  await expect(page.getByTestId('dnc-entry')).toContainText(display);
  await expect(page.getByTestId('dnc-entry')).toContainText('asked not to be called');
  await expect(page.getByTestId('dnc-entry')).toContainText(OUT.doNotCall.sourceLabels.typed);
});

test("don't call this number again, from a call: asked first, with a reason, and shown as listed", async ({ page }) => {
  await openApp(page, {
    hasKey: true,
    now: NOW,
    calls: [{ number: '+44 20 7946 0321', task: 'Book a table for 2', status: 'completed', summary: 'Booked.' }],
  });
  await nav(page).getByRole('button', { name: 'History' }).click();
  await page.getByTestId('history-row').first().locator('.row-main').click();
  await expect(page.getByTestId('detail-listed')).toHaveCount(0);

  // Changing one's mind adds nothing.
  await page.getByRole('button', { name: "Don't call this number again" }).click();
  await page.getByRole('button', { name: 'Keep calling it' }).click();
  expect(await invocations(page, 'add_do_not_call_from_call')).toEqual([]);

  await page.getByRole('button', { name: "Don't call this number again" }).click();
  await page.getByRole('dialog').getByLabel('Reason (optional)').fill('said no thanks');
  await page.getByRole('dialog').getByRole('button', { name: "Don't call again" }).click();
  await expect(page.getByTestId('detail-listed')).toContainText('This number is on your do-not-call list');
  await expect(page.getByTestId('detail-listed')).toContainText('said no thanks');
  await expect(page.getByRole('button', { name: "Don't call this number again" })).toHaveCount(0);
  expect(await invocations(page, 'add_do_not_call_from_call')).toEqual([{ id: 1, reason: 'said no thanks' }]);

  // The list says how it got there; a new call to it is refused.
  await page.getByTestId('detail-listed').getByRole('button', { name: 'Open the list' }).click();
  await expect(page.getByTestId('dnc-entry')).toContainText(OUT.doNotCall.sourceLabels.call);
  await nav(page).getByRole('button', { name: 'New call' }).click();
  await review(page, '+44 20 7946 0321');
  await expect(page.locator('[data-error-kind="doNotCall"]')).toBeVisible();
  expect(await invocations(page, 'place_call')).toEqual([]);
});

test('add by hand and remove after asking: the number can be called again', async ({ page }) => {
  await openSettings(page, { doNotCall: [{ number: '+44 20 7946 0555', reason: 'wrong number' }] });
  const entries = page.getByTestId('dnc-entry');
  await expect(entries).toHaveCount(1);

  await page.getByLabel('Number', { exact: true }).fill('020 7946 0958');
  await page.getByTestId('do-not-call').getByLabel('Reason (optional)').fill('asked twice');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(entries).toHaveCount(2);
  expect(await invocations(page, 'add_do_not_call')).toEqual([{ number: '020 7946 0958', region: 'GB', reason: 'asked twice' }]);

  const wrong = entries.filter({ hasText: 'wrong number' });
  await wrong.getByRole('button', { name: /^Remove/ }).click();
  await page.getByRole('button', { name: 'Keep it listed' }).click();
  await expect(entries).toHaveCount(2);
  expect(await invocations(page, 'remove_do_not_call')).toEqual([]);

  await wrong.getByRole('button', { name: /^Remove/ }).click();
  await page.getByRole('button', { name: 'Remove from the list' }).click();
  await expect(entries).toHaveCount(1);
  await expect(entries).not.toContainText('wrong number');
  expect(await invocations(page, 'remove_do_not_call')).toEqual([{ number: '+442079460555' }]);

  await nav(page).getByRole('button', { name: 'New call' }).click();
  await review(page, '+44 20 7946 0555');
  await expect(page.getByTestId('confirm-e164')).toHaveText('+442079460555');
});

test('import: counts, each skipped row as text (hostile input included), then export says where', async ({ page }) => {
  const hostile = '<img src=x onerror=alert(document.domain)>';
  await openSettings(page, {
    doNotCall: [{ number: '+44 20 7946 0555' }],
    dialogs: { open: '/home/you/dnc.csv', save: '/home/you/Documents/do-not-call.csv' },
    doNotCallFiles: {
      '/home/you/dnc.csv': [
        { input: '+44 20 7946 0011', reason: 'asked' },
        { input: '+442079460011' },
        { input: '+44 20 7946 0555' },
        { input: '020 7946 09' },
        { input: hostile },
        { input: '', reason: 'no number on this row' },
        { input: '+44 20 7946 0321' },
      ],
    },
  });
  await page.evaluate(() => ((window as any).__pwned = 0));
  await page.getByRole('button', { name: 'Import CSV…' }).click();
  await expect(page.getByTestId('dnc-import-summary')).toHaveText(
    '2 numbers added, 1 number already listed, 4 rows skipped.',
  );
  const rows = page.getByTestId('dnc-skipped-row');
  await expect(rows).toHaveCount(4);
  await expect(rows.nth(0)).toHaveText(
    new RegExp(`Row 2\\s*\\+442079460011\\s*${fillText(OUT.doNotCall.importProblems.duplicateInFile, { earlier: 1 }).replace(/[.+]/g, '\\$&')}`),
  );
  await expect(rows.nth(1)).toContainText(PHONE.checks.GB['020 7946 09'].reason!);
  await expect(rows.nth(2).locator('.input')).toHaveText(hostile);
  await expect(rows.nth(3)).toContainText(OUT.doNotCall.importProblems.noNumber);
  await expect(page.getByTestId('dnc-skipped').locator('img')).toHaveCount(0);
  expect(await page.evaluate(() => (window as any).__pwned)).toBe(0);
  await expect(page.getByTestId('dnc-entry')).toHaveCount(3);
  await expect(page.getByTestId('dnc-entry').filter({ hasText: 'asked' })).toContainText(OUT.doNotCall.sourceLabels.import);

  await page.getByRole('button', { name: 'Export CSV…' }).click();
  await expect(page.getByTestId('dnc-result')).toHaveText('The list was saved to /home/you/Documents/do-not-call.csv.');

  // A closed dialog does nothing and says nothing.
  await page.evaluate(() => window.__mock.setDialog('open', null));
  await page.getByRole('button', { name: 'Import CSV…' }).click();
  await expect.poll(() => invocations(page, 'import_do_not_call')).toHaveLength(2);
  await expect(page.locator('[data-error-kind]')).toHaveCount(0);
});

test('caller identity: the sentence shown after saving is the one the confirmation adds, apart from the task', async ({ page }) => {
  await openSettings(page, {});
  const preview = page.getByTestId('identity-preview');
  await expect(preview.getByTestId('identity-none')).toBeVisible();
  await expect(page.getByLabel('The agent says it is an AI assistant')).toBeChecked();

  await page.getByLabel('Your name').fill('Ada Okafor');
  await page.getByLabel('Business').fill("Luigi's <b>Trattoria</b>");
  await expect(preview.getByTestId('identity-pending')).toBeVisible();
  await page.getByRole('button', { name: 'Save caller identity' }).click();
  const who = fillText(OUT.identity.who.both, { name: 'Ada Okafor', business: "Luigi's <b>Trattoria</b>" });
  const sentence = fillText(OUT.identity.sentence.discloseAi, { who });
  await expect(preview.getByTestId('identity-sentence')).toHaveText(sentence);
  expect(await invocations(page, 'set_caller_identity')).toEqual([
    { identity: { name: 'Ada Okafor', business: "Luigi's <b>Trattoria</b>", discloseAi: true, sentence: null } },
  ]);

  await nav(page).getByRole('button', { name: 'New call' }).click();
  await review(page, '020 7946 0958');
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('confirm-identity')).toContainText('Added by your caller identity:');
  await expect(dialog.getByTestId('confirm-identity-sentence')).toHaveText(sentence);
  await expect(dialog.getByTestId('confirm-task').locator('> .user-text')).toHaveText(TASK);
  await expect(dialog.locator('b')).toHaveCount(0);
  // What was asked is the task as typed; what is sent is the backend's text.
  expect((await invocations(page, 'confirm_call'))[0].args.task).toBe(TASK);
  await dialog.getByRole('button', { name: 'Place call' }).click();
  await expect(page.getByTestId('sent-panel')).toContainText(`${TASK}\n\n${sentence}`);

  // Without the AI disclosure, the backend's other sentence.
  await nav(page).getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel('The agent says it is an AI assistant').uncheck();
  await page.getByRole('button', { name: 'Save caller identity' }).click();
  await expect(page.getByTestId('identity-sentence')).toHaveText(fillText(OUT.identity.sentence.plain, { who }));
});

test('schedule a confirmed call: the same token, nothing placed, listed in Scheduled, then cancelled', async ({ page }) => {
  await openApp(page, { hasKey: true, now: NOW });
  await review(page, '020 7946 0958');
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Schedule…' }).click();
  await expect(dialog.getByLabel('Place the call on')).toBeFocused();
  await dialog.getByLabel('Place the call on').fill('2026-03-11T10:30');
  await dialog.getByRole('button', { name: 'Schedule call' }).click();
  await expect(page.getByTestId('scheduled-done')).toContainText('scheduled for');
  await expect(page.locator('dialog[open]')).toHaveCount(0);
  const sent = await invocations(page, 'schedule_call');
  expect(sent).toHaveLength(1);
  expect(sent[0].at).toBe('2026-03-11T10:30');
  expect(String(sent[0].token)).toMatch(/^tok_1_/);
  expect(await invocations(page, 'place_call')).toEqual([]);
  await expect(page.getByTestId('scheduled-count')).toHaveText('1 scheduled');

  await page.getByTestId('scheduled-done').getByRole('button', { name: 'See scheduled calls' }).click();
  const item = page.getByTestId('scheduled-item');
  await expect(item).toHaveCount(1);
  await expect(item).toContainText(TASK);
  await expect(item).toContainText(PHONE.displays['+442079460958']);
  await expect(page.getByTestId('overdue-list')).toHaveCount(0);

  await item.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('scheduled-empty')).toBeVisible();
  expect(await invocations(page, 'cancel_scheduled')).toEqual([{ id: 1 }]);
  await expect(page.getByTestId('scheduled-count')).toHaveCount(0);
});

test('a time already passed is refused in plain words; a later time then schedules the same call', async ({ page }) => {
  await openApp(page, { hasKey: true, now: NOW });
  await review(page, '020 7946 0958');
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Schedule…' }).click();
  await dialog.getByLabel('Place the call on').fill('2026-03-09T10:30');
  await dialog.getByRole('button', { name: 'Schedule call' }).click();
  const refused = dialog.locator(`[data-error-kind="${OUT.schedule.errors.passed.kind}"]`);
  await expect(refused).toContainText('The call was not scheduled.');
  await expect(refused.locator('.msg')).toHaveText(
    fillText(OUT.schedule.errors.passed.message, { at: utc('2026-03-09T10:30') }),
  );
  await expect(page.getByTestId('scheduled-count')).toHaveCount(0);

  await dialog.getByLabel('Place the call on').fill('2026-03-10T18:00');
  await dialog.getByRole('button', { name: 'Schedule call' }).click();
  await expect(page.getByTestId('scheduled-done')).toBeVisible();
  expect((await invocations(page, 'schedule_call')).map((c) => c.at)).toEqual(['2026-03-09T10:30', '2026-03-10T18:00']);
  expect(await invocations(page, 'place_call')).toEqual([]);
  await expect(page.getByTestId('scheduled-count')).toHaveText('1 scheduled');
});

test('overdue calls: a banner on start, Place now (once) or Drop, never placed silently; demo ones marked', async ({ page }) => {
  await openApp(page, {
    hasKey: true,
    now: NOW,
    scheduled: [
      { number: '020 7946 0958', task: 'Ask about opening hours on Sunday', inMinutes: -90 },
      { number: '+44 20 7946 0321', task: 'Book a table for 2', inMinutes: -30, demo: true },
      { number: '+44 20 7946 0555', task: 'Confirm the delivery', inMinutes: 240 },
    ],
  });
  const banner = page.getByTestId('overdue-banner');
  await expect(banner).toContainText('2 scheduled calls were not placed');
  await expect(page.getByTestId('scheduled-count')).toHaveText('3 scheduled, 2 overdue');
  expect(await invocations(page, 'place_scheduled_now')).toEqual([]);

  await banner.getByRole('button', { name: 'Review' }).click();
  const overdue = page.getByTestId('overdue-item');
  await expect(overdue).toHaveCount(2);
  await expect(overdue.first()).toContainText(OUT.schedule.overdueNote);
  await expect(overdue.first()).toContainText('Was due');
  await expect(overdue.nth(1).locator('.demo-tag')).toHaveText('Demo call');
  await expect(overdue.first().locator('.demo-tag')).toHaveCount(0);
  await expect(page.getByTestId('scheduled-item')).toHaveCount(1);
  await expect(banner).toHaveCount(0);

  await overdue.nth(1).getByRole('button', { name: 'Drop' }).click();
  await expect(overdue).toHaveCount(1);
  expect(await invocations(page, 'drop_scheduled')).toEqual([{ id: 2 }]);

  await overdue.first().getByRole('button', { name: 'Place now' }).click();
  await expect(page.getByTestId('detail-name')).toHaveText(PHONE.displays['+442079460958']);
  expect(await invocations(page, 'place_scheduled_now')).toEqual([{ id: 1, anyway: false }]);
  await expect(page.getByTestId('scheduled-count')).toHaveText('1 scheduled');
  await expect(banner).toHaveCount(0);
});

test('scheduled-changed: a call the app placed when due leaves the list at once', async ({ page }) => {
  await openApp(page, {
    hasKey: true,
    now: NOW,
    scheduled: [{ number: '020 7946 0958', task: 'Ask about opening hours on Sunday', inMinutes: 1 }],
  });
  await nav(page).getByRole('button', { name: 'Scheduled' }).click();
  await expect(page.getByTestId('scheduled-item')).toHaveCount(1);
  await page.evaluate(() => {
    window.__mock.advanceClock(1);
    window.__mock.runDue();
  });
  await expect(page.getByTestId('scheduled-empty')).toBeVisible();
  await expect(page.getByTestId('scheduled-count')).toHaveCount(0);
  expect(await page.evaluate(() => window.__mock.callCount())).toBe(1);
});

/** What the core says outside the hours (`HoursDecision::sentence`, callee_time.rs). */
const OUTSIDE =
  'It is 21:40 for them (Europe/London), outside your calling hours (08:00–21:00, every day). The next allowed time is 08:00 on Wednesday 11 March for them (Europe/London), 08:00 on Wednesday 11 March for you (Europe/London).';
const NEXT_LOCAL = '2026-03-11T08:00';

async function reviewOutsideHours(page: Page) {
  await page.evaluate(
    ([sentence, next]) =>
      window.__mock.patchNextConfirmation({ hoursSentence: sentence, outsideHours: true, nextAllowedLocal: next }),
    [OUTSIDE, NEXT_LOCAL],
  );
  await review(page, '020 7946 0958');
}

test('outside the calling hours: the sentence, Enter schedules for the next allowed time, nothing is placed', async ({ page }) => {
  await openApp(page, { hasKey: true, now: NOW });
  await reviewOutsideHours(page);
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('confirm-outside-hours')).toContainText('Outside your calling hours');
  await expect(dialog.getByTestId('confirm-outside-hours').locator('.user-text')).toHaveText(OUTSIDE);
  // No plain "Place call" here: the safe choice is first and focused, calling is explicit.
  await expect(dialog.getByRole('button', { name: 'Place call' })).toHaveCount(0);
  await expect(dialog.getByTestId('schedule-next-allowed')).toBeFocused();
  await expect(dialog.getByTestId('schedule-next-allowed')).toContainText('Schedule for');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('scheduled-done')).toContainText('scheduled for');
  const sent = await invocations(page, 'schedule_call');
  expect(sent).toEqual([expect.objectContaining({ at: NEXT_LOCAL, anyway: false })]);
  expect(await invocations(page, 'place_call')).toEqual([]);
});

test('outside the calling hours: "Call now anyway" places it with the choice, and the call shows it', async ({ page }) => {
  await openApp(page, { hasKey: true, now: NOW });
  await reviewOutsideHours(page);
  const dialog = page.getByRole('dialog');
  await dialog.getByTestId('call-anyway-hours').click();
  await expect(page.locator('dialog[open]')).toHaveCount(0);
  const placed = await invocations(page, 'place_call');
  expect(placed).toEqual([expect.objectContaining({ anyway: true })]);
  await nav(page).getByRole('button', { name: 'History' }).click();
  await page.getByTestId('history-row').first().locator('.row-main').click();
  await expect(page.getByTestId('outside-hours-record')).toContainText('Called outside your calling hours, as you chose.');
  await expect(page.getByTestId('outside-hours-record').locator('.user-text')).toHaveText(OUTSIDE);
});

test('calling hours in Settings: saved in the words of the backend, a window that ends before it starts refused', async ({ page }) => {
  await openApp(page, { hasKey: true, now: NOW });
  await nav(page).getByRole('button', { name: 'Settings' }).click();
  const card = page.getByTestId('calling-hours');
  await expect(card.getByTestId('hours-summary')).toContainText('08:00–21:00, every day');
  await card.getByLabel('Saturday').uncheck();
  await card.getByLabel('Sunday').uncheck();
  await card.getByLabel('From').fill('09:00');
  await card.getByLabel('Until').fill('17:30');
  await card.getByRole('button', { name: 'Save calling hours' }).click();
  await expect(card.getByTestId('hours-summary')).toContainText('09:00–17:30, Monday to Friday');
  expect(await invocations(page, 'set_calling_hours')).toEqual([
    { hours: { days: [true, true, true, true, true, false, false], start: '09:00', end: '17:30', summary: '', userZone: '' } },
  ]);

  await card.getByLabel('From').fill('18:00');
  await card.getByLabel('Until').fill('09:00');
  await card.getByRole('button', { name: 'Save calling hours' }).click();
  await expect(card.locator('[data-error-kind="invalidSettings"]')).toContainText('Calling hours must start before they end');
});

test('a picked time outside the calling hours is refused in their words, and can be kept on purpose', async ({ page }) => {
  await openApp(page, { hasKey: true, now: NOW });
  const late = 'At that time it will be 23:30 for them (Europe/London), outside your calling hours (08:00–21:00, every day).';
  await page.evaluate((sentence) => window.__mock.scheduleOutsideHours(sentence), late);
  await review(page, '020 7946 0958');
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Schedule…' }).click();
  await dialog.getByLabel('Place the call on').fill('2026-03-10T23:30');
  await dialog.getByTestId('schedule-submit').click();
  await expect(dialog.locator('[data-error-kind="outsideCallingHours"]')).toContainText(late);
  await expect(page.getByTestId('scheduled-done')).toHaveCount(0);
  await dialog.getByTestId('schedule-anyway').click();
  await expect(page.getByTestId('scheduled-done')).toContainText('scheduled for');
  const sent = await invocations(page, 'schedule_call');
  expect(sent.map((s) => s.anyway)).toEqual([false, true]);
});

test('"Pause all" from Settings: a banner everywhere, a due call is not placed, Resume places it', async ({ page }) => {
  await openSettings(page, {
    scheduled: [{ number: '020 7946 0958', task: TASK, inMinutes: 1 }],
  });
  const card = page.getByTestId('background-card');
  await expect(card.getByTestId('keep-running')).toBeChecked();
  await expect(card.getByTestId('background-now')).toHaveText(`Now: ${OUT.schedule.whatWaits['1,0']} waits.`);
  await card.getByRole('button', { name: 'Pause all scheduled calls' }).click();
  expect(await invocations(page, 'set_paused')).toEqual([{ paused: true }]);
  const banner = page.getByTestId('paused-banner');
  await expect(banner).toContainText('Scheduled calls are paused.');
  await expect(card.getByTestId('background-now')).toContainText('Paused:');
  // Its time comes while paused: the watch places nothing.
  await page.evaluate(() => {
    window.__mock.advanceClock(1);
    window.__mock.runDue();
  });
  expect(await page.evaluate(() => window.__mock.callCount())).toBe(0);
  // The banner follows the user to another screen; Resume there.
  await nav(page).getByRole('button', { name: 'Scheduled' }).click();
  await expect(banner).toBeVisible();
  await banner.getByRole('button', { name: 'Resume' }).click();
  await expect(banner).toHaveCount(0);
  expect(await invocations(page, 'set_paused')).toEqual([{ paused: true }, { paused: false }]);
  await page.evaluate(() => window.__mock.runDue());
  await expect(page.getByTestId('scheduled-empty')).toBeVisible();
  expect(await page.evaluate(() => window.__mock.callCount())).toBe(1);
});

test('paused from the tray: the window shows it when told, and the tray setting can be turned off', async ({ page }) => {
  await openSettings(page, {});
  const card = page.getByTestId('background-card');
  await expect(card.getByTestId('background-now')).toHaveText('Nothing is scheduled now.');
  await expect(page.getByTestId('paused-banner')).toHaveCount(0);
  // The tray's "Pause all" saves it in the backend and sends `scheduled-changed`.
  await page.evaluate(async () => {
    await (window as any).__TAURI_INTERNALS__.invoke('set_paused', { paused: true });
    window.__mock.emit('scheduled-changed', null);
  });
  await expect(page.getByTestId('paused-banner')).toBeVisible();
  await expect(card.getByRole('button', { name: 'Resume scheduled calls' })).toBeVisible();
  await card.getByTestId('keep-running').uncheck();
  expect(await invocations(page, 'set_keep_running_in_tray')).toEqual([{ on: false }]);
  await expect(card.getByTestId('keep-running')).not.toBeChecked();
});

test('an overdue call outside the calling hours: Place now is refused in their words, Place it anyway places it', async ({ page }) => {
  await openApp(page, {
    hasKey: true,
    now: NOW,
    scheduled: [{ number: '020 7946 0958', task: TASK, inMinutes: -90 }],
  });
  await page.evaluate((sentence) => window.__mock.scheduleOutsideHours(sentence), OUTSIDE);
  await page.getByTestId('overdue-banner').getByRole('button', { name: 'Review' }).click();
  const item = page.getByTestId('overdue-item');
  await expect(page.getByTestId('place-anyway')).toHaveCount(0);
  await item.getByRole('button', { name: 'Place now' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'outside your calling hours' })).toBeVisible();
  expect(await page.evaluate(() => window.__mock.callCount())).toBe(0);
  await item.getByTestId('place-anyway').click();
  await expect(page.getByTestId('detail-name')).toHaveText(PHONE.displays['+442079460958']);
  expect(await invocations(page, 'place_scheduled_now')).toEqual([
    { id: 1, anyway: false },
    { id: 1, anyway: true },
  ]);
  expect(await page.evaluate(() => window.__mock.callCount())).toBe(1);
});
