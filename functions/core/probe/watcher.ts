/**
 * The cluster watcher: polls metadata in the background while a run goes on and writes
 * `broker` records (a broker left the metadata's broker list: `down`; came back: `up`)
 * and `leaders` snapshots of the watched topics — at baseline, whenever leadership,
 * replicas or ISR of a watched topic change, and after. With every poll it also writes
 * an `offsets` record per watched topic (each partition's end offset, by ListOffsets:
 * read-only), so the analyzer can tell how the topics' traffic landed on brokers as
 * leadership moved. It remembers every broker it has seen, with its last advertised
 * endpoint, for the reachability prober.
 *
 * "Down" means exactly: the broker is missing from the broker list of a metadata answer
 * (kafkajs asks one live broker; in KRaft that list holds registered, unfenced brokers).
 * A broker in controlled shutdown stays listed until the controller fences it, and a
 * crashed broker until its session times out (broker.session.timeout.ms, 9 s by default).
 * A failed or timed-out poll changes nothing: no answer is not "every broker is down".
 */
import type { KafkaConnection } from '../kafka/client.js';
import { endpointOf } from './endpoint.js';
import { type MetadataSource, type WatchedTopics, kafkajsMetadataSource } from './metadata.js';
import type { Emit, RunMonitor, RunPhase } from './monitor.js';
import { type HostResolver, createHostResolver } from './resolve.js';
import {
  type BrokerInfo,
  type ClusterSnapshot,
  type TopicInfo,
  type TopicOffsets,
  compareSnapshots,
} from './snapshot.js';

/** A broker the watcher has seen in the metadata, with the endpoint it last advertised. */
export interface KnownBroker extends BrokerInfo {
  /** Its host resolved when last seen (null when that failed). */
  address: string | null;
  /** Listed in the latest metadata answer. */
  present: boolean;
}

/** Where the prober learns which brokers to probe. */
export interface BrokerDirectory {
  /** Every broker seen since the run began, present or gone, by id. */
  knownBrokers(): Promise<KnownBroker[]>;
}

export interface ClusterWatcherState {
  version: 1;
  /** The latest metadata answer, or null before the first one. */
  snapshot: ClusterSnapshot | null;
  known: KnownBroker[];
  /** When the latest poll started (ms since the epoch), or null. */
  lastPollAt: number | null;
}

export interface ClusterWatcherOptions {
  /** How to reach the cluster (bootstrap, DNS server, kafkajs settings). */
  connection: KafkaConnection;
  /**
   * The topics to snapshot: the canary topic and the user's (`--topics`), or 'all'
   * (internal `__…` topics left out).
   */
  topics: WatchedTopics;
  /**
   * Also write an `offsets` record of each watched topic at baseline, every poll and
   * after (a run's traffic view); default false (a reachability check needs none).
   * Needs a topic list: 'all' gets none (a ListOffsets round per topic per poll is too
   * much for a whole cluster).
   */
  offsets?: boolean;
  /** Poll period; default 1000 ms. */
  intervalMs?: number;
  /** Bound on one metadata fetch; default 5000 ms. */
  metadataTimeoutMs?: number;
  /** Bound on resolving a broker's host for its `address`; default 2000 ms. */
  dnsTimeoutMs?: number;
  /** The previous slice's `state()`. */
  state?: unknown;
  /** Told about polls that failed and watched topics the metadata lacks (no console output here). */
  log?: (message: string) => void;
  /** Replaces the kafkajs metadata source (tests). */
  metadata?: MetadataSource;
  /** Replaces the resolver built from `connection.dnsServer` (tests). */
  resolve?: HostResolver;
  /** Wall clock for record times; default Date.now. */
  clock?: () => number;
}

export const DEFAULT_WATCH_INTERVAL_MS = 1000;

/** Reads a ClusterWatcherState back; anything else starts fresh. */
function restoreState(state: unknown): ClusterWatcherState {
  const s = state as Partial<ClusterWatcherState> | null | undefined;
  if (s?.version === 1 && Array.isArray(s.known)) {
    return {
      version: 1,
      snapshot: s.snapshot ?? null,
      known: s.known,
      lastPollAt: s.lastPollAt ?? null,
    };
  }
  return { version: 1, snapshot: null, known: [], lastPollAt: null };
}

