/**
 * Leadership skew on purpose, for the canary's balance checks: a cluster started
 * without automatic leader rebalancing, rolled without elections, keeps leadership
 * where the restarts pushed it; a preferred leader election puts it back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { electLeaders, roll, start, stderrLog, stop } from '../../rehearsal/index.js';
import { createTopic, kafkaFor, randomTopic, TEST_CLUSTER_PORTS, trackClients } from './helpers.js';

const { portBase, dnsPort } = TEST_CLUSTER_PORTS.errors;
const dir = mkdtempSync(join(tmpdir(), 'kuv-it-state-'));
const statePath = join(dir, 'state.json');
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
  let bootstrap = { bootstrap: '', dnsServer: '' };
  beforeAll(async () => {
    const s = await start({
      statePath,
      portBase,
      dnsPort,
      autoLeaderRebalance: false,
      log: stderrLog,
    });
    bootstrap = { bootstrap: s.bootstrap, dnsServer: s.dnsServer };
  });
  afterAll(async () => {
    try {
      await stop(statePath, { log: stderrLog });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stays skewed after roll --no-elect, past the broker rebalance interval, and evens out after electLeaders', async () => {
    const admin = track(kafkaFor(bootstrap).admin());
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
    await new Promise((r) => setTimeout(r, 12_000));
    expect((await leadership(admin, topic)).offPreferred).toBe(skewed.offPreferred);

    expect(await electLeaders(statePath, { log: stderrLog })).toBeNull();
    const after = await leadership(admin, topic);
    expect(after.offPreferred).toBe(0);
    expect([...after.led.values()]).toEqual([2, 2, 2]);
  });
});
