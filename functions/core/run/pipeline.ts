/**
 * The one run pipeline, start to end, that `run` and `rehearse` both drive:
 *
 *   preflight → the sink → the canary session (slices, monitors) ─┬→ judge-and-write → publish
 *                              during(stop) → outcome (rehearse) ──┘
 *
 * preflight refuses a cluster the run cannot use (InputError) before anything is
 * written; the canary runs through its slices into `<outDir>/history.jsonl.gz`; a
 * caller's `during` hook (rehearse's disturbance) starts with the first canary message
 * and may end the canary phase; the finished history is judged and its three files
 * written (functions/core/run/judge.ts); the report's metrics go to CloudWatch when
 * asked (functions/core/run/publish.ts). Never writes a report for a run that failed or was aborted. Prints nothing:
 * the outcome says what to print (bin/commands/*).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

import {
  clientEntries,
  clientMonitors,
  clientTableOfHistory,
  DEFAULT_CLIENT_SETTINGS,
  DEFAULT_CLIENTS,
  formatClientTable,
  type ClientName,
  type ClientRow,
  type ClientSettingsProfile,
} from '../../../clients/index.js';
import { formatDuration, parseDuration } from '../duration.js';
import { CanaryAbortedError, CanaryRunError } from '../canary/errors.js';
import { preflight } from '../canary/preflight.js';
import { MAX_QUEUED_PER_PARTITION } from '../canary/producer.js';
import { runCanary } from '../canary/run.js';
import { GzipFileSink } from '../canary/sink.js';
import type { ProducerMode, SliceState } from '../canary/state.js';
import type { StatusView } from '../canary/status.js';
import { InputError, TornHistoryError } from '../errors.js';
import { exitStatusFor, type Policy, type Report } from '../history/index.js';
import { createKafka, RUN_CLIENT_SETTINGS, type KafkaConnection } from '../kafka/client.js';
import type { SecurityOptions } from '../kafka/security.js';
import type { RunMonitor } from '../probe/monitor.js';
import { clusterMonitors } from '../probe/monitors.js';
import { readinessMonitor } from '../readiness/records.js';
import { openGzipHistory } from './history-file.js';
import { judgeHistoryFile, runFiles, writeRunFiles } from './judge.js';
import { LiveJournal } from '../live/journal.js';
import { LIVE_FILE } from '../live/types.js';
import { formatLiveSection } from '../live/summary.js';
import { RunLive } from './live.js';
import { publishReportMetrics } from './publish.js';

/** The CLI's run defaults, shown in `run --help`. */
export const RUN_DEFAULTS = {
  duration: '10m',
  settle: '1m',
  intervalMs: 100,
  slice: '30s',
  readTimeout: '2m',
} as const;

/** What one canary run needs once its flags are checked: `run` and `rehearse` build it. */
export interface CanaryRunPlan {
  runId: string;
  outDir: string;
  connection: KafkaConnection;
  cluster: string | null;
  topic: string;
  group: string;
  producer: ProducerMode;
  intervalMs: number;
  durationMs: number;
  settleMs: number;
  sliceMs: number;
  policy: Policy;
  windowMs: number;
  /** The `tool` field of the run record, e.g. `kafka-upgrade-verifier run`. */
  tool: string;
  /** Client libraries consuming beside the canary (docs/clients.md); default kafkajs alone. */
  clients?: readonly ClientName[];
  /** How those libraries are configured (`--client-settings`, clients/profiles.ts); default `defaults`. */
  clientSettings?: ClientSettingsProfile;
  /** The user's topics the watcher also watches, read-only (`--topics`); default none. */
  watchTopics?: readonly string[];
  /** Publish the report's metrics for this cluster name, or null/absent. */
  cloudwatchCluster?: string | null;
}

/**
 * What the run's caller does while the canary runs: started once, when the first
 * canary message is about to be sent, with the controller that ends the canary phase
 * (already aborted by a Ctrl-C). Its outcome is a value, failures included: the
 * pipeline waits for it before judging (and before giving up on a failed run), so the
 * caller never tears down a cluster under it.
 */
