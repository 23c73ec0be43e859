/**
 * DIR/live.jsonl as a run writes it (the contract in ./types.ts; the gate's reader is
 * functions/core/gate/live-file.ts): a status line every STATUS_EVERY_MS while the
 * canary runs, and a last one with `finished: true` when its canary phase ends, so
 * that `gate --run DIR` knows whether the canary still acks. Each line is one append
 * of a whole line, so a reader sees at most a last line without its newline.
 *
 * Findings (the LiveFinding lines) are the live checker's to write, through
 * `finding`; until it runs, the file holds status lines only and says so nowhere
 * else: docs/gate.md does.
 */
import { appendFileSync } from 'node:fs';

import type { SliceState } from '../canary/state.js';
import type { LiveFinding, LiveLine, LiveStatus } from './types.js';

/** How often a status line is written while the canary runs. */
export const STATUS_EVERY_MS = 5000;

export class LiveJournal {
  private lastStatusAt = -Infinity;
  private finished = false;
  /** Why the file could not be written, once: the run goes on without it. */
  private failure: string | null = null;

  constructor(
    readonly path: string,
    private readonly onFailure: (message: string) => void = () => {},
  ) {}

  /** A status line, when STATUS_EVERY_MS has passed since the last one. */
  progress(state: SliceState, now: number, oldestWaitingMs: number): void {
    if (this.finished || state.phase !== 'canary') return;
    if (now - this.lastStatusAt < STATUS_EVERY_MS) return;
    this.lastStatusAt = now;
    this.append(status(state, now, oldestWaitingMs, false));
  }

  /** The last status line: the canary phase is over (settling, verifying, or failed). */
  finish(state: SliceState, now: number): void {
    if (this.finished) return;
    this.finished = true;
    this.append(status(state, now, 0, true));
  }

  finding(finding: LiveFinding): void {
    this.append(finding);
  }

  private append(line: LiveLine): void {
    if (this.failure !== null) return;
    try {
      appendFileSync(this.path, `${JSON.stringify(line)}\n`);
    } catch (error) {
      this.failure = (error as Error).message;
      this.onFailure(
        `live: ${this.path} could not be written (${this.failure}); the run goes on, but 'gate --run' cannot see it`,
      );
    }
  }
}

function status(
  state: SliceState,
  at: number,
  oldestWaitingMs: number,
  finished: boolean,
): LiveStatus {
  const c = state.counters;
  return {
    type: 'status',
    at,
    sent: c.sent,
    acked: c.acked,
    failed: c.failed,
    oldestWaitingMs,
    finished,
  };
}
