/**
 * `local-cluster <start|status|roll|stop|fetch>`: a real Apache Kafka cluster on this
 * machine's loopback addresses, reached through real DNS names. A thin driver over
 * rehearsal/; see docs/local-cluster.md.
 */

import { ClusterError, UsageError } from '../../functions/core/errors.js';
import { dnsRunning, loadRunning, statusOf } from '../../rehearsal/cluster.js';
import {
  cacheRoot,
  DEFAULT_DNS_PORT,
  DEFAULT_KAFKA_VERSION,
  DEFAULT_LOCK_WAIT_MS,
  DEFAULT_PORT_BASE,
  defaultStatePath,
  fetchKafka,
  roll,
  start,
  stderrLog,
  stop,
  type ClusterStatus,
  type RollOptions,
  type StartOptions,
} from '../../rehearsal/index.js';
import type { StartSettings } from '../../rehearsal/settings.js';
import { checkKafkaVersion } from '../../rehearsal/jars.js';
import { LOCAL_SECURITY_MODES } from '../../rehearsal/security.js';
import { checkStartSettings, DEFAULT_IMBALANCE_CHECK_SECONDS } from '../../rehearsal/settings.js';
import { parseSecurityProtocol } from '../security-flags.js';
import type { Command } from './index.js';
import { parseFlags } from '../flags.js';
import { wholeSeconds } from './run.js';

export function help(): string {
  return `usage: kafka-upgrade-verifier local-cluster <start|status|roll|stop|fetch> [options]

Linux only: the brokers listen on loopback addresses 127.0.0.N (and 127.0.0.1N after
--readdress), and processes are found through /proc. Needs Java 17+, Maven (once per
Kafka version) and dnsmasq.

  start    resolve Kafka from Maven Central (once per version), start dnsmasq and
           N combined KRaft nodes on 127.0.0.1..N, wait until ready
             --version V      Kafka version (default ${DEFAULT_KAFKA_VERSION}; 3.9.x works too)
             --brokers N      number of brokers, 1-9 (default 3)
             --port-base P    client port P, controller P+1, internal P+2 (default ${DEFAULT_PORT_BASE})
             --dns-port P     DNS server port on 127.0.0.1 (default ${DEFAULT_DNS_PORT})
             --timeout S      seconds to wait for each broker (default 120)
             --no-auto-rebalance
                              auto.leader.rebalance.enable=false: leadership stays
                              where restarts leave it until an election
             --rebalance-interval D
                              leader.imbalance.check.interval.seconds: how often the
                              brokers move leadership back on their own (default
                              ${DEFAULT_IMBALANCE_CHECK_SECONDS}s; Kafka's own default is 300s)
             --security plaintext|tls|sasl-scram
                              secure the CLIENT listener: TLS with a private CA made
                              at start, or SASL/SCRAM (user kuv-canary) over TLS;
                              'status --json' names the CA file and password file
             --json           print the status object once ready
  status   print the cluster (--json: one JSON object); exit 1 if anything is down
  roll     controlled rolling restart, one broker at a time
             --to-version V   restart onto Kafka V, then finalize its feature levels
             --readdress      bring each broker back on another loopback address and
                              change its DNS record (127.0.0.N <-> 127.0.0.1N)
             --broker ID      only this broker (repeatable)
             --no-elect       no preferred leader election after each broker
             --gate           wait between brokers with the gate (as 'gate' does:
                              registered, reachable by name, every ISR full)
             --timeout S      seconds per step (default 180)
             --json           print the status object when done
  stop     stop every process, free every port, remove the data
             --keep           keep the data folder
  fetch    only resolve a Kafka version's jars into the cache (--version V, default ${DEFAULT_KAFKA_VERSION})

start, roll and stop take --state PATH and --wait S: one operation at a time per state
file; another waits up to S seconds (default ${DEFAULT_LOCK_WAIT_MS / 1000}) for the one running, then
names it (pid, operation, since when). A refused roll changes nothing.

Cache (Kafka jars, default state file): $KUV_CACHE_DIR, else
  \${XDG_CACHE_HOME:-~/.cache}/kafka-upgrade-verifier (now ${currentCache()}).
State file: --state PATH, else $KUV_LOCAL_CLUSTER_STATE, else <cache>/local-cluster/state.json.
`;
}

