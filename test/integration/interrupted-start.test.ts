/**
 * A `start` that dies half-way (its process killed while the brokers come up) leaves its
 * processes in the state file, so `stop` finds and ends every one of them. Runs the
 * built CLI as a child process on ports of its own.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { ClusterError } from '../../functions/core/errors.js';
import { start, stop } from '../../rehearsal/index.js';
import { isRunning, tcpPortFree, udpPortFree } from '../../rehearsal/process.js';
import { brokerMarker, dnsMarker, readState } from '../../rehearsal/state.js';
import { waitFor } from '../../functions/core/wait.js';
import { processesUnder, TEST_CLUSTER_PORTS } from '../support/cluster.js';
import { missingUnless, skipWithout } from './requirements.js';

const CLI = fileURLToPath(new URL('../../dist/bin/kafka-upgrade-verifier.js', import.meta.url));
const { portBase, dnsPort } = TEST_CLUSTER_PORTS.errors;
const dir = mkdtempSync(join(tmpdir(), 'kuv-it-state-'));
const statePath = join(dir, 'state.json');

afterAll(async () => {
  await stop(statePath).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skipWithout(missingUnless(existsSync(CLI), `${CLI} is not built`)))(
  'a start killed half-way (needs the built CLI: npm run build)',
  () => {
    it('leaves every process it started in the state file; stop ends them all and frees every port', async () => {
      const child = spawn(
        process.execPath,
        [
          CLI,
          'local-cluster',
          'start',
          '--state',
          statePath,
          '--port-base',
          `${portBase}`,
          '--dns-port',
          `${dnsPort}`,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        // Every broker spawned, the cluster not ready yet: kill the command there.
        await waitFor(
          async () => readState(statePath)?.brokers.every((b) => b.pid !== null) === true,
          {
            what: () => `the start to record its brokers' pids (stderr so far: ${stderr})`,
            timeoutMs: 60_000,
            intervalMs: 250,
            retryErrors: true,
          },
        );
        expect(stderr).not.toContain('cluster ready');
      } finally {
        child.kill('SIGKILL');
        await exited;
      }

      const state = readState(statePath)!;
      expect(isRunning(state.dns.pid, dnsMarker(state))).toBe(true);
      for (const b of state.brokers) expect(isRunning(b.pid, brokerMarker(b))).toBe(true);
      expect(processesUnder(state.dataDir)).toHaveLength(state.brokers.length + 1);

      // The survivors are a running cluster as far as start is concerned.
      const again = start({ statePath, portBase, dnsPort });
      await expect(again).rejects.toBeInstanceOf(ClusterError);
      await expect(again).rejects.toThrow(/^a local cluster is already running \(state file/);

      expect(await stop(statePath)).toEqual({ stopped: true, dataDir: null });
      expect(processesUnder(state.dataDir)).toEqual([]);
      for (const b of state.brokers) {
        expect(await tcpPortFree(b.address, b.clientPort)).toBe(true);
        expect(await tcpPortFree(b.homeAddress, b.controllerPort)).toBe(true);
        expect(await tcpPortFree(b.address, b.internalPort)).toBe(true);
      }
      expect(await udpPortFree(state.dns.address, state.dns.port)).toBe(true);
      expect(existsSync(state.dataDir)).toBe(false);
      expect(existsSync(statePath)).toBe(false);
    });
  },
);
