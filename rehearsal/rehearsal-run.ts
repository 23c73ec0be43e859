/**
 * A rehearsal driven through the one run pipeline (functions/core/run/pipeline.ts):
 * the local cluster opened (rehearse.ts), the canary run against it with the
 * disturbance as the pipeline's `during` hook — after the warmup, the roll (or the
 * crash), then a short tail, then the canary phase ends — and the cluster closed
 * whatever happened. The disturbance's outcome is a value (DisturbanceOutcome); a
 * failed one is thrown once the run is verified, so its report is still written.
 */
import {
  DEFAULT_CANARY_TOPIC,
  defaultGroup,
  formatDuration,
} from '../functions/core/canary/index.js';
import type { ProducerMode } from '../functions/core/canary/state.js';
import type { StatusView } from '../functions/core/canary/status.js';
import { DEFAULT_WINDOW_MS, type Policy } from '../functions/core/history/index.js';
import {
  notVerified,
  runCanaryToFolder,
  runConnection,
  type CanaryRunControls,
  type CanaryRunOutcome,
  type During,
} from '../functions/core/run/pipeline.js';
import { pause } from '../functions/core/wait.js';
import type { ClientName, ClientSettingsProfile } from '../clients/index.js';
import {
  closeCluster,
  describeDisturbance,
  disturb,
  openCluster,
  REHEARSAL_DEFAULTS,
  type Disturbance,
  type DisturbanceResult,
  type RehearsalCluster,
} from './rehearse.js';
import type { LocalSecurity } from './security.js';
import { clientSecurityOf } from './security.js';

/** What the disturbance came to: not begun (the canary ended first), done, or failed. */
export type DisturbanceOutcome =
  | { kind: 'not-begun' }
  | { kind: 'done'; result: DisturbanceResult }
  | { kind: 'failed'; error: unknown };

/** The canary's upper bound: the roll ends it long before (each roll step has its own timeout). */
const CANARY_BOUND_MS = 60 * 60_000;

/**
 * The `during` hook of a rehearsal: waits out the warmup (a Ctrl-C ends it: not
 * begun), disturbs the cluster, keeps the canary going for the tail, then ends the
 * canary phase — also when the disturbance failed. Never rejects.
 */
export function disturbAfterWarmup(options: {
  statePath: string;
  disturbance: Disturbance;
  warmupMs: number;
  log: (message: string) => void;
  /** The run folder, for the gate between brokers. */
  runDir?: string;
}): During<DisturbanceOutcome> {
  const { disturbance, log } = options;
  return async (stopCanary) => {
    await pause(options.warmupMs, stopCanary.signal);
    if (stopCanary.signal.aborted) return { kind: 'not-begun' };
    log(`warmup over; ${describeDisturbance(disturbance)}`);
    try {
      const result = await disturb(options.statePath, disturbance, log, options.runDir);
      log(
        `${result.what}: done in ${formatDuration(result.endedAt - result.startedAt)}${result.note === null ? '' : ` (${result.note})`}; producing stops in ${formatDuration(REHEARSAL_DEFAULTS.tailMs)}`,
      );
      await pause(REHEARSAL_DEFAULTS.tailMs, stopCanary.signal);
      return { kind: 'done', result };
    } catch (error) {
      log(`${describeDisturbance(disturbance)} failed: ${(error as Error).message}`);
      return { kind: 'failed', error };
    } finally {
      stopCanary.abort();
    }
  };
}

/** The summary's rehearsal line: the cluster, what the disturbance did, time so far. */
export function rehearsalLines(
  cluster: RehearsalCluster,
  disturbance: Disturbance,
  outcome: DisturbanceOutcome | undefined,
  began: number,
): string[] {
  const versions = [...new Set(cluster.status.brokers.map((b) => b.version))].join(', ');
  const what =
    outcome?.kind !== 'done'
      ? `${describeDisturbance(disturbance)}: not done (the canary ended before it began, or it failed)`
      : `${outcome.result.what} in ${formatDuration(outcome.result.endedAt - outcome.result.startedAt)}`;
  return [
    `rehearsal: local cluster of ${cluster.status.brokers.length} brokers, Kafka ${versions}${cluster.started ? '' : ' (already running)'}; ${what}; ${formatDuration(Date.now() - began)} so far`,
  ];
}

