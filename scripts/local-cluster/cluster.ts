/**
 * A real Apache Kafka cluster on this machine: N combined KRaft nodes on loopback
 * addresses 127.0.0.1…N, a dnsmasq serving broker-N.kafka.test, all detached so the
 * command returns; status, roll (restart, upgrade, readdress) and stop find them
 * through the state file.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  closeSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Admin } from 'kafkajs';

import { ClusterError, InputError } from '../../functions/core/errors.js';
import { createKafka } from '../../functions/core/kafka/client.js';
import { hostsFile, log4j2Properties, log4jProperties, serverProperties } from './config.js';
import {
  cachedKafkaLibs,
  checkKafkaVersion,
  DEFAULT_KAFKA_VERSION,
  ensureKafkaJars,
} from './jars.js';
import type { Log } from './log.js';
import {
  isRunning,
  signal,
  sleep,
  spawnDetached,
  tcpPortFree,
  tcpReachable,
  terminate,
  udpPortFree,
} from './process.js';
import {
  brokerMarker,
  dnsMarker,
  readState,
  removeState,
  writeState,
  type BrokerState,
  type ClusterState,
} from './state.js';
import { DNSMASQ, JAVA, requireTool } from './tools.js';

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

const JVM_FLAGS = [
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-Djava.awt.headless=true',
  '-Djava.net.preferIPv4Stack=true',
];

function homeAddress(id: number): string {
  return `127.0.0.${id}`;
}
function altAddress(id: number): string {
  return `127.0.0.${10 + id}`;
}

export function bootstrapOf(state: ClusterState): string {
  return state.brokers.map((b) => `${b.name}:${b.clientPort}`).join(',');
}
export function dnsServerOf(state: ClusterState): string {
  return `${state.dns.address}:${state.dns.port}`;
}
function internalBootstrap(state: ClusterState): string {
  return state.brokers.map((b) => `${b.address}:${b.internalPort}`).join(',');
}
/** The cached jar folder of a version that `jars` resolved before. */
function libsOf(version: string): string {
  const libs = cachedKafkaLibs(version);
  if (libs === null) {
    throw new ClusterError(
      `the jars of Kafka ${version} are not in the cache; run 'kafka-upgrade-verifier local-cluster fetch --version ${version}'.`,
    );
  }
  return libs;
}

const jars = ensureKafkaJars;

