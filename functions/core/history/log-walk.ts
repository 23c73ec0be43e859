/**
 * The walks over a partition's log (docs/history-format.md, "Counts"): in
 * offset order for logged offsets, duplicates, reordering and inconsistent
 * offsets; per consumer group for the logged offsets it skipped.
 */
import type { AnomalyCollector } from './anomaly-collector.js';
import { CHUNK, type OffsetChunk, SeqChunk, chunkKey } from './columns.js';
import { type GroupPartition, type PartitionState, compareText } from './partition-state.js';

const { IN_LOG } = SeqChunk;

/**
 * The log, in (offset, producer, seq) order: logged offsets, duplicates,
 * reordering, inconsistent offsets. One chunk per call, so the loop is compiled
 * once and stays compiled (a loop inside one long function deoptimises each time
 * it reaches code it has not run yet).
 */
export class LogWalk {
  logged = 0;
  inconsistentOffsets = 0;
  readonly counts = { duplicates: 0, outOfOrder: 0 };

  constructor(
    private readonly p: PartitionState,
    private readonly anomalies: AnomalyCollector,
  ) {}

  chunk(key: number, chunk: OffsetChunk): void {
    const { kind, stream, seq, timestamp } = chunk;
    for (let i = 0; i < CHUNK; i++) {
      const k = kind[i];
      if (k === 0) continue;
      this.logged += 1;
      if (k === 1) {
        walkLogged(
          this.p,
          stream[i]!,
          seq[i]!,
          timestamp[i]!,
          key * CHUNK + i,
          this.counts,
          this.anomalies,
        );
      } else {
        this.inconsistent(chunk, i, key * CHUNK + i);
      }
    }
  }

  private inconsistent(chunk: OffsetChunk, i: number, offset: number): void {
    const p = this.p;
    this.inconsistentOffsets += 1;
    this.anomalies.add({
      kind: 'inconsistentOffset',
      partition: p.partition,
      offset,
      at: p.latestTimestampAt(chunk, i, offset),
    });
    const entries = [...p.logOverflow.get(offset)!].sort(
      (a, b) =>
        compareText(p.streams[a.stream]!.producer, p.streams[b.stream]!.producer) || a.seq - b.seq,
    );
    for (const e of entries) {
      walkLogged(p, e.stream, e.seq, e.timestamp, offset, this.counts, this.anomalies);
    }
  }
}

/**
 * One identity found in the log, visited in offset order: a second sighting is a
 * duplicate; a first sighting below the highest seq of its producer so far is
 * out of order.
 */
export function walkLogged(
  p: PartitionState,
  streamIndex: number,
  seq: number,
  timestamp: number,
  offset: number,
  counts: { duplicates: number; outOfOrder: number },
  anomalies: AnomalyCollector,
): void {
  const stream = p.streams[streamIndex]!;
  const key = chunkKey(seq);
  const flags = stream.seqs.get(key).flags;
  const i = seq - key * CHUNK;
  const partition = p.partition;
  const producer = stream.producer;
  stream.logged += 1;
  if ((flags[i]! & IN_LOG) !== 0) {
    counts.duplicates += 1;
    stream.duplicates += 1;
    anomalies.add({ kind: 'duplicate', partition, producer, seq, offset, at: timestamp });
    return;
  }
  flags[i]! |= IN_LOG;
  if (seq < stream.highestLogged) {
    counts.outOfOrder += 1;
    stream.outOfOrder += 1;
    anomalies.add({ kind: 'outOfOrder', partition, producer, seq, offset, at: timestamp });
  } else {
    stream.highestLogged = seq;
  }
}

export function skippedBy(
  p: PartitionState,
  g: GroupPartition,
  anomalies: AnomalyCollector,
): number {
  let skipped = 0;
  const firstKey = chunkKey(g.lowest);
  const lastKey = chunkKey(g.highest);
  for (const key of p.log.sortedKeys()) {
    if (key < firstKey || key > lastKey) continue;
    const log = p.log.peek(key)!;
    const received = g.offsets.peek(key)?.received;
    for (let i = 0; i < CHUNK; i++) {
      if (log.kind[i] === 0 || received?.[i] === 1) continue;
      const offset = key * CHUNK + i;
      if (offset < g.lowest || offset > g.highest) continue;
      skipped += 1;
      anomalies.add({
        kind: 'skipped',
        partition: p.partition,
        offset,
        group: g.group,
        at: p.latestTimestampAt(log, i, offset),
      });
    }
  }
  return skipped;
}
