/**
 * The rehearsal around a canary run (`kafka-upgrade-verifier rehearse`): a local
 * cluster of its own (started here, or one already running at the rehearsal's state
 * file), the disturbance an upgrade brings (a rolling restart, an upgrade onto other
 * jars, brokers moving address — or a broker crash), timed against the canary, and the
 * cluster stopped at the end when this rehearsal started it. The canary itself is the
 * caller's (rehearsal/rehearsal-run.ts, through functions/core/run); this module knows
 * nothing of it.
 */
import { join } from 'node:path';

import { ClusterError } from '../functions/core/errors.js';
import { electLeaders, killBroker, restartBroker } from './broker-control.js';
import { anyProcessRunning, start, statusOf, stop, type ClusterStatus } from './cluster.js';
import { cachedKafkaLibs, checkKafkaVersion, ensureKafkaJars } from './jars.js';
import type { Log } from './log.js';
import { cacheRoot } from './paths.js';
import { roll } from './roll.js';
import { sleep } from './process.js';
import type { LocalSecurity } from './security.js';
import { DEFAULT_IMBALANCE_CHECK_SECONDS } from './settings.js';
import { readState, type ClusterState } from './state.js';
import { DNSMASQ, JAVA, MAVEN, requireTool } from './tools.js';

/** Sized so that a default rehearsal takes about three minutes on a 2-core machine. */
export const REHEARSAL_DEFAULTS = {
  /** Canary traffic before the roll starts. */
  warmupMs: 20_000,
  /** Canary traffic after the roll is done, before producing stops. */
  tailMs: 10_000,
  /** Consuming after producing stops. */
  settleMs: 30_000,
  /**
   * How long a killed broker stays down: past the 9 s broker session timeout, so the
   * controller fences it and moves its leadership, as after a real crash. Restarted at
   * once, it would re-register before anyone (the canary's watcher included) saw it go.
   */
  crashDownMs: 15_000,
} as const;

/** `<cache>/rehearse/state.json`: apart from `local-cluster`'s own state file. */
export function rehearsalStatePath(): string {
  return process.env.KUV_REHEARSE_STATE ?? join(cacheRoot(), 'rehearse', 'state.json');
}

/**
 * How leadership comes back after a broker restarts:
 * - `elect`: a preferred leader election after each broker (a controlled upgrade that
 *   moves leadership back itself; the brokers' own rebalancing is off);
 * - `auto`: the brokers' own `auto.leader.rebalance.enable`, checked every
 *   `leader.imbalance.check.interval.seconds` — what Amazon MSK and most clusters run;
 * - `off`: neither: leadership stays where the restarts put it.
 */
export type Leadership =
  { mode: 'elect' } | { mode: 'auto'; checkSeconds: number } | { mode: 'off' };

export const LEADERSHIP_MODES = ['elect', 'auto', 'off'] as const;

/** Kafka's own leader.imbalance.check.interval.seconds, and so `--leadership auto`'s default. */
export const KAFKA_IMBALANCE_CHECK_SECONDS = 300;

/** What disturbs the cluster while the canary runs, and how leadership comes back. */
export type Disturbance =
  | { kind: 'roll'; toVersion?: string; readdress: boolean; leadership: Leadership }
  | { kind: 'kill'; broker: number; leadership: Leadership };

/** The summary's words for a leadership mode. */
export function describeLeadership(l: Leadership): string {
  switch (l.mode) {
    case 'elect':
      return 'leadership: a preferred leader election after each broker';
    case 'auto':
      return `leadership: the brokers' own rebalancing (auto.leader.rebalance.enable, checked every ${l.checkSeconds} s)`;
    case 'off':
      return 'leadership: no elections, no automatic rebalancing';
  }
}

