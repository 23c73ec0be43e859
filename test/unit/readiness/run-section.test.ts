/**
 * The Readiness section of a run's reports (functions/core/readiness/run-section.ts,
 * functions/core/report/readiness-section.ts, functions/core/run/judge.ts): from
 * hand-made histories, into report.json, summary.txt and report.html — with the
 * analyzer's verdict and figures unchanged by the readiness records.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { checkedRecord, readinessRecord } from '../../../functions/core/readiness/records.js';
import {
  SUMMARY_FINDINGS,
  formatReadinessSummary,
} from '../../../functions/core/readiness/run-section.js';
import type { Finding } from '../../../functions/core/readiness/rules.js';
import { judgeHistory, runFiles } from '../../../functions/core/run/judge.js';

const fixture = readFileSync(
  join(import.meta.dirname, '../../fixtures/history/delivery.jsonl'),
  'utf8',
);
const judging = { policy: 'strict', windowMs: 300_000, source: 'hand-made' } as const;
const AT = 1_763_899_990_000;

const rf1: Finding = {
  severity: 'block',
  rule: 'replication-factor-1',
  subject: { topic: 'orders' },
  measured: 'replication factor 1 on 3 partition(s)',
  change: 'raise the replication factor to 3',
};
const single: Finding = {
  severity: 'warn',
  rule: 'single-bootstrap-broker',
  subject: { endpoint: 'b-1:9092' },
  measured: 'the bootstrap list names one broker',
  change: 'list at least three brokers',
};
const skew: Finding = {
  severity: 'info',
  rule: 'leader-skew',
  subject: {},
  measured: 'leaders per broker 1:2 2:2 3:2',
  change: 'none',
};
const checked = { brokers: 3, topics: 2, partitions: 6, groups: 1 };

function lines(records: object[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n');
}

/** The delivery fixture with `records` put after its run record. */
function history(records: object[]): string {
  const [run, ...rest] = fixture.trimEnd().split('\n');
  return [run, lines(records), ...rest].filter((l) => l !== '').join('\n') + '\n';
}

async function judge(text: string) {
  const judged = await judgeHistory([text], judging);
  return { judged, files: runFiles(judged, 'HEADER\n', '\nTAIL') };
}

