/**
 * `kafka-upgrade-verifier gate --bootstrap HOSTS`: between two broker restarts, waits
 * until it is safe to restart the next one (functions/core/gate, docs/gate.md).
 * Read-only.
 */

import { DEFAULT_CANARY_TOPIC } from '../../functions/core/canary/index.js';
import { formatDuration } from '../../functions/core/duration.js';
import {
  DEFAULT_GATE_INTERVAL_MS,
  DEFAULT_GATE_TIMEOUT_MS,
  DEFAULT_QUIET_FOR_MS,
  type GateOutcome,
  gateSource,
  waitForGate,
} from '../../functions/core/gate/index.js';
import type { SecurityOptions } from '../../functions/core/kafka/security.js';
import type { WatchedTopics } from '../../functions/core/probe/metadata.js';
import { announceSecurity, SECURITY_HELP } from '../security-flags.js';
import { parseClusterCommand } from '../cluster-flags.js';
import type { Command } from './index.js';
import { duration, wholeNumber } from './run.js';

const HELP = `usage: kafka-upgrade-verifier gate --bootstrap HOSTS [--dns-server HOST:PORT]
         [--topics A,B | --all-topics] [--brokers N] [--timeout D] [--interval D]
         [--run DIR] [--quiet-for D] [--format text|json] [--security MODE …]

Between two broker restarts: polls the cluster until it is safe to restart the next
broker, then exits 0. Safe means every broker is registered (those listed at any
poll, those a watched partition names as a replica, and at least --brokers N) and
answers ApiVersions at its advertised name; no watched partition is
under-replicated or without a leader; and, with --run DIR, no hard live finding in
the last --quiet-for and the canary acking. Prints what it waits for, one line each
time that changes. Changes nothing in the cluster. See docs/gate.md.

  --bootstrap HOSTS       host:port[,host:port…] as clients use it
  --dns-server HOST:PORT  resolve names through this DNS server
  --topics A,B            watch these topics and the canary topic (${DEFAULT_CANARY_TOPIC})
  --all-topics            watch every topic but Kafka's internal ones
                          (default: the canary topic only)
  --brokers N             wait until at least N brokers are registered
  --timeout D             give up after D (default ${formatDuration(DEFAULT_GATE_TIMEOUT_MS)})
  --interval D            time between polls (default ${formatDuration(DEFAULT_GATE_INTERVAL_MS)})
  --run DIR               the folder of a live 'run': also read DIR/live.jsonl
  --quiet-for D           with --run: no hard live finding for D (default ${formatDuration(DEFAULT_QUIET_FOR_MS)})
  --format text|json      text: lines for a person (default); json: one object at the end

${SECURITY_HELP}
exit status: 0 safe, 1 not safe when --timeout passed (the reasons are printed),
2 bad input or usage, 4 could not carry out (e.g. standard output failed),
130 interrupted (SIGINT), 143 terminated (SIGTERM)
`;

export interface GateArgs {
  bootstrap: string;
  dnsServer: string | undefined;
  topics: WatchedTopics;
  brokers: number | undefined;
  timeoutMs: number;
  intervalMs: number;
  runDir: string | undefined;
  quietForMs: number;
  format: 'text' | 'json';
  security: SecurityOptions;
}

