/**
 * A real Apache Kafka cluster on this machine: N combined KRaft nodes on loopback
 * addresses 127.0.0.1…N, a dnsmasq serving broker-N.kafka.test, all detached so the
 * command returns; status, roll (restart, upgrade, readdress), kill, restart and stop
 * find them through the state file. Linux only: loopback addresses 127.0.0.N and /proc.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { ClusterError } from '../functions/core/errors.js';
import { bootstrapOf, dnsServerOf, homeAddress } from './addresses.js';
import {
  startBrokerProcess,
  waitBrokerStarted,
  writeLoggingFiles,
  writeNodeFiles,
} from './brokers.js';
import { dnsRunning, startDns, writeHostsFile } from './dns-server.js';
import { waitRegistered } from './health.js';
import { ensureKafkaJars } from './jars.js';
import { firstLines, runKafkaTool } from './java.js';
import { withLock, type LockOptions } from './lock.js';
import { silentLog, type Log } from './log.js';
import { checkPorts, portProblem } from './ports.js';
import { isRunning, sleep, tcpReachable, terminate } from './process.js';
import {
  makeClusterSecurity,
  redactPassword,
  scramFormatArgs,
  securityStatusOf,
  type SecurityStatus,
} from './security.js';
import { checkStartSettings, DOMAIN, type StartSettings } from './settings.js';
import {
  brokerMarker,
  dnsMarker,
  readState,
  removeState,
  writeState,
  type ClusterState,
} from './state.js';
import { DNSMASQ, JAVA, requireTool } from './tools.js';

export { bootstrapOf, dnsServerOf } from './addresses.js';
export { dnsRunning } from './dns-server.js';
export { describeFeatures } from './features.js';
export { runKafkaTool } from './java.js';
export { DEFAULT_DNS_PORT, DEFAULT_PORT_BASE, DOMAIN } from './settings.js';

export interface BrokerStatus {
  id: number;
  name: string;
  address: string;
  port: number;
  version: string;
  up: boolean;
}

export interface ClusterStatus {
  bootstrap: string;
  dnsServer: string;
  brokers: BrokerStatus[];
  /** Only for a secured CLIENT listener: the mode, the CA file, the SCRAM user and password file. */
  security?: SecurityStatus;
}

export interface StartOptions extends Partial<StartSettings> {
  statePath: string;
  /** How long to wait for another operation on the same state file; default 10 s. */
  lockWaitMs?: number;
  log?: Log;
}

/** A Kafka cluster id: 16 random bytes, base64url without padding, not starting with '-'. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function newState(settings: StartSettings, dataDir: string): ClusterState {
  const { version, portBase } = settings;
  return {
    format: 1,
    clusterId: newClusterId(),
    dataDir,
    domain: DOMAIN,
    startedAt: new Date().toISOString(),
    autoLeaderRebalance: settings.autoLeaderRebalance,
    leaderImbalanceCheckSeconds: settings.leaderImbalanceCheckSeconds,
    dns: {
      address: '127.0.0.1',
      port: settings.dnsPort,
      pid: null,
      hostsFile: join(dataDir, 'hosts'),
    },
    brokers: Array.from({ length: settings.brokers }, (_, i) => {
      const id = i + 1;
      return {
        id,
        name: `broker-${id}.${DOMAIN}`,
        homeAddress: homeAddress(id),
        address: homeAddress(id),
        clientPort: portBase,
        controllerPort: portBase + 1,
        internalPort: portBase + 2,
        version,
        pid: null,
        dir: join(dataDir, `node-${id}`),
      };
    }),
  };
}

/**
 * Starts a cluster and waits until every broker is registered through its DNS name.
 * A failed start stops what it started; whatever survives stays in the state file.
 */
export async function start(options: StartOptions): Promise<ClusterStatus> {
  const { statePath } = options;
  const log = options.log ?? silentLog;
  const settings = checkStartSettings(options);
  return withLock(statePath, 'start', lockOptions(options, log), () =>
    startLocked(statePath, settings, log),
  );
}

export function lockOptions(options: { lockWaitMs?: number }, log: Log): LockOptions {
  return options.lockWaitMs === undefined ? { log } : { waitMs: options.lockWaitMs, log };
}

