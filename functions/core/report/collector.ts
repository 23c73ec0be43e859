/**
 * What the HTML report needs beyond the analyzer's report, gathered in the same
 * streaming pass over the history (each record is handed here after the
 * analyzer has checked it): produce latency and failed sends per time bucket,
 * for all partitions and for each one; the first and final probe of each
 * endpoint with every stage's outcome; each topic's baseline leadership
 * snapshot; every leadership and end-offsets snapshot (the leadership and
 * traffic charts); the run record's own fields; the times the history spans.
 *
 * Time buckets are sized to the run without knowing it in advance: a bucket
 * index is ⌊t / width⌋, and whenever the buckets in use span more than
 * MAX_BUCKETS the width doubles and pairs merge (⌊⌊t / w⌋ / 2⌋ = ⌊t / 2w⌋, so
 * the merge is exact whatever order records come in). A ten-million-record
 * history still gives at most MAX_BUCKETS buckets. Pure: no I/O, no clock.
 */
import { type Candidate, earlier, later } from '../history/reachability.js';
import type { JsonObject } from '../history/records.js';
import type { PartitionLeadership } from '../history/balance.js';
import { LATENCY_BINS, latencyBin } from './latency-histogram.js';

/** At most this many time buckets, whatever the run's length. */
export const MAX_BUCKETS = 600;
/** The narrowest bucket: 100 ms. Widths are 100 ms × 2^k. */
export const MIN_BUCKET_MS = 100;

/** One partition's sends in one bucket. */
interface PartitionCell {
  sent: number;
  failed: number;
  /** Largest ackedAt − sentAt of its acked sends; -1 when none. */
  maxMs: number;
}

class Bucket {
  sent = 0;
  failed = 0;
  acked = 0;
  maxMs = -1;
  readonly bins = new Uint32Array(LATENCY_BINS);
  readonly partitions = new Map<number, PartitionCell>();

  merge(other: Bucket): void {
    this.sent += other.sent;
    this.failed += other.failed;
    this.acked += other.acked;
    if (other.maxMs > this.maxMs) this.maxMs = other.maxMs;
    for (let b = 0; b < LATENCY_BINS; b++) this.bins[b]! += other.bins[b]!;
    for (const [p, cell] of other.partitions) {
      const mine = this.partitions.get(p);
      if (mine === undefined) this.partitions.set(p, cell);
      else {
        mine.sent += cell.sent;
        mine.failed += cell.failed;
        if (cell.maxMs > mine.maxMs) mine.maxMs = cell.maxMs;
      }
    }
  }
}

/** A probe stage as the report shows it: null when not attempted. */
export interface StageOutcome {
  ok: boolean;
  ms: number;
  error?: string;
  /** tcp: the address it connected to. */
  address?: string;
}

export interface ProbeDetail {
  endpoint: string;
  phase: string;
  at: number;
  addresses: string[] | null;
  dns: StageOutcome | null;
  tcp: StageOutcome | null;
  kafka: StageOutcome | null;
}

interface ProbeCandidate extends Candidate {
  detail: ProbeDetail;
}

class ProbeKey {
  first: ProbeCandidate | null = null;
  finalAfter: ProbeCandidate | null = null;
  latest: ProbeCandidate | null = null;
}

const STAGES = ['dns', 'tcp', 'kafka'] as const;

function stageOutcome(v: unknown): StageOutcome | null {
  if (v === null || typeof v !== 'object') return null;
  const o = v as JsonObject;
  const out: StageOutcome = { ok: o.ok === true, ms: Number(o.ms) };
  if (typeof o.error === 'string') out.error = o.error;
  if (typeof o.address === 'string') out.address = o.address;
  return out;
}

/** One `leaders` record, as the leadership chart needs it. */
export interface LeadershipSnapshot {
  topic: string;
  at: number;
  partitions: PartitionLeadership[];
  tie: string;
}

/** One `offsets` record: [partition, end] pairs. */
export interface OffsetsSnapshot {
  topic: string;
  at: number;
  ends: [number, number][];
}

export interface BaselineSnapshot {
  at: number;
  partitions: PartitionLeadership[];
  tie: string;
}

/** The first and final probe of one endpoint key (a broker id or a bootstrap endpoint). */
export interface ProbePair {
  first: ProbeDetail | null;
  final: ProbeDetail;
}

