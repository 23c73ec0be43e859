import { describe, expect, it } from 'vitest';

import { readLiveText } from '../../../functions/core/gate/live-file.js';

const status = (at: number, acked: number, finished = false) =>
  JSON.stringify({
    type: 'status',
    at,
    sent: acked,
    acked,
    failed: 0,
    oldestWaitingMs: 0,
    finished,
  });

describe('readLiveText', () => {
  it('keeps hard findings and the last two status lines', () => {
    const text = [
      status(1000, 1),
      JSON.stringify({
        type: 'anomaly',
        kind: 'duplicate',
        hard: true,
        at: 900,
        detectedAt: 1100,
        detail: 'seq 3 twice',
        partition: 2,
        offset: 7,
      }),
      JSON.stringify({
        type: 'finding',
        kind: 'leaderSkew',
        hard: false,
        at: 1200,
        detectedAt: 1200,
        detail: 'skew',
      }),
      status(6000, 5),
      status(11000, 9, true),
      '',
    ].join('\n');
    const view = readLiveText(text, 'run/live.jsonl');
    expect(view.hard).toEqual([
      {
        type: 'anomaly',
        kind: 'duplicate',
        at: 900,
        detectedAt: 1100,
        detail: 'seq 3 twice',
        partition: 2,
      },
    ]);
    expect(view.previous).toMatchObject({ at: 6000, acked: 5, finished: false });
    expect(view.status).toMatchObject({ at: 11000, acked: 9, finished: true });
  });

  it('skips a torn last line (still being written)', () => {
    const text = `${status(1000, 1)}\n{"type":"anomaly","kind":"dupl`;
    const view = readLiveText(text, 'live.jsonl');
    expect(view.hard).toEqual([]);
    expect(view.status?.at).toBe(1000);
  });

  it('is empty for an empty file', () => {
    expect(readLiveText('', 'live.jsonl')).toEqual({ hard: [], status: null, previous: null });
  });

  it('refuses a bad complete line, naming the file and line', () => {
    expect(() => readLiveText(`${status(1, 1)}\nnot json\n`, 'r/live.jsonl')).toThrow(
      /^r\/live\.jsonl line 2 is not JSON/,
    );
    expect(() => readLiveText('{"type":"status","at":1}\n', 'l')).toThrow(
      /l line 1: a status line needs numbers/,
    );
    expect(() => readLiveText('{"type":"finding","kind":"x","detectedAt":1}\n', 'l')).toThrow(
      /a finding line needs a string kind, a boolean hard/,
    );
    expect(() => readLiveText('{"type":"probe"}\n', 'l')).toThrow(/type "probe" is not anomaly/);
  });
});
