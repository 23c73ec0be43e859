/**
 * `kafka-upgrade-verifier run`: runs the canary against a cluster (while its brokers
 * restart, e.g. during an upgrade), reads it back, analyses the history and prints
 * the verdict. A thin driver over functions/core/canary (docs/canary.md).
 */
import { existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import {
  canaryTopicNameProblem,
  CanaryAbortedError,
  CanaryRunError,
  DEFAULT_CANARY_TOPIC,
  defaultGroup,
  formatDuration,
  GzipFileSink,
  MAX_QUEUED_PER_PARTITION,
  newRunId,
  parseDuration,
  preflight,
  PRODUCER_MODES,
  runCanary,
  StatusView,
  type ProducerMode,
  type SliceState,
} from '../../functions/core/canary/index.js';
import { InputError, UsageError } from '../../functions/core/errors.js';
import {
  DEFAULT_WINDOW_MS,
  exitStatusFor,
  formatText,
  POLICIES,
  type Policy,
  type Report,
} from '../../functions/core/history/index.js';
import { createKafka, type KafkaConnection } from '../../functions/core/kafka/client.js';
import type { SecurityOptions } from '../../functions/core/kafka/security.js';
import type { RunMonitor } from '../../functions/core/probe/monitor.js';
import { parseTopicList } from '../../functions/core/probe/metadata.js';
import { ReachabilityProber } from '../../functions/core/probe/reachability.js';
import { ClusterWatcher } from '../../functions/core/probe/watcher.js';
import { readReportData, renderHtmlReport } from '../../functions/core/report/index.js';
import {
  clientMonitors,
  clientTableOfHistory,
  DEFAULT_CLIENTS,
  formatClientTable,
  parseClients,
  type ClientName,
} from '../../clients/index.js';
import { CLOUDWATCH_HELP, cloudwatchCluster, publishReportMetrics } from '../cloudwatch.js';
import { openHistory, sourceName } from '../history-input.js';
import { SECURITY_HELP, takeSecurityFlags } from '../security-flags.js';
import type { Command } from './index.js';

const DEFAULTS = {
  duration: '10m',
  settle: '1m',
  intervalMs: 100,
  slice: '30s',
  readTimeout: '2m',
};

const HELP = `usage: kafka-upgrade-verifier run --bootstrap HOSTS [options]

Runs canary traffic through every partition and broker of a cluster while its brokers
restart (start it, then start the upgrade or roll), watches the brokers go down and
come back, probes each broker's name, address and Kafka port, reads everything back,
checks the history for loss, duplicates, reordering, redelivery and skips, and prints
a verdict.

  --bootstrap HOSTS        comma-separated host:port list (required)
  --dns-server HOST:PORT   resolve broker names through this DNS server
  --duration D             how long to produce (default ${DEFAULTS.duration}; Ctrl-C ends it early
                           and goes on to settle and verify; a second Ctrl-C aborts)
  --settle D               keep consuming this long after producing stops (default ${DEFAULTS.settle})
  --interval-ms N          one message per partition every N ms (default ${DEFAULTS.intervalMs})
  --producer MODE          idempotent (default: any loss or duplicate is the cluster's
                           fault) or at-least-once (retries, no idempotence, 5 in flight)
  --topic T                the canary topic, created if missing; its name must contain
                           "canary" (default ${DEFAULT_CANARY_TOPIC});
                           nothing is written to any other topic
  --group G                the canary consumer group (default <topic>-group)
  --topics A,B             your topics to watch, read-only: leaders snapshots and end
                           offsets each second (how their traffic lands on brokers)
  --cluster NAME           the cluster's name in the history and report
  --out DIR                the run folder (default runs/<UTC time>-<runId>/)
  --format text|json       what to print: the summary (default) or the JSON report
  --policy strict|tolerant strict (default) fails on any reordering; tolerant only warns
                           on reordering inside a broker restart window
  --window-ms N            restart window length (default ${DEFAULT_WINDOW_MS})
  --slice D                history flush period: the most a killed run loses (default ${DEFAULTS.slice})
  --clients LIST           client libraries that each consume the canary in a group of their
                           own: kafkajs (default), java, librdkafka, sarama, or all
                           (docs/clients.md); the summary gets a table per library
  --quiet                  no progress on standard error
${CLOUDWATCH_HELP}
${SECURITY_HELP}
Durations: 250ms, 90s, 5m, 1h, 1h30m. Progress goes to standard error, the summary
or report to standard output. The run folder gets history.jsonl.gz as the run goes,
then summary.txt, report.json and report.html once verified (never after a failed run).

exit status: 0 pass or warn, 1 fail, 2 bad input, usage, or a cluster the run cannot
use (found before it starts), 3 inconclusive or a run that could not be verified,
130 aborted
`;

export interface RunArgs {
  bootstrap: string;
  dnsServer: string | undefined;
  durationMs: number;
  settleMs: number;
  intervalMs: number;
  producer: ProducerMode;
  topic: string;
  group: string;
  cluster: string | null;
  out: string | undefined;
  format: 'text' | 'json';
  policy: Policy;
  windowMs: number;
  sliceMs: number;
  quiet: boolean;
  clients: ClientName[];
  watchTopics: string[];
  /** Publish the report's metrics for this cluster (--cloudwatch), or null. */
  cloudwatchCluster: string | null;
  security: SecurityOptions | undefined;
}

/** A whole-number flag; UsageError naming the command and flag. */
export function wholeNumber(flag: string, text: string, min: number, command = 'run'): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < min) {
    throw new UsageError(`${command}: ${flag} must be a whole number ≥ ${min}, not '${text}'`);
  }
  return Number(text);
}