describe('the Readiness section', () => {
  it('lists the check’s findings in report.json, blocks first, and leaves the verdict as it was', async () => {
    const plain = await judge(fixture);
    const { judged, files } = await judge(
      history([
        readinessRecord(skew, AT),
        readinessRecord(single, AT),
        checkedRecord(checked, AT),
        readinessRecord(rf1, AT),
      ]),
    );
    const report = JSON.parse(files.report);
    expect(report.readiness).toEqual({
      at: AT,
      checked: '3 broker(s), 2 topic(s), 6 partition(s), 1 group(s)',
      counts: { block: 1, warn: 1, info: 1 },
      findings: [rf1, single, skew],
      unreadable: 0,
      problems: [],
    });
    // The analyzer skips the four records, counts them, and decides as before.
    expect(plain.judged.report.readiness).toBeNull();
    expect(judged.report.ignoredRecords).toBe(plain.judged.report.ignoredRecords + 4);
    expect({ ...judged.report, readiness: null, ignoredRecords: 0 }).toEqual({
      ...plain.judged.report,
      ignoredRecords: 0,
    });
  });

  it('starts summary.txt with it: counts, then each block and warn finding on one line', async () => {
    const { files } = await judge(
      history([readinessRecord(rf1, AT), readinessRecord(single, AT), readinessRecord(skew, AT)]),
    );
    const [first, counts, block, warn, next] = files.summary.split('\n');
    expect(first).toBe(
      'READINESS NOT READY at 2025-11-23T12:13:10.000Z: 1 finding(s) block the upgrade (writes or reads fail or lose data while one broker is down); the run measured it anyway',
    );
    expect(counts).toBe('  1 block, 1 warn, 1 info');
    expect(block).toBe(
      '  BLOCK replication-factor-1 topic orders: replication factor 1 on 3 partition(s); change: raise the replication factor to 3',
    );
    expect(warn).toBe(
      '  WARN  single-bootstrap-broker endpoint b-1:9092: the bootstrap list names one broker; change: list at least three brokers',
    );
    expect(next).toBe('');
    expect(files.summary).not.toContain('leader-skew');
    expect(files.summary.indexOf('HEADER\n')).toBeGreaterThan(0);
    expect(files.summary.indexOf('HEADER\n')).toBeLessThan(files.summary.indexOf('VERDICT:'));
    expect(files.summary.endsWith('\nTAIL')).toBe(true);
  });

  it('says a clean check was ready, with what it covered', async () => {
    const { files } = await judge(history([checkedRecord(checked, AT)]));
    expect(JSON.parse(files.report).readiness.counts).toEqual({ block: 0, warn: 0, info: 0 });
    expect(files.summary.split('\n').slice(0, 2)).toEqual([
      'READINESS ready at 2025-11-23T12:13:10.000Z: no finding blocks the upgrade',
      '  0 block, 0 warn, 0 info; checked 3 broker(s), 2 topic(s), 6 partition(s), 1 group(s)',
    ]);
    expect(files.html).toContain('<section id="readiness" data-checked="true"');
    expect(files.html).toContain('The check found nothing to report.');
  });

  it('says "not checked" for a history without readiness records, in all three files', async () => {
    const { files } = await judge(fixture);
    expect(JSON.parse(files.report).readiness).toBeNull();
    expect(files.summary).toMatch(/^READINESS not checked: the history has no readiness record/);
    expect(files.html).toContain('<section id="readiness" data-checked="false">');
  });

  it('keeps the latest check when the history has several (a retried baseline)', async () => {
    const { judged } = await judge(
      history([
        readinessRecord(rf1, AT),
        checkedRecord(checked, AT + 5),
        readinessRecord(single, AT + 5),
      ]),
    );
    expect(judged.report.readiness?.at).toBe(AT + 5);
    expect(judged.report.readiness?.findings).toEqual([single]);
  });

  it('skips a readiness record it cannot read, naming its line and field, and still reports', async () => {
    const bad = { ...readinessRecord(rf1, AT), severity: 'fatal' };
    const noValue: Record<string, unknown> = { ...readinessRecord(single, AT) };
    delete noValue.value;
    const { judged, files } = await judge(history([bad, noValue, readinessRecord(skew, AT)]));
    const r = judged.report.readiness!;
    expect(r.findings).toEqual([skew]);
    expect(r.unreadable).toBe(2);
    expect(r.problems).toEqual([
      'hand-made: line 2: field severity has "fatal"; expected "block", "warn" or "info"',
      'hand-made: line 3: field value is missing; expected a non-empty string',
    ]);
    expect(files.summary).toContain(
      '2 readiness record(s) could not be read and were skipped; first: hand-made: line 2: field severity',
    );
    expect(judged.report.verdict).toBe((await judge(fixture)).judged.report.verdict);
  });

  it('escapes a hostile topic name, measured value and advice in the HTML section', async () => {
    const hostile: Finding = {
      ...rf1,
      subject: { topic: '<script>alert(1)</script>' },
      measured: '"><img src=x onerror=alert(2)>',
      change: "it's & <b>bold</b>",
    };
    const { files } = await judge(history([readinessRecord(hostile, AT)]));
    const section = files.html.slice(
      files.html.indexOf('<section id="readiness"'),
      files.html.indexOf('</section>', files.html.indexOf('<section id="readiness"')),
    );
    expect(section).toContain('data-block="1"');
    expect(section).toContain('topic &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(section).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(section).toContain('it&#39;s &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(section).not.toContain('<script>');
    expect(section).not.toContain('<img');
    expect(section).not.toContain('<b>bold');
    // The same record in report.json is the text as written.
    expect(JSON.parse(files.report).readiness.findings[0].subject.topic).toBe(
      '<script>alert(1)</script>',
    );
  });

  it('caps summary.txt’s finding lines and says where the rest are', () => {
    const many = Array.from({ length: SUMMARY_FINDINGS + 3 }, (_, i) => ({
      ...rf1,
      subject: { topic: `t${i}` },
    }));
    const text = formatReadinessSummary({
      at: AT,
      checked: null,
      counts: { block: many.length, warn: 0, info: 0 },
      findings: many,
      unreadable: 0,
      problems: [],
    });
    const shown = text.split('\n').filter((l) => l.startsWith('  BLOCK'));
    expect(shown).toHaveLength(SUMMARY_FINDINGS);
    expect(text).toContain(
      "… and 3 more block/warn finding(s): report.json's readiness lists every one",
    );
  });
});
