/**
 * The history analyzer: every count, latency, outage, restart window, verdict
 * and anomaly defined in docs/history-format.md, computed in one streaming pass
 * over the records (in any order) and one pass over compact per-partition state
 * at the end. Pure: no I/O, no clock.
 */
import { Histogram } from './histogram.js';
import {
  type JsonObject,
  type LineContext,
  boolean,
  brokerEvent,
  integer,
  naturalNumber,
  optionalTime,
  text,
  time,
} from './records.js';
import {
  ANOMALY_CAP_PER_KIND,
  ANOMALY_KINDS,
  type Anomaly,
  type AnomalyKind,
  type PartitionReport,
  type Policy,
  type Report,
  type RunInfo,
  type Totals,
  type Verdict,
} from './report.js';
import { RestartCollector, RestartWindows } from './restarts.js';
import { HistoryFormatError } from '../errors.js';
import {
  CHUNK,
  ChunkBudget,
  ChunkMap,
  GrowableFloat64,
  LastHitMap,
  OffsetChunk,
  ReceivedChunk,
  SeqChunk,
  chunkKey,
} from './store.js';

const { PRODUCED, ACKED, IN_LOG } = SeqChunk;

/** 2 GiB: dense histories of tens of millions of records fit well below it. */
export const DEFAULT_MEMORY_LIMIT_BYTES = 2 ** 31;

/** One producer's messages to one partition, indexed by seq. */
class Stream {
  readonly seqs: ChunkMap<SeqChunk>;
  /** Highest seq seen so far in the offset-ordered walk of the log (out-of-order check). */
  highestLogged = Number.NEGATIVE_INFINITY;

  constructor(
    readonly producer: string,
    readonly index: number,
    budget: ChunkBudget,
  ) {
    this.seqs = new ChunkMap(() => new SeqChunk(), SeqChunk.BYTES, budget);
  }
}

/** One consumer group's view of one partition. */
class GroupPartition {
  readonly offsets: ChunkMap<ReceivedChunk>;
  lowest = Number.POSITIVE_INFINITY;
  highest = Number.NEGATIVE_INFINITY;

  constructor(
    readonly group: string,
    budget: ChunkBudget,
  ) {
    this.offsets = new ChunkMap(() => new ReceivedChunk(), ReceivedChunk.BYTES, budget);
  }
}

interface LogEntry {
  stream: number;
  seq: number;
  timestamp: number;
}

class PartitionState {
  readonly streams: Stream[] = [];
  readonly stream: LastHitMap<string, Stream>;
  readonly group: LastHitMap<string, GroupPartition>;
  readonly log: ChunkMap<OffsetChunk>;
  /** Offsets that the log gives several identities: every entry at that offset. */
  readonly logOverflow = new Map<number, LogEntry[]>();
  readonly produceSentAt = new GrowableFloat64();
  readonly produceEndAt = new GrowableFloat64();
  readonly produceOk = new GrowableFloat64();
  readonly produceLatency = new Histogram();
  produced = 0;
  acked = 0;
  failed = 0;
  redelivered = 0;

  constructor(
    readonly partition: number,
    budget: ChunkBudget,
  ) {
    this.log = new ChunkMap(() => new OffsetChunk(), OffsetChunk.BYTES, budget);
    this.stream = new LastHitMap((producer) => {
      const s = new Stream(producer, this.streams.length, budget);
      this.streams.push(s);
      return s;
    });
    this.group = new LastHitMap((name) => new GroupPartition(name, budget));
  }

  /** The latest log timestamp at an offset (one identity, or several at an inconsistent offset). */
  latestTimestampAt(chunk: OffsetChunk, i: number, offset: number): number {
    if (chunk.kind[i] !== 2) return chunk.timestamp[i]!;
    return Math.max(...this.logOverflow.get(offset)!.map((e) => e.timestamp));
  }
}

export interface AnalyzeOptions {
  policy: Policy;
  windowMs: number;
}

/** Collects anomalies: every one is counted, at most ANOMALY_CAP_PER_KIND of each kind are kept. */
class AnomalyList {
  readonly kept: Anomaly[] = [];
  private readonly keptPerKind = new Map<AnomalyKind, number>(ANOMALY_KINDS.map((k) => [k, 0]));
  truncated = false;
  /** outOfOrder anomalies outside every restart window (fail under both policies). */
  outOfOrderOutsideWindows = 0;

