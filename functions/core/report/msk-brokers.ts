/**
 * Per-broker traffic over the roll on Amazon MSK: the broker-level view of "how unevenly
 * did traffic land on brokers while leadership moved". For the run's window, AWS/Kafka
 * `BytesInPerSec` (Average) and `LeaderCount` (Minimum and Maximum) of each broker, one
 * value a minute, as MSK publishes them at the DEFAULT monitoring level (dimensions
 * `Cluster Name` and `Broker ID`), read with GetMetricData; then, per broker, mean and
 * largest bytes in, its share at the minute of peak skew, fewest and most leaders; for
 * the cluster, the peak traffic skew (the largest broker's share ÷ the fair share) and
 * when. report.json's `mskBrokers` (docs/report.md, "report.json: mskBrokers").
 *
 * These figures inform, like balance: they never change the verdict, and a read that
 * fails or finds nothing gives a section that says why (`status`, `note`), never an error.
 * The CloudWatch client is passed in; everything but readMskBrokers is pure.
 */
import type { Report } from '../history/index.js';
import { MSK_CLUSTER_ARN } from '../config/patterns.js';
import {
  getMetricData,
  mskBrokerQuery,
  type GetMetricDataClient,
} from '../metrics/get-metric-data.js';

/** The period of every AWS/Kafka query: MSK publishes one value a minute. */
export const MSK_PERIOD_SECONDS = 60;
const MINUTE = MSK_PERIOD_SECONDS * 1000;
/**
 * Read sooner than this after the window's end, missing minutes at its end are most
 * likely not published yet: MSK sends its metrics to CloudWatch a few minutes late.
 */
export const MSK_PUBLISH_DELAY_MS = 15 * MINUTE;
/** A window's end with this much or more without data from any broker is a missing tail. */
const MISSING_TAIL_MS = 2 * MINUTE;

/**
 * - `ok`: every broker has data up to the window's end (within 2 minutes);
 * - `partial`: some broker has none, or the last minutes have none (`note` says which);
 * - `no-data`: no value for any broker in the window;
 * - `not-msk`: the cluster is not Amazon MSK (no cluster ARN configured);
 * - `no-window`: the history gives no run window or no broker id to ask for;
 * - `unreadable`: GetMetricData failed (`note` has the error and what to grant).
 */
export type MskBrokersStatus =
  'ok' | 'partial' | 'no-data' | 'not-msk' | 'no-window' | 'unreadable';

export interface MskBrokerFigures {
  broker: number;
  /** Mean of the minutes' BytesInPerSec with a value (bytes/s, to 0.1); null: none. */
  bytesInMean: number | null;
  bytesInMax: number | null;
  /** Its share of the cluster's bytes in at `peakTrafficSkewAt` (0–1, to 0.001); null without one. */
  shareAtPeakSkew: number | null;
  /** Fewest and most partitions it led in any minute (LeaderCount Minimum / Maximum). */
  leaderCountMin: number | null;
  leaderCountMax: number | null;
  /** BytesInPerSec per minute of `minutes`; null: no value that minute. */
  bytesInPerSec: (number | null)[];
  /** LeaderCount (Minimum) per minute of `minutes`. */
  leaderCount: (number | null)[];
}

export interface MskBrokersSection {
  status: MskBrokersStatus;
  /** Why the figures are missing or incomplete, in words; null when `ok`. */
  note: string | null;
  clusterArn: string | null;
  /** The ARN's name segment: the `Cluster Name` dimension. */
  clusterName: string | null;
  /** The window asked for: the run's start, floored to the minute, to its end, rounded up. */
  from: number | null;
  to: number | null;
  periodSeconds: number;
  /** When the metrics were read (ms). */
  readAt: number | null;
  /** The start of every minute of the window, the x of each broker's series. */
  minutes: number[];
  brokers: MskBrokerFigures[];
  /**
   * The largest, over the minutes compared, of the busiest broker's share of the
   * cluster's bytes in × the number of brokers that published any (the fair share's
   * inverse: 1 is even; 3 of 3 brokers is all on one), to 0.01; null when no minute
   * could be compared.
   */
  peakTrafficSkew: number | null;
  /** The earliest minute with that skew, and the busiest broker then (lowest id on a tie). */
  peakTrafficSkewAt: number | null;
  peakTrafficSkewBroker: number | null;
  /**
   * Minutes compared: every broker that published has a value, or a gap inside its
   * series (it published before and after: it was down, carrying nothing), and the
   * cluster's total is above 0. Minutes before a broker's first value or after its last
   * are not compared; a broker with no value at all is left out (the note names it).
   */
  minutesCompared: number;
}

