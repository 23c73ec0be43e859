/**
 * The local Kafka clusters the integration tests stand on: the shared one that
 * test/integration/global-setup.ts starts for the whole run (`testCluster()`), and
 * clusters a test file starts on its own ports because it restarts, crashes, upgrades
 * or secures brokers (`startOwnCluster`, `withOwnCluster`, `ownClusterForFile`). An own
 * cluster's state file is claimed for this process, a stale cluster left there by a
 * killed run is stopped first, and the cluster is always stopped and released after.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, inject } from 'vitest';

import { ClusterError } from '../../functions/core/errors.js';
import {
  checkSecurityOptions,
  Secret,
  type SecurityOptions,
} from '../../functions/core/kafka/security.js';
import { roll, start, stderrLog, stop, type ClusterStatus } from '../../rehearsal/index.js';
import { isRunning } from '../../rehearsal/process.js';
import { cliInProcess } from './cli.js';

export interface TestCluster {
  bootstrap: string;
  dnsServer: string | null;
  /** The local-cluster state file; null when the tests use an external cluster. */
  statePath: string | null;
  version: string;
}

/** The cluster global-setup started (or the external one of KUV_BOOTSTRAP). */
export function testCluster(): TestCluster {
  return inject('cluster');
}

/** True when the tests use an external cluster they cannot start, stop or restart. */
export function externalCluster(): boolean {
  return testCluster().statePath === null;
}

/**
 * Shifts every port the tests use, so that two work trees on one machine can each run
 * their integration tests at once (KUV_TEST_PORT_SHIFT=1000 moves 19192 to 20192 …).
 */
export const TEST_PORT_SHIFT = testPortShift(process.env.KUV_TEST_PORT_SHIFT);

function testPortShift(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const shift = Number(value);
  if (!Number.isInteger(shift) || shift < 0 || shift > 20_000) {
    throw new ClusterError(
      `KUV_TEST_PORT_SHIFT must be a whole number from 0 to 20000, not '${value}'`,
    );
  }
  return shift;
}

export interface ClusterPorts {
  portBase: number;
  dnsPort: number;
}

/** Ports of the clusters the tests start: below the ephemeral range, apart from the CLI's defaults. */
export const TEST_CLUSTER_PORTS = {
  main: { portBase: 19192 + TEST_PORT_SHIFT, dnsPort: 15453 + TEST_PORT_SHIFT },
  upgrade: { portBase: 19292 + TEST_PORT_SHIFT, dnsPort: 15553 + TEST_PORT_SHIFT },
  errors: { portBase: 19392 + TEST_PORT_SHIFT, dnsPort: 15653 + TEST_PORT_SHIFT },
  canaryRoll: { portBase: 19492 + TEST_PORT_SHIFT, dnsPort: 15753 + TEST_PORT_SHIFT },
  canaryKill: { portBase: 19592 + TEST_PORT_SHIFT, dnsPort: 15853 + TEST_PORT_SHIFT },
  probe: { portBase: 19692 + TEST_PORT_SHIFT, dnsPort: 15953 + TEST_PORT_SHIFT },
  secure: { portBase: 19792 + TEST_PORT_SHIFT, dnsPort: 16053 + TEST_PORT_SHIFT },
  rehearse: { portBase: 19892 + TEST_PORT_SHIFT, dnsPort: 16153 + TEST_PORT_SHIFT },
  rehearseUpgrade: { portBase: 19992 + TEST_PORT_SHIFT, dnsPort: 16253 + TEST_PORT_SHIFT },
  rehearseSecure: { portBase: 18892 + TEST_PORT_SHIFT, dnsPort: 16353 + TEST_PORT_SHIFT },
  rehearseClients: { portBase: 18792 + TEST_PORT_SHIFT, dnsPort: 16453 + TEST_PORT_SHIFT },
} as const satisfies Record<string, ClusterPorts>;

/**
 * The test clusters' state files live in the checkout (`.cache/local-cluster/`, ignored
 * by git), not in the user's cache: each work tree has its own, found by the tests
 * whatever their working folder.
 */
export const TEST_STATE_DIR = fileURLToPath(
  new URL('../../.cache/local-cluster/', import.meta.url),
);

