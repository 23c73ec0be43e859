/**
 * The live checker (issue 17): fed the run's own history records as they are made
 * (through the tee sink, tee.ts), it says within seconds what the final analyzer
 * will later judge, as LiveFindings, and keeps live counts by catalogue metric name
 * (a LiveMetricSource, merged with the session's by publish.ts mergeSources).
 *
 * Pure and incremental: no I/O, no clock but the one it is given. The definitions
 * are the analyzer's (docs/history-format.md), walked one record at a time:
 *
 * - failedSend: a `produce` with `ok` false. One finding per partition per outage (the
 *   first failure after an ack); every failure counts in ProduceErrors.
 * - unavailable: the analyzer's outage (starts at the `sentAt` of a failed send that
 *   follows an acked one or starts the partition, ends at the next ack's `ackedAt`),
 *   reported once when it has lasted more than `unavailableMs` (default
 *   STALL_SHOWN_MS, the status line's stall threshold). `at` is the outage's start.
 * - redelivered: a `consume` whose offset that (group, partition) already received.
 * - skipped: a `consume` that jumps past offsets this run's producer had acked on the
 *   partition and the group never received (live, the acked offsets stand in for the
 *   log the final read-back has); `at` is the jump's `receivedAt`.
 * - stalled: from the producer, not the history: a partition whose oldest send has
 *   waited more than `unavailableMs` for its outcome (once per stall, until nothing
 *   waits that long); `at` is that send's tick. Not hard: the verdict does not fail on
 *   a wait (LongestProduceStallMs alarms on it), but it is the first sign of a leader
 *   that went away without a word, seconds before its sends fail or its probe does.
 * - unreachableBroker, dnsFailure, addressChanged, leaderSkew: from `probe` and
 *   `leaders` records (cluster-check.ts).
 * - duplicate, outOfOrder, suspectedLoss, lossCleared: from the following reader of
 *   the log (follower.ts, log-check.ts), through `followed` and `followedTo`.
 *
 * `after` is the latest `broker` down (or up) event at or before the finding's `at`.
 */
import { STALL_SHOWN_MS } from '../canary/status.js';
import { InputError } from '../errors.js';
import type { HistoryRecordOut } from '../probe/monitor.js';
import { ClusterCheck, num } from './cluster-check.js';
import { LogCheck, type FollowedRecord } from './log-check.js';
import { DEFAULT_MAX_LEADER_SKEW } from '../history/report.js';
import type {
  LiveFinding,
  LiveFindingKind,
  LiveListener,
  LiveMetricSource,
  LiveMetricValues,
} from './types.js';

export interface LiveCheckerOptions {
  /** An outage longer than this (ms) is an `unavailable` finding; default STALL_SHOWN_MS. */
  unavailableMs?: number;
  /** The balance threshold; default DEFAULT_MAX_LEADER_SKEW (the analyzer's). */
  maxLeaderSkew?: number;
  /** Only this group's consume records are checked; default every group. */
  group?: string;
  /** The clock for detectedAt; default Date.now. */
  now?: () => number;
}

/** The largest gap the skip check walks in one jump (a larger one is one finding). */
const MAX_GAP_WALK = 10_000;
const HARD: ReadonlySet<LiveFindingKind> = new Set([
  'failedSend',
  'unavailable',
  'duplicate',
  'outOfOrder',
  'suspectedLoss',
  'unreachableBroker',
  'dnsFailure',
]);
const ANOMALY: ReadonlySet<LiveFindingKind> = new Set([
  'duplicate',
  'outOfOrder',
  'suspectedLoss',
  'redelivered',
  'skipped',
]);

interface PartitionLive {
  /** Start of the outage in progress (sentAt), or null while the partition acks. */
  outageStart: number | null;
  outageReported: boolean;
  outageFailedReported: boolean;
  lastFailedAt: number;
  everAcked: boolean;
}

interface BrokerEvent {
  broker: number;
  event: 'down' | 'up';
  at: number;
}

function hhmmss(at: number): string {
  return new Date(at).toISOString().slice(11, 19);
}

export type { FollowedRecord } from './log-check.js';
export { snapshotSkew } from './cluster-check.js';

export class LiveChecker implements LiveMetricSource {
  private readonly unavailableMs: number;
  private readonly group: string | undefined;
  private readonly now: () => number;
  private readonly listeners: LiveListener[] = [];
  private readonly partitions = new Map<number, PartitionLive>();
  private readonly ackedOffsets = new Map<number, Set<number>>();
  private readonly received = new Map<string, { offsets: Set<number>; max: number }>();
  private readonly brokerEvents: BrokerEvent[] = [];
  /** Partitions whose stall was told (until they wait less than unavailableMs again). */
  private readonly stalledNow = new Set<number>();
  /** The probe/leaders part (cluster-check.ts) and the log part (log-check.ts). */
  private readonly cluster: ClusterCheck;
  private readonly log = new LogCheck((...finding) => this.find(...finding));
  /** Every finding so far, in the order made. */
  readonly findings: LiveFinding[] = [];
  private counts = {
    produced: 0,
    failed: 0,
    maxUnavailableMs: 0,
    redelivered: 0,
    skipped: 0,
    longestWaitMs: 0,
  };

