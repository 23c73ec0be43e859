/**
 * The data behind the report's charts, shaped from what the collector gathered
 * and the analyzer's report: contiguous time buckets (at most MAX_BUCKETS),
 * the worst partitions' own series, restart bands and anomaly markers. Small
 * enough to inline in the page whatever the history's size; the browser only
 * draws it. Pure.
 */
import {
  ANOMALY_KINDS,
  type AnomalyKind,
  type PartitionReport,
  type Report,
} from '../history/index.js';
import { anomalyCount } from '../history/text-report.js';
import type { CollectedTimeline } from './collector.js';
import { binPercentiles } from './latency-histogram.js';

/** Partitions with their own series in the page: all when there are this many or fewer, else the worst. */
export const CHART_PARTITIONS = 12;

export interface PartitionSeries {
  partition: number;
  failed: number[];
  /** Largest produce latency per bucket, ms; null where it had no acked send. */
  max: (number | null)[];
}

export interface RestartBand {
  broker: number;
  downAt: number | null;
  upAt: number | null;
  /** Where its window ends: upAt + windowMs; null when it never came up (open-ended). */
  windowEnd: number | null;
}

/** The report's anomaly list, column by column (compact in the page). */
export interface AnomalyColumns {
  at: number[];
  /** Index into ANOMALY_KINDS. */
  kind: number[];
  partition: number[];
  producer: (string | null)[];
  seq: (number | null)[];
  offset: (number | null)[];
  group: (string | null)[];
  /** The restart whose window holds it: broker id and ms after it came up. */
  broker: (number | null)[];
  afterMs: (number | null)[];
}

export interface TimelineData {
  bucketMs: number;
  /** The run's span in ms: the x axis. */
  from: number;
  to: number;
  /** Bucket start times, in seconds (uPlot's time unit). */
  t: number[];
  sent: number[];
  failed: number[];
  p50: (number | null)[];
  p99: (number | null)[];
  partitions: PartitionSeries[];
  /** How many partitions the run sent to (more than `partitions` holds when over CHART_PARTITIONS). */
  partitionCount: number;
  restarts: RestartBand[];
  kinds: readonly AnomalyKind[];
  anomalies: AnomalyColumns;
}

export { anomalyCount };

/** Worst first: most anomalies, then failed sends, then longest unavailable, then slowest p99. */
export function worstFirst(a: PartitionReport, b: PartitionReport): number {
  return (
    anomalyCount(b) - anomalyCount(a) ||
    b.failed - a.failed ||
    b.maxUnavailableMs - a.maxUnavailableMs ||
    (b.produceLatencyMs?.p99 ?? -1) - (a.produceLatencyMs?.p99 ?? -1) ||
    a.partition - b.partition
  );
}

export function buildTimeline(collected: CollectedTimeline, report: Report): TimelineData {
  const { bucketMs, buckets } = collected;
  const starts = [report.run?.startedAt, collected.firstAt].filter((t) => t != null);
  const ends = [report.run?.endedAt, collected.lastAt].filter((t) => t != null);
  const from = starts.length > 0 ? Math.min(...starts) : 0;
  const to = ends.length > 0 ? Math.max(...ends) : from;

  const shown = [...report.partitions]
    .sort(worstFirst)
    .slice(0, CHART_PARTITIONS)
    .map((p) => p.partition)
    .sort((a, b) => a - b);
  const data: TimelineData = {
    bucketMs,
    from,
    to,
    t: [],
    sent: [],
    failed: [],
    p50: [],
    p99: [],
    partitions: shown.map((partition) => ({ partition, failed: [], max: [] })),
    partitionCount: report.partitions.length,
    restarts: report.restarts.map((r) => ({
      ...r,
      windowEnd: r.upAt === null ? null : r.upAt + report.windowMs,
    })),
    kinds: ANOMALY_KINDS,
    anomalies: anomalyColumns(report),
  };
  if (buckets.length > 0) {
    const first = buckets[0]!.index;
    const last = buckets[buckets.length - 1]!.index;
    let k = 0;
    for (let index = first; index <= last; index++) {
      const bucket = buckets[k]?.index === index ? buckets[k++]!.bucket : null;
      data.t.push((index * bucketMs) / 1000);
      data.sent.push(bucket?.sent ?? 0);
      data.failed.push(bucket?.failed ?? 0);
      const p = bucket === null ? null : binPercentiles(bucket.bins, bucket.acked);
      data.p50.push(p?.p50 ?? null);
      data.p99.push(p?.p99 ?? null);
      for (const series of data.partitions) {
        const cell = bucket?.partitions.get(series.partition);
        series.failed.push(cell?.failed ?? 0);
        series.max.push(cell === undefined || cell.maxMs < 0 ? null : cell.maxMs);
      }
    }
  }
  return data;
}

function anomalyColumns(report: Report): AnomalyColumns {
  const c: AnomalyColumns = {
    at: [],
    kind: [],
    partition: [],
    producer: [],
    seq: [],
    offset: [],
    group: [],
    broker: [],
    afterMs: [],
  };
  for (const a of report.anomalies) {
    c.at.push(a.at);
    c.kind.push(ANOMALY_KINDS.indexOf(a.kind));
    c.partition.push(a.partition);
    c.producer.push(a.producer ?? null);
    c.seq.push(a.seq ?? null);
    c.offset.push(a.offset ?? null);
    c.group.push(a.group ?? null);
    c.broker.push(a.afterRestart?.broker ?? null);
    c.afterMs.push(a.afterRestart?.ms ?? null);
  }
  return c;
}
