/**
 * The librdkafka producer (clients/librdkafka/producer.c, issue 16) against the shared
 * cluster: built by its driver at first use, started as the driver says (through the
 * cluster's hosts file in a private mount namespace when the cluster has a DNS server),
 * stopped with SIGTERM after a few seconds, at the shipped defaults and at the careful
 * settings. Its lines must follow the producer protocol (docs/clients.md), and every
 * record it says was acked must be in the topic at that offset with exactly the payload.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ClusterHostsFile } from '../../clients/hosts.js';
import { librdkafkaProducerDriver } from '../../clients/librdkafka-producer.js';
import type { ClientSettingsProfile } from '../../clients/profiles.js';
import { TextLines } from '../../clients/protocol.js';
import { sleep, waitFor } from '../../functions/core/wait.js';
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
const RUN_MS = 8_000;
const PARTITIONS = 3;

let dir: string;
let hosts: ClusterHostsFile | null = null;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kuv-it-producer-'));
  if (cluster.dnsServer !== null) {
    hosts = new ClusterHostsFile(
      { bootstrap: cluster.bootstrap, dnsServer: cluster.dnsServer },
      join(dir, 'hosts'),
    );
    await hosts.ensure();
  }
});

afterEach(() => {
  // A producer a failed test left running: its whole process group.
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

afterAll(async () => {
  await hosts?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Sent {
  seq: number;
  scheduledAt: number;
  sentAt: number;
  line: number;
}
interface Outcome {
  kind: 'acked' | 'failed';
  offset: number | null;
  line: number;
}

/** Runs the producer on a fresh topic for RUN_MS after `# ready`, then SIGTERM; its stdout lines. */
async function produce(
  profile: ClientSettingsProfile,
): Promise<{ lines: string[]; topic: string; runId: string }> {
  const kafka = kafkaFor(cluster);
  const admin = track(kafka.admin());
  await admin.connect();
  const topic = randomTopic('kuv-it-producer-librdkafka');
  await createTopic(admin, topic, PARTITIONS);
  const runId = `r-it-${profile}-${Date.now()}`;
  const launch = await librdkafkaProducerDriver({ hostsFile: hosts?.path ?? null }).launch({
    bootstrap: cluster.bootstrap,
    dnsServer: cluster.dnsServer ?? undefined,
    topic,
    profile,
    runId,
    producer: 'kuv-librdkafka',
    intervalMs: INTERVAL_MS,
  });
  expect(launch.library).toMatch(/^librdkafka \d+\.\d+\.\d+/);
  const child = spawn(launch.command, launch.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  const lines: string[] = [];
  const splitter = new TextLines();
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => lines.push(...splitter.push(c)));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  await waitFor(() => lines.includes('# ready') || child.exitCode !== null, {
    what: () =>
      `the librdkafka producer's # ready (stdout: ${lines.join(' | ')}; stderr: ${stderr})`,
    timeoutMs: 60_000,
    intervalMs: 100,
  });
  expect(child.exitCode, stderr).toBe(null);
  await sleep(RUN_MS);
  child.kill('SIGTERM');
  expect(await exited, stderr).toBe(0);
  lines.push(...splitter.end());
  return { lines, topic, runId };
}

