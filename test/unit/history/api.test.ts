/**
 * The API the CLI, the Lambdas and the canary call (functions/core/history):
 * chunks split anywhere, lines, one pass reported many times.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HistoryFormatError, InputError, VerifierError } from '../../../functions/core/errors.js';
import {
  HistoryAnalyzer,
  analyzeLines,
  readHistory,
  readHistoryLines,
} from '../../../functions/core/history/index.js';
import { acked, broker, consume, log, run } from './history-builder.js';

const fixtures = join(import.meta.dirname, '../../fixtures/history');

/** A history whose producer, group and run names hold 2-, 3- and 4-byte UTF-8 characters. */
const unicode = [
  run({ cluster: 'prod-ü' }),
  acked(1, 0, 100, { producer: 'kanárek-€-🐦' }),
  acked(2, 1, 200, { producer: 'kanárek-€-🐦' }),
  log(1, 1, 203, { producer: 'kanárek-€-🐦' }),
  log(0, 2, 103, { producer: 'kanárek-€-🐦' }),
  consume(1, 1, 150, { producer: 'kanárek-€-🐦', group: 'skupina-🐦' }),
  broker(1, 'down', 120),
  broker(1, 'up', 180),
].join('\r\n');

async function* asyncChunks<T>(chunks: T[]): AsyncGenerator<T> {
  for (const c of chunks) yield c;
}

describe('readHistory', () => {
  it('gives the same report whatever byte boundary the chunks split at, even inside a character', async () => {
    const bytes = Buffer.from(unicode, 'utf8');
    expect(bytes.length).toBeGreaterThan(unicode.length);
    const whole = (await readHistory([bytes])).report();
    expect(whole.totals).toMatchObject({ produced: 2, logged: 2, outOfOrder: 1 });
    expect(whole.anomalies[0]!.producer).toBe('kanárek-€-🐦');
    for (let cut = 1; cut < bytes.length; cut++) {
      const split = [bytes.subarray(0, cut), bytes.subarray(cut)];
      expect((await readHistory(asyncChunks(split))).report()).toEqual(whole);
    }
  });

  it('takes one-byte chunks, string chunks, and Uint8Arrays that are not Buffers', async () => {
    const bytes = Buffer.from(unicode, 'utf8');
    const whole = (await readHistory([unicode])).report();
    const oneByte = [...bytes].map((b) => Uint8Array.of(b));
    expect((await readHistory(asyncChunks(oneByte))).report()).toEqual(whole);
    const strings = unicode.match(/[\s\S]{1,7}/gu)!;
    expect((await readHistory(strings)).report()).toEqual(whole);
  });

  it('names the source, the line and the field when a record is bad, and reports nothing', async () => {
    const bad = `${run()}\n\n${log(0, 1, 3, { seq: 'x' })}\n`;
    const reading = readHistory([bad], { source: 's3://bucket/run-1/history.jsonl.gz' });
    await expect(reading).rejects.toThrow(HistoryFormatError);
    await expect(reading).rejects.toThrow(
      's3://bucket/run-1/history.jsonl.gz: line 3: field seq has "x"; expected an integer',
    );
  });

  it.each([
    [
      '9007199254740993',
      'has a number beyond ±2^53 (9007199254740991), which no JSON reader keeps exact',
    ],
    ['1e400', 'has a number too large to read (it reads as Infinity)'],
  ])(
    'says what a number it cannot keep exact is, not its rounded value: seq %s',
    async (raw, said) => {
      const line = log(0, 1, 3).replace(/"seq":\s*1\b/, `"seq": ${raw}`);
      expect(line).toContain(raw);
      const reading = readHistory([`${run()}\n${line}\n`]);
      await expect(reading).rejects.toThrow(`line 2: field seq ${said}; expected an integer`);
    },
  );

  it('passes on an error from the chunk source itself', async () => {
    async function* broken(): AsyncGenerator<string> {
      yield `${run()}\n`;
      throw new InputError('the S3 stream ended early');
    }
    await expect(readHistory(broken())).rejects.toThrow('the S3 stream ended early');
  });
});

describe('readHistoryLines', () => {
  it('takes lines without their newline, with or without \\r, and numbers blank ones', async () => {
    const lines = unicode.split('\n');
    expect((await readHistoryLines(asyncChunks(lines))).report()).toEqual(
      (await readHistory([unicode])).report(),
    );
    const reading = readHistoryLines(['', run(), '  ', '{oops'], { source: 'event' });
    await expect(reading).rejects.toThrow('event: line 4: not JSON');
  });
});

