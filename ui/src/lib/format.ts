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

/** A file's size in the units a file manager shows: "820 bytes", "34 kB", "2.4 MB". */
export function size(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes) || bytes < 0) return 'size unknown';
  if (bytes < 1000) return bytes === 1 ? '1 byte' : `${Math.round(bytes)} bytes`;
  const units = ['kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;
  let value = bytes / 1000;
  let i = 0;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i++;
  }
  return new Intl.NumberFormat(undefined, {
    style: 'unit',
    unit: units[i],
    unitDisplay: 'short',
    maximumFractionDigits: value < 10 ? 1 : 0,
  }).format(value);
}

/** A local day (`YYYY-MM-DD`) as a person says it: "Today", "Yesterday", "Sunday, 8 March 2026". */
export function dayWords(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  const date = new Date(y, (m ?? 1) - 1, d ?? 1);
  if (Number.isNaN(date.getTime())) return day;
  const now = new Date();
  if (sameDay(date, now)) return 'Today';
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(date, yesterday)) return 'Yesterday';
  return longDayFmt.format(date);
}
const longDayFmt = lazyFormat({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
