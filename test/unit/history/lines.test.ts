/** The line cap of LineSplitter: wherever the chunks break, a line over MAX_LINE_CHARS is refused by number. */
import { describe, expect, it } from 'vitest';
import { HistoryFormatError } from '../../../functions/core/errors.js';
import { LineSplitter, MAX_LINE_CHARS } from '../../../functions/core/history/lines.js';

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
