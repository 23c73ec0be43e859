/**
 * Each definition in docs/history-format.md, and each edge it names, on small
 * hand-built histories.
 */
import { describe, expect, it } from 'vitest';
import { HistoryFormatError } from '../../../functions/core/errors.js';
import {
  ANOMALY_CAP_PER_KIND,
  DEFAULT_MEMORY_LIMIT_BYTES,
  HistoryAnalyzer,
} from '../../../functions/core/history/index.js';
import { parseLine } from '../../../functions/core/history/records.js';
import {
  acked,
  analyze,
  broker,
  clean,
  consume,
  failed,
  leaders,
  log,
  offsets,
  probe,
  run,
  t,
} from './history-builder.js';

/** Logs seqs in the given order at offsets 0, 1, 2, … after acked sends of each. */
function logOrder(seqs: number[]): string[] {
  const lines = [run()];
  seqs.forEach((seq, offset) => lines.push(acked(seq, offset), log(offset, seq)));
  return lines;
}

describe('counts', () => {
  it('counts produced, acked and failed sends, and distinct logged offsets', () => {
    const r = analyze([
      run(),
      acked(0, 0),
      failed(1),
      acked(2, 1),
      log(0, 0),
      log(0, 0),
      log(1, 2),
    ]);
    expect(r.totals).toMatchObject({ produced: 3, acked: 2, failed: 1, logged: 2, lost: 0 });
    expect(r.verdict).toBe('pass');
  });

  it.each([
    [[1, 2, 4, 3, 5], 1, 0],
    [[3, 1, 2], 2, 0],
    [[1, 2, 2, 3], 0, 1],
    [[1, 2, 3], 0, 0],
    [[5, 4, 3, 2, 1], 4, 0],
    [[1, 3, 2, 3, 4], 1, 1],
  ])('log %j gives %i out of order and %i duplicates', (order, outOfOrder, duplicates) => {
    const r = analyze(logOrder(order));
    expect(r.totals.outOfOrder).toBe(outOfOrder);
    expect(r.totals.duplicates).toBe(duplicates);
  });

  it('walks out-of-order per producer: two producers interleaved in one partition are each in order', () => {
    const lines = [run()];
    for (let s = 0; s < 5; s++) {
      lines.push(log(2 * s, s), log(2 * s + 1, 100 - s, undefined, { producer: 'other' }));
    }
    const r = analyze(lines);
    // 'other' sends 100, 99, 98 … — every one after the first is out of order; 'canary' none.
    expect(r.totals.outOfOrder).toBe(4);
    expect(new Set(r.anomalies.map((a) => a.producer))).toEqual(new Set(['other']));
  });

  it('counts k − 1 duplicates for an identity logged at k offsets, anomaly at the later copy', () => {
    const r = analyze([run(), acked(7, 0), log(10, 7, 1), log(11, 7, 2), log(12, 7, 3)]);
    expect(r.totals.duplicates).toBe(2);
    const dups = r.anomalies.filter((a) => a.kind === 'duplicate');
    expect(dups.map((a) => [a.offset, a.at])).toEqual([
      [11, t(2)],
      [12, t(3)],
    ]);
  });

  it('counts a repeated identical log record once', () => {
    const r = analyze([run(), acked(1, 5), log(5, 1), log(5, 1), log(5, 1)]);
    expect(r.totals).toMatchObject({ logged: 1, duplicates: 0, inconsistentOffsets: 0 });
  });

  it('flags an offset the log gives two identities, at the latest timestamp there', () => {
    const r = analyze([
      run(),
      acked(1, 5),
      acked(2, 6),
      log(5, 1, 10),
      log(5, 2, 20),
      log(6, 2, 30),
    ]);
    expect(r.totals.inconsistentOffsets).toBe(1);
    expect(r.totals.logged).toBe(2);
    expect(r.anomalies.find((a) => a.kind === 'inconsistentOffset')).toMatchObject({
      partition: 0,
      offset: 5,
      at: t(20),
    });
    // seq 2 is found at offsets 5 and 6: a duplicate too.
    expect(r.totals.duplicates).toBe(1);
    expect(r.verdict).toBe('fail');
  });

  it('calls an acked send lost only when the log was read back', () => {
    const withLog = analyze([run(), acked(1, 0, 100), acked(2, 1, 200), log(0, 1)]);
    expect(withLog.totals.lost).toBe(1);
    expect(withLog.anomalies).toEqual([
      { kind: 'lost', partition: 0, producer: 'canary', seq: 2, at: t(200), afterRestart: null },
    ]);
    const noLog = analyze([run(), acked(1, 0), acked(2, 1), consume(0, 1, 500)]);
    expect(noLog.totals.lost).toBeNull();
    expect(noLog.totals.skipped).toBeNull();
    expect(noLog.partitions[0]!.lost).toBeNull();
    expect(noLog.partitions[0]!.skipped).toBeNull();
    // Nothing read back: not a pass, inconclusive.
    expect(noLog.verdict).toBe('inconclusive');
  });

  it('matches identities by producer, partition and seq: the same seq elsewhere is not a match', () => {
    const r = analyze([
      run(),
      acked(1, 0),
      log(0, 1, 3, { partition: 1 }),
      log(1, 1, 3, { producer: 'x' }),
    ]);
    expect(r.totals.lost).toBe(1);
    expect(r.partitions.map((p) => p.partition)).toEqual([0, 1]);
  });

  it('counts unacked-but-written only when every send of the identity failed, and never as an anomaly', () => {
    const r = analyze([
      run(),
      failed(1),
      log(0, 1),
      failed(2),
      acked(2, 1, 250),
      log(1, 2),
      log(2, 3), // logged but never sent in this history
    ]);
    expect(r.totals.unackedWritten).toBe(1);
    expect(r.verdict).toBe('pass');
  });

  it('counts redeliveries per group and partition, in file order', () => {
    const r = analyze([
      run(),
      ...clean(0, 2),
      consume(0, 0, 1000),
      consume(1, 1, 1001),
      consume(0, 0, 1002),
      consume(0, 0, 1003, { group: 'other' }),
      consume(1, 1, 1004, { consumer: 'c-2' }),
    ]);
    expect(r.totals.redelivered).toBe(2);
    expect(r.totals.skipped).toBe(0);
    expect(r.anomalies.map((a) => [a.kind, a.offset, a.group, a.at])).toEqual([
      ['redelivered', 0, 'g', t(1002)],
      ['redelivered', 1, 'g', t(1004)],
    ]);
    expect(r.verdict).toBe('warn');
  });

  it('counts skips only between the lowest and highest offset a group received', () => {
    const r = analyze([
      run(),
      ...clean(0, 9),
      consume(2, 2, 1000),
      consume(5, 5, 1001),
      consume(4, 4, 1002),
      consume(0, 0, 1003, { group: 'h' }),
      consume(9, 9, 1004, { group: 'h' }),
    ]);
    // g: 2..5 minus {2,4,5} = {3}; h: 0..9 minus {0,9} = 8 offsets.
    expect(r.totals.skipped).toBe(9);
    const g = r.anomalies.filter((a) => a.kind === 'skipped' && a.group === 'g');
    expect(g).toEqual([
      { kind: 'skipped', partition: 0, offset: 3, group: 'g', at: t(303), afterRestart: null },
    ]);
  });

  it('does not call an unlogged offset skipped', () => {
    const r = analyze([
      run(),
      acked(0, 0),
      acked(1, 2),
      log(0, 0),
      log(2, 1),
      consume(0, 0, 900),
      consume(2, 1, 901),
    ]);
    expect(r.totals.skipped).toBe(0);
  });

  it('handles sequence numbers that start anywhere, negative ones included, and offsets past 2^32', () => {
    const big = 2 ** 40;
    const r = analyze([
      run(),
      acked(-3, big),
      acked(-2, big + 1),
      log(big, -3),
      log(big + 1, -2),
      consume(big + 1, -2, 900),
    ]);
    expect(r.totals).toMatchObject({ lost: 0, outOfOrder: 0, logged: 2 });
    // seq -2 was sent at t(-200) and received at t(900)
    expect(r.partitions[0]!.endToEndLatencyMs).toEqual({ p50: 1100, p99: 1100, max: 1100 });
  });
});

