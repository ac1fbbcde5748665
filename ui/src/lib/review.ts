//! Plain words and small helpers for what the user says of a call (outcome, follow-up), and the
//! count of follow-ups due that the navigation shows. The words of outcomes are the core's
//! (`Boot.outcomeChoices`, `CallSummary.outcomeLabel`); only their colours are chosen here.

import { commands, type Outcome } from './bindings';
import { app } from './state.svelte';

/** The badge colour family of an outcome (the classes of app.css). */
export function outcomeTone(outcome: Outcome | null): string {
  switch (outcome) {
    case 'achieved':
      return 'ok';
    case 'notAchieved':
      return 'bad';
    case 'noAnswer':
      return 'muted';
    case 'followUp':
      return 'wait';
    default:
      return 'muted';
  }
}

/** A duration in plain words: "40 s", "4 min", "1 h 5 min". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

let dayFmt: Intl.DateTimeFormat | undefined;
let weekFmt: Intl.DateTimeFormat | undefined;

/** A local day `YYYY-MM-DD` as a Date at its midnight. */
export function localDay(day: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, (m ?? 1) - 1, d ?? 1);
}

/** A follow-up (`YYYY-MM-DD[ HH:MM]`) in plain words: "Tue, 10 Mar 2026, 09:30". */
export function followUpText(key: string): string {
  const [day, time] = key.split(' ');
  const d = localDay(day);
  if (Number.isNaN(d.getTime())) return key;
  dayFmt ??= new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
  return time ? `${dayFmt.format(d)}, ${time}` : dayFmt.format(d);
}

/** A day (`YYYY-MM-DD`) short: "10 Mar". */
export function shortDay(day: string): string {
  const d = localDay(day);
  if (Number.isNaN(d.getTime())) return day;
  weekFmt ??= new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
  return weekFmt.format(d);
}

/** Asks how many follow-ups are due (today or overdue) for the navigation's badge. */
export async function refreshDueFollowUps() {
  const res = await commands.listFollowUps();
  if (res.status === 'ok') app.dueFollowUps = res.data.filter((f) => f.overdue || f.today).length;
}

/** "1 call", "2 calls". */
export function calls(n: number): string {
  return n === 1 ? '1 call' : `${n.toLocaleString()} calls`;
}