/** What to read: the MSK cluster, the run's window and its brokers. */
export interface MskBrokersQuery {
  clusterArn: string;
  from: number;
  to: number;
  brokers: readonly number[];
}

/** What GetMetricData gave, per broker: values by minute start. */
export interface MskBrokerValues {
  bytesIn: ReadonlyMap<number, ReadonlyMap<number, number>>;
  leaderMin: ReadonlyMap<number, ReadonlyMap<number, number>>;
  leaderMax: ReadonlyMap<number, ReadonlyMap<number, number>>;
}

/** The `Cluster Name` dimension of an MSK cluster ARN (arn:…:cluster/NAME/UUID), or null. */
export function mskClusterName(arn: string): string | null {
  return MSK_CLUSTER_ARN.test(arn) ? arn.split(':cluster/')[1]!.split('/')[0]! : null;
}

const round = (x: number, places: number): number => {
  const f = 10 ** places;
  return Math.round(x * f) / f;
};

export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

/** A section with no figures: `status` and `note` say why. */
export function mskBrokersUnavailable(
  status: Exclude<MskBrokersStatus, 'ok' | 'partial'>,
  note: string,
  known: { clusterArn?: string; from?: number; to?: number; readAt?: number } = {},
): MskBrokersSection {
  return {
    status,
    note,
    clusterArn: known.clusterArn ?? null,
    clusterName: known.clusterArn === undefined ? null : mskClusterName(known.clusterArn),
    from: known.from ?? null,
    to: known.to ?? null,
    periodSeconds: MSK_PERIOD_SECONDS,
    readAt: known.readAt ?? null,
    minutes: [],
    brokers: [],
    peakTrafficSkew: null,
    peakTrafficSkewAt: null,
    peakTrafficSkewBroker: null,
    minutesCompared: 0,
  };
}

/**
 * The window and brokers a report gives: from the run record's start (else the first
 * record) to the later of its end and the last record, on minute boundaries; the broker
 * ids the history names (probes, leadership, restarts). A string says why there is none.
 */
export function mskWindowOf(
  report: Report,
  firstAt: number | null,
  lastAt: number | null,
): { from: number; to: number; brokers: number[] } | string {
  const start = report.run?.startedAt ?? firstAt;
  const ends = [report.run?.endedAt, lastAt].filter((t): t is number => typeof t === 'number');
  if (start === null || ends.length === 0) {
    return 'the history has no timed record, so the run has no window to read metrics for';
  }
  const ids = new Set<number>();
  for (const b of report.reachability?.brokers ?? []) ids.add(b.broker);
  for (const t of report.balance?.topics ?? []) {
    for (const id of Object.keys(t.leadersPerBroker)) ids.add(Number(id));
  }
  for (const r of report.restarts) ids.add(r.broker);
  const brokers = [...ids].filter((id) => Number.isInteger(id) && id >= 0).sort((a, b) => a - b);
  if (brokers.length === 0) {
    return 'the history names no broker (no probe, leaders or broker record), so there is no Broker ID to ask AWS/Kafka for';
  }
  const from = Math.floor(start / MINUTE) * MINUTE;
  const to = Math.max(from + MINUTE, Math.ceil(Math.max(...ends) / MINUTE) * MINUTE);
  return { from, to, brokers };
}

