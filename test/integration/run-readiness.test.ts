/**
 * The readiness check as the first step of `run`, on the shared local cluster: two
 * watched topics that one broker down breaks (replication factor 1; min.insync.replicas
 * equal to the replication factor) are named as `block` findings in report.json,
 * summary.txt and report.html, while the run still measures and its verdict is the
 * analyzer's (the readiness records only counted in ignoredRecords).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import type { RunReport } from '../../functions/core/run/judge.js';
import { runCli } from '../support/cli.js';
import { testCluster } from '../support/cluster.js';
import { readHistory } from '../support/history.js';
import { kafkaFor, randomTopic, trackClients, waitForInSync } from '../support/kafka.js';

const cluster = testCluster();
const track = trackClients();
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('run with --topics: the readiness check', () => {
  it('names an RF 1 topic and a min.insync.replicas = RF topic as block in all three reports', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'kuv-it-ready-run-')), 'run');
    dirs.push(join(out, '..'));
    const rf1 = randomTopic('kuv-it-run-rf1');
    const strict = randomTopic('kuv-it-run-strict');
    const admin = track(kafkaFor(cluster).admin());
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      timeout: 30_000,
      topics: [
        { topic: rf1, numPartitions: 2, replicationFactor: 1 },
        {
          topic: strict,
          numPartitions: 2,
          replicationFactor: 3,
          configEntries: [{ name: 'min.insync.replicas', value: '3' }],
        },
      ],
    });
    await waitForInSync(admin, [rf1, strict], 'the two topics');

    const r = await runCli([
      'run',
      '--bootstrap',
      cluster.bootstrap,
      ...(cluster.dnsServer === null ? [] : ['--dns-server', cluster.dnsServer]),
      '--topic',
      randomTopic('kuv-it-ready-canary'),
      '--topics',
      `${rf1},${strict}`,
      '--duration',
      '20s',
      '--settle',
      '5s',
      '--out',
      out,
    ]);
    // A block finding does not stop the run: it measures, and says so at the start.
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`READINESS BLOCK replication-factor-1 topic ${rf1}:`);
    expect(r.stderr).toContain(`READINESS BLOCK min-isr-at-least-rf topic ${strict}:`);

    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
    expect(report.verdict).toBe('pass');
    const readiness = report.readiness!;
    expect(readiness.checked).toMatch(/^3 broker\(s\), 2 topic\(s\), 4 partition\(s\)/);
    const blocks = readiness.findings.filter((f) => f.severity === 'block');
    expect(blocks.map((f) => [f.rule, f.subject.topic]).sort()).toEqual(
      [
        ['min-isr-at-least-rf', strict],
        ['replication-factor-1', rf1],
      ].sort(),
    );
    expect(readiness.counts.block).toBe(2);
    const byRule = new Map(blocks.map((f) => [f.rule, f]));
    expect(byRule.get('replication-factor-1')!.measured).toBe(
      'replication factor 1 on 2 partition(s)',
    );
    expect(byRule.get('min-isr-at-least-rf')!.measured).toBe(
      'min.insync.replicas 3 with replication factor 3',
    );
    expect(byRule.get('min-isr-at-least-rf')!.change).toContain('min.insync.replicas=2');
    // The analyzer skipped every readiness record (findings and the `checked` one).
    const records = readHistory(join(out, 'history.jsonl.gz')).filter(
      (h) => h.type === 'readiness',
    );
    expect(records).toHaveLength(readiness.findings.length + 1);
    expect(report.ignoredRecords).toBeGreaterThanOrEqual(records.length);

    const summary = readFileSync(join(out, 'summary.txt'), 'utf8');
    const lines = summary.split('\n');
    expect(lines[0]).toMatch(
      /^READINESS NOT READY at .*: 2 finding\(s\) block the upgrade .*the run measured it anyway$/,
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^ {2}BLOCK replication-factor-1 topic ${rf1}: replication factor 1`),
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^ {2}BLOCK min-isr-at-least-rf topic ${strict}: `)),
    );
    expect(summary).toMatch(/VERDICT: PASS/);

    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const start = html.indexOf('<section id="readiness"');
    const section = html.slice(start, html.indexOf('</section>', start));
    expect(section).toContain('data-block="2"');
    expect(section).toContain('NOT READY');
    expect(section).toContain(
      `<tr class="bad" data-severity="block"><td>block</td><td>replication-factor-1</td><td>topic ${rf1}</td>`,
    );
    expect(section).toContain(
      `<tr class="bad" data-severity="block"><td>block</td><td>min-isr-at-least-rf</td><td>topic ${strict}</td>`,
    );
  }, 180_000);
});