/** The cache folder as it resolves now, or why it does not. */
function currentCache(): string {
  try {
    return cacheRoot();
  } catch (error) {
    return (error as Error).message;
  }
}

/** What the command line asks for, checked: no cluster needed to get here. */
export type LocalClusterRequest =
  | { action: 'help'; status: 0 | 2 }
  | { action: 'start'; options: Omit<StartOptions, 'log'>; json: boolean }
  | { action: 'status'; statePath: string; json: boolean }
  | { action: 'roll'; options: Omit<RollOptions, 'log'>; json: boolean }
  | { action: 'stop'; statePath: string; keep: boolean; lockWaitMs: number }
  | { action: 'fetch'; version: string };

const ACCEPTED: Record<string, string[]> = {
  start: [
    'version',
    'brokers',
    'port-base',
    'dns-port',
    'timeout',
    'no-auto-rebalance',
    'rebalance-interval',
    'security',
    'json',
    'state',
    'wait',
  ],
  status: ['json', 'state'],
  roll: [
    'to-version',
    'readdress',
    'broker',
    'no-elect',
    'gate',
    'timeout',
    'json',
    'state',
    'wait',
  ],
  stop: ['keep', 'state', 'wait'],
  fetch: ['version'],
};

function intFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n))
    throw new UsageError(`--${name} '${value}' is not a whole number.\n\n${help()}`);
  return n;
}

function secondsFlag(name: string, value: string | undefined, fallback: number, min: number) {
  const n = intFlag(name, value, fallback);
  if (n < min) throw new UsageError(`--${name} ${value}: give at least ${min} second(s).`);
  return n * 1000;
}