/** A duration flag (`90s`, `5m`); UsageError naming the command and flag. */
export function duration(flag: string, text: string, allowZero = false, command = 'run'): number {
  try {
    return parseDuration(text, flag, allowZero);
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}`, { cause: error });
  }
}

/** The canary's producer mode and what to print and how to judge, checked; shared with `rehearse`. */
export function canaryChoices(
  command: string,
  v: { producer: string; format: string; policy: string },
): { producer: ProducerMode; format: 'text' | 'json'; policy: Policy } {
  const producer = v.producer as ProducerMode;
  if (!PRODUCER_MODES.includes(producer)) {
    throw new UsageError(
      `${command}: --producer must be idempotent or at-least-once, not '${v.producer}'`,
    );
  }
  if (v.format !== 'text' && v.format !== 'json') {
    throw new UsageError(`${command}: --format must be text or json, not '${v.format}'`);
  }
  const policy = v.policy as Policy;
  if (!POLICIES.includes(policy)) {
    throw new UsageError(`${command}: --policy must be strict or tolerant, not '${v.policy}'`);
  }
  return { producer, format: v.format, policy };
}

/** Parses and checks run's arguments; throws UsageError naming the bad one. */
export function parseRunArgs(args: string[]): RunArgs | 'help' {
  const { security, rest } = takeSecurityFlags(args, 'run');
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: false,
      options: {
        bootstrap: { type: 'string' },
        'dns-server': { type: 'string' },
        duration: { type: 'string', default: DEFAULTS.duration },
        settle: { type: 'string', default: DEFAULTS.settle },
        'interval-ms': { type: 'string', default: String(DEFAULTS.intervalMs) },
        producer: { type: 'string', default: 'idempotent' },
        topic: { type: 'string', default: DEFAULT_CANARY_TOPIC },
        group: { type: 'string' },
        topics: { type: 'string' },
        cluster: { type: 'string' },
        out: { type: 'string' },
        format: { type: 'string', default: 'text' },
        policy: { type: 'string', default: 'strict' },
        'window-ms': { type: 'string', default: String(DEFAULT_WINDOW_MS) },
        slice: { type: 'string', default: DEFAULTS.slice },
        clients: { type: 'string', default: DEFAULT_CLIENTS.join(',') },
        cloudwatch: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(`run: ${(error as Error).message}\n\n${HELP}`, { cause: error });
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (v.bootstrap === undefined || v.bootstrap.trim() === '') {
    throw new UsageError(
      `run: --bootstrap HOSTS is required (e.g. broker-1.kafka.test:19092)\n\n${HELP}`,
    );
  }
  const { producer, format, policy } = canaryChoices('run', v);
  const topic = v.topic;
  const topicProblem = canaryTopicNameProblem(topic);
  if (topicProblem !== null) throw new UsageError(`run: --topic ${topicProblem}`);
  if (v.group !== undefined && v.group.trim() === '') {
    throw new UsageError('run: --group must not be empty');
  }
  return {
    bootstrap: v.bootstrap,
    dnsServer: v['dns-server'],
    durationMs: duration('--duration', v.duration),
    settleMs: duration('--settle', v.settle, true),
    intervalMs: wholeNumber('--interval-ms', v['interval-ms'], 10),
    producer,
    topic,
    group: v.group ?? defaultGroup(topic),
    cluster: v.cluster ?? null,
    out: v.out,
    format,
    policy,
    windowMs: wholeNumber('--window-ms', v['window-ms'], 0),
    sliceMs: duration('--slice', v.slice),
    quiet: v.quiet,
    clients: parseClients(v.clients),
    watchTopics: v.topics === undefined ? [] : parseTopicList('run: --topics', v.topics),
    cloudwatchCluster: cloudwatchCluster('run', v),
    security: security.security === 'plaintext' ? undefined : security,
  };
}

/** `20261126T071500Z`: sorts by time, safe in a file name. */
function utcStamp(at: number): string {
  return new Date(at)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * The one place `run` calls the analyzer: reads the run's gzip history once and gives
 * the report under the run's policy and window, and the HTML page of it.
 */
export async function analyzeRun(
  historyPath: string,
  options: { policy: Policy; windowMs: number },
): Promise<{ report: Report; html: string }> {
  const data = await readReportData(await openHistory(historyPath), {
    source: sourceName(historyPath),
  });
  const judged = { policy: options.policy, windowMs: options.windowMs };
  return { report: data.analysis.report(judged), html: await renderHtmlReport(data, judged) };
}

function kafkaMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return `${error.name}: ${error.message}. Check the cluster's health (every partition led, every broker up) and run again.`;
}