  constructor(private readonly windows: RestartWindows) {}

  add(anomaly: Omit<Anomaly, 'afterRestart'>): void {
    const kept = this.keptPerKind.get(anomaly.kind)!;
    const wanted = kept < ANOMALY_CAP_PER_KIND;
    if (!wanted) this.truncated = true;
    if (!wanted && anomaly.kind !== 'outOfOrder') return;
    const afterRestart = this.windows.find(anomaly.at);
    if (anomaly.kind === 'outOfOrder' && afterRestart === null) this.outOfOrderOutsideWindows += 1;
    if (!wanted) return;
    this.keptPerKind.set(anomaly.kind, kept + 1);
    this.kept.push({ ...anomaly, afterRestart });
  }
}

interface PendingRedelivery {
  partition: number;
  producer: string;
  seq: number;
  offset: number;
  group: string;
  at: number;
}

export class HistoryAnalyzer {
  private readonly partitions: LastHitMap<number, PartitionState>;
  private readonly restartCollector = new RestartCollector();
  private readonly redeliveries: PendingRedelivery[] = [];
  private logRecords = 0;
  private ignored = 0;
  private run: RunInfo | null = null;
  /** The line being added: where a budget overrun is reported. */
  private at: LineContext = { source: 'history', line: 0 };
  /** @param memoryLimitBytes what the analysis state may take (default 2 GiB). */
  constructor(memoryLimitBytes = DEFAULT_MEMORY_LIMIT_BYTES) {
    const budget = new ChunkBudget(memoryLimitBytes, (used) => {
      throw new HistoryFormatError(
        this.at.source,
        this.at.line,
        null,
        `the analysis would need more than ${Math.round(used / 2 ** 20)} MiB: sequence numbers or offsets ` +
          "are too sparse. The format expects each producer's seq to grow by one per message to a " +
          'partition; check the history was written by the canary, or split it.',
      );
    });
    this.partitions = new LastHitMap((partition) => new PartitionState(partition, budget));
  }

  /**
   * Checks one parsed history line and folds it into the state. Throws a
   * HistoryFormatError (naming `at.line` and the field) for a bad record of a
   * known type; counts a record of an unknown type as ignored.
   */
  add(o: JsonObject, at: LineContext): void {
    this.at = at;
    switch (o.type) {
      case 'produce':
        return this.addProduce(o, at);
      case 'log':
        return this.addLog(o, at);
      case 'consume':
        return this.addConsume(o, at);
      case 'broker':
        return this.restartCollector.add(
          integer(o.broker, 'broker', at),
          brokerEvent(o.event, at),
          time(o.at, 'at', at),
        );
      case 'run':
        return this.addRun(o, at);
      default:
        this.ignored += 1;
    }
  }

  private addRun(o: JsonObject, at: LineContext): void {
    const runId = text(o.runId, 'runId', at);
    const startedAt = time(o.startedAt, 'startedAt', at);
    const endedAt = optionalTime(o.endedAt, 'endedAt', at) ?? null;
    const cluster = typeof o.cluster === 'string' ? o.cluster : null;
    this.run ??= { runId, cluster, startedAt, endedAt };
  }

  private addProduce(o: JsonObject, at: LineContext): void {
    const producer = text(o.producer, 'producer', at);
    const p = this.partitions.get(naturalNumber(o.partition, 'partition', at));
    const seq = integer(o.seq, 'seq', at);
    const sentAt = time(o.sentAt, 'sentAt', at);
    const ok = boolean(o.ok, 'ok', at);
    let endAt: number;
    if (ok) {
      endAt = time(o.ackedAt, 'ackedAt', at);
      naturalNumber(o.offset, 'offset', at);
    } else {
      endAt = time(o.failedAt, 'failedAt', at);
    }
    const key = chunkKey(seq);
    const chunk = p.stream.get(producer).seqs.get(key);
    const i = seq - key * CHUNK;
    const flags = chunk.flags[i]!;
    p.produced += 1;
    if (ok) {
      p.acked += 1;
      p.produceLatency.add(endAt - sentAt);
      if ((flags & ACKED) === 0) chunk.ackedSentAt[i] = sentAt;
      chunk.flags[i] = flags | PRODUCED | ACKED;
    } else {
      p.failed += 1;
      chunk.flags[i] = flags | PRODUCED;
    }
    p.produceSentAt.push(sentAt);
    p.produceEndAt.push(endAt);
    p.produceOk.push(ok ? 1 : 0);
  }

