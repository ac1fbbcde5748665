import { test, type Page } from '@playwright/test';
import { commandNames, expect, invocations, openApp } from './helpers';
import { coreApp, coreErrors, fill, xssPayloads } from './fixtures';

/** The service address of a fresh install. */
const DEFAULT_ADDRESS = coreApp().settings.baseUrl;

const KEY = 'sk_live_canary1234567890abcdWXYZ';

async function expectNoKeyAnywhere(page: Page) {
  const leaks = await page.evaluate((key) => {
    const found: string[] = [];
    if (document.body.innerText.includes(key)) found.push('innerText');
    if (document.documentElement.outerHTML.includes(key)) found.push('html');
    for (const el of document.querySelectorAll('input, textarea, select')) {
      if ((el as HTMLInputElement).value.includes(key)) found.push(`value of #${el.id}`);
    }
    for (const part of ['canary1234', 'sk_live']) if (document.body.innerText.includes(part)) found.push(part);
    return found;
  }, KEY);
  expect(leaks).toEqual([]);
}

test('settings never show a full key', async ({ page }) => {
  await openApp(page, { hasKey: false, demo: true });
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByTestId('key-status')).toContainText('No key saved');

  const field = page.locator('#api-key');
  await expect(field).toHaveAttribute('type', 'password');
  await field.fill(KEY);
  await page.getByRole('button', { name: 'Save key' }).click();

  await expect(page.getByTestId('key-status')).toContainText('•••• WXYZ');
  await expect(field).toHaveValue('');
  await expectNoKeyAnywhere(page);
  expect(await invocations(page, 'set_api_key')).toEqual([{ key: KEY }]);

  // Coming back to Settings later: still only the last four.
  await page.getByRole('navigation').getByRole('button', { name: 'History' }).click();
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByTestId('key-status')).toContainText('•••• WXYZ');
  await expectNoKeyAnywhere(page);

  // Removing asks first.
  await page.getByRole('button', { name: 'Remove key' }).click();
  const confirm = page.getByRole('dialog', { name: 'Remove the API key?' });
  await confirm.getByRole('button', { name: 'Remove key' }).click();
  await expect(page.getByTestId('key-status')).toContainText('No key saved');
  expect(await invocations(page, 'clear_api_key')).toHaveLength(1);
});

test('settings: insecure base URL is refused with its message; theme applies', async ({ page }) => {
  await openApp(page, { hasKey: true });
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await page.getByLabel('WorkAPI.ai address').fill('http://evil.example.com');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.locator('[data-error-kind=insecureUrl]')).toContainText(
    'The service address must start with https:// (plain http is only allowed for this computer',
  );

  await page.getByRole('radio', { name: 'Dark' }).check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByRole('radio', { name: /Only results/ }).check();
  const saved = (await invocations(page, 'set_settings')).at(-1)!.settings;
  expect(saved).toMatchObject({ theme: 'dark', notifications: 'results', baseUrl: DEFAULT_ADDRESS });
});