/** Everything the collector found, before a report's options are applied. */
export interface CollectedTimeline {
  bucketMs: number;
  /** Bucket indices (start = index × bucketMs), ascending, with their figures. */
  buckets: { index: number; bucket: Bucket }[];
  /** Earliest and latest time of any record; null when the history has no timed record. */
  firstAt: number | null;
  lastAt: number | null;
  probes: { brokers: Map<number, ProbePair>; bootstrap: Map<string, ProbePair> };
  baseline: Map<string, BaselineSnapshot>;
  /** Every `leaders` record, in file order. */
  leaders: LeadershipSnapshot[];
  /** Every `offsets` record, in file order. */
  offsets: OffsetsSnapshot[];
  /** The history's `run` records, as written (at most a few). */
  runRecords: JsonObject[];
}

export type { Bucket };

const MAX_RUN_RECORDS = 8;

export class TimelineCollector {
  private width = MIN_BUCKET_MS;
  private readonly buckets = new Map<number, Bucket>();
  private low = Number.POSITIVE_INFINITY;
  private high = Number.NEGATIVE_INFINITY;
  private lastIndex = Number.NaN;
  private lastBucket: Bucket | null = null;
  private firstAt = Number.POSITIVE_INFINITY;
  private lastAt = Number.NEGATIVE_INFINITY;
  private readonly brokerProbes = new Map<number, ProbeKey>();
  private readonly bootstrapProbes = new Map<string, ProbeKey>();
  private readonly baseline = new Map<string, BaselineSnapshot>();
  private readonly leaders: LeadershipSnapshot[] = [];
  private readonly offsets: OffsetsSnapshot[] = [];
  private readonly runRecords: JsonObject[] = [];

  /** One record the analyzer has already checked (so its fields have their types). */
  add(o: JsonObject): void {
    switch (o.type) {
      case 'produce':
        return this.addProduce(o);
      case 'log':
        return this.seen(o.timestamp as number);
      case 'consume':
        return this.seen(o.receivedAt as number);
      case 'broker':
        return this.seen(o.at as number);
      case 'probe':
        return this.addProbe(o);
      case 'leaders':
        return this.addLeaders(o);
      case 'offsets':
        return this.addOffsets(o);
      case 'run':
        if (this.runRecords.length < MAX_RUN_RECORDS) this.runRecords.push(o);
        this.seen(o.startedAt as number);
        if (typeof o.endedAt === 'number') this.seen(o.endedAt);
        return;
      default:
        return;
    }
  }

  /** A time the run spans: widens the span and, through the bucket range, the timeline. */
  private seen(t: number): void {
    if (t < this.firstAt) this.firstAt = t;
    if (t > this.lastAt) this.lastAt = t;
    const index = Math.floor(t / this.width);
    if (index < this.low || index > this.high) this.extend(index);
  }

  private extend(index: number): void {
    let low = Math.min(this.low, index);
    let high = Math.max(this.high, index);
    while (high - low + 1 > MAX_BUCKETS) {
      this.widen();
      low = Math.floor(low / 2);
      high = Math.floor(high / 2);
    }
    this.low = low;
    this.high = high;
  }

  /** Doubles the bucket width, merging each pair of buckets. */
  private widen(): void {
    this.width *= 2;
    const old = [...this.buckets.entries()];
    this.buckets.clear();
    for (const [index, bucket] of old) {
      const merged = Math.floor(index / 2);
      const into = this.buckets.get(merged);
      if (into === undefined) this.buckets.set(merged, bucket);
      else into.merge(bucket);
    }
    this.lastBucket = null;
    this.lastIndex = Number.NaN;
  }

  private bucketAt(t: number): Bucket {
    this.seen(t);
    const index = Math.floor(t / this.width);
    if (index === this.lastIndex) return this.lastBucket!;
    let bucket = this.buckets.get(index);
    if (bucket === undefined) this.buckets.set(index, (bucket = new Bucket()));
    this.lastIndex = index;
    this.lastBucket = bucket;
    return bucket;
  }