describe('latency and availability', () => {
  it('takes nearest-rank percentiles of produce latency', () => {
    const lines = [run()];
    for (let s = 1; s <= 100; s++) {
      lines.push(
        JSON.stringify({
          type: 'produce',
          producer: 'p',
          partition: 0,
          seq: s,
          sentAt: t(0),
          ok: true,
          ackedAt: t(s),
          offset: s,
        }),
      );
    }
    expect(analyze(lines).partitions[0]!.produceLatencyMs).toEqual({ p50: 50, p99: 99, max: 100 });
    const three = [
      run(),
      acked(0, 0, 0),
      acked(1, 1, 10),
      JSON.stringify({
        type: 'produce',
        producer: 'canary',
        partition: 0,
        seq: 2,
        sentAt: t(0),
        ok: true,
        ackedAt: t(70000),
        offset: 2,
      }),
    ];
    // values 5, 5, 70000: rank ⌈1.5⌉ = 2 → 5; rank ⌈2.97⌉ = 3 → 70000
    expect(analyze(three).partitions[0]!.produceLatencyMs).toEqual({
      p50: 5,
      p99: 70000,
      max: 70000,
    });
  });

  it('measures end-to-end latency from the acked send to the first delivery to any group', () => {
    const r = analyze([
      run(),
      acked(1, 0, 100),
      log(0, 1),
      consume(0, 1, 900, { group: 'a' }),
      consume(0, 1, 400, { group: 'b' }),
      failed(2, 200),
      log(1, 2),
      consume(1, 2, 950, { group: 'a' }),
    ]);
    expect(r.partitions[0]!.endToEndLatencyMs).toEqual({ p50: 300, p99: 300, max: 300 });
  });

  it('gives null latencies when there are no values', () => {
    const r = analyze([run(), failed(1), log(0, 1)]);
    expect(r.partitions[0]!.produceLatencyMs).toBeNull();
    expect(r.partitions[0]!.endToEndLatencyMs).toBeNull();
  });

  it('measures the longest outage from the first failed send after an ack to the next ack', () => {
    const r = analyze([
      run(),
      acked(0, 0, 0),
      failed(1, 100),
      failed(2, 200),
      acked(3, 1, 1000), // acked at 1005: outage 100 → 1005
      failed(4, 2000),
      acked(5, 2, 2050), // acked at 2055: outage 55
      log(0, 0),
      log(1, 3),
      log(2, 5),
    ]);
    expect(r.partitions[0]!.maxUnavailableMs).toBe(905);
    expect(r.totals.maxUnavailableMs).toBe(905);
  });

  it('sorts sends by sentAt, whatever their order in the file', () => {
    const r = analyze([
      run(),
      acked(3, 1, 1000),
      failed(2, 200),
      acked(0, 0, 0),
      failed(1, 100),
      log(0, 0),
      log(1, 3),
    ]);
    expect(r.partitions[0]!.maxUnavailableMs).toBe(905);
  });

  it('starts an outage at the partition start and runs one that never ends to the last failedAt', () => {
    const r = analyze([
      run(),
      failed(0, 0, 50),
      acked(1, 0, 100),
      failed(2, 300, 1000),
      failed(3, 400, 3000),
      log(0, 1),
    ]);
    // first outage 0 → 105; second 300 → last failedAt 3400 = 3100
    expect(r.partitions[0]!.maxUnavailableMs).toBe(3100);
  });

  it('reports 0 unavailable without outages, and per partition', () => {
    const r = analyze([
      run(),
      ...clean(0, 3),
      acked(0, 0, 0, { partition: 2 }),
      failed(1, 10, 100, { partition: 2 }),
    ]);
    expect(r.partitions.map((p) => [p.partition, p.maxUnavailableMs])).toEqual([
      [0, 0],
      [2, 100],
    ]);
    expect(r.totals.maxUnavailableMs).toBe(100);
  });
});

