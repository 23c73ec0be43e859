/**
 * The verdict's order (docs/history-format.md, "Verdict"): fail, then
 * inconclusive, then warn, then pass; and the exit status of each.
 */
import { describe, expect, it } from 'vitest';
import { exitStatusFor } from '../../../functions/core/history/index.js';
import {
  acked,
  analyze,
  clean,
  consume,
  failed,
  failedStage,
  leaders,
  log,
  probe,
  run,
} from './history-builder.js';

describe('inconclusive', () => {
  it.each([
    ['an empty history', [], 'no produce, probe or leaders record'],
    ['a history of a run record only', [run()], 'no produce, probe or leaders record'],
    [
      'log and consume records without sends, probes or leaders',
      [run(), log(0, 0), consume(0, 0, 50)],
      'no produce, probe or leaders record',
    ],
    [
      'sends none of which was acked',
      [run(), failed(0), failed(1), log(0, 0)],
      'none of the 2 sends',
    ],
    [
      'acked sends never read back (no log record)',
      [run(), acked(0, 0), acked(1, 1), consume(0, 0, 50)],
      'nothing was read back',
    ],
    [
      'acked sends never read back, even with probes and leaders that pass',
      [run(), acked(0, 0), probe(1, 'after', 10), leaders('t', 'after', 10, [[0, 1, [1], [1]]])],
      'nothing was read back',
    ],
  ])('is the verdict for %s, with exit status 3', (_what, lines, says) => {
    for (const policy of ['strict', 'tolerant'] as const) {
      const r = analyze(lines, policy);
      expect(r.verdict).toBe('inconclusive');
      expect(exitStatusFor(r.verdict)).toBe(3);
      expect(r.reasons.join('\n')).toContain(says);
    }
  });

  it('says what to do: re-run and check the run log', () => {
    const r = analyze([run(), acked(0, 0)]);
    expect(r.reasons).toEqual([
      "nothing was read back: the verifying reader never ran (no log record), so loss cannot be judged — re-run, check the run's log",
    ]);
  });

  it('gives way to fail: an unreachable broker fails a run that was never read back', () => {
    const r = analyze([
      run(),
      acked(0, 0),
      probe(1, 'after', 10, ['10.0.0.1'], { kafka: failedStage() }),
    ]);
    expect(r.verdict).toBe('fail');
    expect(exitStatusFor(r.verdict)).toBe(1);
  });

  it('gives way to fail: an offline partition fails a run with no sends acked', () => {
    const r = analyze([run(), failed(0), leaders('t', 'after', 10, [[0, -1, [1, 2], []]])]);
    expect(r.verdict).toBe('fail');
  });

  it('comes before warn: a redelivery does not turn a run never read back into warn', () => {
    const r = analyze([run(), acked(0, 0), consume(0, 0, 50), consume(0, 0, 60)]);
    expect(r.totals.redelivered).toBe(1);
    expect(r.verdict).toBe('inconclusive');
  });
});

describe('probe and leaders records alone', () => {
  it('pass when every endpoint is reachable and leadership is even', () => {
    const r = analyze([
      probe(1, 'baseline', 0),
      probe(1, 'after', 100),
      probe(null, 'after', 100),
      leaders('t', 'after', 100, [
        [0, 1, [1, 2], [1, 2]],
        [1, 2, [2, 1], [2, 1]],
      ]),
    ]);
    expect(r.verdict).toBe('pass');
    expect(exitStatusFor(r.verdict)).toBe(0);
    expect(r.totals.lost).toBeNull();
  });

  it('warn on what they show: an address change', () => {
    const r = analyze([probe(1, 'baseline', 0), probe(1, 'after', 100, ['10.9.9.9'])]);
    expect(r.verdict).toBe('warn');
    expect(r.reasons).toEqual(['1 brokers whose address changed']);
  });

  it('warn on an under-replicated partition from a leaders record alone', () => {
    const r = analyze([
      leaders('t', 'after', 100, [
        [0, 1, [1, 2], [1]],
        [1, 2, [2, 1], [2, 1]],
      ]),
    ]);
    expect(r.verdict).toBe('warn');
    expect(r.reasons).toEqual(['1 partitions under-replicated at the end']);
  });

  it('fail on an unreachable bootstrap endpoint', () => {
    const r = analyze([
      probe(null, 'after', 100, ['10.0.0.1'], { tcp: failedStage(), kafka: null }),
    ]);
    expect(r.verdict).toBe('fail');
    expect(r.reasons).toEqual(['1 bootstrap endpoints unreachable at the end']);
  });
});

describe('warn', () => {
  it('lists every reason that holds, in the spec order', () => {
    const r = analyze([
      run(),
      ...clean(0, 2),
      consume(0, 0, 500),
      consume(0, 0, 600),
      consume(1, 1, 700),
      consume(2, 2, 800),
      probe(1, 'baseline', 0),
      probe(1, 'after', 100, ['10.0.0.9']),
      probe(2, 'after', 100, ['10.0.0.2'], { endpoint: '10.0.0.2:9092' }),
      probe(3, 'during', 50, [], {
        dns: { ...failedStage('ETIMEOUT'), addresses: [] },
        tcp: null,
        kafka: null,
      }),
      probe(3, 'after', 100),
      leaders('t', 'after', 100, [
        [0, 1, [1, 2], [1]],
        [1, 1, [2, 1], [2, 1]],
      ]),
    ]);
    expect(r.verdict).toBe('warn');
    expect(r.reasons).toEqual([
      '1 records redelivered to a consumer group',
      '1 brokers whose address changed',
      '1 endpoints given as IP addresses instead of DNS names',
      '1 probes whose DNS lookup failed',
      '1 partitions under-replicated at the end',
      'leader skew 2 is above 1.5',
    ]);
    expect(exitStatusFor(r.verdict)).toBe(0);
  });
});