export type During<T> = (stopCanary: AbortController) => Promise<T>;

export interface CanaryRunControls<T = never> {
  view: StatusView;
  /** Aborted: the canary phase ends now; the run settles and verifies (first Ctrl-C). */
  stopCanary: AbortController;
  /** Aborted: the run stops at once, history kept, no report (second Ctrl-C). */
  abort: AbortSignal;
  /** Monitors to run; default runMonitors (the cluster watcher and the reachability prober). */
  monitors?: (connection: KafkaConnection) => RunMonitor[];
  during?: During<T>;
  /** Lines for the summary's header from the `during` outcome (absent when it never began). */
  header?: (outcome: T | undefined) => string[];
  /** Where publish says what it sent (standard error). */
  log: (line: string) => void;
  /** Publish through this client; default one from the AWS SDK's default chain. */
  cloudWatch?: () => CloudWatchClient;
}

export interface CanaryRunOutcome<T = never> {
  /** The exit status: the verdict's, 3 when the run could not be verified, 130 when aborted. */
  status: number;
  /** The report, when the run was verified. */
  report: Report | null;
  /** summary.txt's text, when the run was verified. */
  summary: string | null;
  /** Why there is no report, for the on-call person: what happened and what was kept. */
  problem: string | null;
  /** The `during` hook's outcome, when it began. */
  during: T | undefined;
}

/** The outcome of a run that has no report: its exit status and why, for the on-call person. */
export function notVerified<T>(status: number, problem: string, during?: T): CanaryRunOutcome<T> {
  return { status, report: null, summary: null, problem, during };
}

/** A run ended by a signal exits 128 + its number: 143 for SIGTERM, else 130 (SIGINT, or no signal named). */
export function interruptedStatus(reason: unknown): number {
  return reason === 'SIGTERM' ? 143 : 130;
}

/** A CLI run's connection: the run's client settings (RUN_CLIENT_SETTINGS) and client id. */
export function runConnection(
  bootstrap: string,
  dnsServer: string | undefined,
  runId: string,
  security?: SecurityOptions,
): KafkaConnection {
  return {
    bootstrap,
    dnsServer,
    ...(security === undefined ? {} : { security }),
    clientId: `kuv-run-${runId}`,
    config: { ...RUN_CLIENT_SETTINGS },
  };
}

/**
 * The run's monitors (functions/core/probe/monitors.ts): the cluster watcher (`broker`
 * down/up events, which give the analyzer its restart windows, and `leaders` snapshots
 * of the canary topic) and the reachability prober (`probe` records of the bootstrap
 * and every broker it learns of from the watcher).
 */
export function runMonitors(
  connection: KafkaConnection,
  topics: readonly string[],
  note: (message: string) => void,
): RunMonitor[] {
  return clusterMonitors({ connection, topics: [...topics], offsets: true, log: note }).monitors;
}

function kafkaMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return `${error.name}: ${error.message}. Check the cluster's health (every partition led, every broker up) and run again.`;
}

function runHeader(state: SliceState, historyPath: string): string {
  const canaryMs = state.canaryEndsAt - state.canaryStartedAt;
  const c = state.counters;
  const rate = canaryMs > 0 ? (c.sent / (canaryMs / 1000)).toFixed(1) : '0';
  const configured = ((state.partitions * 1000) / state.intervalMs).toFixed(1);
  return [
    `run ${state.runId}: ${formatDuration(canaryMs)} canary + ${formatDuration(state.settleMs)} settle on ${state.topic} (${state.partitions} partitions, ${state.mode} producer, group ${state.group})`,
    `sent ${c.sent} (${rate}/s of ${configured}/s configured), acked ${c.acked}, failed ${c.failed}, consumed ${c.consumed}, read back ${c.logged}, longest stall ${c.longestStallMs} ms (tick to ack)${c.queueFull > 0 ? `, ${c.queueFull} failed at once on a full send queue (a partition stalled ${Math.round((MAX_QUEUED_PER_PARTITION * state.intervalMs) / 1000)} s or more)` : ''}`,
    `history: ${historyPath}`,
    '',
  ].join('\n');
}