async function startLocked(
  statePath: string,
  settings: StartSettings,
  log: Log,
): Promise<ClusterStatus> {
  const { version, portBase, dnsPort, timeoutMs } = settings;
  const existing = readState(statePath);
  if (existing !== null) {
    if (anyProcessRunning(existing)) {
      throw new ClusterError(
        `a local cluster is already running (state file ${statePath}, bootstrap ${bootstrapOf(existing)}). ` +
          "Use it, or stop it first with 'kafka-upgrade-verifier local-cluster stop'.",
      );
    }
    log(`removing stale state file ${statePath} (none of its processes runs) and its data`);
    removeDataDir(existing);
    removeState(statePath);
  }

  requireTool(JAVA);
  requireTool(DNSMASQ);
  const portChecks: Array<[string, number, string, boolean?]> = [
    ['127.0.0.1', dnsPort, 'DNS server', true],
    ['127.0.0.1', dnsPort, 'DNS server'],
  ];
  for (let id = 1; id <= settings.brokers; id++) {
    portChecks.push([homeAddress(id), portBase, `broker ${id} client listener`]);
    portChecks.push([homeAddress(id), portBase + 1, `broker ${id} controller listener`]);
    portChecks.push([homeAddress(id), portBase + 2, `broker ${id} internal listener`]);
  }
  await checkPorts(portChecks);
  await ensureKafkaJars(version, log);

  const state = newState(settings, mkdtempSync(join(tmpdir(), 'kuv-kafka-')));
  const started = Date.now();
  try {
    if (settings.security !== 'plaintext') {
      state.security = makeClusterSecurity(settings.security, state.dataDir, state.brokers);
      log(
        `CLIENT listener secured with ${settings.security}: CA ${state.security.caFile}` +
          (state.security.saslPasswordFile === undefined
            ? ''
            : `, SCRAM user ${state.security.saslUsername}, password in ${state.security.saslPasswordFile}`),
      );
    }
    writeLoggingFiles(state);
    writeHostsFile(state);
    writeState(statePath, state);
    await startDns(state, () => writeState(statePath, state));
    log(
      `DNS server (dnsmasq) on ${dnsServerOf(state)} serving ${state.brokers.map((b) => b.name).join(', ')}`,
    );

    log(
      `formatting ${state.brokers.length} KRaft node(s) with Kafka ${version}, cluster id ${state.clusterId}, data in ${state.dataDir}` +
        `, automatic leader rebalancing ${settings.autoLeaderRebalance ? `every ${settings.leaderImbalanceCheckSeconds} s` : 'off'}`,
    );
    await Promise.all(
      state.brokers.map(async (broker) => {
        writeNodeFiles(state, broker);
        const result = await runKafkaTool(
          state,
          version,
          'kafka.tools.StorageTool',
          [
            'format',
            '-t',
            state.clusterId,
            '-c',
            join(broker.dir, 'server.properties'),
            ...scramFormatArgs(state.security),
          ],
          120_000,
          // The SCRAM password is in the arguments: keep it off the process list.
          scramFormatArgs(state.security).length > 0,
        );
        if (result.status !== 0) {
          throw new ClusterError(
            `formatting broker ${broker.id}'s storage (Kafka ${version} StorageTool) failed: ${redactPassword(firstLines(result.stderr + result.stdout), state.security)}`,
          );
        }
      }),
    );
    for (const broker of state.brokers) {
      broker.pid = await startBrokerProcess(state, broker);
      writeState(statePath, state); // so 'stop' finds it even if this command is killed now
      log(
        `broker ${broker.id}: started pid ${broker.pid} on ${broker.address} (client ${broker.name}:${broker.clientPort})`,
      );
    }
    await Promise.all(state.brokers.map((b) => waitBrokerStarted(b, 0, timeoutMs)));
    log(
      'all brokers logged "Kafka Server started"; waiting for them to register through their DNS names',
    );
    await waitRegistered(state, timeoutMs);
    log(
      `cluster ready in ${((Date.now() - started) / 1000).toFixed(1)} s: bootstrap ${bootstrapOf(state)}, DNS ${dnsServerOf(state)}`,
    );
    return await statusOf(state);
  } catch (error) {
    log('start failed; stopping every process it started');
    const { survivors } = await stopState(state, { keep: false, log });
    if (survivors.length === 0) {
      removeState(statePath);
      throw error;
    }
    writeState(statePath, state);
    const message = error instanceof Error ? error.message : String(error);
    throw new ClusterError(
      `${message}\n  Stopping what the failed start had started left ${survivors.join('; ')}; ` +
        `the state file ${statePath} still names them: end them with 'kafka-upgrade-verifier local-cluster stop'.`,
      { cause: error },
    );
  }
}

export function anyProcessRunning(state: ClusterState): boolean {
  return state.brokers.some((b) => isRunning(b.pid, brokerMarker(b))) || dnsRunning(state);
}

/** Removes a cluster's data folder, if it is one this code made ($TMPDIR/kuv-kafka-*). */
function removeDataDir(state: ClusterState): void {
  if (basename(state.dataDir).startsWith('kuv-kafka-') && existsSync(state.dataDir)) {
    rmSync(state.dataDir, { recursive: true, force: true });
  }
}

export function loadRunning(statePath: string): ClusterState {
  const state = readState(statePath);
  if (state === null) {
    throw new ClusterError(
      `no local cluster: state file ${statePath} does not exist. Start one with 'kafka-upgrade-verifier local-cluster start'.`,
    );
  }
  return state;
}

