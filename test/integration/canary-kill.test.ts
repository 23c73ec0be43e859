/**
 * A crashed partition leader under `run`: SIGKILL the broker leading partition 0 (no
 * controlled shutdown: its partitions have no leader until the controller fences it,
 * broker.session.timeout.ms, 9 s), start it again, end the run. Every tick is still
 * sent (queued while the partition's send is stuck, none skipped), and the stall shows
 * as what a producer sending at that rate felt: `scheduledLatencyMs` (ackedAt −
 * scheduledAt) of the partition, and its outage in `maxUnavailableMs` when sends
 * failed. Its own cluster (own state file and ports), so no other test sees the crash.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { killBroker, restartBroker, stderrLog } from '../../rehearsal/index.js';
import { metricsFromReport } from '../../functions/core/metrics/report-metrics.js';
import { finished, startCli, waitForOutput } from '../support/cli.js';
import {
  externalCluster,
  ownClusterForFile,
  TEST_CLUSTER_PORTS,
  testCluster,
} from '../support/cluster.js';
import { identity, readHistory, type Rec } from '../support/history.js';
import { kafkaFor, kcatOffsets } from '../support/kafka.js';
import { readState } from '../../rehearsal/state.js';
import { sleep } from '../../functions/core/wait.js';

/** The brokers fence a silent broker after 9 s; its heartbeats come every second. */
const FENCED_AFTER_MS = 9000 - 1000;
const INTERVAL_MS = 100;

const external = externalCluster();
const dir = mkdtempSync(join(tmpdir(), 'kuv-it-canary-kill-'));
const ownCluster = ownClusterForFile({
  name: 'canary-kill',
  ports: TEST_CLUSTER_PORTS.canaryKill,
  version: testCluster().version,
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Latency {
  p99: number;
  max: number;
}
interface Partition {
  partition: number;
  maxUnavailableMs: number;
  produceLatencyMs: Latency | null;
  scheduledLatencyMs?: Latency | null;
}

async function leaderOf(topic: string, partition: number): Promise<number> {
  const admin = kafkaFor(ownCluster()).admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]!.partitions.find((p) => p.partitionId === partition)!.leader;
  } finally {
    await admin.disconnect();
  }
}

/** The canary's produce records. */
function produce(history: Rec[]): Rec[] {
  return history.filter((h) => h.type === 'produce' && h.producer === 'canary');
}

