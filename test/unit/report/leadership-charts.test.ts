/**
 * The balance section's leadership timeline and traffic share (docs/report.md):
 * the series from every `leaders` and `offsets` snapshot, whatever the line
 * order, and their inline SVG with restart bands, in the page.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readReportData, renderHtmlReport } from '../../../functions/core/report/index.js';
import {
  MAX_CHART_POINTS,
  leadersOverTime,
  trafficShareOverTime,
} from '../../../functions/core/report/leadership-series.js';
import type {
  LeadershipSnapshot,
  OffsetsSnapshot,
} from '../../../functions/core/report/collector.js';

const fixtures = join(import.meta.dirname, '../../fixtures/history');
const assets = { uplotJs: '/* uPlot */', uplotCss: '/* css */' };

/** A snapshot: [partition, leader, replicas] per partition. */
function snap(topic: string, at: number, parts: [number, number, number[]][]): LeadershipSnapshot {
  const partitions = parts.map(([partition, leader, replicas]) => ({
    partition,
    leader,
    replicas,
    isr: replicas,
  }));
  return { topic, at, partitions, tie: JSON.stringify(partitions) };
}
const ends = (topic: string, at: number, e: [number, number][]): OffsetsSnapshot => ({
  topic,
  at,
  ends: e,
});

async function page(lines: string[]): Promise<string> {
  const data = await readReportData([lines.join('\n')], { source: 'test' });
  return renderHtmlReport(data, { assets });
}

describe('leadersOverTime', () => {
  it('sums the latest snapshot of each topic at each time any topic was looked at', () => {
    const s = leadersOverTime([
      snap('b', 200, [[0, 2, [2, 1]]]),
      snap('a', 100, [
        [0, 1, [1, 2]],
        [1, 2, [2, 1]],
      ]),
      snap('a', 300, [
        [0, 1, [1, 2]],
        [1, 1, [2, 1]],
      ]),
      // A leaderless partition counts for nobody.
      snap('b', 300, [[0, -1, [2, 1]]]),
    ]);
    expect(s.brokers).toEqual([1, 2]);
    expect(s.t).toEqual([100, 200, 300]);
    expect(s.values).toEqual([
      [1, 1, 2],
      [1, 2, 0],
    ]);
  });

  it('picks one snapshot per topic and time by its tie key, so line order does not matter', () => {
    const x = snap('a', 100, [[0, 1, [1, 2]]]);
    const y = snap('a', 100, [[0, 2, [1, 2]]]);
    expect(leadersOverTime([x, y])).toEqual(leadersOverTime([y, x]));
  });

  it(`keeps at most ${MAX_CHART_POINTS} times, the last among them`, () => {
    const many = Array.from({ length: 4000 }, (_, i) => snap('a', i, [[0, 1 + (i % 2), [1, 2]]]));
    const s = leadersOverTime(many);
    expect(s.t.length).toBeLessThanOrEqual(MAX_CHART_POINTS);
    expect(s.t.at(-1)).toBe(3999);
  });
});

describe('trafficShareOverTime', () => {
  it("gives each interval's end-offset growth to the leaders at its start, as shares per bucket", () => {
    const leaders = [
      snap('a', 0, [
        [0, 1, [1, 2]],
        [1, 2, [2, 1]],
      ]),
      // Broker 2 takes partition 0 at 1000.
      snap('a', 1000, [
        [0, 2, [1, 2]],
        [1, 2, [2, 1]],
      ]),
    ];
    const offsets = [
      ends('a', 2000, [
        [0, 160],
        [1, 60],
      ]),
      ends('a', 0, [
        [0, 0],
        [1, 0],
      ]),
      ends('a', 1000, [
        [0, 30],
        [1, 10],
      ]),
      // No leaders for this topic: left out.
      ends('c', 0, [[0, 0]]),
      ends('c', 1000, [[0, 999]]),
    ];
    const s = trafficShareOverTime(leaders, offsets, 0, 1000);
    expect(s.brokers).toEqual([1, 2]);
    // 0 → 1000: broker 1 wrote 30 of 40; 1000 → 2000: broker 2 all 180.
    expect(s.t).toEqual([2000, 3000]);
    expect(s.values).toEqual([
      [0.75, 0],
      [0.25, 1],
    ]);
  });

  it('has no point where nothing was written', () => {
    const s = trafficShareOverTime(
      [snap('a', 0, [[0, 1, [1]]])],
      [ends('a', 0, [[0, 5]]), ends('a', 100, [[0, 5]])],
      0,
      100,
    );
    expect(s).toEqual({ brokers: [], t: [], values: [] });
  });
});

describe('the balance section', () => {
  const lines = readFileSync(join(fixtures, 'balance-over-time.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);

  it('draws leadership over time with a band per restart, and traffic share with offsets', async () => {
    const html = await page(lines);
    const leadership = html.match(/<svg id="leadership-chart"[^>]*>/)?.[0];
    expect(leadership).toContain('data-brokers="3"');
    expect(leadership).toContain('data-restart-bands="2"');
    // t1's nine snapshots are at eight distinct times.
    expect(leadership).toContain('data-times="8"');
    // Only 0 → 30 s is attributed (at 30 s every partition is leaderless): broker 1 led all of it.
    expect(html).toMatch(/<svg id="traffic-chart"[^>]*data-brokers="1" data-times="1"/);
    expect(html).toMatch(
      /<path class="broker-line" data-broker="1" data-points="1" d="M[\d.]+ 10\.0H/,
    );
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('shows each topic over time: peak skew, time skewed, restoration, peak traffic skew', async () => {
    const html = await page(lines);
    const row = html.match(/<tr data-topic="t1">.*?<\/tr>/)?.[0];
    expect(row).toContain('1.5 at 2025-11-24 02:06:50.000 UTC');
    expect(row).toContain('<td class="num" data-v="5000">5000 ms</td>');
    expect(row).toContain('<td>12 s</td>');
    expect(row).toContain('3 at 2025-11-24 02:06:40.000 UTC');
  });

  it('shows each partition its scheduled p99 beside its produce p99', async () => {
    const html = await page(lines);
    expect(html).toContain('<th>scheduled p99, ms</th>');
    // Partition 0: produce 7 ms, scheduled 807 ms.
    expect(html).toMatch(
      /<td class="num" data-v="7">7<\/td><td class="num" data-v="807">807<\/td>/,
    );
  });

  it('has no traffic chart without offsets records', async () => {
    const html = await page(lines.filter((l) => !l.includes('"offsets"')));
    expect(html).toContain('id="leadership-chart"');
    expect(html).not.toContain('traffic-chart');
  });
});
