import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip, gunzipSync } from 'node:zlib';

import { afterEach, describe, expect, it } from 'vitest';

import { GzipFileSink, MemorySink } from '../../../functions/core/canary/sink.js';
import { readHistory } from '../../../functions/core/history/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kuv-sink-'));
  dirs.push(d);
  return d;
}

function produce(seq: number) {
  return {
    type: 'produce',
    producer: 'canary',
    partition: 0,
    seq,
    sentAt: 1000 + seq,
    ok: true,
    ackedAt: 1001 + seq,
    offset: seq,
  };
}

function log(seq: number) {
  return { type: 'log', partition: 0, offset: seq, producer: 'canary', seq, timestamp: 1001 + seq };
}

describe('GzipFileSink', () => {
  it('appends one gzip member per flush; Node gunzip and the analyzer read the whole multi-member file', async () => {
    const path = join(tempDir(), 'run', 'history.jsonl.gz');
    const sink = new GzipFileSink(path);
    sink.write({ type: 'run', runId: 'r-1', startedAt: 1000 });
    for (let slice = 0; slice < 3; slice++) {
      for (let i = 0; i < 4; i++) sink.write(produce(slice * 4 + i));
      await sink.flush();
    }
    for (let seq = 0; seq < 12; seq++) sink.write(log(seq));
    await sink.close();
    await sink.close(); // safe twice

    const bytes = readFileSync(path);
    // Four members: each starts with the gzip magic.
    let members = 0;
    for (let i = 0; i + 2 < bytes.length; i++) {
      if (bytes[i] === 0x1f && bytes[i + 1] === 0x8b && bytes[i + 2] === 8) members += 1;
    }
    expect(members).toBeGreaterThanOrEqual(4);
    const lines = gunzipSync(bytes).toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 12 + 12);
    expect(JSON.parse(lines[0]!)).toEqual({ type: 'run', runId: 'r-1', startedAt: 1000 });

    const analysis = await readHistory(createReadStream(path).pipe(createGunzip()), {
      source: path,
    });
    const report = analysis.report({ policy: 'strict' });
    expect(report.totals).toMatchObject({ produced: 12, acked: 12, logged: 12, lost: 0 });
    expect(report.run?.runId).toBe('r-1');
  });

  it('a flush with nothing new writes nothing, and no file exists before the first record is flushed', async () => {
    const path = join(tempDir(), 'history.jsonl.gz');
    const sink = new GzipFileSink(path);
    await sink.flush();
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
    sink.write(produce(0));
    await sink.flush();
    const size = readFileSync(path).length;
    await sink.flush();
    expect(readFileSync(path).length).toBe(size);
    await sink.close();
  });

  it('refuses records after close', async () => {
    const sink = new GzipFileSink(join(tempDir(), 'h.jsonl.gz'));
    await sink.close();
    expect(() => sink.write(produce(0))).toThrow(/is closed/);
  });
});

describe('MemorySink', () => {
  it('keeps records and counts what was flushed', async () => {
    const sink = new MemorySink();
    sink.write(produce(0));
    sink.write(produce(1));
    expect(sink.flushed).toBe(0);
    await sink.flush();
    expect(sink.flushed).toBe(2);
    await sink.close();
    expect(sink.closed).toBe(true);
  });
});
