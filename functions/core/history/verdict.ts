/**
 * The verdict (docs/history-format.md, "Verdict"), decided in the spec's order:
 * fail, then inconclusive, then warn, then pass; with the reasons, in words,
 * that decided it.
 */
import type { RecordCounts } from './analysis.js';
import type { Balance } from './balance.js';
import type { Reachability } from './reachability.js';
import type { ProducerReport } from './producers.js';
import type { Policy, Totals, Verdict } from './report.js';

export interface VerdictInput {
  totals: Totals;
  /** outOfOrder anomalies no restart window holds. */
  outOfOrderOutsideWindows: number;
  policy: Policy;
  maxLeaderSkew: number;
  records: RecordCounts;
  reachability: Reachability | null;
  balance: Balance | null;
  /** Each producer's figures: with several producers, a reason names whose records they were. */
  producers?: readonly ProducerReport[];
}

type Check = [count: number, says: string];

function say(checks: Check[]): string[] {
  return checks.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
}

/**
 * Why the run decided nothing, or [] when it did: no produce, probe or leaders
 * record; or sends but none acked; or sends but no log record (nothing read back).
 */
export function inconclusiveReasons(records: RecordCounts, totals: Totals): string[] {
  if (records.produce === 0 && records.probe === 0 && records.leaders === 0) {
    return [
      'the history has no produce, probe or leaders record: the run checked nothing — ' +
        "check the run's log (did the canary and the probes start?) and re-run",
    ];
  }
  if (records.produce === 0) return [];
  const reasons: string[] = [];
  if (totals.acked === 0) {
    reasons.push(
      `none of the ${totals.produced} sends was acked: no canary message reached the cluster, so ` +
        "nothing could be lost or kept — check the run's log and the cluster's reachability, then re-run",
    );
  }
  if (records.log === 0) {
    reasons.push(
      'nothing was read back: the verifying reader never ran (no log record), so loss cannot be ' +
        "judged — re-run, check the run's log",
    );
  }
  return reasons;
}

/**
 * `: kuv-sarama 3, canary 1` — whose records a count is, when the history has several
 * producers (a run with --clients); '' with one.
 */
function whose(
  producers: readonly ProducerReport[],
  count: (p: ProducerReport) => number | null,
): string {
  if (producers.length < 2) return '';
  const named = producers
    .filter((p) => (count(p) ?? 0) > 0)
    .map((p) => `${p.producer} ${count(p)}`);
  return named.length === 0 ? '' : `: ${named.join(', ')}`;
}

export function verdictFor(input: VerdictInput): { verdict: Verdict; reasons: string[] } {
  const { totals, outOfOrderOutsideWindows, policy, reachability, balance } = input;
  const producers = input.producers ?? [];
  const insideWindows = totals.outOfOrder - outOfOrderOutsideWindows;
  const reach = reachability?.totals;
  const failed = say([
    [totals.lost ?? 0, `acked records lost${whose(producers, (p) => p.lost)}`],
    [totals.duplicates, `duplicate records in the log${whose(producers, (p) => p.duplicates)}`],
    policy === 'strict'
      ? [totals.outOfOrder, `records out of order${whose(producers, (p) => p.outOfOrder)}`]
      : [outOfOrderOutsideWindows, 'records out of order outside any restart window'],
    [totals.skipped ?? 0, 'logged records a consumer group skipped'],
    [totals.inconsistentOffsets, 'offsets holding two different records'],
    [reach?.unreachableBrokers ?? 0, 'brokers unreachable at the end'],
    [reach?.unreachableBootstrap ?? 0, 'bootstrap endpoints unreachable at the end'],
    [balance?.totals.offline ?? 0, 'partitions offline (no leader) at the end'],
  ]);
  if (failed.length > 0) return { verdict: 'fail', reasons: failed };

  const inconclusive = inconclusiveReasons(input.records, totals);
  if (inconclusive.length > 0) return { verdict: 'inconclusive', reasons: inconclusive };

  const warned = say([
    [totals.redelivered, 'records redelivered to a consumer group'],
    [
      policy === 'tolerant' ? insideWindows : 0,
      'records out of order inside a restart window (tolerated)',
    ],
    [reach?.brokerAddressChanges ?? 0, 'brokers whose address changed'],
    [reach?.ipLiteralEndpoints ?? 0, 'endpoints given as IP addresses instead of DNS names'],
    [reach?.dnsFailures ?? 0, 'probes whose DNS lookup failed'],
    [balance?.totals.underReplicated ?? 0, 'partitions under-replicated at the end'],
  ]);
  const skew = balance?.totals.leaderSkew ?? null;
  if (skew !== null && skew > input.maxLeaderSkew) {
    warned.push(`leader skew ${skew} is above ${input.maxLeaderSkew}`);
  }
  if (warned.length > 0) return { verdict: 'warn', reasons: warned };
  return { verdict: 'pass', reasons: [] };
}
