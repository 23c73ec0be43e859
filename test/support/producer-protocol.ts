/**
 * The producer protocol (docs/clients.md, "The producer protocol") checked on a
 * producer child's stdout, strictly, and what it says it wrote checked against the
 * topic: the checks every library's producer test shares.
 */
import { spawn, type ChildProcess } from 'node:child_process';

import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { afterEach, expect } from 'vitest';

import type { ProducerDriver } from '../../clients/monitor.js';
import type { ClientSettingsProfile } from '../../clients/profiles.js';
import { TextLines } from '../../clients/protocol.js';
import { sleep, waitFor } from '../../functions/core/wait.js';
import type { TestCluster } from './cluster.js';
import { consumeCount, createTopic, kafkaFor, randomTopic, type trackClients } from './kafka.js';

export interface Sent {
  partition: number;
  seq: number;
  scheduledAt: number;
  sentAt: number;
  line: number;
}

export interface Outcome {
  kind: 'acked' | 'failed';
  partition: number;
  seq: number;
  offset: number | null;
  at: number;
  line: number;
}

export interface ProducerLines {
  sent: Sent[];
  outcomes: Outcome[];
  errors: string[];
  settings: Record<string, string> | null;
  settingsLine: number;
  readyLine: number;
  stopped: number[] | null;
  stoppedLine: number;
}

const NUMBER = String.raw`(\d+)`;
const SENT = new RegExp(`^# sent ${NUMBER} ${NUMBER} ${NUMBER} ${NUMBER}$`);
const ACKED = new RegExp(`^# acked ${NUMBER} ${NUMBER} ${NUMBER} ${NUMBER}$`);
const FAILED = new RegExp(`^# failed ${NUMBER} ${NUMBER} ${NUMBER} \\S.*$`);
const STOPPED = new RegExp(`^# stopped ${NUMBER} ${NUMBER} ${NUMBER} ${NUMBER}$`);

/** The protocol's lines, read strictly: anything else on stdout fails the test. */
export function readProducerLines(lines: string[]): ProducerLines {
  const sent: Sent[] = [];
  const outcomes: Outcome[] = [];
  const errors: string[] = [];
  let settings: Record<string, string> | null = null;
  let settingsLine = -1;
  let readyLine = -1;
  let stopped: number[] | null = null;
  let stoppedLine = -1;
  for (const [line, text] of lines.entries()) {
    let m: RegExpExecArray | null;
    if (text.startsWith('# settings ')) {
      expect(settings, 'one # settings line').toBeNull();
      settings = JSON.parse(text.slice('# settings '.length)) as Record<string, string>;
      settingsLine = line;
    } else if (text === '# ready') {
      expect(readyLine, 'one # ready line').toBe(-1);
      readyLine = line;
    } else if ((m = SENT.exec(text)) !== null) {
      const [p, seq, scheduledAt, sentAt] = m.slice(1).map(Number) as [
        number,
        number,
        number,
        number,
      ];
      sent.push({ partition: p, seq, scheduledAt, sentAt, line });
    } else if ((m = ACKED.exec(text)) !== null) {
      const [p, seq, offset, at] = m.slice(1).map(Number) as [number, number, number, number];
      outcomes.push({ kind: 'acked', partition: p, seq, offset, at, line });
    } else if ((m = FAILED.exec(text)) !== null) {
      const [p, seq, at] = m.slice(1).map(Number) as [number, number, number];
      outcomes.push({ kind: 'failed', partition: p, seq, offset: null, at, line });
    } else if ((m = STOPPED.exec(text)) !== null) {
      stopped = m.slice(1).map(Number);
      stoppedLine = line;
    } else if (text.startsWith('# error ')) {
      errors.push(text);
    } else {
      expect.fail(`line ${line + 1} is not a producer protocol line: ${JSON.stringify(text)}`);
    }
  }
  return { sent, outcomes, errors, settings, settingsLine, readyLine, stopped, stoppedLine };
}

export interface CheckedRun {
  acked: (Outcome & { offset: number; sentAt: number })[];
  failed: number;
  /** Messages sent per partition, 0..partitions-1. */
  counts: number[];
}

/**
 * What every producer run must show: settings, then ready, before the first send;
 * `# stopped` last with the counts of the lines; per partition seqs 0..n-1 and due times
 * exactly `intervalMs` apart (no tick skipped), none sent before it was due; every send
 * with exactly one outcome, printed after it, and no outcome without a send.
 */