describe('restarts and windows', () => {
  it('pairs events per broker in time order, whatever the file order', () => {
    const r = analyze([
      run(),
      broker(2, 'up', 5000),
      broker(1, 'down', 1000),
      broker(2, 'down', 4000),
      broker(1, 'up', 2000),
      broker(1, 'down', 9000),
      broker(1, 'up', 9500),
    ]);
    expect(r.restarts).toEqual([
      { broker: 2, downAt: t(4000), upAt: t(5000) },
      { broker: 1, downAt: t(1000), upAt: t(2000) },
      { broker: 1, downAt: t(9000), upAt: t(9500) },
    ]);
  });

  it('gives an up with no down a null downAt, and a down never followed by up a null upAt', () => {
    const r = analyze([
      run(),
      broker(1, 'up', 1000),
      broker(2, 'down', 2000),
      broker(3, 'down', 100),
      broker(3, 'down', 200),
      broker(3, 'up', 300),
    ]);
    expect(r.restarts).toEqual([
      { broker: 1, downAt: null, upAt: t(1000) },
      { broker: 2, downAt: t(2000), upAt: null },
      { broker: 3, downAt: t(100), upAt: null },
      { broker: 3, downAt: t(200), upAt: t(300) },
    ]);
  });

  it('attributes an anomaly to the window holding it: negative ms while down, null ms when never up', () => {
    const r = analyze([
      run(),
      broker(1, 'down', 1000),
      broker(1, 'up', 2000),
      broker(2, 'down', 50_000), // never comes back: its window never closes
      acked(100, 0),
      log(0, 100, 10),
      acked(1, 1),
      log(1, 1, 1600), // reordered while broker 1 is down
      acked(2, 2),
      log(2, 2, 2000 + 300_000 + 1), // past broker 1's window, inside broker 2's open one
      acked(3, 3),
      log(3, 3, 60_000), // inside broker 2's open window
    ]);
    expect(r.anomalies.map((a) => [a.seq, a.afterRestart])).toEqual([
      [1, { broker: 1, ms: -400 }],
      [3, { broker: 2, ms: null }],
      [2, { broker: 2, ms: null }],
    ]);
    expect(
      analyze([run(), acked(2, 0), log(0, 2, 10), acked(1, 1), log(1, 1, 20)]).anomalies[0]!
        .afterRestart,
    ).toBeNull();
  });

  it('includes both ends of a window and picks the latest-starting window', () => {
    const lines = [
      run(),
      broker(1, 'down', 1000),
      broker(1, 'up', 2000),
      broker(2, 'down', 3000),
      broker(2, 'up', 4000),
    ];
    const seqs = [
      acked(5, 0),
      log(0, 5, 0),
      acked(1, 1),
      log(1, 1, 1000),
      acked(2, 2),
      log(2, 2, 3500),
      acked(3, 3),
      log(3, 3, 4000 + 1000),
      acked(4, 4),
      log(4, 4, 4000 + 1001),
    ];
    const r = analyze([...lines, ...seqs], 'strict', 1000);
    const after = r.anomalies.map((a) => [a.seq, a.afterRestart]);
    expect(after).toEqual([
      [1, { broker: 1, ms: -1000 }],
      [2, { broker: 2, ms: -500 }],
      [3, { broker: 2, ms: 1000 }],
      [4, null],
    ]);
  });
});