  private addLog(o: JsonObject, at: LineContext): void {
    const p = this.partitions.get(naturalNumber(o.partition, 'partition', at));
    const offset = naturalNumber(o.offset, 'offset', at);
    const producer = text(o.producer, 'producer', at);
    const seq = integer(o.seq, 'seq', at);
    const timestamp = time(o.timestamp, 'timestamp', at);
    this.logRecords += 1;
    const stream = p.stream.get(producer).index;
    const key = chunkKey(offset);
    const chunk = p.log.get(key);
    const i = offset - key * CHUNK;
    const kind = chunk.kind[i];
    if (kind === 0) {
      chunk.kind[i] = 1;
      chunk.stream[i] = stream;
      chunk.seq[i] = seq;
      chunk.timestamp[i] = timestamp;
      return;
    }
    if (kind === 1) {
      // A repeated identical record counts once.
      if (chunk.stream[i] === stream && chunk.seq[i] === seq) return;
      chunk.kind[i] = 2;
      p.logOverflow.set(offset, [
        { stream: chunk.stream[i]!, seq: chunk.seq[i]!, timestamp: chunk.timestamp[i]! },
        { stream, seq, timestamp },
      ]);
      return;
    }
    const entries = p.logOverflow.get(offset)!;
    if (!entries.some((e) => e.stream === stream && e.seq === seq)) {
      entries.push({ stream, seq, timestamp });
    }
  }

  private addConsume(o: JsonObject, at: LineContext): void {
    const group = text(o.group, 'group', at);
    text(o.consumer, 'consumer', at);
    const partition = naturalNumber(o.partition, 'partition', at);
    const p = this.partitions.get(partition);
    const offset = naturalNumber(o.offset, 'offset', at);
    const producer = text(o.producer, 'producer', at);
    const seq = integer(o.seq, 'seq', at);
    const receivedAt = time(o.receivedAt, 'receivedAt', at);

    const g = p.group.get(group);
    const okey = chunkKey(offset);
    const received = g.offsets.get(okey).received;
    const oi = offset - okey * CHUNK;
    if (received[oi] === 1) {
      p.redelivered += 1;
      if (this.redeliveries.length < ANOMALY_CAP_PER_KIND + 1) {
        this.redeliveries.push({ partition, producer, seq, offset, group, at: receivedAt });
      }
    } else {
      received[oi] = 1;
      if (offset < g.lowest) g.lowest = offset;
      if (offset > g.highest) g.highest = offset;
    }

    const skey = chunkKey(seq);
    const identity = p.stream.get(producer).seqs.get(skey);
    const si = seq - skey * CHUNK;
    const first = identity.firstReceivedAt[si]!;
    if (!(first <= receivedAt)) identity.firstReceivedAt[si] = receivedAt;
  }

  /** Everything the history says, under one policy and window. */
  finish(options: AnalyzeOptions): Report {
    const restarts = this.restartCollector.restarts();
    const anomalies = new AnomalyList(new RestartWindows(restarts, options.windowMs));
    const hasLog = this.logRecords > 0;

    const partitions = [...this.partitions.values()]
      .sort((a, b) => a.partition - b.partition)
      .map((p) => this.finishPartition(p, hasLog, anomalies));
    for (const r of this.redeliveries.slice(0, ANOMALY_CAP_PER_KIND)) {
      anomalies.add({ kind: 'redelivered', ...r });
    }
    if (this.redeliveries.length > ANOMALY_CAP_PER_KIND) anomalies.truncated = true;

    const totals = sumTotals(partitions, hasLog);
    const kinds = ANOMALY_KINDS.indexOf.bind(ANOMALY_KINDS);
    anomalies.kept.sort(
      (a, b) => a.at - b.at || a.partition - b.partition || kinds(a.kind) - kinds(b.kind),
    );
    const { verdict, reasons } = verdictFor(
      totals,
      anomalies.outOfOrderOutsideWindows,
      options.policy,
    );
    return {
      verdict,
      reasons,
      policy: options.policy,
      windowMs: options.windowMs,
      run: this.run,
      totals,
      partitions,
      restarts,
      anomalies: anomalies.kept,
      anomaliesTruncated: anomalies.truncated,
      ignoredRecords: this.ignored,
    };
  }

