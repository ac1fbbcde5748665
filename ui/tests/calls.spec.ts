import { test } from '@playwright/test';
import { expect, invocations, openApp, typeNumber } from './helpers';
import { coreErrors, fill, sampleCalls } from './fixtures';

const ERRORS = coreErrors();

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
  if (process.env.UI_SHOTS) await page.screenshot({ path: `${process.env.UI_SHOTS}/ui-confirm.png` });
  // Reviewing asks the backend to confirm; nothing is placed yet.
  expect(await invocations(page, 'confirm_call')).toEqual([
    { args: { number: '+442079460958', region: 'GB', task, force: false } },
  ]);
  expect(await invocations(page, 'place_call')).toHaveLength(0);

  await dialog.getByRole('button', { name: 'Place call' }).click();
  await expect(page.getByTestId('sent-panel')).toBeVisible();
  await expect(page.getByTestId('sent-panel')).toContainText('+44 20 7946 0958');
  await expect(page.getByRole('button', { name: 'Cancel call' })).toBeVisible();

  const placed = await invocations(page, 'place_call');
  expect(placed).toEqual([{ token: expect.stringMatching(/^tok_/), anyway: false }]);

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
  const confirmed = await invocations(page, 'confirm_call');
  expect(confirmed).toHaveLength(2);
  expect(confirmed[1].args).toMatchObject({ number: '+14155550142', region: 'US', force: false });
  expect(await invocations(page, 'place_call')).toHaveLength(1);
});

test('the confirmation shows what the backend will send, and places with its one-use token', async ({ page }) => {
  await openApp(page, { hasKey: true });
  await typeNumber(page, '020 7946 0958');
  await page.getByLabel('What should the agent do?').fill('Ask about opening hours on Sunday');
  // The backend's answer is what will be sent: the dialog shows it, not the form's copy.
  await page.evaluate(() =>
    window.__mock.patchNextConfirmation({
      e164: '+442079460999',
      international: '+44 20 7946 0999',
      task: 'Ask about opening hours on Sunday (as the backend will send it)',
    }),
  );
  await page.getByRole('button', { name: 'Review call' }).click();
  const dialog = page.getByRole('dialog', { name: 'Ready to place this call?' });
  await expect(dialog.getByTestId('confirm-e164')).toHaveText('+442079460999');
  await expect(dialog.getByTestId('confirm-international')).toHaveText('+44 20 7946 0999');
  await expect(dialog.getByTestId('confirm-task')).toHaveText(
    'Ask about opening hours on Sunday (as the backend will send it)',
  );
  // The number kind belongs to the number typed, not to this one: it is left out.
  await expect(dialog.getByTestId('confirm-country')).toHaveText('United Kingdom (+44)');

  await dialog.getByRole('button', { name: 'Place call' }).click();
  await expect(page.getByTestId('sent-panel')).toContainText('+44 20 7946 0999');
  await expect(page.getByTestId('sent-panel')).toContainText('(as the backend will send it)');
  const [placed] = await invocations(page, 'place_call');
  expect(placed.token).toMatch(/^tok_/);

  // The token worked once; a reused or unknown token is refused and nothing is placed.
  const refusals = await page.evaluate(async (used) => {
    const invoke = (window as any).__TAURI_INTERNALS__.invoke as (c: string, a: unknown) => Promise<unknown>;
    const out = [];
    for (const token of [used, 'tok_never_issued']) {
      try {
        await invoke('place_call', { token });
        out.push('placed');
      } catch (e: any) {
        out.push(e.kind);
      }
    }
    return out;
  }, placed.token);
  expect(refusals).toEqual(['notConfirmed', 'notConfirmed']);
  expect(await page.evaluate(() => window.__mock.lastCallId())).toBe(1);
});