describe('verdict', () => {
  const reorderedInWindow = [
    run(),
    broker(1, 'down', 0),
    broker(1, 'up', 100),
    acked(2, 0),
    log(0, 2, 150),
    acked(1, 1),
    log(1, 1, 160),
  ];

  it('fails strict and warns tolerant on reordering inside a restart window', () => {
    expect(analyze(reorderedInWindow, 'strict').verdict).toBe('fail');
    const tolerant = analyze(reorderedInWindow, 'tolerant');
    expect(tolerant.verdict).toBe('warn');
    expect(tolerant.reasons).toEqual([
      '1 records out of order inside a restart window (tolerated)',
    ]);
  });

  it('fails both policies on reordering outside every window', () => {
    const outside = analyze(reorderedInWindow, 'tolerant', 0);
    expect(outside.verdict).toBe('fail');
    expect(outside.reasons).toEqual(['1 records out of order outside any restart window']);
  });

  it.each([
    ['lost', [run(), acked(1, 0), acked(2, 1), log(0, 1)]],
    ['duplicate', [run(), acked(1, 0), log(0, 1), log(1, 1)]],
    ['skipped', [run(), ...clean(0, 2), consume(0, 0, 500), consume(2, 2, 501)]],
    ['inconsistent offset', [run(), acked(1, 0), acked(2, 1), log(0, 1), log(0, 2), log(1, 2)]],
  ])('fails both policies on a %s', (_kind, lines) => {
    expect(analyze(lines, 'strict').verdict).toBe('fail');
    expect(analyze(lines, 'tolerant').verdict).toBe('fail');
  });

  it('passes a clean history with no reasons', () => {
    const r = analyze([run(), ...clean(0, 20), consume(0, 0, 3000)]);
    expect(r.verdict).toBe('pass');
    expect(r.reasons).toEqual([]);
  });
});

