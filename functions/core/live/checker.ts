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
 * - unreachableBroker: a broker `probe` that is not ok (once until it is ok again).
 * - dnsFailure: a `probe` whose `dns` failed (once per endpoint until DNS works again).
 * - addressChanged: a broker `probe` whose endpoint or DNS addresses differ from that
 *   broker's first ok ones.
 * - leaderSkew: a `leaders` snapshot whose leaderSkew is above maxLeaderSkew (once per
 *   topic until it is back at or under it).
 *
 * From the following reader (follower.ts), which reads each canary partition's log as
 * it grows and calls `followed` with each record in offset order (a re-read of offsets
 * it has passed, after a rebalance, is ignored):
 *
 * - duplicate: an identity (producer, seq) found again at a later offset; `at` is the
 *   later copy's log timestamp.
 * - outOfOrder: a record whose seq is below the highest seq its producer had on that
 *   partition at lower offsets, not seen before; `at` is its log timestamp.
 * - suspectedLoss: an acked send whose partition the reader has read past the acked
 *   offset without finding its identity; `at` is the send's sentAt. The final read-back
 *   confirms it (lost) or not; lossCleared when the reader finds it later after all.
 *
 * `after` is the latest `broker` down (or up) event at or before the finding's `at`.
 */
import { STALL_SHOWN_MS } from '../canary/status.js';
import { InputError } from '../errors.js';
import type { HistoryRecordOut } from '../probe/monitor.js';
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
/** Seqs per bit-set chunk of the following reader's seen identities. */
const SEQ_CHUNK = 4096;

/** The seqs of one (partition, producer) found in the log: chunked bit sets. */
class SeqBits {
  private readonly chunks = new Map<number, Uint32Array>();
  has(seq: number): boolean {
    const chunk = this.chunks.get(Math.floor(seq / SEQ_CHUNK));
    const i = seq - Math.floor(seq / SEQ_CHUNK) * SEQ_CHUNK;
    return chunk !== undefined && (chunk[i >>> 5]! & (1 << (i & 31))) !== 0;
  }
  add(seq: number): void {
    const key = Math.floor(seq / SEQ_CHUNK);
    let chunk = this.chunks.get(key);
    if (chunk === undefined) this.chunks.set(key, (chunk = new Uint32Array(SEQ_CHUNK / 32)));
    const i = seq - key * SEQ_CHUNK;
    chunk[i >>> 5]! |= 1 << (i & 31);
  }
}

/** An acked send the following reader has not passed yet. */
interface AwaitedAck {
  offset: number;
  producer: string;
  seq: number;
  sentAt: number;
}

/** One record of the log as the following reader found it. */
export interface FollowedRecord {
  partition: number;
  offset: number;
  producer: string;
  seq: number;
  /** The record's log timestamp (ms since the epoch). */
  timestamp: number;
}

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

const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

function hhmmss(at: number): string {
  return new Date(at).toISOString().slice(11, 19);
}

/** leaderSkew of one snapshot's partitions (docs/history-format.md), or null when none is led. */
export function snapshotSkew(partitions: readonly unknown[]): number | null {
  const brokers = new Set<number>();
  const leads = new Map<number, number>();
  let led = 0;
  for (const p of partitions) {
    const o = p as { leader?: unknown; replicas?: unknown };
    if (Array.isArray(o.replicas))
      for (const r of o.replicas) if (typeof r === 'number') brokers.add(r);
    if (typeof o.leader === 'number' && o.leader !== -1) {
      led++;
      leads.set(o.leader, (leads.get(o.leader) ?? 0) + 1);
    }
  }
  if (led === 0) return null;
  let most = 0;
  for (const b of brokers) most = Math.max(most, leads.get(b) ?? 0);
  return Math.floor((100 * most * brokers.size) / led + 0.5) / 100;
}

export class LiveChecker implements LiveMetricSource {
  private readonly unavailableMs: number;
  private readonly maxLeaderSkew: number;
  private readonly group: string | undefined;
  private readonly now: () => number;
  private readonly listeners: LiveListener[] = [];
  private readonly partitions = new Map<number, PartitionLive>();
  private readonly ackedOffsets = new Map<number, Set<number>>();
  private readonly received = new Map<string, { offsets: Set<number>; max: number }>();
  private readonly unreachable = new Set<number>();
  private readonly dnsFailing = new Set<string>();
  private readonly firstAddress = new Map<number, string>();
  private readonly changed = new Map<number, string>();
  private readonly skewed = new Set<string>();
  private readonly skewByTopic = new Map<string, number>();
  private readonly brokerEvents: BrokerEvent[] = [];
  /** Per partition: the offset the following reader reads next. */
  private readonly logNext = new Map<number, number>();
  /** Per (partition, producer): the seqs found in the log, and the highest. */
  private readonly logged = new Map<string, { seqs: SeqBits; max: number }>();
  /** Per partition: acked sends at or beyond the reader's position, oldest first. */
  private readonly awaited = new Map<number, AwaitedAck[]>();
  /** Suspected losses not cleared, by `partition producer seq`. */
  private readonly suspected = new Set<string>();
  /** Partitions whose stall was told (until they wait less than unavailableMs again). */
  private readonly stalledNow = new Set<number>();
  /** Every finding so far, in the order made. */
  readonly findings: LiveFinding[] = [];
  private counts = {
    produced: 0,
    failed: 0,
    maxUnavailableMs: 0,
    redelivered: 0,
    skipped: 0,
    dnsFailures: 0,
    duplicates: 0,
    outOfOrder: 0,
    longestWaitMs: 0,
  };

