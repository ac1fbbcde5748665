// The real MissionCall app in a real window (Xvfb), driven through tauri-driver and
// WebKitWebDriver, against the in-process simulator (demo mode): first run -> demo -> place a
// call -> it reaches Done with a transcript; cancel a second one while pending; restart the
// app and find both in history; start it again and see the open window come forward instead of a
// second one. Then check the native notifications seen on D-Bus: one
// Notify per status change of the first call. Then each action goes to the call's own origin:
// with a "real" service (a second simulator, run apart by `missioncall sim`, set in Settings
// with its key in the keychain), a real call cancelled while in demo mode is cancelled at that
// service; and a demo call still live when demo mode is left is closed out as a demo call,
// with nothing sent anywhere. Started by tests/e2e/run.sh, which sets up the display, the
// D-Bus session, the keychain, dunst, dbus-monitor, tauri-driver and that "real" simulator.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { WebDriver, sleep, lit } from './webdriver.mjs';

const DRIVER = process.env.WEBDRIVER_URL ?? 'http://127.0.0.1:4444';
const APP = process.env.MISSIONCALL_APP;
const NOTIFY_LOG = process.env.NOTIFY_LOG;
const SHOTS = process.env.E2E_SHOTS;
// The "real" service (a simulator in a process of its own, see run.sh), its key, and the CLI.
const REAL_URL = process.env.E2E_REAL_BASE_URL;
const REAL_KEY = process.env.E2E_REAL_KEY;
const CLI = process.env.MISSIONCALL_CLI;

const caps = { browserName: 'wry', 'tauri:options': { application: APP } };
let driver;

async function open() {
  driver = await WebDriver.newSession(DRIVER, caps);
  return driver;
}

async function shot(name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  writeFileSync(`${SHOTS}/${name}.png`, await driver.screenshot());
}

after(async () => {
  if (driver) await driver.quit();
});

const FIRST = { number: '4155552671', display: '+1 415-555-2671', task: 'Ask if my order #1234 has shipped [sim:goal_met]' };
const SECOND = { number: '2025550143', display: '+1 202-555-0143', task: 'Book a table for 4 at 7pm tonight' };
const REAL = { number: '3125550199', display: '+1 312-555-0199', task: 'Ask whether the plumber can come on Monday' };
const DEMO = { number: '6175550123', display: '+1 617-555-0123', task: 'Ask whether the demo shop is open on Sunday' };

async function placeCall(d, call) {
  await d.click("//nav//button[contains(., 'New call')]");
  await d.type("//input[@id='phone']", call.number);
  await d.waitFor(`//*[@data-testid='phone-status'][contains(., ${lit(call.display)})]`);
  await d.type("//textarea[@id='task']", call.task);
  await d.click("//button[@type='submit'][contains(., 'Review call')]");
  const e164 = await d.text("//*[@data-testid='confirm-e164']");
  assert.equal(e164, '+1' + call.number, 'the confirmation shows the number exactly as dialled');
  await shot(`confirm-${call.number}`);
  await d.click("//dialog//button[contains(., 'Place call')]");
  await d.waitFor("//*[@data-testid='sent-panel']");
}

