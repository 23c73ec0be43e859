/**
 * `kafka-upgrade-verifier run` against the shared integration cluster: a short run as
 * a user runs it, and the failure paths that must stop it before it writes anything.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import dgram from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { runCanary } from '../../functions/core/canary/run.js';
import { GzipFileSink, MemorySink } from '../../functions/core/canary/sink.js';
import { CanarySession } from '../../functions/core/canary/session.js';
import { parseState, serializeState } from '../../functions/core/canary/state.js';
import { ensureCanaryTopic } from '../../functions/core/canary/topic.js';
import { judgeHistoryFile } from '../../functions/core/run/judge.js';
import { analyzeLines } from '../../functions/core/history/index.js';
import type { Emit, RunMonitor } from '../../functions/core/probe/monitor.js';
import { brokersLeadingNothing } from '../../functions/core/canary/placement.js';
import { runCli, startCli, waitForOutput } from '../support/cli.js';
import { testCluster } from '../support/cluster.js';
import { identity, readHistory } from '../support/history.js';
import { kafkaFor, randomTopic, trackClients } from '../support/kafka.js';
import { sleep } from '../../functions/core/wait.js';

const cluster = testCluster();
const track = trackClients();
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function outDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kuv-it-run-'));
  dirs.push(d);
  return join(d, 'run');
}

/** A client of the shared cluster, its connected admin (disconnected after the test), its broker ids. */
async function connect() {
  const kafka = kafkaFor(cluster);
  const admin = track(kafka.admin());
  await admin.connect();
  const brokers = (await admin.describeCluster()).brokers
    .map((b) => b.nodeId)
    .sort((a, b) => a - b);
  return { kafka, admin, brokers };
}

const connectionArgs = [
  '--bootstrap',
  cluster.bootstrap,
  ...(cluster.dnsServer === null ? [] : ['--dns-server', cluster.dnsServer]),
];

describe('run', () => {
  it('a 20 s canary + 5 s settle passes: folder complete, every acked record read back and consumed', async () => {
    const out = outDir();
    const topic = randomTopic('kuv-it-canary');
    // A user's topic with 30 records in it, watched read-only with --topics.
    const userTopic = randomTopic('kuv-it-orders');
    const { kafka, admin } = await connect();
    await admin.createTopics({
      topics: [{ topic: userTopic, numPartitions: 2 }],
      waitForLeaders: true,
    });
    const writer = track(kafka.producer());
    await writer.connect();
    await writer.send({
      topic: userTopic,
      messages: Array.from({ length: 30 }, (_, i) => ({ partition: i % 2, value: `o-${i}` })),
    });
    const began = Date.now();
    const r = await runCli([
      'run',
      ...connectionArgs,
      '--topic',
      topic,
      '--topics',
      userTopic,
      '--duration',
      '20s',
      '--settle',
      '5s',
      '--slice',
      '10s',
      '--out',
      out,
      '--format',
      'json',
    ]);
    const tookMs = Date.now() - began;
    expect(r.stderr).not.toContain('\x1b'); // not a TTY: plain progress lines
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      verdict: string;
      totals: { produced: number; acked: number } & Record<string, number>;
      partitions: unknown[];
    };
    expect(report.verdict).toBe('pass');
    for (const f of ['history.jsonl.gz', 'report.json', 'summary.txt', 'report.html']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    // The page a person opens: self-contained, showing this run's verdict.
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/^<!doctype html>[\s\S]*PASS/i);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).toEqual(report);
    expect(readFileSync(join(out, 'summary.txt'), 'utf8')).toMatch(/VERDICT: PASS/);

    const history = readHistory(join(out, 'history.jsonl.gz'));
    const run = history.filter((h) => h.type === 'run');
    expect(run[0]).toMatchObject({ topic, producerMode: 'idempotent', partitions: 6 });
    expect(run.at(-1)).toMatchObject({ closing: true, runId: run[0]!.runId });
    expect(typeof run.at(-1)!.endedAt).toBe('number');
    expect(history.filter((h) => h.type === 'slice').length).toBeGreaterThanOrEqual(3);

    const partitions = report.partitions.length;
    expect(partitions).toBe(6);
    // 20 s / 100 ms × 6 partitions = 1200 ticks, and every tick is sent: one whose
    // partition still has its idempotent send in flight waits in the queue (never
    // skipped), a tick a stalled event loop missed goes late with its own scheduledAt.
    // A slice boundary may add one tick per partition.
    const expected = (20_000 / 100) * partitions;
    const closing = run.at(-1)!.counters as { sent: number; queueFull: number };
    expect(closing.sent).toBe(report.totals.produced);
    expect(closing.queueFull).toBe(0);
    expect(report.totals.produced).toBeGreaterThanOrEqual(expected * 0.99);
    expect(report.totals.produced).toBeLessThanOrEqual(expected + partitions * 4);
    const produced = history.filter((h) => h.type === 'produce');
    expect(produced.every((h) => Number.isSafeInteger(h.scheduledAt))).toBe(true);

    // offsets records (ListOffsets end offsets) for the canary topic and the user's,
    // at baseline, every poll and after: the canary's grew by exactly what was sent,
    // the user's topic stayed at its 30 records (read-only), and it got leaders too.
    const offsets = (t: string, phase: string) =>
      history.filter((h) => h.type === 'offsets' && h.topic === t && h.phase === phase);
    const ends = (h: Record<string, unknown>) =>
      (h.partitions as { partition: number; end: number }[]).map((p) => p.end);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(offsets(topic, 'during').length).toBeGreaterThanOrEqual(10);
    expect(sum(ends(offsets(topic, 'after')[0]!)) - sum(ends(offsets(topic, 'baseline')[0]!))).toBe(
      report.totals.produced,
    );
    expect(ends(offsets(userTopic, 'baseline')[0]!)).toEqual([15, 15]);
    expect(ends(offsets(userTopic, 'after')[0]!)).toEqual([15, 15]);
    expect(history.some((h) => h.type === 'leaders' && h.topic === userTopic)).toBe(true);
    expect(report.totals).toMatchObject({ lost: 0, duplicates: 0, failed: 0, skipped: 0 });

    const acked = new Set(
      history.filter((h) => h.type === 'produce' && h.ok === true).map(identity),
    );
    const logged = new Set(history.filter((h) => h.type === 'log').map(identity));
    const consumed = new Set(history.filter((h) => h.type === 'consume').map(identity));
    expect(acked.size).toBe(report.totals.acked);
    expect([...acked].filter((id) => !logged.has(id))).toEqual([]);
    expect([...acked].filter((id) => !consumed.has(id))).toEqual([]);
    process.stderr.write(
      `run 20s+5s: ${tookMs} ms wall, ${report.totals.produced} produced (${(report.totals.produced / 20).toFixed(1)}/s)\n`,
    );
  });

  it('an at-least-once run of 8 s passes too and says so in its run record', async () => {
    const out = outDir();
    const r = await runCli([
      'run',
      ...connectionArgs,
      '--topic',
      randomTopic('kuv-it-canary'),
      '--producer',
      'at-least-once',
      '--duration',
      '8s',
      '--settle',
      '2s',
      '--out',
      out,
      '--quiet',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/VERDICT: PASS/);
    expect(readHistory(join(out, 'history.jsonl.gz'))[0]).toMatchObject({
      type: 'run',
      producerMode: 'at-least-once',
    });
  });
});

