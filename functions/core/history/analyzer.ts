/**
 * The history analyzer: every count, latency, outage and anomaly defined in
 * docs/history-format.md, computed in one streaming pass over the records (in
 * any order) and one pass over compact per-partition state at the end, which
 * gives the policy-free facts a HistoryAnalysis reports on. Pure: no I/O, no
 * clock.
 *
 * This file is the intake: it checks each record and folds it into state
 * (partition-state.ts over the typed-array columns of columns.ts; reachability,
 * balance and restarts have their own collectors). finish() hands each
 * partition to totals.ts, which runs the log walk (log-walk.ts), the identity
 * walk (identity-walk.ts) and the outages (outages.ts).
 */
import { HistoryAnalysis, type AnalysisFacts, type RawAnomaly } from './analysis.js';
import { BalanceCollector } from './balance-collector.js';
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
import { ANOMALY_CAP_PER_KIND, type RunInfo } from './report.js';
import { RestartCollector } from './restarts.js';
import { HistoryFormatError, VerifierError } from '../errors.js';
import { AnomalyCollector } from './anomaly-collector.js';
import { CHUNK, ChunkBudget, LastHitMap, SeqChunk, chunkKey } from './columns.js';
import { PartitionState, addExtraSend, compareText, logAgain } from './partition-state.js';
import { producerReports } from './producers.js';
import { finishPartition, sumTotals } from './totals.js';

const { PRODUCED, ACKED, SEND_OK } = SeqChunk;

/**
 * 1 GiB: dense histories of tens of millions of records fit below it, and with Node's
 * own heap and the report's rendering it stays inside the verify Lambda's 2048 MB
 * (at 2 GiB the Lambda would be killed before the guard spoke).
 */
export const DEFAULT_MEMORY_LIMIT_BYTES = 2 ** 30;

/**
 * A partition whose records fill under this many column chunks is an ordinary one:
 * when the budget runs out with partitions like that, their number is the cause.
 */
const CHUNKS_PER_ORDINARY_PARTITION = 4;

/** Partitions below this are found by index; the rest through a map. */
const DIRECT_PARTITIONS = 1 << 16;

/**
 * Folds checked records into compact state (`add`), then computes the facts
 * once (`finish`). Records may come in any order; every figure but
 * `redelivered` is the same whatever it is.
 */
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
  /** Distinct runIds of the run records (at most RUN_IDS_KEPT; more only noted). */
  private readonly runIds = new Set<string>();
  private runIdsTruncated = false;
  private analysis: HistoryAnalysis | null = null;
  /** The line being added: where a budget overrun is reported. */
  private at: LineContext = { source: 'history', line: 0 };
  /** @param memoryLimitBytes what the analysis state may take (default 2 GiB). */
  constructor(memoryLimitBytes = DEFAULT_MEMORY_LIMIT_BYTES) {
    const budget = new ChunkBudget(memoryLimitBytes, (b) => {
      const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
      const need = `the analysis would need more than ${mib(b.used)} MiB (its limit is ${mib(b.limitBytes)} MiB)`;
      const problem =
        b.chunks < b.partitions * CHUNKS_PER_ORDINARY_PARTITION
          ? `${need}: the history names ${b.partitions} partitions so far, and each partition's ` +
            'columns take about 100 KiB from its first record. A canary topic has tens of ' +
            'partitions: check the history was written by the canary, or split it by partition.'
          : `${need}: sequence numbers or offsets are too sparse (${b.chunks} column chunks for ` +
            `${b.partitions} partitions). The format expects each producer's seq to grow by one ` +
            'per message to a partition; check the history was written by the canary, or split it.';
      throw new HistoryFormatError(this.at.source, this.at.line, null, problem);
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
    if (!this.runIds.has(runId)) {
      if (this.runIds.size < RUN_IDS_KEPT) this.runIds.add(runId);
      else this.runIdsTruncated = true;
    }
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
    stream.produced += 1;
    if (ok) {
      p.acked += 1;
      stream.acked += 1;
      stream.produceLatency.add(endAt - sentAt);
      if (scheduledAt !== undefined) stream.scheduledLatency.add(endAt - scheduledAt);
    } else {
      p.failed += 1;
      stream.failed += 1;
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
    const states = [...this.partitions.values()].sort((a, b) => a.partition - b.partition);
    const partitions = states.map((p) => finishPartition(p, hasLog, anomalies));
    const outOfOrderTimes = anomalies.outOfOrderTimes.view().slice().sort();
    const restarts = this.restartCollector.restarts();
    const facts: AnalysisFacts = {
      run: this.run,
      runIds: [...this.runIds].sort(compareText),
      runIdsTruncated: this.runIdsTruncated,
      totals: sumTotals(partitions, hasLog),
      partitions,
      producers: producerReports(states, hasLog),
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

/** How many distinct runIds the analyzer keeps to name in the mixed-runs warning. */
const RUN_IDS_KEPT = 10;

function compareRuns(a: RunInfo, b: RunInfo): number {
  return (
    a.startedAt - b.startedAt ||
    compareText(a.runId, b.runId) ||
    compareText(JSON.stringify(a), JSON.stringify(b))
  );
}
