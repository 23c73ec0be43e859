import { describe, expect, it } from 'vitest';

import {
  formatDuration,
  formatExactDuration,
  formatSeconds,
  parseDuration,
  readDuration,
} from '../../../functions/core/duration.js';
import { InputError } from '../../../functions/core/errors.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2m5s', 125_000],
    [' 10s ', 10_000],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text, '--duration')).toBe(ms);
  });

  it.each(['10', '', 's', '1d', '5 m', '-5s', '1.5m', '5M', '10s5'])(
    "refuses '%s' with an InputError that names the flag and shows the accepted forms",
    (text) => {
      expect(() => parseDuration(text, '--settle')).toThrow(InputError);
      expect(() => parseDuration(text, '--settle')).toThrow(
        `--settle '${text}' is not a duration; write a number with a unit: 250ms, 90s, 5m, 1h, 1h30m.`,
      );
    },
  );

  it('refuses zero unless zero is allowed', () => {
    expect(() => parseDuration('0s', '--duration')).toThrow(
      "--duration '0s' must be longer than zero.",
    );
    expect(parseDuration('0s', '--settle', true)).toBe(0);
  });
});

describe('formatDuration', () => {
  it.each([
    [250, '250ms'],
    [1000, '1s'],
    [65_000, '1m5s'],
    [3_600_000, '1h'],
    [3_725_000, '1h2m5s'],
    [0, '0ms'],
  ])('writes %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('readDuration', () => {
  it('reads days where they are allowed (the config), and refuses them where not (the CLI)', () => {
    expect(readDuration('2d')).toBe(172_800_000);
    expect(readDuration('2d', { days: false })).toBeNull();
    expect(readDuration('1h30m', { days: false })).toBe(5_400_000);
    expect(readDuration('10')).toBeNull();
  });

  it('says a duration too long to be exact is too long, not that it is no duration', () => {
    expect(() => parseDuration('9999999999999999h', '--duration')).toThrow(
      "--duration '9999999999999999h' is too long.",
    );
  });
});

describe('formatExactDuration and formatSeconds', () => {
  it.each([
    [172_800_000, '2d'],
    [5_400_000, '90m'],
    [1500, '1500ms'],
    [60_000, '1m'],
  ])('writes %i ms exactly as %s', (ms, text) => {
    expect(formatExactDuration(ms)).toBe(text);
  });

  it('writes table seconds with a tenth under ten seconds', () => {
    expect([formatSeconds(1500), formatSeconds(42_400), formatSeconds(null)]).toEqual([
      '1.5 s',
      '42 s',
      '—',
    ]);
  });
});
