/**
 * The history analyzer: every count, latency, outage and anomaly defined in
 * docs/history-format.md, computed in one streaming pass over the records (in
 * any order) and one pass over compact per-partition state at the end, which
 * gives the policy-free facts a HistoryAnalysis reports on. Pure: no I/O, no
 * clock.
 */
import { HistoryAnalysis, type AnalysisFacts, type RawAnomaly } from './analysis.js';
import { BalanceCollector } from './balance-collector.js';
import { Histogram } from './histogram.js';
import { ReachabilityCollector } from './reachability.js';
import {
  type JsonObject,
  type LineContext,
  type RecordType,
  boolean,
  brokerEvent,
  integer,
  naturalNumber,
  optionalInteger,
  optionalTime,
  text,
  time,
} from './records.js';
import {
  ANOMALY_CAP_PER_KIND,
  ANOMALY_KINDS,
  type AnomalyKind,
  type PartitionReport,
  type RunInfo,
  type Totals,
} from './report.js';
import { RestartCollector } from './restarts.js';
import { HistoryFormatError, VerifierError } from '../errors.js';
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

const { PRODUCED, ACKED, IN_LOG, SEND_OK, MORE_SENDS } = SeqChunk;

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

/** A second or later send of one identity (rare: the first lives in the identity's chunk). */
interface ExtraSend {
  stream: number;
  seq: number;
  sentAt: number;
  endAt: number;
  ok: boolean;
}

class PartitionState {
  readonly streams: Stream[] = [];
  readonly stream: LastHitMap<string, Stream>;
  readonly group: LastHitMap<string, GroupPartition>;
  readonly log: ChunkMap<OffsetChunk>;
  /** Offsets that the log gives several identities: every entry at that offset. */
  readonly logOverflow = new Map<number, LogEntry[]>();
  readonly extraSends: ExtraSend[] = [];
  readonly produceLatency = new Histogram();
  readonly scheduledLatency = new Histogram();
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

