/**
 * A run's own history file (`<run folder>/history.jsonl.gz`, written by GzipFileSink,
 * one gzip member per flush) read back as byte chunks for the analyzer.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';

import { toLastWholeLine, type TornTailOptions } from '../history/torn-tail.js';

/**
 * The run's gzip history as its uncompressed bytes, every whole member: a cut-off last
 * member (a torn tail) is a TornHistoryError naming the file, or with `allowTornTail`
 * the end of the stream at its last whole line (functions/core/history/torn-tail.ts).
 */
export function openGzipHistory(
  path: string,
  options: TornTailOptions = {},
): AsyncIterable<Buffer> {
  // A read or gunzip error destroys the piped stream with that error, so whoever
  // reads it hears of it; the callback has nothing to add.
  const gunzipped = pipeline(createReadStream(path), createGunzip(), () => undefined);
  return toLastWholeLine(path, gunzipped as AsyncIterable<Buffer>, options);
}