/** What one rehearsal needs once its flags are checked. */
export interface RehearsalPlan {
  runId: string;
  outDir: string;
  version: string;
  disturbance: Disturbance;
  warmupMs: number;
  settleMs: number;
  producer: ProducerMode;
  intervalMs: number;
  policy: Policy;
  keepCluster: boolean;
  statePath: string;
  portBase: number | undefined;
  dnsPort: number | undefined;
  security: LocalSecurity;
  clients: readonly ClientName[];
  /** `--client-settings`: how those libraries are configured; default `defaults`. */
  clientSettings?: ClientSettingsProfile;
  /** The user's topics the watcher also watches, read-only (`--topics`). */
  watchTopics: readonly string[];
}

export interface RehearsalControls extends Pick<
  CanaryRunControls<DisturbanceOutcome>,
  'monitors' | 'log'
> {
  view: StatusView;
  stopCanary: AbortController;
  abort: AbortSignal;
  /** Says how the cluster was left (stopped, kept, was running before), at the end. */
  onClosed: (closed: string, tookMs: number) => void;
}

/**
 * One rehearsal start to end. Resolves with the run's outcome; rejects with the
 * disturbance's error when it failed (after the report was written), and with the
 * cluster's when it could not be opened. The cluster this call started is stopped
 * either way (unless kept), never under a disturbance still going.
 */
export async function rehearse(
  plan: RehearsalPlan,
  controls: RehearsalControls,
): Promise<CanaryRunOutcome<DisturbanceOutcome>> {
  const { disturbance } = plan;
  const log = (message: string) => controls.view.note(`rehearse: ${message}`);
  const began = Date.now();
  let cluster: RehearsalCluster | null = null;
  try {
    const toVersion = disturbance.kind === 'roll' ? disturbance.toVersion : undefined;
    cluster = await openCluster({
      statePath: plan.statePath,
      version: plan.version,
      ...(toVersion === undefined ? {} : { toVersion }),
      portBase: plan.portBase,
      dnsPort: plan.dnsPort,
      security: plan.security,
      leadership: disturbance.leadership,
      log,
    });
    if (controls.stopCanary.signal.aborted) {
      return notVerified(130, 'rehearse interrupted before the canary started.');
    }
    const opened = cluster;
    const { bootstrap, dnsServer } = opened.status;
    const topic = DEFAULT_CANARY_TOPIC;
    const outcome = await runCanaryToFolder(
      {
        runId: plan.runId,
        outDir: plan.outDir,
        connection: runConnection(
          bootstrap,
          dnsServer,
          plan.runId,
          clientSecurityOf(opened.status),
        ),
        clients: plan.clients,
        ...(plan.clientSettings === undefined ? {} : { clientSettings: plan.clientSettings }),
        watchTopics: plan.watchTopics,
        cluster: 'local-rehearsal',
        topic,
        group: defaultGroup(topic),
        producer: plan.producer,
        intervalMs: plan.intervalMs,
        durationMs: CANARY_BOUND_MS,
        settleMs: plan.settleMs,
        sliceMs: 30_000,
        policy: plan.policy,
        windowMs: DEFAULT_WINDOW_MS,
        tool: 'kafka-upgrade-verifier rehearse',
      },
      {
        ...controls,
        during: disturbAfterWarmup({
          statePath: plan.statePath,
          disturbance,
          warmupMs: plan.warmupMs,
          log,
          runDir: plan.outDir,
        }),
        header: (during) => rehearsalLines(opened, disturbance, during, began),
      },
    );
    if (outcome.during?.kind === 'failed') throw outcome.during.error;
    return outcome;
  } finally {
    if (cluster !== null) {
      controls.onClosed(await closeCluster(cluster, plan.keepCluster, log), Date.now() - began);
    }
  }
}