/** A Kafka cluster id: 16 random bytes, base64url without padding, not starting with '-'. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Runs a Kafka Java tool (StorageTool, FeatureCommand, …) to completion. */
export function runKafkaTool(
  state: ClusterState,
  version: string,
  mainClass: string,
  args: string[],
  timeoutMs = 120_000,
): Promise<{ status: number; stdout: string; stderr: string }> {
  const libs = libsOf(version);
  return new Promise((resolve, reject) => {
    const child = spawn(
      'java',
      [
        '-Xmx256m',
        ...JVM_FLAGS,
        `-Dlog4j.configuration=file:${join(state.dataDir, 'tools-log4j.properties')}`,
        `-Dlog4j2.configurationFile=${join(state.dataDir, 'tools-log4j2.properties')}`,
        '-cp',
        `${libs}/*`,
        mainClass,
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      stderr += `\n(${mainClass} killed: no answer within ${Math.round(timeoutMs / 1000)} s)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status: status ?? 1, stdout, stderr });
    });
  });
}

function firstLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(0, n).join(' | ');
}

/** The last `n` lines of a file, for error messages. */
function tail(file: string, n = 15): string {
  try {
    const size = statSync(file).size;
    const length = Math.min(size, 16_384);
    const buffer = Buffer.alloc(length);
    const fd = openSync(file, 'r');
    readSync(fd, buffer, 0, length, size - length);
    closeSync(fd);
    return buffer.toString().trim().split('\n').slice(-n).join('\n    ');
  } catch {
    return '(no log)';
  }
}

function readFrom(file: string, offset: number): string {
  try {
    const size = statSync(file).size;
    if (size <= offset) return '';
    const buffer = Buffer.alloc(size - offset);
    const fd = openSync(file, 'r');
    readSync(fd, buffer, 0, buffer.length, offset);
    closeSync(fd);
    return buffer.toString();
  } catch {
    return '';
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function logFile(broker: BrokerState): string {
  return join(broker.dir, 'server.log');
}

function writeNodeFiles(state: ClusterState, broker: BrokerState): void {
  mkdirSync(broker.dir, { recursive: true });
  writeFileSync(join(broker.dir, 'server.properties'), serverProperties(state, broker));
}

function writeClusterFiles(state: ClusterState): void {
  writeFileSync(join(state.dataDir, 'log4j.properties'), log4jProperties('INFO', 'System.out'));
  writeFileSync(join(state.dataDir, 'log4j2.properties'), log4j2Properties('info', 'SYSTEM_OUT'));
  writeFileSync(
    join(state.dataDir, 'tools-log4j.properties'),
    log4jProperties('WARN', 'System.err'),
  );
  writeFileSync(
    join(state.dataDir, 'tools-log4j2.properties'),
    log4j2Properties('warn', 'SYSTEM_ERR'),
  );
  writeFileSync(state.dns.hostsFile, hostsFile(state));
}

async function startBrokerProcess(state: ClusterState, broker: BrokerState): Promise<number> {
  const libs = libsOf(broker.version);
  return spawnDetached(
    'java',
    [
      '-Xms256m',
      '-Xmx768m',
      ...JVM_FLAGS,
      '-XX:+ExitOnOutOfMemoryError',
      brokerMarker(broker),
      `-Dlog4j.configuration=file:${join(state.dataDir, 'log4j.properties')}`,
      `-Dlog4j2.configurationFile=${join(state.dataDir, 'log4j2.properties')}`,
      '-cp',
      `${libs}/*`,
      'kafka.Kafka',
      join(broker.dir, 'server.properties'),
    ],
    logFile(broker),
  );
}

/** Waits for "Kafka Server started" in the log written after `offset`; fails if the JVM exits. */
async function waitBrokerStarted(
  broker: BrokerState,
  offset: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = readFrom(logFile(broker), offset);
    if (text.includes('Kafka Server started')) return;
    if (!isRunning(broker.pid, brokerMarker(broker))) {
      throw new ClusterError(
        `broker ${broker.id} (Kafka ${broker.version}, ${broker.address}) exited while starting. ` +
          `Last lines of ${logFile(broker)}:\n    ${tail(logFile(broker))}`,
      );
    }
    await sleep(250);
  }
  throw new ClusterError(
    `broker ${broker.id} (Kafka ${broker.version}, ${broker.address}) did not log "Kafka Server started" within ${Math.round(timeoutMs / 1000)} s. ` +
      `Last lines of ${logFile(broker)}:\n    ${tail(logFile(broker))}\n  Raise --timeout on a slow machine, or read the log.`,
  );
}

async function startDns(state: ClusterState): Promise<number> {
  const args = [
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    '--no-resolv',
    '--no-hosts',
    `--addn-hosts=${state.dns.hostsFile}`,
    `--local=/${state.domain}/`,
    `--listen-address=${state.dns.address}`,
    '--bind-interfaces',
    `--port=${state.dns.port}`,
    `--pid-file=${join(state.dataDir, 'dnsmasq.pid')}`,
    '--log-facility=-',
  ];
  // As root dnsmasq otherwise drops to 'nobody', who may not read the 0700 data folder.
  if (process.getuid?.() === 0) args.push('--user=root');
  const pid = await spawnDetached(requireTool(DNSMASQ), args, join(state.dataDir, 'dnsmasq.log'));
  await sleep(200);
  if (!isRunning(pid, dnsMarker(state))) {
    throw new ClusterError(
      `dnsmasq exited at once on ${state.dns.address}:${state.dns.port}: ${tail(join(state.dataDir, 'dnsmasq.log'), 5)} — pick another --dns-port if it is taken.`,
    );
  }
  return pid;
}

/** Writes the hosts file and tells dnsmasq to re-read it (SIGHUP). */
function publishDns(state: ClusterState): void {
  writeFileSync(state.dns.hostsFile, hostsFile(state));
  if (state.dns.pid !== null) signal(state.dns.pid, 'SIGHUP');
}

async function portProblem(
  address: string,
  port: number,
  what: string,
  udp = false,
): Promise<string | null> {
  const free = udp ? await udpPortFree(address, port) : await tcpPortFree(address, port);
  if (free) return null;
  return `${udp ? 'UDP' : 'TCP'} port ${port} on ${address} (${what}) is already in use`;
}

async function checkPorts(checks: Array<[string, number, string, boolean?]>): Promise<void> {
  const problems = (
    await Promise.all(checks.map(([a, p, w, u]) => portProblem(a, p, w, u)))
  ).filter((p): p is string => p !== null);
  if (problems.length > 0) {
    throw new ClusterError(
      `${problems.join('; ')}. Another local cluster or program holds it (see 'ss -ltnup | grep PORT'): ` +
        "stop it ('kafka-upgrade-verifier local-cluster stop'), or choose other ports with --port-base / --dns-port.",
    );
  }
}

async function withAdmin<T>(state: ClusterState, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = createKafka({
    bootstrap: bootstrapOf(state),
    dnsServer: dnsServerOf(state),
    clientId: 'kuv-local-cluster',
    config: {
      retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
      connectionTimeout: 3000,
      requestTimeout: 10_000,
    },
  }).admin();
  try {
    await admin.connect();
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Polls `check` until it returns null (done) or the deadline passes; returns the last complaint. */
async function pollUntil(
  timeoutMs: number,
  check: () => Promise<string | null>,
): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  let last: string | null = 'not checked yet';
  while (Date.now() < deadline) {
    try {
      last = await check();
    } catch (error) {
      last = (error as Error).message;
    }
    if (last === null) return null;
    await sleep(500);
  }
  return last;
}

async function waitRegistered(state: ClusterState, timeoutMs: number): Promise<void> {
  const problem = await pollUntil(timeoutMs, () =>
    withAdmin(state, async (admin) => {
      const { brokers } = await admin.describeCluster();
      const missing = state.brokers.filter(
        (b) => !brokers.some((m) => m.nodeId === b.id && m.host === b.name),
      );
      return missing.length === 0
        ? null
        : `brokers not registered yet: ${missing.map((b) => b.id).join(', ')}`;
    }),
  );
  if (problem !== null) {
    throw new ClusterError(
      `the cluster did not become ready through its DNS names within ${Math.round(timeoutMs / 1000)} s (${problem}); ` +
        `broker logs are in ${state.dataDir}/node-*/server.log, dnsmasq's in ${state.dataDir}/dnsmasq.log.`,
    );
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
  await jars(version, log);

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
    writeClusterFiles(state);
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
  return (
    state.brokers.some((b) => isRunning(b.pid, brokerMarker(b))) ||
    isRunning(state.dns.pid, dnsMarker(state))
  );
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

/** Whether the cluster's dnsmasq still runs (status --json leaves it out of the documented shape). */
export function dnsRunning(state: ClusterState): boolean {
  return isRunning(state.dns.pid, dnsMarker(state));
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

/** Null when every broker is registered and no partition lacks a replica in its ISR. */
async function underReplicated(state: ClusterState): Promise<string | null> {
  return withAdmin(state, async (admin) => {
    const { brokers } = await admin.describeCluster();
    const absent = state.brokers.filter((b) => !brokers.some((m) => m.nodeId === b.id));
    if (absent.length > 0)
      return `broker(s) ${absent.map((b) => b.id).join(', ')} not registered (fenced or down)`;
    const { topics } = await admin.fetchTopicMetadata();
    const lagging: string[] = [];
    for (const topic of topics) {
      for (const p of topic.partitions) {
        if (p.isr.length < p.replicas.length || p.leader < 0)
          lagging.push(
            `${topic.name}-${p.partitionId} isr [${p.isr.join(',')}] of [${p.replicas.join(',')}]`,
          );
      }
    }
    return lagging.length === 0
      ? null
      : `${lagging.length} partition(s) under-replicated, e.g. ${lagging.slice(0, 3).join('; ')}`;
  });
}

async function leadershipUnsettled(state: ClusterState): Promise<string | null> {
  return withAdmin(state, async (admin) => {
    const { topics } = await admin.fetchTopicMetadata();
    const off: string[] = [];
    for (const topic of topics) {
      for (const p of topic.partitions) {
        if (p.leader !== p.replicas[0])
          off.push(`${topic.name}-${p.partitionId} led by ${p.leader}, preferred ${p.replicas[0]}`);
      }
    }
    return off.length === 0
      ? null
      : `${off.length} partition(s) not on their preferred leader, e.g. ${off.slice(0, 3).join('; ')}`;
  });
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
    await jars(version, log);
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

function releaseOf(text: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(text);
  return m === null ? null : [Number(m[1]), Number(m[2])];
}

/**
 * A broker cannot start on a metadata.version newer than its own release, and metadata
 * cannot be downgraded: refuse such a roll before stopping anything.
 */
async function refuseMetadataDowngrade(state: ClusterState, toVersion: string): Promise<void> {
  const target = releaseOf(toVersion)!;
  const lowerThanSome = state.brokers.some((b) => {
    const r = releaseOf(b.version)!;
    return r[0] > target[0] || (r[0] === target[0] && r[1] > target[1]);
  });
  if (!lowerThanSome) return;
  const finalized = (await describeFeatures(state))['metadata.version'];
  const level = finalized === undefined ? null : releaseOf(finalized);
  if (
    level !== null &&
    (level[0] > target[0] || (level[0] === target[0] && level[1] > target[1]))
  ) {
    throw new InputError(
      `--to-version ${toVersion}: the cluster's metadata.version is finalized at ${finalized}, which Kafka ${toVersion} cannot run, ` +
        `and metadata cannot be downgraded. Nothing was restarted; roll to Kafka ${level[0]}.${level[1]} or later instead.`,
    );
  }
}

async function electPreferred(state: ClusterState, log: Log): Promise<void> {
  const version = state.brokers[0]!.version;
  const result = await runKafkaTool(
    state,
    version,
    'org.apache.kafka.tools.LeaderElectionCommand',
    [
      '--bootstrap-server',
      internalBootstrap(state),
      '--election-type',
      'PREFERRED',
      '--all-topic-partitions',
    ],
  );
  if (result.status !== 0) {
    log(`  leader election reported: ${firstLines(result.stdout + result.stderr, 2)}`);
  }
}

/** Finalized feature levels as the Java AdminClient reports them (FeatureCommand describe). */
export async function describeFeatures(state: ClusterState): Promise<Record<string, string>> {
  const version = state.brokers[0]!.version;
  await jars(version, () => {});
  const result = await runKafkaTool(state, version, 'org.apache.kafka.tools.FeatureCommand', [
    '--bootstrap-server',
    internalBootstrap(state),
    'describe',
  ]);
  if (result.status !== 0) {
    throw new ClusterError(
      `FeatureCommand describe (Kafka ${version}) failed: ${firstLines(result.stderr + result.stdout)}`,
    );
  }
  const features: Record<string, string> = {};
  for (const line of result.stdout.split('\n')) {
    const name = /Feature:\s*(\S+)/.exec(line)?.[1];
    const level = /FinalizedVersionLevel:\s*(\S+)/.exec(line)?.[1];
    if (name !== undefined && level !== undefined) features[name] = level;
  }
  return features;
}

async function finalizeFeatures(
  state: ClusterState,
  version: string,
  log: Log,
): Promise<Record<string, string>> {
  const release = version.split('.').slice(0, 2).join('.');
  log(
    `finalizing feature levels for release ${release} (FeatureCommand upgrade --release-version ${release})`,
  );
  const result = await runKafkaTool(state, version, 'org.apache.kafka.tools.FeatureCommand', [
    '--bootstrap-server',
    internalBootstrap(state),
    'upgrade',
    '--release-version',
    release,
  ]);
  if (result.status !== 0) {
    throw new ClusterError(
      `every broker runs Kafka ${version}, but finalizing the feature levels failed: ${firstLines(result.stderr + result.stdout)}. ` +
        `Retry by hand: java -cp '${libsOf(version)}/*' org.apache.kafka.tools.FeatureCommand --bootstrap-server ${internalBootstrap(state)} upgrade --release-version ${release}`,
    );
  }
  log(`  ${firstLines(result.stdout, 4)}`);
  return describeFeatures(state);
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
