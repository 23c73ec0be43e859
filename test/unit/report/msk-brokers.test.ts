/**
 * The per-broker AWS/Kafka section (functions/core/report/msk-brokers.ts): the summary
 * of minute values worked out by hand (mean, max, fewest/most leaders, the peak skew and
 * each broker's share then), what counts as a compared minute (a broker's inner gap is 0,
 * its leading and trailing edges are left out), why a section is partial or empty, the
 * GetMetricData calls it makes (500 queries at most, NextToken followed), and its text
 * and HTML. moto: test/integration/aws/verify-msk-brokers.test.ts.
 */
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';

import { formatMskBrokers } from '../../../functions/core/report/msk-brokers-text.js';
import {
  mskBrokersFor,
  mskClusterName,
  mskWindowOf,
  readMskBrokers,
  summarizeMskBrokers,
  type MskBrokersQuery,
} from '../../../functions/core/report/msk-brokers.js';
import {
  MSK_CHART_POINTS,
  mskBrokersSection,
  thinSeries,
} from '../../../functions/core/report/msk-brokers-section.js';
import type { Report } from '../../../functions/core/history/index.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 4, 3, 0);
const ARN = 'arn:aws:kafka:eu-west-1:123456789012:cluster/prod-orders/6357e0b2-0e6a-4b86-a0b4-5';
const query: MskBrokersQuery = { clusterArn: ARN, from: T0, to: T0 + 6 * MIN, brokers: [1, 2, 3] };

/** Values by minute index for each broker; null: none that minute. */
function values(rows: Record<number, (number | null)[]>): Map<number, Map<number, number>> {
  return new Map(
    Object.entries(rows).map(([b, vs]) => [
      Number(b),
      new Map(vs.flatMap((v, i) => (v === null ? [] : [[T0 + i * MIN, v] as [number, number]]))),
    ]),
  );
}

// Broker 2 carries most of the traffic in minutes 2–3; broker 3 is down in minute 3 (no
// bytes value: a gap inside its series) with 0 leaders; broker 1 starts publishing late.
const bytesIn = values({
  1: [null, 100, 100, 100, 300, 300],
  2: [300, 300, 700, 800, 300, 300],
  3: [300, 300, 200, null, 300, 300],
});
const leaders = values({ 1: [4, 4, 4, 6, 4, 4], 2: [4, 4, 4, 6, 4, 4], 3: [4, 4, 4, 0, 4, 4] });
const leadersMax = values({ 1: [4, 4, 6, 6, 4, 4], 2: [4, 4, 5, 6, 4, 4], 3: [4, 4, 4, 2, 4, 4] });
const READ_LATE = T0 + 60 * MIN;

