// Not a test: `SCREENSHOTS=/tmp/shots npx playwright test screenshots` saves each main screen in
// both themes for a human to look at. Skipped otherwise.
import { test, type Page } from '@playwright/test';
import { expect, openApp, typeNumber } from './helpers';
import { coreErrors, fill, sampleCalls } from './fixtures';

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