/** Per-broker figures and the cluster's peak skew from the values read. Pure. */
export function summarizeMskBrokers(
  query: MskBrokersQuery,
  values: MskBrokerValues,
  readAt: number,
): MskBrokersSection {
  const minutes: number[] = [];
  for (let m = query.from; m < query.to; m += MINUTE) minutes.push(m);
  const series = (map: ReadonlyMap<number, ReadonlyMap<number, number>>, broker: number) =>
    minutes.map((m) => map.get(broker)?.get(m) ?? null);
  const brokers = query.brokers.map((broker) => ({
    broker,
    bytesInPerSec: series(values.bytesIn, broker),
    leaderCount: series(values.leaderMin, broker),
    leaderMax: series(values.leaderMax, broker),
  }));

  // Each minute's bytes in per broker, for the skew: a value, 0 for a gap inside the
  // broker's series (it was down), undefined before its first value or after its last;
  // null for a broker with no value at all (not compared: named in the note instead).
  const compared = brokers.map(({ bytesInPerSec: s }) => {
    const first = s.findIndex((v) => v !== null);
    if (first === -1) return null;
    const last = s.length - 1 - [...s].reverse().findIndex((v) => v !== null);
    return s.map((v, i) => (i < first || i > last ? undefined : (v ?? 0)));
  });
  const publishing = compared.filter((s) => s !== null).length;
  let at: { skew: number; index: number; broker: number } | null = null;
  let minutesCompared = 0;
  for (let i = 0; i < minutes.length; i += 1) {
    const row = compared.map((s) => (s === null ? 0 : s[i]));
    if (row.some((v) => v === undefined)) continue;
    const values = row as number[];
    const total = values.reduce((a, b) => a + b, 0);
    if (!(total > 0)) continue;
    minutesCompared += 1;
    const most = Math.max(...values);
    const skew = round((most / total) * publishing, 2);
    if (at === null || skew > at.skew) {
      at = { skew, index: i, broker: brokers[values.indexOf(most)]!.broker };
    }
  }

  const figures: MskBrokerFigures[] = brokers.map((b, k) => {
    const bytes = b.bytesInPerSec.filter((v): v is number => v !== null);
    const mins = b.leaderCount.filter((v): v is number => v !== null);
    const maxes = b.leaderMax.filter((v): v is number => v !== null);
    let share: number | null = null;
    if (at !== null && compared[k] !== null) {
      const row = compared.map((s) => (s === null ? 0 : (s[at!.index] as number)));
      share = round(row[k]! / row.reduce((a, v) => a + v, 0), 3);
    }
    return {
      broker: b.broker,
      bytesInMean:
        bytes.length === 0 ? null : round(bytes.reduce((a, v) => a + v, 0) / bytes.length, 1),
      bytesInMax: bytes.length === 0 ? null : Math.max(...bytes),
      shareAtPeakSkew: share,
      leaderCountMin: mins.length === 0 ? null : Math.min(...mins),
      leaderCountMax:
        maxes.length === 0 ? (mins.length === 0 ? null : Math.max(...mins)) : Math.max(...maxes),
      bytesInPerSec: b.bytesInPerSec,
      leaderCount: b.leaderCount,
    };
  });

  const { status, note } = judgeCompleteness(query, brokers, minutes, readAt);
  return {
    status,
    note,
    clusterArn: query.clusterArn,
    clusterName: mskClusterName(query.clusterArn),
    from: query.from,
    to: query.to,
    periodSeconds: MSK_PERIOD_SECONDS,
    readAt,
    minutes,
    brokers: figures,
    peakTrafficSkew: at?.skew ?? null,
    peakTrafficSkewAt: at === null ? null : minutes[at.index]!,
    peakTrafficSkewBroker: at?.broker ?? null,
    minutesCompared,
  };
}

function judgeCompleteness(
  query: MskBrokersQuery,
  brokers: ReadonlyArray<{
    broker: number;
    bytesInPerSec: (number | null)[];
    leaderCount: (number | null)[];
  }>,
  minutes: readonly number[],
  readAt: number,
): { status: MskBrokersStatus; note: string | null } {
  const has = (b: (typeof brokers)[number]) =>
    b.bytesInPerSec.some((v) => v !== null) || b.leaderCount.some((v) => v !== null);
  const soon = readAt - query.to < MSK_PUBLISH_DELAY_MS;
  const later = soon
    ? ` They were read ${Math.max(0, Math.round((readAt - query.to) / MINUTE))} min after the run's end and MSK publishes AWS/Kafka metrics a few minutes late: verify this run again later (the verify step reads them anew).`
    : '';
  const window = `${clock(query.from)}–${clock(query.to)} UTC`;
  const name = mskClusterName(query.clusterArn) ?? query.clusterArn;
  if (!brokers.some(has)) {
    return {
      status: 'no-data',
      note:
        `No AWS/Kafka BytesInPerSec or LeaderCount for cluster ${name}, brokers ${query.brokers.join(', ')}, in ${window}.` +
        (later === ''
          ? ' Check that the Cluster Name dimension is the cluster’s name and the Broker IDs are its brokers’ ids, in the region the verifier runs in.'
          : later),
    };
  }
  const silent = brokers.filter((b) => !has(b)).map((b) => b.broker);
  const noBytes = brokers
    .filter((b) => has(b) && b.bytesInPerSec.every((v) => v === null))
    .map((b) => b.broker);
  let lastIndex = -1;
  for (const b of brokers) {
    b.bytesInPerSec.forEach((v, i) => {
      if (v !== null && i > lastIndex) lastIndex = i;
    });
  }
  const lastEnd = lastIndex === -1 ? query.from : minutes[lastIndex]! + MINUTE;
  const problems: string[] = [];
  if (silent.length > 0)
    problems.push(`no data for broker(s) ${silent.join(', ')} (left out of the skew)`);
  if (noBytes.length > 0) {
    problems.push(`no BytesInPerSec for broker(s) ${noBytes.join(', ')} (left out of the skew)`);
  }
  if (query.to - lastEnd >= MISSING_TAIL_MS) {
    problems.push(
      `no BytesInPerSec from any broker after ${clock(lastEnd)} UTC (the window ends ${clock(query.to)})`,
    );
  }
  if (problems.length === 0) return { status: 'ok', note: null };
  return { status: 'partial', note: `Incomplete: ${problems.join('; ')}.${later}` };
}