test('an expired confirmation is said so, and the same call is confirmed again before placing', async ({ page }) => {
  await openApp(page, { hasKey: true });
  await typeNumber(page, '020 7946 0958');
  await page.getByLabel('What should the agent do?').fill('Ask about opening hours on Sunday');
  await page.getByRole('button', { name: 'Review call' }).click();
  const dialog = page.getByRole('dialog', { name: 'Ready to place this call?' });
  await page.evaluate((e) => window.__mock.failNext('place_call', e), fill(ERRORS.notConfirmed));
  await dialog.getByRole('button', { name: 'Place call' }).click();
  const notice = dialog.locator('[data-error-kind=notConfirmed]');
  await expect(notice).toContainText('The call was not confirmed.');
  await expect(notice).toContainText('its confirmation expired. Nothing was sent.');
  await expect(page.getByTestId('sent-panel')).toHaveCount(0);

  await dialog.getByRole('button', { name: 'Place call' }).click();
  await expect(page.getByTestId('sent-panel')).toBeVisible();
  const confirmed = await invocations(page, 'confirm_call');
  const placed = await invocations(page, 'place_call');
  expect(confirmed).toHaveLength(2);
  expect(placed).toHaveLength(2);
  expect(placed[1].token).not.toBe(placed[0].token);
});

