import { describe, expect, it } from 'vitest';

import {
  decodePayload,
  encodePayload,
  payloadOfRun,
} from '../../../functions/core/canary/payload.js';

describe('canary payload', () => {
  const payload = { runId: 'r-1', producer: 'canary', seq: 41, sentAt: 1763900001000 };

  it('encodes as plain JSON any client can read, and decodes back', () => {
    const text = encodePayload(payload);
    expect(text).toBe('{"runId":"r-1","producer":"canary","seq":41,"sentAt":1763900001000}');
    expect(decodePayload(Buffer.from(text))).toEqual(payload);
  });

  it.each([
    ['null', null],
    ['not JSON', 'hello'],
    ['a JSON array', '[1]'],
    ['a missing seq', '{"runId":"r","producer":"p","sentAt":1}'],
    ['a string seq', '{"runId":"r","producer":"p","seq":"1","sentAt":1}'],
    ['a fractional sentAt', '{"runId":"r","producer":"p","seq":1,"sentAt":1.5}'],
  ])('decodes %s as null (not a canary record)', (_, value) => {
    expect(decodePayload(value)).toBeNull();
  });

  it("keeps only this run's records", () => {
    const text = encodePayload(payload);
    expect(payloadOfRun(text, 'r-1')).toEqual(payload);
    expect(payloadOfRun(text, 'r-2')).toBeNull();
  });
});