  constructor(options: LiveCheckerOptions = {}) {
    this.unavailableMs = options.unavailableMs ?? STALL_SHOWN_MS;
    this.maxLeaderSkew = options.maxLeaderSkew ?? DEFAULT_MAX_LEADER_SKEW;
    if (!(Number.isFinite(this.unavailableMs) && this.unavailableMs >= 0)) {
      throw new InputError(
        `live checker: unavailableMs must be a number of ms ≥ 0, not ${String(options.unavailableMs)}`,
      );
    }
    if (!(Number.isFinite(this.maxLeaderSkew) && this.maxLeaderSkew >= 0)) {
      throw new InputError(
        `live checker: maxLeaderSkew must be a number ≥ 0 (1 is perfectly even), not ${String(options.maxLeaderSkew)}`,
      );
    }
    this.group = options.group;
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
        return this.probe(record);
      case 'leaders':
        return this.leaders(record);
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
          this.awaitAck(partition, { offset, producer, seq, sentAt });
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

  private probe(r: HistoryRecordOut): void {
    const at = num(r.at);
    const endpoint = typeof r.endpoint === 'string' ? r.endpoint : undefined;
    if (at === undefined || endpoint === undefined) return;
    const stage = (v: unknown) =>
      v as { ok?: unknown; error?: unknown; addresses?: unknown } | null | undefined;
    const dns = stage(r.dns);
    const tcp = stage(r.tcp);
    const kafka = stage(r.kafka);
    const broker = r.role === 'broker' ? num(r.broker) : undefined;
    const who = broker === undefined ? `bootstrap ${endpoint}` : `broker ${broker} (${endpoint})`;
    if (dns?.ok === false) {
      this.counts.dnsFailures++;
      if (!this.dnsFailing.has(endpoint)) {
        this.dnsFailing.add(endpoint);
        this.find(
          'dnsFailure',
          at,
          `DNS lookup of ${who} failed: ${String(dns.error ?? 'no error given')}`,
          {
            endpoint,
            ...(broker === undefined ? {} : { broker }),
          },
        );
      }
    } else if (dns?.ok === true) {
      this.dnsFailing.delete(endpoint);
    }
    if (broker === undefined) return;
    const ok = dns?.ok === true && tcp?.ok === true && kafka?.ok === true;
    if (!ok) {
      if (!this.unreachable.has(broker)) {
        this.unreachable.add(broker);
        const failedStage = dns?.ok !== true ? dns : tcp?.ok !== true ? tcp : kafka;
        const name = dns?.ok !== true ? 'DNS' : tcp?.ok !== true ? 'TCP' : 'Kafka';
        this.find(
          'unreachableBroker',
          at,
          `${who} is unreachable: ${name} ${String(failedStage?.error ?? 'not answered')}`,
          {
            broker,
            endpoint,
          },
        );
      }
    } else {
      this.unreachable.delete(broker);
    }
    if (dns?.ok === true && Array.isArray(dns.addresses)) {
      const where = `${endpoint} ${[...new Set(dns.addresses.map(String))].sort().join(',')}`;
      const first = this.firstAddress.get(broker);
      if (first === undefined) this.firstAddress.set(broker, where);
      else if (where !== first && this.changed.get(broker) !== where) {
        this.changed.set(broker, where);
        this.find('addressChanged', at, `broker ${broker} moved from ${first} to ${where}`, {
          broker,
          endpoint,
        });
      } else if (where === first) this.changed.delete(broker);
    }
  }

  private leaders(r: HistoryRecordOut): void {
    const at = num(r.at);
    const topic = typeof r.topic === 'string' ? r.topic : undefined;
    if (at === undefined || topic === undefined || !Array.isArray(r.partitions)) return;
    const skew = snapshotSkew(r.partitions);
    if (skew === null) return;
    this.skewByTopic.set(topic, skew);
    if (skew > this.maxLeaderSkew) {
      if (!this.skewed.has(topic)) {
        this.skewed.add(topic);
        this.find(
          'leaderSkew',
          at,
          `topic ${topic} leader skew ${skew} is above ${this.maxLeaderSkew}`,
          {
            topic,
            value: skew,
          },
        );
      }
    } else this.skewed.delete(topic);
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

  private loggedFor(partition: number, producer: string): { seqs: SeqBits; max: number } {
    const key = `${partition}\u0000${producer}`;
    let l = this.logged.get(key);
    if (l === undefined) this.logged.set(key, (l = { seqs: new SeqBits(), max: -Infinity }));
    return l;
  }

  /** An acked send: checked now when the reader has passed its offset, else when it does. */
  private awaitAck(partition: number, ack: AwaitedAck): void {
    const next = this.logNext.get(partition);
    if (next !== undefined && ack.offset < next) {
      this.confirm(partition, ack);
      return;
    }
    let list = this.awaited.get(partition);
    if (list === undefined) this.awaited.set(partition, (list = []));
    list.push(ack);
  }

  private confirm(partition: number, ack: AwaitedAck): void {
    if (this.loggedFor(partition, ack.producer).seqs.has(ack.seq)) return;
    this.suspected.add(`${partition} ${ack.producer} ${ack.seq}`);
    this.find(
      'suspectedLoss',
      ack.sentAt,
      `acked seq ${ack.seq} of ${ack.producer} (partition ${partition} offset ${ack.offset}) is not in the log, which was read past that offset`,
      { partition, offset: ack.offset, producer: ack.producer, seq: ack.seq },
    );
  }

  /**
   * Feeds one record the following reader found, in offset order per partition. The
   * reader's records are not history records: the final read-back writes the `log`
   * records the verdict is on.
   */
  followed(r: FollowedRecord): void {
    const { partition, offset, producer, seq, timestamp } = r;
    const next = this.logNext.get(partition);
    // Read again after a rebalance: already checked.
    if (next !== undefined && offset < next) return;
    this.logNext.set(partition, offset + 1);
    const l = this.loggedFor(partition, producer);
    const fields = { partition, offset, producer, seq };
    if (l.seqs.has(seq)) {
      this.counts.duplicates++;
      this.find(
        'duplicate',
        timestamp,
        `seq ${seq} of ${producer} is in partition ${partition}'s log again, at offset ${offset}`,
        fields,
      );
    } else {
      if (seq < l.max) {
        this.counts.outOfOrder++;
        this.find(
          'outOfOrder',
          timestamp,
          `seq ${seq} of ${producer} is at offset ${offset} of partition ${partition}, after seq ${l.max}`,
          fields,
        );
      }
      l.seqs.add(seq);
      const key = `${partition} ${producer} ${seq}`;
      if (this.suspected.delete(key)) {
        this.find(
          'lossCleared',
          timestamp,
          `seq ${seq} of ${producer}, suspected lost, is in partition ${partition}'s log at offset ${offset} after all`,
          fields,
        );
      }
    }
    l.max = Math.max(l.max, seq);
    const list = this.awaited.get(partition);
    if (list === undefined) return;
    let passed = 0;
    while (passed < list.length && list[passed]!.offset <= offset) passed++;
    // Acks usually come in offset order; one that did not waits for the next record.
    for (const ack of list.splice(0, passed)) this.confirm(partition, ack);
  }

  /**
   * The following reader has read `partition` up to `end` (exclusive: its high
   * watermark when it caught up): every acked send below it is checked now. Only once
   * every record below `end` has been given to `followed`: later ones below it would be
   * taken for re-reads.
   */
  followedTo(partition: number, end: number): void {
    const next = this.logNext.get(partition) ?? -Infinity;
    if (end <= next) return;
    this.logNext.set(partition, end);
    const list = this.awaited.get(partition);
    if (list === undefined) return;
    const passed = list.filter((a) => a.offset < end);
    this.awaited.set(
      partition,
      list.filter((a) => a.offset >= end),
    );
    for (const ack of passed) this.confirm(partition, ack);
  }

  /** The live counts, by catalogue metric name. */
  liveMetricValues(): LiveMetricValues {
    const skews = [...this.skewByTopic.values()];
    return {
      ProducedMessages: this.counts.produced,
      ProduceErrors: this.counts.failed,
      // A wait still going on counts: a stall shows while it lasts, not at its ack.
      LongestProduceStallMs: this.counts.longestWaitMs,
      ...(this.logNext.size === 0
        ? {}
        : {
            // Suspected now (a cleared suspicion no longer counts).
            LostMessages: this.suspected.size,
            DuplicateMessages: this.counts.duplicates,
            OutOfOrderMessages: this.counts.outOfOrder,
          }),
      MaxUnavailableMs: this.counts.maxUnavailableMs,
      RedeliveredMessages: this.counts.redelivered,
      SkippedMessages: this.counts.skipped,
      UnreachableBrokers: this.unreachable.size,
      DnsFailures: this.counts.dnsFailures,
      BrokerAddressChanges: this.changed.size,
      ...(skews.length === 0 ? {} : { LeaderSkew: Math.max(...skews) }),
    };
  }
}