  private addProduce(o: JsonObject): void {
    const sentAt = o.sentAt as number;
    const ok = o.ok === true;
    // The end time first: widening after the bucket is taken could merge it away.
    this.seen(ok ? (o.ackedAt as number) : (o.failedAt as number));
    const bucket = this.bucketAt(sentAt);
    const partition = o.partition as number;
    let cell = bucket.partitions.get(partition);
    if (cell === undefined)
      bucket.partitions.set(partition, (cell = { sent: 0, failed: 0, maxMs: -1 }));
    bucket.sent += 1;
    cell.sent += 1;
    if (ok) {
      const ms = Math.max(0, (o.ackedAt as number) - sentAt);
      bucket.acked += 1;
      bucket.bins[latencyBin(ms)]! += 1;
      if (ms > bucket.maxMs) bucket.maxMs = ms;
      if (ms > cell.maxMs) cell.maxMs = ms;
    } else {
      bucket.failed += 1;
      cell.failed += 1;
    }
  }

  private addProbe(o: JsonObject): void {
    const at = o.at as number;
    this.seen(at);
    const endpoint = o.endpoint as string;
    const detail: ProbeDetail = {
      endpoint,
      phase: o.phase as string,
      at,
      addresses: null,
      dns: stageOutcome(o.dns),
      tcp: stageOutcome(o.tcp),
      kafka: stageOutcome(o.kafka),
    };
    if (detail.dns?.ok === true) {
      const list = (o.dns as JsonObject).addresses as string[];
      detail.addresses = [...new Set(list)].sort();
    }
    // The same choice of first and final probe as the analyzer's (same keys, same ties).
    const candidate: ProbeCandidate = {
      at,
      endpoint,
      addresses: detail.addresses,
      ok: STAGES.every((s) => detail[s]?.ok === true),
      tie: JSON.stringify([endpoint, detail.addresses, STAGES.map((s) => detail[s]?.ok ?? null)]),
      detail,
    };
    let key: ProbeKey | undefined;
    if (o.role === 'broker') {
      const broker = o.broker as number;
      key = this.brokerProbes.get(broker);
      if (key === undefined) this.brokerProbes.set(broker, (key = new ProbeKey()));
    } else {
      key = this.bootstrapProbes.get(endpoint);
      if (key === undefined) this.bootstrapProbes.set(endpoint, (key = new ProbeKey()));
    }
    if (o.phase === 'baseline' && earlier(key.first, candidate)) key.first = candidate;
    if (o.phase === 'after' && later(key.finalAfter, candidate)) key.finalAfter = candidate;
    if (later(key.latest, candidate)) key.latest = candidate;
  }

  private addOffsets(o: JsonObject): void {
    const at = o.at as number;
    this.seen(at);
    const ends = (o.partitions as JsonObject[]).map((p): [number, number] => [
      p.partition as number,
      p.end as number,
    ]);
    this.offsets.push({ topic: o.topic as string, at, ends });
  }

  private addLeaders(o: JsonObject): void {
    const at = o.at as number;
    this.seen(at);
    const topic = o.topic as string;
    const partitions = (o.partitions as JsonObject[]).map((p) => ({
      partition: p.partition as number,
      leader: p.leader as number,
      replicas: p.replicas as number[],
      isr: p.isr as number[],
    }));
    const tie = JSON.stringify(partitions);
    this.leaders.push({ topic, at, partitions, tie });
    if (o.phase !== 'baseline') return;
    const known = this.baseline.get(topic);
    if (known !== undefined && known.at < at) return;
    // The earliest baseline snapshot of each topic; at the same time the lower one, so file order never decides.
    if (known === undefined || at < known.at || tie < known.tie) {
      this.baseline.set(topic, { at, partitions, tie });
    }
  }

  finish(): CollectedTimeline {
    const pair = (k: ProbeKey): ProbePair => ({
      first: k.first?.detail ?? null,
      final: (k.finalAfter ?? k.latest)!.detail,
    });
    return {
      bucketMs: this.width,
      buckets: [...this.buckets.entries()]
        .sort(([a], [b]) => a - b)
        .map(([index, bucket]) => ({ index, bucket })),
      firstAt: Number.isFinite(this.firstAt) ? this.firstAt : null,
      lastAt: Number.isFinite(this.lastAt) ? this.lastAt : null,
      probes: {
        brokers: new Map([...this.brokerProbes].map(([b, k]) => [b, pair(k)])),
        bootstrap: new Map([...this.bootstrapProbes].map(([e, k]) => [e, pair(k)])),
      },
      baseline: this.baseline,
      leaders: this.leaders,
      offsets: this.offsets,
      runRecords: this.runRecords,
    };
  }
}
