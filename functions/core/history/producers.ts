/**
 * Each producer's own figures (docs/history-format.md, "Counts", applied to one
 * producer's identities): the canary's and, with `--clients`, each library's producer
 * (`kuv-<library>`). The same definitions as the totals, counted on the producer's
 * streams by the same walks, so a producer's figures add up to the totals.
 */
import type { ChunkBudget } from './columns.js';
import { Histogram, type Percentiles } from './histogram.js';
import type { PartitionState } from './partition-state.js';
import { compareText } from './partition-state.js';

export interface ProducerReport {
  producer: string;
  produced: number;
  acked: number;
  failed: number;
  /** Log records of this producer's identities (a duplicate counts each time). */
  logged: number;
  /** null when the history has no `log` record. */
  lost: number | null;
  duplicates: number;
  outOfOrder: number;
  unackedWritten: number;
  produceLatencyMs: Percentiles | null;
  scheduledLatencyMs: Percentiles | null;
}

/** One producer's latencies over every partition. */
export interface ProducerLatencies {
  readonly produce: Histogram;
  readonly scheduled: Histogram;
}

/** Producer name → its latencies, each histogram block charged to the analysis' budget. */
export class ProducerLatencyMap {
  private readonly map = new Map<string, ProducerLatencies>();
  constructor(private readonly budget: ChunkBudget) {}

  get(producer: string): ProducerLatencies {
    let l = this.map.get(producer);
    if (l === undefined) {
      const charge = (bytes: number) => this.budget.charge(bytes);
      l = { produce: new Histogram(charge), scheduled: new Histogram(charge) };
      this.map.set(producer, l);
    }
    return l;
  }
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
  const latencies = new Map<string, ProducerLatencies>();
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
      if (s.latencies !== null) latencies.set(s.producer, s.latencies);
    }
  }
  for (const [name, l] of latencies) {
    const r = byName.get(name)!;
    r.produceLatencyMs = l.produce.percentiles();
    r.scheduledLatencyMs = l.scheduled.percentiles();
  }
  return [...byName.values()].sort((a, b) => compareText(a.producer, b.producer));
}