/** How the canary phase ended, with the `during` hook's outcome (always waited for). */
type CanaryPhaseEnd<T> =
  | { ok: true; state: SliceState; live: RunLive; during: T | undefined }
  | { ok: false; error: unknown; live: RunLive; during: T | undefined };

/** The canary phase and its `during` hook. */
async function canaryPhase<T>(
  plan: CanaryRunPlan,
  controls: CanaryRunControls<T>,
  brokers: number[],
): Promise<CanaryPhaseEnd<T>> {
  const { view, stopCanary } = controls;
  const { connection, runId } = plan;
  let during: Promise<T> | undefined;
  // Status lines for `gate --run DIR`: the canary still acks (functions/core/live/journal.ts),
  // and each live finding as it is made (./live.ts).
  const journal = new LiveJournal(join(plan.outDir, LIVE_FILE), (line) => view.note(line));
  const live = new RunLive({
    connection,
    topic: plan.topic,
    runId,
    journal,
    note: (line) => view.note(line),
    cloudwatchCluster: plan.cloudwatchCluster ?? null,
    log: controls.log,
    // A client only when live metrics are published (it is destroyed when they stop).
    ...(controls.cloudWatch === undefined || plan.cloudwatchCluster == null
      ? {}
      : { cloudWatch: controls.cloudWatch() }),
  });
  const state = runCanary(
    {
      kafka: createKafka(connection),
      sink: live.sink(new GzipFileSink(join(plan.outDir, 'history.jsonl.gz'))),
      monitors: [
        ...(controls.monitors?.(connection) ?? [
          ...runMonitors(connection, [plan.topic, ...(plan.watchTopics ?? [])], (message) =>
            view.note(`watcher: ${message}`),
          ),
          readinessMonitor(connection, plan.watchTopics ?? [], (line) => view.note(line)),
        ]),
        ...clientMonitors(plan.clients ?? DEFAULT_CLIENTS, connection, {
          topic: plan.topic,
          runId,
          canaryGroup: plan.group,
          intervalMs: plan.intervalMs,
          settings: plan.clientSettings ?? DEFAULT_CLIENT_SETTINGS,
        }),
      ],
      clientId: `kuv-run-${runId}`,
      keepClients: true,
      stopCanary: stopCanary.signal,
      abort: controls.abort,
      onProgress: (s, now, progress) => {
        if (during === undefined && controls.during !== undefined && s.phase === 'canary') {
          during = controls.during(stopCanary);
        }
        live.onState(s, progress);
        journal.progress(s, now, progress?.oldestWaitingMs ?? 0);
        if (s.phase !== 'canary' && s.canaryStartedAt > 0) journal.finish(s, now);
        view.update(s, now);
      },
      onNote: (message) => view.note(message),
    },
    {
      runId,
      cluster: plan.cluster,
      topic: plan.topic,
      group: plan.group,
      mode: plan.producer,
      intervalMs: plan.intervalMs,
      durationMs: plan.durationMs,
      settleMs: plan.settleMs,
      brokers,
      sliceMs: plan.sliceMs,
      readTimeoutMs: parseDuration(RUN_DEFAULTS.readTimeout, 'read timeout'),
      runInfo: {
        bootstrap: connection.bootstrap,
        tool: plan.tool,
        clients: [...(plan.clients ?? DEFAULT_CLIENTS)],
        clientSettings: plan.clientSettings ?? DEFAULT_CLIENT_SETTINGS,
      },
    },
  );
  let end: { ok: true; state: SliceState } | { ok: false; error: unknown };
  try {
    end = { ok: true, state: await state };
  } catch (error) {
    end = { ok: false, error };
  }
  if (end.ok) journal.finish(end.state, Date.now());
  await live.stop();
  view.finish();
  return { ...end, live, during: await during };
}

