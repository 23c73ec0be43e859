/**
 * The cluster watcher and the reachability prober through real broker restarts on a
 * cluster of their own: a plain restart of broker 1, then broker 2 rolled onto a new
 * address behind its unchanged name. The monitors run as a canary run drives them:
 * baseline, a tick every 250 ms, after.
 */
import { describe, expect, it } from 'vitest';

import type { HistoryRecordOut } from '../../functions/core/probe/monitor.js';
import type { ProbeRecord } from '../../functions/core/probe/probe.js';
import { ReachabilityProber } from '../../functions/core/probe/reachability.js';
import { ClusterWatcher } from '../../functions/core/probe/watcher.js';
import { reportOf } from '../../bin/commands/reachability.js';
import { ownClusterForFile, TEST_CLUSTER_PORTS, testCluster } from '../support/cluster.js';
import { createTopic, kafkaFor, randomTopic, trackClients } from '../support/kafka.js';
import { sleep } from '../../functions/core/wait.js';

const track = trackClients();

// Restarts brokers: only where the tests start clusters themselves (not with KUV_BOOTSTRAP).
describe.skipIf(testCluster().statePath === null)('watcher and prober through a roll', () => {
  const ownCluster = ownClusterForFile({
    name: 'probe-roll-test',
    ports: TEST_CLUSTER_PORTS.probe,
  });
  const records: HistoryRecordOut[] = [];
  let topic = '';

  it('writes down/up for each restarted broker, leaders snapshots as leadership moves, and the new address', async () => {
    const cluster = ownCluster();
    const admin = track(kafkaFor(cluster).admin());
    await admin.connect();
    topic = randomTopic('kuv-it-watch');
    await createTopic(admin, topic, 6);

    const connection = { bootstrap: cluster.bootstrap, dnsServer: cluster.dnsServer };
    const watcher = new ClusterWatcher({ connection, topics: [topic], intervalMs: 500 });
    const prober = new ReachabilityProber({
      ...connection,
      brokers: watcher,
      intervalMs: 2000,
    });
    const monitors = [watcher, prober];
    const emit = (r: HistoryRecordOut) => void records.push(r);
    let slowestTickMs = 0;
    let ticking = true;
    let loop: Promise<void> = Promise.resolve();
    try {
      for (const m of monitors) await m.baseline(emit);
      loop = (async () => {
        while (ticking) {
          for (const m of monitors) {
            const began = performance.now();
            await m.tick(emit, Date.now());
            slowestTickMs = Math.max(slowestTickMs, performance.now() - began);
          }
          await sleep(250);
        }
      })();
      await cluster.roll([1]);
      await cluster.roll([2], true);
      ticking = false;
      await loop;
      for (const m of monitors) await m.after(emit);
    } finally {
      ticking = false;
      await loop;
      await Promise.all(monitors.map((m) => m.close()));
    }
    process.stderr.write(
      `slowest tick: ${slowestTickMs.toFixed(1)} ms; ${records.length} records\n`,
    );
    expect(slowestTickMs).toBeLessThan(100);

    const events = records.filter((r) => r.type === 'broker');
    expect(events.map((e) => [e.broker, e.event])).toEqual([
      [1, 'down'],
      [1, 'up'],
      [2, 'down'],
      [2, 'up'],
    ]);
    expect(events[2]).toMatchObject({
      host: expect.stringMatching(/^broker-2\.kafka\.test:\d+$/),
      address: '127.0.0.2',
    });
    expect(events[3]).toMatchObject({ address: '127.0.0.12' });

    const leaders = records.filter((r) => r.type === 'leaders');
    expect(leaders[0]).toMatchObject({ topic, phase: 'baseline' });
    expect(leaders.at(-1)).toMatchObject({ topic, phase: 'after' });
    const during = leaders.filter((r) => r.phase === 'during');
    expect(during.length).toBeGreaterThanOrEqual(2);
    // While broker 1 was down, no partition of the topic was led by it or had it in its ISR.
    const without1 = during.find((r) =>
      (r.partitions as Array<{ leader: number; isr: number[] }>).every(
        (p) => p.leader !== 1 && !p.isr.includes(1),
      ),
    );
    expect(without1).toBeDefined();

    const probes2 = records.filter((r) => r.type === 'probe' && r.broker === 2) as ProbeRecord[];
    expect(probes2[0]).toMatchObject({ phase: 'baseline', dns: { addresses: ['127.0.0.2'] } });
    expect(probes2.at(-1)).toMatchObject({
      phase: 'after',
      dns: { ok: true, addresses: ['127.0.0.12'] },
      tcp: { ok: true, address: '127.0.0.12' },
      kafka: { ok: true },
    });
    // Broker 2 was probed at its last endpoint while it was out of the metadata.
    expect(probes2.filter((p) => p.phase === 'during').length).toBeGreaterThanOrEqual(3);
  });

  it("the analyzer reports broker 2's address change", () => {
    const report = reportOf(records.map((r) => JSON.stringify(r))) as unknown as {
      reachability: {
        brokers: Array<{ broker: number; addressChanged: boolean; reachable: boolean }>;
      };
      restarts: Array<{ broker: number }>;
    };
    expect(report.restarts.map((r) => r.broker)).toEqual([1, 2]);
    expect(
      report.reachability.brokers.map((b) => [b.broker, b.addressChanged, b.reachable]),
    ).toEqual([
      [1, false, true],
      [2, true, true],
      [3, false, true],
    ]);
  });
});