describe.each(['defaults', 'careful'] as const)('librdkafka producer at %s', (profile) => {
  it('follows the producer protocol, and every acked record is in the topic at its offset', async () => {
    const { lines, topic, runId } = await produce(profile);

    // # settings first, then # ready; the effective settings of the profile.
    // (`# error` lines may come first: a broker not reached at once, said as it happens.)
    const own = lines.filter((l) => !l.startsWith('# error '));
    expect(own[0]).toMatch(/^# settings \{/);
    expect(own[1]).toBe('# ready');
    const settings = JSON.parse(own[0]!.slice('# settings '.length)) as Record<string, string>;
    process.stderr.write(`librdkafka producer ${profile} settings: ${JSON.stringify(settings)}\n`);
    expect(settings['enable.idempotence']).toBe(profile === 'careful' ? 'true' : 'false');
    expect(settings.acks).toBe('-1');
    expect(settings.partitions).toBe(String(PARTITIONS));
    expect(settings['client.id']).toBe('kuv-librdkafka');
    expect(settings['broker.address.family']).toBe('v4');
    expect(settings.measurement).toMatch(/broker\.address\.family=v4/);
    for (const key of [
      'max.in.flight.requests.per.connection',
      'retries',
      'retry.backoff.ms',
      'message.timeout.ms',
      'request.timeout.ms',
      'linger.ms',
      'batch.num.messages',
      'topic.metadata.refresh.interval.ms',
      'partitioner',
    ]) {
      expect(settings[key], key).toMatch(/\S/);
    }
    if (profile === 'careful')
      expect(Number(settings['max.in.flight.requests.per.connection'])).toBeLessThanOrEqual(5);
    const ready = lines.indexOf('# ready');

    // Every line is one of the protocol's; # stopped is the last.
    const sent = new Map<number, Sent[]>();
    const outcomes = new Map<string, Outcome[]>();
    let stopped: number[] | null = null;
    lines.forEach((line, i) => {
      if (i <= ready) return;
      expect(stopped, `a line after # stopped: ${line}`).toBe(null);
      const [hash, word, ...f] = line.split(' ');
      expect(hash).toBe('#');
      if (word === 'sent') {
        const [p, seq, scheduledAt, sentAt] = f.map(Number) as [number, number, number, number];
        expect(f).toHaveLength(4);
        sent.set(p, [...(sent.get(p) ?? []), { seq, scheduledAt, sentAt, line: i }]);
      } else if (word === 'acked' || word === 'failed') {
        const key = `${f[0]}/${f[1]}`;
        const outcome: Outcome = {
          kind: word,
          offset: word === 'acked' ? Number(f[2]) : null,
          line: i,
        };
        outcomes.set(key, [...(outcomes.get(key) ?? []), outcome]);
      } else if (word === 'stopped') {
        stopped = f.map(Number);
      } else {
        expect(word, line).toBe('error');
      }
    });
    expect(stopped).not.toBe(null);
    expect([...sent.keys()].sort()).toEqual([0, 1, 2]);

    let sentCount = 0;
    let ackedCount = 0;
    let failedCount = 0;
    const acked: { partition: number; seq: number; offset: number }[] = [];
    for (const [partition, list] of sent) {
      // seqs 0..n-1 without gaps, and the tick schedule steps by exactly the interval.
      expect(list.map((s) => s.seq)).toEqual(list.map((_, i) => i));
      for (let i = 1; i < list.length; i++) {
        expect(list[i]!.scheduledAt - list[i - 1]!.scheduledAt).toBe(INTERVAL_MS);
      }
      for (const s of list) {
        sentCount += 1;
        const o = outcomes.get(`${partition}/${s.seq}`) ?? [];
        expect(o, `delivery reports of ${partition}/${s.seq}`).toHaveLength(1);
        expect(o[0]!.line).toBeGreaterThan(s.line);
        if (o[0]!.kind === 'acked') {
          ackedCount += 1;
          acked.push({ partition, seq: s.seq, offset: o[0]!.offset! });
        } else failedCount += 1;
      }
    }
    // No report for a message that was never sent.
    const reported = [...outcomes.values()].reduce((n, o) => n + o.length, 0);
    expect(reported).toBe(ackedCount + failedCount);
    expect(stopped).toEqual([
      sentCount,
      ackedCount,
      failedCount,
      sentCount - ackedCount - failedCount,
    ]);
    // Eight seconds at 100 ms: some ticks, whatever the machine's load.
    expect(sentCount).toBeGreaterThanOrEqual(PARTITIONS * 10);
    process.stderr.write(
      `librdkafka producer ${profile}: sent ${sentCount}, acked ${ackedCount}, failed ${failedCount}, stopped ${JSON.stringify(stopped)}\n`,
    );

    // What the topic holds: each acked record at its offset, with exactly the payload.
    const sentAt = new Map<string, number>();
    for (const [partition, list] of sent) {
      for (const s of list) sentAt.set(`${partition}/${s.seq}`, s.sentAt);
    }
    // Read until as many distinct records (partition/offset) as were acked: the payload
    // has no partition, so the same seq sent in one millisecond to two partitions is the
    // same value.
    const consumed = await consumeCount(
      kafkaFor(cluster),
      topic,
      ackedCount,
      60_000,
      undefined,
      (received) =>
        new Set(received.map((c) => `${c.partition}/${c.message.offset}`)).size >= ackedCount,
    );
    const at = new Map<string, string>();
    for (const { partition, message } of consumed) {
      at.set(`${partition}/${message.offset}`, message.value?.toString() ?? '');
    }
    for (const a of acked) {
      expect(at.get(`${a.partition}/${a.offset}`), `${a.partition}/${a.seq} at ${a.offset}`).toBe(
        `{"runId":"${runId}","producer":"kuv-librdkafka","seq":${a.seq},"sentAt":${sentAt.get(`${a.partition}/${a.seq}`)}}`,
      );
    }
  });
});

describe('librdkafka producer without a cluster', () => {
  const launch = (bootstrap: string) =>
    librdkafkaProducerDriver({ hostsFile: null }).launch({
      bootstrap,
      dnsServer: undefined,
      topic: 'kuv-it-nowhere',
      profile: 'defaults',
      runId: 'r-it-nowhere',
      producer: 'kuv-librdkafka',
      intervalMs: INTERVAL_MS,
    });

  it('refuses bad arguments with a usage line and exit 2', async () => {
    const { command, args } = await launch('127.0.0.1:1');
    const bad = [...args.slice(0, -4), '-i', 'soon', '-s', 'defaults'];
    const r = spawnSync(command, bad, { encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/-i INTERVALMS must be a whole number/);
    expect(r.stderr).toMatch(/^usage: /m);
  });

  it('says # error while it cannot connect, and stops on SIGTERM with nothing sent', async () => {
    // Port 1 on loopback: nothing listens there, every connection is refused.
    const { command, args } = await launch('127.0.0.1:1');
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    children.push(child);
    const lines: string[] = [];
    const splitter = new TextLines();
    child.stdout!.setEncoding('utf8').on('data', (c: string) => lines.push(...splitter.push(c)));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    await waitFor(() => lines.some((l) => l.startsWith('# error ')), {
      what: () => `a # error line (stdout: ${lines.join(' | ')})`,
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    lines.push(...splitter.end());
    expect(lines.at(-1)).toBe('# stopped 0 0 0 0');
    expect(lines.filter((l) => !l.startsWith('# error ')).length).toBe(1);
  });
});
