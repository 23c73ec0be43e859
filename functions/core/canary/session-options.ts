/** What a canary session (session.ts) is given, and the slice budget it runs within. */
import type { Kafka } from 'kafkajs';

import type { RunMonitor } from '../probe/monitor.js';
import type { HistorySink } from './sink.js';
import type { ProducerMode, SliceState } from './state.js';

/** What the session knows while it runs that the slice state does not carry. */
export interface LiveProgress {
  /** ms since the oldest send still waiting for its outcome was ticked (0: none waits). */
  oldestWaitingMs: number;
  /** Per partition with a send waiting for its outcome: since its tick, and how long. */
  waiting: { partition: number; since: number; waitedMs: number }[];
}

export interface CanarySessionOptions {
  kafka: Kafka;
  sink: HistorySink;
  /** Cluster watcher, reachability prober, …: each ticked ~every second. May be empty. */
  monitors?: readonly RunMonitor[];
  /** The kafkajs client id prefix; also the consumer id until the group names one. */
  clientId?: string;
  /**
   * True (the CLI): slices run back to back in this process, so clients stay connected
   * and a slice does not wait for sends in flight before it ends (they are recorded by
   * the next slice). False (a Lambda): a slice drains its sends and disconnects, so the
   * state it returns accounts for every send it started.
   */
  keepClients?: boolean;
  /** Aborted: the canary phase ends now and the run goes on to settle (first Ctrl-C). */
  stopCanary?: AbortSignal;
  /** Aborted: the slice returns at once, nothing more is sent (second Ctrl-C). */
  abort?: AbortSignal;
  /** Called often (several times a second) with the live state, for a status line. */
  onProgress?: (state: SliceState, now: number, live?: LiveProgress) => void;
  /** Called when something worth a line of its own happens (a phase starts). */
  onNote?: (message: string) => void;
  /** Monitor tick period; default 1000 ms. */
  monitorTickMs?: number;
  /**
   * How often a slice flushes the history while it runs; default HISTORY_FLUSH_MS. A
   * slice killed mid-way (a Lambda timeout, a lost container) loses at most this long.
   */
  flushEveryMs?: number;
  /**
   * The `producer` of the records this session sends, when it is not the state's: a
   * Lambda slice names one per invocation, so a retried slice, which starts again from
   * the same `nextSeq`, never sends an identity its failed attempt already sent.
   */
  producerName?: string;
}

/** The longest a running slice keeps records in memory before flushing them. */
export const HISTORY_FLUSH_MS = 30_000;

export interface BeginOptions {
  runId: string;
  cluster: string | null;
  topic: string;
  group: string;
  mode: ProducerMode;
  intervalMs: number;
  durationMs: number;
  settleMs: number;
  /** The cluster's broker ids (from the preflight). */
  brokers: readonly number[];
  /** Extra fields for the `run` record (bootstrap, tool version, …). */
  runInfo?: Record<string, unknown>;
  /** The producer name in this run's records; default `canary`. */
  producer?: string;
}

/**
 * How long a slice may run when the process that runs it ends in `remainingMs` (a
 * Lambda's getRemainingTimeInMillis): `sliceMs`, cut to leave `marginMs` for what
 * comes after the loop (draining sends, leaving the group, the last flush, closing).
 * Never below zero: a slice with no time left still records itself, hands on its state.
 */
export function sliceBudgetMs(sliceMs: number, remainingMs: number, marginMs: number): number {
  return Math.max(0, Math.min(sliceMs, remainingMs - marginMs));
}