test('invalid numbers are blocked with a plain-language message', async ({ page }) => {
  await openApp(page, { hasKey: true });
  await page.getByLabel('What should the agent do?').fill('Ask if my order #1234 has shipped');

  // While the first digits are typed, nothing shouts: the check of '0207' has come back (it
  // says too short), and the form still shows its hint. (The mock answers within the same
  // task; a frame later the page shows what it made of the answer.)
  await typeNumber(page, '0207');
  await expect.poll(() => invocations(page, 'validate_phone')).toContainEqual({ input: '0207', region: 'GB' });
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => done(null))));
  const status = page.getByTestId('phone-status');
  await expect(status).toHaveText("Type it as you'd dial it locally, or start with + and the country code.");
  await expect(page.getByLabel('Phone number')).not.toHaveAttribute('aria-invalid', 'true');

  await page.getByRole('button', { name: 'Review call' }).click();
  await expect(status).toContainText('This number is too short. Check that no digits are missing.');
  await expect(page.getByLabel('Phone number')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Phone number')).toBeFocused();
  await expect(page.getByRole('dialog')).toBeHidden();

  // Letters are read as on a keypad (vanity numbers): this one has too many digits.
  await typeNumber(page, '020 7946 call me');
  await page.getByRole('button', { name: 'Review call' }).click();
  await expect(status).toContainText('This number is too long. Check for extra digits, and type only one number.');
  await expect(page.getByRole('dialog')).toBeHidden();

  await typeNumber(page, '+1 015 555 0100');
  await page.getByLabel('Phone number').blur();
  await expect(status).toContainText('This is not a valid phone number in United States.');
  await page.getByRole('button', { name: 'Review call' }).click();
  await expect(page.getByRole('dialog')).toBeHidden();

  await page.getByLabel('Phone number').fill('');
  await page.getByRole('button', { name: 'Review call' }).click();
  await expect(status).toContainText('Enter the phone number to call.');

  expect(await invocations(page, 'confirm_call')).toHaveLength(0);
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

test('duplicate: "Call anyway" gets its own confirmation, then places with its token', async ({ page }) => {
  await openApp(page, {
    hasKey: true,
    calls: [{ number: '+442079460958', task: 'Ask about opening hours on Sunday', status: 'completed', minutesAgo: 3 }],
  });
  await typeNumber(page, '020 7946 0958');
  await page.getByRole('button', { name: 'Ask about opening hours on Sunday' }).click();
  await page.getByRole('button', { name: 'Review call' }).click();
  const dialog = page.getByRole('dialog');

  await expect(page.getByRole('dialog', { name: 'You already asked for this call' })).toBeVisible();
  const dup = dialog.getByTestId('duplicate');
  await expect(dup).toBeVisible();
  await expect(dup).toContainText(
    'You asked for this same call 3 minutes ago (call #1). Nothing was sent. To place it again anyway, confirm that you want a second call.',
  );
  await expect(dialog.getByRole('button', { name: 'Place call' })).toHaveCount(0);
  expect(await invocations(page, 'place_call')).toHaveLength(0);

  await dialog.getByRole('button', { name: 'Call anyway' }).click();
  // A confirmation of its own, from the backend, before anything is placed.
  await expect(dialog.getByTestId('confirm-e164')).toHaveText('+442079460958');
  await expect(dialog.getByTestId('confirm-task')).toHaveText('Ask about opening hours on Sunday');
  await expect(dialog.getByTestId('confirm-second')).toContainText('This is a second call');
  await expect(dialog.getByRole('button', { name: 'Place call' })).toBeFocused();
  expect(await invocations(page, 'place_call')).toHaveLength(0);

  await dialog.getByRole('button', { name: 'Place call' }).click();
  await expect(page.getByTestId('sent-panel')).toBeVisible();
  const confirmed = await invocations(page, 'confirm_call');
  expect(confirmed.map((c) => c.args.force)).toEqual([false, true]);
  expect(confirmed[1].args).toEqual({ ...confirmed[0].args, force: true });
  expect(await invocations(page, 'place_call')).toHaveLength(1);
});

test('duplicate: "Don\'t call" places nothing, "View the first call" opens it', async ({ page }) => {
  await openApp(page, {
    hasKey: true,
    calls: [{ number: '+442079460958', task: 'Ask about opening hours on Sunday', status: 'pending', minutesAgo: 1 }],
  });
  await typeNumber(page, '020 7946 0958');
  await page.getByRole('button', { name: 'Ask about opening hours on Sunday' }).click();
  await page.getByRole('button', { name: 'Review call' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('duplicate')).toContainText('1 minute ago (call #1)');
  await dialog.getByRole('button', { name: "Don't call" }).click();
  await expect(dialog).toBeHidden();

  await page.getByRole('button', { name: 'Review call' }).click();
  await dialog.getByRole('button', { name: 'View the first call' }).click();
  await expect(page.getByRole('heading', { name: '+44 20 7946 0958' })).toBeVisible();
  await expect(page.getByTestId('detail-status')).toContainText('Waiting for an agent');
  expect(await invocations(page, 'place_call')).toHaveLength(0);
});

test('unknown outcome after sending: the detail explains, checks and dismisses', async ({ page }) => {
  await openApp(page, { hasKey: true, calls: sampleCalls() });
  // The core names the call it kept; without that name, the newest calls are read to find it.
  const { callId: _named, ...unnamed } = fill(ERRORS.unknownOutcome, { id: 2 });
  await page.evaluate((e) => window.__mock.failNext('place_call', e), unnamed);
  await typeNumber(page, '+44 7400 123456');
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
  await expect(page.getByText('The service has no task with this id.')).toBeVisible();
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
  // With no call named in the error, the newest calls were read (no status filter) to find it.
  expect((await invocations(page, 'list_history')).map((l) => l.query)).toContainEqual(
    expect.objectContaining({ status: null, search: null, outcome: null, tag: null, offset: 0, limit: 50 }),
  );
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
  await expect(page.getByRole('option')).toHaveText([/United Arab Emirates/, /United Kingdom/, /United States/]);
  await country.press('ArrowDown');
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
  await page.evaluate((e) => window.__mock.failNext('place_call', e), fill(ERRORS.unknownOutcome, { id: 2 }));
  await typeNumber(page, '+44 7400 123456');
  await page.getByLabel('What should the agent do?').fill('Ask if my order #1234 has shipped');
  await page.getByRole('button', { name: 'Review call' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Place call' }).click();
  await expect(page.getByTestId('unknown-outcome')).toBeVisible();
  expect(await invocations(page, 'get_task')).toContainEqual({ id: 2 });
  expect(await invocations(page, 'list_history')).toHaveLength(0);
});
