/**
 * Where the canary topic's replicas go. The canary must pass through every broker
 * as a leader, so each broker is the preferred leader (replicas[0]) of at least one
 * partition, and the preferred leaders are spread evenly; followers rotate so that
 * each broker also follows for an even share.
 */

export interface CanaryTopicShape {
  partitions: number;
  replicationFactor: number;
}

/** Partitions ≥ 2 × brokers (at least 2), replication factor min(3, brokers). */
export function canaryTopicShape(brokerCount: number): CanaryTopicShape {
  if (!Number.isInteger(brokerCount) || brokerCount < 1) {
    throw new RangeError(`broker count must be a whole number ≥ 1, not ${brokerCount}`);
  }
  return { partitions: Math.max(2, 2 * brokerCount), replicationFactor: Math.min(3, brokerCount) };
}

/** min.insync.replicas for a replication factor: RF − 1, at least 1. */
export function minInsyncReplicasFor(replicationFactor: number): number {
  return Math.max(1, replicationFactor - 1);
}

/**
 * Replica lists for `partitions` partitions over `brokers` (ids), `replicationFactor`
 * each. Partition p is led by brokers[p mod n]; its followers are the next brokers
 * in ring order, rotated once per round of n partitions, so follower sets vary.
 */
export function placeReplicas(
  brokers: readonly number[],
  partitions: number,
  replicationFactor: number,
): number[][] {
  const ids = [...new Set(brokers)].sort((a, b) => a - b);
  const n = ids.length;
  if (n === 0) throw new RangeError('no brokers to place replicas on');
  if (replicationFactor < 1 || replicationFactor > n) {
    throw new RangeError(`replication factor ${replicationFactor} needs 1 to ${n} brokers`);
  }
  if (partitions < 1) throw new RangeError(`partitions must be ≥ 1, not ${partitions}`);
  const placement: number[][] = [];
  for (let p = 0; p < partitions; p++) {
    const leader = p % n;
    const shift = n > 1 ? Math.floor(p / n) % (n - 1) : 0;
    const replicas = [ids[leader]!];
    // The other brokers in ring order after the leader, rotated by the round.
    for (let r = 1; r < replicationFactor; r++) {
      replicas.push(ids[(leader + 1 + ((r - 1 + shift) % (n - 1))) % n]!);
    }
    placement.push(replicas);
  }
  return placement;
}

/** The brokers (of `brokers`) that are the preferred leader of no partition in `placement`. */
export function brokersLeadingNothing(
  brokers: readonly number[],
  placement: readonly (readonly number[])[],
): number[] {
  const leaders = new Set(placement.map((replicas) => replicas[0]));
  return [...new Set(brokers)].filter((b) => !leaders.has(b)).sort((a, b) => a - b);
}
