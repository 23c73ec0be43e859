/**
 * The one-screen text summary a person reads first: the verdict and what it
 * means, the counts, reachability, balance, the worst partitions, and the
 * anomalies grouped by the restart they follow.
 */
import type { Balance } from './balance.js';
import type { Percentiles } from './histogram.js';
import type { EndpointReachability, Reachability } from './reachability.js';
import type { Anomaly, AnomalyKind, PartitionReport, Report } from './report.js';
import { ANOMALY_KINDS } from './report.js';

const WORST_PARTITIONS = 5;
const EXAMPLES = 6;

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

function count(value: number | null): string {
  return value === null ? 'n/a' : String(value);
}

function latency(p: Percentiles | null): string {
  return p === null ? '—' : `p50 ${p.p50} / p99 ${p.p99} / max ${p.max} ms`;
}

/** A partition's anomalies of every kind (lost and skipped count 0 when unknown); the HTML report ranks by it too. */
export function anomalyCount(p: PartitionReport): number {
  return (
    (p.lost ?? 0) +
    p.duplicates +
    p.outOfOrder +
    p.inconsistentOffsets +
    p.redelivered +
    (p.skipped ?? 0)
  );
}

function kindSummary(anomalies: readonly Anomaly[]): string {
  const byKind = new Map<AnomalyKind, number>();
  for (const a of anomalies) byKind.set(a.kind, (byKind.get(a.kind) ?? 0) + 1);
  return ANOMALY_KINDS.filter((k) => byKind.has(k))
    .map((k) => `${k} ${byKind.get(k)}`)
    .join(', ');
}

function describeAnomaly(a: Anomaly): string {
  const where = [
    `p${a.partition}`,
    a.offset === undefined ? null : `offset ${a.offset}`,
    a.producer === undefined ? null : `${a.producer}#${a.seq}`,
    a.group === undefined ? null : `group ${a.group}`,
  ]
    .filter((x) => x !== null)
    .join(' ');
  const after =
    a.afterRestart === null
      ? 'outside restart windows'
      : `broker ${a.afterRestart.broker} ${a.afterRestart.ms === null ? '(never came back)' : `${a.afterRestart.ms >= 0 ? '+' : ''}${a.afterRestart.ms} ms after up`}`;
  return `  ${clock(a.at)}  ${a.kind.padEnd(18)} ${where}  (${after})`;
}

function addresses(list: string[] | null): string {
  return list === null ? 'unresolved' : list.length === 0 ? 'no address' : list.join(', ');
}

function reachabilityLine(name: string, e: EndpointReachability, moved: boolean): string {
  // old → new when the address moved; else where it is now.
  const where = moved
    ? `${addresses(e.firstAddresses)} → ${addresses(e.finalAddresses)}`
    : addresses(e.finalAddresses);
  const failed = (['dns', 'tcp', 'kafka'] as const)
    .filter((s) => e.failures[s] > 0)
    .map((s) => `${s} ${e.failures[s]}`);
  return (
    `  ${name.padEnd(9)} ${e.endpoint}  ${e.reachable ? 'reachable' : 'UNREACHABLE'}` +
    `${moved ? ', address changed' : ''}  (${where})` +
    `${e.ipLiteral ? '  IP literal: pin a DNS name instead' : ''}` +
    `${failed.length > 0 ? `  failed probes: ${failed.join(', ')} of ${e.probes}` : ''}`
  );
}

function reachabilityBlock(r: Reachability): string[] {
  const t = r.totals;
  const out = [
    `reachability: ${t.unreachableBrokers} brokers and ${t.unreachableBootstrap} bootstrap endpoints unreachable, ` +
      `${t.brokerAddressChanges} address changes, ${t.ipLiteralEndpoints} IP-literal endpoints, ${t.dnsFailures} DNS failures`,
  ];
  for (const b of r.brokers) {
    const endpoint =
      b.firstEndpoint !== null && b.firstEndpoint !== b.endpoint
        ? { ...b, endpoint: `${b.firstEndpoint} → ${b.endpoint}` }
        : b;
    out.push(reachabilityLine(`broker ${b.broker}`, endpoint, b.addressChanged));
  }
  for (const e of r.bootstrap) out.push(reachabilityLine('bootstrap', e, false));
  return out;
}

function balanceLine(b: Balance): string {
  const t = b.totals;
  return (
    `balance: leader skew ${t.leaderSkew ?? 'n/a'} (1 is even), preferred leaders ${t.preferredLeaderRatio ?? 'n/a'}, ` +
    `under-replicated ${t.underReplicated}, offline ${t.offline} — ${t.partitions} partitions in ${b.topics.length} topics`
  );
}

const OVER_TIME_TOPICS = 10;

function restoredText(ms: number | null, restarts: number): string {
  if (ms !== null) return `leaders back to preferred ${ms} ms after the last broker came up`;
  return restarts === 0
    ? 'no broker came back up in this history'
    : 'leaders NOT back to preferred after the last broker came up';
}