describe('the report', () => {
  it('counts records of unknown type and ignores unknown fields', () => {
    const r = analyze([
      run({ extra: { nested: true } }),
      JSON.stringify({ type: 'metric', x: 1 }),
      JSON.stringify({ type: 'future' }),
      acked(1, 0, 100, { attempts: 3, somethingNew: 'x' }),
      log(0, 1),
    ]);
    expect(r.ignoredRecords).toBe(2);
    expect(r.verdict).toBe('pass');
    expect(r.run).toEqual({ runId: 'r-test', cluster: null, startedAt: t(0), endedAt: null });
  });

  it('caps the anomaly list per kind but never the counts', () => {
    const lines = [run()];
    const n = ANOMALY_CAP_PER_KIND + 50;
    for (let s = 0; s < n; s++) lines.push(acked(s, s));
    lines.push(log(0, 0));
    const r = analyze(lines);
    expect(r.totals.lost).toBe(n - 1);
    expect(r.anomalies).toHaveLength(ANOMALY_CAP_PER_KIND);
    expect(r.anomaliesTruncated).toBe(true);
  });

  it('sorts anomalies by time', () => {
    const r = analyze(logOrder([5, 4, 3, 2, 1]));
    const times = r.anomalies.map((a) => a.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});

describe('bad input', () => {
  const fails = (lines: string[]): HistoryFormatError => {
    try {
      analyze(lines);
    } catch (error) {
      expect(error).toBeInstanceOf(HistoryFormatError);
      return error as HistoryFormatError;
    }
    throw new Error('expected the analysis to stop on bad input');
  };

  it.each([
    ['not JSON', ['{"type":"run",'], 1, null, 'not JSON'],
    ['a JSON array', ['[1,2]'], 1, null, 'not a JSON object'],
    ['a JSON string', ['"produce"'], 1, null, 'not a JSON object'],
    ['no type', ['{"partition":1}'], 1, 'type', 'missing'],
    ['a non-string type', ['{"type":3}'], 1, 'type', 'a record type string'],
    [
      'a missing required field',
      [run(), JSON.stringify({ type: 'log', partition: 0, producer: 'p', seq: 1, timestamp: 1 })],
      2,
      'offset',
      'missing',
    ],
    ['a string offset', [run(), log(0, 1, 3, { offset: '0' })], 2, 'offset', 'integer'],
    ['a negative offset', [run(), log(0, 1, 3, { offset: -1 })], 2, 'offset', '≥ 0'],
    ['a fractional time', [run(), acked(1, 0, 0, { sentAt: 1.5 })], 2, 'sentAt', 'integer'],
    ['ok that is not a boolean', [run(), acked(1, 0, 0, { ok: 'true' })], 2, 'ok', 'true or false'],
    [
      'an acked send without ackedAt',
      [run(), acked(1, 0, 0, { ackedAt: undefined })],
      2,
      'ackedAt',
      'missing',
    ],
    [
      'an acked send without offset',
      [run(), acked(1, 0, 0, { offset: null })],
      2,
      'offset',
      'integer',
    ],
    [
      'a failed send without failedAt',
      [run(), failed(1, 0, 0, { failedAt: undefined })],
      2,
      'failedAt',
      'missing',
    ],
    [
      'a bad broker event',
      [run(), JSON.stringify({ type: 'broker', broker: 1, event: 'restarted', at: 5 })],
      2,
      'event',
      '"down" or "up"',
    ],
    [
      'a consume without group',
      [run(), consume(0, 1, 5, { group: undefined })],
      2,
      'group',
      'missing',
    ],
    ['a run without runId', [JSON.stringify({ type: 'run', startedAt: 5 })], 1, 'runId', 'missing'],
    [
      'a probe without endpoint',
      [run(), probe(1, 'after', 0, undefined, { endpoint: undefined })],
      2,
      'endpoint',
      'missing',
    ],
    [
      'a probe with an unknown role',
      [run(), probe(1, 'after', 0, undefined, { role: 'client' })],
      2,
      'role',
      '"bootstrap" or "broker"',
    ],
    [
      'a broker probe without broker',
      [run(), probe(1, 'after', 0, undefined, { broker: undefined })],
      2,
      'broker',
      'missing',
    ],
    [
      'a probe with an unknown phase',
      [run(), probe(null, 'after', 0, undefined, { phase: 'later' })],
      2,
      'phase',
      '"baseline", "during" or "after"',
    ],
    [
      'a probe with a fractional at',
      [run(), probe(null, 'after', 0, undefined, { at: 1.5 })],
      2,
      'at',
      'integer',
    ],
    [
      'a probe without a dns stage',
      [run(), probe(1, 'after', 0, undefined, { dns: undefined })],
      2,
      'dns',
      'missing',
    ],
    [
      'a probe stage that is a string',
      [run(), probe(1, 'after', 0, undefined, { tcp: 'ok' })],
      2,
      'tcp',
      'null or an object',
    ],
    [
      'a probe stage whose ok is not a boolean',
      [run(), probe(1, 'after', 0, undefined, { kafka: { ok: 1, ms: 3 } })],
      2,
      'kafka.ok',
      'true or false',
    ],
    [
      'a probe stage with negative ms',
      [run(), probe(1, 'after', 0, undefined, { kafka: { ok: true, ms: -1 } })],
      2,
      'kafka.ms',
      '≥ 0',
    ],
    [
      'a probe stage without ms',
      [run(), probe(1, 'after', 0, undefined, { tcp: { ok: true } })],
      2,
      'tcp.ms',
      'missing',
    ],
    [
      'an ok dns stage without addresses',
      [run(), probe(1, 'after', 0, undefined, { dns: { ok: true, ms: 1 } })],
      2,
      'dns.addresses',
      'missing',
    ],
    [
      'a dns address that is not a string',
      [run(), probe(1, 'after', 0, ['10.0.0.1', 7 as unknown as string])],
      2,
      'dns.addresses[1]',
      'a string',
    ],
    [
      'a leaders record without topic',
      [run(), leaders('t', 'after', 0, [], { topic: undefined })],
      2,
      'topic',
      'missing',
    ],
    [
      'a leaders record with a bad phase',
      [run(), leaders('t', 'after', 0, [], { phase: 'end' })],
      2,
      'phase',
      '"baseline", "during" or "after"',
    ],
    [
      'partitions that is not a list',
      [run(), leaders('t', 'after', 0, [], { partitions: { 0: 1 } })],
      2,
      'partitions',
      'a list',
    ],
    [
      'a partitions item that is not an object',
      [run(), leaders('t', 'after', 0, [], { partitions: [3] })],
      2,
      'partitions[0]',
      'an object',
    ],
    [
      'a string leader',
      [
        run(),
        leaders('t', 'after', 0, [
          [0, 1, [1], [1]],
          [1, '2' as unknown as number, [2], [2]],
        ]),
      ],
      2,
      'partitions[1].leader',
      'integer',
    ],
    [
      'a replica that is not an integer',
      [run(), leaders('t', 'after', 0, [[0, 1, [1, 2.5], [1]]])],
      2,
      'partitions[0].replicas[1]',
      'integer',
    ],
    [
      'a missing isr',
      [run(), leaders('t', 'after', 0, [[0, 1, [1], undefined as unknown as number[]]])],
      2,
      'partitions[0].isr',
      'missing',
    ],
    [
      'a missing partition number',
      [
        run(),
        leaders('t', 'after', 0, [], { partitions: [{ leader: 1, replicas: [1], isr: [1] }] }),
      ],
      2,
      'partitions[0].partition',
      'missing',
    ],
    ['a non-integer endedAt', [run({ endedAt: 'later' })], 1, 'endedAt', 'integer'],
    [
      'a scheduledAt that is a string',
      [run(), acked(1, 0, 0, { scheduledAt: '2026-01-01' })],
      2,
      'scheduledAt',
      'integer',
    ],
    [
      'a fractional scheduledAt',
      [run(), acked(1, 0, 0, { scheduledAt: 1.5 })],
      2,
      'scheduledAt',
      'integer',
    ],
    [
      'a null scheduledAt',
      [run(), failed(1, 0, 10, { scheduledAt: null })],
      2,
      'scheduledAt',
      'integer',
    ],
    [
      'an offsets record without topic',
      [run(), offsets('t', 'during', 0, [], { topic: undefined })],
      2,
      'topic',
      'missing',
    ],
    [
      'an offsets record with a bad phase',
      [run(), offsets('t', 'during', 0, [], { phase: 'roll' })],
      2,
      'phase',
      '"baseline", "during" or "after"',
    ],
    [
      'an offsets record without at',
      [run(), offsets('t', 'during', 0, [], { at: undefined })],
      2,
      'at',
      'missing',
    ],
    [
      'offsets partitions that is not a list',
      [run(), offsets('t', 'during', 0, [], { partitions: 7 })],
      2,
      'partitions',
      'a list',
    ],
    [
      'an offsets item that is not an object',
      [run(), offsets('t', 'during', 0, [], { partitions: [[0, 5]] })],
      2,
      'partitions[0]',
      'an object',
    ],
    [
      'a negative end offset',
      [
        run(),
        offsets('t', 'during', 0, [
          [0, 3],
          [1, -1],
        ]),
      ],
      2,
      'partitions[1].end',
      '≥ 0',
    ],
    [
      'a string end offset',
      [run(), offsets('t', 'during', 0, [[0, '3' as unknown as number]])],
      2,
      'partitions[0].end',
      'integer',
    ],
    [
      'an offsets item without partition',
      [run(), offsets('t', 'during', 0, [], { partitions: [{ end: 4 }] })],
      2,
      'partitions[0].partition',
      'missing',
    ],
  ])('stops on %s, naming the line and the field', (_what, lines, line, field, says) => {
    const error = fails(lines);
    expect(error.line).toBe(line);
    expect(error.field).toBe(field);
    expect(error.message).toContain(
      field === null ? `line ${line}: ` : `line ${line}: field ${field}`,
    );
    expect(error.message).toContain(says);
  });

  it('numbers lines counting blank lines, and accepts CRLF', () => {
    const error = fails([run(), '', '   ', `${acked(1, 0)}\r`, 'oops']);
    expect(error.line).toBe(5);
  });

  it('names the partition count, not sparse offsets, when many partitions are the cause', () => {
    const analyzer = new HistoryAnalyzer(8 * 2 ** 20);
    let error: unknown;
    try {
      for (let n = 1; n <= 1000; n++) {
        const at = { source: 'wide.jsonl', line: n };
        analyzer.add(parseLine(acked(1, 0, 1000, { partition: n }), at), at);
      }
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HistoryFormatError);
    const message = (error as HistoryFormatError).message;
    expect(message).toMatch(
      /wide\.jsonl: line \d+: the analysis would need more than 8 MiB \(its limit is 8 MiB\): the history names \d+ partitions so far/,
    );
    expect(message).not.toContain('sparse');
  });

  it('keeps its default guard below the verify Lambda memory (2048 MB) with room for Node and the report', () => {
    expect(DEFAULT_MEMORY_LIMIT_BYTES).toBeLessThanOrEqual(1024 * 2 ** 20);
  });

  it('stops with a message, not an exhausted machine, on sparse sequence numbers', () => {
    const analyzer = new HistoryAnalyzer(8 * 2 ** 20);
    const add = (line: string, n: number) => {
      const at = { source: 'sparse.jsonl', line: n };
      analyzer.add(parseLine(line, at), at);
    };
    let error: unknown;
    try {
      for (let n = 1; n <= 1000; n++) add(acked(n * 1_000_000, n), n);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HistoryFormatError);
    expect((error as HistoryFormatError).message).toMatch(/sparse\.jsonl: line \d+: .*too sparse/);
    // Dense ones of the same count fit easily.
    const dense = new HistoryAnalyzer(8 * 2 ** 20);
    for (let n = 1; n <= 1000; n++) {
      const at = { source: 'dense.jsonl', line: n };
      dense.add(parseLine(acked(n, n), at), at);
    }
    expect(dense.finish().report({ windowMs: 0 }).totals.acked).toBe(1000);
  });
});