/** One canary run, preflight to publish (see the top of this file). */
export async function runCanaryToFolder<T = never>(
  plan: CanaryRunPlan,
  controls: CanaryRunControls<T>,
): Promise<CanaryRunOutcome<T>> {
  const { view } = controls;
  const { connection, runId } = plan;
  const historyPath = join(plan.outDir, 'history.jsonl.gz');
  view.note(
    `checking ${connection.bootstrap}${connection.dnsServer === undefined ? '' : ` (DNS ${connection.dnsServer})`}`,
  );
  const startUp = AbortSignal.any([controls.stopCanary.signal, controls.abort]);
  let cluster;
  try {
    cluster = await preflight(connection, { signal: startUp });
  } catch (error) {
    if (!(error instanceof CanaryAbortedError)) throw error;
    return notVerified(
      interruptedStatus(controls.abort.reason ?? controls.stopCanary.signal.reason),
      `${error.message}: nothing was written.`,
    );
  }
  view.note(
    `cluster ${cluster.clusterId}: brokers ${cluster.brokers.map((b) => `${b.nodeId} ${b.host}:${b.port}`).join(', ')}`,
  );
  if (controls.stopCanary.signal.aborted) {
    return notVerified(
      interruptedStatus(controls.stopCanary.signal.reason),
      'interrupted before the canary started; nothing was written.',
    );
  }
  const canary = await canaryPhase(
    plan,
    controls,
    cluster.brokers.map((b) => b.nodeId),
  );
  if (!canary.ok) {
    const { error } = canary;
    const kept = existsSync(historyPath)
      ? `the history so far is in ${historyPath} (no report written)`
      : 'nothing was written';
    if (error instanceof InputError) {
      throw new InputError(`${error.message}\n  ${kept}.`, { cause: error });
    }
    if (error instanceof CanaryAbortedError)
      return notVerified(
        interruptedStatus(controls.abort.reason),
        `${error.message}\n  ${kept}.`,
        canary.during,
      );
    // Anything else (a read-back that could not finish, a client that gave up): the
    // run cannot be verified. Exit 3, like an inconclusive verdict.
    const detail = error instanceof CanaryRunError ? error.message : kafkaMessage(error);
    return notVerified(
      3,
      `run ${runId} could not be verified: ${detail}\n  ${kept}.`,
      canary.during,
    );
  }

  let judged;
  let clientRows: ClientRow[] = [];
  try {
    judged = await judgeHistoryFile(historyPath, {
      policy: plan.policy,
      windowMs: plan.windowMs,
      clients: async (producers) => {
        clientRows = await clientTableOfHistory(openGzipHistory(historyPath), { producers });
        return clientEntries(clientRows);
      },
    });
  } catch (error) {
    // The run's own history cut off under it: its last write did not complete (the
    // disk, or another writer). Not verified, exit 3; what was kept is still readable.
    if (!(error instanceof TornHistoryError)) throw error;
    return notVerified(
      3,
      `run ${runId} could not be verified: ${error.message}\n  the history so far is in ${historyPath} (no report written).`,
      canary.during,
    );
  }
  const live = canary.live.section(judged.report);
  judged.report.live = live;
  const extra = [
    ...(connection.security?.securityWarnings ?? []).map((w) => `WARNING: ${w}`),
    ...(controls.header?.(canary.during) ?? []),
    ...formatLiveSection(live).trimEnd().split('\n'),
  ];
  const clients = plan.clients ?? DEFAULT_CLIENTS;
  const clientTable =
    clients.length === 1 && clients[0] === 'kafkajs' ? '' : `\n${formatClientTable(clientRows)}`;
  const header = `${runHeader(canary.state, historyPath)}${extra.map((l) => `${l}\n`).join('')}${extra.length > 0 ? '\n' : ''}`;
  const files = runFiles(judged, header, clientTable);
  await writeRunFiles(plan.outDir, files);
  if (plan.cloudwatchCluster != null) {
    await publishReportMetrics(
      judged.report,
      plan.cloudwatchCluster,
      controls.log,
      controls.cloudWatch?.(),
    );
  }
  return {
    status: exitStatusFor(judged.report.verdict),
    report: judged.report,
    summary: files.summary,
    problem: null,
    during: canary.during,
  };
}
