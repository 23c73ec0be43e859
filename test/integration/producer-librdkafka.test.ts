/**
 * The librdkafka producer (clients/librdkafka/producer.c, issue 16) against the shared
 * cluster: built by its driver at first use, started as the driver says (through the
 * cluster's hosts file in a private mount namespace when the cluster has a DNS server),
 * stopped with SIGTERM after a few seconds, at the shipped defaults and at the careful
 * settings. Its lines must follow the producer protocol (docs/clients.md), and every
 * record it says was acked must be in the topic at that offset with exactly the payload.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ClusterHostsFile } from '../../clients/hosts.js';
import { librdkafkaProducerDriver } from '../../clients/librdkafka-producer.js';
import type { ClientSettingsProfile } from '../../clients/profiles.js';
import { TextLines } from '../../clients/protocol.js';
import {
  expectAckedInTopic,
  expectProducerRun,
  readProducerLines,
  producerChildren,
  runProducerOnFreshTopic,
} from '../support/producer-protocol.js';
import { waitFor } from '../../functions/core/wait.js';
import { testCluster } from '../support/cluster.js';
import { trackClients } from '../support/kafka.js';

const cluster = testCluster();
const track = trackClients();
const INTERVAL_MS = 100;
const RUN_MS = 8_000;
const PARTITIONS = 3;

let dir: string;
let hosts: ClusterHostsFile | null = null;
const children = producerChildren();

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

afterAll(async () => {
  await hosts?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The librdkafka producer on a fresh topic for RUN_MS after `# ready`, then SIGTERM. */
async function produce(profile: ClientSettingsProfile) {
  const run = await runProducerOnFreshTopic(
    cluster,
    librdkafkaProducerDriver({ hostsFile: hosts?.path ?? null }),
    {
      profile,
      producer: 'kuv-librdkafka',
      partitions: PARTITIONS,
      intervalMs: INTERVAL_MS,
      runMs: RUN_MS,
    },
    track,
    children,
  );
  expect(run.library).toMatch(/^librdkafka \d+\.\d+\.\d+/);
  return run;
}

describe.each(['defaults', 'careful'] as const)('librdkafka producer at %s', (profile) => {
  it('follows the producer protocol, and every acked record is in the topic at its offset', async () => {
    const { lines, topic, runId, kafka, admin } = await produce(profile);

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

    // The protocol every producer follows: ready before sends, stopped last with the
    // counts of the lines, seqs 0..n-1 on the interval grid, one outcome after each.
    const p = readProducerLines(lines);
    const { acked, failed } = expectProducerRun(p, lines, {
      partitions: PARTITIONS,
      intervalMs: INTERVAL_MS,
    });
    // Eight seconds at 100 ms: some ticks, whatever the machine's load.
    expect(p.sent.length).toBeGreaterThanOrEqual(PARTITIONS * 10);
    process.stderr.write(
      `librdkafka producer ${profile}: sent ${p.sent.length}, acked ${acked.length}, failed ${failed}, stopped ${JSON.stringify(p.stopped)}\n`,
    );

    // What the topic holds: each acked record at its offset, with exactly the payload.
    await expectAckedInTopic(kafka, admin, topic, { runId, producer: 'kuv-librdkafka' }, acked);
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
