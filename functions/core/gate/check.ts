/**
 * Is it safe to restart the next broker? A pure judgement of one gate snapshot
 * (gather.ts reads it): every expected broker registered and reachable by its
 * advertised name, no watched partition under-replicated or offline, and, with the
 * live run's view, no recent hard live finding and the canary acking.
 */
import type { BrokerInfo, TopicInfo } from '../probe/snapshot.js';
import type { LiveView } from './live-file.js';

/** The canary's newest status must be younger than this to count as acking. */
export const STATUS_FRESH_MS = 15_000;
/** A send waiting less than this is not a stalled canary even when acked did not grow. */
export const ACK_WAIT_MS = 5_000;
export const DEFAULT_QUIET_FOR_MS = 30_000;

export interface BrokerReach {
  id: number;
  /** `host:port` as advertised. */
  endpoint: string;
  /** null when DNS, TCP (and TLS) and ApiVersions all passed; else the failed stage and its error. */
  failure: string | null;
}

export interface GateSnapshot {
  /** When it was read (ms since epoch). */
  at: number;
  /** Why the metadata could not be read this poll, or null (then brokers and topics are empty). */
  metadataFailure?: string | null;
  /** The brokers the metadata lists (KRaft: registered and not fenced). */
  brokers: BrokerInfo[];
  /** One probe per broker listed. */
  reach: BrokerReach[];
  /** The watched topics the cluster has. */
  topics: TopicInfo[];
  /** Watched topics the cluster does not have. */
  missingTopics: string[];
  /** The live run's view of DIR/live.jsonl, or undefined without --run. */
  live?: LiveView;
  /** The run folder, for messages. */
  runDir?: string;
}

export interface GateOptions {
  /** Broker ids that must be registered (see expectedBrokers). */
  expected: readonly number[];
  /** At least this many brokers must be registered (--brokers N); 0 for no floor. */
  minBrokers?: number;
  /** A hard live finding detected within this long before `snapshot.at` blocks; default 30 s. */
  quietForMs?: number;
}

export interface GateResult {
  safe: boolean;
  /** What is not yet so, one line each, stable between polls while nothing changes. */
  waitingFor: string[];
}

/**
 * The broker ids the gate expects: every broker listed at any poll so far, and every
 * broker a watched partition names as a replica. The second catches a broker that was
 * already down at the first poll: the controller no longer lists it, but the partitions
 * it holds still name it.
 */
export function expectedBrokers(previous: readonly number[], snapshot: GateSnapshot): number[] {
  const ids = new Set(previous);
  for (const b of snapshot.brokers) ids.add(b.id);
  for (const t of snapshot.topics)
    for (const p of t.partitions) for (const r of p.replicas) ids.add(r);
  return [...ids].sort((a, b) => a - b);
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function liveReasons(snapshot: GateSnapshot, quietForMs: number): string[] {
  const live = snapshot.live;
  if (live === undefined) return [];
  const reasons: string[] = [];
  const run = snapshot.runDir ?? 'the run';
  const recent = live.hard.filter((f) => snapshot.at - f.detectedAt < quietForMs);
  if (recent.length > 0) {
    const last = recent[recent.length - 1]!;
    const where = [
      last.partition === undefined ? null : `partition ${last.partition}`,
      last.broker === undefined ? null : `broker ${last.broker}`,
    ].filter((w) => w !== null);
    reasons.push(
      `no hard live finding for ${Math.round(quietForMs / 1000)} s in ${run}: ` +
        `${recent.length} recent, the last ${last.kind}${where.length > 0 ? ` (${where.join(', ')})` : ''} ` +
        `seen at ${clock(last.detectedAt)}${last.detail === '' ? '' : `: ${last.detail}`}`,
    );
  }
  const s = live.status;
  if (s === null) {
    reasons.push(`the canary of ${run} acking: live.jsonl has no status line yet`);
  } else if (s.finished) {
    reasons.push(
      `the canary of ${run} acking: its canary phase has finished (status at ${clock(s.at)})`,
    );
  } else if (snapshot.at - s.at >= STATUS_FRESH_MS) {
    reasons.push(
      `the canary of ${run} acking: its last status line (at ${clock(s.at)}) is over ${STATUS_FRESH_MS / 1000} s old; is the run still going?`,
    );
  } else {
    const grew = live.previous !== null && s.acked > live.previous.acked;
    if (!grew && s.oldestWaitingMs >= ACK_WAIT_MS) {
      reasons.push(
        `the canary of ${run} acking: acked stays at ${s.acked} and the oldest send has waited over ${ACK_WAIT_MS / 1000} s`,
      );
    }
  }
  return reasons;
}

/** Judges one snapshot. Pure. */
export function gateCheck(snapshot: GateSnapshot, options: GateOptions): GateResult {
  const waitingFor: string[] = [];
  if (snapshot.metadataFailure != null) {
    waitingFor.push(`the cluster's metadata (${snapshot.metadataFailure})`);
    waitingFor.push(...liveReasons(snapshot, options.quietForMs ?? DEFAULT_QUIET_FOR_MS));
    return { safe: false, waitingFor };
  }
  const listed = new Set(snapshot.brokers.map((b) => b.id));
  for (const id of options.expected) {
    if (!listed.has(id))
      waitingFor.push(`broker ${id} registered (the cluster does not list it: down or fenced)`);
  }
  const minBrokers = options.minBrokers ?? 0;
  if (listed.size < minBrokers) {
    waitingFor.push(`${minBrokers} brokers registered (the cluster lists ${listed.size})`);
  }
  for (const r of [...snapshot.reach].sort((a, b) => a.id - b.id)) {
    if (r.failure !== null)
      waitingFor.push(`broker ${r.id} reachable at ${r.endpoint} (${r.failure})`);
  }
  for (const topic of snapshot.missingTopics) waitingFor.push(`topic ${topic} to exist`);
  for (const t of snapshot.topics) {
    for (const p of t.partitions) {
      const name = `${t.topic}-${p.partition}`;
      if (p.leader < 0) {
        waitingFor.push(`${name} online (no leader; replicas [${p.replicas.join(',')}])`);
      } else if (p.replicas.some((r) => !p.isr.includes(r))) {
        const out = p.replicas.filter((r) => !p.isr.includes(r));
        waitingFor.push(
          `${name} fully replicated (isr [${p.isr.join(',')}] of [${p.replicas.join(',')}]; waiting for broker ${out.join(', ')})`,
        );
      }
    }
  }
  waitingFor.push(...liveReasons(snapshot, options.quietForMs ?? DEFAULT_QUIET_FOR_MS));
  return { safe: waitingFor.length === 0, waitingFor };
}