test('first run -> demo -> a call reaches Done with a transcript', async () => {
  const d = await open();
  await d.waitFor("//h1[contains(., 'Welcome to MissionCall')]", 30000);
  await shot('01-first-run');
  await d.click("//button[contains(., 'Try it with the simulator')]");
  const banner = await d.text("//*[@data-testid='demo-banner']");
  assert.match(banner, /Nobody is called/);

  await placeCall(d, FIRST);
  await d.click("//button[contains(., 'Follow the call')]");
  await d.waitFor("//*[@data-testid='detail-status'][contains(., 'Done')]", 60000);
  const turns = await d.text("//*[@data-testid='turns']");
  assert.match(turns, /Ask if my order #1234 has shipped/, 'the transcript quotes the mission');
  const summary = await d.text("//*[@data-testid='summary']");
  assert.ok(summary.length > 10, 'a summary is shown');
  const timeline = await d.text("//*[@data-testid='timeline']");
  for (const words of ['Waiting for an agent', 'Agent assigned', 'On the call', 'Done']) {
    assert.match(timeline, new RegExp(words), `timeline lists ${words}`);
  }
  await shot('02-call-done');
});

test('a second call is cancelled while still pending', async () => {
  const d = driver;
  await placeCall(d, SECOND);
  await d.click("//*[@data-testid='sent-panel']//button[contains(., 'Cancel call')]", 5000);
  await d.click("//nav//button[contains(., 'History')]");
  await d.waitFor(`//*[@data-testid='history-row'][contains(., ${lit(SECOND.display)})][contains(., 'Cancelled')]`, 20000);
  await shot('03-history');
});

test('after a restart, both calls are in history', async () => {
  await driver.quit();
  driver = undefined;
  // The closed app has let go of its data folder once its instance lock is free.
  await waitUntil(() => lockIsFree(process.env.MISSIONCALL_DATA_DIR), 20000, 'the first app never ended');
  const d = await open();
  await d.click("//nav//button[contains(., 'History')]", 30000);
  await d.waitFor(`//*[@data-testid='history-row'][contains(., ${lit(FIRST.display)})][contains(., 'Done')]`, 20000);
  await d.waitFor(`//*[@data-testid='history-row'][contains(., ${lit(SECOND.display)})][contains(., 'Cancelled')]`, 20000);
  await d.click("//nav//button[contains(., 'Settings')]");
  await d.waitFor("//h1[contains(., 'Settings')]");
  await shot('04-settings');
});

test('starting the app again brings the open window forward instead of a second one', async () => {
  const windows = () =>
    spawnSync('xdotool', ['search', '--onlyvisible', '--name', '^MissionCall$'], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean).length;
  const before = windows();
  assert.equal(before, 1, 'one MissionCall window before');
  const started = Date.now();
  // Same data folder, display and session as the running app (this process's environment).
  const second = spawnSync(APP, [], { timeout: 20000, encoding: 'utf8' });
  assert.equal(second.error, undefined, `the second start ended by itself: ${second.error}`);
  assert.equal(second.status, 0, `the second start exits cleanly: ${second.stderr}`);
  assert.ok(Date.now() - started < 10000, 'the second start returns at once');
  // The second process has ended: any window it had made is gone with it.
  assert.equal(windows(), 1, 'still one MissionCall window');
  // The first window still answers.
  await driver.click("//nav//button[contains(., 'History')]");
  await driver.waitFor(`//*[@data-testid='history-row'][contains(., ${lit(FIRST.display)})]`, 10000);
});

test('one native notification per status change of the first call', { skip: !NOTIFY_LOG }, async () => {
  const titles = notifyTitles(readFileSync(NOTIFY_LOG, 'utf8'));
  const first = titles.filter((t) => t.includes(FIRST.display));
  // placed (Waiting for an agent), Agent assigned, On the call, Done
  assert.deepEqual(
    first.map((t) => t.split(' — ')[0]),
    ['Waiting for an agent', 'Agent assigned', 'On the call', 'Done'],
    `notifications seen: ${JSON.stringify(titles)}`,
  );
});

// A summary that quotes markup: the service's text goes into the notification's body, which
// dunst (like GNOME) reads as markup. It must reach D-Bus escaped, and dunst must show it as
// text: no image, no bold.
const HOSTILE = {
  number: '6175550111',
  display: '+1 617-555-0111',
  task: 'Ask about <img src=x onerror=alert(1)> & <b>bold</b> [sim:goal_met]',
};

test('a summary with markup is shown as text by a real notification server', { skip: !NOTIFY_LOG }, async () => {
  const d = driver;
  await placeCall(d, HOSTILE);
  await d.click("//button[contains(., 'Follow the call')]");
  await d.waitFor("//*[@data-testid='detail-status'][contains(., 'Done')]", 60000);
  const summary = await d.text("//*[@data-testid='summary']");
  assert.match(summary, /<img src=x onerror=alert\(1\)> & <b>bold<\/b>/, 'the window shows the text as written');

  const done = () => notifyCalls(readFileSync(NOTIFY_LOG, 'utf8')).find(
    (n) => n.title.includes(HOSTILE.display) && n.title.startsWith('Done'),
  );
  const note = await waitUntil(done, 20000, 'no Done notification for the call');
  assert.match(note.body, /&lt;img src=x onerror=alert\(1\)&gt; &amp; &lt;b&gt;bold&lt;\/b&gt;/, `body on D-Bus: ${note.body}`);
  assert.doesNotMatch(note.body, /<img|<b>/, 'no raw markup on D-Bus');

  // What dunst made of it: its history keeps the markup it rendered ("[image]" for an image).
  spawnSync('dunstctl', ['close-all']);
  const rendered = await waitUntil(() => {
    const r = spawnSync('dunstctl', ['history'], { encoding: 'utf8' });
    if (r.status !== 0) return undefined;
    const all = JSON.parse(r.stdout).data.flat();
    return all.find((n) => n.summary.data.includes(HOSTILE.display) && n.summary.data.startsWith('Done'));
  }, 10000, 'dunst has no such notification in its history');
  const message = rendered.message.data;
  assert.ok(!message.includes('[image]'), `dunst read an image: ${message}`);
  assert.ok(!message.includes('<b>bold'), `dunst read bold: ${message}`);
  assert.match(message, /&lt;img src=x/, `dunst shows the text: ${message}`);
});

/** The Notify calls in a dbus-monitor log: summary (title) and body, the 3rd and 4th strings. */
function notifyCalls(log) {
  const calls = [];
  const blocks = log.split(/\n(?=method call)/);
  for (const b of blocks) {
    if (!/member=Notify\b/.test(b)) continue;
    // dbus-monitor quotes a string without escaping what is inside: one line, up to the last ".
    const strings = [...b.matchAll(/^\s+string "(.*)"$/gm)].map((m) => m[1]);
    if (strings.length >= 4) calls.push({ title: strings[2], body: strings[3] });
  }
  return calls;
}

/** Titles of the Notify calls in a dbus-monitor log. */
function notifyTitles(log) {
  return notifyCalls(log).map((n) => n.title);
}

/** Polls `probe` until it gives a value (not undefined/false), or fails with `what`. */
async function waitUntil(probe, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`${what} (after ${timeoutMs} ms)`);
    await sleep(100);
  }
}

/** True when nobody holds the app's instance lock in `dataDir` (flock(1), as the app's lock). */
function lockIsFree(dataDir) {
  const r = spawnSync('flock', ['--nonblock', '--exclusive', join(dataDir, 'instance.lock'), 'true']);
  return r.status === 0;
}