  private finishPartition(
    p: PartitionState,
    hasLog: boolean,
    anomalies: AnomalyList,
  ): PartitionReport {
    const partition = p.partition;
    let logged = 0;
    let inconsistentOffsets = 0;

    // The log, in offset order: duplicates, reordering, inconsistent offsets.
    const walk = { duplicates: 0, outOfOrder: 0 };
    for (const key of p.log.sortedKeys()) {
      const chunk = p.log.peek(key)!;
      for (let i = 0; i < CHUNK; i++) {
        const kind = chunk.kind[i];
        if (kind === 0) continue;
        const offset = key * CHUNK + i;
        logged += 1;
        if (kind === 1) {
          walkLogged(
            p,
            chunk.stream[i]!,
            chunk.seq[i]!,
            chunk.timestamp[i]!,
            offset,
            walk,
            anomalies,
          );
          continue;
        }
        inconsistentOffsets += 1;
        anomalies.add({
          kind: 'inconsistentOffset',
          partition,
          offset,
          at: p.latestTimestampAt(chunk, i, offset),
        });
        for (const e of p.logOverflow.get(offset)!) {
          walkLogged(p, e.stream, e.seq, e.timestamp, offset, walk, anomalies);
        }
      }
    }
    const { duplicates, outOfOrder } = walk;

    // Every identity: loss, unacked-but-written, end-to-end latency.
    let lost = 0;
    let unackedWritten = 0;
    const endToEnd = new Histogram();
    for (const stream of p.streams) {
      for (const key of stream.seqs.sortedKeys()) {
        const chunk = stream.seqs.peek(key)!;
        const { flags, ackedSentAt, firstReceivedAt } = chunk;
        for (let i = 0; i < CHUNK; i++) {
          const f = flags[i]!;
          if (f === 0) {
            continue;
          }
          if ((f & ACKED) !== 0) {
            const received = firstReceivedAt[i]!;
            if (received === received) endToEnd.add(received - ackedSentAt[i]!);
            if (hasLog && (f & IN_LOG) === 0) {
              lost += 1;
              anomalies.add({
                kind: 'lost',
                partition,
                producer: stream.producer,
                seq: key * CHUNK + i,
                at: ackedSentAt[i]!,
              });
            }
          } else if ((f & (PRODUCED | IN_LOG)) === (PRODUCED | IN_LOG)) {
            unackedWritten += 1;
          }
        }
      }
    }

    // Every group: logged offsets inside the range it received that it never received.
    let skipped = 0;
    if (hasLog) {
      for (const g of p.group.values()) skipped += this.skippedBy(p, g, anomalies);
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
      produceLatencyMs: p.produceLatency.percentiles(),
      endToEndLatencyMs: endToEnd.percentiles(),
      maxUnavailableMs: maxUnavailableMs(p),
    };
  }