describe('run refuses a cluster it cannot use, before writing anything (exit 2, no report)', () => {
  async function refused(args: string[], message: RegExp, maxMs = 15_000) {
    const out = outDir();
    const began = Date.now();
    const r = await runCli(['run', ...args, '--duration', '5s', '--out', out]);
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(existsSync(join(out, 'report.json'))).toBe(false);
    expect(existsSync(join(out, 'report.html'))).toBe(false);
    expect(existsSync(join(out, 'summary.txt'))).toBe(false);
    expect(Date.now() - began).toBeLessThan(maxMs);
  }

  it('nothing listening at the bootstrap address', async () => {
    await refused(
      ['--bootstrap', '127.0.0.1:9', '--dns-server', cluster.dnsServer ?? '127.0.0.1:53'],
      /cannot connect to bootstrap 127\.0\.0\.1:9: nothing listens there \(ECONNREFUSED\)/,
    );
  });

  it.skipIf(cluster.dnsServer === null)('a broker name the DNS server does not know', async () => {
    await refused(
      ['--bootstrap', 'no-such-broker.kafka.test:9092', '--dns-server', cluster.dnsServer!],
      /bootstrap name no-such-broker\.kafka\.test does not resolve: DNS server 127\.0\.0\.1:\d+ has no address for it/,
    );
  });

  it('a DNS server that does not answer', async () => {
    // A UDP socket that reads queries and never answers.
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    const port = silent.address().port;
    try {
      await refused(
        ['--bootstrap', 'broker-1.kafka.test:9092', '--dns-server', `127.0.0.1:${port}`],
        new RegExp(
          `DNS server 127\\.0\\.0\\.1:${port} did not answer when asked for broker-1\\.kafka\\.test \\(ETIMEOUT\\)`,
        ),
      );
    } finally {
      silent.close();
    }
  });

  it('a canary topic that exists with replication factor 1', async () => {
    const { admin } = await connect();
    const topic = randomTopic('kuv-it-canary-rf1');
    await admin.createTopics({
      topics: [{ topic, numPartitions: 6, replicationFactor: 1 }],
      waitForLeaders: false,
    });
    try {
      await refused(
        [...connectionArgs, '--topic', topic],
        new RegExp(
          `the canary topic ${topic} exists with replication factor 1: a broker restart takes its partitions offline`,
        ),
        30_000,
      );
    } finally {
      // Left behind, its partitions go offline whenever a later test stops a broker, and
      // kafkajs then refuses every metadata answer of the cluster (docs/gate.md).
      await admin.deleteTopics({ topics: [topic], timeout: 30_000 });
    }
  });
});

