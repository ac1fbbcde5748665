import { test } from '@playwright/test';
import { expect, invocations, openApp, typeNumber } from './helpers';
import { sampleCalls } from './fixtures';

test('first run: try the simulator shows the demo banner', async ({ page }) => {
  await openApp(page, { firstRun: true });
  await expect(page.getByRole('heading', { name: 'Welcome to MissionCall' })).toBeVisible();
  await expect(page.getByRole('button', { name: /Enter your API key/ })).toBeVisible();
  await expect(page.getByTestId('demo-banner')).toHaveCount(0);

  await page.getByRole('button', { name: /Try it with the simulator/ }).click();

  const banner = page.getByTestId('demo-banner');
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('Demo mode — calls go to a simulator. Nobody is called.');
  await expect(banner.getByRole('button', { name: /real API key/ })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'New call' })).toBeVisible();
  expect(await invocations(page, 'start_demo')).toHaveLength(1);

  // The banner's link leads to the key form.
  await banner.getByRole('button', { name: /real API key/ }).click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await expect(page.locator('#api-key')).toBeFocused();
});

test('first run: entering a key leads to the call form', async ({ page }) => {
  await openApp(page, { firstRun: true });
  await page.getByRole('button', { name: /Enter your API key/ }).click();
  await page.locator('#api-key').fill('sk_test_abcdef123456');
  await page.getByRole('button', { name: 'Save key' }).click();
  await expect(page.getByRole('heading', { name: 'New call' })).toBeVisible();
  await expect(page.getByTestId('demo-banner')).toHaveCount(0);
});

