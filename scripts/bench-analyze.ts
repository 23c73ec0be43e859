/**
 * Benchmark for `analyze` (npm run bench:analyze): how long it takes on a
 * history of at least a million records, as a ratio to the floor — a loop that
 * only streams the same file and JSON.parses each line — and its peak memory.
 * Each measurement runs in its own child process; the two alternate so that a
 * noisy machine hits both alike. Prints ratios from one run: not a timed test.
 *
 *   npm run bench:analyze [-- --records N] [-- --runs K] [-- --file PATH] [-- --v3]
 *
 * --v3 generates a format-v3 history instead: every send with a `scheduledAt`,
 * and an `offsets` record beside each `leaders` one.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openHistory } from '../bin/history-input.js';
import { readHistory } from '../functions/core/history/index.js';
import { LineSplitter } from '../functions/core/history/lines.js';

const here = fileURLToPath(import.meta.url);
const root = join(dirname(here), '../..');

interface Sample {
  ms: number;
  /** User + system CPU time: steadier than wall time on a machine others are using. */
  cpuMs: number;
  maxRssMB: number;
  records: number;
}

/** Child mode: run one measurement and print it as JSON. */
async function child(mode: string, file: string): Promise<void> {
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let records = 0;
  if (mode === 'floor') {
    let sink = 0;
    const splitter = new LineSplitter((line) => {
      const o = JSON.parse(line) as { type?: unknown };
      if (o.type !== undefined) sink += 1;
      records += 1;
    });
    for await (const chunk of await openHistory(file)) splitter.push(chunk);
    splitter.end();
    if (sink < 0) process.stdout.write('');
  } else {
    // One pass, a report under each policy.
    const analysis = await readHistory(await openHistory(file), { source: file });
    const strict = analysis.report({ policy: 'strict' });
    const tolerant = analysis.report({ policy: 'tolerant' });
    records = strict.totals.produced;
    if (tolerant.totals.produced !== records) throw new Error('bench: the two reports disagree');
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const sample: Sample = { ms, cpuMs, maxRssMB: process.resourceUsage().maxRSS / 1024, records };
  process.stdout.write(JSON.stringify(sample));
}

/** One probe round (three brokers and the bootstrap) and one leaders record, at `at`. */
async function writeChecks(
  write: (o: object) => Promise<void> | void,
  phase: 'baseline' | 'during' | 'after',
  at: number,
  partitions: number,
  ends: readonly number[] | null,
): Promise<void> {
  const stage = { ok: true, ms: 2 };
  for (const broker of [1, 2, 3]) {
    const address = `10.0.0.${broker}`;
    await write({
      type: 'probe',
      endpoint: `b-${broker}.bench.internal:9092`,
      role: 'broker',
      broker,
      phase,
      at,
      dns: { ...stage, addresses: [address] },
      tcp: { ...stage, address },
      kafka: stage,
    });
  }
  await write({
    type: 'probe',
    endpoint: 'bootstrap.bench.internal:9092',
    role: 'bootstrap',
    phase,
    at,
    dns: { ...stage, addresses: ['10.0.0.1', '10.0.0.2', '10.0.0.3'] },
    tcp: { ...stage, address: '10.0.0.1' },
    kafka: stage,
  });
  await write({
    type: 'leaders',
    topic: 'kuv-canary',
    phase,
    at,
    partitions: Array.from({ length: partitions }, (_, partition) => {
      const replicas = [1, 2, 3].map((b) => ((partition + b) % 3) + 1);
      return { partition, leader: replicas[0], replicas, isr: replicas };
    }),
  });
  if (ends !== null) {
    await write({
      type: 'offsets',
      topic: 'kuv-canary',
      phase,
      at,
      partitions: ends.map((end, partition) => ({ partition, end })),
    });
  }
}

/**
 * A rolling-restart-shaped history: `partitions` partitions, one canary
 * producer, every message logged once and consumed by two groups, with a few
 * failures, duplicates, reorderings and redeliveries around three restarts,
 * and a probe round and a leaders record every 10 000 messages. About 4
 * records per message, so records / 4 messages.
 */
async function generate(file: string, records: number, v3: boolean): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  const out = createWriteStream(partial);
  const write = (o: object): Promise<void> | void => {
    if (!out.write(`${JSON.stringify(o)}\n`)) {
      return new Promise((resolve) => out.once('drain', () => resolve()));
    }
  };
  const t0 = 1_763_900_000_000;
  const partitions = 12;
  const messages = Math.ceil(records / 4);
  await write({ type: 'run', runId: 'bench', cluster: 'bench', startedAt: t0 });
  const restarts = [0.25, 0.5, 0.75].map((f, i) => ({
    broker: i + 1,
    at: t0 + Math.floor(messages * f),
  }));
  for (const r of restarts) {
    await write({ type: 'broker', broker: r.broker, event: 'down', at: r.at });
    await write({ type: 'broker', broker: r.broker, event: 'up', at: r.at + 15_000 });
  }
  const offsets = new Array<number>(partitions).fill(0);
  const ends = v3 ? offsets : null;
  await writeChecks(write, 'baseline', t0, partitions, ends);
  for (let m = 0; m < messages; m++) {
    if (m > 0 && m % 10_000 === 0) await writeChecks(write, 'during', t0 + m, partitions, ends);
    const partition = m % partitions;
    const seq = Math.floor(m / partitions);
    const sentAt = t0 + m;
    const failed = m % 5003 === 0;
    const offset = offsets[partition]!++;
    const send = v3
      ? {
          type: 'produce',
          producer: 'canary',
          partition,
          seq,
          sentAt,
          scheduledAt: sentAt - (m % 3),
        }
      : { type: 'produce', producer: 'canary', partition, seq, sentAt };
    await write(
      failed
        ? { ...send, ok: false, failedAt: sentAt + 30_000, error: 'REQUEST_TIMED_OUT' }
        : { ...send, ok: true, ackedAt: sentAt + 3 + (m % 17), offset },
    );
    await write({ type: 'log', partition, offset, producer: 'canary', seq, timestamp: sentAt + 2 });
    if (m % 9973 === 0) {
      // A duplicate written by a retry.
      const dup = offsets[partition]!++;
      await write({
        type: 'log',
        partition,
        offset: dup,
        producer: 'canary',
        seq,
        timestamp: sentAt + 4,
      });
    }
    await write({
      type: 'consume',
      group: 'canary-a',
      consumer: 'c-1',
      partition,
      offset,
      producer: 'canary',
      seq,
      receivedAt: sentAt + 20,
    });
    await write({
      type: 'consume',
      group: 'canary-b',
      consumer: 'c-2',
      partition,
      offset,
      producer: 'canary',
      seq,
      receivedAt: sentAt + 25,
    });
    if (m % 7919 === 0) {
      await write({
        type: 'consume',
        group: 'canary-a',
        consumer: 'c-3',
        partition,
        offset,
        producer: 'canary',
        seq,
        receivedAt: sentAt + 900,
      });
    }
  }
  await writeChecks(write, 'after', t0 + messages, partitions, ends);
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  renameSync(partial, file);
}

