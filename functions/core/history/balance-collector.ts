/**
 * Collects `leaders` and `offsets` records as they stream by (checking each),
 * and at the end gives the facts the report's `balance` is made of: the figures
 * over each topic's final snapshot and over all its snapshots. Any order of the
 * file gives the same facts.
 */
import {
  type Balance,
  type BalanceFigures,
  type PartitionLeadership,
  type TopicBalance,
  balanceOver,
} from './balance.js';
import {
  type EndRange,
  type OverTimeFacts,
  type Snapshot,
  overTime,
  skewedMs,
} from './balance-over-time.js';
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
import type { Restart } from './restarts.js';

/** A topic's balance before maxLeaderSkew is known (skewedMs depends on it). */
export type TopicBalanceFacts = Omit<TopicBalance, keyof OverTimeFacts | 'skewedMs'> &
  OverTimeFacts;

export interface BalanceFacts {
  topics: TopicBalanceFacts[];
  totals: BalanceFigures;
}

interface FinalCandidate extends Snapshot {
  /** Breaks ties between snapshots at the same time, so file order never decides. */
  tie: string;
}

function later(a: FinalCandidate | undefined, b: FinalCandidate): boolean {
  return a === undefined || b.at > a.at || (b.at === a.at && b.tie < a.tie);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class BalanceCollector {
  /** Per topic: its latest `after` snapshot and its latest of any phase. */
  private readonly after = new Map<string, FinalCandidate>();
  private readonly latest = new Map<string, FinalCandidate>();
  /** Per topic: every snapshot, in file order. */
  private readonly snapshots = new Map<string, Snapshot[]>();
  /** Per topic with an `offsets` record: each partition's end-offset range. */
  private readonly ends = new Map<string, EndRange>();

  /** Checks one `leaders` record and folds it in. */
  addLeaders(o: JsonObject, at: LineContext): void {
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
    const snapshot: FinalCandidate = { at: when, partitions, tie: JSON.stringify(partitions) };
    if (isAfter && later(this.after.get(topic), snapshot)) this.after.set(topic, snapshot);
    if (later(this.latest.get(topic), snapshot)) this.latest.set(topic, snapshot);
    let all = this.snapshots.get(topic);
    if (all === undefined) this.snapshots.set(topic, (all = []));
    all.push({ at: when, partitions });
  }

  /** Checks one `offsets` record and folds its end offsets into the topic's ranges. */
  addOffsets(o: JsonObject, at: LineContext): void {
    const topic = text(o.topic, 'topic', at);
    phase(o.phase, at);
    time(o.at, 'at', at);
    const items = list(o.partitions, 'partitions', at);
    let ends = this.ends.get(topic);
    const checked = items.map((item, i) => {
      const field = `partitions[${i}]`;
      const p = object(item, field, at);
      return {
        partition: integer(p.partition, `${field}.partition`, at),
        end: naturalNumber(p.end, `${field}.end`, at),
      };
    });
    if (ends === undefined) this.ends.set(topic, (ends = new Map()));
    for (const { partition, end } of checked) {
      const range = ends.get(partition);
      if (range === undefined) ends.set(partition, { min: end, max: end });
      else if (end < range.min) range.min = end;
      else if (end > range.max) range.max = end;
    }
  }

  /** The balance facts: null when the history has no `leaders` record. */
  result(restarts: readonly Restart[]): BalanceFacts | null {
    if (this.latest.size === 0) return null;
    let lastUpAt: number | null = null;
    for (const r of restarts) {
      if (r.upAt !== null && (lastUpAt === null || r.upAt > lastUpAt)) lastUpAt = r.upAt;
    }
    const topics: TopicBalanceFacts[] = [];
    const all: PartitionLeadership[] = [];
    for (const topic of [...this.latest.keys()].sort(compareText)) {
      const final = this.after.get(topic) ?? this.latest.get(topic)!;
      all.push(...final.partitions);
      topics.push({
        topic,
        at: final.at,
        ...balanceOver(final.partitions),
        ...overTime(this.snapshots.get(topic)!, lastUpAt, this.ends.get(topic) ?? null),
      });
    }
    return { topics, totals: balanceOver(all) };
  }
}

/** The report's `balance` under a leader-skew limit: fresh objects the caller may change. */
export function balanceUnder(facts: BalanceFacts | null, maxLeaderSkew: number): Balance | null {
  if (facts === null) return null;
  return {
    topics: facts.topics.map(({ skewByTime, ...t }) => ({
      topic: t.topic,
      at: t.at,
      partitions: t.partitions,
      leadersPerBroker: { ...t.leadersPerBroker },
      leaderSkew: t.leaderSkew,
      preferredLeaderRatio: t.preferredLeaderRatio,
      underReplicated: t.underReplicated,
      offline: t.offline,
      peakLeaderSkew: t.peakLeaderSkew,
      peakLeaderSkewAt: t.peakLeaderSkewAt,
      skewedMs: skewedMs(skewByTime, maxLeaderSkew),
      leadershipRestoredMs: t.leadershipRestoredMs,
      peakTrafficSkew: t.peakTrafficSkew,
      peakTrafficSkewAt: t.peakTrafficSkewAt,
    })),
    totals: structuredClone(facts.totals),
  };
}