export function testStatePath(name: string): string {
  mkdirSync(TEST_STATE_DIR, { recursive: true });
  return join(TEST_STATE_DIR, name);
}

/**
 * Claims a test cluster's state file for this process, so two test runs in one work
 * tree never stop each other's cluster: a live other owner is an error, a dead one's
 * cluster is stale and may be stopped. Returns the release function.
 */
export function claimState(statePath: string): () => void {
  const ownerFile = `${statePath}.owner`;
  if (existsSync(ownerFile)) {
    const owner = Number(readFileSync(ownerFile, 'utf8').trim());
    let alive = false;
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid) {
      try {
        process.kill(owner, 0);
        alive = true;
      } catch {
        alive = false;
      }
    }
    if (alive) {
      throw new ClusterError(
        `another test run (pid ${owner}) is using the local cluster of ${statePath}; ` +
          'wait for it to finish (two integration runs in one work tree would stop each other’s brokers).',
      );
    }
  }
  mkdirSync(dirname(ownerFile), { recursive: true });
  writeFileSync(ownerFile, `${process.pid}\n`);
  return () => rmSync(ownerFile, { force: true });
}

/**
 * A claimed state file, whatever cluster ends up there: claimed and cleared of a stale
 * cluster (a killed run's) before, stopped and released after. What every own cluster
 * stands on; `rehearse` tests use it alone, as the command starts the cluster itself.
 */
export interface ClaimedState {
  statePath: string;
  /** Stops whatever cluster the state file names, then releases the claim; idempotent. */
  stop(): Promise<void>;
}

/** The state file of the own cluster called `name`: `.cache/local-cluster/NAME-state.json`. */
export function ownStatePath(name: string): string {
  return testStatePath(name.endsWith('.json') ? name : `${name}-state.json`);
}

export async function claimCleanState(name: string): Promise<ClaimedState> {
  const statePath = ownStatePath(name);
  const release = claimState(statePath);
  let stopped = false;
  const stopClaimed = async () => {
    if (stopped) return;
    stopped = true;
    try {
      await stop(statePath, { log: stderrLog });
    } finally {
      release();
    }
  };
  try {
    await stop(statePath, { log: stderrLog });
  } catch (error) {
    release();
    throw error;
  }
  return { statePath, stop: stopClaimed };
}

export interface OwnClusterOptions {
  /** Names the state file, `.cache/local-cluster/NAME-state.json`; one per test file. */
  name: string;
  ports: ClusterPorts;
  /** Kafka version; default the local cluster's. */
  version?: string;
  /** auto.leader.rebalance.enable; default true. */
  autoLeaderRebalance?: boolean;
  /** How the cluster is started, when not by rehearsal's start() (e.g. through the CLI). */
  start?: (statePath: string, ports: ClusterPorts) => Promise<ClusterStatus>;
}

export interface OwnCluster extends ClaimedState {
  status: ClusterStatus;
  bootstrap: string;
  dnsServer: string;
  /**
   * Restarts these brokers (default every one) one at a time, optionally on new
   * addresses (127.0.0.N ⇄ 127.0.0.1N).
   */
  roll(brokerIds?: number[], readdress?: boolean): Promise<void>;
}

