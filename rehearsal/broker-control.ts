/**
 * Faults and repairs on one broker of a running local cluster, for tests that need a
 * broker to die mid-run: kill it (SIGKILL, no controlled shutdown), start it again,
 * and move leadership back with a preferred leader election.
 */
import { ClusterError, InputError } from '../functions/core/errors.js';
import { logFile, startBrokerProcess, waitBrokerStarted, writeNodeFiles } from './brokers.js';
import { loadRunning, lockOptions, statusOf, type ClusterStatus } from './cluster.js';
import { electAndSettle, gateUntilSafe } from './health.js';
import { libsOf } from './java.js';
import { withLock } from './lock.js';
import { fileSize } from './log-files.js';
import { silentLog, type Log } from './log.js';
import { isRunning, signal, terminate, waitForExit } from './process.js';
import { DEFAULT_START_TIMEOUT_MS } from './settings.js';
import { brokerMarker, writeState, type BrokerState, type ClusterState } from './state.js';
import { JAVA, requireTool } from './tools.js';

export interface BrokerOptions {
  /** How long to wait for another operation on the same state file; default 10 s. */
  lockWaitMs?: number;
  log?: Log;
}

function brokerOf(state: ClusterState, id: number): BrokerState {
  const broker = state.brokers.find((b) => b.id === id);
  if (broker === undefined) {
    throw new InputError(
      `broker ${id}: this cluster has brokers ${state.brokers.map((b) => b.id).join(', ')}.`,
    );
  }
  return broker;
}

/**
 * SIGKILLs broker `id` (no controlled shutdown: a crash), waits until it is gone and
 * records it as stopped in the state file. Refuses a broker that is not running.
 */
export async function killBroker(
  statePath: string,
  id: number,
  options: BrokerOptions = {},
): Promise<ClusterStatus> {
  const log = options.log ?? silentLog;
  return withLock(statePath, 'kill', lockOptions(options, log), async () => {
    const state = loadRunning(statePath);
    const broker = brokerOf(state, id);
    if (!isRunning(broker.pid, brokerMarker(broker))) {
      throw new ClusterError(
        `broker ${id} is not running (state file ${statePath}); nothing was killed. Start it with restartBroker.`,
      );
    }
    const pid = broker.pid!;
    signal(pid, 'SIGKILL');
    if (!(await waitForExit(pid, brokerMarker(broker), 10_000))) {
      throw new ClusterError(
        `broker ${id} (pid ${pid}) still runs 10 s after SIGKILL; the state file still names it.`,
      );
    }
    broker.pid = null;
    writeState(statePath, state);
    log(`broker ${id}: killed pid ${pid} (SIGKILL)`);
    return statusOf(state);
  });
}

export interface RestartOptions extends BrokerOptions {
  /** To start and (with waitInSync) to rejoin every ISR; default 120 s. */
  timeoutMs?: number;
  /** Wait until no partition is under-replicated (default true). */
  waitInSync?: boolean;
}

/**
 * Starts broker `id` again after killBroker (or a crash): same data, same address and
 * version, regenerated server.properties. Refuses a broker that is running.
 */
export async function restartBroker(
  statePath: string,
  id: number,
  options: RestartOptions = {},
): Promise<ClusterStatus> {
  const log = options.log ?? silentLog;
  const timeoutMs = options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  return withLock(statePath, 'restart', lockOptions(options, log), async () => {
    const state = loadRunning(statePath);
    const broker = brokerOf(state, id);
    if (isRunning(broker.pid, brokerMarker(broker))) {
      throw new ClusterError(
        `broker ${id} already runs (pid ${broker.pid}); nothing was started. Use roll to restart a running broker.`,
      );
    }
    requireTool(JAVA);
    libsOf(broker.version);
    writeNodeFiles(state, broker);
    const offset = fileSize(logFile(broker));
    broker.pid = await startBrokerProcess(state, broker);
    writeState(statePath, state);
    log(`broker ${id}: started pid ${broker.pid} (Kafka ${broker.version} on ${broker.address})`);
    try {
      await waitBrokerStarted(broker, offset, timeoutMs);
    } catch (error) {
      await terminate(broker.pid, brokerMarker(broker), 10_000);
      if (!isRunning(broker.pid, brokerMarker(broker))) broker.pid = null;
      writeState(statePath, state);
      throw error;
    }
    if (options.waitInSync !== false) {
      // The gate (functions/core/gate): registered, reachable by name, every ISR full.
      const lagging = await gateUntilSafe(state, timeoutMs, log, `broker ${id}: `, {});
      if (lagging !== null) {
        throw new ClusterError(
          `broker ${id} runs again but did not rejoin every ISR within ${Math.round(timeoutMs / 1000)} s (${lagging}); its log is ${logFile(broker)}.`,
        );
      }
      log(`broker ${id}: back in every ISR`);
    }
    return statusOf(state);
  });
}

/**
 * Preferred leader election on every partition, then up to `settleMs` (default 30 s)
 * for leadership to settle. Resolves to null when every partition is led by its
 * preferred replica, else what is still off.
 */
export async function electLeaders(
  statePath: string,
  options: BrokerOptions & { settleMs?: number } = {},
): Promise<string | null> {
  const log = options.log ?? silentLog;
  return withLock(statePath, 'elect', lockOptions(options, log), async () =>
    electAndSettle(loadRunning(statePath), log, '', options.settleMs),
  );
}
