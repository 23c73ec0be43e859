/**
 * A whole canary run in one process: begin, slices back to back until the settle
 * phase is over, verify, close. The CLI's `run` command calls this; a Step Functions
 * run calls the session's begin / slice / verify from separate Lambda invocations.
 */
import { randomBytes } from 'node:crypto';

import { CanaryAbortedError } from './errors.js';
import { CanarySession, type BeginOptions, type CanarySessionOptions } from './session.js';
import type { SliceState } from './state.js';

/** A short random run id, e.g. `r-3f9a1c07`. */
export function newRunId(): string {
  return `r-${randomBytes(4).toString('hex')}`;
}

export { CanaryAbortedError } from './errors.js';

export interface RunCanaryOptions extends BeginOptions {
  /** How long each slice runs at most; default 30 s. */
  sliceMs?: number;
  /** Bound on the read-back; default 60 s. */
  readTimeoutMs?: number;
}

/**
 * Runs the canary to the end and returns the final state (phase `done`). The session
 * is closed (clients disconnected, monitors closed, sink flushed and closed) whatever
 * happens. Rejects with CanaryAbortedError when `abort` fires.
 */
export async function runCanary(
  sessionOptions: CanarySessionOptions,
  options: RunCanaryOptions,
): Promise<SliceState> {
  const session = new CanarySession({ keepClients: true, ...sessionOptions });
  const sliceMs = options.sliceMs ?? 30_000;
  try {
    let state = await session.begin(options);
    while (state.phase === 'canary' || state.phase === 'settle') {
      state = await session.slice(state, sliceMs);
      if (sessionOptions.abort?.aborted === true) {
        throw new CanaryAbortedError(
          `run ${state.runId} aborted in its ${state.phase} phase after ${state.slices} slice(s); the history so far is kept, with no verdict.`,
        );
      }
    }
    return await session.verify(state, options.readTimeoutMs);
  } finally {
    await session.close();
  }
}
