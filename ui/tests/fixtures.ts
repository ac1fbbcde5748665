import { readFileSync } from 'node:fs';
import type { SeedCall } from './mock-backend';

/** Reads a JSON file from tests/fixtures/. */
export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

export const sampleCalls = () => fixture<SeedCall[]>('sample-calls.json');
export const xssPayloads = () => fixture<string[]>('xss-payloads.json');