test('place a call through the form', async ({ page }) => {
  await openApp(page, { hasKey: true });
  await expect(page.getByLabel('Country')).toHaveValue('United Kingdom (+44)');

  await typeNumber(page, '020 7946 0958');
  const status = page.getByTestId('phone-status');
  await expect(status).toContainText('+44 20 7946 0958');
  await expect(status).toContainText('Landline');

  const task = 'Book a table for 4 at 7pm tonight, under the name Sam.';
  await page.getByLabel('What should the agent do?').fill(task);
  await expect(page.getByText(`${task.length} / 4,000`)).toBeVisible();
  await page.getByRole('button', { name: 'Review call' }).click();

  const dialog = page.getByRole('dialog', { name: 'Ready to place this call?' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('confirm-e164')).toHaveText('+442079460958');
  await expect(dialog.getByTestId('confirm-international')).toHaveText('+44 20 7946 0958');
  await expect(dialog.getByTestId('confirm-country')).toContainText('United Kingdom (+44)');
  await expect(dialog.getByTestId('confirm-task')).toHaveText(task);
  expect(await invocations(page, 'place_call')).toHaveLength(0);

  await dialog.getByRole('button', { name: 'Place call' }).click();
  await expect(page.getByTestId('sent-panel')).toBeVisible();
  await expect(page.getByTestId('sent-panel')).toContainText('+44 20 7946 0958');
  await expect(page.getByRole('button', { name: 'Cancel call' })).toBeVisible();

  const placed = await invocations(page, 'place_call');
  expect(placed).toEqual([{ args: { number: '+442079460958', region: 'GB', task, force: false } }]);

  await page.getByRole('button', { name: 'Follow the call' }).click();
  await expect(page.getByRole('heading', { name: '+44 20 7946 0958' })).toBeVisible();
  await expect(page.getByTestId('detail-task')).toHaveText(task);

  await page.getByRole('navigation').getByRole('button', { name: 'History' }).click();
  const row = page.getByTestId('history-row').first();
  await expect(row).toContainText('+44 20 7946 0958');
  await expect(row).toContainText('Waiting for an agent');
  expect(await invocations(page, 'place_call')).toHaveLength(1);
});

test('keyboard: Escape closes the confirmation, Enter places the call', async ({ page }) => {
  await openApp(page, { hasKey: true });
  await typeNumber(page, '+1 415 555 0142');
  await expect(page.getByLabel('Country')).toHaveValue('United States (+1)');
  await page.getByLabel('What should the agent do?').fill('Ask about opening hours on Sunday');
  await page.getByRole('button', { name: 'Review call' }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  expect(await invocations(page, 'place_call')).toHaveLength(0);

  await page.getByRole('button', { name: 'Review call' }).click();
  await expect(dialog.getByRole('button', { name: 'Place call' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('sent-panel')).toBeVisible();
  const placed = await invocations(page, 'place_call');
  expect(placed).toHaveLength(1);
  expect(placed[0].args.number).toBe('+14155550142');
  expect(placed[0].args.region).toBe('US');
});

test('invalid numbers are blocked with a plain-language message', async ({ page }) => {
  await openApp(page, { hasKey: true });
  await page.getByLabel('What should the agent do?').fill('Ask if my order #1234 has shipped');

  // While the first digits are typed, nothing shouts.
  await typeNumber(page, '0207');
  await page.waitForTimeout(300);
  const status = page.getByTestId('phone-status');
  await expect(status).not.toContainText('too short');
  await expect(page.getByLabel('Phone number')).not.toHaveAttribute('aria-invalid', 'true');

  await page.getByRole('button', { name: 'Review call' }).click();
  await expect(status).toContainText('That number is too short for United Kingdom.');
  await expect(page.getByLabel('Phone number')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Phone number')).toBeFocused();
  await expect(page.getByRole('dialog')).toBeHidden();

  await typeNumber(page, '020 7946 call me');
  await page.getByRole('button', { name: 'Review call' }).click();
  await expect(status).toContainText('can only contain digits');
  await expect(page.getByRole('dialog')).toBeHidden();

  await typeNumber(page, '+1 015 555 0100');
  await page.getByLabel('Phone number').blur();
  await expect(status).toContainText('not a valid area code');
  await page.getByRole('button', { name: 'Review call' }).click();
  await expect(page.getByRole('dialog')).toBeHidden();

  await page.getByLabel('Phone number').fill('');
  await page.getByRole('button', { name: 'Review call' }).click();
  await expect(status).toContainText('Enter the phone number to call.');

  expect(await invocations(page, 'place_call')).toHaveLength(0);
  expect((await invocations(page, 'validate_phone')).length).toBeGreaterThan(0);
});

test('an empty task is blocked', async ({ page }) => {
  await openApp(page, { hasKey: true });
  await typeNumber(page, '020 7946 0958');
  await page.getByRole('button', { name: 'Review call' }).click();
  await expect(page.getByText('Tell the agent what to do on the call.')).toBeVisible();
  await expect(page.getByLabel('What should the agent do?')).toBeFocused();
  // An example fills the task.
  await page.getByRole('button', { name: 'Ask about opening hours on Sunday' }).click();
  await expect(page.getByLabel('What should the agent do?')).toHaveValue('Ask about opening hours on Sunday');
  expect(await invocations(page, 'place_call')).toHaveLength(0);
});

test('duplicate: "Call anyway" retries with force', async ({ page }) => {
  await openApp(page, {
    hasKey: true,
    calls: [{ number: '+442079460958', task: 'Ask about opening hours on Sunday', status: 'completed', minutesAgo: 3 }],
  });
  await typeNumber(page, '020 7946 0958');
  await page.getByRole('button', { name: 'Ask about opening hours on Sunday' }).click();
  await page.getByRole('button', { name: 'Review call' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Place call' }).click();

  const dup = dialog.getByTestId('duplicate');
  await expect(dup).toBeVisible();
  await expect(dup).toContainText('You already asked for this same call');
  await expect(dup).toContainText('You asked for the same call to +44 20 7946 0958 a few minutes ago.');
  expect(await invocations(page, 'place_call')).toHaveLength(1);

  await dialog.getByRole('button', { name: 'Call anyway' }).click();
  await expect(page.getByTestId('sent-panel')).toBeVisible();
  const placed = await invocations(page, 'place_call');
  expect(placed.map((p) => p.args.force)).toEqual([false, true]);
  expect(placed[1].args).toEqual({ ...placed[0].args, force: true });
});

test('unknown outcome after sending: the detail explains, checks and dismisses', async ({ page }) => {
  await openApp(page, { hasKey: true, calls: sampleCalls() });
  await page.evaluate(() =>
    window.__mock.failNext('place_call', { kind: 'unknownOutcome', message: 'No answer from WorkAPI.ai.' }),
  );
  await typeNumber(page, '+44 7700 900123');
  await page.getByLabel('What should the agent do?').fill('Ask if my order #1234 has shipped');
  await page.getByRole('button', { name: 'Review call' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Place call' }).click();

  const panel = page.getByTestId('unknown-outcome');
  await expect(panel).toBeVisible();
  await expect(panel).toContainText(
    "We sent the request but never got an answer, so we can't tell whether the call was placed. We will not call again by ourselves.",
  );
  await panel.getByLabel(/task id/).fill('nope');
  await panel.getByRole('button', { name: 'Check' }).click();
  await expect(page.getByText('No task with that id was found')).toBeVisible();
  expect(await invocations(page, 'check_unknown_outcome')).toEqual([{ id: 2, taskId: 'nope' }]);

  await panel.getByRole('button', { name: 'No call was made' }).click();
  const confirm = page.getByRole('dialog', { name: /no call was made/ });
  await expect(confirm).toBeVisible();
  await confirm.getByRole('button', { name: 'Keep it' }).click();
  expect(await invocations(page, 'dismiss_unknown_outcome')).toHaveLength(0);

  await panel.getByRole('button', { name: 'No call was made' }).click();
  await confirm.getByRole('button', { name: 'Yes, no call was made' }).click();
  await expect(page.getByTestId('detail-status')).toContainText('Not placed');
  await expect(panel).toBeHidden();
  expect(await invocations(page, 'dismiss_unknown_outcome')).toEqual([{ id: 2 }]);
  // Nothing was ever re-placed by itself.
  expect(await invocations(page, 'place_call')).toHaveLength(1);
});

test('call again prefills the form', async ({ page }) => {
  await openApp(page, { hasKey: true, calls: sampleCalls() });
  await page.getByRole('navigation').getByRole('button', { name: 'History' }).click();
  await page.getByTestId('history-row').filter({ hasText: 'Done' }).getByRole('button').first().click();
  await page.getByRole('button', { name: 'Call again' }).click();
  await expect(page.getByRole('heading', { name: 'New call' })).toBeVisible();
  await expect(page.getByLabel('Phone number')).toHaveValue('+442079460321');
  await expect(page.getByLabel('What should the agent do?')).toHaveValue(/Pizzeria Roma/);
  await expect(page.getByTestId('phone-status')).toContainText('+44 20 7946 0321');
  expect(await invocations(page, 'place_call')).toHaveLength(0);
});

test('country picker: search by name or calling code, pick with the keyboard', async ({ page }) => {
  await openApp(page, { hasKey: true });
  const country = page.getByRole('combobox', { name: 'Country' });
  await country.click();
  await expect(page.getByRole('listbox')).toBeVisible();
  await country.pressSequentially('fra');
  await expect(page.getByRole('option')).toHaveText([/France/]);
  await country.press('Enter');
  await expect(page.getByRole('listbox')).toBeHidden();
  await expect(country).toHaveValue('France (+33)');

  await typeNumber(page, '01 23 45 67 89');
  await expect(page.getByTestId('phone-status')).toContainText('+33 1 23 45 67 89');
  expect((await invocations(page, 'validate_phone')).at(-1)).toEqual({ input: '01 23 45 67 89', region: 'FR' });

  // By calling code, then Escape leaves the choice as it was.
  await country.focus();
  await country.press('ArrowDown');
  await country.pressSequentially('+49');
  await expect(page.getByRole('option')).toHaveText([/Germany/]);
  await country.press('Escape');
  await expect(country).toHaveValue('France (+33)');

  // Arrow keys and mouse.
  await country.press('ArrowDown');
  await country.pressSequentially('united');
  await country.press('ArrowDown');
  await country.press('Enter');
  await expect(country).toHaveValue('United States (+1)');
  expect((await invocations(page, 'validate_phone')).at(-1)).toMatchObject({ region: 'US' });
  await country.click();
  await page.getByRole('option', { name: /Ireland/ }).click();
  await expect(country).toHaveValue('Ireland (+353)');
});

test('unknown outcome: the error names the kept call, and its detail opens directly', async ({ page }) => {
  await openApp(page, { hasKey: true, calls: sampleCalls() });
  await page.evaluate(() =>
    window.__mock.failNext('place_call', { kind: 'unknownOutcome', message: 'No answer from WorkAPI.ai.', callId: 2 }),
  );
  await typeNumber(page, '+44 7700 900123');
  await page.getByLabel('What should the agent do?').fill('Ask if my order #1234 has shipped');
  await page.getByRole('button', { name: 'Review call' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Place call' }).click();
  await expect(page.getByTestId('unknown-outcome')).toBeVisible();
  expect(await invocations(page, 'get_task')).toContainEqual({ id: 2 });
  const lists = await invocations(page, 'list_history');
  expect(lists.filter((l) => l.args?.query?.status === 'unknown_outcome')).toHaveLength(0);
});
