// Not a test: `SCREENSHOTS=/tmp/shots npx playwright test screenshots` saves each main screen in
// both themes for a human to look at. Skipped otherwise.
import { test } from '@playwright/test';
import { openApp, typeNumber } from './helpers';
import { coreErrors, fill, sampleCalls } from './fixtures';

const dir = process.env.SCREENSHOTS;
test.skip(!dir, 'set SCREENSHOTS=<dir> to take screenshots');

for (const scheme of ['light', 'dark'] as const) {
  test(`screens (${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    const shot = (name: string) => page.screenshot({ path: `${dir}/${scheme}-${name}.png` });

    await openApp(page, { firstRun: true });
    await shot('1-first-run');
    await page.getByRole('button', { name: /Enter your API key/ }).click();
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
    await page.waitForTimeout(300);
    await shot('2-new-call');
    await page.getByRole('combobox', { name: 'Country' }).click();
    await page.getByRole('combobox', { name: 'Country' }).pressSequentially('uni');
    await shot('2b-country');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Review call' }).click();
    await shot('3-confirm');
    await page.getByRole('button', { name: 'Place call' }).click();
    await shot('4-sent');
    await page.getByRole('button', { name: 'History' }).click();
    await page.waitForTimeout(200);
    await shot('5-history');
    await page.getByTestId('history-row').filter({ hasText: 'parcel' }).locator('.row-main').click();
    await page.waitForTimeout(200);
    await shot('5b-not-followed');
    await page.getByRole('button', { name: 'History' }).first().click();
    await page.getByTestId('history-row').filter({ hasText: 'Pizzeria' }).locator('.row-main').click();
    await page.waitForTimeout(200);
    await shot('6-detail');
    await page.getByRole('button', { name: 'History' }).first().click();
    await page.getByRole('button', { name: /Check what happened/ }).first().click();
    await page.waitForTimeout(200);
    await shot('7-unknown');
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.waitForTimeout(200);
    await shot('8-settings');
    await page.getByRole('button', { name: 'New call' }).click();
    await typeNumber(page, '12345678');
    await page.getByLabel('Phone number').blur();
    await page.waitForTimeout(300);
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
    await shot('9e-key-rejected');
    await page.setViewportSize({ width: 640, height: 800 });
    await page.getByRole('button', { name: 'History' }).click();
    await page.getByTestId('history-row').filter({ hasText: 'Pizzeria' }).locator('.row-main').click();
    await page.waitForTimeout(200);
    await shot('10-narrow-detail');
    await page.getByRole('button', { name: 'New call' }).click();
    await shot('11-narrow-new');
  });
}
