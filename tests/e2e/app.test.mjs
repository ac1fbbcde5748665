// The real MissionCall app in a real window (Xvfb), driven through tauri-driver and
// WebKitWebDriver, against the in-process simulator (demo mode): first run -> demo -> place a
// call -> it reaches Done with a transcript; cancel a second one while pending; restart the
// app and find both in history; start it again and see the open window come forward instead of a
// second one. Then check the native notifications seen on D-Bus: one
// Notify per status change of the first call. Started by tests/e2e/run.sh, which sets up the
// display, the D-Bus session, the keychain, dunst, dbus-monitor and tauri-driver.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { WebDriver, sleep, lit } from './webdriver.mjs';

const DRIVER = process.env.WEBDRIVER_URL ?? 'http://127.0.0.1:4444';
const APP = process.env.MISSIONCALL_APP;
const NOTIFY_LOG = process.env.NOTIFY_LOG;
const SHOTS = process.env.E2E_SHOTS;

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
  await sleep(1000);
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
  await sleep(1000);
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

/** Titles of the Notify calls in a dbus-monitor log (the 4th string argument). */
function notifyTitles(log) {
  const titles = [];
  const blocks = log.split(/\n(?=method call)/);
  for (const b of blocks) {
    if (!/member=Notify\b/.test(b)) continue;
    const strings = [...b.matchAll(/^\s+string "((?:[^"\\]|\\.)*)"/gm)].map((m) => m[1]);
    if (strings.length >= 3) titles.push(strings[2]);
  }
  return titles;
}
