/**
 * The fault proxy and the rehearsal's own DNS server against the real programs:
 * toxiproxy (built from the Go module proxy) forwarding to a TCP echo server on
 * loopback, and dnsmasq answering from a hosts file that changes under it; then both
 * between the canary and one broker of the shared cluster, where dropped produce
 * responses make the at-least-once producer write duplicates that the report counts
 * exactly as an independent reader (kcat) finds them.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createBoundResolver } from '../../functions/core/kafka/dns.js';
import { FaultProxy, toxiproxyPath } from '../../rehearsal/fault-proxy.js';
import { HostsDns } from '../../rehearsal/hosts-dns.js';
import { silentLog, stderrLog } from '../../rehearsal/log.js';
import { freePort } from '../../rehearsal/ports.js';
import { readState } from '../../rehearsal/state.js';
import { finished, startCli, waitForOutput } from '../support/cli.js';
import { testCluster } from '../support/cluster.js';
import { readHistory } from '../support/history.js';
import { kcatOffsets, randomTopic } from '../support/kafka.js';
import { missingUnless, skipWithout } from './requirements.js';
import { sleep } from '../../functions/core/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'kuv-fault-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Sends `text` on a fresh connection to `port` and resolves to what came back within `waitMs`, or an error code. */
function exchange(host: string, port: number, text: string, waitMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let received = '';
    const done = (result: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(received === '' ? 'silence' : received), waitMs);
    socket.on('connect', () => socket.write(text));
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (received.length >= text.length) done(received);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    socket.on('close', () => done(received === '' ? 'closed' : received));
  });
}

const toxiproxyMissing = missingUnless(
  existsSync(toxiproxyPath()),
  `toxiproxy (${toxiproxyPath()}) is missing`,
);

describe.skipIf(skipWithout(toxiproxyMissing))(
  'fault proxy (toxiproxy; scripts/install-test-tools.sh builds it)',
  () => {
    let echo: net.Server;
    let echoPort = 0;
    let proxy: FaultProxy;
    const listen = '127.0.1.7';
    let listenPort = 0;

    beforeAll(async () => {
      echo = net.createServer((socket) => {
        // The proxy resets its side of the connection under reset_peer: not an error here.
        socket.on('error', () => socket.destroy());
        socket.pipe(socket);
      });
      await new Promise<void>((resolve) => echo.listen({ host: '127.0.0.1', port: 0 }, resolve));
      echoPort = (echo.address() as net.AddressInfo).port;
      listenPort = await freePort(listen);
      proxy = await FaultProxy.start({
        logFile: join(dir, 'toxiproxy.log'),
        apiPort: await freePort('127.0.0.1'),
        log: silentLog,
      });
      await proxy.addProxy('echo', `${listen}:${listenPort}`, `127.0.0.1:${echoPort}`);
    });
    afterAll(async () => {
      await proxy?.stop();
      await new Promise((resolve) => echo?.close(resolve));
    });

    it('forwards traffic while no toxic is installed', async () => {
      expect(await exchange(listen, listenPort, 'hello', 2000)).toBe('hello');
    });

    it('drops every response while a downstream timeout toxic is installed, and forwards again once it is removed', async () => {
      await proxy.addToxic('echo', {
        name: 'drop-responses',
        type: 'timeout',
        stream: 'downstream',
        attributes: { timeout: 0 },
      });
      expect(await exchange(listen, listenPort, 'lost', 700)).toBe('silence');
      await proxy.removeToxic('echo', 'drop-responses');
      expect(await exchange(listen, listenPort, 'back', 2000)).toBe('back');
    });

    it('resets the connection while a reset_peer toxic is installed', async () => {
      await proxy.addToxic('echo', {
        name: 'reset',
        type: 'reset_peer',
        stream: 'upstream',
        attributes: { timeout: 0 },
      });
      try {
        expect(await exchange(listen, listenPort, 'reset me', 2000)).toMatch(/ECONNRESET|closed/);
      } finally {
        await proxy.removeToxic('echo', 'reset');
      }
    });

    it('names the proxy and the HTTP status when the API refuses a call', async () => {
      await expect(proxy.removeToxic('no-such-proxy', 'x')).rejects.toThrow(
        /toxiproxy refused DELETE \/proxies\/no-such-proxy\/toxics\/x: HTTP 404/,
      );
    });
  },
);

