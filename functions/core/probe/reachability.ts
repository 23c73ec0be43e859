/**
 * The reachability prober: probes every bootstrap endpoint and every broker the cluster
 * has advertised since the run began (a broker that left the metadata is still probed
 * at its last endpoint: it is the one clients wait for) — at baseline, every
 * `intervalMs` while the run goes on, and after. Writes `probe` records.
 */
import { type SecurityOptions, tlsSettingsOf } from '../kafka/security.js';
import { type Endpoint, endpointOf, parseEndpointList } from './endpoint.js';
import type { Emit, RunMonitor, RunPhase } from './monitor.js';
import {
  DEFAULT_STAGE_TIMEOUTS,
  type ProbeOptions,
  type ProbeRecord,
  type ProbeTarget,
  type StageTimeouts,
  probeEndpoint,
} from './probe.js';
import { type HostResolver, createHostResolver } from './resolve.js';
import type { BrokerDirectory } from './watcher.js';

export const DEFAULT_PROBE_INTERVAL_MS = 10_000;

export interface ReachabilityProberOptions {
  /** The bootstrap list clients use: `host:port[,host:port…]`, IPv6 literals in brackets. */
  bootstrap: string;
  /** `host:port` of the DNS server clients use; omit for the system resolver. */
  dnsServer?: string | undefined;
  /** Where the brokers to probe come from, usually the ClusterWatcher; none probes the bootstrap only. */
  brokers?: BrokerDirectory;
  /** Time between rounds while the run goes on; default 10000 ms. */
  intervalMs?: number;
  /** Per-stage bounds; defaults DNS 2000, TCP 2000, Kafka 3000 ms. */
  timeouts?: Partial<StageTimeouts>;
  /** How clients connect: with TLS (any mode but plaintext) each probe has a `tls` stage. */
  security?: SecurityOptions | undefined;
  /** client_id of the ApiVersions requests; default kafka-upgrade-verifier-probe. */
  clientId?: string;
  /** The previous slice's `state()`. */
  state?: unknown;
  /** Replaces the resolver built from `dnsServer` (tests). */
  resolve?: HostResolver;
  /** Wall clock for `at`; default Date.now. */
  clock?: () => number;
}

export interface ReachabilityProberState {
  version: 1;
  /** Every broker probed so far, at its last known endpoint. */
  brokers: Array<{ id: number; host: string; port: number }>;
  /** When the next `during` round is due (ms since the epoch), or null for at the next tick. */
  nextRoundAt: number | null;
}

function restoreState(state: unknown): ReachabilityProberState {
  const s = state as Partial<ReachabilityProberState> | null | undefined;
  if (s?.version === 1 && Array.isArray(s.brokers)) {
    return { version: 1, brokers: s.brokers, nextRoundAt: s.nextRoundAt ?? null };
  }
  return { version: 1, brokers: [], nextRoundAt: null };
}

/**
 * Probes every target at once. Each probe is bounded stage by stage, so a round takes
 * at most the sum of the three bounds (7 s by default) however many endpoints fail.
 */
export async function probeRound(
  targets: readonly ProbeTarget[],
  phase: RunPhase,
  options: ProbeOptions,
): Promise<ProbeRecord[]> {
  return Promise.all(targets.map((target) => probeEndpoint(target, phase, options)));
}

export class ReachabilityProber implements RunMonitor {
  readonly name = 'reachability-prober';
  private readonly bootstrap: Endpoint[];
  private readonly probeOptions: ProbeOptions;
  private readonly intervalMs: number;
  /** Every broker seen, at its last known endpoint, by id. */
  private readonly brokers = new Map<number, { id: number; host: string; port: number }>();
  private nextRoundAt: number | null;
  private inflight: Promise<void> | null = null;
  private closed = false;

  /** Throws InputError for a malformed bootstrap list or DNS server. */
  constructor(private readonly options: ReachabilityProberOptions) {
    this.bootstrap = parseEndpointList(options.bootstrap);
    const timeouts = { ...DEFAULT_STAGE_TIMEOUTS, ...options.timeouts };
    this.probeOptions = {
      resolve: options.resolve ?? createHostResolver(options.dnsServer, timeouts.dnsMs),
      timeouts,
      clientId: options.clientId ?? 'kafka-upgrade-verifier-probe',
      tls: tlsSettingsOf(options.security),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    };
    this.intervalMs = options.intervalMs ?? DEFAULT_PROBE_INTERVAL_MS;
    const state = restoreState(options.state);
    for (const b of state.brokers) this.brokers.set(b.id, { ...b });
    this.nextRoundAt = state.nextRoundAt;
  }

  async baseline(emit: Emit): Promise<void> {
    await this.round(emit, 'baseline');
  }

  async tick(emit: Emit, now: number): Promise<void> {
    if (this.closed || this.inflight !== null) return;
    if (this.nextRoundAt !== null && now < this.nextRoundAt) return;
    this.nextRoundAt = now + this.intervalMs;
    this.inflight = this.round(emit, 'during').finally(() => {
      this.inflight = null;
    });
  }

  async after(emit: Emit): Promise<void> {
    await this.inflight;
    await this.round(emit, 'after');
  }

  /** Waits for the background work a tick started (bounded by the timeouts); emits its records. */
  async settled(): Promise<void> {
    await this.inflight;
  }

  state(): ReachabilityProberState {
    return {
      version: 1,
      brokers: [...this.brokers.values()].sort((a, b) => a.id - b.id).map((b) => ({ ...b })),
      nextRoundAt: this.nextRoundAt,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.inflight;
  }

  /** The endpoints the next round probes: bootstrap first, then brokers by id. */
  async targets(): Promise<ProbeTarget[]> {
    for (const b of (await this.options.brokers?.knownBrokers()) ?? []) {
      this.brokers.set(b.id, { id: b.id, host: b.host, port: b.port });
    }
    return [
      ...this.bootstrap.map((endpoint) => ({ endpoint, role: 'bootstrap' as const })),
      ...[...this.brokers.values()]
        .sort((a, b) => a.id - b.id)
        .map((b) => ({
          endpoint: endpointOf(b.host, b.port),
          role: 'broker' as const,
          broker: b.id,
        })),
    ];
  }

  private async round(emit: Emit, phase: RunPhase): Promise<void> {
    const records = await probeRound(await this.targets(), phase, this.probeOptions);
    // A round that finishes after close belongs to no slice: the next slice probes again.
    if (this.closed && phase === 'during') return;
    for (const record of records) emit(record);
  }
}
