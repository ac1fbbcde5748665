// Backups, restores, contact imports and tags everywhere, against the mock backend
// (tests/mock-backend.ts): the system's file dialogs answer what `dialogs` (or
// `__mock.setDialog`) says, a closed dialog included; backups are kept in its memory, so a
// restore merges what a backup really held; daily backups are dated on the backend's clock.
import { test, type Page } from '@playwright/test';
import { expect, invocations, openApp } from './helpers';
import { coreBackup, corePhone, coreReview, fill, sampleCalls } from './fixtures';
import type { MockConfig } from './mock-backend';

const BACKUP = coreBackup();
const REVIEW = coreReview();

const pad = (n: number) => String(n).padStart(2, '0');
/** A local day `YYYY-MM-DD`, `daysAgo` days before today (the specs below use the real clock). */
function day(daysAgo: number): string {
  const d = new Date();
  d.setDate(d.getDate() - daysAgo);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

async function openSettings(page: Page, config: MockConfig) {
  await openApp(page, { hasKey: true, ...config });
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Backups', exact: true })).toBeVisible();
}

const nav = (page: Page) => page.getByRole('navigation');
const result = (page: Page) => page.getByTestId('backup-result');

/** A backup made a month ago: a call the history lacks, the history's dentist call further
 *  along (tsk_1004 is the fourth sample call's task id), and a name for a number. */
const FEBRUARY: MockConfig['backupFiles'] = {
  '/home/you/Backups/february.sqlite': {
    minutesAgo: 60 * 24 * 30,
    contacts: [{ number: '+44 20 7946 0321', name: 'Pizzeria Roma' }],
    calls: [
      {
        number: '+44 20 7946 0011',
        task: 'Ask whether the bakery takes orders for Sunday',
        status: 'completed',
        summary: 'Yes, until Friday noon.',
        outcome: 'followUp',
        followUp: '2020-01-06',
        minutesAgo: 60 * 24 * 40,
      },
      { number: '+44 20 7946 0321', task: 'Book a table for 2 on Saturday', status: 'completed', tags: ['Restaurants'], minutesAgo: 60 * 24 * 35 },
      {
        number: '+1 415 555 0142',
        task: 'Reschedule my dentist appointment to next week',
        status: 'completed',
        taskId: 'tsk_1004',
        summary: 'Moved to Tuesday at 9:30.',
      },
    ],
  },
};

test('back up: where the file went, how many calls and its size; a closed dialog changes nothing', async ({ page }) => {
  await openSettings(page, { calls: sampleCalls() });
  await page.getByRole('button', { name: 'Back up history…' }).click();
  const today = day(0);
  await expect(result(page)).toHaveText(
    new RegExp(`^Backed up 4 calls \\(\\d+(\\.\\d)? kB\\) to /home/you/Documents/missioncall-backup-${today}\\.sqlite$`),
  );
  // The name is the shell's.
  expect(BACKUP.backupFileName).toContain('{date}');
  expect(await invocations(page, 'backup_history')).toEqual([{}]);

  // The save dialog closed: the backend answers null, and what was said stays.
  await page.evaluate(() => window.__mock.setDialog('save', null));
  await page.getByRole('button', { name: 'Back up history…' }).click();
  await expect.poll(() => invocations(page, 'backup_history')).toHaveLength(2);
  await expect(page.getByRole('button', { name: 'Back up history…' })).toBeEnabled();
  await expect(result(page)).toContainText('Backed up 4 calls');
  await expect(page.locator('[data-error-kind]')).toHaveCount(0);
});

test('restore: asked first, merged, what came in said in words, and the app shows it at once', async ({ page }) => {
  await openSettings(page, {
    calls: sampleCalls(),
    backupFiles: FEBRUARY,
    dialogs: { open: '/home/you/Backups/february.sqlite' },
  });
  await expect(nav(page).getByTestId('due-count')).toHaveCount(0);

  // Asked first; "Cancel" sends nothing.
  await page.getByRole('button', { name: 'Restore from a backup…' }).click();
  const ask = page.getByRole('dialog', { name: 'Restore from a backup file?' });
  await expect(ask).toContainText('nothing is lost or doubled');
  await expect(ask.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await expect(ask).toBeHidden();
  expect(await invocations(page, 'restore_history')).toHaveLength(0);

  await page.getByRole('button', { name: 'Restore from a backup…' }).click();
  await ask.getByRole('button', { name: 'Choose backup…' }).click();
  await expect(page.getByTestId('restore-summary')).toHaveText(
    'Added 2 calls and 1 contact; 1 call updated; nothing else changed.',
  );
  // The navigation's count of follow-ups due was asked again: the bakery call's is overdue.
  await expect(nav(page).getByTestId('due-count')).toHaveText('1 due');
  // The calls added, each opens.
  const added = page.getByTestId('added-calls').locator('li');
  await expect(added).toHaveCount(2);
  await expect(added.nth(1)).toContainText('Pizzeria Roma');
  await expect(added.nth(1)).toContainText('Book a table for 2 on Saturday');
  await added.first().getByRole('button').click();
  await expect(page.getByTestId('detail-task')).toHaveText('Ask whether the bakery takes orders for Sunday');

  // History has them where their dates put them, the names and the newer status.
  await nav(page).getByRole('button', { name: 'History' }).click();
  await expect(page.getByTestId('history-count')).toHaveText('6 calls');
  await expect(page.getByTestId('row-name').filter({ hasText: 'Pizzeria Roma' })).toHaveCount(2);
  const dentist = page.getByTestId('history-row').filter({ hasText: 'dentist' });
  await expect(dentist).toContainText('Done');
  await expect(page.getByTestId('history-row').last()).toContainText('bakery');
  await page.getByLabel('Tag', { exact: true }).selectOption({ label: 'Restaurants (1)' });
  await expect(page.getByTestId('history-count')).toHaveText('1 call');
});

test('restoring the same backup twice adds nothing the second time, and says so', async ({ page }) => {
  await openSettings(page, {
    calls: sampleCalls(),
    backupFiles: FEBRUARY,
    dialogs: { open: '/home/you/Backups/february.sqlite' },
  });
  const restore = async () => {
    await page.getByRole('button', { name: 'Restore from a backup…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Choose backup…' }).click();
  };
  await restore();
  await expect(page.getByTestId('restore-summary')).toContainText('Added 2 calls');
  await restore();
  await expect.poll(() => invocations(page, 'restore_history')).toHaveLength(2);
  await expect(page.getByTestId('restore-summary')).toHaveText(
    'Nothing new: your history already had everything in this backup. All 3 calls in it were already here. Nothing was changed.',
  );
  await expect(page.getByTestId('added-calls')).toHaveCount(0);
  expect(await page.evaluate(() => window.__mock.callCount())).toBe(6);

  // A backup made now, restored at once: nothing new either.
  await page.getByRole('button', { name: 'Back up history…' }).click();
  await expect(result(page)).toContainText('Backed up 6 calls');
  const path = await page.getByTestId('backup-path').textContent();
  await page.evaluate((p) => window.__mock.setDialog('open', p), path);
  await restore();
  await expect(page.getByTestId('restore-summary')).toContainText('All 6 calls in it were already here.');

  // A file that is not a backup: refused in the backend's words, nothing restored.
  await page.evaluate(() => window.__mock.setDialog('open', '/home/you/contacts.vcf'));
  await restore();
  const refused = page.locator(`[data-error-kind=${BACKUP.errors.notAHistory.kind}]`);
  await expect(refused).toContainText('Nothing was restored.');
  await expect(refused).toContainText(fill(BACKUP.errors.notAHistory, { path: '/home/you/contacts.vcf' }).message);
  await expect(page.getByTestId('restore-summary')).toHaveCount(0);
  expect(await page.evaluate(() => window.__mock.callCount())).toBe(6);
});

test('daily backups: the last 7 days, newest first, in words, with sizes; one restored after asking', async ({ page }) => {
  const week = Array.from({ length: 9 }, (_, n) => ({
    daysAgo: n,
    calls: [{ number: '+44 20 7946 0011', task: `Ask about the order of day ${n}`, status: 'completed', taskId: `tsk_day_${n}` }],
  }));
  await openSettings(page, { calls: sampleCalls(), dailyBackups: week });
  const rows = page.getByTestId('daily-backup');
  await expect(rows).toHaveCount(BACKUP.keepDaily);
  await expect(rows.nth(0)).toContainText('Today');
  await expect(rows.nth(1)).toContainText('Yesterday');
  const [y, m, d] = day(2).split('-').map(Number);
  const long = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  await expect(rows.nth(2)).toContainText(long.format(new Date(y, m - 1, d)));
  await expect(rows.nth(0)).toContainText(/\d+ kB/);

  await rows.nth(1).getByRole('button', { name: "Restore yesterday's backup" }).click();
  const ask = page.getByRole('dialog', { name: "Restore yesterday's backup?" });
  await expect(ask).toContainText("Yesterday's backup");
  await expect(ask).toContainText('will be merged into the history you have now');
  await expect(ask.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await ask.getByRole('button', { name: 'Restore', exact: true }).click();
  await expect(page.getByTestId('restore-summary')).toHaveText('Added 1 call; nothing else changed.');
  expect(await invocations(page, 'restore_daily_backup')).toEqual([{ date: day(1) }]);
  await expect(page.getByTestId('added-calls')).toContainText('Ask about the order of day 1');
});

test('closed dialogs: nothing is backed up, restored or imported, and nothing is said', async ({ page }) => {
  await openSettings(page, { calls: sampleCalls(), dialogs: { save: null, open: null } });
  await page.getByRole('button', { name: 'Back up history…' }).click();
  await expect.poll(() => invocations(page, 'backup_history')).toHaveLength(1);
  await page.getByRole('button', { name: 'Restore from a backup…' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Choose backup…' }).click();
  await expect.poll(() => invocations(page, 'restore_history')).toHaveLength(1);
  await expect(page.getByRole('button', { name: 'Restore from a backup…' })).toBeEnabled();
  await expect(result(page)).toHaveText('');
  await expect(page.locator('[data-error-kind]')).toHaveCount(0);
  expect(await page.evaluate(() => window.__mock.callCount())).toBe(4);

  await nav(page).getByRole('button', { name: 'Contacts' }).click();
  await page.getByRole('button', { name: 'Import from a file…' }).click();
  await expect.poll(() => invocations(page, 'import_contacts')).toHaveLength(1);
  await expect(page.getByRole('button', { name: 'Import from a file…' })).toBeEnabled();
  await expect(page.getByTestId('import-result')).toHaveText('');
  await expect(page.getByText('No contacts yet.')).toBeVisible();
});

const HOSTILE = '<img src=x onerror=alert(1)>';

test('contact import: the counts, and each skipped entry with its reason, as text', async ({ page }) => {
  const alerts: string[] = [];
  page.on('dialog', (d) => {
    alerts.push(d.message());
    void d.dismiss();
  });
  await openApp(page, {
    hasKey: true,
    calls: sampleCalls(),
    contacts: [
      { number: '+44 20 7946 0321', name: 'Pizzeria' },
      { number: '+44 7400 123456', name: 'Courier' },
    ],
    contactFiles: {
      '/home/you/contacts.vcf': [
        { name: "Luigi's Trattoria", number: '+44 20 7946 0321' },
        { name: 'Dr Patel', number: '+1 415 555 0142' },
        { name: 'Boulangerie', number: '+33 1 23 45 67 89' },
        { name: HOSTILE, number: '12345678', at: 4 },
        { name: '', number: '020 7946 0958', at: 5 },
        { name: 'Dr Patel (mobile)', number: '+14155550142', at: 5 },
        { name: 'Courier', number: '+44 7400 123456', at: 6 },
      ],
      '/home/you/photo.jpg': 'notText',
    },
    dialogs: { open: '/home/you/contacts.vcf' },
  });
  await nav(page).getByRole('button', { name: 'Contacts' }).click();
  await expect(page.getByTestId('contact-row')).toHaveCount(2);
  await expect(page.getByText('Numbers without a country code are read as numbers in United Kingdom (+44).')).toBeVisible();
  await page.getByRole('button', { name: 'Import from a file…' }).click();
  await expect(page.getByTestId('import-summary')).toHaveText(
    'Added 2 contacts and renamed 1; 1 already had that name; 3 entries skipped.',
  );
  // Numbers without a country code are read in the default country.
  expect(await invocations(page, 'import_contacts')).toEqual([{ region: 'GB' }]);

  const skipped = page.getByTestId('skipped-entry');
  await expect(skipped).toHaveCount(3);
  await expect(skipped.nth(0)).toContainText('Entry 4');
  await expect(skipped.nth(0)).toContainText(HOSTILE);
  await expect(skipped.nth(0)).toContainText(corePhone().checks.GB['12345678'].reason!);
  await expect(skipped.nth(1)).toContainText(fill(REVIEW.errors.contactNameEmpty).message);
  await expect(skipped.nth(1)).toContainText('020 7946 0958');
  await expect(skipped.nth(2)).toContainText('Dr Patel (mobile)');
  await expect(skipped.nth(2)).toContainText(BACKUP.importProblems.duplicateInFile);

  // The list shows the names kept.
  await expect(page.getByTestId('contact-row')).toHaveCount(4);
  await expect(page.getByTestId('contact-row').filter({ hasText: "Luigi's Trattoria" })).toContainText('+44 20 7946 0321');
  // And the calls carry them.
  await nav(page).getByRole('button', { name: 'History' }).click();
  await expect(page.getByTestId('history-row').filter({ hasText: 'dentist' }).getByTestId('row-name')).toHaveText('Dr Patel');

  // A file that is not text: refused in the backend's words.
  await page.evaluate(() => window.__mock.setDialog('open', '/home/you/photo.jpg'));
  await nav(page).getByRole('button', { name: 'Contacts' }).click();
  await page.getByRole('button', { name: 'Import from a file…' }).click();
  const refused = page.locator('[data-error-kind=invalidInput]');
  await expect(refused).toContainText('Nothing was imported.');
  await expect(refused).toContainText(BACKUP.errors.importNotText.message);

  // Had the hostile name become markup, its handler would have run by the time a witness's has.
  await page.evaluate(() => {
    const w = document.createElement('div');
    w.innerHTML = '<img src="x" onerror="window.__witness=1">';
    document.body.append(w);
  });
  await page.waitForFunction(() => (window as any).__witness === 1);
  expect(alerts).toEqual([]);
  expect(await page.evaluate(() => document.querySelectorAll('#app img').length)).toBe(0);
});

test('a contact page asks before removing the contact', async ({ page }) => {
  await openApp(page, { hasKey: true, calls: sampleCalls(), contacts: [{ number: '+44 20 7946 0321', name: 'Pizzeria Roma' }] });
  await nav(page).getByRole('button', { name: 'Contacts' }).click();
  await page.getByRole('button', { name: 'Pizzeria Roma', exact: true }).click();
  await expect(page.getByTestId('contact-name')).toHaveText('Pizzeria Roma');
  await page.getByRole('button', { name: 'Remove contact' }).click();
  const ask = page.getByRole('dialog', { name: 'Remove this contact?' });
  await expect(ask).toContainText('Its calls stay in your history.');
  await ask.getByRole('button', { name: 'Keep it' }).click();
  await expect(ask).toBeHidden();
  expect(await invocations(page, 'remove_contact')).toHaveLength(0);
  await expect(page.getByTestId('contact-name')).toHaveText('Pizzeria Roma');

  await page.getByRole('button', { name: 'Remove contact' }).click();
  await ask.getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(page.getByText('No contacts yet.')).toBeVisible();
  expect(await invocations(page, 'remove_contact')).toEqual([{ number: '+442079460321' }]);
});

test('tags: renamed everywhere, a rename into another tag merges after saying so, a delete asks with its count', async ({ page }) => {
  await openApp(page, {
    hasKey: true,
    calls: [
      { number: '+44 20 7946 0321', task: 'Book a table for 4', status: 'completed', tags: ['VIP', 'food'], minutesAgo: 40 },
      { number: '+44 20 7946 0011', task: 'Ask about opening hours', status: 'completed', tags: ['VIP'], minutesAgo: 30 },
      { number: '+1 415 555 0142', task: 'Move the dentist appointment', status: 'completed', tags: ['Regulars'], minutesAgo: 20 },
      { number: '+44 7400 123456', task: 'Ask if the parcel shipped', status: 'completed', minutesAgo: 10 },
    ],
  });
  await nav(page).getByRole('button', { name: 'History' }).click();
  await page.getByLabel('Tag', { exact: true }).selectOption({ label: 'VIP (2)' });
  await expect(page.getByTestId('history-count')).toHaveText('2 calls');

  await page.getByRole('button', { name: 'Edit tags' }).click();
  const dialog = page.getByRole('dialog', { name: 'Tags' });
  const rows = dialog.getByTestId('tag-row');
  await expect(rows).toHaveText([/food\s*1 call/, /Regulars\s*1 call/, /VIP\s*2 calls/]);

  // A plain rename.
  await dialog.getByRole('button', { name: 'Rename tag food' }).click();
  await dialog.getByLabel(/New name for/).fill('Food & drink');
  await expect(dialog.getByTestId('merge-hint')).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByTestId('tags-result')).toHaveText('Renamed “food” to “Food & drink” on 1 call.');

  // Into a name in use, in another case: it says the two become one, then merges.
  await dialog.getByRole('button', { name: 'Rename tag Regulars' }).click();
  await dialog.getByLabel(/New name for/).fill('vip');
  await expect(dialog.getByTestId('merge-hint')).toContainText('“VIP” is already a tag (2 calls). The two become one');
  await dialog.getByRole('button', { name: 'Merge' }).click();
  await expect(dialog.getByTestId('tags-result')).toHaveText('Merged “Regulars” into “VIP”: 1 call changed.');
  await expect(rows).toHaveText([/Food & drink\s*1 call/, /VIP\s*3 calls/]);
  expect(await invocations(page, 'rename_tag')).toEqual([
    { from: 'food', to: 'Food & drink' },
    { from: 'Regulars', to: 'vip' },
  ]);
  await dialog.getByRole('button', { name: 'Close' }).click();
  // The list filtered by VIP read again: the merged call is in it.
  await expect(page.getByTestId('history-count')).toHaveText('3 calls');
  await expect(page.getByTestId('history-row').filter({ hasText: 'dentist' }).getByTestId('row-tags')).toHaveText(/VIP/);

  // A delete asks first, with how many calls carry the tag.
  await page.getByRole('button', { name: 'Edit tags' }).click();
  await dialog.getByRole('button', { name: 'Delete tag VIP' }).click();
  await expect(dialog.getByRole('group')).toContainText('Delete the tag “VIP” from 3 calls? The calls stay; only the tag goes.');
  await dialog.getByRole('button', { name: 'Keep it' }).click();
  expect(await invocations(page, 'delete_tag')).toHaveLength(0);
  await dialog.getByRole('button', { name: 'Delete tag VIP' }).click();
  await dialog.getByRole('button', { name: 'Delete tag', exact: true }).click();
  await expect(dialog.getByTestId('tags-result')).toHaveText('Deleted the tag “VIP” from 3 calls.');
  await expect(rows).toHaveText([/Food & drink\s*1 call/]);
  expect(await invocations(page, 'delete_tag')).toEqual([{ tag: 'VIP' }]);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  // The filter by the deleted tag went with it.
  await expect(page.getByTestId('filter-chip')).toHaveCount(0);
  await expect(page.getByTestId('history-count')).toHaveText('4 calls');
  await expect(page.getByTestId('row-tags')).toHaveText([/Food & drink/]);
});
