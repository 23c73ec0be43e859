/**
 * Leadership skew on purpose, for the canary's balance checks: a cluster started
 * without automatic leader rebalancing, rolled without elections, keeps leadership
 * where the restarts pushed it; a preferred leader election puts it back.
 */
import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { sleep } from '../../functions/core/wait.js';
import { electLeaders, roll, stderrLog } from '../../rehearsal/index.js';
import { ownClusterForFile, TEST_CLUSTER_PORTS } from '../support/cluster.js';
import { createTopic, kafkaFor, randomTopic, trackClients } from '../support/kafka.js';

const track = trackClients();

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
  // On the errors test's ports (the files run one at a time), without auto rebalancing.
  const ownCluster = ownClusterForFile(
    { name: 'leadership', ports: TEST_CLUSTER_PORTS.errors, autoLeaderRebalance: false },
    { withExternal: true },
  );

  it('stays skewed after roll --no-elect, past the broker rebalance interval, and evens out after electLeaders', async () => {
    const { statePath } = ownCluster();
    const admin = track(kafkaFor(ownCluster()).admin());
    await admin.connect();
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
  });
});
