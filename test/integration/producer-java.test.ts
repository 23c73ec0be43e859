/**
 * The Java (kafka-clients) producer of issue 16 (clients/java/CanaryProducer.java,
 * clients/java-producer.ts) against the shared test cluster: started through its
 * driver at `defaults` and at `careful`, each for about 8 s at 100 ms on a fresh topic
 * of 3 partitions, frozen (SIGSTOP) for 1.5 s in the middle so that it must catch up on
 * its schedule, stopped with SIGTERM. What it printed must follow the producer
 * protocol (docs/clients.md) line by line, and the topic read back with kafkajs must
 * hold, at every acked offset, exactly the protocol's payload, written by an
 * idempotent producer (a producer id on the record batches).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ClusterHostsFile } from '../../clients/hosts.js';
import { javaProducerDriver } from '../../clients/java-producer.js';
import { javaProgram, type JavaDriverOptions } from '../../clients/libraries.js';
import type { ClientLaunch } from '../../clients/monitor.js';
import { TextLines } from '../../clients/protocol.js';
import type { ClientSettingsProfile } from '../../clients/profiles.js';
import { sleep, waitFor } from '../../functions/core/wait.js';
import { DEFAULT_KAFKA_VERSION, cachedKafkaLibs } from '../../rehearsal/jars.js';
import { testCluster } from '../support/cluster.js';
import {
  consumeCount,
  createTopic,
  kafkaFor,
  randomTopic,
  trackClients,
} from '../support/kafka.js';

const cluster = testCluster();
const track = trackClients();
const INTERVAL_MS = 100;
/** About 8 s in all: a pause (SIGSTOP) of PAUSE_MS in the middle, then as long again. */
const RUN_MS = 3_000;
const PAUSE_MS = 1_500;

let dir: string;
let hosts: ClusterHostsFile | null = null;
let options: JavaDriverOptions;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kuv-producer-java-'));
  if (cluster.dnsServer !== null) {
    hosts = new ClusterHostsFile(
      { bootstrap: cluster.bootstrap, dnsServer: cluster.dnsServer },
      join(dir, 'hosts'),
    );
    await hosts.ensure();
  }
  const version =
    cachedKafkaLibs(cluster.version) === null ? DEFAULT_KAFKA_VERSION : cluster.version;
  options = { libs: () => cachedKafkaLibs(version), hostsFile: hosts?.path ?? null };
});

