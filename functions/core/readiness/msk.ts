/**
 * The readiness check's Amazon MSK part (issue 18), pure: what MSK says of the cluster
 * (its state, from DescribeClusterV2) and what CloudWatch's `AWS/Kafka` metrics say of
 * its load (per-broker `CpuUser` + `CpuSystem` over the last 24 h; the cluster's
 * `BytesInPerSec` over the last 14 days), judged against Amazon MSK's own upgrade
 * advice: no operation in progress, CPU below about 60 % before patching, and a
 * low-traffic window. gatherMsk (msk-gather.ts) fetches; this decides.
 */
import type { Finding } from './rules.js';

/** MSK's advice: keep CPU (user + system) under this before a rolling restart. */
export const CPU_LIMIT_PERCENT = 60;
/** The recommended window's length. */
export const WINDOW_HOURS = 2;

export interface MskFacts {
  clusterArn: string;
  clusterName: string;
  /** ClusterInfo.State: ACTIVE, CREATING, UPDATING, REBOOTING_BROKER, MAINTENANCE, … */
  state: string;
  /** Per broker: the highest hourly average of CpuUser + CpuSystem over 24 h, or null without data. */
  cpu: { broker: number; maxPercent: number | null }[];
  /** The cluster's bytes in per second, hour by hour (sum over brokers of each hour's average). */
  bytesIn: { at: number; bytesPerSecond: number }[];
}

export interface QuietWindow {
  /** The window's first hour, UTC (0–23). */
  startHourUtc: number;
  /** The window's typical bytes in per second: the mean of its hours' medians over the days. */
  bytesPerSecond: number;
  /** Days with data. */
  days: number;
}

/**
 * The quietest WINDOW_HOURS-long window of the day (UTC, wrapping past midnight): each
 * hour of the day is typed by its median over the days measured (a one-off batch job
 * on one night does not hide an hour that is quiet on the other thirteen), a window by
 * the mean of its hours; ties go to the earliest start. Null when an hour of the day
 * has no data.
 */
export function quietestWindow(
  bytesIn: readonly { at: number; bytesPerSecond: number }[],
  hours = WINDOW_HOURS,
): QuietWindow | null {
  const byHour = Array.from({ length: 24 }, () => [] as number[]);
  const days = new Set<number>();
  for (const { at, bytesPerSecond } of bytesIn) {
    byHour[new Date(at).getUTCHours()]!.push(bytesPerSecond);
    days.add(Math.floor(at / 86_400_000));
  }
  if (byHour.some((values) => values.length === 0)) return null;
  const typical = byHour.map(median);
  let best: QuietWindow | null = null;
  for (let start = 0; start < 24; start++) {
    let total = 0;
    for (let k = 0; k < hours; k++) total += typical[(start + k) % 24]!;
    const m = total / hours;
    if (best === null || m < best.bytesPerSecond) {
      best = { startHourUtc: start, bytesPerSecond: m, days: days.size };
    }
  }
  return best;
}

/** The median (the mean of the middle two for an even count). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `02:00–04:00` of a window starting at `startHourUtc`, in `timeZone` (today's offset). */
export function windowIn(
  startHourUtc: number,
  timeZone: string,
  now = Date.now(),
  hours = WINDOW_HOURS,
): string {
  const day = new Date(now);
  const start = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), startHourUtc);
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  return `${format.format(start)}–${format.format(start + hours * 3_600_000)}`;
}

/** Checks a time zone name as Intl knows it; throws a RangeError naming it when unknown. */
export function checkTimeZone(timeZone: string): void {
  new Intl.DateTimeFormat('en-GB', { timeZone });
}

function mib(bytesPerSecond: number): string {
  return `${(bytesPerSecond / 2 ** 20).toFixed(2)} MiB/s`;
}

/** The MSK findings for these facts; `timeZone` is where the person reads the window. */
export function mskRules(facts: MskFacts, timeZone = 'UTC', now = Date.now()): Finding[] {
  const findings: Finding[] = [];
  if (facts.state !== 'ACTIVE') {
    findings.push({
      severity: 'block',
      rule: 'msk-cluster-not-active',
      subject: {},
      measured: `MSK cluster ${facts.clusterName} is ${facts.state}, not ACTIVE`,
      change:
        'Wait until the operation in progress ends (aws kafka list-cluster-operations-v2 --cluster-arn …): MSK refuses or queues an upgrade while another operation runs.',
    });
  }
  for (const { broker, maxPercent } of facts.cpu) {
    if (maxPercent === null) {
      findings.push({
        severity: 'info',
        rule: 'msk-cpu-unknown',
        subject: { broker },
        measured: `no CpuUser/CpuSystem data for broker ${broker} in the last 24 h`,
        change:
          'Check that the cluster publishes AWS/Kafka broker metrics (DEFAULT monitoring publishes them).',
      });
    } else if (maxPercent > CPU_LIMIT_PERCENT) {
      findings.push({
        severity: 'warn',
        rule: 'msk-cpu-high',
        subject: { broker },
        measured: `broker ${broker} CPU (user + system) reached ${maxPercent.toFixed(1)} % in an hour of the last 24 h (over ${CPU_LIMIT_PERCENT} %)`,
        change:
          'While one broker restarts the others take its load: bring CPU under 60 % (scale up, add brokers, or move load) before the upgrade, as MSK advises.',
      });
    }
  }
  const quiet = quietestWindow(facts.bytesIn);
  if (quiet === null) {
    findings.push({
      severity: 'info',
      rule: 'msk-quiet-hours-unknown',
      subject: {},
      measured: `BytesInPerSec does not cover every hour of the day over the last 14 days (${facts.bytesIn.length} hourly points)`,
      change: 'Pick a low-traffic window from your own traffic graphs.',
    });
  } else {
    const utc = windowIn(quiet.startHourUtc, 'UTC', now);
    const local =
      timeZone === 'UTC' ? '' : ` (${windowIn(quiet.startHourUtc, timeZone, now)} ${timeZone})`;
    findings.push({
      severity: 'info',
      rule: 'msk-quiet-hours',
      subject: {},
      measured: `quietest ${WINDOW_HOURS} h of the day over ${quiet.days} day(s): ${utc} UTC${local}, typically ${mib(quiet.bytesPerSecond)} in`,
      change: `Start the upgrade in that window: fewer clients feel each restart.`,
    });
  }
  return findings;
}

/** The finding when MSK or CloudWatch could not be read: the check goes on without it. */
export function mskUnchecked(clusterArn: string, error: unknown): Finding {
  return {
    severity: 'warn',
    rule: 'msk-unchecked',
    subject: {},
    measured: `could not read MSK cluster ${clusterArn} or its AWS/Kafka metrics: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    change:
      'Give this role or profile kafka:DescribeClusterV2 on the cluster and cloudwatch:GetMetricData, in the cluster’s region, and check again; the state, CPU and quiet-hours checks were not made.',
  };
}
