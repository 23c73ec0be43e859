/**
 * What one pass over a history found, before any policy is applied; `report`
 * judges it under a policy, a restart window and a leader-skew limit, as many
 * times as wanted, each time from the same facts.
 */
import { InputError } from '../errors.js';
import { type BalanceFacts, balanceUnder } from './balance-collector.js';
import type { ProducerReport } from './producers.js';
import type { Reachability } from './reachability.js';
import {
  ANOMALY_KINDS,
  DEFAULT_MAX_LEADER_SKEW,
  DEFAULT_POLICY,
  DEFAULT_WINDOW_MS,
  POLICIES,
  type Anomaly,
  type PartitionReport,
  type Report,
  type ReportOptions,
  type RunInfo,
  type Totals,
} from './report.js';
import { type Restart, RestartWindows } from './restarts.js';
import { verdictFor } from './verdict.js';

/** An anomaly before a restart window is known. */
export type RawAnomaly = Omit<Anomaly, 'afterRestart'>;

/** How many records of the kinds the verdict depends on the history holds. */
export interface RecordCounts {
  produce: number;
  log: number;
  probe: number;
  leaders: number;
}

export interface AnalysisFacts {
  run: RunInfo | null;
  /** The distinct runIds of the history's run records, sorted (at most 10 kept). */
  runIds: string[];
  /** More distinct runIds than runIds holds were seen. */
  runIdsTruncated: boolean;
  totals: Totals;
  partitions: PartitionReport[];
  /** Each producer's own counts and latencies, by name (producers.ts). */
  producers: ProducerReport[];
  restarts: Restart[];
  /** The kept anomalies (capped per kind), redeliveries last in the order received. */
  anomalies: RawAnomaly[];
  anomaliesTruncated: boolean;
  /** Every outOfOrder anomaly's time, ascending (not capped: the verdict counts them all). */
  outOfOrderTimes: Float64Array;
  ignoredRecords: number;
  records: RecordCounts;
  reachability: Reachability | null;
  /** The balance before a leader-skew limit is applied (skewedMs depends on it). */
  balance: BalanceFacts | null;
}

function checkOptions(options: ReportOptions): Required<ReportOptions> {
  const policy = options.policy ?? DEFAULT_POLICY;
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  const maxLeaderSkew = options.maxLeaderSkew ?? DEFAULT_MAX_LEADER_SKEW;
  if (!POLICIES.includes(policy)) {
    throw new InputError(`report: policy must be strict or tolerant, not '${String(policy)}'`);
  }
  if (!Number.isSafeInteger(windowMs) || windowMs < 0) {
    throw new InputError(
      `report: windowMs must be a whole number of milliseconds ≥ 0, not ${String(windowMs)}`,
    );
  }
  if (!Number.isFinite(maxLeaderSkew) || maxLeaderSkew < 0) {
    throw new InputError(
      `report: maxLeaderSkew must be a number ≥ 0 (1 is perfectly even), not ${String(maxLeaderSkew)}`,
    );
  }
  return { policy, windowMs, maxLeaderSkew };
}

export class HistoryAnalysis {
  constructor(private readonly facts: AnalysisFacts) {}

  /** The run record, when the history has one. */
  get run(): RunInfo | null {
    return this.facts.run;
  }

  /**
   * Each producer's figures (the canary's, and each client library's `kuv-<library>`),
   * by name: not part of the report's spec'd shape; report.json's `clients` entries
   * carry them (clients/entries.ts). A fresh copy each call.
   */
  get producers(): ProducerReport[] {
    return structuredClone(this.facts.producers);
  }

  /**
   * A warning when the history's run records name more than one run: the spec has
   * one run record per history, so histories of different runs were put together
   * (say, `cat` of two runs' files) and every figure mixes them. The report keeps the
   * earliest run record, as before; this says so instead of merging silently. Null
   * for one run or none.
   */
  get mixedRuns(): string | null {
    const { runIds, runIdsTruncated } = this.facts;
    if (runIds.length < 2) return null;
    const count = runIdsTruncated ? `more than ${runIds.length}` : `${runIds.length}`;
    const short = (id: string) => (id.length > 80 ? `${id.slice(0, 80)}…` : id);
    const named = runIds.map(short).join(', ') + (runIdsTruncated ? ', …' : '');
    const kept =
      this.facts.run === null
        ? ''
        : ` The report's run is the earliest, ${short(this.facts.run.runId)}.`;
    return (
      `the history holds run records of ${count} different runs (${named}): ` +
      `histories of different runs were put together, and every figure of this report mixes them.${kept} ` +
      "Analyse each run's own history on its own."
    );
  }

  /**
   * The report under these options (each one left out takes its default).
   * Identical options give identical reports; each call returns fresh objects
   * the caller may change.
   */
  report(options: ReportOptions = {}): Report {
    const { policy, windowMs, maxLeaderSkew } = checkOptions(options);
    const f = this.facts;
    const windows = new RestartWindows(f.restarts, windowMs);
    const kind = ANOMALY_KINDS.indexOf.bind(ANOMALY_KINDS);
    const anomalies: Anomaly[] = f.anomalies
      .map((a) => ({ ...a, afterRestart: windows.find(a.at) }))
      .sort((a, b) => a.at - b.at || a.partition - b.partition || kind(a.kind) - kind(b.kind));
    const balance = balanceUnder(f.balance, maxLeaderSkew);
    const { verdict, reasons } = verdictFor({
      totals: f.totals,
      outOfOrderOutsideWindows: windows.countOutside(f.outOfOrderTimes),
      policy,
      maxLeaderSkew,
      records: f.records,
      reachability: f.reachability,
      balance,
      producers: f.producers,
    });
    return {
      verdict,
      reasons,
      policy,
      windowMs,
      run: f.run === null ? null : { ...f.run },
      totals: { ...f.totals },
      partitions: structuredClone(f.partitions),
      restarts: structuredClone(f.restarts),
      anomalies,
      anomaliesTruncated: f.anomaliesTruncated,
      ignoredRecords: f.ignoredRecords,
      maxLeaderSkew,
      reachability: structuredClone(f.reachability),
      balance,
    };
  }
}
