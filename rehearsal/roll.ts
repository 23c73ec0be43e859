/**
 * Rolling restarts of a running local cluster, one broker at a time — the way a
 * provider's upgrade does it: plain restarts, onto new jars (`toVersion`), or onto new
 * addresses behind the same DNS names (`readdress`).
 *
 * A refused roll changes nothing: every check that can refuse runs before the broker it
 * concerns is stopped, and a refusal leaves every process running and the state file in
 * place. A broker that does not come back stops the cluster but keeps its data, its logs
 * and its state file, so `stop` still finds whatever survived.
 */
import { ClusterError, InputError } from '../functions/core/errors.js';
import { altAddress } from './addresses.js';
import { logFile, startBrokerProcess, waitBrokerStarted, writeNodeFiles } from './brokers.js';
import { loadRunning, lockOptions, statusOf, stopState, type ClusterStatus } from './cluster.js';
import { publishDns } from './dns-server.js';
import { finalizeFeatures, refuseMetadataDowngrade } from './features.js';
import {
  electAndSettle,
  gateUntilSafe,
  pollUntil,
  type RollGate,
  underReplicated,
} from './health.js';
import { checkKafkaVersion, ensureKafkaJars } from './jars.js';
import { withLock } from './lock.js';
import { fileSize } from './log-files.js';
import { silentLog, type Log } from './log.js';
import { checkPorts } from './ports.js';
import { isRunning, terminate } from './process.js';
import { DEFAULT_ROLL_TIMEOUT_MS } from './settings.js';
import { brokerMarker, writeState, type BrokerState, type ClusterState } from './state.js';
import { JAVA, requireTool } from './tools.js';

export interface RollOptions {
  statePath: string;
  toVersion?: string;
  readdress?: boolean;
  /** Only these broker ids, in this order; default every broker by id. */
  brokerIds?: number[];
  /** Per step (shutdown, start, ISR); default 180 s. */
  timeoutMs?: number;
  /**
   * Run a preferred leader election after each broker comes back (default true). Off,
   * leadership stays where the restarts pushed it (with `start --no-auto-rebalance`,
   * until `electLeaders`).
   */
  electLeaders?: boolean;
  /**
   * Wait between brokers (and before the first) with the gate (functions/core/gate):
   * brokers registered and reachable by name, partitions in sync, and with `runDir` the
   * live run's findings and canary. Absent: the roll's own ISR wait.
   */
  gate?: RollGate;
  /** How long to wait for another operation on the same state file; default 10 s. */
  lockWaitMs?: number;
  log?: Log;
}

/** A check before a broker was stopped refused the step: nothing of it happened. */
class StepRefused extends Error {}

/** Where a broker's client and internal listeners go on this roll. */
function nextAddress(broker: BrokerState, readdress: boolean): string {
  if (!readdress) return broker.address;
  return broker.address === broker.homeAddress ? altAddress(broker.id) : broker.homeAddress;
}

async function checkNewAddress(broker: BrokerState, address: string): Promise<void> {
  if (address === broker.address) return;
  await checkPorts([
    [address, broker.clientPort, `broker ${broker.id} new client listener`],
    [address, broker.internalPort, `broker ${broker.id} new internal listener`],
  ]);
}

/** Rolls brokers one at a time: SIGTERM, wait, start (maybe on new jars/address), wait ISR, elect. */
export async function roll(options: RollOptions): Promise<ClusterStatus> {
  const log = options.log ?? silentLog;
  return withLock(options.statePath, 'roll', lockOptions(options, log), () =>
    rollLocked(options, log),
  );
}

