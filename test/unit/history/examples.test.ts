/**
 * The spec's test vectors (test/fixtures/history, copied from the format's
 * examples): each history must give its expected report under both policies,
 * through the same streaming entry point the CLI uses.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HistoryFormatError } from '../../../functions/core/errors.js';
import { analyzeHistory, exitStatusFor, POLICIES } from '../../../functions/core/history/index.js';

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
  it.each(POLICIES)('gives its expected report under the %s policy', async (policy) => {
    const expected = JSON.parse(readFileSync(join(dir, `${name}.${policy}.expected.json`), 'utf8'));
    const run = analyzeHistory(join(dir, `${name}.jsonl`), { policy, windowMs: 300_000 });
    if (expected.exitStatus === 2) {
      const error = await run.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(HistoryFormatError);
      expect((error as Error).message).toContain(expected.stderrMentions);
      return;
    }
    const report = await run;
    expect(exitStatusFor(report.verdict)).toBe(expected.exitStatus);
    expect(report.verdict).toBe(expected.verdict);
    expect(report.totals).toEqual(expected.totals);
    expect(report.partitions).toEqual(expected.partitions);
    expect(report.restarts).toEqual(expected.restarts);
    expect(report.ignoredRecords).toBe(expected.ignoredRecords);
    if (expected.anomalies !== undefined) {
      expect(report.anomaliesTruncated).toBe(false);
      expect(report.anomalies.map(canonical).sort()).toEqual(
        expected.anomalies.map(canonical).sort(),
      );
    }
  });
});

it('has every example the format ships', () => {
  expect(histories.sort()).toEqual([
    'bad-field',
    'bad-json',
    'delivery',
    'ordering',
    'rolling-101',
    'rolling-102',
    'window',
    'window-inside-only',
  ]);
});
