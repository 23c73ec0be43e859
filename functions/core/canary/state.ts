/**
 * The state a canary slice hands to the next: plain JSON, so a Lambda can return it
 * to Step Functions and the next Lambda can start from it. Everything a slice needs
 * to go on is here; the Kafka clients are not (each slice may build its own).
 */
import { InputError } from '../errors.js';

export type ProducerMode = 'idempotent' | 'at-least-once';
export const PRODUCER_MODES: readonly ProducerMode[] = ['idempotent', 'at-least-once'];

/**
 * canary: producing and consuming until `canaryEndsAt` (or a stop request);
 * settle: consuming only, until `settleEndsAt`; verify: read back, `after` monitors;
 * done: the history is complete.
 */
export type CanaryPhase = 'canary' | 'settle' | 'verify' | 'done';

export interface CanaryCounters {
  /** Messages ticked (each gets a `produce` record: acked, failed or, at the end, drained). */
  sent: number;
  acked: number;
  /** Failed messages, `queueFull` ones included. */
  failed: number;
  /** Messages failed at once because their partition's send queue was full (producer.ts). */
  queueFull: number;
  /**
   * The longest a message waited from its tick to its ack (`ackedAt − scheduledAt`, the
   * largest scheduledLatencyMs): a stalled partition shows here live, failed or not.
   */
  longestStallMs: number;
  /** consume records written (this run's records received by the group, redeliveries included). */
  consumed: number;
  /** log records written by the read-back. */
  logged: number;
}

export interface SliceState {
  format: 1;
  runId: string;
  cluster: string | null;
  topic: string;
  partitions: number;
  /** The `producer` field of this run's records. */
  producer: string;
  group: string;
  mode: ProducerMode;
  intervalMs: number;
  phase: CanaryPhase;
  /** Slices finished so far. */
  slices: number;
  startedAt: number;
  /** When producing started (after the topic, the baseline and the group join). */
  canaryStartedAt: number;
  /** When the canary phase ends (producing stops); moved earlier by a stop request. */
  canaryEndsAt: number;
  /** How long the settle phase lasts once the canary phase ends. */
  settleMs: number;
  /** Set when the settle phase starts. */
  settleEndsAt: number | null;
  /** Per partition: the log end offset when the run started (the read-back starts here). */
  firstOffsets: number[];
  /** Per partition: the seq of the next message to send. */
  nextSeq: number[];
  /** True once the consumer group was moved to `firstOffsets` (done once per run). */
  groupPositioned: boolean;
  /** Per partition: one past the highest offset the group delivered to us (-1: nothing yet). */
  consumedUpTo: number[];
  counters: CanaryCounters;
  /** The last send or consumer error, for the live view and the summary. */
  lastError: { at: number; partition: number | null; error: string } | null;
  /** Each monitor's state(), by monitor name. */
  monitors: Record<string, unknown>;
}

export function emptyCounters(): CanaryCounters {
  return { sent: 0, acked: 0, failed: 0, queueFull: 0, longestStallMs: 0, consumed: 0, logged: 0 };
}

export function serializeState(state: SliceState): string {
  return JSON.stringify(state);
}

/** Parses a saved slice state, checking the fields a slice relies on. */
export function parseState(text: string): SliceState {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (error) {
    throw new InputError(`canary slice state is not JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  const s = o as Partial<SliceState> | null;
  const problem =
    s === null || typeof s !== 'object'
      ? 'not an object'
      : s.format !== 1
        ? `format ${JSON.stringify(s.format)} (expected 1)`
        : typeof s.runId !== 'string' || s.runId === ''
          ? 'no runId'
          : typeof s.topic !== 'string'
            ? 'no topic'
            : !Number.isInteger(s.partitions) || (s.partitions ?? 0) < 1
              ? 'no partition count'
              : ![s.firstOffsets, s.nextSeq, s.consumedUpTo].every(
                    (a) => Array.isArray(a) && a.length === s.partitions,
                  )
                ? 'firstOffsets, nextSeq and consumedUpTo need one entry per partition'
                : !['canary', 'settle', 'verify', 'done'].includes(s.phase as string)
                  ? `phase ${JSON.stringify(s.phase)}`
                  : null;
  if (problem !== null) {
    throw new InputError(
      `canary slice state is unusable: ${problem}. It must be the JSON a previous slice returned.`,
    );
  }
  const state = s as SliceState;
  // A state saved by a version before the send queue has neither counter.
  if (typeof state.counters === 'object' && state.counters !== null) {
    state.counters.queueFull ??= 0;
    state.counters.longestStallMs ??= 0;
  }
  return state;
}
