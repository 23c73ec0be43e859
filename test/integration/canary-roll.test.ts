/**
 * The rehearsal: `run` on a cluster of this file's own while every broker restarts
 * one at a time, ended with Ctrl-C as a person would once the roll is over. Its own
 * cluster (own state file and ports), so the shared one is never rolled under other tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { stderrLog } from '../../rehearsal/index.js';
import { finished, startCli, waitForOutput } from '../support/cli.js';
import {
  externalCluster,
  ownClusterForFile,
  TEST_CLUSTER_PORTS,
  testCluster,
} from '../support/cluster.js';
import { identity, readHistory } from '../support/history.js';
import { sleep } from '../../functions/core/wait.js';

// Restarting brokers needs a cluster the tests start; with an external one, skip.
const external = externalCluster();
const dir = mkdtempSync(join(tmpdir(), 'kuv-it-canary-roll-'));
const ownCluster = ownClusterForFile({
  name: 'canary-roll',
  ports: TEST_CLUSTER_PORTS.canaryRoll,
  version: testCluster().version,
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Partition {
  partition: number;
  maxUnavailableMs: number;
  produceLatencyMs: { max: number } | null;
}

describe.skipIf(external)('run during a rolling restart', () => {
  it('no acked record lost, no duplicate in the log (idempotent), the outage measured; Ctrl-C ends the canary', async () => {
    const out = join(dir, 'run');
    const run = startCli([
      'run',
      '--bootstrap',
      ownCluster().bootstrap,
      '--dns-server',
      ownCluster().dnsServer,
      '--duration',
      '5m',
      '--settle',
      '8s',
      '--slice',
      '10s',
      '--out',
      out,
      '--format',
      'json',
    ]);
    await waitForOutput(run, 'canary: ');
    await sleep(3000);
    const rollStart = Date.now();
    try {
      await ownCluster().roll();
    } catch (error) {
      run.child.kill('SIGTERM');
      throw error;
    }
    const rollEnd = Date.now();
    await sleep(2000);
    run.child.kill('SIGINT'); // the first Ctrl-C: stop producing, settle, verify
    const r = await finished(run, 150_000);
    expect(r.stderr).toContain('Ctrl-C: producing stops now; settling and verifying');
    const verdictOf = (stdout: string) => {
      try {
        const j = JSON.parse(stdout) as Record<string, unknown>;
        const anomalies = (j.anomalies as unknown[]).slice(0, 5);
        return JSON.stringify({
          reasons: j.reasons,
          totals: j.totals,
          anomalies,
          restarts: j.restarts,
        });
      } catch {
        return stdout;
      }
    };
    // pass or warn (a group may redeliver after a rebalance)
    expect(r.status, `${r.stderr}\n${verdictOf(r.stdout)}`).toBe(0);
    const report = JSON.parse(r.stdout) as {
      verdict: string;
      totals: Record<string, number | null>;
      partitions: Partition[];
      restarts: Array<{ broker: number; downAt: number | null; upAt: number | null }>;
    };
    expect(['pass', 'warn']).toContain(report.verdict);
    expect(report.totals).toMatchObject({ lost: 0, duplicates: 0, outOfOrder: 0, skipped: 0 });

    const history = readHistory(join(out, 'history.jsonl.gz'));
    const produce = history.filter((h) => h.type === 'produce');
    const logged = new Set(history.filter((h) => h.type === 'log').map(identity));
    const acked = produce.filter((h) => h.ok === true);
    expect(acked.filter((h) => !logged.has(identity(h))).map(identity)).toEqual([]);
    // Traffic flowed through the roll, not only around it.
    const duringRoll = acked.filter(
      (h) => (h.sentAt as number) > rollStart && (h.sentAt as number) < rollEnd,
    );
    expect(duringRoll.length).toBeGreaterThan(((rollEnd - rollStart) / 100) * 6 * 0.5);

    // The outage: failed sends make maxUnavailableMs > 0; a controlled shutdown that
    // moves leadership first shows instead as sends that waited while kafkajs retried.
    const maxUnavailable = Math.max(...report.partitions.map((p) => p.maxUnavailableMs));
    const maxLatency = Math.max(...report.partitions.map((p) => p.produceLatencyMs?.max ?? 0));
    stderrLog(
      `canary during roll: roll ${((rollEnd - rollStart) / 1000).toFixed(1)} s, ${produce.length} sends ` +
        `(${acked.length} acked, ${produce.length - acked.length} failed), maxUnavailableMs ${maxUnavailable}, ` +
        `max produce latency ${maxLatency} ms, redelivered ${report.totals.redelivered}, verdict ${report.verdict}, ` +
        `restarts ${JSON.stringify(report.restarts.map((x) => [x.broker, (x.upAt ?? 0) - (x.downAt ?? 0)]))}`,
    );
    expect(maxUnavailable > 0 || maxLatency >= 200).toBe(true);
    // The run's cluster watcher saw each broker go down and come back: the restarts
    // the analyzer places anomalies after.
    expect(report.restarts.map((x) => x.broker).sort()).toEqual([1, 2, 3]);
    for (const x of report.restarts) {
      expect(x.downAt).not.toBeNull();
      expect(x.upAt).toBeGreaterThan(x.downAt!);
    }
    expect(history.some((h) => h.type === 'probe')).toBe(true);
    expect(history.some((h) => h.type === 'leaders')).toBe(true);
  }, 300_000);
});