/** The cluster of a state file: its bootstrap, DNS server and each broker's address and health. */
export async function status(statePath: string): Promise<ClusterStatus> {
  return statusOf(loadRunning(statePath));
}

export async function statusOf(state: ClusterState): Promise<ClusterStatus> {
  const brokers = await Promise.all(
    state.brokers.map(async (b) => ({
      id: b.id,
      name: b.name,
      address: b.address,
      port: b.clientPort,
      version: b.version,
      up: isRunning(b.pid, brokerMarker(b)) && (await tcpReachable(b.address, b.clientPort)),
    })),
  );
  const security = securityStatusOf(state);
  return {
    bootstrap: bootstrapOf(state),
    dnsServer: dnsServerOf(state),
    brokers,
    ...(security === undefined ? {} : { security }),
  };
}

export interface StopOptions {
  /** Keep the data folder (logs, data). */
  keep?: boolean;
  lockWaitMs?: number;
  log?: Log;
}

export interface StopResult {
  /** Our processes that did not end, even after SIGKILL: still named in the state. */
  survivors: string[];
  /** Ports still held (by anything) after our processes ended. */
  busyPorts: string[];
}

/**
 * Ends every process of `state` (SIGTERM, then SIGKILL), sets the pid of each one that
 * ended to null, checks the ports, and removes the data folder unless `keep` or a
 * process survived (then the state file and the data stay for a later stop).
 */
export async function stopState(
  state: ClusterState,
  options: { keep?: boolean; log: Log },
): Promise<StopResult> {
  const { log } = options;
  // Combined nodes all shut down at once cannot all finish a controlled shutdown (the
  // quorum goes away); give them a short grace, then kill: the data is thrown away.
  const graceMs = options.keep === true ? 30_000 : 10_000;
  await Promise.all(
    state.brokers.map(async (b) => {
      if (b.pid === null) return;
      const how = await terminate(b.pid, brokerMarker(b), graceMs);
      if (how !== 'absent') log(`broker ${b.id}: pid ${b.pid} ${how}`);
    }),
  );
  if (state.dns.pid !== null) {
    const how = await terminate(state.dns.pid, dnsMarker(state), 5000);
    if (how !== 'absent') log(`dnsmasq: pid ${state.dns.pid} ${how}`);
  }
  const survivors: string[] = [];
  for (const b of state.brokers) {
    if (isRunning(b.pid, brokerMarker(b))) survivors.push(`broker ${b.id} pid ${b.pid} still runs`);
    else b.pid = null;
  }
  if (isRunning(state.dns.pid, dnsMarker(state)))
    survivors.push(`dnsmasq pid ${state.dns.pid} still runs`);
  else state.dns.pid = null;

  const checks: Array<[string, number, string, boolean?]> = [
    [state.dns.address, state.dns.port, 'DNS server', true],
    [state.dns.address, state.dns.port, 'DNS server'],
  ];
  for (const b of state.brokers) {
    checks.push(
      [b.address, b.clientPort, `broker ${b.id} client`],
      [b.address, b.internalPort, `broker ${b.id} internal`],
    );
    checks.push([b.homeAddress, b.controllerPort, `broker ${b.id} controller`]);
  }
  const deadline = Date.now() + 10_000;
  let busyPorts: string[] = [];
  do {
    busyPorts = (await Promise.all(checks.map(([a, p, w, u]) => portProblem(a, p, w, u)))).filter(
      (p): p is string => p !== null,
    );
    if (busyPorts.length === 0) break;
    await sleep(300);
  } while (Date.now() < deadline);
  if (options.keep === true) {
    log(`kept data in ${state.dataDir}`);
  } else if (survivors.length === 0) {
    removeDataDir(state);
  }
  return { survivors, busyPorts };
}

/** Stops every process of the cluster in the state file and removes its data (unless keep). */
export async function stop(
  statePath: string,
  options: StopOptions = {},
): Promise<{ stopped: boolean; dataDir: string | null }> {
  const log = options.log ?? silentLog;
  return withLock(statePath, 'stop', lockOptions(options, log), async () => {
    const state = readState(statePath);
    if (state === null) {
      log(`no local cluster state at ${statePath}; nothing to stop`);
      return { stopped: false, dataDir: null };
    }
    const { survivors, busyPorts } = await stopState(state, { keep: options.keep, log });
    if (survivors.length > 0 || busyPorts.length > 0) {
      writeState(statePath, state);
      throw new ClusterError(
        `stop left something behind: ${[...survivors, ...busyPorts].join('; ')}. ` +
          `Find the holder with 'ss -ltnup' and end it by pid; the state file ${statePath} is kept` +
          (survivors.length > 0 ? ' (it names what still runs; stop again to retry).' : '.'),
      );
    }
    removeState(statePath);
    log(
      `stopped; ${options.keep === true ? `data kept in ${state.dataDir}` : `removed ${state.dataDir}`}`,
    );
    return { stopped: true, dataDir: options.keep === true ? state.dataDir : null };
  });
}
