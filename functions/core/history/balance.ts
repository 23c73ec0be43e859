/**
 * Leadership balance (docs/history-format.md, "Leadership balance: `leaders`
 * records"): over each topic's final snapshot, how evenly brokers lead its
 * partitions, how many have their preferred leader, and how many are
 * under-replicated or offline.
 */
import {
  type JsonObject,
  type LineContext,
  integer,
  integerList,
  list,
  naturalNumber,
  object,
  phase,
  text,
  time,
} from './records.js';

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

export interface TopicBalance extends BalanceFigures {
  topic: string;
  /** When its final snapshot was taken. */
  at: number;
}

export interface Balance {
  topics: TopicBalance[];
  totals: BalanceFigures;
}

/** ⌊100·a/b + ½⌋ / 100 in exact integer arithmetic: a/b rounded to two decimals. */
export function round2(a: number, b: number): number {
  return Math.floor((200 * a + b) / (2 * b)) / 100;
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

interface Snapshot {
  at: number;
  partitions: PartitionLeadership[];
  /** Breaks ties between snapshots at the same time, so file order never decides. */
  tie: string;
}

function later(a: Snapshot | undefined, b: Snapshot): boolean {
  return a === undefined || b.at > a.at || (b.at === a.at && b.tie < a.tie);
}

export class BalanceCollector {
  /** Per topic: its latest `after` snapshot and its latest of any phase. */
  private readonly after = new Map<string, Snapshot>();
  private readonly latest = new Map<string, Snapshot>();

  /** Checks one `leaders` record and folds it in. */
  add(o: JsonObject, at: LineContext): void {
    const topic = text(o.topic, 'topic', at);
    const isAfter = phase(o.phase, at) === 'after';
    const when = time(o.at, 'at', at);
    const items = list(o.partitions, 'partitions', at);
    const partitions: PartitionLeadership[] = items.map((item, i) => {
      const field = `partitions[${i}]`;
      const p = object(item, field, at);
      return {
        partition: naturalNumber(p.partition, `${field}.partition`, at),
        leader: integer(p.leader, `${field}.leader`, at),
        replicas: integerList(p.replicas, `${field}.replicas`, at),
        isr: integerList(p.isr, `${field}.isr`, at),
      };
    });
    const snapshot: Snapshot = { at: when, partitions, tie: JSON.stringify(partitions) };
    if (isAfter && later(this.after.get(topic), snapshot)) this.after.set(topic, snapshot);
    if (later(this.latest.get(topic), snapshot)) this.latest.set(topic, snapshot);
  }

  /** The report's `balance`: null when the history has no `leaders` record. */
  result(): Balance | null {
    if (this.latest.size === 0) return null;
    const topics: TopicBalance[] = [];
    const all: PartitionLeadership[] = [];
    const names = [...this.latest.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const topic of names) {
      const final = this.after.get(topic) ?? this.latest.get(topic)!;
      all.push(...final.partitions);
      topics.push({ topic, at: final.at, ...balanceOver(final.partitions) });
    }
    return { topics, totals: balanceOver(all) };
  }
}
