/**
 * A real Apache Kafka cluster on this machine: N combined KRaft nodes on loopback
 * addresses 127.0.0.1…N, a dnsmasq serving broker-N.kafka.test, all detached so the
 * command returns; status, roll (restart, upgrade, readdress) and stop find them
 * through the state file.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ClusterError, InputError } from '../functions/core/errors.js';
import { altAddress, bootstrapOf, dnsServerOf, homeAddress } from './addresses.js';
import {
  logFile,
  startBrokerProcess,
  waitBrokerStarted,
  writeLoggingFiles,
  writeNodeFiles,
} from './brokers.js';
import { dnsRunning, publishDns, startDns, writeHostsFile } from './dns-server.js';
import { finalizeFeatures, refuseMetadataDowngrade } from './features.js';
import {
  electPreferred,
  leadershipUnsettled,
  pollUntil,
  underReplicated,
  waitRegistered,
} from './health.js';
import { checkKafkaVersion, DEFAULT_KAFKA_VERSION, ensureKafkaJars } from './jars.js';
import { firstLines, runKafkaTool } from './java.js';
import { fileSize } from './log-files.js';
import type { Log } from './log.js';
import { checkPorts, portProblem } from './ports.js';
import { isRunning, sleep, tcpReachable, terminate } from './process.js';
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

export const DEFAULT_PORT_BASE = 19092;
export const DEFAULT_DNS_PORT = 15353;
export const DOMAIN = 'kafka.test';

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
}

export interface StartOptions {
  statePath: string;
  version?: string;
  brokers?: number;
  /** Client port; controller = base + 1, internal = base + 2, on every broker's own address. */
  portBase?: number;
  dnsPort?: number;
  /** Per broker, to start and to register; default 120 s. */
  timeoutMs?: number;
  log: Log;
}

/** A Kafka cluster id: 16 random bytes, base64url without padding, not starting with '-'. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export async function start(options: StartOptions): Promise<ClusterStatus> {
  const { statePath, log } = options;
  const version = options.version ?? DEFAULT_KAFKA_VERSION;
  const count = options.brokers ?? 3;
  const portBase = options.portBase ?? DEFAULT_PORT_BASE;
  const dnsPort = options.dnsPort ?? DEFAULT_DNS_PORT;
  const timeoutMs = options.timeoutMs ?? 120_000;
  checkKafkaVersion(version);
  if (!Number.isInteger(count) || count < 1 || count > 9) {
    throw new InputError(
      `--brokers ${count}: the local cluster runs 1 to 9 brokers (addresses 127.0.0.1-9).`,
    );
  }
  for (const [flag, port] of [
    ['--port-base', portBase],
    ['--dns-port', dnsPort],
  ] as const) {
    if (!Number.isInteger(port) || port < 1024 || port > 65533) {
      throw new InputError(`${flag} ${port}: use a port from 1024 to 65533.`);
    }
  }

  const existing = readState(statePath);
  if (existing !== null) {
    const live = anyProcessRunning(existing);
    if (live) {
      throw new ClusterError(
        `a local cluster is already running (state file ${statePath}, bootstrap ${bootstrapOf(existing)}). ` +
          "Use it, or stop it first with 'kafka-upgrade-verifier local-cluster stop'.",
      );
    }
    log(`removing stale state file ${statePath} (none of its processes runs)`);
    removeState(statePath);
  }

  requireTool(JAVA);
  requireTool(DNSMASQ);
  const portChecks: Array<[string, number, string, boolean?]> = [
    ['127.0.0.1', dnsPort, 'DNS server', true],
    ['127.0.0.1', dnsPort, 'DNS server'],
  ];
  for (let id = 1; id <= count; id++) {
    portChecks.push([homeAddress(id), portBase, `broker ${id} client listener`]);
    portChecks.push([homeAddress(id), portBase + 1, `broker ${id} controller listener`]);
    portChecks.push([homeAddress(id), portBase + 2, `broker ${id} internal listener`]);
  }
  await checkPorts(portChecks);
  await ensureKafkaJars(version, log);

  const dataDir = mkdtempSync(join(tmpdir(), 'kuv-kafka-'));
  const state: ClusterState = {
    format: 1,
    clusterId: newClusterId(),
    dataDir,
    domain: DOMAIN,
    startedAt: new Date().toISOString(),
    dns: { address: '127.0.0.1', port: dnsPort, pid: null, hostsFile: join(dataDir, 'hosts') },
    brokers: Array.from({ length: count }, (_, i) => {
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
  const started = Date.now();
  try {
    writeLoggingFiles(state);
    writeHostsFile(state);
    state.dns.pid = await startDns(state);
    writeState(statePath, state);
    log(
      `DNS server (dnsmasq) on ${dnsServerOf(state)} serving ${state.brokers.map((b) => b.name).join(', ')}`,
    );

    log(
      `formatting ${count} KRaft node(s) with Kafka ${version}, cluster id ${state.clusterId}, data in ${dataDir}`,
    );
    await Promise.all(
      state.brokers.map(async (broker) => {
        writeNodeFiles(state, broker);
        const result = await runKafkaTool(state, version, 'kafka.tools.StorageTool', [
          'format',
          '-t',
          state.clusterId,
          '-c',
          join(broker.dir, 'server.properties'),
        ]);
        if (result.status !== 0) {
          throw new ClusterError(
            `formatting broker ${broker.id}'s storage (Kafka ${version} StorageTool) failed: ${firstLines(result.stderr + result.stdout)}`,
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
    writeState(statePath, state);
    await Promise.all(state.brokers.map((b) => waitBrokerStarted(b, 0, timeoutMs)));
    log(
      'all brokers logged "Kafka Server started"; waiting for them to register through their DNS names',
    );
    await waitRegistered(state, timeoutMs);
    log(
      `cluster ready in ${((Date.now() - started) / 1000).toFixed(1)} s: bootstrap ${bootstrapOf(state)}, DNS ${dnsServerOf(state)}`,
    );
    return await status(state);
  } catch (error) {
    log('start failed; stopping every process it started');
    await stopState(state, { keep: false, log });
    removeState(statePath);
    throw error;
  }
}

function anyProcessRunning(state: ClusterState): boolean {
  return state.brokers.some((b) => isRunning(b.pid, brokerMarker(b))) || dnsRunning(state);
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

export async function status(state: ClusterState): Promise<ClusterStatus> {
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
  return { bootstrap: bootstrapOf(state), dnsServer: dnsServerOf(state), brokers };
}

export interface RollOptions {
  statePath: string;
  toVersion?: string;
  readdress?: boolean;
  /** Only these broker ids, in this order; default every broker by id. */
  brokerIds?: number[];
  /** Per step (shutdown, start, ISR); default 180 s. */
  timeoutMs?: number;
  log: Log;
}