/** One line saying what the disturbance does. */
export function describeDisturbance(d: Disturbance): string {
  if (d.kind === 'kill') {
    return `broker ${d.broker} killed (SIGKILL), down ${REHEARSAL_DEFAULTS.crashDownMs / 1000} s, started again; ${describeLeadership(d.leadership)}`;
  }
  const parts = [
    'rolling restart',
    d.toVersion === undefined ? null : `onto Kafka ${d.toVersion}`,
    d.readdress ? 'onto new addresses' : null,
  ];
  return `${parts.filter((p) => p !== null).join(' ')}; ${describeLeadership(d.leadership)}`;
}

/**
 * Every program the rehearsal needs that this machine lacks, each with the command
 * that installs it, in one error — so a fresh machine learns all of it at once. Maven
 * is needed only for a Kafka version whose jars are not cached yet.
 */
export function checkRehearsalTools(versions: readonly string[]): void {
  for (const v of versions) checkKafkaVersion(v);
  const needed = [JAVA, DNSMASQ];
  const uncached = versions.filter((v) => cachedKafkaLibs(v) === null);
  if (uncached.length > 0) needed.push(MAVEN);
  const missing: string[] = [];
  for (const tool of needed) {
    try {
      requireTool(tool);
    } catch (error) {
      missing.push(`  - ${(error as Error).message}`);
    }
  }
  if (missing.length > 0) {
    throw new ClusterError(
      `rehearse cannot start: ${missing.length} program(s) missing on this machine` +
        (uncached.length > 0
          ? ` (Maven resolves Kafka ${uncached.join(' and ')} from Maven Central, once)`
          : '') +
        `:\n${missing.join('\n')}`,
    );
  }
}

export interface RehearsalCluster {
  statePath: string;
  status: ClusterStatus;
  /** True when this rehearsal started it (and so stops it). */
  started: boolean;
}

export interface OpenClusterOptions {
  statePath: string;
  version: string;
  /** Also fetched up front, so no Maven run happens while the canary runs. */
  toVersion?: string;
  portBase?: number;
  dnsPort?: number;
  /** The client listener's security when a new cluster is started (default plaintext). */
  security?: LocalSecurity;
  /** Decides the brokers' automatic leader rebalancing (on only for `auto`). */
  leadership: Leadership;
  log: Log;
}

/**
 * The cluster to rehearse on: the one running at `statePath` if there is one (left
 * running afterwards; refused when its automatic rebalancing cannot give the
 * leadership mode asked for), else a new one, started with automatic leader
 * rebalancing only for `leadership: auto` (with its check interval). For `elect` and
 * `off` it is off: leadership moves only where the roll's own elections move it, not
 * on a background timer in the middle of the canary.
 */
export async function openCluster(options: OpenClusterOptions): Promise<RehearsalCluster> {
  const { statePath, log } = options;
  for (const v of new Set([options.version, options.toVersion ?? options.version])) {
    await ensureKafkaJars(v, log);
  }
  const existing = readState(statePath);
  if (existing !== null && anyProcessRunning(existing)) {
    const status = await statusOf(existing);
    const versions = [...new Set(status.brokers.map((b) => b.version))].join(', ');
    log(
      `using the cluster already running at ${statePath} (Kafka ${versions}, bootstrap ${status.bootstrap}); it is left running afterwards`,
    );
    if (!versions.split(', ').includes(options.version)) {
      log(`note: it runs Kafka ${versions}, not the --version ${options.version} asked for`);
    }
    checkLeadershipOf(existing, options.leadership, statePath, log);
    return { statePath, status, started: false };
  }
  log(`starting a local cluster (Kafka ${options.version}) for the rehearsal; state ${statePath}`);
  const status = await start({
    statePath,
    version: options.version,
    autoLeaderRebalance: options.leadership.mode === 'auto',
    ...(options.leadership.mode === 'auto'
      ? { leaderImbalanceCheckSeconds: options.leadership.checkSeconds }
      : {}),
    ...(options.security === undefined ? {} : { security: options.security }),
    ...(options.portBase === undefined ? {} : { portBase: options.portBase }),
    ...(options.dnsPort === undefined ? {} : { dnsPort: options.dnsPort }),
    log,
  });
  return { statePath, status, started: true };
}

