/** The shape of `analyze --format json` (docs/history-format.md, "Report"). */
import type { Balance } from './balance.js';
import type { Percentiles } from './histogram.js';
import type { Reachability } from './reachability.js';
import type { AfterRestart, Restart } from './restarts.js';

export type Verdict = 'pass' | 'warn' | 'inconclusive' | 'fail';
export type Policy = 'strict' | 'tolerant';
export const POLICIES: readonly Policy[] = ['strict', 'tolerant'];

export const DEFAULT_POLICY: Policy = 'strict';
export const DEFAULT_WINDOW_MS = 300_000;
export const DEFAULT_MAX_LEADER_SKEW = 1.5;

/** What a report is judged under; each one left out takes its default. */
export interface ReportOptions {
  /** 'strict' (default) fails on any reordering; 'tolerant' only warns inside restart windows. */
  policy?: Policy;
  /** How long a restart's window lasts after the broker is up (default 300000). */
  windowMs?: number;
  /** Warn when `balance.totals.leaderSkew` is above this (default 1.5). */
  maxLeaderSkew?: number;
}

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
  /** ackedAt − scheduledAt over acked sends with a scheduledAt; null when none has one. */
  scheduledLatencyMs: Percentiles | null;
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
  /** The history's `run` record (the earliest, when it has several), or null. */
  run: RunInfo | null;
  totals: Totals;
  partitions: PartitionReport[];
  restarts: Restart[];
  anomalies: Anomaly[];
  anomaliesTruncated: boolean;
  ignoredRecords: number;
  maxLeaderSkew: number;
  /** null when the history has no `probe` record. */
  reachability: Reachability | null;
  /** null when the history has no `leaders` record. */
  balance: Balance | null;
}

/**
 * 0 for pass and warn, 1 for fail, 3 for inconclusive (2 is bad input or usage,
 * decided before any report exists). Only 0 is safe.
 */
export function exitStatusFor(verdict: Verdict): number {
  return verdict === 'fail' ? 1 : verdict === 'inconclusive' ? 3 : 0;
}