/** Waits for `xpath`; on time-out the error carries what the window showed instead. */
async function expectShown(d, xpath, timeoutMs, what) {
  try {
    return await d.waitFor(xpath, timeoutMs);
  } catch (e) {
    await shot(`failed-${what.replace(/\W+/g, '-')}`).catch(() => {});
    const page = await d.pageText().catch(() => '(page unreadable)');
    throw new Error(`${what}: ${e.message}\n--- the window showed ---\n${page.slice(0, 1500)}`);
  }
}

/** The "real" simulator's request counters (its loopback control API, not counted in them). */
async function realStats() {
  const res = await fetch(new URL(REAL_URL).origin + '/_sim/stats');
  assert.equal(res.status, 200, 'the real simulator answers /_sim/stats');
  return res.json();
}

/** Asks the "real" service for a task through the CLI, with a data folder of its own. */
function cliStatus(taskId) {
  const dataDir = mkdtempSync(join(tmpdir(), 'missioncall-cli-'));
  try {
    const r = spawnSync(CLI, ['status', taskId, '--json', '--base-url', REAL_URL], {
      env: { ...process.env, WORKAPI_API_KEY: REAL_KEY, MISSIONCALL_DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 30000,
    });
    assert.equal(r.status, 0, `missioncall status ${taskId}: ${r.stderr}${r.error ?? ''}`);
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const modePill = (words) => `//*[@data-testid='mode-pill'][contains(., ${lit(words)})]`;
const historyRow = (call) => `//*[@data-testid='history-row'][contains(., ${lit(call.display)})]`;

/**
 * Opens Settings and waits until it is whole: the key's status and the settings come in after
 * the page shows, and each pushes the sections below it down, so a button found earlier could
 * be clicked where it no longer is.
 */
async function openSettings(d) {
  await d.click("//nav//button[contains(., 'Settings')]");
  await d.waitFor("//h1[contains(., 'Settings')]");
  await d.waitFor("//*[@data-testid='key-status'][not(contains(., 'Checking'))]");
  await d.waitFor("//input[@id='base-url']");
}

async function openFromHistory(d, call) {
  await d.click("//nav//button[contains(., 'History')]");
  await d.click(`${historyRow(call)}//button[contains(@class, 'row-main')]`, 20000);
  await d.waitFor(`//h1[contains(., ${lit(call.display)})]`);
}

/**
 * Points the app at the "real" service: its address in Settings, then its key (stored in the
 * session's gnome-keyring for that address). Leaves the app on the real service.
 */
async function useRealService(d) {
  await openSettings(d);
  const address = await d.exec("return document.getElementById('base-url').value");
  if (address !== REAL_URL) {
    await d.type("//input[@id='base-url']", REAL_URL);
    await d.click("//form[.//input[@id='base-url']]//button[@type='submit']");
    // A key belongs to its address: the new one has none yet.
    await expectShown(d, "//*[@data-testid='no-key-for-address']", 10000, 'the address was saved');
  }
  await d.type("//input[@id='api-key']", REAL_KEY);
  await d.click("//button[@type='submit'][contains(., 'Save key')]");
  await expectShown(d, `//*[@data-testid='key-status'][contains(., ${lit(REAL_KEY.slice(-4))})]`, 10000, 'the key was saved');
  await expectShown(d, modePill('Real calls'), 10000, 'the app uses the real service');
  assert.equal((await d.findAll("//*[@data-testid='demo-banner']")).length, 0, 'no demo banner with a real service');
}

/** Starts demo mode from Settings. */
async function startDemo(d) {
  await openSettings(d);
  await d.click("//button[contains(., 'Try the simulator')]");
  await expectShown(d, "//*[@data-testid='demo-banner']", 10000, 'demo mode started');
  await d.waitFor(modePill('Demo'));
}

/** A real call is still live at the real service (then the app may rightly read its status). */
let realCallLive = false;

const realSkip = !(REAL_URL && REAL_KEY && CLI) && 'no "real" simulator (run through tests/e2e/run.sh)';

test('in demo mode, Cancel on a real call goes to its own (real) service', { skip: realSkip }, async () => {
  const d = driver;
  await useRealService(d);

  // A real call: at speed 0.02 it waits for an agent for minutes.
  await placeCall(d, REAL);
  await expectShown(d, "//*[@data-testid='sent-panel'][contains(., 'Waiting for an agent')]", 20000, 'the real service took the call');
  realCallLive = true;
  const before = await realStats();
  assert.equal(before.tasks_created, 1, `one task at the real service: ${JSON.stringify(before)}`);
  assert.equal(before.cancels, 0);

  await startDemo(d);

  // The real call, opened from History and cancelled there.
  await openFromHistory(d, REAL);
  await expectShown(d, "//*[@data-testid='detail-status'][contains(., 'Waiting for an agent')]", 10000, 'the real call is still waiting');
  assert.equal((await d.findAll("//*[contains(@class, 'demo-tag')]")).length, 0, 'the real call is not marked as a demo call');
  const taskId = await d.text("//*[contains(@class, 'taskid')]/code");
  assert.ok(taskId, 'the real call shows its task id');
  await d.click("//main//button[contains(., 'Cancel call')]");
  await expectShown(d, "//*[@data-testid='detail-status'][contains(., 'Cancelled')]", 20000, 'the real call was cancelled');
  assert.equal((await d.findAll("//main//button[contains(., 'Cancel call')]")).length, 0, 'no Cancel button on a cancelled call');
  await d.waitFor("//*[@data-testid='demo-banner']");
  await shot('05-real-call-cancelled-in-demo');

  // The real service itself says so (asked through the CLI), and heard exactly one cancel.
  const st = cliStatus(taskId);
  assert.equal(st.task_id, taskId);
  assert.equal(st.status, 'cancelled', `the real task: ${JSON.stringify(st)}`);
  realCallLive = false;
  const after = await realStats();
  assert.equal(after.cancels, 1, `one cancel reached the real service: ${JSON.stringify(after)}`);
  assert.equal(after.tasks_created, 1, 'no second task at the real service');

  // History agrees.
  await d.click("//nav//button[contains(., 'History')]");
  await d.waitFor(`${historyRow(REAL)}[contains(., 'Cancelled')]`, 10000);
});

test('leaving demo mode with a demo call live closes it out as a demo call, sending nothing', { skip: realSkip }, async () => {
  const d = driver;
  // Its own state: demo mode, with a key stored for the real service (the one the demo call
  // must never be sent to).
  if (!(await d.findAll(modePill('Demo'))).length) {
    await useRealService(d);
    await startDemo(d);
  }
  const before = await realStats();

  // MISSIONCALL_DEMO_SPEED=3: the demo call is live for about 10 s, so demo mode is left at
  // once, while it can still be cancelled.
  await placeCall(d, DEMO);
  await d.waitFor("//*[@data-testid='sent-panel']//button[contains(., 'Cancel call')]", 2000);
  await openSettings(d);
  await d.click("//button[contains(., 'Turn off demo mode')]");
  // The key stored for the real address takes over.
  await expectShown(d, modePill('Real calls'), 10000, 'demo mode ended');
  assert.equal((await d.findAll("//*[@data-testid='demo-banner']")).length, 0, 'no demo banner after the demo');

  await openFromHistory(d, DEMO);
  await expectShown(d, "//*[@data-testid='detail-status'][contains(., 'Demo ended')]", 10000, 'the demo call was closed out');
  await d.waitFor("//*[contains(@class, 'demo-tag')][contains(., 'Demo call')]");
  assert.equal((await d.findAll("//main//button[contains(., 'Cancel call')]")).length, 0, 'no Cancel button on an ended demo call');
  const page = await d.pageText();
  assert.match(page, /Nobody was called/, 'the call says nobody was called');
  const timeline = await d.text("//*[@data-testid='timeline']");
  assert.match(timeline, /Demo ended/);
  assert.doesNotMatch(timeline, /Done|Cancelled/, 'it ended as a demo call, not as a finished or cancelled one');
  await shot('06-demo-call-ended');

  // In History too: "Demo ended", marked Demo.
  await d.click("//nav//button[contains(., 'History')]");
  await d.waitFor(`${historyRow(DEMO)}[contains(., 'Demo ended')][.//*[contains(@class, 'demo-tag')]]`, 10000);

  // Nothing about it reached the real service: no task created, no cancel, and no status read
  // either when no real call is live there (the app then has nothing to ask it).
  const after = await realStats();
  const heard = (st) => ({ creates: st.creates, tasks_created: st.tasks_created, cancels: st.cancels, ...(realCallLive ? {} : { gets: st.gets }) });
  assert.deepEqual(heard(after), heard(before), `the real service heard of the demo call: ${JSON.stringify({ before, after })}`);
});

// ---- Reviewing calls (issue 12): what the user says of a call, filters, export, backups ----

const LUIGI = "Luigi's Trattoria";
const NOTE = 'Ask for the window table next time';
const historyCount = (words) => `//*[@data-testid='history-count'][normalize-space(.)=${lit(words)}]`;

/**
 * Answers the native file dialog the app opened (GTK, found by the title the app gives it):
 * types the full path into its location field and presses Enter, as a person would.
 */
async function answerFileDialog(title, path) {
  const find = () =>
    spawnSync('xdotool', ['search', '--onlyvisible', '--name', `^${title}`], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean)[0];
  const win = await waitUntil(find, 20000, `the native dialog "${title}" to open`);
  const xdo = (...args) => {
    const r = spawnSync('xdotool', args, { encoding: 'utf8' });
    assert.equal(r.status, 0, `xdotool ${args.join(' ')}: ${r.stderr}`);
  };
  xdo('windowfocus', '--sync', win);
  // A save dialog has its name field focused, holding the suggested name: it is replaced by
  // the full path. An open dialog's location field is opened first (Ctrl+L) and given a
  // moment to take the focus: typed straight away, the "/" that opens it can swallow the
  // next character.
  if (!title.startsWith('Save')) {
    xdo('key', '--clearmodifiers', 'ctrl+l');
    await sleep(400);
  }
  xdo('key', '--clearmodifiers', 'ctrl+a');
  xdo('type', '--delay', '15', path);
  xdo('key', '--clearmodifiers', 'Return');
  // The location field may first take the Return to accept its completion of the path.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await waitUntil(() => find() === undefined || undefined, 5000, `the native dialog "${title}" to close`);
      return;
    } catch (e) {
      if (attempt === 2) {
        // What the screen showed, for whoever reads the failure.
        if (SHOTS) spawnSync('import', ['-window', 'root', `${SHOTS}/failed-dialog-${title.replace(/\W+/g, '-')}.png`]);
        throw e;
      }
      xdo('windowfocus', '--sync', win);
      xdo('key', '--clearmodifiers', 'Return');
    }
  }
}

/** Like waitUntil, for a probe that must be awaited. */
async function waitUntilAsync(probe, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`${what} (after ${timeoutMs} ms)`);
    await sleep(100);
  }
}

