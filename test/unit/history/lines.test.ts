/** The line cap of LineSplitter: wherever the chunks break, a line over MAX_LINE_CHARS is refused by number. */
import { describe, expect, it } from 'vitest';
import { HistoryFormatError } from '../../../functions/core/errors.js';
import { readHistory } from '../../../functions/core/history/index.js';
import { LineSplitter, MAX_LINE_CHARS } from '../../../functions/core/history/lines.js';
import { readReportData } from '../../../functions/core/report/index.js';

function split(chunks: string[]): number[] {
  const seen: number[] = [];
  const splitter = new LineSplitter((_line, n) => seen.push(n), 'h.jsonl');
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return seen;
}

const over = 'x'.repeat(MAX_LINE_CHARS + 1);

describe('LineSplitter line cap', () => {
  it.each([
    ['in one chunk, between lines', ['{}\n', `{}\n${over}\n{}\n`]],
    ['across chunks without a break', ['{}\n{}\n', over.slice(0, 10), over.slice(10)]],
    ['as the last line, unterminated', ['{}\n{}\n', over]],
    ['ending in a later chunk', ['{}\n{}\nxx', `${over.slice(2)}\n`]],
  ])('refuses line 3 %s', (_name, chunks) => {
    expect(() => split(chunks)).toThrow(HistoryFormatError);
    expect(() => split(chunks)).toThrow(
      `h.jsonl: line 3: is longer than ${MAX_LINE_CHARS} characters`,
    );
  });

  it('takes a line of exactly MAX_LINE_CHARS, split across chunks', () => {
    const at = 'x'.repeat(MAX_LINE_CHARS);
    expect(split(['{}\n', at.slice(0, 7), `${at.slice(7)}\n{}`])).toEqual([1, 2, 3]);
  });
});

describe('the readers behind analyze, report and the verify Lambda', () => {
  let taken = 0;
  // 600 MiB of zeros in 1 MiB chunks, made lazily: `taken` counts what was read.
  function* zeros(): Generator<Uint8Array> {
    const chunk = new Uint8Array(1 << 20);
    for (taken = 0; taken < 600;) {
      taken += 1;
      yield chunk;
    }
  }

  it.each([
    ['readHistory', readHistory],
    ['readReportData', readReportData],
  ])(
    '%s refuses a line of zeros by source and number, reading no more than the cap',
    async (_, read) => {
      const source = 's3://bucket/upgrades/c/r-1/part-0000.jsonl.gz';
      await expect(read(zeros(), { source })).rejects.toThrow(
        `${source}: line 1: is longer than ${MAX_LINE_CHARS} characters`,
      );
    },
  );
});