afterAll(async () => {
  await hosts?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Children this file started; any still running after a test is killed. */
const children = new Set<number>();
afterEach(() => {
  for (const pid of children) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
});

/** Runs `launch` until `stopWhen` says so (then SIGTERM), returning its stdout lines, stderr and exit. */
async function runChild(
  launch: ClientLaunch,
  stopWhen: ((lines: string[], pid: number) => Promise<void>) | null,
): Promise<{ lines: string[]; stderr: string; exit: Exit }> {
  const child = spawn(launch.command, launch.args, {
    env: { ...process.env, ...launch.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) children.add(child.pid);
  const split = new TextLines();
  const lines: string[] = [];
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => lines.push(...split.push(c)));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  let gone = false;
  void exited.then(() => (gone = true)).catch(() => (gone = true));
  if (stopWhen !== null) {
    await Promise.race([stopWhen(lines, child.pid!), exited]);
    if (!gone) child.kill('SIGTERM');
  }
  // CanaryProducer flushes for at most 30 s after SIGTERM.
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exit = await exited;
  clearTimeout(killer);
  lines.push(...split.end());
  if (child.pid !== undefined) children.delete(child.pid);
  return { lines, stderr, exit };
}

interface Sent {
  partition: number;
  seq: number;
  scheduledAt: number;
  sentAt: number;
  line: number;
}
interface Outcome {
  kind: 'acked' | 'failed';
  partition: number;
  seq: number;
  offset: number | null;
  at: number;
  line: number;
}

const NUMBER = String.raw`(\d+)`;
const SENT = new RegExp(`^# sent ${NUMBER} ${NUMBER} ${NUMBER} ${NUMBER}$`);
const ACKED = new RegExp(`^# acked ${NUMBER} ${NUMBER} ${NUMBER} ${NUMBER}$`);
const FAILED = new RegExp(`^# failed ${NUMBER} ${NUMBER} ${NUMBER} \\S.*$`);
const STOPPED = new RegExp(`^# stopped ${NUMBER} ${NUMBER} ${NUMBER} ${NUMBER}$`);

/** The protocol's lines, read strictly: anything else on stdout fails the test. */
function readProtocol(lines: string[]) {
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

const measured: string[] = [];
afterAll(() => {
  if (measured.length > 0) process.stderr.write(`${measured.join('\n')}\n`);
});

describe('the Java producer (kafka-clients)', () => {
  for (const profile of ['defaults', 'careful'] as const satisfies ClientSettingsProfile[]) {
    it(`at ${profile}: prints the protocol, and every acked record is in the topic at its offset`, async () => {
      const kafka = kafkaFor(cluster);
      const admin = track(kafka.admin());
      await admin.connect();
      const topic = randomTopic('kuv-it-producer-java');
      await createTopic(admin, topic, 3);
      const runId = `r-it-${profile}-${Date.now()}`;
      const launch = await javaProducerDriver(options).launch({
        bootstrap: cluster.bootstrap,
        dnsServer: cluster.dnsServer ?? undefined,
        topic,
        profile,
        runId,
        producer: 'kuv-java',
        intervalMs: INTERVAL_MS,
      });
      expect(launch.library).toMatch(/^java kafka-clients \d/);

      const { lines, stderr, exit } = await runChild(launch, async (out, pid) => {
        await waitFor(() => out.includes('# ready'), {
          what: () => `the Java producer's # ready (stdout so far: ${out.slice(0, 5).join(' | ')})`,
          timeoutMs: 90_000,
          intervalMs: 100,
        });
        await sleep(RUN_MS);
        // Frozen, the producer falls behind its schedule: it must catch up, not skip.
        process.kill(pid, 'SIGSTOP');
        await sleep(PAUSE_MS);
        process.kill(pid, 'SIGCONT');
        await sleep(RUN_MS);
      });
      const why = `stdout head: ${lines.slice(0, 4).join('\n')}\nstderr tail: ${stderr.slice(-2000)}`;
      expect(exit, why).toEqual({ code: 0, signal: null });
      const p = readProtocol(lines);

      // Settings first, effective values as kafka-clients will use them.
      expect(p.settingsLine, why).toBe(0);
      const settings = p.settings;
      expect(settings).not.toBeNull();
      expect(settings).toMatchObject({
        'enable.idempotence': 'true',
        'max.in.flight.requests.per.connection': '5',
        retries: '2147483647',
        'delivery.timeout.ms': '120000',
        'client.id': 'kuv-java',
        partitions: '3',
      });
      expect(['all', '-1']).toContain(settings!.acks);
      for (const key of [
        'request.timeout.ms',
        'linger.ms',
        'batch.size',
        'metadata.max.age.ms',
        'partitioner.class',
        'measurement',
        'set by profile',
      ]) {
        expect(settings, key).toHaveProperty([key]);
      }
      expect(settings!['set by profile']).toBe(
        profile === 'careful'
          ? 'enable.idempotence=true, acks=all'
          : "nothing: the library's shipped defaults",
      );
      expect(p.errors, 'no # error lines').toEqual([]);

      // # ready before any # sent; # stopped last, its counts those of the lines.
      expect(p.sent.length).toBeGreaterThan(0);
      expect(p.readyLine).toBeGreaterThan(p.settingsLine);
      expect(p.readyLine).toBeLessThan(p.sent[0]!.line);
      expect(p.stoppedLine).toBe(lines.length - 1);
      const acked = p.outcomes.filter((o) => o.kind === 'acked');
      const failed = p.outcomes.filter((o) => o.kind === 'failed');
      expect(p.stopped).toEqual([
        p.sent.length,
        acked.length,
        failed.length,
        p.sent.length - acked.length - failed.length,
      ]);

      // Per partition: seqs 0..n-1, scheduledAt stepping by exactly the interval; every
      // tick goes to every partition in turn, so counts differ by at most one.
      const counts: number[] = [];
      for (const partition of [0, 1, 2]) {
        const own = p.sent.filter((s) => s.partition === partition);
        expect(own.map((s) => s.seq)).toEqual(own.map((_, i) => i));
        for (let i = 1; i < own.length; i++) {
          expect(own[i]!.scheduledAt - own[i - 1]!.scheduledAt, `p${partition} seq ${i}`).toBe(
            INTERVAL_MS,
          );
        }
        for (const s of own) expect(s.sentAt).toBeGreaterThanOrEqual(s.scheduledAt);
        counts.push(own.length);
      }
      expect(counts[0]! - counts[2]!).toBeGreaterThanOrEqual(0);
      expect(counts[0]! - counts[2]!).toBeLessThanOrEqual(1);
      expect(new Set(p.sent.map((s) => s.partition))).toEqual(new Set([0, 1, 2]));
      // The ticks due while it was frozen were sent when it woke, each with its own due
      // time (the steps above have no gap): at least one tick to every partition, late.
      const late = p.sent.filter((s) => s.sentAt - s.scheduledAt >= PAUSE_MS / 2);
      expect(new Set(late.map((s) => s.partition)), 'ticks sent late after SIGSTOP').toEqual(
        new Set([0, 1, 2]),
      );

      // Every # sent has exactly one outcome, printed after it.
      const key = (x: { partition: number; seq: number }) => `${x.partition}/${x.seq}`;
      const outcomeOf = new Map<string, Outcome>();
      for (const o of p.outcomes) {
        expect(outcomeOf.has(key(o)), `one outcome for ${key(o)}`).toBe(false);
        outcomeOf.set(key(o), o);
      }
      const sentOf = new Map(p.sent.map((s) => [key(s), s]));
      for (const o of p.outcomes) {
        expect(sentOf.get(key(o))?.line, `# sent before the outcome of ${key(o)}`).toBeLessThan(
          o.line,
        );
      }
      for (const s of p.sent) expect(outcomeOf.has(key(s)), `outcome of ${key(s)}`).toBe(true);

      // The topic, read back: at every acked offset, exactly the protocol's payload.
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
          `{"runId":"${runId}","producer":"kuv-java","seq":${a.seq},"sentAt":${sentOf.get(key(a))!.sentAt}}`,
        );
      }
      // Idempotent in fact: the batches carry a producer id (-1 when not idempotent),
      // one for the whole run; and with no failure the log is exactly the sequence.
      const producerIds = new Set(
        consumed.map(
          ({ message }) =>
            (message as unknown as { batchContext?: { producerId?: string } }).batchContext
              ?.producerId,
        ),
      );
      expect(producerIds.size, JSON.stringify([...producerIds])).toBe(1);
      const producerId = [...producerIds][0];
      expect(producerId).toMatch(/^\d+$/);
      if (failed.length === 0) {
        for (const partition of [0, 1, 2]) {
          expect(ends.get(partition)).toBe(counts[partition]);
        }
        for (const a of acked) expect(a.offset, key(a)).toBe(a.seq);
      }

      measured.push(
        `java producer at ${profile}: sent ${p.sent.length}, acked ${acked.length}, failed ${failed.length}, ` +
          `unreported ${p.stopped![3]}, per partition ${counts.join('/')}, sent late after a ${PAUSE_MS} ms SIGSTOP ${late.length}, ` +
          `most late ${Math.max(...p.sent.map((s) => s.sentAt - s.scheduledAt))} ms, producer id ${producerId}\n` +
          `  settings ${JSON.stringify(settings)}`,
      );
    }, 240_000);
  }

  it('cannot reach the cluster: says so every second, keeps trying, and still stops cleanly on SIGTERM', async () => {
    // A hosts file without the name: the JVM resolves from it alone, so nothing leaves
    // the machine and the bootstrap list never resolves.
    const empty = join(dir, 'hosts-without-brokers');
    writeFileSync(empty, '127.0.0.1 localhost\n');
    const launch = await javaProducerDriver({ ...options, hostsFile: empty }).launch({
      bootstrap: 'broker-9.nowhere.test:9092',
      dnsServer: '127.0.0.1:1',
      topic: 'kuv-it-nowhere',
      profile: 'defaults',
      runId: 'r-it-nowhere',
      producer: 'kuv-java',
      intervalMs: INTERVAL_MS,
    });
    const { lines, stderr, exit } = await runChild(launch, (out) =>
      waitFor(() => out.filter((l) => l.startsWith('# error ')).length >= 2, {
        what: () =>
          `two # error lines from an unreachable Java producer (stdout: ${out.join(' | ')})`,
        timeoutMs: 60_000,
        intervalMs: 100,
      }),
    );
    expect(exit, stderr.slice(-2000)).toEqual({ code: 0, signal: null });
    expect(lines.at(-1)).toBe('# stopped 0 0 0 0');
    for (const line of lines.slice(0, -1)) {
      expect(line).toMatch(
        /^# error cannot create the producer: ConfigException No resolvable bootstrap urls/,
      );
    }
  }, 120_000);

  it('refuses bad arguments with a usage line on stderr and exit 2', async () => {
    const launch = await javaProgram(options, undefined, 'CanaryProducer', [
      'broker-1.kafka.test:9092',
      'topic',
      'kuv-java',
      'r-1',
      '100ms',
      'defaults',
    ]);
    const { lines, stderr, exit } = await runChild(launch, null);
    expect(exit).toEqual({ code: 2, signal: null });
    expect(lines).toEqual([]);
    expect(stderr).toMatch(/INTERVALMS must be a whole number of milliseconds, not '100ms'/);
    expect(stderr).toMatch(/usage: CanaryProducer BOOTSTRAP TOPIC PRODUCER RUNID INTERVALMS/);
  }, 120_000);
});