  /** Streams by producer name: the tie-break order, independent of the file's. */
  streamsByProducer(): Stream[] {
    return [...this.streams].sort((a, b) => compareText(a.producer, b.producer));
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Keeps at most ANOMALY_CAP_PER_KIND anomalies of each kind, and every outOfOrder time. */
class AnomalyCollector {
  readonly kept: RawAnomaly[] = [];
  private readonly keptPerKind = new Map<AnomalyKind, number>(ANOMALY_KINDS.map((k) => [k, 0]));
  truncated = false;
  readonly outOfOrderTimes = new GrowableFloat64();

  add(anomaly: RawAnomaly): void {
    if (anomaly.kind === 'outOfOrder') this.outOfOrderTimes.push(anomaly.at);
    const kept = this.keptPerKind.get(anomaly.kind)!;
    if (kept >= ANOMALY_CAP_PER_KIND) {
      this.truncated = true;
      return;
    }
    this.keptPerKind.set(anomaly.kind, kept + 1);
    this.kept.push(anomaly);
  }
}

/**
 * Folds checked records into compact state (`add`), then computes the facts
 * once (`finish`). Records may come in any order; every figure but
 * `redelivered` is the same whatever it is.
 */
/** Partitions below this are found by index; the rest through a map. */
const DIRECT_PARTITIONS = 1 << 16;

export class HistoryAnalyzer {
  private readonly partitions: LastHitMap<number, PartitionState>;
  private readonly partitionByIndex: (PartitionState | undefined)[] = [];
  private readonly restartCollector = new RestartCollector();
  private readonly reachability = new ReachabilityCollector();
  private readonly balance = new BalanceCollector();
  private readonly redeliveries: RawAnomaly[] = [];
  private readonly counts = { produce: 0, log: 0, probe: 0, leaders: 0 };
  private ignored = 0;
  private run: RunInfo | null = null;
  private analysis: HistoryAnalysis | null = null;
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

  private partition(partition: number): PartitionState {
    if (partition >= DIRECT_PARTITIONS) return this.partitions.get(partition);
    return (this.partitionByIndex[partition] ??= this.partitions.get(partition));
  }

  /**
   * Checks one parsed history line and folds it into the state. Throws a
   * HistoryFormatError (naming `at.line` and the field) for a bad record of a
   * known type; counts a record of an unknown type as ignored.
   */
  add(o: JsonObject, at: LineContext): void {
    if (this.analysis !== null) {
      throw new VerifierError(
        `${at.source}: line ${at.line}: a record was added after the analysis was finished; ` +
          'read the whole history before calling finish().',
      );
    }
    this.at = at;
    // Any string may come here; the cases are RECORD_TYPES, checked by the compiler below.
    const type = o.type as RecordType;
    switch (type) {
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
      case 'probe':
        this.counts.probe += 1;
        return this.reachability.add(o, at);
      case 'leaders':
        this.counts.leaders += 1;
        return this.balance.addLeaders(o, at);
      case 'offsets':
        return this.balance.addOffsets(o, at);
      case 'run':
        return this.addRun(o, at);
      default: {
        // A compile error here means a type in RECORD_TYPES has no case above.
        const unknownType: never = type;
        this.ignore(unknownType);
      }
    }
  }

  /** A record of a type this version does not know: skipped, counted in ignoredRecords. */
  private ignore(_type: string): void {
    this.ignored += 1;
  }

  private addRun(o: JsonObject, at: LineContext): void {
    const runId = text(o.runId, 'runId', at);
    const startedAt = time(o.startedAt, 'startedAt', at);
    const endedAt = optionalTime(o.endedAt, 'endedAt', at) ?? null;
    const cluster = typeof o.cluster === 'string' ? o.cluster : null;
    const run: RunInfo = { runId, cluster, startedAt, endedAt };
    // Several run records: the earliest, whatever the file order.
    if (this.run === null || compareRuns(run, this.run) < 0) this.run = run;
  }

  private addProduce(o: JsonObject, at: LineContext): void {
    const producer = text(o.producer, 'producer', at);
    const p = this.partition(naturalNumber(o.partition, 'partition', at));
    const seq = integer(o.seq, 'seq', at);
    const sentAt = time(o.sentAt, 'sentAt', at);
    const ok = boolean(o.ok, 'ok', at);
    const scheduledAt = optionalInteger(o.scheduledAt, 'scheduledAt', at);
    let endAt: number;
    if (ok) {
      endAt = time(o.ackedAt, 'ackedAt', at);
      naturalNumber(o.offset, 'offset', at);
    } else {
      endAt = time(o.failedAt, 'failedAt', at);
    }
    this.counts.produce += 1;
    const stream = p.stream.get(producer);
    const key = chunkKey(seq);
    const chunk = stream.seqs.get(key);
    const i = seq - key * CHUNK;
    const flags = chunk.flags[i]!;
    p.produced += 1;
    if (ok) {
      p.acked += 1;
      p.produceLatency.add(endAt - sentAt);
      if (scheduledAt !== undefined) p.scheduledLatency.add(endAt - scheduledAt);
    } else {
      p.failed += 1;
    }
    if ((flags & PRODUCED) === 0) {
      chunk.sentAt[i] = sentAt;
      chunk.endAt[i] = endAt;
      chunk.flags[i] = flags | PRODUCED | (ok ? ACKED | SEND_OK : 0);
    } else {
      addExtraSend(p, chunk, i, { stream: stream.index, seq, sentAt, endAt, ok });
    }
  }

  private addLog(o: JsonObject, at: LineContext): void {
    const p = this.partition(naturalNumber(o.partition, 'partition', at));
    const offset = naturalNumber(o.offset, 'offset', at);
    const producer = text(o.producer, 'producer', at);
    const seq = integer(o.seq, 'seq', at);
    const timestamp = time(o.timestamp, 'timestamp', at);
    this.counts.log += 1;
    const stream = p.stream.get(producer).index;
    const key = chunkKey(offset);
    const chunk = p.log.get(key);
    const i = offset - key * CHUNK;
    if (chunk.kind[i] === 0) {
      chunk.kind[i] = 1;
      chunk.stream[i] = stream;
      chunk.seq[i] = seq;
      chunk.timestamp[i] = timestamp;
    } else {
      logAgain(p, chunk, i, offset, stream, seq, timestamp);
    }
  }

  private addConsume(o: JsonObject, at: LineContext): void {
    const group = text(o.group, 'group', at);
    text(o.consumer, 'consumer', at);
    const partition = naturalNumber(o.partition, 'partition', at);
    const p = this.partition(partition);
    const offset = naturalNumber(o.offset, 'offset', at);
    const producer = text(o.producer, 'producer', at);
    const seq = integer(o.seq, 'seq', at);
    const receivedAt = time(o.receivedAt, 'receivedAt', at);

    const g = p.group.get(group);
    const okey = chunkKey(offset);
    const received = g.offsets.get(okey).received;
    const oi = offset - okey * CHUNK;
    if (received[oi] === 1) {
      this.redelivery(p, producer, seq, offset, group, receivedAt);
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

  private redelivery(
    p: PartitionState,
    producer: string,
    seq: number,
    offset: number,
    group: string,
    at: number,
  ): void {
    p.redelivered += 1;
    if (this.redeliveries.length <= ANOMALY_CAP_PER_KIND) {
      const partition = p.partition;
      this.redeliveries.push({ kind: 'redelivered', partition, producer, seq, offset, group, at });
    }
  }

  /**
   * Computes the facts once and returns the analysis to report on (the same one
   * when called again). No record may be added afterwards.
   */
  finish(): HistoryAnalysis {
    if (this.analysis !== null) return this.analysis;
    const anomalies = new AnomalyCollector();
    const hasLog = this.counts.log > 0;
    const partitions = [...this.partitions.values()]
      .sort((a, b) => a.partition - b.partition)
      .map((p) => finishPartition(p, hasLog, anomalies));
    const outOfOrderTimes = anomalies.outOfOrderTimes.view().slice().sort();
    const restarts = this.restartCollector.restarts();
    const facts: AnalysisFacts = {
      run: this.run,
      totals: sumTotals(partitions, hasLog),
      partitions,
      restarts,
      anomalies: [...anomalies.kept, ...this.redeliveries.slice(0, ANOMALY_CAP_PER_KIND)],
      anomaliesTruncated: anomalies.truncated || this.redeliveries.length > ANOMALY_CAP_PER_KIND,
      outOfOrderTimes,
      ignoredRecords: this.ignored,
      records: { ...this.counts },
      reachability: this.reachability.result(),
      balance: this.balance.result(restarts),
    };
    this.analysis = new HistoryAnalysis(facts);
    return this.analysis;
  }
}

/**
 * A log record at an offset already logged: the same identity again counts once
 * (at its latest timestamp, whatever the order); another identity makes the
 * offset inconsistent, with every entry kept in the partition's overflow.
 */
function logAgain(
  p: PartitionState,
  chunk: OffsetChunk,
  i: number,
  offset: number,
  stream: number,
  seq: number,
  timestamp: number,
): void {
  if (chunk.kind[i] === 1) {
    if (chunk.stream[i] === stream && chunk.seq[i] === seq) {
      if (timestamp > chunk.timestamp[i]!) chunk.timestamp[i] = timestamp;
      return;
    }
    chunk.kind[i] = 2;
    p.logOverflow.set(offset, [
      { stream: chunk.stream[i]!, seq: chunk.seq[i]!, timestamp: chunk.timestamp[i]! },
      { stream, seq, timestamp },
    ]);
    return;
  }
  const entries = p.logOverflow.get(offset)!;
  const same = entries.find((e) => e.stream === stream && e.seq === seq);
  if (same === undefined) entries.push({ stream, seq, timestamp });
  else if (timestamp > same.timestamp) same.timestamp = timestamp;
}

/** A second or later send of one identity: kept apart, flagged on the identity. */
function addExtraSend(p: PartitionState, chunk: SeqChunk, i: number, send: ExtraSend): void {
  p.extraSends.push(send);
  chunk.flags[i] = chunk.flags[i]! | MORE_SENDS | (send.ok ? ACKED : 0);
}

function compareRuns(a: RunInfo, b: RunInfo): number {
  return (
    a.startedAt - b.startedAt ||
    compareText(a.runId, b.runId) ||
    compareText(JSON.stringify(a), JSON.stringify(b))
  );
}

/**
 * The log, in (offset, producer, seq) order: logged offsets, duplicates,
 * reordering, inconsistent offsets. One chunk per call, so the loop is compiled
 * once and stays compiled (a loop inside one long function deoptimises each time
 * it reaches code it has not run yet).
 */
class LogWalk {
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
 * Every identity: loss, unacked-but-written, end-to-end latency; and, when the
 * partition's sends are one per identity from one producer in seq order (the
 * usual case), the outage walk too, without a second pass. One chunk per call.
 */
class IdentityWalk {
  lost = 0;
  unackedWritten = 0;
  readonly endToEnd = new Histogram();
  /** null when the sends must be sorted first (several producers, or sends). */
  readonly outages: OutageWalk | null;
  sendsInSeqOrder = true;
  private previousSentAt = Number.NEGATIVE_INFINITY;
  /** An identity with several sends: the earliest sentAt of its acked ones. */
  private readonly earliestAcked = new Map<string, number>();

  constructor(
    private readonly p: PartitionState,
    private readonly hasLog: boolean,
    private readonly anomalies: AnomalyCollector,
  ) {
    this.outages =
      p.failed > 0 && p.streams.length === 1 && p.extraSends.length === 0 ? new OutageWalk() : null;
    for (const s of p.extraSends) {
      if (!s.ok) continue;
      const id = `${s.stream}:${s.seq}`;
      const known = this.earliestAcked.get(id);
      if (known === undefined || s.sentAt < known) this.earliestAcked.set(id, s.sentAt);
    }
  }

  chunk(stream: Stream, key: number, chunk: SeqChunk): void {
    const { flags, sentAt, endAt, firstReceivedAt } = chunk;
    const outages = this.outages;
    for (let i = 0; i < CHUNK; i++) {
      const f = flags[i]!;
      if (f === 0) continue;
      if (outages !== null && this.sendsInSeqOrder && (f & PRODUCED) !== 0) {
        const sent = sentAt[i]!;
        if (sent < this.previousSentAt) this.sendsInSeqOrder = false;
        else outages.visit(sent, endAt[i]!, (f & SEND_OK) !== 0);
        this.previousSentAt = sent;
      }
      if ((f & ACKED) !== 0) {
        let ackedSentAt = (f & SEND_OK) !== 0 ? sentAt[i]! : Number.POSITIVE_INFINITY;
        if ((f & MORE_SENDS) !== 0)
          ackedSentAt = this.earliest(stream, key * CHUNK + i, ackedSentAt);
        const received = firstReceivedAt[i]!;
        if (received === received) this.endToEnd.add(received - ackedSentAt);
        if (this.hasLog && (f & IN_LOG) === 0) this.addLost(stream, key * CHUNK + i, ackedSentAt);
      } else if ((f & (PRODUCED | IN_LOG)) === (PRODUCED | IN_LOG)) {
        this.unackedWritten += 1;
      }
    }
  }

  private earliest(stream: Stream, seq: number, sentAt: number): number {
    const extra = this.earliestAcked.get(`${stream.index}:${seq}`);
    return extra !== undefined && extra < sentAt ? extra : sentAt;
  }

  private addLost(stream: Stream, seq: number, at: number): void {
    this.lost += 1;
    this.anomalies.add({
      kind: 'lost',
      partition: this.p.partition,
      producer: stream.producer,
      seq,
      at,
    });
  }
}

function finishPartition(
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
    produceLatencyMs: p.produceLatency.percentiles(),
    scheduledLatencyMs: p.scheduledLatency.percentiles(),
    endToEndLatencyMs: endToEnd.percentiles(),
    maxUnavailableMs:
      p.failed === 0
        ? 0
        : outages !== null && identities.sendsInSeqOrder
          ? outages.longest()
          : maxUnavailableMs(p),
  };
}

function skippedBy(p: PartitionState, g: GroupPartition, anomalies: AnomalyCollector): number {
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
  anomalies: AnomalyCollector,
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

/** A partition's sends as columns, in (sentAt, producer, seq) order (then endAt, failed first). */
interface Sends {
  sentAt: Float64Array;
  endAt: Float64Array;
  ok: Uint8Array;
  order: ArrayLike<number>;
}

function sendsInOrder(p: PartitionState): Sends {
  const n = p.produced;
  const sentAt = new Float64Array(n);
  const endAt = new Float64Array(n);
  const ok = new Uint8Array(n);
  const rank = new Uint32Array(n);
  const seqOf = new Float64Array(n);
  let j = 0;
  const streams = p.streamsByProducer();
  const rankOf = new Map(streams.map((s, r) => [s.index, r]));
  streams.forEach((stream, r) => {
    for (const key of stream.seqs.sortedKeys()) {
      const chunk = stream.seqs.peek(key)!;
      for (let i = 0; i < CHUNK; i++) {
        const f = chunk.flags[i]!;
        if ((f & PRODUCED) === 0) continue;
        sentAt[j] = chunk.sentAt[i]!;
        endAt[j] = chunk.endAt[i]!;
        ok[j] = (f & SEND_OK) !== 0 ? 1 : 0;
        rank[j] = r;
        seqOf[j] = key * CHUNK + i;
        j += 1;
      }
    }
  });
  for (const s of p.extraSends) {
    sentAt[j] = s.sentAt;
    endAt[j] = s.endAt;
    ok[j] = s.ok ? 1 : 0;
    rank[j] = rankOf.get(s.stream)!;
    seqOf[j] = s.seq;
    j += 1;
  }
  const compare = (a: number, b: number): number =>
    sentAt[a]! - sentAt[b]! ||
    rank[a]! - rank[b]! ||
    seqOf[a]! - seqOf[b]! ||
    endAt[a]! - endAt[b]! ||
    ok[a]! - ok[b]!;
  const order = new Uint32Array(n);
  let sorted = true;
  for (let k = 0; k < n; k++) {
    order[k] = k;
    if (k > 0 && sorted && compare(k - 1, k) > 0) sorted = false;
  }
  // Usually already in order: one producer whose sends go out in seq order.
  if (!sorted) order.sort(compare);
  return { sentAt, endAt, ok, order };
}

/**
 * The longest outage, over sends visited in (sentAt, producer, seq) order: an
 * outage starts at a failed send that follows an acked one (or starts the
 * partition) and ends at the ackedAt of the next acked send; one that never
 * ends runs to the last failedAt.
 */
class OutageWalk {
  private longestMs = 0;
  private start = Number.NaN;
  private lastFailedAt = Number.NaN;

  visit(sentAt: number, endAt: number, ok: boolean): void {
    if (ok) {
      if (this.start === this.start) {
        this.longestMs = Math.max(this.longestMs, endAt - this.start);
        this.start = Number.NaN;
      }
    } else if (this.start !== this.start) {
      this.start = sentAt;
      this.lastFailedAt = endAt;
    } else {
      this.lastFailedAt = Math.max(this.lastFailedAt, endAt);
    }
  }

  longest(): number {
    const open = this.start === this.start ? this.lastFailedAt - this.start : 0;
    return Math.max(this.longestMs, open);
  }
}

/** The longest outage of a partition whose sends must be sorted first. */
function maxUnavailableMs(p: PartitionState): number {
  const { sentAt, endAt, ok, order } = sendsInOrder(p);
  const walk = new OutageWalk();
  for (let k = 0; k < order.length; k++) {
    const j = order[k]!;
    walk.visit(sentAt[j]!, endAt[j]!, ok[j] === 1);
  }
  return walk.longest();
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
