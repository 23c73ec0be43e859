import { describe, expect, it } from 'vitest';

import {
  brokersLeadingNothing,
  canaryTopicShape,
  minInsyncReplicasFor,
  placeReplicas,
} from '../../../functions/core/canary/placement.js';
import {
  canaryTopicNameProblem,
  unusableTopicReason,
} from '../../../functions/core/canary/topic.js';

function countBy(values: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

describe('canary topic placement', () => {
  for (const n of [1, 2, 3, 4, 5, 6]) {
    it(`${n} broker(s): every broker is the preferred leader of ≥ 1 partition, evenly, replicas distinct`, () => {
      const brokers = Array.from({ length: n }, (_, i) => 101 + i * 3); // ids need not be 1..n
      const { partitions, replicationFactor } = canaryTopicShape(n);
      expect(partitions).toBe(Math.max(2, 2 * n));
      expect(replicationFactor).toBe(Math.min(3, n));
      const placement = placeReplicas(brokers, partitions, replicationFactor);
      expect(placement).toHaveLength(partitions);
      for (const replicas of placement) {
        expect(replicas).toHaveLength(replicationFactor);
        expect(new Set(replicas).size).toBe(replicationFactor);
        for (const r of replicas) expect(brokers).toContain(r);
      }
      expect(brokersLeadingNothing(brokers, placement)).toEqual([]);
      const leads = countBy(placement.map((r) => r[0]!));
      expect(Math.max(...leads.values()) - Math.min(...leads.values())).toBeLessThanOrEqual(1);
      // Replicas of any role are spread evenly too.
      const all = countBy(placement.flat());
      expect(all.size).toBe(n);
      expect(Math.max(...all.values()) - Math.min(...all.values())).toBeLessThanOrEqual(1);
    });
  }

  it('min.insync.replicas is RF − 1, at least 1', () => {
    expect([1, 2, 3].map(minInsyncReplicasFor)).toEqual([1, 1, 2]);
  });

  it('names the brokers that lead no partition (brokers added since the topic was made)', () => {
    const old = placeReplicas([1, 2, 3], 6, 3);
    expect(brokersLeadingNothing([1, 2, 3, 4], old)).toEqual([4]);
  });

  it('refuses an adopted topic with replication factor 1 or fewer partitions than brokers, naming the setting', () => {
    expect(unusableTopicReason('t', [[1], [2], [3]], [1, 2, 3])).toMatch(
      /^the canary topic t exists with replication factor 1: .*Delete it .* or pass --topic NAME/,
    );
    expect(
      unusableTopicReason(
        't',
        [
          [1, 2],
          [2, 3],
        ],
        [1, 2, 3],
      ),
    ).toMatch(/^the canary topic t exists with 2 partition\(s\) for 3 brokers: .* 6 partitions/);
    expect(unusableTopicReason('t', placeReplicas([1, 2, 3], 6, 3), [1, 2, 3])).toBeNull();
    expect(unusableTopicReason('t', [[1], [1]], [1])).toBeNull();
  });

  it('only takes topics named as canaries, so canary records never go into an application topic', () => {
    for (const ok of ['kuv-canary', 'orders.CANARY', 'canary_1'])
      expect(canaryTopicNameProblem(ok)).toBeNull();
    expect(canaryTopicNameProblem('orders')).toMatch(/^'orders' does not contain "canary"/);
    expect(canaryTopicNameProblem('my canary')).toMatch(/is not a valid Kafka topic name/);
    expect(canaryTopicNameProblem('..')).toMatch(/is not a valid Kafka topic name/);
  });
});
