/**
 * A partition's report from its state, through the log and identity walks, and
 * the totals over all partitions.
 */
import type { AnomalyCollector } from './anomaly-collector.js';
import { IdentityWalk } from './identity-walk.js';
import { LogWalk, skippedBy } from './log-walk.js';
import { maxUnavailableMs } from './outages.js';
import type { PartitionState } from './partition-state.js';
import type { PartitionReport, Totals } from './report.js';

export function finishPartition(
  p: PartitionState,
  hasLog: boolean,
  anomalies: AnomalyCollector,
): PartitionReport {
  const partition = p.partition;
  const log = new LogWalk(p, anomalies);
  for (const key of p.log.sortedKeys()) log.chunk(key, p.log.peek(key)!);
  const { logged, inconsistentOffsets } = log;
  const { duplicates, outOfOrder } = log.counts;

  const identities = new IdentityWalk(p, hasLog, anomalies);
  for (const stream of p.streamsByProducer()) {
    for (const key of stream.seqs.sortedKeys())
      identities.chunk(stream, key, stream.seqs.peek(key)!);
  }
  const { lost, unackedWritten, endToEnd, outages } = identities;

  // Every group: logged offsets inside the range it received that it never received.
  let skipped = 0;
  if (hasLog) {
    for (const g of p.group.values()) skipped += skippedBy(p, g, anomalies);
  }

  return {
    partition,
    produced: p.produced,
    acked: p.acked,
    failed: p.failed,
    logged,
    lost: hasLog ? lost : null,
    duplicates,
    outOfOrder,
    inconsistentOffsets,
    unackedWritten,
    redelivered: p.redelivered,
    skipped: hasLog ? skipped : null,
    produceLatencyMs: p.latency('produceLatency').percentiles(),
    scheduledLatencyMs: p.latency('scheduledLatency').percentiles(),
    endToEndLatencyMs: endToEnd.percentiles(),
    maxUnavailableMs:
      p.failed === 0
        ? 0
        : outages !== null && identities.sendsInSeqOrder
          ? outages.longest()
          : maxUnavailableMs(p),
  };
}

export function sumTotals(partitions: readonly PartitionReport[], hasLog: boolean): Totals {
  const t: Totals = {
    produced: 0,
    acked: 0,
    failed: 0,
    logged: 0,
    lost: hasLog ? 0 : null,
    duplicates: 0,
    outOfOrder: 0,
    inconsistentOffsets: 0,
    unackedWritten: 0,
    redelivered: 0,
    skipped: hasLog ? 0 : null,
    maxUnavailableMs: 0,
  };
  for (const p of partitions) {
    t.produced += p.produced;
    t.acked += p.acked;
    t.failed += p.failed;
    t.logged += p.logged;
    if (t.lost !== null) t.lost += p.lost ?? 0;
    t.duplicates += p.duplicates;
    t.outOfOrder += p.outOfOrder;
    t.inconsistentOffsets += p.inconsistentOffsets;
    t.unackedWritten += p.unackedWritten;
    t.redelivered += p.redelivered;
    if (t.skipped !== null) t.skipped += p.skipped ?? 0;
    t.maxUnavailableMs = Math.max(t.maxUnavailableMs, p.maxUnavailableMs);
  }
  return t;
}
