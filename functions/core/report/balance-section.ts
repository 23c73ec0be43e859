/**
 * The page's balance section: leaders per broker before and after, leadership
 * over time (and traffic share per broker, with `offsets` records) as inline
 * SVG, each topic's figures at the end and over time.
 */
import { balanceOver } from '../history/balance.js';
import type { BalanceFigures, Report, TopicBalance } from '../history/index.js';
import type { CollectedTimeline } from './collector.js';
import { duration, table, when } from './formatters.js';
import { escapeHtml as e } from './html-text.js';
import { leadersOverTime, trafficShareOverTime } from './leadership-series.js';
import { stepChart } from './svg-chart.js';
import type { TimelineData } from './timeline.js';

function overTime(t: TopicBalance, restartsUp: number): string {
  const peak =
    t.peakLeaderSkew === null ? 'never led' : `${t.peakLeaderSkew} at ${when(t.peakLeaderSkewAt)}`;
  const restored =
    t.leadershipRestoredMs !== null
      ? duration(t.leadershipRestoredMs)
      : restartsUp === 0
        ? 'no broker came up'
        : '<b>not restored</b>';
  const traffic =
    t.peakTrafficSkew === null ? 'n/a' : `${t.peakTrafficSkew} at ${when(t.peakTrafficSkewAt)}`;
  return `<td>${peak}</td><td class="num" data-v="${t.skewedMs}">${duration(t.skewedMs)}</td><td>${restored}</td><td>${traffic}</td>`;
}

function charts(collected: CollectedTimeline, timeline: TimelineData): string {
  const common = { from: timeline.from, to: timeline.to, restarts: timeline.restarts };
  const leaders = leadersOverTime(collected.leaders);
  const most = Math.max(1, ...leaders.values.flat().map((v) => v ?? 0));
  const out = [
    '<h3>Leadership over time</h3><p>Partitions each broker leads, all topics together, at each snapshot; a band while a broker was down.</p>',
    stepChart({
      ...common,
      id: 'leadership-chart',
      label: 'partitions led per broker over time',
      series: leaders,
      yMax: most,
      yText: (v) => String(Math.round(v)),
    }),
  ];
  if (collected.offsets.length > 0) {
    const share = trafficShareOverTime(
      collected.leaders,
      collected.offsets,
      timeline.from,
      timeline.bucketMs,
    );
    out.push(
      '<h3>Traffic share per broker over time</h3><p>Of the records written to the watched topics between two end-offset snapshots, the share each broker led (1 / brokers is even).</p>',
      share.t.length === 0
        ? '<p id="traffic-chart">No records were written between two end-offset snapshots of a topic with a leadership snapshot.</p>'
        : stepChart({
            ...common,
            id: 'traffic-chart',
            label: 'share of traffic per broker over time',
            series: share,
            yMax: 1,
            yText: (v) => `${Math.round(v * 100)}%`,
          }),
    );
  }
  return out.join('\n');
}

function figures(f: BalanceFigures): string {
  return `leader skew <b>${f.leaderSkew ?? 'n/a'}</b>, preferred leaders ${f.preferredLeaderRatio ?? 'n/a'}, ${f.underReplicated} under-replicated, ${f.offline} offline of ${f.partitions} partitions`;
}

export function balanceSection(
  report: Report,
  collected: CollectedTimeline,
  timeline: TimelineData,
): string {
  const balance = report.balance;
  if (balance === null) {
    return '<section id="balance"><h2>Balance</h2><p>The run took no leadership snapshot: balance was not checked.</p></section>';
  }
  const baselineParts = [...collected.baseline.values()].flatMap((s) => s.partitions);
  const before = baselineParts.length > 0 ? balanceOver(baselineParts) : null;
  const after = balance.totals;
  const ids = [
    ...new Set([
      ...Object.keys(before?.leadersPerBroker ?? {}),
      ...Object.keys(after.leadersPerBroker),
    ]),
  ].sort((a, b) => Number(a) - Number(b));
  const most = Math.max(
    1,
    ...Object.values(before?.leadersPerBroker ?? {}),
    ...Object.values(after.leadersPerBroker),
  );
  const rows = ids.map((id) => {
    const b = before?.leadersPerBroker[id];
    const a = after.leadersPerBroker[id] ?? 0;
    const bar = (n: number | undefined, cls: string): string =>
      n === undefined
        ? ''
        : `<span class="${cls}" style="width:${((100 * n) / most).toFixed(1)}%"></span>`;
    return `<tr data-broker="${e(id)}"><td>broker ${e(id)}</td><td class="num">${b ?? '—'}</td><td class="num">${a}</td><td class="bar">${bar(b, 'before')}${bar(a, 'after')}</td></tr>`;
  });
  const restartsUp = report.restarts.filter((r) => r.upAt !== null).length;
  const topics = balance.topics.map(
    (t) =>
      `<tr data-topic="${e(t.topic)}"><td>${e(t.topic)}</td><td>${when(t.at)}</td><td>${figures(t)}</td>${overTime(t, restartsUp)}</tr>`,
  );
  const skewNote =
    after.leaderSkew !== null && after.leaderSkew > report.maxLeaderSkew
      ? ` — above the limit ${report.maxLeaderSkew}`
      : '';
  return `<section id="balance"><h2>Balance</h2>
<p>Before (baseline snapshot): ${before === null ? 'no baseline snapshot' : figures(before)}.<br>After (final snapshot): ${figures(after)}${skewNote}.</p>
<div class="legend"><span><span class="swatch" style="background:#93c5fd"></span>leaders before</span><span><span class="swatch" style="background:#1d4ed8"></span>leaders after</span></div>
<table class="bars" id="balance-table"><thead><tr><th>broker</th><th>leaders before</th><th>leaders after</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>
${charts(collected, timeline)}
<h3>Per topic</h3>${table(
    'topics-table',
    [
      'topic',
      'final snapshot at',
      'figures at the end',
      'peak leader skew',
      `skewed above ${report.maxLeaderSkew}`,
      'preferred leaders back after the last restart',
      'peak traffic skew',
    ],
    topics,
    false,
  )}</section>`;
}
