// Durations of engine time, as typed by an operator: `comptoir clock advance 3d`,
// `POST /api/admin/dev/clock {"advance":"1d12h"}`. Pure: no clock, no I/O.
//
// A day here is a 24-hour step of engine time (86 400 000 ms), nothing more.
// Legal deadlines counted in calendar or working days (WD-1…WD-3, RF-1…) are the
// calendar module's business, computed on dates in the customer's country.
import { DomainError } from './errors.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

export const DURATION_UNITS = { w: WEEK, d: DAY, h: HOUR, m: MINUTE, s: SECOND, ms: 1 } as const;
export type DurationUnit = keyof typeof DURATION_UNITS;

// Units appear at most once, largest first: `1w2d`, `1d12h`, `90m`, `2h30m15s`, `500ms`.
// The `m(?!s)` lookahead keeps `500ms` from being read as 500 minutes and a stray `s`.
const DURATION_PATTERN = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;
const PATTERN_UNITS: readonly DurationUnit[] = ['w', 'd', 'h', 'm', 's', 'ms'];

/**
 * Parses `3d`, `2h`, `90m`, `1w`, `45s`, `1d12h`, `14d`, `500ms` into milliseconds.
 * Surrounding white space is ignored; units are lower case, each at most once,
 * largest first. Zero (`0s`) is a valid duration.
 *
 * @throws DomainError `clock.invalid_duration` (field `duration`, `input` = what was given).
 */
export function parseDuration(input: string): number {
  const text = input.trim();
  const match = text === '' ? null : DURATION_PATTERN.exec(text);
  if (!match) {
    throw new DomainError(
      'clock.invalid_duration',
      { field: 'duration', input },
      `Invalid duration ${JSON.stringify(input)}: expected a number and a unit (w, d, h, m, s, ms), units largest first, such as 3d, 2h, 90m, 1d12h.`,
    );
  }
  let total = 0;
  PATTERN_UNITS.forEach((unit, i) => {
    const digits = match[i + 1];
    if (digits !== undefined) total += Number(digits) * DURATION_UNITS[unit];
  });
  if (!Number.isSafeInteger(total)) {
    throw new DomainError('clock.invalid_duration', { field: 'duration', input }, `Duration ${JSON.stringify(input)} is too large.`);
  }
  return total;
}

/**
 * Formats milliseconds the way `parseDuration` reads them, in days and below
 * (`14d`, not `2w`: legal periods are spoken in days): 129 600 000 → `1d12h`,
 * 0 → `0s`. Negative durations get a leading `-`. For any non-negative integer
 * `ms`, `parseDuration(formatDuration(ms)) === ms`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms)) throw new RangeError(`formatDuration expects an integer number of milliseconds, got ${ms}`);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const size = DURATION_UNITS[unit];
    const count = Math.floor(rest / size);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return text;
}
