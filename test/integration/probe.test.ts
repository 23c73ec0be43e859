/**
 * Reachability probes against the shared integration cluster and loopback servers
 * that fail on purpose: every stage's success, and each failure named and bounded.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { parseEndpoint } from '../../functions/core/probe/endpoint.js';
import {
  DEFAULT_STAGE_TIMEOUTS,
  type ProbeOptions,
  type ProbeRecord,
  probeEndpoint,
} from '../../functions/core/probe/probe.js';
import { ReachabilityProber } from '../../functions/core/probe/reachability.js';
import { createHostResolver } from '../../functions/core/probe/resolve.js';
import { ClusterWatcher } from '../../functions/core/probe/watcher.js';
import { readState } from '../../rehearsal/state.js';
import { testCluster } from '../support/cluster.js';
import { createTopic, kafkaFor, randomTopic, trackClients } from '../support/kafka.js';
import { closedTcpPort, silentDnsServer, silentTcpServer, tcpServer } from '../support/servers.js';
import { missingUnless, skipWithout } from './requirements.js';

const cluster = testCluster();
const dnsServer = cluster.dnsServer ?? undefined;
const local = cluster.statePath !== null;

/** The shared cluster's current address of the broker an endpoint names (broker-N.…). */
function currentAddress(endpoint: string): string {
  const id = Number(/broker-(\d)/.exec(endpoint)![1]);
  return readState(cluster.statePath!)!.brokers.find((b) => b.id === id)!.address;
}
const track = trackClients();
const root = join(import.meta.dirname, '../..');
const cli = join(root, 'dist/bin/kafka-upgrade-verifier.js');
const scratch = mkdtempSync(join(tmpdir(), 'kuv-probe-it-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function options(server: string | undefined): ProbeOptions {
  return {
    resolve: createHostResolver(server, DEFAULT_STAGE_TIMEOUTS.dnsMs),
    timeouts: DEFAULT_STAGE_TIMEOUTS,
    clientId: 'kuv-it-probe',
  };
}

/** Probes `endpoint` as a bootstrap endpoint, resolving through `server` (undefined: the system resolver). */
function probe(endpoint: string, server: string | undefined): Promise<ProbeRecord> {
  return probeEndpoint(
    { endpoint: parseEndpoint(endpoint), role: 'bootstrap' },
    'baseline',
    options(server),
  );
}

describe('reachability probes of the shared cluster', () => {
  it('finds every bootstrap endpoint and every broker by name, connects, and gets an ApiVersions answer', async () => {
    const watcher = new ClusterWatcher({
      connection: { bootstrap: cluster.bootstrap, dnsServer },
      topics: [],
    });
    const prober = new ReachabilityProber({
      bootstrap: cluster.bootstrap,
      dnsServer,
      brokers: watcher,
    });
    const records: ProbeRecord[] = [];
    const began = performance.now();
    try {
      await prober.baseline((r) => records.push(r as ProbeRecord));
    } finally {
      await Promise.all([watcher.close(), prober.close()]);
    }
    const roundMs = performance.now() - began;
    const bootstrap = records.filter((r) => r.role === 'bootstrap');
    const brokers = records.filter((r) => r.role === 'broker');
    expect(bootstrap.map((r) => r.endpoint)).toEqual(cluster.bootstrap.split(','));
    expect(brokers.map((r) => r.broker)).toEqual([1, 2, 3]);
    for (const r of records) {
      expect(r.dns).toMatchObject({ ok: true });
      expect(r.tcp).toMatchObject({ ok: true, address: r.dns.addresses[0] });
      expect(r.kafka).toMatchObject({ ok: true });
      for (const stage of [r.dns, r.tcp!, r.kafka!]) {
        expect(Number.isInteger(stage.ms) && stage.ms >= 0 && stage.ms < 2000).toBe(true);
      }
      // Where the broker is bound now: a readdressing roll by another test (clients)
      // may have moved the shared cluster's brokers to 127.0.0.1N.
      if (local) expect(r.dns.addresses).toEqual([currentAddress(r.endpoint)]);
    }
    process.stderr.write(
      `probe round of ${records.length} endpoints: ${roundMs.toFixed(0)} ms; max dns ${Math.max(...records.map((r) => r.dns.ms))} ms, tcp ${Math.max(...records.map((r) => r.tcp!.ms))} ms, kafka ${Math.max(...records.map((r) => r.kafka!.ms))} ms\n`,
    );
  });

  it.skipIf(dnsServer === undefined)(
    'reports a name the DNS server does not know as dns ENOTFOUND, with tcp and kafka null',
    async () => {
      const r = await probe('no-such-broker.kafka.test:9092', dnsServer);
      expect(r.dns).toMatchObject({ ok: false, addresses: [], error: 'ENOTFOUND' });
      expect(r.tcp).toBeNull();
      expect(r.kafka).toBeNull();
    },
  );

  it('resolves through the system resolver when no DNS server is given', async () => {
    const port = await closedTcpPort();
    const r = await probe(`localhost:${port}`, undefined);
    expect(r.dns.ok).toBe(true);
    expect(r.dns.addresses.some((a) => a === '127.0.0.1' || a === '::1')).toBe(true);
    expect(r.tcp).toMatchObject({ ok: false, address: r.dns.addresses[0], error: 'ECONNREFUSED' });
  });

  it('reports a DNS server that never answers as dns ETIMEOUT within the 2 s bound', async () => {
    const silent = await silentDnsServer();
    try {
      const began = performance.now();
      const r = await probe('broker-1.kafka.test:9092', silent.endpoint);
      const took = performance.now() - began;
      expect(r.dns).toMatchObject({ ok: false, error: 'ETIMEOUT' });
      expect(r.dns.ms).toBeGreaterThanOrEqual(1900);
      expect(took).toBeLessThan(2500);
      expect([r.tcp, r.kafka]).toEqual([null, null]);
    } finally {
      await silent.close();
    }
  });

  it('reports a port where nothing listens as tcp ECONNREFUSED, kafka null, at the address tried', async () => {
    const port = await closedTcpPort();
    const r = await probe(`127.0.0.1:${port}`, dnsServer);
    expect(r.dns).toEqual({ ok: true, ms: 0, addresses: ['127.0.0.1'] });
    expect(r.tcp).toMatchObject({ ok: false, address: '127.0.0.1', error: 'ECONNREFUSED' });
    expect(r.kafka).toBeNull();
  });

  it('reports a server that accepts and never answers as kafka ETIMEOUT after the 3 s bound', async () => {
    const silent = await silentTcpServer();
    try {
      const r = await probe(silent.endpoint, dnsServer);
      expect(r.tcp).toMatchObject({ ok: true, address: '127.0.0.1' });
      expect(r.kafka).toMatchObject({ ok: false, error: expect.stringMatching(/^ETIMEOUT: /) });
      expect(r.kafka!.ms).toBeGreaterThanOrEqual(2900);
      expect(r.kafka!.ms).toBeLessThan(3500);
    } finally {
      await silent.close();
    }
  });
});

describe('the kafka stage against servers that are not Kafka brokers', () => {
  it.each([
    ['closes each connection at once', (s: Socket) => s.end(), /^ECONNRESET/],
    [
      'answers like a web server',
      (s: Socket) => s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n')),
      /^EPROTO: response size \d+ is not a Kafka ApiVersions answer$/,
    ],
    [
      'answers another correlation id',
      (s: Socket) =>
        s.once('data', () => {
          const answer = Buffer.alloc(14);
          answer.writeInt32BE(10, 0); // size
          answer.writeInt32BE(-7, 4); // a correlation id no probe sends (they are positive)
          s.write(answer);
        }),
      /^EPROTO: correlation id -7, expected \d+$/,
    ],
  ])('reports a server that %s as a kafka failure naming the cause', async (_, behave, error) => {
    const server = await tcpServer(behave);
    try {
      const r = await probe(server.endpoint, dnsServer);
      expect(r.tcp).toMatchObject({ ok: true });
      expect(r.kafka).toMatchObject({ ok: false, error: expect.stringMatching(error) });
      expect(r.kafka!.ms).toBeLessThan(1000);
    } finally {
      await server.close();
    }
  });
});

describe.skipIf(skipWithout(missingUnless(existsSync(cli), `${cli} is not built`)))(
  'the reachability command on the shared cluster (needs npm run build)',
  () => {
    let topic = '';
    let out = '';
    let run: SpawnSyncReturns<string>;

    it('exits 0, writes one ok probe per endpoint and a leaders snapshot of the named topic', async () => {
      const admin = track(kafkaFor(cluster).admin());
      await admin.connect();
      topic = randomTopic('kuv-it-reach');
      await createTopic(admin, topic, 6);
      out = join(scratch, 'baseline.jsonl');
      const began = performance.now();
      run = spawnSync(
        process.execPath,
        [
          cli,
          'reachability',
          '--bootstrap',
          cluster.bootstrap,
          ...(dnsServer === undefined ? [] : ['--dns-server', dnsServer]),
          '--topics',
          topic,
          '--out',
          out,
          '--format',
          'json',
        ],
        { encoding: 'utf8', cwd: root },
      );
      process.stderr.write(`reachability command: ${(performance.now() - began).toFixed(0)} ms\n`);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const records = readFileSync(out, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const probes = records.filter((r) => r.type === 'probe') as ProbeRecord[];
      expect(probes.filter((p) => p.role === 'broker').map((p) => p.broker)).toEqual([1, 2, 3]);
      expect(probes.every((p) => p.phase === 'baseline' && p.kafka?.ok === true)).toBe(true);
      const leaders = records.filter((r) => r.type === 'leaders');
      expect(leaders).toMatchObject([{ topic, phase: 'baseline' }]);
      expect((leaders[0]!.partitions as unknown[]).length).toBe(6);
    });

    it('treats a silent DNS server and an unknown name as findings, not failures of the command', async () => {
      const silent = await silentDnsServer();
      try {
        const file = join(scratch, 'silent.jsonl');
        const began = performance.now();
        const r = spawnSync(
          process.execPath,
          [
            cli,
            'reachability',
            '--bootstrap',
            'broker-1.kafka.test:9092,no-such.kafka.test:9092',
            '--dns-server',
            silent.endpoint,
            '--out',
            file,
          ],
          { encoding: 'utf8', cwd: root },
        );
        const took = performance.now() - began;
        process.stderr.write(
          `reachability command against a silent DNS server: ${took.toFixed(0)} ms\n`,
        );
        // Not a usage error or a crash: unreachable brokers make the verdict fail (exit 1).
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(/note: cluster metadata from .* unavailable/);
        expect(took).toBeLessThan(15_000);
        const probes = readFileSync(file, 'utf8')
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as ProbeRecord);
        expect(probes.map((p) => [p.endpoint, p.dns.ok, p.dns.error, p.tcp])).toEqual([
          ['broker-1.kafka.test:9092', false, 'ETIMEOUT', null],
          ['no-such.kafka.test:9092', false, 'ETIMEOUT', null],
        ]);
      } finally {
        await silent.close();
      }
    });

    it("reports three reachable brokers and the topic's balance", () => {
      const report = JSON.parse(run.stdout) as {
        reachability: { brokers: Array<{ broker: number; reachable: boolean }> };
        balance: { topics: Array<{ topic: string; partitions: number }> } | null;
      };
      expect(report.reachability.brokers.map((b) => [b.broker, b.reachable])).toEqual([
        [1, true],
        [2, true],
        [3, true],
      ]);
      expect(report.balance?.topics).toMatchObject([{ topic, partitions: 6 }]);
    });
  },
);