/**
 * A running cluster's brokers rebalance leadership as they were started to: `auto`
 * needs it on at the interval asked for (refused otherwise: the brokers cannot change
 * it without a restart); `elect` and `off` on a cluster that rebalances by itself run,
 * with a note that leadership also moves on the brokers' timer.
 */
function checkLeadershipOf(
  state: ClusterState,
  leadership: Leadership,
  statePath: string,
  log: Log,
): void {
  const auto = state.autoLeaderRebalance !== false;
  const every = state.leaderImbalanceCheckSeconds ?? DEFAULT_IMBALANCE_CHECK_SECONDS;
  const restart = `stop it ('kafka-upgrade-verifier local-cluster stop --state ${statePath}') and rehearse again, or pick another --leadership`;
  if (leadership.mode === 'auto' && !auto) {
    throw new ClusterError(
      `--leadership auto: the cluster already running at ${statePath} was started with auto.leader.rebalance.enable=false, and brokers take that setting only at start; ${restart}`,
    );
  }
  if (leadership.mode === 'auto' && every !== leadership.checkSeconds) {
    throw new ClusterError(
      `--leadership auto --rebalance-interval ${leadership.checkSeconds}s: the cluster already running at ${statePath} checks every ${every} s (leader.imbalance.check.interval.seconds, read only at start); ${restart}`,
    );
  }
  if (leadership.mode !== 'auto' && auto) {
    log(
      `note: the cluster at ${statePath} rebalances leadership by itself every ${every} s (auto.leader.rebalance.enable=true): leadership also moves on that timer, not only as --leadership ${leadership.mode} says`,
    );
  }
}

/** What the disturbance did, for the summary. */
export interface DisturbanceResult {
  what: string;
  startedAt: number;
  endedAt: number;
  /** Preferred leader election left something unsettled (no election run: null). */
  note: string | null;
}

/** Disturbs the cluster as `d` says and resolves once it is whole again. */
export async function disturb(
  statePath: string,
  d: Disturbance,
  log: Log,
  runDir?: string,
): Promise<DisturbanceResult> {
  const startedAt = Date.now();
  let note: string | null = null;
  if (d.kind === 'roll') {
    await roll({
      statePath,
      readdress: d.readdress,
      electLeaders: d.leadership.mode === 'elect',
      // Every rehearsal's roll goes through the gate, with the run's live findings.
      gate: runDir === undefined ? {} : { runDir },
      ...(d.toVersion === undefined ? {} : { toVersion: d.toVersion }),
      log,
    });
  } else {
    await killBroker(statePath, d.broker, { log });
    await sleep(REHEARSAL_DEFAULTS.crashDownMs);
    await restartBroker(statePath, d.broker, { log });
    // A crashed leader's partitions stay with their new leaders: with `elect`, move
    // them back, as the roll does after each broker (`auto` leaves it to the brokers).
    if (d.leadership.mode === 'elect') note = await electLeaders(statePath, { log });
  }
  return { what: describeDisturbance(d), startedAt, endedAt: Date.now(), note };
}

/** Stops the cluster when this rehearsal started it and the user did not ask to keep it. */
export async function closeCluster(
  cluster: RehearsalCluster,
  keep: boolean,
  log: Log,
): Promise<string> {
  if (!cluster.started)
    return `the cluster at ${cluster.statePath} was running before: left running`;
  if (keep) {
    return `cluster kept running (--keep-cluster): bootstrap ${cluster.status.bootstrap}, DNS ${cluster.status.dnsServer}; stop it with 'kafka-upgrade-verifier local-cluster stop --state ${cluster.statePath}'`;
  }
  await stop(cluster.statePath, { log, lockWaitMs: 300_000 });
  return 'cluster stopped';
}