/** Writes a file whole or not at all: a temporary file renamed into place. */
async function writeAtomically(path: string, content: string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, content);
  await rename(temp, path);
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

/**
 * The run's monitors: the cluster watcher (`broker` down/up events, which give the
 * analyzer its restart windows, and `leaders` snapshots of the canary topic) and the
 * reachability prober (`probe` records of the bootstrap and every broker it learns of
 * from the watcher). The watcher comes first: the prober asks it for the brokers.
 */
export function defaultMonitors(
  connection: KafkaConnection,
  topics: readonly string[],
  note: (message: string) => void,
): RunMonitor[] {
  const watcher = new ClusterWatcher({ connection, topics, offsets: true, log: note });
  const prober = new ReachabilityProber({
    bootstrap: connection.bootstrap,
    dnsServer: connection.dnsServer,
    security: connection.security,
    brokers: watcher,
  });
  return [watcher, prober];
}

export interface RunDeps {
  /** Monitors to run; default the cluster watcher and the reachability prober. */
  monitors?: (connection: KafkaConnection) => RunMonitor[];
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

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
  format: 'text' | 'json';
  quiet: boolean;
  /** The `tool` field of the run record, e.g. `kafka-upgrade-verifier run`. */
  tool: string;
  /** Client libraries consuming beside the canary (docs/clients.md); default kafkajs alone. */
  clients?: readonly ClientName[];
  /** The user's topics the watcher also watches, read-only (`--topics`); default none. */
  watchTopics?: readonly string[];
  /** Publish the report's metrics for this cluster name, or null/absent. */
  cloudwatchCluster?: string | null;
}