export function expectProducerRun(
  p: ProducerLines,
  lines: string[],
  { partitions, intervalMs }: { partitions: number; intervalMs: number },
): CheckedRun {
  expect(p.settings, 'a # settings line').not.toBeNull();
  expect(p.sent.length, 'sends').toBeGreaterThan(0);
  expect(p.readyLine).toBeGreaterThan(p.settingsLine);
  expect(p.readyLine).toBeLessThan(p.sent[0]!.line);
  expect(p.stoppedLine, '# stopped is the last line').toBe(lines.length - 1);
  const acked = p.outcomes.filter((o) => o.kind === 'acked');
  const failed = p.outcomes.length - acked.length;
  expect(p.stopped).toEqual([
    p.sent.length,
    acked.length,
    failed,
    p.sent.length - acked.length - failed,
  ]);
  const counts: number[] = [];
  for (let partition = 0; partition < partitions; partition++) {
    const own = p.sent.filter((s) => s.partition === partition);
    expect(
      own.map((s) => s.seq),
      `p${partition} seqs`,
    ).toEqual(own.map((_, i) => i));
    for (let i = 1; i < own.length; i++) {
      expect(own[i]!.scheduledAt - own[i - 1]!.scheduledAt, `p${partition} seq ${i}`).toBe(
        intervalMs,
      );
    }
    // Never sent before it was due; 1 ms for rounding: the librdkafka producer schedules
    // on the monotonic clock and prints both times converted to wall-clock milliseconds.
    for (const s of own) expect(s.sentAt).toBeGreaterThanOrEqual(s.scheduledAt - 1);
    counts.push(own.length);
  }
  expect(new Set(p.sent.map((s) => s.partition)).size, 'partitions sent to').toBe(partitions);
  const key = (x: { partition: number; seq: number }) => `${x.partition}/${x.seq}`;
  const sentOf = new Map(p.sent.map((s) => [key(s), s]));
  const outcomeOf = new Map<string, Outcome>();
  for (const o of p.outcomes) {
    expect(outcomeOf.has(key(o)), `one outcome for ${key(o)}`).toBe(false);
    outcomeOf.set(key(o), o);
    expect(sentOf.get(key(o))?.line, `# sent before the outcome of ${key(o)}`).toBeLessThan(o.line);
  }
  for (const s of p.sent) expect(outcomeOf.has(key(s)), `outcome of ${key(s)}`).toBe(true);
  return {
    acked: acked.map((a) => ({ ...a, offset: a.offset!, sentAt: sentOf.get(key(a))!.sentAt })),
    failed,
    counts,
  };
}

/**
 * Reads `topic` to its end offsets and checks that at every acked offset is exactly
 * the protocol's payload, with no key; returns what it read.
 */
export async function expectAckedInTopic(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  { runId, producer }: { runId: string; producer: string },
  acked: CheckedRun['acked'],
): Promise<{ partition: number; message: KafkaMessage }[]> {
  const ends = new Map(
    (await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]),
  );
  const consumed = await consumeCount(kafka, topic, acked.length, 60_000, undefined, (got) => {
    const reached = new Map<number, number>();
    for (const { partition, message } of got) {
      reached.set(partition, Math.max(reached.get(partition) ?? 0, Number(message.offset) + 1));
    }
    return [...ends].every(([partition, end]) => (reached.get(partition) ?? 0) >= end);
  });
  const atOffset = new Map(
    consumed.map(({ partition, message }) => [`${partition}@${message.offset}`, message]),
  );
  for (const a of acked) {
    const record = atOffset.get(`${a.partition}@${a.offset}`);
    expect(record, `record at ${a.partition}@${a.offset}`).toBeDefined();
    expect(record!.key).toBeNull();
    expect(record!.value?.toString()).toBe(
      `{"runId":"${runId}","producer":"${producer}","seq":${a.seq},"sentAt":${a.sentAt}}`,
    );
  }
  return consumed;
}

/**
 * Runs a producer (its driver's command) on a fresh topic of `partitions` for `runMs`
 * after its `# ready`, then SIGTERM; it must exit 0. `children` collects the process for
 * the test file's cleanup; `track` is the file's kafkajs client tracker.
 */
export async function runProducerOnFreshTopic(
  cluster: TestCluster,
  driver: ProducerDriver,
  options: {
    profile: ClientSettingsProfile;
    producer: string;
    partitions: number;
    intervalMs: number;
    runMs: number;
  },
  track: ReturnType<typeof trackClients>,
  children: ChildProcess[],
): Promise<{
  lines: string[];
  topic: string;
  runId: string;
  kafka: Kafka;
  admin: Admin;
  library: string;
}> {
  const kafka = kafkaFor(cluster);
  const admin = track(kafka.admin());
  await admin.connect();
  const topic = randomTopic(`kuv-it-producer-${driver.name}`);
  await createTopic(admin, topic, options.partitions);
  const runId = `r-it-${options.profile}-${Date.now()}`;
  const launch = await driver.launch({
    bootstrap: cluster.bootstrap,
    dnsServer: cluster.dnsServer ?? undefined,
    topic,
    profile: options.profile,
    runId,
    producer: options.producer,
    intervalMs: options.intervalMs,
  });
  const child = spawn(launch.command, launch.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  const lines: string[] = [];
  const splitter = new TextLines();
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => lines.push(...splitter.push(c)));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  await waitFor(() => lines.includes('# ready') || child.exitCode !== null, {
    what: () =>
      `the ${driver.name} producer's # ready (stdout: ${lines.join(' | ')}; stderr: ${stderr})`,
    timeoutMs: 60_000,
    intervalMs: 100,
  });
  expect(child.exitCode, stderr).toBe(null);
  await sleep(options.runMs);
  child.kill('SIGTERM');
  expect(await exited, stderr).toBe(0);
  lines.push(...splitter.end());
  return { lines, topic, runId, kafka, admin, library: launch.library };
}

/**
 * The producer processes a test file starts (runProducerOnFreshTopic's `children`):
 * any still running after a test, its whole process group is killed.
 */
export function producerChildren(): ChildProcess[] {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });
  return children;
}