export function leadersRecord(topic: TopicInfo, phase: RunPhase, at: number) {
  return {
    type: 'leaders',
    topic: topic.topic,
    phase,
    at,
    partitions: topic.partitions.map((p) => ({
      partition: p.partition,
      leader: p.leader,
      replicas: [...p.replicas],
      isr: [...p.isr],
    })),
  };
}

export function offsetsRecord(offsets: TopicOffsets, phase: RunPhase, at: number) {
  return {
    type: 'offsets',
    topic: offsets.topic,
    phase,
    at,
    partitions: offsets.partitions.map((p) => ({ partition: p.partition, end: p.end })),
  };
}

export class ClusterWatcher implements RunMonitor, BrokerDirectory {
  readonly name = 'cluster-watcher';
  private readonly source: MetadataSource;
  private readonly resolve: HostResolver;
  private readonly intervalMs: number;
  private readonly clock: () => number;
  private readonly log: (message: string) => void;
  private snapshot: ClusterSnapshot | null;
  private readonly known = new Map<number, KnownBroker>();
  private lastPollAt: number | null;
  private inflight: Promise<void> | null = null;
  private closed = false;
  private lastProblem: string | null = null;
  private readonly reportedMissing = new Set<string>();
  private lastOffsetsProblem: string | null = null;

  constructor(private readonly options: ClusterWatcherOptions) {
    this.intervalMs = options.intervalMs ?? DEFAULT_WATCH_INTERVAL_MS;
    this.clock = options.clock ?? Date.now;
    this.log = options.log ?? (() => {});
    this.resolve =
      options.resolve ??
      createHostResolver(options.connection.dnsServer, options.dnsTimeoutMs ?? 2000);
    this.source =
      options.metadata ??
      kafkajsMetadataSource({
        connection: options.connection,
        timeoutMs: options.metadataTimeoutMs ?? 5000,
      });
    const state = restoreState(options.state);
    this.snapshot = state.snapshot;
    this.lastPollAt = state.lastPollAt;
    for (const b of state.known) this.known.set(b.id, { ...b });
  }

  async baseline(emit: Emit): Promise<void> {
    const snapshot = await this.poll();
    if (snapshot === null) return;
    await this.remember(snapshot.brokers);
    this.markPresent(snapshot);
    this.snapshot = snapshot;
    const at = this.clock();
    for (const topic of snapshot.topics) emit(leadersRecord(topic, 'baseline', at));
    await this.writeOffsets(snapshot, emit, 'baseline');
  }

  async tick(emit: Emit, now: number): Promise<void> {
    if (this.closed || this.inflight !== null) return;
    if (this.lastPollAt !== null && now - this.lastPollAt < this.intervalMs) return;
    this.inflight = (async () => {
      const snapshot = await this.poll(now);
      if (snapshot === null || this.closed) return;
      await this.apply(snapshot, emit, 'during');
      if (!this.closed) await this.writeOffsets(snapshot, emit, 'during');
    })().finally(() => {
      this.inflight = null;
    });
  }

  async after(emit: Emit): Promise<void> {
    await this.inflight;
    const snapshot = await this.poll();
    if (snapshot === null) return;
    await this.apply(snapshot, emit, null);
    const at = this.clock();
    for (const topic of snapshot.topics) emit(leadersRecord(topic, 'after', at));
    await this.writeOffsets(snapshot, emit, 'after');
  }

  /**
   * One `offsets` record per watched topic the snapshot holds, timed when the answer
   * came. A failed round writes nothing (no answer is not "no traffic") and is logged
   * once until offsets come again.
   */
  private async writeOffsets(snapshot: ClusterSnapshot, emit: Emit, phase: RunPhase) {
    if (this.options.offsets !== true || this.options.topics === 'all') return;
    if (this.source.endOffsets === undefined) return;
    const topics = snapshot.topics.map((t) => t.topic);
    if (topics.length === 0) return;
    let answer: TopicOffsets[];
    try {
      answer = await this.source.endOffsets(topics);
    } catch (error) {
      const message = `end offsets: ${error instanceof Error ? error.message : String(error)}`;
      if (message !== this.lastOffsetsProblem) this.log(message);
      this.lastOffsetsProblem = message;
      return;
    }
    if (this.lastOffsetsProblem !== null) this.log('end offsets available again');
    this.lastOffsetsProblem = null;
    // Closed while asking: the slice is over, its sink may be too.
    if (this.closed && phase === 'during') return;
    const at = this.clock();
    for (const offsets of answer) emit(offsetsRecord(offsets, phase, at));
  }

