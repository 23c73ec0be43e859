/**
 * The report's "what to do next" must say what the runbooks say. The runbooks
 * are not shipped with the package or the Lambdas, so their "What to do"
 * sections are copied into functions/core/report/runbooks.ts; this test fails
 * when a copy differs from its page. To copy them again after editing a page:
 *
 *   KUV_WRITE_RUNBOOKS=1 npx vitest run --project unit test/unit/report/runbooks.test.ts
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { analyzeLines, POLICIES } from '../../../functions/core/history/index.js';
import { RUNBOOKS, runbookFor } from '../../../functions/core/report/runbooks.js';

const root = join(import.meta.dirname, '../../..');
const pages = join(root, 'docs/runbooks');
const module = join(root, 'functions/core/report/runbooks.ts');
const fixtures = join(root, 'test/fixtures/history');

/** A page's title (its `# ` heading) and its "## What to do" section, trimmed. */
function section(file: string): { title: string; whatToDo: string } {
  const text = readFileSync(join(pages, file), 'utf8');
  const title = /^# (.+)$/m.exec(text)![1]!;
  const start = text.indexOf('\n## What to do\n');
  const rest = text.slice(start + '\n## What to do\n'.length);
  const end = rest.search(/^## /m);
  return { title, whatToDo: (end === -1 ? rest : rest.slice(0, end)).trim() };
}

function fromPages(): Record<string, { title: string; whatToDo: string }> {
  const files = readdirSync(pages)
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .sort();
  return Object.fromEntries(files.map((f) => [f.slice(0, -'.md'.length), section(f)]));
}

/** Rewrites the RUNBOOKS constant in runbooks.ts from the pages, keeping the rest of the module. */
async function writeModule(): Promise<void> {
  const source = readFileSync(module, 'utf8');
  const begin = source.indexOf('export const RUNBOOKS');
  const end = source.indexOf('// END RUNBOOKS');
  const constant = `export const RUNBOOKS: Readonly<Record<string, Runbook>> = ${JSON.stringify(fromPages(), null, 2)};\n`;
  const next = source.slice(0, begin) + constant + source.slice(end);
  const options = (await prettier.resolveConfig(module)) ?? {};
  writeFileSync(module, await prettier.format(next, { ...options, filepath: module }));
}

describe('runbook words in the report', () => {
  it('are the "What to do" sections of docs/runbooks, word for word', async () => {
    if (process.env.KUV_WRITE_RUNBOOKS === '1') await writeModule();
    expect(
      RUNBOOKS,
      'runbooks.ts differs from docs/runbooks: run KUV_WRITE_RUNBOOKS=1 npx vitest run --project unit test/unit/report/runbooks.test.ts',
    ).toEqual(fromPages());
  });

  it('every verdict reason of every spec vector leads to a runbook page', () => {
    const seen = new Set<string>();
    for (const file of readdirSync(fixtures).filter((f) => f.endsWith('.jsonl'))) {
      const lines = readFileSync(join(fixtures, file), 'utf8').split('\n');
      for (const policy of POLICIES) {
        let report;
        try {
          report = analyzeLines(lines, { policy });
        } catch {
          continue; // the bad-input vectors
        }
        for (const reason of report.reasons) {
          const slug = runbookFor(reason, report.verdict);
          expect(RUNBOOKS[slug], `${file} ${policy}: '${reason}'`).toBeDefined();
          seen.add(slug);
        }
      }
    }
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        'broker-address-changes',
        'duplicate-messages',
        'inconsistent-offsets',
        'ip-literal-endpoints',
        'leader-skew',
        'lost-messages',
        'offline-partitions',
        'out-of-order-messages',
        'skipped-messages',
        'under-replicated-partitions',
        'verification-inconclusive',
      ]),
    );
  });

  it.each([
    ['3 acked records lost', 'lost-messages'],
    ['2 duplicate records in the log', 'duplicate-messages'],
    ['4 records out of order', 'out-of-order-messages'],
    ['4 records out of order outside any restart window', 'out-of-order-messages'],
    ['4 records out of order inside a restart window (tolerated)', 'out-of-order-messages'],
    ['1 logged records a consumer group skipped', 'skipped-messages'],
    ['1 offsets holding two different records', 'inconsistent-offsets'],
    ['1 brokers unreachable at the end', 'unreachable-brokers'],
    ['1 bootstrap endpoints unreachable at the end', 'unreachable-bootstrap'],
    ['1 partitions offline (no leader) at the end', 'offline-partitions'],
    ['5 records redelivered to a consumer group', 'redelivered-messages'],
    ['1 brokers whose address changed', 'broker-address-changes'],
    ['1 endpoints given as IP addresses instead of DNS names', 'ip-literal-endpoints'],
    ['2 probes whose DNS lookup failed', 'dns-failures'],
    ['1 partitions under-replicated at the end', 'under-replicated-partitions'],
    ['leader skew 2 is above 1.5', 'leader-skew'],
  ])('"%s" → %s', (reason, slug) => {
    expect(runbookFor(reason, 'fail')).toBe(slug);
  });
});
