/**
 * `kafka-upgrade-verifier rehearse`: an upgrade rehearsed end to end on a local cluster —
 * start it, run the canary `run` runs, roll (or upgrade, or re-address, or crash a
 * broker) while it runs, settle, verify, print the verdict, stop the cluster. Flags,
 * help and printing over rehearsal/rehearsal-run.ts (the run pipeline with the
 * disturbance as its `during` hook).
 */

import { formatDuration, newRunId, StatusView } from '../../functions/core/canary/index.js';
import { UsageError } from '../../functions/core/errors.js';
import { claimRunFolder } from '../../functions/core/run/folder.js';
import { checkKafkaVersion, DEFAULT_KAFKA_VERSION } from '../../rehearsal/jars.js';
import { rehearse, type RehearsalPlan } from '../../rehearsal/rehearsal-run.js';
import { LOCAL_SECURITY_MODES, type LocalSecurity } from '../../rehearsal/security.js';
import { checkStartSettings, DEFAULT_BROKERS } from '../../rehearsal/settings.js';
import {
  DEFAULT_CLIENT_SETTINGS,
  DEFAULT_CLIENTS,
  parseClients,
  parseClientSettings,
} from '../../clients/index.js';
import { parseTopicList } from '../../functions/core/probe/metadata.js';
import { listenForInterrupts } from '../interrupts.js';
import { parseSecurityProtocol } from '../security-flags.js';
import {
  checkRehearsalTools,
  KAFKA_IMBALANCE_CHECK_SECONDS,
  LEADERSHIP_MODES,
  REHEARSAL_DEFAULTS,
  rehearsalStatePath,
  type Disturbance,
  type Leadership,
} from '../../rehearsal/rehearse.js';
import type { Command } from './index.js';
import {
  canaryChoices,
  duration,
  printOutcome,
  wholeNumber,
  wholeSeconds,
  type RunDeps,
} from './run.js';
import { parseFlags } from '../flags.js';

const HELP = `usage: kafka-upgrade-verifier rehearse [options]

Rehearses a broker upgrade on a local Kafka cluster (three KRaft brokers on loopback,
real DNS names): starts the cluster, runs the canary 'run' runs against it, rolls every
broker one at a time after --warmup, ends the canary 10 s after the roll is done,
settles, verifies, prints the verdict and stops the cluster. Linux; needs Java 17+,
dnsmasq and (once per Kafka version) Maven: it says which is missing and how to install it.

  --version V              Kafka version the cluster starts on (default ${DEFAULT_KAFKA_VERSION})
  --to-version V           upgrade: roll every broker onto Kafka V, then finalize its features
  --readdress              each broker comes back on another address (its DNS name follows)
  --leadership MODE        how leadership comes back after each restart (and after --kill):
                           elect (default): a preferred leader election after each broker;
                           auto: the brokers' own auto.leader.rebalance.enable, as Amazon MSK
                           and most clusters run it; off: neither, leadership stays skewed
                           and the report says so. The summary says which one ran
  --rebalance-interval D   with --leadership auto: leader.imbalance.check.interval.seconds
                           (default ${KAFKA_IMBALANCE_CHECK_SECONDS}s, Kafka's own; a rehearsal shorter than
                           that may end before leadership is back, and the report says so)
  --kill BROKER            instead of the roll: SIGKILL that broker (a crash), start it again
  --warmup D               canary traffic before the roll (default ${formatDuration(REHEARSAL_DEFAULTS.warmupMs)})
  --settle D               consuming after producing stops (default ${formatDuration(REHEARSAL_DEFAULTS.settleMs)})
  --producer MODE          idempotent (default) or at-least-once, as for run
  --interval-ms N          one message per partition every N ms (default 100)
  --out DIR                the run folder (default runs/<UTC time>-<runId>/)
  --format text|json       what to print: the summary (default) or the JSON report
  --policy strict|tolerant as for analyze (default strict)
  --keep-cluster           leave the cluster running afterwards (local-cluster stop --state … ends it)
  --state PATH             the rehearsal cluster's state file (default <cache>/rehearse/state.json);
                           a cluster already running there is used and left running
  --port-base P            client port P, controller P+1, internal P+2 (default 19092)
  --dns-port P             the cluster's DNS server port on 127.0.0.1 (default 15353)
  --security MODE          the local cluster's client listener: plaintext (default), tls (a
                           private CA made at start) or sasl-scram (SCRAM-SHA-512 over TLS);
                           the canary connects the same way
  --topics A,B             topics to watch beside the canary, read-only, as for run
  --clients LIST           client libraries consuming beside the canary, as for run
                           (kafkajs, java, librdkafka, sarama or all; docs/clients.md)
  --client-settings defaults|careful
                           how those libraries are configured, as for run (default defaults)
  --quiet                  no progress on standard error

Ctrl-C once: producing stops, the run settles and verifies (a roll under way finishes
first); twice: abort, history kept. The cluster this command started is stopped either
way, and on any error.

exit status: as run's — 0 pass or warn, 1 fail, 2 usage or a cluster the run cannot use,
3 inconclusive or not verified, 4 the rehearsal could not be carried out (a tool
missing, the cluster did not start, the roll failed), 130 aborted (143 by SIGTERM)
`;

