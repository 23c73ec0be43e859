/** The shape of `analyze --format json` (docs/history-format.md, "Report"). */
import type { Percentiles } from './histogram.js';
import type { AfterRestart, Restart } from './restarts.js';

export type Verdict = 'pass' | 'warn' | 'fail';
export type Policy = 'strict' | 'tolerant';
export const POLICIES: readonly Policy[] = ['strict', 'tolerant'];

export const DEFAULT_WINDOW_MS = 300_000;

/** The anomaly list keeps at most this many anomalies of each kind; the counts never stop. */
export const ANOMALY_CAP_PER_KIND = 1000;

export interface Counts {
  produced: number;
  acked: number;
  failed: number;
  logged: number;
  /** null when the history has no `log` record: nothing was read back. */
  lost: number | null;
  duplicates: number;
  outOfOrder: number;
  inconsistentOffsets: number;
  unackedWritten: number;
  redelivered: number;
  /** null when the history has no `log` record. */
  skipped: number | null;
}

export interface Totals extends Counts {
  maxUnavailableMs: number;
}

export interface PartitionReport extends Counts {
  partition: number;
  produceLatencyMs: Percentiles | null;
  endToEndLatencyMs: Percentiles | null;
  maxUnavailableMs: number;
}

export type AnomalyKind =
  'lost' | 'duplicate' | 'outOfOrder' | 'inconsistentOffset' | 'redelivered' | 'skipped';

export const ANOMALY_KINDS: readonly AnomalyKind[] = [
  'lost',
  'duplicate',
  'outOfOrder',
  'inconsistentOffset',
  'redelivered',
  'skipped',
];

export interface Anomaly {
  kind: AnomalyKind;
  partition: number;
  producer?: string;
  seq?: number;
  offset?: number;
  group?: string;
  at: number;
  afterRestart: AfterRestart | null;
}

export interface RunInfo {
  runId: string;
  cluster: string | null;
  startedAt: number;
  endedAt: number | null;
}

export interface Report {
  verdict: Verdict;
  /** Which counts decided the verdict, in words (empty for pass). */
  reasons: string[];
  policy: Policy;
  windowMs: number;
  /** The history's `run` record, when it has one. */
  run: RunInfo | null;
  totals: Totals;
  partitions: PartitionReport[];
  restarts: Restart[];
  anomalies: Anomaly[];
  anomaliesTruncated: boolean;
  ignoredRecords: number;
}

/** 0 for pass and warn, 1 for fail (2 is bad input, decided before any report exists). */
export function exitStatusFor(verdict: Verdict): number {
  return verdict === 'fail' ? 1 : 0;
}