test('settings: a key belongs to its address; a new address has none until one is entered', async ({ page }) => {
  await openApp(page, { hasKey: true, last4: 'AB12' });
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await expect(page.getByTestId('key-status')).toContainText('•••• AB12');
  await expect(page.getByTestId('no-key-for-address')).toHaveCount(0);

  await page.getByLabel('WorkAPI.ai address').fill('https://eu.workapi.example');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const note = page.getByTestId('no-key-for-address');
  await expect(note).toHaveText('No key is stored for this address yet. Enter the key issued for this service.');
  await expect(page.getByTestId('key-status')).toContainText('No key saved');
  await expect(page.getByTestId('mode-pill')).toContainText('No API key');
  expect((await invocations(page, 'key_status')).length).toBe(2);
  if (process.env.UI_SHOTS) {
    await page.getByRole('button', { name: 'Enter the key for this address' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${process.env.UI_SHOTS}/ui-settings-new-address.png` });
  }
  // Said where the address was changed too, with a way to the key field.
  await page.getByRole('button', { name: 'Enter the key for this address' }).click();
  await expect(page.locator('#api-key')).toBeFocused();

  await page.locator('#api-key').fill('sk_test_eu_key_CD34');
  await page.getByRole('button', { name: 'Save key' }).click();
  await expect(page.getByTestId('key-status')).toContainText('•••• CD34');
  await expect(note).toHaveCount(0);

  // Back to the first address: its own key is still there.
  await page.getByLabel('WorkAPI.ai address').fill(DEFAULT_ADDRESS);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByTestId('key-status')).toContainText('•••• AB12');
  await expect(note).toHaveCount(0);
});

test('settings: an invalid default country is shown next to that field, as what it is', async ({ page }) => {
  await openApp(page, { hasKey: true });
  await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
  await page.evaluate(
    (e) => window.__mock.failNext('set_settings', e),
    fill(coreErrors().invalidRegion, { code: 'XK' }),
  );
  await page.getByLabel('Default country for new calls').selectOption({ label: 'France (+33)' });
  const notice = page.locator('#default-region-error [data-error-kind=invalidSettings]');
  await expect(notice).toContainText('A setting needs a change.');
  await expect(notice).toContainText('"XK" is not a country MissionCall knows.');
  await expect(page.getByText('That phone number cannot be called.')).toHaveCount(0);
  await expect(page.getByLabel('Default country for new calls')).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('Default country for new calls').selectOption({ label: 'Ireland (+353)' });
  await expect(notice).toHaveCount(0);
});

const PAYLOADS = xssPayloads();

test('XSS corpus renders as literal text everywhere', async ({ page }) => {
  const all = PAYLOADS.join(' ');
  await openApp(page, {
    hasKey: true,
    calls: [
      {
        number: '+442079460958',
        task: `Task ${all}`,
        status: 'completed',
        // Long enough ago not to be a duplicate of the call placed again below.
        minutesAgo: 60,
        summary: `Summary ${all}`,
        error: `Error ${all}`,
        transcript: null,
        turns: PAYLOADS.map((text, i) => ({
          speaker: i === 0 ? 'other' : i % 2 ? 'agent' : 'callee',
          label: i === 0 ? PAYLOADS[1] : 'Agent',
          text,
        })),
      },
      { number: '+442079460959', task: 'Raw status', status: PAYLOADS[0] },
      { number: '+442079460957', task: 'Plain transcript', status: 'completed', transcript: `Callee: ${all}` },
    ],
  });
  await page.getByRole('navigation').getByRole('button', { name: 'History' }).click();
  const rows = page.getByTestId('history-row');
  await expect(rows.nth(1)).toContainText(PAYLOADS[0]);
  await expect(rows.nth(2)).toContainText('Task <img src=x');

  await rows.nth(0).locator('.row-main').click();
  await expect(page.getByText(`Callee: ${all}`)).toBeVisible();
  await page.getByRole('button', { name: 'History' }).first().click();
  await rows.nth(2).locator('.row-main').click();
  await expect(page.getByTestId('summary')).toHaveText(`Summary ${all}`);
  await expect(page.getByTestId('detail-task')).toHaveText(`Task ${all}`);
  await expect(page.getByText(`Error ${all}`)).toBeVisible();
  const turns = page.getByTestId('turns').locator('li');
  await expect(turns).toHaveCount(PAYLOADS.length);
  for (const [i, p] of PAYLOADS.entries()) await expect(turns.nth(i).locator('.bubble')).toHaveText(p);
  await expect(turns.nth(0).locator('.speaker')).toHaveText(PAYLOADS[1]);

  // An error message from Rust carrying a payload.
  await page.evaluate((msg) => window.__mock.failNext('place_call', { kind: 'server', message: msg }), all);
  await page.getByRole('button', { name: 'Call again' }).click();
  await expect(page.getByLabel('What should the agent do?')).toHaveValue(`Task ${all}`);
  await page.getByRole('button', { name: 'Review call' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByTestId('confirm-task')).toHaveText(`Task ${all}`);
  await dialog.getByRole('button', { name: 'Place call' }).click();
  await expect(dialog.locator('[data-error-kind=server]')).toContainText(all);

  // Had a payload become markup, its handler would have run by the time those of a witness,
  // inserted now on purpose (an image that fails, a frame that loads), have run.
  await page.evaluate(() => {
    const witness = document.createElement('div');
    witness.id = 'xss-witness';
    witness.innerHTML =
      '<img src="x" onerror="window.__witnessImg=1"><iframe srcdoc="<script>parent.__witnessFrame=1</script>"></iframe>';
    document.body.append(witness);
  });
  await page.waitForFunction(() => (window as any).__witnessImg === 1 && (window as any).__witnessFrame === 1);
  await page.evaluate(() => document.getElementById('xss-witness')!.remove());

  expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
  const allowed = new Set([
    'boot', 'app_mode', 'get_settings', 'list_history', 'sync_history', 'get_task', 'validate_phone',
    'confirm_call', 'place_call',
    'list_follow_ups', 'list_tags', 'list_contacts', // reads: the navigation's count, the filters' choices
    'list_scheduled', 'list_do_not_call', // reads: the Scheduled badge, a call's do-not-call line
    'get_background', // read: whether "Pause all" is on (the paused banner)
    'ui_ready', // the readiness signal the first screen always sends
  ]);
  const unexpected = (await commandNames(page)).filter((c) => !allowed.has(c));
  expect(unexpected).toEqual([]);

  const dom = await page.evaluate(() => ({
    img: document.querySelectorAll('img').length,
    script: document.body.querySelectorAll('script').length,
    foreignSvg: document.querySelectorAll('svg:not([data-icon])').length,
    a: document.querySelectorAll('a').length,
    iframe: document.querySelectorAll('iframe').length,
    b: document.querySelectorAll('b').length,
    handlers: [...document.querySelectorAll('*')].filter((el) =>
      [...el.attributes].some((a) => a.name.startsWith('on') || a.value.trim().toLowerCase().startsWith('javascript:')),
    ).length,
  }));
  expect(dom).toEqual({ img: 0, script: 0, foreignSvg: 0, a: 0, iframe: 0, b: 0, handlers: 0 });
});

test('the readiness hook is called once the first screen is up', async ({ page }) => {
  await openApp(page, { hasKey: true });
  await expect(page.getByRole('heading', { name: 'New call' })).toBeVisible();
  expect(await page.evaluate(() => (window as any).__ready)).toBe(true);
});