/** Per topic, how uneven leadership and traffic got during the run (balance over time). */
function balanceOverTime(b: Balance, maxLeaderSkew: number, restartsUp: number): string[] {
  const lines = b.topics.slice(0, OVER_TIME_TOPICS).map((t) => {
    const peak =
      t.peakLeaderSkew === null
        ? 'never led'
        : `peak leader skew ${t.peakLeaderSkew} at ${clock(t.peakLeaderSkewAt!)}`;
    const traffic =
      t.peakTrafficSkew === null
        ? ''
        : `; peak traffic skew ${t.peakTrafficSkew} at ${clock(t.peakTrafficSkewAt!)}`;
    return (
      `  ${t.topic}: ${peak}, above ${maxLeaderSkew} (or leaderless) for ${t.skewedMs} ms; ` +
      `${restoredText(t.leadershipRestoredMs, restartsUp)}${traffic}`
    );
  });
  if (b.topics.length > OVER_TIME_TOPICS) {
    lines.push(`  … ${b.topics.length - OVER_TIME_TOPICS} more topics (--format json lists them)`);
  }
  return lines;
}

/** The worst partition p99s of produce and scheduled latency; null when no send had a scheduledAt. */
function latencyLine(partitions: readonly PartitionReport[]): string | null {
  let produce: number | null = null;
  let scheduled: number | null = null;
  for (const p of partitions) {
    if (p.produceLatencyMs !== null)
      produce = Math.max(produce ?? -Infinity, p.produceLatencyMs.p99);
    if (p.scheduledLatencyMs !== null)
      scheduled = Math.max(scheduled ?? -Infinity, p.scheduledLatencyMs.p99);
  }
  if (scheduled === null) return null;
  return (
    `  worst p99 latency    produce ${produce ?? 'n/a'} ms, scheduled ${scheduled} ms ` +
    '(from when each send was due: includes waiting behind slow sends)'
  );
}

/** A broker certificate a probe saw (its `tls.notAfter`), for the expiry warning. */
export interface CertificateSeen {
  endpoint: string;
  notAfter: number;
}

export interface TextOptions {
  /** Certificates the probes saw; the summary warns of those expiring within `certWarnDays`. */
  certificates?: readonly CertificateSeen[];
  /** Default 30. */
  certWarnDays?: number;
  /** Now, ms since the epoch; default Date.now(). */
  now?: number;
}

export const DEFAULT_CERT_WARN_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * The latest certificate expiry each endpoint's probes saw, from probe records'
 * `tls.notAfter` (the analyzer itself ignores the field; no report figure comes from it).
 */
export function certificatesOf(records: Iterable<Record<string, unknown>>): CertificateSeen[] {
  const latest = new Map<string, { at: number; notAfter: number }>();
  for (const r of records) {
    const notAfter = (r.tls as { notAfter?: unknown } | null | undefined)?.notAfter;
    if (r.type !== 'probe' || typeof notAfter !== 'number' || typeof r.endpoint !== 'string')
      continue;
    const at = typeof r.at === 'number' ? r.at : 0;
    const seen = latest.get(r.endpoint);
    if (seen === undefined || at >= seen.at) latest.set(r.endpoint, { at, notAfter });
  }
  return [...latest.entries()]
    .map(([endpoint, { notAfter }]) => ({ endpoint, notAfter }))
    .sort((a, b) => a.notAfter - b.notAfter || a.endpoint.localeCompare(b.endpoint));
}

function certificateWarnings(options: TextOptions): string[] {
  const days = options.certWarnDays ?? DEFAULT_CERT_WARN_DAYS;
  const now = options.now ?? Date.now();
  return (options.certificates ?? [])
    .filter((c) => c.notAfter - now < days * DAY_MS)
    .map((c) => {
      const left = Math.floor((c.notAfter - now) / DAY_MS);
      const when = new Date(c.notAfter).toISOString().slice(0, 10);
      return c.notAfter <= now
        ? `  WARNING: the certificate of ${c.endpoint} EXPIRED on ${when}: clients refuse it; renew it now`
        : `  WARNING: the certificate of ${c.endpoint} expires on ${when} (in ${left} days, under ${days}): renew it before it lapses`;
    });
}

/** What an inconclusive verdict means, above its reasons. */
const INCONCLUSIVE =
  'INCONCLUSIVE means the run checked nothing it could decide on: this is not a pass. ' +
  'Exit status 3; fix what the reasons below say and run the verification again.';