export interface RehearseArgs extends Omit<RehearsalPlan, 'runId' | 'outDir'> {
  out: string | undefined;
  format: 'text' | 'json';
  quiet: boolean;
}

function usage(message: string): UsageError {
  return new UsageError(`rehearse: ${message}`);
}

/** `--leadership` and `--rebalance-interval`, checked together. */
function parseLeadership(mode: string, interval: string | undefined): Leadership {
  if (!(LEADERSHIP_MODES as readonly string[]).includes(mode)) {
    throw usage(`--leadership must be one of ${LEADERSHIP_MODES.join(', ')}, not '${mode}'`);
  }
  if (mode !== 'auto') {
    if (interval !== undefined) {
      throw usage(
        `--rebalance-interval sets how often the brokers rebalance leadership by themselves, so it goes only with --leadership auto (not ${mode})`,
      );
    }
    return { mode: mode as 'elect' | 'off' };
  }
  const checkSeconds =
    interval === undefined
      ? KAFKA_IMBALANCE_CHECK_SECONDS
      : wholeSeconds('--rebalance-interval', interval, 'rehearse');
  return { mode: 'auto', checkSeconds };
}

/** Parses and checks rehearse's arguments; throws UsageError naming the bad one. */
export function parseRehearseArgs(
  args: string[],
  defaultState: () => string = rehearsalStatePath,
): RehearseArgs | 'help' {
  if (args.includes('--no-elect')) {
    throw usage('--no-elect is now --leadership off (see --leadership for elect and auto)');
  }
  const parsed = parseFlags('rehearse', {
    args,
    allowPositionals: false,
    options: {
      version: { type: 'string', default: DEFAULT_KAFKA_VERSION },
      'to-version': { type: 'string' },
      readdress: { type: 'boolean', default: false },
      leadership: { type: 'string', default: 'elect' },
      'rebalance-interval': { type: 'string' },
      kill: { type: 'string' },
      warmup: { type: 'string', default: formatDuration(REHEARSAL_DEFAULTS.warmupMs) },
      settle: { type: 'string', default: formatDuration(REHEARSAL_DEFAULTS.settleMs) },
      producer: { type: 'string', default: 'idempotent' },
      'interval-ms': { type: 'string', default: '100' },
      out: { type: 'string' },
      format: { type: 'string', default: 'text' },
      policy: { type: 'string', default: 'strict' },
      'keep-cluster': { type: 'boolean', default: false },
      state: { type: 'string' },
      'port-base': { type: 'string' },
      'dns-port': { type: 'string' },
      security: { type: 'string', default: 'plaintext' },
      clients: { type: 'string', default: DEFAULT_CLIENTS.join(',') },
      'client-settings': { type: 'string', default: DEFAULT_CLIENT_SETTINGS },
      topics: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const v = parsed.values;
  if (v.help) return 'help';
  const { producer, format, policy } = canaryChoices('rehearse', v);
  const leadership = parseLeadership(v.leadership, v['rebalance-interval']);
  let disturbance: Disturbance;
  if (v.kill !== undefined) {
    const rollFlags = [
      v['to-version'] === undefined ? null : '--to-version',
      v.readdress ? '--readdress' : null,
    ].filter((f) => f !== null);
    if (rollFlags.length > 0) {
      throw usage(
        `--kill replaces the roll, so it does not go with ${rollFlags.join(', ')}; rehearse one or the other`,
      );
    }
    const broker = wholeNumber('--kill', v.kill, 1, 'rehearse');
    if (broker > DEFAULT_BROKERS) {
      throw usage(
        `--kill ${broker}: the rehearsal cluster has brokers 1 to ${DEFAULT_BROKERS}; name one of them`,
      );
    }
    disturbance = { kind: 'kill', broker, leadership };
  } else {
    disturbance = {
      kind: 'roll',
      readdress: v.readdress,
      leadership,
      ...(v['to-version'] === undefined ? {} : { toVersion: v['to-version'] }),
    };
  }
  const port = (flag: string, text: string | undefined) =>
    text === undefined ? undefined : wholeNumber(flag, text, 1024, 'rehearse');
  const portBase = port('--port-base', v['port-base']);
  const dnsPort = port('--dns-port', v['dns-port']);
  // What the local cluster will refuse is refused here, before anything starts.
  const refused = (prefix: string, check: () => unknown) => {
    try {
      check();
    } catch (error) {
      throw usage(`${prefix}${(error as Error).message.replace(/\.$/, '')}`);
    }
  };
  let security: LocalSecurity = 'plaintext';
  refused('', () => {
    security = parseSecurityProtocol(v.security, LOCAL_SECURITY_MODES) as LocalSecurity;
  });
  refused('--version: ', () => checkKafkaVersion(v.version));
  if (disturbance.kind === 'roll' && disturbance.toVersion !== undefined) {
    const toVersion = disturbance.toVersion;
    refused('--to-version: ', () => checkKafkaVersion(toVersion));
  }
  refused('', () =>
    checkStartSettings({
      version: v.version,
      security,
      ...(leadership.mode === 'auto'
        ? { leaderImbalanceCheckSeconds: leadership.checkSeconds, autoLeaderRebalance: true }
        : {}),
      ...(portBase === undefined ? {} : { portBase }),
      ...(dnsPort === undefined ? {} : { dnsPort }),
    }),
  );
  return {
    version: v.version,
    disturbance,
    warmupMs: duration('--warmup', v.warmup, true, 'rehearse'),
    settleMs: duration('--settle', v.settle, true, 'rehearse'),
    producer,
    intervalMs: wholeNumber('--interval-ms', v['interval-ms'], 10, 'rehearse'),
    out: v.out,
    format,
    policy,
    keepCluster: v['keep-cluster'],
    statePath: v.state ?? defaultState(),
    portBase,
    dnsPort,
    quiet: v.quiet,
    security,
    clients: parseClients(v.clients),
    clientSettings: parseClientSettings(v['client-settings'], 'rehearse'),
    watchTopics: v.topics === undefined ? [] : parseTopicList('rehearse: --topics', v.topics),
  };
}

export async function runRehearse(args: string[], deps: RunDeps = {}): Promise<number> {
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const parsed = parseRehearseArgs(args);
  if (parsed === 'help') {
    stdout.write(HELP);
    return 0;
  }
  const { disturbance } = parsed;
  const toVersion = disturbance.kind === 'roll' ? disturbance.toVersion : undefined;
  checkRehearsalTools([parsed.version, ...(toVersion === undefined ? [] : [toVersion])]);
  const runId = newRunId();
  const folder = await claimRunFolder('rehearse', parsed.out, runId, (line) =>
    stderr.write(`${line}\n`),
  );
  const { outDir } = folder;
  const view = new StatusView(stderr, { quiet: parsed.quiet });
  const interrupts = listenForInterrupts(
    view,
    'Ctrl-C: producing stops now (a roll under way finishes first); settling, verifying, then stopping the cluster (Ctrl-C again to abort)',
  );
  try {
    const outcome = await rehearse(
      { ...parsed, runId, outDir },
      {
        ...(deps.monitors === undefined ? {} : { monitors: deps.monitors }),
        view,
        stopCanary: interrupts.stopCanary,
        abort: interrupts.abort.signal,
        log: (line) => stderr.write(`${line}\n`),
        onClosed: (closed, tookMs) => {
          if (!parsed.quiet) {
            stderr.write(`rehearse: ${closed}; ${formatDuration(tookMs)} from start to end\n`);
          }
        },
      },
    );
    return printOutcome(outcome, { ...parsed, outDir }, stdout, stderr);
  } finally {
    interrupts.dispose();
    folder.release();
  }
}

export const rehearseCommand: Command = {
  summary: 'rehearse an upgrade on a local cluster: start, canary, roll, verify, stop',
  run: (args) => runRehearse(args),
};