describe('summarizeMskBrokers', () => {
  const s = summarizeMskBrokers(
    query,
    { bytesIn, leaderMin: leaders, leaderMax: leadersMax },
    READ_LATE,
  );

  it('gives each broker its mean and largest bytes in and its fewest and most leaders', () => {
    expect(s.status).toBe('ok');
    expect(s.note).toBeNull();
    expect(s.clusterName).toBe('prod-orders');
    expect(s.minutes).toEqual([0, 1, 2, 3, 4, 5].map((i) => T0 + i * MIN));
    expect(
      s.brokers.map((b) => [
        b.broker,
        b.bytesInMean,
        b.bytesInMax,
        b.leaderCountMin,
        b.leaderCountMax,
      ]),
    ).toEqual([
      [1, 180, 300, 4, 6], // (100×3 + 300×2) / 5
      [2, 450, 800, 4, 6], // 2700 / 6
      [3, 280, 300, 0, 4], // 1400 / 5
    ]);
    expect(s.brokers[2]!.bytesInPerSec).toEqual([300, 300, 200, null, 300, 300]);
    expect(s.brokers[2]!.leaderCount).toEqual([4, 4, 4, 0, 4, 4]);
  });

  it('finds the peak skew where broker 2 carried most while broker 3 was down, and the shares then', () => {
    // Minute 0 is not compared (broker 1 had not published yet). Minute 3: 100 + 800 + 0
    // (broker 3's gap) = 900; broker 2's share 800/900 × 3 brokers = 2.67.
    expect(s.minutesCompared).toBe(5);
    expect(s.peakTrafficSkew).toBe(2.67);
    expect(s.peakTrafficSkewAt).toBe(T0 + 3 * MIN);
    expect(s.peakTrafficSkewBroker).toBe(2);
    expect(s.brokers.map((b) => b.shareAtPeakSkew)).toEqual([0.111, 0.889, 0]);
  });

  it('is partial when the last minutes have no value, and says they may come later', () => {
    const cut = (m: Map<number, Map<number, number>>) =>
      new Map(
        [...m].map(([b, v]) => [b, new Map([...v].filter(([t]) => t < T0 + 3 * MIN))] as const),
      );
    const p = summarizeMskBrokers(
      query,
      { bytesIn: cut(bytesIn), leaderMin: cut(leaders), leaderMax: cut(leadersMax) },
      query.to + 4 * MIN,
    );
    expect(p.status).toBe('partial');
    expect(p.note).toContain('no BytesInPerSec from any broker after 03:03 UTC');
    expect(p.note).toContain('read 4 min after the run');
    expect(p.note).toContain('verify this run again later');
    // The peak is found among what there is: minute 2, broker 2 with 700 of 1000.
    expect(p.peakTrafficSkew).toBe(2.1);
  });

  it('leaves a broker with no value out of the skew and names it', () => {
    const p = summarizeMskBrokers(
      { ...query, brokers: [1, 2, 3, 4] },
      { bytesIn, leaderMin: leaders, leaderMax: leadersMax },
      READ_LATE,
    );
    expect(p.status).toBe('partial');
    expect(p.note).toContain('no data for broker(s) 4');
    expect(p.peakTrafficSkew).toBe(2.67);
    expect(p.brokers[3]).toMatchObject({ broker: 4, bytesInMean: null, shareAtPeakSkew: null });
  });

  it('says no data, and why, when nothing was published for the window', () => {
    const empty = new Map<number, Map<number, number>>();
    const soon = summarizeMskBrokers(
      query,
      { bytesIn: empty, leaderMin: empty, leaderMax: empty },
      query.to + 2 * MIN,
    );
    expect(soon.status).toBe('no-data');
    expect(soon.note).toMatch(/MSK publishes AWS\/Kafka metrics a few minutes late/);
    expect(soon.peakTrafficSkew).toBeNull();
    const late = summarizeMskBrokers(
      query,
      { bytesIn: empty, leaderMin: empty, leaderMax: empty },
      READ_LATE,
    );
    expect(late.note).toMatch(/Check that the Cluster Name dimension is the cluster’s name/);
  });

  it('writes a text block and an HTML table a person reads', () => {
    const text = formatMskBrokers(s);
    expect(text).toContain('MSK BROKER TRAFFIC');
    expect(text).toContain('peak traffic skew 2.67 at 03:03 UTC: broker 2 took 88.9 %');
    expect(text).toMatch(/broker 3 +bytes in mean 280 B\/s/);
    const html = mskBrokersSection(s, [
      { broker: 3, downAt: T0 + 3 * MIN, upAt: T0 + 4 * MIN, windowEnd: null },
    ]);
    expect(html).toContain('data-status="ok"');
    expect(html.match(/<tr data-broker="\d+">/g)).toHaveLength(3);
    expect(html).toContain('id="msk-bytes-chart"');
    expect(html).toContain('data-restart-bands="1"');
    const none = mskBrokersSection(
      summarizeMskBrokers(
        query,
        { bytesIn: new Map(), leaderMin: new Map(), leaderMax: new Map() },
        READ_LATE,
      ),
      [],
    );
    expect(none).not.toContain('<table');
    expect(none).toContain('No AWS/Kafka BytesInPerSec');
  });
});

describe('mskWindowOf and mskClusterName', () => {
  const report = {
    run: { runId: 'r', cluster: 'c', startedAt: T0 + 12_345, endedAt: null },
    reachability: { brokers: [{ broker: 2 }, { broker: 1 }] },
    balance: { topics: [{ leadersPerBroker: { '3': 1, '1': 2 } }] },
    restarts: [{ broker: 5, downAt: 1, upAt: 2 }],
  } as unknown as Report;

  it('spans the run from its start to its last record on minute boundaries, over every broker named', () => {
    expect(mskWindowOf(report, T0, T0 + 5 * MIN + 1)).toEqual({
      from: T0,
      to: T0 + 6 * MIN,
      brokers: [1, 2, 3, 5],
    });
  });

  it('says why there is no window', () => {
    expect(mskWindowOf({ ...report, run: null } as Report, null, null)).toMatch(/no timed record/);
    const bare = { run: report.run, reachability: null, balance: null, restarts: [] };
    expect(mskWindowOf(bare as unknown as Report, T0, T0 + MIN)).toMatch(/names no broker/);
  });

  it('takes the name segment of an MSK ARN', () => {
    expect(mskClusterName(ARN)).toBe('prod-orders');
    expect(mskClusterName('arn:aws:kafka:eu-west-1:123456789012:topic/x/y/z')).toBeNull();
  });
});

