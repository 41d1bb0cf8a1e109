import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/domain/duration.js';
import { DomainError } from '../../src/domain/errors.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['3d', 3 * D],
    ['2h', 2 * H],
    ['90m', 90 * M],
    ['1w', 7 * D],
    ['45s', 45 * S],
    ['1d12h', D + 12 * H],
    ['14d', 14 * D],
    ['2h30m15s', 2 * H + 30 * M + 15 * S],
    ['500ms', 500],
    ['1m500ms', M + 500],
    ['0s', 0],
    [' 3d ', 3 * D],
  ])('%j → %i ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each(['', ' ', 'd', '3', '3x', '-3d', '1.5d', '3D', '12h1d', '1d1d', '1 d', 'ms', '3 days', '99999999999999999999d'])(
    '%j is refused with clock.invalid_duration naming the input',
    (input) => {
      let caught: unknown;
      try {
        parseDuration(input);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(DomainError);
      expect((caught as DomainError).code).toBe('clock.invalid_duration');
      expect((caught as DomainError).details).toMatchObject({ field: 'duration', input });
    },
  );
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [14 * D, '14d'],
    [7 * D, '7d'],
    [D + 12 * H, '1d12h'],
    [90 * M, '1h30m'],
    [45 * S + 250, '45s250ms'],
    [-2 * H, '-2h'],
  ])('%i ms → %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });

  it('parseDuration reads back what formatDuration writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 * D }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });
});