/** Picks `label` in the filter bar's <select id=`id`>, and waits for the list to agree. */
async function pickFilter(d, id, label, count) {
  await d.click(`//select[@id='${id}']/option[starts-with(normalize-space(.), ${lit(label)})]`);
  await expectShown(d, historyCount(count), 10000, `the history filtered by ${label}`);
}

test('a call is marked, named, tagged, filtered and exported to CSV in the real window', async () => {
  const d = driver;
  await openFromHistory(d, FIRST);
  const review = "//*[@data-testid='review']";
  await d.click(`${review}//*[@aria-label='Outcome']//button[contains(., 'Achieved')]`);
  await expectShown(d, `${review}//button[@aria-pressed='true'][contains(., 'Achieved')]`, 10000, 'the outcome was set');
  await d.type("//textarea[@id='call-note']", NOTE);
  await d.click(`${review}//button[contains(., 'Save note')]`);
  await expectShown(d, "//*[@data-testid='note-status'][contains(., 'Saved')]", 10000, 'the note was saved');
  await d.type("//input[@id='call-tag']", 'vip');
  await d.click("//form[.//input[@id='call-tag']]//button[@type='submit']");
  await expectShown(d, "//*[@data-testid='detail-tags'][contains(., 'vip')]", 10000, 'the tag was added');
  await d.click("//button[contains(., 'Name this number')]");
  await d.type("//input[@id='contact-name']", LUIGI);
  await d.click("//button[contains(., 'Save name')]");
  await expectShown(d, `//*[@data-testid='detail-name'][contains(., ${lit(LUIGI)})]`, 10000, 'the number was named');
  // The service's status is untouched by what the user said.
  await d.waitFor("//*[@data-testid='detail-status'][contains(., 'Done')]");
  await shot('07-call-reviewed');

  // History: the row shows the name, the outcome and the tag; each filter finds the call alone.
  await d.click("//nav//button[contains(., 'History')]");
  const row = `//*[@data-testid='history-row'][contains(., ${lit(LUIGI)})][contains(., 'vip')]`;
  await expectShown(d, row, 10000, 'the row shows the contact and the tag');
  const shownOutcomes = () =>
    d.exec(
      "return [...document.querySelectorAll(\"[data-testid='row-outcome']\")].map((s) => s.selectedOptions[0]?.textContent.trim())",
    );
  assert.equal((await shownOutcomes()).filter((t) => t === 'Achieved').length, 1, 'one row shows the outcome Achieved');
  // One click on another row: the cancelled call is marked "No answer" from the list.
  const second = `//*[@data-testid='history-row'][contains(., ${lit(SECOND.display)})]`;
  await d.click(`${second}//select[@data-testid='row-outcome']/option[normalize-space(.)='No answer']`);
  await waitUntilAsync(async () => (await shownOutcomes()).includes('No answer'), 10000, 'the row took the outcome');
  const everything = await d.text("//*[@data-testid='history-count']");
  for (const [id, label] of [['filter-tag', 'vip'], ['filter-outcome', 'Achieved'], ['filter-contact', LUIGI]]) {
    await pickFilter(d, id, label, '1 call');
    await d.waitFor(row);
    await d.waitFor(`//*[@data-testid='filter-chip']`);
    await d.click("//button[contains(., 'Clear filters')]");
    await expectShown(d, historyCount(everything), 10000, 'every call again after one click');
  }
  await d.type("//input[@id='history-search']", 'window table');
  await expectShown(d, historyCount('1 call'), 10000, 'the note is searched');
  await d.click("//button[contains(., 'Clear filters')]");
  await expectShown(d, historyCount(everything), 10000, 'the search cleared with the rest');

  // Export the calls the note's words find to CSV through the native save dialog, and read
  // the file back. (A second WebDriver click on an <option> already picked once is not seen
  // by WebKitGTK's driver, so this filter is typed.)
  await d.type("//input[@id='history-search']", 'window table');
  await expectShown(d, historyCount('1 call'), 10000, 'the note is searched again');
  await d.click("//main//button[contains(., 'Export…')]");
  await d.click("//dialog//label[contains(., 'CSV')]//input");
  await d.click("//dialog//button[contains(., 'Choose where to save')]");
  const out = join(mkdtempSync(join(tmpdir(), 'missioncall-export-')), 'calls.csv');
  await answerFileDialog('Save the calls', out);
  await expectShown(d, "//*[@data-testid='export-result'][contains(., 'Saved 1 call')]", 20000, 'the export finished');
  await shot('08-exported');
  const csv = readFileSync(out, 'utf8');
  assert.ok(csv.startsWith('\uFEFF'), 'UTF-8 with a BOM');
  const lines = csv.slice(1).trim().split(/\r?\n/);
  assert.equal(lines.length, 2, `a header and one call:\n${csv}`);
  for (const words of [LUIGI, NOTE, 'vip', FIRST.task.split(' [')[0]]) {
    assert.ok(lines[1].includes(words), `the row has ${words}: ${lines[1]}`);
  }
  await d.click("//dialog//button[normalize-space(.)='Close']");
  await d.click("//button[contains(., 'Clear filters')]");
});