/** Parses and checks `local-cluster` arguments; throws UsageError/InputError naming the flag. */
export function parseLocalClusterArgs(
  args: string[],
  defaultState: () => string = defaultStatePath,
): LocalClusterRequest {
  const [action, ...rest] = args;
  if (action === undefined || action === '--help' || action === '-h') {
    return { action: 'help', status: action === undefined ? 2 : 0 };
  }
  const parsed = parseFlags(`local-cluster ${action}`, {
    args: rest,
    options: {
      version: { type: 'string' },
      brokers: { type: 'string' },
      'port-base': { type: 'string' },
      'dns-port': { type: 'string' },
      timeout: { type: 'string' },
      'no-auto-rebalance': { type: 'boolean', default: false },
      'rebalance-interval': { type: 'string' },
      security: { type: 'string' },
      json: { type: 'boolean', default: false },
      'to-version': { type: 'string' },
      readdress: { type: 'boolean', default: false },
      broker: { type: 'string', multiple: true },
      'no-elect': { type: 'boolean', default: false },
      gate: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      state: { type: 'string' },
      wait: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const v = parsed.values;
  if (v.help) return { action: 'help', status: 0 };
  const accepted = ACCEPTED[action];
  if (accepted === undefined)
    throw new UsageError(`local-cluster: unknown action '${action}'.\n\n${help()}`);
  for (const [key, value] of Object.entries(v)) {
    if (key !== 'help' && value !== undefined && value !== false && !accepted.includes(key)) {
      throw new UsageError(`local-cluster ${action} does not take --${key}.\n\n${help()}`);
    }
  }
  const statePath = v.state ?? (action === 'fetch' ? '' : defaultState());
  const lockWaitMs = secondsFlag('wait', v.wait, DEFAULT_LOCK_WAIT_MS / 1000, 0);
  switch (action) {
    case 'start': {
      if (v['no-auto-rebalance'] && v['rebalance-interval'] !== undefined) {
        throw new UsageError(
          'local-cluster start: --rebalance-interval sets how often automatic rebalancing runs, so it does not go with --no-auto-rebalance',
        );
      }
      const settings = checkStartSettings({
        version: v.version ?? DEFAULT_KAFKA_VERSION,
        brokers: intFlag('brokers', v.brokers, 3),
        portBase: intFlag('port-base', v['port-base'], DEFAULT_PORT_BASE),
        dnsPort: intFlag('dns-port', v['dns-port'], DEFAULT_DNS_PORT),
        timeoutMs: secondsFlag('timeout', v.timeout, 120, 1),
        autoLeaderRebalance: !v['no-auto-rebalance'],
        leaderImbalanceCheckSeconds:
          v['rebalance-interval'] === undefined
            ? DEFAULT_IMBALANCE_CHECK_SECONDS
            : wholeSeconds('--rebalance-interval', v['rebalance-interval'], 'local-cluster start'),
        security:
          v.security === undefined
            ? 'plaintext'
            : (parseSecurityProtocol(
                v.security,
                LOCAL_SECURITY_MODES,
              ) as StartSettings['security']),
      });
      return { action, options: { statePath, lockWaitMs, ...settings }, json: v.json };
    }
    case 'status':
      return { action, statePath, json: v.json };
    case 'roll': {
      const toVersion = v['to-version'];
      if (toVersion !== undefined) checkKafkaVersion(toVersion);
      const options: Omit<RollOptions, 'log'> = {
        statePath,
        readdress: v.readdress,
        electLeaders: !v['no-elect'],
        ...(v.gate ? { gate: {} } : {}),
        timeoutMs: secondsFlag('timeout', v.timeout, 180, 1),
        lockWaitMs,
        ...(toVersion === undefined ? {} : { toVersion }),
        ...(v.broker === undefined
          ? {}
          : { brokerIds: v.broker.map((b) => intFlag('broker', b, 0)) }),
      };
      return { action, options, json: v.json };
    }
    case 'stop':
      return { action, statePath, keep: v.keep, lockWaitMs };
    default: {
      const version = v.version ?? DEFAULT_KAFKA_VERSION;
      checkKafkaVersion(version);
      return { action: 'fetch', version };
    }
  }
}

function printStatus(s: ClusterStatus, json: boolean, dnsUp = true): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(s)}\n`);
    return;
  }
  const up = s.brokers.filter((b) => b.up).length;
  const lines = [
    `local Kafka cluster: ${up}/${s.brokers.length} brokers up, DNS server ${s.dnsServer}${dnsUp ? '' : ' (DOWN: clients cannot resolve the broker names; stop and start the cluster)'}`,
    ...s.brokers.map(
      (b) =>
        `  broker ${b.id}  ${b.name}:${b.port} -> ${b.address}  Kafka ${b.version}  ${b.up ? 'up' : 'DOWN'}`,
    ),
    `bootstrap: ${s.bootstrap}`,
    ...(s.security === undefined
      ? []
      : [
          `security: ${s.security.protocol} on the CLIENT listener, CA ${s.security.caFile}` +
            (s.security.saslPasswordFile === undefined
              ? ''
              : `, SCRAM user ${s.security.saslUsername} (password in ${s.security.saslPasswordFile})`),
        ]),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function run(args: string[]): Promise<number> {
  const request = parseLocalClusterArgs(args);
  if (request.action === 'help') {
    process.stdout.write(help());
    return request.status;
  }
  try {
    switch (request.action) {
      case 'start': {
        printStatus(await start({ ...request.options, log: stderrLog }), request.json);
        return 0;
      }
      case 'status': {
        const state = loadRunning(request.statePath);
        const s = await statusOf(state);
        const dnsUp = dnsRunning(state);
        printStatus(s, request.json, dnsUp);
        return s.brokers.every((b) => b.up) && dnsUp ? 0 : 1;
      }
      case 'roll': {
        printStatus(await roll({ ...request.options, log: stderrLog }), request.json);
        return 0;
      }
      case 'fetch': {
        process.stdout.write(`${await fetchKafka(request.version, stderrLog)}\n`);
        return 0;
      }
      case 'stop': {
        await stop(request.statePath, {
          keep: request.keep,
          lockWaitMs: request.lockWaitMs,
          log: stderrLog,
        });
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof ClusterError) {
      process.stderr.write(
        `kafka-upgrade-verifier local-cluster ${request.action}: ${error.message}\n`,
      );
      return 1;
    }
    throw error;
  }
}

export const localClusterCommand: Command = {
  summary: 'start, inspect, roll (restart/upgrade/readdress) or stop a real local Kafka cluster',
  run,
};
