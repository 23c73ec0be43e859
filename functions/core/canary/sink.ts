/**
 * Where a run's history goes, slice by slice: records are written as they happen,
 * flushed at least every 30 s while a slice runs (HISTORY_FLUSH_MS), at the end of each
 * slice and when the run ends, then the sink is closed. A slice that is killed loses at
 * most the records it had not flushed yet.
 *
 * Here: a gzip file, one gzip member per flush (a multi-member gzip file is valid
 * gzip; `gunzip`, Node's zlib and the analyzer read it whole). In AWS: S3 parts.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { gzipSync } from 'node:zlib';

import type { HistoryRecordOut } from '../probe/monitor.js';

export interface HistorySink {
  /** Where the history is, for messages: a path, an S3 URL. */
  readonly location: string;
  /** Appends one record (kept in memory until the next flush). */
  write(record: HistoryRecordOut): void;
  /** Makes every record written so far durable. */
  flush(): Promise<void>;
  /** Flushes and releases the sink; safe to call twice. */
  close(): Promise<void>;
}

/**
 * What the durable sinks share: records kept as JSON lines until a flush, which hands
 * them on as one gzip member; flushes complete in the order they were asked for.
 */
export abstract class GzipMemberSink implements HistorySink {
  abstract readonly location: string;
  private pending: string[] = [];
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  /**
   * Called by each flush that has records, synchronously and in flush order (so a
   * sink can number its parts): returns what stores that flush's member.
   */
  protected abstract memberWriter(): (member: Buffer) => Promise<void>;

  /** Releases what the sink holds once it is closed (a file handle). */
  protected async release(): Promise<void> {}

  write(record: HistoryRecordOut): void {
    if (this.closed) throw new Error(`history sink ${this.location} is closed`);
    this.pending.push(JSON.stringify(record));
  }

  flush(): Promise<void> {
    const lines = this.pending;
    this.pending = [];
    if (lines.length === 0) return this.chain;
    const store = this.memberWriter();
    this.chain = this.chain.then(() => store(gzipSync(`${lines.join('\n')}\n`)));
    return this.chain;
  }

  async close(): Promise<void> {
    if (this.closed) return this.chain;
    await this.flush();
    this.closed = true;
    await this.release();
  }
}

/**
 * Appends gzip members to a file: one member per flush, fsynced. A process killed while
 * it writes one leaves a torn last member, read up to it (functions/core/history/torn-tail.ts).
 */
export class GzipFileSink extends GzipMemberSink {
  private handle: FileHandle | null = null;

  constructor(readonly location: string) {
    super();
  }

  protected memberWriter(): (member: Buffer) => Promise<void> {
    return async (member) => {
      if (this.handle === null) {
        await mkdir(dirname(this.location), { recursive: true });
        this.handle = await open(this.location, 'a');
      }
      // writeFile, not write: it writes until every byte is out (a short write would
      // leave a torn member in the middle of the file, with later members after it).
      await this.handle.writeFile(member);
      await this.handle.sync();
    };
  }

  protected override async release(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close();
  }
}

/** Keeps the history in memory: tests, and small runs whose history a caller uploads itself. */
export class MemorySink implements HistorySink {
  readonly records: HistoryRecordOut[] = [];
  /** How many of `records` were flushed. */
  flushed = 0;
  closed = false;

  constructor(readonly location = 'memory') {}

  write(record: HistoryRecordOut): void {
    this.records.push(record);
  }

  async flush(): Promise<void> {
    this.flushed = this.records.length;
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }
}
