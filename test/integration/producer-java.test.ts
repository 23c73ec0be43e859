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
import {
  expectAckedInTopic,
  expectProducerRun,
  readProducerLines,
} from '../support/producer-protocol.js';
import type { ClientSettingsProfile } from '../../clients/profiles.js';
import { sleep, waitFor } from '../../functions/core/wait.js';
import { DEFAULT_KAFKA_VERSION, cachedKafkaLibs } from '../../rehearsal/jars.js';
import { testCluster } from '../support/cluster.js';
import { createTopic, kafkaFor, randomTopic, trackClients } from '../support/kafka.js';

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
      const p = readProducerLines(lines);

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

      // The protocol every producer follows: ready before sends, stopped last with the
      // counts of the lines, seqs 0..n-1 on the interval grid, one outcome after each.
      const { acked, failed, counts } = expectProducerRun(p, lines, {
        partitions: 3,
        intervalMs: INTERVAL_MS,
      });
      // Every tick goes to every partition in turn, so counts differ by at most one.
      expect(counts[0]! - counts[2]!).toBeGreaterThanOrEqual(0);
      expect(counts[0]! - counts[2]!).toBeLessThanOrEqual(1);
      // The ticks due while it was frozen were sent when it woke, each with its own due
      // time (the steps above have no gap): at least one tick to every partition, late.
      const late = p.sent.filter((s) => s.sentAt - s.scheduledAt >= PAUSE_MS / 2);
      expect(new Set(late.map((s) => s.partition)), 'ticks sent late after SIGSTOP').toEqual(
        new Set([0, 1, 2]),
      );

      // The topic, read back: at every acked offset, exactly the protocol's payload.
      const consumed = await expectAckedInTopic(
        kafka,
        admin,
        topic,
        { runId, producer: 'kuv-java' },
        acked,
      );
      const ends = new Map(
        (await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]),
      );
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
      if (failed === 0) {
        for (const partition of [0, 1, 2]) {
          expect(ends.get(partition)).toBe(counts[partition]);
        }
        for (const a of acked) expect(a.offset, `${a.partition}/${a.seq}`).toBe(a.seq);
      }

      measured.push(
        `java producer at ${profile}: sent ${p.sent.length}, acked ${acked.length}, failed ${failed}, ` +
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