describe('canary topic adoption', () => {
  it('moves replicas so that a broker leading no partition (one added since) becomes a preferred leader', async () => {
    const { admin, brokers } = await connect();
    if (brokers.length < 3) expect.fail('needs a cluster of 3 brokers');
    const topic = randomTopic('kuv-it-canary-adopt');
    // Broker 3 leads nothing, as if it joined after the topic was made.
    await admin.createTopics({
      topics: [
        {
          topic,
          replicaAssignment: [
            { partition: 0, replicas: [1, 2, 3] },
            { partition: 1, replicas: [2, 3, 1] },
            { partition: 2, replicas: [1, 3, 2] },
            { partition: 3, replicas: [2, 1, 3] },
          ],
        },
      ],
      waitForLeaders: false,
    });
    const adopted = await ensureCanaryTopic(admin, { topic, brokers });
    expect(adopted).toMatchObject({ created: false, reassigned: true });
    expect(brokersLeadingNothing(brokers, adopted.placement)).toEqual([]);
    const again = await ensureCanaryTopic(admin, { topic, brokers });
    expect(again).toMatchObject({ created: false, reassigned: false });
  });

  it('creates a fresh topic with 2 × brokers partitions, RF 3 and min.insync.replicas 2', async () => {
    const { admin, brokers } = await connect();
    const topic = randomTopic('kuv-it-canary-fresh');
    const made = await ensureCanaryTopic(admin, { topic, brokers });
    expect(made.created).toBe(true);
    expect(made.placement).toHaveLength(2 * brokers.length);
    expect(brokersLeadingNothing(brokers, made.placement)).toEqual([]);
    const configs = await admin.describeConfigs({
      resources: [{ type: 2, name: topic, configNames: ['min.insync.replicas', 'retention.ms'] }],
      includeSynonyms: false,
    });
    const entries = Object.fromEntries(
      configs.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]),
    );
    expect(entries).toEqual({ 'min.insync.replicas': '2', 'retention.ms': '3600000' });
  });
});

describe('runCanary in-process (what a Lambda driver calls)', () => {
  class RecordingMonitor implements RunMonitor {
    readonly calls: string[] = [];
    ticks = 0;
    constructor(
      readonly name: string,
      private readonly failTicks = false,
    ) {}
    async baseline(emit: Emit) {
      this.calls.push('baseline');
      emit({ type: 'monitor-test', monitor: this.name, phase: 'baseline' });
    }
    async tick(_emit: Emit, now: number) {
      expect(Number.isInteger(now)).toBe(true);
      this.ticks += 1;
      this.calls.push('tick');
      if (this.failTicks) throw new Error('probe exploded');
    }
    async after(emit: Emit) {
      this.calls.push('after');
      emit({ type: 'monitor-test', monitor: this.name, phase: 'after' });
    }
    state() {
      return { ticks: this.ticks };
    }
    async close() {
      this.calls.push('close');
    }
  }

  it('calls every monitor: baseline, ~1 tick/s through canary and settle, after, state per slice, close; Ctrl-C (stopCanary) ends the canary early', async () => {
    const { kafka, brokers } = await connect();
    const sink = new MemorySink();
    const good = new RecordingMonitor('recorder');
    const bad = new RecordingMonitor('exploding', true);
    const stopCanary = new AbortController();
    setTimeout(() => stopCanary.abort(), 9000);
    const state = await runCanary(
      { kafka, sink, monitors: [good, bad], stopCanary: stopCanary.signal },
      {
        runId: `r-it-${Date.now()}`,
        cluster: 'it',
        topic: randomTopic('kuv-it-canary'),
        group: randomTopic('kuv-it-group'),
        mode: 'idempotent',
        intervalMs: 100,
        durationMs: 300_000,
        settleMs: 2000,
        brokers,
        sliceMs: 2000,
      },
    );
    expect(state.phase).toBe('done');
    expect(state.canaryEndsAt - state.canaryStartedAt).toBeLessThan(15_000);
    for (const m of [good, bad]) {
      expect(m.calls[0]).toBe('baseline');
      expect(m.calls.slice(-2)).toEqual(['after', 'close']);
      expect(m.ticks).toBeGreaterThanOrEqual(3);
      expect(state.monitors[m.name]).toEqual({ ticks: m.ticks });
    }
    expect(state.lastError?.error).toMatch(/^monitor exploding tick: probe exploded$/);
    expect(sink.closed).toBe(true);
    expect(sink.flushed).toBe(sink.records.length);
    const types = sink.records.map((r) => r.type);
    expect(types[0]).toBe('run');
    expect(types.at(-1)).toBe('run');
    expect(types.filter((t) => t === 'monitor-test')).toHaveLength(4);
    expect(types.filter((t) => t === 'slice').length).toBe(state.slices);
    const report = analyzeLines(
      sink.records.map((r) => JSON.stringify(r)),
      { policy: 'strict', windowMs: 300_000 },
    );
    expect(report.verdict).toBe('pass');
    expect(report.totals.acked).toBe(state.counters.acked);
    expect(state.counters.logged).toBe(state.counters.acked);
  });
});

