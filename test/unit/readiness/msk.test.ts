/**
 * The MSK part of the readiness check (functions/core/readiness/msk.ts): the state,
 * CPU against 60 %, and the quietest window of the day, in UTC and a time zone.
 */
import { describe, expect, it } from 'vitest';

import {
  checkTimeZone,
  mskRules,
  quietestWindow,
  windowIn,
  type MskFacts,
} from '../../../functions/core/readiness/msk.js';

const DAY0 = Date.UTC(2026, 10, 1);
const HOUR = 3_600_000;

/** 14 days of hourly traffic: `rate(hour)` bytes/s every day. */
function traffic(rate: (hour: number) => number, days = 14) {
  return Array.from({ length: days * 24 }, (_, i) => ({
    at: DAY0 + i * HOUR,
    bytesPerSecond: rate(i % 24),
  }));
}

function facts(f: Partial<MskFacts> = {}): MskFacts {
  return {
    clusterArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/prod/abc',
    clusterName: 'prod',
    state: 'ACTIVE',
    cpu: [
      { broker: 1, maxPercent: 35 },
      { broker: 2, maxPercent: 40 },
    ],
    bytesIn: traffic((h) => 1000 + h),
    ...f,
  };
}

describe('quietestWindow', () => {
  it('finds the quietest two hours, wrapping past midnight, earliest on a tie', () => {
    // Quiet at 23:00 and 00:00 UTC.
    const w = quietestWindow(traffic((h) => (h === 23 || h === 0 ? 10 : 500)));
    expect(w).toEqual({ startHourUtc: 23, bytesPerSecond: 10, days: 14 });
    expect(quietestWindow(traffic(() => 7))?.startHourUtc).toBe(0);
  });

  it('types each hour by its median over the days, so one busy night does not hide a quiet hour', () => {
    const points = traffic((h) => (h === 3 || h === 4 ? 100 : 1000));
    points[3]!.bytesPerSecond = 50_000; // day 1, 03:00: a batch job once
    expect(quietestWindow(points)?.startHourUtc).toBe(3);
  });

  it('is null when an hour of the day has no data', () => {
    expect(
      quietestWindow(traffic(() => 1).filter((p) => new Date(p.at).getUTCHours() !== 5)),
    ).toBeNull();
  });
});

describe('mskRules', () => {
  it('blocks a cluster that is not ACTIVE, warns on CPU over 60 %, and gives the quiet window in UTC and the zone', () => {
    const now = Date.UTC(2026, 6, 1); // summer: Berlin is UTC+2
    const found = mskRules(
      facts({
        state: 'UPDATING',
        cpu: [
          { broker: 1, maxPercent: 61.5 },
          { broker: 2, maxPercent: 60 },
          { broker: 3, maxPercent: null },
        ],
        bytesIn: traffic((h) => (h === 1 || h === 2 ? 5 * 2 ** 20 : 9 * 2 ** 20)),
      }),
      'Europe/Berlin',
      now,
    );
    expect(found.map((f) => [f.severity, f.rule, f.subject.broker ?? null])).toEqual([
      ['block', 'msk-cluster-not-active', null],
      ['warn', 'msk-cpu-high', 1],
      ['info', 'msk-cpu-unknown', 3],
      ['info', 'msk-quiet-hours', null],
    ]);
    expect(found[0]!.measured).toContain('UPDATING');
    expect(found[1]!.measured).toContain('61.5 %');
    expect(found[3]!.measured).toBe(
      'quietest 2 h of the day over 14 day(s): 01:00–03:00 UTC (03:00–05:00 Europe/Berlin), typically 5.00 MiB/s in',
    );
  });

  it('says nothing but the window for an ACTIVE cluster under 60 %', () => {
    expect(mskRules(facts()).map((f) => f.rule)).toEqual(['msk-quiet-hours']);
  });

  it('names missing traffic hours instead of guessing a window', () => {
    expect(mskRules(facts({ bytesIn: [] })).map((f) => f.rule)).toEqual([
      'msk-quiet-hours-unknown',
    ]);
  });
});

describe('time zones', () => {
  it('places a UTC window in a zone with today’s offset', () => {
    expect(windowIn(22, 'Asia/Kolkata', Date.UTC(2026, 0, 1))).toBe('03:30–05:30');
    expect(windowIn(1, 'Europe/Berlin', Date.UTC(2026, 0, 1))).toBe('02:00–04:00');
  });

  it('refuses a zone Intl does not know', () => {
    expect(() => checkTimeZone('Mars/Olympus')).toThrow(RangeError);
    expect(() => checkTimeZone('Europe/Berlin')).not.toThrow();
  });
});