/** Starts a cluster of the caller's own on `options.ports`; its `stop()` stops and releases it. */
export async function startOwnCluster(options: OwnClusterOptions): Promise<OwnCluster> {
  const claimed = await claimCleanState(options.name);
  const { statePath } = claimed;
  const began = Date.now();
  let status: ClusterStatus;
  try {
    status =
      options.start === undefined
        ? await start({
            statePath,
            ...options.ports,
            ...(options.version === undefined ? {} : { version: options.version }),
            ...(options.autoLeaderRebalance === undefined
              ? {}
              : { autoLeaderRebalance: options.autoLeaderRebalance }),
            log: stderrLog,
          })
        : await options.start(statePath, options.ports);
  } catch (error) {
    await claimed.stop().catch(() => {});
    throw error;
  }
  stderrLog(`${options.name} cluster ready in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  return {
    ...claimed,
    status,
    bootstrap: status.bootstrap,
    dnsServer: status.dnsServer,
    async roll(brokerIds, readdress = false) {
      await roll({
        statePath,
        ...(brokerIds === undefined ? {} : { brokerIds }),
        readdress,
        log: stderrLog,
      });
    },
  };
}

/** Starts a cluster of its own, runs `fn` on it, and always stops and releases it. */
export async function withOwnCluster<T>(
  options: OwnClusterOptions,
  fn: (cluster: OwnCluster) => Promise<T>,
): Promise<T> {
  const cluster = await startOwnCluster(options);
  try {
    return await fn(cluster);
  } finally {
    await cluster.stop();
  }
}

/**
 * A cluster of this test file's own for all its tests: started in beforeAll, stopped
 * and released in afterAll. Returns a getter (the cluster exists once beforeAll ran).
 * With an external cluster (KUV_BOOTSTRAP) nothing is started and the tests skip,
 * unless `withExternal` (a test that needs no more than a cluster it starts itself).
 */
export function ownClusterForFile(
  options: OwnClusterOptions,
  { withExternal = false }: { withExternal?: boolean } = {},
): () => OwnCluster {
  let cluster: OwnCluster | undefined;
  beforeAll(async () => {
    if (withExternal || !externalCluster()) cluster = await startOwnCluster(options);
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  return () => {
    if (cluster === undefined) {
      throw new ClusterError(
        `the ${options.name} cluster is not running: its beforeAll failed or the tests use an external cluster`,
      );
    }
    return cluster;
  };
}

/**
 * A rehearsal test file's own state file: claimed and cleared before its tests, stopped
 * and released after them — `rehearse` stops the cluster it started itself; this mends
 * a failed or `--keep-cluster` run. `external`: the tests use a cluster they cannot
 * start or stop, and skip.
 */
export function ownStateForFile(file: string): { statePath: string; external: boolean } {
  const external = externalCluster();
  const statePath = testStatePath(file);
  let claimed: ClaimedState | undefined;
  beforeAll(async () => {
    if (!external) claimed = await claimCleanState(file);
  });
  afterAll(async () => {
    await claimed?.stop();
  });
  return { statePath, external };
}

export interface SecureCluster extends OwnCluster {
  status: Required<Pick<ClusterStatus, 'security'>> & ClusterStatus;
  /** The client options a canary would use (CA file, user, password from the file). */
  clientSecurity(more?: { saslMechanism?: string }): SecurityOptions;
}

/**
 * A secured cluster of the security tests' own (CLIENT listener TLS, or SASL/SCRAM over
 * TLS), started through the CLI (`local-cluster start --security … --json`) as a user
 * would; its `stop()` stops and releases it.
 */
export async function startSecureCluster(protocol: 'tls' | 'sasl-scram'): Promise<SecureCluster> {
  const cluster = await startOwnCluster({
    name: `security-${protocol}`,
    ports: TEST_CLUSTER_PORTS.secure,
    start: async (statePath, { portBase, dnsPort }) => {
      const run = await cliInProcess('local-cluster', [
        'start',
        '--security',
        protocol,
        '--port-base',
        String(portBase),
        '--dns-port',
        String(dnsPort),
        '--state',
        statePath,
        '--json',
      ]);
      if (run.code !== 0) {
        throw new ClusterError(`local-cluster start failed (${run.code}): ${run.stderr}`);
      }
      return JSON.parse(run.stdout) as ClusterStatus;
    },
  });
  const status = cluster.status as SecureCluster['status'];
  return {
    ...cluster,
    status,
    clientSecurity: (more = {}) =>
      checkSecurityOptions({
        security: protocol,
        caFile: status.security.caFile,
        ...(status.security.saslPasswordFile === undefined
          ? {}
          : {
              saslUsername: status.security.saslUsername,
              saslPassword: new Secret(readFileSync(status.security.saslPasswordFile, 'utf8')),
              saslMechanism: more.saslMechanism,
            }),
      }),
  };
}

/** Live processes whose command line names `dataDir` (a cluster's brokers and dnsmasq). */
export function processesUnder(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(dataDir) && isRunning(Number(entry), dataDir)) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}
