// Not a test: `SCREENSHOTS=/tmp/shots npx playwright test screenshots` saves each main screen in
// both themes for a human to look at. Skipped otherwise.
import { test, type Page } from '@playwright/test';
import { expect, openApp, typeNumber } from './helpers';
import { coreErrors, fill, sampleCalls } from './fixtures';
import type { SeedCall } from './mock-backend';

const dir = process.env.SCREENSHOTS;
test.skip(!dir, 'set SCREENSHOTS=<dir> to take screenshots');

/** Waits until the page is at rest: fonts loaded, and every animation and transition that ends
 *  has ended (endless ones, such as a live dot, are left running). Each step below first waits
 *  for what it shows to be there. */
async function atRest(page: Page) {
  await page.evaluate(() => document.fonts.ready.then(() => null));
  await page.waitForFunction(() =>
    document
      .getAnimations()
      .every((a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity),
  );
}

for (const scheme of ['light', 'dark'] as const) {
  test(`screens (${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    const shot = async (name: string) => {
      await atRest(page);
      await page.screenshot({ path: `${dir}/${scheme}-${name}.png` });
    };

    await openApp(page, { firstRun: true });
    await expect(page.getByRole('heading', { name: 'Welcome to MissionCall' })).toBeVisible();
    await shot('1-first-run');
    await page.getByRole('button', { name: /Enter your API key/ }).click();
    await expect(page.locator('#api-key')).toBeFocused();
    await shot('1b-first-run-key');

    await openApp(page, {
      demo: true,
      calls: [
        ...sampleCalls(),
        {
          number: '+44 20 7946 0555',
          task: 'Ask whether the parcel can be left with a neighbour',
          status: 'pending',
          tracking: 'unreadable',
          error:
            "The service's answers about this call could not be read (expected value at line 1 column 1). It is no longer checked automatically; check it again later.",
          refreshTo: 'in_progress',
        },
      ],
    });
    await typeNumber(page, '020 7946 0958');
    await page.getByLabel('What should the agent do?').fill('Book a table for 4 at 7pm tonight, under the name Sam.');
    await expect(page.getByTestId('phone-status')).toContainText('+44 20 7946 0958');
    await shot('2-new-call');
    await page.getByRole('combobox', { name: 'Country' }).click();
    await page.getByRole('combobox', { name: 'Country' }).pressSequentially('uni');
    await expect(page.getByRole('option').first()).toContainText('United');
    await shot('2b-country');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Review call' }).click();
    await expect(page.getByRole('dialog', { name: 'Ready to place this call?' })).toBeVisible();
    await shot('3-confirm');
    await page.getByRole('button', { name: 'Place call' }).click();
    await expect(page.getByTestId('sent-panel')).toBeVisible();
    await shot('4-sent');
    await page.getByRole('button', { name: 'History' }).click();
    await expect(page.getByTestId('history-row').filter({ hasText: 'parcel' })).toBeVisible();
    await shot('5-history');
    await page.getByTestId('history-row').filter({ hasText: 'parcel' }).locator('.row-main').click();
    await expect(page.getByTestId('tracking')).toBeVisible();
    await shot('5b-not-followed');
    await page.getByRole('button', { name: 'History' }).first().click();
    await page.getByTestId('history-row').filter({ hasText: 'Pizzeria' }).locator('.row-main').click();
    await expect(page.getByTestId('summary')).toBeVisible();
    await shot('6-detail');
    await page.getByRole('button', { name: 'History' }).first().click();
    await page.getByRole('button', { name: /Check what happened/ }).first().click();
    await expect(page.getByTestId('unknown-outcome')).toBeVisible();
    await shot('7-unknown');
    await page.getByRole('button', { name: 'Settings' }).click();
    await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
    await shot('8-settings');
    await page.getByRole('button', { name: 'New call' }).click();
    await typeNumber(page, '12345678');
    await page.getByLabel('Phone number').blur();
    await expect(page.getByTestId('phone-status')).toContainText('This is not a valid phone number in United Kingdom.');
    await shot('9-invalid');
    await typeNumber(page, '020 7946 0958');
    await page.getByLabel('What should the agent do?').fill('Book a table for 4 at 7pm tonight, under the name Sam.');
    await page.getByRole('button', { name: 'Review call' }).click();
    await page.getByTestId('duplicate').waitFor();
    await shot('9b-duplicate');
    await page.getByRole('button', { name: 'Call anyway' }).click();
    await page.getByTestId('confirm-second').waitFor();
    await shot('9c-second-call');
    await page.getByRole('button', { name: 'Back to edit' }).click();
    await page.evaluate(() => window.__mock.emit('network-state', { connection: 'offline', message: null }));
    await page.evaluate((e) => window.__mock.failNext('place_call', e), fill(coreErrors().unauthorized));
    await page.getByRole('button', { name: 'Review call' }).click();
    await page.getByRole('button', { name: 'Call anyway' }).click();
    await page.getByRole('button', { name: 'Place call' }).click();
    await page.locator('[data-error-kind=unauthorized]').waitFor();
    await shot('9d-unauthorized-offline');
    await page.keyboard.press('Escape');
    await page.evaluate((ev) => window.__mock.emit('network-state', ev), coreErrors().keyRejectedEvent);
    await expect(page.getByTestId('key-rejected-banner')).toBeVisible();
    await shot('9e-key-rejected');
    await page.setViewportSize({ width: 640, height: 800 });
    await page.getByRole('button', { name: 'History' }).click();
    await page.getByTestId('history-row').filter({ hasText: 'Pizzeria' }).locator('.row-main').click();
    await expect(page.getByTestId('summary')).toBeVisible();
    await shot('10-narrow-detail');
    await page.getByRole('button', { name: 'New call' }).click();
    await expect(page.getByRole('heading', { name: 'New call' })).toBeVisible();
    await shot('11-narrow-new');
  });
}

/** A small business's week of calls, reviewed. */
function reviewedCalls(): SeedCall[] {
  const day = 60 * 24;
  const base: SeedCall[] = [
    { number: '+44 20 7946 0321', task: 'Book a table for 6 on Friday at 8pm under the name Sam.', status: 'completed', outcome: 'achieved', tags: ['Restaurants'], secondsToDone: 190, minutesAgo: day * 20 },
    { number: '+44 20 7946 0011', task: 'Ask whether the shop is open on Easter Monday.', status: 'completed', outcome: 'notAchieved', secondsToDone: 95, minutesAgo: day * 16 },
    { number: '+1 415 555 0142', task: 'Move my dentist appointment to next week, mornings only.', status: 'completed', outcome: 'achieved', tags: ['Health'], secondsToDone: 260, minutesAgo: day * 12 },
    { number: '+44 7400 123456', task: 'Ask if order #1234 has shipped and when it will arrive.', status: 'completed', outcome: 'noAnswer', secondsToDone: 40, minutesAgo: day * 9 },
    { number: '+44 20 7946 0321', task: 'Ask whether they can do a gluten-free menu for the party.', status: 'completed', outcome: 'followUp', tags: ['Restaurants', 'VIP'], note: 'They will check with the chef and call back.\nAsk for Marco.', followUp: '2026-03-09', secondsToDone: 300, minutesAgo: day * 6 },
    { number: '+33 1 23 45 67 89', task: 'Confirm the delivery slot for Thursday morning.', status: 'completed', outcome: 'achieved', tags: ['Deliveries'], followUp: '2026-03-12 10:00', secondsToDone: 150, minutesAgo: day * 3 },
    { number: '+44 20 7946 0011', task: 'Ask for a quote to repair the shop window.', status: 'cancelled', minutesAgo: day * 2 },
    { number: '+1 415 555 0142', task: 'Confirm the new appointment time.', status: 'completed', outcome: 'achieved', tags: ['Health'], followUp: '2026-03-10 16:30', secondsToDone: 120, minutesAgo: 180 },
    { number: '+44 20 7946 0321', task: 'Book a table for 4 at 7pm tonight, window seat if possible.', status: 'completed', summary: 'Booked a table for 4 at 7pm tonight under "Sam". A window seat is not guaranteed.', tags: ['Restaurants'], secondsToDone: 210, minutesAgo: 45 },
    { number: '+44 20 7946 0011', task: 'Ask about opening hours on Sunday.', status: 'in_progress', minutesAgo: 2 },
  ];
  return base;
}

for (const scheme of ['light', 'dark'] as const) {
  test(`review screens (${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    const shot = async (name: string) => {
      await atRest(page);
      await page.screenshot({ path: `${dir}/${scheme}-${name}.png` });
    };
    await openApp(page, {
      hasKey: true,
      now: '2026-03-10T09:00',
      contacts: [
        { number: '+44 20 7946 0321', name: "Luigi's Trattoria" },
        { number: '+1 415 555 0142', name: 'Dr Patel, dentist' },
      ],
      calls: reviewedCalls(),
      exportMode: 'manual',
    });
    const nav = page.getByRole('navigation');
    await nav.getByRole('button', { name: 'History' }).click();
    await expect(page.getByTestId('history-row')).toHaveCount(10);
    await shot('12-history-reviewed');
    await page.getByLabel('Tag', { exact: true }).selectOption({ label: 'Restaurants (3)' });
    await page.getByLabel('Outcome', { exact: true }).selectOption({ label: 'Achieved' });
    await expect(page.getByTestId('history-count')).toHaveText('1 call');
    await shot('13-history-filtered');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByTestId('history-row').filter({ hasText: 'gluten-free' }).locator('.row-main').click();
    await expect(page.getByTestId('review')).toBeVisible();
    await shot('14-detail-review');
    await nav.getByRole('button', { name: /Follow-ups/ }).click();
    await expect(page.getByTestId('follow-up').first()).toBeVisible();
    await shot('15-follow-ups');
    await nav.getByRole('button', { name: 'Overview' }).click();
    await expect(page.getByTestId('weeks-chart')).toBeVisible();
    await shot('16-overview');
    await page.getByText('Show the figures as a table').click();
    await page.getByTestId('weeks-table').scrollIntoViewIfNeeded();
    await shot('16b-overview-table');
    await nav.getByRole('button', { name: 'Contacts' }).click();
    await expect(page.getByTestId('contact-row')).toHaveCount(2);
    await shot('17-contacts');
    await page.getByRole('button', { name: "Luigi's Trattoria", exact: true }).click();
    await expect(page.getByTestId('history-row')).toHaveCount(3);
    await shot('18-contact-page');
    await nav.getByRole('button', { name: 'History' }).click();
    await page.getByRole('button', { name: 'Export…' }).click();
    await page.getByRole('button', { name: /Choose where to save/ }).click();
    await page.evaluate(() => window.__mock.exportStep(4));
    await expect(page.getByTestId('export-progress')).toContainText('4 of 10');
    await shot('19-export-progress');
    await page.evaluate(() => window.__mock.exportFinish());
    await expect(page.getByTestId('export-result')).toContainText('Saved');
    await shot('19b-export-done');
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Print' }).click();
    await expect(page.getByTestId('report-call').first()).toBeVisible();
    await shot('20-report');
    await page.emulateMedia({ media: 'print', colorScheme: scheme });
    await shot('20b-report-print');
    await page.emulateMedia({ media: 'screen', colorScheme: scheme });
    await page.setViewportSize({ width: 640, height: 800 });
    await nav.getByRole('button', { name: 'History' }).click();
    await expect(page.getByTestId('history-row').first()).toBeVisible();
    await shot('21-narrow-history');
  });
}

for (const scheme of ['light', 'dark'] as const) {
  test(`backup, import and tag screens (${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    const shot = async (name: string) => {
      await atRest(page);
      await page.screenshot({ path: `${dir}/${scheme}-${name}.png` });
    };
    const day = 60 * 24;
    await openApp(page, {
      hasKey: true,
      contacts: [{ number: '+44 20 7946 0321', name: "Luigi's Trattoria" }],
      calls: reviewedCalls().slice(0, 6),
      backupFiles: {
        '/home/you/Backups/missioncall-backup-2026-02-01.sqlite': {
          minutesAgo: day * 30,
          contacts: [{ number: '+1 415 555 0142', name: 'Dr Patel, dentist' }],
          // The history's calls 5 and 6 (same task ids), and four it lacks.
          calls: reviewedCalls()
            .slice(4)
            .map((c, i) => (i < 2 ? { ...c, taskId: `tsk_${1005 + i}` } : c)),
        },
      },
      dailyBackups: [0, 1, 2, 3, 4, 5, 6].map((n) => ({ daysAgo: n, calls: reviewedCalls().slice(0, 10 - n).map((c, i) => ({ ...c, taskId: `tsk_${1001 + i}` })) })),
      dialogs: { open: '/home/you/Backups/missioncall-backup-2026-02-01.sqlite' },
      contactFiles: {
        '/home/you/contacts.vcf': [
          { name: "Luigi's Trattoria", number: '+44 20 7946 0321' },
          { name: 'Dr Patel, dentist', number: '+1 415 555 0142' },
          { name: 'Boulangerie Martin', number: '+33 1 23 45 67 89' },
          { name: 'Old office', number: '12345678' },
          { name: '', number: '020 7946 0958' },
          { name: 'Dr Patel (mobile)', number: '+14155550142' },
        ],
      },
    });
    const nav = page.getByRole('navigation');
    await nav.getByRole('button', { name: 'Settings' }).click();
    const backups = page.getByTestId('backups');
    await expect(page.getByTestId('daily-backup')).toHaveCount(7);
    await page.getByRole('button', { name: 'Back up history…' }).click();
    await expect(page.getByTestId('backup-result')).toContainText('Backed up 6 calls');
    await backups.scrollIntoViewIfNeeded();
    await shot('22-settings-backups');
    await page.getByRole('button', { name: "Restore yesterday's backup" }).click();
    await expect(page.getByRole('dialog', { name: "Restore yesterday's backup?" })).toBeVisible();
    await shot('23-restore-confirm');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Restore from a backup…' }).click();
    await page.getByRole('button', { name: 'Choose backup…' }).click();
    await expect(page.getByTestId('added-calls')).toBeVisible();
    await backups.scrollIntoViewIfNeeded();
    await shot('24-restore-done');

    await page.evaluate(() => window.__mock.setDialog('open', '/home/you/contacts.vcf'));
    await nav.getByRole('button', { name: 'Contacts' }).click();
    await page.getByRole('button', { name: 'Import from a file…' }).click();
    await expect(page.getByTestId('skipped-entry')).toHaveCount(3);
    await shot('25-contacts-import');

    await nav.getByRole('button', { name: 'History' }).click();
    await page.getByRole('button', { name: 'Edit tags' }).click();
    const tags = page.getByRole('dialog', { name: 'Tags' });
    await expect(tags.getByTestId('tag-row').first()).toBeVisible();
    await tags.getByRole('button', { name: 'Rename tag Health' }).click();
    await tags.getByLabel(/New name for/).fill('restaurants');
    await expect(tags.getByTestId('merge-hint')).toBeVisible();
    await shot('26-tags-merge');
    await tags.getByRole('button', { name: 'Cancel' }).click();
    await tags.getByRole('button', { name: 'Delete tag VIP' }).click();
    await expect(tags.getByRole('group')).toBeVisible();
    await shot('27-tags-delete');
    await tags.getByRole('button', { name: 'Delete tag', exact: true }).click();
    await expect(tags.getByTestId('tags-result')).toContainText('Deleted');
    await shot('27b-tags-deleted');
    await page.keyboard.press('Escape');

    await page.setViewportSize({ width: 640, height: 800 });
    await nav.getByRole('button', { name: 'Settings' }).click();
    await page.getByTestId('backups').scrollIntoViewIfNeeded();
    await expect(page.getByTestId('daily-backup')).toHaveCount(7);
    await shot('28-narrow-backups');
    await nav.getByRole('button', { name: 'Contacts' }).click();
    await expect(page.getByTestId('contact-row').first()).toBeVisible();
    await shot('29-narrow-contacts');
  });
}

for (const scheme of ['light', 'dark'] as const) {
  test(`do-not-call, caller identity and scheduled screens (${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    const shot = async (name: string) => {
      await atRest(page);
      await page.screenshot({ path: `${dir}/${scheme}-${name}.png` });
    };
    await openApp(page, {
      hasKey: true,
      calls: sampleCalls(),
      identity: { name: 'Sam Rivera', business: 'Rivera Plumbing' },
      doNotCall: [
        { number: '+44 20 7946 0555', reason: 'Asked not to be called again', minutesAgo: 60 * 24 * 3, source: 'call' },
        { number: '+1 415 555 0100', minutesAgo: 60 * 24 * 40, source: 'import' },
      ],
      dialogs: { open: '/home/you/dnc.csv' },
      doNotCallFiles: {
        '/home/you/dnc.csv': [
          { input: '+44 20 7946 0011', reason: 'complained' },
          { input: '+442079460011' },
          { input: '020 7946 09' },
          { input: '<img src=x onerror=alert(document.domain)>' },
        ],
      },
      scheduled: [
        { number: '+44 20 7946 0321', task: 'Book a table for 2 on Saturday at 8pm', inMinutes: -180 },
        { number: '+1 415 555 0142', task: 'Reschedule my dentist appointment to next week', inMinutes: 60 * 20 },
        { number: '020 7946 0958', task: 'Ask whether the parcel can be left with a neighbour', inMinutes: 60 * 50, demo: true },
      ],
    });
    const nav = page.getByRole('navigation');
    await expect(page.getByTestId('overdue-banner')).toBeVisible();
    await shot('30-overdue-banner');

    await typeNumber(page, '020 7946 0958');
    await page.getByLabel('What should the agent do?').fill('Book a table for 4 at 7pm tonight, under the name Sam.');
    await page.getByRole('button', { name: 'Review call' }).click();
    await expect(page.getByTestId('confirm-identity')).toBeVisible();
    await shot('31-confirm-identity');
    await page.getByRole('dialog').getByRole('button', { name: 'Schedule…' }).click();
    await page.getByLabel('Place the call on').fill('2030-05-14T10:30');
    await shot('32-confirm-schedule');
    await page.keyboard.press('Escape');

    await nav.getByRole('button', { name: 'Scheduled' }).click();
    await expect(page.getByTestId('overdue-item')).toHaveCount(1);
    await shot('33-scheduled');

    await nav.getByRole('button', { name: 'Settings' }).click();
    await expect(page.getByTestId('identity-sentence')).toBeVisible();
    await page.getByTestId('caller-identity').scrollIntoViewIfNeeded();
    await shot('34-settings-identity');
    await page.getByRole('button', { name: 'Import CSV…' }).click();
    await expect(page.getByTestId('dnc-skipped-row')).toHaveCount(3);
    await page.getByTestId('do-not-call').scrollIntoViewIfNeeded();
    await shot('35-settings-dnc');
    await page.getByTestId('dnc-entry').first().getByRole('button', { name: /^Remove/ }).click();
    await shot('36-dnc-remove-confirm');
    await page.getByRole('button', { name: 'Keep it listed' }).click();

    await nav.getByRole('button', { name: 'History' }).click();
    await page.getByTestId('history-row').first().locator('.row-main').click();
    await page.getByRole('button', { name: "Don't call this number again" }).click();
    await page.getByRole('dialog').getByLabel('Reason (optional)').fill('Said they were not interested');
    await shot('37-detail-dnc-ask');
    await page.getByRole('dialog').getByRole('button', { name: "Don't call again" }).click();
    await expect(page.getByTestId('detail-listed')).toBeVisible();
    await shot('38-detail-listed');

    await page.setViewportSize({ width: 640, height: 800 });
    await nav.getByRole('button', { name: 'Scheduled' }).click();
    await expect(page.getByTestId('overdue-item')).toHaveCount(1);
    await shot('39-narrow-scheduled');
    await nav.getByRole('button', { name: 'Settings' }).click();
    await page.getByTestId('do-not-call').scrollIntoViewIfNeeded();
    await expect(page.getByTestId('dnc-entry').first()).toBeVisible();
    await shot('40-narrow-dnc');
  });
}