describe('slices as a Lambda runs them: a new session per slice, the state through JSON', () => {
  it('begin, slices and verify in separate sessions add up to one complete, passing history', async () => {
    const { kafka, brokers } = await connect();
    const path = join(outDir(), 'history.jsonl.gz');
    const session = () =>
      new CanarySession({ kafka, sink: new GzipFileSink(path), keepClients: false });

    let text: string;
    const first = session();
    try {
      text = serializeState(
        await first.begin({
          runId: `r-it-${Date.now()}`,
          cluster: 'it',
          topic: randomTopic('kuv-it-canary'),
          group: randomTopic('kuv-it-group'),
          mode: 'idempotent',
          intervalMs: 100,
          durationMs: 5000,
          settleMs: 2000,
          brokers,
        }),
      );
    } finally {
      await first.close();
    }
    let state = parseState(text);
    while (state.phase === 'canary' || state.phase === 'settle') {
      const s = session();
      try {
        text = serializeState(await s.slice(parseState(text), 2500));
      } finally {
        await s.close();
      }
      state = parseState(text);
      // Each slice drained its sends: every send it started has its outcome recorded.
      expect(state.counters.sent).toBe(state.counters.acked + state.counters.failed);
    }
    const last = session();
    try {
      state = await last.verify(state);
    } finally {
      await last.close();
    }
    expect(state.phase).toBe('done');
    expect(state.slices).toBeGreaterThanOrEqual(3);
    const { report } = await judgeHistoryFile(path, { policy: 'strict', windowMs: 300_000 });
    process.stderr.write(
      `lambda-style slices: ${state.slices} slices, ${report.totals.produced} produced, redelivered ${report.totals.redelivered}, verdict ${report.verdict}\n`,
    );
    expect(report.totals).toMatchObject({ lost: 0, duplicates: 0, skipped: 0, outOfOrder: 0 });
    expect(report.totals.acked).toBe(state.counters.acked);
    expect(report.totals.produced).toBeGreaterThan(0);
    const history = readHistory(path);
    const consumed = new Set(history.filter((h) => h.type === 'consume').map(identity));
    const acked = history.filter((h) => h.type === 'produce' && h.ok === true).map(identity);
    expect(acked.filter((id) => !consumed.has(id))).toEqual([]);
  });
});

describe('a run killed mid-slice', () => {
  it('keeps every flushed slice readable, says where it stopped, and leaves no report', async () => {
    const out = outDir();
    const run = startCli([
      'run',
      ...connectionArgs,
      '--topic',
      randomTopic('kuv-it-canary'),
      '--duration',
      '5m',
      '--slice',
      '2s',
      '--out',
      out,
    ]);
    await waitForOutput(run, 'canary: ');
    await sleep(5500);
    run.child.kill('SIGKILL'); // no handler runs: what a lost Lambda or a crash leaves
    const r = await run.done;
    expect(r.signal).toBe('SIGKILL');
    expect(existsSync(join(out, 'report.json'))).toBe(false);
    expect(existsSync(join(out, 'report.html'))).toBe(false);
    expect(existsSync(join(out, 'summary.txt'))).toBe(false);
    const history = readHistory(join(out, 'history.jsonl.gz')); // every member gunzips
    const slices = history.filter((h) => h.type === 'slice');
    expect(slices.length).toBeGreaterThanOrEqual(2);
    expect(slices.map((s) => s.slice)).toEqual(slices.map((_, i) => i + 1));
    // No closing run record: the run did not finish. The last slice record is where it stopped.
    expect(history.filter((h) => h.type === 'run')).toHaveLength(1);
    const last = slices.at(-1)!;
    expect(history.filter((h) => h.type === 'produce').length).toBeGreaterThanOrEqual(
      (last.acked as number) + (last.failed as number),
    );
    // The analyzer reads what is there: nothing was read back, so nothing is called lost.
    const { report } = await judgeHistoryFile(join(out, 'history.jsonl.gz'), {
      policy: 'strict',
      windowMs: 300_000,
    });
    expect(report.totals.lost).toBeNull();
    expect(report.totals.produced).toBeGreaterThan(0);
  });
});