describe('one pass, many reports', () => {
  it('gives identical reports for identical options, however often it is called', async () => {
    const analysis = await readHistory([readFileSync(join(fixtures, 'rolling-101.jsonl'))]);
    const first = analysis.report({ policy: 'tolerant' });
    const second = analysis.report({ policy: 'tolerant' });
    expect(second).toEqual(first);
    // The phantom duplicates a second finish() used to report.
    expect(second.totals.duplicates).toBe(first.totals.duplicates);
    expect(second.anomalies.filter((a) => a.kind === 'duplicate')).toHaveLength(
      first.anomalies.filter((a) => a.kind === 'duplicate').length,
    );
  });

  it('reports under two policies and windows from one pass as separate passes would', async () => {
    const bytes = readFileSync(join(fixtures, 'rolling-102.jsonl'));
    const analysis = await readHistory([bytes]);
    for (const options of [
      { policy: 'strict' as const },
      { policy: 'tolerant' as const },
      { policy: 'tolerant' as const, windowMs: 1000 },
      { policy: 'strict' as const, maxLeaderSkew: 3 },
    ]) {
      const alone = (await readHistory([bytes])).report(options);
      expect(analysis.report(options)).toEqual(alone);
    }
    expect(analysis.report({ policy: 'strict' }).verdict).toBe('fail');
  });

  it('hands out fresh objects: changing one report does not change the next', async () => {
    const analysis = await readHistory([readFileSync(join(fixtures, 'reachability.jsonl'))]);
    const first = analysis.report();
    first.totals.produced = -1;
    first.partitions[0]!.produced = -1;
    first.reachability!.brokers[0]!.reachable = false;
    first.balance!.totals.offline = 99;
    first.anomalies.push(first.anomalies[0]!);
    const second = analysis.report();
    expect(second.totals.produced).toBe(12);
    expect(second.partitions[0]!.produced).toBe(4);
    expect(second.reachability!.brokers[0]!.reachable).toBe(true);
    expect(second.balance!.totals.offline).toBe(0);
    expect(second.verdict).toBe('warn');
  });

  it('defaults to strict, a 300000 ms window and a 1.5 skew limit', () => {
    const r = analyzeLines([run()]);
    expect(r).toMatchObject({ policy: 'strict', windowMs: 300_000, maxLeaderSkew: 1.5 });
  });

  it.each([
    [{ policy: 'lenient' as 'strict' }, 'policy must be strict or tolerant'],
    [{ windowMs: -1 }, 'windowMs must be a whole number'],
    [{ windowMs: 1.5 }, 'windowMs must be a whole number'],
    [{ maxLeaderSkew: Number.NaN }, 'maxLeaderSkew must be a number ≥ 0'],
  ])('rejects bad report options %j with an InputError', async (options, says) => {
    const analysis = await readHistory([run()]);
    expect(() => analysis.report(options)).toThrow(InputError);
    expect(() => analysis.report(options)).toThrow(says);
  });

  it('refuses records added after finish(), which would change what was reported', () => {
    const analyzer = new HistoryAnalyzer();
    const at = { source: 'h', line: 1 };
    analyzer.finish();
    expect(() => analyzer.add(JSON.parse(run()) as Record<string, unknown>, at)).toThrow(
      VerifierError,
    );
    expect(analyzer.finish()).toBe(analyzer.finish());
  });
});

describe('run records of several runs (issue 19 item 13)', () => {
  it('warns, naming each run, instead of merging them silently; the report keeps the earliest', async () => {
    const one = await readHistory([run(), acked(0, 0)].join('\n'));
    expect(one.mixedRuns).toBeNull();
    const repeated = await readHistory([run(), run(), acked(0, 0)].join('\n'));
    expect(repeated.mixedRuns).toBeNull();
    const mixed = await readHistory(
      [run({ runId: 'r-late', startedAt: 1_763_900_500_000 }), run(), acked(0, 0)].join('\n'),
    );
    expect(mixed.mixedRuns).toContain('run records of 2 different runs (r-late, r-test)');
    expect(mixed.mixedRuns).toContain("The report's run is the earliest, r-test.");
    expect(mixed.report().run?.runId).toBe('r-test');
  });

  it('names at most ten runs and cuts a long runId, so a hostile history cannot swell it', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => run({ runId: `r-${i}-${'x'.repeat(500)}` }));
    const warning = (await readHistory(lines.join('\n'))).mixedRuns ?? '';
    expect(warning).toContain('run records of more than 10 different runs');
    expect(warning.length).toBeLessThan(2_000);
  });
});
