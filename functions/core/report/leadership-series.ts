/**
 * The series behind the balance section's two charts, from every `leaders` and
 * `offsets` snapshot the collector kept: partitions each broker leads over time
 * (all topics together), and each broker's share of the traffic (end-offset
 * growth) of the partitions it led. Pure; the file's order never changes them.
 */
import type { LeadershipSnapshot, OffsetsSnapshot } from './collector.js';

export interface BrokerSeries {
  /** Broker ids, ascending. */
  brokers: number[];
  /** Times in ms, ascending. */
  t: number[];
  /** Per broker (same order as `brokers`), its value at each time; null where there is none. */
  values: (number | null)[][];
}

/** At most this many times in a chart: beyond, every k-th time is kept (and the last). */
export const MAX_CHART_POINTS = 1500;

function byTopic<T extends { topic: string }>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    let list = out.get(item.topic);
    if (list === undefined) out.set(item.topic, (list = []));
    list.push(item);
  }
  return out;
}

/** A topic's snapshots by time, one per time (the lowest tie key, as the analyzer breaks ties). */
function oneAtEachTime(list: readonly LeadershipSnapshot[]): LeadershipSnapshot[] {
  const at = new Map<number, LeadershipSnapshot>();
  for (const s of list) {
    const known = at.get(s.at);
    if (known === undefined || s.tie < known.tie) at.set(s.at, s);
  }
  return [...at.values()].sort((a, b) => a.at - b.at);
}

function thin(series: BrokerSeries): BrokerSeries {
  const n = series.t.length;
  if (n <= MAX_CHART_POINTS) return series;
  const step = Math.ceil(n / MAX_CHART_POINTS);
  const keep = series.t.map((_, i) => i).filter((i) => i % step === 0 || i === n - 1);
  return {
    brokers: series.brokers,
    t: keep.map((i) => series.t[i]!),
    values: series.values.map((v) => keep.map((i) => v[i]!)),
  };
}

/**
 * Partitions each broker leads, summed over topics, at each time any topic's
 * snapshot was taken: each topic counts with its latest snapshot at or before
 * that time (none before its first).
 */
export function leadersOverTime(snapshots: readonly LeadershipSnapshot[]): BrokerSeries {
  const topics = [...byTopic(snapshots).values()].map(oneAtEachTime);
  const ids = new Set<number>();
  for (const s of snapshots) {
    for (const p of s.partitions) {
      for (const id of p.replicas) ids.add(id);
      if (p.leader !== -1) ids.add(p.leader);
    }
  }
  const brokers = [...ids].sort((a, b) => a - b);
  const column = new Map(brokers.map((id, i) => [id, i]));
  const times = [...new Set(snapshots.map((s) => s.at))].sort((a, b) => a - b);
  const next = topics.map(() => 0);
  const current: (number[] | null)[] = topics.map(() => null);
  const values = brokers.map(() => [] as number[]);
  for (const t of times) {
    topics.forEach((list, k) => {
      while (next[k]! < list.length && list[next[k]!]!.at <= t) {
        const counts = brokers.map(() => 0);
        for (const p of list[next[k]!]!.partitions) {
          if (p.leader !== -1) counts[column.get(p.leader)!]! += 1;
        }
        current[k] = counts;
        next[k]! += 1;
      }
    });
    brokers.forEach((_, b) => {
      values[b]!.push(current.reduce((sum, c) => sum + (c?.[b] ?? 0), 0));
    });
  }
  return thin({ brokers, t: times, values });
}

/** The leader of each partition in a topic's latest snapshot at or before `at` (else its first). */
function leadersAt(list: readonly LeadershipSnapshot[], at: number): Map<number, number> {
  let chosen = list[0]!;
  for (const s of list) if (s.at <= at) chosen = s;
  return new Map(chosen.partitions.map((p) => [p.partition, p.leader]));
}

/**
 * Each broker's share (0–1) of the records written to the partitions it led,
 * per time bucket of `bucketMs` from `from`: between two consecutive `offsets`
 * snapshots of a topic, a partition's end-offset growth goes to its leader at
 * the earlier one, in the bucket of the later one. Topics without a `leaders`
 * snapshot cannot be attributed and are left out. Null where nothing was written.
 */
export function trafficShareOverTime(
  leaders: readonly LeadershipSnapshot[],
  offsets: readonly OffsetsSnapshot[],
  from: number,
  bucketMs: number,
): BrokerSeries {
  const leadership = new Map([...byTopic(leaders)].map(([t, l]) => [t, oneAtEachTime(l)]));
  const perBucket = new Map<number, Map<number, number>>();
  const ids = new Set<number>();
  for (const [topic, list] of byTopic(offsets)) {
    const snapshots = leadership.get(topic);
    if (snapshots === undefined) continue;
    // One end per partition and time: the largest, so duplicates and ties never matter.
    const times = new Map<number, Map<number, number>>();
    for (const o of list) {
      let ends = times.get(o.at);
      if (ends === undefined) times.set(o.at, (ends = new Map()));
      for (const [p, end] of o.ends) ends.set(p, Math.max(end, ends.get(p) ?? end));
    }
    const ordered = [...times].sort(([a], [b]) => a - b);
    for (let i = 1; i < ordered.length; i++) {
      const [before, endsBefore] = ordered[i - 1]!;
      const [after, endsAfter] = ordered[i]!;
      const led = leadersAt(snapshots, before);
      const bucket = Math.floor((after - from) / bucketMs);
      for (const [p, end] of endsAfter) {
        const start = endsBefore.get(p);
        const leader = led.get(p);
        if (start === undefined || leader === undefined || leader === -1 || end <= start) continue;
        ids.add(leader);
        let cell = perBucket.get(bucket);
        if (cell === undefined) perBucket.set(bucket, (cell = new Map()));
        cell.set(leader, (cell.get(leader) ?? 0) + (end - start));
      }
    }
  }
  const brokers = [...ids].sort((a, b) => a - b);
  const buckets = [...perBucket.keys()].sort((a, b) => a - b);
  const values = brokers.map((id) =>
    buckets.map((k) => {
      const cell = perBucket.get(k)!;
      const total = [...cell.values()].reduce((a, b) => a + b, 0);
      return total === 0 ? null : (cell.get(id) ?? 0) / total;
    }),
  );
  return thin({ brokers, t: buckets.map((k) => from + (k + 1) * bucketMs), values });
}
