import { describe, expect, it } from 'vitest';

import {
  parseState,
  serializeState,
  type CanaryCounters,
} from '../../../functions/core/canary/state.js';
import { InputError } from '../../../functions/core/errors.js';
import { sampleState } from './fixtures.js';

describe('slice state', () => {
  it('survives a JSON round trip unchanged, monitor states included', () => {
    const state = sampleState();
    const text = serializeState(state);
    expect(JSON.parse(text)).toEqual(state);
    expect(parseState(text)).toEqual(state);
    // What Step Functions hands the next Lambda: the same object through JSON again.
    expect(parseState(JSON.stringify(JSON.parse(text)))).toEqual(state);
  });

  it('reads a state saved before the send queue (skippedSends, no queueFull) with queueFull 0', () => {
    const counters: Partial<CanaryCounters> = {
      ...sampleState().counters,
      skippedSends: 3,
    } as never;
    delete counters.queueFull;
    const old = { ...sampleState(), counters };
    expect(parseState(JSON.stringify(old)).counters.queueFull).toBe(0);
  });

  it.each([
    ['not JSON', 'nope', /canary slice state is not JSON/],
    ['a wrong format', JSON.stringify({ ...sampleState(), format: 2 }), /format 2 \(expected 1\)/],
    ['no runId', JSON.stringify({ ...sampleState(), runId: '' }), /no runId/],
    [
      'per-partition lists of the wrong length',
      JSON.stringify({ ...sampleState(), nextSeq: [1] }),
      /one entry per partition/,
    ],
    ['an unknown phase', JSON.stringify({ ...sampleState(), phase: 'warmup' }), /phase "warmup"/],
  ])('refuses a state with %s, with an InputError saying what is wrong', (_, text, message) => {
    expect(() => parseState(text)).toThrow(InputError);
    expect(() => parseState(text)).toThrow(message);
  });
});
