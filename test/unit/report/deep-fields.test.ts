/**
 * A history line may nest as deep as JSON.parse reads (the format bounds no field's
 * depth): the page shows a run record's extra fields cut in depth and length, and a
 * line of 100,000 nested arrays renders instead of overflowing the stack.
 */
import { describe, expect, it } from 'vitest';

import { renderHtmlReportFrom } from '../../../functions/core/report/index.js';
import { boundedJson } from '../../../functions/core/report/sections.js';

describe('a run record with deeply nested fields', () => {
  it('boundedJson cuts depth and length, and is JSON.stringify for what fits', () => {
    const value = { a: [1, 'two', null, { b: true }] };
    expect(boundedJson(value, 400)).toBe(JSON.stringify(value));
    expect(boundedJson([[[[[[[[[[1]]]]]]]]]], 400)).toBe('[[[[[[[[…]]]]]]]]');
    const long = boundedJson(
      Array.from({ length: 1000 }, (_, i) => i),
      50,
    );
    expect(long.length).toBeLessThan(80);
    expect(long.endsWith('…]')).toBe(true);
  });

  it('renders the page of a history whose run record nests 100,000 arrays', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const lines = [
      `{"type":"run","runId":"r-deep","startedAt":1,"settings":${deep}}`,
      ...Array.from({ length: 3 }, (_, seq) =>
        JSON.stringify({
          type: 'produce',
          producer: 'p',
          partition: 0,
          seq,
          sentAt: 10 + seq,
          ackedAt: 12 + seq,
          ok: true,
          offset: seq,
        }),
      ),
    ];
    expect(() => JSON.stringify(JSON.parse(lines[0]!))).toThrow(RangeError);
    const { html } = await renderHtmlReportFrom([`${lines.join('\n')}\n`]);
    expect(html).toContain('<dt>settings</dt><dd><code>[[[[[[[[…]]]]]]]]</code>');
  });
});
