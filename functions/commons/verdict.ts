/**
 * The verdict as the notify handler and the state machine carry it: small enough for a
 * state's data (256 KB), readable in an e-mail. The full report stays in S3.
 */
import type { AfterRestart, Report, Verdict } from '../core/history/index.js';

export interface WorstPartition {
  readonly partition: number;
  /** Lost, duplicate, out-of-order, skipped and inconsistent records together. */
  readonly anomalies: number;
  readonly maxUnavailableMs: number;
}

export interface AnomalySummary {
  readonly kind: string;
  readonly partition: number;
  readonly at: string;
  /** The broker restart the anomaly followed (ms after it came back), or null. */
  readonly afterRestart: AfterRestart | null;
}

export interface VerdictSummary {
  readonly kind: 'verdict';
  readonly cluster: string;
  readonly runId: string;
  readonly verdict: Verdict;
  readonly reasons: readonly string[];
  readonly worstPartitions: readonly WorstPartition[];
  readonly anomalies: readonly AnomalySummary[];
  readonly report: {
    readonly bucket: string;
    readonly reportKey: string;
    readonly summaryKey: string;
    /** The page a person opens (functions/core/report). */
    readonly htmlKey: string;
  };
  readonly metrics: { readonly published: number; readonly failed: readonly string[] };
}

const SHOWN = 5;

export function summarizeReport(
  report: Report,
  where: {
    cluster: string;
    runId: string;
    bucket: string;
    reportKey: string;
    summaryKey: string;
    htmlKey: string;
  },
  metrics: VerdictSummary['metrics'],
): VerdictSummary {
  const worstPartitions = report.partitions
    .map((p) => ({
      partition: p.partition,
      anomalies:
        (p.lost ?? 0) + p.duplicates + p.outOfOrder + (p.skipped ?? 0) + p.inconsistentOffsets,
      maxUnavailableMs: p.maxUnavailableMs,
    }))
    .filter((p) => p.anomalies > 0 || p.maxUnavailableMs > 0)
    .sort((a, b) => b.anomalies - a.anomalies || b.maxUnavailableMs - a.maxUnavailableMs)
    .slice(0, SHOWN);
  const anomalies = report.anomalies
    .filter((a) => a.kind !== 'redelivered')
    .slice(0, SHOWN)
    .map((a) => ({
      kind: a.kind,
      partition: a.partition,
      at: new Date(a.at).toISOString(),
      afterRestart: a.afterRestart,
    }));
  return {
    kind: 'verdict',
    cluster: where.cluster,
    runId: where.runId,
    verdict: report.verdict,
    reasons: report.reasons,
    worstPartitions,
    anomalies,
    report: {
      bucket: where.bucket,
      reportKey: where.reportKey,
      summaryKey: where.summaryKey,
      htmlKey: where.htmlKey,
    },
    metrics,
  };
}
