//! Local-time formatting for timestamps (RFC 3339 strings from Rust).

// Made on first use: the first screen shows no dates, and each formatter loads locale data.
function lazyFormat(options: Intl.DateTimeFormatOptions) {
  let fmt: Intl.DateTimeFormat | undefined;
  return {
    format(d: Date) {
      fmt ??= new Intl.DateTimeFormat(undefined, options);
      return fmt.format(d);
    },
  };
}

const dayFmt = lazyFormat({ dateStyle: 'medium' });
const timeFmt = lazyFormat({ timeStyle: 'short' });
const timeSecFmt = lazyFormat({ timeStyle: 'medium' });
const fullFmt = lazyFormat({ dateStyle: 'medium', timeStyle: 'short' });

function parse(iso: string): Date | null {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

function sameDay(a: Date, b: Date) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** "Today, 14:03", "Yesterday, 09:12" or "3 Mar 2025, 14:03". */
export function when(iso: string): string {
  const d = parse(iso);
  if (!d) return iso;
  const now = new Date();
  if (sameDay(d, now)) return `Today, ${timeFmt.format(d)}`;
  const y = new Date(now);
  y.setDate(now.getDate() - 1);
  if (sameDay(d, y)) return `Yesterday, ${timeFmt.format(d)}`;
  return fullFmt.format(d);
}

/** Time with seconds, preceded by the day when it is not today. */
export function whenPrecise(iso: string): string {
  const d = parse(iso);
  if (!d) return iso;
  const t = timeSecFmt.format(d);
  return sameDay(d, new Date()) ? t : `${dayFmt.format(d)}, ${t}`;
}
