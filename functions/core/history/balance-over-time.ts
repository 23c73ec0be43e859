/**
 * Balance over time (docs/history-format.md, "Balance over time, and traffic:
 * `offsets` records"): from every `leaders` snapshot of a topic, how uneven
 * leadership got, for how long, when the preferred leaders came back after the
 * last restart, and how unevenly the topic's own traffic landed on brokers.
 * Pure functions of the snapshots; the order they came in never matters.
 */
import { type BalanceOverTime, type PartitionLeadership, balanceOver, round2 } from './balance.js';

export interface Snapshot {
  at: number;
  partitions: PartitionLeadership[];
}

/** The skew at one distinct snapshot time: the largest of its snapshots', null above any number. */
export interface SkewAt {
  at: number;
  skew: number | null;
}

/** A topic's figures over time but skewedMs, and what skewedMs is computed from. */
export interface OverTimeFacts extends Omit<BalanceOverTime, 'skewedMs'> {
  /** The topic's distinct snapshot times, ascending, each with its skew. */
  skewByTime: SkewAt[];
}

/** Per partition, the smallest and largest end offset seen: its traffic is their difference. */
export type EndRange = Map<number, { min: number; max: number }>;

/** Larger skew first; null is larger than any number. */
function aboveOrEqual(a: number | null, b: number | null): boolean {
  return a === null || (b !== null && a >= b);
}

/**
 * W_b × brokers ÷ W over one snapshot, rounded like leaderSkew: W_b the traffic
 * of the partitions broker b leads (b over the replicas' ids), W that of all led
 * partitions; null when W is 0.
 */
export function trafficSkew(
  partitions: readonly PartitionLeadership[],
  ends: EndRange,
): number | null {
  const perBroker = new Map<number, number>();
  for (const p of partitions) for (const id of p.replicas) perBroker.set(id, 0);
  let total = 0;
  for (const p of partitions) {
    if (p.leader === -1) continue;
    const range = ends.get(p.partition);
    const traffic = range === undefined ? 0 : range.max - range.min;
    total += traffic;
    const led = perBroker.get(p.leader);
    if (led !== undefined) perBroker.set(p.leader, led + traffic);
  }
  if (total === 0) return null;
  return round2(Math.max(0, ...perBroker.values()) * perBroker.size, total);
}

/**
 * The figures over a topic's snapshots (any order). `lastUpAt` is the latest
 * `upAt` among the history's restarts (null when none came up); `ends` the
 * topic's end-offset ranges, null when it has no `offsets` record.
 */
export function overTime(
  snapshots: readonly Snapshot[],
  lastUpAt: number | null,
  ends: EndRange | null,
): OverTimeFacts {
  let peakLeaderSkew: number | null = null;
  let peakLeaderSkewAt: number | null = null;
  let peakTrafficSkew: number | null = null;
  let peakTrafficSkewAt: number | null = null;
  /** Per distinct time: its skew, and whether every snapshot at it had only preferred leaders. */
  const times = new Map<number, { skew: number | null; preferred: boolean }>();
  for (const s of snapshots) {
    const { leaderSkew, preferredLeaderRatio } = balanceOver(s.partitions);
    if (leaderSkew !== null && (peakLeaderSkew === null || leaderSkew > peakLeaderSkew)) {
      peakLeaderSkew = leaderSkew;
      peakLeaderSkewAt = s.at;
    } else if (leaderSkew !== null && leaderSkew === peakLeaderSkew && s.at < peakLeaderSkewAt!) {
      peakLeaderSkewAt = s.at;
    }
    const traffic = ends === null ? null : trafficSkew(s.partitions, ends);
    if (traffic !== null && (peakTrafficSkew === null || traffic > peakTrafficSkew)) {
      peakTrafficSkew = traffic;
      peakTrafficSkewAt = s.at;
    } else if (traffic !== null && traffic === peakTrafficSkew && s.at < peakTrafficSkewAt!) {
      peakTrafficSkewAt = s.at;
    }
    const preferred = preferredLeaderRatio === 1;
    const known = times.get(s.at);
    if (known === undefined) times.set(s.at, { skew: leaderSkew, preferred });
    else {
      if (aboveOrEqual(leaderSkew, known.skew)) known.skew = leaderSkew;
      known.preferred &&= preferred;
    }
  }
  const ascending = [...times].sort(([a], [b]) => a - b);
  let leadershipRestoredMs: number | null = null;
  if (lastUpAt !== null) {
    const restored = ascending.find(([at, t]) => at >= lastUpAt && t.preferred);
    if (restored !== undefined) leadershipRestoredMs = restored[0] - lastUpAt;
  }
  return {
    peakLeaderSkew,
    peakLeaderSkewAt,
    leadershipRestoredMs,
    peakTrafficSkew,
    peakTrafficSkewAt,
    skewByTime: ascending.map(([at, t]) => ({ at, skew: t.skew })),
  };
}

/**
 * The time between consecutive snapshot times whose skew is above
 * `maxLeaderSkew` or null (no leader at all); the last time adds nothing.
 */
export function skewedMs(skewByTime: readonly SkewAt[], maxLeaderSkew: number): number {
  let ms = 0;
  for (let i = 0; i + 1 < skewByTime.length; i++) {
    const skew = skewByTime[i]!.skew;
    if (skew === null || skew > maxLeaderSkew) ms += skewByTime[i + 1]!.at - skewByTime[i]!.at;
  }
  return ms;
}
