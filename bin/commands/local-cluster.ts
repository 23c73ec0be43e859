/**
 * `local-cluster <start|status|roll|stop>`: a real Apache Kafka cluster on this
 * machine's loopback addresses, reached through real DNS names. See docs/local-cluster.md.
 */
import { parseArgs } from 'node:util';

import { ClusterError, UsageError } from '../../functions/core/errors.js';
import {
  DEFAULT_DNS_PORT,
  DEFAULT_PORT_BASE,
  dnsRunning,
  loadRunning,
  roll,
  start,
  status,
  stop,
  type ClusterStatus,
} from '../../rehearsal/cluster.js';
import { DEFAULT_KAFKA_VERSION, ensureKafkaJars } from '../../rehearsal/jars.js';
import { stderrLog } from '../../rehearsal/log.js';
import { cacheRoot, defaultStatePath } from '../../rehearsal/paths.js';
import type { Command } from './index.js';

function help(): string {
  return `usage: kafka-upgrade-verifier local-cluster <start|status|roll|stop|fetch> [options]

  start    resolve Kafka from Maven Central (once per version), start dnsmasq and
           N combined KRaft nodes on 127.0.0.1..N, wait until ready
             --version V      Kafka version (default ${DEFAULT_KAFKA_VERSION}; 3.9.x works too)
             --brokers N      number of brokers, 1-9 (default 3)
             --port-base P    client port P, controller P+1, internal P+2 (default ${DEFAULT_PORT_BASE})
             --dns-port P     DNS server port on 127.0.0.1 (default ${DEFAULT_DNS_PORT})
             --timeout S      seconds to wait for each broker (default 120)
             --json           print the status object once ready
  status   print the cluster (--json: one JSON object)
  roll     controlled rolling restart, one broker at a time
             --to-version V   restart onto Kafka V, then finalize its feature levels
             --readdress      bring each broker back on another loopback address and
                              change its DNS record (127.0.0.N <-> 127.0.0.1N)
             --broker ID      only this broker (repeatable)
             --timeout S      seconds per step (default 180)
             --json           print the status object when done
  stop     stop every process, free every port, remove the data
             --keep           keep the data folder
  fetch    only resolve a Kafka version's jars into the cache (--version V, default ${DEFAULT_KAFKA_VERSION})

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

function intFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n))
    throw new UsageError(`--${name} '${value}' is not a whole number.\n\n${help()}`);
  if (name === 'timeout' && n < 1)
    throw new UsageError(`--timeout ${value}: give at least 1 second.`);
  return n;
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
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function run(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action === undefined || action === '--help' || action === '-h') {
    process.stdout.write(help());
    return action === undefined ? 2 : 0;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        version: { type: 'string' },
        brokers: { type: 'string' },
        'port-base': { type: 'string' },
        'dns-port': { type: 'string' },
        timeout: { type: 'string' },
        json: { type: 'boolean', default: false },
        'to-version': { type: 'string' },
        readdress: { type: 'boolean', default: false },
        broker: { type: 'string', multiple: true },
        keep: { type: 'boolean', default: false },
        state: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError(`local-cluster ${action}: ${(error as Error).message}\n\n${help()}`);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(help());
    return 0;
  }
  const statePath = v.state ?? defaultStatePath();
  const allowed: Record<string, string[]> = {
    start: ['version', 'brokers', 'port-base', 'dns-port', 'timeout', 'json', 'state'],
    status: ['json', 'state'],
    roll: ['to-version', 'readdress', 'broker', 'timeout', 'json', 'state'],
    stop: ['keep', 'state'],
    fetch: ['version'],
  };
  const accepted = allowed[action];
  if (accepted === undefined)
    throw new UsageError(`local-cluster: unknown action '${action}'.\n\n${help()}`);
  for (const [key, value] of Object.entries(v)) {
    if (key !== 'help' && value !== undefined && value !== false && !accepted.includes(key)) {
      throw new UsageError(`local-cluster ${action} does not take --${key}.\n\n${help()}`);
    }
  }
  try {
    switch (action) {
      case 'start': {
        const s = await start({
          statePath,
          version: v.version ?? DEFAULT_KAFKA_VERSION,
          brokers: intFlag('brokers', v.brokers, 3),
          portBase: intFlag('port-base', v['port-base'], DEFAULT_PORT_BASE),
          dnsPort: intFlag('dns-port', v['dns-port'], DEFAULT_DNS_PORT),
          timeoutMs: intFlag('timeout', v.timeout, 120) * 1000,
          log: stderrLog,
        });
        printStatus(s, v.json);
        return 0;
      }
      case 'status': {
        const state = loadRunning(statePath);
        const s = await status(state);
        const dnsUp = dnsRunning(state);
        printStatus(s, v.json, dnsUp);
        return s.brokers.every((b) => b.up) && dnsUp ? 0 : 1;
      }
      case 'roll': {
        const s = await roll({
          statePath,
          ...(v['to-version'] === undefined ? {} : { toVersion: v['to-version'] }),
          readdress: v.readdress,
          ...(v.broker === undefined
            ? {}
            : { brokerIds: v.broker.map((b) => intFlag('broker', b, 0)) }),
          timeoutMs: intFlag('timeout', v.timeout, 180) * 1000,
          log: stderrLog,
        });
        printStatus(s, v.json);
        return 0;
      }
      case 'fetch': {
        const libs = await ensureKafkaJars(v.version ?? DEFAULT_KAFKA_VERSION, stderrLog);
        process.stdout.write(`${libs}\n`);
        return 0;
      }
      default: {
        await stop(statePath, { keep: v.keep, log: stderrLog });
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof ClusterError) {
      process.stderr.write(`kafka-upgrade-verifier local-cluster ${action}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

export const localClusterCommand: Command = {
  summary: 'start, inspect, roll (restart/upgrade/readdress) or stop a real local Kafka cluster',
  run,
};
