/**
 * A torn last gzip member (functions/core/history/torn-tail.ts) read from a real file
 * through openGzipHistory, the reader the run pipeline's judge uses: real gzip bytes,
 * two members, the second cut inside its header, inside its deflate data, before its
 * trailer's CRC and inside the trailer's size. Every whole member is read; the cut is
 * one named problem, or with allowTornTail a note and the whole lines before it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, describe, expect, it } from 'vitest';

import { TornHistoryError } from '../../../functions/core/errors.js';
import { openGzipHistory } from '../../../functions/core/run/history-file.js';
import { judgeHistory, judgeHistoryFile } from '../../../functions/core/run/judge.js';

const dir = mkdtempSync(join(tmpdir(), 'kuv-torn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const firstLines = Array.from({ length: 40 }, (_, i) =>
  JSON.stringify({ n: i, pad: 'a'.repeat(i % 7) }),
);
// Varied text so the deflate data is long enough to cut in its middle.
const secondLines = Array.from({ length: 400 }, (_, i) =>
  JSON.stringify({ n: 40 + i, v: (i * 7919) % 10007, s: `${i}-${(i * 31) % 97}` }),
);
const first = gzipSync(`${firstLines.join('\n')}\n`);
const second = gzipSync(`${secondLines.join('\n')}\n`);

let files = 0;
function fileOf(bytes: Buffer): string {
  const path = join(dir, `h${(files += 1)}.jsonl.gz`);
  writeFileSync(path, bytes);
  return path;
}

/** The two-member file with the second member cut to its first `keep` bytes. */
function torn(keep: number): string {
  return fileOf(Buffer.concat([first, second.subarray(0, keep)]));
}

async function text(chunks: AsyncIterable<Buffer>): Promise<string> {
  let out = '';
  for await (const chunk of chunks) out += chunk.toString('utf8');
  return out;
}

// gzip header: 10 bytes (magic, method, flags, mtime, xfl, os); trailer: CRC32 then ISIZE.
const cuts = [
  { where: 'after its first byte (the magic)', keep: 1, wholeSecond: 'none' },
  { where: 'inside its 10-byte header', keep: 6, wholeSecond: 'none' },
  { where: 'inside its deflate data', keep: Math.floor(second.length / 2), wholeSecond: 'some' },
  { where: "before its trailer's CRC", keep: second.length - 8, wholeSecond: 'all' },
  { where: "inside its trailer's size", keep: second.length - 2, wholeSecond: 'all' },
] as const;

describe('a history whose last gzip member is cut off', () => {
  it('is read whole when no member is cut (two members: every line, no note)', async () => {
    const notes: string[] = [];
    const all = await text(
      openGzipHistory(fileOf(Buffer.concat([first, second])), { note: (l) => notes.push(l) }),
    );
    expect(all).toBe(`${[...firstLines, ...secondLines].join('\n')}\n`);
    expect(notes).toEqual([]);
  });

  for (const cut of cuts) {
    it(`cut ${cut.where} (${cut.keep} of ${second.length} bytes): refused by name, not "not valid gzip"`, async () => {
      const path = torn(cut.keep);
      const error = await text(openGzipHistory(path)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TornHistoryError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^history '${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' ends in a cut-off gzip member \\(unexpected end of file\\), as a run killed while it wrote a slice leaves it\\. .*--allow-torn-tail`,
        ),
      );
    });

    it(`cut ${cut.where}: with allowTornTail, every complete member and the whole lines before the cut`, async () => {
      const notes: string[] = [];
      const kept = await text(
        openGzipHistory(torn(cut.keep), { allowTornTail: true, note: (l) => notes.push(l) }),
      );
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatch(
        /^note: history .* ends in a cut-off gzip member .*--allow-torn-tail\)\. The verdict is on what was kept/,
      );
      expect(kept.endsWith('\n')).toBe(true);
      const lines = kept.trimEnd().split('\n');
      // The complete member, whole, first.
      expect(lines.slice(0, firstLines.length)).toEqual(firstLines);
      const fromSecond = lines.slice(firstLines.length);
      // Only whole lines of the cut member, in order, from its start.
      expect(fromSecond).toEqual(secondLines.slice(0, fromSecond.length));
      if (cut.wholeSecond === 'none') expect(fromSecond).toEqual([]);
      if (cut.wholeSecond === 'all') expect(fromSecond).toEqual(secondLines);
      if (cut.wholeSecond === 'some') {
        expect(fromSecond.length).toBeGreaterThan(0);
        expect(fromSecond.length).toBeLessThan(secondLines.length);
        expect(notes[0]).toMatch(/leaving out a cut-off line of \d+ bytes/);
      }
    });
  }

  it('a damaged member that is not the last is not called a torn tail', async () => {
    const broken = Buffer.from(second);
    broken[20] = broken[20]! ^ 0xff;
    broken[21] = broken[21]! ^ 0xff;
    const error = await text(
      openGzipHistory(fileOf(Buffer.concat([first, broken, first])), { allowTornTail: true }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TornHistoryError);
    expect((error as NodeJS.ErrnoException).code).toBe('Z_DATA_ERROR');
  });
});

describe('judgeHistoryFile on a torn history (the run pipeline judge)', () => {
  const fixture = join(import.meta.dirname, '../../fixtures/history/delivery.jsonl');
  const lines = readFileSync(fixture, 'utf8').trimEnd().split('\n');
  const half = Math.floor(lines.length / 2);
  const a = gzipSync(`${lines.slice(0, half).join('\n')}\n`);
  const b = gzipSync(`${lines.slice(half).join('\n')}\n`);
  const judging = { policy: 'strict', windowMs: 300_000 } as const;

  it('refuses it by name', async () => {
    const path = fileOf(Buffer.concat([a, b.subarray(0, 5)]));
    await expect(judgeHistoryFile(path, judging)).rejects.toBeInstanceOf(TornHistoryError);
  });

  it('with allowTornTail, gives the verdict on the complete members', async () => {
    const path = fileOf(Buffer.concat([a, b.subarray(0, 5)]));
    const notes: string[] = [];
    const judged = await judgeHistoryFile(path, {
      ...judging,
      allowTornTail: true,
      note: (l) => notes.push(l),
    });
    const kept = await judgeHistory([`${lines.slice(0, half).join('\n')}\n`], {
      ...judging,
      source: path,
    });
    expect(judged.report).toEqual(kept.report);
    expect(notes).toHaveLength(1);
  });
});
