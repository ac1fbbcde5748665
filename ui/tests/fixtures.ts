import { readFileSync } from 'node:fs';
import type { CoreApp, CoreBackup, CoreBatch, CoreOutreach, CoreCalls, CoreErrors, CorePhone, CoreReview } from './core-words';
import type { SeedCall } from './mock-backend';

export { fill, fillText } from './core-words';

/** Reads a JSON file from tests/fixtures/. */
export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

// Test data, written by hand.
export const sampleCalls = () => fixture<SeedCall[]>('sample-calls.json');
export const xssPayloads = () => fixture<string[]>('xss-payloads.json');

// The app's own words and shapes, written from Rust by src-tauri/tests/ui_fixtures.rs (the mock
// backend answers with them; specs use them for errors they make it fail with). After a change
// of wording in Rust: `UPDATE_UI_FIXTURES=1 cargo test -p missioncall-app --test ui_fixtures`,
// then update the specs that spell the words out.
export const coreErrors = () => fixture<CoreErrors>('core-errors.json');
export const coreApp = () => fixture<CoreApp>('core-app.json');
export const coreCalls = () => fixture<CoreCalls>('core-calls.json');
export const corePhone = () => fixture<CorePhone>('core-phone.json');
export const coreReview = () => fixture<CoreReview>('core-review.json');
export const coreBackup = () => fixture<CoreBackup>('core-backup.json');
export const coreBatch = () => fixture<CoreBatch>('core-batch.json');
export const coreOutreach = () => fixture<CoreOutreach>('core-outreach.json');