  constructor(options: LiveCheckerOptions = {}) {
    this.unavailableMs = options.unavailableMs ?? STALL_SHOWN_MS;
    const maxLeaderSkew = options.maxLeaderSkew ?? DEFAULT_MAX_LEADER_SKEW;
    if (!(Number.isFinite(this.unavailableMs) && this.unavailableMs >= 0)) {
      throw new InputError(
        `live checker: unavailableMs must be a number of ms ≥ 0, not ${String(options.unavailableMs)}`,
      );
    }
    if (!(Number.isFinite(maxLeaderSkew) && maxLeaderSkew >= 0)) {
      throw new InputError(
        `live checker: maxLeaderSkew must be a number ≥ 0 (1 is perfectly even), not ${String(options.maxLeaderSkew)}`,
      );
    }
    this.group = options.group;
    this.cluster = new ClusterCheck(maxLeaderSkew, (...finding) => this.find(...finding));
    this.now = options.now ?? Date.now;
  }

  /** Calls `listener` with every finding from now on. */
  onFinding(listener: LiveListener): void {
    this.listeners.push(listener);
  }

  /** The restart a time follows: the latest broker event at or before it. */
  restartBefore(at: number): string | null {
    let best: BrokerEvent | null = null;
    for (const e of this.brokerEvents)
      if (e.at <= at && (best === null || e.at >= best.at)) best = e;
    return best === null ? null : `broker ${best.broker} ${best.event} at ${hhmmss(best.at)}`;
  }

  private find(
    kind: LiveFindingKind,
    at: number,
    detail: string,
    fields: Partial<LiveFinding> = {},
  ): void {
    const finding: LiveFinding = {
      type: ANOMALY.has(kind) ? 'anomaly' : 'finding',
      kind,
      hard: HARD.has(kind),
      at,
      detectedAt: this.now(),
      ...fields,
      after: this.restartBefore(at),
      detail,
    };
    this.findings.push(finding);
    for (const listener of this.listeners) listener(finding);
  }

  /** Feeds one history record (the tee calls it for every record written). */
  check(record: HistoryRecordOut): void {
    switch (record.type) {
      case 'produce':
        return this.produce(record);
      case 'consume':
        return this.consume(record);
      case 'probe':
        return this.cluster.probe(record);
      case 'leaders':
        return this.cluster.leaders(record);
      case 'broker': {
        const broker = num(record.broker);
        const at = num(record.at);
        if (
          broker !== undefined &&
          at !== undefined &&
          (record.event === 'down' || record.event === 'up')
        ) {
          this.brokerEvents.push({ broker, event: record.event, at });
        }
        return;
      }
      default:
        return;
    }
  }

  private partition(p: number): PartitionLive {
    let s = this.partitions.get(p);
    if (s === undefined) {
      s = {
        outageStart: null,
        outageReported: false,
        outageFailedReported: false,
        lastFailedAt: 0,
        everAcked: false,
      };
      this.partitions.set(p, s);
    }
    return s;
  }

  private produce(r: HistoryRecordOut): void {
    const partition = num(r.partition);
    const sentAt = num(r.sentAt);
    if (partition === undefined || sentAt === undefined) return;
    this.counts.produced++;
    const s = this.partition(partition);
    const producer = typeof r.producer === 'string' ? r.producer : undefined;
    const seq = num(r.seq);
    if (r.ok === true) {
      const ackedAt = num(r.ackedAt) ?? sentAt;
      const offset = num(r.offset);
      if (offset !== undefined) {
        let acked = this.ackedOffsets.get(partition);
        if (acked === undefined) this.ackedOffsets.set(partition, (acked = new Set()));
        acked.add(offset);
        if (producer !== undefined && seq !== undefined) {
          this.log.awaitAck(partition, { offset, producer, seq, sentAt });
        }
      }
      s.everAcked = true;
      if (s.outageStart !== null) {
        const ms = ackedAt - s.outageStart;
        this.counts.maxUnavailableMs = Math.max(this.counts.maxUnavailableMs, ms);
        if (!s.outageReported && ms > this.unavailableMs) {
          this.find(
            'unavailable',
            s.outageStart,
            `partition ${partition} acked nothing for ${ms} ms (ended by seq ${seq ?? '?'} at offset ${offset ?? '?'})`,
            {
              partition,
              value: ms,
              ...(producer === undefined ? {} : { producer }),
            },
          );
        }
        s.outageStart = null;
      }
      s.outageReported = false;
      s.outageFailedReported = false;
      return;
    }
    const failedAt = num(r.failedAt) ?? sentAt;
    this.counts.failed++;
    const error = typeof r.error === 'string' ? r.error : 'an unknown error';
    if (s.outageStart === null) s.outageStart = sentAt;
    s.lastFailedAt = Math.max(s.lastFailedAt, failedAt);
    const fields = {
      partition,
      ...(producer === undefined ? {} : { producer }),
      ...(seq === undefined ? {} : { seq }),
    };
    if (!s.outageFailedReported) {
      s.outageFailedReported = true;
      this.find(
        'failedSend',
        failedAt,
        `send of seq ${seq ?? '?'} to partition ${partition} failed: ${error}`,
        fields,
      );
    }
    const ms = s.lastFailedAt - s.outageStart;
    this.counts.maxUnavailableMs = Math.max(this.counts.maxUnavailableMs, ms);
    if (!s.outageReported && ms > this.unavailableMs) {
      s.outageReported = true;
      this.find(
        'unavailable',
        s.outageStart,
        `partition ${partition} has acked nothing for ${ms} ms so far (last error ${error})`,
        {
          ...fields,
          value: ms,
        },
      );
    }
  }