  /** Waits for the background work a tick started (bounded by the timeouts); emits its records. */
  async settled(): Promise<void> {
    await this.inflight;
  }

  state(): ClusterWatcherState {
    return {
      version: 1,
      snapshot: this.snapshot,
      known: [...this.known.values()].sort((a, b) => a.id - b.id).map((b) => ({ ...b })),
      lastPollAt: this.lastPollAt,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.inflight;
    await this.source.close();
  }

  async knownBrokers(): Promise<KnownBroker[]> {
    // Only a watcher that never polled looks now (a prober asked first); after that the
    // polls keep the list, and a cluster that did not answer is not asked twice a round.
    if (this.lastPollAt === null && !this.closed) {
      this.lastPollAt = this.clock();
      const snapshot = await this.fetch();
      if (snapshot !== null) await this.remember(snapshot.brokers);
    }
    return [...this.known.values()].sort((a, b) => a.id - b.id).map((b) => ({ ...b }));
  }

  /** The latest metadata answer (null before the first). */
  latest(): ClusterSnapshot | null {
    return this.snapshot;
  }

  private async poll(at = this.clock()): Promise<ClusterSnapshot | null> {
    this.lastPollAt = at;
    return this.fetch();
  }

  private async fetch(): Promise<ClusterSnapshot | null> {
    try {
      const snapshot = await this.source.fetch(this.options.topics);
      if (this.lastProblem !== null) this.log('cluster metadata available again');
      this.lastProblem = null;
      this.reportMissingTopics(snapshot);
      return snapshot;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this.lastProblem) this.log(message);
      this.lastProblem = message;
      return null;
    }
  }

  private reportMissingTopics(snapshot: ClusterSnapshot): void {
    if (this.options.topics === 'all') return;
    const present = new Set(snapshot.topics.map((t) => t.topic));
    for (const topic of this.options.topics) {
      if (!present.has(topic) && !this.reportedMissing.has(topic)) {
        this.reportedMissing.add(topic);
        this.log(
          `watched topic ${topic} is not in the cluster metadata; no leaders snapshot for it`,
        );
      }
    }
  }

  /** Emits broker events and changed-topic snapshots (`during`; none when phase is null). */
  private async apply(next: ClusterSnapshot, emit: Emit, phase: 'during' | null): Promise<void> {
    // The answer's time, before resolving addresses (which may take the DNS bound).
    const at = this.clock();
    const previous = this.snapshot;
    this.snapshot = next;
    await this.remember(next.brokers);
    this.markPresent(next);
    // Closed while resolving: the slice is over, its sink may be too.
    if (this.closed && phase !== null) return;
    if (previous === null) {
      // No baseline answer to compare with: this one is the first look at the topics.
      if (phase !== null) for (const topic of next.topics) emit(leadersRecord(topic, phase, at));
      return;
    }
    const changes = compareSnapshots(previous, next);
    for (const [event, brokers] of [
      ['down', changes.down],
      ['up', changes.up],
    ] as const) {
      for (const b of brokers) {
        const address = this.known.get(b.id)?.address ?? null;
        emit({
          type: 'broker',
          broker: b.id,
          event,
          at,
          host: endpointOf(b.host, b.port).endpoint,
          ...(address === null ? {} : { address }),
        });
      }
    }
    if (phase !== null) {
      const changed = new Set(changes.changedTopics);
      for (const topic of next.topics) {
        if (changed.has(topic.topic)) emit(leadersRecord(topic, phase, at));
      }
    }
  }

  /**
   * Records each listed broker's endpoint; resolves its address (bounded, in parallel)
   * when it is new, moved, or coming back, as those are when an address may change.
   */
  private async remember(brokers: BrokerInfo[]): Promise<void> {
    await Promise.all(
      brokers.map(async (b) => {
        const known = this.known.get(b.id);
        const same = known !== undefined && known.host === b.host && known.port === b.port;
        if (same && known.present && known.address !== null) return;
        const address = await this.resolve(b.host).then(
          (addresses) => addresses[0] ?? null,
          () => null,
        );
        this.known.set(b.id, {
          id: b.id,
          host: b.host,
          port: b.port,
          address: address ?? (same ? known.address : null),
          present: known?.present ?? true,
        });
      }),
    );
  }

  private markPresent(snapshot: ClusterSnapshot): void {
    const listed = new Set(snapshot.brokers.map((b) => b.id));
    for (const b of this.known.values()) b.present = listed.has(b.id);
  }
}