export interface CanaryRunControls extends RunDeps {
  view: StatusView;
  /** Aborted: the canary phase ends now; the run settles and verifies (first Ctrl-C). */
  stopCanary: AbortSignal;
  /** Aborted: the run stops at once, history kept, no report (second Ctrl-C). */
  abort: AbortSignal;
  /** Called once, when the first canary message is about to be sent. */
  onCanaryStarted?: () => void;
  /** Lines for the summary's header, asked for once the run is verified. */
  headerLines?: () => string[];
}

export interface CanaryRunOutcome {
  /** The exit status: the verdict's, 3 when the run could not be verified, 130 when aborted. */
  status: number;
  report: Report | null;
}

/** A new run's folder: the given one, else `runs/<UTC time>-<runId>/`; refused when it holds a run. */
export function runFolder(commandName: string, out: string | undefined, runId: string): string {
  const outDir = out ?? join('runs', `${utcStamp(Date.now())}-${runId}`);
  if (existsSync(join(outDir, 'history.jsonl.gz')) || existsSync(join(outDir, 'report.json'))) {
    throw new UsageError(
      `${commandName}: ${outDir} already holds a run (history.jsonl.gz or report.json); give another --out DIR.`,
    );
  }
  return outDir;
}

/** The kafkajs settings of a run's clients: a dead broker shows within seconds. */
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
    config: {
      connectionTimeout: 2000,
      requestTimeout: 10_000,
      retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 1000 },
    },
  };
}

/**
 * Ctrl-C as `run` reads it: the first SIGINT aborts `stopCanary` (and says `firstNote`),
 * a second one or SIGTERM aborts both. Call `dispose` when the run is over.
 */
