/**
 * The page's MSK broker traffic section (report.json's `mskBrokers`, msk-brokers.ts):
 * the peak traffic skew, one row per broker (bytes in, share at the peak, leader counts)
 * and, with data, bytes in and leader count per broker over the window as inline SVG,
 * with the run's restarts as bands. When the metrics are missing it says why.
 */
import { when } from './formatters.js';
import { escapeHtml as e } from './html-text.js';
import type { MskBrokersSection } from './msk-brokers.js';
import { percent, rate } from './msk-brokers-text.js';
import { stepChart } from './svg-chart.js';
import type { RestartBand } from './timeline.js';

/**
 * At most this many points a line: a longer window is drawn k minutes a point, so a
 * 12-hour run of 30 brokers stays a few hundred KB of page (report.json keeps every minute).
 */
export const MSK_CHART_POINTS = 240;

/** Every k-th minute, each point the `pick` (largest or smallest) of its k values. */
export function thinSeries(
  minutes: readonly number[],
  rows: readonly (number | null)[][],
  pick: (a: number, b: number) => number,
  most = MSK_CHART_POINTS,
): { k: number; t: number[]; values: (number | null)[][] } {
  const k = Math.max(1, Math.ceil(minutes.length / most));
  const t = minutes.filter((_, i) => i % k === 0);
  const values = rows.map((row) =>
    t.map((_, g) => {
      const group = row.slice(g * k, g * k + k).filter((v): v is number => v !== null);
      return group.length === 0 ? null : group.reduce((a, v) => pick(a, v));
    }),
  );
  return { k, t, values };
}

function charts(s: MskBrokersSection, restarts: readonly RestartBand[]): string {
  if (s.from === null || s.to === null || s.minutes.length === 0) return '';
  const brokers = s.brokers.map((b) => b.broker);
  const common = { from: s.from, to: s.to, restarts, yText: (v: number) => rate(v) };
  const bytes = thinSeries(
    s.minutes,
    s.brokers.map((b) => b.bytesInPerSec),
    Math.max,
  );
  const leaders = thinSeries(
    s.minutes,
    s.brokers.map((b) => b.leaderCount),
    Math.min,
  );
  const top = (rows: (number | null)[][]) => Math.max(1, ...rows.flat().map((v) => v ?? 0));
  const per = (k: number, word: string) =>
    k === 1 ? `the minute’s ${word}` : `each point the ${word} of ${k} minutes`;
  return [
    `<h3>Bytes in per broker over time</h3><p>AWS/Kafka BytesInPerSec, ${per(bytes.k, 'largest')} (each minute’s average); a band while a broker was down (from the history).</p>`,
    stepChart({
      ...common,
      id: 'msk-bytes-chart',
      label: 'bytes in per second per broker over time (AWS/Kafka)',
      series: { brokers, t: bytes.t, values: bytes.values },
      yMax: top(bytes.values),
    }),
    `<h3>Leader count per broker over time</h3><p>AWS/Kafka LeaderCount, ${per(leaders.k, 'smallest')} (each minute’s minimum).</p>`,
    stepChart({
      ...common,
      id: 'msk-leaders-chart',
      label: 'partitions led per broker over time (AWS/Kafka)',
      series: { brokers, t: leaders.t, values: leaders.values },
      yMax: top(leaders.values),
      yText: (v) => String(Math.round(v)),
    }),
  ].join('\n');
}

export function mskBrokersSection(s: MskBrokersSection, restarts: readonly RestartBand[]): string {
  const open = `<section id="msk-brokers" data-status="${s.status}"><h2>MSK broker traffic</h2>`;
  const scope = `<p>AWS/Kafka BytesInPerSec and LeaderCount per broker${s.clusterName === null ? '' : ` of cluster <code>${e(s.clusterName)}</code>`}${s.from === null ? '' : `, ${when(s.from)} to ${when(s.to)}`}, one value a minute. These inform; the verdict does not use them.</p>`;
  const note = s.note === null ? '' : `<p class="na" id="msk-brokers-note">${e(s.note)}</p>`;
  // No figure to show (not MSK, not read, nothing published): the note says why.
  if (s.status === 'no-data' || s.brokers.length === 0) return `${open}${scope}${note}</section>`;
  const peak =
    s.peakTrafficSkew === null
      ? '<p>Peak traffic skew: n/a (no minute had every broker’s bytes in).</p>'
      : `<p>Peak traffic skew <b>${s.peakTrafficSkew}</b> at ${when(s.peakTrafficSkewAt)}: broker ${s.peakTrafficSkewBroker} took the largest share of the cluster’s bytes in (1 is even, ${s.brokers.filter((b) => b.bytesInMean !== null).length} is all on one broker; ${s.minutesCompared} minute(s) compared).</p>`;
  const rows = s.brokers.map(
    (b) =>
      `<tr data-broker="${b.broker}"><td>broker ${b.broker}</td><td class="num" data-v="${b.bytesInMean ?? -1}">${rate(b.bytesInMean)}</td><td class="num" data-v="${b.bytesInMax ?? -1}">${rate(b.bytesInMax)}</td><td class="num" data-v="${b.shareAtPeakSkew ?? -1}">${percent(b.shareAtPeakSkew)}</td><td class="num">${b.leaderCountMin ?? 'n/a'}</td><td class="num">${b.leaderCountMax ?? 'n/a'}</td></tr>`,
  );
  return `${open}${scope}${note}${peak}
<div class="scroll"><table id="msk-brokers-table"><thead><tr><th>broker</th><th>bytes in, mean</th><th>bytes in, max</th><th>share at the peak</th><th>leaders, fewest</th><th>leaders, most</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>
${charts(s, restarts)}</section>`;
}
