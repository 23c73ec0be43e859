/**
 * `kafka-upgrade-verifier run`: runs the canary against a cluster (while its brokers
 * restart, e.g. during an upgrade), reads it back, analyses the history and prints
 * the verdict. Flags, help and printing over the run pipeline (functions/core/run).
 */

import {
  canaryTopicNameProblem,
  DEFAULT_CANARY_TOPIC,
  defaultGroup,
  newRunId,
  parseDuration,
  PRODUCER_MODES,
  StatusView,
  type ProducerMode,
} from '../../functions/core/canary/index.js';
import { UsageError } from '../../functions/core/errors.js';
import { DEFAULT_WINDOW_MS, POLICIES, type Policy } from '../../functions/core/history/index.js';
import type { KafkaConnection } from '../../functions/core/kafka/client.js';
import type { SecurityOptions } from '../../functions/core/kafka/security.js';
import type { RunMonitor } from '../../functions/core/probe/monitor.js';
import { parseTopicList } from '../../functions/core/probe/metadata.js';
import {
  RUN_DEFAULTS,
  runCanaryToFolder,
  runConnection,
  type CanaryRunOutcome,
} from '../../functions/core/run/pipeline.js';
import { claimRunFolder } from '../../functions/core/run/folder.js';
import {
  DEFAULT_CLIENT_SETTINGS,
  DEFAULT_CLIENTS,
  parseClients,
  parseClientSettings,
  type ClientName,
  type ClientSettingsProfile,
} from '../../clients/index.js';
import { CLOUDWATCH_FLAG_HELP, cloudwatchCluster } from '../cloudwatch.js';
import { listenForInterrupts } from '../interrupts.js';
import { SECURITY_HELP, takeSecurityFlags } from '../security-flags.js';
import type { Command } from './index.js';
import { parseDnsServer } from '../../functions/core/kafka/dns.js';
import { parseEndpointList } from '../../functions/core/probe/endpoint.js';
import { parseFlags } from '../flags.js';

const DEFAULTS = RUN_DEFAULTS;

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
  --client-settings defaults|careful
                           how those libraries are configured: defaults (default) as each
                           ships (auto commit; a new group starts at the latest offset, so
                           the run starts producing once each is positioned), careful
                           (commit right after the records are processed; new groups
                           start at the earliest)
  --quiet                  no progress on standard error
${CLOUDWATCH_FLAG_HELP}
${SECURITY_HELP}
Durations: 250ms, 90s, 5m, 1h, 1h30m. Progress goes to standard error, the summary
or report to standard output. The run folder gets history.jsonl.gz as the run goes,
then summary.txt, report.json and report.html once verified (never after a failed run).

exit status: 0 pass or warn, 1 fail, 2 bad input, usage, or a cluster the run cannot
use (found before it starts), 3 inconclusive or a run that could not be verified,
4 not carried out (the run folder or the output could not be written, an
unexpected error), 130 aborted (143 by SIGTERM)
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
  clientSettings: ClientSettingsProfile;
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

/** A duration flag in whole seconds (`30s`, `5m`), returned in seconds. */
export function wholeSeconds(flag: string, text: string, command: string): number {
  const ms = duration(flag, text, false, command);
  if (ms % 1000 !== 0) {
    throw new UsageError(`${command}: ${flag} takes whole seconds (e.g. 30s), not '${text}'`);
  }
  return ms / 1000;
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
  const parsed = parseFlags('run', {
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
      'client-settings': { type: 'string', default: DEFAULT_CLIENT_SETTINGS },
      cloudwatch: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const v = parsed.values;
  if (v.help) return 'help';
  if (v.bootstrap === undefined || v.bootstrap.trim() === '') {
    throw new UsageError(
      `run: --bootstrap HOSTS is required (e.g. broker-1.kafka.test:19092)\n\n${HELP}`,
    );
  }
  // Checked now, not at first use minutes into the run.
  const checked = (flag: string, check: () => unknown) => {
    try {
      check();
    } catch (error) {
      throw new UsageError(`run: ${flag}: ${(error as Error).message}`, { cause: error });
    }
  };
  const bootstrap = v.bootstrap;
  checked('--bootstrap', () => {
    const v6 = parseEndpointList(bootstrap).filter((e) => e.ipLiteral === 6);
    if (v6.length > 0) {
      // kafkajs splits a broker at its first ':', so '[::1]:9092' is host '[' to it.
      throw new Error(
        `${v6.map((e) => e.endpoint).join(', ')}: the canary's client (kafkajs) cannot connect to an IPv6 literal; give the brokers' DNS names or IPv4 addresses`,
      );
    }
  });
  const dnsServer = v['dns-server'];
  if (dnsServer !== undefined) checked('--dns-server', () => parseDnsServer(dnsServer));
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
    clientSettings: parseClientSettings(v['client-settings']),
    watchTopics: v.topics === undefined ? [] : parseTopicList('run: --topics', v.topics),
    cloudwatchCluster: cloudwatchCluster('run', v),
    security: security.security === 'plaintext' ? undefined : security,
  };
}

export interface RunDeps {
  /** Monitors to run; default the cluster watcher and the reachability prober (runMonitors). */
  monitors?: (connection: KafkaConnection) => RunMonitor[];
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/** Prints a finished run's outcome: the summary or report, the run folder; or why not. */
export function printOutcome(
  outcome: CanaryRunOutcome<unknown>,
  options: { format: 'text' | 'json'; quiet: boolean; outDir: string },
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
): number {
  if (outcome.report === null || outcome.summary === null) {
    stderr.write(`kafka-upgrade-verifier: ${outcome.problem ?? 'the run was not verified.'}\n`);
    return outcome.status;
  }
  stdout.write(
    options.format === 'json' ? `${JSON.stringify(outcome.report, null, 2)}\n` : outcome.summary,
  );
  if (!options.quiet)
    stderr.write(`run folder: ${options.outDir} (open report.html in a browser)\n`);
  return outcome.status;
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
  const folder = await claimRunFolder('run', parsed.out, runId, (line) =>
    stderr.write(`${line}\n`),
  );
  const { outDir } = folder;
  const view = new StatusView(stderr, { quiet: parsed.quiet });
  const interrupts = listenForInterrupts(view);
  try {
    const outcome = await runCanaryToFolder(
      {
        ...parsed,
        runId,
        outDir,
        connection: runConnection(parsed.bootstrap, parsed.dnsServer, runId, parsed.security),
        tool: 'kafka-upgrade-verifier run',
      },
      {
        ...(deps.monitors === undefined ? {} : { monitors: deps.monitors }),
        view,
        stopCanary: interrupts.stopCanary,
        abort: interrupts.abort.signal,
        log: (line: string) => stderr.write(`${line}\n`),
      },
    );
    return printOutcome(outcome, { ...parsed, outDir }, stdout, stderr);
  } finally {
    interrupts.dispose();
    folder.release();
  }
}

export const runCommand: Command = {
  summary: 'run the canary while brokers restart, verify it, print a verdict',
  run: (args) => runRun(args),
};
