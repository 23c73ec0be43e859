/**
 * The CLI's side of reading a history: a path, a `.gz` path (or any gzip
 * stream, recognised by its magic bytes), or `-` for standard input, as a
 * stream of byte chunks for functions/core/history's readHistory.
 */
import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError, UsageError } from '../functions/core/errors.js';
import { toLastWholeLine, type TornTailOptions } from '../functions/core/history/torn-tail.js';
import { kindOf } from './output.js';

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
const READ_CHUNK_BYTES = 1 << 20;

/** How a history source is named in messages: its path, or "stdin" for `-`. */
export function sourceName(path: string): string {
  return path === '-' ? 'stdin' : path;
}

/**
 * Checks that `path` can be read as a history before anything is read: a regular
 * file, or a FIFO or character device read as a stream (`<(zcat h.jsonl.gz)`,
 * `mkfifo`, `/dev/stdin`, `/dev/null`). A missing or unreadable path, a folder, a
 * socket or a block device is a usage error (exit 2) with a one-line message
 * saying what the path really is.
 */
async function checkFile(path: string): Promise<void> {
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code;
    throw new UsageError(
      `cannot read history file '${path}': ${why ?? String(error)} (${code}). Check the path (use '-' for standard input).`,
      { cause: error },
    );
  }
  if (!info.isFile() && !info.isFIFO() && !info.isCharacterDevice()) {
    throw new UsageError(
      `cannot read history file '${path}': it is ${kindOf(info)}, not a file. Give the history file itself (a .jsonl or .jsonl.gz), a pipe, or - for standard input.`,
    );
  }
}

/** How a torn last gzip member is read (functions/core/history/torn-tail.ts). */
export type OpenOptions = TornTailOptions;

/**
 * The history's chunks, ending at its last whole line when its last gzip member is cut
 * off (a torn tail: refused by name unless `allowTornTail`); turns zlib's and the file
 * system's other errors into ones that say what is wrong with the file.
 */
async function* explainErrors(
  path: string,
  chunks: AsyncIterable<Buffer>,
  options: OpenOptions,
): AsyncGenerator<Buffer> {
  try {
    yield* toLastWholeLine(path, chunks, options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'Z_DATA_ERROR') {
      throw new InputError(
        `history '${path}' is not valid gzip (${(error as Error).message}). Is the file damaged, or named .gz without being compressed?`,
        { cause: error },
      );
    }
    if (code === 'EISDIR' || code === 'EACCES') {
      throw new UsageError(`cannot read history file '${path}': ${(error as Error).message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** The source's bytes, gunzipped when it is named `.gz` or starts with the gzip magic. */
async function* bytesOf(path: string, stdin: NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  const raw =
    path === '-'
      ? Readable.from(stdin as AsyncIterable<Buffer>, { objectMode: false })
      : createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  const iterator = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const asBuffer = (chunk: Buffer | string): Buffer =>
    typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  try {
    const first = await iterator.next();
    if (first.done) return;
    const head = asBuffer(first.value);
    async function* all(): AsyncGenerator<Buffer> {
      yield head;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        yield asBuffer(next.value);
      }
    }
    const isGzip =
      path.endsWith('.gz') ||
      (head.length >= 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1);
    if (!isGzip) {
      yield* all();
      return;
    }
    const gunzip = createGunzip({ chunkSize: READ_CHUNK_BYTES });
    const compressed = Readable.from(all(), { objectMode: false });
    compressed.on('error', (error) => gunzip.destroy(error));
    yield* compressed.pipe(gunzip) as AsyncIterable<Buffer>;
  } finally {
    raw.destroy();
  }
}

/**
 * Opens a history source as byte chunks, gunzipped when needed. Rejects with a
 * UsageError when the path is not a readable file; the chunks then fail with an
 * InputError when a gzip stream is not valid gzip.
 */
export async function openHistory(
  path: string,
  options: OpenOptions = {},
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<AsyncIterable<Buffer>> {
  if (path !== '-') await checkFile(path);
  return explainErrors(path, bytesOf(path, stdin), options);
}