describe('readMskBrokers and mskBrokersFor', () => {
  it('asks 3 queries per broker at 60 s, 500 at most per call, and follows NextToken', async () => {
    const calls: { ids: string[]; token?: string; start: Date; end: Date; period?: number }[] = [];
    const client = {
      send: async (c: GetMetricDataCommand) => {
        const q = c.input.MetricDataQueries!;
        calls.push({
          ids: q.map((x) => x.Id!),
          token: c.input.NextToken,
          start: c.input.StartTime!,
          end: c.input.EndTime!,
          period: q[0]!.MetricStat!.Period,
        });
        // The first page of the first call answers broker 1's bytes; the second its leaders.
        if (calls.length === 1) {
          return {
            MetricDataResults: [{ Id: 'bytes1', Timestamps: [new Date(T0)], Values: [5] }],
            NextToken: 'more',
          };
        }
        if (calls.length === 2) {
          return {
            MetricDataResults: [
              { Id: 'lmin1', Timestamps: [new Date(T0 + 30_000)], Values: [2] },
              { Id: 'lmax1', Timestamps: [new Date(T0)], Values: [3] },
            ],
          };
        }
        return { MetricDataResults: [] };
      },
    };
    const brokers = Array.from({ length: 200 }, (_, i) => i + 1);
    const s = await readMskBrokers(client, { ...query, brokers }, () => READ_LATE);
    expect(calls.map((c) => [c.ids.length, c.token])).toEqual([
      [500, undefined],
      [500, 'more'],
      [100, undefined],
    ]);
    expect(calls[0]!.ids.slice(0, 3)).toEqual(['bytes1', 'lmin1', 'lmax1']);
    expect(calls[0]!.period).toBe(60);
    expect([calls[0]!.start.getTime(), calls[0]!.end.getTime()]).toEqual([query.from, query.to]);
    expect(s.brokers[0]).toMatchObject({ bytesInMax: 5, leaderCountMin: 2, leaderCountMax: 3 });
    expect(s.status).toBe('partial');
  });

  it('never throws: a refused read is an unreadable section naming the grant', async () => {
    const denied = Object.assign(
      new Error('User is not authorized to perform cloudwatch:GetMetricData'),
      {
        name: 'AccessDenied',
      },
    );
    const s = await readMskBrokers({ send: () => Promise.reject(denied) }, query, () => READ_LATE);
    expect(s.status).toBe('unreadable');
    expect(s.note).toContain('AccessDenied: User is not authorized');
    expect(s.note).toContain('cloudwatch:GetMetricData');
    expect(formatMskBrokers(s)).toContain('unreadable');
  });

  it('reads nothing for a cluster that is not MSK, or a history without a window', async () => {
    const client = {
      send: () => Promise.reject(new Error('no call expected')),
    };
    const report = {
      run: null,
      reachability: null,
      balance: null,
      restarts: [],
    } as unknown as Report;
    const notMsk = await mskBrokersFor(undefined, client, report, { firstAt: T0, lastAt: T0 });
    expect(notMsk).toMatchObject({ status: 'not-msk', brokers: [], peakTrafficSkew: null });
    const noWindow = await mskBrokersFor(ARN, client, report, { firstAt: null, lastAt: null });
    expect(noWindow.status).toBe('no-window');
    expect(noWindow.clusterName).toBe('prod-orders');
  });
});

describe('the charts of a long run', () => {
  it('draw every minute up to the cap, then k minutes a point: the largest bytes, the fewest leaders', () => {
    const minutes = [0, 1, 2, 3, 4].map((i) => T0 + i * MIN);
    expect(thinSeries(minutes, [[1, 2, 3, 4, 5]], Math.max, 5)).toEqual({
      k: 1,
      t: minutes,
      values: [[1, 2, 3, 4, 5]],
    });
    expect(thinSeries(minutes, [[1, null, 0, 7, null]], Math.max, 2)).toEqual({
      k: 3,
      t: [minutes[0], minutes[3]],
      values: [[1, 7]],
    });
    expect(thinSeries(minutes, [[4, 0, 4, null, null]], Math.min, 2).values).toEqual([[0, null]]);
  });

  it('keep a 12-hour run of 30 brokers under 300 KB of page, and every minute in the section', () => {
    const brokers = Array.from({ length: 30 }, (_, i) => i + 1);
    const long = { ...query, to: T0 + 720 * MIN, brokers };
    const series = (f: (b: number, i: number) => number) =>
      new Map(
        brokers.map((b) => [
          b,
          new Map(Array.from({ length: 720 }, (_, i) => [T0 + i * MIN, f(b, i)])),
        ]),
      );
    const s = summarizeMskBrokers(
      long,
      {
        bytesIn: series((b, i) => 1_234_567 + b * 1000 + i),
        leaderMin: series((b, i) => (i % 50) + b),
        leaderMax: series((b, i) => (i % 50) + b),
      },
      T0 + 800 * MIN,
    );
    expect(s.minutes).toHaveLength(720);
    const html = mskBrokersSection(s, []);
    expect(html).toMatch(new RegExp(`id="msk-bytes-chart"[^>]*data-times="${MSK_CHART_POINTS}"`));
    expect(html).toContain('each point the largest of 3 minutes');
    expect(html.length).toBeLessThan(300_000);
  });
});
