/**
 * Leadership balance (docs/history-format.md, "Leadership balance: `leaders`
 * records" and "Balance over time, and traffic: `offsets` records"): over each
 * topic's final snapshot, how evenly brokers lead its partitions, how many have
 * their preferred leader, and how many are under-replicated or offline; over all
 * its snapshots, how uneven leadership and traffic got and for how long (see
 * balance-over-time.ts).
 */
export interface PartitionLeadership {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface BalanceFigures {
  partitions: number;
  /** Partitions each broker (a replica of any of them) leads, keyed by id as a string; 0 included. */
  leadersPerBroker: Record<string, number>;
  leaderSkew: number | null;
  preferredLeaderRatio: number | null;
  underReplicated: number;
  offline: number;
}

/** A topic's figures over all its snapshots (docs/history-format.md, "Balance over time"). */
export interface BalanceOverTime {
  /** The largest leaderSkew of its snapshots; null when none has a led partition. */
  peakLeaderSkew: number | null;
  /** The earliest snapshot time with that skew; null with it. */
  peakLeaderSkewAt: number | null;
  /** How long the skew stayed above maxLeaderSkew (or had no leader at all), between snapshots. */
  skewedMs: number;
  /** From the last broker's return to the first time every partition had its preferred leader. */
  leadershipRestoredMs: number | null;
  /** The largest share of the topic's traffic (end-offset growth) one broker led × brokers. */
  peakTrafficSkew: number | null;
  peakTrafficSkewAt: number | null;
}

export interface TopicBalance extends BalanceFigures, BalanceOverTime {
  topic: string;
  /** When its final snapshot was taken. */
  at: number;
}

export interface Balance {
  topics: TopicBalance[];
  totals: BalanceFigures;
}

/**
 * ⌊100·a/b + ½⌋ / 100 in exact integer arithmetic: a/b rounded to two decimals
 * (a ≥ 0, b > 0 integers; through BigInt when 200·a + b would not be exact, as
 * with sums of end offsets).
 */
export function round2(a: number, b: number): number {
  const n = 200 * a + b;
  if (Number.isSafeInteger(n)) return Math.floor(n / (2 * b)) / 100;
  const q = (200n * BigInt(a) + BigInt(b)) / (2n * BigInt(b));
  return Number(q) / 100;
}

/** The five figures (and the count) over a set of partitions. */
export function balanceOver(partitions: readonly PartitionLeadership[]): BalanceFigures {
  const ids = new Set<number>();
  for (const p of partitions) for (const id of p.replicas) ids.add(id);
  const led = new Map<number, number>([...ids].sort((a, b) => a - b).map((id) => [id, 0]));
  let ledPartitions = 0;
  let preferred = 0;
  let underReplicated = 0;
  let offline = 0;
  for (const p of partitions) {
    if (p.leader === -1) {
      offline += 1;
      continue;
    }
    ledPartitions += 1;
    const count = led.get(p.leader);
    if (count !== undefined) led.set(p.leader, count + 1);
    if (p.replicas.length > 0 && p.leader === p.replicas[0]) preferred += 1;
    if (new Set(p.isr).size < new Set(p.replicas).size) underReplicated += 1;
  }
  const most = Math.max(0, ...led.values());
  return {
    partitions: partitions.length,
    leadersPerBroker: Object.fromEntries([...led].map(([id, n]) => [String(id), n])),
    leaderSkew: ledPartitions === 0 ? null : round2(most * ids.size, ledPartitions),
    preferredLeaderRatio: partitions.length === 0 ? null : round2(preferred, partitions.length),
    underReplicated,
    offline,
  };
}
