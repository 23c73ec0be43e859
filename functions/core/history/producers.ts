/**
 * Each producer's own figures (docs/history-format.md, "Counts", applied to one
 * producer's identities): the canary's and, with `--clients`, each library's producer
 * (`kuv-<library>`). The same definitions as the totals, counted on the producer's
 * streams by the same walks, so a producer's figures add up to the totals.
 */
import type { Percentiles } from './histogram.js';
import type { PartitionState, Stream } from './partition-state.js';
import { compareText, mergedLatency } from './partition-state.js';
import type { Counts } from './report.js';

/** The report's counts (report.ts `Counts`, the same definitions) for one producer's identities. */
export interface ProducerReport extends Pick<
  Counts,
  'produced' | 'acked' | 'failed' | 'lost' | 'duplicates' | 'outOfOrder' | 'unackedWritten'
> {
  producer: string;
  /** Log records of this producer's identities (a duplicate counts each time). */
  logged: number;
  produceLatencyMs: Percentiles | null;
  scheduledLatencyMs: Percentiles | null;
}

/**
 * Every producer of the history (with a `produce` or a `log` record), by name; to be
 * called after each partition's walks (totals.ts finishPartition) counted its streams.
 */
export function producerReports(
  partitions: readonly PartitionState[],
  hasLog: boolean,
): ProducerReport[] {
  const byName = new Map<string, ProducerReport>();
  const streams = new Map<string, Stream[]>();
  for (const p of partitions) {
    for (const s of p.streams) {
      if (s.produced === 0 && s.logged === 0) continue;
      let r = byName.get(s.producer);
      if (r === undefined) {
        r = {
          producer: s.producer,
          produced: 0,
          acked: 0,
          failed: 0,
          logged: 0,
          lost: hasLog ? 0 : null,
          duplicates: 0,
          outOfOrder: 0,
          unackedWritten: 0,
          produceLatencyMs: null,
          scheduledLatencyMs: null,
        };
        byName.set(s.producer, r);
      }
      r.produced += s.produced;
      r.acked += s.acked;
      r.failed += s.failed;
      r.logged += s.logged;
      if (r.lost !== null) r.lost += s.lost;
      r.duplicates += s.duplicates;
      r.outOfOrder += s.outOfOrder;
      r.unackedWritten += s.unackedWritten;
      const own = streams.get(s.producer);
      if (own === undefined) streams.set(s.producer, [s]);
      else own.push(s);
    }
  }
  for (const [name, own] of streams) {
    const r = byName.get(name)!;
    r.produceLatencyMs = mergedLatency(own, 'produceLatency').percentiles();
    r.scheduledLatencyMs = mergedLatency(own, 'scheduledLatency').percentiles();
  }
  return [...byName.values()].sort((a, b) => compareText(a.producer, b.producer));
}
