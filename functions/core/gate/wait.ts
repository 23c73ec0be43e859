/**
 * The gate's poll loop, shared by the CLI (`gate`) and the local cluster's roll: reads a
 * snapshot every `intervalMs`, judges it (check.ts) and returns once it is safe or when
 * `timeoutMs` has passed. Tells `onChange` each time the list of what it waits for changes
 * (not on every poll).
 */
import { join } from 'node:path';

import { UsageError } from '../errors.js';
import { pause } from '../wait.js';
import { type GateResult, expectedBrokers, gateCheck } from './check.js';
import { type GateSource, LIVE_FILE } from './gather.js';

export const DEFAULT_GATE_TIMEOUT_MS = 600_000;
export const DEFAULT_GATE_INTERVAL_MS = 5_000;

export interface WaitForGateOptions {
  source: GateSource;
  timeoutMs?: number;
  intervalMs?: number;
  /** --brokers N: at least N brokers must be registered. */
  minBrokers?: number;
  quietForMs?: number;
  /** Broker ids that must be registered from the start (the roll knows its brokers). */
  expected?: readonly number[];
  /** A `runDir` without live.jsonl is not waited for (the roll: a run without a live checker). */
  liveOptional?: boolean;
  /** Ends the wait early (then the result is not safe, `aborted` true). */
  signal?: AbortSignal;
  /** Told the new list each time what the gate waits for changes. */
  onChange?: (waitingFor: readonly string[], elapsedMs: number) => void;
  clock?: () => number;
}

export interface GateOutcome extends GateResult {
  /** How long it polled, ms. */
  waitedMs: number;
  polls: number;
  /** Every reason it waited for at some poll, in order first seen. */
  waitedFor: string[];
  /** The brokers it expected at the end. */
  expected: number[];
  aborted: boolean;
}

/**
 * Polls until safe, timeout or abort. Throws UsageError when `--run DIR` has no live.jsonl
 * after the first poll interval (a wrong folder, not a run that is starting).
 */
export async function waitForGate(options: WaitForGateOptions): Promise<GateOutcome> {
  const clock = options.clock ?? Date.now;
  const timeoutMs = options.timeoutMs ?? DEFAULT_GATE_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_GATE_INTERVAL_MS;
  const began = clock();
  let expected = [...(options.expected ?? [])];
  let shown: string | null = null;
  const waitedFor: string[] = [];
  let polls = 0;
  for (;;) {
    const snapshot = await options.source.read();
    polls += 1;
    expected = expectedBrokers(expected, snapshot);
    const result = gateCheck(snapshot, {
      expected,
      ...(options.minBrokers === undefined ? {} : { minBrokers: options.minBrokers }),
      ...(options.quietForMs === undefined ? {} : { quietForMs: options.quietForMs }),
    });
    const elapsed = clock() - began;
    if (
      snapshot.runDir !== undefined &&
      snapshot.live === undefined &&
      options.liveOptional !== true
    ) {
      const path = join(snapshot.runDir, LIVE_FILE);
      if (elapsed >= intervalMs) {
        throw new UsageError(
          `gate: --run ${snapshot.runDir}: ${path} does not exist; give the folder of a live run (the one 'run --out' writes into)`,
        );
      }
      result.safe = false;
      result.waitingFor.push(`${path} to appear`);
    }
    for (const reason of result.waitingFor) if (!waitedFor.includes(reason)) waitedFor.push(reason);
    const key = result.waitingFor.join('\n');
    if (key !== shown) {
      shown = key;
      options.onChange?.(result.waitingFor, elapsed);
    }
    const aborted = options.signal?.aborted === true;
    if (result.safe || aborted || elapsed >= timeoutMs) {
      return {
        ...result,
        safe: result.safe && !aborted,
        waitedMs: elapsed,
        polls,
        waitedFor,
        expected,
        aborted,
      };
    }
    await pause(Math.min(intervalMs, Math.max(0, timeoutMs - elapsed)), options.signal);
  }
}