  private skippedBy(p: PartitionState, g: GroupPartition, anomalies: AnomalyList): number {
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
}

/**
 * One identity found in the log, visited in offset order: a second sighting is a
 * duplicate; a first sighting below the highest seq of its producer so far is
 * out of order.
 */
function walkLogged(
  p: PartitionState,
  streamIndex: number,
  seq: number,
  timestamp: number,
  offset: number,
  counts: { duplicates: number; outOfOrder: number },
  anomalies: AnomalyList,
): void {
  const stream = p.streams[streamIndex]!;
  const key = chunkKey(seq);
  const flags = stream.seqs.get(key).flags;
  const i = seq - key * CHUNK;
  const partition = p.partition;
  const producer = stream.producer;
  if ((flags[i]! & IN_LOG) !== 0) {
    counts.duplicates += 1;
    anomalies.add({ kind: 'duplicate', partition, producer, seq, offset, at: timestamp });
    return;
  }
  flags[i]! |= IN_LOG;
  if (seq < stream.highestLogged) {
    counts.outOfOrder += 1;
    anomalies.add({ kind: 'outOfOrder', partition, producer, seq, offset, at: timestamp });
  } else {
    stream.highestLogged = seq;
  }
}

/**
 * The longest outage of a partition: its sends sorted by sentAt (ties in history
 * order); an outage starts at a failed send that follows an acked one (or starts
 * the partition) and ends at the ackedAt of the next acked send; one that never
 * ends runs to the last failedAt.
 */
function maxUnavailableMs(p: PartitionState): number {
  const sentAt = p.produceSentAt.view();
  const endAt = p.produceEndAt.view();
  const ok = p.produceOk.view();
  const order = sendOrder(sentAt);
  let longest = 0;
  let outageStart = Number.NaN;
  let lastFailedAt = Number.NaN;
  for (let k = 0; k < order.length; k++) {
    const j = order[k]!;
    if (ok[j] === 1) {
      if (outageStart === outageStart) {
        longest = Math.max(longest, endAt[j]! - outageStart);
        outageStart = Number.NaN;
      }
    } else if (outageStart !== outageStart) {
      outageStart = sentAt[j]!;
      lastFailedAt = endAt[j]!;
    } else {
      lastFailedAt = Math.max(lastFailedAt, endAt[j]!);
    }
  }
  if (outageStart === outageStart) longest = Math.max(longest, lastFailedAt - outageStart);
  return longest;
}

/** Indexes of `sentAt` in ascending order, ties in their original order. */
function sendOrder(sentAt: Float64Array): ArrayLike<number> {
  const n = sentAt.length;
  let sorted = true;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = sentAt[i]!;
    if (i > 0 && v < sentAt[i - 1]!) sorted = false;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const order = new Uint32Array(n);
  if (sorted) {
    for (let i = 0; i < n; i++) order[i] = i;
    return order;
  }
  // Fast path: a numeric sort of (sentAt − min) · n + i, exact while it stays below 2^53.
  if ((max - min + 1) * n < Number.MAX_SAFE_INTEGER) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = (sentAt[i]! - min) * n + i;
    keys.sort();
    for (let k = 0; k < n; k++) order[k] = keys[k]! % n;
    return order;
  }
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => sentAt[a]! - sentAt[b]! || a - b);
}

function sumTotals(partitions: readonly PartitionReport[], hasLog: boolean): Totals {
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

/**
 * strict: fail on any lost, duplicate, out-of-order, skipped or inconsistent
 * offset; else warn on any redelivery; else pass. tolerant: as strict, but
 * out-of-order records inside a restart window only warn. The reasons say, in
 * words, which counts decided it.
 */
export function verdictFor(
  totals: Totals,
  outOfOrderOutsideWindows: number,
  policy: Policy,
): { verdict: Verdict; reasons: string[] } {
  const insideWindows = totals.outOfOrder - outOfOrderOutsideWindows;
  const failures: [number, string][] = [
    [totals.lost ?? 0, 'acked records lost'],
    [totals.duplicates, 'duplicate records in the log'],
    policy === 'strict'
      ? [totals.outOfOrder, 'records out of order']
      : [outOfOrderOutsideWindows, 'records out of order outside any restart window'],
    [totals.skipped ?? 0, 'logged records a consumer group skipped'],
    [totals.inconsistentOffsets, 'offsets holding two different records'],
  ];
  const warnings: [number, string][] = [
    [totals.redelivered, 'records redelivered to a consumer group'],
    [
      policy === 'tolerant' ? insideWindows : 0,
      'records out of order inside a restart window (tolerated)',
    ],
  ];
  const say = (list: [number, string][]): string[] =>
    list.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  const failed = say(failures);
  if (failed.length > 0) return { verdict: 'fail', reasons: failed };
  const warned = say(warnings);
  if (warned.length > 0) return { verdict: 'warn', reasons: warned };
  return { verdict: 'pass', reasons: [] };
}