describe.skipIf(external)('run through a SIGKILLed partition leader', () => {
  it('sends every tick and shows the stall from scheduledAt to the ack', async () => {
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
      '5s',
      '--slice',
      '10s',
      '--interval-ms',
      String(INTERVAL_MS),
      '--out',
      out,
      '--format',
      'json',
    ]);
    await waitForOutput(run, 'canary: ');
    await sleep(3000);
    let killedAt = 0;
    let victim = 0;
    try {
      victim = await leaderOf('kuv-canary', 0);
      killedAt = Date.now();
      await killBroker(ownCluster().statePath, victim, { log: stderrLog });
      await restartBroker(ownCluster().statePath, victim, { log: stderrLog });
    } catch (error) {
      run.child.kill('SIGTERM');
      throw error;
    }
    await sleep(2000);
    run.child.kill('SIGINT'); // the first Ctrl-C: stop producing, settle, verify
    // Settle 5 s and the read-back: seconds here, minutes on a loaded CI machine.
    const r = await finished(run, 150_000);
    const report = JSON.parse(r.stdout) as {
      totals: Record<string, number | null>;
      partitions: Partition[];
      anomalies: unknown[];
      run: { runId: string };
    };
    const said = `${r.stderr}\nfirst anomalies: ${JSON.stringify(report.anomalies.slice(0, 5))}`;
    expect(report.totals, said).toMatchObject({ duplicates: 0, outOfOrder: 0 });

    const history = readHistory(join(out, 'history.jsonl.gz'));
    // Loss is what kafkajs' idempotent producer does through a killed leader, not what the
    // verifier decides: under load it has acked a batch that never reached the log (seen
    // 2 of 8 runs, after OUT_OF_ORDER_SEQUENCE_NUMBER). What is checked is that the
    // verdict counts exactly the acked records an independent reader (kcat, through the
    // brokers' INTERNAL listener) does not find, and that each was seen live first.
    const allAcked = produce(history).filter((h) => h.ok === true);
    const internal = readState(ownCluster().statePath)!.brokers[0]!;
    const inTopic = kcatOffsets(
      `${internal.address}:${internal.internalPort}`,
      'kuv-canary',
      report.run.runId,
    );
    const missing = allAcked.filter((h) => !inTopic.has(identity(h)));
    expect(report.totals.lost, said).toBe(missing.length);
    const produced = produce(history);
    const closing = history.findLast((h) => h.type === 'run' && h.closing === true)!;
    expect(closing.counters).toMatchObject({ queueFull: 0 });

    // Every tick sent: per partition, seq 0…n−1 once each, and the ticks' scheduledAt
    // on the interval grid (a slice boundary starts the grid again, never skips).
    const byPartition = new Map<number, Rec[]>();
    for (const h of produced) {
      const list = byPartition.get(h.partition as number) ?? [];
      list.push(h);
      byPartition.set(h.partition as number, list);
    }
    expect(byPartition.size).toBe(6);
    for (const [partition, list] of byPartition) {
      const seqs = list.map((h) => h.seq as number).sort((a, b) => a - b);
      expect(seqs, `partition ${partition}`).toEqual([...seqs.keys()]);
      const ticks = list.map((h) => h.scheduledAt as number).sort((a, b) => a - b);
      const gaps = ticks.slice(1).map((t, i) => t - ticks[i]!);
      expect(Math.max(...gaps), `partition ${partition}`).toBeLessThanOrEqual(INTERVAL_MS * 2);
    }

    // The stall: the partition's first tick after the kill cannot be acked before the
    // controller fenced the dead leader and moved leadership.
    const p0 = byPartition.get(0)!.sort((a, b) => (a.seq as number) - (b.seq as number));
    const firstAfterKill = p0.find((h) => (h.scheduledAt as number) >= killedAt)!;
    const acked = p0.filter(
      (h) => h.ok === true && (h.seq as number) >= (firstAfterKill.seq as number),
    );
    const stallMs = (acked[0]!.ackedAt as number) - (firstAfterKill.scheduledAt as number);
    const partition0 = report.partitions.find((p) => p.partition === 0)!;
    const failed = p0.filter((h) => h.ok === false).length;
    stderrLog(
      `killed broker ${victim} (leader of p0): first tick after the kill acked ${stallMs} ms after its tick` +
        ` (${firstAfterKill.ok === true ? 'itself' : 'a later one'}); p0 ${p0.length} sends, ${failed} failed,` +
        ` maxUnavailableMs ${partition0.maxUnavailableMs}, produceLatencyMs ${JSON.stringify(partition0.produceLatencyMs)},` +
        ` scheduledLatencyMs ${JSON.stringify(partition0.scheduledLatencyMs ?? 'not in this analyzer')}`,
    );
    expect(stallMs).toBeGreaterThanOrEqual(FENCED_AFTER_MS - INTERVAL_MS);
    // The run's own figure (status line, summary header) saw it too.
    if (firstAfterKill.ok === true) {
      expect(
        (closing.counters as { longestStallMs: number }).longestStallMs,
      ).toBeGreaterThanOrEqual(stallMs);
    }
    // Sent while waiting, not skipped: the ticks of the stall are in the history.
    const duringStall = p0.filter(
      (h) =>
        (h.scheduledAt as number) >= (firstAfterKill.scheduledAt as number) &&
        (h.scheduledAt as number) < (acked[0]!.ackedAt as number),
    );
    // A slice boundary starts the tick grid again from the new slice's start, so each one
    // inside the stall may cost up to one interval's tick (the grid check above allows a
    // gap of two intervals there); seen on a loaded CI machine: 139 ticks for 140.
    const boundaries = history.filter(
      (h) =>
        h.type === 'slice' &&
        (h.endedAt as number) >= (firstAfterKill.scheduledAt as number) &&
        (h.endedAt as number) < (acked[0]!.ackedAt as number),
    ).length;
    expect(duringStall.length).toBeGreaterThanOrEqual(
      Math.floor(stallMs / INTERVAL_MS) - 1 - boundaries,
    );
    // What the analyzer makes of it: an outage when sends failed, and, where it knows
    // scheduledLatencyMs (history v3), a maximum of at least the stall.
    if (failed > 0) expect(partition0.maxUnavailableMs).toBeGreaterThan(0);
    // `stallMs` runs from the first tick after the kill to the first ack after it, which
    // may be a later message's (when that tick's own send failed): no one message need
    // have waited that long. The analyzer's maximum is per message, so it is checked
    // against the same figure computed here from the history.
    const longestWait = Math.max(
      ...p0
        .filter((h) => h.ok === true)
        .map((h) => (h.ackedAt as number) - (h.scheduledAt as number)),
    );
    if (firstAfterKill.ok === true) expect(longestWait).toBeGreaterThanOrEqual(stallMs);
    expect(partition0.scheduledLatencyMs?.max).toBe(longestWait);
    // The figure a person and an alarm see: the summary's "longest stall" and the
    // LongestProduceStallMs metric, both at least the stall (MaxUnavailableMs counts
    // failed sends only and may read 0 through it).
    const published = metricsFromReport(report as never, { cluster: 'kill' }).datums.find(
      (d) => d.MetricName === 'LongestProduceStallMs',
    );
    expect(published?.Value).toBeGreaterThanOrEqual(longestWait);
    const summaryStall = /longest stall\s+(\d+) ms/.exec(
      readFileSync(join(out, 'summary.txt'), 'utf8'),
    );
    expect(Number(summaryStall?.[1])).toBeGreaterThanOrEqual(FENCED_AFTER_MS - INTERVAL_MS);
    // Seen live (issue 17): the killed broker is an unreachable-broker finding in
    // live.jsonl, made while the canary still ran (before its finished status line).
    const journal = readFileSync(join(out, 'live.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const canaryEnd = journal.find((l) => l.type === 'status' && l.finished === true)!.at as number;
    const findings = JSON.stringify(journal.filter((l) => l.type !== 'status'));
    // The prober looks every 10 s: when one of its rounds found the victim down, the
    // live checker said so, hard.
    const probedDown = history.some(
      (h) => h.type === 'probe' && h.broker === victim && (h.tcp as { ok?: boolean })?.ok === false,
    );
    const unreachable = journal.find((l) => l.kind === 'unreachableBroker' && l.broker === victim);
    expect(unreachable !== undefined, findings).toBe(probedDown);
    if (unreachable !== undefined) expect(unreachable.hard).toBe(true);
    for (const h of missing) {
      expect(
        journal.some(
          (l) => l.kind === 'suspectedLoss' && l.partition === h.partition && l.seq === h.seq,
        ),
        findings,
      ).toBe(true);
    }
    // Before the probe: the partitions the victim led stalled, told at once.
    const stalled = journal.find((l) => l.kind === 'stalled' && l.partition === 0);
    expect(stalled, JSON.stringify(journal.filter((l) => l.type !== 'status'))).toBeDefined();
    expect(stalled!.detectedAt as number).toBeLessThan(canaryEnd);
    stderrLog(
      `live: partition 0 stalled seen ${(stalled!.detectedAt as number) - killedAt} ms after the SIGKILL`,
    );
    if (unreachable !== undefined) {
      stderrLog(
        `live: broker ${victim} unreachable seen ${(unreachable.detectedAt as number) - killedAt} ms after the SIGKILL`,
      );
    }
    // The verifier's read-back agrees with kcat: the acked records it did not find.
    const loggedIds = new Set(history.filter((h) => h.type === 'log').map(identity));
    expect(allAcked.filter((h) => !loggedIds.has(identity(h))).map(identity)).toEqual(
      missing.map(identity),
    );
  }, 300_000);
});
