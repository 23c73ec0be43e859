import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { summarizeReport } from '../../../functions/commons/verdict.js';
import { analyzeLines } from '../../../functions/core/history/index.js';

const history = (name: string) =>
  readFileSync(join(import.meta.dirname, '../../fixtures/history', `${name}.jsonl`), 'utf8').split(
    '\n',
  );

describe('the verdict in brief (what notify tells)', () => {
  it('keeps the worst partitions first and each anomaly with the restart it followed', () => {
    const report = analyzeLines(history('rolling-101'), { policy: 'strict' });
    const where = {
      cluster: 'orders',
      runId: 'orders-x',
      bucket: 'b',
      reportKey: 'r',
      summaryKey: 's',
      htmlKey: 'h',
    };
    const v = summarizeReport(report, where, { published: 20, failed: [] });
    expect(v).toMatchObject({ kind: 'verdict', cluster: 'orders', verdict: report.verdict });
    expect(v.reasons).toEqual(report.reasons);
    const counts = v.worstPartitions.map((p) => p.anomalies);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(v.worstPartitions.length).toBeLessThanOrEqual(5);
    expect(v.anomalies.every((a) => a.kind !== 'redelivered')).toBe(true);
    const first = report.anomalies.find((a) => a.kind !== 'redelivered');
    if (first !== undefined) expect(v.anomalies[0]?.afterRestart).toEqual(first.afterRestart);
    // Small enough for a Step Functions state (256 KB), whatever the report's size.
    expect(JSON.stringify(v).length).toBeLessThan(8000);
  });
});
