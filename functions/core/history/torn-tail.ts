/**
 * A torn tail: a gzip history is one gzip member per flush (functions/core/canary/sink.ts),
 * so a run killed while it wrote a slice leaves every earlier member whole and the last
 * one cut off — in its header, in its deflate data or before its trailer. zlib reads
 * every whole member, then fails with "unexpected end of file" (Z_BUF_ERROR). Here that
 * one failure becomes one named problem, and every whole line before the cut stays
 * readable: the killed run loses at most the slice it was writing.
 *
 * The choice (README, "The run folder"): refused by default (TornHistoryError, exit 2 —
 * a pipeline is never handed a verdict on a history that lost its tail without saying
 * so); with `allowTornTail` (`--allow-torn-tail`) the history is read up to its last whole
 * line and `note` is told, once, what was left out.
 */
import { TornHistoryError } from '../errors.js';
import { MAX_LINE_CHARS } from './lines.js';

export interface TornTailOptions {
  /** Read up to the last whole line instead of refusing (--allow-torn-tail). */
  allowTornTail?: boolean;
  /** Told, once, what was left out when a torn tail is read (one line). */
  note?: (line: string) => void;
}

/** Held back at most, waiting for a line break, before it is passed on anyway. */
const MAX_HELD_BYTES = 4 * MAX_LINE_CHARS;

/** Whether `error` is zlib's "the input ended inside a gzip member". */
export function isTornGzip(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'Z_BUF_ERROR';
}

/**
 * Passes gunzipped chunks of `source` on, holding back what follows the last line
 * break, so that a stream cut off inside its last gzip member ends at its last whole
 * line; that cut is a TornHistoryError naming `source`, or with `allowTornTail` a note
 * and the end of the stream. Any other error passes through unchanged.
 */
export async function* toLastWholeLine(
  source: string,
  chunks: AsyncIterable<Buffer>,
  options: TornTailOptions = {},
): AsyncGenerator<Buffer> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  try {
    for await (const chunk of chunks) {
      const newline = chunk.lastIndexOf(0x0a);
      if (newline === -1 && heldBytes + chunk.length <= MAX_HELD_BYTES) {
        held.push(chunk);
        heldBytes += chunk.length;
        continue;
      }
      yield* held;
      held = [];
      heldBytes = 0;
      if (newline === -1) {
        yield chunk; // a line too long to hold: the line cap refuses it
        continue;
      }
      yield chunk.subarray(0, newline + 1);
      if (newline + 1 < chunk.length) {
        held = [chunk.subarray(newline + 1)];
        heldBytes = chunk.length - newline - 1;
      }
    }
    yield* held;
  } catch (error) {
    if (!isTornGzip(error)) throw error;
    const where = `history '${source}' ends in a cut-off gzip member (${(error as Error).message}), as a run killed while it wrote a slice leaves it`;
    if (options.allowTornTail === true) {
      options.note?.(
        `note: ${where}; read up to its last whole line${heldBytes > 0 ? `, leaving out a cut-off line of ${heldBytes} bytes` : ''} (--allow-torn-tail). The verdict is on what was kept: the last slice may be incomplete.`,
      );
      return;
    }
    throw new TornHistoryError(
      `${where}. Every whole line before the cut can be read: run again with --allow-torn-tail to analyze them (the last slice may be incomplete).`,
      { cause: error },
    );
  }
}