describe('rehearsal DNS server (dnsmasq from a hosts file)', () => {
  it('answers the names it was given and follows an update at once', async () => {
    const dnsDir = mkdtempSync(join(dir, 'dns-'));
    const dns = await HostsDns.start({
      dir: dnsDir,
      port: await freePort('127.0.0.1'),
      hosts: new Map([['broker-2.fault.test', '127.0.1.2']]),
    });
    try {
      const resolver = createBoundResolver(dns.server);
      expect(await resolver.resolve('broker-2.fault.test')).toEqual([
        { address: '127.0.1.2', family: 4 },
      ]);
      dns.update(new Map([['broker-2.fault.test', '127.0.0.2']]));
      await sleep(200);
      expect(await resolver.resolve('broker-2.fault.test')).toEqual([
        { address: '127.0.0.2', family: 4 },
      ]);
      await expect(resolver.resolve('unknown.fault.test')).rejects.toThrow(/ENOTFOUND/);
    } finally {
      await dns.stop();
    }
  });
});

const cluster = testCluster();

/** Extra copies in the topic, kcat's count: per identity, its offsets less one. */
function kcatDuplicates(bootstrap: string, topic: string, runId: string): number {
  let duplicates = 0;
  for (const seen of kcatOffsets(bootstrap, topic, runId).values()) duplicates += seen.size - 1;
  return duplicates;
}