export function listenForInterrupts(
  view: StatusView,
  firstNote = 'Ctrl-C: producing stops now; settling and verifying (Ctrl-C again to abort)',
): { stopCanary: AbortController; abort: AbortController; dispose: () => void } {
  const stopCanary = new AbortController();
  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    if (signal === 'SIGINT' && interrupts === 1) {
      view.note(firstNote);
      stopCanary.abort();
    } else {
      view.note(`${signal}: aborting; the history so far is kept`);
      stopCanary.abort();
      abort.abort();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stopCanary,
    abort,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * One canary run with its monitors, start to end, as `run` and `rehearse` do it: the
 * preflight (a cluster the run cannot use throws InputError before anything is
 * written), the canary through its slices into `<outDir>/history.jsonl.gz`, the
 * read-back, the analysis, then `summary.txt` and `report.json` and the summary (or
 * report) on stdout. Never writes a report for a run that failed or was aborted.
 */
export async function runCanaryToFolder(
  plan: CanaryRunPlan,
  controls: CanaryRunControls,
): Promise<CanaryRunOutcome> {
  const stdout = controls.stdout ?? process.stdout;
  const stderr = controls.stderr ?? process.stderr;
  const { view } = controls;
  const { connection, runId } = plan;
  const historyPath = join(plan.outDir, 'history.jsonl.gz');
  view.note(
    `checking ${connection.bootstrap}${connection.dnsServer === undefined ? '' : ` (DNS ${connection.dnsServer})`}`,
  );
  const cluster = await preflight(connection);
  view.note(
    `cluster ${cluster.clusterId}: brokers ${cluster.brokers.map((b) => `${b.nodeId} ${b.host}:${b.port}`).join(', ')}`,
  );
  if (controls.stopCanary.aborted) {
    stderr.write(
      'kafka-upgrade-verifier: interrupted before the canary started; nothing was written.\n',
    );
    return { status: 130, report: null };
  }
  let started = false;
  const sink = new GzipFileSink(historyPath);
  let state: SliceState;
  try {
    state = await runCanary(
      {
        kafka: createKafka(connection),
        sink,
        monitors: [
          ...(controls.monitors?.(connection) ??
            defaultMonitors(connection, [plan.topic, ...(plan.watchTopics ?? [])], (message) =>
              view.note(`watcher: ${message}`),
            )),
          ...clientMonitors(plan.clients ?? DEFAULT_CLIENTS, connection, {
            topic: plan.topic,
            runId,
            canaryGroup: plan.group,
          }),
        ],
        clientId: `kuv-run-${runId}`,
        keepClients: true,
        stopCanary: controls.stopCanary,
        abort: controls.abort,
        onProgress: (s, now) => {
          if (!started && s.phase === 'canary') {
            started = true;
            controls.onCanaryStarted?.();
          }
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
        brokers: cluster.brokers.map((b) => b.nodeId),
        sliceMs: plan.sliceMs,
        readTimeoutMs: parseDuration(DEFAULTS.readTimeout, 'read timeout'),
        runInfo: { bootstrap: connection.bootstrap, tool: plan.tool },
      },
    );
  } catch (error) {
    view.finish();
    const kept = existsSync(historyPath)
      ? `the history so far is in ${historyPath} (no report written)`
      : 'nothing was written';
    if (error instanceof InputError) {
      throw new InputError(`${error.message}\n  ${kept}.`, { cause: error });
    }
    if (error instanceof CanaryAbortedError) {
      stderr.write(`kafka-upgrade-verifier: ${error.message}\n  ${kept}.\n`);
      return { status: 130, report: null };
    }
    // Anything else (a read-back that could not finish, a client that gave up): the
    // run cannot be verified. Exit 3, like an inconclusive verdict.
    const detail = error instanceof CanaryRunError ? error.message : kafkaMessage(error);
    stderr.write(
      `kafka-upgrade-verifier: run ${runId} could not be verified: ${detail}\n  ${kept}.\n`,
    );
    return { status: 3, report: null };
  }
  view.finish();

  const { report, html } = await analyzeRun(historyPath, {
    policy: plan.policy,
    windowMs: plan.windowMs,
  });
  const extra = [
    ...(connection.security?.securityWarnings ?? []).map((w) => `WARNING: ${w}`),
    ...(controls.headerLines?.() ?? []),
  ];
  const clients = plan.clients ?? DEFAULT_CLIENTS;
  const clientTable =
    clients.length === 1 && clients[0] === 'kafkajs'
      ? ''
      : `\n${formatClientTable(await clientTableOfHistory(await openHistory(historyPath)))}`;
  const summary = `${runHeader(state, historyPath)}${extra.map((l) => `${l}\n`).join('')}${extra.length > 0 ? '\n' : ''}${formatText(report)}${clientTable}`;
  await writeAtomically(join(plan.outDir, 'report.html'), html);
  await writeAtomically(join(plan.outDir, 'summary.txt'), summary);
  await writeAtomically(join(plan.outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  stdout.write(plan.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : summary);
  if (!plan.quiet) stderr.write(`run folder: ${plan.outDir} (open report.html in a browser)\n`);
  if (plan.cloudwatchCluster != null) {
    await publishReportMetrics(report, plan.cloudwatchCluster, (line) => stderr.write(`${line}\n`));
  }
  return { status: exitStatusFor(report.verdict), report };
}

export async function runRun(args: string[], deps: RunDeps = {}): Promise<number> {
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const parsed = parseRunArgs(args);
  if (parsed === 'help') {
    stdout.write(HELP);
    return 0;
  }
  const runId = newRunId();
  const outDir = runFolder('run', parsed.out, runId);
  const view = new StatusView(stderr, { quiet: parsed.quiet });
  const interrupts = listenForInterrupts(view);
  try {
    const { status } = await runCanaryToFolder(
      {
        ...parsed,
        runId,
        outDir,
        connection: runConnection(parsed.bootstrap, parsed.dnsServer, runId, parsed.security),
        tool: 'kafka-upgrade-verifier run',
      },
      {
        ...deps,
        view,
        stopCanary: interrupts.stopCanary.signal,
        abort: interrupts.abort.signal,
      },
    );
    return status;
  } finally {
    interrupts.dispose();
  }
}

export const runCommand: Command = {
  summary: 'run the canary while brokers restart, verify it, print a verdict',
  run: (args) => runRun(args),
};
