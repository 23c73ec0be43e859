/**
 * Leadership skew on purpose, for the canary's balance checks: a cluster started
 * without automatic leader rebalancing, rolled without elections, keeps leadership
 * where the restarts pushed it; a preferred leader election puts it back.
 */
import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { sleep } from '../../functions/core/wait.js';
import { electLeaders, roll, stderrLog } from '../../rehearsal/index.js';
import { TEST_CLUSTER_PORTS, withOwnCluster } from '../support/cluster.js';
import { createTopic, kafkaFor, randomTopic } from '../support/kafka.js';

/** Partitions led per broker id, and how many are not on their preferred (first) replica. */
async function leadership(admin: Admin, topic: string) {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const led = new Map<number, number>();
  let offPreferred = 0;
  for (const p of topics[0]!.partitions) {
    led.set(p.leader, (led.get(p.leader) ?? 0) + 1);
    if (p.leader !== p.replicas[0]) offPreferred++;
  }
  return { led, offPreferred };
}

// A cluster of its own: the shared one's brokers rebalance leadership by themselves.
describe('leadership after a roll without elections', () => {
  it('stays skewed after roll --no-elect, past the broker rebalance interval, and evens out after electLeaders', async () => {
    // On the errors test's ports (the files run one at a time), without auto rebalancing.
    await withOwnCluster(
      { name: 'leadership', ports: TEST_CLUSTER_PORTS.errors, autoLeaderRebalance: false },
      async (cluster) => {
        const { statePath } = cluster;
        const admin = kafkaFor(cluster).admin();
        await admin.connect();
        try {
          const topic = randomTopic('kuv-it-skew');
          await createTopic(admin, topic, 6);
          const balanced = await leadership(admin, topic);
          expect(balanced.offPreferred).toBe(0);
          expect([...balanced.led.values()]).toEqual([2, 2, 2]);

          await roll({ statePath, electLeaders: false, log: stderrLog });
          const skewed = await leadership(admin, topic);
          // Broker 3 restarted last and took no leadership back.
          expect(skewed.led.get(3) ?? 0).toBe(0);
          expect(skewed.offPreferred).toBeGreaterThan(0);

          // leader.imbalance.check.interval.seconds is 10: with rebalancing on it would be back by now.
          await sleep(12_000);
          expect((await leadership(admin, topic)).offPreferred).toBe(skewed.offPreferred);

          expect(await electLeaders(statePath, { log: stderrLog })).toBeNull();
          const after = await leadership(admin, topic);
          expect(after.offPreferred).toBe(0);
          expect([...after.led.values()]).toEqual([2, 2, 2]);
        } finally {
          await admin.disconnect();
        }
      },
    );
    // The cluster starts inside the test: the timeout covers its start and stop too.
  }, 300_000);
});
