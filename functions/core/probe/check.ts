/**
 * One reachability check outside a run (the `reachability` command): one round of
 * probes and one leaders snapshot per watched topic, as history records. Run it before
 * an upgrade (`baseline`) and after it (`after`), and analyse the two files together.
 */
import type { KafkaConnection } from '../kafka/client.js';
import type { SecurityOptions } from '../kafka/security.js';
import { parseEndpointList } from './endpoint.js';
import type { WatchedTopics } from './metadata.js';
import type { HistoryRecordOut } from './monitor.js';
import type { StageTimeouts } from './probe.js';
import { clusterMonitors } from './monitors.js';
import { explainSecurityFailure } from './tls.js';

export interface ReachabilityCheckOptions {
  bootstrap: string;
  dnsServer?: string | undefined;
  phase: 'baseline' | 'after';
  topics: WatchedTopics;
  timeouts?: Partial<StageTimeouts>;
  metadataTimeoutMs?: number;
  /** TLS, SASL/SCRAM or MSK IAM for the metadata client and the probes; absent: plaintext. */
  security?: SecurityOptions | undefined;
  /** Extra kafkajs settings for the metadata client (ssl, sasl, …). */
  config?: KafkaConnection['config'];
  clock?: () => number;
}

export interface ReachabilityCheckResult {
  /** `probe` records first (bootstrap, then brokers by id), then `leaders` records by topic. */
  records: HistoryRecordOut[];
  /** What kept the check from seeing everything (metadata unavailable, a missing topic). */
  problems: string[];
  /**
   * Failures that are the client's security configuration, not the cluster's reachability:
   * an untrusted certificate, a name the certificate does not list, a refused password.
   * Each says the cause and what to change; the CLI exits 2 on any.
   */
  securityProblems: string[];
}

/** The security problems among the probes' `tls` stages and the metadata client's complaints. */
export function securityProblemsOf(
  records: readonly HistoryRecordOut[],
  problems: readonly string[],
  bootstrap: string,
): string[] {
  // One message per cause, naming every endpoint that showed it.
  const PLACE = '\u0000';
  const byCause = new Map<string, Set<string>>();
  const add = (error: string, where: string) => {
    const why = explainSecurityFailure(error, PLACE);
    if (why === null) return;
    const places = byCause.get(why) ?? new Set<string>();
    places.add(where);
    byCause.set(why, places);
  };
  for (const r of records) {
    const tls = r.tls as { ok?: boolean; error?: string } | null | undefined;
    if (r.type === 'probe' && tls?.ok === false && tls.error !== undefined) {
      add(tls.error, String(r.endpoint));
    }
  }
  for (const problem of problems) add(problem, bootstrap);
  return [...byCause].map(([why, places]) => why.split(PLACE).join([...places].join(', ')));
}

/**
 * Never rejects for an unreachable cluster: a name that does not resolve or a DNS server
 * that does not answer is a finding in the probe records. Rejects with InputError for a
 * malformed bootstrap list or DNS server.
 */
export async function reachabilityCheck(
  options: ReachabilityCheckOptions,
): Promise<ReachabilityCheckResult> {
  parseEndpointList(options.bootstrap);
  const problems: string[] = [];
  const { watcher, prober } = clusterMonitors({
    connection: {
      bootstrap: options.bootstrap,
      dnsServer: options.dnsServer,
      security: options.security,
      ...(options.config === undefined ? {} : { config: options.config }),
    },
    topics: options.topics,
    log: (message) => problems.push(message),
    ...(options.metadataTimeoutMs === undefined
      ? {}
      : { metadataTimeoutMs: options.metadataTimeoutMs }),
    ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const probes: HistoryRecordOut[] = [];
  const leaders: HistoryRecordOut[] = [];
  try {
    // Metadata first, so that the prober knows which brokers the cluster advertises.
    await watcher[options.phase]((r) => leaders.push(r));
    await prober[options.phase]((r) => probes.push(r));
  } finally {
    await Promise.all([watcher.close(), prober.close()]);
  }
  const records = [...probes, ...leaders];
  return {
    records,
    problems,
    securityProblems:
      options.security === undefined
        ? []
        : securityProblemsOf(records, problems, options.bootstrap),
  };
}