/** Parses and checks gate's flags; throws UsageError naming the bad one. */
export function parseGateArgs(args: string[]): GateArgs | 'help' {
  const parsed = parseClusterCommand(
    'gate',
    args,
    {
      brokers: { type: 'string' },
      timeout: { type: 'string' },
      interval: { type: 'string' },
      run: { type: 'string' },
      'quiet-for': { type: 'string' },
    },
    HELP,
    [],
  );
  if (parsed === 'help') return 'help';
  const { cluster, values, usage } = parsed;
  if (values['quiet-for'] !== undefined && values.run === undefined) {
    throw usage('--quiet-for applies to the live findings of --run DIR; give --run too');
  }
  if (values.run !== undefined && values.run.trim() === '') throw usage('--run needs a folder');
  return {
    ...cluster,
    brokers:
      values.brokers === undefined
        ? undefined
        : wholeNumber('--brokers', values.brokers, 1, 'gate'),
    timeoutMs:
      values.timeout === undefined
        ? DEFAULT_GATE_TIMEOUT_MS
        : duration('--timeout', values.timeout, false, 'gate'),
    intervalMs:
      values.interval === undefined
        ? DEFAULT_GATE_INTERVAL_MS
        : duration('--interval', values.interval, false, 'gate'),
    runDir: values.run,
    quietForMs:
      values['quiet-for'] === undefined
        ? DEFAULT_QUIET_FOR_MS
        : duration('--quiet-for', values['quiet-for'], true, 'gate'),
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export const gateCommand: Command = {
  summary: 'between broker restarts: wait until it is safe to restart the next one',
  async run(args) {
    const parsed = parseGateArgs(args);
    if (parsed === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    announceSecurity('gate', parsed.security);
    const text = parsed.format === 'text';
    const source = gateSource({
      connection: {
        bootstrap: parsed.bootstrap,
        dnsServer: parsed.dnsServer,
        security: parsed.security,
      },
      topics: parsed.topics,
      canaryTopic: DEFAULT_CANARY_TOPIC,
      runDir: parsed.runDir,
    });
    const abort = new AbortController();
    let signalled: NodeJS.Signals | null = null;
    let onSignal: (signal: NodeJS.Signals) => void = () => {};
    const interrupted = new Promise<null>((resolve) => {
      onSignal = (signal) => {
        signalled = signal;
        abort.abort();
        resolve(null);
      };
    });
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let open: string[] = [];
    let outcome: GateOutcome | null;
    try {
      outcome = await Promise.race([
        waitForGate({
          source,
          timeoutMs: parsed.timeoutMs,
          intervalMs: parsed.intervalMs,
          quietForMs: parsed.quietForMs,
          signal: abort.signal,
          ...(parsed.brokers === undefined ? {} : { minBrokers: parsed.brokers }),
          onChange: (waitingFor, elapsed) => {
            if (!text) return;
            const at = seconds(elapsed);
            for (const r of open) {
              if (!waitingFor.includes(r)) process.stdout.write(`gate: +${at} done: ${r}\n`);
            }
            for (const r of waitingFor) {
              if (!open.includes(r)) process.stdout.write(`gate: +${at} waiting for ${r}\n`);
            }
            open = [...waitingFor];
          },
        }),
        interrupted,
      ]);
    } catch (error) {
      await source.close();
      throw error;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    if (outcome === null || outcome.aborted) {
      const code = signalled === 'SIGTERM' ? 143 : 130;
      process.stderr.write(
        `gate: ${signalled ?? 'signal'}: stopped waiting; not known to be safe\n`,
      );
      // A metadata fetch or probe in flight is bounded but may take seconds: do not wait for it.
      void source.close();
      setTimeout(() => process.exit(code), 200).unref();
      return code;
    }
    await source.close();
    if (!text) {
      const { safe, waitingFor, waitedFor, waitedMs, polls, expected } = outcome;
      process.stdout.write(
        `${JSON.stringify({ safe, waitingFor, waitedFor, waitedMs, polls, expectedBrokers: expected }, null, 2)}\n`,
      );
    } else if (outcome.safe) {
      process.stdout.write(
        `gate: safe after ${seconds(outcome.waitedMs)} (${outcome.polls} poll(s)); brokers ${outcome.expected.join(', ')}` +
          `${outcome.waitedFor.length === 0 ? '; waited for nothing' : `; waited for: ${outcome.waitedFor.join('; ')}`}\n`,
      );
    } else {
      process.stdout.write(
        `gate: NOT SAFE after ${seconds(outcome.waitedMs)} (--timeout ${formatDuration(parsed.timeoutMs)}); still waiting for:\n` +
          outcome.waitingFor.map((r) => `  - ${r}\n`).join(''),
      );
    }
    return outcome.safe ? 0 : 1;
  },
};