export function formatText(report: Report, options: TextOptions = {}): string {
  const t = report.totals;
  const out: string[] = [];
  const run =
    report.run === null
      ? ''
      : `  run ${report.run.runId}${report.run.cluster === null ? '' : ` on ${report.run.cluster}`}`;
  out.push(
    `VERDICT: ${report.verdict.toUpperCase()}   policy ${report.policy}, restart window ${report.windowMs} ms${run}`,
  );
  if (report.verdict === 'inconclusive') out.push(INCONCLUSIVE);
  for (const reason of report.reasons) out.push(`  ${report.verdict}: ${reason}`);
  out.push(
    `records: produced ${t.produced} (acked ${t.acked}, failed ${t.failed}), logged ${t.logged}, ignored ${report.ignoredRecords}`,
  );
  if (t.lost === null)
    out.push('no log records: loss and skips cannot be judged (nothing was read back)');
  const insideWindows = report.anomalies.filter(
    (a) => a.kind === 'outOfOrder' && a.afterRestart !== null,
  ).length;
  out.push('');
  out.push(`  lost                 ${count(t.lost)}`);
  out.push(`  duplicates           ${t.duplicates}`);
  out.push(
    `  out of order         ${t.outOfOrder}${t.outOfOrder > 0 ? `  (${insideWindows}${report.anomaliesTruncated ? '+' : ''} inside a restart window)` : ''}`,
  );
  out.push(`  inconsistent offsets ${t.inconsistentOffsets}`);
  out.push(`  skipped              ${count(t.skipped)}`);
  out.push(`  redelivered          ${t.redelivered}`);
  out.push(`  unacked but written  ${t.unackedWritten}  (not an anomaly: a retried send may land)`);
  out.push(`  longest unavailable  ${t.maxUnavailableMs} ms  (failed sends only)`);
  const stalls = report.partitions.flatMap((p) =>
    p.scheduledLatencyMs === null ? [] : [p.scheduledLatencyMs.max],
  );
  if (stalls.length > 0) {
    out.push(`  longest stall        ${Math.max(...stalls)} ms  (a message's tick to its ack)`);
  }
  const latencies = latencyLine(report.partitions);
  if (latencies !== null) out.push(latencies);
  if (report.reachability !== null) out.push('', ...reachabilityBlock(report.reachability));
  const expiring = certificateWarnings(options);
  if (expiring.length > 0) {
    if (report.reachability === null) out.push('');
    out.push(...expiring);
  }
  if (report.balance !== null) {
    if (report.reachability === null) out.push('');
    out.push(balanceLine(report.balance));
    const restartsUp = report.restarts.filter((r) => r.upAt !== null).length;
    out.push(...balanceOverTime(report.balance, report.maxLeaderSkew, restartsUp));
  }

  const worst = report.partitions
    .filter((p) => anomalyCount(p) > 0)
    .sort((a, b) => anomalyCount(b) - anomalyCount(a) || a.partition - b.partition)
    .slice(0, WORST_PARTITIONS);
  if (worst.length > 0) {
    out.push('', 'worst partitions:');
    for (const p of worst) {
      out.push(
        `  p${p.partition}: ${anomalyCount(p)} anomalies (lost ${count(p.lost)}, dup ${p.duplicates}, order ${p.outOfOrder}, skipped ${count(p.skipped)}, redelivered ${p.redelivered}); produce ${latency(p.produceLatencyMs)}${p.scheduledLatencyMs === null ? '' : `; scheduled ${latency(p.scheduledLatencyMs)}`}; end-to-end ${latency(p.endToEndLatencyMs)}`,
      );
    }
  }

  if (report.restarts.length > 0 || report.anomalies.length > 0) {
    out.push(
      '',
      `anomalies by restart${report.anomaliesTruncated ? ' (list truncated; counts above are complete)' : ''}:`,
    );
    const restarts = [...report.restarts].sort(
      (a, b) => (a.downAt ?? a.upAt ?? 0) - (b.downAt ?? b.upAt ?? 0),
    );
    for (const r of restarts) {
      const mine = report.anomalies.filter(
        (a) => a.afterRestart !== null && a.afterRestart.broker === r.broker && windowHolds(r, a),
      );
      const span =
        `${r.downAt === null ? '?' : clock(r.downAt)} → ${r.upAt === null ? 'never up' : clock(r.upAt)}` +
        (r.downAt !== null && r.upAt !== null ? ` (down ${r.upAt - r.downAt} ms)` : '');
      out.push(`  broker ${r.broker}  ${span}: ${mine.length === 0 ? 'none' : kindSummary(mine)}`);
    }
    const outside = report.anomalies.filter((a) => a.afterRestart === null);
    if (outside.length > 0) out.push(`  outside every restart window: ${kindSummary(outside)}`);
  }

  if (report.anomalies.length > 0) {
    out.push(
      '',
      `first anomalies (${Math.min(EXAMPLES, report.anomalies.length)} of ${report.anomalies.length}${report.anomaliesTruncated ? '+' : ''}; --format json lists them):`,
    );
    for (const a of report.anomalies.slice(0, EXAMPLES)) out.push(describeAnomaly(a));
  }
  return `${out.join('\n')}\n`;
}

function windowHolds(r: Report['restarts'][number], a: Anomaly): boolean {
  // The anomaly was attributed to this broker; with several restarts of one broker, match by upAt.
  if (a.afterRestart === null || a.afterRestart.ms === null) return r.upAt === null;
  return r.upAt !== null && a.at - a.afterRestart.ms === r.upAt;
}