async function rollLocked(options: RollOptions, log: Log): Promise<ClusterStatus> {
  const { statePath } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_ROLL_TIMEOUT_MS;
  const readdress = options.readdress === true;
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
        "nothing was restarted. See 'local-cluster status'; restart the broker, or stop and start the cluster.",
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
  // Every broker's first move, before any broker stops (each step checks again).
  const firstMoves = [...new Set(ids)].map((id) => state.brokers.find((b) => b.id === id)!);
  try {
    for (const broker of firstMoves) await checkNewAddress(broker, nextAddress(broker, readdress));
  } catch (error) {
    throw refusal(error, statePath, []);
  }
  const began = Date.now();
  const what = [
    options.toVersion !== undefined ? `onto Kafka ${options.toVersion}` : null,
    readdress ? 'with new addresses' : null,
    options.electLeaders === false ? 'without leader elections' : null,
  ].filter((w) => w !== null);
  log(
    `rolling restart of broker(s) ${ids.join(', ')}${what.length > 0 ? ` ${what.join(', ')}` : ''}`,
  );
  const settle = await healthy(state, options, timeoutMs, log, '');
  if (settle !== null) {
    throw new ClusterError(
      `the cluster is not healthy before the roll (${settle}); nothing was restarted. Wait, or check the broker logs in ${state.dataDir}.`,
    );
  }

  const rolled: number[] = [];
  try {
    for (const id of ids) {
      await rollOne(
        state,
        state.brokers.find((b) => b.id === id)!,
        options,
        log,
      );
      rolled.push(id);
    }
  } catch (error) {
    if (error instanceof StepRefused) {
      writeState(statePath, state);
      throw refusal(error.cause, statePath, rolled);
    }
    // A broker that does not come back: stop everything, keep the evidence and the state.
    log('roll failed; stopping every process of the cluster (data and logs kept)');
    const { survivors } = await stopState(state, { keep: true, log });
    writeState(statePath, state);
    const message = error instanceof Error ? error.message : String(error);
    throw new ClusterError(
      `${message}\n  The roll stopped there and every process of the cluster was stopped` +
        `${survivors.length > 0 ? ` except: ${survivors.join('; ')}` : ''}; logs and data are kept in ${state.dataDir}. ` +
        `The state file ${statePath} still names them: 'kafka-upgrade-verifier local-cluster stop' removes the data` +
        `${survivors.length > 0 ? ' and ends what is left' : ''} (so does the next 'start').`,
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
  return statusOf(state);
}

/** Null once the cluster is whole: through the gate with `options.gate`, else every ISR full. */
function healthy(
  state: ClusterState,
  options: RollOptions,
  timeoutMs: number,
  log: Log,
  prefix: string,
): Promise<string | null> {
  if (options.gate !== undefined) return gateUntilSafe(state, timeoutMs, log, prefix, options.gate);
  return pollUntil(timeoutMs, () => underReplicated(state));
}

function refusal(cause: unknown, statePath: string, rolled: number[]): ClusterError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new ClusterError(
    `roll refused: ${message}\n  Nothing was stopped for it: the cluster runs as before` +
      `${rolled.length > 0 ? ` (broker(s) ${rolled.join(', ')} had already been rolled)` : ''} and its state file ${statePath} is in place.`,
    { cause },
  );
}

async function rollOne(
  state: ClusterState,
  broker: BrokerState,
  options: RollOptions,
  log: Log,
): Promise<void> {
  const { statePath } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_ROLL_TIMEOUT_MS;
  const id = broker.id;
  const stepStart = Date.now();
  const newAddress = nextAddress(broker, options.readdress === true);
  try {
    await checkNewAddress(broker, newAddress);
  } catch (error) {
    throw new StepRefused(`broker ${id}`, { cause: error });
  }
  log(`broker ${id}: SIGTERM to pid ${broker.pid} (controlled shutdown)`);
  const ended = await terminate(broker.pid!, brokerMarker(broker), timeoutMs);
  log(
    `broker ${id}: ${ended === 'killed' ? `did not exit within ${Math.round(timeoutMs / 1000)} s, killed` : 'exited'} after ${((Date.now() - stepStart) / 1000).toFixed(1)} s`,
  );
  broker.pid = null;
  writeState(statePath, state);
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
  log(
    `broker ${id}: Kafka Server started; waiting until it is back in every ISR${options.gate === undefined ? '' : ' (the gate)'}`,
  );
  const lagging = await healthy(state, options, timeoutMs, log, `broker ${id}: `);
  if (lagging !== null) {
    throw new ClusterError(
      `broker ${id} did not rejoin every ISR within ${Math.round(timeoutMs / 1000)} s (${lagging}); its log is ${logFile(broker)}.`,
    );
  }
  if (options.electLeaders === false) {
    log(
      `broker ${id}: in every ISR; no leader election (leadership stays where the restarts left it); step took ${((Date.now() - stepStart) / 1000).toFixed(1)} s`,
    );
    return;
  }
  log(`broker ${id}: in every ISR; running a preferred leader election`);
  await electAndSettle(state, log, `broker ${id}: `);
  log(
    `broker ${id}: back, leadership settled; step took ${((Date.now() - stepStart) / 1000).toFixed(1)} s`,
  );
}