test('the history is backed up from Settings, restores into an empty data folder, and a second restore adds nothing', async () => {
  const d = driver;
  await openSettings(d);
  const backups = "//*[@data-testid='backups']";
  await d.click(`${backups}//button[contains(., 'Back up history')]`);
  const file = join(mkdtempSync(join(tmpdir(), 'missioncall-backup-')), 'history-backup.sqlite');
  await answerFileDialog('Save a backup of the history', file);
  await expectShown(d, `//*[@data-testid='backup-path'][contains(., ${lit(file)})]`, 30000, 'the backup was written');
  await shot('09-backed-up');

  // Into an empty data folder (the CLI shares the core's restore): every call comes back
  // with what the user said of it.
  const empty = mkdtempSync(join(tmpdir(), 'missioncall-restored-'));
  const cli = (args) =>
    spawnSync(CLI, [...args, '--json'], {
      env: { ...process.env, MISSIONCALL_DATA_DIR: empty },
      encoding: 'utf8',
      timeout: 30000,
    });
  const history = () => {
    const r = cli(['history', '--limit', '100']);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop());
  };
  try {
    let r = cli(['restore', file]);
    assert.equal(r.status, 0, `restore: ${r.stderr}`);
    const first = JSON.parse(r.stdout.trim().split('\n').pop());
    assert.ok(first.added >= 2, `calls added: ${r.stdout}`);
    const calls = history();
    assert.equal(calls.length, first.added);
    const luigi = calls.find((c) => c.contact === LUIGI);
    assert.ok(luigi, `the named call came back: ${JSON.stringify(calls)}`);
    assert.equal(luigi.outcome, 'achieved');
    assert.deepEqual(luigi.tags, ['vip']);
    assert.equal(luigi.note, NOTE);
    r = cli(['restore', file]);
    assert.equal(r.status, 0, r.stderr);
    const again = JSON.parse(r.stdout.trim().split('\n').pop());
    assert.equal(again.added, 0, 'a second restore adds nothing');
    assert.equal(history().length, calls.length);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }

  // The same backup restored in the window: nothing new, and it says so.
  await d.click(`${backups}//button[contains(., 'Restore from a backup')]`);
  await d.click("//dialog//button[contains(., 'Choose backup')]");
  await answerFileDialog('Choose a backup to restore', file);
  await expectShown(d, "//*[@data-testid='restore-summary'][contains(., 'Nothing new')]", 30000, 'the restore said nothing was new');
  await shot('10-restored-nothing-new');
});