/**
 * Reads both metrics of every broker for the window (60 s periods, at most 500 queries a
 * call, paged) and summarizes them. Never throws: a failed read is an `unreadable`
 * section naming the error and the grant it needs.
 */
export async function readMskBrokers(
  client: GetMetricDataClient,
  query: MskBrokersQuery,
  now: () => number = Date.now,
): Promise<MskBrokersSection> {
  const name = mskClusterName(query.clusterArn);
  if (name === null) {
    return mskBrokersUnavailable(
      'unreadable',
      `'${query.clusterArn}' is not an MSK cluster ARN (arn:aws:kafka:REGION:ACCOUNT:cluster/NAME/UUID): its name is the Cluster Name dimension.`,
      { from: query.from, to: query.to },
    );
  }
  const queries = query.brokers.flatMap((b) => [
    mskBrokerQuery(`bytes${b}`, name, b, 'BytesInPerSec', MSK_PERIOD_SECONDS, 'Average'),
    mskBrokerQuery(`lmin${b}`, name, b, 'LeaderCount', MSK_PERIOD_SECONDS, 'Minimum'),
    mskBrokerQuery(`lmax${b}`, name, b, 'LeaderCount', MSK_PERIOD_SECONDS, 'Maximum'),
  ]);
  let data: Map<string, Map<number, number>>;
  try {
    data = await getMetricData(client, queries, query.from, query.to, MINUTE);
  } catch (error) {
    const e = error as Error;
    return mskBrokersUnavailable(
      'unreadable',
      `GetMetricData on AWS/Kafka failed: ${e.name}: ${e.message}. The verdict stands without these figures; the function’s role needs cloudwatch:GetMetricData (the stack grants it to verify for MSK clusters), then verify the run again.`,
      { clusterArn: query.clusterArn, from: query.from, to: query.to, readAt: now() },
    );
  }
  const by = (prefix: string) =>
    new Map(query.brokers.map((b) => [b, data.get(`${prefix}${b}`) ?? new Map<number, number>()]));
  return summarizeMskBrokers(
    query,
    { bytesIn: by('bytes'), leaderMin: by('lmin'), leaderMax: by('lmax') },
    now(),
  );
}

/**
 * The section for a judged report: `not-msk` without a cluster ARN, `no-window` when the
 * history gives no window or broker, else what readMskBrokers reads. Never throws.
 */
export async function mskBrokersFor(
  clusterArn: string | undefined,
  client: GetMetricDataClient,
  report: Report,
  span: { firstAt: number | null; lastAt: number | null },
  now: () => number = Date.now,
): Promise<MskBrokersSection> {
  if (clusterArn === undefined) {
    return mskBrokersUnavailable(
      'not-msk',
      'The cluster is not configured as Amazon MSK (no mskClusterArn): there are no AWS/Kafka broker metrics to read.',
    );
  }
  const window = mskWindowOf(report, span.firstAt, span.lastAt);
  if (typeof window === 'string') {
    return mskBrokersUnavailable('no-window', `Not read: ${window}.`, { clusterArn });
  }
  return readMskBrokers(client, { clusterArn, ...window }, now);
}