function measure(mode: 'floor' | 'analyze', file: string): Sample {
  const r = spawnSync(process.execPath, [here, '--child', mode, '--file', file], {
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    throw new Error(`bench child '${mode}' failed with status ${r.status}: ${r.stderr}`);
  }
  return JSON.parse(r.stdout) as Sample;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      file: { type: 'string' },
      records: { type: 'string', default: '1000000' },
      runs: { type: 'string', default: '5' },
      v3: { type: 'boolean', default: false },
    },
  });
  if (values.child !== undefined) return child(values.child, values.file!);

  const records = Number(values.records);
  const runs = Number(values.runs);
  if (!Number.isSafeInteger(records) || records < 1000 || !Number.isSafeInteger(runs) || runs < 1) {
    throw new Error('bench:analyze: --records must be an integer ≥ 1000 and --runs ≥ 1');
  }
  const format = values.v3 ? 'v3' : 'v2';
  const file = values.file ?? join(root, '.cache/bench', `history-${format}-${records}.jsonl`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${file} (${records} records, format ${format})…\n`);
    await generate(file, records, values.v3);
  }
  process.stderr.write(`history ${file}: ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB\n`);

  const floor: Sample[] = [];
  const analyze: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    floor.push(measure('floor', file));
    analyze.push(measure('analyze', file));
    process.stderr.write(
      `run ${i + 1}/${runs}: floor ${floor[i]!.ms.toFixed(0)} ms (cpu ${floor[i]!.cpuMs.toFixed(0)}), ` +
        `analyze ${analyze[i]!.ms.toFixed(0)} ms (cpu ${analyze[i]!.cpuMs.toFixed(0)})\n`,
    );
  }
  const floorMs = median(floor.map((s) => s.ms));
  const analyzeMs = median(analyze.map((s) => s.ms));
  const floorCpu = median(floor.map((s) => s.cpuMs));
  const analyzeCpu = median(analyze.map((s) => s.cpuMs));
  const best = (xs: Sample[]): number => Math.min(...xs.map((s) => s.ms));
  const leastCpu = (xs: Sample[]): number => Math.min(...xs.map((s) => s.cpuMs));
  const peak = Math.max(...analyze.map((s) => s.maxRssMB));
  const floorPeak = Math.max(...floor.map((s) => s.maxRssMB));
  const lines = floor[0]!.records;
  process.stdout.write(
    [
      `records            ${lines}`,
      `floor (parse only) ${floorMs.toFixed(0)} ms  (median of ${runs}), peak RSS ${floorPeak.toFixed(0)} MB`,
      `analyze            ${analyzeMs.toFixed(0)} ms  (median of ${runs}), peak RSS ${peak.toFixed(0)} MB`,
      `ratio analyze/floor ${(analyzeMs / floorMs).toFixed(2)}   (medians; target ≤ 1.2)`,
      `ratio of best runs  ${(best(analyze) / best(floor)).toFixed(2)}   (the least disturbed run of each)`,
      `ratio of CPU time   ${(analyzeCpu / floorCpu).toFixed(2)}   (medians of user + system time: ${analyzeCpu.toFixed(0)} / ${floorCpu.toFixed(0)} ms)`,
      `ratio of least CPU  ${(leastCpu(analyze) / leastCpu(floor)).toFixed(2)}   (the run of each that others disturbed least)`,
      `peak memory        ${peak.toFixed(0)} MB   (target ≤ 256 MB)`,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