// ---- Many calls (issue 13): a CSV batch, dry run to results ----

test('a CSV batch goes through its dry run, the count confirmed, a pause and a resume, and its results are saved', async () => {
  const d = driver;
  // In demo mode: nobody is called, and the simulator ends each call in seconds.
  if (!(await d.findAll(modePill('Demo'))).length) await startDemo(d);
  // A number on the do-not-call list (through the CLI, on the app's own data folder).
  const listed = spawnSync(CLI, ['dnc', 'add', '+14155550199', '--reason', 'asked not to be called'], {
    env: process.env,
    encoding: 'utf8',
    timeout: 30000,
  });
  assert.equal(listed.status, 0, listed.stderr);

  const dir = mkdtempSync(join(tmpdir(), 'missioncall-batch-'));
  const file = join(dir, 'deliveries.csv');
  // Semicolons, a BOM, a number a spreadsheet mangled, one twice, one listed, and one of the
  // numbers called earlier in this run (a recent call).
  writeFileSync(
    file,
    '\uFEFFname;phone\nAnn;+1 415 555 0101\nBob;4.15555E+10\nCat;(415) 555-0102\nDan;415.555.0101\nEve;+14155550199\n' +
      `Fred;+1${FIRST.number}\nGil;+1 415 555 0103\n`,
  );
  await d.click("//nav//button[contains(., 'Batches')]");
  await d.waitFor("//h1[contains(., 'Batches')]");
  await d.click("//button[@data-testid='new-batch']");
  await answerFileDialog('Choose a CSV file of numbers to call', file);
  await expectShown(d, "//*[@data-testid='batch-new'][contains(., 'deliveries.csv')]", 10000, 'the file was read');
  await d.type("//textarea[@id='batch-template']", 'Ask {{name}} whether the delivery arrived');
  await d.click("//button[@data-testid='dry-run']");
  await expectShown(d, "//*[@data-testid='batch-plan']", 20000, 'the dry run is shown');
  const verdicts = [];
  for (const row of await d.findAll("//tr[@data-testid='plan-row']")) {
    verdicts.push(await d.cmd('GET', `/element/${row}/attribute/data-verdict`));
  }
  assert.deepEqual(verdicts, ['ok', 'invalid', 'ok', 'duplicate_in_file', 'do_not_call', 'recent_duplicate', 'ok']);
  const plan = await d.text("//*[@data-testid='batch-plan']");
  for (const words of ['scientific notation', 'row 1', 'do-not-call list', 'Ask Ann whether the delivery arrived']) {
    assert.match(plan, new RegExp(words), `the dry run says ${words}`);
  }
  await shot('11-batch-dry-run');

  // Nothing starts before the count is confirmed.
  await d.click("//button[@data-testid='start-batch']");
  await expectShown(d, "//dialog[@open]//h2[contains(., 'Place 3 calls?')]", 10000, 'the count is asked');
  await d.click("//dialog[@open]//button[@data-testid='confirm-start']");
  const batch = "//*[@data-testid='batch']";
  await expectShown(d, `${batch}[@data-state='running']`, 10000, 'the batch runs');
  // One at a time: pause once the first call is placed.
  await expectShown(d, `${batch}//*[@data-testid='batch-figures'][contains(., '1 placed')]`, 30000, 'the first call was placed');
  await d.click(`${batch}//button[normalize-space(.)='Pause']`);
  await expectShown(d, `${batch}[@data-state='paused']`, 10000, 'the batch paused');
  await shot('12-batch-paused');
  // Paused: the first call ends at the service, and no second one is placed meanwhile (the
  // slot it freed stays free).
  await expectShown(
    d,
    `${batch}//*[@data-testid='batch-figures'][starts-with(normalize-space(.), '1 placed · 0 going · 2 waiting')]`,
    90000,
    'the first call ended and nothing more was placed while paused',
  );
  await d.click(`${batch}//button[normalize-space(.)='Resume']`);
  await expectShown(d, `${batch}[@data-state='done']`, 120000, 'the batch ended');
  await expectShown(d, `${batch}//*[@data-testid='batch-figures'][contains(., '3 placed · 0 going · 0 waiting')]`, 10000, 'every row placed once');
  await shot('13-batch-done');

  await d.click(`${batch}//button[contains(., 'Save results')]`);
  const out = join(dir, 'results.csv');
  await answerFileDialog("Save the batch's results", out);
  await expectShown(d, "//*[@data-testid='batch-done'][contains(., 'results.csv')]", 20000, 'the results were saved');
  const csv = readFileSync(out, 'utf8');
  assert.ok(csv.startsWith('\uFEFF'), 'UTF-8 with a BOM');
  const lines = csv.slice(1).trim().split(/\r?\n/);
  assert.equal(lines[0], 'row,number,task_id,status,outcome,note');
  assert.equal(lines.length, 8, `a header and seven rows:\n${csv}`);
  const placed = lines.slice(1).filter((l) => /^\d+,'\+1415555010[123],[0-9a-f]{24},/.test(l));
  assert.equal(placed.length, 3, `three rows with their task ids:\n${csv}`);
  assert.match(lines[2], /^2,4\.15555E\+10,,Not placed,/);
  rmSync(dir, { recursive: true, force: true });
});

/** The CLI's JSON answer (its last line) for `args`, on the app's own data folder. */
function cliJson(args) {
  const r = spawnSync(CLI, [...args, '--json'], { env: process.env, encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** The calls to `call`'s number in the history, as the CLI lists them. */
function callsTo(call) {
  return cliJson(['history', '--limit', '100']).filter((c) => c.phone_number === '+1' + call.number);
}

/** Types `call` in New call, reviews it, and picks "Schedule…" in the confirmation. */
async function openSchedule(d, call) {
  await d.click("//nav//button[contains(., 'New call')]");
  await d.type("//input[@id='phone']", call.number);
  await d.waitFor(`//*[@data-testid='phone-status'][contains(., ${lit(call.display)})]`);
  await d.type("//textarea[@id='task']", call.task);
  await d.click("//button[@type='submit'][contains(., 'Review call')]");
  await d.click("//dialog//button[contains(., 'Schedule…')]");
  await d.waitFor("//input[@id='schedule-at']");
}

/** Submits the schedule form; answers with the job the CLI lists for `call`. */
async function submitSchedule(d, call) {
  await d.click("//button[@data-testid='schedule-submit']");
  await d.waitFor("//*[@data-testid='scheduled-done']", 10000);
  const [job] = cliJson(['scheduled', 'list']).filter((j) => j.phone_e164 === '+1' + call.number);
  assert.equal(job.state, 'waiting');
  return job;
}

test('a scheduled call fires once while the window is closed to the tray, and the window comes back', async () => {
  const d = driver;
  if (!(await d.findAll(modePill('Demo'))).length) await startDemo(d);
  const TRAY = { number: '4155550177', display: '+1 415-555-0177', task: 'Ask whether the bakery has rye bread today' };
  const visibleWindows = () =>
    spawnSync('xdotool', ['search', '--onlyvisible', '--name', '^MissionCall$'], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean);

  // Scheduled from the confirmation, 45 seconds ahead (the field takes seconds when given).
  await openSchedule(d, TRAY);
  const due = new Date(Date.now() + 45000);
  const p = (n) => String(n).padStart(2, '0');
  const local = `${due.getFullYear()}-${p(due.getMonth() + 1)}-${p(due.getDate())}T${p(due.getHours())}:${p(due.getMinutes())}:${p(due.getSeconds())}`;
  await d.exec(
    "const f = document.getElementById('schedule-at'); f.step = '1'; f.value = arguments[0]; f.dispatchEvent(new Event('input', { bubbles: true }));",
    [local],
  );
  const job = await submitSchedule(d, TRAY);

  // Settings says what would keep the app running.
  await d.click("//nav//button[contains(., 'Settings')]");
  await expectShown(d, "//*[@data-testid='background-now'][contains(., '1 scheduled call')]", 10000, 'what waits, in Settings');
  await d.exec("document.querySelector('[data-testid=background-card]').scrollIntoView({ block: 'center' })");
  await shot('14-when-the-window-is-closed');

  // The user closes the window, as with its close button: the app hides it and keeps running.
  const [win] = visibleWindows();
  assert.ok(win, 'the window is on screen');
  assert.ok(Date.now() < due.getTime() - 5000, 'the test reached this point before the call was due');
  const closed = spawnSync('python3', [new URL('./close-window.py', import.meta.url).pathname, win], { encoding: 'utf8' });
  assert.equal(closed.status, 0, closed.stderr);
  await waitUntil(() => visibleWindows().length === 0, 10000, 'the window never went to the tray');
  assert.equal(lockIsFree(process.env.MISSIONCALL_DATA_DIR), false, 'the app is still running');
  if (NOTIFY_LOG) {
    await waitUntil(
      () => notifyTitles(readFileSync(NOTIFY_LOG, 'utf8')).includes('MissionCall is still running'),
      10000,
      'no notification that it keeps running',
    );
  }

  // Its time comes with the window closed: placed once, and followed to its end.
  await waitUntil(() => callsTo(TRAY).some((c) => c.status_text === 'Done'), 120000, 'the scheduled call was never placed and done');
  assert.equal(visibleWindows().length, 0, 'the window stayed closed');
  const after = cliJson(['scheduled', 'list', '--all']).find((j) => j.id === job.id);
  assert.equal(after.state, 'placed');
  const calls = callsTo(TRAY);
  assert.equal(calls.length, 1, `one call: ${JSON.stringify(calls)}`);
  assert.equal(calls[0].id, after.attempt_id);

  // Starting the app again brings the same window back, with the call in its history.
  const again = spawnSync(APP, [], { timeout: 20000, encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  await waitUntil(() => visibleWindows().length === 1, 10000, 'the window never came back');
  await d.click("//nav//button[contains(., 'History')]");
  await d.waitFor(`//*[@data-testid='history-row'][contains(., ${lit(TRAY.display)})]`, 10000);
  await shot('15-back-from-the-tray');
  assert.equal(callsTo(TRAY).length, 1, 'still one call');
});

test('a scheduled call whose time passed while the app was closed asks first after a restart, then is placed once', async () => {
  let d = driver;
  if (!(await d.findAll(modePill('Demo'))).length) await startDemo(d);
  const LATE = { number: '4155550188', display: '+1 415-555-0188', task: 'Ask whether the tailor has finished the suit' };

  // Scheduled for the form's own suggestion (the next full hour, at least 30 minutes away).
  await openSchedule(d, LATE);
  const job = await submitSchedule(d, LATE);

  // The app ends; while it is closed, the call's time passes (moved 10 minutes into the past,
  // in the history file itself).
  await driver.quit();
  driver = undefined;
  await waitUntil(() => lockIsFree(process.env.MISSIONCALL_DATA_DIR), 20000, 'the app never ended');
  const moved = spawnSync(
    'python3',
    [
      '-c',
      'import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1]); ' +
        'c.execute("UPDATE scheduled_calls SET due_at = ? WHERE id = ?", (int(time.time() * 1000) - 600000, int(sys.argv[2]))); c.commit()',
      join(process.env.MISSIONCALL_DATA_DIR, 'history.sqlite3'),
      String(job.id),
    ],
    { encoding: 'utf8' },
  );
  assert.equal(moved.status, 0, moved.stderr);

  // Started again: a banner asks; the call is overdue, and nothing was placed by itself.
  d = await open();
  await expectShown(d, "//*[@data-testid='overdue-banner']", 30000, 'the overdue banner');
  await shot('16-overdue-after-restart');
  assert.equal(cliJson(['scheduled', 'list']).find((j) => j.id === job.id).state, 'overdue');
  assert.equal(callsTo(LATE).length, 0, 'not placed silently');
  await d.click("//*[@data-testid='overdue-banner']//button[contains(., 'Review')]");
  const item = `//*[@data-testid='overdue-item'][contains(., ${lit(LATE.task)})]`;
  await expectShown(d, item, 10000, 'the overdue call in Scheduled');
  assert.equal(callsTo(LATE).length, 0, 'still not placed');
  // A key is stored (an earlier test), so the app came back for real calls: the demo call is
  // refused in plain words, nothing sent, until demo mode is on again.
  await d.waitFor(modePill('Real calls'), 10000);
  await d.click(`${item}//button[contains(., 'Place now')]`);
  await expectShown(d, "//*[contains(., 'it can only be placed in demo mode. Nothing was sent.')]", 10000, 'the refusal');
  assert.equal(callsTo(LATE).length, 0, 'nothing placed in real mode');
  await startDemo(d);
  await d.click("//nav//button[contains(., 'Scheduled')]");
  await expectShown(d, item, 10000, 'the overdue call, still waiting');
  await d.click(`${item}//button[contains(., 'Place now')]`);
  try {
    await waitUntil(() => callsTo(LATE).length === 1, 20000, 'Place now placed nothing');
  } catch (e) {
    await shot('17-place-now-failed');
    throw new Error(`${e.message}; the window shows:\n${await d.pageText().catch(() => '(unreadable)')}`);
  }
  assert.equal(cliJson(['scheduled', 'list', '--all']).find((j) => j.id === job.id).state, 'placed');
  await waitUntil(() => callsTo(LATE).some((c) => c.status_text === 'Done'), 60000, 'the call never reached Done');
  assert.equal(callsTo(LATE).length, 1, 'placed once');
});
