/**
 * Asking the running cluster how it is: a kafkajs admin client through the DNS names
 * (registration, under-replication, leadership) and the preferred leader election.
 */
import type { Admin } from 'kafkajs';

import { DEFAULT_CANARY_TOPIC } from '../functions/core/canary/index.js';
import { ClusterError, WaitTimeoutError } from '../functions/core/errors.js';
import { gateSource, waitForGate } from '../functions/core/gate/index.js';
import { createKafka } from '../functions/core/kafka/client.js';
import { waitFor } from '../functions/core/wait.js';
import { bootstrapOf, dnsServerOf, internalBootstrap } from './addresses.js';
import { clientSecurityOf } from './security.js';
import { firstLines, runKafkaTool } from './java.js';
import type { Log } from './log.js';
import type { ClusterState } from './state.js';

export async function withAdmin<T>(
  state: ClusterState,
  fn: (admin: Admin) => Promise<T>,
): Promise<T> {
  const admin = createKafka({
    bootstrap: bootstrapOf(state),
    dnsServer: dnsServerOf(state),
    clientId: 'kuv-local-cluster',
    security: clientSecurityOf(state),
    config: {
      retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
      connectionTimeout: 3000,
      requestTimeout: 10_000,
    },
  }).admin();
  try {
    await admin.connect();
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Polls `check` until it returns null (done) or the deadline passes; returns the last complaint. */
export async function pollUntil(
  timeoutMs: number,
  check: () => Promise<string | null>,
): Promise<string | null> {
  let last: string | null = 'not checked yet';
  try {
    await waitFor(
      async () => {
        try {
          last = await check();
        } catch (error) {
          last = (error as Error).message;
        }
        return last === null;
      },
      { timeoutMs, intervalMs: 500, what: 'the cluster' },
    );
    return null;
  } catch (error) {
    if (error instanceof WaitTimeoutError) return last;
    throw error;
  }
}

export async function waitRegistered(state: ClusterState, timeoutMs: number): Promise<void> {
  const problem = await pollUntil(timeoutMs, () =>
    withAdmin(state, async (admin) => {
      const { brokers } = await admin.describeCluster();
      const missing = state.brokers.filter(
        (b) => !brokers.some((m) => m.nodeId === b.id && m.host === b.name),
      );
      return missing.length === 0
        ? null
        : `brokers not registered yet: ${missing.map((b) => b.id).join(', ')}`;
    }),
  );
  if (problem !== null) {
    throw new ClusterError(
      `the cluster did not become ready through its DNS names within ${Math.round(timeoutMs / 1000)} s (${problem}); ` +
        `broker logs are in ${state.dataDir}/node-*/server.log, dnsmasq's in ${state.dataDir}/dnsmasq.log.`,
    );
  }
}

/** Null when every broker is registered and no partition lacks a replica in its ISR. */
export async function underReplicated(state: ClusterState): Promise<string | null> {
  return withAdmin(state, async (admin) => {
    const { brokers } = await admin.describeCluster();
    const absent = state.brokers.filter((b) => !brokers.some((m) => m.nodeId === b.id));
    if (absent.length > 0)
      return `broker(s) ${absent.map((b) => b.id).join(', ')} not registered (fenced or down)`;
    const { topics } = await admin.fetchTopicMetadata();
    const lagging: string[] = [];
    for (const topic of topics) {
      for (const p of topic.partitions) {
        if (p.isr.length < p.replicas.length || p.leader < 0)
          lagging.push(
            `${topic.name}-${p.partitionId} isr [${p.isr.join(',')}] of [${p.replicas.join(',')}]`,
          );
      }
    }
    return lagging.length === 0
      ? null
      : `${lagging.length} partition(s) under-replicated, e.g. ${lagging.slice(0, 3).join('; ')}`;
  });
}

/** How the roll waits between brokers with the gate (functions/core/gate). */
export interface RollGate {
  /** A live run's folder: the gate also waits for no recent hard live finding and the canary acking. */
  runDir?: string;
}

/**
 * The gate between two broker restarts, in-process (functions/core/gate, as `gate`
 * runs it): every broker of the state registered and reachable by its DNS name, no
 * partition of any topic under-replicated or offline, and with `runDir` the live run's
 * checks. Logs each change of what it waits for. Resolves to null when safe, else the
 * reasons still open at `timeoutMs`. A `runDir` without live.jsonl is waited on for
 * nothing: the run may not write one (no live checker in it).
 */
export async function gateUntilSafe(
  state: ClusterState,
  timeoutMs: number,
  log: Log,
  prefix: string,
  gate: RollGate,
): Promise<string | null> {
  const source = gateSource({
    connection: {
      bootstrap: bootstrapOf(state),
      dnsServer: dnsServerOf(state),
      security: clientSecurityOf(state),
    },
    topics: 'all',
    canaryTopic: DEFAULT_CANARY_TOPIC,
    runDir: gate.runDir,
  });
  try {
    const outcome = await waitForGate({
      source,
      timeoutMs,
      intervalMs: 1000,
      expected: state.brokers.map((b) => b.id),
      minBrokers: state.brokers.length,
      liveOptional: true,
      onChange: (waitingFor) => {
        if (waitingFor.length > 0) log(`${prefix}gate: waiting for ${waitingFor.join('; ')}`);
      },
    });
    if (outcome.safe) {
      log(`${prefix}gate: safe after ${(outcome.waitedMs / 1000).toFixed(1)} s`);
      return null;
    }
    return outcome.waitingFor.join('; ');
  } finally {
    await source.close();
  }
}

export async function leadershipUnsettled(state: ClusterState): Promise<string | null> {
  return withAdmin(state, async (admin) => {
    const { topics } = await admin.fetchTopicMetadata();
    const off: string[] = [];
    for (const topic of topics) {
      for (const p of topic.partitions) {
        if (p.leader !== p.replicas[0])
          off.push(`${topic.name}-${p.partitionId} led by ${p.leader}, preferred ${p.replicas[0]}`);
      }
    }
    return off.length === 0
      ? null
      : `${off.length} partition(s) not on their preferred leader, e.g. ${off.slice(0, 3).join('; ')}`;
  });
}

export async function electPreferred(state: ClusterState, log: Log): Promise<void> {
  const version = state.brokers[0]!.version;
  const result = await runKafkaTool(
    state,
    version,
    'org.apache.kafka.tools.LeaderElectionCommand',
    [
      '--bootstrap-server',
      internalBootstrap(state),
      '--election-type',
      'PREFERRED',
      '--all-topic-partitions',
    ],
  );
  if (result.status !== 0) {
    log(`  leader election reported: ${firstLines(result.stdout + result.stderr, 2)}`);
  }
}

/**
 * Preferred leader election on every partition, then up to `settleMs` for each to be
 * led by its preferred replica. Returns null when settled, else what is still off (a
 * warning is logged: a slow election is not a failed roll).
 */
export async function electAndSettle(
  state: ClusterState,
  log: Log,
  prefix = '',
  settleMs = 30_000,
): Promise<string | null> {
  await electPreferred(state, log);
  const unsettled = await pollUntil(settleMs, () => leadershipUnsettled(state));
  if (unsettled !== null)
    log(
      `${prefix}warning: leadership not settled after ${Math.round(settleMs / 1000)} s (${unsettled}); continuing`,
    );
  return unsettled;
}