describe.skipIf(skipWithout(toxiproxyMissing) || cluster.statePath === null)(
  'the canary through a real fault between it and broker 2 (shared cluster)',
  () => {
    let proxy: FaultProxy;
    let dns: HostsDns;
    let bootstrap = '';
    let internal = '';

    beforeAll(async () => {
      const state = readState(cluster.statePath!)!;
      const hosts = new Map(state.brokers.map((b) => [b.name, b.address]));
      const faulted = state.brokers.find((b) => b.id === 2)!;
      // broker-2's name points at the proxy, which forwards to broker 2's client listener.
      const listen = '127.0.1.2';
      hosts.set(faulted.name, listen);
      proxy = await FaultProxy.start({
        logFile: join(dir, 'toxiproxy-canary.log'),
        apiPort: await freePort('127.0.0.1'),
        log: silentLog,
      });
      await proxy.addProxy(
        'broker-2',
        `${listen}:${faulted.clientPort}`,
        `${faulted.address}:${faulted.clientPort}`,
      );
      dns = await HostsDns.start({
        dir: mkdtempSync(join(dir, 'dns-canary-')),
        port: await freePort('127.0.0.1'),
        hosts,
      });
      const first = state.brokers.find((b) => b.id === 1)!;
      bootstrap = `${first.name}:${first.clientPort}`;
      internal = `${first.address}:${first.internalPort}`;
    });
    afterAll(async () => {
      await dns?.stop();
      await proxy?.stop();
    });

    function countBy(values: string[]): Record<string, number> {
      const counts: Record<string, number> = {};
      for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
      return counts;
    }

    /** A 30 s run whose produce responses from broker 2 are dropped for 4 s, 5 s in. */
    async function faultedRun(producer: 'at-least-once' | 'idempotent') {
      const topic = randomTopic('kuv-it-canary-fault');
      const out = join(dir, `run-${producer}`);
      const run = startCli([
        'run',
        '--bootstrap',
        bootstrap,
        '--dns-server',
        dns.server,
        '--producer',
        producer,
        '--topic',
        topic,
        '--duration',
        '30s',
        '--settle',
        '5s',
        '--slice',
        '10s',
        '--out',
        out,
        '--format',
        'json',
      ]);
      await waitForOutput(run, 'canary: ');
      await sleep(5000);
      const toxic = 'drop-responses';
      await proxy.addToxic('broker-2', {
        name: toxic,
        type: 'timeout',
        stream: 'downstream',
        attributes: { timeout: 0 },
      });
      await sleep(4000);
      await proxy.removeToxic('broker-2', toxic);
      // The run exits by itself once its report is out. It used not to (idempotent, 2 of
      // 2): kafkajs left a connection to broker 2 open that no disconnect reached
      // (destroyOpenSockets in functions/core/kafka/client.ts).
      await waitForOutput(run, 'run folder:', 150_000);
      // It has 20 s from its report to its exit, or it is killed and the test fails.
      const r = await finished(run, 20_000);
      const report = JSON.parse(r.stdout) as {
        verdict: string;
        run: { runId: string };
        totals: Record<string, number>;
      };
      const history = readHistory(join(out, 'history.jsonl.gz'));
      // Broker 2 led some of the canary's partitions: the fault was on their produce path.
      const baseline = history.find((h) => h.type === 'leaders' && h.phase === 'baseline')!;
      const led = (baseline.partitions as Array<{ leader: number }>).filter((p) => p.leader === 2);
      expect(led.length).toBeGreaterThan(0);
      const counted = kcatDuplicates(internal, topic, report.run.runId);
      // What was seen live (issue 17): DIR/live.jsonl, finding lines beside status lines.
      const journal = readFileSync(join(out, 'live.jsonl'), 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const canaryEnd = journal.find((l) => l.type === 'status' && l.finished === true)
        ?.at as number;
      const live = journal.filter((l) => l.type === 'anomaly' || l.type === 'finding');
      stderrLog(
        `${producer} through 4 s of dropped responses from broker 2 (leader of ${led.length} partitions): ` +
          `report duplicates ${report.totals.duplicates}, kcat duplicates ${counted}, lost ${report.totals.lost}, ` +
          `failed ${report.totals.failed}, verdict ${report.verdict} (exit ${r.status ?? r.signal})`,
      );
      const lags = live
        .filter((f) => f.kind === 'duplicate')
        .map((f) => (f.detectedAt as number) - (f.at as number));
      stderrLog(
        `${producer}: live findings ${JSON.stringify(countBy(live.map((f) => String(f.kind))))}, ` +
          `duplicate detection lag max ${lags.length === 0 ? '-' : Math.max(...lags)} ms`,
      );
      return { report, counted, status: r.status, live, canaryEnd };
    }

    it('at-least-once: the report counts exactly the duplicates kcat finds in the topic, and there are some', async () => {
      const { report, counted, status, live, canaryEnd } = await faultedRun('at-least-once');
      expect(report.totals.duplicates).toBe(counted);
      expect(counted).toBeGreaterThan(0);
      expect(report.verdict).toBe('fail');
      expect([1, null]).toContain(status);
      // Seen live, while the canary was still producing, as many as the final verdict.
      const duplicates = live.filter((f) => f.kind === 'duplicate');
      expect(duplicates.length, JSON.stringify(live.slice(0, 5))).toBe(report.totals.duplicates);
      expect(live.filter((f) => f.kind === 'outOfOrder').length).toBe(report.totals.outOfOrder);
      expect(canaryEnd).toBeGreaterThan(0);
      expect(Math.min(...duplicates.map((f) => f.detectedAt as number))).toBeLessThan(canaryEnd);
      for (const f of duplicates) {
        expect(f).toMatchObject({ type: 'anomaly', hard: true });
        expect(typeof f.partition === 'number' && typeof f.offset === 'number').toBe(true);
        expect(typeof f.seq === 'number' && typeof f.producer === 'string').toBe(true);
      }
    }, 300_000);

    it('idempotent: the same fault leaves no duplicate, in the report or in the topic', async () => {
      const { report, counted, live } = await faultedRun('idempotent');
      expect(counted).toBe(0);
      expect(report.totals.duplicates).toBe(0);
      expect(live.filter((f) => f.kind === 'duplicate')).toEqual([]);
    }, 300_000);
  },
);
