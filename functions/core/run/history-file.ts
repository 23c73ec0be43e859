/**
 * A run's own history file (`<run folder>/history.jsonl.gz`, written by GzipFileSink,
 * one gzip member per slice) read back as byte chunks for the analyzer.
 */
import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** The run's gzip history as a stream of its uncompressed bytes (every member). */
export function openGzipHistory(path: string): Readable {
  // A read or gunzip error destroys the returned stream with that error, so whoever
  // reads it hears of it; the callback has nothing to add.
  return pipeline(createReadStream(path), createGunzip(), () => undefined);
}