  private consume(r: HistoryRecordOut): void {
    const group = typeof r.group === 'string' ? r.group : undefined;
    const partition = num(r.partition);
    const offset = num(r.offset);
    const receivedAt = num(r.receivedAt);
    if (
      group === undefined ||
      partition === undefined ||
      offset === undefined ||
      receivedAt === undefined
    )
      return;
    if (this.group !== undefined && group !== this.group) return;
    const key = `${group}\u0000${partition}`;
    let g = this.received.get(key);
    if (g === undefined) this.received.set(key, (g = { offsets: new Set(), max: offset }));
    const fields = {
      group,
      partition,
      offset,
      ...(typeof r.producer === 'string' ? { producer: r.producer } : {}),
      ...(num(r.seq) === undefined ? {} : { seq: num(r.seq) }),
    };
    if (g.offsets.has(offset)) {
      this.counts.redelivered++;
      this.find(
        'redelivered',
        receivedAt,
        `group ${group} received partition ${partition} offset ${offset} again`,
        fields,
      );
      return;
    }
    if (g.offsets.size > 0 && offset > g.max + 1) {
      const acked = this.ackedOffsets.get(partition);
      const from = g.max + 1;
      const to = Math.min(offset - 1, from + MAX_GAP_WALK);
      for (let k = from; k <= to; k++) {
        if (acked?.has(k) === true && !g.offsets.has(k)) {
          this.counts.skipped++;
          this.find(
            'skipped',
            receivedAt,
            `group ${group} went from offset ${g.max} to ${offset} on partition ${partition}, past acked offset ${k}`,
            {
              group,
              partition,
              offset: k,
            },
          );
        }
      }
    }
    g.offsets.add(offset);
    g.max = Math.max(g.max, offset);
  }

  /**
   * What the producer waits for now: per partition with a send waiting, since its tick
   * (the session's progress, every loop). A stall over `unavailableMs` is told once.
   */
  waiting(list: readonly { partition: number; since: number; waitedMs: number }[]): void {
    const over = new Set<number>();
    for (const w of list) {
      this.counts.longestWaitMs = Math.max(this.counts.longestWaitMs, w.waitedMs);
      if (w.waitedMs <= this.unavailableMs) continue;
      over.add(w.partition);
      if (this.stalledNow.has(w.partition)) continue;
      this.stalledNow.add(w.partition);
      this.find(
        'stalled',
        w.since,
        `sends to partition ${w.partition} have waited ${w.waitedMs} ms for an answer (kafkajs still retrying: the leader may be gone)`,
        { partition: w.partition, value: w.waitedMs },
      );
    }
    for (const p of this.stalledNow) if (!over.has(p)) this.stalledNow.delete(p);
  }

  /** A record the following reader found, in offset order per partition (log-check.ts). */
  followed(r: FollowedRecord): void {
    this.log.followed(r);
  }

  /** The following reader has read `partition` up to `end` (log-check.ts). */
  followedTo(partition: number, end: number): void {
    this.log.followedTo(partition, end);
  }

  /** The live counts, by catalogue metric name. */
  liveMetricValues(): LiveMetricValues {
    return {
      ProducedMessages: this.counts.produced,
      ProduceErrors: this.counts.failed,
      // A wait still going on counts: a stall shows while it lasts, not at its ack.
      LongestProduceStallMs: this.counts.longestWaitMs,
      ...this.log.liveMetricValues(),
      MaxUnavailableMs: this.counts.maxUnavailableMs,
      RedeliveredMessages: this.counts.redelivered,
      SkippedMessages: this.counts.skipped,
      ...this.cluster.liveMetricValues(),
    };
  }
}
