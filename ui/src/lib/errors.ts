//! How the UI meets each kind of `AppError`: a short headline above the backend's own message
//! (shown as is), where Settings can fix it, and whether the error names a call kept in history
//! that the user should see. One entry per kind, so a kind added in Rust fails the type check
//! until it is handled here.

import type { AppError, AppErrorKind } from './bindings';

export type ErrorHandling = {
  headline: string;
  /** Settings can fix it: the key field, the other settings, or the do-not-call list. */
  settings?: 'key' | 'prefs' | 'doNotCall';
  /** The attempt was kept in history (`callId`): open that call rather than only saying so. */
  opensKeptCall?: boolean;
};

const HANDLING: Record<AppErrorKind, ErrorHandling> = {
  invalidPhone: { headline: 'That phone number cannot be called.' },
  invalidTask: { headline: 'The task needs a change.' },
  duplicate: { headline: 'You already asked for this same call.' },
  noKey: { headline: 'No API key is set up yet.', settings: 'key' },
  unauthorized: { headline: 'WorkAPI.ai did not accept your API key.', settings: 'key' },
  forbidden: { headline: 'Your WorkAPI.ai account is not allowed to do this.' },
  notFound: { headline: 'Not found.' },
  notCancellable: { headline: 'This call can no longer be cancelled.' },
  rateLimited: { headline: 'Too many requests right now. Wait a minute and try again.' },
  offline: { headline: 'Nothing was sent. Check your connection and try again.' },
  unknownOutcome: { headline: "We don't know whether the call was placed.", opensKeptCall: true },
  invalidKey: { headline: 'That API key cannot be used.' },
  keychain: { headline: 'The system keychain could not be used.' },
  insecureUrl: { headline: 'That address is not secure.' },
  server: { headline: 'WorkAPI.ai had a problem.' },
  storage: { headline: 'The call history on this computer could not be used.' },
  otherOrigin: { headline: 'This call cannot be handled from here.' },
  notConfirmed: { headline: 'The call was not confirmed.' },
  invalidSettings: { headline: 'A setting needs a change.', settings: 'prefs' },
  invalidInput: { headline: 'That cannot be kept as it is.' },
  stoppedByUser: { headline: 'Stopped.' },
  doNotCall: { headline: 'This number is on your do-not-call list. Nothing was sent.', settings: 'doNotCall' },
  outsideCallingHours: { headline: 'It is outside your calling hours where they are. Nothing was sent.' },
  other: { headline: 'Something went wrong.' },
};

export function handling(error: AppError): ErrorHandling {
  return HANDLING[error.kind] ?? HANDLING.other;
}