/** Rolls brokers one at a time: SIGTERM, wait, start (maybe on new jars/address), wait ISR, elect. */
export async function roll(options: RollOptions): Promise<ClusterStatus> {
  const { statePath, log } = options;
  const timeoutMs = options.timeoutMs ?? 180_000;
  const state = loadRunning(statePath);
  requireTool(JAVA);
  const ids = options.brokerIds ?? state.brokers.map((b) => b.id);
  for (const id of ids) {
    if (!state.brokers.some((b) => b.id === id)) {
      throw new InputError(
        `--broker ${id}: this cluster has brokers ${state.brokers.map((b) => b.id).join(', ')}.`,
      );
    }
  }
  const down = state.brokers.filter((b) => !isRunning(b.pid, brokerMarker(b)));
  if (down.length > 0) {
    throw new ClusterError(
      `broker(s) ${down.map((b) => b.id).join(', ')} are not running, so a rolling restart would take partitions offline; ` +
        "see 'local-cluster status', then stop and start the cluster.",
    );
  }
  if (options.toVersion !== undefined) checkKafkaVersion(options.toVersion);
  for (const version of new Set([
    ...state.brokers.map((b) => b.version),
    options.toVersion ?? state.brokers[0]!.version,
  ])) {
    await ensureKafkaJars(version, log);
  }
  if (options.toVersion !== undefined) await refuseMetadataDowngrade(state, options.toVersion);
  const began = Date.now();
  const what = [
    options.toVersion !== undefined ? `onto Kafka ${options.toVersion}` : null,
    options.readdress === true ? 'with new addresses' : null,
  ].filter((w) => w !== null);
  log(
    `rolling restart of broker(s) ${ids.join(', ')}${what.length > 0 ? ` ${what.join(', ')}` : ''}`,
  );
  const settle = await pollUntil(timeoutMs, () => underReplicated(state));
  if (settle !== null) {
    throw new ClusterError(
      `the cluster is not healthy before the roll (${settle}); nothing was restarted. Wait, or check the broker logs in ${state.dataDir}.`,
    );
  }

  try {
    for (const id of ids) {
      const broker = state.brokers.find((b) => b.id === id)!;
      const stepStart = Date.now();
      const newAddress =
        options.readdress === true
          ? broker.address === broker.homeAddress
            ? altAddress(id)
            : broker.homeAddress
          : broker.address;
      if (newAddress !== broker.address) {
        await checkPorts([
          [newAddress, broker.clientPort, `broker ${id} new client listener`],
          [newAddress, broker.internalPort, `broker ${id} new internal listener`],
        ]);
      }
      log(`broker ${id}: SIGTERM to pid ${broker.pid} (controlled shutdown)`);
      const ended = await terminate(broker.pid!, brokerMarker(broker), timeoutMs);
      log(
        `broker ${id}: ${ended === 'killed' ? `did not exit within ${Math.round(timeoutMs / 1000)} s, killed` : 'exited'} after ${((Date.now() - stepStart) / 1000).toFixed(1)} s`,
      );
      broker.pid = null;
      if (options.toVersion !== undefined) broker.version = options.toVersion;
      if (newAddress !== broker.address) {
        log(
          `broker ${id}: moving from ${broker.address} to ${newAddress}; ${broker.name} now resolves to ${newAddress}`,
        );
        broker.address = newAddress;
        publishDns(state);
      }
      writeNodeFiles(state, broker);
      const offset = fileSize(logFile(broker));
      broker.pid = await startBrokerProcess(state, broker);
      writeState(statePath, state);
      log(`broker ${id}: started pid ${broker.pid} (Kafka ${broker.version} on ${broker.address})`);
      await waitBrokerStarted(broker, offset, timeoutMs);
      log(`broker ${id}: Kafka Server started; waiting until it is back in every ISR`);
      const lagging = await pollUntil(timeoutMs, () => underReplicated(state));
      if (lagging !== null) {
        throw new ClusterError(
          `broker ${id} did not rejoin every ISR within ${Math.round(timeoutMs / 1000)} s (${lagging}); its log is ${logFile(broker)}.`,
        );
      }
      log(`broker ${id}: in every ISR; running a preferred leader election`);
      await electPreferred(state, log);
      const unsettled = await pollUntil(30_000, () => leadershipUnsettled(state));
      if (unsettled !== null)
        log(`broker ${id}: warning: leadership not settled after 30 s (${unsettled}); continuing`);
      log(
        `broker ${id}: back, leadership settled; step took ${((Date.now() - stepStart) / 1000).toFixed(1)} s`,
      );
    }
  } catch (error) {
    // A broker that does not come back: stop everything, keep the evidence.
    log('roll failed; stopping every process of the cluster (data and logs kept)');
    const left = await stopState(state, { keep: true, log });
    removeState(statePath);
    const message = error instanceof Error ? error.message : String(error);
    throw new ClusterError(
      `${message}\n  The roll stopped there and every process of the cluster was stopped` +
        `${left.length > 0 ? ` except: ${left.join('; ')}` : ''}; logs and data are kept in ${state.dataDir} ` +
        "(delete it when done). Start a fresh cluster with 'kafka-upgrade-verifier local-cluster start'.",
      { cause: error },
    );
  }

  if (
    options.toVersion !== undefined &&
    state.brokers.every((b) => b.version === options.toVersion)
  ) {
    const finalized = await finalizeFeatures(state, options.toVersion, log);
    log(
      `finalized features: ${Object.entries(finalized)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
    );
  }
  log(`roll done in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  return status(state);
}

export interface StopOptions {
  keep?: boolean;
  log: Log;
}

async function stopState(state: ClusterState, options: StopOptions): Promise<string[]> {
  const { log } = options;
  const problems: string[] = [];
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
  for (const b of state.brokers) {
    if (isRunning(b.pid, brokerMarker(b))) problems.push(`broker ${b.id} pid ${b.pid} still runs`);
  }
  if (isRunning(state.dns.pid, dnsMarker(state)))
    problems.push(`dnsmasq pid ${state.dns.pid} still runs`);
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
  let busy: string[] = [];
  do {
    busy = (await Promise.all(checks.map(([a, p, w, u]) => portProblem(a, p, w, u)))).filter(
      (p): p is string => p !== null,
    );
    if (busy.length === 0) break;
    await sleep(300);
  } while (Date.now() < deadline);
  problems.push(...busy);
  if (options.keep === true) {
    log(`kept data in ${state.dataDir}`);
  } else if (existsSync(state.dataDir)) {
    rmSync(state.dataDir, { recursive: true, force: true });
  }
  return problems;
}

/** Stops every process of the cluster in the state file and removes its data (unless keep). */
export async function stop(
  statePath: string,
  options: StopOptions,
): Promise<{ stopped: boolean; dataDir: string | null }> {
  const state = readState(statePath);
  if (state === null) {
    options.log(`no local cluster state at ${statePath}; nothing to stop`);
    return { stopped: false, dataDir: null };
  }
  const problems = await stopState(state, options);
  if (problems.length > 0) {
    throw new ClusterError(
      `stop left something behind: ${problems.join('; ')}. Find the holder with 'ss -ltnup' and end it by pid; state kept in ${statePath}.`,
    );
  }
  removeState(statePath);
  options.log(
    `stopped; ${options.keep === true ? `data kept in ${state.dataDir}` : `removed ${state.dataDir}`}`,
  );
  return { stopped: true, dataDir: options.keep === true ? state.dataDir : null };
}
