/**
 * Bad input to local-cluster ends with a clear message naming the input, and leaves
 * no process behind. Uses its own ports and state file; never touches the shared cluster.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { ClusterError, InputError } from '../../functions/core/errors.js';
import { roll, start, stop } from '../../rehearsal/index.js';
import { readState, writeState, type ClusterState } from '../../rehearsal/state.js';
import { silentLog } from '../../rehearsal/log.js';
import { kafkaCacheRoot } from '../../rehearsal/paths.js';
import { TEST_CLUSTER_PORTS } from '../support/cluster.js';

const PORT_BASE = TEST_CLUSTER_PORTS.errors.portBase;
const DNS_PORT = TEST_CLUSTER_PORTS.errors.dnsPort;

const stateDirs: string[] = [];
afterAll(() => {
  for (const dir of stateDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freshStatePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kuv-it-state-'));
  stateDirs.push(dir);
  return join(dir, 'state.json');
}

function kafkaDataDirs(): Set<string> {
  return new Set(readdirSync(tmpdir()).filter((d) => d.startsWith('kuv-kafka-')));
}

function ourProcesses(dirs: Set<string>): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if ([...dirs].some((d) => cmdline.includes(d)))
        found.push(`${entry}: ${cmdline.split('\0').join(' ')}`);
    } catch {
      // gone
    }
  }
  return found;
}

describe('local-cluster start with bad input', () => {
  it('names a Kafka version Maven Central does not have', async () => {
    const statePath = freshStatePath();
    const error = await start({
      statePath,
      version: '3.99.0',
      portBase: PORT_BASE,
      dnsPort: DNS_PORT,
      log: silentLog,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(
      /^Kafka 3\.99\.0 is not on Maven Central \(org\.apache\.kafka:kafka_2\.13:3\.99\.0 could not be resolved\)/,
    );
    expect(existsSync(statePath)).toBe(false);
    // Nothing of the unknown version stays in the jar cache.
    expect(existsSync(join(kafkaCacheRoot(), '3.99.0'))).toBe(false);
  });

  it('rejects a version that is not MAJOR.MINOR.PATCH before doing anything', async () => {
    const attempt = start({ statePath: freshStatePath(), version: 'latest', log: silentLog });
    await expect(attempt).rejects.toBeInstanceOf(InputError);
    await expect(attempt).rejects.toThrow(
      /Kafka version 'latest' is not of the form MAJOR\.MINOR\.PATCH/,
    );
  });

  it('says which port is busy, on which address, and starts nothing', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(PORT_BASE + 2, '127.0.0.2', resolve));
    const before = kafkaDataDirs();
    try {
      const error = await start({
        statePath: freshStatePath(),
        portBase: PORT_BASE,
        dnsPort: DNS_PORT,
        log: silentLog,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClusterError);
      expect((error as Error).message).toContain(
        `TCP port ${PORT_BASE + 2} on 127.0.0.2 (broker 2 internal listener) is already in use`,
      );
      expect([...kafkaDataDirs()].filter((d) => !before.has(d))).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('says Java is missing when it is not on PATH', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const attempt = start({
        statePath: freshStatePath(),
        portBase: PORT_BASE,
        dnsPort: DNS_PORT,
        log: silentLog,
      });
      await expect(attempt).rejects.toBeInstanceOf(ClusterError);
      await expect(attempt).rejects.toThrow(
        /^Java \(a JDK or JRE 17\+\) is missing \(no 'java' on PATH\)/,
      );
    } finally {
      process.env.PATH = path;
    }
  });

  it('a broker that does not start in time ends with a message and every process stopped', async () => {
    const statePath = freshStatePath();
    const before = kafkaDataDirs();
    const error = await start({
      statePath,
      brokers: 1,
      portBase: PORT_BASE,
      dnsPort: DNS_PORT,
      timeoutMs: 500,
      log: silentLog,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as Error).message).toMatch(
      /broker 1 .* did not log "Kafka Server started" within 1 s/,
    );
    const created = [...kafkaDataDirs()].filter((d) => !before.has(d));
    expect(ourProcesses(new Set(created.map((d) => join(tmpdir(), d))))).toEqual([]);
    expect(created).toEqual([]);
    expect(existsSync(statePath)).toBe(false);
  });

  it('a broker that does not come back from a roll in time: a message, every process stopped, logs and state kept until stop', async () => {
    const statePath = freshStatePath();
    await start({ statePath, brokers: 1, portBase: PORT_BASE, dnsPort: DNS_PORT, log: silentLog });
    const state = readState(statePath)!;
    try {
      const error = await roll({ statePath, timeoutMs: 500, log: silentLog }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ClusterError);
      expect((error as Error).message).toMatch(
        /broker 1 .* did not log "Kafka Server started" within 1 s[\s\S]*every process of the cluster was stopped; logs and data are kept in/,
      );
      expect(ourProcesses(new Set([state.dataDir]))).toEqual([]);
      expect(existsSync(join(state.brokers[0]!.dir, 'server.log'))).toBe(true);
      // The state file stays, naming no running process, so that stop can clean up.
      const after = readState(statePath)!;
      expect(after.dataDir).toBe(state.dataDir);
      expect([after.dns.pid, ...after.brokers.map((b) => b.pid)]).toEqual([null, null]);
      expect(await stop(statePath, { log: silentLog })).toEqual({ stopped: true, dataDir: null });
      expect(existsSync(state.dataDir)).toBe(false);
      expect(existsSync(statePath)).toBe(false);
    } finally {
      await stop(statePath, { log: silentLog });
      rmSync(state.dataDir, { recursive: true, force: true });
    }
  });

  it('start replaces a stale state file, none of whose processes runs, and removes its data folder', async () => {
    const statePath = freshStatePath();
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    const staleDir = mkdtempSync(join(tmpdir(), 'kuv-kafka-'));
    writeFileSync(join(staleDir, 'hosts'), '127.0.0.1 broker-1.kafka.test\n');
    const stale: ClusterState = {
      format: 1,
      clusterId: 'stale',
      dataDir: staleDir,
      domain: 'kafka.test',
      startedAt: '2026-01-01T00:00:00.000Z',
      dns: { address: '127.0.0.1', port: DNS_PORT, pid: gone, hostsFile: join(staleDir, 'hosts') },
      brokers: [
        {
          id: 1,
          name: 'broker-1.kafka.test',
          homeAddress: '127.0.0.1',
          address: '127.0.0.1',
          clientPort: PORT_BASE,
          controllerPort: PORT_BASE + 1,
          internalPort: PORT_BASE + 2,
          version: '4.4.0',
          pid: gone,
          dir: join(staleDir, 'node-1'),
        },
      ],
    };
    writeState(statePath, stale);
    const logged: string[] = [];
    try {
      await start({
        statePath,
        brokers: 1,
        portBase: PORT_BASE,
        dnsPort: DNS_PORT,
        log: (m) => logged.push(m),
      });
      expect(logged[0]).toBe(
        `removing stale state file ${statePath} (none of its processes runs) and its data`,
      );
      expect(existsSync(staleDir)).toBe(false);
      expect(readState(statePath)!.clusterId).not.toBe('stale');
    } finally {
      await stop(statePath, { log: silentLog });
      rmSync(staleDir, { recursive: true, force: true });
    }
  });
});
