/**
 * Streams a history source line by line: a path, a `.gz` path (or any gzip
 * stream, recognised by its magic bytes), or `-` for standard input. Lines are
 * split on `\n`, a trailing `\r` is dropped, and blank lines are skipped but
 * still counted, so line numbers match what an editor shows.
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../errors.js';

export type LineHandler = (line: string, lineNumber: number) => void;

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
const READ_CHUNK_BYTES = 1 << 20;

/** A readable source's bytes, gunzipped when they start with the gzip magic. */
async function openText(source: string, stdin: NodeJS.ReadableStream): Promise<Readable> {
  let raw: Readable;
  if (source === '-') {
    raw = Readable.from(stdin as AsyncIterable<Buffer>);
  } else {
    try {
      await access(source);
    } catch (error) {
      throw new InputError(
        `cannot read history file '${source}': ${(error as NodeJS.ErrnoException).code ?? String(error)}. Check the path (use '-' for standard input).`,
        { cause: error },
      );
    }
    raw = createReadStream(source, { highWaterMark: READ_CHUNK_BYTES });
  }
  const iterator = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const first = await iterator.next();
  const firstChunk = first.done
    ? Buffer.alloc(0)
    : typeof first.value === 'string'
      ? Buffer.from(first.value)
      : first.value;
  async function* replay(): AsyncGenerator<Buffer | string> {
    if (firstChunk.length > 0) yield firstChunk;
    if (first.done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  const isGzip =
    source.endsWith('.gz') ||
    (firstChunk.length >= 2 && firstChunk[0] === GZIP_MAGIC_0 && firstChunk[1] === GZIP_MAGIC_1);
  const bytes = Readable.from(replay(), { objectMode: false });
  if (!isGzip) return bytes;
  const gunzip = createGunzip({ chunkSize: READ_CHUNK_BYTES });
  bytes.on('error', (error) => gunzip.destroy(error));
  return bytes.pipe(gunzip);
}

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
 * Calls `onLine` for every non-blank line of the source, in order. Errors thrown
 * by `onLine` stop the read and reject the returned promise.
 */
export async function forEachLine(
  source: string,
  onLine: LineHandler,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  const text = await openText(source, stdin);
  text.setEncoding('utf8');
  let carry = '';
  let lineNumber = 0;
  const emit = (line: string): void => {
    lineNumber += 1;
    const content = lineContent(line, lineNumber);
    if (content !== null) onLine(content, lineNumber);
  };
  try {
    for await (const chunk of text as AsyncIterable<string>) {
      let start = 0;
      let newline = chunk.indexOf('\n');
      if (newline === -1) {
        carry += chunk;
        continue;
      }
      emit(carry + chunk.slice(0, newline));
      carry = '';
      start = newline + 1;
      while ((newline = chunk.indexOf('\n', start)) !== -1) {
        emit(chunk.slice(start, newline));
        start = newline + 1;
      }
      carry = chunk.slice(start);
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') {
      throw new InputError(
        `history '${source}' is not valid gzip (${(error as Error).message}). Is the file truncated, or named .gz without being compressed?`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    text.destroy();
  }
  if (carry.length > 0) emit(carry);
  return lineNumber;
}
