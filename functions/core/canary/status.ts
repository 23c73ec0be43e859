/**
 * The live view of a run: one status line. On a terminal it is redrawn in place;
 * on anything else (a log file, CI) a plain line is printed every ~10 s and at each
 * phase change, with no escape codes. The view writes to the stream it is given
 * (the CLI passes stderr); the core itself prints nothing.
 */
import { formatDuration } from '../duration.js';
import type { SliceState } from './state.js';

/** What the view needs of a stream: `write`, and `isTTY`/`columns` when it is a terminal. */
export interface StatusStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** `canary 1m05s | sent 3900 acked 3898 failed 2 | consumed 3890 | last error REQUEST_TIMED_OUT (p3, 12s ago)` */
export function formatStatusLine(state: SliceState, now: number): string {
  const c = state.counters;
  const parts = [
    `${state.phase} ${formatDuration(Math.max(0, now - state.startedAt))}`,
    `sent ${c.sent} acked ${c.acked} failed ${c.failed}${c.queueFull > 0 ? ` (${c.queueFull} on a full queue)` : ''}`,
    `consumed ${c.consumed}`,
  ];
  if (c.longestStallMs >= STALL_SHOWN_MS) {
    parts.push(`longest stall ${formatDuration(c.longestStallMs)}`);
  }
  if (state.phase === 'verify' || state.phase === 'done') parts.push(`read back ${c.logged}`);
  if (state.lastError !== null) {
    const where = state.lastError.partition === null ? '' : `p${state.lastError.partition}, `;
    parts.push(
      `last error ${state.lastError.error} (${where}${formatDuration(Math.max(0, now - state.lastError.at))} ago)`,
    );
  }
  return parts.join(' | ');
}

/** A wait from tick to ack this long is worth a glance; shorter ones are a busy machine. */
export const STALL_SHOWN_MS = 1000;

const CLEAR_LINE = '\r\x1b[2K';

export class StatusView {
  private lastPlainAt = -Infinity;
  private lastPhase: string | null = null;
  private drawn = false;
  private updated = false;

  constructor(
    private readonly stream: StatusStream,
    private readonly options: { quiet?: boolean; plainEveryMs?: number } = {},
  ) {}

  private get tty(): boolean {
    return this.stream.isTTY === true;
  }

  /** Shows the run's current state (redrawn on a TTY; every ~10 s otherwise). */
  update(state: SliceState, now: number): void {
    this.updated = true;
    if (this.options.quiet === true) return;
    const line = formatStatusLine(state, now);
    if (this.tty) {
      // A pseudo-terminal may report 0 columns: take 80 then.
      const columns = (this.stream.columns ?? 0) > 0 ? this.stream.columns! : 80;
      const width = Math.max(20, columns - 1);
      this.stream.write(
        `${CLEAR_LINE}${line.length > width ? `${line.slice(0, width - 1)}…` : line}`,
      );
      this.drawn = true;
      return;
    }
    const phaseChanged = state.phase !== this.lastPhase;
    if (phaseChanged || now - this.lastPlainAt >= (this.options.plainEveryMs ?? 10_000)) {
      this.stream.write(`${line}\n`);
      this.lastPlainAt = now;
      this.lastPhase = state.phase;
    }
  }

  /** True once the canary has shown a state: it has started (before that: the start-up check). */
  get started(): boolean {
    return this.updated;
  }

  /** A message of its own line (a phase starting, a warning), above the status line. */
  note(message: string): void {
    if (this.options.quiet === true) return;
    this.stream.write(`${this.tty && this.drawn ? CLEAR_LINE : ''}${message}\n`);
    this.drawn = false;
  }

  /** Leaves the last status line on screen and moves to a new line. */
  finish(): void {
    if (this.tty && this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
