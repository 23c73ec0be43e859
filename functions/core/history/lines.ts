/**
 * History text to lines, with no I/O: chunks of UTF-8 bytes or strings, split
 * at any boundary (a line, a JSON value, even a multi-byte character may span
 * chunks), become lines. Lines are split on `\n`, a trailing `\r` is dropped,
 * and blank lines are skipped but still counted, so line numbers match what an
 * editor shows.
 */
import { StringDecoder } from 'node:string_decoder';
import { HistoryFormatError } from '../errors.js';

/**
 * The longest line a history may hold, in characters (1 MiB of the ASCII JSON a
 * history is): a real record is well under 4 KiB, so only a broken or hostile
 * file (a gzip bomb of zeros, `/dev/zero` on standard input) comes near it, and
 * it is refused before its text exhausts memory or V8's string length limit.
 */
export const MAX_LINE_CHARS = 1 << 20;

/** A piece of a history: UTF-8 bytes or text. */
export type HistoryChunk = string | Uint8Array;

export type LineHandler = (line: string, lineNumber: number) => void;

/**
 * A raw line (without its `\n`) as the analyzer should see it: a trailing `\r`
 * and a byte-order mark before line 1 dropped; null for a blank line (empty, or
 * spaces and tabs only), which is skipped but still counted.
 */
export function lineContent(line: string, lineNumber: number): string | null {
  let end = line.length;
  if (end > 0 && line.charCodeAt(end - 1) === 13) end -= 1;
  // A byte-order mark some editors put before the first line is not part of the JSON.
  const start = lineNumber === 1 && line.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (end <= start) return null;
  const text = start === 0 && end === line.length ? line : line.slice(start, end);
  const c0 = text.charCodeAt(0);
  if ((c0 === 32 || c0 === 9) && text.trim().length === 0) return null;
  return text;
}

/**
 * Splits a stream of chunks into lines and calls `onLine` for every non-blank
 * one, in order: `push` each chunk, then `end` once. Bytes are decoded as UTF-8
 * across chunk boundaries; a string chunk is taken as already-decoded text.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private carry = '';
  /** Lines seen so far, blank ones included. */
  lineNumber = 0;

  /** `source` names the history in the error for a line longer than MAX_LINE_CHARS. */
  constructor(
    private readonly onLine: LineHandler,
    private readonly source = 'history',
  ) {}

  /** Refuses the next line once it holds `length` characters, more than MAX_LINE_CHARS. */
  private checkLength(length: number): void {
    if (length <= MAX_LINE_CHARS) return;
    throw new HistoryFormatError(
      this.source,
      this.lineNumber + 1,
      null,
      `is longer than ${MAX_LINE_CHARS} characters (1 MiB) without a line break: not a history record (one is under 4 KiB). Is this the right file, or a file of zeros or binary data?`,
    );
  }

  private emit(line: string): void {
    this.lineNumber += 1;
    const content = lineContent(line, this.lineNumber);
    if (content !== null) this.onLine(content, this.lineNumber);
  }

  push(chunk: HistoryChunk): void {
    const text = typeof chunk === 'string' ? this.decoder.end() + chunk : this.decoder.write(chunk);
    let newline = text.indexOf('\n');
    if (newline === -1) {
      this.checkLength(this.carry.length + text.length);
      this.carry += text;
      return;
    }
    this.checkLength(this.carry.length + newline);
    this.emit(this.carry + text.slice(0, newline));
    this.carry = '';
    let start = newline + 1;
    while ((newline = text.indexOf('\n', start)) !== -1) {
      this.checkLength(newline - start);
      this.emit(text.slice(start, newline));
      start = newline + 1;
    }
    this.checkLength(text.length - start);
    this.carry = text.slice(start);
  }

  /** Emits the last line when the text does not end with `\n`. */
  end(): void {
    const rest = this.carry + this.decoder.end();
    this.carry = '';
    if (rest.length > 0) this.emit(rest);
  }
}
