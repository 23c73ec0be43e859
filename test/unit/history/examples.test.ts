/**
 * The spec's test vectors (test/fixtures/history, copied from the format's
 * examples): each history must give its expected report under both policies —
 * verdict, exit status, totals, partitions, restarts, ignored records,
 * reachability, balance, and for the small ones the whole anomaly list — through
 * readHistory, the entry point the CLI and the Lambdas use.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HistoryFormatError } from '../../../functions/core/errors.js';
import { POLICIES, exitStatusFor, readHistory } from '../../../functions/core/history/index.js';

const dir = join(import.meta.dirname, '../../fixtures/history');
const histories = readdirSync(dir)
  .filter((f) => f.endsWith('.jsonl'))
  .map((f) => f.slice(0, -'.jsonl'.length));

/** JSON with keys sorted at every depth, so anomalies compare regardless of key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

describe.each(histories)('example %s', (name) => {
  it.each(POLICIES)(
    'gives its expected report and exit status under the %s policy',
    async (policy) => {
      const expected = JSON.parse(
        readFileSync(join(dir, `${name}.${policy}.expected.json`), 'utf8'),
      );
      const source = `${name}.jsonl`;
      const reading = readHistory([readFileSync(join(dir, source))], { source });
      if (expected.exitStatus === 2) {
        await expect(reading).rejects.toThrow(HistoryFormatError);
        await expect(reading).rejects.toThrow(expected.stderrMentions);
        return;
      }
      const report = (await reading).report({ policy });
      const { exitStatus, anomalies, ...figures } = expected;
      expect(exitStatusFor(report.verdict)).toBe(exitStatus);
      expect(report).toMatchObject({ policy, windowMs: 300_000, maxLeaderSkew: 1.5 });
      const compared = Object.fromEntries(
        Object.keys(figures).map((k) => [k, report[k as keyof typeof report]]),
      );
      expect(compared).toEqual(figures);
      expect(Object.keys(figures).sort()).toEqual([
        'balance',
        'ignoredRecords',
        'partitions',
        'reachability',
        'restarts',
        'totals',
        'verdict',
      ]);
      if (anomalies !== undefined) {
        expect(report.anomaliesTruncated).toBe(false);
        expect(report.anomalies.map(canonical).sort()).toEqual(anomalies.map(canonical).sort());
      }
    },
  );
});

it('has every example the format ships', () => {
  expect(histories.sort()).toEqual([
    'bad-field',
    'bad-json',
    'balance-over-time',
    'delivery',
    'nothing-read',
    'offline',
    'ordering',
    'reachability',
    'rolling-101',
    'rolling-102',
    'window',
    'window-inside-only',
  ]);
});
